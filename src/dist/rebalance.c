/*-------------------------------------------------------------------------
 *
 * rebalance.c
 *	  What rebalance_chunks and drain_data_node (sql/48_chunk_copy.sql)
 *	  need from C: stopping new chunks from landing on a node being drained.
 *
 * The procedures themselves are PL/pgSQL: they choose chunks from the
 * catalog and call move_chunk, which commits stage by stage, something
 * only a procedure can do.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "catalog/catalog.h"
#include "dist/dist.h"
#include "multinode.h"

PG_FUNCTION_INFO_V1(multinode_block_chunks_on_data_node);

/*
 * _timescaledb_functions.block_chunks_on_data_node(node_name name) RETURNS
 * integer: new chunks of the hypertables the caller owns (every one, for a
 * superuser) no longer go to node_name (hypertable_data_node.block_chunks,
 * which chunk placement skips).  Returns how many hypertables changed.
 */
Datum
multinode_block_chunks_on_data_node(PG_FUNCTION_ARGS)
{
	const char *node_name = NameStr(*PG_GETARG_NAME(0));
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	List	   *relids = NIL;
	ListCell   *lc;
	MemoryContext outer = CurrentMemoryContext;
	uint64		i;
	int			changed = 0;

	/* draining commits after every move */
	if (IsTransactionBlock())
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("drain_data_node cannot run inside a transaction block")));
	RequireAccessNode("drain_data_node");
	(void) GetDataNodeServerId(node_name, false);
	values[0] = CStringGetTextDatum(node_name);
	SPI_connect();
	if (SPI_execute_with_args("SELECT pg_catalog.to_regclass(pg_catalog.format('%I.%I', "
							  "h.schema_name, h.table_name))::oid "
							  "FROM " MN_CATALOG_SCHEMA ".hypertable_data_node hdn "
							  "JOIN " MN_CATALOG_SCHEMA ".hypertable h "
							  "ON h.id OPERATOR(pg_catalog.=) hdn.hypertable_id "
							  "WHERE hdn.node_name OPERATOR(pg_catalog.=) $1::pg_catalog.name "
							  "AND NOT hdn.block_chunks ORDER BY h.id",
							  1, types, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read hypertable_data_node");
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		relid = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
		MemoryContext old;

		if (isnull)
			continue;
		old = MemoryContextSwitchTo(outer);
		relids = lappend_oid(relids, DatumGetObjectId(relid));
		MemoryContextSwitchTo(old);
	}
	SPI_finish();

	foreach(lc, relids)
	{
		Hypertable *ht = HypertableGetByRelid(lfirst_oid(lc));
		Oid			utypes[2] = {INT4OID, TEXTOID};
		Datum		uvalues[2];

		if (ht == NULL || !(superuser() || pg_class_ownercheck(ht->relid, GetUserId())))
			continue;
		uvalues[0] = Int32GetDatum(ht->id);
		uvalues[1] = values[0];
		CatalogExec("UPDATE " MN_CATALOG_SCHEMA ".hypertable_data_node SET block_chunks = true "
					"WHERE hypertable_id OPERATOR(pg_catalog.=) $1 "
					"AND node_name OPERATOR(pg_catalog.=) $2::pg_catalog.name",
					2, utypes, uvalues, NULL, false);
		CatalogInvalidateHypertable(ht->relid);
		changed++;
	}
	CommandCounterIncrement();
	PG_RETURN_INT32(changed);
}
