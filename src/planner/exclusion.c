/*-------------------------------------------------------------------------
 *
 * exclusion.c
 *	  Chunk exclusion: which chunks a query's conditions cannot rule out.
 *
 * The catalog gives each chunk one slice per dimension: a half-open range of
 * internal time for the time dimension, of hash values for the space one.
 * A condition rules a chunk out when no value of the chunk's slice could
 * satisfy it.  Recognised conditions, at the top level of the WHERE clause
 * (inside an OR nothing is concluded):
 *
 *	  time_col <op> constant	(op: <, <=, =, >=, > of the column type's
 *								 default btree family, either side)
 *	  space_col = constant		(the equality of the default hash opclass,
 *								 whose hash function placed the rows)
 *	  space_col = ANY (constant array), hence space_col IN (...)
 *
 * Only constants of the column's own type are used, or any integer for an
 * integer column (the planner has folded immutable expressions by now; a
 * value of another type would need its own conversion), and only dimensions without a custom partitioning function:
 * a custom function need not be consistent with the operator.  Anything not
 * recognised keeps the chunk, so exclusion can only be too cautious, never
 * wrong.  PostgreSQL's own constraint exclusion on the chunks' CHECK
 * constraints also runs; this adds space exclusion, which CHECK constraints
 * on a hash cannot give.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/hash.h"
#include "access/nbtree.h"
#include "access/stratnum.h"
#include "catalog/pg_type.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "utils/array.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "catalog/catalog.h"
#include "fdw/fdw.h"
#include "planner/planner.h"

/* What the conditions say about one dimension. */
typedef struct DimensionRestriction
{
	const Dimension *dim;
	int			index;			/* in the hypertable's dimension order */
	/* time: internal values v with lower <= v <= upper may match */
	int64		lower;
	int64		upper;
	/* space: the hash values that may match, or NIL for "any" */
	bool		has_hashes;
	List	   *hashes;			/* of int64 *, unsorted */
} DimensionRestriction;

/* The Var of column attno in rel varno, under any binary-compatible relabeling. */
static bool
is_column(Node *node, Index varno, AttrNumber attno)
{
	while (node && IsA(node, RelabelType))
		node = (Node *) ((RelabelType *) node)->arg;
	return node && IsA(node, Var) && ((Var *) node)->varno == varno &&
		((Var *) node)->varlevelsup == 0 && ((Var *) node)->varattno == attno;
}

static bool
time_value_is_finite(Datum value, Oid type)
{
	switch (type)
	{
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			return !TIMESTAMP_NOT_FINITE(DatumGetTimestamp(value));
		case DATEOID:
			return !DATE_NOT_FINITE(DatumGetDateADT(value));
		default:
			return true;
	}
}

static void
restrict_time(DimensionRestriction *dr, OpExpr *op, Index varno)
{
	Node	   *left = linitial(op->args);
	Node	   *right = lsecond(op->args);
	Const	   *c;
	bool		var_left;
	Oid			family;
	int			strategy;
	int64		v;

	if (is_column(left, varno, dr->dim->attno) && IsA(right, Const))
		var_left = true, c = (Const *) right;
	else if (is_column(right, varno, dr->dim->attno) && IsA(left, Const))
		var_left = false, c = (Const *) left;
	else
		return;
	if (c->constisnull)
		return;
	/* integers of any width compare as integers: bigint_col < 10 */
	if (c->consttype != dr->dim->column_type &&
		!(TimeTypeIsInteger(c->consttype) && TimeTypeIsInteger(dr->dim->column_type)))
		return;
	if (!time_value_is_finite(c->constvalue, c->consttype))
		return;
	/* the type cache's: GetDefaultOpClass would scan pg_opclass every time */
	family = lookup_type_cache(dr->dim->column_type, TYPECACHE_BTREE_OPFAMILY)->btree_opf;
	strategy = get_op_opfamily_strategy(op->opno, family);
	if (strategy == 0)
		return;
	if (!var_left)
		strategy = BTCommuteStrategyNumber(strategy);
	v = InternalTimeFromDatum(c->constvalue, c->consttype);
	switch (strategy)
	{
		case BTLessStrategyNumber:
			if (v != PG_INT64_MIN)
				dr->upper = Min(dr->upper, v - 1);
			break;
		case BTLessEqualStrategyNumber:
			dr->upper = Min(dr->upper, v);
			break;
		case BTEqualStrategyNumber:
			dr->upper = Min(dr->upper, v);
			dr->lower = Max(dr->lower, v);
			break;
		case BTGreaterEqualStrategyNumber:
			dr->lower = Max(dr->lower, v);
			break;
		case BTGreaterStrategyNumber:
			if (v != PG_INT64_MAX)
				dr->lower = Max(dr->lower, v + 1);
			break;
	}
}

