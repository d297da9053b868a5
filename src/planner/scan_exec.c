/*-------------------------------------------------------------------------
 *
 * scan_exec.c
 *	  Executing a DataNodeScan: one remote query per data node, all nodes
 *	  at once, rows returned as tuples of the hypertable's root.
 *
 * The fetching itself (cursors, parallel rounds, bounded memory) is
 * fdw/scan.c's RemoteScan; this file is the CustomScan glue: it evaluates
 * the conditions the nodes could not (ExecScan applies the plan's qual and
 * projection), restarts the remote queries on rescan -- a new parameter
 * value from a nested loop or a correlated subquery gives new remote
 * queries -- and shows per data node its chunks, SQL, activity under
 * ANALYZE and, on request, its own plan in EXPLAIN.
 *
 * At every (re)start, conditions on the partitioning columns whose values
 * only then become known (device = $1, time > now() - interval '1 day')
 * exclude chunks once more, and data nodes left with none are not
 * contacted: a prepared statement for one device reads one node.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "catalog/catalog.h"
#include "fdw/fdw.h"
#include "guc.h"
#include "planner/planner.h"
#include "remote/remote.h"

/* custom_private of the plan, see scan_plan.c */
enum DataNodeScanPrivate
{
	DNS_RETRIEVED_ATTRS,		/* IntList */
	DNS_SERVERS,				/* OidList, one per node */
	DNS_SQLS,					/* String per node */
	DNS_CHUNKS,					/* String per node: its chunks, for EXPLAIN */
	DNS_CHUNK_IDS,				/* IntList per node: its chunks' ids */
	DNS_NPARAMS,				/* Integer: custom_exprs that are remote params */
	DNS_ORDER,					/* optional, see PlanRemoteOrderLimit */
	/* optional, for plans that read no relation (planner/upper_agg.c): */
	DNS_NEEDS_UTC,				/* Boolean: the SQL assumes TimeZone UTC */
	DNS_RUNTIME_CONDS,			/* run-time exclusion conditions, as planned */
	DNS_HYPERTABLE,				/* IntList: the root's relid, its varno there */
	/* then for every plan (NIL or padding above for plain scans): */
	DNS_FAILOVER,				/* NIL, or Strings: the SQL naming chunks */
};

/* The DNS_FAILOVER list: a node's SQL for chunks c1..cn is */
enum DataNodeScanFailover
{
	DNS_FAILOVER_PREFIX,		/* PREFIX */
	DNS_FAILOVER_HEAD,			/* HEAD c1 TAIL UNION ALL ... HEAD cn TAIL */
	DNS_FAILOVER_TAIL,
	DNS_FAILOVER_SUFFIX,		/* SUFFIX */
	DNS_FAILOVER_WHOLE,			/* optional Boolean: groups computed whole */
};

/* The DNS_ORDER list: pushed-down ORDER BY (keys last in custom_exprs), LIMIT */
enum DataNodeScanOrder
{
	DNS_ORDER_NKEYS,			/* Integer */
	DNS_ORDER_SORTOPS,			/* OidList */
	DNS_ORDER_COLLATIONS,		/* OidList */
	DNS_ORDER_NULLS_FIRST,		/* IntList */
	DNS_ORDER_ROW_BOUND,		/* Integer: rows per node at most, -1: unknown */
	DNS_ORDER_BOUND_PARAM,		/* Integer: else the $n bounding them, 0: none */
};

/* A condition decided at run time: column <op> operand */
typedef struct RuntimeCond
{
	Expr	   *clause;
	int			argno;			/* the operand's position in the clause's args */
	ExprState  *operand;
} RuntimeCond;

typedef struct DataNodeScanState
{
	CustomScanState css;
	RemoteScan *scan;
	DataNodeMerge *merge;		/* the nodes' rows come sorted: merge them */
	List	   *runtime_conds;	/* RuntimeCond *; NIL: nothing to decide */
	bool		decided;		/* nodes to skip chosen for this run */
	int			nskipped;		/* for EXPLAIN ANALYZE: at the last decision */
	MemoryContext decidecxt;
	List	   *servers;		/* OidList: the nodes, as planned */
	List	   *chunk_ids;		/* IntList per node: the chunks it reads now */
	List	   *failover;		/* DNS_FAILOVER, NIL: no failing over */
	int			eflags;			/* for starting the fallback plan */
	PlanState  *fallback;		/* running the plan's fallback instead */
} DataNodeScanState;

