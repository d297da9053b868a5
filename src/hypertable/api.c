/*-------------------------------------------------------------------------
 *
 * api.c
 *	  show_chunks, drop_chunks, set_chunk_time_interval,
 *	  set_number_partitions, set_replication_factor, and the data node side
 *	  of the ones that change member hypertables.
 *
 * Changes to a distributed hypertable are made on the access node and, in
 * the same distributed transaction, on every data node of the hypertable,
 * by calling the internal functions below there.  Data nodes are told
 * exactly which chunks to drop, by name, so both sides agree on the set even
 * when the cutoff is relative to now().
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "catalog/catalog.h"
#include "hypertable/hypertable.h"
#include "multinode.h"
#include "remote/remote.h"

/* The hypertable rooted at relid, or an error naming it. */
Hypertable *
HypertableRequire(Oid relid)
{
	Hypertable *ht = HypertableGetByRelid(relid);

	if (ht == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_MN_HYPERTABLE_NOT_EXIST),
				 errmsg("table \"%s\" is not a hypertable", get_rel_name(relid)),
				 errhint("Make it one with create_hypertable() or create_distributed_hypertable().")));
	return ht;
}

static void
require_owner(Oid relid)
{
	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(relid));
}

/*
 * Run sql with text parameters on every data node of a distributed
 * hypertable, inside the distributed transaction, all nodes at once.
 */
void
HypertableExecOnDataNodes(const Hypertable *ht, const char *sql, int nparams,
						  const char *const *params)
{
	List	   *conns = NIL;
	ListCell   *lc;
	RemoteFirstError fe = {0};

	foreach(lc, HypertableDataNodeServerIds(ht))
		conns = lappend(conns, GetDataNodeConnection(lfirst_oid(lc), REMOTE_TXN_WRITE));
	foreach(lc, conns)
		RemoteSendParams(lfirst(lc), sql, nparams, params);
	foreach(lc, conns)
	{
		PGresult   *res = RemoteGetResult(lfirst(lc), sql);

		if (RemoteCollectResult(&fe, lfirst(lc), res, sql))
			PQclear(res);
	}
	RemoteRaiseFirstError(&fe);
}

/* ----------------------------------------------------------------------------
 * show_chunks and drop_chunks
 * ----------------------------------------------------------------------------
 */

/* An older_than/newer_than argument as internal time of the time dimension. */
static int64
cutoff_internal(const Dimension *dim, Datum value, Oid type, const char *argname)
{
	bool		integer_dim = TimeTypeIsInteger(dim->value_type);

	if (type == INTERVALOID && !integer_dim)
	{
		TimestampTz now = GetCurrentTransactionStartTimestamp();
		Datum		ts = DirectFunctionCall2(timestamptz_mi_interval, TimestampTzGetDatum(now), value);

		return InternalTimeFromDatum(ts, TIMESTAMPTZOID);
	}
	if ((type == TIMESTAMPTZOID || type == TIMESTAMPOID || type == DATEOID) && !integer_dim)
		return InternalTimeFromDatum(value, type);
	if (TimeTypeIsInteger(type) && integer_dim)
		return InternalTimeFromDatum(value, type);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid time argument type \"%s\"", format_type_be(type)),
			 errdetail("%s must be %s for a hypertable partitioned by a %s column.", argname,
					   integer_dim ? "an integer" : "an interval, timestamp or date",
					   format_type_be(dim->value_type))));
	return 0;
}

static int
chunk_time_cmp(const ListCell *a, const ListCell *b)
{
	const Chunk *ca = lfirst(a);
	const Chunk *cb = lfirst(b);

	/* the time dimension is first */
	if (ca->range_start[0] != cb->range_start[0])
		return ca->range_start[0] < cb->range_start[0] ? -1 : 1;
	return ca->id - cb->id;
}

/*
 * A created_before/created_after argument as a timestamptz: an interval
 * counts back from the transaction's start, as older_than does.
 */
static TimestampTz
creation_cutoff(Datum value, Oid type, const char *argname)
{
	TimestampTz now = GetCurrentTransactionStartTimestamp();

	switch (type)
	{
		case INTERVALOID:
			return DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
														   TimestampTzGetDatum(now), value));
		case TIMESTAMPTZOID:
			return DatumGetTimestampTz(value);
		case TIMESTAMPOID:
			return DatumGetTimestampTz(DirectFunctionCall1(timestamp_timestamptz, value));
		case DATEOID:
			return DatumGetTimestampTz(DirectFunctionCall1(date_timestamptz, value));
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid time argument type \"%s\"", format_type_be(type)),
					 errdetail("%s must be an interval, a timestamp or a date: it is compared with the chunks' creation time.",
							   argname)));
	}
	return 0;
}

