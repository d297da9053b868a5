/*-------------------------------------------------------------------------
 *
 * reference_join.c
 *	  Joins of a distributed hypertable with a reference table run by the
 *	  data nodes.
 *
 * The wrapper option "reference_tables" (fdw/option.c) names ordinary
 * tables that the user keeps, identical, on the access node and on every
 * data node.  A join of a distributed hypertable with one of them can then
 * be run by each data node on its own chunks and its own copy, and only
 * the joined rows travel.  At set_join_pathlist_hook, for a join of two
 * base relations, the outer one a distributed hypertable read by our
 * DataNodeScan, the inner one a reference table, we offer a DataNodeScan
 * of the join relation (scanrelid 0, rows of custom_scan_tlist) sending
 * each node
 *
 *		SELECT r1.a, r2.b FROM <root> r1 [LEFT] JOIN <reference> r2 ON (...)
 *		  WHERE ...
 *
 * (the hypertable's chunks UNION ALL in place of the root when some of the
 * node's chunks are read from other replicas), with the same node shares,
 * run-time node exclusion and failing over as the hypertable's own scan.
 *
 * Only when the nodes' answer is exactly ours: an inner join, or a left
 * join preserving the hypertable; every condition on either relation and
 * of the join shippable (fdw/shippable.c: immutable built-ins, safe
 * collations, no volatile functions); only plain columns needed above the
 * join; no row-level security policy on either relation (the access node
 * must apply them), no row locks, no TABLESAMPLE, no inheritance children
 * of the reference table.  Otherwise PostgreSQL's own join, here, stays.
 * The reference table stays in the range table, so the executor checks
 * the role's SELECT privilege on it as for any join.  That the nodes' copies
 * exist and match is the user's promise, as in TimescaleDB 2.13; a node
 * without the table fails the query with its own error.
 *
 * upper_agg.c computes aggregates above such a join on the nodes too, from
 * the pieces of SQL ReferenceJoinDeparse makes.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/prep.h"
#include "optimizer/restrictinfo.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "catalog/catalog.h"
#include "fdw/fdw.h"
#include "planner/planner.h"

/* the aliases of the two relations in the nodes' SQL */
#define HYPERTABLE_ALIAS "r1"
#define REFERENCE_ALIAS "r2"

/* custom_private of the join's path */
enum ReferenceJoinPrivate
{
	RJ_SHARES,					/* NodeShare * of the hypertable's scan */
	RJ_JOINTYPE,				/* Integer: JOIN_INNER or JOIN_LEFT */
	RJ_HT_CONDS,				/* RestrictInfo *: on the hypertable */
	RJ_REF_CONDS,				/* RestrictInfo *: on the reference table */
	RJ_JOIN_CONDS,				/* RestrictInfo *: the join's ON */
	RJ_OTHER_CONDS,				/* RestrictInfo *: after an outer join */
	RJ_HT_VARNO,				/* Integer */
	RJ_REF_VARNO,				/* Integer */
};

static set_join_pathlist_hook_type prev_set_join_pathlist_hook = NULL;

static Plan *plan_reference_join(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
								 List *tlist, List *clauses, List *custom_plans);

static const CustomPathMethods reference_join_path_methods = {
	.CustomName = "DataNodeScan",
	.PlanCustomPath = plan_reference_join,
};

/* The hypertable scan's DataNodeScan path among rel's paths, or NULL. */
static Path *
data_node_scan_of(RelOptInfo *rel)
{
	ListCell   *lc;

	foreach(lc, rel->pathlist)
		if (IsDataNodeScanPath(lfirst(lc)))
			return lfirst(lc);
	return NULL;
}

/*
 * Does a row-level security policy or a security barrier apply to the
 * base relation rel?  Their quals must run here, before anything leaks.
 */
static bool
has_security_quals(PlannerInfo *root, RelOptInfo *rel)
{
	ListCell   *lc;

	if (planner_rt_fetch(rel->relid, root)->securityQuals != NIL)
		return true;
	foreach(lc, rel->baserestrictinfo)
		if (lfirst_node(RestrictInfo, lc)->security_level > 0)
			return true;
	return false;
}