static Node *create_state(CustomScan *cscan);

CustomScanMethods DataNodeScanPlanMethods = {
	.CustomName = "DataNodeScan",
	.CreateCustomScanState = create_state,
};

/*
 * Is plan the statement's only remote read, run once?  So when the
 * statement is a plain SELECT (no row locks, no data-modifying WITH, no
 * subplans, which could hold other scans or run this one again) and every
 * node above plan has it as its only input and runs it once.  Its nodes are
 * then read by no other command of the statement, which lets a small run
 * skip the remote transaction (RemoteScanSetReadOnce).
 */
static bool
only_remote_read(PlannedStmt *stmt, Plan *plan)
{
	Plan	   *p = stmt->planTree;

	if (stmt->commandType != CMD_SELECT || stmt->hasModifyingCTE || stmt->rowMarks != NIL ||
		stmt->subplans != NIL)
		return false;
	while (p != plan)
	{
		if (p == NULL || p->righttree != NULL || p->initPlan != NIL)
			return false;
		switch (nodeTag(p))
		{
			case T_Limit:
			case T_Agg:
			case T_Sort:
			case T_IncrementalSort:
			case T_Unique:
			case T_Result:
				p = p->lefttree;
				break;
			default:
				return false;
		}
	}
	return plan->initPlan == NIL;
}

static void
begin_scan(CustomScanState *node, EState *estate, int eflags)
{
	DataNodeScanState *state = (DataNodeScanState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	int			nparams = intVal(list_nth(cscan->custom_private, DNS_NPARAMS));
	List	   *order = list_length(cscan->custom_private) > DNS_ORDER ?
		list_nth(cscan->custom_private, DNS_ORDER) : NIL;
	int			nkeys = order ? intVal(list_nth(order, DNS_ORDER_NKEYS)) : 0;
	int			nruntime = list_length(cscan->custom_exprs) - nparams - nkeys;
	List	   *runtime_conds = list_copy_head(list_copy_tail(cscan->custom_exprs, nparams), nruntime);
	List	   *sqls = NIL;
	ListCell   *lc;

	state->eflags = eflags;
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	/*
	 * A plan that ships date_trunc on timestamptz was made while TimeZone was
	 * UTC, as on the nodes; a cached plan must not run under another one.
	 */
	if (list_length(cscan->custom_private) > DNS_NEEDS_UTC &&
		boolVal(list_nth(cscan->custom_private, DNS_NEEDS_UTC)) &&
		!SessionTimeZoneIsUTC())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cached plan for a distributed hypertable was made for TimeZone UTC"),
				 errhint("Prepare the statement again under the current TimeZone.")));
	foreach(lc, list_nth(cscan->custom_private, DNS_SQLS))
		sqls = lappend(sqls, strVal(lfirst(lc)));
	/* scanrelid 0: rows of custom_scan_tlist, pushed-down aggregation */
	state->scan = RemoteScanCreate(list_nth(cscan->custom_private, DNS_SERVERS), sqls,
								   node->ss.ss_ScanTupleSlot->tts_tupleDescriptor,
								   list_nth(cscan->custom_private, DNS_RETRIEVED_ATTRS),
								   list_copy_head(cscan->custom_exprs, nparams), &node->ss.ps);
	RemoteScanSetTiming(state->scan, (estate->es_instrument & INSTRUMENT_TIMER) != 0);
	state->servers = list_nth(cscan->custom_private, DNS_SERVERS);
	state->chunk_ids = list_copy(list_nth(cscan->custom_private, DNS_CHUNK_IDS));
	if (list_length(cscan->custom_private) > DNS_FAILOVER)
		state->failover = list_nth(cscan->custom_private, DNS_FAILOVER);
	RemoteScanSetFailover(state->scan, state->failover != NIL);
	RemoteScanSetReadOnce(state->scan, only_remote_read(estate->es_plannedstmt, &cscan->scan.plan));
	if (order != NIL)
	{
		RemoteScanSetRowBound(state->scan, intVal(list_nth(order, DNS_ORDER_ROW_BOUND)),
							  intVal(list_nth(order, DNS_ORDER_BOUND_PARAM)));
		/* one node's stream is sorted already */
		if (nkeys > 0 && list_length(list_nth(cscan->custom_private, DNS_SERVERS)) > 1)
			state->merge = DataNodeMergeCreate(state->scan,
											   RelationGetDescr(node->ss.ss_currentRelation),
											   list_copy_tail(cscan->custom_exprs,
															  nparams + nruntime),
											   list_nth(order, DNS_ORDER_SORTOPS),
											   list_nth(order, DNS_ORDER_COLLATIONS),
											   list_nth(order, DNS_ORDER_NULLS_FIRST),
											   &node->ss.ps);
	}

	if (cscan->scan.scanrelid == 0 && list_length(cscan->custom_private) > DNS_RUNTIME_CONDS)
	{
		/* kept out of custom_exprs, whose columns setrefs.c would look for */
		runtime_conds = copyObject(list_nth(cscan->custom_private, DNS_RUNTIME_CONDS));
		fix_opfuncids((Node *) runtime_conds);
	}
	foreach(lc, runtime_conds)
	{
		RuntimeCond *rc = palloc0(sizeof(RuntimeCond));
		List	   *args = IsA(lfirst(lc), OpExpr) ?
			((OpExpr *) lfirst(lc))->args : ((ScalarArrayOpExpr *) lfirst(lc))->args;

		rc->clause = lfirst(lc);
		rc->argno = IsRemoteParamExpr(lsecond(args)) ? 1 : 0;
		rc->operand = ExecInitExpr(list_nth(args, rc->argno), &node->ss.ps);
		state->runtime_conds = lappend(state->runtime_conds, rc);
	}
	state->decidecxt = AllocSetContextCreate(CurrentMemoryContext, "multinode run-time exclusion",
											 ALLOCSET_SMALL_SIZES);
}

