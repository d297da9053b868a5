/*-------------------------------------------------------------------------
 *
 * chunk.c
 *	  Chunk creation, on demand, inside the writing transaction.
 *
 * A chunk is one slice per dimension: an epoch-aligned time range and, with
 * a space dimension, one of num_slices hash ranges.  It is created when the
 * first row that needs it is routed:
 *
 *	 - local and member hypertables: a table in the associated schema,
 *	   child of the root, with CHECK constraints for its ranges and copies
 *	   of the root's indexes, constraints and row triggers (chunk_objects.c);
 *	 - distributed hypertables (access node): a foreign table, child of the
 *	   root, with the same CHECK constraints, whose server is the first data
 *	   node holding it; and on each of replication_factor data nodes, the
 *	   member chunk (create_member_chunk, through the distributed
 *	   transaction), whose ids are kept in chunk_data_node.
 *
 * Concurrency: creators of chunks of one hypertable are serialized by a
 * SHARE UPDATE EXCLUSIVE lock on the root, held to the end of the
 * transaction (CREATE TABLE ... INHERITS takes the same lock on the parent
 * anyway, so this adds no new waits).  The lock does not conflict with
 * inserts.  After taking it we look again with a fresh catalog snapshot:
 * the lock processed the invalidation sent by a transaction that created
 * the chunk meanwhile and committed, so the second look finds its chunk
 * instead of making a twin.  Every creator takes the one lock, and takes
 * data node locks only after it, so two creators cannot deadlock.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/xact.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/pg_shdepend.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_utilcmd.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "access/htup_details.h"
#include "catalog/pg_class.h"

#include "catalog/catalog.h"
#include "fdw/fdw.h"
#include "hypertable/hypertable.h"
#include "multinode.h"
#include "remote/remote.h"

/* The owner of relation relid. */
Oid
RelationOwner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * The chunk gets the root's privileges, so whoever may write the hypertable
 * may write its chunks (ON CONFLICT runs as a statement on the chunk) and
 * whoever may read it may read them.  Dependencies on the roles named are
 * recorded as GRANT would.
 */
