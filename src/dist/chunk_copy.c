/*-------------------------------------------------------------------------
 *
 * chunk_copy.c
 *	  Copying and moving a chunk's replica from one data node to another,
 *	  online, in logged stages.
 *
 * copy_chunk and move_chunk (sql/48_chunk_copy.sql) are procedures that
 * commit after every stage; each stage is one distributed transaction
 * (two-phase commit) that does its work on the nodes and records itself as
 * the operation's completed_stage in _timescaledb_catalog.chunk_copy_operation,
 * so the log never claims more, nor less, than what is committed:
 *
 *	init				the log row; nothing on any node yet
 *	create_empty_chunk	the member chunk made on the destination
 *						(create_member_chunk, as chunk creation does)
 *	sync_start			the capture trigger made on the source's chunk table
 *						(chunk_capture.c): from its commit on, every write
 *						to the source's replica is recorded there
 *	sync				the bulk copy, writers not blocked: the destination
 *						truncated and the rows streamed from source to
 *						destination through this backend (COPY TO STDOUT /
 *						COPY FROM STDIN, binary) under the source's
 *						snapshot, and the captured changes that snapshot
 *						sees forgotten in the same transaction
 *	catch_up			writers still not blocked: the changes captured since
 *						sync's snapshot that a new snapshot of the source
 *						sees applied to the destination and forgotten, in
 *						one transaction, so that the locked step is left
 *						with only what changed during this one
 *	attach_chunk		the short step: under an EXCLUSIVE lock on the
 *						access node's foreign chunk table (inserts, updates
 *						and deletes take ROW EXCLUSIVE on it, so they wait,
 *						then start again with the new replicas) and a SHARE
 *						lock on the source's chunk table taken before its
 *						snapshot (so writes the access node committed but
 *						the node has only prepared are seen), the remaining
 *						captured changes applied to the destination and
 *						chunk_data_node switched: destination added, for a
 *						move the source removed and the foreign table's
 *						default server moved off it.  One transaction, so
 *						the switch is atomic
 *	delete_chunk		(move) the capture stopped and the source's chunk
 *						table dropped
 *	complete			(a copy stops the capture here)
 *
 * Writers into the chunk wait only for attach_chunk, whose work is the
 * changes made during catch_up, not the chunk's size.
 *
 * Failure at any point leaves the log at the last committed stage.
 * cleanup_copy_chunk_operation (also run by the repair job for operations
 * whose backend is gone) heals the two nodes' prepared transactions first,
 * stops the capture on the source (trigger and recorded changes dropped),
 * then: before attach_chunk (init, create_empty_chunk, sync_start, sync,
 * catch_up),
 * undoes (drops the destination's table and the log row); from
 * attach_chunk on, finishes (drops the source's table of a move) and
 * deletes the log row.  Either way in one transaction, and every step is
 * idempotent, so a cleanup that fails is simply run again.
 *
 * The data travels through the access node as the calling role, which
 * reaches each node with its own credentials: no node-to-node connection.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/procarray.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "catalog/catalog.h"
#include "dist/chunk_copy_internal.h"
#include "dist/dist.h"
#include "guc.h"
#include "hypertable/hypertable.h"
#include "multinode.h"
#include "remote/remote.h"

#define CCS_INIT "init"
#define CCS_CREATE_EMPTY_CHUNK "create_empty_chunk"
#define CCS_SYNC_START "sync_start"
#define CCS_SYNC "sync"
#define CCS_CATCH_UP "catch_up"
#define CCS_ATTACH_CHUNK "attach_chunk"
#define CCS_DELETE_CHUNK "delete_chunk"
#define CCS_COMPLETE "complete"

/* the advisory lock key a "wait" fault of multinode.debug_chunk_copy_fault blocks on */
#define CHUNK_COPY_FAULT_LOCK_KEY 4243

/* one row of the operation log */
typedef struct ChunkCopyOp
{
	char		operation_id[NAMEDATALEN];
	int32		backend_pid;
	char		stage[NAMEDATALEN];
	int32		chunk_id;
	Oid			chunk_relid;	/* InvalidOid if the chunk is gone */
	char		source[NAMEDATALEN];
	char		dest[NAMEDATALEN];
	bool		delete_on_source;
} ChunkCopyOp;

/*
 * multinode.debug_chunk_copy_fault: "stage" or "stage:action", fired at the
 * end of that stage's work, before its transaction commits.  Actions:
 * error (default), and wait (block until session advisory lock 4243 can be
 * taken, then go on: a test holds the lock and kills a node meanwhile).
 */
