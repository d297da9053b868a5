/*-------------------------------------------------------------------------
 *
 * upper_agg.c
 *	  GROUP BY and aggregates of a distributed hypertable computed by the
 *	  data nodes.
 *
 * At create_upper_paths_hook for UPPERREL_GROUP_AGG, when the query reads
 * one relation, a distributed hypertable scanned by our DataNodeScan with
 * every condition shipped, or its join with a reference table that the
 * nodes run (reference_join.c: each joined row comes from one node), we
 * offer a plan in which the data nodes group:
 *
 *	- full pushdown, when every group lives on one node: the query reads one
 *	  node, or the grouping keys include the space column and every space
 *	  slice among the chunks read is read from one node.  Each node returns
 *	  finished groups (HAVING, DISTINCT and ORDER BY inside aggregates
 *	  applied there); the access node only projects.
 *
 *	- partial pushdown otherwise: each node returns, per group, the
 *	  transition state of every aggregate, and an Agg in AGGSPLIT_FINAL_DESERIAL
 *	  mode combines the states with the aggregate's own combine function and
 *	  finalizes them here (HAVING too).  When every aggregate is one
 *	  without final function whose state is its result (count, sum of
 *	  integers and floats, min, max, bool_and, bit_or, ...), a node computes
 *	  the aggregate itself, which works whatever the nodes' PostgreSQL
 *	  versions.  Otherwise (avg, stddev, sum of int8 and numeric, ...: any
 *	  aggregate with a combine function,
 *	  and serial/deserial functions when its state is internal) every
 *	  aggregate of the query is wrapped in partial_state(), and the node's
 *	  planner (partialize.c) returns the states of its own partial aggregate,
 *	  internal ones serialized to bytea, which needs the same major version
 *	  on both sides.  FILTER goes down with the state; DISTINCT and ORDER BY
 *	  inside an aggregate do not split, and keep the ordinary plan.
 *
 * enable_partitionwise_aggregate does not govern this: the data nodes are
 * not partitions the access node aggregates, and pushdown needs no setting;
 * multinode.enable_aggregate_pushdown off keeps the ordinary plan, rows
 * aggregated here (the way to compare results, or to avoid a node of
 * another major version).
 *
 * What is shipped passes fdw/shippable.c (immutable built-ins and ours,
 * default collations); date_trunc on timestamptz is sent with the session's
 * TimeZone, evaluated when the scan starts, as its zone argument.
 * Grouping sets, conditions kept on the access node, and pseudo-constant
 * conditions keep the ordinary plan.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planner.h"
#include "optimizer/prep.h"
#include "optimizer/tlist.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/selfuncs.h"
#include "utils/syscache.h"

#include "guc.h"
#include "catalog/catalog.h"
#include "fdw/fdw.h"
#include "planner/planner.h"

/* How a node computes an aggregate's transition state in SQL */
typedef enum PartialForm
{
	PARTIAL_NONE,	   /* it cannot */
	PARTIAL_SELF,	   /* the state is the aggregate's result */
	PARTIAL_STATE,	   /* the node's partial aggregate (partialize.c) */
} PartialForm;

/* What one candidate plan needs, gathered while checking the query */
typedef struct AggPushdown
{
	PlannerInfo *root;
	RelOptInfo	*scanrel;	   /* the hypertable, or its join with a reference table */
	Oid			 reloid;	   /* the hypertable */
	Index		 varno;		   /* its range table index */
	List		*rels;		   /* DeparseRel *: the relations the nodes read */
	Path		*join;		   /* the reference join's path, or NULL */
	Hypertable	*ht;
	List		*shares;	   /* NodeShare * */
	List		*remote_conds; /* RestrictInfo * */
	List		*group_exprs;  /* in groupClause order */
	List		*aggs;		   /* distinct Aggref * of target and HAVING */
	bool		 node_states;  /* partial: every aggregate as PARTIAL_STATE */
} AggPushdown;

static create_upper_paths_hook_type prev_create_upper_paths_hook = NULL;

static Plan *plan_pushed_agg(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path, List *tlist,
							 List *clauses, List *custom_plans);

static const CustomPathMethods pushed_agg_path_methods = {
	.CustomName = "DataNodeScan",
	.PlanCustomPath = plan_pushed_agg,
};