/*
 * Ids of the chunks of ht created before `before` (if has_before) and after
 * `after` (if has_after), read from the catalog's creation_time.
 */
static List *
chunk_ids_created(const Hypertable *ht, bool has_before, TimestampTz before, bool has_after,
				  TimestampTz after)
{
	Oid			types[3] = {INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	List	   *ids = NIL;
	uint64		i;
	MemoryContext caller = CurrentMemoryContext;

	values[0] = Int32GetDatum(ht->id);
	values[1] = TimestampTzGetDatum(before);
	values[2] = TimestampTzGetDatum(after);
	if (!has_before)
		nulls[1] = 'n';
	if (!has_after)
		nulls[2] = 'n';
	SPI_connect();
	if (SPI_execute_with_args("SELECT id FROM " MN_CATALOG_SCHEMA ".chunk "
							  " WHERE hypertable_id OPERATOR(pg_catalog.=) $1 AND NOT dropped "
							  "   AND ($2 IS NULL OR creation_time OPERATOR(pg_catalog.<) $2) "
							  "   AND ($3 IS NULL OR creation_time OPERATOR(pg_catalog.>) $3)",
							  3, types, values, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the creation times of chunks");
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		/* SPI_finish frees what is allocated in its context */
		MemoryContext spi = MemoryContextSwitchTo(caller);

		ids = lappend_int(ids, DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i],
														   SPI_tuptable->tupdesc, 1, &isnull)));
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	return ids;
}

/* Positions of the four selectors among a function's arguments. */
typedef struct ChunkSelectorArgs
{
	int			older_than;
	int			newer_than;
	int			created_before;
	int			created_after;
} ChunkSelectorArgs;

static bool
arg_given(FunctionCallInfo fcinfo, int arg)
{
	return arg < PG_NARGS() && !PG_ARGISNULL(arg);
}

/*
 * The chunks of ht selected by the arguments: wholly older than / newer than
 * the time cutoffs, or created before / after the creation cutoffs (the two
 * kinds cannot be mixed, as in TimescaleDB 2.13).  In time order.
 */
static List *
chunks_in_range(FunctionCallInfo fcinfo, Hypertable *ht, const ChunkSelectorArgs *args)
{
	const Dimension *dim = HypertableTimeDimension(ht);
	int			d = dim - ht->dimensions;
	bool		has_older = arg_given(fcinfo, args->older_than);
	bool		has_newer = arg_given(fcinfo, args->newer_than);
	bool		has_before = arg_given(fcinfo, args->created_before);
	bool		has_after = arg_given(fcinfo, args->created_after);
	int64		older = 0,
				newer = 0;
	List	   *created = NIL;
	List	   *result = NIL;
	ListCell   *lc;

	if ((has_older || has_newer) && (has_before || has_after))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot specify \"older_than\" or \"newer_than\" together with \"created_before\" or \"created_after\""),
				 errhint("Select chunks either by their time range or by their creation time.")));
	if (has_older)
		older = cutoff_internal(dim, PG_GETARG_DATUM(args->older_than),
								get_fn_expr_argtype(fcinfo->flinfo, args->older_than), "older_than");
	if (has_newer)
		newer = cutoff_internal(dim, PG_GETARG_DATUM(args->newer_than),
								get_fn_expr_argtype(fcinfo->flinfo, args->newer_than), "newer_than");
	if (has_before || has_after)
	{
		TimestampTz before = 0,
					after = 0;

		if (has_before)
			before = creation_cutoff(PG_GETARG_DATUM(args->created_before),
									 get_fn_expr_argtype(fcinfo->flinfo, args->created_before),
									 "created_before");
		if (has_after)
			after = creation_cutoff(PG_GETARG_DATUM(args->created_after),
									get_fn_expr_argtype(fcinfo->flinfo, args->created_after),
									"created_after");
		created = chunk_ids_created(ht, has_before, before, has_after, after);
	}
	foreach(lc, HypertableGetChunks(ht))
	{
		Chunk	   *chunk = lfirst(lc);

		if (has_older && chunk->range_end[d] > older)
			continue;
		if (has_newer && chunk->range_start[d] < newer)
			continue;
		if ((has_before || has_after) && !list_member_int(created, chunk->id))
			continue;
		result = lappend(result, chunk);
	}
	list_sort(result, chunk_time_cmp);
	return result;
}

