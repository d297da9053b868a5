/*-------------------------------------------------------------------------
 *
 * replica.c
 *	  Which data node serves a chunk: the replica a read uses, the replicas
 *	  a modification must reach.
 *
 * With replication_factor > 1 a chunk lives on several data nodes.  A read
 * takes it from exactly one of them, so every row comes back once; stale
 * replicas (they missed writes while their node was down) are never read,
 * and nodes an operator marked unavailable (server option available =
 * false) or found unreachable a moment ago are avoided while another replica
 * exists.  Writes go to every replica on a node that answers; a replica
 * whose node is down misses them and is recorded stale in the same
 * transaction (ReplicaWrites), for the repair job to copy back.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "catalog/catalog.h"
#include "fdw/fdw.h"
#include "multinode.h"
#include "remote/remote.h"

bool
DataNodeIsAvailable(Oid server_id)
{
	return OidIsValid(server_id) &&
		DataNodeOptionAvailable(GetForeignServer(server_id)->options);
}

typedef struct ServerLoad
{
	Oid			server_id;
	int			chunks;
} ServerLoad;

static ServerLoad *
find_load(List *load, Oid server_id)
{
	ListCell   *lc;

	foreach(lc, load)
		if (((ServerLoad *) lfirst(lc))->server_id == server_id)
			return lfirst(lc);
	return NULL;
}

/* One more chunk read from server_id, in the caller's load list. */
static void
count_chunk(List **load, Oid server_id)
{
	ServerLoad *sl = find_load(*load, server_id);

	if (sl == NULL)
	{
		sl = palloc0(sizeof(ServerLoad));
		sl->server_id = server_id;
		*load = lappend(*load, sl);
	}
	sl->chunks++;
}

/*
 * Whether the replica on cdn may be read: its server exists, it has not
 * missed writes (chunk_replica_stale) and it is not in "down", the servers
 * the caller found unreachable.
 */
bool
ChunkReplicaReadable(const ChunkDataNode *cdn, List *down)
{
	return OidIsValid(cdn->server_id) && !cdn->stale && !list_member_oid(down, cdn->server_id);
}

/*
 * The replica of chunk to read from.  "load" (may be NULL) is the caller's
 * list of chunks already given to each server, so that chunks with several
 * replicas spread over their nodes instead of piling onto the first one.
 * Stale replicas and servers in "down" are never chosen; nodes an operator
 * marked unavailable or recently found unreachable (suspect, remote/suspect.c)
 * only when no other replica is left, so that a node that came back is
 * still found.  Returns InvalidOid when no replica is readable.
 */
Oid
ChunkChooseReplica(const Chunk *chunk, List **load, List *down)
{
	Oid			best = InvalidOid;
	int			best_count = 0;
	bool		best_healthy = false;
	ServerLoad *sl;
	ListCell   *lc;

	foreach(lc, chunk->data_nodes)
	{
		ChunkDataNode *cdn = lfirst(lc);
		bool		healthy;
		int			count;

		if (!ChunkReplicaReadable(cdn, down))
			continue;
		healthy = DataNodeIsAvailable(cdn->server_id) &&
			!DataNodeIsSuspect(cdn->server_id, NULL, NULL, NULL);
		sl = load ? find_load(*load, cdn->server_id) : NULL;
		count = sl ? sl->chunks : 0;
		if (!OidIsValid(best) || (healthy && !best_healthy) ||
			(healthy == best_healthy && count < best_count))
		{
			best = cdn->server_id;
			best_count = count;
			best_healthy = healthy;
		}
	}
	if (load && OidIsValid(best))
		count_chunk(load, best);
	return best;
}

/* A chunk and its place in the caller's list, sorted by space range. */
typedef struct SpaceOrder
{
	const Chunk *chunk;
	int			index;
} SpaceOrder;

static int	order_spacedim;

static int
space_order_cmp(const void *a, const void *b)
{
	const Chunk *ca = ((const SpaceOrder *) a)->chunk;
	const Chunk *cb = ((const SpaceOrder *) b)->chunk;

	if (ca->range_start[order_spacedim] != cb->range_start[order_spacedim])
		return ca->range_start[order_spacedim] < cb->range_start[order_spacedim] ? -1 : 1;
	return ((const SpaceOrder *) a)->index - ((const SpaceOrder *) b)->index;
}

