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
 * Each replica is made online, with copy_chunk's logged stages
 * (chunk_copy.c): writers into the chunk wait only for two short
 * transactions, and the switch is atomic.  A stale replica is first
 * demoted, in one short transaction under the access node's EXCLUSIVE lock
 * on the chunk's foreign table (inserts, updates and deletes wait for it,
 * then go on with the replicas it leaves): its chunk_data_node row and its
 * stale mark deleted, its table dropped on its node (that node's own
 * catalog with it), the foreign table's default server moved off it if it
 * named that node, and a copy from the fresh replica onto that node
 * logged in chunk_copy_operation, all committed together (two-phase).
 * From then on it is a copy like copy_chunk's: the capture trigger on the
 * source, the bulk copy, catch-up, and the switch that adds the replica
 * back.  Writes during the copy go to the fresh replicas only, so none is
 * lost with the stale table and none reaches the new one twice; a stale
 * replica was never read, so dropping it first costs no availability.  If
 * the source is marked stale meanwhile (a write while its node was
 * suspect), the switch refuses it and the copy is undone.
 *
 * A failure after the demotion leaves a logged operation, undone by
 * cleanup (here at once, or by cleanup_copy_chunk_operation, or by the
 * repair job once the backend that ran it is gone), and a chunk one
 * replica short: the next run gives it a new replica as for a lost one.
 *
 * A function cannot commit between stages, so repair_chunk_replicas()
 * runs the stages in a background worker (repair_worker.c) as the calling
 * role and waits for it.  Items whose nodes do not answer are left for the
 * next run, and so are chunks with an unfinished copy or move.
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
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

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
	char		chunk_name[NAMEDATALEN];	/* for messages */
	char		source[NAMEDATALEN];
	char		dest[NAMEDATALEN];
	bool		stale;			/* recopy a stale replica (else: a new one) */
	char		operation_id[NAMEDATALEN];	/* once logged */
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

/* A fresh replica of chunk on a node that answers, other than skip; or NULL. */
static ChunkDataNode *
fresh_source(List **known, const Chunk *chunk, const char *skip)
{
	ListCell   *lc;

	foreach(lc, chunk->data_nodes)
	{
		ChunkDataNode *cdn = lfirst(lc);

		if (strcmp(cdn->node_name, skip) == 0 || ChunkReplicaIsStale(chunk->id, cdn->node_name))
			continue;
		if (node_reachable(known, cdn->server_id))
			return cdn;
	}
	return NULL;
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

		ChunkDataNode *src;

		if (ht == NULL || (OidIsValid(ht_relid) && ht->relid != ht_relid) || !may_repair(ht) ||
			ChunkCopyUnfinishedOperation(chunk->id) != NULL)
			continue;
		cdn = ChunkReplicaOn(chunk, item->dest);
		if (cdn == NULL || !node_reachable(known, cdn->server_id))
			continue;
		src = fresh_source(known, chunk, item->dest);
		if (src == NULL)
			continue;
		strlcpy(item->source, src->node_name, NAMEDATALEN);
		strlcpy(item->chunk_name, chunk->table_name, NAMEDATALEN);
		items = lappend(items, item);
	}
	return items;
}