static void
copy_root_acl(Oid root_relid, Oid chunk_relid)
{
	HeapTuple	roottup = SearchSysCache1(RELOID, ObjectIdGetDatum(root_relid));
	Datum		acl;
	bool		isnull;
	Relation	classrel;
	HeapTuple	tup;
	HeapTuple	newtup;
	Datum		values[Natts_pg_class] = {0};
	bool		nulls[Natts_pg_class] = {0};
	bool		repl[Natts_pg_class] = {0};
	Oid		   *members;
	int			nmembers;

	if (!HeapTupleIsValid(roottup))
		elog(ERROR, "cache lookup failed for relation %u", root_relid);
	acl = SysCacheGetAttr(RELOID, roottup, Anum_pg_class_relacl, &isnull);
	if (isnull)
	{
		ReleaseSysCache(roottup);
		return;
	}
	acl = PointerGetDatum(DatumGetAclPCopy(acl));
	ReleaseSysCache(roottup);

	classrel = table_open(RelationRelationId, RowExclusiveLock);
	tup = SearchSysCacheCopy1(RELOID, ObjectIdGetDatum(chunk_relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", chunk_relid);
	values[Anum_pg_class_relacl - 1] = acl;
	repl[Anum_pg_class_relacl - 1] = true;
	newtup = heap_modify_tuple(tup, RelationGetDescr(classrel), values, nulls, repl);
	CatalogTupleUpdate(classrel, &newtup->t_self, newtup);
	nmembers = aclmembers(DatumGetAclP(acl), &members);
	updateAclDependencies(RelationRelationId, chunk_relid, 0,
						  ((Form_pg_class) GETSTRUCT(tup))->relowner, 0, NULL, nmembers, members);
	table_close(classrel, RowExclusiveLock);
	CommandCounterIncrement();
}

/*
 * The ranges of the new chunk containing point: each dimension's aligned
 * slice, cut where it would overlap an existing chunk (after the interval
 * or the number of partitions changed) so that chunks never overlap.
 */
static void
chunk_ranges_for_point(const Hypertable *ht, const int64 *point, int64 *start, int64 *end)
{
	List	   *chunks = HypertableGetChunks(ht);
	int			d;

	for (d = 0; d < ht->num_dimensions; d++)
	{
		const Dimension *dim = &ht->dimensions[d];

		if (dim->is_space)
			SpaceSliceRange(dim, SpaceSliceIndex(dim, point[d]), &start[d], &end[d]);
		else
			TimeSliceRange(dim, point[d], &start[d], &end[d]);
	}

	for (d = 0; d < ht->num_dimensions; d++)
	{
		ListCell   *lc;

		foreach(lc, chunks)
		{
			Chunk	   *c = lfirst(lc);
			bool		overlaps_others = true;
			int			o;

			for (o = 0; o < ht->num_dimensions; o++)
				if (o != d && (c->range_end[o] <= start[o] || c->range_start[o] >= end[o]))
					overlaps_others = false;
			if (!overlaps_others || c->range_end[d] <= start[d] || c->range_start[d] >= end[d])
				continue;
			if (c->range_end[d] <= point[d])
				start[d] = c->range_end[d];
			else if (c->range_start[d] > point[d])
				end[d] = c->range_start[d];
		}
	}
}

static char *
range_check_sql(const Dimension *dim, int64 start, int64 end)
{
	StringInfoData buf;
	char	   *expr;
	bool		has_start = start != MN_TIME_MIN;
	bool		has_end = end != MN_TIME_MAX;

	if (!has_start && !has_end)
		return NULL;
	if (dim->is_space)
	{
		if (OidIsValid(dim->partitioning_func))
			expr = psprintf("(%s.%s(%s) OPERATOR(pg_catalog.&) 2147483647)",
							quote_identifier(get_namespace_name(get_func_namespace(dim->partitioning_func))),
							quote_identifier(get_func_name(dim->partitioning_func)),
							quote_identifier(dim->column_name));
		else
			expr = psprintf(MN_FUNCTIONS_SCHEMA ".get_partition_hash(%s)",
							quote_identifier(dim->column_name));
	}
	else if (OidIsValid(dim->partitioning_func))
		expr = psprintf("%s.%s(%s)",
						quote_identifier(get_namespace_name(get_func_namespace(dim->partitioning_func))),
						quote_identifier(get_func_name(dim->partitioning_func)),
						quote_identifier(dim->column_name));
	else
		expr = pstrdup(quote_identifier(dim->column_name));

	initStringInfo(&buf);
	if (has_start)
		appendStringInfo(&buf, "(%s OPERATOR(pg_catalog.>=) %s)", expr,
						 dim->is_space ? psprintf(INT64_FORMAT, start) :
						 InternalTimeToLiteral(start, dim->value_type));
	if (has_start && has_end)
		appendStringInfoString(&buf, " AND ");
	if (has_end)
		appendStringInfo(&buf, "(%s OPERATOR(pg_catalog.<) %s)", expr,
						 dim->is_space ? psprintf(INT64_FORMAT, end) :
						 InternalTimeToLiteral(end, dim->value_type));
	return buf.data;
}

/* "a", "b" for a message */
static char *
node_names(List *names)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, names)
		appendStringInfo(&buf, "%s\"%s\"", buf.len ? ", " : "", (char *) lfirst(lc));
	return buf.data;
}

