/*-------------------------------------------------------------------------
 *
 * stats_merge.c
 *	  Merging the data nodes' column statistics of a distributed
 *	  hypertable into one pg_statistic row per column of the access node's
 *	  root.
 *
 * The access node plans reads of a distributed hypertable with the root
 * read as a plain table (planner/expand.c), so the planner looks up the
 * root's statistics with stainherit = false; that is where they go.  Each
 * node describes its own share of the rows; the rules that combine them:
 *
 *	 null_frac, correlation	weighted by the nodes' rows
 *	 avg_width				weighted by the nodes' non-null rows
 *	 most common values		a value's frequency is the sum over nodes of its
 *							node frequency times the node's share of the
 *							rows; the most frequent `statistics target`
 *							values are kept
 *	 histogram				every node bound carries an equal part of its
 *							node's non-MCV rows; the bounds of all nodes,
 *							sorted, are cut into equal-weight steps again
 *	 n_distinct				the space column: the sum of the nodes' counts
 *							(a value lives on one node and its replicas,
 *							so replicas are divided out); a column unique on
 *							every node (-1): unique; any other column: the
 *							largest node's count, as its values usually recur
 *							on every node (a time stamp, a reading), stored
 *							as a fraction of the rows when above a tenth of
 *							them, as ANALYZE does
 *
 * Arrays arrive as text printed under the fixed transmission settings (the
 * caller has them in force here too) and are read with the column type's
 * input function; values are compared with the type's default operators
 * in the column's collation.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "dist/stats_internal.h"

/* A column value with the share of the rows it stands for. */
typedef struct WeightedValue
{
	Datum		value;
	double		weight;
} WeightedValue;

typedef struct ColumnType
{
	Oid			type;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Oid			collation;
	TypeCacheEntry *tce;
} ColumnType;

/* One slot of a pg_statistic row. */
typedef struct StatSlot
{
	int16		kind;
	Oid			op;
	ArrayType  *numbers;
	ArrayType  *values;
} StatSlot;

/* The elements of an array printed as text; NULL elements are left out. */
static Datum *
decode_array(const char *text, Oid elemtype, int *n)
{
	Oid			arraytype = get_array_type(elemtype);
	Oid			infunc;
	Oid			ioparam;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *values;
	bool	   *nulls;
	int			count;
	int			i;

	*n = 0;
	if (text == NULL || !OidIsValid(arraytype))
		return NULL;
	getTypeInputInfo(arraytype, &infunc, &ioparam);
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(DatumGetArrayTypeP(OidInputFunctionCall(infunc, (char *) text, ioparam, -1)),
					  elemtype, typlen, typbyval, typalign, &values, &nulls, &count);
	for (i = 0; i < count; i++)
		if (!nulls[i])
			values[(*n)++] = values[i];
	return values;
}

static int
weight_desc_cmp(const void *a, const void *b)
{
	double		wa = ((const WeightedValue *) a)->weight;
	double		wb = ((const WeightedValue *) b)->weight;

	return wa > wb ? -1 : wa < wb ? 1 : 0;
}

static int
value_cmp(const void *a, const void *b, void *arg)
{
	ColumnType *ct = arg;

	return DatumGetInt32(FunctionCall2Coll(&ct->tce->cmp_proc_finfo, ct->collation,
										   ((const WeightedValue *) a)->value,
										   ((const WeightedValue *) b)->value));
}

static ArrayType *
float4_array(const float4 *numbers, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		d[i] = Float4GetDatum(numbers[i]);
	return construct_array(d, n, FLOAT4OID, sizeof(float4), true, TYPALIGN_INT);
}

/* The sum of a node's MCV frequencies (how much of it the MCV list covers). */
static double
mcv_share(const NodeColumnStats *ns)
{
	Datum	   *f;
	int			n;
	int			i;
	double		sum = 0;

	f = decode_array(ns->mcf, FLOAT4OID, &n);
	for (i = 0; i < n; i++)
		sum += DatumGetFloat4(f[i]);
	return sum;
}