/* Whether chunk has a readable replica on server_id. */
static bool
readable_on(const Chunk *chunk, Oid server_id, List *down)
{
	ListCell   *lc;

	foreach(lc, chunk->data_nodes)
	{
		ChunkDataNode *cdn = lfirst(lc);

		if (cdn->server_id == server_id && ChunkReplicaReadable(cdn, down))
			return true;
	}
	return false;
}

/*
 * The server every chunk of a slice, order[from..to), is read from: one
 * holding a readable replica of each of them, available and not suspect,
 * with the fewest chunks given so far; InvalidOid when there is none (the
 * replicas are spread over different nodes, or the only common node is
 * unhealthy while each chunk has a healthy replica of its own).
 */
static Oid
slice_server(SpaceOrder *order, int from, int to, List *load, List *down)
{
	Oid			best = InvalidOid;
	int			best_count = 0;
	ListCell   *lc;
	int			i;

	foreach(lc, order[from].chunk->data_nodes)
	{
		ChunkDataNode *cdn = lfirst(lc);
		ServerLoad *sl;
		bool		common = ChunkReplicaReadable(cdn, down);

		for (i = from + 1; common && i < to; i++)
			common = readable_on(order[i].chunk, cdn->server_id, down);
		if (!common || !DataNodeIsAvailable(cdn->server_id) ||
			DataNodeIsSuspect(cdn->server_id, NULL, NULL, NULL))
			continue;
		sl = find_load(load, cdn->server_id);
		if (!OidIsValid(best) || (sl ? sl->chunks : 0) < best_count)
		{
			best = cdn->server_id;
			best_count = sl ? sl->chunks : 0;
		}
	}
	return best;
}

/*
 * The replica each of "chunks" (of one hypertable) is read from, as an
 * OidList in their order, InvalidOid for a chunk with no readable replica.
 *
 * With a space dimension (spacedim >= 0) the chunks of one space slice --
 * or of slices that overlap, after the number of partitions changed -- are
 * read from one node whenever some healthy node holds all of them, so that
 * every group of a GROUP BY on the space column lives on one node and the
 * nodes can compute the aggregation whole (planner/upper_agg.c).  With
 * replication the slices have a choice of nodes: each goes to the node
 * holding it that has been given the fewest chunks so far, which spreads
 * the slices over the nodes as ChunkChooseReplica spreads chunks.  A slice
 * no healthy node holds whole has its chunks chosen one by one.
 */
List *
ChunksChooseReplicas(List *chunks, int spacedim, List *down)
{
	int			n = list_length(chunks);
	Oid		   *servers = palloc0(sizeof(Oid) * Max(n, 1));
	SpaceOrder *order = palloc(sizeof(SpaceOrder) * Max(n, 1));
	List	   *load = NIL;
	List	   *result = NIL;
	ListCell   *lc;
	int			from;
	int			i;

	foreach(lc, chunks)
	{
		order[foreach_current_index(lc)].chunk = lfirst(lc);
		order[foreach_current_index(lc)].index = foreach_current_index(lc);
	}
	if (spacedim >= 0)
	{
		order_spacedim = spacedim;
		qsort(order, n, sizeof(SpaceOrder), space_order_cmp);
	}
	for (from = 0; from < n; from = i)
	{
		int64		end = order[from].chunk->range_end[Max(spacedim, 0)];
		Oid			server = InvalidOid;
		int			j;

		CHECK_FOR_INTERRUPTS();
		/* the slice: every chunk starting before the ones so far end */
		for (i = from + 1; spacedim >= 0 && i < n &&
			 order[i].chunk->range_start[spacedim] < end; i++)
			end = Max(end, order[i].chunk->range_end[spacedim]);
		if (spacedim < 0)
			i = from + 1;
		else
			server = slice_server(order, from, i, load, down);
		for (j = from; j < i; j++)
		{
			if (!OidIsValid(server))
				servers[order[j].index] = ChunkChooseReplica(order[j].chunk, &load, down);
			else
			{
				servers[order[j].index] = server;
				count_chunk(&load, server);
			}
		}
	}
	for (i = 0; i < n; i++)
		result = lappend_oid(result, servers[i]);
	pfree(servers);
	pfree(order);
	return result;
}

/*
 * The server to read a chunk's foreign table from: a replica from the
 * catalog, else the foreign table's own server.
 */
