/*-------------------------------------------------------------------------
 *
 * insert.c
 *	  INSERT into a hypertable: the planner hook that replaces the
 *	  ModifyTable with the HypertableInsert custom scan, and its executor.
 *
 * PostgreSQL would insert every row into the (empty) root table.  After
 * standard planning, every INSERT ModifyTable whose target is a hypertable
 * root -- at the top or in a data-modifying WITH -- is replaced by a
 * HypertableInsert node over the same source plan.  At run time it pulls
 * each source row, builds it in the root's descriptor, checks the root's
 * constraints, and hands it to the chunk dispatcher (chunk_dispatch.c),
 * which routes it to its chunk -- creating the chunk if needed -- on this
 * node or, for distributed hypertables, in batches to the data nodes.
 * RETURNING rows are projected from the routed row.
 *
 * Triggers: the root's statement triggers fire here, once, as ModifyTable
 * would fire them.  Row triggers fire on the chunks, which carry copies of
 * the root's (hypertable/chunk_objects.c): local chunks from the chunk
 * dispatcher, data nodes' chunks when the shipped rows arrive there.  The
 * root's own row triggers never fire, as no row is inserted into the root,
 * so no row meets a trigger twice.
 *
 * Row-level security and views' WITH CHECK OPTION: the check options the
 * rewriter gave the ModifyTable move to the HypertableInsert node, and the
 * chunk dispatcher checks each row where ExecInsert would check it.
 *
 * The plan keeps only the root's range table index, never a Hypertable:
 * plans are cached across transactions, catalog cache entries are not.
 *
 * A local chunk carries copies of the root's policies (so that naming the
 * chunk reveals no more than the root does), but the statements the chunk
 * dispatcher runs on a chunk for ON CONFLICT must not be subject to them:
 * the root's policies are already checked by the dispatcher, on the rows
 * and at the points where PostgreSQL checks them, with errors naming the
 * hypertable; the chunk's copies would check them a second time, hide the
 * conflicting row that the dispatcher locks in order to check it (and so
 * retry forever), and apply SELECT policies to the dispatcher's own
 * RETURNING.  So when such a statement is planned, the checks and quals
 * the rewriter took from the chunk's policies are taken out again
 * (ChunkStatementBegin).  Nothing else may lose them: only the first plan
 * made after ChunkStatementBegin, which is the dispatcher's (the statement
 * is planned afresh at every execution, before any code of the user's
 * runs), and only if it has the statement's text and the chunk as target;
 * later plans -- of the chunk's triggers, of functions the statement calls
 * -- keep them even if they repeat its text.
 *
 * ON CONFLICT is run as INSERT ... ON CONFLICT on the chunk: on each data
 * node for a distributed hypertable, through SPI for a local one; the
 * conflict target and DO UPDATE clause are deparsed here
 * from the plan with the same machinery EXPLAIN uses.  The conflict target
 * must be backed by a unique index, and unique indexes of hypertables always
 * contain the partitioning columns, so a conflict is always within a chunk.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_index.h"
#include "commands/explain.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/nodeModifyTable.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/planner.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"

#include "catalog/catalog.h"
#include "planner/planner.h"
#include "remote/remote.h"

typedef struct HypertableInsertState
{
	CustomScanState css;
	Index		rti;
	bool		can_set_tag;
	ChunkDispatchOnConflict on_conflict;
	Relation	root;
	ResultRelInfo *root_rri;
	TupleTableSlot *row_slot;
	ProjectionInfo *returning;
	struct ChunkDispatch *dispatch;
	bool		distributed;
	bool		deferred_returning; /* rows come back from the nodes at flushes */
	TupleTableSlot *returned_slot;
	bool		started;		/* BEFORE STATEMENT triggers fired */
	bool		done;
} HypertableInsertState;

static planner_hook_type prev_planner_hook = NULL;

/* The chunk statement being run by the dispatcher (ChunkStatementBegin). */
static Oid	internal_chunk = InvalidOid;
static const char *internal_sql = NULL;
static CustomScanMethods insert_plan_methods;
static CustomExecMethods insert_exec_methods;

/* ----------------------------------------------------------------------------
 * Planning
 * ----------------------------------------------------------------------------
 */