/*
 * Run-time chunk exclusion: evaluate the operands of the conditions kept
 * for it, turn them into constants and exclude chunks with them as the
 * planner does with constants; a data node none of whose chunks survive is
 * not contacted at all.
 */
/* The scan's hypertable, and the varno of its root in the plan. */
static Hypertable *
scan_hypertable(DataNodeScanState *state, Index *varno)
{
	CustomScan *cscan = (CustomScan *) state->css.ss.ps.plan;
	Relation	rel = state->css.ss.ss_currentRelation;
	List	   *relid_varno = rel ? NIL : list_nth(cscan->custom_private, DNS_HYPERTABLE);

	*varno = rel ? cscan->scan.scanrelid : lsecond_int(relid_varno);
	return HypertableGetByRelid(rel ? RelationGetRelid(rel) : linitial_int(relid_varno));
}

static void
skip_excluded_nodes(DataNodeScanState *state)
{
	ExprContext *econtext = state->css.ss.ps.ps_ExprContext;
	Index		varno;
	Hypertable *ht = scan_hypertable(state, &varno);
	List	   *conds = NIL;
	List	   *surviving = NIL;
	List	   *ids_per_node = state->chunk_ids;
	MemoryContext old;
	ListCell   *lc;
	int			i = 0;

	if (ht == NULL)
		return;
	MemoryContextReset(state->decidecxt);
	old = MemoryContextSwitchTo(state->decidecxt);
	foreach(lc, state->runtime_conds)
	{
		RuntimeCond *rc = lfirst(lc);
		Expr	   *clause = copyObject(rc->clause);
		List	   *args = IsA(clause, OpExpr) ?
			((OpExpr *) clause)->args : ((ScalarArrayOpExpr *) clause)->args;
		Node	   *operand = list_nth(args, rc->argno);
		bool		isnull;
		Datum		value = ExecEvalExpr(rc->operand, econtext, &isnull);
		int16		typlen;
		bool		typbyval;

		get_typlenbyval(exprType(operand), &typlen, &typbyval);
		list_nth_cell(args, rc->argno)->ptr_value =
			makeConst(exprType(operand), exprTypmod(operand), exprCollation(operand),
					  typlen, value, isnull, typbyval);
		conds = lappend(conds, clause);
	}
	/* searched in the catalog's slices; chunks not in the plan are ignored below */
	surviving = HypertableChunksMatching(ht, conds, varno);

	state->nskipped = 0;
	foreach(lc, ids_per_node)
	{
		bool		skip = true;
		ListCell   *lc2;

		foreach(lc2, surviving)
			if (list_member_int(lfirst(lc), ((Chunk *) lfirst(lc2))->id))
				skip = false;
		RemoteScanSkipNode(state->scan, i++, skip);
		state->nskipped += skip;
	}
	MemoryContextSwitchTo(old);
}