/* Are all the conditions (RestrictInfo *) evaluable by the nodes over relids? */
static bool
all_shippable(PlannerInfo *root, Relids relids, List *conds)
{
	ListCell   *lc;

	foreach(lc, conds)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (ri->pseudoconstant || !IsShippableJoinExpr(root, relids, ri->clause))
			return false;
	}
	return true;
}

/* Is rel, the inner side of the join, a table of "reference_tables"? */
static bool
is_reference_table(PlannerInfo *root, RelOptInfo *rel)
{
	RangeTblEntry *rte;

	if (rel->reloptkind != RELOPT_BASEREL || rel->rtekind != RTE_RELATION)
		return false;
	rte = planner_rt_fetch(rel->relid, root);
	/* inh stays set only for a table that has children */
	if (rte->inh || rte->tablesample != NULL || get_rel_relkind(rte->relid) != RELKIND_RELATION)
		return false;
	return list_member_oid(DataNodeReferenceTables(), rte->relid);
}

/*
 * Can the nodes run this join exactly?  Fills the path's private list
 * when they can.
 */
static List *
check_join(PlannerInfo *root, RelOptInfo *joinrel, RelOptInfo *outerrel, RelOptInfo *innerrel,
		   JoinType jointype, JoinPathExtraData *extra)
{
	Path	   *scan;
	List	   *priv;
	List	   *join_conds = NIL;
	List	   *other_conds = NIL;
	ListCell   *lc;

	if (jointype != JOIN_INNER && jointype != JOIN_LEFT)
		return NIL;
	if (outerrel->reloptkind != RELOPT_BASEREL || IS_DUMMY_REL(outerrel) ||
		!bms_is_empty(joinrel->lateral_relids) || !bms_is_empty(outerrel->lateral_relids) ||
		!bms_is_empty(innerrel->lateral_relids))
		return NIL;
	scan = data_node_scan_of(outerrel);
	if (scan == NULL || !is_reference_table(root, innerrel))
		return NIL;
	if (get_plan_rowmark(root->rowMarks, innerrel->relid) != NULL ||
		has_security_quals(root, outerrel) || has_security_quals(root, innerrel))
		return NIL;

	/* the nodes return plain columns of either relation */
	foreach(lc, joinrel->reltarget->exprs)
	{
		Var		   *var = lfirst(lc);

		if (!IsA(var, Var) || var->varattno <= 0 || var->varlevelsup != 0 ||
			(var->varno != outerrel->relid && var->varno != innerrel->relid))
			return NIL;
	}

	if (!all_shippable(root, outerrel->relids, outerrel->baserestrictinfo) ||
		!all_shippable(root, innerrel->relids, innerrel->baserestrictinfo) ||
		!all_shippable(root, joinrel->relids, extra->restrictlist))
		return NIL;

	/* after an outer join, WHERE conditions filter the joined rows */
	foreach(lc, extra->restrictlist)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (jointype == JOIN_LEFT && RINFO_IS_PUSHED_DOWN(ri, joinrel->relids))
			other_conds = lappend(other_conds, ri);
		else
			join_conds = lappend(join_conds, ri);
	}

	priv = list_make4(((CustomPath *) scan)->custom_private, makeInteger(jointype),
					  outerrel->baserestrictinfo, innerrel->baserestrictinfo);
	priv = lappend(priv, join_conds);
	priv = lappend(priv, other_conds);
	priv = lappend(priv, makeInteger(outerrel->relid));
	return lappend(priv, makeInteger(innerrel->relid));
}

/*
 * Offer the join run by the nodes.  Its cost: the nodes' startup and
 * per-row costs (fdw_startup_cost, fdw_tuple_cost) for the joined rows,
 * plus the nodes' join work shared among them; the ordinary plan pays for every
 * hypertable row travelling and the join done here on top.
 */