/* "(a, b)" from the arbiter index's key columns. */
static char *
conflict_target_sql(Oid root_relid, List *arbiter_indexes)
{
	HeapTuple	tup;
	Form_pg_index idx;
	StringInfoData buf;
	int			i;

	if (arbiter_indexes == NIL)
		return NULL;
	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(linitial_oid(arbiter_indexes)));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for index %u", linitial_oid(arbiter_indexes));
	idx = (Form_pg_index) GETSTRUCT(tup);
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '(');
	for (i = 0; i < idx->indnkeyatts; i++)
	{
		AttrNumber	attno = idx->indkey.values[i];

		if (attno == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("ON CONFLICT with an expression index is not supported on distributed hypertables")));
		appendStringInfo(&buf, "%s%s", i ? ", " : "",
						 quote_identifier(get_attname(root_relid, attno, false)));
	}
	appendStringInfoChar(&buf, ')');
	ReleaseSysCache(tup);
	return buf.data;
}

static bool
has_params_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Param) || IsA(node, SubPlan))
		return true;
	return expression_tree_walker(node, has_params_walker, context);
}

/*
 * The ON CONFLICT part of the statements sent to the data nodes, deparsed
 * under search_path = pg_catalog so that every name is qualified.
 */
static void
plan_on_conflict(PlannedStmt *stmt, ModifyTable *mt, Oid relid, Index rti, bool distributed,
				 ChunkDispatchOnConflict *oc)
{
	List	   *rtable_names;
	List	   *context;
	StringInfoData buf;
	ListCell   *lc,
			   *lc2;
	int			nestlevel;
	int			modes;

	memset(oc, 0, sizeof(*oc));
	oc->action = mt->onConflictAction;
	if (oc->action == ONCONFLICT_NONE)
		return;
	oc->target_sql = conflict_target_sql(relid, mt->arbiterIndexes);
	if (mt->arbiterIndexes != NIL)
		oc->arbiter_index = linitial_oid(mt->arbiterIndexes);
	if (oc->action != ONCONFLICT_UPDATE)
		return;
	if (has_params_walker((Node *) mt->onConflictSet, NULL) ||
		has_params_walker(mt->onConflictWhere, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("parameters and subqueries in ON CONFLICT DO UPDATE are not supported on distributed hypertables")));

	/*
	 * DO UPDATE runs on each data node, once per replica.  A function that is
	 * not immutable may give each replica another value (random(),
	 * nextval(), clock_timestamp(); now() is each node's own transaction
	 * start) or read the node's session rather than ours (current_setting(),
	 * to_char() and text casts of timestamptz): the replicas would diverge.
	 * Such values belong in the inserted row, computed once here.
	 */
	if (distributed &&
		(contain_mutable_functions((Node *) mt->onConflictSet) ||
		 contain_mutable_functions(mt->onConflictWhere)))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ON CONFLICT DO UPDATE on a distributed hypertable cannot use functions that are not immutable"),
				 errdetail("The update runs on every data node that holds a replica, and each would compute its own value."),
				 errhint("Compute the value in the inserted row (VALUES or SELECT) and use EXCLUDED.column in DO UPDATE.")));

	nestlevel = CatalogPinSearchPath();
	rtable_names = select_rtable_names_for_explain(stmt->rtable,
												   bms_add_range(NULL, 1, list_length(stmt->rtable)));
	context = deparse_context_for_plan_tree(stmt, rtable_names);
	context = set_deparse_context_plan(context, (Plan *) mt, NIL);
	oc->alias = pstrdup(quote_identifier(list_nth(rtable_names, rti - 1)));
	/* constants are printed for the nodes to read */
	modes = TransmissionModesBegin();

	initStringInfo(&buf);
	appendStringInfoString(&buf, "DO UPDATE SET ");
	forboth(lc, mt->onConflictSet, lc2, mt->onConflictCols)
	{
		TargetEntry *tle = lfirst(lc);

		appendStringInfo(&buf, "%s%s = %s", lc == list_head(mt->onConflictSet) ? "" : ", ",
						 quote_identifier(get_attname(relid, lfirst_int(lc2), false)),
						 deparse_expression((Node *) tle->expr, context, true, false));
	}
	if (mt->onConflictWhere)
		appendStringInfo(&buf, " WHERE %s", deparse_expression(mt->onConflictWhere, context,
																true, false));
	TransmissionModesEnd(modes);
	CatalogUnpinSearchPath(nestlevel);
	oc->update_sql = buf.data;
}

