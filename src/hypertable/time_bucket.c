/*-------------------------------------------------------------------------
 *
 * time_bucket.c
 *	  time_bucket(): the start of the fixed-width bucket containing a value.
 *
 * Buckets are aligned to an origin, by default 2000-01-03 (a Monday, so
 * weekly buckets start on Mondays) for day-and-time widths and 2000-01-01
 * for month widths; an offset shifts the origin.  timestamptz values are
 * bucketed in UTC unless a time zone is given, which is what makes the
 * function IMMUTABLE and therefore identical on every node and safe to push
 * down.  Integer forms bucket the integer itself.
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
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/fmgrprotos.h"
#include "utils/timestamp.h"

#include "hypertable/hypertable.h"

/* 2000-01-03 and 2000-01-01 as PostgreSQL timestamps (days after 2000-01-01) */
#define DEFAULT_ORIGIN ((Timestamp) 2 * USECS_PER_DAY)
#define DEFAULT_MONTH_ORIGIN ((Timestamp) 0)

static void
bucket_out_of_range(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("timestamp out of range")));
}

/* floor((value - origin) / width) * width + origin, with overflow checks */
static int64
bucket_int64(int64 width, int64 value, int64 origin)
{
	int64		offset;
	int64		shifted;
	int64		rem;
	int64		result;

	if (width <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("period must be greater than 0")));
	offset = origin % width;
	if (pg_sub_s64_overflow(value, offset, &shifted))
		bucket_out_of_range();
	rem = shifted % width;
	result = shifted - rem;
	if (rem < 0 && pg_sub_s64_overflow(result, width, &result))
		bucket_out_of_range();
	if (pg_add_s64_overflow(result, offset, &result))
		bucket_out_of_range();
	return result;
}

static Timestamp
bucket_months(int32 months, Timestamp ts, Timestamp origin)
{
	struct pg_tm tm,
				otm;
	fsec_t		fsec,
				ofsec;
	int64		delta;
	int64		bucket;

	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0 ||
		timestamp2tm(origin, NULL, &otm, &ofsec, NULL, NULL) != 0)
		bucket_out_of_range();
	delta = ((int64) tm.tm_year * 12 + tm.tm_mon) - ((int64) otm.tm_year * 12 + otm.tm_mon);
	/* before the origin's day and time within its month: the month before */
	{
		Timestamp	same_month;

		otm.tm_year = tm.tm_year;
		otm.tm_mon = tm.tm_mon;
		if (tm2timestamp(&otm, ofsec, NULL, &same_month) == 0 && ts < same_month)
			delta--;
	}
	bucket = bucket_int64(months, delta, 0);
	if (timestamp2tm(origin, NULL, &otm, &ofsec, NULL, NULL) != 0)
		bucket_out_of_range();
	{
		int64		total = (int64) otm.tm_year * 12 + (otm.tm_mon - 1) + bucket;
		Timestamp	result;

		otm.tm_year = (int) (total >= 0 ? total / 12 : -((-total + 11) / 12));
		otm.tm_mon = (int) (total - (int64) otm.tm_year * 12) + 1;
		if (tm2timestamp(&otm, ofsec, NULL, &result) != 0)
			bucket_out_of_range();
		return result;
	}
}

/*
 * Bucket a timestamp (no zone arithmetic) by an interval; origin given or
 * default.  offset shifts the origin.
 */
static Timestamp
bucket_timestamp(Interval *width, Timestamp ts, bool has_origin, Timestamp origin,
				 Interval *offset)
{
	if (TIMESTAMP_NOT_FINITE(ts))
		return ts;
	if (width->month != 0)
	{
		if (width->day != 0 || width->time != 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("month intervals cannot have day or time component")));
		if (!has_origin)
			origin = DEFAULT_MONTH_ORIGIN;
		if (offset)
			origin = DatumGetTimestamp(DirectFunctionCall2(timestamp_pl_interval,
														   TimestampGetDatum(origin),
														   IntervalPGetDatum(offset)));
		return bucket_months(width->month, ts, origin);
	}
	if (!has_origin)
		origin = DEFAULT_ORIGIN;
	if (offset)
	{
		if (offset->month != 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("offset intervals with months are not supported")));
		if (pg_add_s64_overflow(origin, offset->time + (int64) offset->day * USECS_PER_DAY, &origin))
			bucket_out_of_range();
	}
	return bucket_int64(width->time + (int64) width->day * USECS_PER_DAY, ts, origin);
}

#define WIDTH() PG_GETARG_INTERVAL_P(0)

PG_FUNCTION_INFO_V1(multinode_time_bucket_ts);
PG_FUNCTION_INFO_V1(multinode_time_bucket_ts_origin);
PG_FUNCTION_INFO_V1(multinode_time_bucket_ts_offset);
PG_FUNCTION_INFO_V1(multinode_time_bucket_date);
PG_FUNCTION_INFO_V1(multinode_time_bucket_date_origin);
PG_FUNCTION_INFO_V1(multinode_time_bucket_date_offset);
PG_FUNCTION_INFO_V1(multinode_time_bucket_tz);
PG_FUNCTION_INFO_V1(multinode_time_bucket_int);
PG_FUNCTION_INFO_V1(multinode_time_bucket_int_offset);

