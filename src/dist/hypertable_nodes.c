/*-------------------------------------------------------------------------
 *
 * hypertable_nodes.c
 *	  Which data nodes a distributed hypertable uses: attach_data_node,
 *	  detach_data_node, and the hypertable checks of delete_data_node.
 *
 * A node can leave a hypertable only if no chunk would lose its last copy.
 * Without force a node that still holds any chunk of the hypertable stays;
 * with force its replicas are forgotten (the chunks live on elsewhere), and
 * chunks whose access-node foreign table pointed at it are pointed at their
 * next replica.  delete_data_node with force also accepts losing last
 * copies: those chunks are dropped from the catalog, as the node's data is
 * gone for good.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "catalog/catalog.h"
#include "dist/dist.h"
#include "hypertable/hypertable.h"
#include "multinode.h"
#include "remote/remote.h"

static bool
hypertable_has_node(const Hypertable *ht, const char *node_name)
{
	ListCell   *lc;

	foreach(lc, ht->data_nodes)
		if (strcmp(((HypertableDataNode *) lfirst(lc))->node_name, node_name) == 0)
			return true;
	return false;
}

/* The hypertable of root relid, which must be distributed. */
static Hypertable *
distributed_hypertable(Oid relid)
{
	Hypertable *ht = HypertableRequire(relid);

	if (!HypertableIsDistributed(ht))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("hypertable \"%s\" is not distributed", ht->table_name)));
	return ht;
}

static Datum
name_datum(const char *s)
{
	return DirectFunctionCall1(namein, CStringGetDatum(s));
}

/* Point the access node's foreign table of a chunk at another server. */
static void
set_chunk_server(Oid chunk_relid, Oid old_server, Oid new_server)
{
	Relation	rel = table_open(ForeignTableRelationId, RowExclusiveLock);
	HeapTuple	tup = SearchSysCacheCopy1(FOREIGNTABLEREL, ObjectIdGetDatum(chunk_relid));

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for foreign table %u", chunk_relid);
	((Form_pg_foreign_table) GETSTRUCT(tup))->ftserver = new_server;
	CatalogTupleUpdate(rel, &tup->t_self, tup);
	table_close(rel, RowExclusiveLock);
	changeDependencyFor(RelationRelationId, chunk_relid, ForeignServerRelationId, old_server,
						new_server);
	CacheInvalidateRelcacheByRelid(chunk_relid);
}

/*
 * Take node_name out of ht: forget its chunk replicas and its
 * hypertable_data_node row.  As in TimescaleDB, a node holding chunks stays
 * unless forced, and leaving fewer nodes than the replication factor is an
 * error unless forced (a warning then).  Chunks with no other replica are an
 * error even when forced, except for a forced delete_data_node (deleting),
 * which drops them from the access node: the node's data is gone for good.
 */