static PartialForm
partial_form(Aggref *agg)
{
	HeapTuple		  tup;
	Form_pg_aggregate aggform;
	PartialForm		  form = PARTIAL_NONE;

	/* a node's DISTINCT or ordered input is only part of the group's */
	if (agg->aggdistinct != NIL || agg->aggorder != NIL)
		return PARTIAL_NONE;
	tup = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(agg->aggfnoid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for aggregate %u", agg->aggfnoid);
	aggform = (Form_pg_aggregate) GETSTRUCT(tup);
	if (!OidIsValid(aggform->aggfinalfn) && OidIsValid(aggform->aggcombinefn) &&
		agg->aggtranstype != INTERNALOID && agg->aggtranstype == agg->aggtype)
		form = PARTIAL_SELF;
	else if (OidIsValid(aggform->aggcombinefn) &&
			 (agg->aggtranstype != INTERNALOID ||
			  (OidIsValid(aggform->aggserialfn) && OidIsValid(aggform->aggdeserialfn))))
		form = PARTIAL_STATE;
	ReleaseSysCache(tup);
	return form;
}

/* A space range and the node it is read from, in groups_on_one_node */
typedef struct SpaceRange
{
	int64 start;
	int64 end;
	Oid	  server_id;
} SpaceRange;

/*
 * Does every group live on one node?  Yes when one node is read, or when
 * the grouping keys include the space column (hashed by the default
 * function, so equal values hash alike) and no two chunks read from
 * different nodes have overlapping space ranges: replicas read from either
 * node, placement after nodes were attached and a changed number of
 * partitions can each break that.
 */
static bool
groups_on_one_node(AggPushdown *ap, Hypertable *ht)
{
	const Dimension *space = HypertableSpaceDimension(ht);
	int				 spacedim = -1;
	int				 nspace = 0;
	bool			 keyed = false;
	List			*ranges = NIL;
	ListCell		*lc;
	int				 i;

	if (list_length(ap->shares) == 1)
		return true;
	for (i = 0; i < ht->num_dimensions; i++)
	{
		if (!ht->dimensions[i].is_space)
			continue;
		nspace++;
		spacedim = i;
	}
	if (space == NULL || nspace != 1 || OidIsValid(space->partitioning_func))
		return false;
	foreach (lc, ap->group_exprs)
	{
		Node *e = lfirst(lc);

		if (IsA(e, Var) && ((Var *) e)->varno == ap->varno &&
			((Var *) e)->varattno == space->attno)
			keyed = true;
	}
	if (!keyed)
		return false;

	/* the distinct (range, node) pairs are few: partitions times nodes */
	foreach (lc, ap->shares)
	{
		NodeShare *share = lfirst(lc);
		ListCell  *lc2;

		foreach (lc2, share->chunks)
		{
			Chunk	 *chunk = lfirst(lc2);
			int64	  start = chunk->range_start[spacedim];
			int64	  end = chunk->range_end[spacedim];
			bool	  known = false;
			ListCell *r;

			CHECK_FOR_INTERRUPTS();
			foreach (r, ranges)
			{
				SpaceRange *sr = lfirst(r);

				if (sr->start == start && sr->end == end && sr->server_id == share->server_id)
					known = true;
				else if (sr->server_id != share->server_id && sr->start < end && start < sr->end)
					return false;
			}
			if (!known)
			{
				SpaceRange *sr = palloc(sizeof(SpaceRange));

				sr->start = start;
				sr->end = end;
				sr->server_id = share->server_id;
				ranges = lappend(ranges, sr);
			}
		}
	}
	return true;
}

/*
 * " FROM <what the node reads>": its member hypertable, or its chunks that
 * are read from it, UNION ALL, each filtered, as the root's name.
 */
static void
append_from(StringInfo sql, AggPushdown *ap, ReferenceJoinSQL *rj, NodeShare *share,
			Bitmapset *attrs, const char *where)
{
	StringInfoData cols;
	List		  *retrieved;
	ListCell	  *lc;
	bool		   first = true;

	if (rj)
	{
		appendStringInfoString(sql, ReferenceJoinFrom(rj, share));
		return;
	}
	if (share->whole)
	{
		appendStringInfo(sql, " FROM %s%s", DeparseRelationName(ap->reloid), where);
		return;
	}
	initStringInfo(&cols);
	DeparseColumnList(&cols, ap->reloid, attrs, &retrieved);
	appendStringInfoString(sql, " FROM (");
	foreach (lc, share->chunks)
	{
		Chunk *chunk = lfirst(lc);

		appendStringInfo(sql, "%sSELECT %s FROM %s%s", first ? "" : " UNION ALL ", cols.data,
						 quote_qualified_identifier(chunk->schema_name, chunk->table_name), where);
		first = false;
	}
	appendStringInfo(sql, ") %s", quote_identifier(get_rel_name(ap->reloid)));
}

/*
 * append_from's chunk form in pieces, for a node that takes over another's
 * chunks at run time (planner/scan_exec.c).  Partial aggregation's groups
 * are combined here, wherever their rows come from; a whole aggregation
 * relies on each group living on one node, which the flag appended last
 * tells fail_over to keep: a space slice's chunks go to one node.
 */
static List *
failover_pieces(AggPushdown *ap, ReferenceJoinSQL *rj, const char *select, Bitmapset *attrs,
				const char *where, const char *tail, bool whole)
{
	StringInfoData cols;
	List		  *retrieved;
	List		  *pieces;

	if (rj)
		return lappend(ReferenceJoinFailover(rj, select, tail), makeBoolean(whole));
	initStringInfo(&cols);
	DeparseColumnList(&cols, ap->reloid, attrs, &retrieved);
	pieces = list_make4(makeString(psprintf("%s FROM (", select)),
						makeString(psprintf("SELECT %s FROM ", cols.data)), makeString(pstrdup(where)),
						makeString(psprintf(") %s%s", quote_identifier(get_rel_name(ap->reloid)), tail)));
	return lappend(pieces, makeBoolean(whole));
}

/* The SQL computing one aggregate's transition state on a node */
static void
deparse_partial(StringInfo buf, AggPushdown *ap, Aggref *agg, List **params)
{
	switch (ap->node_states ? PARTIAL_STATE : partial_form(agg))
	{
		case PARTIAL_SELF:
			DeparseAggregateCall(buf, ap->rels, agg, NULL, params);
			break;
		case PARTIAL_STATE:
			/* as mark_partial_aggref types it for AGGSPLIT_INITIAL_SERIAL */
			DeparsePartialStateCall(buf, ap->rels, agg,
									agg->aggtranstype == INTERNALOID ? BYTEAOID : agg->aggtranstype,
									params);
			break;
		case PARTIAL_NONE:
			elog(ERROR, "aggregate %u has no partial form", agg->aggfnoid);
	}
}

/*
 * The path: per node, SQL returning the columns of scan_tlist (group keys,
 * then aggregates or their states), and everything the plan needs.
 */
static CustomPath *
make_pushed_path(AggPushdown *ap, RelOptInfo *rel, PathTarget *target, List *scan_tlist,
				 bool partial, List *having, double rows)
{
	CustomPath	  *cpath = makeNode(CustomPath);
	List		  *params = NIL;
	List		  *servers = NIL;
	List		  *sqls = NIL;
	List		  *chunk_names = NIL;
	List		  *chunk_ids = NIL;
	List		  *attrnos = NIL;
	List		  *runtime_conds = NIL;
	Bitmapset	  *attrs = NULL;
	StringInfoData where;
	StringInfoData select;
	StringInfoData tail;
	ReferenceJoinSQL *rj = NULL;
	ListCell	  *lc;
	int			   ngroup = list_length(ap->group_exprs);
	int			   i = 0;

	/*
	 * Nodes left without chunks at run time are not asked, except by a
	 * whole aggregate without GROUP BY: its one row must come back.
	 */
	foreach (lc, (partial || ngroup > 0) ? ap->remote_conds : NIL)
	{
		Expr *clause = lfirst_node(RestrictInfo, lc)->clause;

		if (IsRuntimeExclusionClause(ap->ht, (Node *) clause, ap->varno))
			runtime_conds = lappend(runtime_conds, clause);
	}

	/* the WHERE (or the join) first: its parameters are numbered before the rest */
	initStringInfo(&where);
	DeparseWhereClause(&where, ap->reloid, ap->varno, ap->remote_conds, &params);
	if (ap->join)
	{
		rj = ReferenceJoinDeparse(ap->root, ap->join, &params);
		if (partial || ngroup > 0)
			runtime_conds = rj->runtime_conds;
	}

	initStringInfo(&select);
	appendStringInfoString(&select, "SELECT ");
	foreach (lc, scan_tlist)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (i > 0)
			appendStringInfoString(&select, ", ");
		if (partial && i >= ngroup)
			deparse_partial(&select, ap, (Aggref *) tle->expr, &params);
		else
			DeparseJoinExprInto(&select, ap->rels, tle->expr, &params);
		pull_varattnos((Node *) tle->expr, ap->varno, &attrs);
		attrnos = lappend_int(attrnos, ++i);
	}
	initStringInfo(&tail);
	for (i = 1; i <= ngroup; i++)
		appendStringInfo(&tail, "%s%d", i == 1 ? " GROUP BY " : ", ", i);
	foreach (lc, having)
	{
		appendStringInfoString(&tail, lc == list_head(having) ? " HAVING " : " AND ");
		DeparseJoinExprInto(&tail, ap->rels, lfirst(lc), &params);
		pull_varattnos(lfirst(lc), ap->varno, &attrs);
	}
	if (attrs == NULL)
		attrs = bms_make_singleton(1 - FirstLowInvalidHeapAttributeNumber);

	foreach (lc, ap->shares)
	{
		NodeShare	  *share = lfirst(lc);
		StringInfoData sql;
		List		  *ids;

		initStringInfo(&sql);
		appendStringInfoString(&sql, select.data);
		append_from(&sql, ap, rj, share, attrs, where.data);
		appendStringInfoString(&sql, tail.data);
		servers = lappend_oid(servers, share->server_id);
		sqls = lappend(sqls, makeString(sql.data));
		chunk_names = lappend(chunk_names, makeString(NodeShareChunkNames(share, &ids)));
		chunk_ids = lappend(chunk_ids, ids);
	}

	cpath->path.pathtype = T_CustomScan;
	cpath->path.parent = rel;
	cpath->path.pathtarget = target;
	cpath->path.rows = rows;
	cpath->path.startup_cost = DATA_NODE_SCAN_STARTUP_COST + ap->scanrel->rows * cpu_operator_cost *
																 (list_length(ap->aggs) + ngroup) /
																 list_length(ap->shares);
	cpath->path.total_cost =
		cpath->path.startup_cost + rows * (DATA_NODE_SCAN_ROW_COST + cpu_tuple_cost);
	cpath->custom_private = list_make5(scan_tlist, attrnos, servers, sqls, chunk_names);
	cpath->custom_private = lappend(cpath->custom_private, chunk_ids);
	cpath->custom_private = lappend(cpath->custom_private, params);
	/* DNS_NEEDS_UTC: date_trunc now carries the TimeZone (fdw/deparse.c) */
	cpath->custom_private = lappend(cpath->custom_private, makeBoolean(false));
	cpath->custom_private = lappend(cpath->custom_private, ap->scanrel->relids);
	cpath->custom_private = lappend(cpath->custom_private, runtime_conds);
	cpath->custom_private = lappend(cpath->custom_private,
									failover_pieces(ap, rj, select.data, attrs, where.data, tail.data,
													!partial));
	cpath->custom_private = lappend(cpath->custom_private,
									list_make2_int(ap->reloid, ap->varno));
	cpath->methods = &pushed_agg_path_methods;
	return cpath;
}

