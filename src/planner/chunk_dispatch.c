/*-------------------------------------------------------------------------
 *
 * chunk_dispatch.c
 *	  Routing the rows of one INSERT or COPY to the chunks of a hypertable.
 *
 * For each row: compute its point (one internal value per dimension), find
 * its chunk in the catalog cache or create it, then
 *
 *	 - distributed hypertable: encode the row once, as COPY text, and append
 *	   it to a buffer per (data node, chunk) for every replica.  When a node
 *	   has max_insert_batch_size rows buffered, every node's buffers are
 *	   flushed together: one COPY per chunk, started on all nodes before any
 *	   data is sent, so the nodes work in parallel.  ON CONFLICT statements
 *	   ship the same buffers as multi-row INSERT ... ON CONFLICT with
 *	   parameters instead, and count what the nodes report.
 *
 *	 - local (or data-node member) hypertable: insert straight into the
 *	   chunk table, with its constraints and indexes.
 *
 * Rows go straight into the chunk tables of the data nodes rather than into
 * their member hypertable's root: the access node has already routed the
 * row, re-routing on the node would only repeat the work, and the chunk's
 * CHECK constraints still catch any disagreement.
 *
 * Values are encoded in a form that means the same on every node whatever
 * the session's DateStyle, IntervalStyle or extra_float_digits: timestamps
 * in ISO format in UTC, floats in their shortest exact form.  Everything
 * per row lives in a memory context reset after each flush.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/table.h"
#include "access/tableam.h"
#include "access/tupconvert.h"
#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "executor/executor.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/nodes.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "catalog/catalog.h"
#include "guc.h"
#include "hypertable/hypertable.h"
#include "planner/planner.h"
#include "remote/remote.h"

/* at most this many parameters in one statement (the protocol's limit) */
#define MAX_PARAMS 65535

typedef struct ChunkBuffer
{
	int32		chunk_id;
	char	   *qualified;		/* "schema"."table" on the data node */
	bool		counts;			/* first replica: its results are counted */
	StringInfoData data;		/* COPY text rows */
	List	   *rows;			/* ON CONFLICT: char *[ncols] per row */
	int			nrows;
} ChunkBuffer;

typedef struct NodeBuffer
{
	Oid			server_id;
	DataNodeConn *conn;
	List	   *chunks;			/* ChunkBuffer * */
	ChunkBuffer *last;
	int			nrows;
} NodeBuffer;

typedef struct LocalChunk
{
	int32		chunk_id;
	ResultRelInfo *rri;
	TupleConversionMap *map;
	TupleTableSlot *slot;
} LocalChunk;

struct ChunkDispatch
{
	Hypertable *ht;
	ResultRelInfo *root_rri;
	EState	   *estate;
	TupleDesc	desc;
	bool		distributed;
	ChunkDispatchOnConflict on_conflict;
	int			ncols;			/* non-dropped columns */
	FmgrInfo   *out_funcs;		/* per attribute */
	Oid		   *collations;		/* per dimension */
	char	   *column_list;	/* "(a, b, c)" */
	int64	   *point;
	Chunk	   *last_chunk;
	List	   *nodes;			/* NodeBuffer * */
	List	   *local_chunks;	/* LocalChunk * */
	MemoryContext batch_cxt;
	StringInfoData row;
	char	  **row_values;
	uint64		processed;		/* ON CONFLICT: rows the nodes inserted */
};