static void
reference_join_paths(PlannerInfo *root, RelOptInfo *joinrel, RelOptInfo *outerrel,
					 RelOptInfo *innerrel, JoinType jointype, JoinPathExtraData *extra)
{
	List	   *priv;
	CustomPath *cpath;
	List	   *server_ids = NIL;
	Cost		startup_cost;
	Cost		row_cost;
	ListCell   *lc;

	if (prev_set_join_pathlist_hook)
		prev_set_join_pathlist_hook(root, joinrel, outerrel, innerrel, jointype, extra);
	priv = check_join(root, joinrel, outerrel, innerrel, jointype, extra);
	if (priv == NIL)
		return;

	foreach(lc, linitial(priv))
		server_ids = lappend_oid(server_ids, ((NodeShare *) lfirst(lc))->server_id);
	DataNodeScanCosts(server_ids, &startup_cost, &row_cost);

	cpath = makeNode(CustomPath);
	cpath->path.pathtype = T_CustomScan;
	cpath->path.parent = joinrel;
	cpath->path.pathtarget = joinrel->reltarget;
	cpath->path.param_info = NULL;
	cpath->path.parallel_aware = false;
	cpath->path.parallel_safe = false;
	cpath->path.parallel_workers = 0;
	cpath->path.rows = joinrel->rows;
	cpath->path.startup_cost = startup_cost;
	cpath->path.total_cost = startup_cost +
		joinrel->rows * (row_cost + cpu_tuple_cost) +
		outerrel->rows * cpu_operator_cost / Max(list_length(server_ids), 1);
	cpath->path.pathkeys = NIL;
	cpath->flags = 0;
	cpath->custom_paths = NIL;
	cpath->custom_private = priv;
	cpath->methods = &reference_join_path_methods;
	add_path(joinrel, &cpath->path);
}

bool
IsReferenceJoinPath(Path *path)
{
	return IsA(path, CustomPath) &&
		((CustomPath *) path)->methods == &reference_join_path_methods;
}

/* The NodeShares of a reference join's path. */
List *
ReferenceJoinShares(Path *path)
{
	return linitial(((CustomPath *) path)->custom_private);
}

/*
 * The SQL pieces of the join of path (a reference join's) that every
 * node's query reads from: the hypertable's conditions inside its chunks'
 * subquery or, for a node reading its member hypertable whole, qualified
 * after the join; the join with the reference table, a left join's own
 * conditions in its ON; the conditions filtering the joined rows.
 * Parameters are appended to *params.
 */