static void
remove_node(Hypertable *ht, const char *node_name, Oid server_id, bool force, bool deleting)
{
	bool		lose_data = deleting && force;
	ListCell   *lc;
	List	   *orphans = NIL;
	int			held = 0;
	int			remaining = list_length(ht->data_nodes) - 1;

	foreach(lc, HypertableGetChunks(ht))
	{
		Chunk	   *chunk = lfirst(lc);
		ListCell   *clc;

		foreach(clc, chunk->data_nodes)
		{
			ChunkDataNode *cdn = lfirst(clc);

			if (strcmp(cdn->node_name, node_name) != 0)
				continue;
			held++;
			if (list_length(chunk->data_nodes) == 1)
				orphans = lappend(orphans, chunk);
		}
	}
	/* TimescaleDB's messages and their order */
	if (orphans != NIL && !lose_data)
		ereport(ERROR,
				(errcode(ERRCODE_MN_INSUFFICIENT_NUM_DATA_NODES),
				 errmsg("insufficient number of data nodes"),
				 errdetail("Distributed hypertable \"%s\" would lose data if data node \"%s\" is %s.",
						   ht->table_name, node_name, deleting ? "deleted" : "detached"),
				 errhint("Ensure all chunks on the data node are fully replicated before %s it.",
						 deleting ? "deleting" : "detaching")));
	if (held > 0 && force)
		ereport(WARNING,
				(errcode(ERRCODE_MN_INSUFFICIENT_NUM_DATA_NODES),
				 errmsg("distributed hypertable \"%s\" is under-replicated", ht->table_name),
				 errdetail("Some chunks no longer meet the replication target after %s data node \"%s\".",
						   deleting ? "deleting" : "detaching", node_name)));
	else if (held > 0)
		ereport(ERROR,
				(errcode(ERRCODE_MN_DATA_NODE_IN_USE),
				 errmsg("data node \"%s\" still holds data for distributed hypertable \"%s\"",
						node_name, ht->table_name),
				 errdetail("It holds %d chunks of the hypertable.", held),
				 errhint("Drop or move the chunks first, or use force => true if every chunk has another replica.")));
	if (remaining < ht->replication_factor)
		ereport(force ? WARNING : ERROR,
				(errcode(ERRCODE_MN_INSUFFICIENT_NUM_DATA_NODES),
				 errmsg("insufficient number of data nodes for distributed hypertable \"%s\"",
						ht->table_name),
				 errdetail("Reducing the number of available data nodes on distributed hypertable \"%s\" prevents full replication of new chunks.",
						   ht->table_name),
				 force ? 0 : errhint("Use force => true to force this operation.")));

	/* repoint chunks whose foreign table names this node, drop replicas */
	foreach(lc, HypertableGetChunks(ht))
	{
		Chunk	   *chunk = lfirst(lc);
		ListCell   *clc;

		if (list_member_ptr(orphans, chunk) || !OidIsValid(chunk->relid))
			continue;
		if (GetForeignTable(chunk->relid)->serverid == server_id)
		{
			foreach(clc, chunk->data_nodes)
			{
				ChunkDataNode *cdn = lfirst(clc);

				if (strcmp(cdn->node_name, node_name) != 0 && OidIsValid(cdn->server_id))
				{
					set_chunk_server(chunk->relid, server_id, cdn->server_id);
					break;
				}
			}
		}
	}
	if (orphans != NIL)
		HypertableDropChunks(ht, orphans, node_name);
	{
		Oid			types[2] = {INT4OID, NAMEOID};
		Datum		values[2];

		values[0] = Int32GetDatum(ht->id);
		values[1] = name_datum(node_name);
		/* a stale mark of a replica that is gone would never be repaired */
		CatalogExec("DELETE FROM " MN_CATALOG_SCHEMA ".chunk_replica_stale s "
					" USING " MN_CATALOG_SCHEMA ".chunk c "
					"WHERE c.id OPERATOR(pg_catalog.=) s.chunk_id AND c.hypertable_id OPERATOR(pg_catalog.=) $1 AND s.node_name OPERATOR(pg_catalog.=) $2",
					2, types, values, NULL, false);
		CatalogExec("DELETE FROM " MN_CATALOG_SCHEMA ".chunk_data_node cdn "
					" USING " MN_CATALOG_SCHEMA ".chunk c "
					"WHERE c.id OPERATOR(pg_catalog.=) cdn.chunk_id AND c.hypertable_id OPERATOR(pg_catalog.=) $1 AND cdn.node_name OPERATOR(pg_catalog.=) $2",
					2, types, values, NULL, false);
		CatalogExec("DELETE FROM " MN_CATALOG_SCHEMA ".hypertable_data_node "
					"WHERE hypertable_id OPERATOR(pg_catalog.=) $1 AND node_name OPERATOR(pg_catalog.=) $2", 2, types, values, NULL, false);
	}
	CatalogInvalidateHypertable(ht->relid);
	CommandCounterIncrement();
}

/* Every hypertable id that uses node_name. */
static List *
hypertables_on_node(const char *node_name)
{
	List	   *ids = NIL;
	Oid			types[1] = {NAMEOID};
	Datum		values[1];
	uint64		i;

	MemoryContext cxt = CurrentMemoryContext;

	values[0] = name_datum(node_name);
	SPI_connect();
	if (SPI_execute_with_args("SELECT hypertable_id FROM " MN_CATALOG_SCHEMA ".hypertable_data_node "
							  "WHERE node_name OPERATOR(pg_catalog.=) $1 ORDER BY hypertable_id", 1, types, values, NULL,
							  true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read hypertable_data_node");
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		int32		id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i],
													 SPI_tuptable->tupdesc, 1, &isnull));
		MemoryContext old = MemoryContextSwitchTo(cxt);	/* SPI's memory goes at SPI_finish */

		ids = lappend_int(ids, id);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return ids;
}

