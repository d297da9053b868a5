/*-------------------------------------------------------------------------
 *
 * modify.c
 *	  UPDATE and DELETE of chunks, sent whole to the data nodes.
 *
 * UPDATE or DELETE on a distributed hypertable is planned by PostgreSQL as
 * one modification per chunk left after constraint exclusion (chunks are
 * the root's children).  Each becomes one statement,
 *
 *	  UPDATE <chunk> SET ... WHERE <conditions>	/	DELETE FROM <chunk> WHERE ...
 *
 * run on every data node holding a fresh replica of the chunk (all
 * replicas must change alike), inside the distributed transaction, so the
 * whole statement commits or rolls back on every node together.  The row
 * count is the count of one replica: the replicas hold the same rows.
 * The replicas are chosen when the statement starts (fdw/replica.c,
 * ChunkWriteServers): a replica whose node is down is left out and, once
 * the statement changed rows, recorded stale in the same transaction, as
 * inserts do; with no fresh replica on a node that answers the statement
 * fails before anything is sent.
 *
 * Statements that cannot be sent whole -- conditions or new values the
 * nodes cannot evaluate, joins, RETURNING, a new time or space value (the
 * row may belong to another chunk), row-level security checks of the new
 * rows -- run row by row instead (modify_row.c).
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/explain.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/pathnode.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "catalog/catalog.h"
#include "fdw/fdw.h"
#include "guc.h"
#include "remote/remote.h"

/* fdw_private of a ForeignScan turned into a direct modification */
enum DirectModifyPrivate
{
	DIRECT_MODIFY_SQL,			/* String */
	DIRECT_MODIFY_SERVERS,		/* OidList: every replica, as planned */
};

typedef struct DirectModifyState
{
	char	   *sql;
	List	   *servers;		/* the replicas written (planned ones for EXPLAIN) */
	List	   *missed;			/* names of the nodes down, whose replicas go stale */
	ReplicaWrites *replicas;
	int32		chunk_id;
	Oid			root_relid;
	RemoteParams *params;
	bool		done;
	int64	   *rows;			/* per server: rows it changed, for EXPLAIN ANALYZE */
} DirectModifyState;

/* The chunk's own ForeignScan among the subplans of the ModifyTable. */
static ForeignScan *
find_chunk_scan(Plan *plan, Index rtindex)
{
	ListCell   *lc;

	if (plan == NULL)
		return NULL;
	if (IsA(plan, ForeignScan))
		return ((ForeignScan *) plan)->scan.scanrelid == rtindex ? (ForeignScan *) plan : NULL;
	if (IsA(plan, Result))
		return find_chunk_scan(outerPlan(plan), rtindex);
	if (IsA(plan, Append))
		foreach(lc, ((Append *) plan)->appendplans)
		{
			Plan	   *sub = lfirst(lc);

			if (IsA(sub, ForeignScan) && ((ForeignScan *) sub)->scan.scanrelid == rtindex)
				return (ForeignScan *) sub;
		}
	return NULL;
}

/*
 * Turn the chunk's ForeignScan into the remote UPDATE or DELETE when the
 * whole statement can run there; else return false and PostgreSQL plans
 * the row-by-row modification of modify_row.c.
 */
static bool
chunk_plan_direct_modify(PlannerInfo *root, ModifyTable *plan, Index rtindex,
						 int subplan_index)
{
	CmdType		op = plan->operation;
	RangeTblEntry *rte = planner_rt_fetch(rtindex, root);
	ForeignScan *fs;
	List	   *params = NIL;
	StringInfoData sql;

	if (op != CMD_UPDATE && op != CMD_DELETE)
		return false;
	/* a join, local conditions or RETURNING need the rows here */
	fs = find_chunk_scan(outerPlan(plan), rtindex);
	if (fs == NULL || fs->scan.plan.qual != NIL || plan->returningLists != NIL)
		return false;

	initStringInfo(&sql);
	if (op == CMD_UPDATE)
	{
		RelOptInfo *rel = find_base_rel(root, rtindex);
		List	   *tlist;
		List	   *colnos;
		ListCell   *lc1,
				   *lc2;

		get_translated_update_targetlist(root, rtindex, &tlist, &colnos);
		appendStringInfo(&sql, "UPDATE %s SET ", DeparseRelationName(rte->relid));
		forboth(lc1, tlist, lc2, colnos)
		{
			TargetEntry *tle = lfirst_node(TargetEntry, lc1);
			AttrNumber	attno = lfirst_int(lc2);

			/* a new time or space value may belong to another chunk */
			if (ChunkColumnIsDimension(rte->relid, attno) ||
				!IsShippableExpr(root, rel, tle->expr))
				return false;
			if (lc1 != list_head(tlist))
				appendStringInfoString(&sql, ", ");
			appendStringInfo(&sql, "%s = ", quote_identifier(get_attname(rte->relid, attno, false)));
			DeparseExprInto(&sql, rte->relid, rtindex, tle->expr, &params);
		}
	}
	else
		appendStringInfo(&sql, "DELETE FROM %s", DeparseRelationName(rte->relid));
	DeparseWhereClause(&sql, rte->relid, rtindex, ChunkScanRemoteConds(fs), &params);

	fs->operation = op;
	fs->resultRelation = rtindex;
	fs->fdw_exprs = params;
	fs->fdw_private = list_make2(makeString(sql.data), ChunkAllServers(rte->relid));
	fs->scan.plan.targetlist = NIL;
	return true;
}

