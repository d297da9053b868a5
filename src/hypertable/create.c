/*-------------------------------------------------------------------------
 *
 * create.c
 *	  create_hypertable, create_distributed_hypertable and, on data nodes,
 *	  _timescaledb_functions.create_member_hypertable.
 *
 * A hypertable is its root table plus catalog rows: one hypertable row and
 * one dimension row per partitioning column (time first).  A distributed
 * hypertable is created on the access node and, inside the same distributed
 * transaction, on every chosen data node: the table is deparsed and
 * recreated there, then turned into a member hypertable (replication_factor
 * -1) by create_member_hypertable with the access node's dimensions.  An
 * error anywhere aborts the local transaction and with it every remote one,
 * so a failure on one node leaves no hypertable anywhere.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "catalog/catalog.h"
#include "dist/dist.h"
#include "fdw/fdw.h"
#include "hypertable/hypertable.h"
#include "multinode.h"
#include "remote/remote.h"

typedef struct CreateArgs
{
	Oid			relid;
	const char *time_column;
	const char *space_column;	/* NULL: no space dimension */
	int			num_partitions; /* 0: not given */
	const char *assoc_schema;	/* NULL: default */
	const char *assoc_prefix;	/* NULL: default */
	Datum		interval;
	Oid			interval_type;	/* InvalidOid: not given */
	int64		interval_internal;	/* members: already converted */
	bool		create_default_indexes;
	bool		if_not_exists;
	Oid			partitioning_func;
	bool		migrate_data;
	const char *chunk_target_size;
	Oid			chunk_sizing_func;
	Oid			time_partitioning_func;
	int			replication_factor; /* 0 local, -1 member, >= 1 distributed */
	List	   *data_nodes;		/* server OIDs, distributed only */
} CreateArgs;

static const char *
relname_of(Oid relid)
{
	return get_rel_name(relid);
}

static AttrNumber
require_column(Oid relid, const char *column)
{
	AttrNumber	attno = get_attnum(relid, column);

	if (attno == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" does not exist", column),
				 errdetail("Table \"%s\" has no column \"%s\".", relname_of(relid), column)));
	return attno;
}

static void
check_relation(Oid relid)
{
	char		relkind = get_rel_relkind(relid);

	if (relkind == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, relname_of(relid));
	if (relkind != RELKIND_RELATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("table \"%s\" cannot be made a hypertable", relname_of(relid)),
				 errdetail("Only plain tables can be hypertables; this is %s.",
						   relkind == RELKIND_PARTITIONED_TABLE ? "a partitioned table" :
						   relkind == RELKIND_FOREIGN_TABLE ? "a foreign table" :
						   relkind == RELKIND_VIEW ? "a view" : "not a plain table")));
	if (has_subclass(relid) || has_superclass(relid))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("table \"%s\" cannot be made a hypertable", relname_of(relid)),
				 errdetail("The table takes part in inheritance.")));
}

static bool
column_is_not_null(Oid relid, AttrNumber attno)
{
	HeapTuple	tup = SearchSysCacheAttNum(relid, attno);
	bool		result;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for attribute %d of relation %u", attno, relid);
	result = ((Form_pg_attribute) GETSTRUCT(tup))->attnotnull;
	ReleaseSysCache(tup);
	return result;
}

/*
 * A time dimension's column may not be NULL: every row needs a slice.  The
 * first time dimension says so with TimescaleDB's NOTICE.
 */
static void
make_column_not_null(Oid relid, AttrNumber attno, const char *column, bool notice)
{
	if (column_is_not_null(relid, attno))
		return;
	if (notice)
		ereport(NOTICE,
				(errmsg("adding not-null constraint to column \"%s\"", column),
				 errdetail("Time dimensions cannot have NULL values.")));
	SPI_connect();
	if (SPI_execute(psprintf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL",
							 QualifiedRelationName(relid), quote_identifier(column)),
					false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not make column \"%s\" not null", column);
	SPI_finish();
}

static bool
table_is_empty(Oid relid)
{
	bool		empty;

	SPI_connect();
	if (SPI_execute(psprintf("SELECT 1 FROM ONLY %s LIMIT 1", QualifiedRelationName(relid)),
					true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not check whether the table is empty");
	empty = SPI_processed == 0;
	SPI_finish();
	return empty;
}

/*
 * A chunk_time_interval argument in internal units for a time dimension
 * whose values are of value_type: an interval for time types, an integer
 * (microseconds for time types, the column's units for integer types).
 * interval_type InvalidOid: not given, the default.
 */
int64
DimensionIntervalFromArg(Datum interval, Oid interval_type, Oid value_type, const char *column)
{
	int64		result;

	if (!OidIsValid(interval_type))
	{
		if (TimeTypeIsInteger(value_type))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("integer time column \"%s\" needs an explicit chunk_time_interval",
							column),
					 errhint("Pass chunk_time_interval as an integer in the column's units.")));
		return MN_DEFAULT_CHUNK_TIME_INTERVAL;
	}
	switch (interval_type)
	{
		case INT2OID:
			result = DatumGetInt16(interval);
			break;
		case INT4OID:
			result = DatumGetInt32(interval);
			break;
		case INT8OID:
			result = DatumGetInt64(interval);
			break;
		case INTERVALOID:
			{
				Interval   *iv = DatumGetIntervalP(interval);

				if (TimeTypeIsInteger(value_type))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("invalid interval type for %s dimension \"%s\"",
									format_type_be(value_type), column),
							 errdetail("An integer time column takes an integer chunk_time_interval, not an interval."),
							 errhint("Pass chunk_time_interval as an integer in the column's units.")));
				result = iv->time + ((int64) iv->month * DAYS_PER_MONTH + iv->day) * USECS_PER_DAY;
				break;
			}
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid interval type for %s dimension \"%s\"",
							format_type_be(value_type), column),
					 errdetail("chunk_time_interval is of type %s.", format_type_be(interval_type)),
					 errhint("Use an interval for time columns and an integer for integer columns.")));
			return 0;
	}
	if (result <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid chunk_time_interval for dimension \"%s\"", column),
				 errdetail("The interval must be greater than zero.")));
	return result;
}