/* The plan in DataNodeScan's shape (scan_exec.c), reading no relation. */
static Plan *
plan_pushed_agg(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path, List *tlist,
				List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	List	   *priv = best_path->custom_private;
	List	   *params = list_nth(priv, 6);
	List	   *order = NIL;

	Assert(clauses == NIL);
	cscan->scan.plan.targetlist = tlist;
	cscan->scan.plan.qual = NIL;
	cscan->scan.scanrelid = 0;
	cscan->flags = best_path->flags;
	/* the fallback, see push_full */
	cscan->custom_plans = custom_plans;
	cscan->custom_private = list_make5(list_nth(priv, 1), list_nth(priv, 2), list_nth(priv, 3),
									   list_nth(priv, 4), list_nth(priv, 5));
	cscan->custom_private = lappend(cscan->custom_private, makeInteger(list_length(params)));
	/*
	 * No ORDER BY or LIMIT of its own (DNS_ORDER, planner/upper_order.c);
	 * without grouping each node answers one row, a bound that lets the
	 * scan send its query without a cursor (fdw/scan.c).
	 */
	if (root->parse->groupClause == NIL && root->parse->groupingSets == NIL)
		order = lappend(list_make5(makeInteger(0), NIL, NIL, NIL, makeInteger(1)), makeInteger(0));
	cscan->custom_private = lappend(cscan->custom_private, order);
	cscan->custom_private = lappend(cscan->custom_private, list_nth(priv, 7));
	cscan->custom_private = lappend(cscan->custom_private, list_nth(priv, 9));
	cscan->custom_private = lappend(cscan->custom_private, list_nth(priv, 11));
	cscan->custom_exprs = params;
	DataNodeScanSetFailover(cscan, list_nth(priv, 10));
	cscan->custom_scan_tlist = linitial(priv);
	cscan->custom_relids = list_nth(priv, 8);
	cscan->methods = &DataNodeScanPlanMethods;
	return &cscan->scan.plan;
}

