/*-------------------------------------------------------------------------
 *
 * chunk_capture.c
 *	  Capturing the writes a chunk's source replica takes while it is being
 *	  copied, so that the copy runs without blocking them.
 *
 * An online copy (chunk_copy.c) copies the source's rows under a snapshot
 * while writers go on, then, in a short step that keeps writers out,
 * applies what changed since that snapshot and switches the replicas.
 * What changed is recorded on the source node itself: a row trigger
 * (_timescaledb_functions.chunk_copy_capture_row, AFTER INSERT OR UPDATE
 * OR DELETE) on the source's chunk table writes every row that appears
 * (+1) and every row that goes (-1) into
 * _timescaledb_catalog.chunk_copy_change, in the writer's transaction.
 *
 * Why on the source and not on the access node (recording the writes the
 * access node routes, or sending them to the destination as well): the
 * source sees every write whatever path it took -- batched COPY, row by
 * row or whole UPDATE and DELETE statements, ON CONFLICT, writes made by
 * healing a prepared transaction after an access node crash -- and the
 * change commits or aborts with the write that made it, two-phase commit
 * included, with no change to the write paths.  Writes sent to the
 * destination during the bulk copy would meet rows not copied yet.
 *
 * Why it is exact:
 *	- the trigger is created in a stage of its own, committed before the
 *	  copy's snapshot is taken; CREATE TRIGGER waits for the transactions
 *	  writing to the table (prepared ones included), so every write is
 *	  either before the trigger (and committed before the snapshot) or
 *	  captured;
 *	- in the copy's own transaction, under the same snapshot as the rows it
 *	  copies, the changes that snapshot sees are deleted: their effects are
 *	  in the copy.  What remains, once committed, is exactly what the copy
 *	  lacks;
 *	- a catch-up step does the same with a later snapshot, unlocked: the
 *	  changes it sees applied to the destination and forgotten together;
 *	- the final step runs under the access node's EXCLUSIVE lock on the
 *	  chunk and a SHARE lock on the source's table taken before its
 *	  snapshot (see ChunkCopyLockSource), so every write is committed and
 *	  captured by then, and no other starts until the switch commits;
 *	- a row has no identity but its values, so the changes are applied as
 *	  multisets: per distinct row image, the net count (appeared minus
 *	  went).  A negative count n removes n equal rows from the destination,
 *	  which has them (a row that went after the snapshot was either in it
 *	  or appeared after it, and then cancels), a positive one inserts n.
 *	  A removal that finds fewer rows than it should fails the step rather
 *	  than leave a replica that differs.
 *
 * Row images are the row's text (record_out) under the fixed transmission
 * settings, so that they do not depend on the writer's DateStyle or
 * TimeZone; the destination reads each back as the chunk's row type and
 * prints it again, and compares that with its own rows printed the same
 * way.  The change log is written and read as the extension's owner; the
 * functions that read and forget it check that the caller owns the chunk.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/regproc.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/tuplestore.h"

#include "catalog/catalog.h"
#include "dist/chunk_copy_internal.h"
#include "hypertable/hypertable.h"
#include "multinode.h"
#include "remote/remote.h"

/* row images read at a time from the change log, on the source and on the access node */
#define CAPTURE_READ_BATCH 1000

/* the access node's cursor over the source's changes, in the source's remote transaction */
#define CAPTURE_APPLY_CURSOR "_multinode_capture_apply"

/* ---------------------------------------------------------------------------
 * The source node's side
 * ---------------------------------------------------------------------------
 */

static void
capture_row(const char *operation_id, Relation rel, HeapTuple tuple, int16 delta)
{
	Datum		row = heap_copy_tuple_as_datum(tuple, RelationGetDescr(rel));
	int			nestlevel = TransmissionModesBegin();
	char	   *image = OidOutputFunctionCall(F_RECORD_OUT, row);

	TransmissionModesEnd(nestlevel);
	CatalogChunkCopyChangeInsert(operation_id, RelationGetRelid(rel), delta, image);
}