struct ChunkDispatch *
ChunkDispatchCreate(Hypertable *ht, ResultRelInfo *root_rri, EState *estate,
					ChunkDispatchOnConflict *on_conflict)
{
	struct ChunkDispatch *cd = palloc0(sizeof(struct ChunkDispatch));
	Relation	rel = root_rri->ri_RelationDesc;
	TupleDesc	desc = RelationGetDescr(rel);
	StringInfoData cols;
	int			i;

	cd->ht = ht;
	cd->root_rri = root_rri;
	cd->estate = estate;
	cd->desc = desc;
	cd->distributed = HypertableIsDistributed(ht);
	if (on_conflict)
		cd->on_conflict = *on_conflict;
	else
		cd->on_conflict.action = ONCONFLICT_NONE;
	cd->out_funcs = palloc0(sizeof(FmgrInfo) * desc->natts);
	initStringInfo(&cols);
	appendStringInfoChar(&cols, '(');
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		Oid			func;
		bool		isvarlena;

		if (att->attisdropped)
			continue;
		getTypeOutputInfo(att->atttypid, &func, &isvarlena);
		fmgr_info(func, &cd->out_funcs[i]);
		appendStringInfo(&cols, "%s%s", cd->ncols ? ", " : "", quote_identifier(NameStr(att->attname)));
		cd->ncols++;
	}
	appendStringInfoChar(&cols, ')');
	cd->column_list = cols.data;
	cd->point = palloc(sizeof(int64) * Max(1, ht->num_dimensions));
	cd->collations = palloc(sizeof(Oid) * Max(1, ht->num_dimensions));
	for (i = 0; i < ht->num_dimensions; i++)
	{
		AttrNumber	attno = ht->dimensions[i].attno;

		if (attno <= 0 || attno > desc->natts)
			elog(ERROR, "hypertable \"%s\" has no column \"%s\"", ht->table_name,
				 ht->dimensions[i].column_name);
		cd->collations[i] = TupleDescAttr(desc, attno - 1)->attcollation;
	}
	cd->batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "multinode insert batch",
										  ALLOCSET_DEFAULT_SIZES);
	initStringInfo(&cd->row);
	cd->row_values = palloc0(sizeof(char *) * desc->natts);
	return cd;
}

/* ----------------------------------------------------------------------------
 * Encoding values
 * ----------------------------------------------------------------------------
 */

static void
encode_timestamp(StringInfo buf, Timestamp ts, bool with_tz)
{
	struct pg_tm tm;
	fsec_t		fsec;
	char		out[MAXDATELEN + 1];

	if (TIMESTAMP_NOT_FINITE(ts))
	{
		EncodeSpecialTimestamp(ts, out);
		appendStringInfoString(buf, out);
		return;
	}
	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	EncodeDateTime(&tm, fsec, false, 0, NULL, USE_ISO_DATES, out);
	appendStringInfoString(buf, out);
	if (with_tz)
		appendStringInfoString(buf, "+00");
}

/*
 * The text of one value, independent of the session's output settings for
 * the types where they matter.  Appends to buf.
 */