static void
add_tle(List **tlist, Expr *expr)
{
	ListCell *lc;

	foreach (lc, *tlist)
		if (equal(lfirst_node(TargetEntry, lc)->expr, expr))
			return;
	*tlist = lappend(*tlist, makeTargetEntry(expr, list_length(*tlist) + 1, NULL, false));
}

/* Collect the aggregates of node into ap->aggs; true if it reads columns elsewhere. */
static bool
collect_aggs(Node *node, AggPushdown *ap)
{
	if (node == NULL)
		return false;
	if (list_member(ap->group_exprs, node))
		return false;
	if (IsA(node, Aggref))
	{
		if (!IsShippableUpperExpr(ap->root, ap->scanrel, (Expr *) node))
			return true;
		if (!list_member(ap->aggs, node))
			ap->aggs = lappend(ap->aggs, node);
		return false;
	}
	if (IsA(node, Var) || IsA(node, PlaceHolderVar) || IsA(node, WindowFunc) ||
		IsA(node, GroupingFunc) || IsA(node, SubPlan))
		return true;
	return expression_tree_walker(node, collect_aggs, ap);
}

/*
 * Can the nodes return every aggregate's state per group, for combining
 * here?  Sets ap->node_states when one of them needs the node's partial
 * aggregate.
 */
