/*-------------------------------------------------------------------------
 *
 * chunk_repair.c
 *	  repair_chunk_replicas(): stale replicas recopied from fresh ones, and
 *	  chunks that lost replicas with their node copied to another node.
 *
 * Two kinds of work, found from the catalog:
 *
 *	 - stale: a row of chunk_replica_stale (the write path marks a replica
 *	   that missed writes while its node was down).  When the node answers
 *	   again, its copy is made equal to a fresh replica's and the row is
 *	   deleted;
 *	 - lost: a chunk with fewer live replicas (a data node that exists) than
 *	   the hypertable's replication_factor, because a node was deleted or
 *	   detached.  A new replica is made on the hypertable's node holding
 *	   fewest of its chunks among those that do not hold this one.
 *
 * Everything happens in the caller's transaction, which commits all of it
 * atomically (two-phase): a function cannot commit in steps, and all or
 * nothing is what a repair wants.  Items whose nodes do not answer are left
 * for the next run.  The order of locks matters for correctness, not just
 * for deadlocks: first every chunk's foreign table on the access node,
 * EXCLUSIVE (inserts into those chunks wait), then each source node's chunk
 * tables SHARE as that node's first statement, before any statement takes
 * its snapshot (see ChunkCopyLockSource), then the copies.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "catalog/catalog.h"
#include "dist/chunk_copy_internal.h"
#include "dist/dist.h"
#include "fdw/fdw.h"
#include "hypertable/hypertable.h"
#include "multinode.h"
#include "remote/remote.h"

typedef struct RepairItem
{
	Oid			chunk_relid;
	const Hypertable *ht;
	const Chunk *chunk;
	Oid			source_server;
	char		dest[NAMEDATALEN];
	Oid			dest_server;
	bool		stale;			/* recopy a stale replica (else: a new one) */
} RepairItem;

/* Nodes known to answer (true) or not (false) in this run. */
typedef struct NodeState
{
	Oid			server_id;
	bool		reachable;
} NodeState;

static bool
node_reachable(List **known, Oid server_id)
{
	ListCell   *lc;
	NodeState  *ns;
	char	   *errmsg = NULL;

	if (!OidIsValid(server_id) || !DataNodeIsAvailable(server_id))
		return false;
	foreach(lc, *known)
	{
		ns = lfirst(lc);
		if (ns->server_id == server_id)
			return ns->reachable;
	}
	ns = palloc(sizeof(NodeState));
	ns->server_id = server_id;
	ns->reachable = TryDataNodeConnection(server_id, &errmsg) != NULL;
	*known = lappend(*known, ns);
	return ns->reachable;
}

/* A fresh replica of chunk on a node that answers, other than skip; or InvalidOid. */
static Oid
fresh_source(List **known, const Chunk *chunk, const char *skip)
{
	ListCell   *lc;

	foreach(lc, chunk->data_nodes)
	{
		ChunkDataNode *cdn = lfirst(lc);

		if (strcmp(cdn->node_name, skip) == 0 || ChunkReplicaIsStale(chunk->id, cdn->node_name))
			continue;
		if (node_reachable(known, cdn->server_id))
			return cdn->server_id;
	}
	return InvalidOid;
}

/* May the caller repair ht? Superuser or owner. */
static bool
may_repair(const Hypertable *ht)
{
	return superuser() || pg_class_ownercheck(ht->relid, GetUserId());
}

/* The chunks of ht held by node_name (for choosing where a new replica goes). */
static int
node_load(const Hypertable *ht, const char *node_name)
{
	ListCell   *lc;
	int			n = 0;

	foreach(lc, HypertableGetChunks(ht))
		if (ChunkReplicaOn(lfirst(lc), node_name) != NULL)
			n++;
	return n;
}

