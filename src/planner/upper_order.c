/*-------------------------------------------------------------------------
 *
 * upper_order.c
 *	  ORDER BY and LIMIT of a read of a distributed hypertable, pushed down
 *	  to the data nodes.
 *
 * Beside the unsorted DataNodeScan (scan_plan.c) we offer one that returns
 * its rows in the order the query wants: each node's query gets the same
 * ORDER BY and the scan merges the nodes' sorted streams (merge_exec.c),
 * so the access node never sorts the whole result.  That needs every sort
 * key to mean the same on the nodes:
 *
 *	- an expression of this relation's columns that shippable.c accepts and
 *	  that is immutable (a stable part would be a parameter sent by us, fine
 *	  for a WHERE clause but not worth the doubt in a sort key);
 *	- sorted by its type's default btree operator, < for ASC and > for DESC,
 *	  so that ASC/DESC names the same operator remotely;
 *	- under the default collation (or none): no COLLATE clause, no column
 *	  with a collation of its own;
 *	- NULLS FIRST/LAST written out, whatever the default.
 *
 * Otherwise no sorted path is offered and PostgreSQL sorts above the scan.
 *
 * LIMIT goes down too, as LIMIT (limit + offset) on every node, with the
 * LIMIT/OFFSET kept on the access node, when nothing between the scan and
 * the Limit node can drop or duplicate rows: the relation is the query's
 * only one, no condition is left for the access node, no aggregate,
 * grouping, window function, DISTINCT, set-returning function in the
 * target list or row lock, and FETCH FIRST ... WITH TIES is not pushed.
 * The count is a constant (offset added here) or, without an OFFSET, an
 * expression known when the scan starts (LIMIT $1), sent as a parameter.
 * A pushed-down LIMIT that fits in one batch lets the scan send the query
 * itself instead of a cursor: one round trip per node (fdw/scan.c).
 *
 * The decision is made at set_rel_pathlist time from the query's
 * query_pathkeys and its LIMIT, not in create_upper_paths_hook: the Limit
 * and the ordering stay PostgreSQL's own plan nodes above our scan, we only
 * promise sorted output and fewer rows, so PostgreSQL's choice between our
 * sorted path and a Sort over the unsorted one stays a cost decision.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/stratnum.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "fdw/fdw.h"
#include "planner/planner.h"

/*
 * The sort key of pathkey pk computed from rel alone, if the nodes can sort
 * by it exactly as we would merge: sets *expr, *sortop, *collation.
 */
static bool
shippable_sort_key(PlannerInfo *root, RelOptInfo *rel, PathKey *pk, Expr **expr,
				   Oid *sortop, Oid *collation)
{
	EquivalenceClass *ec = pk->pk_eclass;
	ListCell   *lc;

	if (ec->ec_has_volatile ||
		(OidIsValid(ec->ec_collation) && ec->ec_collation != DEFAULT_COLLATION_OID))
		return false;
	if (pk->pk_strategy != BTLessStrategyNumber && pk->pk_strategy != BTGreaterStrategyNumber)
		return false;
	foreach(lc, ec->ec_members)
	{
		EquivalenceMember *em = lfirst(lc);
		TypeCacheEntry *tc;
		Oid			op;

		if (em->em_is_const || em->em_is_child || !bms_equal(em->em_relids, rel->relids))
			continue;
		if (contain_mutable_functions((Node *) em->em_expr) ||
			!IsShippableExpr(root, rel, em->em_expr))
			continue;
		op = get_opfamily_member(pk->pk_opfamily, em->em_datatype, em->em_datatype,
								 pk->pk_strategy);
		tc = lookup_type_cache(em->em_datatype, TYPECACHE_LT_OPR | TYPECACHE_GT_OPR);
		if (!OidIsValid(op) ||
			op != (pk->pk_strategy == BTLessStrategyNumber ? tc->lt_opr : tc->gt_opr))
			continue;
		*expr = em->em_expr;
		*sortop = op;
		*collation = ec->ec_collation;
		return true;
	}
	return false;
}

/*
 * The nodes' LIMIT for this query, an int8 expression, or NULL when it
 * cannot be pushed down (see the file header).
 */