static void
encode_value(struct ChunkDispatch *cd, int attno, Datum value, StringInfo buf)
{
	Oid			type = TupleDescAttr(cd->desc, attno)->atttypid;
	char		out[MAXDATELEN + 1];

	switch (type)
	{
		case TIMESTAMPTZOID:
			encode_timestamp(buf, DatumGetTimestampTz(value), true);
			return;
		case TIMESTAMPOID:
			encode_timestamp(buf, DatumGetTimestamp(value), false);
			return;
		case DATEOID:
			{
				DateADT		d = DatumGetDateADT(value);
				struct pg_tm tm;

				if (DATE_NOT_FINITE(d))
					EncodeSpecialDate(d, out);
				else
				{
					j2date(d + POSTGRES_EPOCH_JDATE, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
					EncodeDateOnly(&tm, USE_ISO_DATES, out);
				}
				appendStringInfoString(buf, out);
				return;
			}
		case INTERVALOID:
			{
				struct pg_itm itm;

				interval2itm(*DatumGetIntervalP(value), &itm);
				EncodeInterval(&itm, INTSTYLE_POSTGRES, out);
				appendStringInfoString(buf, out);
				return;
			}
		case FLOAT8OID:
			{
				double		v = DatumGetFloat8(value);

				if (isnan(v))
					appendStringInfoString(buf, "NaN");
				else if (isinf(v))
					appendStringInfoString(buf, v > 0 ? "Infinity" : "-Infinity");
				else
				{
					double_to_shortest_decimal_buf(v, out);
					appendStringInfoString(buf, out);
				}
				return;
			}
		case FLOAT4OID:
			{
				float		v = DatumGetFloat4(value);

				if (isnan(v))
					appendStringInfoString(buf, "NaN");
				else if (isinf(v))
					appendStringInfoString(buf, v > 0 ? "Infinity" : "-Infinity");
				else
				{
					float_to_shortest_decimal_buf(v, out);
					appendStringInfoString(buf, out);
				}
				return;
			}
		default:
			appendStringInfoString(buf, OutputFunctionCall(&cd->out_funcs[attno], value));
	}
}

/* Append s to buf escaped for COPY text format. */
static void
append_copy_escaped(StringInfo buf, const char *s, int len)
{
	int			start = 0;
	int			i;

	for (i = 0; i < len; i++)
	{
		char		c = s[i];
		const char *esc;

		switch (c)
		{
			case '\\':
				esc = "\\\\";
				break;
			case '\n':
				esc = "\\n";
				break;
			case '\r':
				esc = "\\r";
				break;
			case '\t':
				esc = "\\t";
				break;
			default:
				continue;
		}
		appendBinaryStringInfo(buf, s + start, i - start);
		appendStringInfoString(buf, esc);
		start = i + 1;
	}
	appendBinaryStringInfo(buf, s + start, len - start);
}

/* The row as one line of COPY text, into cd->row (in the batch context). */
static void
encode_row_copy(struct ChunkDispatch *cd, TupleTableSlot *slot)
{
	StringInfoData value;
	bool		first = true;
	int			i;

	resetStringInfo(&cd->row);
	initStringInfo(&value);
	for (i = 0; i < cd->desc->natts; i++)
	{
		if (TupleDescAttr(cd->desc, i)->attisdropped)
			continue;
		if (!first)
			appendStringInfoChar(&cd->row, '\t');
		first = false;
		if (slot->tts_isnull[i])
		{
			appendStringInfoString(&cd->row, "\\N");
			continue;
		}
		resetStringInfo(&value);
		encode_value(cd, i, slot->tts_values[i], &value);
		append_copy_escaped(&cd->row, value.data, value.len);
	}
	appendStringInfoChar(&cd->row, '\n');
	pfree(value.data);
}

/* The row as parameter texts (NULL for NULL), allocated in the batch context. */
static char **
encode_row_params(struct ChunkDispatch *cd, TupleTableSlot *slot)
{
	char	  **values = palloc(sizeof(char *) * cd->ncols);
	int			n = 0;
	int			i;

	for (i = 0; i < cd->desc->natts; i++)
	{
		StringInfoData value;

		if (TupleDescAttr(cd->desc, i)->attisdropped)
			continue;
		if (slot->tts_isnull[i])
		{
			values[n++] = NULL;
			continue;
		}
		initStringInfo(&value);
		encode_value(cd, i, slot->tts_values[i], &value);
		values[n++] = value.data;
	}
	return values;
}

/* ----------------------------------------------------------------------------
 * Buffers and flushing (distributed hypertables)
 * ----------------------------------------------------------------------------
 */

static NodeBuffer *
node_buffer(struct ChunkDispatch *cd, Oid server_id)
{
	ListCell   *lc;
	NodeBuffer *nb;
	MemoryContext old;

	foreach(lc, cd->nodes)
	{
		nb = lfirst(lc);
		if (nb->server_id == server_id)
			return nb;
	}
	old = MemoryContextSwitchTo(GetMemoryChunkContext(cd));
	nb = palloc0(sizeof(NodeBuffer));
	nb->server_id = server_id;
	cd->nodes = lappend(cd->nodes, nb);
	MemoryContextSwitchTo(old);
	return nb;
}

static ChunkBuffer *
chunk_buffer(struct ChunkDispatch *cd, NodeBuffer *nb, Chunk *chunk, bool counts)
{
	ListCell   *lc;
	ChunkBuffer *cb;
	MemoryContext old;

	if (nb->last && nb->last->chunk_id == chunk->id)
		return nb->last;
	foreach(lc, nb->chunks)
	{
		cb = lfirst(lc);
		if (cb->chunk_id == chunk->id)
			return nb->last = cb;
	}
	old = MemoryContextSwitchTo(cd->batch_cxt);
	cb = palloc0(sizeof(ChunkBuffer));
	cb->chunk_id = chunk->id;
	cb->qualified = quote_qualified_identifier(chunk->schema_name, chunk->table_name);
	cb->counts = counts;
	initStringInfo(&cb->data);
	nb->chunks = lappend(nb->chunks, cb);
	MemoryContextSwitchTo(old);
	return nb->last = cb;
}

/* Every node's buffers as COPY, one chunk per node at a time, nodes in parallel. */
static void
flush_copy(struct ChunkDispatch *cd)
{
	int			round;

	for (round = 0;; round++)
	{
		List	   *active = NIL;
		List	   *sqls = NIL;
		ListCell   *lc,
				   *lc2;
		DataNodeConn *failed = NULL;
		PGresult   *failed_res = NULL;
		char	   *failed_sql = NULL;

		foreach(lc, cd->nodes)
		{
			NodeBuffer *nb = lfirst(lc);

			if (list_length(nb->chunks) > round)
			{
				ChunkBuffer *cb = list_nth(nb->chunks, round);
				char	   *sql = psprintf("COPY %s %s FROM STDIN", cb->qualified, cd->column_list);

				if (nb->conn == NULL)
					nb->conn = GetDataNodeConnection(nb->server_id, REMOTE_TXN_WRITE);
				RemoteCopyStart(nb->conn, sql);
				active = lappend(active, nb);
				sqls = lappend(sqls, sql);
			}
		}
		if (active == NIL)
			break;
		forboth(lc, active, lc2, sqls)
			RemoteCopyBegin(((NodeBuffer *) lfirst(lc))->conn, lfirst(lc2));
		forboth(lc, active, lc2, sqls)
		{
			NodeBuffer *nb = lfirst(lc);
			ChunkBuffer *cb = list_nth(nb->chunks, round);

			CHECK_FOR_INTERRUPTS();
			RemoteCopySend(nb->conn, cb->data.data, cb->data.len, lfirst(lc2));
			RemoteCopyEnd(nb->conn, lfirst(lc2));
		}
		forboth(lc, active, lc2, sqls)
		{
			NodeBuffer *nb = lfirst(lc);
			PGresult   *res = RemoteCopyFinish(nb->conn, lfirst(lc2));

			if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK)
				PQclear(res);
			else if (failed == NULL)
				failed = nb->conn, failed_res = res, failed_sql = lfirst(lc2);
			else
				PQclear(res);
		}
		if (failed)
			RemoteCopyCheckResult(failed, failed_res, failed_sql);
	}
}