static bool
aggs_split(AggPushdown *ap)
{
	ListCell *lc;

	foreach (lc, ap->aggs)
	{
		PartialForm form = partial_form(lfirst(lc));

		/*
		 * The node splits every aggregate of its Agg or none: one that needs
		 * the node's partial aggregate takes the others with it (each has a
		 * combine function, hence a state the node can return).
		 */
		if (form == PARTIAL_NONE)
			return false;
		if (form == PARTIAL_STATE)
			ap->node_states = true;
	}
	return true;
}

/*
 * Can the nodes group for this query?  Fills ap; false leaves the
 * ordinary plan.
 */
static bool
check_query(AggPushdown *ap, RelOptInfo *input_rel, RelOptInfo *grouped_rel,
			GroupPathExtraData *extra, bool *full)
{
	PlannerInfo	  *root = ap->root;
	Query		  *parse = root->parse;
	RangeTblEntry *rte;
	Hypertable	  *ht;
	List		  *local_conds;
	Path		  *scan;
	ListCell	  *lc;

	if ((input_rel->reloptkind != RELOPT_BASEREL && input_rel->reloptkind != RELOPT_JOINREL) ||
		parse->groupingSets != NIL || input_rel->cheapest_total_path == NULL)
		return false;
	/* the scan, maybe under the projection computing the grouping keys */
	scan = input_rel->cheapest_total_path;
	if (IsA(scan, ProjectionPath))
		scan = ((ProjectionPath *) scan)->subpath;
	ap->scanrel = input_rel;
	if (IsReferenceJoinPath(scan))
	{
		/*
		 * A join with a reference table the nodes run: every condition
		 * ships.  Its SQL is made again with the path's parameters.
		 */
		List *params = NIL;

		ap->rels = ReferenceJoinDeparse(root, scan, &params)->rels;
		ap->varno = ((DeparseRel *) linitial(ap->rels))->varno;
		ap->reloid = ((DeparseRel *) linitial(ap->rels))->reloid;
		ap->join = scan;
		ap->shares = ReferenceJoinShares(scan);
	}
	else if (IsDataNodeScanPath(scan) && input_rel->reloptkind == RELOPT_BASEREL)
	{
		DeparseRel *rel = palloc(sizeof(DeparseRel));

		rte = planner_rt_fetch(input_rel->relid, root);
		ap->varno = input_rel->relid;
		ap->reloid = rte->relid;
		ap->shares = ((CustomPath *) scan)->custom_private;
		rel->varno = ap->varno;
		rel->reloid = ap->reloid;
		rel->alias = NULL;
		ap->rels = list_make1(rel);

		/* every condition goes down, none gates the scan */
		foreach (lc, input_rel->baserestrictinfo)
			if (lfirst_node(RestrictInfo, lc)->pseudoconstant)
				return false;
		ClassifyConditions(root, input_rel, input_rel->baserestrictinfo, &ap->remote_conds,
						   &local_conds);
		if (local_conds != NIL)
			return false;
	}
	else
		return false;
	ht = HypertableGetByRelid(ap->reloid);
	if (ht == NULL)
		return false;
	ap->ht = ht;

	/* the combining Agg needs a strategy */
	if (parse->groupClause != NIL && !grouping_is_hashable(parse->groupClause) &&
		!(grouping_is_sortable(parse->groupClause) && root->group_pathkeys != NIL))
		return false;

	/* grouping keys the nodes compute and compare as we do */
	ap->group_exprs = get_sortgrouplist_exprs(parse->groupClause, parse->targetList);
	foreach (lc, ap->group_exprs)
	{
		Oid coll = exprCollation(lfirst(lc));

		if ((OidIsValid(coll) && coll != DEFAULT_COLLATION_OID) ||
			!IsShippableUpperExpr(root, input_rel, lfirst(lc)))
			return false;
	}

	/*
	 * The aggregates; outside them, only grouping keys may read columns (the
	 * projection above the scan finds them in its output).
	 */
	if (collect_aggs((Node *) grouped_rel->reltarget->exprs, ap) ||
		collect_aggs(extra->havingQual, ap))
		return false;

	*full = groups_on_one_node(ap, ht);
	if (*full)
	{
		/* HAVING, an implicit AND, goes down with the groups */
		foreach (lc, (List *) extra->havingQual)
			if (!IsShippableUpperExpr(root, input_rel, lfirst(lc)))
				return false;
		return true;
	}
	return aggs_split(ap);
}