PG_FUNCTION_INFO_V1(multinode_show_chunks);

/*
 * show_chunks(relation regclass, older_than "any" = NULL, newer_than "any" = NULL,
 *			   created_before "any" = NULL, created_after "any" = NULL)
 */
Datum
multinode_show_chunks(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	static const ChunkSelectorArgs args = {1, 2, 3, 4};
	Hypertable *ht;
	ListCell   *lc;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("relation cannot be NULL")));
	ht = HypertableRequire(PG_GETARG_OID(0));
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	foreach(lc, chunks_in_range(fcinfo, ht, &args))
	{
		Chunk	   *chunk = lfirst(lc);
		Datum		value = ObjectIdGetDatum(chunk->relid);
		bool		isnull = false;

		if (OidIsValid(chunk->relid))
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
	}
	return (Datum) 0;
}

/* Drop one chunk here: its table and its catalog rows.  Caller checked rights. */
static void
drop_local_chunk(const Chunk *chunk)
{
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(chunk->id)};

	if (OidIsValid(chunk->relid))
		CatalogExec(psprintf("DROP %sTABLE IF EXISTS %s",
							 get_rel_relkind(chunk->relid) == RELKIND_FOREIGN_TABLE ? "FOREIGN " : "",
							 quote_qualified_identifier(chunk->schema_name, chunk->table_name)),
					0, NULL, NULL, NULL, false);
	CatalogExec("DELETE FROM " MN_CATALOG_SCHEMA ".chunk WHERE id OPERATOR(pg_catalog.=) $1", 1, types, values, NULL, false);
}

static void
delete_orphan_slices(const Hypertable *ht)
{
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(ht->id)};

	CatalogExec("DELETE FROM " MN_CATALOG_SCHEMA ".dimension_slice s "
				" USING " MN_CATALOG_SCHEMA ".dimension d "
				"WHERE d.id OPERATOR(pg_catalog.=) s.dimension_id AND d.hypertable_id OPERATOR(pg_catalog.=) $1 "
				"  AND NOT EXISTS (SELECT 1 FROM " MN_CATALOG_SCHEMA ".chunk_constraint cc "
				"                  WHERE cc.dimension_slice_id OPERATOR(pg_catalog.=) s.id)",
				1, types, values, NULL, false);
}

/*
 * Drop chunks of ht here and, for a distributed hypertable, on the data
 * nodes that hold them except skip_node (a node being deleted, perhaps
 * unreachable; NULL: none).  Returns their qualified names.
 */
List *
HypertableDropChunks(Hypertable *ht, List *chunks, const char *skip_node)
{
	List	   *names = NIL;
	ListCell   *lc;

	if (chunks == NIL)
		return NIL;
	LockRelationOid(ht->relid, ShareUpdateExclusiveLock);
	if (HypertableIsDistributed(ht))
	{
		ListCell   *nlc;

		foreach(nlc, ht->data_nodes)
		{
			HypertableDataNode *hdn = lfirst(nlc);
			StringInfoData arr;
			bool		any = false;

			if (!OidIsValid(hdn->server_id) ||
				(skip_node && strcmp(skip_node, hdn->node_name) == 0))
				continue;
			initStringInfo(&arr);
			appendStringInfoChar(&arr, '{');
			foreach(lc, chunks)
			{
				Chunk	   *chunk = lfirst(lc);
				ListCell   *clc;

				foreach(clc, chunk->data_nodes)
				{
					ChunkDataNode *cdn = lfirst(clc);

					if (strcmp(cdn->node_name, hdn->node_name) == 0)
					{
						appendStringInfo(&arr, "%s\"%s\"", any ? "," : "", chunk->table_name);
						any = true;
					}
				}
			}
			appendStringInfoChar(&arr, '}');
			if (any)
			{
				const char *params[2];
				DataNodeConn *conn = GetDataNodeConnection(hdn->server_id, REMOTE_TXN_WRITE);

				params[0] = quote_qualified_identifier(ht->schema_name, ht->table_name);
				params[1] = arr.data;
				PQclear(RemoteExecParams(conn, "SELECT " MN_FUNCTIONS_SCHEMA
										 ".drop_member_chunks($1::regclass, $2::name[])", 2, params));
			}
		}
	}
	foreach(lc, chunks)
	{
		Chunk	   *chunk = lfirst(lc);

		names = lappend(names, quote_qualified_identifier(chunk->schema_name, chunk->table_name));
		drop_local_chunk(chunk);
	}
	delete_orphan_slices(ht);
	CatalogInvalidateHypertable(ht->relid);
	CommandCounterIncrement();
	return names;
}

