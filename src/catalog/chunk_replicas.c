/*-------------------------------------------------------------------------
 *
 * chunk_replicas.c
 *	  Catalog writes of chunk copy, move and repair: replicas gained and
 *	  lost, stale marks cleared, and the chunk copy operation log.
 *
 * Everything runs as the extension's owner (CatalogExec); callers have
 * checked the user's rights on the hypertable.  The operation log row of a
 * copy or move is written in the same transaction as the work of each
 * stage, so its completed_stage is always the last stage whose effects are
 * committed.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "catalog/catalog.h"
#include "multinode.h"

/* Run a DELETE of one replica's row ($1 chunk id, $2 node name); returns rows deleted. */
static int
delete_replica_row(const char *sql, int32 chunk_id, const char *node_name)
{
	Oid			types[2] = {INT4OID, NAMEOID};
	Datum		values[2];

	values[0] = Int32GetDatum(chunk_id);
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(node_name));
	return CatalogExec(sql, 2, types, values, NULL, false);
}

/*
 * The replica of chunk_id on node_name is fresh again (repaired); returns
 * whether it had been marked stale.
 */
bool
CatalogChunkReplicaStaleDelete(int32 chunk_id, const char *node_name)
{
	return delete_replica_row("DELETE FROM " MN_CATALOG_SCHEMA ".chunk_replica_stale "
							  "WHERE chunk_id OPERATOR(pg_catalog.=) $1 "
							  "AND node_name OPERATOR(pg_catalog.=) $2",
							  chunk_id, node_name) > 0;
}

/* The replica of chunk_id on node_name is gone from the catalog, stale mark and all. */
void
CatalogChunkDataNodeDelete(int32 chunk_id, const char *node_name)
{
	delete_replica_row("DELETE FROM " MN_CATALOG_SCHEMA ".chunk_data_node "
					   "WHERE chunk_id OPERATOR(pg_catalog.=) $1 "
					   "AND node_name OPERATOR(pg_catalog.=) $2",
					   chunk_id, node_name);
	(void) CatalogChunkReplicaStaleDelete(chunk_id, node_name);
}

/*
 * A new copy or move operation, at stage "init".  operation_id NULL: named
 * ts_copy_<n>_<chunk id> from the log's sequence, as TimescaleDB names
 * them.  Returns the operation id (palloc'd).
 */
char *
CatalogChunkCopyOpInsert(const char *operation_id, int32 chunk_id, const char *source_node,
						 const char *dest_node, bool delete_on_source)
{
	Oid			types[6] = {NAMEOID, INT4OID, INT4OID, NAMEOID, NAMEOID, BOOLOID};
	Datum		values[6];
	char		nulls[6] = "      ";
	char	   *id;

	if (operation_id == NULL)
	{
		int32		seq = CatalogExecInt("SELECT pg_catalog.nextval('" MN_CATALOG_SCHEMA
										 ".chunk_copy_operation_id_seq')::integer",
										 0, NULL, NULL, NULL);

		id = psprintf("ts_copy_%d_%d", seq, chunk_id);
	}
	else
		id = pstrdup(operation_id);
	values[0] = DirectFunctionCall1(namein, CStringGetDatum(id));
	values[1] = Int32GetDatum(MyProcPid);
	values[2] = Int32GetDatum(chunk_id);
	values[3] = DirectFunctionCall1(namein, CStringGetDatum(source_node));
	values[4] = DirectFunctionCall1(namein, CStringGetDatum(dest_node));
	values[5] = BoolGetDatum(delete_on_source);
	CatalogExec("INSERT INTO " MN_CATALOG_SCHEMA ".chunk_copy_operation "
				"(operation_id, backend_pid, completed_stage, time_start, chunk_id, "
				"compress_chunk_name, source_node_name, dest_node_name, delete_on_source_node) "
				"VALUES ($1, $2, 'init', pg_catalog.now(), $3, '', $4, $5, $6)",
				6, types, values, nulls, false);
	return id;
}

/* The operation completed stage (in this transaction, with that stage's work). */
void
CatalogChunkCopyOpSetStage(const char *operation_id, const char *stage)
{
	Oid			types[3] = {NAMEOID, NAMEOID, INT4OID};
	Datum		values[3];

	values[0] = DirectFunctionCall1(namein, CStringGetDatum(operation_id));
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(stage));
	values[2] = Int32GetDatum(MyProcPid);
	CatalogExec("UPDATE " MN_CATALOG_SCHEMA ".chunk_copy_operation "
				"SET completed_stage = $2, backend_pid = $3 "
				"WHERE operation_id OPERATOR(pg_catalog.=) $1",
				3, types, values, NULL, false);
}

/* The operation is forgotten (undone or cleaned up). */
void
CatalogChunkCopyOpDelete(const char *operation_id)
{
	Oid			types[1] = {NAMEOID};
	Datum		values[1];

	values[0] = DirectFunctionCall1(namein, CStringGetDatum(operation_id));
	CatalogExec("DELETE FROM " MN_CATALOG_SCHEMA ".chunk_copy_operation "
				"WHERE operation_id OPERATOR(pg_catalog.=) $1",
				1, types, values, NULL, false);
}
