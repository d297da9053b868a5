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
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"

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

/*
 * One row change of a chunk being copied, captured on the copy's source
 * node (dist/chunk_capture.c): row_image is the row as text, delta +1 for
 * a row that appeared, -1 for one that went.  Runs for every row written
 * to that chunk during the copy, as the writer's trigger, so the statement
 * is planned once per backend.
 */
void
CatalogChunkCopyChangeInsert(const char *operation_id, Oid chunk_relid, int16 delta,
							 const char *row_image)
{
	static SPIPlanPtr plan = NULL;
	Oid			types[4] = {NAMEOID, OIDOID, INT2OID, TEXTOID};
	Datum		values[4];
	CatalogOwnerScope scope;

	values[0] = DirectFunctionCall1(namein, CStringGetDatum(operation_id));
	values[1] = ObjectIdGetDatum(chunk_relid);
	values[2] = Int16GetDatum(delta);
	values[3] = CStringGetTextDatum(row_image);
	CatalogAsOwnerBegin(&scope);
	SPI_connect();
	if (plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare("INSERT INTO " MN_CATALOG_SCHEMA ".chunk_copy_change "
									"(operation_id, chunk_relid, delta, row_image) "
									"VALUES ($1, $2, $3, $4)", 4, types);

		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR, "could not plan the chunk copy change log insert");
		plan = p;
	}
	if (SPI_execute_plan(plan, values, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not write the chunk copy change log");
	SPI_finish();
	CatalogAsOwnerEnd(&scope);
}

/*
 * Forget the captured changes of chunk_relid (of its one operation, and the
 * leftovers of earlier ones), with those of chunks that are gone.  latest
 * false: only those the transaction's snapshot sees (a copy made under that
 * snapshot holds their effects); true: every committed one (the capture is
 * over and the caller holds a lock that keeps writers out).  Returns the
 * rows deleted.
 */
uint64
CatalogChunkCopyChangesDelete(Oid chunk_relid, bool latest)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1];
	CatalogOwnerScope scope;
	SPIPlanPtr	plan;
	uint64		n;

	values[0] = ObjectIdGetDatum(chunk_relid);
	CatalogAsOwnerBegin(&scope);
	SPI_connect();
	plan = SPI_prepare("DELETE FROM " MN_CATALOG_SCHEMA ".chunk_copy_change c "
					   "WHERE c.chunk_relid OPERATOR(pg_catalog.=) $1 "
					   "OR NOT EXISTS (SELECT FROM pg_catalog.pg_class r "
					   "WHERE r.oid OPERATOR(pg_catalog.=) c.chunk_relid)", 1, types);
	if (plan == NULL)
		elog(ERROR, "could not plan the chunk copy change log delete");
	if (SPI_execute_snapshot(plan, values, NULL,
							 latest ? GetLatestSnapshot() : InvalidSnapshot,
							 InvalidSnapshot, false, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not delete from the chunk copy change log");
	n = SPI_processed;
	SPI_finish();
	CatalogAsOwnerEnd(&scope);
	return n;
}
