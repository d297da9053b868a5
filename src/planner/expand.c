/*-------------------------------------------------------------------------
 *
 * expand.c
 *	  Expanding a distributed hypertable read by a query from the catalog's
 *	  slices, instead of PostgreSQL's inheritance expansion.
 *
 * PostgreSQL expands an inheritance parent by locking, opening and
 * constraint-proving every child, so a query on a hypertable with 10,000
 * chunks pays for 10,000 chunks however few it reads.  For reads of a
 * distributed hypertable the chunks are foreign tables that hold nothing:
 * the DataNodeScan (scan_plan.c) sends one query per data node and only
 * needs to know which chunks the query's conditions leave, and on which
 * nodes they live.  So:
 *
 *  1. the planner hook below clears the inheritance flag of every
 *	   distributed hypertable's root read by the statement, marking the
 *	   range table entry (in its ctename, unused for relations and kept by
 *	   copyObject, so the mark survives subquery pull-up and plan caching);
 *	   PostgreSQL then plans the root as a plain (empty) table: nothing but
 *	   the root is opened or locked;
 *  2. at set_rel_pathlist_hook, scan_plan.c asks HypertableChunksMatching
 *	   for the chunks the conditions leave: the time bounds are looked up by
 *	   binary search in the hypertable's chunks sorted by the start of their
 *	   time slice, and only those candidates are checked against every
 *	   dimension (exclusion.c).  No chunk relation is touched.
 *
 * The root itself is empty and never scanned here, so its indexes would
 * only feed index paths that the DataNodeScan replaces: the
 * get_relation_info hook drops all but the unique ones (whose proofs, join
 * removal and unique joins, hold across chunks as unique indexes of a
 * hypertable include its partitioning columns).
 *
 * Only statements that read (SELECT, and the sources of INSERT) are
 * marked, and none with row locks anywhere: UPDATE, DELETE and MERGE keep
 * the per-chunk plan of fdw/modify.c, and a non-target relation of such a
 * statement would need a row identity the DataNodeScan does not give.
 * Local hypertables keep PostgreSQL's expansion.
 *
 * The root is locked as usual; the chunks are not: their rows are on the
 * data nodes, and the chunk list comes from the catalog cache, whose
 * changes invalidate the root's relcache entry, and so every cached plan
 * that read it.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "common/int.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/plancat.h"
#include "optimizer/planner.h"
#include "parser/parsetree.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "catalog/catalog.h"
#include "planner/planner.h"

/* The mark in RangeTblEntry.ctename of a root expanded here. */
#define EXPAND_MARK "multinode expanded from the catalog"

/* Rows of a chunk we know nothing about, as fdw/fdw.c assumes. */
#define DEFAULT_CHUNK_ROWS 1000

/* Row estimates look at this many chunks' statistics at most. */
#define ESTIMATE_SAMPLE_CHUNKS 64

/*
 * A hypertable's chunks sorted by the start of their time slice, for binary
 * search; built on first use, dropped with the cache entry it was built
 * from (relcache invalidation of the root).
 */
typedef struct ChunkIndex
{
	Oid			relid;			/* hash key: the root */
	MemoryContext mcxt;			/* owns the arrays */
	List	   *source;			/* the cache's chunk list this was built from */
	int			nsource;
	int			time_dim;		/* index of the time dimension searched */
	int			nbounded;
	Chunk	  **bounded;		/* finite time slice, by range_start */
	int64		max_width;		/* widest finite time slice */
	List	   *unbounded;		/* Chunk *: open-ended time slices */
} ChunkIndex;

static HTAB *chunk_indexes = NULL;
static planner_hook_type prev_planner_hook = NULL;
static get_relation_info_hook_type prev_get_relation_info_hook = NULL;

static void
drop_index(ChunkIndex *idx)
{
	MemoryContextDelete(idx->mcxt);
	hash_search(chunk_indexes, &idx->relid, HASH_REMOVE, NULL);
}