static void
check_partitioning_func(Oid func, bool is_time, const char *column)
{
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(func));
	Form_pg_proc proc;
	bool		ok;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for function %u", func);
	proc = (Form_pg_proc) GETSTRUCT(tup);
	ok = proc->pronargs == 1 && proc->provolatile == PROVOLATILE_IMMUTABLE &&
		(is_time ? TimeTypeIsSupported(proc->prorettype) : proc->prorettype == INT4OID);
	ReleaseSysCache(tup);
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid partitioning function for column \"%s\"", column),
				 errdetail(is_time ?
						   "A time partitioning function must be IMMUTABLE, take one argument and return a timestamp, date or integer type." :
						   "A partitioning function must be IMMUTABLE, take one argument and return integer.")));
}

static char *
func_schema(Oid func)
{
	return get_namespace_name(get_func_namespace(func));
}

/* chunk_target_size: NULL, 'off', 'disable' or 'estimate' mean 0 */
static int64
target_size_bytes(const char *text)
{
	if (text == NULL || pg_strcasecmp(text, "off") == 0 || pg_strcasecmp(text, "disable") == 0 ||
		pg_strcasecmp(text, "estimate") == 0)
		return 0;
	return DatumGetInt64(DirectFunctionCall1(pg_size_bytes, CStringGetTextDatum(text)));
}

/* Does relid have an index whose leading key columns are exactly attnos? */
static bool
has_index_leading(Relation rel, AttrNumber a1, AttrNumber a2)
{
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;

	foreach(lc, indexes)
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_index idx;
		bool		match;

		if (!HeapTupleIsValid(tup))
			continue;
		idx = (Form_pg_index) GETSTRUCT(tup);
		match = idx->indnkeyatts >= 1 && idx->indkey.values[0] == a1 &&
			(a2 == InvalidAttrNumber || (idx->indnkeyatts >= 2 && idx->indkey.values[1] == a2));
		ReleaseSysCache(tup);
		if (match)
			return true;
	}
	return false;
}

/* (time DESC) and (space, time DESC) on the root, unless similar ones exist */
static void
create_default_indexes(const CreateArgs *args)
{
	Relation	rel = table_open(args->relid, AccessShareLock);
	AttrNumber	tattno = get_attnum(args->relid, args->time_column);
	AttrNumber	sattno = args->space_column ? get_attnum(args->relid, args->space_column) : 0;
	bool		need_time = !has_index_leading(rel, tattno, InvalidAttrNumber);
	bool		need_space = args->space_column && !has_index_leading(rel, sattno, tattno);
	char	   *qrel = QualifiedRelationName(args->relid);

	table_close(rel, AccessShareLock);
	SPI_connect();
	if (need_time)
		SPI_execute(psprintf("CREATE INDEX ON %s (%s DESC)", qrel,
							 quote_identifier(args->time_column)), false, 0);
	if (need_space)
		SPI_execute(psprintf("CREATE INDEX ON %s (%s, %s DESC)", qrel,
							 quote_identifier(args->space_column),
							 quote_identifier(args->time_column)), false, 0);
	SPI_finish();
}

static void
ensure_local_schema(const char *schema)
{
	if (!OidIsValid(get_namespace_oid(schema, true)))
		CatalogExec(psprintf("CREATE SCHEMA %s", quote_identifier(schema)), 0, NULL, NULL, NULL,
					false);
}

/*
 * Unique indexes must contain every partitioning column, or uniqueness
 * could not be enforced chunk by chunk.
 */
static void
check_unique_indexes(Oid relid, List *columns)
{
	Relation	rel = table_open(relid, AccessShareLock);
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;

	foreach(lc, indexes)
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_index idx;
		ListCell   *lc2;

		if (!HeapTupleIsValid(tup))
			continue;
		idx = (Form_pg_index) GETSTRUCT(tup);
		if (idx->indisunique)
		{
			foreach(lc2, columns)
			{
				AttrNumber	attno = get_attnum(relid, lfirst(lc2));
				bool		found = false;
				int			i;

				for (i = 0; i < idx->indnkeyatts; i++)
					if (idx->indkey.values[i] == attno)
						found = true;
				if (!found)
				{
					char	   *idxname = get_rel_name(idx->indexrelid);

					ReleaseSysCache(tup);
					table_close(rel, AccessShareLock);
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
							 errmsg("cannot create a unique index without the column \"%s\" (used in partitioning)",
									(char *) lfirst(lc2)),
							 errdetail("Index \"%s\" is unique but does not contain the column.", idxname),
							 errhint("Add the partitioning columns to the unique index or constraint.")));
				}
			}
		}
		ReleaseSysCache(tup);
	}
	table_close(rel, AccessShareLock);
}

/*
 * Row-level security is not enforced on distributed hypertables yet
 * (ALTER TABLE ... ENABLE ROW LEVEL SECURITY is refused on them): a table
 * that has it cannot become one, rather than lose its policies silently.
 */
static void
refuse_row_security(Oid relid)
{
	Relation	rel = table_open(relid, AccessShareLock);
	bool		rls = rel->rd_rel->relrowsecurity || rel->rd_rel->relforcerowsecurity;

	table_close(rel, AccessShareLock);
	if (rls)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("row-level security is not supported on distributed hypertables"),
				 errdetail("Table \"%s\" has row-level security enabled.", get_rel_name(relid)),
				 errhint("Disable it with ALTER TABLE ... DISABLE ROW LEVEL SECURITY and NO FORCE ROW LEVEL SECURITY, or use create_hypertable().")));
}

