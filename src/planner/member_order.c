/*-------------------------------------------------------------------------
 *
 * member_order.c
 *	  On a data node: a read of a member hypertable sorted on its time
 *	  column takes the chunks one after another in time order (an ordered
 *	  Append), so that a LIMIT stops in the first chunks.
 *
 * PostgreSQL orders an inheritance tree with a MergeAppend: every chunk's
 * sorted scan is started before the first row comes out.  For "the last ten
 * rows of a device" that is an index descent, and a leaf page read whole,
 * in every chunk the node holds, where one chunk (the newest) has the rows.
 * Chunks of one space slice never overlap in time, so their sorted scans
 * laid end to end, newest first for a descending order, are already sorted.
 * Chunks whose ranges overlap (several space slices on one node share a
 * time slice) form one group, merged among themselves; the groups follow
 * each other.  The root's own arm may hold rows of any time: it is merged
 * with the whole.
 *
 * The path only competes: add_path keeps it when it is cheaper, which its
 * start-up cost (one chunk's) makes it under a LIMIT.  It applies both to
 * the inheritance tree of the root and to the UNION ALL of chunks
 * member_expand.c builds, and only when the leading sort key is the time
 * column itself (NOT NULL, the type's default ordering, no partitioning
 * function): then the chunks' ranges order the rows exactly.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/stratnum.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "catalog/catalog.h"
#include "guc.h"
#include "planner/planner.h"

/* A live child of the appendrel and, when it is a chunk, its time range. */
typedef struct OrderedChild
{
	Oid			relid;
	RelOptInfo *rel;
	const Chunk *chunk;			/* NULL: the root's arm */
} OrderedChild;

static int
child_relid_cmp(const void *a, const void *b)
{
	Oid			x = ((const OrderedChild *) a)->relid;
	Oid			y = ((const OrderedChild *) b)->relid;

	return (x > y) - (x < y);
}

/* ascending start of the chunks' ranges in dimension *arg */
static int
child_start_cmp(const void *a, const void *b, void *arg)
{
	int			d = *(int *) arg;
	int64		x = ((const OrderedChild *) a)->chunk->range_start[d];
	int64		y = ((const OrderedChild *) b)->chunk->range_start[d];

	return (x > y) - (x < y);
}

/* Is the leading query pathkey the time column of rel, ordered by its type? */
static bool
leads_with_time(RelOptInfo *rel, Oid root_relid, const Dimension *dim, PathKey *pk)
{
	EquivalenceClass *ec = pk->pk_eclass;
	ListCell   *lc;
	HeapTuple	tup;
	bool		notnull;

	if (ec->ec_has_volatile || ec->ec_has_const || ec->ec_below_outer_join ||
		(pk->pk_strategy != BTLessStrategyNumber && pk->pk_strategy != BTGreaterStrategyNumber))
		return false;
	if (pk->pk_opfamily != lookup_type_cache(dim->column_type, TYPECACHE_BTREE_OPFAMILY)->btree_opf)
		return false;
	foreach(lc, ec->ec_members)
	{
		EquivalenceMember *em = lfirst(lc);
		Var		   *var = (Var *) em->em_expr;

		if (em->em_is_child || !bms_equal(em->em_relids, rel->relids) || !IsA(var, Var))
			continue;
		if (var->varno == rel->relid && var->varattno == dim->attno &&
			var->vartype == dim->column_type && var->varlevelsup == 0)
			break;
	}
	if (lc == NULL)
		return false;

	/* a NULL would sort before or after every chunk's rows, not within */
	tup = SearchSysCacheAttNum(root_relid, dim->attno);
	if (!HeapTupleIsValid(tup))
		return false;
	notnull = ((Form_pg_attribute) GETSTRUCT(tup))->attnotnull;
	ReleaseSysCache(tup);
	return notnull;
}

/* The child's path to use in an ordered plan: sorted if it has one. */
static Path *
child_path(RelOptInfo *childrel, List *pathkeys, CostSelector cost)
{
	Path	   *path = get_cheapest_path_for_pathkeys(childrel->pathlist, pathkeys, NULL, cost,
													 false);

	if (path == NULL)
		path = cost == STARTUP_COST ? childrel->cheapest_startup_path :
			childrel->cheapest_total_path;
	return path;
}

/* One group of chunks as one sorted path, last (first for a descending order). */
static List *
add_group(PlannerInfo *root, RelOptInfo *rel, List *subpaths, List *group, List *pathkeys,
		  bool descending)
{
	Path	   *path = list_length(group) == 1 ? linitial(group) :
		(Path *) create_merge_append_path(root, rel, group, pathkeys, NULL);

	return descending ? lcons(path, subpaths) : lappend(subpaths, path);
}

/*
 * The ordered Append of the chunks (children[0..n), by ascending start of
 * their ranges in dimension d), merged with the root's arm when there is one.
 */
static Path *
ordered_path(PlannerInfo *root, RelOptInfo *rel, OrderedChild *children, int n, int d,
			 RelOptInfo *root_arm, List *pathkeys, bool descending, CostSelector cost)
{
	List	   *subpaths = NIL;
	List	   *group = NIL;
	int64		group_end = 0;
	Path	   *path;
	int			i;

	for (i = 0; i < n; i++)
	{
		const Chunk *chunk = children[i].chunk;

		if (group != NIL && chunk->range_start[d] >= group_end)
		{
			subpaths = add_group(root, rel, subpaths, group, pathkeys, descending);
			group = NIL;
		}
		if (group == NIL || chunk->range_end[d] > group_end)
			group_end = chunk->range_end[d];
		group = lappend(group, child_path(children[i].rel, pathkeys, cost));
	}
	subpaths = add_group(root, rel, subpaths, group, pathkeys, descending);
	path = (Path *) create_append_path(root, rel, subpaths, NIL, pathkeys, NULL, 0, false, -1);
	if (root_arm != NULL)
		path = (Path *) create_merge_append_path(root, rel,
												 list_make2(child_path(root_arm, pathkeys, cost),
															path),
												 pathkeys, NULL);
	return path;
}