/* Relcache invalidation of a root (or of everything) drops its index. */
static void
expand_relcache_callback(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	ChunkIndex *idx;

	if (chunk_indexes == NULL)
		return;
	if (OidIsValid(relid))
	{
		idx = hash_search(chunk_indexes, &relid, HASH_FIND, NULL);
		if (idx != NULL)
			drop_index(idx);
		return;
	}
	hash_seq_init(&status, chunk_indexes);
	while ((idx = hash_seq_search(&status)) != NULL)
		drop_index(idx);
}

static int
chunk_start_cmp(const void *a, const void *b, void *arg)
{
	int			d = *(int *) arg;
	int64		sa = (*(Chunk *const *) a)->range_start[d];
	int64		sb = (*(Chunk *const *) b)->range_start[d];

	return sa < sb ? -1 : sa > sb ? 1 : 0;
}

static int
chunk_id_cmp(const ListCell *a, const ListCell *b)
{
	int32		ia = ((Chunk *) lfirst(a))->id;
	int32		ib = ((Chunk *) lfirst(b))->id;

	return ia < ib ? -1 : ia > ib ? 1 : 0;
}

/*
 * The search index of ht's chunks (the list the cache holds now), built if
 * missing or made from another list.  NULL when ht has no time dimension.
 */
static ChunkIndex *
chunk_index(const Hypertable *ht, List *chunks)
{
	ChunkIndex *idx;
	bool		found;
	int			time_dim = -1;
	int			i;
	ListCell   *lc;
	MemoryContext old;

	for (i = 0; i < ht->num_dimensions && time_dim < 0; i++)
		if (!ht->dimensions[i].is_space)
			time_dim = i;
	if (time_dim < 0)
		return NULL;

	if (chunk_indexes == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(ChunkIndex);
		ctl.hcxt = CacheMemoryContext;
		chunk_indexes = hash_create("multinode chunk indexes", 16, &ctl,
									HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		CacheRegisterRelcacheCallback(expand_relcache_callback, (Datum) 0);
	}
	idx = hash_search(chunk_indexes, &ht->relid, HASH_FIND, NULL);
	if (idx != NULL && idx->source == chunks && idx->nsource == list_length(chunks) &&
		idx->time_dim == time_dim)
		return idx;
	if (idx != NULL)
		drop_index(idx);

	idx = hash_search(chunk_indexes, &ht->relid, HASH_ENTER, &found);
	idx->mcxt = AllocSetContextCreate(CacheMemoryContext, "multinode chunk index",
									  ALLOCSET_SMALL_SIZES);
	idx->source = chunks;
	idx->nsource = list_length(chunks);
	idx->time_dim = time_dim;
	idx->nbounded = 0;
	idx->max_width = 0;
	idx->unbounded = NIL;
	old = MemoryContextSwitchTo(idx->mcxt);
	idx->bounded = palloc(sizeof(Chunk *) * Max(1, list_length(chunks)));
	foreach(lc, chunks)
	{
		Chunk	   *chunk = lfirst(lc);
		int64		start = chunk->range_start[time_dim];
		int64		end = chunk->range_end[time_dim];
		int64		width;

		if (start == MN_TIME_MIN || end == MN_TIME_MAX ||
			pg_sub_s64_overflow(end, start, &width))
		{
			idx->unbounded = lappend(idx->unbounded, chunk);
			continue;
		}
		idx->bounded[idx->nbounded++] = chunk;
		idx->max_width = Max(idx->max_width, width);
	}
	MemoryContextSwitchTo(old);
	qsort_arg(idx->bounded, idx->nbounded, sizeof(Chunk *), chunk_start_cmp, &time_dim);
	return idx;
}

/* The first position in idx->bounded whose slice starts after value. */
static int
first_starting_after(const ChunkIndex *idx, int64 value)
{
	int			lo = 0,
				hi = idx->nbounded;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (idx->bounded[mid]->range_start[idx->time_dim] <= value)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The chunks of hypertable ht that the conditions conds (RestrictInfos or
 * bare clauses on the root's Vars, range table index varno; see
 * exclusion.c for what is understood) do not rule out, ordered by id.
 *
 * Cost: a binary search for the time bounds, then a check of the chunks
 * whose time slices overlap them (and of the rare chunks with open-ended
 * time slices), so it grows with the chunks that match, not with the
 * chunks that exist -- once the cache holds the chunk list.  Never opens or
 * locks a chunk.
 */
List *
HypertableChunksMatching(const Hypertable *ht, List *conds, Index varno)
{
	List	   *chunks;
	ChunkIndex *idx;
	List	   *candidates;
	int64		lower = MN_TIME_MIN,
				upper = MN_TIME_MAX,
				from;
	int			time_dim = -1;
	int			lo,
				hi,
				i;
	ListCell   *lc;

	/* a constant FALSE or NULL condition (say from device = 'a' AND device = 'b') */
	foreach(lc, conds)
	{
		Node	   *clause = lfirst(lc);

		if (IsA(clause, RestrictInfo))
			clause = (Node *) ((RestrictInfo *) clause)->clause;
		if (IsA(clause, Const) &&
			(((Const *) clause)->constisnull || !DatumGetBool(((Const *) clause)->constvalue)))
			return NIL;
	}

	/*
	 * The bounds first: reading them may look up operators, and a syscache
	 * miss may process invalidations, which would drop the index under us.
	 * From chunk_index() to the candidates list nothing reads the catalog.
	 */
	for (i = 0; i < ht->num_dimensions && time_dim < 0; i++)
		if (!ht->dimensions[i].is_space)
			time_dim = i;
	if (time_dim >= 0)
		ExclusionTimeBounds(ht, conds, varno, time_dim, &lower, &upper);
	if (lower > upper)
		return NIL;
	chunks = HypertableGetChunks(ht);
	idx = chunk_index(ht, chunks);
	if (idx == NULL)
		return ChunksAfterExclusion(ht, chunks, conds, varno);

	/* a slice starting at or before lower - max_width ends at or before lower */
	hi = first_starting_after(idx, upper);
	if (pg_sub_s64_overflow(lower, idx->max_width, &from))
		lo = 0;
	else
		lo = first_starting_after(idx, from);

	candidates = list_copy(idx->unbounded);
	for (i = lo; i < hi; i++)
	{
		Chunk	   *chunk = idx->bounded[i];

		CHECK_FOR_INTERRUPTS();
		if (chunk->range_end[idx->time_dim] > lower)
			candidates = lappend(candidates, chunk);
	}
	candidates = ChunksAfterExclusion(ht, candidates, conds, varno);
	list_sort(candidates, chunk_id_cmp);
	return candidates;
}

/* A relation's pg_class.reltuples (-1: never analyzed). */
static double
relation_tuples(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	double		t = -1;

	if (HeapTupleIsValid(tup))
	{
		t = ((Form_pg_class) GETSTRUCT(tup))->reltuples;
		ReleaseSysCache(tup);
	}
	return t;
}

/*
 * Rows expected from the chunks of a root expanded here.
 *
 * The chunks' row counts (from pg_class, as for a foreign table; a sample
 * of them when there are many) say how many rows the chunks the query
 * touches hold.  Once ANALYZE has imported the data nodes' statistics
 * (dist/stats_import.c) the root has its row count and the column
 * statistics the selectivity of the conditions is computed from, relative
 * to the whole table: the estimate is then that fraction of the root's
 * rows, but never more than the touched chunks hold (so it scales with the
 * chunks touched even for conditions the statistics do not cover, such as
 * a time range past the histogram's last bound -- rows added since).  The
 * root's row count also becomes rel->tuples, which the group and join
 * estimates scale n_distinct fractions with.  Before any ANALYZE the
 * selectivity is a default guess, applied to the touched chunks' rows.
 */
double
ExpandRowEstimate(PlannerInfo *root, RelOptInfo *rel, List *chunks)
{
	int			n = list_length(chunks);
	int			step = Max(1, n / ESTIMATE_SAMPLE_CHUNKS);
	int			sampled = 0;
	double		tuples = 0;
	double		root_tuples = relation_tuples(planner_rt_fetch(rel->relid, root)->relid);
	Selectivity sel;
	int			i;

	if (root_tuples > 0)
		rel->tuples = root_tuples;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i += step)
	{
		Chunk	   *chunk = list_nth(chunks, i);
		double		t = relation_tuples(chunk->relid);

		tuples += t >= 0 && (t > 0 || root_tuples > 0) ? t : DEFAULT_CHUNK_ROWS;
		sampled++;
	}
	tuples *= (double) n / sampled;
	sel = clauselist_selectivity(root, rel->baserestrictinfo, rel->relid, JOIN_INNER, NULL);
	if (root_tuples > 0)
		return clamp_row_est(Min(tuples, root_tuples * sel));
	return clamp_row_est(tuples * sel);
}

bool
ExpandIsMarked(const RangeTblEntry *rte)
{
	return rte->rtekind == RTE_RELATION && !rte->inh && rte->ctename != NULL &&
		strcmp(rte->ctename, EXPAND_MARK) == 0;
}

/*
 * Does the statement only read, with no row locks anywhere?  Then every
 * distributed root it reads can be expanded here.
 */
static bool
statement_not_readonly_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		Query	   *q = (Query *) node;

		if ((q->commandType != CMD_SELECT && q->commandType != CMD_INSERT) ||
			q->rowMarks != NIL || q->hasModifyingCTE)
			return true;
		return query_tree_walker(q, statement_not_readonly_walker, context, 0);
	}
	return expression_tree_walker(node, statement_not_readonly_walker, context);
}