static Plan *
make_insert_plan(PlannedStmt *stmt, ModifyTable *mt, Hypertable *ht, Index rti)
{
	CustomScan *cscan = makeNode(CustomScan);
	ChunkDispatchOnConflict oc;
	List	   *wcos = mt->withCheckOptionLists ? linitial(mt->withCheckOptionLists) : NIL;

	plan_on_conflict(stmt, mt, ht->relid, rti, HypertableIsDistributed(ht), &oc);

	/*
	 * The row that DO UPDATE stores is only seen on the data node, where the
	 * view's check cannot be evaluated (row-level security is refused on
	 * distributed hypertables, so only a view's checks get here).
	 */
	if (wcos != NIL && HypertableIsDistributed(ht) && oc.action == ONCONFLICT_UPDATE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ON CONFLICT DO UPDATE through a view WITH CHECK OPTION is not supported on distributed hypertable \"%s\"",
						ht->table_name),
				 errhint("Insert into the hypertable itself, or use ON CONFLICT DO NOTHING.")));

	cscan->scan.plan.startup_cost = mt->plan.startup_cost;
	cscan->scan.plan.total_cost = mt->plan.total_cost;
	cscan->scan.plan.plan_rows = mt->plan.plan_rows;
	cscan->scan.plan.plan_width = mt->plan.plan_width;
	cscan->scan.plan.targetlist = mt->plan.targetlist;	/* the RETURNING list */
	cscan->scan.plan.lefttree = mt->plan.lefttree;
	cscan->scan.plan.initPlan = mt->plan.initPlan;
	cscan->scan.plan.extParam = mt->plan.extParam;
	cscan->scan.plan.allParam = mt->plan.allParam;
	cscan->scan.scanrelid = 0;
	cscan->flags = 0;
	cscan->custom_scan_tlist = NIL;
	cscan->custom_private = list_make5(makeInteger(rti), makeBoolean(mt->canSetTag),
									   makeInteger(oc.action),
									   list_make4(makeString(oc.target_sql ? oc.target_sql : ""),
												  makeString(oc.update_sql ? oc.update_sql : ""),
												  makeString(oc.alias ? oc.alias : ""),
												  makeString(psprintf("%u", oc.arbiter_index))),
									   wcos);
	cscan->methods = &insert_plan_methods;
	return (Plan *) cscan;
}

/* Replace INSERT ModifyTables into hypertables anywhere under plan. */
static Plan *
replace_inserts(PlannedStmt *stmt, Plan *plan)
{
	ListCell   *lc;

	if (plan == NULL)
		return NULL;
	plan->lefttree = replace_inserts(stmt, plan->lefttree);
	plan->righttree = replace_inserts(stmt, plan->righttree);
	switch (nodeTag(plan))
	{
		case T_Append:
			foreach(lc, ((Append *) plan)->appendplans)
				lfirst(lc) = replace_inserts(stmt, lfirst(lc));
			break;
		case T_MergeAppend:
			foreach(lc, ((MergeAppend *) plan)->mergeplans)
				lfirst(lc) = replace_inserts(stmt, lfirst(lc));
			break;
		case T_SubqueryScan:
			((SubqueryScan *) plan)->subplan = replace_inserts(stmt, ((SubqueryScan *) plan)->subplan);
			break;
		case T_CustomScan:
			foreach(lc, ((CustomScan *) plan)->custom_plans)
				lfirst(lc) = replace_inserts(stmt, lfirst(lc));
			break;
		case T_ModifyTable:
			{
				ModifyTable *mt = (ModifyTable *) plan;
				Index		rti;
				RangeTblEntry *rte;
				Hypertable *ht;

				if (mt->operation != CMD_INSERT || list_length(mt->resultRelations) != 1)
					break;
				rti = linitial_int(mt->resultRelations);
				rte = rt_fetch(rti, stmt->rtable);
				if (rte->rtekind != RTE_RELATION || (ht = HypertableGetByRelid(rte->relid)) == NULL)
					break;
				return make_insert_plan(stmt, mt, ht, rti);
			}
		default:
			break;
	}
	return plan;
}

/*
 * The next plan made, if it is of the statement sql on the chunk table
 * relid, is made without the chunk's own row-level security.  The caller
 * checks the root's policies on the statement's rows itself, prepares the
 * statement with CURSOR_OPT_CUSTOM_PLAN (so that executing it plans it
 * first) and calls ChunkStatementEnd when it has run, error or not.
 */