/*
 * Called by delete_data_node before the server goes: take the node out of
 * every hypertable, which the caller must own (the server takes them all
 * with it).  A node that holds chunks is refused unless force; with force,
 * the chunks whose only copy it held are dropped from the catalog (where
 * TimescaleDB refused even then: a node that is gone for good must be
 * deletable).
 */
void
DistBeforeDeleteDataNode(Oid server_id, bool force)
{
	const char *node_name = GetForeignServer(server_id)->servername;
	ListCell   *lc;

	foreach(lc, hypertables_on_node(node_name))
	{
		Hypertable *ht = HypertableGetById(lfirst_int(lc));

		if (ht == NULL)
			continue;
		if (!pg_class_ownercheck(ht->relid, GetUserId()))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied for hypertable \"%s\"", ht->table_name),
					 errdetail("The data node is attached to hypertables that the current user lacks permissions for.")));
		remove_node(ht, node_name, server_id, force, true);
	}
	/* marks left by a detach before they were cleared with it */
	{
		Oid			types[1] = {NAMEOID};
		Datum		values[1];

		values[0] = name_datum(node_name);
		CatalogExec("DELETE FROM " MN_CATALOG_SCHEMA ".chunk_replica_stale "
					"WHERE node_name OPERATOR(pg_catalog.=) $1", 1, types, values, NULL, false);
	}
}

static void
require_hypertable_owner(const Hypertable *ht)
{
	if (!pg_class_ownercheck(ht->relid, GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of hypertable \"%s\"", ht->table_name)));
}

/*
 * repartition => true: one space slice per data node, through
 * set_number_partitions (in this extension's schema, which is that of the
 * calling function), so the data nodes follow too.  Returns ht afresh.
 */