static void
chunk_copy_fault(const char *stage)
{
	const char *setting = mn_debug_chunk_copy_fault;
	size_t		len = strlen(stage);

	if (setting == NULL || strncmp(setting, stage, len) != 0 ||
		(setting[len] != '\0' && setting[len] != ':'))
		return;
	if (setting[len] == ':' && strcmp(setting + len + 1, "wait") == 0)
	{
		DirectFunctionCall1(pg_advisory_lock_int8, Int64GetDatum(CHUNK_COPY_FAULT_LOCK_KEY));
		DirectFunctionCall1(pg_advisory_unlock_int8, Int64GetDatum(CHUNK_COPY_FAULT_LOCK_KEY));
		return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("chunk copy fault injected after stage \"%s\"", stage)));
}

/* The replica of chunk on node_name, or NULL. */
ChunkDataNode *
ChunkReplicaOn(const Chunk *chunk, const char *node_name)
{
	ListCell   *lc;

	foreach(lc, chunk->data_nodes)
	{
		ChunkDataNode *cdn = lfirst(lc);

		if (strcmp(cdn->node_name, node_name) == 0)
			return cdn;
	}
	return NULL;
}

/* Whether the replica of chunk_id on node_name missed writes (chunk_replica_stale). */
bool
ChunkReplicaIsStale(int32 chunk_id, const char *node_name)
{
	Oid			types[2] = {INT4OID, TEXTOID};
	Datum		values[2];
	bool		stale;

	values[0] = Int32GetDatum(chunk_id);
	values[1] = CStringGetTextDatum(node_name);
	SPI_connect();
	if (SPI_execute_with_args("SELECT 1 FROM " MN_CATALOG_SCHEMA ".chunk_replica_stale "
							  "WHERE chunk_id OPERATOR(pg_catalog.=) $1 "
							  "AND node_name OPERATOR(pg_catalog.=) $2::pg_catalog.name",
							  2, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read chunk_replica_stale");
	stale = SPI_processed > 0;
	SPI_finish();
	return stale;
}

/* A stale replica (missed writes) is never copied from. */
static void
require_fresh_source(const Chunk *chunk, const char *source)
{
	if (ChunkReplicaIsStale(chunk->id, source))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("replica of chunk \"%s\" on data node \"%s\" is stale",
						chunk->table_name, source),
				 errhint("Repair it with repair_chunk_replicas(), or copy from another replica.")));
}