PG_FUNCTION_INFO_V1(multinode_chunk_copy_capture_row);

/*
 * _timescaledb_functions.chunk_copy_capture_row() RETURNS trigger: the
 * AFTER ROW trigger on a source's chunk table during a copy; its argument
 * is the operation id.
 */
Datum
multinode_chunk_copy_capture_row(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	const char *operation_id;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || td->tg_trigger->tgnargs != 1)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("chunk_copy_capture_row must be fired as an AFTER ROW trigger with an operation id")));
	operation_id = td->tg_trigger->tgargs[0];
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event) || TRIGGER_FIRED_BY_DELETE(td->tg_event))
		capture_row(operation_id, td->tg_relation, td->tg_trigtuple, -1);
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		capture_row(operation_id, td->tg_relation, td->tg_trigtuple, 1);
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		capture_row(operation_id, td->tg_relation, td->tg_newtuple, 1);
	return PointerGetDatum(NULL);
}

/* Only the chunk's owner (or a superuser) reads or forgets its changes. */
static void
check_chunk_owner(Oid relid)
{
	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(relid));
}

PG_FUNCTION_INFO_V1(multinode_chunk_copy_changes);

/*
 * _timescaledb_functions.chunk_copy_changes(chunk regclass, operation_id
 * name) RETURNS TABLE (row_image text, delta bigint): the net change per
 * row image, of those the current snapshot sees, the images that went
 * (negative delta) before those that came.  Read through a cursor, a batch
 * at a time, into the result's tuplestore, which spills to disk past
 * work_mem: memory does not grow with the number of changes.
 */
Datum
multinode_chunk_copy_changes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			relid = PG_GETARG_OID(0);
	Oid			types[2] = {NAMEOID, OIDOID};
	Datum		args[2];
	CatalogOwnerScope scope;
	Portal		portal;

	check_chunk_owner(relid);
	InitMaterializedSRF(fcinfo, 0);
	args[0] = PG_GETARG_DATUM(1);
	args[1] = ObjectIdGetDatum(relid);
	CatalogAsOwnerBegin(&scope);
	SPI_connect();
	portal = SPI_cursor_open_with_args(NULL,
									   "SELECT row_image, pg_catalog.sum(delta)::pg_catalog.int8 "
									   "FROM " MN_CATALOG_SCHEMA ".chunk_copy_change "
									   "WHERE operation_id OPERATOR(pg_catalog.=) $1 "
									   "AND chunk_relid OPERATOR(pg_catalog.=) $2 "
									   "GROUP BY row_image "
									   "HAVING pg_catalog.sum(delta) OPERATOR(pg_catalog.<>) 0 "
									   "ORDER BY pg_catalog.sum(delta) OPERATOR(pg_catalog.>) 0",
									   2, types, args, NULL, true, CURSOR_OPT_NO_SCROLL);
	for (;;)
	{
		uint64		i;

		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(portal, true, CAPTURE_READ_BATCH);
		if (SPI_processed == 0)
			break;
		for (i = 0; i < SPI_processed; i++)
		{
			Datum		values[2];
			bool		nulls[2];

			values[0] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &nulls[0]);
			values[1] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &nulls[1]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();
	CatalogAsOwnerEnd(&scope);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(multinode_chunk_copy_forget_changes);

/*
 * _timescaledb_functions.chunk_copy_forget_changes(chunk regclass,
 * operation_id name) RETURNS bigint: the changes the current snapshot sees
 * are forgotten (the copy taken under it holds them).
 */
Datum
multinode_chunk_copy_forget_changes(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);

	check_chunk_owner(relid);
	PG_RETURN_INT64((int64) CatalogChunkCopyChangesDelete(relid, false));
}

PG_FUNCTION_INFO_V1(multinode_chunk_copy_capture_stop);

