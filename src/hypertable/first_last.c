/*-------------------------------------------------------------------------
 *
 * first_last.c
 *	  The first(value, time) and last(value, time) aggregates.
 *
 * The value of the row with the smallest (first) or largest (last) time in
 * the group, time being of any type with a default btree ordering; rows
 * whose time is NULL are skipped, as in TimescaleDB.  The state is internal
 * and has no combine or serial function, so the planner never splits these
 * aggregates: over a distributed hypertable they run on the access node,
 * on the rows the data nodes send, unless the whole GROUP BY goes down
 * (src/planner/upper_agg.c decides).
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

typedef struct BookendState
{
	bool		has_row;		/* a row with a non-NULL time was seen */
	bool		value_null;
	Datum		value;
	Datum		time;
	Oid			value_type;
	int16		value_len;
	bool		value_byval;
	int16		time_len;
	bool		time_byval;
	FmgrInfo   *cmp;			/* the time type's btree comparison */
} BookendState;

static BookendState *
state_init(FunctionCallInfo fcinfo, MemoryContext aggcxt)
{
	BookendState *state = MemoryContextAllocZero(aggcxt, sizeof(BookendState));
	Oid			time_type = get_fn_expr_argtype(fcinfo->flinfo, 2);
	TypeCacheEntry *tce = lookup_type_cache(time_type, TYPECACHE_CMP_PROC_FINFO);

	if (!OidIsValid(tce->cmp_proc_finfo.fn_oid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("could not identify an ordering operator for type %s",
						format_type_be(time_type)),
				 errhint("The second argument of first() and last() must be of a type with a default btree operator class.")));
	state->value_type = get_fn_expr_argtype(fcinfo->flinfo, 1);
	get_typlenbyval(state->value_type, &state->value_len, &state->value_byval);
	get_typlenbyval(time_type, &state->time_len, &state->time_byval);
	state->cmp = &tce->cmp_proc_finfo;
	return state;
}

/* Keep this row if its time sorts before (sign -1) or after (sign 1) the kept one. */
static Datum
bookend_transition(FunctionCallInfo fcinfo, int sign)
{
	MemoryContext aggcxt;
	BookendState *state;
	Datum		time;
	MemoryContext oldcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "first() and last() called in a non-aggregate context");
	state = PG_ARGISNULL(0) ? state_init(fcinfo, aggcxt) : (BookendState *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(2))
		PG_RETURN_POINTER(state);
	time = PG_GETARG_DATUM(2);
	if (state->has_row)
	{
		int32		c = DatumGetInt32(FunctionCall2Coll(state->cmp, PG_GET_COLLATION(),
														time, state->time));

		if (c * sign <= 0)
			PG_RETURN_POINTER(state);
		if (!state->time_byval)
			pfree(DatumGetPointer(state->time));
		if (!state->value_null && !state->value_byval)
			pfree(DatumGetPointer(state->value));
	}
	oldcxt = MemoryContextSwitchTo(aggcxt);
	state->time = datumCopy(time, state->time_byval, state->time_len);
	state->value_null = PG_ARGISNULL(1);
	state->value = state->value_null ? (Datum) 0 :
		datumCopy(PG_GETARG_DATUM(1), state->value_byval, state->value_len);
	MemoryContextSwitchTo(oldcxt);
	state->has_row = true;
	PG_RETURN_POINTER(state);
}

PG_FUNCTION_INFO_V1(multinode_first_sfunc);

/* _timescaledb_functions.first_sfunc(internal, anyelement, "any") */
Datum
multinode_first_sfunc(PG_FUNCTION_ARGS)
{
	return bookend_transition(fcinfo, -1);
}

PG_FUNCTION_INFO_V1(multinode_last_sfunc);

/* _timescaledb_functions.last_sfunc(internal, anyelement, "any") */
Datum
multinode_last_sfunc(PG_FUNCTION_ARGS)
{
	return bookend_transition(fcinfo, 1);
}

PG_FUNCTION_INFO_V1(multinode_bookend_finalfunc);

/* _timescaledb_functions.bookend_finalfunc(internal, anyelement, "any"): the kept value */
Datum
multinode_bookend_finalfunc(PG_FUNCTION_ARGS)
{
	BookendState *state = PG_ARGISNULL(0) ? NULL : (BookendState *) PG_GETARG_POINTER(0);

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "first() and last() called in a non-aggregate context");
	if (state == NULL || !state->has_row || state->value_null)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(state->value);
}