ReferenceJoinSQL *
ReferenceJoinDeparse(PlannerInfo *root, Path *path, List **params)
{
	List	   *priv = ((CustomPath *) path)->custom_private;
	JoinType	jointype = intVal(list_nth(priv, RJ_JOINTYPE));
	List	   *ht_conds = list_nth(priv, RJ_HT_CONDS);
	List	   *ref_conds = list_nth(priv, RJ_REF_CONDS);
	List	   *other_conds = list_nth(priv, RJ_OTHER_CONDS);
	List	   *on_conds = list_nth(priv, RJ_JOIN_CONDS);
	Index		ref_varno = intVal(list_nth(priv, RJ_REF_VARNO));
	Oid			ref_relid = planner_rt_fetch(ref_varno, root)->relid;
	ReferenceJoinSQL *rj = palloc0(sizeof(ReferenceJoinSQL));
	DeparseRel *ht_rel = palloc(sizeof(DeparseRel));
	DeparseRel *ref_rel = palloc(sizeof(DeparseRel));
	Hypertable *ht;
	List	   *where_conds;
	List	   *retrieved;
	Bitmapset  *ht_attrs = NULL;
	StringInfoData buf;
	ListCell   *lc;

	rj->ht_varno = intVal(list_nth(priv, RJ_HT_VARNO));
	rj->ht_relid = planner_rt_fetch(rj->ht_varno, root)->relid;
	ht_rel->varno = rj->ht_varno;
	ht_rel->reloid = rj->ht_relid;
	ht_rel->alias = HYPERTABLE_ALIAS;
	ref_rel->varno = ref_varno;
	ref_rel->reloid = ref_relid;
	ref_rel->alias = REFERENCE_ALIAS;
	rj->rels = list_make2(ht_rel, ref_rel);

	/* the hypertable's conditions, inside its chunks' subquery */
	initStringInfo(&buf);
	DeparseWhereClause(&buf, rj->ht_relid, rj->ht_varno, ht_conds, params);
	rj->chunk_tail = buf.data;
	ht = HypertableGetByRelid(rj->ht_relid);
	foreach(lc, ht_conds)
	{
		Node	   *clause = (Node *) lfirst_node(RestrictInfo, lc)->clause;

		if (ht && IsRuntimeExclusionClause(ht, clause, rj->ht_varno))
			rj->runtime_conds = lappend(rj->runtime_conds, clause);
	}

	/* the hypertable's columns read above its chunks' subquery */
	pull_varattnos((Node *) path->parent->reltarget->exprs, rj->ht_varno, &ht_attrs);
	foreach(lc, list_concat_copy(on_conds, other_conds))
		pull_varattnos((Node *) lfirst_node(RestrictInfo, lc)->clause, rj->ht_varno, &ht_attrs);
	initStringInfo(&buf);
	appendStringInfoString(&buf, "SELECT ");
	DeparseColumnList(&buf, rj->ht_relid, ht_attrs, &retrieved);
	appendStringInfoString(&buf, " FROM ");
	rj->chunk_head = buf.data;

	/* the join */
	initStringInfo(&buf);
	appendStringInfo(&buf, " %s %s %s ON (", jointype == JOIN_LEFT ? "LEFT JOIN" : "JOIN",
					 DeparseRelationName(ref_relid), REFERENCE_ALIAS);
	if (jointype == JOIN_LEFT)
		on_conds = list_concat_copy(on_conds, ref_conds);
	if (on_conds == NIL)
		appendStringInfoString(&buf, "true");
	DeparseJoinConditions(&buf, rj->rels, on_conds, params);
	appendStringInfoChar(&buf, ')');

	/* the chunks' form: what follows their subquery */
	where_conds = jointype == JOIN_LEFT ? other_conds : list_concat_copy(ref_conds, other_conds);
	rj->join_tail = psprintf(") %s%s%s", HYPERTABLE_ALIAS, buf.data,
							 where_conds ? " WHERE " : "");
	{
		StringInfoData tail;

		initStringInfo(&tail);
		appendStringInfoString(&tail, rj->join_tail);
		DeparseJoinConditions(&tail, rj->rels, where_conds, params);
		rj->join_tail = tail.data;
	}

	/* the whole member hypertable's form */
	where_conds = list_concat_copy(ht_conds, where_conds);
	rj->whole_from = psprintf(" FROM %s %s%s%s", DeparseRelationName(rj->ht_relid),
							  HYPERTABLE_ALIAS, buf.data, where_conds ? " WHERE " : "");
	{
		StringInfoData whole;

		initStringInfo(&whole);
		appendStringInfoString(&whole, rj->whole_from);
		DeparseJoinConditions(&whole, rj->rels, where_conds, params);
		rj->whole_from = whole.data;
	}
	return rj;
}

/* " FROM ..." of one node's query: its member hypertable, or its chunks, joined */
char *
ReferenceJoinFrom(ReferenceJoinSQL *rj, NodeShare *share)
{
	StringInfoData sql;
	ListCell   *lc;

	if (share->whole)
		return rj->whole_from;
	initStringInfo(&sql);
	appendStringInfoString(&sql, " FROM (");
	foreach(lc, share->chunks)
	{
		Chunk	   *chunk = lfirst(lc);

		appendStringInfo(&sql, "%s%s%s%s", lc == list_head(share->chunks) ? "" : " UNION ALL ",
						 rj->chunk_head,
						 quote_qualified_identifier(chunk->schema_name, chunk->table_name),
						 rj->chunk_tail);
	}
	appendStringInfoString(&sql, rj->join_tail);
	return sql.data;
}