/* "{start,end,...}" of the chunk's ranges, as create_member_chunk takes them */
static char *
chunk_ranges_literal(const Hypertable *ht, const Chunk *chunk)
{
	StringInfoData buf;
	int			d;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (d = 0; d < ht->num_dimensions; d++)
		appendStringInfo(&buf, "%s" INT64_FORMAT "," INT64_FORMAT, d ? "," : "",
						 chunk->range_start[d], chunk->range_end[d]);
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

/*
 * The member chunk on the node of conn, made if missing (create_member_chunk
 * finds one made before by name); returns the node's chunk id.
 */
static int32
ensure_member_chunk(DataNodeConn *conn, const Hypertable *ht, const Chunk *chunk)
{
	const char *params[4];

	params[0] = quote_qualified_identifier(ht->schema_name, ht->table_name);
	params[1] = chunk->schema_name;
	params[2] = chunk->table_name;
	params[3] = chunk_ranges_literal(ht, chunk);
	return pg_strtoint32(RemoteExecValue(conn, "SELECT " MN_FUNCTIONS_SCHEMA
										 ".create_member_chunk($1::regclass, $2, $3, $4::bigint[])",
										 4, params));
}

/* One element of an array literal: s double-quoted, quotes and backslashes escaped. */
void
ChunkCopyAppendArrayElement(StringInfo buf, const char *s)
{
	const char *p;

	appendStringInfoChar(buf, '"');
	for (p = s; *p; p++)
	{
		if (*p == '"' || *p == '\\')
			appendStringInfoChar(buf, '\\');
		appendStringInfoChar(buf, *p);
	}
	appendStringInfoChar(buf, '"');
}

/* {"name"}: a one-element array literal */
static char *
name_array_literal(const char *name)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	ChunkCopyAppendArrayElement(&buf, name);
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

/* Drop the member chunk on a node (nothing if it has none). */
void
ChunkDropMember(Oid server_id, const Hypertable *ht, const Chunk *chunk)
{
	DataNodeConn *conn = GetDataNodeConnection(server_id, REMOTE_TXN_WRITE);
	const char *params[2];

	params[0] = quote_qualified_identifier(ht->schema_name, ht->table_name);
	params[1] = name_array_literal(chunk->table_name);
	PQclear(RemoteExecParams(conn, "SELECT " MN_FUNCTIONS_SCHEMA
							 ".drop_member_chunks($1::regclass, $2::name[])", 2, params));
}

/*
 * The root's stored columns, quoted and comma-separated, each after prefix
 * (if not NULL), for the statements that copy rows.
 */
char *
ChunkCopyColumnList(Oid relid, const char *prefix)
{
	Relation	rel = table_open(relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	StringInfoData buf;
	bool		first = true;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		/* generated columns are computed again on the destination */
		if (att->attisdropped || att->attgenerated)
			continue;
		appendStringInfo(&buf, "%s%s%s", first ? "" : ", ", prefix ? prefix : "",
						 quote_identifier(NameStr(att->attname)));
		first = false;
	}
	table_close(rel, AccessShareLock);
	return buf.data;
}

/*
 * Lock the source's chunk table SHARE, as the first statement of the
 * source's remote transaction: the lock waits for the transactions that
 * wrote into it and are still prepared there (the access node committed
 * them, and released its own lock, before COMMIT PREPARED reached the
 * node), and the snapshot, taken by the next statement, sees them.  It
 * also keeps the source's rows still until this transaction ends.
 */
void
ChunkCopyLockSource(Oid source_server, const Chunk *chunk)
{
	DataNodeConn *src = GetDataNodeConnection(source_server, REMOTE_TXN_WRITE);

	RemoteExecCommand(src, psprintf("LOCK TABLE ONLY %s IN SHARE MODE",
									quote_qualified_identifier(chunk->schema_name,
															   chunk->table_name)));
}

/*
 * Make the destination's replica of chunk an exact copy of the source's,
 * in the current distributed transaction: the member chunk made if
 * missing, truncated, and the source's rows streamed in (binary COPY, in
 * batches of about 64 kB), as the source's snapshot sees them.  The caller
 * makes that enough: it keeps writers out (the access node's EXCLUSIVE
 * lock on the chunk, then ChunkCopyLockSource), or it captures their
 * changes (chunk_capture.c).  Returns the number of rows copied;
 * *node_chunk_id gets the destination's chunk id.
 */
int64
ChunkCopyRows(const Hypertable *ht, const Chunk *chunk, Oid source_server, Oid dest_server,
			  int32 *node_chunk_id)
{
	DataNodeConn *src = GetDataNodeConnection(source_server, REMOTE_TXN_WRITE);
	DataNodeConn *dst = GetDataNodeConnection(dest_server, REMOTE_TXN_WRITE);
	const char *table = quote_qualified_identifier(chunk->schema_name, chunk->table_name);
	char	   *columns = ChunkCopyColumnList(ht->relid, NULL);
	char	   *out_sql = psprintf("COPY %s (%s) TO STDOUT (FORMAT binary)", table, columns);
	char	   *in_sql = psprintf("COPY %s (%s) FROM STDIN (FORMAT binary)", table, columns);
	StringInfoData batch;
	PGresult   *res;
	int64		rows;

	*node_chunk_id = ensure_member_chunk(dst, ht, chunk);
	RemoteExecCommand(dst, psprintf("TRUNCATE ONLY %s", table));

	RemoteCopyStart(dst, in_sql);
	RemoteCopyBegin(dst, in_sql);
	RemoteCopyOutBegin(src, out_sql);
	initStringInfo(&batch);
	for (;;)
	{
		char	   *buf = NULL;
		int			n = RemoteCopyReceive(src, &buf, out_sql);

		if (n < 0)
			break;
		appendBinaryStringInfo(&batch, buf, n);
		PQfreemem(buf);
		if (batch.len >= 65536)
		{
			RemoteCopySend(dst, batch.data, batch.len, in_sql);
			resetStringInfo(&batch);
		}
		CHECK_FOR_INTERRUPTS();
	}
	if (batch.len > 0)
		RemoteCopySend(dst, batch.data, batch.len, in_sql);
	res = RemoteCopyFinish(src, out_sql);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
		RemoteReportError(ERROR, src, res, out_sql);
	PQclear(res);
	RemoteCopyEnd(dst, in_sql);
	res = RemoteCopyFinish(dst, in_sql);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
		RemoteReportError(ERROR, dst, res, in_sql);
	rows = pg_strtoint64(PQcmdTuples(res));
	PQclear(res);
	return rows;
}

/*
 * Make server_id the server of the chunk's foreign table (the replica
 * read when no other choice is made).  Caller has checked that it holds a
 * replica.
 */
void
ChunkSetDefaultServer(Oid chunk_relid, Oid server_id)
{
	Relation	rel = table_open(ForeignTableRelationId, RowExclusiveLock);
	HeapTuple	tup = SearchSysCacheCopy1(FOREIGNTABLEREL, ObjectIdGetDatum(chunk_relid));
	Form_pg_foreign_table ft;
	Oid			old;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "relation %u is not a foreign table", chunk_relid);
	ft = (Form_pg_foreign_table) GETSTRUCT(tup);
	old = ft->ftserver;
	if (old != server_id)
	{
		ft->ftserver = server_id;
		CatalogTupleUpdate(rel, &tup->t_self, tup);
		changeDependencyFor(RelationRelationId, chunk_relid, ForeignServerRelationId,
							old, server_id);
		CacheInvalidateRelcacheByRelid(chunk_relid);
	}
	heap_freetuple(tup);
	table_close(rel, RowExclusiveLock);
	CommandCounterIncrement();
}

