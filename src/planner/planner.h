/*-------------------------------------------------------------------------
 *
 * planner.h
 *	  Public face of planner/: planner and executor hooks for hypertables.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef MULTINODE_PLANNER_H
#define MULTINODE_PLANNER_H

#include "access/tupdesc.h"
#include "lib/stringinfo.h"
#include "nodes/pathnodes.h"
#include "nodes/pg_list.h"

/* ---------------------------------------------------------------------------
 * Read path (scan_plan.c, scan_exec.c, exclusion.c): SELECT on a distributed
 * hypertable becomes one DataNodeScan, one remote query per data node.
 * ---------------------------------------------------------------------------
 */
struct Hypertable;

/* Install the read path's planner hook; called once from _PG_init. */
extern void DataNodeScanInit(void);

/* exclusion.c: the chunks (Chunk *) that conditions on rel cannot rule out */
extern List *ChunksAfterExclusion(const struct Hypertable *ht, List *chunks, List *conds,
								  Index varno);
extern bool IsRuntimeExclusionClause(const struct Hypertable *ht, Node *clause, Index varno);
extern void ExclusionTimeBounds(const struct Hypertable *ht, List *conds, Index varno,
								int dim_index, int64 *lower, int64 *upper);

/* expand.c: distributed roots read by a query, expanded from the catalog's slices */
extern void ExpandInit(void);
extern bool ExpandIsMarked(const RangeTblEntry *rte);
extern List *HypertableChunksMatching(const struct Hypertable *ht, List *conds, Index varno);
extern double ExpandRowEstimate(PlannerInfo *root, RelOptInfo *rel, List *chunks);

/* scan_plan.c: a DataNodeScan path's custom_private is a list of these */
typedef struct NodeShare
{
	Oid			server_id;
	List	   *chunks;			/* Chunk * read from this node */
	bool		whole;			/* read the member hypertable, not chunk by chunk */
} NodeShare;

extern bool IsDataNodeScanPath(Path *path);
extern List *DataNodeScanAssign(List *chunks, List **down, bool probe);
extern void DataNodeScanReportUnreadable(List *chunks, List *down) pg_attribute_noreturn();
extern char *NodeShareChunkNames(const NodeShare *share, List **ids);

/* reference_join.c: joins with the "reference_tables" run by the data nodes */
extern void ReferenceJoinInit(void);
extern bool IsReferenceJoinPath(Path *path);
extern List *ReferenceJoinShares(Path *path);

/* The SQL of a reference join, in pieces; a node's: SELECT ... FROM ... */
typedef struct ReferenceJoinSQL
{
	List	   *rels;			/* DeparseRel *: the hypertable's, the reference table's */
	Oid			ht_relid;
	Index		ht_varno;
	List	   *runtime_conds;	/* the hypertable's, for run-time exclusion */
	char	   *chunk_head;		/* "SELECT <columns> FROM " a chunk */
	char	   *chunk_tail;		/* the chunk's conditions, " WHERE ..." */
	char	   *join_tail;		/* after the chunks' "(...": ") r1 JOIN ... [WHERE ...]" */
	char	   *whole_from;		/* " FROM <root> r1 JOIN ... [WHERE ...]" */
} ReferenceJoinSQL;

extern ReferenceJoinSQL *ReferenceJoinDeparse(PlannerInfo *root, Path *path, List **params);
extern char *ReferenceJoinFrom(ReferenceJoinSQL *rj, NodeShare *share);
extern List *ReferenceJoinFailover(ReferenceJoinSQL *rj, const char *select, const char *tail);
/* upper_agg.c: GROUP BY and aggregates computed by the data nodes */
extern void UpperAggInit(void);
/* partialize.c: on a data node, aggregates asked for as states return them */
extern void PartializeInit(void);
/* member_expand.c: on a data node, a member hypertable read names only its matching chunks */
extern void MemberExpandQuery(Query *parse, ParamListInfo params);
/* member_order.c: on a data node, a member read sorted on time takes its chunks in order */
extern void MemberOrderedAppendPaths(PlannerInfo *root, RelOptInfo *rel, Index rti,
									 RangeTblEntry *rte);

/* scan_exec.c: the executor side of the DataNodeScan */
extern struct CustomScanMethods DataNodeScanPlanMethods;
struct CustomScan;
extern void DataNodeScanSetFailover(struct CustomScan *cscan, List *failover);

/*
 * upper_order.c: ORDER BY and LIMIT pushed down to the nodes.  The
 * DataNodeScan's path carries what it promises beyond the plain scan.
 */
typedef struct DataNodeScanPath
{
	CustomPath	cpath;			/* custom_private: the NodeShares */
	List	   *sort_exprs;		/* Expr per remote ORDER BY key, NIL: unsorted */
	List	   *sort_ops;		/* OidList: ordering operator per key */
	List	   *sort_collations;	/* OidList: collation per key */
	List	   *sort_nulls_first;	/* IntList: NULLS FIRST per key */
	Expr	   *limit;			/* int8: each node's LIMIT, NULL: none */
} DataNodeScanPath;