/* One INSERT ... ON CONFLICT for rows [from, from + n) of a chunk buffer. */
static char *
on_conflict_sql(struct ChunkDispatch *cd, ChunkBuffer *cb, int n)
{
	StringInfoData sql;
	int			p = 1;
	int			r,
				c;

	initStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO %s", cb->qualified);
	if (cd->on_conflict.alias)
		appendStringInfo(&sql, " AS %s", cd->on_conflict.alias);
	appendStringInfo(&sql, " %s VALUES ", cd->column_list);
	for (r = 0; r < n; r++)
	{
		appendStringInfoString(&sql, r ? ", (" : "(");
		for (c = 0; c < cd->ncols; c++)
			appendStringInfo(&sql, "%s$%d", c ? ", " : "", p++);
		appendStringInfoChar(&sql, ')');
	}
	appendStringInfoString(&sql, " ON CONFLICT ");
	if (cd->on_conflict.target_sql)
		appendStringInfo(&sql, "%s ", cd->on_conflict.target_sql);
	if (cd->on_conflict.action == ONCONFLICT_UPDATE)
		appendStringInfoString(&sql, cd->on_conflict.update_sql);
	else
		appendStringInfoString(&sql, "DO NOTHING");
	return sql.data;
}

/* Every node's buffers as INSERT ... ON CONFLICT statements, nodes in parallel. */
static void
flush_on_conflict(struct ChunkDispatch *cd)
{
	int			rows_per_stmt = Max(1, MAX_PARAMS / Max(1, cd->ncols));
	ListCell   *lc;
	bool		more = true;

	/* each round sends at most one statement per node */
	foreach(lc, cd->nodes)
	{
		NodeBuffer *nb = lfirst(lc);

		if (nb->chunks != NIL && nb->conn == NULL)
			nb->conn = GetDataNodeConnection(nb->server_id, REMOTE_TXN_WRITE);
	}
	while (more)
	{
		List	   *active = NIL;
		List	   *sqls = NIL;
		List	   *counted = NIL;
		ListCell   *lc2,
				   *lc3;
		DataNodeConn *failed = NULL;
		PGresult   *failed_res = NULL;
		char	   *failed_sql = NULL;

		more = false;
		foreach(lc, cd->nodes)
		{
			NodeBuffer *nb = lfirst(lc);
			ChunkBuffer *cb;
			int			n;
			const char **params;
			int			p = 0;
			int			r;
			char	   *sql;

			if (nb->chunks == NIL)
				continue;
			cb = linitial(nb->chunks);
			n = Min(list_length(cb->rows), rows_per_stmt);
			params = palloc(sizeof(char *) * n * cd->ncols);
			for (r = 0; r < n; r++)
			{
				char	  **values = list_nth(cb->rows, r);

				memcpy(&params[p], values, sizeof(char *) * cd->ncols);
				p += cd->ncols;
			}
			sql = on_conflict_sql(cd, cb, n);
			RemoteSendParams(nb->conn, sql, p, params);
			cb->rows = list_delete_first_n(cb->rows, n);
			if (cb->rows == NIL)
				nb->chunks = list_delete_first(nb->chunks);
			active = lappend(active, nb);
			sqls = lappend(sqls, sql);
			counted = lappend_int(counted, cb->counts);
			if (nb->chunks != NIL)
				more = true;
		}
		forthree(lc, active, lc2, sqls, lc3, counted)
		{
			NodeBuffer *nb = lfirst(lc);
			PGresult   *res = RemoteGetResult(nb->conn, lfirst(lc2));

			CHECK_FOR_INTERRUPTS();
			if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK)
			{
				if (lfirst_int(lc3))
					cd->processed += strtoul(PQcmdTuples(res), NULL, 10);
				PQclear(res);
			}
			else if (failed == NULL)
				failed = nb->conn, failed_res = res, failed_sql = lfirst(lc2);
			else
				PQclear(res);
		}
		if (failed)
			RemoteReportError(ERROR, failed, failed_res, failed_sql);
	}
}

