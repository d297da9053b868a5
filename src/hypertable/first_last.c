/*-------------------------------------------------------------------------
 *
 * first_last.c
 *	  The first(value, time) and last(value, time) aggregates.
 *
 * The value of the row with the smallest (first) or largest (last) time in
 * the group, time being of any type with a default btree ordering; rows
 * whose time is NULL are skipped, as in TimescaleDB.  The state is internal
 * with combine, serial and deserial functions (below), so over a
 * distributed hypertable each data node computes its states and the access
 * node combines them (src/planner/upper_agg.c decides), as for avg().
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/regproc.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

typedef struct BookendState
{
	bool		has_row;		/* a row with a non-NULL time was seen */
	bool		value_null;
	Datum		value;
	Datum		time;
	Oid			value_type;
	Oid			time_type;
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
	state->time_type = time_type;
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

/* ----------------------------------------------------------------------------
 * Partial states
 *
 * With a combine function and a serialized form, the planner may compute
 * first/last in parts: on each data node (the state sent as bytea), then
 * combined on the access node.  The serialized state names its types by
 * qualified name, not OID, since OIDs differ between databases; each value
 * is in its type's binary send format.
 * ----------------------------------------------------------------------------
 */

static void
send_value(StringInfo buf, Oid type, Datum value, bool isnull)
{
	Oid			send;
	bool		varlena;

	pq_sendstring(buf, format_type_extended(type, -1, FORMAT_TYPE_FORCE_QUALIFY));
	pq_sendbyte(buf, isnull ? 1 : 0);
	if (!isnull)
	{
		bytea	   *bytes;

		getTypeBinaryOutputInfo(type, &send, &varlena);
		bytes = OidSendFunctionCall(send, value);
		pq_sendint32(buf, VARSIZE(bytes) - VARHDRSZ);
		pq_sendbytes(buf, VARDATA(bytes), VARSIZE(bytes) - VARHDRSZ);
	}
}

static Datum
receive_value(StringInfo buf, Oid *type, bool *isnull)
{
	Oid			recv;
	Oid			ioparam;
	StringInfoData data;
	int			len;
	Datum		value;

	*type = DatumGetObjectId(DirectFunctionCall1(regtypein, CStringGetDatum(pq_getmsgstring(buf))));
	*isnull = pq_getmsgbyte(buf) != 0;
	if (*isnull)
		return (Datum) 0;
	len = pq_getmsgint(buf, 4);
	initStringInfo(&data);
	appendBinaryStringInfo(&data, pq_getmsgbytes(buf, len), len);
	getTypeBinaryInputInfo(*type, &recv, &ioparam);
	value = OidReceiveFunctionCall(recv, &data, ioparam, -1);
	pfree(data.data);
	return value;
}

PG_FUNCTION_INFO_V1(multinode_bookend_serializefunc);

/* _timescaledb_functions.bookend_serializefunc(internal) RETURNS bytea */
Datum
multinode_bookend_serializefunc(PG_FUNCTION_ARGS)
{
	BookendState *state = (BookendState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "first() and last() called in a non-aggregate context");
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, state->has_row ? 1 : 0);
	if (state->has_row)
	{
		send_value(&buf, state->value_type, state->value, state->value_null);
		send_value(&buf, state->time_type, state->time, false);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(multinode_bookend_deserializefunc);

/* _timescaledb_functions.bookend_deserializefunc(bytea, internal) RETURNS internal */
Datum
multinode_bookend_deserializefunc(PG_FUNCTION_ARGS)
{
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	MemoryContext oldcxt;
	BookendState *state;
	StringInfoData buf;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "first() and last() called in a non-aggregate context");
	oldcxt = MemoryContextSwitchTo(aggcxt);
	state = palloc0(sizeof(BookendState));
	buf.data = VARDATA_ANY(bytes);
	buf.len = VARSIZE_ANY_EXHDR(bytes);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	state->has_row = pq_getmsgbyte(&buf) != 0;
	if (state->has_row)
	{
		bool		time_null;

		state->value = receive_value(&buf, &state->value_type, &state->value_null);
		state->time = receive_value(&buf, &state->time_type, &time_null);
		get_typlenbyval(state->value_type, &state->value_len, &state->value_byval);
		get_typlenbyval(state->time_type, &state->time_len, &state->time_byval);
		state->cmp = &lookup_type_cache(state->time_type, TYPECACHE_CMP_PROC_FINFO)->cmp_proc_finfo;
	}
	pq_getmsgend(&buf);
	MemoryContextSwitchTo(oldcxt);
	PG_RETURN_POINTER(state);
}

/* Keep whichever of two states has the earlier (sign -1) or later (1) time. */
static Datum
bookend_combine(FunctionCallInfo fcinfo, int sign)
{
	MemoryContext aggcxt;
	BookendState *a = PG_ARGISNULL(0) ? NULL : (BookendState *) PG_GETARG_POINTER(0);
	BookendState *b = PG_ARGISNULL(1) ? NULL : (BookendState *) PG_GETARG_POINTER(1);
	MemoryContext oldcxt;
	BookendState *result;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "first() and last() called in a non-aggregate context");
	if (b == NULL || !b->has_row)
	{
		if (a != NULL)
			PG_RETURN_POINTER(a);
		if (b == NULL)
			PG_RETURN_NULL();
	}
	else if (a != NULL && a->has_row &&
			 DatumGetInt32(FunctionCall2Coll(a->cmp, PG_GET_COLLATION(), b->time, a->time)) * sign <= 0)
		PG_RETURN_POINTER(a);

	/* b wins (or is all there is): a copy in the aggregate's memory */
	oldcxt = MemoryContextSwitchTo(aggcxt);
	result = palloc(sizeof(BookendState));
	*result = *b;
	if (b->has_row)
	{
		result->time = datumCopy(b->time, b->time_byval, b->time_len);
		if (!b->value_null)
			result->value = datumCopy(b->value, b->value_byval, b->value_len);
	}
	MemoryContextSwitchTo(oldcxt);
	PG_RETURN_POINTER(result);
}

PG_FUNCTION_INFO_V1(multinode_first_combinefunc);

Datum
multinode_first_combinefunc(PG_FUNCTION_ARGS)
{
	return bookend_combine(fcinfo, -1);
}

PG_FUNCTION_INFO_V1(multinode_last_combinefunc);

Datum
multinode_last_combinefunc(PG_FUNCTION_ARGS)
{
	return bookend_combine(fcinfo, 1);
}