/* Is opno the equality of the hash opclass that placed the rows? */
static bool
is_hash_equality(Oid opno, Oid type)
{
	Oid			family = lookup_type_cache(type, TYPECACHE_HASH_OPFAMILY)->hash_opf;

	return OidIsValid(family) &&
		get_opfamily_member(family, type, type, HTEqualStrategyNumber) == opno;
}

/*
 * Intersect the restriction's hash set with "hashes": a row must satisfy
 * every top-level condition.
 */
static void
restrict_hashes(DimensionRestriction *dr, List *hashes)
{
	List	   *kept = NIL;
	ListCell   *lc1,
			   *lc2;

	if (!dr->has_hashes)
	{
		dr->has_hashes = true;
		dr->hashes = hashes;
		return;
	}
	foreach(lc1, dr->hashes)
		foreach(lc2, hashes)
			if (*(int64 *) lfirst(lc1) == *(int64 *) lfirst(lc2))
			{
				kept = lappend(kept, lfirst(lc1));
				break;
			}
	dr->hashes = kept;
}

static int64 *
hash_of(DimensionRestriction *dr, Datum value, Oid collation)
{
	int64	   *h = palloc(sizeof(int64));

	*h = DimensionValue(dr->dim, value, false, collation);
	return h;
}

static void
restrict_space(DimensionRestriction *dr, Node *clause, Index varno)
{
	Oid			type = dr->dim->column_type;

	if (IsA(clause, OpExpr) && list_length(((OpExpr *) clause)->args) == 2)
	{
		OpExpr	   *op = (OpExpr *) clause;
		Node	   *left = linitial(op->args);
		Node	   *right = lsecond(op->args);
		Const	   *c;

		if (!is_hash_equality(op->opno, type))
			return;
		if (is_column(left, varno, dr->dim->attno) && IsA(right, Const))
			c = (Const *) right;
		else if (is_column(right, varno, dr->dim->attno) && IsA(left, Const))
			c = (Const *) left;
		else
			return;
		if (c->consttype != type)
			return;
		/* "= NULL" matches nothing */
		restrict_hashes(dr, c->constisnull ? NIL :
						list_make1(hash_of(dr, c->constvalue, op->inputcollid)));
	}
	else if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *op = (ScalarArrayOpExpr *) clause;
		Const	   *c = lsecond(op->args);
		ArrayType  *arr;
		Datum	   *elems;
		bool	   *nulls;
		int			n,
					i;
		int16		typlen;
		bool		typbyval;
		char		typalign;
		List	   *hashes = NIL;

		if (!op->useOr || !is_hash_equality(op->opno, type) ||
			!is_column(linitial(op->args), varno, dr->dim->attno) ||
			!IsA(c, Const) || c->constisnull || get_element_type(c->consttype) != type)
			return;
		arr = DatumGetArrayTypeP(c->constvalue);
		get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
		deconstruct_array(arr, type, typlen, typbyval, typalign, &elems, &nulls, &n);
		for (i = 0; i < n; i++)
			if (!nulls[i])
				hashes = lappend(hashes, hash_of(dr, elems[i], op->inputcollid));
		restrict_hashes(dr, hashes);
	}
}