/*
 * Called from the set_rel_pathlist hook for every relation: when rel is the
 * appendrel of a member hypertable's read (its inheritance tree, or
 * member_expand.c's UNION ALL) and the query
 * sorts on the time column, add the ordered Append paths.
 */
void
MemberOrderedAppendPaths(PlannerInfo *root, RelOptInfo *rel, Index rti, RangeTblEntry *rte)
{
	Hypertable *ht = NULL;
	const Dimension *dim;
	OrderedChild *children;
	RelOptInfo *root_arm = NULL;
	List	   *pathkeys = NIL;
	ListCell   *lc;
	int			nchildren = 0;
	int			nchunks;
	int			d;
	bool		descending;

	if (!mn_enable_ordered_append || root->query_pathkeys == NIL || !rte->inh ||
		rel->reloptkind != RELOPT_BASEREL || IS_DUMMY_REL(rel))
		return;
	if (rte->rtekind == RTE_RELATION)
	{
		if (rte->relkind != RELKIND_RELATION)
			return;
		ht = HypertableGetByRelid(rte->relid);
		if (!HypertableIsDistMember(ht))
			return;
	}
	else if (rte->rtekind != RTE_SUBQUERY)
		return;
	else
	{
		/*
		 * member_expand.c's UNION ALL: its first arm is the root, or, when the
		 * root has no pages, the root's entry is kept in the range table
		 * without an arm (the children are then all chunks)
		 */
		for (Index i = 1; i < (Index) root->simple_rel_array_size && ht == NULL; i++)
		{
			RangeTblEntry *e = root->simple_rte_array[i];

			if (e != NULL && e->rtekind == RTE_RELATION && !e->inh &&
				e->relkind == RELKIND_RELATION)
			{
				Hypertable *h = HypertableGetByRelid(e->relid);

				if (HypertableIsDistMember(h))
					ht = h;
			}
		}
	}

	/* the live children: the hypertable's chunks, and its root's own arm if it has one */
	children = palloc(sizeof(OrderedChild) * list_length(root->append_rel_list));
	foreach(lc, root->append_rel_list)
	{
		AppendRelInfo *appinfo = lfirst(lc);
		RangeTblEntry *crte;
		RelOptInfo *crel;

		if (appinfo->parent_relid != rti)
			continue;
		crte = root->simple_rte_array[appinfo->child_relid];
		crel = root->simple_rel_array[appinfo->child_relid];
		if (crte->rtekind != RTE_RELATION || crel == NULL || crte->inh)
			return;
		if (ht == NULL)
		{
			ht = HypertableGetByRelid(crte->relid);
			if (!HypertableIsDistMember(ht))
				return;
		}
		if (IS_DUMMY_REL(crel))
			continue;
		children[nchildren].relid = crte->relid;
		children[nchildren].rel = crel;
		children[nchildren].chunk = NULL;
		nchildren++;
	}
	if (ht == NULL || nchildren < 2)
		return;
	dim = HypertableTimeDimension(ht);
	if (dim == NULL || OidIsValid(dim->partitioning_func) ||
		(dim->column_type != TIMESTAMPTZOID && dim->column_type != TIMESTAMPOID &&
		 dim->column_type != DATEOID && dim->column_type != INT2OID &&
		 dim->column_type != INT4OID && dim->column_type != INT8OID))
		return;
	d = dim - ht->dimensions;

	/* the longest prefix of the query's order that this relation can give */
	foreach(lc, root->query_pathkeys)
	{
		PathKey    *pk = lfirst(lc);

		if (pathkeys == NIL && !leads_with_time(rel, ht->relid, dim, pk))
			return;
		if (!bms_is_subset(pk->pk_eclass->ec_relids, rel->relids))
			break;
		pathkeys = lappend(pathkeys, pk);
	}
	descending = ((PathKey *) linitial(pathkeys))->pk_strategy == BTGreaterStrategyNumber;

	/* chunks by their table: every child but the root's arm must be one */
	qsort(children, nchildren, sizeof(OrderedChild), child_relid_cmp);
	foreach(lc, HypertableGetChunks(ht))
	{
		Chunk	   *chunk = lfirst(lc);
		OrderedChild key = {.relid = chunk->relid};
		OrderedChild *child = bsearch(&key, children, nchildren, sizeof(OrderedChild),
									  child_relid_cmp);

		if (child != NULL)
			child->chunk = chunk;
	}
	nchunks = 0;
	for (int i = 0; i < nchildren; i++)
	{
		if (children[i].chunk != NULL)
			children[nchunks++] = children[i];
		else if (children[i].relid == ht->relid && root_arm == NULL)
			root_arm = children[i].rel;
		else
			return;				/* a child that is neither */
	}
	if (nchunks < 2)
		return;
	qsort_arg(children, nchunks, sizeof(OrderedChild), child_start_cmp, &d);

	/*
	 * The whole order the relation can give, and the time column alone:
	 * chunks sorted on time only (by its index) with an incremental sort
	 * above may well beat sorting every chunk on every key.
	 */
	for (;;)
	{
		add_path(rel, ordered_path(root, rel, children, nchunks, d, root_arm, pathkeys,
								   descending, STARTUP_COST));
		add_path(rel, ordered_path(root, rel, children, nchunks, d, root_arm, pathkeys,
								   descending, TOTAL_COST));
		if (list_length(pathkeys) == 1)
			break;
		pathkeys = list_make1(linitial(pathkeys));
	}
}
