/*-------------------------------------------------------------------------
 *
 * scan_plan.c
 *	  Planning reads of distributed hypertables: one DataNodeScan, one remote
 *	  query per data node, instead of one foreign scan per chunk.
 *
 * For statements that only read, expand.c keeps PostgreSQL from expanding
 * the root and the chunks come straight from the catalog's slices.
 * Otherwise PostgreSQL expands the hypertable's root into its chunks (foreign
 * tables, children of the root) as for any inheritance tree, and excludes
 * chunks by their CHECK constraints.  At set_rel_pathlist_hook, for the root of a
 * distributed hypertable read by the query (not the target of UPDATE or
 * DELETE: those keep the per-chunk plan, see fdw/modify.c), we throw the
 * per-chunk Append away and offer a single CustomPath instead:
 *
 *  1. the chunks the catalog's slices leave (expand.c), or those PostgreSQL
 *	   kept narrowed further by the slices (exclusion.c: space conditions);
 *  2. each surviving chunk is given one replica to be read from
 *	   (fdw/replica.c), so every row comes back once;
 *  3. chunks are grouped by that node, and each node gets one query:
 *
 *		SELECT <needed columns> FROM <root> WHERE <shippable conditions>
 *
 *	   on the node's member hypertable when every chunk the node holds is
 *	   read from it (always so without replication: chunks the access node
 *	   excluded are excluded by the node too, or filtered by the same
 *	   conditions), else the node's chunks one by one, UNION ALL, so that a
 *	   replica read elsewhere is not read twice;
 *  4. conditions the nodes cannot evaluate stay here as the scan's filter.
 *
 * The path is an ordinary unparameterized scan of the root relation, so
 * joins, subqueries, sorting and aggregation above it are PostgreSQL's
 * business and come out right; upper_agg.c replaces the aggregation above
 * it by one the data nodes compute when that is safe.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/prep.h"
#include "optimizer/restrictinfo.h"
#include "parser/parsetree.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "catalog/catalog.h"
#include "fdw/fdw.h"
#include "planner/planner.h"
#include "remote/remote.h"

/* EXPLAIN and errors name this many of a node's chunks, then count them */
#define EXPLAIN_MAX_CHUNK_NAMES 10

static set_rel_pathlist_hook_type prev_set_rel_pathlist_hook = NULL;

static Plan *plan_data_node_scan(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
								 List *tlist, List *clauses, List *custom_plans);

static const CustomPathMethods data_node_scan_path_methods = {
	.CustomName = "DataNodeScan",
	.PlanCustomPath = plan_data_node_scan,
};

bool
IsDataNodeScanPath(Path *path)
{
	return IsA(path, CustomPath) &&
		((CustomPath *) path)->methods == &data_node_scan_path_methods;
}

/*
 * For EXPLAIN: the names of the first chunks of a node's share, then their
 * number; *ids gets all their ids.
 */
char *
NodeShareChunkNames(const NodeShare *share, List **ids)
{
	StringInfoData names;
	ListCell   *lc;

	initStringInfo(&names);
	*ids = NIL;
	foreach(lc, share->chunks)
	{
		Chunk	   *chunk = lfirst(lc);

		if (list_length(*ids) < EXPLAIN_MAX_CHUNK_NAMES)
			appendStringInfo(&names, "%s%s", names.len ? ", " : "", chunk->table_name);
		*ids = lappend_int(*ids, chunk->id);
	}
	if (list_length(*ids) > EXPLAIN_MAX_CHUNK_NAMES)
		appendStringInfo(&names, ", ... (%d chunks)", list_length(*ids));
	return names.data;
}

/*
 * The relids of the chunks PostgreSQL did not exclude, sorted, for
 * bsearch.  The root itself appears among its own children; it is skipped.
 */