/*
 * The hypertable of a chunk of a distributed hypertable, with the caller's
 * right to copy or move it checked: superuser or the hypertable's owner.
 */
static Hypertable *
chunk_hypertable_checked(const Chunk *chunk, Oid chunk_relid)
{
	Hypertable *ht = HypertableGetById(chunk->hypertable_id);

	if (ht == NULL || !HypertableIsDistributed(ht))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("\"%s\" is not a valid remote chunk", get_rel_name(chunk_relid)),
				 errdetail("Only chunks of distributed hypertables have replicas on data nodes.")));
	if (!superuser() && !pg_class_ownercheck(ht->relid, GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be superuser or hypertable owner to copy or move chunk to data node"),
				 errdetail("Hypertable \"%s\" is owned by another role.", get_rel_name(ht->relid))));
	return ht;
}

/* The chunk of relid (a foreign table on this access node), or an error. */
static Chunk *
chunk_require(Oid chunk_relid)
{
	Chunk	   *chunk = OidIsValid(chunk_relid) ? ChunkGetByRelid(chunk_relid) : NULL;

	if (chunk == NULL || get_rel_relkind(chunk_relid) != RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid chunk"),
				 OidIsValid(chunk_relid) ?
				 errdetail("\"%s\" is not a chunk of a distributed hypertable.",
						   get_rel_name(chunk_relid)) : 0));
	return chunk;
}

/* Read one operation; false if there is none with that id. */
static bool
op_read(const char *operation_id, ChunkCopyOp *op)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	bool		found;

	values[0] = CStringGetTextDatum(operation_id);
	SPI_connect();
	if (SPI_execute_with_args("SELECT o.operation_id::text, o.backend_pid, o.completed_stage::text, "
							  "o.chunk_id, o.source_node_name::text, o.dest_node_name::text, "
							  "o.delete_on_source_node, "
							  "pg_catalog.to_regclass(pg_catalog.format('%I.%I', c.schema_name, "
							  "c.table_name))::oid "
							  "FROM " MN_CATALOG_SCHEMA ".chunk_copy_operation o "
							  "LEFT JOIN " MN_CATALOG_SCHEMA ".chunk c ON c.id OPERATOR(pg_catalog.=) o.chunk_id "
							  "WHERE o.operation_id OPERATOR(pg_catalog.=) $1::pg_catalog.name",
							  1, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the chunk copy operation log");
	found = SPI_processed > 0;
	if (found)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		relid;

		strlcpy(op->operation_id, SPI_getvalue(tup, desc, 1), NAMEDATALEN);
		op->backend_pid = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
		strlcpy(op->stage, SPI_getvalue(tup, desc, 3), NAMEDATALEN);
		op->chunk_id = DatumGetInt32(SPI_getbinval(tup, desc, 4, &isnull));
		strlcpy(op->source, SPI_getvalue(tup, desc, 5), NAMEDATALEN);
		strlcpy(op->dest, SPI_getvalue(tup, desc, 6), NAMEDATALEN);
		op->delete_on_source = DatumGetBool(SPI_getbinval(tup, desc, 7, &isnull));
		relid = SPI_getbinval(tup, desc, 8, &isnull);
		op->chunk_relid = isnull ? InvalidOid : DatumGetObjectId(relid);
	}
	SPI_finish();
	return found;
}