static Chunk *
chunk_by_id(List *chunks, int32 id)
{
	ListCell   *lc;

	foreach(lc, chunks)
		if (((Chunk *) lfirst(lc))->id == id)
			return lfirst(lc);
	return NULL;
}

static int
server_index(List *servers, Oid server_id)
{
	ListCell   *lc;

	foreach(lc, servers)
		if (lfirst_oid(lc) == server_id)
			return foreach_current_index(lc);
	return -1;
}

/* A node's SQL reading the chunks "ids" by name (DNS_FAILOVER). */
static char *
failover_sql(List *failover, List *chunks, List *ids)
{
	StringInfoData sql;
	ListCell   *lc;
	bool		first = true;

	initStringInfo(&sql);
	appendStringInfoString(&sql, strVal(list_nth(failover, DNS_FAILOVER_PREFIX)));
	foreach(lc, ids)
	{
		Chunk	   *chunk = chunk_by_id(chunks, lfirst_int(lc));

		if (chunk == NULL)
			continue;
		appendStringInfo(&sql, "%s%s%s%s", first ? "" : " UNION ALL ",
						 strVal(list_nth(failover, DNS_FAILOVER_HEAD)),
						 quote_qualified_identifier(chunk->schema_name, chunk->table_name),
						 strVal(list_nth(failover, DNS_FAILOVER_TAIL)));
		first = false;
	}
	appendStringInfoString(&sql, strVal(list_nth(failover, DNS_FAILOVER_SUFFIX)));
	return sql.data;
}

/* The chunks (Chunk *) the nodes marked in failed[] were to read, still existing. */
static List *
failed_chunks(DataNodeScanState *state, List *chunks, const bool *failed)
{
	List	   *result = NIL;
	int			i;

	for (i = 0; i < list_length(state->servers); i++)
	{
		ListCell   *lc;

		if (!failed[i])
			continue;
		foreach(lc, list_nth(state->chunk_ids, i))
		{
			Chunk	   *chunk = chunk_by_id(chunks, lfirst_int(lc));

			if (chunk != NULL)
				result = lappend(result, chunk);
		}
	}
	return result;
}

/*
 * The chunks of the failed nodes, each given to the scan's node, among the
 * others, that holds a fresh replica of it and has gained the fewest so
 * far (gained[]).  Returns the chunks no such node holds.
 */
static List *
assign_chunks(DataNodeScanState *state, List *chunks, const bool *failed, List *down,
			  List **gained)
{
	List	   *unreadable = NIL;
	ListCell   *lc;

	foreach(lc, failed_chunks(state, chunks, failed))
	{
		Chunk	   *chunk = lfirst(lc);
		int			target = -1;
		ListCell   *lc2;

		foreach(lc2, chunk->data_nodes)
		{
			ChunkDataNode *cdn = lfirst(lc2);
			int			j = server_index(state->servers, cdn->server_id);

			if (j >= 0 && !failed[j] && ChunkReplicaReadable(cdn, down) &&
				(target < 0 || list_length(gained[j]) < list_length(gained[target])))
				target = j;
		}
		if (target < 0)
			unreadable = lappend(unreadable, chunk);
		else
			gained[target] = lappend_int(gained[target], chunk->id);
	}
	return unreadable;
}

/* Whether the server holds a fresh replica of every chunk of "slice". */
static bool
holds_slice(Oid server_id, List *slice, List *down)
{
	ListCell   *lc;

	foreach(lc, slice)
	{
		bool		fresh = false;
		ListCell   *lc2;

		foreach(lc2, ((Chunk *) lfirst(lc))->data_nodes)
		{
			ChunkDataNode *cdn = lfirst(lc2);

			if (cdn->server_id == server_id && ChunkReplicaReadable(cdn, down))
				fresh = true;
		}
		if (!fresh)
			return false;
	}
	return true;
}