static Hypertable *
set_partitions_to_nodes(FunctionCallInfo fcinfo, Hypertable *ht, const Dimension *sdim)
{
	char	   *schema = get_namespace_name(get_func_namespace(fcinfo->flinfo->fn_oid));

	SPI_connect();
	if (SPI_execute(psprintf("SELECT %s.set_number_partitions(%u::oid::regclass, %d, %s)",
							 quote_identifier(schema), ht->relid, list_length(ht->data_nodes),
							 quote_literal_cstr(sdim->column_name)), false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not repartition hypertable \"%s\"", ht->table_name);
	SPI_finish();
	return HypertableRequire(ht->relid);
}

PG_FUNCTION_INFO_V1(multinode_attach_data_node);

/*
 * attach_data_node(node_name name, hypertable regclass,
 *	 if_not_attached boolean = false, repartition boolean = true)
 * RETURNS TABLE(hypertable_id integer, node_hypertable_id integer, node_name name)
 */
Datum
multinode_attach_data_node(PG_FUNCTION_ARGS)
{
	const char *node_name;
	Oid			server_id;
	Hypertable *ht;
	bool		if_not_attached = !PG_ARGISNULL(2) && PG_GETARG_BOOL(2);
	bool		repartition = PG_ARGISNULL(3) || PG_GETARG_BOOL(3);
	const Dimension *sdim;
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	ListCell   *lc;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hypertable cannot be NULL")));
	RequireAccessNode("attach_data_node");
	node_name = PG_ARGISNULL(0) ? NULL : NameStr(*PG_GETARG_NAME(0));
	ht = HypertableRequire(PG_GETARG_OID(1));
	if (!HypertableIsDistributed(ht))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("hypertable \"%s\" is not distributed", ht->table_name)));
	require_hypertable_owner(ht);
	server_id = GetDataNodeServerId(node_name, false);
	CheckDataNodeUsage(server_id, GetUserId());
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	if (hypertable_has_node(ht, node_name))
	{
		if (!if_not_attached)
			ereport(ERROR,
					(errcode(ERRCODE_MN_DATA_NODE_ALREADY_ATTACHED),
					 errmsg("data node \"%s\" is already attached to hypertable \"%s\"",
							node_name, ht->table_name),
					 errhint("Use if_not_attached => true to skip.")));
		ereport(NOTICE,
				(errcode(ERRCODE_MN_DATA_NODE_ALREADY_ATTACHED),
				 errmsg("data node \"%s\" is already attached to hypertable \"%s\", skipping",
						node_name, ht->table_name)));
	}
	else
	{
		HypertableAddDataNodes(ht, list_make1_oid(server_id), DeparseTableForDataNode(ht->relid),
							   false);
		ht = HypertableRequire(ht->relid);
		sdim = HypertableSpaceDimension(ht);
		if (repartition && sdim && sdim->num_slices < list_length(ht->data_nodes))
		{
			char	   *column = pstrdup(sdim->column_name);

			ht = set_partitions_to_nodes(fcinfo, ht, sdim);
			ereport(NOTICE,
					(errmsg("the number of partitions in dimension \"%s\" was increased to %d",
							column, list_length(ht->data_nodes)),
					 errdetail("To make use of all attached data nodes, a distributed hypertable needs at least as many partitions in the first closed (space) dimension as there are attached data nodes.")));
		}
		else
			HypertableCheckPartitioning(ht);
	}
	values[0] = Int32GetDatum(ht->id);
	values[1] = Int32GetDatum(0);
	values[2] = name_datum(node_name);
	foreach(lc, ht->data_nodes)
	{
		HypertableDataNode *hdn = lfirst(lc);

		if (strcmp(hdn->node_name, node_name) == 0)
			values[1] = Int32GetDatum(hdn->node_hypertable_id);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

PG_FUNCTION_INFO_V1(multinode_detach_data_node);

/*
 * detach_data_node(node_name name, hypertable regclass = NULL,
 *	 if_attached boolean = false, force boolean = false,
 *	 repartition boolean = true, drop_remote_data boolean = false)
 * RETURNS integer: the number of hypertables detached.
 */
Datum
multinode_detach_data_node(PG_FUNCTION_ARGS)
{
	const char *node_name;
	Oid			server_id;
	bool		if_attached = !PG_ARGISNULL(2) && PG_GETARG_BOOL(2);
	bool		force = !PG_ARGISNULL(3) && PG_GETARG_BOOL(3);
	bool		repartition = PG_ARGISNULL(4) || PG_GETARG_BOOL(4);
	bool		drop_remote_data = !PG_ARGISNULL(5) && PG_GETARG_BOOL(5);
	List	   *hts = NIL;
	ListCell   *lc;
	int			detached = 0;

	RequireAccessNode("detach_data_node");
	node_name = PG_ARGISNULL(0) ? NULL : NameStr(*PG_GETARG_NAME(0));
	server_id = GetDataNodeServerId(node_name, false);

	if (!PG_ARGISNULL(1))
	{
		Hypertable *ht = distributed_hypertable(PG_GETARG_OID(1));

		require_hypertable_owner(ht);
		if (!hypertable_has_node(ht, node_name))
		{
			if (!if_attached)
				ereport(ERROR,
						(errcode(ERRCODE_MN_DATA_NODE_NOT_ATTACHED),
						 errmsg("data node \"%s\" is not attached to hypertable \"%s\"",
								node_name, ht->table_name),
						 errhint("Use if_attached => true to skip.")));
			ereport(NOTICE,
					(errcode(ERRCODE_MN_DATA_NODE_NOT_ATTACHED),
					 errmsg("data node \"%s\" is not attached to hypertable \"%s\", skipping",
							node_name, ht->table_name)));
			PG_RETURN_INT32(0);
		}
		hts = list_make1_int(ht->id);
	}
	else
		hts = hypertables_on_node(node_name);

	foreach(lc, hts)
	{
		Hypertable *ht = HypertableGetById(lfirst_int(lc));
		const Dimension *sdim;

		if (ht == NULL)
			continue;
		/* all of the node's hypertables: those of others are skipped */
		if (PG_ARGISNULL(1) && !pg_class_ownercheck(ht->relid, GetUserId()))
		{
			ereport(NOTICE,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("skipping hypertable \"%s\" due to missing permissions",
							ht->table_name)));
			continue;
		}
		remove_node(ht, node_name, server_id, force, false);
		if (drop_remote_data)
		{
			DataNodeConn *conn = GetDataNodeConnection(server_id, REMOTE_TXN_WRITE);

			RemoteExecCommand(conn, psprintf("DROP TABLE IF EXISTS %s CASCADE",
											 quote_qualified_identifier(ht->schema_name, ht->table_name)));
		}
		ht = HypertableRequire(ht->relid);
		sdim = HypertableSpaceDimension(ht);
		if (repartition && sdim && list_length(ht->data_nodes) > 0 &&
			sdim->num_slices > list_length(ht->data_nodes))
		{
			char	   *column = pstrdup(sdim->column_name);
			char	   *table = pstrdup(ht->table_name);
			int			nodes = list_length(ht->data_nodes);

			set_partitions_to_nodes(fcinfo, ht, sdim);
			ereport(NOTICE,
					(errmsg("the number of partitions in dimension \"%s\" of hypertable \"%s\" was decreased to %d",
							column, table, nodes),
					 errdetail("To make efficient use of all attached data nodes, the number of space partitions was set to match the number of data nodes.")));
		}
		detached++;
	}
	PG_RETURN_INT32(detached);
}

