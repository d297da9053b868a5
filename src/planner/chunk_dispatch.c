/*-------------------------------------------------------------------------
 *
 * chunk_dispatch.c
 *	  Routing the rows of one INSERT or COPY to the chunks of a hypertable.
 *
 * For each row: compute its point (one internal value per dimension), find
 * its chunk in the catalog cache or create it, then
 *
 *	 - distributed hypertable: encode the row once, for COPY (binary when
 *	   every column has a built-in type, else text), and append it to the
 *	   buffer of every replica's data node.  A node's buffer goes out in
 *	   batches of max_insert_batch_size rows on one COPY into the node's
 *	   member hypertable, open for the whole statement, whose own
 *	   dispatcher puts each row into its chunk (see "Buffers and flushing"
 *	   below).  An error on a node surfaces when its COPY ends (chunk
 *	   creation on that node, or the end of the statement).  ON CONFLICT
 *	   statements keep a buffer per chunk and ship it as multi-row INSERT
 *	   ... ON CONFLICT into the chunk with parameters instead, and count
 *	   what the nodes report.
 *
 *	 - local (or data-node member) hypertable: insert straight into the
 *	   chunk table, with its constraints, indexes and row triggers (copies
 *	   of the root's, see hypertable/chunk_objects.c), in batches for COPY;
 *	   with ON CONFLICT, run PostgreSQL's own INSERT ... ON CONFLICT on the
 *	   chunk, prepared once per chunk, so speculative insertion and DO
 *	   UPDATE work as on a table.
 *
 * The access node routes each row to its chunk's data nodes, and the data
 * node routes it again, to the chunk in its own catalog (the same chunk: the
 * access node creates it on the node, with the same ranges, before sending
 * it rows; a node that finds no chunk for a row of the access node's refuses
 * it rather than make one the access node does not know).  Routing costs
 * little next to storing the row; one COPY per node instead of one per
 * chunk means the access node never waits for a node to finish a chunk
 * before it can send the next one's rows.
 *
 * Values are encoded in a form that means the same on every node whatever
 * the session's DateStyle, IntervalStyle, TimeZone or extra_float_digits:
 * timestamps in ISO format in UTC, floats in their shortest exact form, and
 * values of other types (arrays, ranges, domains, composites) printed under
 * the fixed transmission settings (remote/transmission.c).  What encoding
 * a row allocates lives in a memory context reset for the next row (ON
 * CONFLICT: after each flush); the buffers, in one context per node, reset
 * when the node's buffers are all sent.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/heapam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/transam.h"
#include "access/tableam.h"
#include "access/tupconvert.h"
#include "catalog/pg_index.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "access/htup_details.h"
#include "lib/stringinfo.h"
#include "port/pg_bswap.h"
#include "miscadmin.h"
#include "nodes/nodes.h"
#include "optimizer/optimizer.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "catalog/catalog.h"
#include "fdw/fdw.h"
#include "guc.h"
#include "hypertable/hypertable.h"
#include "multinode.h"
#include "planner/planner.h"
#include "remote/remote.h"

/* at most this many parameters in one statement (the protocol's limit) */
#define MAX_PARAMS 65535

typedef struct ChunkBuffer
{
	int32		chunk_id;
	char	   *qualified;		/* "schema"."table" on the data node */
	bool		counts;			/* first replica: its results are counted */
	List	   *rows;			/* char *[ncols] per row */
} ChunkBuffer;

typedef struct NodeBuffer
{
	Oid			server_id;
	DataNodeConn *conn;
	int			nrows;			/* rows buffered, not sent */
	/* COPY */
	StringInfoData data;		/* the rows buffered, as COPY rows */
	int32		only_chunk;		/* the one chunk of those rows, -1 if several */
	NameData	only_schema;	/* its name, for a small INSERT */
	NameData	only_table;
	char	   *open_sql;		/* a COPY in progress on conn, or NULL */
	struct ChunkDispatch *cd;	/* for release_open_copy */
	/* ON CONFLICT */
	MemoryContext cxt;			/* the chunk buffers, reset when all are sent */
	List	   *chunks;			/* ChunkBuffer * */
	ChunkBuffer *last;
	uint64		rows_sent;		/* for EXPLAIN ANALYZE: rows routed to the node */
	uint64		commands;		/* COPY or INSERT statements started there */
	/* COPY FROM: the input lines of the last rows, for errors (see ERROR LINES) */
	uint64	   *lines;			/* [LINE_RING], by row index modulo LINE_RING */
	uint64		appended;		/* rows buffered for the node, ever */
	uint64		stream_base;	/* index of the first row of the open COPY */
	bool		single_insert;	/* its last rows went as a one-row INSERT */
} NodeBuffer;

typedef struct LocalChunk
{
	int32		chunk_id;
	MemoryContext mcxt;			/* owns what is below (not the SPI plans) */
	uint64		last_used;		/* cd->local_tick when last routed to */
	ResultRelInfo *rri;
	TupleConversionMap *map;
	TupleConversionMap *back_map;	/* chunk to root, for rows a trigger changed */
	TupleTableSlot *slot;
	char	   *qualified;
	SPIPlanPtr	on_conflict_plan;	/* INSERT ... ON CONFLICT ... RETURNING */
	char	   *on_conflict_sql;
	/* DO UPDATE under policies that check it: see insert_local_checked */
	SPIPlanPtr	lock_plan;		/* SELECT ... FOR UPDATE the conflicting row */
	char	   *lock_sql;
	SPIPlanPtr	insert_plan;	/* INSERT ... ON CONFLICT DO NOTHING RETURNING */
	char	   *insert_sql;
	/* batched rows (ChunkDispatchBatchLocal), stored by flush_local_rows */
	TupleTableSlot **batch;		/* [LOCAL_BATCH_ROWS], slots made on first use */
	uint64	   *batch_lines;	/* [LOCAL_BATCH_ROWS]: their input lines */
	int			nbatch;
	Size		batch_bytes;
	BulkInsertState bistate;
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
	FmgrInfo   *out_funcs;		/* per attribute: text output */
	FmgrInfo   *send_funcs;		/* per attribute: binary send, if binary */
	bool		binary;			/* COPY in binary format (built-in types only) */
	int			rows_per_message;	/* copy_rows_per_message, 0: no limit */
	bool		fixed_modes;	/* a column's text depends on output settings */
	Oid		   *collations;		/* per dimension */
	char	   *column_list;	/* "(a, b, c)" */
	char	   *copy_sql;		/* the COPY to the nodes' member root */
	char	   *column_names;	/* "a, b, c" */
	Oid		   *column_types;	/* [ncols] */
	bool		returning;		/* the caller wants the rows as stored */
	bool		batch_local;	/* COPY: local chunks' rows stored in batches */
	MemoryContext flush_cxt;	/* what storing a batch allocates */
	bool		may_hold;		/* the end's few rows may wait for the commit */
	TupleTableSlot *returned;	/* local ON CONFLICT: the row as stored */
	TupleTableSlot *check_slot; /* a local chunk's row in the root's layout */
	bool		checks;			/* the root has WITH CHECK OPTIONs */
	Tuplestorestate *returned_rows; /* remote ON CONFLICT: rows as stored */
	FmgrInfo   *in_funcs;		/* per attribute, for returned_rows */
	Oid		   *in_ioparams;
	int64	   *point;
	Chunk	   *last_chunk;
	List	   *seen_chunks;	/* chunks routed to by this statement */
	List	   *nodes;			/* NodeBuffer * */
	List	   *local_chunks;	/* LocalChunk *, at most max_open_chunks_per_insert */
	LocalChunk *last_local;		/* the one the previous row went to */
	uint64		local_tick;		/* rows routed to local chunks */
	MemoryContext batch_cxt;
	StringInfoData row;
	char	  **row_values;
	uint64		processed;		/* ON CONFLICT: rows the nodes inserted */
	ReplicaWrites *replicas;	/* nodes found down, replicas marked stale */
	/* COPY FROM: input lines (ChunkDispatchSetLine, ChunkDispatchErrorLine) */
	bool		track_lines;
	uint64		input_line;		/* the line of the row being routed */
	int			error_line_state;	/* CHUNK_DISPATCH_LINE_* */
	uint64		error_line;
};

static bool encoded_without_settings(Oid type);

/*
 * Whether a column's values are sent when rows are written: stored
 * generated columns are computed where the row is stored (the data node's
 * member has the same definition), and may not be written.
 */
static inline bool
column_sent(Form_pg_attribute att)
{
	return !att->attisdropped && att->attgenerated == '\0';
}