struct CustomScan;
extern void AddOrderedDataNodeScanPath(PlannerInfo *root, RelOptInfo *rel,
									   DataNodeScanPath *base);
extern void DeparseRemoteOrderLimit(StringInfo sql, bool whole, DataNodeScanPath *path,
									Oid relid, Index varno, List **params);
extern void PlanRemoteOrderLimit(struct CustomScan *cscan, DataNodeScanPath *path,
								 List *params);

/* merge_exec.c: merging the nodes' sorted streams */
typedef struct DataNodeMerge DataNodeMerge;
struct RemoteScan;
struct TupleTableSlot;
struct PlanState;
extern DataNodeMerge *DataNodeMergeCreate(struct RemoteScan *scan, TupleDesc tupdesc,
										  List *key_exprs, List *sortops, List *collations,
										  List *nulls_first, struct PlanState *ps);
extern bool DataNodeMergeNext(DataNodeMerge *m, struct TupleTableSlot *slot);
extern void DataNodeMergeReset(DataNodeMerge *m);
extern void DataNodeMergeEnd(DataNodeMerge *m);

/* ---------------------------------------------------------------------------
 * Write path (insert.c, chunk_dispatch.c, copy_from.c): INSERT and COPY FROM
 * into a hypertable's root are routed row by row to chunks by the executor;
 * for distributed hypertables rows are buffered per data node and shipped
 * with COPY (or batched INSERT ... ON CONFLICT), all nodes in parallel.
 * ---------------------------------------------------------------------------
 */
struct ChunkDispatch;
struct EState;
struct ResultRelInfo;
struct TupleTableSlot;
struct PlannedStmt;
struct QueryCompletion;

/* Install the write path's planner hook; called once from _PG_init. */
extern void HypertableInsertInit(void);

/* insert.c: plan the dispatcher's statement sql on a chunk without the chunk's policies */
extern void ChunkStatementBegin(Oid relid, const char *sql);
extern void ChunkStatementEnd(void);

/* chunk_dispatch.c: routing rows of one statement */
typedef struct ChunkDispatchOnConflict
{
	int			action;			/* OnConflictAction */
	char	   *target_sql;		/* "(a, b)" or NULL */
	char	   *update_sql;		/* "DO UPDATE SET ... [WHERE ...]" or NULL */
	char	   *alias;			/* the target's name in update_sql */
	Oid			arbiter_index;	/* the root's index behind target_sql */
} ChunkDispatchOnConflict;

extern struct ChunkDispatch *ChunkDispatchCreate(struct Hypertable *ht,
												 struct ResultRelInfo *root_rri,
												 struct EState *estate,
												 ChunkDispatchOnConflict *on_conflict);
extern bool ChunkDispatchRow(struct ChunkDispatch *cd, struct TupleTableSlot *slot);
extern void ChunkDispatchWantReturning(struct ChunkDispatch *cd);
extern void ChunkDispatchBatchLocal(struct ChunkDispatch *cd);
extern void ChunkDispatchHoldForCommit(struct ChunkDispatch *cd);
extern struct TupleTableSlot *ChunkDispatchReturned(struct ChunkDispatch *cd);
extern bool ChunkDispatchNextReturned(struct ChunkDispatch *cd, struct TupleTableSlot *slot);
extern uint64 ChunkDispatchFinish(struct ChunkDispatch *cd);

/*
 * COPY FROM: input lines for errors.  A data node names a failed row of the
 * access node's COPY as "COPY <table>, row <n> sent by the access node".
 */
#define COPY_ROW_FROM_ACCESS_NODE "sent by the access node"
#define CHUNK_DISPATCH_LINE_CURRENT 0
#define CHUNK_DISPATCH_LINE_KNOWN 1
#define CHUNK_DISPATCH_LINE_UNKNOWN 2
extern void ChunkDispatchSetLine(struct ChunkDispatch *cd, uint64 line);
extern int	ChunkDispatchErrorLine(struct ChunkDispatch *cd, uint64 *line);
extern void ChunkDispatchEnd(struct ChunkDispatch *cd);

/* For EXPLAIN of an insert: per data node written to, what was sent there */
typedef struct ChunkDispatchNodeCount
{
	Oid			server_id;
	uint64		rows;			/* rows routed to the node (each replica counts) */
	uint64		commands;		/* COPY or INSERT statements started */
} ChunkDispatchNodeCount;

extern char *ChunkDispatchRemoteCommand(struct ChunkDispatch *cd);
extern List *ChunkDispatchNodeCounts(struct ChunkDispatch *cd);

/* row_move.c: rows an UPDATE moves to another chunk go through the dispatcher */
extern void RowMoveInit(void);
/* modify_in_list.c: "x IN (SELECT ...)" of an UPDATE/DELETE sent as an array */
extern void ModifyInListInit(void);

/* copy_from.c: COPY ... FROM into a hypertable; false if not ours */
extern bool HypertableCopyFrom(struct PlannedStmt *pstmt, const char *query_string,
							   struct QueryCompletion *qc);

#endif							/* MULTINODE_PLANNER_H */