Oid
ChunkReadServer(Oid chunk_relid)
{
	Chunk	   *chunk = ChunkGetByRelid(chunk_relid);
	Oid			server = chunk ? ChunkChooseReplica(chunk, NULL, NIL) : InvalidOid;

	return OidIsValid(server) ? server : GetForeignTable(chunk_relid)->serverid;
}

/*
 * The server a chunk scan reads, decided when it starts: the planned one,
 * unless (a cached plan) its replica has gone stale or been moved since,
 * or its node is suspect -- or, with probe (the scan of an UPDATE or
 * DELETE, which must not fail for a node that is down), does not answer
 * now.  Then another fresh replica, as a read planned now would choose;
 * with none, the planned one, whose scan then fails with the node's error.
 */
Oid
ChunkReadServerNow(Oid chunk_relid, Oid planned, bool probe)
{
	Chunk	   *chunk = ChunkGetByRelid(chunk_relid);
	List	   *down = NIL;
	char	   *msg = NULL;
	Oid			server;

	if (chunk == NULL)
		return planned;
	if (readable_on(chunk, planned, NIL))
	{
		if (!DataNodeIsSuspect(planned, NULL, NULL, NULL) &&
			(!probe || TryDataNodeConnection(planned, &msg) != NULL))
			return planned;
		down = list_make1_oid(planned);
	}
	server = ChunkChooseReplica(chunk, NULL, down);
	return OidIsValid(server) ? server : planned;
}

/* The server of a replica a write must reach; an error if it was deleted. */
Oid
ChunkReplicaServer(const Chunk *chunk, const ChunkDataNode *cdn)
{
	if (!OidIsValid(cdn->server_id))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("data node \"%s\" of chunk \"%s\" does not exist",
						cdn->node_name, chunk->table_name)));
	return cdn->server_id;
}

/* Every server holding the chunk, for modifications. */
List *
ChunkAllServers(Oid chunk_relid)
{
	Chunk	   *chunk = ChunkGetByRelid(chunk_relid);
	List	   *servers = NIL;
	ListCell   *lc;

	if (chunk)
		foreach(lc, chunk->data_nodes)
			servers = lappend_oid(servers, ChunkReplicaServer(chunk, lfirst(lc)));
	if (servers == NIL)
		servers = list_make1_oid(GetForeignTable(chunk_relid)->serverid);
	return servers;
}

/*
 * What one statement writing to chunks learned about their nodes, and the
 * stale marks it wrote.  Allocated by ReplicaWritesCreate in the
 * statement's memory; its lists live there too.
 */
struct ReplicaWrites
{
	List	   *live;			/* OidList: nodes that answered */
	List	   *down;			/* OidList: nodes found down */
	List	   *marked;			/* "chunk_id/node" of replicas recorded stale */
	bool		written;		/* some of those marks are new in the catalog */
};

ReplicaWrites *
ReplicaWritesCreate(void)
{
	return palloc0(sizeof(ReplicaWrites));
}

/*
 * Whether a replica's node is down for this statement: suspect (found
 * unreachable a moment ago, remote/suspect.c) or not connectable now.
 * Decided once per node and statement, so a dead node costs at most one
 * connect timeout per statement, none while it is suspect.  A node that
 * fails later, mid-statement, fails the statement.
 */
bool
ReplicaNodeIsDown(ReplicaWrites *rw, Oid server_id)
{
	MemoryContext old;
	char	   *msg = NULL;
	bool		down;

	if (list_member_oid(rw->live, server_id))
		return false;
	if (list_member_oid(rw->down, server_id))
		return true;
	down = DataNodeIsSuspect(server_id, NULL, NULL, NULL) ||
		TryDataNodeConnection(server_id, &msg) == NULL;
	old = MemoryContextSwitchTo(GetMemoryChunkContext(rw));
	if (down)
		rw->down = lappend_oid(rw->down, server_id);
	else
		rw->live = lappend_oid(rw->live, server_id);
	MemoryContextSwitchTo(old);
	return down;
}

/*
 * Record that the replica of chunk_id on node_name misses this statement's
 * writes: a chunk_replica_stale row, written as the extension's owner in
 * this transaction, so it commits or vanishes with the writes themselves.
 * Reads then avoid the replica until the repair job has brought it up to
 * date.  Readers' cached chunks learn it from ReplicaWritesEnd, not here:
 * the caller may still be using them.
 */