void
ChunkStatementBegin(Oid relid, const char *sql)
{
	internal_chunk = relid;
	internal_sql = sql;
}

void
ChunkStatementEnd(void)
{
	internal_chunk = InvalidOid;
	internal_sql = NULL;
}

/* Take the chunk's policies out of the dispatcher's statement on it. */
static void
strip_chunk_row_security(Query *parse, const char *query_string)
{
	List	   *checks = NIL;
	ListCell   *lc;

	Oid			chunk = internal_chunk;
	const char *sql = internal_sql;

	if (!OidIsValid(chunk))
		return;
	/* one plan only, the dispatcher's: see the file's header */
	ChunkStatementEnd();
	if (query_string == NULL || strcmp(query_string, sql) != 0 || !parse->hasRowSecurity)
		return;
	foreach(lc, parse->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);

		if (rte->rtekind == RTE_RELATION && rte->relid == chunk)
			rte->securityQuals = NIL;
	}
	foreach(lc, parse->withCheckOptions)
	{
		WithCheckOption *wco = lfirst_node(WithCheckOption, lc);

		/* the statement names the chunk only: every RLS check is the chunk's */
		if (wco->kind == WCO_VIEW_CHECK)
			checks = lappend(checks, wco);
	}
	parse->withCheckOptions = checks;
}

static PlannedStmt *
insert_planner(Query *parse, const char *query_string, int cursor_options, ParamListInfo params)
{
	PlannedStmt *stmt;
	ListCell   *lc;

	strip_chunk_row_security(parse, query_string);
	if (prev_planner_hook)
		stmt = prev_planner_hook(parse, query_string, cursor_options, params);
	else
		stmt = standard_planner(parse, query_string, cursor_options, params);

	if (parse->commandType == CMD_INSERT || parse->hasModifyingCTE)
	{
		stmt->planTree = replace_inserts(stmt, stmt->planTree);
		foreach(lc, stmt->subplans)
			lfirst(lc) = replace_inserts(stmt, lfirst(lc));
	}
	return stmt;
}

/* ----------------------------------------------------------------------------
 * Execution
 * ----------------------------------------------------------------------------
 */

static Node *
insert_create_state(CustomScan *cscan)
{
	HypertableInsertState *state = (HypertableInsertState *) newNode(sizeof(HypertableInsertState),
																	 T_CustomScanState);
	List	   *oc = lfourth(cscan->custom_private);
	char	   *s;

	state->css.methods = &insert_exec_methods;
	state->rti = intVal(linitial(cscan->custom_private));
	state->can_set_tag = boolVal(lsecond(cscan->custom_private));
	state->on_conflict.action = intVal(lthird(cscan->custom_private));
	s = strVal(linitial(oc));
	state->on_conflict.target_sql = s[0] ? s : NULL;
	s = strVal(lsecond(oc));
	state->on_conflict.update_sql = s[0] ? s : NULL;
	s = strVal(lthird(oc));
	state->on_conflict.alias = s[0] ? s : NULL;
	state->on_conflict.arbiter_index = (Oid) strtoul(strVal(lfourth(oc)), NULL, 10);
	return (Node *) state;
}

/*
 * The row-level security policies' and the views' WITH CHECK OPTIONs that
 * the rewriter attached to the statement, ready for ExecWithCheckOptions
 * (called by the chunk dispatcher where ExecInsert would call it).  They are
 * compiled for this node's scan slot, a virtual one: the rows they are
 * checked on must come in virtual slots.
 */
static void
init_with_check_options(ResultRelInfo *rri, List *wcos, PlanState *parent)
{
	List	   *exprs = NIL;
	ListCell   *lc;

	foreach(lc, wcos)
	{
		WithCheckOption *wco = lfirst_node(WithCheckOption, lc);

		exprs = lappend(exprs, ExecInitQual((List *) wco->qual, parent));
	}
	rri->ri_WithCheckOptions = wcos;
	rri->ri_WithCheckOptionExprs = exprs;
}