/*
 * Set block_chunks of node_name on one hypertable; returns 1 if it changed.
 * Blocking checks that enough nodes stay open for new chunks to get their
 * replication factor: an error, or a warning with force.
 */
static int
set_block_chunks(Hypertable *ht, const char *node_name, bool block, bool force)
{
	Oid			types[3] = {BOOLOID, INT4OID, NAMEOID};
	Datum		values[3];
	int			open = 0;
	ListCell   *lc;

	if (!pg_class_ownercheck(ht->relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, ht->table_name);
	foreach(lc, ht->data_nodes)
	{
		HypertableDataNode *hdn = lfirst(lc);

		if (strcmp(hdn->node_name, node_name) == 0)
		{
			if (hdn->block_chunks == block)
			{
				ereport(NOTICE,
						(errmsg("new chunks already %s on data node \"%s\" for hypertable \"%s\"",
								block ? "blocked" : "allowed", node_name, ht->table_name)));
				return 0;
			}
		}
		else if (!hdn->block_chunks)
			open++;
	}
	if (block && open < ht->replication_factor)
		ereport(force ? WARNING : ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("insufficient number of data nodes for distributed hypertable \"%s\"",
						ht->table_name),
				 errdetail("With new chunks blocked on data node \"%s\", %d data nodes take new chunks, fewer than the replication factor %d.",
						   node_name, open, ht->replication_factor),
				 force ? 0 : errhint("Use force => true to block new chunks anyway.")));
	values[0] = BoolGetDatum(block);
	values[1] = Int32GetDatum(ht->id);
	values[2] = name_datum(node_name);
	CatalogExec("UPDATE " MN_CATALOG_SCHEMA ".hypertable_data_node SET block_chunks = $1 "
				"WHERE hypertable_id OPERATOR(pg_catalog.=) $2 AND node_name OPERATOR(pg_catalog.=) $3",
				3, types, values, NULL, false);
	CatalogInvalidateHypertable(ht->relid);
	return 1;
}

/*
 * timescaledb_experimental.block_new_chunks / allow_new_chunks: whether new
 * chunks of one distributed hypertable (NULL: every one the node belongs
 * to) may be placed on a data node (hypertable/chunk.c's ChunkPlacement
 * honours it).  Returns how many hypertables changed.
 */
static Datum
block_or_allow(FunctionCallInfo fcinfo, bool block)
{
	const char *node_name;
	bool		force = block && !PG_ARGISNULL(2) && PG_GETARG_BOOL(2);
	List	   *hts;
	ListCell   *lc;
	int			changed = 0;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("data_node_name cannot be NULL")));
	RequireAccessNode(block ? "block_new_chunks" : "allow_new_chunks");
	PreventCommandIfReadOnly(block ? "block_new_chunks()" : "allow_new_chunks()");
	node_name = NameStr(*PG_GETARG_NAME(0));
	CheckDataNodeUsage(GetDataNodeServerId(node_name, false), GetUserId());

	if (!PG_ARGISNULL(1))
	{
		Hypertable *ht = distributed_hypertable(PG_GETARG_OID(1));

		if (!hypertable_has_node(ht, node_name))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("data node \"%s\" is not attached to hypertable \"%s\"",
							node_name, ht->table_name)));
		hts = list_make1_int(ht->id);
	}
	else
		hts = hypertables_on_node(node_name);

	foreach(lc, hts)
	{
		Hypertable *ht = HypertableGetById(lfirst_int(lc));

		if (ht != NULL)
			changed += set_block_chunks(ht, node_name, block, force);
	}
	PG_RETURN_INT32(changed);
}

PG_FUNCTION_INFO_V1(multinode_block_new_chunks);
Datum
multinode_block_new_chunks(PG_FUNCTION_ARGS)
{
	return block_or_allow(fcinfo, true);
}

PG_FUNCTION_INFO_V1(multinode_allow_new_chunks);
Datum
multinode_allow_new_chunks(PG_FUNCTION_ARGS)
{
	return block_or_allow(fcinfo, false);
}
