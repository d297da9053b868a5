/*-------------------------------------------------------------------------
 *
 * fdw.c
 *	  The timescaledb_fdw handler, and the scan of one chunk.
 *
 * Foreign tables of this wrapper are the chunks of distributed hypertables
 * on the access node.  Queries on a hypertable do not scan them one by one:
 * planner/ replaces the chunks with one scan per data node.  A chunk is
 * still scanned on its own when it is named directly (SELECT ... FROM
 * _timescaledb_internal._dist_hyper_1_1_chunk), and it is the unit of
 * UPDATE and DELETE (modify.c).  Such a scan reads the chunk from one of
 * the data nodes that hold it, sending the conditions shippable.c allows.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/sysattr.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/prep.h"
#include "optimizer/restrictinfo.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "fdw/fdw.h"
#include "guc.h"

/* what GetForeignRelSize learnt, for GetForeignPaths and GetForeignPlan */
typedef struct ChunkRelInfo
{
	List	   *remote_conds;
	List	   *local_conds;
} ChunkRelInfo;

/* fdw_private of a chunk's ForeignScan */
enum ChunkScanPrivate
{
	CHUNK_SCAN_SQL,				/* String: the remote query */
	CHUNK_SCAN_ATTRS,			/* IntList: retrieved attribute numbers */
	CHUNK_SCAN_SERVER,			/* Integer: the data node's server OID */
	CHUNK_SCAN_REMOTE_CONDS,	/* List: shipped conditions, for modify.c */
};

typedef struct ChunkScanState
{
	RemoteScan *scan;
	char	   *sql;
	Oid			server_id;
} ChunkScanState;

/* Rows of a chunk we know nothing about; chunks are rarely scanned alone. */
#define DEFAULT_CHUNK_ROWS 1000

static void
chunk_rel_size(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	ChunkRelInfo *info = palloc0(sizeof(ChunkRelInfo));
	double		tuples = baserel->tuples > 0 ? baserel->tuples : DEFAULT_CHUNK_ROWS;

	ClassifyConditions(root, baserel, baserel->baserestrictinfo,
					   &info->remote_conds, &info->local_conds);
	baserel->fdw_private = info;
	baserel->rows = clamp_row_est(tuples *
								  clauselist_selectivity(root, baserel->baserestrictinfo,
														 0, JOIN_INNER, NULL));
}

static void
chunk_paths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	Cost		startup = DATA_NODE_SCAN_STARTUP_COST;
	Cost		total = startup + baserel->rows * DATA_NODE_SCAN_ROW_COST;

	add_path(baserel, (Path *) create_foreignscan_path(root, baserel, NULL, baserel->rows,
													   startup, total, NIL, NULL, NULL, NIL));
}

/*
 * SELECT ... FOR UPDATE/SHARE on a hypertable plans its chunks one by one
 * (planner/ leaves row-locking queries alone); lock the rows on the node
 * that is read, as postgres_fdw does.
 */
static void
append_row_lock(StringInfo sql, PlannerInfo *root, RelOptInfo *baserel)
{
	PlanRowMark *rc = get_plan_rowmark(root->rowMarks, baserel->relid);

	if (rc == NULL)
		return;
	switch (rc->strength)
	{
		case LCS_NONE:
			break;
		case LCS_FORKEYSHARE:
		case LCS_FORSHARE:
			appendStringInfoString(sql, " FOR SHARE");
			break;
		case LCS_FORNOKEYUPDATE:
		case LCS_FORUPDATE:
			appendStringInfoString(sql, " FOR UPDATE");
			break;
	}
}

static ForeignScan *
chunk_plan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
		   ForeignPath *best_path, List *tlist, List *scan_clauses, Plan *outer_plan)
{
	ChunkRelInfo *info = baserel->fdw_private;
	List	   *local_exprs = NIL;
	List	   *retrieved_attrs;
	List	   *params = NIL;
	Bitmapset  *attrs_used;
	StringInfoData sql;
	ListCell   *lc;

	/* scan_clauses are baserestrictinfo: we make no parameterized paths */
	foreach(lc, scan_clauses)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (ri->pseudoconstant)
			continue;
		if (list_member_ptr(info->local_conds, ri))
			local_exprs = lappend(local_exprs, ri->clause);
	}

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	attrs_used = ScanAttrsUsed(baserel, info->local_conds);
	DeparseColumnList(&sql, foreigntableid, attrs_used, &retrieved_attrs);
	/*
	 * The row identity of a row-by-row UPDATE or DELETE (modify_row.c); a
	 * row lock's ctid is not ours to fetch (the lock is taken remotely).
	 */
	if (bms_is_member(baserel->relid, root->all_result_relids) &&
		bms_is_member(SelfItemPointerAttributeNumber - FirstLowInvalidHeapAttributeNumber,
					  attrs_used))
	{
		/* instead of the "NULL" of an empty column list */
		if (retrieved_attrs == NIL)
			sql.len = strlen("SELECT ");
		appendStringInfoString(&sql, retrieved_attrs == NIL ? "ctid" : ", ctid");
		retrieved_attrs = lappend_int(retrieved_attrs, SelfItemPointerAttributeNumber);
	}
	appendStringInfo(&sql, " FROM %s", DeparseRelationName(foreigntableid));
	DeparseWhereClause(&sql, foreigntableid, baserel->relid, info->remote_conds, &params);
	append_row_lock(&sql, root, baserel);

	return make_foreignscan(tlist, local_exprs, baserel->relid, params,
							list_make4(makeString(sql.data), retrieved_attrs,
									   makeInteger((int) ChunkReadServer(foreigntableid)),
									   extract_actual_clauses(info->remote_conds, false)),
							NIL, NIL, outer_plan);
}