/*
 * The plan, in DataNodeScan's shape (scan_exec.c) reading no relation:
 * per node the SQL returning the columns of custom_scan_tlist, the
 * hypertable's conditions decided at run time, and the SQL's pieces that
 * name chunks, for failing over.
 */
static Plan *
plan_reference_join(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path, List *tlist,
					List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	List	   *scan_tlist = NIL;
	List	   *attrnos = NIL;
	List	   *params = NIL;
	List	   *servers = NIL;
	List	   *sqls = NIL;
	List	   *chunk_names = NIL;
	List	   *chunk_ids = NIL;
	ReferenceJoinSQL *rj = ReferenceJoinDeparse(root, &best_path->path, &params);
	StringInfoData select;
	ListCell   *lc;

	Assert(clauses == NIL);

	/* the SELECT list: the join relation's columns, in custom_scan_tlist's order */
	initStringInfo(&select);
	appendStringInfoString(&select, "SELECT ");
	foreach(lc, rel->reltarget->exprs)
	{
		if (scan_tlist != NIL)
			appendStringInfoString(&select, ", ");
		DeparseJoinExprInto(&select, rj->rels, lfirst(lc), &params);
		scan_tlist = lappend(scan_tlist, makeTargetEntry(lfirst(lc), list_length(scan_tlist) + 1,
														 NULL, false));
		attrnos = lappend_int(attrnos, list_length(scan_tlist));
	}
	if (scan_tlist == NIL)
		appendStringInfoString(&select, "NULL");

	foreach(lc, ReferenceJoinShares(&best_path->path))
	{
		NodeShare  *share = lfirst(lc);
		List	   *ids;

		servers = lappend_oid(servers, share->server_id);
		sqls = lappend(sqls, makeString(psprintf("%s%s", select.data, ReferenceJoinFrom(rj, share))));
		chunk_names = lappend(chunk_names, makeString(NodeShareChunkNames(share, &ids)));
		chunk_ids = lappend(chunk_ids, ids);
	}

	cscan->scan.plan.targetlist = tlist;
	cscan->scan.plan.qual = NIL;
	cscan->scan.scanrelid = 0;
	cscan->flags = best_path->flags;
	cscan->custom_plans = NIL;
	cscan->custom_private = list_make5(attrnos, servers, sqls, chunk_names, chunk_ids);
	cscan->custom_private = lappend(cscan->custom_private, makeInteger(list_length(params)));
	/* no ORDER BY or LIMIT, date_trunc needs no UTC (see scan_exec.c) */
	cscan->custom_private = lappend(cscan->custom_private, NIL);
	cscan->custom_private = lappend(cscan->custom_private, makeBoolean(false));
	cscan->custom_private = lappend(cscan->custom_private, rj->runtime_conds);
	cscan->custom_private = lappend(cscan->custom_private,
									list_make2_int(rj->ht_relid, rj->ht_varno));
	DataNodeScanSetFailover(cscan, ReferenceJoinFailover(rj, select.data, ""));
	cscan->custom_exprs = params;
	cscan->custom_scan_tlist = scan_tlist;
	cscan->custom_relids = rel->relids;
	cscan->methods = &DataNodeScanPlanMethods;
	return &cscan->scan.plan;
}

/*
 * The pieces of a node's query select ... tail naming chunks, for a node
 * taking over another's at run time (DNS_FAILOVER in scan_exec.c).
 */
List *
ReferenceJoinFailover(ReferenceJoinSQL *rj, const char *select, const char *tail)
{
	return list_make4(makeString(psprintf("%s FROM (", select)), makeString(rj->chunk_head),
					  makeString(rj->chunk_tail), makeString(psprintf("%s%s", rj->join_tail, tail)));
}

void
ReferenceJoinInit(void)
{
	prev_set_join_pathlist_hook = set_join_pathlist_hook;
	set_join_pathlist_hook = reference_join_paths;
}
