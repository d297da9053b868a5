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
	{
		sl = find_load(*load, best);
		if (sl == NULL)
		{
			sl = palloc0(sizeof(ServerLoad));
			sl->server_id = best;
			*load = lappend(*load, sl);
		}
		sl->chunks++;
	}
	return best;
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
