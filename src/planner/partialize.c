/*-------------------------------------------------------------------------
 *
 * partialize.c
 *	  On a data node: aggregates the access node asked for as transition
 *	  states are planned as partial aggregates.
 *
 * When a group spans data nodes, the access node (upper_agg.c) cannot ask a
 * node for the aggregate's result; it needs the transition state, which its
 * own Agg, in AGGSPLIT_FINAL_DESERIAL mode, combines across nodes and
 * finalizes.  For an aggregate whose state has no plain SQL form (an
 * internal state, or a state the final function turns into something else)
 * it sends
 *
 *		_timescaledb_internal.partial_state(agg(...), NULL::<state type>,
 *											'<aggregate>'::regprocedure, <major>)
 *
 * The call is only a marker.  After PostgreSQL has planned the query, the
 * Agg whose target list holds markers is switched to skip the final
 * functions and serialize the states (AGGSPLIT_INITIAL_SERIAL, or, above a
 * parallel partial aggregate, combine and then serialize), each marker
 * replaced by the Aggref it wraps, which now yields the state: bytea from
 * the aggregate's serial function when the state is internal, else the
 * state type itself.  Every aggregate of that Agg must be wrapped, as the
 * split mode is the Agg's, and nothing may read an aggregate's result
 * (HAVING).  A marker left in a plan raises an error when evaluated, so a
 * shape we do not rewrite fails rather than returning a wrong value.
 *
 * The states must be what the access node's combine and deserial functions
 * expect: the aggregate the node resolved must be the one the access node
 * named (a column of another type there would pick another), its state of
 * the type named, and, serialized states being a major version's internal
 * format (numeric's, for instance), the node of the access node's major
 * version.
 *
 * The marker only produces states; nothing, on either side, accepts a
 * state from SQL input: the access node reads them from the node's
 * connection only, into a plan it made itself.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "catalog/namespace.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "nodes/plannodes.h"
#include "optimizer/optimizer.h"
#include "optimizer/planner.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "multinode.h"
#include "catalog/catalog.h"
#include "planner/planner.h"

PG_FUNCTION_INFO_V1(multinode_partial_state);

static planner_hook_type prev_planner_hook = NULL;

/*
 * Evaluated only when the planner step below did not replace the call: the
 * aggregate it wraps has produced its final value, not its state.
 */
Datum
multinode_partial_state(PG_FUNCTION_ARGS)
{
	ereport(
		ERROR,
		(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
		 errmsg(
			 "partial_state() must directly wrap an aggregate of a query sent by an access node"),
		 errdetail("It marks an aggregate whose transition state a data node returns "
				   "to the access node.")));
	PG_RETURN_NULL();
}

/* Is node a call of _timescaledb_internal.partial_state? */
static bool
is_marker(Node *node)
{
	Oid	  funcid;
	char *name;
	bool  result;

	if (node == NULL || !IsA(node, FuncExpr))
		return false;
	funcid = ((FuncExpr *) node)->funcid;
	if (funcid < FirstNormalObjectId)
		return false;
	name = get_func_name(funcid);
	result = name != NULL && strcmp(name, "partial_state") == 0 &&
			 get_func_namespace(funcid) == get_namespace_oid(MN_INTERNAL_SCHEMA, true);
	if (name)
		pfree(name);
	return result;
}

static bool
contains_marker_walker(Node *node, void *context)
{
	if (node == NULL || IsA(node, Query))
		return false; /* the access node sends no sub-query */
	if (is_marker(node))
		return true;
	return expression_tree_walker(node, contains_marker_walker, context);
}

static bool
count_aggrefs_walker(Node *node, int *count)
{
	if (node == NULL)
		return false;
	if (IsA(node, Aggref))
	{
		(*count)++;
		return false; /* an Aggref's arguments are below the Agg */
	}
	return expression_tree_walker(node, count_aggrefs_walker, count);
}

static void
refuse(const char *detail)
{
	ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					errmsg("cannot compute partial aggregate states for this query"),
					errdetail("%s", detail)));
}

/*
 * The type of the state the aggregate returns when split: bytea for an
 * internal state (which needs a serial function), else the state type.
 */