/*
 * assign_chunks for an aggregation the nodes compute whole (upper_agg.c):
 * a group is finished on the node holding its rows, so the rows of one
 * space value must stay on one node.  The plan read every space slice
 * from one node; the failed nodes' chunks go by slice -- with the slices
 * overlapping it, should the number of partitions have changed -- all to
 * one node holding fresh replicas of every one of them, whose groups then
 * stay disjoint from the other nodes'.  A slice no node can take whole is
 * returned, all its chunks: reading them from several nodes would give a
 * group twice.
 */
static List *
assign_slices(DataNodeScanState *state, Hypertable *ht, List *chunks, const bool *failed,
			  List *down, List **gained)
{
	List	   *pending = failed_chunks(state, chunks, failed);
	List	   *unreadable = NIL;
	int			spacedim = -1;
	int			nspace = 0;
	int			i;

	for (i = 0; ht != NULL && i < ht->num_dimensions; i++)
		if (ht->dimensions[i].is_space)
		{
			spacedim = i;
			nspace++;
		}
	/* the slices are not known as the plan saw them: nothing moves */
	if (nspace != 1)
		return pending;

	while (pending != NIL)
	{
		List	   *slice = list_make1(linitial(pending));
		bool		grown = true;
		int			target = -1;

		pending = list_delete_first(pending);
		while (grown)
		{
			ListCell   *lc;

			CHECK_FOR_INTERRUPTS();
			grown = false;
			foreach(lc, pending)
			{
				Chunk	   *chunk = lfirst(lc);
				ListCell   *lc2;

				foreach(lc2, slice)
				{
					Chunk	   *member = lfirst(lc2);

					if (chunk->range_start[spacedim] < member->range_end[spacedim] &&
						member->range_start[spacedim] < chunk->range_end[spacedim])
					{
						grown = true;
						break;
					}
				}
				if (grown)
				{
					slice = lappend(slice, chunk);
					pending = foreach_delete_current(pending, lc);
					break;
				}
			}
		}
		for (i = 0; i < list_length(state->servers); i++)
			if (!failed[i] && holds_slice(list_nth_oid(state->servers, i), slice, down) &&
				(target < 0 || list_length(gained[i]) < list_length(gained[target])))
				target = i;
		if (target < 0)
			unreadable = list_concat(unreadable, slice);
		else
		{
			ListCell   *lc;

			foreach(lc, slice)
				gained[target] = lappend_int(gained[target], ((Chunk *) lfirst(lc))->id);
		}
	}
	return unreadable;
}

/*
 * The error for chunks of an aggregation computed whole that no single
 * node can take over: unless some of them has no fresh replica on the
 * scan's other nodes at all, which is the plain "no replica" error.
 */
static void
report_unassignable_slices(DataNodeScanState *state, List *unreadable, const bool *failed,
						   List *down)
{
	List	   *alone = NIL;
	StringInfoData nodes;
	ListCell   *lc;
	int			i;

	foreach(lc, unreadable)
	{
		bool		elsewhere = false;

		for (i = 0; i < list_length(state->servers); i++)
			if (!failed[i] && holds_slice(list_nth_oid(state->servers, i),
										  list_make1(lfirst(lc)), down))
				elsewhere = true;
		if (!elsewhere)
			alone = lappend(alone, lfirst(lc));
	}
	if (alone != NIL)
		DataNodeScanReportUnreadable(alone, down);
	initStringInfo(&nodes);
	foreach(lc, down)
		appendStringInfo(&nodes, "%s\"%s\"", nodes.len ? ", " : "",
						 GetForeignServer(lfirst_oid(lc))->servername);
	ereport(ERROR,
			(errcode(ERRCODE_CONNECTION_FAILURE),
			 errmsg_plural("could not read %d chunk of a distributed hypertable: no reachable data node holds fresh replicas of every chunk of its space partition",
						   "could not read %d chunks of a distributed hypertable: no reachable data node holds fresh replicas of every chunk of their space partitions",
						   list_length(unreadable), list_length(unreadable)),
			 errdetail("The data nodes compute the groups of the aggregation whole, each from one data node; unreachable: %s.",
					   nodes.data),
			 errhint("Start the data node again, or run the query unprepared: planned now, the aggregation is computed around the data node.")));
}