static void
insert_begin(CustomScanState *node, EState *estate, int eflags)
{
	HypertableInsertState *state = (HypertableInsertState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	Hypertable *ht;
	TupleDesc	desc;

	state->root_rri = makeNode(ResultRelInfo);
	ExecInitResultRelation(estate, state->root_rri, state->rti);
	state->root = state->root_rri->ri_RelationDesc;
	desc = RelationGetDescr(state->root);

	outerPlanState(node) = ExecInitNode(outerPlan(cscan), estate, eflags);
	init_with_check_options(state->root_rri, list_nth(cscan->custom_private, 4), &node->ss.ps);
	state->row_slot = ExecInitExtraTupleSlot(estate, desc, &TTSOpsVirtual);

	if (cscan->scan.plan.targetlist != NIL)
	{
		/*
		 * RETURNING reads the routed row as its scan tuple: a virtual slot,
		 * or a minimal tuple from the data nodes, hence not "fixed".
		 */
		node->ss.ps.scandesc = desc;
		node->ss.ps.scanops = &TTSOpsVirtual;
		node->ss.ps.scanopsfixed = false;
		node->ss.ps.scanopsset = true;
		state->returning = ExecBuildProjectionInfo(cscan->scan.plan.targetlist,
												   node->ss.ps.ps_ExprContext,
												   node->ss.ps.ps_ResultTupleSlot,
												   &node->ss.ps, desc);
	}
	/* under EXPLAIN alone too: the dispatcher knows the remote command */
	ht = HypertableGetByRelid(RelationGetRelid(state->root));
	if (ht == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" is no longer a hypertable", RelationGetRelationName(state->root)),
				 errhint("Run the statement again.")));
	state->distributed = HypertableIsDistributed(ht);
	state->dispatch = ChunkDispatchCreate(ht, state->root_rri, estate, &state->on_conflict);
	if (state->returning)
	{
		ChunkDispatchWantReturning(state->dispatch);
		state->deferred_returning = state->distributed &&
			state->on_conflict.action != ONCONFLICT_NONE;
		state->returned_slot = ExecInitExtraTupleSlot(estate, desc, &TTSOpsMinimalTuple);
	}
	else if (!estate->es_instrument)
	{
		/* EXPLAIN ANALYZE times the rows' trip to the nodes: not held */
		ChunkDispatchHoldForCommit(state->dispatch);
	}
}

/* The source row as a row of the root table. */
static TupleTableSlot *
root_row(HypertableInsertState *state, TupleTableSlot *plan_slot)
{
	TupleTableSlot *slot = state->row_slot;
	TupleDesc	desc = slot->tts_tupleDescriptor;
	int			i;

	ExecClearTuple(slot);
	slot_getallattrs(plan_slot);
	if (plan_slot->tts_tupleDescriptor->natts < desc->natts)
		elog(ERROR, "insert source has %d columns, table has %d",
			 plan_slot->tts_tupleDescriptor->natts, desc->natts);
	for (i = 0; i < desc->natts; i++)
	{
		if (TupleDescAttr(desc, i)->attisdropped)
		{
			slot->tts_values[i] = (Datum) 0;
			slot->tts_isnull[i] = true;
		}
		else
		{
			slot->tts_values[i] = plan_slot->tts_values[i];
			slot->tts_isnull[i] = plan_slot->tts_isnull[i];
		}
	}
	return ExecStoreVirtualTuple(slot);
}

static TupleTableSlot *
insert_exec(CustomScanState *node)
{
	HypertableInsertState *state = (HypertableInsertState *) node;
	EState	   *estate = node->ss.ps.state;
	Relation	rel = state->root;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;

	for (;;)
	{
		TupleTableSlot *plan_slot;
		TupleTableSlot *slot;
		bool		routed;

		/* remote ON CONFLICT ... RETURNING: what the nodes stored, as it comes */
		if (state->deferred_returning &&
			ChunkDispatchNextReturned(state->dispatch, state->returned_slot))
		{
			ResetExprContext(econtext);
			econtext->ecxt_scantuple = state->returned_slot;
			econtext->ecxt_outertuple = NULL;
			return ExecProject(state->returning);
		}
		if (state->done)
			return NULL;
		/* the root's statement triggers, as ModifyTable would fire them */
		if (!state->started)
		{
			ExecBSInsertTriggers(estate, state->root_rri);
			state->started = true;
		}

		ResetPerTupleExprContext(estate);
		plan_slot = ExecProcNode(outerPlanState(node));
		if (TupIsNull(plan_slot))
		{
			uint64		reported = ChunkDispatchFinish(state->dispatch);

			if (state->can_set_tag)
				estate->es_processed += reported;
			ExecASInsertTriggers(estate, state->root_rri, NULL);
			state->done = true;
			continue;
		}
		slot = root_row(state, plan_slot);
		if (rel->rd_att->constr && rel->rd_att->constr->has_generated_stored)
			ExecComputeStoredGenerated(state->root_rri, estate, slot, CMD_INSERT);
		if (rel->rd_att->constr)
			ExecConstraints(state->root_rri, slot, estate);
		routed = ChunkDispatchRow(state->dispatch, slot);
		/* remote ON CONFLICT rows are counted from the nodes' replies */
		if (routed && state->can_set_tag &&
			(state->on_conflict.action == ONCONFLICT_NONE || !state->distributed))
			estate->es_processed++;
		if (routed && state->returning && !state->deferred_returning)
		{
			TupleTableSlot *stored = ChunkDispatchReturned(state->dispatch);

			ResetExprContext(econtext);
			econtext->ecxt_scantuple = stored ? stored : slot;
			econtext->ecxt_outertuple = plan_slot;
			return ExecProject(state->returning);
		}
	}
}