static void
op_require(const char *operation_id, ChunkCopyOp *op)
{
	if (!op_read(operation_id, op))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("invalid chunk copy operation id \"%s\"", operation_id)));
}

/*
 * The operation's chunk and hypertable, rights checked, and the chunk
 * locked SHARE UPDATE EXCLUSIVE on the access node to the end of the
 * transaction: one stage of one operation on a chunk at a time, while
 * inserts (ROW EXCLUSIVE) go on.
 */
static Chunk *
op_chunk_locked(const ChunkCopyOp *op, Hypertable **ht)
{
	Chunk	   *chunk;

	if (!OidIsValid(op->chunk_relid))
		return NULL;
	LockRelationOid(op->chunk_relid, ShareUpdateExclusiveLock);
	chunk = chunk_require(op->chunk_relid);
	*ht = chunk_hypertable_checked(chunk, op->chunk_relid);
	return chunk;
}

/*
 * The checks a stage repeats once it holds its lock (they bring news of the
 * chunk's replicas): the source holds a fresh replica, the destination none
 * yet.  Returns the chunk as read now.
 */
static Chunk *
check_replicas(const ChunkCopyOp *op)
{
	Chunk	   *chunk = chunk_require(op->chunk_relid);

	if (ChunkReplicaOn(chunk, op->source) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("chunk \"%s\" does not exist on source data node \"%s\"",
						chunk->table_name, op->source)));
	if (ChunkReplicaOn(chunk, op->dest) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("chunk \"%s\" already exists on destination data node \"%s\"",
						chunk->table_name, op->dest)));
	require_fresh_source(chunk, op->source);
	return chunk;
}

/*
 * Stage sync: the destination's table made a copy of the source's as the
 * source's snapshot sees it, and the captured changes that snapshot sees
 * forgotten, in one transaction on the source; writers go on meanwhile
 * (the capture trigger records them).
 */
static void
stage_sync(const ChunkCopyOp *op, const Hypertable *ht)
{
	Oid			src_server = GetDataNodeServerId(op->source, false);
	Chunk	   *chunk = check_replicas(op);
	int32		node_chunk_id;

	ChunkCaptureForgetSeen(src_server, chunk, op->operation_id);
	ChunkCopyRows(ht, chunk, src_server, GetDataNodeServerId(op->dest, false), &node_chunk_id);
}

/*
 * Stage attach_chunk, the short step that keeps writers out: under an
 * EXCLUSIVE lock on the access node's chunk (inserts, updates and deletes
 * take ROW EXCLUSIVE on it, so they wait, and start again with the new
 * replicas) and a SHARE lock on the source's table taken before its
 * snapshot, the changes captured since sync's snapshot are applied to the
 * destination and chunk_data_node switched: destination added, for a move
 * the source removed and the foreign table's default server moved off it.
 */
static void
stage_attach(const ChunkCopyOp *op, const Hypertable *ht)
{
	Oid			src_server = GetDataNodeServerId(op->source, false);
	Oid			dst_server = GetDataNodeServerId(op->dest, false);
	Chunk	   *chunk;
	int32		node_chunk_id;
	const char *dest_name = op->dest;
	int64		changes;

	LockRelationOid(op->chunk_relid, ExclusiveLock);
	chunk = check_replicas(op);
	ChunkCopyLockSource(src_server, chunk);
	changes = ChunkCaptureApply(ht, chunk, src_server, dst_server, op->operation_id);
	ereport(DEBUG1,
			(errmsg("chunk copy operation \"%s\": " INT64_FORMAT " rows changed during the copy",
					op->operation_id, changes)));
	node_chunk_id = ensure_member_chunk(GetDataNodeConnection(dst_server, REMOTE_TXN_WRITE),
										ht, chunk);
	CatalogChunkDataNodesInsert(chunk->id, 1, &node_chunk_id, &dest_name);
	if (op->delete_on_source)
	{
		CatalogChunkDataNodeDelete(chunk->id, op->source);
		if (GetForeignTable(chunk->relid)->serverid == src_server)
			ChunkSetDefaultServer(chunk->relid, dst_server);
	}
	CatalogInvalidateHypertable(ht->relid);
	CommandCounterIncrement();
}

/*
 * Run the operation's next stage in the current transaction and record it;
 * returns false when the operation is complete.
 */