/*
 * Leave out the scan's nodes marked in failed[] before a run starts: this
 * is where a read is re-planned.  Their chunks go to the scan's other
 * nodes (assign_chunks; by space slice when the nodes compute the groups
 * whole, assign_slices); those nodes' queries are rewritten to name their
 * chunks (and they are asked even if run-time exclusion had left them out:
 * their conditions still apply), the failed nodes are skipped from now on.
 * Nodes outside the plan are not added: with every chunk on the scan's
 * nodes (replication factor 2 over 2 nodes, or the usual spread over more)
 * that is no loss, and a query planned after the failure avoids the node
 * from the start (DataNodeScanAssign).  Chunks that cannot be placed so:
 * if required, an error naming them and their nodes; else nothing changes
 * and false is returned.
 */
static bool
fail_over(DataNodeScanState *state, const bool *failed, bool required)
{
	MemoryContext old = MemoryContextSwitchTo(state->css.ss.ps.state->es_query_cxt);
	Index		varno;
	Hypertable *ht = scan_hypertable(state, &varno);
	List	   *chunks = ht ? HypertableGetChunks(ht) : NIL;
	int			n = list_length(state->servers);
	List	  **gained = palloc0(sizeof(List *) * n);
	bool		whole = list_length(state->failover) > DNS_FAILOVER_WHOLE &&
		boolVal(list_nth(state->failover, DNS_FAILOVER_WHOLE));
	List	   *down = NIL;
	List	   *unreadable;
	int			i;

	for (i = 0; i < n; i++)
		if (failed[i])
			down = lappend_oid(down, list_nth_oid(state->servers, i));
	if (whole)
		unreadable = assign_slices(state, ht, chunks, failed, down, gained);
	else
		unreadable = assign_chunks(state, chunks, failed, down, gained);
	if (unreadable != NIL)
	{
		if (required && whole)
			report_unassignable_slices(state, unreadable, failed, down);
		if (required)
			DataNodeScanReportUnreadable(unreadable, down);
		MemoryContextSwitchTo(old);
		return false;
	}

	RemoteScanRestart(state->scan);
	for (i = 0; i < n; i++)
	{
		if (failed[i])
		{
			list_nth_cell(state->chunk_ids, i)->ptr_value = NIL;
			RemoteScanSkipNode(state->scan, i, true);
		}
		else if (gained[i] != NIL)
		{
			List	   *ids = list_concat(list_copy(list_nth(state->chunk_ids, i)), gained[i]);

			RemoteScanSetNodeSQL(state->scan, i, failover_sql(state->failover, chunks, ids));
			RemoteScanSkipNode(state->scan, i, false);
			list_nth_cell(state->chunk_ids, i)->ptr_value = ids;
		}
	}
	MemoryContextSwitchTo(old);
	return true;
}

/*
 * Run the plan's fallback (custom_plans, see upper_agg.c) from now on, for
 * this execution and its rescans: an aggregation computed whole whose
 * failed nodes' space slices no other node of the scan holds whole is
 * computed by the fallback instead -- the nodes' partial aggregation
 * combined here, or the ordinary plan -- whose scan reads each chunk from
 * any fresh replica.  Started on first use, so a plan that
 * never needs it costs nothing at execution; EXPLAIN ANALYZE shows it as
 * the scan's child once it ran.
 */
static void
use_fallback(DataNodeScanState *state)
{
	CustomScan *cscan = (CustomScan *) state->css.ss.ps.plan;
	MemoryContext old = MemoryContextSwitchTo(state->css.ss.ps.state->es_query_cxt);

	RemoteScanRestart(state->scan);
	state->fallback = ExecInitNode(linitial(cscan->custom_plans), state->css.ss.ps.state,
								   state->eflags);
	state->css.custom_ps = list_make1(state->fallback);
	MemoryContextSwitchTo(old);
}

/*
 * Start the run.  A plan made before a node was found down still names it:
 * if the node is suspect now (remote/suspect.c) and its chunks have fresh
 * replicas on the scan's other nodes, it is left out before anything is
 * sent, so a cached plan does not wait for a dead node's connect timeout
 * at every execution.  Then nodes that fail while the run starts (before
 * any row is returned) are left out and the run starts again; each failure
 * leaves one more node out for good, so this ends.
 */