List *
ChunkPlacement(const Hypertable *ht, int slice_index)
{
	List	   *nodes = NIL;
	List	   *result = NIL;
	List	   *down = NIL;
	ListCell   *lc;
	int			n;
	int			k;

	foreach(lc, ht->data_nodes)
	{
		HypertableDataNode *hdn = lfirst(lc);

		if (OidIsValid(hdn->server_id) && !hdn->block_chunks &&
			DataNodeOptionAvailable(GetForeignServer(hdn->server_id)->options))
			nodes = lappend(nodes, hdn);
	}
	n = list_length(nodes);
	if (n < ht->replication_factor)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("insufficient number of data nodes for hypertable \"%s\"", ht->table_name),
				 errdetail("A new chunk needs %d data nodes (the replication factor), but %d are available.",
						   ht->replication_factor, n),
				 errhint("Attach more data nodes or make blocked or unavailable ones available again.")));

	/*
	 * Round-robin from the slice's node, over the nodes that answer: a node
	 * found unreachable (now, or a moment ago: remote/suspect.c) is passed
	 * over, so its share goes to the next one, and a chunk made while too
	 * few nodes answer gets fewer replicas, with a warning, rather than
	 * failing the insert.
	 */
	for (k = 0; k < n && list_length(result) < ht->replication_factor; k++)
	{
		HypertableDataNode *hdn = list_nth(nodes, ((slice_index + k) % n + n) % n);
		char	   *msg = NULL;

		if (DataNodeIsSuspect(hdn->server_id, NULL, NULL, NULL) ||
			TryDataNodeConnection(hdn->server_id, &msg) == NULL)
		{
			down = lappend(down, hdn->node_name);
			continue;
		}
		result = lappend(result, hdn);
	}
	if (result == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("could not create a chunk of hypertable \"%s\": no data node is reachable",
						ht->table_name),
				 errdetail("Data nodes down: %s.", node_names(down))));
	if (list_length(result) < ht->replication_factor)
		ereport(WARNING,
				(errmsg("new chunk of hypertable \"%s\" has %d of its %d replicas",
						ht->table_name, list_length(result), ht->replication_factor),
				 errdetail("Data nodes down: %s.", node_names(down))));
	return result;
}

/* The index that places a new chunk: its space slice, else its time slice. */
static int
placement_index(const Hypertable *ht, const int64 *point)
{
	const Dimension *space = HypertableSpaceDimension(ht);
	const Dimension *time = HypertableTimeDimension(ht);
	int			d;

	for (d = 0; d < ht->num_dimensions; d++)
		if (&ht->dimensions[d] == space)
			return SpaceSliceIndex(space, point[d]);
	for (d = 0; d < ht->num_dimensions; d++)
		if (&ht->dimensions[d] == time)
		{
			int64		q = point[d] / time->interval_length;

			if (point[d] < 0 && point[d] % time->interval_length != 0)
				q--;
			return (int) (q % 1000003);
		}
	return 0;
}

/*
 * "<prefix>_<id>_chunk", within NAMEDATALEN: a long prefix (up to 63 bytes
 * are allowed) is cut at a character boundary so that the suffix, which
 * makes the name unique, survives whole and PostgreSQL does not truncate
 * the name to something other than what the catalog records.
 */
static char *
chunk_table_name(const char *prefix, int32 chunk_id)
{
	char	   *suffix = psprintf("_%d_chunk", chunk_id);
	int			room = NAMEDATALEN - 1 - (int) strlen(suffix);
	int			len = pg_mbcliplen(prefix, strlen(prefix), Min(room, (int) strlen(prefix)));

	return psprintf("%.*s%s", len, prefix, suffix);
}

static int32
new_chunk_id(void)
{
	return CatalogChunkNextId();
}

/*
 * Create the chunk with these ranges in the local catalog and as a local
 * table (foreign when server_id is valid).  chunk_id 0: a new one.
 * table_name NULL: named from the hypertable's prefix and the id.  Returns the chunk id; *relid_out gets
 * the table, slice_ids[num_dimensions] the slices.  Caller holds the root's
 * lock.
 */