static bool
op_next_stage(const ChunkCopyOp *op)
{
	Hypertable *ht = NULL;
	Chunk	   *chunk;
	const char *next;

	if (strcmp(op->stage, CCS_COMPLETE) == 0)
		return false;
	chunk = op_chunk_locked(op, &ht);
	if (chunk == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("chunk of chunk copy operation \"%s\" was dropped", op->operation_id),
				 errhint("Run cleanup_copy_chunk_operation('%s').", op->operation_id)));

	if (strcmp(op->stage, CCS_INIT) == 0)
	{
		ensure_member_chunk(GetDataNodeConnection(GetDataNodeServerId(op->dest, false), REMOTE_TXN_WRITE),
							ht, chunk);
		next = CCS_CREATE_EMPTY_CHUNK;
	}
	else if (strcmp(op->stage, CCS_CREATE_EMPTY_CHUNK) == 0)
	{
		/* committed before sync takes its snapshot, so every later write is captured */
		chunk = check_replicas(op);
		ChunkCaptureStart(GetDataNodeServerId(op->source, false), chunk, op->operation_id);
		next = CCS_SYNC_START;
	}
	else if (strcmp(op->stage, CCS_SYNC_START) == 0)
	{
		stage_sync(op, ht);
		next = CCS_SYNC;
	}
	else if (strcmp(op->stage, CCS_SYNC) == 0)
	{
		/* what changed during the bulk copy, applied without the lock */
		chunk = check_replicas(op);
		ChunkCaptureCatchUp(ht, chunk, GetDataNodeServerId(op->source, false),
							GetDataNodeServerId(op->dest, false), op->operation_id);
		next = CCS_CATCH_UP;
	}
	else if (strcmp(op->stage, CCS_CATCH_UP) == 0)
	{
		stage_attach(op, ht);
		next = CCS_ATTACH_CHUNK;
	}
	else
	{
		if (strcmp(op->stage, CCS_ATTACH_CHUNK) == 0)
			ChunkCaptureStop(GetDataNodeServerId(op->source, false), chunk, op->operation_id);
		if (strcmp(op->stage, CCS_ATTACH_CHUNK) == 0 && op->delete_on_source)
		{
			ChunkDropMember(GetDataNodeServerId(op->source, false), ht, chunk);
			next = CCS_DELETE_CHUNK;
		}
		else
			next = CCS_COMPLETE;
	}
	CatalogChunkCopyOpSetStage(op->operation_id, next);
	chunk_copy_fault(next);
	return strcmp(next, CCS_COMPLETE) != 0;
}

/*
 * A refusal when called inside a transaction block: copy and move commit
 * their stages; repair must take its snapshots on the nodes itself (see
 * chunk_repair.c), which earlier statements of the block may have taken.
 * "detail", if not NULL, says why.
 */
void
ChunkCopyPreventTransactionBlock(const char *what, const char *detail)
{
	if (IsTransactionBlock())
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("%s cannot run inside a transaction block", what),
				 detail ? errdetail("%s", detail) : 0));
}

/* Operation ids are used like identifiers: lower case letters, digits, underscores. */
static void
check_operation_id(const char *id)
{
	const char *p;

	for (p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			break;
	if (*id == '\0' || *p != '\0' || (*id >= '0' && *id <= '9'))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("operation_id name \"%s\" is not valid", id),
				 errhint("Operation ids may only contain lower case letters, numbers, and the underscore character.")));
}

/*
 * The id of a logged copy or move of chunk_id that has not completed, in
 * the caller's memory context, or NULL: one operation per chunk at a time.
 */