/* Stale replicas to recopy (of ht_relid's chunks, or every hypertable's). */
static List *
stale_items(Oid ht_relid, List **known)
{
	List	   *items = NIL;
	List	   *rows = NIL;
	ListCell   *lc;
	uint64		i;
	MemoryContext outer = CurrentMemoryContext;
	MemoryContext old;

	SPI_connect();
	if (SPI_execute("SELECT pg_catalog.to_regclass(pg_catalog.format('%I.%I', c.schema_name, "
					"c.table_name))::oid, s.node_name::text "
					"FROM " MN_CATALOG_SCHEMA ".chunk_replica_stale s "
					"JOIN " MN_CATALOG_SCHEMA ".chunk c ON c.id OPERATOR(pg_catalog.=) s.chunk_id "
					"ORDER BY s.chunk_id, s.node_name", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read chunk_replica_stale");
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		relid = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
		RepairItem *item;

		if (isnull)
			continue;
		/* outlives SPI_finish */
		old = MemoryContextSwitchTo(outer);
		item = palloc0(sizeof(RepairItem));
		item->chunk_relid = DatumGetObjectId(relid);
		item->stale = true;
		rows = lappend(rows, item);
		MemoryContextSwitchTo(old);
		strlcpy(item->dest, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2),
				NAMEDATALEN);
	}
	SPI_finish();

	foreach(lc, rows)
	{
		RepairItem *item = lfirst(lc);
		Chunk	   *chunk = ChunkGetByRelid(item->chunk_relid);
		Hypertable *ht = chunk ? HypertableGetById(chunk->hypertable_id) : NULL;
		ChunkDataNode *cdn;

		if (ht == NULL || (OidIsValid(ht_relid) && ht->relid != ht_relid) || !may_repair(ht))
			continue;
		cdn = ChunkReplicaOn(chunk, item->dest);
		if (cdn == NULL || !node_reachable(known, cdn->server_id))
			continue;
		item->dest_server = cdn->server_id;
		item->source_server = fresh_source(known, chunk, item->dest);
		if (!OidIsValid(item->source_server))
			continue;
		items = lappend(items, item);
	}
	return items;
}

/* New replicas for chunks of ht that lost theirs with their node. */
static List *
lost_items(const Hypertable *ht, List **known)
{
	List	   *items = NIL;
	ListCell   *lc;

	foreach(lc, HypertableGetChunks(ht))
	{
		Chunk	   *chunk = lfirst(lc);
		ListCell   *rlc;
		int			live = 0;
		List	   *taken = NIL;

		foreach(rlc, chunk->data_nodes)
			if (OidIsValid(((ChunkDataNode *) lfirst(rlc))->server_id))
				live++;
		while (live < ht->replication_factor)
		{
			HypertableDataNode *best = NULL;
			int			best_load = 0;
			ListCell   *nlc;
			RepairItem *item;

			foreach(nlc, ht->data_nodes)
			{
				HypertableDataNode *hdn = lfirst(nlc);
				int			load;

				if (hdn->block_chunks || ChunkReplicaOn(chunk, hdn->node_name) != NULL ||
					list_member_oid(taken, hdn->server_id) ||
					!node_reachable(known, hdn->server_id))
					continue;
				load = node_load(ht, hdn->node_name);
				if (best == NULL || load < best_load)
				{
					best = hdn;
					best_load = load;
				}
			}
			if (best == NULL)
				break;
			item = palloc0(sizeof(RepairItem));
			item->chunk_relid = chunk->relid;
			strlcpy(item->dest, best->node_name, NAMEDATALEN);
			item->dest_server = best->server_id;
			item->source_server = fresh_source(known, chunk, best->node_name);
			if (!OidIsValid(item->source_server))
				break;
			items = lappend(items, item);
			taken = lappend_oid(taken, best->server_id);
			live++;
		}
	}
	return items;
}