/* Whether no data node of this database is available (privileges aside). */
static bool
no_available_data_node(void)
{
	ListCell   *lc;

	foreach(lc, GetDataNodeServerIds())
		if (DataNodeOptionAvailable(GetForeignServer(lfirst_oid(lc))->options))
			return false;
	return true;
}

/* The data nodes the caller may use, for data_nodes => NULL. */
static List *
usable_data_nodes(List *requested, bool explicit)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, requested)
	{
		Oid			server_id = lfirst_oid(lc);
		ForeignServer *server = GetForeignServer(server_id);
		bool		usable = pg_foreign_server_aclcheck(server_id, GetUserId(), ACL_USAGE) == ACLCHECK_OK;

		if (explicit && !usable)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied for data node \"%s\"", server->servername),
					 errhint("GRANT USAGE ON FOREIGN SERVER %s TO the user creating the hypertable.",
							 quote_identifier(server->servername))));
		if (explicit && !DataNodeOptionAvailable(server->options))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("data node \"%s\" is not available", server->servername),
					 errhint("Make it available with alter_data_node(available => true), or leave it out.")));
		if (usable && DataNodeOptionAvailable(server->options))
			result = lappend_oid(result, server_id);
	}
	return result;
}

/*
 * The part common to every kind: checks, catalog rows, default indexes.
 * Returns the new hypertable id, or the existing one with *created false.
 */
static int32
create_hypertable_catalog(CreateArgs *args, bool *created)
{
	Oid			relid = args->relid;
	char	   *schema = get_namespace_name(get_rel_namespace(relid));
	char	   *table = get_rel_name(relid);
	Hypertable *existing;
	AttrNumber	tattno;
	Oid			ttype;
	Oid			value_type;
	int64		interval;
	int32		id;
	char	   *prefix;
	Oid			sizing_func = args->chunk_sizing_func;
	List	   *part_columns = NIL;
	int			ndims = args->space_column ? 2 : 1;

	/* before check_relation: a hypertable has chunks, which it refuses */
	if (get_rel_relkind(relid) != '\0' && !pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, table);
	existing = HypertableGetByRelid(relid);
	if (existing != NULL)
	{
		if (args->if_not_exists)
		{
			ereport(NOTICE,
					(errcode(ERRCODE_MN_HYPERTABLE_EXISTS),
					 errmsg("table \"%s\" is already a hypertable, skipping", table)));
			*created = false;
			return existing->id;
		}
		ereport(ERROR,
				(errcode(ERRCODE_MN_HYPERTABLE_EXISTS),
				 errmsg("table \"%s\" is already a hypertable", table),
				 errhint("Use if_not_exists => true to skip tables that already are.")));
	}
	check_relation(relid);

	if (args->time_column == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("time_column_name cannot be NULL")));
	tattno = require_column(relid, args->time_column);
	ttype = get_atttype(relid, tattno);
	value_type = ttype;
	if (OidIsValid(args->time_partitioning_func))
	{
		check_partitioning_func(args->time_partitioning_func, true, args->time_column);
		value_type = get_func_rettype(args->time_partitioning_func);
	}
	if (!TimeTypeIsSupported(value_type))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type for dimension \"%s\"", args->time_column),
				 errdetail("Column \"%s\" is of type %s.", args->time_column, format_type_be(ttype)),
				 errhint("Use a column of type timestamptz, timestamp, date, smallint, integer or bigint, or give a time_partitioning_func.")));
	interval = args->replication_factor == -1 ? args->interval_internal :
		DimensionIntervalFromArg(args->interval, args->interval_type, value_type, args->time_column);
	part_columns = lappend(part_columns, (char *) args->time_column);

	if (args->space_column != NULL)
	{
		AttrNumber	sattno = require_column(relid, args->space_column);
		Oid			stype = get_atttype(relid, sattno);

		if (sattno == tattno)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot partition by column \"%s\" twice", args->space_column)));
		if (OidIsValid(args->partitioning_func))
			check_partitioning_func(args->partitioning_func, false, args->space_column);
		else if (!OidIsValid(lookup_type_cache(stype, TYPECACHE_HASH_PROC)->hash_proc))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid type for dimension \"%s\"", args->space_column),
					 errdetail("Type %s has no default hash operator class.", format_type_be(stype)),
					 errhint("Give a partitioning_func, or partition by a column of a hashable type.")));
		if (args->num_partitions == 0)
		{
			if (args->replication_factor > 0)
				args->num_partitions = list_length(args->data_nodes);
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid number of partitions for dimension \"%s\"", args->space_column),
						 errhint("Give number_partitions when a partitioning column is given.")));
		}
		if (args->num_partitions < 1 || args->num_partitions > PG_INT16_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid number of partitions for dimension \"%s\"", args->space_column),
					 errhint("A closed (space) dimension must specify between 1 and %d partitions.",
							 PG_INT16_MAX)));
		part_columns = lappend(part_columns, (char *) args->space_column);
	}
	else if (args->num_partitions != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number_partitions given without a partitioning column"),
				 errhint("Give partitioning_column too, or leave number_partitions out.")));

	check_unique_indexes(relid, part_columns);

	if (!table_is_empty(relid))
	{
		if (args->replication_factor > 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("table \"%s\" is not empty", table),
					 errdetail("A distributed hypertable can only be made from an empty table."),
					 errhint("Create the distributed hypertable first, then insert the data.")));
		if (!args->migrate_data)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("table \"%s\" is not empty", table),
					 errhint("Use migrate_data => true to move the existing rows into chunks.")));
	}

	/* the time column may not be NULL: every row needs a time slice */
	make_column_not_null(relid, tattno, args->time_column, true);
	if (args->create_default_indexes)
		create_default_indexes(args);

	id = CatalogExecInt("SELECT pg_catalog.nextval('" MN_CATALOG_SCHEMA ".hypertable_id_seq')::int",
						0, NULL, NULL, NULL);
	prefix = args->assoc_prefix ? pstrdup(args->assoc_prefix) :
		psprintf("%s_%d", args->replication_factor > 0 ? "_dist_hyper" : "_hyper", id);
	if (args->assoc_schema == NULL)
		args->assoc_schema = MN_INTERNAL_SCHEMA;
	ensure_local_schema(args->assoc_schema);
	if (!OidIsValid(sizing_func))
		sizing_func = InvalidOid;

	{
		Oid			types[10] = {INT4OID, NAMEOID, NAMEOID, NAMEOID, NAMEOID, INT2OID, NAMEOID,
		NAMEOID, INT8OID, INT2OID};
		Datum		values[10];
		char		nulls[10] = "          ";

		values[0] = Int32GetDatum(id);
		values[1] = DirectFunctionCall1(namein, CStringGetDatum(schema));
		values[2] = DirectFunctionCall1(namein, CStringGetDatum(table));
		values[3] = DirectFunctionCall1(namein, CStringGetDatum(args->assoc_schema));
		values[4] = DirectFunctionCall1(namein, CStringGetDatum(prefix));
		values[5] = Int16GetDatum(ndims);
		values[6] = DirectFunctionCall1(namein, CStringGetDatum(OidIsValid(sizing_func) ?
															  func_schema(sizing_func) : MN_INTERNAL_SCHEMA));
		values[7] = DirectFunctionCall1(namein, CStringGetDatum(OidIsValid(sizing_func) ?
															  get_func_name(sizing_func) : "calculate_chunk_interval"));
		values[8] = Int64GetDatum(target_size_bytes(args->chunk_target_size));
		values[9] = Int16GetDatum(args->replication_factor);
		if (args->replication_factor == 0)
			nulls[9] = 'n';
		CatalogExec("INSERT INTO " MN_CATALOG_SCHEMA ".hypertable (id, schema_name, table_name, "
					"associated_schema_name, associated_table_prefix, num_dimensions, "
					"chunk_sizing_func_schema, chunk_sizing_func_name, chunk_target_size, "
					"replication_factor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
					10, types, values, nulls, false);
	}
	{
		Oid			types[6] = {INT4OID, NAMEOID, OIDOID, NAMEOID, NAMEOID, INT8OID};
		Datum		values[6];
		char		nulls[7] = "      ";

		values[0] = Int32GetDatum(id);
		values[1] = DirectFunctionCall1(namein, CStringGetDatum(args->time_column));
		values[2] = ObjectIdGetDatum(ttype);
		if (OidIsValid(args->time_partitioning_func))
		{
			values[3] = DirectFunctionCall1(namein, CStringGetDatum(func_schema(args->time_partitioning_func)));
			values[4] = DirectFunctionCall1(namein, CStringGetDatum(get_func_name(args->time_partitioning_func)));
		}
		else
			nulls[3] = nulls[4] = 'n';
		values[5] = Int64GetDatum(interval);
		CatalogExec("INSERT INTO " MN_CATALOG_SCHEMA ".dimension (hypertable_id, column_name, "
					"column_type, aligned, partitioning_func_schema, partitioning_func, interval_length) "
					"VALUES ($1, $2, $3::regtype, true, $4, $5, $6)", 6, types, values, nulls, false);

		if (args->space_column)
		{
			Oid			stypes[6] = {INT4OID, NAMEOID, OIDOID, INT2OID, NAMEOID, NAMEOID};
			Oid			pfunc = args->partitioning_func;

			values[1] = DirectFunctionCall1(namein, CStringGetDatum(args->space_column));
			values[2] = ObjectIdGetDatum(get_atttype(relid, get_attnum(relid, args->space_column)));
			values[3] = Int16GetDatum(args->num_partitions);
			values[4] = DirectFunctionCall1(namein, CStringGetDatum(OidIsValid(pfunc) ? func_schema(pfunc) :
																  MN_FUNCTIONS_SCHEMA));
			values[5] = DirectFunctionCall1(namein, CStringGetDatum(OidIsValid(pfunc) ? get_func_name(pfunc) :
																  "get_partition_hash"));
			CatalogExec("INSERT INTO " MN_CATALOG_SCHEMA ".dimension (hypertable_id, column_name, "
						"column_type, aligned, num_slices, partitioning_func_schema, partitioning_func) "
						"VALUES ($1, $2, $3::regtype, false, $4, $5, $6)", 6, stypes, values, NULL, false);
		}
	}
	CatalogInvalidateHypertable(relid);
	CommandCounterIncrement();
	*created = true;
	return id;
}

