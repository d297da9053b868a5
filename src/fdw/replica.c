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
 * exists.  Modifications go to every replica, so the
 * copies stay identical.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "foreign/foreign.h"
#include "miscadmin.h"

#include "catalog/catalog.h"
#include "fdw/fdw.h"
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

/* Every server holding the chunk, for modifications. */
List *
ChunkAllServers(Oid chunk_relid)
{
	Chunk	   *chunk = ChunkGetByRelid(chunk_relid);
	List	   *servers = NIL;
	ListCell   *lc;

	if (chunk)
		foreach(lc, chunk->data_nodes)
		{
			ChunkDataNode *cdn = lfirst(lc);

			if (!OidIsValid(cdn->server_id))
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("data node \"%s\" of chunk \"%s\" does not exist",
								cdn->node_name, chunk->table_name)));
			servers = lappend_oid(servers, cdn->server_id);
		}
	if (servers == NIL)
		servers = list_make1_oid(GetForeignTable(chunk_relid)->serverid);
	return servers;
}