static void
flush_all(struct ChunkDispatch *cd)
{
	ListCell   *lc;

	if (cd->on_conflict.action == ONCONFLICT_NONE)
		flush_copy(cd);
	else
		flush_on_conflict(cd);
	foreach(lc, cd->nodes)
	{
		NodeBuffer *nb = lfirst(lc);

		nb->chunks = NIL;
		nb->last = NULL;
		nb->nrows = 0;
	}
	MemoryContextReset(cd->batch_cxt);
}

static void
route_remote(struct ChunkDispatch *cd, Chunk *chunk, TupleTableSlot *slot)
{
	MemoryContext old = MemoryContextSwitchTo(cd->batch_cxt);
	char	  **params = NULL;
	ListCell   *lc;
	bool		first = true;
	bool		flush = false;

	if (cd->on_conflict.action == ONCONFLICT_NONE)
		encode_row_copy(cd, slot);
	else
		params = encode_row_params(cd, slot);

	if (chunk->data_nodes == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("chunk \"%s\" has no data nodes", chunk->table_name)));
	foreach(lc, chunk->data_nodes)
	{
		ChunkDataNode *cdn = lfirst(lc);
		NodeBuffer *nb;
		ChunkBuffer *cb;

		if (!OidIsValid(cdn->server_id))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("data node \"%s\" of chunk \"%s\" does not exist",
							cdn->node_name, chunk->table_name)));
		nb = node_buffer(cd, cdn->server_id);
		cb = chunk_buffer(cd, nb, chunk, first);
		first = false;
		if (params)
			cb->rows = lappend(cb->rows, params);
		else
			appendBinaryStringInfo(&cb->data, cd->row.data, cd->row.len);
		cb->nrows++;
		if (++nb->nrows >= mn_max_insert_batch_size)
			flush = true;
	}
	MemoryContextSwitchTo(old);
	if (flush)
		flush_all(cd);
}

/* ----------------------------------------------------------------------------
 * Local chunks
 * ----------------------------------------------------------------------------
 */

static LocalChunk *
local_chunk(struct ChunkDispatch *cd, Chunk *chunk)
{
	ListCell   *lc;
	LocalChunk *lchunk;
	Relation	rel;
	MemoryContext old;

	foreach(lc, cd->local_chunks)
	{
		lchunk = lfirst(lc);
		if (lchunk->chunk_id == chunk->id)
			return lchunk;
	}
	old = MemoryContextSwitchTo(cd->estate->es_query_cxt);
	rel = table_open(chunk->relid, RowExclusiveLock);
	lchunk = palloc0(sizeof(LocalChunk));
	lchunk->chunk_id = chunk->id;
	lchunk->rri = makeNode(ResultRelInfo);
	InitResultRelInfo(lchunk->rri, rel, 0, NULL, 0);
	ExecOpenIndices(lchunk->rri, cd->on_conflict.action != ONCONFLICT_NONE);
	lchunk->map = convert_tuples_by_name(cd->desc, RelationGetDescr(rel));
	lchunk->slot = table_slot_create(rel, NULL);
	cd->local_chunks = lappend(cd->local_chunks, lchunk);
	MemoryContextSwitchTo(old);
	return lchunk;
}