static Oid
state_type(Aggref *aggref)
{
	HeapTuple tup;
	Oid		  serialfn;

	if (aggref->aggtranstype != INTERNALOID)
		return aggref->aggtranstype;
	tup = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(aggref->aggfnoid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for aggregate %u", aggref->aggfnoid);
	serialfn = ((Form_pg_aggregate) GETSTRUCT(tup))->aggserialfn;
	ReleaseSysCache(tup);
	if (!OidIsValid(serialfn))
		refuse(
			"An aggregate with an internal state and no serial function cannot return its state.");
	return BYTEAOID;
}

/* Switch one Agg whose target list holds markers; see the file header. */
static void
partialize_agg(Agg *agg)
{
	int		  nmarkers = 0;
	int		  naggs = 0;
	int		  split;
	ListCell *lc;

	foreach (lc, agg->plan.targetlist)
		if (is_marker((Node *) lfirst_node(TargetEntry, lc)->expr))
			nmarkers++;
	if (nmarkers == 0)
		return;

	count_aggrefs_walker((Node *) agg->plan.targetlist, &naggs);
	if (naggs != nmarkers)
		refuse("Every aggregate of the query must be wrapped in partial_state().");
	naggs = 0;
	count_aggrefs_walker((Node *) agg->plan.qual, &naggs);
	if (naggs != 0 || agg->groupingSets != NIL || agg->aggstrategy == AGG_MIXED ||
		DO_AGGSPLIT_SKIPFINAL(agg->aggsplit))
		refuse("Only plain grouping without HAVING can return aggregate states.");

	split = agg->aggsplit | AGGSPLITOP_SKIPFINAL | AGGSPLITOP_SERIALIZE;
	foreach (lc, agg->plan.targetlist)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		FuncExpr	*fe = (FuncExpr *) tle->expr;
		Aggref		*aggref;
		Const		*aggfn;
		Const		*major;

		if (!is_marker((Node *) fe))
			continue;
		if (list_length(fe->args) != 4 || !IsA(linitial(fe->args), Aggref) ||
			!IsA(lthird(fe->args), Const) || ((Const *) lthird(fe->args))->constisnull ||
			!IsA(lfourth(fe->args), Const) || ((Const *) lfourth(fe->args))->constisnull)
			refuse("partial_state() takes an aggregate call, a state type, the aggregate and a "
				   "major version.");
		aggref = linitial_node(Aggref, fe->args);
		aggfn = lthird_node(Const, fe->args);
		major = lfourth_node(Const, fe->args);
		if (DatumGetInt32(major->constvalue) != PG_VERSION_NUM / 10000)
			ereport(
				ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("access node runs PostgreSQL %d, data node runs PostgreSQL %d",
						DatumGetInt32(major->constvalue), PG_VERSION_NUM / 10000),
				 errdetail("Aggregate states pass between nodes only within one major version."),
				 errhint("Run the same PostgreSQL major version on every node, or set "
						 "multinode.enable_aggregate_pushdown to off on the access node.")));
		if (aggref->aggorder != NIL || aggref->aggdistinct != NIL ||
			aggref->aggkind != AGGKIND_NORMAL)
			refuse("An aggregate with DISTINCT or ORDER BY cannot return its state.");
		if (DatumGetObjectId(aggfn->constvalue) != aggref->aggfnoid)
			refuse("The aggregate called is not the one named.");
		if (state_type(aggref) != fe->funcresulttype)
			refuse("The state type requested does not match the aggregate's.");

		aggref->aggsplit = split;
		aggref->aggtype = fe->funcresulttype;
		tle->expr = (Expr *) aggref;
	}
	agg->aggsplit = split;
}

static void
partialize_walker(Plan *plan)
{
	ListCell *lc;

	if (plan == NULL)
		return;
	check_stack_depth();
	if (IsA(plan, Agg))
		partialize_agg((Agg *) plan);
	else if (IsA(plan, Append))
		foreach (lc, ((Append *) plan)->appendplans)
			partialize_walker(lfirst(lc));
	else if (IsA(plan, MergeAppend))
		foreach (lc, ((MergeAppend *) plan)->mergeplans)
			partialize_walker(lfirst(lc));
	else if (IsA(plan, SubqueryScan))
		partialize_walker(((SubqueryScan *) plan)->subplan);
	partialize_walker(plan->lefttree);
	partialize_walker(plan->righttree);
}

/*
 * The planner hook: plan as usual, then switch the marked aggregates.  The
 * marker is looked for in the query before planning, which rewrites it.
 */
static PlannedStmt *
partialize_planner(Query *parse, const char *query_string, int cursor_options, ParamListInfo params)
{
	PlannedStmt *stmt;
	bool		 marked;
	ListCell	*lc;

	marked = parse->commandType == CMD_SELECT && parse->hasAggs && ExtensionIsInstalled() &&
			 contains_marker_walker((Node *) parse->targetList, NULL);
	if (prev_planner_hook)
		stmt = prev_planner_hook(parse, query_string, cursor_options, params);
	else
		stmt = standard_planner(parse, query_string, cursor_options, params);
	if (marked)
	{
		partialize_walker(stmt->planTree);
		foreach (lc, stmt->subplans)
			partialize_walker(lfirst(lc));
	}
	return stmt;
}

void
PartializeInit(void)
{
	prev_planner_hook = planner_hook;
	planner_hook = partialize_planner;
}