struct ChunkDispatch *
ChunkDispatchCreate(Hypertable *ht, ResultRelInfo *root_rri, EState *estate,
					ChunkDispatchOnConflict *on_conflict)
{
	struct ChunkDispatch *cd = palloc0(sizeof(struct ChunkDispatch));
	Relation	rel = root_rri->ri_RelationDesc;
	TupleDesc	desc = RelationGetDescr(rel);
	StringInfoData cols;
	StringInfoData names;
	int			i,
				j;

	cd->ht = ht;
	cd->root_rri = root_rri;
	cd->estate = estate;
	cd->replicas = ReplicaWritesCreate();
	cd->desc = desc;
	cd->distributed = HypertableIsDistributed(ht);
	if (on_conflict)
		cd->on_conflict = *on_conflict;
	else
		cd->on_conflict.action = ONCONFLICT_NONE;
	cd->out_funcs = palloc0(sizeof(FmgrInfo) * desc->natts);
	/*
	 * Binary COPY when every column has a built-in base type: the nodes run
	 * the same PostgreSQL, so send/recv agree, and nothing is printed or
	 * parsed.  Other types (their OIDs differ between nodes) go as text.
	 */
	cd->binary = true;
	initStringInfo(&cols);
	appendStringInfoChar(&cols, '(');
	initStringInfo(&names);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		Oid			func;
		bool		isvarlena;

		if (att->attisdropped)
			continue;
		appendStringInfo(&names, "%s%s", names.len ? ", " : "", quote_identifier(NameStr(att->attname)));
		if (!column_sent(att))
			continue;
		if (att->atttypid >= FirstGenbkiObjectId || get_typtype(att->atttypid) != TYPTYPE_BASE)
			cd->binary = false;
		if (!encoded_without_settings(att->atttypid))
			cd->fixed_modes = true;
		getTypeOutputInfo(att->atttypid, &func, &isvarlena);
		fmgr_info(func, &cd->out_funcs[i]);
		appendStringInfo(&cols, "%s%s", cd->ncols ? ", " : "", quote_identifier(NameStr(att->attname)));
		cd->ncols++;
	}
	appendStringInfoChar(&cols, ')');
	cd->column_list = cols.data;
	cd->send_funcs = palloc0(sizeof(FmgrInfo) * desc->natts);
	if (cd->binary)
		for (i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);
			Oid			func;
			bool		isvarlena;

			if (!column_sent(att))
				continue;
			getTypeBinaryOutputInfo(att->atttypid, &func, &isvarlena);
			fmgr_info(func, &cd->send_funcs[i]);
		}
	cd->column_names = names.data;
	cd->column_types = palloc(sizeof(Oid) * Max(1, cd->ncols));
	for (i = 0, j = 0; i < desc->natts; i++)
		if (column_sent(TupleDescAttr(desc, i)))
			cd->column_types[j++] = TupleDescAttr(desc, i)->atttypid;
	cd->returned = MakeSingleTupleTableSlot(desc, &TTSOpsVirtual);
	cd->check_slot = MakeSingleTupleTableSlot(desc, &TTSOpsVirtual);
	cd->checks = root_rri->ri_WithCheckOptions != NIL;
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
	cd->rows_per_message = DataNodeCopyRowsPerMessage();
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

/* A float in its shortest exact form (what extra_float_digits >= 1 prints). */
static void
encode_float(StringInfo buf, double v, bool single)
{
	char		out[32];

	if (isnan(v))
		appendStringInfoString(buf, "NaN");
	else if (isinf(v))
		appendStringInfoString(buf, v > 0 ? "Infinity" : "-Infinity");
	else
	{
		if (single)
			float_to_shortest_decimal_buf((float) v, out);
		else
			double_to_shortest_decimal_buf(v, out);
		appendStringInfoString(buf, out);
	}
}

/*
 * Whether the text of a value of type is the same under any session
 * settings: encode_value's own encodings, and built-in types whose output
 * functions read no setting.  For the others (arrays, ranges, domains,
 * composites, other types) rows are encoded under TransmissionModesBegin.
 */
static bool
encoded_without_settings(Oid type)
{
	switch (type)
	{
		case TIMESTAMPTZOID:
		case TIMESTAMPOID:
		case DATEOID:
		case INTERVALOID:
		case FLOAT8OID:
		case FLOAT4OID:
		case BOOLOID:
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case NUMERICOID:
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case NAMEOID:
		case UUIDOID:
		case JSONOID:
		case JSONBOID:
		case OIDOID:
			return true;
		default:
			return false;
	}
}

/*
 * The text of one value, independent of the session's output settings for
 * the types where they matter.  Appends to buf.  Values of types that
 * encoded_without_settings does not know are printed by their output
 * function: the caller has entered the fixed transmission settings.
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
			encode_float(buf, DatumGetFloat8(value), false);
			return;
		case FLOAT4OID:
			encode_float(buf, DatumGetFloat4(value), true);
			return;
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

static void
append_int16(StringInfo buf, int16 v)
{
	uint16		n = pg_hton16((uint16) v);

	appendBinaryStringInfo(buf, (char *) &n, 2);
}

static void
append_int32(StringInfo buf, int32 v)
{
	uint32		n = pg_hton32((uint32) v);

	appendBinaryStringInfo(buf, (char *) &n, 4);
}

static void
append_int64(StringInfo buf, int64 v)
{
	uint64		n = pg_hton64((uint64) v);

	appendBinaryStringInfo(buf, (char *) &n, 8);
}

/*
 * The row as one tuple of binary COPY, into cd->row.  The common fixed-size
 * types are written directly in their send format (network byte order);
 * the others through their send functions.
 */
static void
encode_row_binary(struct ChunkDispatch *cd, TupleTableSlot *slot)
{
	int			i;

	resetStringInfo(&cd->row);
	append_int16(&cd->row, cd->ncols);
	for (i = 0; i < cd->desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(cd->desc, i);
		Datum		v = slot->tts_values[i];

		if (!column_sent(att))
			continue;
		if (slot->tts_isnull[i])
		{
			append_int32(&cd->row, -1);
			continue;
		}
		switch (att->atttypid)
		{
			case INT2OID:
				append_int32(&cd->row, 2);
				append_int16(&cd->row, DatumGetInt16(v));
				break;
			case INT4OID:
			case DATEOID:
				append_int32(&cd->row, 4);
				append_int32(&cd->row, DatumGetInt32(v));
				break;
			case INT8OID:
			case TIMESTAMPOID:
			case TIMESTAMPTZOID:
				append_int32(&cd->row, 8);
				append_int64(&cd->row, DatumGetInt64(v));
				break;
			case FLOAT8OID:
				{
					double		d = DatumGetFloat8(v);
					int64		bits;

					memcpy(&bits, &d, 8);
					append_int32(&cd->row, 8);
					append_int64(&cd->row, bits);
					break;
				}
			case FLOAT4OID:
				{
					float		f = DatumGetFloat4(v);
					int32		bits;

					memcpy(&bits, &f, 4);
					append_int32(&cd->row, 4);
					append_int32(&cd->row, bits);
					break;
				}
			default:
				{
					bytea	   *b = SendFunctionCall(&cd->send_funcs[i], v);

					append_int32(&cd->row, VARSIZE(b) - VARHDRSZ);
					appendBinaryStringInfo(&cd->row, VARDATA(b), VARSIZE(b) - VARHDRSZ);
				}
		}
	}
}

/* The binary COPY file header and trailer. */
static const char binary_header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0";
static const char binary_trailer[2] = {'\377', '\377'};