static bool
insert_local(struct ChunkDispatch *cd, Chunk *chunk, TupleTableSlot *slot)
{
	LocalChunk *lchunk = local_chunk(cd, chunk);
	ResultRelInfo *rri = lchunk->rri;
	Relation	rel = rri->ri_RelationDesc;
	TupleTableSlot *s;

	if (lchunk->map)
		s = execute_attr_map_slot(lchunk->map->attrMap, slot, lchunk->slot);
	else
	{
		ExecClearTuple(lchunk->slot);
		s = ExecCopySlot(lchunk->slot, slot);
	}
	if (rel->rd_att->constr)
		ExecConstraints(rri, s, cd->estate);
	if (cd->on_conflict.action == ONCONFLICT_NOTHING && rri->ri_NumIndices > 0)
	{
		ItemPointerData conflict;

		if (!ExecCheckIndexConstraints(rri, s, cd->estate, &conflict, NIL))
			return false;
	}
	table_tuple_insert(rel, s, cd->estate->es_output_cid, 0, NULL);
	if (rri->ri_NumIndices > 0)
		ExecInsertIndexTuples(rri, s, cd->estate, false, false, NULL, NIL);
	return true;
}

/* ----------------------------------------------------------------------------
 * Entry points
 * ----------------------------------------------------------------------------
 */

static bool
chunk_contains(const Hypertable *ht, const Chunk *chunk, const int64 *point)
{
	int			d;

	for (d = 0; d < ht->num_dimensions; d++)
		if (point[d] < chunk->range_start[d] ||
			(point[d] >= chunk->range_end[d] && chunk->range_end[d] != MN_TIME_MAX))
			return false;
	return true;
}

/*
 * Route one row, given in the root's tuple descriptor (constraints already
 * checked).  Returns false if the row was skipped (local ON CONFLICT DO
 * NOTHING); a buffered remote row counts as routed.
 */
bool
ChunkDispatchRow(struct ChunkDispatch *cd, TupleTableSlot *slot)
{
	Hypertable *ht = cd->ht;
	Chunk	   *chunk;
	int			d;

	CHECK_FOR_INTERRUPTS();
	slot_getallattrs(slot);
	for (d = 0; d < ht->num_dimensions; d++)
	{
		const Dimension *dim = &ht->dimensions[d];

		cd->point[d] = DimensionValue(dim, slot->tts_values[dim->attno - 1],
									  slot->tts_isnull[dim->attno - 1], cd->collations[d]);
	}
	if (cd->last_chunk && chunk_contains(ht, cd->last_chunk, cd->point))
		chunk = cd->last_chunk;
	else
	{
		chunk = ChunkGetOrCreate(ht, cd->point);
		cd->last_chunk = chunk;
	}

	if (cd->distributed)
	{
		route_remote(cd, chunk, slot);
		return true;
	}
	return insert_local(cd, chunk, slot);
}

/*
 * Ship everything still buffered.  Returns the number of rows the data
 * nodes reported inserted for ON CONFLICT statements (0 otherwise: the
 * caller counted routed rows itself).
 */
uint64
ChunkDispatchFinish(struct ChunkDispatch *cd)
{
	if (cd->distributed)
		flush_all(cd);
	return cd->processed;
}

void
ChunkDispatchEnd(struct ChunkDispatch *cd)
{
	ListCell   *lc;

	foreach(lc, cd->local_chunks)
	{
		LocalChunk *lchunk = lfirst(lc);

		ExecCloseIndices(lchunk->rri);
		ExecDropSingleTupleTableSlot(lchunk->slot);
		table_close(lchunk->rri->ri_RelationDesc, NoLock);
	}
	cd->local_chunks = NIL;
	MemoryContextDelete(cd->batch_cxt);
}