/* The chunk's replicas on data nodes that exist. */
static int
live_replicas(const Chunk *chunk)
{
	ListCell   *lc;
	int			live = 0;

	foreach(lc, chunk->data_nodes)
		if (OidIsValid(((ChunkDataNode *) lfirst(lc))->server_id))
			live++;
	return live;
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
		int			live = 0;
		List	   *taken = NIL;

		if (ChunkCopyUnfinishedOperation(chunk->id) != NULL)
			continue;
		live = live_replicas(chunk);
		while (live < ht->replication_factor)
		{
			HypertableDataNode *best = NULL;
			int			best_load = 0;
			ListCell   *nlc;
			RepairItem *item;
			ChunkDataNode *src;

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
			src = fresh_source(known, chunk, best->node_name);
			if (src == NULL)
				break;
			item = palloc0(sizeof(RepairItem));
			item->chunk_relid = chunk->relid;
			strlcpy(item->dest, best->node_name, NAMEDATALEN);
			strlcpy(item->source, src->node_name, NAMEDATALEN);
			strlcpy(item->chunk_name, chunk->table_name, NAMEDATALEN);
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

/*
 * What can be repaired now (of ht_relid's chunks, or every hypertable's),
 * stale replicas first, in the current transaction's memory.
 */
static List *
repair_plan(Oid ht_relid)
{
	List	   *known = NIL;
	List	   *items;
	ListCell   *lc;

	items = stale_items(ht_relid, &known);
	foreach(lc, distributed_hypertables())
	{
		Hypertable *ht = HypertableGetByRelid(lfirst_oid(lc));

		if (ht == NULL || (OidIsValid(ht_relid) && ht->relid != ht_relid) || !may_repair(ht))
			continue;
		items = list_concat(items, lost_items(ht, &known));
	}
	return items;
}

/*
 * Take a stale replica out of the chunk (see the header comment), in the
 * current transaction, which holds the access node's EXCLUSIVE lock on the
 * chunk.  Returns false if there is nothing to do any more.
 */
static bool
demote_stale_replica(const Hypertable *ht, const Chunk *chunk, const char *dest,
					 const char *source)
{
	Oid			dest_server = GetDataNodeServerId(dest, false);

	if (ChunkReplicaOn(chunk, dest) == NULL || !ChunkReplicaIsStale(chunk->id, dest))
		return false;
	ChunkDropMember(dest_server, ht, chunk);
	CatalogChunkDataNodeDelete(chunk->id, dest);
	CatalogChunkReplicaStaleDelete(chunk->id, dest);
	if (GetForeignTable(chunk->relid)->serverid == dest_server)
		ChunkSetDefaultServer(chunk->relid, GetDataNodeServerId(source, false));
	CatalogInvalidateHypertable(ht->relid);
	CommandCounterIncrement();
	return true;
}

/*
 * Start one item in the current transaction: for a stale replica, the
 * demotion; then the copy logged.  The checks run again under the lock
 * (they bring news of the chunk's replicas); returns false, logging
 * nothing, if the item has gone away or its source is no longer fresh.
 */
static bool
repair_item_start(RepairItem *item)
{
	List	   *known = NIL;
	Chunk	   *chunk;
	Hypertable *ht;
	ChunkDataNode *src;
	char	   *op;

	/* writers wait only while a stale replica leaves the chunk */
	LockRelationOid(item->chunk_relid, item->stale ? ExclusiveLock : ShareUpdateExclusiveLock);
	chunk = ChunkGetByRelid(item->chunk_relid);
	ht = chunk ? HypertableGetById(chunk->hypertable_id) : NULL;
	if (ht == NULL || ChunkCopyUnfinishedOperation(chunk->id) != NULL ||
		(ChunkReplicaOn(chunk, item->dest) != NULL) != item->stale)
		return false;
	/* a lost replica that another run has made meanwhile */
	if (!item->stale && live_replicas(chunk) >= ht->replication_factor)
		return false;
	src = fresh_source(&known, chunk, item->dest);
	if (src == NULL)
		return false;
	strlcpy(item->source, src->node_name, NAMEDATALEN);
	if (item->stale && !demote_stale_replica(ht, chunk, item->dest, item->source))
		return false;
	op = ChunkCopyStart(item->chunk_relid, item->source, item->dest, NULL, false,
						"repair_chunk_replicas");
	strlcpy(item->operation_id, op, NAMEDATALEN);
	return true;
}

static void
step_begin(void)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
}

static void
step_end(void)
{
	PopActiveSnapshot();
	CommitTransactionCommand();
}

/*
 * In PG_CATCH of a step: the error copied into cxt and the transaction
 * aborted, so that the run can go on; a cancel is thrown again, ending it.
 */
static ErrorData *
step_failed(MemoryContext cxt)
{
	ErrorData  *edata;

	MemoryContextSwitchTo(cxt);
	edata = CopyErrorData();
	FlushErrorState();
	AbortCurrentTransaction();
	if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
		ReThrowError(edata);
	return edata;
}

/*
 * One item, each stage its own transaction; returns whether it was
 * repaired.  A repair's log row goes with its last stage.
 */
static bool
repair_item_run(RepairItem *item)
{
	bool		started;
	bool		more;

	step_begin();
	started = repair_item_start(item);
	step_end();
	if (!started)
		return false;
	do
	{
		CHECK_FOR_INTERRUPTS();
		step_begin();
		more = ChunkCopyNextStage(item->operation_id);
		if (!more)
			CatalogChunkCopyOpDelete(item->operation_id);
		step_end();
	} while (more);
	return true;
}

/*
 * After a failed item: undo its logged copy now if possible (else cleanup
 * or the repair job will).  Errors become warnings.
 */
static void
repair_item_undo(const RepairItem *item)
{
	MemoryContext cxt = CurrentMemoryContext;

	if (item->operation_id[0] == '\0')
		return;
	PG_TRY();
	{
		step_begin();
		(void) ChunkCopyCleanup(item->operation_id);
		step_end();
	}
	PG_CATCH();
	{
		ErrorData  *edata = step_failed(cxt);

		ereport(WARNING,
				(errcode(edata->sqlerrcode),
				 errmsg("could not undo chunk copy operation \"%s\": %s", item->operation_id,
						edata->message),
				 errhint("The repair job or cleanup_copy_chunk_operation() undoes it later.")));
		FreeErrorData(edata);
	}
	PG_END_TRY();
}

/*
 * Repair what can be repaired now (see the header comment), each stage a
 * transaction of its own: called outside any transaction, in a background
 * worker.  A failed item is undone and reported as a warning; the others
 * go on.  A cancel ends the run.
 */
void
ChunkRepairRun(Oid ht_relid, ChunkRepairResult *result)
{
	MemoryContext run_cxt = AllocSetContextCreate(TopMemoryContext, "multinode chunk repair",
												  ALLOCSET_DEFAULT_SIZES);
	List	   *items = NIL;
	ListCell   *lc;

	List	   *plan;
	MemoryContext old;

	step_begin();
	plan = repair_plan(ht_relid);
	/* the items outlive the planning transaction */
	old = MemoryContextSwitchTo(run_cxt);
	foreach(lc, plan)
		items = lappend(items, memcpy(palloc(sizeof(RepairItem)), lfirst(lc), sizeof(RepairItem)));
	MemoryContextSwitchTo(old);
	step_end();

	foreach(lc, items)
	{
		RepairItem *item = lfirst(lc);

		MemoryContextSwitchTo(run_cxt);
		PG_TRY();
		{
			if (repair_item_run(item))
			{
				result->repaired++;
				ereport(DEBUG1,
						(errmsg("%s replica of chunk \"%s\" on data node \"%s\" from \"%s\"",
								item->stale ? "repaired" : "made", item->chunk_name,
								item->dest, item->source)));
			}
		}
		PG_CATCH();
		{
			ErrorData  *edata = step_failed(run_cxt);

			ereport(WARNING,
					(errcode(edata->sqlerrcode),
					 errmsg("could not %s replica of chunk \"%s\" on data node \"%s\": %s",
							item->stale ? "repair the" : "make a", item->chunk_name,
							item->dest, edata->message)));
			if (result->failed++ == 0)
			{
				result->sqlerrcode = edata->sqlerrcode;
				strlcpy(result->message, edata->message, sizeof(result->message));
			}
			FreeErrorData(edata);
			repair_item_undo(item);
		}
		PG_END_TRY();
	}
	MemoryContextSwitchTo(TopMemoryContext);
	MemoryContextDelete(run_cxt);
}

/*
 * Whether there is anything to repair now: the caller's test before
 * starting a worker.
 */
static bool
repair_needed(Oid ht_relid)
{
	return repair_plan(ht_relid) != NIL;
}

PG_FUNCTION_INFO_V1(multinode_repair_chunk_replicas);

/* repair_chunk_replicas(hypertable regclass = NULL) RETURNS integer */
Datum
multinode_repair_chunk_replicas(PG_FUNCTION_ARGS)
{
	Oid			ht_relid = PG_ARGISNULL(0) ? InvalidOid : PG_GETARG_OID(0);

	RequireAccessNode("repair_chunk_replicas");
	ChunkCopyPreventTransactionBlock("repair_chunk_replicas",
									 "It commits in stages, in a background worker that does not see the block's changes.");
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
	if (!repair_needed(ht_relid))
		PG_RETURN_INT32(0);
	PG_RETURN_INT32(ChunkRepairInWorker(ht_relid));
}