static Oid *
surviving_children(PlannerInfo *root, Index rti, Oid root_relid, int *n)
{
	Oid		   *relids = palloc(sizeof(Oid) * Max(list_length(root->append_rel_list), 1));
	ListCell   *lc;

	*n = 0;
	foreach(lc, root->append_rel_list)
	{
		AppendRelInfo *ai = lfirst(lc);
		RelOptInfo *child;

		if (ai->parent_relid != rti)
			continue;
		child = root->simple_rel_array[ai->child_relid];
		if (child == NULL || IS_DUMMY_REL(child) ||
			planner_rt_fetch(ai->child_relid, root)->relid == root_relid)
			continue;
		relids[(*n)++] = planner_rt_fetch(ai->child_relid, root)->relid;
	}
	qsort(relids, *n, sizeof(Oid), oid_cmp);
	return relids;
}

static NodeShare *
share_for(List **shares, Oid server_id)
{
	ListCell   *lc;
	NodeShare  *share;

	foreach(lc, *shares)
	{
		share = lfirst(lc);
		if (share->server_id == server_id)
			return share;
	}
	share = palloc0(sizeof(NodeShare));
	share->server_id = server_id;
	share->whole = true;
	*shares = lappend(*shares, share);
	return share;
}

/*
 * The error for chunks none of whose replicas can be read: every node
 * holding them is in "down" (unreachable), or holds a stale copy.
 */
void
DataNodeScanReportUnreadable(List *unreadable, List *down)
{
	StringInfoData chunks;
	StringInfoData nodes;
	ListCell   *lc;

	initStringInfo(&chunks);
	initStringInfo(&nodes);
	foreach(lc, unreadable)
	{
		Chunk	   *chunk = lfirst(lc);
		ListCell   *lc2;

		if (foreach_current_index(lc) < EXPLAIN_MAX_CHUNK_NAMES)
			appendStringInfo(&chunks, "%s\"%s\"", chunks.len ? ", " : "", chunk->table_name);
		else if (foreach_current_index(lc) == EXPLAIN_MAX_CHUNK_NAMES)
			appendStringInfo(&chunks, " and %d more", list_length(unreadable) - EXPLAIN_MAX_CHUNK_NAMES);
		foreach(lc2, chunk->data_nodes)
		{
			ChunkDataNode *cdn = lfirst(lc2);
			char	   *item = psprintf("\"%s\"%s", cdn->node_name,
										cdn->stale ? " (stale)" :
										!OidIsValid(cdn->server_id) ? " (deleted)" :
										list_member_oid(down, cdn->server_id) ? " (unreachable)" : "");

			if (strstr(nodes.data, item) == NULL)
				appendStringInfo(&nodes, "%s%s", nodes.len ? ", " : "", item);
		}
	}
	ereport(ERROR,
			(errcode(ERRCODE_CONNECTION_FAILURE),
			 errmsg_plural("could not read %d chunk of a distributed hypertable: no replica is reachable",
						   "could not read %d chunks of a distributed hypertable: no replica is reachable",
						   list_length(unreadable), list_length(unreadable)),
			 errdetail("Chunks %s are held by data nodes %s.", chunks.data, nodes.data),
			 errhint("Start the data node again; stale replicas are read again once repaired.")));
}

/* The index of the hypertable's one space dimension, -1 if not just one. */
static int
space_dimension_index(const Chunk *chunk)
{
	Hypertable *ht = HypertableGetById(chunk->hypertable_id);
	int			spacedim = -1;
	int			i;

	for (i = 0; ht != NULL && i < ht->num_dimensions; i++)
		if (ht->dimensions[i].is_space)
		{
			if (spacedim >= 0)
				return -1;
			spacedim = i;
		}
	return spacedim;
}

/*
 * One assignment of chunks to nodes, avoiding the servers in "down", each
 * space slice read from one node where the replicas allow it
 * (ChunksChooseReplicas).  A node reads its member hypertable whole unless
 * one of its chunks is read from another replica.
 */