static void
start_run(DataNodeScanState *state)
{
	int			n = list_length(state->servers);
	bool	   *failed = palloc0(sizeof(bool) * n);
	bool		any = false;
	bool		has_fallback = ((CustomScan *) state->css.ss.ps.plan)->custom_plans != NIL;
	int			i;

	if (state->failover != NIL)
	{
		for (i = 0; i < n; i++)
		{
			failed[i] = list_nth(state->chunk_ids, i) != NIL &&
				DataNodeIsSuspect(list_nth_oid(state->servers, i), NULL, NULL, NULL);
			any |= failed[i];
		}
		if (any && !fail_over(state, failed, false))
		{
			if (has_fallback)
			{
				use_fallback(state);
				return;
			}
			/* not left out after all: they are asked like the others */
			memset(failed, 0, sizeof(bool) * n);
		}
	}
	while (!RemoteScanStart(state->scan))
	{
		/* nodes that failed before stay out: their chunks must not go back */
		for (i = 0; i < n; i++)
			failed[i] |= RemoteScanNodeFailed(state->scan, i);
		if (!fail_over(state, failed, !has_fallback))
		{
			use_fallback(state);
			return;
		}
	}
	pfree(failed);
}

static TupleTableSlot *
next_row(ScanState *ss)
{
	DataNodeScanState *state = (DataNodeScanState *) ss;
	TupleTableSlot *slot = ss->ss_ScanTupleSlot;

	if (!state->decided)
	{
		if (state->runtime_conds != NIL)
			skip_excluded_nodes(state);
		state->decided = true;
		start_run(state);
		/* exec_scan takes the fallback's rows */
		if (state->fallback)
			return ExecClearTuple(slot);
	}
	if ((state->merge ? DataNodeMergeNext(state->merge, slot) : RemoteScanNext(state->scan, slot)) &&
		ss->ss_currentRelation)
		slot->tts_tableOid = RelationGetRelid(ss->ss_currentRelation);
	return slot;
}

/* Rows come from the nodes; there is no local copy to re-check against. */
static bool
recheck_row(ScanState *ss, TupleTableSlot *slot)
{
	return true;
}

static TupleTableSlot *
exec_scan(CustomScanState *node)
{
	DataNodeScanState *state = (DataNodeScanState *) node;
	TupleTableSlot *slot;

	if (state->fallback == NULL)
	{
		slot = ExecScan(&node->ss, next_row, recheck_row);
		if (state->fallback == NULL)
			return slot;
	}
	/* the fallback's rows are this plan's output rows, as they are */
	return ExecProcNode(state->fallback);
}

static void
end_scan(CustomScanState *node)
{
	DataNodeScanState *state = (DataNodeScanState *) node;

	if (state->merge)
		DataNodeMergeEnd(state->merge);
	if (state->scan)
		RemoteScanEnd(state->scan);
	if (state->fallback)
		ExecEndNode(state->fallback);
}

static void
rescan(CustomScanState *node)
{
	DataNodeScanState *state = (DataNodeScanState *) node;

	if (state->fallback)
	{
		if (node->ss.ps.chgParam != NULL)
			UpdateChangedParamSet(state->fallback, node->ss.ps.chgParam);
		if (state->fallback->chgParam == NULL)
			ExecReScan(state->fallback);
		return;
	}
	RemoteScanRestart(state->scan);
	if (state->merge)
		DataNodeMergeReset(state->merge);
	state->decided = false;
}

/*
 * The data node's own plan of its SQL (multinode.explain_data_node_plans),
 * with the parameter values the run sent; without a run (plain EXPLAIN)
 * parameters have no values yet.
 */
static void
explain_node_plan(DataNodeScanState *state, Oid server_id, const char *sql, ExplainState *es)
{
	CustomScan *cscan = (CustomScan *) state->css.ss.ps.plan;
	int			nparams = intVal(list_nth(cscan->custom_private, DNS_NPARAMS));
	const char **values = NULL;

	if (state->scan)
		values = RemoteScanParamValues(state->scan, &nparams);
	ExplainRemotePlan(server_id, sql, nparams, values, es);
}

/*
 * Per data node: its name and its chunks (their number; with VERBOSE their
 * names and the SQL it runs), under ANALYZE what it did, and with
 * multinode.explain_data_node_plans its own plan.
 */