/*
 * The merged most-common-values slot, or false when no node has one.
 * weight_all: the rows of the nodes in node_stats.
 */
static bool
merge_mcv(ColumnType *ct, List *node_stats, double weight_all, int target, StatSlot *slot)
{
	WeightedValue *merged = NULL;
	int			nmerged = 0;
	int			cap = 0;
	Datum	   *values;
	float4	   *freqs;
	int			i;
	ListCell   *lc;

	if (!OidIsValid(ct->tce->eq_opr) || weight_all <= 0)
		return false;
	foreach(lc, node_stats)
	{
		NodeColumnStats *ns = lfirst(lc);
		Datum	   *v;
		Datum	   *f;
		int			nv;
		int			nf;
		double		share = ns->rows / weight_all;

		v = decode_array(ns->mcv, ct->type, &nv);
		f = decode_array(ns->mcf, FLOAT4OID, &nf);
		if (nv != nf)
			continue;
		for (i = 0; i < nv; i++)
		{
			double		w = DatumGetFloat4(f[i]) * share;
			int			j;

			CHECK_FOR_INTERRUPTS();
			for (j = 0; j < nmerged; j++)
				if (DatumGetBool(FunctionCall2Coll(&ct->tce->eq_opr_finfo, ct->collation,
												   merged[j].value, v[i])))
					break;
			if (j < nmerged)
			{
				merged[j].weight += w;
				continue;
			}
			if (nmerged == cap)
			{
				cap = Max(16, cap * 2);
				merged = merged ? repalloc(merged, sizeof(WeightedValue) * cap)
					: palloc(sizeof(WeightedValue) * cap);
			}
			merged[nmerged].value = v[i];
			merged[nmerged].weight = w;
			nmerged++;
		}
	}
	if (nmerged == 0)
		return false;
	qsort(merged, nmerged, sizeof(WeightedValue), weight_desc_cmp);
	nmerged = Min(nmerged, target);
	values = palloc(sizeof(Datum) * nmerged);
	freqs = palloc(sizeof(float4) * nmerged);
	for (i = 0; i < nmerged; i++)
	{
		values[i] = merged[i].value;
		freqs[i] = (float4) Min(merged[i].weight, 1.0);
	}
	slot->kind = STATISTIC_KIND_MCV;
	slot->op = ct->tce->eq_opr;
	slot->numbers = float4_array(freqs, nmerged);
	slot->values = construct_array(values, nmerged, ct->type, ct->typlen, ct->typbyval,
								   ct->typalign);
	return true;
}

/* The merged histogram slot, or false when the nodes have fewer than two bounds. */
static bool
merge_histogram(ColumnType *ct, List *node_stats, int target, StatSlot *slot)
{
	WeightedValue *points = NULL;
	int			npoints = 0;
	double		total = 0;
	double		cum;
	Datum	   *bounds;
	int			nbounds;
	int			k;
	int			p;
	ListCell   *lc;

	if (!OidIsValid(ct->tce->lt_opr) || !OidIsValid(ct->tce->cmp_proc_finfo.fn_oid))
		return false;
	foreach(lc, node_stats)
	{
		NodeColumnStats *ns = lfirst(lc);
		Datum	   *v;
		int			nv;
		int			i;
		double		mass;

		v = decode_array(ns->histogram, ct->type, &nv);
		if (nv < 2)
			continue;
		mass = ns->rows * Max(0.0, 1.0 - ns->null_frac - mcv_share(ns)) / nv;
		points = points ? repalloc(points, sizeof(WeightedValue) * (npoints + nv))
			: palloc(sizeof(WeightedValue) * nv);
		for (i = 0; i < nv; i++)
		{
			points[npoints].value = v[i];
			points[npoints].weight = mass;
			npoints++;
			total += mass;
		}
	}
	if (npoints < 2)
		return false;
	qsort_arg(points, npoints, sizeof(WeightedValue), value_cmp, ct);

	/* the extremes stay; the inner bounds cut the weight into equal steps */
	nbounds = Min(npoints, target + 1);
	if (nbounds < 2)
		return false;
	bounds = palloc(sizeof(Datum) * nbounds);
	bounds[0] = points[0].value;
	bounds[nbounds - 1] = points[npoints - 1].value;
	cum = points[0].weight;
	p = 0;
	for (k = 1; k < nbounds - 1; k++)
	{
		double		goal = total * k / (nbounds - 1);

		while (p < npoints - 2 && cum < goal)
			cum += points[++p].weight;
		bounds[k] = points[p].value;
	}
	slot->kind = STATISTIC_KIND_HISTOGRAM;
	slot->op = ct->tce->lt_opr;
	slot->numbers = NULL;
	slot->values = construct_array(bounds, nbounds, ct->type, ct->typlen, ct->typbyval,
								   ct->typalign);
	return true;
}