static void
chunk_begin_scan(ForeignScanState *node, int eflags)
{
	ForeignScan *fs = (ForeignScan *) node->ss.ps.plan;
	ChunkScanState *state = palloc0(sizeof(ChunkScanState));

	state->sql = strVal(list_nth(fs->fdw_private, CHUNK_SCAN_SQL));
	state->server_id = (Oid) intVal(list_nth(fs->fdw_private, CHUNK_SCAN_SERVER));
	node->fdw_state = state;
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	/* the rows an UPDATE or DELETE changes are read from a node that answers */
	state->server_id = ChunkReadServerNow(RelationGetRelid(node->ss.ss_currentRelation),
										  state->server_id,
										  ExecRelationIsTargetRelation(node->ss.ps.state,
																	   fs->scan.scanrelid));
	state->scan = RemoteScanCreate(list_make1_oid(state->server_id),
								   list_make1(state->sql),
								   RelationGetDescr(node->ss.ss_currentRelation),
								   list_nth(fs->fdw_private, CHUNK_SCAN_ATTRS),
								   fs->fdw_exprs, &node->ss.ps);
	RemoteScanSetTiming(state->scan, (node->ss.ps.state->es_instrument & INSTRUMENT_TIMER) != 0);
}

static TupleTableSlot *
chunk_iterate(ForeignScanState *node)
{
	ChunkScanState *state = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	if (RemoteScanNext(state->scan, slot))
		slot->tts_tableOid = RelationGetRelid(node->ss.ss_currentRelation);
	return slot;
}

static void
chunk_rescan(ForeignScanState *node)
{
	ChunkScanState *state = node->fdw_state;

	RemoteScanRestart(state->scan);
}

static void
chunk_end_scan(ForeignScanState *node)
{
	ChunkScanState *state = node->fdw_state;

	if (state && state->scan)
		RemoteScanEnd(state->scan);
}

/*
 * The data node read and, with VERBOSE, the SQL; under ANALYZE what the
 * node did; with multinode.explain_data_node_plans the node's own plan.
 */
static void
chunk_explain(ForeignScanState *node, ExplainState *es)
{
	ChunkScanState *state = node->fdw_state;
	int			nparams = list_length(((ForeignScan *) node->ss.ps.plan)->fdw_exprs);
	const char **values = NULL;

	ExplainPropertyText("Data node", GetForeignServer(state->server_id)->servername, es);
	if (es->verbose)
		ExplainPropertyText("Remote SQL", state->sql, es);
	if (es->analyze && state->scan)
		ExplainRemoteNodeInstr(RemoteScanNodeInstr(state->scan, 0), es);
	if (mn_explain_data_node_plans)
	{
		if (state->scan)
			values = RemoteScanParamValues(state->scan, &nparams);
		ExplainRemotePlan(state->server_id, state->sql, nparams, values, es);
	}
}

/*
 * ANALYZE of a hypertable reaches its chunks; their statistics live on the
 * data nodes, so the chunks are skipped here.
 */
static bool
chunk_analyze(Relation relation, AcquireSampleRowsFunc *func, BlockNumber *totalpages)
{
	return false;
}

void
ChunkFdwScanRoutine(FdwRoutine *routine)
{
	routine->GetForeignRelSize = chunk_rel_size;
	routine->GetForeignPaths = chunk_paths;
	routine->GetForeignPlan = chunk_plan;
	routine->BeginForeignScan = chunk_begin_scan;
	routine->IterateForeignScan = chunk_iterate;
	routine->ReScanForeignScan = chunk_rescan;
	routine->EndForeignScan = chunk_end_scan;
	routine->ExplainForeignScan = chunk_explain;
	routine->AnalyzeForeignTable = chunk_analyze;
}

/* The data node a chunk scan reads, whose ctids a row-by-row modify uses. */
Oid
ChunkScanServer(ForeignScan *fs)
{
	return (Oid) intVal(list_nth(fs->fdw_private, CHUNK_SCAN_SERVER));
}

/* What ChunkScanStateServer looks for, and finds */
typedef struct ScanServerSearch
{
	Index		rtindex;
	Oid			server_id;
} ScanServerSearch;

static bool
find_scan_server(PlanState *ps, void *context)
{
	ScanServerSearch *search = context;

	if (ps == NULL)
		return false;
	if (IsA(ps, ForeignScanState) &&
		((ForeignScanState *) ps)->fdwroutine->BeginForeignScan == chunk_begin_scan &&
		((Scan *) ps->plan)->scanrelid == search->rtindex &&
		((ForeignScanState *) ps)->fdw_state != NULL)
	{
		search->server_id = ((ChunkScanState *) ((ForeignScanState *) ps)->fdw_state)->server_id;
		return true;
	}
	return planstate_tree_walker(ps, find_scan_server, context);
}

/*
 * The data node the started scan of chunk rtindex under ps reads (its
 * ctids are that node's), InvalidOid if there is no such scan.
 */
Oid
ChunkScanStateServer(PlanState *ps, Index rtindex)
{
	ScanServerSearch search = {rtindex, InvalidOid};

	(void) find_scan_server(ps, &search);
	return search.server_id;
}

/* The remote conditions a chunk scan ships, for direct modification. */
List *
ChunkScanRemoteConds(ForeignScan *fs)
{
	return list_nth(fs->fdw_private, CHUNK_SCAN_REMOTE_CONDS);
}

PG_FUNCTION_INFO_V1(multinode_fdw_handler);

Datum
multinode_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	ChunkFdwScanRoutine(routine);
	ChunkFdwModifyRoutine(routine);
	PG_RETURN_POINTER(routine);
}