static List *
assign_once(List *chunks, List *down)
{
	List	   *shares = NIL;
	List	   *unreadable = NIL;
	List	   *servers = ChunksChooseReplicas(chunks, space_dimension_index(linitial(chunks)),
											   down);
	ListCell   *lc;

	foreach(lc, chunks)
	{
		Chunk	   *chunk = lfirst(lc);
		Oid			server = list_nth_oid(servers, foreach_current_index(lc));
		NodeShare  *share;
		ListCell   *lc2;

		if (chunk->data_nodes == NIL)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("chunk \"%s\" has no data node", chunk->table_name),
					 errdetail("Every data node holding it was deleted.")));
		if (!OidIsValid(server))
		{
			unreadable = lappend(unreadable, chunk);
			continue;
		}
		share = share_for(&shares, server);
		share->chunks = lappend(share->chunks, chunk);
		foreach(lc2, chunk->data_nodes)
		{
			ChunkDataNode *cdn = lfirst(lc2);

			if (OidIsValid(cdn->server_id) && cdn->server_id != server)
				share_for(&shares, cdn->server_id)->whole = false;
		}
	}
	if (unreadable != NIL)
		DataNodeScanReportUnreadable(unreadable, down);
	/* nodes that only hold replicas read elsewhere have nothing to do */
	foreach(lc, shares)
		if (((NodeShare *) lfirst(lc))->chunks == NIL)
			shares = foreach_delete_current(shares, lc);
	return shares;
}

/*
 * Group the chunks to read by data node (NodeShare *).  With probe, each
 * node chosen is connected to first (a cached connection costs two
 * non-blocking reads): one that cannot be reached is marked suspect and
 * joins *down, and the chunks are assigned again, so that a query planned
 * right after a node died reads the other replicas instead of failing.
 * Nodes an operator marked unavailable are left to fail at execution, as
 * before.  Errors when some chunk has no replica left to read.
 */
List *
DataNodeScanAssign(List *chunks, List **down, bool probe)
{
	for (;;)
	{
		List	   *shares = assign_once(chunks, *down);
		bool		again = false;
		ListCell   *lc;

		if (!probe)
			return shares;

		foreach(lc, shares)
		{
			Oid			server = ((NodeShare *) lfirst(lc))->server_id;
			char	   *msg = NULL;

			if (DataNodeIsAvailable(server) && TryDataNodeConnection(server, &msg) == NULL)
			{
				*down = lappend_oid(*down, server);
				again = true;
			}
		}
		if (!again)
			return shares;
	}
}

/*
 * Replace the per-chunk plan of a distributed hypertable's root with a
 * DataNodeScan.
 */