/* time_bucket(interval, timestamp[tz]) -- timestamptz bucketed in UTC */
Datum
multinode_time_bucket_ts(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMP(bucket_timestamp(WIDTH(), PG_GETARG_TIMESTAMP(1), false, 0, NULL));
}

/* time_bucket(interval, timestamp[tz], origin timestamp[tz]) */
Datum
multinode_time_bucket_ts_origin(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMP(bucket_timestamp(WIDTH(), PG_GETARG_TIMESTAMP(1), true,
										 PG_GETARG_TIMESTAMP(2), NULL));
}

/* time_bucket(interval, timestamp[tz], "offset" interval) */
Datum
multinode_time_bucket_ts_offset(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMP(bucket_timestamp(WIDTH(), PG_GETARG_TIMESTAMP(1), false, 0,
										 PG_GETARG_INTERVAL_P(2)));
}

static Datum
bucket_date(Interval *width, DateADT d, bool has_origin, DateADT origin, Interval *offset)
{
	Timestamp	ts;

	if (DATE_NOT_FINITE(d))
		PG_RETURN_DATEADT(d);
	ts = bucket_timestamp(width, (Timestamp) d * USECS_PER_DAY, has_origin,
						  (Timestamp) origin * USECS_PER_DAY, offset);
	return DirectFunctionCall1(timestamp_date, TimestampGetDatum(ts));
}

Datum
multinode_time_bucket_date(PG_FUNCTION_ARGS)
{
	return bucket_date(WIDTH(), PG_GETARG_DATEADT(1), false, 0, NULL);
}

Datum
multinode_time_bucket_date_origin(PG_FUNCTION_ARGS)
{
	return bucket_date(WIDTH(), PG_GETARG_DATEADT(1), true, PG_GETARG_DATEADT(2), NULL);
}

Datum
multinode_time_bucket_date_offset(PG_FUNCTION_ARGS)
{
	return bucket_date(WIDTH(), PG_GETARG_DATEADT(1), false, 0, PG_GETARG_INTERVAL_P(2));
}

/*
 * time_bucket(interval, timestamptz, timezone text, origin timestamptz =
 * NULL, "offset" interval = NULL): bucket the local time in timezone.
 */
Datum
multinode_time_bucket_tz(PG_FUNCTION_ARGS)
{
	Interval   *width;
	TimestampTz ts;
	Datum		zone;
	Timestamp	local;
	Timestamp	origin = 0;
	bool		has_origin = !PG_ARGISNULL(3);

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	width = WIDTH();
	ts = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_NOT_FINITE(ts))
		PG_RETURN_TIMESTAMPTZ(ts);
	zone = PG_GETARG_DATUM(2);
	local = DatumGetTimestamp(DirectFunctionCall2(timestamptz_zone, zone, TimestampTzGetDatum(ts)));
	if (has_origin)
		origin = DatumGetTimestamp(DirectFunctionCall2(timestamptz_zone, zone,
													   PG_GETARG_DATUM(3)));
	local = bucket_timestamp(width, local, has_origin, origin,
							 PG_ARGISNULL(4) ? NULL : PG_GETARG_INTERVAL_P(4));
	return DirectFunctionCall2(timestamp_zone, zone, TimestampGetDatum(local));
}

/* time_bucket(width, ts) for smallint, integer and bigint */
static int64
int_arg(FunctionCallInfo fcinfo, int n)
{
	switch (get_fn_expr_argtype(fcinfo->flinfo, n))
	{
		case INT2OID:
			return PG_GETARG_INT16(n);
		case INT4OID:
			return PG_GETARG_INT32(n);
		default:
			return PG_GETARG_INT64(n);
	}
}

static Datum
int_result(FunctionCallInfo fcinfo, int64 v)
{
	switch (get_fn_expr_argtype(fcinfo->flinfo, 1))
	{
		case INT2OID:
			if (v < PG_INT16_MIN || v > PG_INT16_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("smallint out of range")));
			PG_RETURN_INT16((int16) v);
		case INT4OID:
			if (v < PG_INT32_MIN || v > PG_INT32_MAX)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("integer out of range")));
			PG_RETURN_INT32((int32) v);
		default:
			PG_RETURN_INT64(v);
	}
}

Datum
multinode_time_bucket_int(PG_FUNCTION_ARGS)
{
	return int_result(fcinfo, bucket_int64(int_arg(fcinfo, 0), int_arg(fcinfo, 1), 0));
}

Datum
multinode_time_bucket_int_offset(PG_FUNCTION_ARGS)
{
	return int_result(fcinfo, bucket_int64(int_arg(fcinfo, 0), int_arg(fcinfo, 1),
										   int_arg(fcinfo, 2)));
}