static int32
create_local_chunk(const Hypertable *ht, int32 chunk_id, const int64 *start, const int64 *end,
				   const char *schema_name, const char *table_name, Oid server_id,
				   Oid *relid_out, int32 *slice_ids)
{
	StringInfoData sql;
	bool		first = true;
	int			d;
	CatalogOwnerScope scope;
	Oid			nsp;
	Oid			relid;

	if (chunk_id == 0)
		chunk_id = new_chunk_id();
	if (schema_name == NULL)
		schema_name = ht->associated_schema_name;
	if (table_name == NULL)
		table_name = chunk_table_name(ht->associated_table_prefix, chunk_id);

	{
		int32	   *dimension_ids = palloc(sizeof(int32) * Max(1, ht->num_dimensions));

		for (d = 0; d < ht->num_dimensions; d++)
			dimension_ids[d] = ht->dimensions[d].id;
		CatalogChunkRowsInsert(chunk_id, ht->id, schema_name, table_name,
							   ht->num_dimensions, dimension_ids, start, end, slice_ids);
	}

	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE %sTABLE %s (", OidIsValid(server_id) ? "FOREIGN " : "",
					 quote_qualified_identifier(schema_name, table_name));
	for (d = 0; d < ht->num_dimensions; d++)
	{
		char	   *check = range_check_sql(&ht->dimensions[d], start[d], end[d]);

		if (check == NULL)
			continue;
		appendStringInfo(&sql, "%sCONSTRAINT constraint_%d CHECK (%s)", first ? "" : ", ",
						 slice_ids[d], check);
		first = false;
	}
	appendStringInfo(&sql, ") INHERITS (%s)", quote_qualified_identifier(ht->schema_name,
																		 ht->table_name));
	if (OidIsValid(server_id))
		appendStringInfo(&sql, " SERVER %s OPTIONS (chunk_id '%d')",
						 quote_identifier(GetForeignServer(server_id)->servername), chunk_id);
	else
		appendStringInfoString(&sql, ChunkStorageClause(ht, placement_index(ht, start)));
	CatalogExec(sql.data, 0, NULL, NULL, NULL, false);

	nsp = get_namespace_oid(schema_name, false);
	relid = get_relname_relid(table_name, nsp);
	if (!OidIsValid(relid))
		elog(ERROR, "chunk \"%s\" was not created", table_name);

	/*
	 * The chunk belongs to whoever owns the hypertable, before anything that
	 * could evaluate the owner's expressions is copied to it: index builds
	 * run as the table's owner, which must never be ours.
	 */
	CatalogExec(psprintf("ALTER %sTABLE %s OWNER TO %s", OidIsValid(server_id) ? "FOREIGN " : "",
						 quote_qualified_identifier(schema_name, table_name),
						 quote_identifier(GetUserNameFromId(RelationOwner(ht->relid), false))),
				0, NULL, NULL, NULL, false);
	CatalogAsOwnerBegin(&scope);
	copy_root_acl(ht->relid, relid);
	CatalogAsOwnerEnd(&scope);
	CommandCounterIncrement();

	/* indexes, UNIQUE/PRIMARY KEY/FOREIGN KEY constraints, row triggers (chunk_objects.c) */
	if (!OidIsValid(server_id))
		ChunkCopyRootObjects(ht->relid, relid);
	*relid_out = relid;
	return chunk_id;
}