/* The data node side of add_dimension (multinode_add_member_dimension). */
#define ADD_MEMBER_DIMENSION_SQL \
	"SELECT " MN_FUNCTIONS_SCHEMA ".add_member_dimension($1::regclass, $2, $3::int, $4::bigint, $5::regproc)"

static const char *
regproc_text(Oid func)
{
	if (!OidIsValid(func))
		return NULL;
	return quote_qualified_identifier(func_schema(func), get_func_name(func));
}

/*
 * The dimensions add_dimension gave ht beyond its first time and space
 * ones, added in ht's order to the member hypertables just made on conns,
 * so that every node's member has the access node's dimensions in the same
 * order (chunk ranges are sent in that order).
 */
static void
add_member_dimensions(const Hypertable *ht, List *conns, const Dimension *tdim,
					  const Dimension *sdim)
{
	int			i;

	for (i = 0; i < ht->num_dimensions; i++)
	{
		const Dimension *dim = &ht->dimensions[i];
		const char *params[5];
		ListCell   *lc;

		if (dim == tdim || dim == sdim)
			continue;
		params[0] = quote_qualified_identifier(ht->schema_name, ht->table_name);
		params[1] = dim->column_name;
		params[2] = dim->is_space ? psprintf("%d", dim->num_slices) : NULL;
		params[3] = dim->is_space ? NULL : psprintf(INT64_FORMAT, dim->interval_length);
		params[4] = regproc_text(dim->partitioning_func);
		foreach(lc, conns)
			PQclear(RemoteExecParams(lfirst(lc), ADD_MEMBER_DIMENSION_SQL, 5, params));
	}
}

