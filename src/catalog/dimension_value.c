/*-------------------------------------------------------------------------
 *
 * dimension_value.c
 *	  Values of partitioning columns as the catalog stores them: internal
 *	  time, space hashes, and the slices that contain them.
 *
 * Internal time is one int64 for every time type, so slices and chunk
 * ranges compare without knowing the column's type: microseconds since the
 * Unix epoch for timestamptz, timestamp and date (at midnight), the value
 * itself for integer types.  Time slices are aligned to the epoch, so every
 * node and every session computes the same slice for the same value without
 * coordination.
 *
 * Space values are hashed with the type's default hash opclass (support
 * function 1), masked to 31 bits, and cut into num_slices equal ranges of
 * [0, 2^31); the outer slices extend to the int64 limits so that the
 * catalog's ranges cover every value.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "catalog/catalog.h"

/* 2000-01-01 (PostgreSQL's epoch) in microseconds since 1970-01-01 */
#define UNIX_TO_PG_USECS \
	((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY)

bool
TimeTypeIsInteger(Oid type)
{
	return type == INT2OID || type == INT4OID || type == INT8OID;
}

bool
TimeTypeIsSupported(Oid type)
{
	return TimeTypeIsInteger(type) || type == TIMESTAMPTZOID || type == TIMESTAMPOID ||
		type == DATEOID;
}

static void
time_out_of_range(Oid type)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("%s value out of range for a time dimension", format_type_be(type)),
			 errdetail("Infinite and extreme values cannot be placed in a chunk.")));
}

int64
InternalTimeFromDatum(Datum value, Oid type)
{
	int64		ts;
	int64		result;

	switch (type)
	{
		case INT2OID:
			return DatumGetInt16(value);
		case INT4OID:
			return DatumGetInt32(value);
		case INT8OID:
			return DatumGetInt64(value);
		case DATEOID:
			{
				DateADT		d = DatumGetDateADT(value);

				if (DATE_NOT_FINITE(d))
					time_out_of_range(type);
				ts = (int64) d * USECS_PER_DAY;
				break;
			}
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			ts = DatumGetInt64(value);
			if (TIMESTAMP_NOT_FINITE(ts))
				time_out_of_range(type);
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid type for a time dimension: %s", format_type_be(type))));
			return 0;
	}
	if (pg_add_s64_overflow(ts, UNIX_TO_PG_USECS, &result))
		time_out_of_range(type);
	return result;
}

Datum
InternalTimeToDatum(int64 value, Oid type)
{
	int64		ts;

	switch (type)
	{
		case INT2OID:
			if (value < PG_INT16_MIN || value > PG_INT16_MAX)
				time_out_of_range(type);
			return Int16GetDatum((int16) value);
		case INT4OID:
			if (value < PG_INT32_MIN || value > PG_INT32_MAX)
				time_out_of_range(type);
			return Int32GetDatum((int32) value);
		case INT8OID:
			return Int64GetDatum(value);
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			if (pg_sub_s64_overflow(value, UNIX_TO_PG_USECS, &ts))
				time_out_of_range(type);
			if (type == DATEOID)
			{
				int64		days = ts / USECS_PER_DAY;

				if (ts < 0 && ts % USECS_PER_DAY != 0)
					days--;
				if (days < PG_INT32_MIN || days > PG_INT32_MAX)
					time_out_of_range(type);
				return DateADTGetDatum((DateADT) days);
			}
			if (!IS_VALID_TIMESTAMP(ts))
				time_out_of_range(type);
			return Int64GetDatum(ts);
		default:
			elog(ERROR, "invalid type for a time dimension: %u", type);
	}
	return (Datum) 0;
}

/*
 * A literal that reads back as the same value whatever the session's
 * DateStyle and TimeZone: ISO format, UTC, with an explicit cast.
 */