static char *
ranges_literal(const Hypertable *ht, const int64 *start, const int64 *end)
{
	StringInfoData buf;
	int			d;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (d = 0; d < ht->num_dimensions; d++)
		appendStringInfo(&buf, "%s" INT64_FORMAT "," INT64_FORMAT, d ? "," : "", start[d], end[d]);
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

static const char create_member_chunk_sql[] =
"SELECT " MN_FUNCTIONS_SCHEMA ".create_member_chunk($1::regclass, $2, $3, $4::bigint[])";

/*
 * Ask each replica's data node to create the member chunk, without waiting:
 * the access node makes its own table meanwhile.  Returns the connections,
 * in the order of replicas, for finish_remote_chunks.
 */
static List *
start_remote_chunks(const Hypertable *ht, const char *schema_name, const char *table_name,
					List *replicas, const int64 *start, const int64 *end)
{
	const char *params[4];
	List	   *conns = NIL;
	ListCell   *lc;

	params[0] = quote_qualified_identifier(ht->schema_name, ht->table_name);
	params[1] = schema_name;
	params[2] = table_name;
	params[3] = ranges_literal(ht, start, end);

	foreach(lc, replicas)
	{
		HypertableDataNode *hdn = lfirst(lc);
		DataNodeConn *conn = GetDataNodeConnection(hdn->server_id, REMOTE_TXN_WRITE);

		RemoteSendParams(conn, create_member_chunk_sql, 4, params);
		conns = lappend(conns, conn);
	}
	return conns;
}

/*
 * Wait for the member chunks started by start_remote_chunks; record the
 * replicas and return them (ChunkDataNode *, in the order of replicas).
 * Reads every result before raising the first error, so that no
 * connection is left busy.
 */
static List *
finish_remote_chunks(int32 chunk_id, List *replicas, List *conns)
{
	const char *sql = create_member_chunk_sql;
	ListCell   *lc;
	ListCell   *lc2;
	RemoteFirstError fe = {0};
	List	   *result = NIL;
	int			n = 0;
	int32	   *node_chunk_ids = palloc(sizeof(int32) * list_length(replicas));
	const char **node_names = palloc(sizeof(char *) * list_length(replicas));

	forboth(lc, conns, lc2, replicas)
	{
		DataNodeConn *conn = lfirst(lc);
		HypertableDataNode *hdn = lfirst(lc2);
		PGresult   *res = RemoteGetResult(conn, sql);
		ChunkDataNode *cdn;

		if (!RemoteCollectResult(&fe, conn, res, sql))
			continue;
		if (PQntuples(res) != 1)
			elog(ERROR, "data node \"%s\" made no chunk", hdn->node_name);
		cdn = palloc0(sizeof(ChunkDataNode));
		strlcpy(cdn->node_name, hdn->node_name, NAMEDATALEN);
		cdn->server_id = hdn->server_id;
		cdn->node_chunk_id = atoi(PQgetvalue(res, 0, 0));
		result = lappend(result, cdn);
		PQclear(res);
		node_chunk_ids[n] = cdn->node_chunk_id;
		node_names[n] = cdn->node_name;
		n++;
	}
	RemoteRaiseFirstError(&fe);
	CatalogChunkDataNodesInsert(chunk_id, n, node_chunk_ids, node_names);
	return result;
}

/*
 * Create the chunk with these ranges: catalog rows and table here
 * (create_local_chunk) and, given replicas (HypertableDataNode *), the
 * member chunks on those data nodes; then make it visible.  The cache gets
 * the new chunk added rather than every chunk reloaded (see
 * HypertableCacheBeginChunk).  Returns the chunk id.  Caller holds the
 * root's lock.
 */
static int32
create_chunk(const Hypertable *ht, const int64 *start, const int64 *end,
			 const char *schema_name, const char *table_name, List *replicas)
{
	Oid			root = ht->relid;
	Chunk	   *chunk = palloc0(sizeof(Chunk));

	chunk->slice_ids = palloc0(sizeof(int32) * Max(1, ht->num_dimensions));
	chunk->range_start = (int64 *) start;
	chunk->range_end = (int64 *) end;
	HypertableCacheBeginChunk(root);
	PG_TRY();
	{
		Oid			server_id = InvalidOid;
		List	   *conns = NIL;
		const char *name = table_name;

		strlcpy(chunk->schema_name, schema_name ? schema_name : ht->associated_schema_name,
				NAMEDATALEN);
		if (replicas != NIL)
		{
			/* the data nodes make their tables while we make ours */
			chunk->id = new_chunk_id();
			if (name == NULL)
				name = chunk_table_name(ht->associated_table_prefix, chunk->id);
			conns = start_remote_chunks(ht, chunk->schema_name, name, replicas, start, end);
			server_id = ((HypertableDataNode *) linitial(replicas))->server_id;
		}
		chunk->id = create_local_chunk(ht, chunk->id, start, end, schema_name, name,
									   server_id, &chunk->relid, chunk->slice_ids);
		strlcpy(chunk->table_name, get_rel_name(chunk->relid), NAMEDATALEN);
		if (replicas != NIL)
			chunk->data_nodes = finish_remote_chunks(chunk->id, replicas, conns);
		/* other backends drop their copies when we commit */
		CatalogInvalidateHypertable(root);
		CommandCounterIncrement();
	}
	PG_CATCH();
	{
		HypertableCacheEndChunk(root, NULL);
		PG_RE_THROW();
	}
	PG_END_TRY();
	HypertableCacheEndChunk(root, chunk);
	return chunk->id;
}

/* ChunkGetOrCreate's work, in its short-lived context; chunk from the cache */
static Chunk *
get_or_create_chunk(Hypertable *ht, const int64 *point)
{
	Chunk	   *chunk;
	int64	   *start;
	int64	   *end;
	int32		chunk_id;

	LockRelationOid(ht->relid, ShareUpdateExclusiveLock);
	/* the lock made us see chunks committed meanwhile: look again */
	ht = HypertableGetByRelid(ht->relid);
	if (ht == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("hypertable was dropped concurrently")));
	chunk = HypertableFindChunk(ht, point);
	if (chunk != NULL)
		return chunk;

	start = palloc(sizeof(int64) * ht->num_dimensions);
	end = palloc(sizeof(int64) * ht->num_dimensions);
	chunk_ranges_for_point(ht, point, start, end);

	if (HypertableIsDistributed(ht))
		chunk_id = create_chunk(ht, start, end, NULL, NULL,
								ChunkPlacement(ht, placement_index(ht, point)));
	else
		chunk_id = create_chunk(ht, start, end, NULL, NULL, NIL);

	ht = HypertableGetByRelid(ht->relid);
	chunk = ht ? HypertableFindChunk(ht, point) : NULL;
	if (chunk == NULL || chunk->id != chunk_id)
		elog(ERROR, "chunk %d was created but cannot be found", chunk_id);
	return chunk;
}

