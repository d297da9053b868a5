/*-------------------------------------------------------------------------
 *
 * fdw.h
 *	  The timescaledb_fdw foreign-data wrapper: handler, option validation,
 *	  shippability, deparsing to SQL and the per-data-node remote scans.
 *
 * planner/ builds its distributed scans from the pieces declared here: it
 * decides which chunks go to which node, fdw/ says what can run remotely,
 * writes the SQL and fetches the rows.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef MULTINODE_FDW_H
#define MULTINODE_FDW_H

#include "executor/tuptable.h"
#include "foreign/fdwapi.h"
#include "lib/stringinfo.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"
#include "nodes/pg_list.h"
#include "portability/instr_time.h"

/* option.c */

/* Is this a libpq connection option we pass through from the server entry? */
extern bool IsDataNodeLibpqOption(const char *name);

/* The server option "available", false when an operator took the node out. */
extern bool DataNodeOptionAvailable(List *options);
extern int	DataNodeFetchSize(Oid server_id, int default_size);
extern void DataNodeScanCosts(List *server_ids, Cost *startup_cost, Cost *row_cost);
extern int	DataNodeCopyRowsPerMessage(void);
extern List *DataNodeReferenceTables(void);
extern bool DataNodeExtensionShippable(Oid extoid);
extern void CheckDataNodeUserMapping(Node *parsetree);

/* replica.c: which data node serves a chunk */
struct Chunk;
extern bool DataNodeIsAvailable(Oid server_id);
struct ChunkDataNode;
extern bool ChunkReplicaReadable(const struct ChunkDataNode *cdn, List *down);
extern Oid	ChunkChooseReplica(const struct Chunk *chunk, List **load, List *down);
extern List *ChunksChooseReplicas(List *chunks, int spacedim, List *down);
extern Oid	ChunkReadServerNow(Oid chunk_relid, Oid planned, bool probe);
extern Oid	ChunkReplicaServer(const struct Chunk *chunk, const struct ChunkDataNode *cdn);

/* replica.c: writes with some replicas' nodes down */
typedef struct ReplicaWrites ReplicaWrites;
extern ReplicaWrites *ReplicaWritesCreate(void);
extern bool ReplicaNodeIsDown(ReplicaWrites *rw, Oid server_id);
extern void ReplicaMarkStale(ReplicaWrites *rw, int32 chunk_id, const char *node_name);
extern void ReplicaWritesEnd(ReplicaWrites *rw, Oid root_relid);
extern void ReplicaReportNoLive(const struct Chunk *chunk, const char *action);
extern List *ChunkWriteServers(Oid chunk_relid, Oid first, ReplicaWrites *rw, List **missed,
							   const char *action);
extern Oid	ChunkReadServer(Oid chunk_relid);
extern List *ChunkAllServers(Oid chunk_relid);

/* shippable.c: what a data node may evaluate for us */
extern bool IsShippableExpr(PlannerInfo *root, RelOptInfo *baserel, Expr *expr);
extern bool IsRemoteParamExpr(Node *node);
extern bool SessionTimeZoneIsUTC(void);
extern char *NodeTimeZoneName(void);
extern bool IsShippableUpperExpr(PlannerInfo *root, RelOptInfo *baserel, Expr *expr);
extern bool IsShippableJoinExpr(PlannerInfo *root, Relids relids, Expr *expr);
extern void ClassifyConditions(PlannerInfo *root, RelOptInfo *baserel, List *conds,
							   List **remote_conds, List **local_conds);

/* deparse.c: SQL text for the data nodes */
extern void DeparseColumnList(StringInfo buf, Oid reloid, Bitmapset *attrs_used,
							  List **retrieved_attrs);
extern void DeparseWhereClause(StringInfo buf, Oid reloid, Index varno, List *conds,
							   List **params);
extern void DeparseExprInto(StringInfo buf, Oid reloid, Index varno, Expr *expr,
							List **params);
extern char *DeparseRelationName(Oid reloid);

/*
 * A relation of a query the nodes run, and the alias its columns are
 * qualified with there (NULL: none, the query reads it alone).
 */
typedef struct DeparseRel
{
	Index		varno;
	Oid			reloid;
	const char *alias;
} DeparseRel;

extern void DeparseJoinExprInto(StringInfo buf, List *rels, Expr *expr, List **params);
extern void DeparseJoinConditions(StringInfo buf, List *rels, List *conds, List **params);
extern void DeparseAggregateCall(StringInfo buf, List *rels, Aggref *agg, const char *funcname,
								 List **params);
extern void DeparsePartialStateCall(StringInfo buf, List *rels, Aggref *agg, Oid state_type,
									List **params);
extern Bitmapset *ScanAttrsUsed(RelOptInfo *baserel, List *local_conds);

/*
 * scan.c: rows of one query run on one or several data nodes at once.
 *
 * The caller gives, per data node, a server and the SQL to run there (each
 * a SELECT of the same columns); the scan declares a cursor on every node,
 * fetches batches from all nodes in parallel and hands back the rows as
 * tuples of "tupdesc" (columns not in retrieved_attrs are NULL).  Between
 * calls no command is left in flight, so scans may interleave on one
 * connection (a self-join, a subplan).
 */
typedef struct RemoteScan RemoteScan;