/*
 * _timescaledb_functions.chunk_copy_capture_stop(chunk text, operation_id
 * name) RETURNS bigint: the capture trigger dropped from the chunk, if the
 * chunk is still there, after waiting for its writers, and its changes
 * forgotten, with those of chunks that are gone (never another chunk's:
 * the caller may not own it).  Idempotent.
 */
Datum
multinode_chunk_copy_capture_stop(PG_FUNCTION_ARGS)
{
	List	   *names = stringToQualifiedNameList(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	Oid			relid = RangeVarGetRelid(makeRangeVarFromNameList(names), NoLock, true);

	if (OidIsValid(relid))
	{
		Oid			trigger;

		check_chunk_owner(relid);
		/* no writer left who could still capture a change */
		LockRelationOid(relid, AccessExclusiveLock);
		trigger = get_trigger_oid(relid, CHUNK_CAPTURE_TRIGGER_NAME, true);
		if (OidIsValid(trigger))
		{
			ObjectAddress obj;

			/* not DROP TRIGGER, which capture_guard.c refuses while the capture runs */
			ObjectAddressSet(obj, TriggerRelationId, trigger);
			performDeletion(&obj, DROP_RESTRICT, 0);
			CommandCounterIncrement();
		}
	}
	PG_RETURN_INT64((int64) CatalogChunkCopyChangesDelete(relid, true));
}

/* ---------------------------------------------------------------------------
 * The access node's side
 * ---------------------------------------------------------------------------
 */

/*
 * Start capturing the source's writes to chunk, in the current distributed
 * transaction (which then commits before the copy's snapshot is taken).
 */
void
ChunkCaptureStart(Oid source_server, const Chunk *chunk, const char *operation_id)
{
	DataNodeConn *src = GetDataNodeConnection(source_server, REMOTE_TXN_WRITE);

	RemoteExecCommand(src, psprintf("CREATE OR REPLACE TRIGGER %s AFTER INSERT OR UPDATE OR DELETE "
									"ON %s FOR EACH ROW EXECUTE FUNCTION "
									MN_FUNCTIONS_SCHEMA ".chunk_copy_capture_row(%s)",
									quote_identifier(CHUNK_CAPTURE_TRIGGER_NAME),
									quote_qualified_identifier(chunk->schema_name,
															   chunk->table_name),
									quote_literal_cstr(operation_id)));
}

/* Run fn_call, a call taking $1 the chunk's name and $2 the operation id, on the source. */
static void
call_on_source(Oid source_server, const Chunk *chunk, const char *operation_id,
			   const char *fn_call)
{
	DataNodeConn *src = GetDataNodeConnection(source_server, REMOTE_TXN_WRITE);
	const char *params[2];

	params[0] = quote_qualified_identifier(chunk->schema_name, chunk->table_name);
	params[1] = operation_id;
	PQclear(RemoteExecParams(src, psprintf("SELECT %s", fn_call), 2, params));
}

/*
 * Forget the changes the source's snapshot sees; called in the transaction
 * that copies the rows under that snapshot.
 */
void
ChunkCaptureForgetSeen(Oid source_server, const Chunk *chunk, const char *operation_id)
{
	call_on_source(source_server, chunk, operation_id,
				   MN_FUNCTIONS_SCHEMA ".chunk_copy_forget_changes($1::pg_catalog.regclass, $2)");
}

/* Stop the capture on the source (trigger and changes gone); nothing if there is none. */
void
ChunkCaptureStop(Oid source_server, const Chunk *chunk, const char *operation_id)
{
	call_on_source(source_server, chunk, operation_id,
				   MN_FUNCTIONS_SCHEMA ".chunk_copy_capture_stop($1, $2)");
}

/*
 * Apply to the destination the changes captured since the copy's snapshot
 * that the source's snapshot now sees, and forget them, in the current
 * distributed transaction and without keeping writers out: afterwards the
 * destination is the source as of that snapshot.  The source's remote
 * transaction must start here (both calls then share its snapshot).
 */
void
ChunkCaptureCatchUp(const Hypertable *ht, const Chunk *chunk, Oid source_server,
					Oid dest_server, const char *operation_id)
{
	(void) ChunkCaptureApply(ht, chunk, source_server, dest_server, operation_id);
	ChunkCaptureForgetSeen(source_server, chunk, operation_id);
}

/* images and counts of one direction of one batch of changes, as array literals */
typedef struct ChangeArrays
{
	StringInfoData images;
	StringInfoData counts;
	int64		rows;
} ChangeArrays;

static void
change_arrays_init(ChangeArrays *a)
{
	initStringInfo(&a->images);
	initStringInfo(&a->counts);
	appendStringInfoChar(&a->images, '{');
	appendStringInfoChar(&a->counts, '{');
	a->rows = 0;
}

static void
change_arrays_add(ChangeArrays *a, const char *image, int64 count)
{
	if (a->images.len > 1)
	{
		appendStringInfoChar(&a->images, ',');
		appendStringInfoChar(&a->counts, ',');
	}
	ChunkCopyAppendArrayElement(&a->images, image);
	appendStringInfo(&a->counts, INT64_FORMAT, count);
	a->rows += count;
}

static void
change_arrays_end(ChangeArrays *a)
{
	appendStringInfoChar(&a->images, '}');
	appendStringInfoChar(&a->counts, '}');
}

/*
 * The SQL that deletes, on the destination, the rows of a batch that went:
 * the destination's rows with the time of a row that went (through the
 * time column's index, not a scan of the chunk) printed as text and
 * numbered among their equals; the first n of each image that went are
 * deleted.  $1 the images, $2 their counts.
 */
static char *
delete_sql(const Hypertable *ht, const char *table)
{
	const char *tcol = quote_identifier(HypertableTimeDimension(ht)->column_name);

	return psprintf("WITH d AS (SELECT u.r::pg_catalog.text AS img, (u.r).%s AS tm, u.n "
					"FROM (SELECT x.img::%s AS r, x.n FROM ROWS FROM ("
					"pg_catalog.unnest($1::pg_catalog.text[]), "
					"pg_catalog.unnest($2::pg_catalog.int8[])) AS x(img, n) OFFSET 0) u), "
					"m AS (SELECT c.tid, c.img, pg_catalog.row_number() OVER "
					"(PARTITION BY c.img) AS rn FROM (SELECT t.ctid AS tid, "
					"t::pg_catalog.text AS img FROM ONLY %s t "
					"WHERE t.%s OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT d.tm FROM d))) c "
					"WHERE c.img OPERATOR(pg_catalog.=) ANY (SELECT d.img FROM d)) "
					"DELETE FROM ONLY %s t USING m, d "
					"WHERE d.img OPERATOR(pg_catalog.=) m.img "
					"AND m.rn OPERATOR(pg_catalog.<=) d.n "
					"AND t.ctid OPERATOR(pg_catalog.=) m.tid",
					tcol, table, table, tcol, table);
}

/* The SQL that inserts n copies of each image that came; $1 the images, $2 the n. */
static char *
insert_sql(const Hypertable *ht, const char *table)
{
	return psprintf("INSERT INTO %s (%s) SELECT %s FROM "
					"(SELECT u.img::%s AS r FROM ROWS FROM (pg_catalog.unnest("
					"$1::pg_catalog.text[]), pg_catalog.unnest("
					"$2::pg_catalog.int8[])) AS u(img, n), "
					"pg_catalog.generate_series(1::pg_catalog.int8, u.n) "
					"OFFSET 0) s",
					table, ChunkCopyColumnList(ht->relid, NULL),
					ChunkCopyColumnList(ht->relid, "(s.r)."), table);
}

/*
 * Apply the changes captured on the source that its snapshot sees (and
 * that have not been forgotten) to the destination's replica of chunk, in
 * the current distributed transaction.  For the switch, the caller holds
 * the access node's EXCLUSIVE lock on the chunk and has called
 * ChunkCopyLockSource, so they are all the changes there will be; for a
 * catch-up, the caller forgets them in the same transaction.  Returns the
 * rows inserted plus the rows deleted.
 *
 * The changes are read through a cursor on the source, CAPTURE_READ_BATCH
 * row images at a time, and each batch applied before the next is read, in
 * a memory context reset per batch: the memory used here (and on the
 * source, see chunk_copy_changes, and on the destination) does not grow
 * with the writes made during the copy.  The source sends the images that
 * went before those that came, so all deletions precede all insertions, as
 * when the whole log was applied at once; each image comes once, with its
 * net count, so batches never meet each other's rows.
 */
int64
ChunkCaptureApply(const Hypertable *ht, const Chunk *chunk, Oid source_server, Oid dest_server,
				  const char *operation_id)
{
	DataNodeConn *src = GetDataNodeConnection(source_server, REMOTE_TXN_WRITE);
	DataNodeConn *dst = GetDataNodeConnection(dest_server, REMOTE_TXN_WRITE);
	const char *table = quote_qualified_identifier(chunk->schema_name, chunk->table_name);
	char	   *gone_sql = delete_sql(ht, table);
	char	   *came_sql = insert_sql(ht, table);
	char	   *fetch_sql = psprintf("FETCH %d FROM " CAPTURE_APPLY_CURSOR, CAPTURE_READ_BATCH);
	MemoryContext batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "chunk capture apply",
													ALLOCSET_DEFAULT_SIZES);
	const char *params[2];
	int64		applied = 0;
	int			n;

	params[0] = table;
	params[1] = operation_id;
	PQclear(RemoteExecParams(src, "DECLARE " CAPTURE_APPLY_CURSOR " NO SCROLL CURSOR FOR "
							 "SELECT row_image, delta FROM " MN_FUNCTIONS_SCHEMA
							 ".chunk_copy_changes($1::pg_catalog.regclass, $2)", 2, params));
	do
	{
		MemoryContext old;
		ChangeArrays gone;
		ChangeArrays came;
		PGresult   *res;
		int			i;

		CHECK_FOR_INTERRUPTS();
		res = RemoteExec(src, fetch_sql);
		n = PQntuples(res);
		old = MemoryContextSwitchTo(batch_cxt);
		change_arrays_init(&gone);
		change_arrays_init(&came);
		for (i = 0; i < n; i++)
		{
			int64		delta = strtoll(PQgetvalue(res, i, 1), NULL, 10);

			if (delta < 0)
				change_arrays_add(&gone, PQgetvalue(res, i, 0), -delta);
			else
				change_arrays_add(&came, PQgetvalue(res, i, 0), delta);
		}
		PQclear(res);
		change_arrays_end(&gone);
		change_arrays_end(&came);

		if (gone.rows > 0)
		{
			int64		deleted;

			params[0] = gone.images.data;
			params[1] = gone.counts.data;
			res = RemoteExecParams(dst, gone_sql, 2, params);
			deleted = pg_strtoint64(PQcmdTuples(res));
			PQclear(res);
			if (deleted != gone.rows)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("could not apply the changes made during the copy of chunk \"%s\"",
								chunk->table_name),
						 errdetail("Rows deleted or updated on the source meanwhile: " INT64_FORMAT
								   "; found on the destination: " INT64_FORMAT ".",
								   gone.rows, deleted)));
		}
		if (came.rows > 0)
		{
			params[0] = came.images.data;
			params[1] = came.counts.data;
			PQclear(RemoteExecParams(dst, came_sql, 2, params));
		}
		applied += gone.rows + came.rows;
		MemoryContextSwitchTo(old);
		MemoryContextReset(batch_cxt);
	} while (n == CAPTURE_READ_BATCH);
	RemoteExecCommand(src, "CLOSE " CAPTURE_APPLY_CURSOR);
	MemoryContextDelete(batch_cxt);
	return applied;
}
