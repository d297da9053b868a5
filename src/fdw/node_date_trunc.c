/*-------------------------------------------------------------------------
 *
 * node_date_trunc.c
 *	  The data node's side of date_trunc on timestamptz shipped by the
 *	  access node.
 *
 * The access node sends date_trunc(unit, ts) on timestamptz as
 * _timescaledb_internal.date_trunc_node(unit, ts, $n), $n its TimeZone
 * (deparse.c).  The answer is pg_catalog.date_trunc(unit, ts, zone)'s, but
 * that function parses the unit and looks the zone up again for every row,
 * and a grouping by hour over a few days has as many rows as the data node
 * scans.  Here both are parsed once per query (they are the same in every
 * row: a constant and a parameter) and kept in fn_extra; when both are such
 * stable arguments the per-row work is the truncation alone (no comparison
 * with the kept ones, which was a tenth of the node's work); and when the zone
 * is UTC under any name (its offset always zero) and the unit a fixed
 * length of time up to a day, the truncation is arithmetic on the
 * timestamp: PostgreSQL counts microseconds from midnight UTC, without leap
 * seconds.  Other zones and units go to pg_catalog.date_trunc itself.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "parser/scansup.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

/* What one query's unit and zone come to, kept across its rows */
typedef struct TruncArgs
{
	text	   *unit;			/* the arguments this was worked out for */
	text	   *zone;
	int64		step;			/* microseconds to truncate to; 0: no shortcut */
	bool		stable;			/* unit and zone cannot change during the query */
} TruncArgs;

static bool
same_text(text *a, text *b)
{
	return VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
}

/* Is the zone, as date_trunc reads it, UTC at every instant? */
static bool
zone_is_utc(text *zone)
{
	char	   *name = text_to_cstring(zone);
	char	   *lower = downcase_truncate_identifier(name, strlen(name), false);
	int			offset;
	pg_tz	   *tz = NULL;
	long		gmtoff;
	int			type;

	/* abbreviations first, as date_trunc looks them up */
	type = DecodeTimezoneAbbrev(0, lower, &offset, &tz);
	if (type == TZ || type == DTZ)
		return offset == 0;
	if (type != DYNTZ)
		tz = pg_tzset(name);
	return tz != NULL && pg_get_timezone_offset(tz, &gmtoff) && gmtoff == 0;
}

/* Microseconds in one unit of a fixed length up to a day, else 0. */
static int64
unit_step(text *unit)
{
	char	   *name = text_to_cstring(unit);
	char	   *lower = downcase_truncate_identifier(name, strlen(name), false);
	int			val;

	if (DecodeUnits(0, lower, &val) != UNITS)
		return 0;
	switch (val)
	{
		case DTK_MICROSEC:
			return 1;
		case DTK_MILLISEC:
			return 1000;
		case DTK_SECOND:
			return USECS_PER_SEC;
		case DTK_MINUTE:
			return USECS_PER_MINUTE;
		case DTK_HOUR:
			return USECS_PER_HOUR;
		case DTK_DAY:
			return USECS_PER_DAY;
		default:
			return 0;
	}
}

static TruncArgs *
trunc_args(FunctionCallInfo fcinfo, text *unit, text *zone)
{
	TruncArgs  *args = fcinfo->flinfo->fn_extra;
	MemoryContext old;

	if (args != NULL && same_text(args->unit, unit) && same_text(args->zone, zone))
		return args;
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	if (args == NULL)
	{
		args = fcinfo->flinfo->fn_extra = palloc0(sizeof(TruncArgs));

		/*
		 * Constants and the statement's own parameters keep their value for
		 * the whole run of the expression, so their first reading holds for
		 * every row; others (a column, an outer query's value) are compared.
		 */
		args->stable = get_fn_expr_arg_stable(fcinfo->flinfo, 0) &&
			get_fn_expr_arg_stable(fcinfo->flinfo, 2);
	}
	else
	{
		pfree(args->unit);
		pfree(args->zone);
	}
	args->unit = (text *) PG_DETOAST_DATUM_COPY(PointerGetDatum(unit));
	args->zone = (text *) PG_DETOAST_DATUM_COPY(PointerGetDatum(zone));
	MemoryContextSwitchTo(old);
	args->step = zone_is_utc(zone) ? unit_step(unit) : 0;
	return args;
}

PG_FUNCTION_INFO_V1(multinode_date_trunc_node);

Datum
multinode_date_trunc_node(PG_FUNCTION_ARGS)
{
	TimestampTz ts = PG_GETARG_TIMESTAMPTZ(1);
	TruncArgs  *args = fcinfo->flinfo->fn_extra;
	int64		rest;

	if (args == NULL || !args->stable)
		args = trunc_args(fcinfo, PG_GETARG_TEXT_PP(0), PG_GETARG_TEXT_PP(2));
	if (args->step == 0)
		return DirectFunctionCall3(timestamptz_trunc_zone, PG_GETARG_DATUM(0),
								   TimestampTzGetDatum(ts), PG_GETARG_DATUM(2));
	if (TIMESTAMP_NOT_FINITE(ts))
		PG_RETURN_TIMESTAMPTZ(ts);
	/* down to the unit's start, also before 2000 (negative timestamps) */
	rest = ts % args->step;
	if (rest < 0)
		rest += args->step;
	PG_RETURN_TIMESTAMPTZ(ts - rest);
}