char *
ChunkCopyUnfinishedOperation(int32 chunk_id)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(chunk_id)};
	char	   *operation_id = NULL;

	SPI_connect();
	if (SPI_execute_with_args("SELECT operation_id::pg_catalog.text FROM " MN_CATALOG_SCHEMA
							  ".chunk_copy_operation WHERE chunk_id OPERATOR(pg_catalog.=) $1 "
							  "AND completed_stage OPERATOR(pg_catalog.<>) 'complete'",
							  1, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the chunk copy operation log");
	if (SPI_processed > 0)
		operation_id = MemoryContextStrdup(caller,
										   SPI_getvalue(SPI_tuptable->vals[0],
														SPI_tuptable->tupdesc, 1));
	SPI_finish();
	return operation_id;
}

/*
 * Check a copy or move and log it at stage init, in the current
 * transaction; returns the operation id.  caller names the command in
 * errors.  The caller commits and then runs ChunkCopyNextStage.
 */
char *
ChunkCopyStart(Oid chunk_relid, const char *source, const char *dest, const char *operation_id,
			   bool delete_on_source, const char *caller)
{
	Chunk	   *chunk;
	Oid			src_server;
	Oid			dst_server;
	char	   *unfinished;

	RequireAccessNode(caller);
	if (source == NULL || dest == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid source or destination node"),
				 errhint("Name both source_node and destination_node.")));
	chunk = chunk_require(chunk_relid);
	LockRelationOid(chunk_relid, ShareUpdateExclusiveLock);
	chunk = chunk_require(chunk_relid);
	(void) chunk_hypertable_checked(chunk, chunk_relid);
	if (operation_id != NULL)
		check_operation_id(operation_id);
	src_server = GetDataNodeServerId(source, false);
	dst_server = GetDataNodeServerId(dest, false);
	if (src_server == dst_server)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("source and destination data node match")));
	if (ChunkReplicaOn(chunk, source) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("chunk \"%s\" does not exist on source data node \"%s\"",
						get_rel_name(chunk_relid), source)));
	require_fresh_source(chunk, source);
	if (ChunkReplicaOn(chunk, dest) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("chunk \"%s\" already exists on destination data node \"%s\"",
						get_rel_name(chunk_relid), dest)));
	{
		Hypertable *ht = HypertableGetById(chunk->hypertable_id);
		ListCell   *lc;
		bool		attached = false;

		foreach(lc, ht->data_nodes)
			if (strcmp(((HypertableDataNode *) lfirst(lc))->node_name, dest) == 0)
				attached = true;
		if (!attached)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("data node \"%s\" is not attached to hypertable \"%s\"",
							dest, get_rel_name(ht->relid)),
					 errhint("Attach it with attach_data_node() first.")));
	}
	CheckDataNodeUsage(dst_server, GetUserId());

	/* one operation per chunk: another left unfinished must be cleaned up first */
	unfinished = ChunkCopyUnfinishedOperation(chunk->id);
	if (unfinished != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("chunk \"%s\" has an unfinished copy or move operation",
						get_rel_name(chunk_relid)),
				 errdetail("Operation \"%s\" did not complete.", unfinished),
				 errhint("Run cleanup_copy_chunk_operation() on it first.")));
	if (operation_id != NULL)
	{
		ChunkCopyOp other;

		if (op_read(operation_id, &other))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("chunk copy operation \"%s\" already exists", operation_id)));
	}
	return CatalogChunkCopyOpInsert(operation_id, chunk->id, source, dest, delete_on_source);
}

PG_FUNCTION_INFO_V1(multinode_chunk_copy_start);

/*
 * _timescaledb_functions.chunk_copy_start(chunk regclass, source_node name,
 *	 destination_node name, operation_id name, delete_on_source_node bool,
 *	 caller text) RETURNS name
 *
 * ChunkCopyStart for the procedure named caller, which commits and then
 * runs chunk_copy_next_stage.
 */
Datum
multinode_chunk_copy_start(PG_FUNCTION_ARGS)
{
	const char *caller = PG_ARGISNULL(5) ? "copy_chunk" : text_to_cstring(PG_GETARG_TEXT_PP(5));

	ChunkCopyPreventTransactionBlock(caller, NULL);
	PG_RETURN_DATUM(DirectFunctionCall1(namein, CStringGetDatum(
										ChunkCopyStart(PG_ARGISNULL(0) ? InvalidOid : PG_GETARG_OID(0),
													   PG_ARGISNULL(1) ? NULL : NameStr(*PG_GETARG_NAME(1)),
													   PG_ARGISNULL(2) ? NULL : NameStr(*PG_GETARG_NAME(2)),
													   PG_ARGISNULL(3) ? NULL : NameStr(*PG_GETARG_NAME(3)),
													   !PG_ARGISNULL(4) && PG_GETARG_BOOL(4), caller))));
}


PG_FUNCTION_INFO_V1(multinode_chunk_copy_next_stage);

/*
 * _timescaledb_functions.chunk_copy_next_stage(operation_id name) RETURNS bool
 *
 * One stage, in the caller's transaction; false once complete.
 */
Datum
multinode_chunk_copy_next_stage(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(ChunkCopyNextStage(NameStr(*PG_GETARG_NAME(0))));
}