/* The roots of every distributed hypertable, by id. */
static List *
distributed_hypertables(void)
{
	List	   *relids = NIL;
	uint64		i;
	MemoryContext outer = CurrentMemoryContext;

	SPI_connect();
	if (SPI_execute("SELECT pg_catalog.to_regclass(pg_catalog.format('%I.%I', schema_name, "
					"table_name))::oid FROM " MN_CATALOG_SCHEMA ".hypertable "
					"WHERE replication_factor OPERATOR(pg_catalog.>) 0 ORDER BY id",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the hypertable catalog");
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		relid = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
		{
			MemoryContext old = MemoryContextSwitchTo(outer);

			relids = lappend_oid(relids, DatumGetObjectId(relid));
			MemoryContextSwitchTo(old);
		}
	}
	SPI_finish();
	return relids;
}

static int
item_cmp(const ListCell *a, const ListCell *b)
{
	Oid			ra = ((RepairItem *) lfirst(a))->chunk_relid;
	Oid			rb = ((RepairItem *) lfirst(b))->chunk_relid;

	return ra < rb ? -1 : ra > rb ? 1 : 0;
}

/*
 * Repair what can be repaired now, in the current transaction (see the
 * header comment); returns the number of replicas repaired or made.
 */
static int
repair_chunk_replicas(Oid ht_relid)
{
	List	   *known = NIL;
	List	   *items;
	ListCell   *lc;
	int			repaired = 0;

	items = stale_items(ht_relid, &known);
	foreach(lc, distributed_hypertables())
	{
		Hypertable *ht = HypertableGetByRelid(lfirst_oid(lc));

		if (ht == NULL || (OidIsValid(ht_relid) && ht->relid != ht_relid) || !may_repair(ht))
			continue;
		items = list_concat(items, lost_items(ht, &known));
	}
	if (items == NIL)
		return 0;

	/* the access node's locks first, in one order */
	list_sort(items, item_cmp);
	foreach(lc, items)
		LockRelationOid(((RepairItem *) lfirst(lc))->chunk_relid, ExclusiveLock);

	/*
	 * The locks brought news of the chunks' replicas: look again, and choose
	 * the sources again (one may have been marked stale meanwhile), all
	 * before any node's remote transaction starts.
	 */
	foreach(lc, items)
	{
		RepairItem *item = lfirst(lc);

		item->chunk = ChunkGetByRelid(item->chunk_relid);
		item->ht = item->chunk ? HypertableGetById(item->chunk->hypertable_id) : NULL;
		/* a stale replica must still be one; a new one must not exist yet */
		if (item->ht == NULL ||
			(ChunkReplicaOn(item->chunk, item->dest) != NULL) != item->stale)
			item->chunk = NULL; /* repaired or dropped meanwhile */
		else
		{
			item->source_server = fresh_source(&known, item->chunk, item->dest);
			if (!OidIsValid(item->source_server))
				item->chunk = NULL;
		}
	}
	/* then each source's lock, before its snapshot */
	foreach(lc, items)
	{
		RepairItem *item = lfirst(lc);

		if (item->chunk != NULL)
			ChunkCopyLockSource(item->source_server, item->chunk);
	}

	foreach(lc, items)
	{
		RepairItem *item = lfirst(lc);
		int32		node_chunk_id;
		int64		rows;

		if (item->chunk == NULL)
			continue;
		rows = ChunkCopyRows(item->ht, item->chunk, item->source_server, item->dest_server,
							 &node_chunk_id);
		if (item->stale)
			CatalogChunkReplicaStaleDelete(item->chunk->id, item->dest);
		else
		{
			const char *dest = item->dest;

			CatalogChunkDataNodesInsert(item->chunk->id, 1, &node_chunk_id, &dest);
		}
		CatalogInvalidateHypertable(item->ht->relid);
		ereport(DEBUG1,
				(errmsg("%s replica of chunk \"%s\" on data node \"%s\" (" INT64_FORMAT " rows)",
						item->stale ? "repaired" : "made", item->chunk->table_name, item->dest,
						rows)));
		repaired++;
	}
	CommandCounterIncrement();
	return repaired;
}

PG_FUNCTION_INFO_V1(multinode_repair_chunk_replicas);

/* repair_chunk_replicas(hypertable regclass = NULL) RETURNS integer */
Datum
multinode_repair_chunk_replicas(PG_FUNCTION_ARGS)
{
	Oid			ht_relid = PG_ARGISNULL(0) ? InvalidOid : PG_GETARG_OID(0);

	RequireAccessNode("repair_chunk_replicas");
	ChunkCopyPreventTransactionBlock("repair_chunk_replicas",
									 "A transaction block may already hold snapshots of the data nodes older than the rows to copy.");
	if (OidIsValid(ht_relid))
	{
		Hypertable *ht = HypertableRequire(ht_relid);

		if (!HypertableIsDistributed(ht))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("hypertable \"%s\" is not distributed", get_rel_name(ht_relid))));
		if (!may_repair(ht))
			aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(ht_relid));
	}
	PG_RETURN_INT32(repair_chunk_replicas(ht_relid));
}