char *
InternalTimeToLiteral(int64 value, Oid type)
{
	Datum		d = InternalTimeToDatum(value, type);
	char		buf[MAXDATELEN + 1];
	struct pg_tm tm;
	fsec_t		fsec;

	switch (type)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
			return psprintf("'" INT64_FORMAT "'::%s", value, format_type_be(type));
		case DATEOID:
			j2date(DatumGetDateADT(d) + POSTGRES_EPOCH_JDATE, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
			EncodeDateOnly(&tm, USE_ISO_DATES, buf);
			return psprintf("'%s'::pg_catalog.date", buf);
		default:
			if (timestamp2tm(DatumGetInt64(d), NULL, &tm, &fsec, NULL, NULL) != 0)
				time_out_of_range(type);
			EncodeDateTime(&tm, fsec, false, 0, NULL, USE_ISO_DATES, buf);
			if (type == TIMESTAMPTZOID)
				return psprintf("'%s+00'::pg_catalog.timestamptz", buf);
			return psprintf("'%s'::pg_catalog.\"timestamp\"", buf);
	}
}

/* FmgrInfo of the last custom partitioning function used, kept for speed */
static Oid	custom_func_oid = InvalidOid;
static FmgrInfo custom_func_finfo;

static FmgrInfo *
custom_func(Oid func)
{
	if (func != custom_func_oid)
	{
		custom_func_oid = InvalidOid;
		fmgr_info_cxt(func, &custom_func_finfo, TopMemoryContext);
		custom_func_oid = func;
	}
	return &custom_func_finfo;
}

int64
DimensionValue(const Dimension *dim, Datum value, bool isnull, Oid collation)
{
	if (dim->is_space)
	{
		int32		hash;

		if (isnull)
			return 0;
		if (OidIsValid(dim->partitioning_func))
			hash = DatumGetInt32(FunctionCall1Coll(custom_func(dim->partitioning_func),
												   collation, value));
		else
		{
			/* type cache entries live for the backend: remember the last one */
			static Oid	last_type = InvalidOid;
			static TypeCacheEntry *last_tce = NULL;

			if (dim->column_type != last_type)
			{
				TypeCacheEntry *tce = lookup_type_cache(dim->column_type,
														TYPECACHE_HASH_PROC_FINFO);

				if (!OidIsValid(tce->hash_proc))
					ereport(ERROR,
							(errcode(ERRCODE_UNDEFINED_FUNCTION),
							 errmsg("could not identify a hash function for type %s",
									format_type_be(dim->column_type))));
				last_tce = tce;
				last_type = dim->column_type;
			}
			hash = DatumGetInt32(FunctionCall1Coll(&last_tce->hash_proc_finfo, collation, value));
		}
		return (int64) (hash & 0x7fffffff);
	}

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("null value in column \"%s\" violates not-null constraint",
						dim->column_name),
				 errdetail("The time column of a hypertable cannot be NULL.")));
	if (OidIsValid(dim->partitioning_func))
	{
		value = FunctionCall1Coll(custom_func(dim->partitioning_func), collation, value);
		return InternalTimeFromDatum(value, dim->value_type);
	}
	return InternalTimeFromDatum(value, dim->column_type);
}

static int64
space_interval(const Dimension *dim)
{
	return MN_SPACE_HASH_MAX / dim->num_slices;
}

int
SpaceSliceIndex(const Dimension *dim, int64 hash)
{
	int64		i = hash / space_interval(dim);

	if (i < 0)
		return 0;
	if (i >= dim->num_slices)
		return dim->num_slices - 1;
	return (int) i;
}

void
SpaceSliceRange(const Dimension *dim, int slice, int64 *start, int64 *end)
{
	int64		interval = space_interval(dim);

	*start = slice == 0 ? MN_TIME_MIN : slice * interval;
	*end = slice == dim->num_slices - 1 ? MN_TIME_MAX : (slice + 1) * interval;
}

void
TimeSliceRange(const Dimension *dim, int64 value, int64 *start, int64 *end)
{
	int64		interval = dim->interval_length;
	int64		q = value / interval;

	/* floor division: C truncates toward zero */
	if (value < 0 && value % interval != 0)
		q--;
	if (pg_mul_s64_overflow(q, interval, start))
		*start = MN_TIME_MIN;
	if (pg_add_s64_overflow(*start, interval, end))
		*end = MN_TIME_MAX;
}