/*
 * The whole aggregation, with "fallback" (another path of grouped_rel, or
 * NULL) as its child for scan_exec.c to run instead when, with a node
 * down, no other node of the scan holds a failed node's space slices whole:
 * a cached plan then still answers, grouping here.
 */
static void
push_full(AggPushdown *ap, RelOptInfo *grouped_rel, GroupPathExtraData *extra, double ngroups,
		  Path *fallback)
{
	List	   *scan_tlist = NIL;
	CustomPath *cpath;
	ListCell   *lc;

	foreach (lc, ap->group_exprs)
		scan_tlist = lappend(scan_tlist,
							 makeTargetEntry(lfirst(lc), list_length(scan_tlist) + 1, NULL, false));
	foreach (lc, ap->aggs)
		add_tle(&scan_tlist, lfirst(lc));
	cpath = make_pushed_path(ap, grouped_rel, grouped_rel->reltarget, scan_tlist, false,
							 (List *) extra->havingQual, ngroups);
	if (fallback != NULL && list_length(ap->shares) > 1)
		cpath->custom_paths = list_make1(fallback);
	add_path(grouped_rel, (Path *) cpath);
}

static void
push_partial(AggPushdown *ap, RelOptInfo *input_rel, RelOptInfo *grouped_rel,
			 GroupPathExtraData *extra, double ngroups)
{
	PlannerInfo *root = ap->root;
	Query		*parse = root->parse;
	RelOptInfo	*partial_rel = fetch_upper_rel(root, UPPERREL_PARTIAL_GROUP_AGG, input_rel->relids);
	PathTarget	*target = create_empty_pathtarget();
	List		*scan_tlist = NIL;
	AggClauseCosts costs;
	CustomPath	  *cpath;
	double		   partial_rows;
	ListCell	  *lc;

	foreach (lc, parse->groupClause)
	{
		SortGroupClause *sgc = lfirst(lc);
		Expr			*e = (Expr *) get_sortgroupclause_expr(sgc, parse->targetList);

		add_column_to_pathtarget(target, e, sgc->tleSortGroupRef);
		scan_tlist =
			lappend(scan_tlist, makeTargetEntry(e, list_length(scan_tlist) + 1, NULL, false));
	}
	foreach (lc, ap->aggs)
	{
		Aggref *agg = copyObject(lfirst(lc));

		/* as setrefs.c will look for it below the combining Agg */
		mark_partial_aggref(agg, AGGSPLIT_INITIAL_SERIAL);
		if (!list_member(target->exprs, agg))
		{
			add_column_to_pathtarget(target, (Expr *) agg, 0);
			scan_tlist =
				lappend(scan_tlist,
						makeTargetEntry((Expr *) agg, list_length(scan_tlist) + 1, NULL, false));
		}
	}
	target = set_pathtarget_cost_width(root, target);

	partial_rows = Min(ngroups * list_length(ap->shares), Max(input_rel->rows, 1));
	cpath = make_pushed_path(ap, partial_rel, target, scan_tlist, true, NULL, partial_rows);

	MemSet(&costs, 0, sizeof(costs));
	get_agg_clause_costs(root, AGGSPLIT_FINAL_DESERIAL, &costs);
	if (parse->groupClause == NIL)
		add_path(grouped_rel,
				 (Path *) create_agg_path(root, grouped_rel, &cpath->path, grouped_rel->reltarget,
										  AGG_PLAIN, AGGSPLIT_FINAL_DESERIAL, NIL,
										  (List *) extra->havingQual, &costs, ngroups));
	else
	{
		if (grouping_is_hashable(parse->groupClause))
			add_path(grouped_rel, (Path *) create_agg_path(
									  root, grouped_rel, &cpath->path, grouped_rel->reltarget,
									  AGG_HASHED, AGGSPLIT_FINAL_DESERIAL, parse->groupClause,
									  (List *) extra->havingQual, &costs, ngroups));
		if (grouping_is_sortable(parse->groupClause) && root->group_pathkeys != NIL)
		{
			Path *sorted = (Path *) create_sort_path(root, partial_rel, &cpath->path,
													 root->group_pathkeys, -1.0);

			add_path(grouped_rel, (Path *) create_agg_path(
									  root, grouped_rel, sorted, grouped_rel->reltarget, AGG_SORTED,
									  AGGSPLIT_FINAL_DESERIAL, parse->groupClause,
									  (List *) extra->havingQual, &costs, ngroups));
		}
	}
}