static Expr *
pushable_limit(PlannerInfo *root, RelOptInfo *rel, bool ordered_ok)
{
	Query	   *parse = root->parse;
	Node	   *count = parse->limitCount;
	Node	   *offset = parse->limitOffset;
	List	   *conds = NIL;
	List	   *remote_conds;
	List	   *local_conds;
	int64		off = 0;
	ListCell   *lc;

	if (count == NULL || parse->limitOption == LIMIT_OPTION_WITH_TIES ||
		parse->commandType != CMD_SELECT || !ordered_ok ||
		!bms_equal(root->all_baserels, rel->relids) ||
		parse->hasAggs || parse->groupClause != NIL || parse->groupingSets != NIL ||
		parse->havingQual != NULL || parse->distinctClause != NIL ||
		parse->hasWindowFuncs || parse->hasTargetSRFs || parse->rowMarks != NIL ||
		parse->setOperations != NULL)
		return NULL;

	/* a condition left to the access node would drop rows after the LIMIT */
	foreach(lc, rel->baserestrictinfo)
		if (!lfirst_node(RestrictInfo, lc)->pseudoconstant)
			conds = lappend(conds, lfirst(lc));
	ClassifyConditions(root, rel, conds, &remote_conds, &local_conds);
	if (local_conds != NIL)
		return NULL;

	if (offset != NULL)
	{
		if (!IsA(offset, Const))
			return NULL;
		if (!((Const *) offset)->constisnull)
			off = DatumGetInt64(((Const *) offset)->constvalue);
		if (off < 0)
			return NULL;		/* an error on the access node */
	}
	if (IsA(count, Const))
	{
		Const	   *c = (Const *) count;
		int64		bound;

		if (c->constisnull)
			return NULL;		/* LIMIT ALL */
		if (DatumGetInt64(c->constvalue) < 0 ||
			pg_add_s64_overflow(DatumGetInt64(c->constvalue), off, &bound))
			return NULL;
		return (Expr *) makeConst(INT8OID, -1, InvalidOid, sizeof(int64),
								  Int64GetDatum(bound), false, FLOAT8PASSBYVAL);
	}
	/* LIMIT $1: evaluated here when the scan starts, sent as a parameter */
	if (off == 0 && exprType(count) == INT8OID && IsRemoteParamExpr(count))
		return (Expr *) count;
	return NULL;
}

/*
 * Offer a DataNodeScan like base (already added to rel) that returns the
 * rows in the query's order and/or at most LIMIT (limit + offset) rows per
 * node, when that can be pushed down.
 */
void
AddOrderedDataNodeScanPath(PlannerInfo *root, RelOptInfo *rel, DataNodeScanPath *base)
{
	DataNodeScanPath *path;
	List	   *exprs = NIL;
	List	   *sortops = NIL;
	List	   *collations = NIL;
	List	   *nulls_first = NIL;
	bool		ordered_ok = true;
	Expr	   *limit;
	double		nnodes = Max(list_length(base->cpath.custom_private), 1);
	double		rows = rel->rows;
	ListCell   *lc;

	foreach(lc, root->query_pathkeys)
	{
		PathKey    *pk = lfirst(lc);
		Expr	   *expr;
		Oid			sortop;
		Oid			collation;

		if (!shippable_sort_key(root, rel, pk, &expr, &sortop, &collation))
		{
			ordered_ok = false;
			break;
		}
		exprs = lappend(exprs, expr);
		sortops = lappend_oid(sortops, sortop);
		collations = lappend_oid(collations, collation);
		nulls_first = lappend_int(nulls_first, pk->pk_nulls_first);
	}
	if (!ordered_ok)
		exprs = sortops = collations = nulls_first = NIL;
	limit = pushable_limit(root, rel, ordered_ok);
	if (exprs == NIL && limit == NULL)
		return;

	path = palloc(sizeof(DataNodeScanPath));
	memcpy(path, base, sizeof(DataNodeScanPath));
	path->sort_exprs = exprs;
	path->sort_ops = sortops;
	path->sort_collations = collations;
	path->sort_nulls_first = nulls_first;
	path->limit = limit;
	path->cpath.path.pathkeys = exprs != NIL ? root->query_pathkeys : NIL;

	/*
	 * Costs: the nodes sort (or read an index) in parallel, charged like a
	 * scan of their share; the access node merges what is sent, a heap
	 * comparison per row; fewer rows come back under a LIMIT.
	 */
	if (limit != NULL)
	{
		double		bound = root->limit_tuples > 0 ? root->limit_tuples : 10.0;

		if (IsA(limit, Const))
			bound = (double) DatumGetInt64(((Const *) limit)->constvalue);
		rows = clamp_row_est(Min(rows, bound * nnodes));
	}
	path->cpath.path.rows = rows;
	path->cpath.path.startup_cost = base->cpath.path.startup_cost;
	if (exprs != NIL)
		path->cpath.path.startup_cost += cpu_operator_cost * rel->rows / nnodes;
	path->cpath.path.total_cost = path->cpath.path.startup_cost +
		rows * (DATA_NODE_SCAN_ROW_COST + cpu_tuple_cost);
	if (exprs != NIL)
		path->cpath.path.total_cost += rows * cpu_operator_cost * (1.0 + log2(nnodes));
	add_path(rel, &path->cpath.path);
}