/* The row as one line of COPY text, into cd->row (in the batch context). */
static void
encode_row_copy(struct ChunkDispatch *cd, TupleTableSlot *slot)
{
	StringInfoData value;
	bool		first = true;
	int			i;

	int			nestlevel = cd->fixed_modes ? TransmissionModesBegin() : -1;

	resetStringInfo(&cd->row);
	initStringInfo(&value);
	for (i = 0; i < cd->desc->natts; i++)
	{
		if (!column_sent(TupleDescAttr(cd->desc, i)))
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
	if (nestlevel >= 0)
		TransmissionModesEnd(nestlevel);
}

/* The row as parameter texts (NULL for NULL), allocated in the batch context. */
static char **
encode_row_params(struct ChunkDispatch *cd, TupleTableSlot *slot)
{
	char	  **values = palloc(sizeof(char *) * cd->ncols);
	int			n = 0;
	int			i;
	int			nestlevel = cd->fixed_modes ? TransmissionModesBegin() : -1;

	for (i = 0; i < cd->desc->natts; i++)
	{
		StringInfoData value;

		if (!column_sent(TupleDescAttr(cd->desc, i)))
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
	if (nestlevel >= 0)
		TransmissionModesEnd(nestlevel);
	return values;
}

/* ----------------------------------------------------------------------------
 * Buffers and flushing (distributed hypertables)
 *
 * COPY statements keep one stream per data node: "COPY root FROM STDIN"
 * into the node's member hypertable, which routes each row to its chunk
 * there (copy_from.c: the chunk the access node created for it, which the
 * node's catalog has too).  A node's rows collect in its buffer and go out
 * in batches of max_insert_batch_size on that one COPY, open from the
 * node's first batch to the end of the statement.  Nothing on the way makes
 * the access node wait for a node to finish what it was sent: ending a COPY
 * does (the node's answer comes when it has stored every row), so a COPY
 * per chunk, ended at every switch of chunk, left the access node idle while
 * one node caught up and the other nodes idle with it.  Only chunk creation
 * (on the nodes it creates the chunk on: the connection's holder ends the
 * COPY) and the end of the statement end a COPY.
 *
 * Nodes run in parallel and at their own pace: a batch goes to libpq only
 * when the node's earlier data has left for the socket; until then the
 * node's rows wait in its buffer, up to NODE_BUFFER_BYTES, and only then
 * does the access node wait for that node.  So a slow node does not hold up
 * the others, libpq's queue stays short, and the access node's memory is
 * bounded by the budget per node whatever the input.
 *
 * A statement that leaves a node only a few rows of one chunk and no COPY
 * open (a single-row INSERT) sends them as one INSERT into the chunk with
 * binary parameters instead: one round trip rather than the two of a COPY,
 * and no COPY set-up on the node.
 *
 * ON CONFLICT statements keep a buffer per chunk and ship every node's
 * buffers when one node has a batch, as multi-row INSERT ... ON CONFLICT
 * into the chunks with parameters.
 * ----------------------------------------------------------------------------
 */

/*
 * COPY data buffered for one node, not yet sent, before the access node
 * waits for it.  Small: the kernel's socket buffer already holds megabytes
 * ahead of the node, and what is here (and then in libpq's queue, which
 * keeps its size) is the access node's memory, which must not depend on the
 * rows loaded.
 */
#define NODE_BUFFER_BYTES (512 * 1024)

/* at most this many rows left over for a node go as INSERT, not COPY */
#define SMALL_INSERT_ROWS 32

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
	nb->cd = cd;
	nb->cxt = AllocSetContextCreate(GetMemoryChunkContext(cd), "multinode node buffer",
									ALLOCSET_DEFAULT_SIZES);
	initStringInfo(&nb->data);
	cd->nodes = lappend(cd->nodes, nb);
	MemoryContextSwitchTo(old);
	return nb;
}

/* ON CONFLICT: the node's buffer for chunk */
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
	old = MemoryContextSwitchTo(nb->cxt);
	cb = palloc0(sizeof(ChunkBuffer));
	cb->chunk_id = chunk->id;
	cb->qualified = quote_qualified_identifier(chunk->schema_name, chunk->table_name);
	cb->counts = counts;
	nb->chunks = lappend(nb->chunks, cb);
	MemoryContextSwitchTo(old);
	return nb->last = cb;
}

/* ----------------------------------------------------------------------------
 * ERROR LINES
 *
 * A COPY FROM reports a failed row with its input line, as PostgreSQL's
 * COPY does ("COPY conditions, line 6").  A row is checked where it is
 * stored, often after later rows were read: a local chunk's batch (flushed
 * when full) and, for a distributed hypertable, the data node, whose error
 * only arrives when its COPY ends.  So the caller gives each row's line
 * (ChunkDispatchSetLine) and asks, when an error is raised, which line it
 * is about (ChunkDispatchErrorLine): the row being read, a known earlier
 * one, or none that can be told.
 *
 * A data node gets the rows in a COPY of its own, and names the failed one
 * by its place in that COPY ("row 3 sent by the access node", copy_from.c).
 * Each node keeps the input lines of the last LINE_RING rows buffered for
 * it, by row index: a row k of the COPY begun at index stream_base is
 * index stream_base + k - 1.  A row older than that (a large load whose
 * node failed early) gets no line rather than a wrong one; the node's own
 * context is still there.  A node's leftover rows go as an INSERT, whose
 * error names no row, only when they are a single row.
 * ----------------------------------------------------------------------------
 */
#define LINE_RING 16384

static void
remember_line(struct ChunkDispatch *cd, NodeBuffer *nb)
{
	if (nb->lines == NULL)
		nb->lines = MemoryContextAlloc(GetMemoryChunkContext(cd), sizeof(uint64) * LINE_RING);
	nb->lines[nb->appended % LINE_RING] = cd->input_line;
	nb->appended++;
}

/* The input line of the row at index i of nb, if it is still known. */
static bool
known_line(NodeBuffer *nb, uint64 i, uint64 *line)
{
	if (nb->lines == NULL || i >= nb->appended || nb->appended - i > LINE_RING)
		return false;
	*line = nb->lines[i % LINE_RING];
	return true;
}

/*
 * Before the node's error fe is raised: which input line it is about, for
 * ChunkDispatchErrorLine.
 */
static void
note_error_line(struct ChunkDispatch *cd, RemoteFirstError *fe)
{
	const char *context = fe->res ? PQresultErrorField(fe->res, PG_DIAG_CONTEXT) : NULL;
	const char *p;
	ListCell   *lc;

	if (!cd->track_lines)
		return;
	cd->error_line_state = CHUNK_DISPATCH_LINE_UNKNOWN;
	foreach(lc, cd->nodes)
	{
		NodeBuffer *nb = lfirst(lc);
		uint64		row;
		char	   *end;

		if (nb->conn != fe->conn)
			continue;
		if (nb->single_insert)
		{
			if (known_line(nb, nb->appended - 1, &cd->error_line))
				cd->error_line_state = CHUNK_DISPATCH_LINE_KNOWN;
			return;
		}
		p = context ? strstr(context, ", row ") : NULL;
		if (p == NULL)
			return;
		row = strtou64(p + strlen(", row "), &end, 10);
		if (row == 0 || strncmp(end, " " COPY_ROW_FROM_ACCESS_NODE, strlen(COPY_ROW_FROM_ACCESS_NODE) + 1) != 0)
			return;
		if (known_line(nb, nb->stream_base + row - 1, &cd->error_line))
			cd->error_line_state = CHUNK_DISPATCH_LINE_KNOWN;
		return;
	}
}

/* The input line of the row about to be routed (COPY FROM). */
void
ChunkDispatchSetLine(struct ChunkDispatch *cd, uint64 line)
{
	cd->track_lines = true;
	cd->input_line = line;
}

/*
 * Which input line the error being raised is about: the row being routed
 * (CHUNK_DISPATCH_LINE_CURRENT), the one in *line (..._KNOWN), or none that
 * can be told (..._UNKNOWN).  Called from the caller's error context
 * callback; never throws.
 */
int
ChunkDispatchErrorLine(struct ChunkDispatch *cd, uint64 *line)
{
	*line = cd->error_line;
	return cd->error_line_state;
}

/* The COPY that carries a node's rows; also what EXPLAIN shows. */
static char *
copy_sql(struct ChunkDispatch *cd)
{
	return psprintf("COPY %s %s FROM STDIN%s",
					quote_qualified_identifier(cd->ht->schema_name, cd->ht->table_name),
					cd->column_list, cd->binary ? " WITH (FORMAT binary)" : "");
}

/* ON CONFLICT: forget a node's buffers once everything in them is sent. */
static void
reset_node_buffers(NodeBuffer *nb)
{
	nb->chunks = NIL;
	nb->last = NULL;
	nb->nrows = 0;
	MemoryContextReset(nb->cxt);
}

/* Send the end of the node's open COPY (without waiting for the result). */
static void
end_copy_send(struct ChunkDispatch *cd, NodeBuffer *nb)
{
	if (cd->binary)
		RemoteCopySend(nb->conn, binary_trailer, sizeof(binary_trailer), nb->open_sql);
	RemoteCopyEnd(nb->conn, nb->open_sql);
}

/* Read the result of the node's ended COPY into fe. */
static void
end_copy_collect(NodeBuffer *nb, RemoteFirstError *fe)
{
	PGresult   *res;

	RemoteConnClearHolder(nb->conn);
	res = RemoteCopyFinish(nb->conn, nb->open_sql);

	if (RemoteCollectResult(fe, nb->conn, res, nb->open_sql))
		PQclear(res);
	nb->open_sql = NULL;
}

/* End the node's open COPY, if any, and raise its failure. */
static void
end_copy(struct ChunkDispatch *cd, NodeBuffer *nb)
{
	RemoteFirstError fe = {0};

	if (nb->open_sql == NULL)
		return;
	end_copy_send(cd, nb);
	end_copy_collect(nb, &fe);
	if (fe.conn != NULL)
		note_error_line(cd, &fe);
	RemoteRaiseFirstError(&fe);
}

/*
 * Someone else needs the connection (chunk creation, another insert of the
 * same statement, a command run by a function the source query calls): end
 * our COPY first.  The rows still buffered wait for the next one.
 */
static void
release_open_copy(void *arg)
{
	NodeBuffer *nb = arg;

	end_copy(nb->cd, nb);
}

/* Start the node's COPY and wait until the node accepts data. */
static void
start_copy(struct ChunkDispatch *cd, NodeBuffer *nb)
{
	if (cd->copy_sql == NULL)
		cd->copy_sql = MemoryContextStrdup(GetMemoryChunkContext(cd), copy_sql(cd));
	if (nb->conn == NULL)
		nb->conn = GetDataNodeConnection(nb->server_id, REMOTE_TXN_WRITE);
	RemoteCopyStart(nb->conn, cd->copy_sql);
	/* the node numbers this COPY's rows from the first one still buffered */
	nb->stream_base = nb->appended - nb->nrows;
	nb->open_sql = cd->copy_sql;
	nb->commands++;
	RemoteCopyBegin(nb->conn, nb->open_sql);
	if (cd->binary)
		RemoteCopySend(nb->conn, binary_header, sizeof(binary_header), nb->open_sql);
	RemoteConnSetHolder(nb->conn, release_open_copy, nb);
}