/*
 * Recreate the root table on each of server_ids (table_cmds from
 * DeparseTableForDataNode) and make it a member hypertable there, with ht's
 * dimensions; record each node's hypertable id in hypertable_data_node.
 * Runs in the distributed transaction, nodes in parallel.
 */
void
HypertableAddDataNodes(Hypertable *ht, List *server_ids, List *table_cmds,
					   bool create_default_indexes)
{
	const Dimension *tdim = HypertableTimeDimension(ht);
	const Dimension *sdim = HypertableSpaceDimension(ht);
	List	   *conns = NIL;
	ListCell   *lc;
	const char *schema_param[1] = {ht->schema_name};
	const char *member_sql =
	"SELECT " MN_FUNCTIONS_SCHEMA ".create_member_hypertable($1::regclass, $2, $3, $4::int, $5, $6, "
	"$7::bigint, $8::bool, $9::regproc, $10::regproc)";
	const char *params[10];
	char		interval_buf[32];
	char		parts_buf[16];
	int32		id = ht->id;
	Oid			relid = ht->relid;

	foreach(lc, server_ids)
		conns = lappend(conns, GetDataNodeConnection(lfirst_oid(lc), REMOTE_TXN_WRITE));

	/* the schema, unless it is there: CREATE SCHEMA needs rights even with IF NOT EXISTS */
	foreach(lc, conns)
		RemoteSendParams(lfirst(lc), "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1",
						 1, schema_param);
	foreach(lc, conns)
	{
		DataNodeConn *conn = lfirst(lc);
		PGresult   *res = RemoteGetResult(conn, NULL);

		if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
			RemoteReportError(ERROR, conn, res, "SELECT 1 FROM pg_catalog.pg_namespace");
		if (PQntuples(res) == 0)
		{
			PQclear(res);
			RemoteExecCommand(conn, psprintf("CREATE SCHEMA %s", quote_identifier(ht->schema_name)));
		}
		else
			PQclear(res);
	}
	foreach(lc, table_cmds)
		RemoteExecOnAll(conns, lfirst(lc));

	snprintf(interval_buf, sizeof(interval_buf), INT64_FORMAT, tdim->interval_length);
	params[0] = quote_qualified_identifier(ht->schema_name, ht->table_name);
	params[1] = tdim->column_name;
	params[2] = sdim ? sdim->column_name : NULL;
	if (sdim)
		snprintf(parts_buf, sizeof(parts_buf), "%d", sdim->num_slices);
	params[3] = sdim ? parts_buf : NULL;
	params[4] = ht->associated_schema_name;
	params[5] = ht->associated_table_prefix;
	params[6] = interval_buf;
	params[7] = create_default_indexes ? "true" : "false";
	params[8] = sdim ? regproc_text(sdim->partitioning_func) : NULL;
	params[9] = regproc_text(tdim->partitioning_func);
	foreach(lc, conns)
		RemoteSendParams(lfirst(lc), member_sql, 10, params);
	foreach(lc, conns)
	{
		DataNodeConn *conn = lfirst(lc);
		PGresult   *res = RemoteGetResult(conn, member_sql);
		Oid			types[3] = {INT4OID, INT4OID, NAMEOID};
		Datum		values[3];

		if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		{
			/* collect the other results so no connection stays busy */
			ListCell   *lc2;

			for_each_cell(lc2, conns, lnext(conns, lc))
				PQclear(RemoteGetResult(lfirst(lc2), member_sql));
			RemoteReportError(ERROR, conn, res, member_sql);
		}
		values[0] = Int32GetDatum(id);
		values[1] = Int32GetDatum(atoi(PQgetvalue(res, 0, 0)));
		values[2] = DirectFunctionCall1(namein, CStringGetDatum(RemoteConnNodeName(conn)));
		PQclear(res);
		CatalogExec("INSERT INTO " MN_CATALOG_SCHEMA ".hypertable_data_node (hypertable_id, "
					"node_hypertable_id, node_name) VALUES ($1, $2, $3)", 3, types, values, NULL, false);
	}
	add_member_dimensions(ht, conns, tdim, sdim);
	CatalogInvalidateHypertable(relid);
	CommandCounterIncrement();
}

static Datum
create_result(FunctionCallInfo fcinfo, int32 id, Oid relid, bool created)
{
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = Int32GetDatum(id);
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(get_namespace_name(get_rel_namespace(relid))));
	values[2] = DirectFunctionCall1(namein, CStringGetDatum(get_rel_name(relid)));
	values[3] = BoolGetDatum(created);
	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls));
}

static const char *
name_arg(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? NULL : pstrdup(NameStr(*PG_GETARG_NAME(n)));
}

/* Arguments 0..13, shared by create_hypertable and create_distributed_hypertable. */
static void
common_args(FunctionCallInfo fcinfo, CreateArgs *args)
{
	memset(args, 0, sizeof(*args));
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("relation cannot be NULL")));
	args->relid = PG_GETARG_OID(0);
	args->time_column = name_arg(fcinfo, 1);
	args->space_column = name_arg(fcinfo, 2);
	args->num_partitions = PG_ARGISNULL(3) ? 0 : PG_GETARG_INT32(3);
	if (!PG_ARGISNULL(3) && args->num_partitions < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 args->space_column ?
				 errmsg("invalid number of partitions for dimension \"%s\"", args->space_column) :
				 errmsg("invalid number of partitions"),
				 errhint("A closed (space) dimension must specify between 1 and %d partitions.",
						 PG_INT16_MAX)));
	args->assoc_schema = name_arg(fcinfo, 4);
	args->assoc_prefix = name_arg(fcinfo, 5);
	if (!PG_ARGISNULL(6))
	{
		args->interval = PG_GETARG_DATUM(6);
		args->interval_type = get_fn_expr_argtype(fcinfo->flinfo, 6);
	}
	args->create_default_indexes = PG_ARGISNULL(7) ? true : PG_GETARG_BOOL(7);
	args->if_not_exists = PG_ARGISNULL(8) ? false : PG_GETARG_BOOL(8);
	args->partitioning_func = PG_ARGISNULL(9) ? InvalidOid : PG_GETARG_OID(9);
	args->migrate_data = PG_ARGISNULL(10) ? false : PG_GETARG_BOOL(10);
	args->chunk_target_size = PG_ARGISNULL(11) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(11));
	args->chunk_sizing_func = PG_ARGISNULL(12) ? InvalidOid : PG_GETARG_OID(12);
	args->time_partitioning_func = PG_ARGISNULL(13) ? InvalidOid : PG_GETARG_OID(13);
}