void
ReplicaMarkStale(ReplicaWrites *rw, int32 chunk_id, const char *node_name)
{
	char	   *key = psprintf("%d/%s", chunk_id, node_name);
	Oid			types[2] = {INT4OID, NAMEOID};
	Datum		values[2];
	NameData	node;
	ListCell   *lc;
	MemoryContext old;

	foreach(lc, rw->marked)
		if (strcmp(lfirst(lc), key) == 0)
			return;
	namestrcpy(&node, node_name);
	values[0] = Int32GetDatum(chunk_id);
	values[1] = NameGetDatum(&node);
	if (CatalogExec("INSERT INTO " MN_CATALOG_SCHEMA ".chunk_replica_stale (chunk_id, node_name) "
					"VALUES ($1, $2) ON CONFLICT DO NOTHING", 2, types, values, NULL, false) > 0)
		rw->written = true;
	old = MemoryContextSwitchTo(GetMemoryChunkContext(rw));
	rw->marked = lappend(rw->marked, pstrdup(key));
	MemoryContextSwitchTo(old);
}

/*
 * The statement is done with the hypertable whose root is root_relid:
 * when it recorded new stale replicas, every backend's cached chunks are
 * invalidated (only then: while a node stays down, later statements find
 * the replicas stale in the cache and write nothing, so backends do not
 * reload the hypertable's chunks at every write).
 */
void
ReplicaWritesEnd(ReplicaWrites *rw, Oid root_relid)
{
	if (rw->written)
		CatalogInvalidateHypertable(root_relid);
	rw->written = false;
}

/*
 * The error for a write to a chunk none of whose nodes answers (for a
 * modification: none holding a fresh replica), raised before anything of
 * it is sent; it aborts the transaction, so nothing is written anywhere.
 * "action" is "insert into", "update" or "delete from".
 */
void
ReplicaReportNoLive(const Chunk *chunk, const char *action)
{
	StringInfoData nodes;
	ListCell   *lc;

	initStringInfo(&nodes);
	foreach(lc, chunk->data_nodes)
	{
		ChunkDataNode *cdn = lfirst(lc);

		appendStringInfo(&nodes, "%s\"%s\"%s", nodes.len ? ", " : "", cdn->node_name,
						 cdn->stale ? " (stale)" : "");
	}
	ereport(ERROR,
			(errcode(ERRCODE_CONNECTION_FAILURE),
			 errmsg("could not %s chunk \"%s\": no data node holding it is reachable",
					action, chunk->table_name),
			 errdetail_plural("Its replica is on data node %s.", "Its replicas are on data nodes %s.",
							  list_length(chunk->data_nodes), nodes.data),
			 errhint("Start one of those data nodes again; nothing was written.")));
}

/*
 * The servers an UPDATE or DELETE of the chunk's rows must reach, decided
 * when the statement starts (its lock on the chunk is held, so a repair or
 * move of the chunk has finished or waits): every fresh replica on a node
 * that answers, "first" (the replica the statement reads, if valid) first.
 * Stale replicas are left alone (the repair copies them whole) and so are
 * replicas on nodes that are down, which go to *missed (node names) for
 * ReplicaMarkStale once the statement changed a row.  Errors when no fresh
 * replica is on a node that answers, or a replica's node was deleted.
 */
List *
ChunkWriteServers(Oid chunk_relid, Oid first, ReplicaWrites *rw, List **missed,
				  const char *action)
{
	Chunk	   *chunk = ChunkGetByRelid(chunk_relid);
	List	   *servers = NIL;
	ListCell   *lc;

	*missed = NIL;
	if (chunk == NULL)
		return list_make1_oid(GetForeignTable(chunk_relid)->serverid);
	foreach(lc, chunk->data_nodes)
	{
		ChunkDataNode *cdn = lfirst(lc);
		Oid			server_id = ChunkReplicaServer(chunk, cdn);

		if (cdn->stale)
			continue;
		if (ReplicaNodeIsDown(rw, server_id))
			*missed = lappend(*missed, pstrdup(cdn->node_name));
		else if (server_id == first)
			servers = lcons_oid(first, servers);
		else
			servers = lappend_oid(servers, server_id);
	}
	if (servers == NIL)
		ReplicaReportNoLive(chunk, action);
	return servers;
}