static bool
mark_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		Query	   *q = (Query *) node;
		ListCell   *lc;
		Index		rti = 0;

		foreach(lc, q->rtable)
		{
			RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

			rti++;
			if (rte->rtekind != RTE_RELATION || !rte->inh ||
				rte->relkind != RELKIND_RELATION || rte->tablesample != NULL ||
				rti == q->resultRelation)
				continue;
			if (!HypertableIsDistributed(HypertableGetByRelid(rte->relid)))
				continue;
			rte->inh = false;
			rte->ctename = pstrdup(EXPAND_MARK);
		}
		return query_tree_walker(q, mark_walker, context, 0);
	}
	return expression_tree_walker(node, mark_walker, context);
}

static PlannedStmt *
expand_planner(Query *parse, const char *query_string, int cursor_options,
			   ParamListInfo params)
{
	if (ExtensionIsInstalled())
	{
		if (!statement_not_readonly_walker((Node *) parse, NULL))
			mark_walker((Node *) parse, NULL);
		/* on a data node: the access node's query on a member hypertable */
		MemberExpandQuery(parse, params);
	}
	if (prev_planner_hook)
		return prev_planner_hook(parse, query_string, cursor_options, params);
	return standard_planner(parse, query_string, cursor_options, params);
}

/* A marked root's non-unique indexes: paths nobody takes (see the top). */
static void
expand_relation_info(PlannerInfo *root, Oid relid, bool inhparent, RelOptInfo *rel)
{
	List	   *unique = NIL;
	ListCell   *lc;

	if (prev_get_relation_info_hook)
		prev_get_relation_info_hook(root, relid, inhparent, rel);
	if (rel->indexlist == NIL || !ExpandIsMarked(planner_rt_fetch(rel->relid, root)))
		return;
	foreach(lc, rel->indexlist)
	{
		IndexOptInfo *index = lfirst_node(IndexOptInfo, lc);

		if (index->unique)
			unique = lappend(unique, index);
	}
	rel->indexlist = unique;
}

void
ExpandInit(void)
{
	prev_planner_hook = planner_hook;
	planner_hook = expand_planner;
	prev_get_relation_info_hook = get_relation_info_hook;
	get_relation_info_hook = expand_relation_info;
}