static void
data_node_scan_pathlist(PlannerInfo *root, RelOptInfo *rel, Index rti, RangeTblEntry *rte)
{
	Hypertable *ht;
	List	   *chunks = NIL;
	Oid		   *children;
	int			nchildren;
	ListCell   *lc;
	CustomPath *cpath;
	List	   *down = NIL;

	if (rte->rtekind != RTE_RELATION || IS_DUMMY_REL(rel))
		return;
	/* a root expanded from the catalog may also be a UNION ALL's member */
	if (!(rel->reloptkind == RELOPT_BASEREL && rte->inh) &&
		!((rel->reloptkind == RELOPT_BASEREL || rel->reloptkind == RELOPT_OTHER_MEMBER_REL) &&
		  ExpandIsMarked(rte)))
		return;
	/* UPDATE/DELETE/MERGE targets are modified chunk by chunk */
	if (root->parse->resultRelation == rti && root->parse->commandType != CMD_SELECT)
		return;
	/* row locks need per-chunk scans; those lock nothing remotely but work */
	if (get_plan_rowmark(root->rowMarks, rti) != NULL)
		return;
	ht = HypertableGetByRelid(rte->relid);
	if (ht == NULL || !HypertableIsDistributed(ht))
		return;

	if (ExpandIsMarked(rte))
	{
		/* not expanded by PostgreSQL: the chunks come from the catalog */
		chunks = HypertableChunksMatching(ht, rel->baserestrictinfo, rti);
		rel->rows = ExpandRowEstimate(root, rel, chunks);
	}
	else
	{
		children = surviving_children(root, rti, rte->relid, &nchildren);
		foreach(lc, HypertableGetChunks(ht))
		{
			Chunk	   *chunk = lfirst(lc);

			if (bsearch(&chunk->relid, children, nchildren, sizeof(Oid), oid_cmp))
				chunks = lappend(chunks, chunk);
		}
		chunks = ChunksAfterExclusion(ht, chunks, rel->baserestrictinfo, rti);
	}

	rel->pathlist = NIL;
	rel->partial_pathlist = NIL;
	if (chunks == NIL)
	{
		/* provably empty, as PostgreSQL marks a relation it excluded */
		add_path(rel, (Path *) create_append_path(root, rel, NIL, NIL, NIL, NULL, 0, false, -1));
		return;
	}

	/* a DataNodeScanPath, unsorted and unlimited: see upper_order.c */
	cpath = (CustomPath *) newNode(sizeof(DataNodeScanPath), T_CustomPath);
	cpath->path.pathtype = T_CustomScan;
	cpath->path.parent = rel;
	cpath->path.pathtarget = rel->reltarget;
	cpath->path.param_info = NULL;
	cpath->path.parallel_aware = false;
	cpath->path.parallel_safe = false;
	cpath->path.parallel_workers = 0;
	cpath->path.rows = rel->rows;
	/* the nodes' fdw_startup_cost and fdw_tuple_cost, when set */
	{
		List	   *server_ids = NIL;
		Cost		startup_cost;
		Cost		row_cost;

		foreach(lc, ht->data_nodes)
			if (OidIsValid(((HypertableDataNode *) lfirst(lc))->server_id))
				server_ids = lappend_oid(server_ids, ((HypertableDataNode *) lfirst(lc))->server_id);
		DataNodeScanCosts(server_ids, &startup_cost, &row_cost);
		cpath->path.startup_cost = startup_cost;
		cpath->path.total_cost = startup_cost + rel->rows * (row_cost + cpu_tuple_cost);
	}
	cpath->path.pathkeys = NIL;
	cpath->flags = 0;
	cpath->custom_paths = NIL;
	/*
	 * Probing connects as the user, so only for one who may read the table:
	 * a query refused by the executor's privilege check contacts no node.
	 */
	cpath->custom_private = DataNodeScanAssign(chunks, &down,
											   pg_class_aclcheck(rte->relid, GetUserId(),
																 ACL_SELECT) == ACLCHECK_OK);
	cpath->methods = &data_node_scan_path_methods;
	add_path(rel, &cpath->path);
	AddOrderedDataNodeScanPath(root, rel, (DataNodeScanPath *) cpath);
}

static void
set_rel_pathlist(PlannerInfo *root, RelOptInfo *rel, Index rti, RangeTblEntry *rte)
{
	if (prev_set_rel_pathlist_hook)
		prev_set_rel_pathlist_hook(root, rel, rti, rte);
	data_node_scan_pathlist(root, rel, rti, rte);
	MemberOrderedAppendPaths(root, rel, rti, rte);
}

/*
 * The plan: scan of the root relation (scanrelid), with in custom_private
 * the retrieved columns and, per node, its server, SQL, chunk names (for
 * EXPLAIN) and chunk ids; custom_exprs are the remote parameters followed
 * by the conditions on dimension columns whose values are only known when
 * the scan starts (parameters, now()), which let scan_exec.c skip nodes
 * whose chunks they all rule out; the plan's qual is what the nodes cannot
 * evaluate.
 */