PG_FUNCTION_INFO_V1(multinode_drop_chunks);

/*
 * drop_chunks(relation regclass, older_than "any" = NULL,
 *			   newer_than "any" = NULL, verbose boolean = false,
 *			   created_before "any" = NULL, created_after "any" = NULL)
 */
Datum
multinode_drop_chunks(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	static const ChunkSelectorArgs args = {1, 2, 4, 5};
	Hypertable *ht;
	bool		verbose = !PG_ARGISNULL(3) && PG_GETARG_BOOL(3);
	List	   *chunks;
	ListCell   *lc;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("relation cannot be NULL")));
	if (!arg_given(fcinfo, 1) && !arg_given(fcinfo, 2) && !arg_given(fcinfo, 4) &&
		!arg_given(fcinfo, 5))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid time range for dropping chunks"),
				 errhint("At least one of older_than, newer_than, created_before or created_after must be provided.")));
	ht = HypertableRequire(PG_GETARG_OID(0));
	require_owner(ht->relid);
	if (HypertableIsDistMember(ht))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot drop chunks of a member of a distributed hypertable on a data node"),
				 errhint("Run drop_chunks on the access node.")));
	chunks = chunks_in_range(fcinfo, ht, &args);
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	foreach(lc, HypertableDropChunks(ht, chunks, NULL))
	{
		Datum		value = CStringGetTextDatum(lfirst(lc));
		bool		isnull = false;

		if (verbose)
			ereport(INFO, (errmsg("dropping chunk %s", (char *) lfirst(lc))));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(multinode_drop_member_chunks);

/* _timescaledb_functions.drop_member_chunks(hypertable regclass, chunks name[]) */
Datum
multinode_drop_member_chunks(PG_FUNCTION_ARGS)
{
	Hypertable *ht = HypertableRequire(PG_GETARG_OID(0));
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	List	   *chunks = NIL;

	require_owner(ht->relid);
	deconstruct_array(arr, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR, &elems, &nulls, &n);
	for (i = 0; i < n; i++)
	{
		ListCell   *lc;

		if (nulls[i])
			continue;
		foreach(lc, HypertableGetChunks(ht))
		{
			Chunk	   *chunk = lfirst(lc);

			if (strcmp(chunk->table_name, NameStr(*DatumGetName(elems[i]))) == 0)
				chunks = lappend(chunks, chunk);
		}
	}
	PG_RETURN_INT32(list_length(HypertableDropChunks(ht, chunks, NULL)));
}

/* ----------------------------------------------------------------------------
 * Settings
 * ----------------------------------------------------------------------------
 */

static const Dimension *
find_dimension(const Hypertable *ht, const char *name, bool space)
{
	const Dimension *found = NULL;
	int			i;

	for (i = 0; i < ht->num_dimensions; i++)
	{
		const Dimension *dim = &ht->dimensions[i];

		if (name != NULL ? strcmp(dim->column_name, name) == 0 : dim->is_space == space)
		{
			if (name == NULL && found != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_AMBIGUOUS_PARAMETER),
						 errmsg("hypertable \"%s\" has several %s dimensions", ht->table_name,
								space ? "space" : "time"),
						 errhint("Give dimension_name.")));
			found = dim;
			if (name != NULL)
				break;
		}
	}
	if (found == NULL || found->is_space != space)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("hypertable \"%s\" has no %s dimension%s%s%s", ht->table_name,
						space ? "space" : "time", name ? " \"" : "", name ? name : "",
						name ? "\"" : "")));
	return found;
}

/* Set a dimension's interval or slices here, and on the data nodes. */
static void
update_dimension(Hypertable *ht, const Dimension *dim, int64 interval, int num_slices)
{
	Oid			types[3] = {INT4OID, INT8OID, INT2OID};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};

	values[0] = Int32GetDatum(dim->id);
	values[1] = Int64GetDatum(interval);
	values[2] = Int16GetDatum(num_slices);
	if (dim->is_space)
		nulls[1] = 'n';
	else
		nulls[2] = 'n';
	CatalogExec("UPDATE " MN_CATALOG_SCHEMA ".dimension SET interval_length = $2, num_slices = $3 "
				"WHERE id OPERATOR(pg_catalog.=) $1", 3, types, values, nulls, false);
	if (HypertableIsDistributed(ht))
	{
		const char *params[4];

		params[0] = quote_qualified_identifier(ht->schema_name, ht->table_name);
		params[1] = dim->column_name;
		params[2] = dim->is_space ? NULL : psprintf(INT64_FORMAT, interval);
		params[3] = dim->is_space ? psprintf("%d", num_slices) : NULL;
		HypertableExecOnDataNodes(ht, "SELECT " MN_FUNCTIONS_SCHEMA
								  ".set_member_dimension($1::regclass, $2, $3::bigint, $4::smallint)",
								  4, params);
	}
	CatalogInvalidateHypertable(ht->relid);
	CommandCounterIncrement();
}