/* stadistinct of the merged column (see the file header for the rules). */
static float4
merge_n_distinct(List *node_stats, double total_rows, double node_rows, bool is_space,
				 double null_frac)
{
	double		sum = 0;
	double		max = 0;
	bool		unique_everywhere = true;
	double		distinct;
	ListCell   *lc;

	foreach(lc, node_stats)
	{
		NodeColumnStats *ns = lfirst(lc);
		double		d = ns->n_distinct < 0 ? -ns->n_distinct * ns->rows : ns->n_distinct;

		sum += d;
		max = Max(max, d);
		if (ns->n_distinct != -1.0f)
			unique_everywhere = false;
	}
	if (unique_everywhere)
		return (float4) -(1.0 - null_frac);
	if (max <= 0)
		return 0;				/* unknown */
	distinct = is_space ? sum * (node_rows > 0 ? total_rows / node_rows : 1.0) : max;
	distinct = Min(distinct, total_rows * (1.0 - null_frac));
	distinct = Max(distinct, 1.0);
	if (distinct > 0.1 * total_rows)
		return (float4) -(distinct / total_rows);
	return (float4) distinct;
}

/* Write (or, with nslots < 0, delete) the root's stainherit = false row. */
static void
store_statistic(Oid relid, AttrNumber attnum, float4 null_frac, int32 width, float4 n_distinct,
				StatSlot *slots, int nslots, Oid collation)
{
	Relation	sd = table_open(StatisticRelationId, RowExclusiveLock);
	HeapTuple	oldtup = SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(relid),
										 Int16GetDatum(attnum), BoolGetDatum(false));
	Datum		values[Natts_pg_statistic];
	bool		nulls[Natts_pg_statistic];
	bool		replaces[Natts_pg_statistic];
	HeapTuple	stup;
	int			k;

	if (nslots < 0)
	{
		if (HeapTupleIsValid(oldtup))
		{
			CatalogTupleDelete(sd, &oldtup->t_self);
			ReleaseSysCache(oldtup);
		}
		table_close(sd, RowExclusiveLock);
		return;
	}
	memset(nulls, false, sizeof(nulls));
	memset(replaces, true, sizeof(replaces));
	values[Anum_pg_statistic_starelid - 1] = ObjectIdGetDatum(relid);
	values[Anum_pg_statistic_staattnum - 1] = Int16GetDatum(attnum);
	values[Anum_pg_statistic_stainherit - 1] = BoolGetDatum(false);
	values[Anum_pg_statistic_stanullfrac - 1] = Float4GetDatum(null_frac);
	values[Anum_pg_statistic_stawidth - 1] = Int32GetDatum(width);
	values[Anum_pg_statistic_stadistinct - 1] = Float4GetDatum(n_distinct);
	for (k = 0; k < STATISTIC_NUM_SLOTS; k++)
	{
		StatSlot   *s = k < nslots ? &slots[k] : NULL;

		values[Anum_pg_statistic_stakind1 - 1 + k] = Int16GetDatum(s ? s->kind : 0);
		values[Anum_pg_statistic_staop1 - 1 + k] = ObjectIdGetDatum(s ? s->op : InvalidOid);
		values[Anum_pg_statistic_stacoll1 - 1 + k] =
			ObjectIdGetDatum(s ? collation : InvalidOid);
		values[Anum_pg_statistic_stanumbers1 - 1 + k] =
			(s && s->numbers) ? PointerGetDatum(s->numbers) : (Datum) 0;
		nulls[Anum_pg_statistic_stanumbers1 - 1 + k] = !(s && s->numbers);
		values[Anum_pg_statistic_stavalues1 - 1 + k] =
			(s && s->values) ? PointerGetDatum(s->values) : (Datum) 0;
		nulls[Anum_pg_statistic_stavalues1 - 1 + k] = !(s && s->values);
	}
	if (HeapTupleIsValid(oldtup))
	{
		stup = heap_modify_tuple(oldtup, RelationGetDescr(sd), values, nulls, replaces);
		ReleaseSysCache(oldtup);
		CatalogTupleUpdate(sd, &stup->t_self, stup);
	}
	else
	{
		stup = heap_form_tuple(RelationGetDescr(sd), values, nulls);
		CatalogTupleInsert(sd, stup);
	}
	heap_freetuple(stup);
	table_close(sd, RowExclusiveLock);
}