static bool
chunk_may_match(const Chunk *chunk, DimensionRestriction *dr)
{
	int64		start = chunk->range_start[dr->index];
	int64		end = chunk->range_end[dr->index];	/* exclusive */
	ListCell   *lc;

	if (dr->dim->is_space)
	{
		if (!dr->has_hashes)
			return true;
		foreach(lc, dr->hashes)
		{
			int64		h = *(int64 *) lfirst(lc);

			if (h >= start && h < end)
				return true;
		}
		return false;
	}
	return dr->lower <= dr->upper && start <= dr->upper && end > dr->lower;
}

static DimensionRestriction *restrictions_of(const Hypertable *ht, List *conds, Index varno,
											 List **ors);

/* Can no row satisfy the restrictions drs? */
static bool
restrictions_empty(const Hypertable *ht, const DimensionRestriction *drs)
{
	int			i;

	for (i = 0; i < ht->num_dimensions; i++)
	{
		if (drs[i].dim->is_space ? (drs[i].has_hashes && drs[i].hashes == NIL) :
			drs[i].lower > drs[i].upper)
			return true;
	}
	return false;
}

/*
 * A top-level OR: a row matches when it matches one of the arms, so each
 * dimension is restricted to the union of what the arms allow (for time,
 * the hull of their ranges; for space, the union of their hash sets when
 * every arm has one).  Arms that match nothing are left out.  Returns the
 * arms' restrictions (DimensionRestriction arrays), for the exact check per
 * chunk in ChunksAfterExclusion.
 */
static List *
restrict_or(const Hypertable *ht, DimensionRestriction *drs, BoolExpr *or, Index varno)
{
	List	   *arms = NIL;
	ListCell   *lc;
	int			i;

	foreach(lc, or->args)
	{
		Node	   *arm = lfirst(lc);
		List	   *armconds = is_andclause(arm) ? ((BoolExpr *) arm)->args : list_make1(arm);
		DimensionRestriction *adrs = restrictions_of(ht, armconds, varno, NULL);

		if (!restrictions_empty(ht, adrs))
			arms = lappend(arms, adrs);
	}
	for (i = 0; i < ht->num_dimensions; i++)
	{
		int64		lower = PG_INT64_MAX;
		int64		upper = PG_INT64_MIN;
		bool		all_hashes = true;
		List	   *hashes = NIL;

		foreach(lc, arms)
		{
			DimensionRestriction *adr = &((DimensionRestriction *) lfirst(lc))[i];

			lower = Min(lower, adr->lower);
			upper = Max(upper, adr->upper);
			all_hashes = all_hashes && adr->has_hashes;
			if (adr->has_hashes)
				hashes = list_concat(hashes, adr->hashes);
		}
		if (drs[i].dim->is_space)
		{
			if (all_hashes)
				restrict_hashes(&drs[i], hashes);
		}
		else
		{
			drs[i].lower = Max(drs[i].lower, lower);
			drs[i].upper = Min(drs[i].upper, upper);
		}
	}
	return arms;
}

/*
 * What the top-level conditions "conds" (RestrictInfos or bare clauses on
 * the root's Vars, range table index varno) say about each dimension; an
 * array of ht->num_dimensions in the current memory context.  With ors,
 * each top-level OR's arm restrictions (a List per OR) are added to *ors.
 */