static Hypertable *
hypertable_to_change(FunctionCallInfo fcinfo)
{
	Hypertable *ht;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("hypertable cannot be NULL")));
	ht = HypertableRequire(PG_GETARG_OID(0));
	require_owner(ht->relid);
	return ht;
}

PG_FUNCTION_INFO_V1(multinode_set_chunk_time_interval);

/* set_chunk_time_interval(hypertable, chunk_time_interval anyelement, dimension_name = NULL) */
Datum
multinode_set_chunk_time_interval(PG_FUNCTION_ARGS)
{
	Hypertable *ht = hypertable_to_change(fcinfo);
	const Dimension *dim = find_dimension(ht, PG_ARGISNULL(2) ? NULL : NameStr(*PG_GETARG_NAME(2)),
										  false);

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("chunk_time_interval cannot be NULL")));
	update_dimension(ht, dim, DimensionIntervalFromArg(PG_GETARG_DATUM(1),
													   get_fn_expr_argtype(fcinfo->flinfo, 1),
													   dim->value_type, dim->column_name), 0);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(multinode_set_number_partitions);

/* set_number_partitions(hypertable, number_partitions int, dimension_name = NULL) */
Datum
multinode_set_number_partitions(PG_FUNCTION_ARGS)
{
	Hypertable *ht = hypertable_to_change(fcinfo);
	const Dimension *dim = find_dimension(ht, PG_ARGISNULL(2) ? NULL : NameStr(*PG_GETARG_NAME(2)),
										  true);
	int			n = PG_ARGISNULL(1) ? 0 : PG_GETARG_INT32(1);

	if (n < 1 || n > PG_INT16_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid number of partitions: must be between 1 and %d", PG_INT16_MAX)));
	update_dimension(ht, dim, 0, n);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(multinode_set_member_dimension);

/*
 * _timescaledb_functions.set_member_dimension(hypertable regclass,
 *	 column_name name, interval_length bigint, num_slices smallint)
 */
Datum
multinode_set_member_dimension(PG_FUNCTION_ARGS)
{
	Hypertable *ht = hypertable_to_change(fcinfo);
	const Dimension *dim = find_dimension(ht, NameStr(*PG_GETARG_NAME(1)), PG_ARGISNULL(2));

	update_dimension(ht, dim, PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2),
					 PG_ARGISNULL(3) ? 0 : PG_GETARG_INT16(3));
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(multinode_set_replication_factor);

/* set_replication_factor(hypertable regclass, replication_factor integer) */
Datum
multinode_set_replication_factor(PG_FUNCTION_ARGS)
{
	Hypertable *ht = hypertable_to_change(fcinfo);
	int			rf = PG_ARGISNULL(1) ? 0 : PG_GETARG_INT32(1);
	int			nodes = list_length(HypertableDataNodeServerIds(ht));
	Oid			types[2] = {INT4OID, INT2OID};
	Datum		values[2];
	ListCell   *lc;
	int			under = 0;

	if (!HypertableIsDistributed(ht))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("hypertable \"%s\" is not distributed", ht->table_name)));
	if (rf < 1 || rf > PG_INT16_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid replication factor"),
				 errhint("A hypertable's replication factor must be between 1 and %d.", PG_INT16_MAX)));
	if (rf > nodes)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replication factor too large for hypertable \"%s\"", ht->table_name),
				 errdetail("The hypertable has %d data nodes attached, while the replication factor is %d.",
						   nodes, rf),
				 errhint("Decrease the replication factor or attach more data nodes to the hypertable.")));
	values[0] = Int32GetDatum(ht->id);
	values[1] = Int16GetDatum(rf);
	CatalogExec("UPDATE " MN_CATALOG_SCHEMA ".hypertable SET replication_factor = $2 WHERE id OPERATOR(pg_catalog.=) $1",
				2, types, values, NULL, false);
	foreach(lc, HypertableGetChunks(ht))
		if (list_length(((Chunk *) lfirst(lc))->data_nodes) < rf)
			under++;
	if (under > 0)
		ereport(WARNING,
				(errmsg("hypertable \"%s\" is under-replicated", ht->table_name),
				 errdetail("Some chunks have less than %d replicas.", rf)));
	CatalogInvalidateHypertable(ht->relid);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(multinode_set_integer_now_func);