/*
 * Length of the COPY row at p: a text row ends with its newline (newlines in
 * values are escaped); a binary one is a field count and the fields, each a
 * length (-1: NULL) and its bytes.
 */
static int
copy_row_length(const char *p, const char *end, bool binary)
{
	const char *q = p;

	if (!binary)
	{
		const char *nl = memchr(p, '\n', end - p);

		return nl ? (int) (nl - p) + 1 : (int) (end - p);
	}
	else
	{
		uint16		nfields;
		int			f;

		memcpy(&nfields, q, 2);
		q += 2;
		for (f = 0; f < pg_ntoh16(nfields); f++)
		{
			uint32		len;

			memcpy(&len, q, 4);
			q += 4;
			if ((int32) pg_ntoh32(len) > 0)
				q += pg_ntoh32(len);
		}
		return (int) (q - p);
	}
}

/*
 * Send the node's buffered rows on its COPY, started if none is open: in
 * one CopyData message, or in messages of copy_rows_per_message rows when
 * the wrapper sets it (TimescaleDB's option).
 */
static void
send_rows(struct ChunkDispatch *cd, NodeBuffer *nb)
{
	int			per_message = cd->rows_per_message;

	CHECK_FOR_INTERRUPTS();
	if (nb->data.len == 0)
		return;
	if (nb->open_sql == NULL)
		start_copy(cd, nb);
	if (per_message <= 0 || nb->nrows <= per_message)
		RemoteCopySend(nb->conn, nb->data.data, nb->data.len, nb->open_sql);
	else
	{
		const char *p = nb->data.data;
		const char *end = nb->data.data + nb->data.len;

		while (p < end)
		{
			const char *start = p;
			int			r;

			for (r = 0; r < per_message && p < end; r++)
				p += copy_row_length(p, end, cd->binary);
			RemoteCopySend(nb->conn, start, (int) (p - start), nb->open_sql);
		}
	}
	resetStringInfo(&nb->data);
	nb->nrows = 0;
	nb->only_chunk = 0;
}

/*
 * The node has a batch: send it if the node has taken in what it was sent
 * before; else it waits in the buffer, and only a full buffer waits for the
 * node.
 */
static void
batch_ready(struct ChunkDispatch *cd, NodeBuffer *nb)
{
	if (nb->open_sql != NULL && !RemoteCopyDrained(nb->conn, nb->open_sql))
	{
		if (nb->data.len < NODE_BUFFER_BYTES)
			return;
		RemoteCopyWaitDrained(nb->conn, nb->open_sql);
	}
	send_rows(cd, nb);
}

/*
 * The node's rows as one INSERT into their chunk with binary parameters
 * (its buffer holds them as binary COPY tuples: a field count, then per
 * field a length, -1 for NULL, and the bytes), sent without waiting;
 * returns the SQL, for the result.  Or, when the statement is its own
 * transaction and the caller allowed it (ChunkDispatchHoldForCommit), held
 * to travel with the node's COMMIT or PREPARE TRANSACTION (remote/held.c);
 * returns NULL then.
 */
static char *
send_small_insert(struct ChunkDispatch *cd, NodeBuffer *nb)
{
	int			nparams = nb->nrows * cd->ncols;
	const char **values = palloc(sizeof(char *) * nparams);
	int		   *lengths = palloc(sizeof(int) * nparams);
	int		   *formats = palloc(sizeof(int) * nparams);
	Oid		   *types = palloc(sizeof(Oid) * nparams);
	const char *p = nb->data.data;
	StringInfoData sql;
	int			n = 0;
	int			r,
				c;

	initStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO %s %s VALUES ",
					 quote_qualified_identifier(NameStr(nb->only_schema), NameStr(nb->only_table)),
					 cd->column_list);
	for (r = 0; r < nb->nrows; r++)
	{
		p += 2;					/* the field count: ncols */
		appendStringInfoString(&sql, r ? ", (" : "(");
		for (c = 0; c < cd->ncols; c++)
		{
			uint32		len;

			memcpy(&len, p, 4);
			len = pg_ntoh32(len);
			p += 4;
			types[n] = cd->column_types[c];
			formats[n] = 1;
			if ((int32) len < 0)
			{
				values[n] = NULL;
				lengths[n] = 0;
			}
			else
			{
				values[n] = p;
				lengths[n] = (int) len;
				p += len;
			}
			appendStringInfo(&sql, "%s$%d", c ? ", " : "", ++n);
		}
		appendStringInfoChar(&sql, ')');
	}
	Assert(p == nb->data.data + nb->data.len);
	if (nb->conn == NULL)
		nb->conn = GetDataNodeConnection(nb->server_id, REMOTE_TXN_WRITE);
	nb->commands++;
	if (cd->may_hold && mn_hold_autocommit_insert &&
		RemoteHoldCached(nb->conn, sql.data, nparams, types, values, lengths, formats))
		return NULL;
	/* the same chunk and row count send the same text: the node keeps its plan */
	RemoteSendCached(nb->conn, sql.data, nparams, types, values, lengths, formats);
	return sql.data;
}

/* Whether the node's leftover rows at the end of a statement go as one INSERT. */
static bool
small_insert(struct ChunkDispatch *cd, NodeBuffer *nb)
{
	/* a node's error names no row of a many-row INSERT: COPY tells the line */
	int			max_rows = cd->track_lines ? 1 : SMALL_INSERT_ROWS;

	return cd->binary && nb->open_sql == NULL && nb->only_chunk > 0 &&
		nb->nrows <= max_rows && nb->nrows * cd->ncols <= MAX_PARAMS;
}

/*
 * At the end of the statement: every node's leftover rows, and the end of
 * every COPY, nodes in parallel (all ends sent before any result is read).
 */
static void
flush_copy_all(struct ChunkDispatch *cd)
{
	ListCell   *lc;
	ListCell   *lc2;
	RemoteFirstError fe = {0};
	List	   *ended = NIL;
	List	   *inserts = NIL;
	List	   *insert_sqls = NIL;

	foreach(lc, cd->nodes)
	{
		NodeBuffer *nb = lfirst(lc);

		nb->single_insert = false;
		if (nb->nrows > 0 && small_insert(cd, nb))
		{
			char	   *sql = send_small_insert(cd, nb);

			nb->single_insert = true;
			if (sql != NULL)
			{
				insert_sqls = lappend(insert_sqls, sql);
				inserts = lappend(inserts, nb);
			}
			continue;
		}
		send_rows(cd, nb);
		if (nb->open_sql == NULL)
			continue;
		end_copy_send(cd, nb);
		ended = lappend(ended, nb);
	}
	foreach(lc, ended)
		end_copy_collect(lfirst(lc), &fe);
	/* the inserts' results: every one read before raising anything */
	forboth(lc, inserts, lc2, insert_sqls)
	{
		NodeBuffer *nb = lfirst(lc);
		PGresult   *res = RemoteGetResult(nb->conn, lfirst(lc2));

		if (RemoteCollectResult(&fe, nb->conn, res, lfirst(lc2)))
			PQclear(res);
	}
	if (fe.conn != NULL)
		note_error_line(cd, &fe);
	RemoteRaiseFirstError(&fe);
	foreach(lc, cd->nodes)
	{
		NodeBuffer *nb = lfirst(lc);

		resetStringInfo(&nb->data);
		nb->nrows = 0;
		nb->only_chunk = 0;
	}
}

/*
 * INSERT ... ON CONFLICT of n rows into the chunk table "qualified", with
 * parameters; with returning, RETURNING the columns in the root's order.
 */
static char *
on_conflict_sql(struct ChunkDispatch *cd, const char *qualified, int n, bool returning)
{
	StringInfoData sql;
	int			p = 1;
	int			r,
				c;

	initStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO %s", qualified);
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
	if (returning)
		appendStringInfo(&sql, " RETURNING %s", cd->column_names);
	return sql.data;
}

/*
 * Rows a node returned from INSERT ... ON CONFLICT ... RETURNING, read with
 * this node's input functions into the root's descriptor and kept for the
 * caller (ChunkDispatchNextReturned).  The nodes' sessions print values in
 * ISO and exact forms, which every input function reads back the same.
 */