static Plan *
plan_data_node_scan(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
					List *tlist, List *clauses, List *custom_plans)
{
	RangeTblEntry *rte = planner_rt_fetch(rel->relid, root);
	CustomScan *cscan = makeNode(CustomScan);
	List	   *conds = NIL;
	List	   *remote_conds;
	List	   *local_conds;
	List	   *retrieved_attrs;
	List	   *params = NIL;
	List	   *servers = NIL;
	List	   *sqls = NIL;
	List	   *chunk_names = NIL;
	List	   *chunk_ids = NIL;
	List	   *runtime_conds = NIL;
	List	   *failover;
	Hypertable *ht = HypertableGetByRelid(rte->relid);
	StringInfoData cols;
	StringInfoData where;
	ListCell   *lc;

	/* pseudoconstant conditions are the gating Result's business */
	foreach(lc, clauses)
		if (!lfirst_node(RestrictInfo, lc)->pseudoconstant)
			conds = lappend(conds, lfirst(lc));
	ClassifyConditions(root, rel, conds, &remote_conds, &local_conds);
	foreach(lc, conds)
	{
		Node	   *clause = (Node *) lfirst_node(RestrictInfo, lc)->clause;

		if (ht && IsRuntimeExclusionClause(ht, clause, rel->relid))
			runtime_conds = lappend(runtime_conds, clause);
	}

	initStringInfo(&cols);
	DeparseColumnList(&cols, rte->relid, ScanAttrsUsed(rel, local_conds), &retrieved_attrs);
	initStringInfo(&where);
	DeparseWhereClause(&where, rte->relid, rel->relid, remote_conds, &params);

	foreach(lc, best_path->custom_private)
	{
		NodeShare  *share = lfirst(lc);
		StringInfoData sql;
		List	   *ids;
		ListCell   *lc2;

		initStringInfo(&sql);
		if (share->whole)
			appendStringInfo(&sql, "SELECT %s FROM %s%s", cols.data,
							 DeparseRelationName(rte->relid), where.data);
		foreach(lc2, share->chunks)
		{
			Chunk	   *chunk = lfirst(lc2);

			if (!share->whole)
				appendStringInfo(&sql, "%sSELECT %s FROM %s%s",
								 sql.len ? " UNION ALL " : "", cols.data,
								 quote_qualified_identifier(chunk->schema_name, chunk->table_name),
								 where.data);
		}
		DeparseRemoteOrderLimit(&sql, share->whole, (DataNodeScanPath *) best_path,
								rte->relid, rel->relid, &params);
		servers = lappend_oid(servers, share->server_id);
		sqls = lappend(sqls, makeString(sql.data));
		chunk_names = lappend(chunk_names, makeString(NodeShareChunkNames(share, &ids)));
		chunk_ids = lappend(chunk_ids, ids);
	}

	/* the pieces of a node's SQL naming chunks, for failing over at run time */
	{
		StringInfoData outer;
		char	   *marker;

		initStringInfo(&outer);
		appendStringInfoChar(&outer, '\001');
		DeparseRemoteOrderLimit(&outer, false, (DataNodeScanPath *) best_path,
								rte->relid, rel->relid, &params);
		marker = strchr(outer.data, '\001');
		*marker = '\0';
		failover = list_make4(makeString(outer.data),
							  makeString(psprintf("SELECT %s FROM ", cols.data)),
							  makeString(where.data), makeString(marker + 1));
	}

	cscan->scan.plan.targetlist = tlist;
	cscan->scan.plan.qual = extract_actual_clauses(local_conds, false);
	cscan->scan.scanrelid = rel->relid;
	cscan->flags = best_path->flags;
	cscan->custom_plans = NIL;
	/* the remote parameters, then the conditions for run-time exclusion */
	cscan->custom_private = list_make5(retrieved_attrs, servers, sqls, chunk_names, chunk_ids);
	cscan->custom_private = lappend(cscan->custom_private, makeInteger(list_length(params)));
	cscan->custom_exprs = list_concat(params, runtime_conds);
	PlanRemoteOrderLimit(cscan, (DataNodeScanPath *) best_path, params);
	DataNodeScanSetFailover(cscan, failover);
	cscan->custom_scan_tlist = NIL;
	cscan->methods = &DataNodeScanPlanMethods;
	return &cscan->scan.plan;
}

void
DataNodeScanInit(void)
{
	prev_set_rel_pathlist_hook = set_rel_pathlist_hook;
	set_rel_pathlist_hook = set_rel_pathlist;
	ExpandInit();
	UpperAggInit();
	ReferenceJoinInit();
	PartializeInit();
	RegisterCustomScanMethods(&DataNodeScanPlanMethods);
}