extern RemoteScan *RemoteScanCreate(List *server_ids, List *sqls, TupleDesc tupdesc,
									List *retrieved_attrs, List *param_exprs, PlanState *ps);
extern bool RemoteScanNext(RemoteScan *scan, TupleTableSlot *slot);
extern void RemoteScanRestart(RemoteScan *scan);
extern void RemoteScanSkipNode(RemoteScan *scan, int i, bool skip);
extern bool RemoteScanNextFromNode(RemoteScan *scan, int i, TupleTableSlot *slot);
extern int	RemoteScanNumNodes(RemoteScan *scan);
extern void RemoteScanSetRowBound(RemoteScan *scan, int64 row_bound, int bound_param);
extern void RemoteScanEnd(RemoteScan *scan);
extern bool RemoteScanStart(RemoteScan *scan);
extern void RemoteScanSetFailover(RemoteScan *scan, bool failover);
extern void RemoteScanSetReadOnce(RemoteScan *scan, bool read_once);
extern bool RemoteScanNodeFailed(RemoteScan *scan, int i);
extern void RemoteScanSetNodeSQL(RemoteScan *scan, int i, char *sql);
extern const char **RemoteScanParamValues(RemoteScan *scan, int *nparams);

/*
 * What one data node did for a RemoteScan, for EXPLAIN ANALYZE (scan_instr.c).
 * A run is one (re)start of the scan; times are in seconds, from the
 * moment the run sent its first command to the node until the access node
 * read the node's first rows (startup) and its last answer (total), summed
 * over runs.  They are measured only when timing is on.
 */
typedef struct RemoteNodeInstr
{
	int64		loops;			/* runs that queried the node */
	int64		skipped;		/* runs that left it out (RemoteScanSkipNode) */
	int64		rows;			/* rows handed on from the node, all runs */
	int64		received;		/* rows the node sent, all runs */
	int64		round_trips;	/* answers waited for, all runs */
	double		startup;
	double		total;
	bool		running;		/* a run is under way */
	bool		first_seen;		/* this run's first rows (or end) arrived */
	instr_time	run_start;
	instr_time	last_answer;
} RemoteNodeInstr;

extern void RemoteNodeInstrStart(RemoteNodeInstr *ni, bool timing);
extern void RemoteNodeInstrAnswer(RemoteNodeInstr *ni, bool rows_or_end, bool timing);
extern void RemoteNodeInstrStop(RemoteNodeInstr *ni, bool timing);
extern void RemoteNodeInstrTotals(const RemoteNodeInstr *ni, RemoteNodeInstr *out);
extern void RemoteScanSetTiming(RemoteScan *scan, bool timing);
extern const RemoteNodeInstr *RemoteScanNodeInstr(RemoteScan *scan, int i);

/* explain.c: EXPLAIN pieces of remote work */
struct ExplainState;
extern void ExplainRemoteNodeInstr(const RemoteNodeInstr *ni, struct ExplainState *es);
extern void ExplainRemotePlan(Oid server_id, const char *sql, int nparams,
							  const char *const *values, struct ExplainState *es);

/* Evaluating the expressions sent as remote parameters ($1, $2, ...). */
typedef struct RemoteParams
{
	int			nparams;
	List	   *exprstates;		/* ExprState per parameter */
	FmgrInfo   *outfuncs;		/* output function per parameter */
	const char **values;		/* text values, NULL for SQL NULL */
	PlanState  *ps;				/* whose expression context evaluates them */
	MemoryContext cxt;			/* holds the values, reset per evaluation */
} RemoteParams;

extern RemoteParams *RemoteParamsCreate(List *param_exprs, PlanState *ps);
extern const char **RemoteParamsEval(RemoteParams *rp);

/* fdw.c, modify.c: the FdwRoutine entry points of chunks */
extern void ChunkFdwScanRoutine(FdwRoutine *routine);
extern void ChunkFdwModifyRoutine(FdwRoutine *routine);
extern List *ChunkScanRemoteConds(ForeignScan *fs);
extern Oid	ChunkScanServer(ForeignScan *fs);
extern Oid	ChunkScanStateServer(PlanState *ps, Index rtindex);

/*
 * modify_row.c: UPDATE and DELETE row by row.  Rows an UPDATE moves to
 * another chunk are inserted through the hypertable's routing, which
 * planner/ (above us) registers at load: begin for the root relid, with rows
 * in the chunk's descriptor desc, route each, end once all are sent.
 */
typedef struct ChunkRowRouter
{
	void	   *(*begin) (Oid root_relid, TupleDesc desc, EState *estate);
	void		(*route) (void *state, TupleTableSlot *slot);
	void		(*end) (void *state);
} ChunkRowRouter;

extern void ChunkSetRowRouter(const ChunkRowRouter *router);
extern void ChunkFdwRowModifyRoutine(FdwRoutine *routine);
extern bool ChunkColumnIsDimension(Oid chunk_relid, AttrNumber chunk_attno);

/* costs of a scan through a data node, shared with planner/ */
#define DATA_NODE_SCAN_STARTUP_COST 100.0	/* a round trip, a cursor */
#define DATA_NODE_SCAN_ROW_COST 0.01	/* sending and converting one row */

#endif							/* MULTINODE_FDW_H */