static void
explain_scan(CustomScanState *node, List *ancestors, ExplainState *es)
{
	DataNodeScanState *state = (DataNodeScanState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	List	   *servers = list_nth(cscan->custom_private, DNS_SERVERS);
	List	   *sqls = list_nth(cscan->custom_private, DNS_SQLS);
	List	   *chunks = list_nth(cscan->custom_private, DNS_CHUNKS);
	List	   *chunk_ids = list_nth(cscan->custom_private, DNS_CHUNK_IDS);
	int			i;

	ExplainOpenGroup("Data Nodes", "Data Nodes", false, es);
	for (i = 0; i < list_length(servers); i++)
	{
		const RemoteNodeInstr *instr = state->scan ? RemoteScanNodeInstr(state->scan, i) : NULL;

		ExplainOpenGroup("Data Node", NULL, true, es);
		ExplainPropertyText("Data node", GetForeignServer(list_nth_oid(servers, i))->servername, es);
		if (es->format == EXPLAIN_FORMAT_TEXT)
			es->indent++;
		if (es->format != EXPLAIN_FORMAT_TEXT || !es->verbose)
			ExplainPropertyInteger(es->format == EXPLAIN_FORMAT_TEXT ? "Chunks" : "Chunk Count",
								   NULL, list_length(list_nth(chunk_ids, i)), es);
		if (es->verbose)
		{
			ExplainPropertyText("Chunks", strVal(list_nth(chunks, i)), es);
			ExplainPropertyText("Remote SQL", strVal(list_nth(sqls, i)), es);
		}
		if (es->analyze && instr)
			ExplainRemoteNodeInstr(instr, es);
		/* a node the run left out has no plan to show */
		if (mn_explain_data_node_plans && !(es->analyze && instr && instr->loops == 0))
			explain_node_plan(state, list_nth_oid(servers, i), strVal(list_nth(sqls, i)), es);
		if (es->format == EXPLAIN_FORMAT_TEXT)
			es->indent--;
		ExplainCloseGroup("Data Node", NULL, true, es);
	}
	ExplainCloseGroup("Data Nodes", "Data Nodes", false, es);
	if (list_length(cscan->custom_private) > DNS_ORDER &&
		list_nth(cscan->custom_private, DNS_ORDER) != NIL &&
		intVal(linitial(list_nth(cscan->custom_private, DNS_ORDER))) > 0 &&
		list_length(servers) > 1)
		ExplainPropertyText("Merge", "sorted streams of the data nodes", es);
	if (es->analyze && state->runtime_conds != NIL)
		ExplainPropertyInteger("Data nodes skipped at run time", NULL, state->nskipped, es);
}

static const CustomExecMethods data_node_scan_exec_methods = {
	.CustomName = "DataNodeScan",
	.BeginCustomScan = begin_scan,
	.ExecCustomScan = exec_scan,
	.EndCustomScan = end_scan,
	.ReScanCustomScan = rescan,
	.ExplainCustomScan = explain_scan,
};

static Node *
create_state(CustomScan *cscan)
{
	DataNodeScanState *state = (DataNodeScanState *) newNode(sizeof(DataNodeScanState),
															 T_CustomScanState);

	state->css.methods = &data_node_scan_exec_methods;
	return (Node *) state;
}

/*
 * Give a plan the SQL pieces that let its nodes fail over at run time
 * (fail_over), padding the optional entries a plain scan leaves out.
 */
void
DataNodeScanSetFailover(CustomScan *cscan, List *failover)
{
	if (list_length(cscan->custom_private) == DNS_ORDER)
		cscan->custom_private = lappend(cscan->custom_private, NIL);
	if (list_length(cscan->custom_private) == DNS_NEEDS_UTC)
		cscan->custom_private = lappend(cscan->custom_private, makeBoolean(false));
	if (list_length(cscan->custom_private) == DNS_RUNTIME_CONDS)
		cscan->custom_private = lappend(cscan->custom_private, NIL);
	if (list_length(cscan->custom_private) == DNS_HYPERTABLE)
		cscan->custom_private = lappend(cscan->custom_private, NIL);
	Assert(list_length(cscan->custom_private) == DNS_FAILOVER);
	cscan->custom_private = lappend(cscan->custom_private, failover);
}