/* The cheapest of paths, by total cost; NULL if there is none. */
static Path *
cheapest_total(List *paths)
{
	Path	 *best = NULL;
	ListCell *lc;

	foreach (lc, paths)
		if (best == NULL || ((Path *) lfirst(lc))->total_cost < best->total_cost)
			best = lfirst(lc);
	return best;
}

static void
upper_paths(PlannerInfo *root, UpperRelationKind stage, RelOptInfo *input_rel,
			RelOptInfo *output_rel, void *extra)
{
	AggPushdown ap;
	bool		full;
	double		ngroups;
	Path	   *fallback;

	if (prev_create_upper_paths_hook)
		prev_create_upper_paths_hook(root, stage, input_rel, output_rel, extra);
	if (stage != UPPERREL_GROUP_AGG || extra == NULL || !mn_enable_aggregate_pushdown)
		return;
	MemSet(&ap, 0, sizeof(ap));
	ap.root = root;
	if (!check_query(&ap, input_rel, output_rel, extra, &full))
		return;

	ngroups = ap.group_exprs == NIL
				  ? 1
				  : estimate_num_groups(root, ap.group_exprs, Max(input_rel->rows, 1), NULL, NULL);

	/*
	 * The nodes' grouping always sends fewer rows than the scan below the
	 * ordinary plan; the ordinary paths are dropped so that poor row
	 * estimates of the chunks cannot pick them.
	 */
	fallback = cheapest_total(output_rel->pathlist);
	output_rel->pathlist = NIL;
	output_rel->partial_pathlist = NIL;
	if (full)
	{
		/*
		 * The whole aggregation's fallback: the nodes' partial aggregation
		 * combined here when the aggregates split, else the ordinary plan.
		 */
		if (aggs_split(&ap))
		{
			push_partial(&ap, input_rel, output_rel, extra, ngroups);
			fallback = cheapest_total(output_rel->pathlist);
			output_rel->pathlist = NIL;
		}
		push_full(&ap, output_rel, extra, ngroups, fallback);
	}
	else
		push_partial(&ap, input_rel, output_rel, extra, ngroups);
}

void
UpperAggInit(void)
{
	prev_create_upper_paths_hook = create_upper_paths_hook;
	create_upper_paths_hook = upper_paths;
}