/* The operation's next stage, in the current transaction; false once complete. */
bool
ChunkCopyNextStage(const char *operation_id)
{
	ChunkCopyOp op;

	op_require(operation_id, &op);
	return op_next_stage(&op);
}

/*
 * Finish or undo an operation (see the header comment), in the current
 * transaction.  Returns whether it was finished (false: undone).
 */
bool
ChunkCopyCleanup(const char *operation_id)
{
	ChunkCopyOp op;
	Hypertable *ht = NULL;
	Chunk	   *chunk;
	bool		forward;
	Oid			src_server;
	Oid			dst_server;

	op_require(operation_id, &op);
	if (op.backend_pid != MyProcPid && strcmp(op.stage, CCS_COMPLETE) != 0 &&
		BackendPidGetProc(op.backend_pid) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("chunk copy operation \"%s\" is in progress", operation_id),
				 errdetail("Backend %d runs it.", op.backend_pid)));
	forward = strcmp(op.stage, CCS_INIT) != 0 && strcmp(op.stage, CCS_CREATE_EMPTY_CHUNK) != 0 &&
		strcmp(op.stage, CCS_SYNC_START) != 0 && strcmp(op.stage, CCS_SYNC) != 0 &&
		strcmp(op.stage, CCS_CATCH_UP) != 0;
	chunk = op_chunk_locked(&op, &ht);
	src_server = GetDataNodeServerId(op.source, true);
	dst_server = GetDataNodeServerId(op.dest, true);

	if (chunk != NULL)
	{
		/* a stage's prepared transactions hold the locks that dropping a table needs */
		if (OidIsValid(src_server))
			RemoteTxnHealDataNode(src_server, NULL);
		if (OidIsValid(dst_server))
			RemoteTxnHealDataNode(dst_server, NULL);
		/* the access node's cache reads the catalog the healing just settled */
		chunk = chunk_require(op.chunk_relid);
		if (OidIsValid(src_server))
			ChunkCaptureStop(src_server, chunk, op.operation_id);
		if (!forward && OidIsValid(dst_server) && ChunkReplicaOn(chunk, op.dest) == NULL)
			ChunkDropMember(dst_server, ht, chunk);
		if (forward && op.delete_on_source && OidIsValid(src_server) &&
			ChunkReplicaOn(chunk, op.source) == NULL)
			ChunkDropMember(src_server, ht, chunk);
	}
	CatalogChunkCopyOpDelete(operation_id);
	return forward;
}

PG_FUNCTION_INFO_V1(multinode_chunk_copy_cleanup);

/*
 * _timescaledb_functions.chunk_copy_cleanup(operation_id name, caller text)
 * RETURNS bool: ChunkCopyCleanup, for cleanup_copy_chunk_operation (caller
 * given: refused inside a transaction block) and the repair job.
 */
Datum
multinode_chunk_copy_cleanup(PG_FUNCTION_ARGS)
{
	if (!PG_ARGISNULL(1))
		ChunkCopyPreventTransactionBlock(text_to_cstring(PG_GETARG_TEXT_PP(1)), NULL);
	RequireAccessNode("cleanup_copy_chunk_operation");
	PG_RETURN_BOOL(ChunkCopyCleanup(NameStr(*PG_GETARG_NAME(0))));
}

PG_FUNCTION_INFO_V1(multinode_set_chunk_default_data_node);

/*
 * set_chunk_default_data_node(chunk regclass, node_name name) RETURNS bool:
 * the foreign table's server becomes node_name, which must hold a replica.
 */
Datum
multinode_set_chunk_default_data_node(PG_FUNCTION_ARGS)
{
	Oid			chunk_relid = PG_ARGISNULL(0) ? InvalidOid : PG_GETARG_OID(0);
	Chunk	   *chunk;
	const char *node_name;
	Oid			server_id;

	RequireAccessNode("set_chunk_default_data_node");
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid data node name")));
	node_name = NameStr(*PG_GETARG_NAME(1));
	chunk = chunk_require(chunk_relid);
	(void) chunk_hypertable_checked(chunk, chunk_relid);
	server_id = GetDataNodeServerId(node_name, false);
	if (ChunkReplicaOn(chunk, node_name) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("chunk \"%s\" does not exist on data node \"%s\"",
						get_rel_name(chunk_relid), node_name)));
	LockRelationOid(chunk_relid, ShareUpdateExclusiveLock);
	ChunkSetDefaultServer(chunk_relid, server_id);
	PG_RETURN_BOOL(true);
}