static Datum
create_distributed(FunctionCallInfo fcinfo, CreateArgs *args, int replication_factor,
				   ArrayType *data_nodes)
{
	int32		id;
	bool		created;
	List	   *table_cmds;

	RequireAccessNode("create_distributed_hypertable");
	if (args->migrate_data)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot migrate data into a distributed hypertable"),
				 errhint("Create the distributed hypertable from an empty table, then insert the data.")));
	if (replication_factor < 1 || replication_factor > PG_INT16_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid replication factor"),
				 errhint("A hypertable's replication factor must be between 1 and %d.", PG_INT16_MAX)));

	/* settle if_not_exists before touching any node */
	if (HypertableGetByRelid(args->relid) != NULL)
	{
		id = create_hypertable_catalog(args, &created);
		return create_result(fcinfo, id, args->relid, created);
	}

	refuse_row_security(args->relid);
	args->data_nodes = usable_data_nodes(DataNodeIdsFromArray(data_nodes, true), data_nodes != NULL);

	/*
	 * Nodes there are, but the caller may use none of them: a missing
	 * privilege, said as such (TimescaleDB's 42501), not a missing node.
	 */
	if (args->data_nodes == NIL && !no_available_data_node())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("no data nodes can be assigned to the hypertable"),
				 errdetail("The current user lacks USAGE on every available data node."),
				 errhint("GRANT USAGE ON FOREIGN SERVER to the user creating the hypertable.")));
	if (args->data_nodes == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no data nodes can be assigned to the hypertable"),
				 errdetail("No data node is both available and usable by the current user."),
				 errhint("Add data nodes with add_data_node(), or grant USAGE on them.")));
	if (replication_factor > list_length(args->data_nodes))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replication factor too large for hypertable \"%s\"", get_rel_name(args->relid)),
				 errdetail("The hypertable would have %d data nodes, while the replication factor is %d.",
						   list_length(args->data_nodes), replication_factor),
				 errhint("Decrease the replication factor or add more data nodes.")));
	args->replication_factor = replication_factor;

	/* deparse before the access node's default indexes exist: nodes make their own */
	check_relation(args->relid);
	table_cmds = DeparseTableForDataNode(args->relid);
	id = create_hypertable_catalog(args, &created);
	HypertableAddDataNodes(HypertableGetByRelid(args->relid), args->data_nodes, table_cmds,
						   args->create_default_indexes);
	HypertableCheckPartitioning(HypertableGetByRelid(args->relid));
	return create_result(fcinfo, id, args->relid, created);
}

/*
 * A distributed hypertable with fewer space partitions than data nodes
 * leaves some nodes without new chunks: TimescaleDB's warning.
 */
void
HypertableCheckPartitioning(const Hypertable *ht)
{
	const Dimension *space = HypertableSpaceDimension(ht);

	if (space != NULL && HypertableIsDistributed(ht) &&
		space->num_slices < list_length(ht->data_nodes))
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("insufficient number of partitions for dimension \"%s\"", space->column_name),
				 errdetail("There are not enough partitions to make use of all data nodes."),
				 errhint("Increase the number of partitions in dimension \"%s\" to match or exceed the number of attached data nodes.",
						 space->column_name)));
}

PG_FUNCTION_INFO_V1(multinode_create_hypertable);

/*
 * create_hypertable(relation, time_column_name, partitioning_column,
 *	 number_partitions, associated_schema_name, associated_table_prefix,
 *	 chunk_time_interval, create_default_indexes, if_not_exists,
 *	 partitioning_func, migrate_data, chunk_target_size, chunk_sizing_func,
 *	 time_partitioning_func, replication_factor, data_nodes, distributed)
 *
 * Distributed when distributed => true or a replication_factor is given,
 * as in TimescaleDB 2.x.
 */
Datum
multinode_create_hypertable(PG_FUNCTION_ARGS)
{
	CreateArgs	args;
	int32		id;
	bool		created;
	bool		distributed;

	common_args(fcinfo, &args);
	distributed = (!PG_ARGISNULL(16) && PG_GETARG_BOOL(16)) ||
		(PG_ARGISNULL(16) && !PG_ARGISNULL(14));
	if (distributed)
		return create_distributed(fcinfo, &args, PG_ARGISNULL(14) ? 1 : PG_GETARG_INT32(14),
								  PG_ARGISNULL(15) ? NULL : PG_GETARG_ARRAYTYPE_P(15));
	if (!PG_ARGISNULL(15))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("data_nodes given for a local hypertable"),
				 errhint("Use create_distributed_hypertable() to place a hypertable on data nodes.")));
	id = create_hypertable_catalog(&args, &created);
	if (created && args.migrate_data)
	{
		/* rows move through the insert path, which routes them into chunks */
		char	   *qrel = QualifiedRelationName(args.relid);

		SPI_connect();
		SPI_execute(psprintf("WITH moved AS (DELETE FROM ONLY %s RETURNING *) "
							 "INSERT INTO %s SELECT * FROM moved", qrel, qrel), false, 0);
		SPI_finish();
	}
	return create_result(fcinfo, id, args.relid, created);
}

PG_FUNCTION_INFO_V1(multinode_create_distributed_hypertable);