static void
keep_returned_rows(struct ChunkDispatch *cd, PGresult *res)
{
	TupleDesc	desc = cd->desc;
	TupleTableSlot *slot = cd->returned;
	MemoryContext old = MemoryContextSwitchTo(cd->batch_cxt);
	int			r,
				i,
				j;

	if (cd->in_funcs == NULL)
	{
		MemoryContextSwitchTo(GetMemoryChunkContext(cd));
		cd->in_funcs = palloc0(sizeof(FmgrInfo) * desc->natts);
		cd->in_ioparams = palloc0(sizeof(Oid) * desc->natts);
		for (i = 0; i < desc->natts; i++)
		{
			Oid			func;

			if (TupleDescAttr(desc, i)->attisdropped)
				continue;
			getTypeInputInfo(TupleDescAttr(desc, i)->atttypid, &func, &cd->in_ioparams[i]);
			fmgr_info(func, &cd->in_funcs[i]);
		}
		cd->returned_rows = tuplestore_begin_heap(false, false, work_mem);
		MemoryContextSwitchTo(cd->batch_cxt);
	}
	for (r = 0; r < PQntuples(res); r++)
	{
		ExecClearTuple(slot);
		for (i = 0, j = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);
			char	   *text;

			if (att->attisdropped)
			{
				slot->tts_values[i] = (Datum) 0;
				slot->tts_isnull[i] = true;
				continue;
			}
			text = PQgetisnull(res, r, j) ? NULL : PQgetvalue(res, r, j);
			j++;
			slot->tts_values[i] = InputFunctionCall(&cd->in_funcs[i], text, cd->in_ioparams[i],
													att->atttypmod);
			slot->tts_isnull[i] = (text == NULL);
		}
		ExecStoreVirtualTuple(slot);
		tuplestore_puttupleslot(cd->returned_rows, slot);
	}
	ExecClearTuple(slot);
	MemoryContextSwitchTo(old);
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
		RemoteFirstError fe = {0};

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
			sql = on_conflict_sql(cd, cb->qualified, n, cd->returning);
			RemoteSendParams(nb->conn, sql, p, params);
			nb->commands++;
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
			if (RemoteCollectResult(&fe, nb->conn, res, lfirst(lc2)))
			{
				if (lfirst_int(lc3))
				{
					cd->processed += strtoul(PQcmdTuples(res), NULL, 10);
					if (cd->returning)
						keep_returned_rows(cd, res);
				}
				PQclear(res);
			}
		}
		RemoteRaiseFirstError(&fe);
	}
}

/* ON CONFLICT: every node's buffers as INSERT ... ON CONFLICT statements. */
static void
flush_all(struct ChunkDispatch *cd)
{
	ListCell   *lc;

	flush_on_conflict(cd);
	foreach(lc, cd->nodes)
		reset_node_buffers(lfirst(lc));
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
	bool		live = false;

	if (cd->on_conflict.action == ONCONFLICT_NONE)
	{
		/* what encoding allocates is dead once the row is in its buffers */
		MemoryContextReset(cd->batch_cxt);
		if (cd->binary)
			encode_row_binary(cd, slot);
		else
			encode_row_copy(cd, slot);
	}
	else
		params = encode_row_params(cd, slot);
	MemoryContextSwitchTo(old);

	if (chunk->data_nodes == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("chunk \"%s\" has no data nodes", chunk->table_name)));
	foreach(lc, chunk->data_nodes)
		if (!ReplicaNodeIsDown(cd->replicas, ChunkReplicaServer(chunk, lfirst(lc))))
			live = true;
	/* a node down: the others take the row and its replica is marked stale */
	if (!live)
		ReplicaReportNoLive(chunk, "insert into");
	foreach(lc, chunk->data_nodes)
	{
		ChunkDataNode *cdn = lfirst(lc);
		NodeBuffer *nb;
		ChunkBuffer *cb;

		if (ReplicaNodeIsDown(cd->replicas, cdn->server_id))
		{
			/* known stale already: no catalog write, no cache reload */
			if (!cdn->stale)
				ReplicaMarkStale(cd->replicas, chunk->id, cdn->node_name);
			continue;
		}
		nb = node_buffer(cd, cdn->server_id);
		nb->rows_sent++;
		if (params)
		{
			cb = chunk_buffer(cd, nb, chunk, first);
			first = false;
			old = MemoryContextSwitchTo(cd->batch_cxt);
			cb->rows = lappend(cb->rows, params);
			MemoryContextSwitchTo(old);
			if (++nb->nrows >= mn_max_insert_batch_size)
				flush = true;
			continue;
		}
		if (nb->nrows == 0)
		{
			nb->only_chunk = chunk->id;
			namestrcpy(&nb->only_schema, chunk->schema_name);
			namestrcpy(&nb->only_table, chunk->table_name);
		}
		else if (nb->only_chunk != chunk->id)
			nb->only_chunk = -1;
		appendBinaryStringInfo(&nb->data, cd->row.data, cd->row.len);
		if (cd->track_lines)
			remember_line(cd, nb);
		/* a batch, or another while earlier ones wait for the node */
		if (++nb->nrows % mn_max_insert_batch_size == 0)
			batch_ready(cd, nb);
	}
	if (flush)
		flush_all(cd);
}

/* ----------------------------------------------------------------------------
 * Row-level security and WITH CHECK OPTION
 *
 * The rewriter attached the root's policies and the views' check options to
 * the statement (the caller put them in the root's ResultRelInfo); they are
 * checked here at the points where ExecInsert checks them for a table: the
 * policies' WITH CHECK after the BEFORE ROW triggers, the views' checks on
 * the row as stored.  A distributed hypertable's row triggers run on the
 * data nodes, so its rows are checked here before they are sent.
 * ----------------------------------------------------------------------------
 */

static void
check_row(struct ChunkDispatch *cd, WCOKind kind, TupleTableSlot *slot)
{
	if (cd->checks)
		ExecWithCheckOptions(kind, cd->root_rri, slot, cd->estate);
}

/*
 * A local chunk's row in the root's layout, for check_row: a virtual slot,
 * the kind the checks' expressions were compiled for (the scan slot of the
 * HypertableInsert node).
 */
static TupleTableSlot *
root_layout(struct ChunkDispatch *cd, LocalChunk *lchunk, TupleTableSlot *chunk_slot)
{
	ExecClearTuple(cd->check_slot);
	if (lchunk->back_map == NULL)
		return ExecCopySlot(cd->check_slot, chunk_slot);
	return execute_attr_map_slot(lchunk->back_map->attrMap, chunk_slot, cd->check_slot);
}

/* ----------------------------------------------------------------------------
 * Local chunks
 * ----------------------------------------------------------------------------
 */

/*
 * Local chunks' rows of a COPY are stored in batches, as PostgreSQL's COPY
 * stores a table's: one heap_multi_insert for up to LOCAL_BATCH_ROWS rows
 * (or LOCAL_BATCH_BYTES) writes them page by page with one WAL record per
 * page, instead of a record, a buffer lock and a pin per row; index entries
 * follow row by row.  This is what a data node does with the rows of an
 * access node's COPY into its member hypertable.  Only chunks without row
 * triggers are batched (whose events must follow each row); the checks and
 * constraints run as each row arrives.
 */
#define LOCAL_BATCH_ROWS 1000
#define LOCAL_BATCH_BYTES 65535

/* Store a local chunk's batched rows and their index entries. */
static void
flush_local_rows(struct ChunkDispatch *cd, LocalChunk *lchunk)
{
	ResultRelInfo *rri = lchunk->rri;
	MemoryContext old;
	int			i;

	if (lchunk->nbatch == 0)
		return;
	old = MemoryContextSwitchTo(cd->flush_cxt);
	/* an error here is about some row of the batch, not the one being read */
	if (cd->track_lines)
		cd->error_line_state = CHUNK_DISPATCH_LINE_UNKNOWN;
	table_multi_insert(rri->ri_RelationDesc, lchunk->batch, lchunk->nbatch,
					   cd->estate->es_output_cid, 0, lchunk->bistate);
	for (i = 0; i < lchunk->nbatch; i++)
	{
		if (cd->track_lines)
		{
			cd->error_line_state = CHUNK_DISPATCH_LINE_KNOWN;
			cd->error_line = lchunk->batch_lines[i];
		}
		/* no row triggers, so no deferred uniqueness checks to queue */
		if (rri->ri_NumIndices > 0)
			list_free(ExecInsertIndexTuples(rri, lchunk->batch[i], cd->estate, false, false,
											NULL, NIL));
		ExecClearTuple(lchunk->batch[i]);
	}
	cd->error_line_state = CHUNK_DISPATCH_LINE_CURRENT;
	MemoryContextSwitchTo(old);
	MemoryContextReset(cd->flush_cxt);
	lchunk->nbatch = 0;
	lchunk->batch_bytes = 0;
}

/* Whether rows of this local chunk go in batches. */
static bool
batched(struct ChunkDispatch *cd, LocalChunk *lchunk)
{
	TriggerDesc *trig = lchunk->rri->ri_TrigDesc;

	return cd->batch_local && !cd->returning && !cd->checks &&
		cd->on_conflict.action == ONCONFLICT_NONE &&
		(trig == NULL || !(trig->trig_insert_before_row || trig->trig_insert_after_row ||
						   trig->trig_insert_instead_row || trig->trig_insert_new_table));
}

