/*-------------------------------------------------------------------------
 *
 * chunk_api.c
 *	  freeze_chunk, unfreeze_chunk and drop_stale_chunks (TimescaleDB 2.13's
 *	  _timescaledb_functions).
 *
 * A frozen chunk is read-only: its catalog status has 2.13's FROZEN bit
 * (4) and the chunk table carries a trigger that refuses INSERT, UPDATE,
 * DELETE and TRUNCATE.  Rows reach a chunk through the executor, which
 * fires the chunk's row triggers (src/planner/chunk_dispatch.c), so the
 * trigger holds on every write path.  As in 2.13, the foreign chunks of a
 * distributed hypertable cannot be frozen.
 *
 * drop_stale_chunks cleans a data node of chunks its access node no longer
 * knows, left behind when the node was unreachable while its chunks were
 * dropped, or by a move that did not finish.  On the access node it sends
 * the node the ids (node_chunk_id) of every chunk the catalog places there;
 * on the data node it drops each chunk of a member hypertable whose id is
 * not in that list.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "catalog/catalog.h"
#include "dist/dist.h"
#include "hypertable/hypertable.h"
#include "multinode.h"
#include "remote/remote.h"

#define CHUNK_STATUS_FROZEN 4
#define FROZEN_TRIGGER "_timescaledb_frozen_chunk"

/* The chunk whose table is relid, owned by the caller, or an error. */
static Chunk *
chunk_to_change(FunctionCallInfo fcinfo)
{
	Oid			relid;
	Chunk	   *chunk;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("chunk cannot be NULL")));
	relid = PG_GETARG_OID(0);
	chunk = ChunkGetByRelid(relid);
	if (chunk == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not a chunk", get_rel_name(relid))));
	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(relid));
	if (get_rel_relkind(relid) == RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("operation not supported on distributed chunk or foreign table \"%s\"",
						get_rel_name(relid))));
	return chunk;
}

static int32
chunk_status(const Chunk *chunk)
{
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(chunk->id)};

	return CatalogExecInt("SELECT status FROM " MN_CATALOG_SCHEMA ".chunk WHERE id OPERATOR(pg_catalog.=) $1",
						  1, types, values, NULL);
}

/* Set or clear the FROZEN bit, add or drop the trigger. */
static void
set_frozen(const Chunk *chunk, bool frozen)
{
	Oid			types[2] = {INT4OID, BOOLOID};
	Datum		values[2] = {Int32GetDatum(chunk->id), BoolGetDatum(frozen)};
	const char *table = quote_qualified_identifier(chunk->schema_name, chunk->table_name);

	CatalogExec("UPDATE " MN_CATALOG_SCHEMA ".chunk SET status = CASE WHEN $2 "
				" THEN status OPERATOR(pg_catalog.|) 4 ELSE status OPERATOR(pg_catalog.&) ~4 END "
				"WHERE id OPERATOR(pg_catalog.=) $1", 2, types, values, NULL, false);
	if (frozen)
	{
		ChunkRunAsOwner(chunk->relid,
						psprintf("CREATE TRIGGER " FROZEN_TRIGGER " BEFORE INSERT OR UPDATE OR DELETE "
								 "ON %s FOR EACH ROW EXECUTE FUNCTION " MN_FUNCTIONS_SCHEMA
								 ".frozen_chunk_refuse()", table));
		ChunkRunAsOwner(chunk->relid,
						psprintf("CREATE TRIGGER " FROZEN_TRIGGER "_truncate BEFORE TRUNCATE "
								 "ON %s FOR EACH STATEMENT EXECUTE FUNCTION " MN_FUNCTIONS_SCHEMA
								 ".frozen_chunk_refuse()", table));
	}
	else
	{
		ChunkRunAsOwner(chunk->relid, psprintf("DROP TRIGGER IF EXISTS " FROZEN_TRIGGER " ON %s", table));
		ChunkRunAsOwner(chunk->relid,
						psprintf("DROP TRIGGER IF EXISTS " FROZEN_TRIGGER "_truncate ON %s", table));
	}
}

PG_FUNCTION_INFO_V1(multinode_freeze_chunk);

/* _timescaledb_functions.freeze_chunk(chunk regclass) RETURNS boolean */
Datum
multinode_freeze_chunk(PG_FUNCTION_ARGS)
{
	Chunk	   *chunk = chunk_to_change(fcinfo);

	PreventCommandIfReadOnly("freeze_chunk()");
	if (chunk_status(chunk) & CHUNK_STATUS_FROZEN)
	{
		ereport(NOTICE,
				(errmsg("chunk \"%s\" is already frozen", chunk->table_name)));
		PG_RETURN_BOOL(true);
	}
	set_frozen(chunk, true);
	PG_RETURN_BOOL(true);
}

PG_FUNCTION_INFO_V1(multinode_unfreeze_chunk);

/* _timescaledb_functions.unfreeze_chunk(chunk regclass) RETURNS boolean */
Datum
multinode_unfreeze_chunk(PG_FUNCTION_ARGS)
{
	Chunk	   *chunk = chunk_to_change(fcinfo);

	PreventCommandIfReadOnly("unfreeze_chunk()");
	if (!(chunk_status(chunk) & CHUNK_STATUS_FROZEN))
	{
		ereport(NOTICE,
				(errmsg("chunk \"%s\" is already unfrozen", chunk->table_name)));
		PG_RETURN_BOOL(true);
	}
	set_frozen(chunk, false);
	PG_RETURN_BOOL(true);
}