static void
insert_end(CustomScanState *node)
{
	HypertableInsertState *state = (HypertableInsertState *) node;

	if (state->dispatch)
		ChunkDispatchEnd(state->dispatch);
	ExecEndNode(outerPlanState(node));
}

/*
 * A distributed hypertable's data nodes, with VERBOSE the statement that
 * carries each chunk's rows there (the chunks are known only as rows
 * arrive), and under ANALYZE per node the rows sent (each replica counts)
 * and the statements started.
 */
static void
insert_explain(CustomScanState *node, List *ancestors, ExplainState *es)
{
	HypertableInsertState *state = (HypertableInsertState *) node;
	Hypertable *ht = HypertableGetByRelid(RelationGetRelid(state->root));
	List	   *counts;
	ListCell   *lc;

	if (!state->distributed || ht == NULL)
		return;
	if (es->verbose)
		ExplainPropertyText("Remote SQL", ChunkDispatchRemoteCommand(state->dispatch), es);
	counts = ChunkDispatchNodeCounts(state->dispatch);
	ExplainOpenGroup("Data Nodes", "Data Nodes", false, es);
	foreach(lc, ht->data_nodes)
	{
		HypertableDataNode *hdn = lfirst(lc);
		ChunkDispatchNodeCount none = {hdn->server_id, 0, 0};
		ChunkDispatchNodeCount *count = &none;
		ListCell   *lc2;

		foreach(lc2, counts)
			if (((ChunkDispatchNodeCount *) lfirst(lc2))->server_id == hdn->server_id)
				count = lfirst(lc2);
		ExplainOpenGroup("Data Node", NULL, true, es);
		ExplainPropertyText("Data node", hdn->node_name, es);
		if (es->analyze)
		{
			if (es->format == EXPLAIN_FORMAT_TEXT)
			{
				appendStringInfoSpaces(es->str, (es->indent + 1) * 2);
				appendStringInfo(es->str, "Actual: rows sent=" UINT64_FORMAT " statements=" UINT64_FORMAT "\n",
								 count->rows, count->commands);
			}
			else
			{
				ExplainPropertyUInteger("Rows Sent", NULL, count->rows, es);
				ExplainPropertyUInteger("Statements", NULL, count->commands, es);
			}
		}
		ExplainCloseGroup("Data Node", NULL, true, es);
	}
	ExplainCloseGroup("Data Nodes", "Data Nodes", false, es);
}

static void
insert_rescan(CustomScanState *node)
{
	elog(ERROR, "HypertableInsert cannot be rescanned");
}

void
HypertableInsertInit(void)
{
	insert_plan_methods.CustomName = "HypertableInsert";
	insert_plan_methods.CreateCustomScanState = insert_create_state;
	RegisterCustomScanMethods(&insert_plan_methods);

	insert_exec_methods.CustomName = "HypertableInsert";
	insert_exec_methods.BeginCustomScan = insert_begin;
	insert_exec_methods.ExecCustomScan = insert_exec;
	insert_exec_methods.EndCustomScan = insert_end;
	insert_exec_methods.ReScanCustomScan = insert_rescan;
	insert_exec_methods.ExplainCustomScan = insert_explain;

	prev_planner_hook = planner_hook;
	planner_hook = insert_planner;
}