/* The slot the next batched row of lchunk goes into. */
static TupleTableSlot *
batch_slot(LocalChunk *lchunk)
{
	MemoryContext old;

	if (lchunk->batch != NULL && lchunk->batch[lchunk->nbatch] != NULL)
		return lchunk->batch[lchunk->nbatch];
	/* the caller runs in per-row memory: all of this lives with the chunk's state */
	old = MemoryContextSwitchTo(lchunk->mcxt);
	if (lchunk->batch == NULL)
	{
		lchunk->batch = palloc0(sizeof(TupleTableSlot *) * LOCAL_BATCH_ROWS);
		lchunk->bistate = GetBulkInsertState();
	}
	lchunk->batch[lchunk->nbatch] = table_slot_create(lchunk->rri->ri_RelationDesc, NULL);
	MemoryContextSwitchTo(old);
	return lchunk->batch[lchunk->nbatch];
}

/*
 * Close a local chunk's insert state and free it.  Its AFTER ROW trigger
 * events already queued stay valid: the trigger machinery finds the chunk
 * by OID and opens it again if it is no longer among the routing targets.
 * The lock stays until the end of the transaction.
 */
static void
close_local_chunk(struct ChunkDispatch *cd, LocalChunk *lchunk)
{
	flush_local_rows(cd, lchunk);
	if (lchunk->batch)
	{
		int			i;

		for (i = 0; i < LOCAL_BATCH_ROWS && lchunk->batch[i]; i++)
			ExecDropSingleTupleTableSlot(lchunk->batch[i]);
		FreeBulkInsertState(lchunk->bistate);
		table_finish_bulk_insert(lchunk->rri->ri_RelationDesc, 0);
	}
	ExecCloseIndices(lchunk->rri);
	ExecDropSingleTupleTableSlot(lchunk->slot);
	if (lchunk->on_conflict_plan)
		SPI_freeplan(lchunk->on_conflict_plan);
	if (lchunk->lock_plan)
		SPI_freeplan(lchunk->lock_plan);
	if (lchunk->insert_plan)
		SPI_freeplan(lchunk->insert_plan);
	table_close(lchunk->rri->ri_RelationDesc, NoLock);
	cd->estate->es_tuple_routing_result_relations =
		list_delete_ptr(cd->estate->es_tuple_routing_result_relations, lchunk->rri);
	cd->local_chunks = list_delete_ptr(cd->local_chunks, lchunk);
	if (cd->last_local == lchunk)
		cd->last_local = NULL;
	MemoryContextDelete(lchunk->mcxt);
}

/*
 * The chunk's CHECK constraints, prepared for ExecConstraints, without
 * those on its own dimension slices (NULL entries, which it passes): a row
 * routed here has its point inside the chunk's ranges, computed by the
 * functions those constraints call, so they hold and evaluating them again
 * per row (a partition hash for a space dimension) repeats the routing.  A
 * BEFORE ROW trigger may change the row after it was routed: then every
 * constraint is checked.  What is prepared lives with the chunk's state.
 */
static void
prepare_chunk_checks(LocalChunk *lchunk, const Hypertable *ht, const Chunk *chunk)
{
	ResultRelInfo *rri = lchunk->rri;
	TupleConstr *constr = RelationGetDescr(rri->ri_RelationDesc)->constr;
	int			i;

	if (constr == NULL || constr->num_check == 0 || chunk->slice_ids == NULL ||
		(rri->ri_TrigDesc && rri->ri_TrigDesc->trig_insert_before_row))
		return;
	rri->ri_ConstraintExprs = palloc0(sizeof(ExprState *) * constr->num_check);
	for (i = 0; i < constr->num_check; i++)
	{
		bool		slice_check = false;
		int			d;

		for (d = 0; d < ht->num_dimensions && !slice_check; d++)
		{
			char		name[NAMEDATALEN];

			/* the name chunk creation gives a slice's constraint (hypertable/chunk.c) */
			snprintf(name, sizeof(name), "constraint_%d", chunk->slice_ids[d]);
			slice_check = strcmp(constr->check[i].ccname, name) == 0;
		}
		if (!slice_check)
			rri->ri_ConstraintExprs[i] =
				ExecInitExpr(expression_planner(stringToNode(constr->check[i].ccbin)), NULL);
	}
}

/*
 * The insert state of a local chunk, opened on first use.  At most
 * multinode.max_open_chunks_per_insert stay open: a statement that writes
 * more chunks closes the least recently used one first, so its memory does
 * not grow with the chunks it writes (a backfill can create thousands).
 */
static LocalChunk *
local_chunk(struct ChunkDispatch *cd, Chunk *chunk)
{
	ListCell   *lc;
	LocalChunk *lchunk;
	Relation	rel;
	MemoryContext old;
	MemoryContext mcxt;

	cd->local_tick++;
	if (cd->last_local && cd->last_local->chunk_id == chunk->id)
	{
		cd->last_local->last_used = cd->local_tick;
		return cd->last_local;
	}
	foreach(lc, cd->local_chunks)
	{
		lchunk = lfirst(lc);
		if (lchunk->chunk_id == chunk->id)
		{
			lchunk->last_used = cd->local_tick;
			return cd->last_local = lchunk;
		}
	}
	if (list_length(cd->local_chunks) >= mn_max_open_chunks_per_insert)
	{
		LocalChunk *lru = NULL;

		foreach(lc, cd->local_chunks)
		{
			lchunk = lfirst(lc);
			if (lru == NULL || lchunk->last_used < lru->last_used)
				lru = lchunk;
		}
		close_local_chunk(cd, lru);
	}
	mcxt = AllocSetContextCreate(cd->estate->es_query_cxt, "multinode chunk insert state",
								 ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(mcxt);
	rel = table_open(chunk->relid, RowExclusiveLock);
	lchunk = palloc0(sizeof(LocalChunk));
	lchunk->chunk_id = chunk->id;
	lchunk->mcxt = mcxt;
	lchunk->last_used = cd->local_tick;
	lchunk->rri = makeNode(ResultRelInfo);
	InitResultRelInfo(lchunk->rri, rel, 0, NULL, 0);
	ExecOpenIndices(lchunk->rri, false);
	prepare_chunk_checks(lchunk, cd->ht, chunk);
	lchunk->map = convert_tuples_by_name(cd->desc, RelationGetDescr(rel));
	lchunk->back_map = convert_tuples_by_name(RelationGetDescr(rel), cd->desc);
	/* where the AFTER trigger machinery finds the chunk when it fires its events */
	MemoryContextSwitchTo(cd->estate->es_query_cxt);
	cd->estate->es_tuple_routing_result_relations =
		lappend(cd->estate->es_tuple_routing_result_relations, lchunk->rri);
	MemoryContextSwitchTo(mcxt);
	lchunk->slot = table_slot_create(rel, NULL);
	lchunk->qualified = quote_qualified_identifier(chunk->schema_name, chunk->table_name);
	MemoryContextSwitchTo(GetMemoryChunkContext(cd));
	cd->local_chunks = lappend(cd->local_chunks, lchunk);
	MemoryContextSwitchTo(old);
	return cd->last_local = lchunk;
}

/*
 * Run a statement on a local chunk through SPI, prepared on first use into
 * *planp, with the row's columns as parameters; the first row it returns,
 * in the root's layout, goes into "into" (cleared if none, and then false
 * is returned).  The values stay valid in the caller's memory context.
 * The chunk's copies of the root's policies do not apply to it (see
 * insert.c): the caller checks the root's.
 */
static bool
run_local(struct ChunkDispatch *cd, LocalChunk *lchunk, SPIPlanPtr *planp, const char *sql,
		  Datum *values, const char *nulls, TupleTableSlot *into)
{
	TupleDesc	desc = cd->desc;
	HeapTuple	stored = NULL;
	TupleDesc	stored_desc = NULL;
	MemoryContext cxt = CurrentMemoryContext;
	Relation	rel = lchunk->rri->ri_RelationDesc;
	int			i,
				j;

	SPI_connect();
	/* no chunk policies: nothing to take out, the plan is kept */
	if (rel->rd_rel->relrowsecurity)
		ChunkStatementBegin(RelationGetRelid(rel), sql);
	PG_TRY();
	{
		if (*planp == NULL)
		{
			/* parsed under the pinned search_path it was deparsed with (insert.c) */
			int			nestlevel = CatalogPinSearchPath();
			SPIPlanPtr	plan = SPI_prepare_cursor(sql, cd->ncols, cd->column_types,
												  rel->rd_rel->relrowsecurity ?
												  CURSOR_OPT_CUSTOM_PLAN : 0);

			CatalogUnpinSearchPath(nestlevel);

			if (plan == NULL)
				elog(ERROR, "could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
			SPI_keepplan(plan);
			*planp = plan;
		}
		if (SPI_execute_plan(*planp, values, nulls, false, 0) < 0)
			elog(ERROR, "could not run \"%s\"", sql);
	}
	PG_FINALLY();
	{
		ChunkStatementEnd();
	}
	PG_END_TRY();
	if (SPI_processed > 0)
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);

		stored = heap_copytuple(SPI_tuptable->vals[0]);
		stored_desc = CreateTupleDescCopy(SPI_tuptable->tupdesc);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();

	ExecClearTuple(into);
	if (stored == NULL)
		return false;
	for (i = 0, j = 0; i < desc->natts; i++)
	{
		if (TupleDescAttr(desc, i)->attisdropped)
		{
			into->tts_values[i] = (Datum) 0;
			into->tts_isnull[i] = true;
			continue;
		}
		into->tts_values[i] = heap_getattr(stored, ++j, stored_desc, &into->tts_isnull[i]);
	}
	ExecStoreVirtualTuple(into);
	return true;
}

/*
 * "SELECT <columns> FROM ONLY chunk WHERE <arbiter key> = <the row's> FOR
 * UPDATE": the row an INSERT of the same values would conflict with, locked.
 * Each key is compared with its index operator class's equality operator,
 * named with its schema.
 */
static char *
lock_conflicting_sql(struct ChunkDispatch *cd, const char *qualified)
{
	Oid			index = cd->on_conflict.arbiter_index;
	HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index));
	Form_pg_index idx;
	oidvector  *indclass;
	Datum		datum;
	bool		isnull;
	StringInfoData sql;
	int			i;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for index %u", index);
	idx = (Form_pg_index) GETSTRUCT(tup);
	if (!heap_attisnull(tup, Anum_pg_index_indpred, NULL) ||
		!heap_attisnull(tup, Anum_pg_index_indexprs, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ON CONFLICT DO UPDATE with row-level security on hypertable \"%s\" needs a conflict target without expressions or predicate",
						cd->ht->table_name)));
	datum = SysCacheGetAttr(INDEXRELID, tup, Anum_pg_index_indclass, &isnull);
	indclass = (oidvector *) DatumGetPointer(datum);
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s FROM ONLY %s WHERE ", cd->column_names, qualified);
	for (i = 0; i < idx->indnkeyatts; i++)
	{
		AttrNumber	attno = idx->indkey.values[i];
		Oid			opclass = indclass->values[i];
		Oid			type = get_opclass_input_type(opclass);
		Oid			eq = get_opfamily_member(get_opclass_family(opclass), type, type,
											 BTEqualStrategyNumber);
		int			param = 0;
		int			a;
		HeapTuple	optup;
		Form_pg_operator op;

		if (!OidIsValid(eq))
			elog(ERROR, "no equality operator for operator class %u", opclass);
		/* the parameters are the root's columns that are not dropped */
		for (a = 1; a <= attno; a++)
			if (column_sent(TupleDescAttr(cd->desc, a - 1)))
				param++;
		optup = SearchSysCache1(OPEROID, ObjectIdGetDatum(eq));
		if (!HeapTupleIsValid(optup))
			elog(ERROR, "cache lookup failed for operator %u", eq);
		op = (Form_pg_operator) GETSTRUCT(optup);
		appendStringInfo(&sql, "%s%s OPERATOR(%s.%s) $%d", i ? " AND " : "",
						 quote_identifier(NameStr(TupleDescAttr(cd->desc, attno - 1)->attname)),
						 quote_identifier(get_namespace_name(op->oprnamespace)),
						 NameStr(op->oprname), param);
		ReleaseSysCache(optup);
	}
	appendStringInfoString(&sql, " FOR UPDATE");
	ReleaseSysCache(tup);
	return sql.data;
}