PG_FUNCTION_INFO_V1(multinode_frozen_chunk_refuse);

/* The trigger on a frozen chunk: every write is refused. */
Datum
multinode_frozen_chunk_refuse(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	const char *op;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "frozen_chunk_refuse() called outside a trigger");
	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		op = "Insert";
	else if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		op = "Update";
	else if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		op = "Delete";
	else
		op = "Truncate";
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s not permitted on frozen chunk \"%s\"", op,
					RelationGetRelationName(trigdata->tg_relation)),
			 errhint("Unfreeze it with _timescaledb_functions.unfreeze_chunk() first.")));
	PG_RETURN_NULL();
}

/* The node_chunk_ids the catalog places on node_name, as an array literal. */
static char *
node_chunk_ids(const char *node_name)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(node_name)};
	char	   *result;
	MemoryContext caller = CurrentMemoryContext;

	SPI_connect();
	if (SPI_execute_with_args("SELECT COALESCE(pg_catalog.array_agg(node_chunk_id ORDER BY node_chunk_id), "
							  "'{}')::text FROM " MN_CATALOG_SCHEMA ".chunk_data_node "
							  "WHERE node_name OPERATOR(pg_catalog.=) $1::name",
							  1, types, values, NULL, true, 0) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the chunks of data node \"%s\"", node_name);
	result = MemoryContextStrdup(caller, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
	SPI_finish();
	return result;
}

/* Drop the chunks of member hypertables here whose ids are not in keep. */
static void
drop_unknown_member_chunks(ArrayType *keep)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	List	   *keep_ids = NIL;
	List	   *relids = NIL;
	ListCell   *lc;
	int			i;
	MemoryContext caller = CurrentMemoryContext;

	deconstruct_array(keep, INT4OID, sizeof(int32), true, TYPALIGN_INT, &elems, &nulls, &n);
	for (i = 0; i < n; i++)
		if (!nulls[i])
			keep_ids = lappend_int(keep_ids, DatumGetInt32(elems[i]));

	SPI_connect();
	if (SPI_execute("SELECT pg_catalog.format('%I.%I', schema_name, table_name)::regclass::oid "
					"  FROM " MN_CATALOG_SCHEMA ".hypertable WHERE replication_factor OPERATOR(pg_catalog.=) -1 "
					" ORDER BY id", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the member hypertables");
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
		{
			/* SPI_finish frees what is allocated in its context */
			MemoryContext spi = MemoryContextSwitchTo(caller);

			relids = lappend_oid(relids, DatumGetObjectId(d));
			MemoryContextSwitchTo(spi);
		}
	}
	SPI_finish();

	foreach(lc, relids)
	{
		Hypertable *ht = HypertableRequire(lfirst_oid(lc));
		List	   *stale = NIL;
		ListCell   *clc;

		CHECK_FOR_INTERRUPTS();
		foreach(clc, HypertableGetChunks(ht))
		{
			Chunk	   *chunk = lfirst(clc);

			if (!list_member_int(keep_ids, chunk->id))
				stale = lappend(stale, chunk);
		}
		if (stale == NIL)
			continue;
		if (!pg_class_ownercheck(ht->relid, GetUserId()))
			aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, ht->table_name);
		foreach(clc, HypertableDropChunks(ht, stale, NULL))
			ereport(DEBUG1, (errmsg("dropped stale chunk %s", (char *) lfirst(clc))));
	}
}

PG_FUNCTION_INFO_V1(multinode_drop_stale_chunks);

/*
 * _timescaledb_functions.drop_stale_chunks(node_name name, chunks integer[] = NULL)
 *
 * On the access node: node_name is required and chunks must be NULL; the
 * node is told which chunks to keep, inside the distributed transaction.
 * On a data node: chunks is required (node_name is ignored).
 */
Datum
multinode_drop_stale_chunks(PG_FUNCTION_ARGS)
{
	DistRole	role = GetDistRole();

	PreventCommandIfReadOnly("drop_stale_chunks()");
	if (role == DIST_ROLE_DATA_NODE)
	{
		if (PG_ARGISNULL(1))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("chunks argument cannot be NULL"),
					 errdetail("On a data node, chunks lists the ids of the chunks to keep.")));
		drop_unknown_member_chunks(PG_GETARG_ARRAYTYPE_P(1));
		PG_RETURN_VOID();
	}
	RequireAccessNode("drop_stale_chunks()");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("node_name argument cannot be NULL")));
	if (!PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("chunks argument cannot be used on the access node"),
				 errhint("The access node sends the data node the chunks it knows.")));
	{
		const char *node_name = NameStr(*PG_GETARG_NAME(0));
		Oid			server_id = GetDataNodeServerId(node_name, false);
		const char *params[1];
		DataNodeConn *conn = GetDataNodeConnection(server_id, REMOTE_TXN_WRITE);

		params[0] = node_chunk_ids(node_name);
		PQclear(RemoteExecParams(conn, "SELECT " MN_FUNCTIONS_SCHEMA
								 ".drop_stale_chunks(NULL, $1::integer[])", 1, params));
	}
	PG_RETURN_VOID();
}