/*
 * Finish one node's remote query (sql, reading the member hypertable when
 * whole, else a UNION ALL of chunks) with the path's ORDER BY and LIMIT.
 */
void
DeparseRemoteOrderLimit(StringInfo sql, bool whole, DataNodeScanPath *path, Oid relid,
						Index varno, List **params)
{
	ListCell   *lc1,
			   *lc2,
			   *lc3;

	if (path->sort_exprs == NIL && path->limit == NULL)
		return;
	if (!whole)
	{
		/* ORDER BY of a UNION takes output columns only: sort a subquery */
		char	   *inner = pstrdup(sql->data);

		resetStringInfo(sql);
		appendStringInfo(sql, "SELECT * FROM (%s) AS u", inner);
	}
	forthree(lc1, path->sort_exprs, lc2, path->sort_ops, lc3, path->sort_nulls_first)
	{
		Oid			sortop = lfirst_oid(lc2);
		int16		strategy;
		Oid			opfamily;
		Oid			opcintype;

		appendStringInfoString(sql, lc1 == list_head(path->sort_exprs) ? " ORDER BY " : ", ");
		DeparseExprInto(sql, relid, varno, lfirst(lc1), params);
		if (!get_ordering_op_properties(sortop, &opfamily, &opcintype, &strategy))
			elog(ERROR, "operator %u is not a valid ordering operator", sortop);
		appendStringInfo(sql, "%s%s", strategy == BTLessStrategyNumber ? " ASC" : " DESC",
						 lfirst_int(lc3) ? " NULLS FIRST" : " NULLS LAST");
	}
	if (path->limit != NULL)
	{
		appendStringInfoString(sql, " LIMIT ");
		DeparseExprInto(sql, relid, varno, path->limit, params);
	}
}

/*
 * Record in the plan what the executor needs to merge and to bound the
 * rows: custom_private gets one more list (DNS_ORDER, see scan_exec.c) and
 * custom_exprs the sort keys at its end.  params are the plan's remote
 * parameters, the LIMIT's among them when it is one.
 */
void
PlanRemoteOrderLimit(CustomScan *cscan, DataNodeScanPath *path, List *params)
{
	int			row_bound = -1;
	int			bound_param = 0;
	List	   *order;

	if (path->sort_exprs == NIL && path->limit == NULL)
		return;
	if (path->limit != NULL && IsA(path->limit, Const))
	{
		int64		bound = DatumGetInt64(((Const *) path->limit)->constvalue);

		row_bound = bound < PG_INT32_MAX ? (int) bound : -1;
	}
	else if (path->limit != NULL)
	{
		ListCell   *lc;

		foreach(lc, params)
			if (equal(lfirst(lc), path->limit))
				bound_param = foreach_current_index(lc) + 1;
	}
	order = list_make4(makeInteger(list_length(path->sort_exprs)), path->sort_ops,
					   path->sort_collations, path->sort_nulls_first);
	order = lappend(order, makeInteger(row_bound));
	order = lappend(order, makeInteger(bound_param));
	cscan->custom_private = lappend(cscan->custom_private, order);
	cscan->custom_exprs = list_concat(cscan->custom_exprs, list_copy(path->sort_exprs));
}