/* Whether the root's checks include those of the UPDATE path of DO UPDATE. */
static bool
has_update_checks(struct ChunkDispatch *cd)
{
	ListCell   *lc;

	foreach(lc, cd->root_rri->ri_WithCheckOptions)
	{
		WithCheckOption *wco = lfirst_node(WithCheckOption, lc);

		if (wco->kind == WCO_RLS_CONFLICT_CHECK || wco->kind == WCO_RLS_UPDATE_CHECK)
			return true;
	}
	return false;
}

/*
 * ON CONFLICT DO UPDATE into a local chunk of a hypertable whose policies
 * check the UPDATE path: the existing row must pass the UPDATE policies'
 * USING, the updated one their WITH CHECK.  PostgreSQL does not tell an
 * INSERT ... ON CONFLICT's caller which path it took, nor show the existing
 * row, so take them apart as its speculative insertion does: lock the
 * conflicting row, if any, check it and update it with DO UPDATE (now sure
 * to conflict); else insert with DO NOTHING, and if a concurrent insert won
 * the race in between, start again.  Returns whether a row was stored (into
 * cd->returned); a failed check of the updated row throws, which undoes the
 * update.
 */
static bool
insert_local_checked(struct ChunkDispatch *cd, LocalChunk *lchunk, Datum *values, char *nulls)
{
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (lchunk->lock_sql == NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(lchunk->mcxt);
			ChunkDispatchOnConflict update = cd->on_conflict;

			lchunk->lock_sql = lock_conflicting_sql(cd, lchunk->qualified);
			cd->on_conflict.action = ONCONFLICT_NOTHING;
			lchunk->insert_sql = on_conflict_sql(cd, lchunk->qualified, 1, true);
			cd->on_conflict = update;
			MemoryContextSwitchTo(old);
		}
		if (run_local(cd, lchunk, &lchunk->lock_plan, lchunk->lock_sql, values, nulls, cd->check_slot))
		{
			/* as PostgreSQL, before the DO UPDATE's WHERE */
			check_row(cd, WCO_RLS_CONFLICT_CHECK, cd->check_slot);
			if (!run_local(cd, lchunk, &lchunk->on_conflict_plan, lchunk->on_conflict_sql, values, nulls,
						   cd->returned))
				return false;	/* DO UPDATE ... WHERE said no */
			check_row(cd, WCO_RLS_UPDATE_CHECK, cd->returned);
			return true;
		}
		if (run_local(cd, lchunk, &lchunk->insert_plan, lchunk->insert_sql, values, nulls, cd->returned))
			return true;
	}
}

/*
 * ON CONFLICT into a local chunk: PostgreSQL's own INSERT ... ON CONFLICT on
 * the chunk table (speculative insertion, DO UPDATE, its WHERE), one row per
 * execution of a plan prepared once per chunk.  The row as stored (none if
 * skipped) goes to cd->returned.  The row proposed for insertion passes the
 * INSERT policies first, as in ExecInsert, whichever path it then takes.
 */
static bool
insert_local_on_conflict(struct ChunkDispatch *cd, LocalChunk *lchunk, TupleTableSlot *slot)
{
	/* per row: the caller resets it before the next row, after RETURNING */
	MemoryContext old = MemoryContextSwitchTo(GetPerTupleMemoryContext(cd->estate));
	Datum	   *values = palloc(sizeof(Datum) * Max(1, cd->ncols));
	char	   *nulls = palloc(Max(1, cd->ncols));
	TupleDesc	desc = cd->desc;
	bool		stored;
	int			i,
				j;

	for (i = 0, j = 0; i < desc->natts; i++)
	{
		if (!column_sent(TupleDescAttr(desc, i)))
			continue;
		values[j] = slot->tts_values[i];
		nulls[j++] = slot->tts_isnull[i] ? 'n' : ' ';
	}
	check_row(cd, WCO_RLS_INSERT_CHECK, slot);
	if (lchunk->on_conflict_sql == NULL)
		lchunk->on_conflict_sql = MemoryContextStrdup(lchunk->mcxt,
													  on_conflict_sql(cd, lchunk->qualified, 1, true));
	if (cd->on_conflict.action == ONCONFLICT_UPDATE && cd->checks && has_update_checks(cd))
		stored = insert_local_checked(cd, lchunk, values, nulls);
	else
		stored = run_local(cd, lchunk, &lchunk->on_conflict_plan, lchunk->on_conflict_sql, values, nulls,
						   cd->returned);
	if (stored)
		check_row(cd, WCO_VIEW_CHECK, cd->returned);
	MemoryContextSwitchTo(old);
	return stored;
}