Datum
multinode_create_distributed_hypertable(PG_FUNCTION_ARGS)
{
	CreateArgs	args;

	common_args(fcinfo, &args);
	return create_distributed(fcinfo, &args, PG_ARGISNULL(14) ? 1 : PG_GETARG_INT32(14),
							  PG_ARGISNULL(15) ? NULL : PG_GETARG_ARRAYTYPE_P(15));
}

PG_FUNCTION_INFO_V1(multinode_create_member_hypertable);

/*
 * _timescaledb_functions.create_member_hypertable(relation, time_column_name,
 *	 partitioning_column, number_partitions, associated_schema_name,
 *	 associated_table_prefix, chunk_time_interval bigint (internal units),
 *	 create_default_indexes, partitioning_func, time_partitioning_func)
 *
 * Run by the access node on a data node: makes the table just recreated
 * there a member of a distributed hypertable.  Returns the node's id for it.
 */
Datum
multinode_create_member_hypertable(PG_FUNCTION_ARGS)
{
	CreateArgs	args;
	bool		created;

	if (GetDistRole() != DIST_ROLE_DATA_NODE)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("create_member_hypertable can only run on a data node")));
	memset(&args, 0, sizeof(args));
	args.relid = PG_GETARG_OID(0);
	args.time_column = name_arg(fcinfo, 1);
	args.space_column = name_arg(fcinfo, 2);
	args.num_partitions = PG_ARGISNULL(3) ? 0 : PG_GETARG_INT32(3);
	args.assoc_schema = name_arg(fcinfo, 4);
	args.assoc_prefix = name_arg(fcinfo, 5);
	args.interval_internal = PG_GETARG_INT64(6);
	args.create_default_indexes = PG_ARGISNULL(7) ? true : PG_GETARG_BOOL(7);
	args.partitioning_func = PG_ARGISNULL(8) ? InvalidOid : PG_GETARG_OID(8);
	args.time_partitioning_func = PG_ARGISNULL(9) ? InvalidOid : PG_GETARG_OID(9);
	args.replication_factor = -1;
	PG_RETURN_INT32(create_hypertable_catalog(&args, &created));
}

/* Server OIDs of the hypertable's data nodes that still exist. */
List *
HypertableDataNodeServerIds(const Hypertable *ht)
{
	List	   *ids = NIL;
	ListCell   *lc;

	foreach(lc, ht->data_nodes)
	{
		HypertableDataNode *hdn = lfirst(lc);

		if (OidIsValid(hdn->server_id))
			ids = lappend_oid(ids, hdn->server_id);
	}
	return ids;
}

/* ----------------------------------------------------------------------------
 * add_dimension
 * ----------------------------------------------------------------------------
 */

/* The dimension of ht on column, or NULL. */
static const Dimension *
dimension_on_column(const Hypertable *ht, const char *column)
{
	int			i;

	for (i = 0; i < ht->num_dimensions; i++)
		if (strcmp(ht->dimensions[i].column_name, column) == 0)
			return &ht->dimensions[i];
	return NULL;
}

/*
 * Add a dimension on column to ht, here and, for a distributed hypertable,
 * on its data nodes: a space dimension when num_partitions > 0, else a time
 * dimension of interval (internal units).  Refused once ht has chunks: the
 * existing ones would have no slice in the new dimension.  Returns the new
 * dimension's id.
 */
static int32
add_dimension(Hypertable *ht, const char *column, int num_partitions, int64 interval,
			  Oid pfunc)
{
	Oid			relid = ht->relid;
	AttrNumber	attno = require_column(relid, column);
	Oid			ctype = get_atttype(relid, attno);
	bool		space = num_partitions > 0;
	Oid			types[8] = {INT4OID, NAMEOID, OIDOID, BOOLOID, INT2OID, NAMEOID, NAMEOID, INT8OID};
	Datum		values[8];
	char		nulls[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	int32		id;

	LockRelationOid(relid, ShareUpdateExclusiveLock);
	if (HypertableGetChunks(ht) != NIL || !table_is_empty(relid))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("hypertable \"%s\" has tuples or empty chunks", ht->table_name),
				 errdetail("It is not possible to add dimensions to a hypertable that has chunks."),
				 errhint("Truncate the hypertable or drop its chunks first.")));
	if (space)
	{
		if (OidIsValid(pfunc))
			check_partitioning_func(pfunc, false, column);
		else if (!OidIsValid(lookup_type_cache(ctype, TYPECACHE_HASH_PROC)->hash_proc))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid type for dimension \"%s\"", column),
					 errdetail("Type %s has no default hash operator class.", format_type_be(ctype)),
					 errhint("Give a partitioning_func, or partition by a column of a hashable type.")));
	}
	else
	{
		Oid			value_type = ctype;

		if (OidIsValid(pfunc))
		{
			check_partitioning_func(pfunc, true, column);
			value_type = get_func_rettype(pfunc);
		}
		if (!TimeTypeIsSupported(value_type))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid type for dimension \"%s\"", column),
					 errdetail("Column \"%s\" is of type %s.", column, format_type_be(ctype)),
					 errhint("Use a column of type timestamptz, timestamp, date, smallint, integer or bigint, or give a partitioning_func.")));
		/* as for the first time dimension: every row needs a slice */
		make_column_not_null(relid, attno, column, false);
	}
	check_unique_indexes(relid, list_make1((char *) column));

	/* hypertable_id, column_name, column_type, aligned, num_slices, func schema, func, interval */
	values[0] = Int32GetDatum(ht->id);
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(column));
	values[2] = ObjectIdGetDatum(ctype);
	values[3] = BoolGetDatum(!space);
	values[4] = Int16GetDatum(num_partitions);
	values[7] = Int64GetDatum(interval);
	if (space)
	{
		values[5] = DirectFunctionCall1(namein, CStringGetDatum(OidIsValid(pfunc) ? func_schema(pfunc) :
															  MN_FUNCTIONS_SCHEMA));
		values[6] = DirectFunctionCall1(namein, CStringGetDatum(OidIsValid(pfunc) ? get_func_name(pfunc) :
															  "get_partition_hash"));
		nulls[7] = 'n';
	}
	else
	{
		nulls[4] = 'n';
		if (OidIsValid(pfunc))
		{
			values[5] = DirectFunctionCall1(namein, CStringGetDatum(func_schema(pfunc)));
			values[6] = DirectFunctionCall1(namein, CStringGetDatum(get_func_name(pfunc)));
		}
		else
			nulls[5] = nulls[6] = 'n';
	}
	id = CatalogExecInt("INSERT INTO " MN_CATALOG_SCHEMA ".dimension (hypertable_id, column_name, "
						"column_type, aligned, num_slices, partitioning_func_schema, partitioning_func, "
						"interval_length) VALUES ($1, $2, $3::regtype, $4, $5, $6, $7, $8) RETURNING id",
						8, types, values, nulls);
	CatalogExec("UPDATE " MN_CATALOG_SCHEMA ".hypertable SET num_dimensions = num_dimensions OPERATOR(pg_catalog.+) 1 "
				"WHERE id OPERATOR(pg_catalog.=) $1", 1, types, values, NULL, false);

	if (HypertableIsDistributed(ht))
	{
		const char *params[5];

		params[0] = quote_qualified_identifier(ht->schema_name, ht->table_name);
		params[1] = column;
		params[2] = space ? psprintf("%d", num_partitions) : NULL;
		params[3] = space ? NULL : psprintf(INT64_FORMAT, interval);
		params[4] = regproc_text(pfunc);
		HypertableExecOnDataNodes(ht, ADD_MEMBER_DIMENSION_SQL, 5, params);
	}
	CatalogInvalidateHypertable(relid);
	CommandCounterIncrement();
	return id;
}