static DimensionRestriction *
restrictions_of(const Hypertable *ht, List *conds, Index varno, List **ors)
{
	DimensionRestriction *drs = palloc0(sizeof(DimensionRestriction) * Max(1, ht->num_dimensions));
	ListCell   *lc;
	int			i;

	for (i = 0; i < ht->num_dimensions; i++)
	{
		drs[i].dim = &ht->dimensions[i];
		drs[i].index = i;
		drs[i].lower = PG_INT64_MIN;
		drs[i].upper = PG_INT64_MAX;
	}

	foreach(lc, conds)
	{
		Node	   *clause = lfirst(lc);

		if (IsA(clause, RestrictInfo))
		{
			if (((RestrictInfo *) clause)->pseudoconstant)
				continue;
			clause = (Node *) ((RestrictInfo *) clause)->clause;
		}
		if (is_orclause(clause))
		{
			List	   *arms = restrict_or(ht, drs, (BoolExpr *) clause, varno);

			if (ors)
				*ors = lappend(*ors, arms);
			continue;
		}
		for (i = 0; i < ht->num_dimensions; i++)
		{
			/* a custom function need not agree with the operator */
			if (OidIsValid(drs[i].dim->partitioning_func))
				continue;
			if (drs[i].dim->is_space)
				restrict_space(&drs[i], clause, varno);
			else if (IsA(clause, OpExpr) && list_length(((OpExpr *) clause)->args) == 2)
				restrict_time(&drs[i], (OpExpr *) clause, varno);
		}
	}
	return drs;
}

/*
 * The chunks of "chunks" (Chunk *, of hypertable ht) that the conditions
 * "conds" (RestrictInfos or bare clauses on the root's Vars, range table
 * index varno) do not rule out, in their original order.
 */
List *
ChunksAfterExclusion(const Hypertable *ht, List *chunks, List *conds, Index varno)
{
	List	   *ors = NIL;
	DimensionRestriction *drs = restrictions_of(ht, conds, varno, &ors);
	List	   *result = NIL;
	ListCell   *lc;
	int			i;

	foreach(lc, chunks)
	{
		Chunk	   *chunk = lfirst(lc);
		bool		keep = true;
		ListCell   *lc2;

		for (i = 0; i < ht->num_dimensions && keep; i++)
			keep = chunk_may_match(chunk, &drs[i]);
		/* each OR: one of its arms must allow the chunk */
		foreach(lc2, ors)
		{
			bool		some_arm = false;
			ListCell   *lc3;

			if (!keep)
				break;
			foreach(lc3, (List *) lfirst(lc2))
			{
				DimensionRestriction *adrs = lfirst(lc3);
				bool		arm_keeps = true;

				for (i = 0; i < ht->num_dimensions && arm_keeps; i++)
					arm_keeps = chunk_may_match(chunk, &adrs[i]);
				some_arm = some_arm || arm_keeps;
			}
			keep = some_arm;
		}
		if (keep)
			result = lappend(result, chunk);
	}
	return result;
}

/*
 * The internal values [*lower, *upper] (both inclusive) of dimension dim_index,
 * a time dimension, that conds leave possible; MN_TIME_MIN/MAX when they say
 * nothing.  *lower > *upper means no value matches.
 */
void
ExclusionTimeBounds(const Hypertable *ht, List *conds, Index varno, int dim_index,
					int64 *lower, int64 *upper)
{
	DimensionRestriction *drs = restrictions_of(ht, conds, varno, NULL);

	*lower = drs[dim_index].lower;
	*upper = drs[dim_index].upper;
}

/*
 * Is clause a condition exclusion could use once its other operand is
 * known: a dimension column compared with something that is not a
 * constant at planning time but is fixed during a scan (a parameter, now())?
 * Such clauses are kept in the plan and decided at executor start
 * (scan_exec.c).
 */
bool
IsRuntimeExclusionClause(const Hypertable *ht, Node *clause, Index varno)
{
	List	   *args;
	Node	   *other = NULL;
	int			i;

	if (IsA(clause, OpExpr))
		args = ((OpExpr *) clause)->args;
	else if (IsA(clause, ScalarArrayOpExpr))
		args = ((ScalarArrayOpExpr *) clause)->args;
	else
		return false;
	if (list_length(args) != 2)
		return false;
	for (i = 0; i < ht->num_dimensions; i++)
	{
		AttrNumber	attno = ht->dimensions[i].attno;

		if (OidIsValid(ht->dimensions[i].partitioning_func))
			continue;
		if (is_column(linitial(args), varno, attno))
			other = lsecond(args);
		else if (IsA(clause, OpExpr) && is_column(lsecond(args), varno, attno))
			other = linitial(args);
	}
	return other != NULL && IsRemoteParamExpr(other);
}