static bool
insert_local(struct ChunkDispatch *cd, Chunk *chunk, TupleTableSlot *slot)
{
	LocalChunk *lchunk = local_chunk(cd, chunk);
	ResultRelInfo *rri = lchunk->rri;
	Relation	rel = rri->ri_RelationDesc;
	TupleTableSlot *s;
	List	   *recheck = NIL;

	if (cd->on_conflict.action != ONCONFLICT_NONE)
		return insert_local_on_conflict(cd, lchunk, slot);
	if (batched(cd, lchunk))
	{
		s = batch_slot(lchunk);
		if (lchunk->map)
			execute_attr_map_slot(lchunk->map->attrMap, slot, s);
		else
			ExecCopySlot(s, slot);
		if (rel->rd_att->constr)
			ExecConstraints(rri, s, cd->estate);
		/* the row outlives the caller's per-row memory */
		ExecMaterializeSlot(s);
		if (cd->track_lines)
		{
			if (lchunk->batch_lines == NULL)
				lchunk->batch_lines = MemoryContextAlloc(lchunk->mcxt,
														 sizeof(uint64) * LOCAL_BATCH_ROWS);
			lchunk->batch_lines[lchunk->nbatch] = cd->input_line;
		}
		if (TTS_IS_BUFFERTUPLE(s))
			lchunk->batch_bytes += ((BufferHeapTupleTableSlot *) s)->base.tuple->t_len;
		if (++lchunk->nbatch >= LOCAL_BATCH_ROWS || lchunk->batch_bytes >= LOCAL_BATCH_BYTES)
			flush_local_rows(cd, lchunk);
		return true;
	}
	if (cd->returning)
		ExecClearTuple(cd->returned);
	if (lchunk->map)
		s = execute_attr_map_slot(lchunk->map->attrMap, slot, lchunk->slot);
	else
	{
		ExecClearTuple(lchunk->slot);
		s = ExecCopySlot(lchunk->slot, slot);
	}
	/*
	 * The chunk's row triggers (copies of the root's) fire here, as they
	 * would for an INSERT into the chunk: the root's own row triggers never
	 * fire, since no row is inserted into the root.
	 */
	if (rri->ri_TrigDesc && rri->ri_TrigDesc->trig_insert_before_row)
	{
		if (!ExecBRInsertTriggers(cd->estate, rri, s))
			return false;
		/* RETURNING shows the row as the trigger left it */
		if (cd->returning)
		{
			ExecClearTuple(cd->returned);
			if (lchunk->back_map)
				execute_attr_map_slot(lchunk->back_map->attrMap, s, cd->returned);
			else
				ExecCopySlot(cd->returned, s);
		}
	}
	if (cd->checks)
		check_row(cd, WCO_RLS_INSERT_CHECK, root_layout(cd, lchunk, s));
	if (rel->rd_att->constr)
		ExecConstraints(rri, s, cd->estate);
	table_tuple_insert(rel, s, cd->estate->es_output_cid, 0, NULL);
	if (rri->ri_NumIndices > 0)
		recheck = ExecInsertIndexTuples(rri, s, cd->estate, false, false, NULL, NIL);
	if (rri->ri_TrigDesc && rri->ri_TrigDesc->trig_insert_after_row)
		ExecARInsertTriggers(cd->estate, rri, s, recheck, NULL);
	list_free(recheck);
	if (cd->checks)
		check_row(cd, WCO_VIEW_CHECK, root_layout(cd, lchunk, s));
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
 * The first row a statement routes to an existing chunk of a distributed
 * hypertable takes ROW EXCLUSIVE on the chunk's foreign table, to the end
 * of the transaction: a chunk copy or move switches the chunk's replicas
 * under an EXCLUSIVE lock on it (dist/chunk_copy.c), so it waits for this
 * transaction, and this one, if it waited for the switch, sees the new
 * replicas (the lock brought the invalidation) and returns the chunk as it
 * is now; NULL if it was dropped meanwhile.
 */
static Chunk *
lock_remote_chunk(struct ChunkDispatch *cd, Chunk *chunk)
{
	Hypertable *fresh;

	LockRelationOid(chunk->relid, RowExclusiveLock);
	fresh = HypertableGetByRelid(cd->ht->relid);
	if (fresh == NULL)
		return chunk;
	cd->ht = fresh;
	return HypertableFindChunk(fresh, cd->point);
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
	if (cd->distributed && cd->checks)
	{
		check_row(cd, WCO_RLS_INSERT_CHECK, slot);
		check_row(cd, WCO_VIEW_CHECK, slot);
	}
	for (d = 0; d < ht->num_dimensions; d++)
	{
		const Dimension *dim = &ht->dimensions[d];

		cd->point[d] = DimensionValue(dim, slot->tts_values[dim->attno - 1],
									  slot->tts_isnull[dim->attno - 1], cd->collations[d]);
	}
	chunk = NULL;
	if (cd->last_chunk && chunk_contains(ht, cd->last_chunk, cd->point))
		chunk = cd->last_chunk;
	else
	{
		ListCell   *lc;

		/* a statement writes few chunks: try those before the cache */
		foreach(lc, cd->seen_chunks)
			if (chunk_contains(ht, lfirst(lc), cd->point))
			{
				chunk = lfirst(lc);
				break;
			}
		if (chunk == NULL)
		{
			MemoryContext old;

			chunk = HypertableFindChunk(ht, cd->point);
			if (chunk != NULL && cd->distributed)
				chunk = lock_remote_chunk(cd, chunk);
			/*
			 * Creating a chunk talks to its data nodes: their COPYs end first
			 * (release_open_copy), the other nodes' go on.
			 */
			if (chunk == NULL && HypertableIsDistMember(ht) && mn_access_node_session)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("data node has no chunk of hypertable \"%s\" for the row",
								ht->table_name),
						 errdetail("The access node creates a chunk on its data nodes before it sends them rows.")));
			if (chunk == NULL)
				chunk = ChunkGetOrCreate(ht, cd->point);
			old = MemoryContextSwitchTo(GetMemoryChunkContext(cd));
			if (list_length(cd->seen_chunks) >= 64)
				cd->seen_chunks = list_delete_first(cd->seen_chunks);
			cd->seen_chunks = lappend(cd->seen_chunks, chunk);
			MemoryContextSwitchTo(old);
		}
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
 * The row as stored by the last ChunkDispatchRow when that differs from the
 * row given (local ON CONFLICT: DO UPDATE stores the updated row), else
 * NULL.  Only kept when ChunkDispatchWantReturning was called.
 */
TupleTableSlot *
ChunkDispatchReturned(struct ChunkDispatch *cd)
{
	return TupIsNull(cd->returned) ? NULL : cd->returned;
}

/*
 * The next row a data node returned from ON CONFLICT ... RETURNING, into
 * slot (the root's descriptor); false when none is waiting.
 */
bool
ChunkDispatchNextReturned(struct ChunkDispatch *cd, TupleTableSlot *slot)
{
	if (cd->returned_rows == NULL)
		return false;
	if (tuplestore_gettupleslot(cd->returned_rows, true, true, slot))
		return true;
	tuplestore_clear(cd->returned_rows);
	return false;
}

void
ChunkDispatchWantReturning(struct ChunkDispatch *cd)
{
	cd->returning = true;
}

/*
 * COPY: rows of local chunks may be stored in batches (see
 * flush_local_rows), ChunkDispatchFinish storing the last ones.  The caller
 * reads nothing back per row and fires no row-level work of its own.
 */
void
ChunkDispatchBatchLocal(struct ChunkDispatch *cd)
{
	cd->batch_local = true;
	if (cd->flush_cxt == NULL)
		cd->flush_cxt = AllocSetContextCreate(GetMemoryChunkContext(cd), "multinode local batch",
											  ALLOCSET_DEFAULT_SIZES);
}

/*
 * The caller needs nothing from the data nodes during the statement (an
 * INSERT without RETURNING): the few rows left at its end may be held for
 * the commit when the statement is its own transaction.
 */
void
ChunkDispatchHoldForCommit(struct ChunkDispatch *cd)
{
	cd->may_hold = !cd->returning;
}

/*
 * Ship everything still buffered.  Returns the number of rows the data
 * nodes reported inserted for ON CONFLICT statements (0 otherwise: the
 * caller counted routed rows itself).
 */
uint64
ChunkDispatchFinish(struct ChunkDispatch *cd)
{
	ListCell   *lc;

	foreach(lc, cd->local_chunks)
		flush_local_rows(cd, lfirst(lc));
	if (cd->distributed && cd->on_conflict.action == ONCONFLICT_NONE)
	{
		flush_copy_all(cd);
	}
	else if (cd->distributed)
		flush_all(cd);
	return cd->processed;
}

/*
 * For EXPLAIN: the statement the rows travel in (the COPY into each node's
 * member hypertable; with ON CONFLICT, the INSERT into each chunk, "<chunk>"
 * for its name), NULL for a local hypertable, and per data node
 * written to so far the rows routed there and the statements started.
 */
char *
ChunkDispatchRemoteCommand(struct ChunkDispatch *cd)
{
	if (!cd->distributed)
		return NULL;
	if (cd->on_conflict.action != ONCONFLICT_NONE)
		return on_conflict_sql(cd, "<chunk>", 1, cd->returning);
	return copy_sql(cd);
}

List *
ChunkDispatchNodeCounts(struct ChunkDispatch *cd)
{
	List	   *counts = NIL;
	ListCell   *lc;

	foreach(lc, cd->nodes)
	{
		NodeBuffer *nb = lfirst(lc);
		ChunkDispatchNodeCount *c = palloc(sizeof(ChunkDispatchNodeCount));

		c->server_id = nb->server_id;
		c->rows = nb->rows_sent;
		c->commands = nb->commands;
		counts = lappend(counts, c);
	}
	return counts;
}

void
ChunkDispatchEnd(struct ChunkDispatch *cd)
{
	while (cd->local_chunks != NIL)
		close_local_chunk(cd, linitial(cd->local_chunks));
	cd->local_chunks = NIL;
	ExecDropSingleTupleTableSlot(cd->returned);
	ExecDropSingleTupleTableSlot(cd->check_slot);
	if (cd->returned_rows)
		tuplestore_end(cd->returned_rows);
	MemoryContextDelete(cd->batch_cxt);
	/* replicas newly recorded stale: readers' cached chunks must learn it */
	ReplicaWritesEnd(cd->replicas, cd->ht->relid);
}