static Datum
add_dimension_result(FunctionCallInfo fcinfo, int32 id, const Hypertable *ht, const char *column,
					 bool created)
{
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = Int32GetDatum(id);
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(ht->schema_name));
	values[2] = DirectFunctionCall1(namein, CStringGetDatum(ht->table_name));
	values[3] = DirectFunctionCall1(namein, CStringGetDatum(column));
	values[4] = BoolGetDatum(created);
	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls));
}

PG_FUNCTION_INFO_V1(multinode_add_dimension);

/*
 * add_dimension(hypertable regclass, column_name name, number_partitions int = NULL,
 *				 chunk_time_interval anyelement = NULL, partitioning_func regproc = NULL,
 *				 if_not_exists boolean = false)
 */
Datum
multinode_add_dimension(PG_FUNCTION_ARGS)
{
	Hypertable *ht;
	const char *column;
	const Dimension *existing;
	int			num_partitions = 0;
	int64		interval = 0;
	Oid			pfunc = PG_ARGISNULL(4) ? InvalidOid : PG_GETARG_OID(4);
	bool		if_not_exists = !PG_ARGISNULL(5) && PG_GETARG_BOOL(5);

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("hypertable cannot be NULL")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("column_name cannot be NULL")));
	ht = HypertableRequire(PG_GETARG_OID(0));
	if (!pg_class_ownercheck(ht->relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, ht->table_name);
	if (HypertableIsDistMember(ht))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot add a dimension to a member of a distributed hypertable on a data node"),
				 errhint("Run add_dimension on the access node.")));
	column = pstrdup(NameStr(*PG_GETARG_NAME(1)));
	existing = dimension_on_column(ht, column);
	if (existing != NULL)
	{
		if (!if_not_exists)
			ereport(ERROR,
					(errcode(ERRCODE_MN_DIMENSION_EXISTS),
					 errmsg("column \"%s\" is already a dimension", column)));
		ereport(NOTICE,
				(errmsg("column \"%s\" is already a dimension, skipping", column)));
		return add_dimension_result(fcinfo, existing->id, ht, column, false);
	}
	if (PG_ARGISNULL(2) && PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot omit both the number of partitions and the interval")));
	if (!PG_ARGISNULL(2) && !PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot specify both the number of partitions and an interval")));
	if (!PG_ARGISNULL(2))
	{
		num_partitions = PG_GETARG_INT32(2);
		if (num_partitions < 1 || num_partitions > PG_INT16_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid number of partitions for dimension \"%s\"", column),
					 errhint("A closed (space) dimension must specify between 1 and %d partitions.",
							 PG_INT16_MAX)));
	}
	else
	{
		Oid			ctype = get_atttype(ht->relid, require_column(ht->relid, column));

		interval = DimensionIntervalFromArg(PG_GETARG_DATUM(3), get_fn_expr_argtype(fcinfo->flinfo, 3),
											OidIsValid(pfunc) ? get_func_rettype(pfunc) : ctype, column);
	}
	return add_dimension_result(fcinfo, add_dimension(ht, column, num_partitions, interval, pfunc),
								ht, column, true);
}

PG_FUNCTION_INFO_V1(multinode_add_member_dimension);

/*
 * _timescaledb_functions.add_member_dimension(hypertable regclass, column_name name,
 *	 num_slices int, interval_length bigint, partitioning_func regproc):
 * the data node side of add_dimension, with the interval in internal units.
 */
Datum
multinode_add_member_dimension(PG_FUNCTION_ARGS)
{
	Hypertable *ht = HypertableRequire(PG_GETARG_OID(0));

	if (!pg_class_ownercheck(ht->relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, ht->table_name);
	PG_RETURN_INT32(add_dimension(ht, NameStr(*PG_GETARG_NAME(1)),
								  PG_ARGISNULL(2) ? 0 : PG_GETARG_INT32(2),
								  PG_ARGISNULL(3) ? 0 : PG_GETARG_INT64(3),
								  PG_ARGISNULL(4) ? InvalidOid : PG_GETARG_OID(4)));
}