static void
chunk_begin_direct_modify(ForeignScanState *node, int eflags)
{
	ForeignScan *fs = (ForeignScan *) node->ss.ps.plan;
	DirectModifyState *state = palloc0(sizeof(DirectModifyState));
	Chunk	   *chunk;

	state->sql = strVal(list_nth(fs->fdw_private, DIRECT_MODIFY_SQL));
	state->servers = list_nth(fs->fdw_private, DIRECT_MODIFY_SERVERS);
	node->fdw_state = state;
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	chunk = ChunkGetByRelid(RelationGetRelid(node->ss.ss_currentRelation));
	if (chunk != NULL)
	{
		state->chunk_id = chunk->id;
		state->root_relid = HypertableGetById(chunk->hypertable_id)->relid;
	}
	state->replicas = ReplicaWritesCreate();
	state->servers = ChunkWriteServers(RelationGetRelid(node->ss.ss_currentRelation), InvalidOid,
									   state->replicas, &state->missed,
									   fs->operation == CMD_UPDATE ? "update" : "delete from");
	state->params = RemoteParamsCreate(fs->fdw_exprs, &node->ss.ps);
	state->rows = palloc0(sizeof(int64) * Max(1, list_length(state->servers)));
}

/*
 * Run the statement on every replica at once, on the first call; there are
 * never rows to return.
 */
static TupleTableSlot *
chunk_iterate_direct_modify(ForeignScanState *node)
{
	DirectModifyState *state = node->fdw_state;
	EState	   *estate = node->ss.ps.state;
	const char **values;
	List	   *conns = NIL;
	ListCell   *lc;
	bool		first = true;
	bool		changed = false;

	if (!state->done)
	{
		values = RemoteParamsEval(state->params);
		foreach(lc, state->servers)
		{
			DataNodeConn *conn = GetDataNodeConnection(lfirst_oid(lc), REMOTE_TXN_WRITE);

			if (state->params->nparams > 0)
				RemoteSendParams(conn, state->sql, state->params->nparams, values);
			else
				RemoteSend(conn, state->sql);
			conns = lappend(conns, conn);
		}
		foreach(lc, conns)
		{
			DataNodeConn *conn = lfirst(lc);
			PGresult   *res = RemoteGetResult(conn, state->sql);

			if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
				RemoteReportError(ERROR, conn, res, state->sql);
			state->rows[foreach_current_index(lc)] = strtoul(PQcmdTuples(res), NULL, 10);
			if (first)
				estate->es_processed += state->rows[foreach_current_index(lc)];
			first = false;
			changed |= state->rows[foreach_current_index(lc)] > 0;
			PQclear(res);
		}
		/* the replicas on nodes that are down missed the change */
		if (changed)
			foreach(lc, state->missed)
				ReplicaMarkStale(state->replicas, state->chunk_id, lfirst(lc));
		state->done = true;
	}
	return ExecClearTuple(node->ss.ss_ScanTupleSlot);
}

static void
chunk_end_direct_modify(ForeignScanState *node)
{
	DirectModifyState *state = node->fdw_state;

	if (state != NULL && state->replicas != NULL)
		ReplicaWritesEnd(state->replicas, state->root_relid);
}

/*
 * The replicas' names and, with VERBOSE, the statement; under ANALYZE or
 * with multinode.explain_data_node_plans an entry per replica with the rows
 * it changed and its own plan of the statement (explained, not run again).
 */
static void
chunk_explain_direct_modify(ForeignScanState *node, ExplainState *es)
{
	DirectModifyState *state = node->fdw_state;
	StringInfoData names;
	ListCell   *lc;

	initStringInfo(&names);
	foreach(lc, state->servers)
		appendStringInfo(&names, "%s%s", names.len ? ", " : "",
						 GetForeignServer(lfirst_oid(lc))->servername);
	ExplainPropertyText("Data nodes", names.data, es);
	if (es->verbose)
		ExplainPropertyText("Remote SQL", state->sql, es);
	if (!es->analyze && !mn_explain_data_node_plans)
		return;
	ExplainOpenGroup("Data Nodes", "Data Nodes", false, es);
	foreach(lc, state->servers)
	{
		ExplainOpenGroup("Data Node", NULL, true, es);
		ExplainPropertyText("Data node", GetForeignServer(lfirst_oid(lc))->servername, es);
		if (es->format == EXPLAIN_FORMAT_TEXT)
			es->indent++;
		if (es->analyze && state->rows)
			ExplainPropertyInteger("Rows Changed", NULL, state->rows[foreach_current_index(lc)], es);
		/* parameters have values once the statement ran */
		if (mn_explain_data_node_plans)
			ExplainRemotePlan(lfirst_oid(lc), state->sql,
							  list_length(((ForeignScan *) node->ss.ps.plan)->fdw_exprs),
							  state->done ? state->params->values : NULL, es);
		if (es->format == EXPLAIN_FORMAT_TEXT)
			es->indent--;
		ExplainCloseGroup("Data Node", NULL, true, es);
	}
	ExplainCloseGroup("Data Nodes", "Data Nodes", false, es);
}

static int
chunk_is_updatable(Relation rel)
{
	return (1 << CMD_UPDATE) | (1 << CMD_DELETE);
}

void
ChunkFdwModifyRoutine(FdwRoutine *routine)
{
	routine->PlanDirectModify = chunk_plan_direct_modify;
	routine->BeginDirectModify = chunk_begin_direct_modify;
	routine->IterateDirectModify = chunk_iterate_direct_modify;
	routine->EndDirectModify = chunk_end_direct_modify;
	routine->ExplainDirectModify = chunk_explain_direct_modify;
	routine->IsForeignRelUpdatable = chunk_is_updatable;
	ChunkFdwRowModifyRoutine(routine);
}