void
StatsMergeColumn(Relation root, AttrNumber attnum, List *node_stats, double total_rows,
				 double node_rows, bool is_space)
{
	Form_pg_attribute attr = TupleDescAttr(RelationGetDescr(root), attnum - 1);
	int			target = attr->attstattarget < 0 ? default_statistics_target : attr->attstattarget;
	ColumnType	ct;
	StatSlot	slots[3];
	int			nslots = 0;
	double		weight_all = 0;
	double		nulls = 0;
	double		width = 0;
	double		width_weight = 0;
	double		corr = 0;
	double		corr_weight = 0;
	double		null_frac;
	ListCell   *lc;

	foreach(lc, node_stats)
	{
		NodeColumnStats *ns = lfirst(lc);
		double		nonnull = ns->rows * (1.0 - ns->null_frac);

		weight_all += ns->rows;
		nulls += ns->null_frac * ns->rows;
		width += (double) ns->avg_width * nonnull;
		width_weight += nonnull;
		if (ns->has_correlation)
		{
			corr += ns->correlation * ns->rows;
			corr_weight += ns->rows;
		}
	}
	if (node_stats == NIL || target == 0 || weight_all <= 0 || total_rows <= 0)
	{
		store_statistic(RelationGetRelid(root), attnum, 0, 0, 0, NULL, -1, InvalidOid);
		return;
	}
	null_frac = nulls / weight_all;

	ct.type = attr->atttypid;
	ct.collation = attr->attcollation;
	get_typlenbyvalalign(ct.type, &ct.typlen, &ct.typbyval, &ct.typalign);
	ct.tce = lookup_type_cache(ct.type, TYPECACHE_EQ_OPR | TYPECACHE_EQ_OPR_FINFO |
							   TYPECACHE_LT_OPR | TYPECACHE_CMP_PROC_FINFO);

	if (merge_mcv(&ct, node_stats, weight_all, target, &slots[nslots]))
		nslots++;
	if (merge_histogram(&ct, node_stats, target, &slots[nslots]))
		nslots++;
	if (corr_weight > 0 && OidIsValid(ct.tce->lt_opr))
	{
		float4		c = (float4) (corr / corr_weight);

		slots[nslots].kind = STATISTIC_KIND_CORRELATION;
		slots[nslots].op = ct.tce->lt_opr;
		slots[nslots].numbers = float4_array(&c, 1);
		slots[nslots].values = NULL;
		nslots++;
	}
	store_statistic(RelationGetRelid(root), attnum, (float4) null_frac,
					width_weight > 0 ? (int32) (width / width_weight + 0.5) : 0,
					merge_n_distinct(node_stats, total_rows, node_rows, is_space, null_frac),
					slots, nslots, ct.collation);
}