/*
 * The chunk containing point, created if there is none.  Creation's own
 * allocations (SQL text, placement, ranges, catalog look-ups) live in a
 * context deleted before we return: a statement that creates thousands of
 * chunks must not keep tens of kilobytes per chunk in its executor memory.
 * What outlives it is in the caches (the chunk is copied into the
 * hypertable cache), the relcache and the remote transaction state.  On
 * error the context goes with its parent.
 */
Chunk *
ChunkGetOrCreate(Hypertable *ht, const int64 *point)
{
	Chunk	   *chunk = HypertableFindChunk(ht, point);
	MemoryContext cxt;
	MemoryContext old;

	if (chunk != NULL)
		return chunk;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "multinode chunk creation",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	chunk = get_or_create_chunk(ht, point);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return chunk;
}

PG_FUNCTION_INFO_V1(multinode_create_member_chunk);

/*
 * _timescaledb_functions.create_member_chunk(hypertable regclass,
 *	 schema_name name, table_name name, ranges bigint[]) RETURNS int
 *
 * The data node side of chunk creation: the member hypertable's chunk with
 * exactly the access node's name and ranges.  Returns the node's chunk id.
 */
Datum
multinode_create_member_chunk(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	char	   *schema_name = NameStr(*PG_GETARG_NAME(1));
	char	   *table_name = NameStr(*PG_GETARG_NAME(2));
	ArrayType  *ranges = PG_GETARG_ARRAYTYPE_P(3);
	Hypertable *ht;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int64	   *start;
	int64	   *end;
	int			d;
	Chunk	   *existing;

	if (pg_class_aclcheck(relid, GetUserId(), ACL_INSERT) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, get_rel_name(relid));
	ht = HypertableGetByRelid(relid);
	if (!HypertableIsDistMember(ht))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" is not a member of a distributed hypertable", get_rel_name(relid))));
	deconstruct_array(ranges, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, &n);
	if (n != 2 * ht->num_dimensions)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("expected %d range bounds, got %d", 2 * ht->num_dimensions, n)));
	start = palloc(sizeof(int64) * ht->num_dimensions);
	end = palloc(sizeof(int64) * ht->num_dimensions);
	for (d = 0; d < ht->num_dimensions; d++)
	{
		if (nulls[2 * d] || nulls[2 * d + 1])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("range bounds cannot be NULL")));
		start[d] = DatumGetInt64(elems[2 * d]);
		end[d] = DatumGetInt64(elems[2 * d + 1]);
		if (start[d] >= end[d])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid range [" INT64_FORMAT ", " INT64_FORMAT ") for dimension \"%s\"",
							start[d], end[d], ht->dimensions[d].column_name),
					 errdetail("A range must start before it ends.")));
	}

	LockRelationOid(relid, ShareUpdateExclusiveLock);
	ht = HypertableGetByRelid(relid);
	/* idempotent: a retried creation finds the chunk made the first time */
	existing = HypertableFindChunk(ht, start);
	if (existing != NULL && strcmp(existing->table_name, table_name) == 0)
		PG_RETURN_INT32(existing->id);

	PG_RETURN_INT32(create_chunk(ht, start, end, schema_name, table_name, NIL));
}