/*
 * set_integer_now_func(hypertable regclass, integer_now_func regproc,
 *						replace_if_exists boolean = false)
 *
 * What "now" is for a hypertable partitioned by an integer column: the
 * retention policy counts drop_after back from it.  Forwarded to the data
 * nodes of a distributed hypertable (the function must exist there too, as
 * in TimescaleDB 2.13), so that the member hypertables agree.
 */
Datum
multinode_set_integer_now_func(PG_FUNCTION_ARGS)
{
	Hypertable *ht = hypertable_to_change(fcinfo);
	const Dimension *dim = HypertableTimeDimension(ht);
	bool		replace = !PG_ARGISNULL(2) && PG_GETARG_BOOL(2);
	Oid			func;
	HeapTuple	tup;
	Form_pg_proc proc;
	bool		has_func;
	Oid			types[3] = {INT4OID, NAMEOID, NAMEOID};
	Datum		values[3];

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("integer_now_func cannot be NULL")));
	func = PG_GETARG_OID(1);
	if (dim == NULL || !TimeTypeIsInteger(dim->column_type))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("integer_now_func can only be set for hypertables that have integer time dimensions")));
	values[0] = Int32GetDatum(dim->id);
	has_func = CatalogExec("SELECT 1 FROM " MN_CATALOG_SCHEMA ".dimension WHERE id OPERATOR(pg_catalog.=) $1 "
						   "AND integer_now_func IS NOT NULL", 1, types, values, NULL, true) > 0;
	if (has_func && !replace)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("custom time function already set for hypertable \"%s\"", ht->table_name),
				 errhint("Use replace_if_exists => true to replace it.")));
	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(func));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for function %u", func);
	proc = (Form_pg_proc) GETSTRUCT(tup);
	if (proc->pronargs != 0 || proc->provolatile == PROVOLATILE_VOLATILE ||
		proc->prorettype != dim->column_type)
	{
		bool		wrong_type = proc->prorettype != dim->column_type;

		ReleaseSysCache(tup);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid custom time function"),
				 wrong_type ?
				 errhint("The return type of the custom time function must be the type of the hypertable's time column, %s.",
						 format_type_be(dim->column_type)) :
				 errhint("A custom time function must take no arguments and be STABLE or IMMUTABLE.")));
	}
	ReleaseSysCache(tup);
	if (pg_proc_aclcheck(func, GetUserId(), ACL_EXECUTE) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_FUNCTION, get_func_name(func));

	values[1] = DirectFunctionCall1(namein, CStringGetDatum(get_namespace_name(get_func_namespace(func))));
	values[2] = DirectFunctionCall1(namein, CStringGetDatum(get_func_name(func)));
	CatalogExec("UPDATE " MN_CATALOG_SCHEMA ".dimension SET integer_now_func_schema = $2, "
				"integer_now_func = $3 WHERE id OPERATOR(pg_catalog.=) $1", 3, types, values, NULL, false);
	if (HypertableIsDistributed(ht))
	{
		const char *params[2];

		params[0] = quote_qualified_identifier(ht->schema_name, ht->table_name);
		params[1] = quote_qualified_identifier(NameStr(*DatumGetName(values[1])),
											   NameStr(*DatumGetName(values[2])));
		HypertableExecOnDataNodes(ht, "SELECT " MN_FUNCTIONS_SCHEMA
								  ".set_member_integer_now_func($1::regclass, $2::regproc, true)",
								  2, params);
	}
	CatalogInvalidateHypertable(ht->relid);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(multinode_internal_to_timestamp);

/* _timescaledb_functions.to_timestamp(bigint): internal time as timestamptz */
Datum
multinode_internal_to_timestamp(PG_FUNCTION_ARGS)
{
	int64		v = PG_GETARG_INT64(0);

	if (v == MN_TIME_MIN)
		PG_RETURN_TIMESTAMPTZ(DT_NOBEGIN);
	if (v == MN_TIME_MAX)
		PG_RETURN_TIMESTAMPTZ(DT_NOEND);
	return InternalTimeToDatum(v, TIMESTAMPTZOID);
}
