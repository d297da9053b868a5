/*-------------------------------------------------------------------------
 *
 * scan.c
 *	  Fetching the rows of one query from one or several data nodes at once.
 *
 * Every node gets a cursor (DECLARE ... CURSOR FOR <its SQL>) inside the
 * distributed transaction, so memory stays bounded however big the result:
 * at most FETCH_SIZE rows per node are held here at a time.  Batches are
 * fetched in rounds: a FETCH is sent to every node that still has rows,
 * then the answers are collected, so all nodes work at the same time; the
 * rows of the round are returned node after node; when they are used up the
 * next round starts.  Nothing is left in flight between calls, so two scans
 * may share a connection (a self-join, a subplan re-scanned per outer row):
 * each has its own cursor and neither finds the connection busy.
 *
 * A query whose remote LIMIT keeps it within one batch (RemoteScanSetRowBound)
 * skips the cursor: the query itself is sent and its whole answer read, one
 * round trip per node.  A cursor's CLOSE is queued on the connection, to
 * ride with the next command there or to be dropped when the remote
 * transaction ends (which closes it), so it costs no round trip either.  A sorted merge (planner/merge_exec.c)
 * reads node by node (RemoteScanNextFromNode): the first batches still come
 * in one parallel round, later ones from the node the merge has used up.
 *
 * Values arrive as text and are converted with the column types' input
 * functions, in a memory context reset for every row; the rows of a query
 * sent as is, once the node keeps it prepared, come in binary when every
 * column's type is built-in (the same on the node), read with the receive
 * functions: a timestamp costs a copy of eight bytes instead of parsing its
 * text here and printing it on the data node.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/sysattr.h"
#include "access/tupdesc.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "fdw/fdw.h"
#include "remote/remote.h"

/*
 * rows per FETCH and node: enough to hide round trips, small enough to hold;
 * a node's fetch_size option (or the wrapper's) says otherwise
 */
#define FETCH_SIZE 2000

typedef struct NodeCursor
{
	Oid			server_id;
	int			fetch_size;		/* rows per FETCH */
	char		fetch_sql[64];	/* "FETCH <fetch_size> FROM <cursor>" */
	char	   *sql;			/* the query the cursor runs */
	DataNodeConn *conn;			/* set when the cursor is declared */
	bool		declared;
	bool		skipped;		/* left out of this run (RemoteScanSkipNode) */
	bool		eof;			/* the node has sent its last row */
	bool		failed;			/* could not be read this run (failover) */
	PGresult   *res;			/* the batch being returned */
	int			next_row;
	RemoteNodeInstr instr;		/* for EXPLAIN ANALYZE, scan_instr.c */
} NodeCursor;

struct RemoteScan
{
	int			nnodes;
	NodeCursor *nodes;
	int			current;		/* node whose batch is being returned */
	char		cursor_name[32];
	TupleDesc	tupdesc;
	List	   *retrieved_attrs;
	FmgrInfo   *infuncs;		/* per retrieved column */
	Oid		   *typioparams;
	FmgrInfo   *recvfuncs;		/* per retrieved column, when binary */
	Oid		   *recvioparams;
	bool		binary;			/* direct runs ask for binary rows */
	int32	   *typmods;
	RemoteParams *params;		/* the $n values, evaluated at every start */
	MemoryContext rowcxt;		/* values of the current row */
	bool		started;
	bool		direct;			/* this run: plain queries, no cursors */
	int64		row_bound;		/* rows per node known small; -1: unknown */
	int			bound_param;	/* else the $n that bounds them, 0: none */
	bool		timing;			/* EXPLAIN ANALYZE wants node times */
	bool		params_sent;	/* params->values hold the last run's */
	bool		failover;		/* node failures at start are the caller's */
	bool		read_once;		/* a direct run is its statement's only
								 * remote read (RemoteScanSetReadOnce) */
	bool		any_failed;		/* some node failed at this run's start */
};

static unsigned int cursor_number = 0;

/*
 * Prepare a scan; nothing is sent before the first RemoteScanNext.
 * param_exprs are evaluated in ps's expression context at every start.
 */
RemoteScan *
RemoteScanCreate(List *server_ids, List *sqls, TupleDesc tupdesc, List *retrieved_attrs,
				 List *param_exprs, PlanState *ps)
{
	RemoteScan *scan = palloc0(sizeof(RemoteScan));
	ListCell   *lc1,
			   *lc2;
	int			i = 0;

	scan->nnodes = list_length(server_ids);
	scan->nodes = palloc0(sizeof(NodeCursor) * Max(scan->nnodes, 1));
	forboth(lc1, server_ids, lc2, sqls)
	{
		scan->nodes[i].server_id = lfirst_oid(lc1);
		scan->nodes[i].fetch_size = DataNodeFetchSize(lfirst_oid(lc1), FETCH_SIZE);
		scan->nodes[i].sql = lfirst(lc2);
		i++;
	}
	snprintf(scan->cursor_name, sizeof(scan->cursor_name), "mn_c%u", ++cursor_number);
	for (i = 0; i < scan->nnodes; i++)
		snprintf(scan->nodes[i].fetch_sql, sizeof(scan->nodes[i].fetch_sql), "FETCH %d FROM %s",
				 scan->nodes[i].fetch_size, scan->cursor_name);
	scan->tupdesc = tupdesc;
	scan->retrieved_attrs = retrieved_attrs;
	scan->infuncs = palloc0(sizeof(FmgrInfo) * Max(list_length(retrieved_attrs), 1));
	scan->typioparams = palloc0(sizeof(Oid) * Max(list_length(retrieved_attrs), 1));
	scan->typmods = palloc0(sizeof(int32) * Max(list_length(retrieved_attrs), 1));
	scan->recvfuncs = palloc0(sizeof(FmgrInfo) * Max(list_length(retrieved_attrs), 1));
	scan->recvioparams = palloc0(sizeof(Oid) * Max(list_length(retrieved_attrs), 1));
	scan->binary = true;
	i = 0;
	foreach(lc1, retrieved_attrs)
	{
		int			attno = lfirst_int(lc1);
		Oid			typid;
		Oid			infunc;

		/* the only system column fetched: a chunk's ctid, for row-by-row modify */
		if (attno == SelfItemPointerAttributeNumber)
		{
			typid = TIDOID;
			scan->typmods[i] = -1;
		}
		else
		{
			typid = TupleDescAttr(tupdesc, attno - 1)->atttypid;
			scan->typmods[i] = TupleDescAttr(tupdesc, attno - 1)->atttypmod;
		}
		getTypeInputInfo(typid, &infunc, &scan->typioparams[i]);
		fmgr_info(infunc, &scan->infuncs[i]);
		if (scan->binary && typid < FirstGenbkiObjectId)
		{
			Oid			recvfunc;

			getTypeBinaryInputInfo(typid, &recvfunc, &scan->recvioparams[i]);
			fmgr_info(recvfunc, &scan->recvfuncs[i]);
		}
		else
			scan->binary = false;
		i++;
	}
	scan->rowcxt = AllocSetContextCreate(CurrentMemoryContext, "multinode remote scan row",
										 ALLOCSET_SMALL_SIZES);
	scan->params = RemoteParamsCreate(param_exprs, ps);
	scan->row_bound = -1;
	return scan;
}

/*
 * Each node returns at most row_bound rows (>= 0), or at most the value of
 * parameter bound_param (> 0), as the remote query's LIMIT says.  When the
 * bound fits in one batch the scan sends the queries themselves, without a
 * cursor: one round trip per node, nothing to close.
 */
void
RemoteScanSetRowBound(RemoteScan *scan, int64 row_bound, int bound_param)
{
	scan->row_bound = row_bound;
	scan->bound_param = bound_param;
}

/* Does this run fit in one batch per node? */
static bool
run_direct(RemoteScan *scan, const char **values)
{
	int64		bound = scan->row_bound;

	if (bound < 0 && scan->bound_param > 0)
	{
		const char *v = values[scan->bound_param - 1];
		char	   *end;

		if (v == NULL)
			return false;		/* LIMIT NULL: no limit */
		errno = 0;
		bound = strtoi64(v, &end, 10);
		if (errno != 0 || *end != '\0')
			return false;
	}
	if (bound < 0)
		return false;
	for (int i = 0; i < scan->nnodes; i++)
		if (bound >= scan->nodes[i].fetch_size)
			return false;
	return true;
}

static void
check_tuples(NodeCursor *nc, PGresult *res, const char *sql, ExecStatusType expected)
{
	if (res == NULL || PQresultStatus(res) != expected)
		RemoteReportError(ERROR, nc->conn, res, sql);
}

/* A batch of rows has arrived from nc's cursor; a short one is the last. */
static void
take_batch(NodeCursor *nc, PGresult *res)
{
	check_tuples(nc, res, nc->sql, PGRES_TUPLES_OK);
	nc->res = res;
	nc->next_row = 0;
	nc->eof = PQntuples(res) < nc->fetch_size;
}

/* For EXPLAIN ANALYZE: an answer from nc arrived. */
static void
note_answer(RemoteScan *scan, NodeCursor *nc, PGresult *res)
{
	nc->instr.received += PQntuples(res);
	RemoteNodeInstrAnswer(&nc->instr, PQntuples(res) > 0 || nc->eof, scan->timing);
}

static bool fetch_round(RemoteScan *scan);

/* Send FETCH to every node with rows left; false if none has any. */
static bool
send_fetches(RemoteScan *scan)
{
	bool		any = false;
	int			i;

	for (i = 0; i < scan->nnodes; i++)
	{
		NodeCursor *nc = &scan->nodes[i];

		PQclear(nc->res);
		nc->res = NULL;
		if (!nc->eof)
		{
			RemoteSend(nc->conn, nc->fetch_sql);
			any = true;
		}
	}
	return any;
}

/*
 * What one node does at the start of a run, its two halves: send (connect,
 * DECLARE and the first FETCH, or the query itself) and collect the answer.
 */
typedef struct StartArgs
{
	const char **values;
	int			nparams;
} StartArgs;

typedef void (*NodeStep) (RemoteScan *scan, NodeCursor *nc, StartArgs *args);

static void
send_start(RemoteScan *scan, NodeCursor *nc, StartArgs *args)
{
	char	   *sql;

	nc->conn = GetDataNodeConnection(nc->server_id, scan->direct && scan->read_once ?
									 REMOTE_TXN_READ_ONCE : REMOTE_TXN_READ);
	if (scan->direct)
	{
		/*
		 * Small reads repeat: the node may keep the plan.  Not with
		 * parameters, whose generic plan on the node would span every chunk
		 * of the member (its chunks are chosen with the values).
		 */
		if (args->nparams > 0)
			RemoteSendParams(nc->conn, nc->sql, args->nparams, args->values);
		else if (scan->binary)
			RemoteSendCachedBinary(nc->conn, nc->sql);
		else
			RemoteSendCached(nc->conn, nc->sql, 0, NULL, NULL, NULL, NULL);
		return;
	}
	sql = psprintf("DECLARE %s NO SCROLL CURSOR FOR %s", scan->cursor_name, nc->sql);
	if (args->nparams > 0)
		RemoteSendParamsThen(nc->conn, sql, args->nparams, args->values, nc->fetch_sql);
	else
		RemoteSend(nc->conn, psprintf("%s; %s", sql, nc->fetch_sql));
	pfree(sql);
}

static void
collect_start(RemoteScan *scan, NodeCursor *nc, StartArgs *args)
{
	PGresult   *res = RemoteGetResult(nc->conn, nc->sql);

	if (scan->direct)
	{
		/* the whole answer, within the bound: nothing more to fetch */
		take_batch(nc, res);
		nc->eof = true;
		note_answer(scan, nc, res);
		return;
	}
	nc->declared = true;
	take_batch(nc, res);
	note_answer(scan, nc, res);
}

/*
 * Run one node's step.  A scan that may fail over (RemoteScanSetFailover)
 * survives its node failing here, before the run has returned any row: a
 * connection that cannot be made, is lost, or whose node is shutting down
 * leaves the node marked failed (and suspect, if a new connection cannot be
 * made either: remote/suspect.c) instead of failing the query; the caller
 * then reads its chunks elsewhere.  Every other error, and any interrupt of
 * this backend, is thrown on.
 */
static void
run_node_step(RemoteScan *scan, NodeCursor *nc, NodeStep step, StartArgs *args)
{
	MemoryContext cxt = CurrentMemoryContext;
	uint32		holdoff = InterruptHoldoffCount;
	uint32		cancel_holdoff = QueryCancelHoldoffCount;
	ErrorData  *volatile failure = NULL;

	if (!scan->failover)
	{
		step(scan, nc, args);
		return;
	}
	PG_TRY();
	{
		step(scan, nc, args);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (!RemoteErrorIsNodeFailure(edata))
			PG_RE_THROW();
		FlushErrorState();
		InterruptHoldoffCount = holdoff;
		QueryCancelHoldoffCount = cancel_holdoff;
		failure = edata;
		PQclear(nc->res);
		nc->res = NULL;
		nc->failed = true;
		nc->declared = false;
		nc->eof = true;
		scan->any_failed = true;
	}
	PG_END_TRY();

	/* suspect only if the node is down, not just this session (it may reconnect) */
	if (failure != NULL)
	{
		DataNodeNoteFailure(nc->server_id, failure);
		FreeErrorData(failure);
	}
}

/*
 * Declare the cursor on every node and run the first round: DECLARE and the
 * first FETCH travel together (one Query message, or with parameters one
 * pipeline), so a result that fits in one batch costs one round trip.
 */
static void
start_scan(RemoteScan *scan)
{
	StartArgs	args;
	int			i;

	args.values = RemoteParamsEval(scan->params);
	args.nparams = scan->params->nparams;
	scan->params_sent = true;
	scan->any_failed = false;
	scan->direct = run_direct(scan, args.values);
	for (i = 0; i < scan->nnodes; i++)
	{
		NodeCursor *nc = &scan->nodes[i];

		nc->eof = nc->skipped;
		nc->failed = false;
		if (nc->skipped)
		{
			nc->instr.skipped++;
			continue;
		}
		RemoteNodeInstrStart(&nc->instr, scan->timing);
		run_node_step(scan, nc, send_start, &args);
	}
	for (i = 0; i < scan->nnodes; i++)
	{
		NodeCursor *nc = &scan->nodes[i];

		if (!nc->skipped && !nc->failed)
			run_node_step(scan, nc, collect_start, &args);
	}
	scan->current = 0;
	scan->started = true;
}

/*
 * Start the run now, if it has not started.  Returns false when some node
 * failed (only a scan set to fail over gets here with failures): the
 * caller reads their chunks elsewhere and restarts the run.
 */
bool
RemoteScanStart(RemoteScan *scan)
{
	if (!scan->started)
		start_scan(scan);
	return !scan->any_failed;
}

/*
 * The caller vouches that this scan runs once in its statement and that no
 * other remote read of the statement shares its nodes: a run that fits in
 * one batch per node may then read in the nodes' own implicit transactions
 * (REMOTE_TXN_READ_ONCE), when the local transaction allows it.
 */
void
RemoteScanSetReadOnce(RemoteScan *scan, bool read_once)
{
	scan->read_once = read_once;
}

/* Tolerate node failures at the start of a run (see run_node_step). */
void
RemoteScanSetFailover(RemoteScan *scan, bool failover)
{
	scan->failover = failover;
}

/* Whether node i failed at the start of this run. */
bool
RemoteScanNodeFailed(RemoteScan *scan, int i)
{
	return scan->nodes[i].failed;
}

/* Give node i another query, before a (re)start. */
void
RemoteScanSetNodeSQL(RemoteScan *scan, int i, char *sql)
{
	Assert(!scan->started);
	scan->nodes[i].sql = sql;
}

/* Next round: a FETCH to every node with rows left, in parallel. */
static bool
fetch_round(RemoteScan *scan)
{
	bool		any;
	int			i;

	any = send_fetches(scan);
	for (i = 0; i < scan->nnodes; i++)
	{
		NodeCursor *nc = &scan->nodes[i];

		if (nc->eof)
			continue;
		take_batch(nc, RemoteGetResult(nc->conn, nc->fetch_sql));
		note_answer(scan, nc, nc->res);
	}
	scan->current = 0;
	return any;
}

/* A binary value of column col, read as the backend reads a Bind's. */
static Datum
receive_value(RemoteScan *scan, PGresult *res, int row, int col, int32 typmod)
{
	StringInfoData buf;
	Datum		value;

	/* the receive functions read from a StringInfo; the result's bytes suffice */
	buf.data = PQgetvalue(res, row, col);
	buf.len = PQgetlength(res, row, col);
	buf.maxlen = buf.len + 1;
	buf.cursor = 0;
	value = ReceiveFunctionCall(&scan->recvfuncs[col], &buf, scan->recvioparams[col], typmod);
	if (buf.cursor != buf.len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("incorrect binary data format in a data node's column %d", col + 1)));
	return value;
}

static void
store_row(RemoteScan *scan, PGresult *res, int row, TupleTableSlot *slot)
{
	MemoryContext old;
	ListCell   *lc;
	int			col = 0;
	ItemPointer tid = NULL;

	ExecClearTuple(slot);
	memset(slot->tts_isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
	MemoryContextReset(scan->rowcxt);
	old = MemoryContextSwitchTo(scan->rowcxt);
	foreach(lc, scan->retrieved_attrs)
	{
		int			attno = lfirst_int(lc);
		Datum		value;

		if (PQgetisnull(res, row, col))
		{
			col++;
			continue;
		}
		if (PQfformat(res, col) == 1)
			value = receive_value(scan, res, row, col,
								  attno == SelfItemPointerAttributeNumber ? -1 : scan->typmods[col]);
		else
			value = InputFunctionCall(&scan->infuncs[col], PQgetvalue(res, row, col),
									  scan->typioparams[col],
									  attno == SelfItemPointerAttributeNumber ? -1 : scan->typmods[col]);
		if (attno == SelfItemPointerAttributeNumber)
			tid = (ItemPointer) DatumGetPointer(value);
		else
		{
			slot->tts_values[attno - 1] = value;
			slot->tts_isnull[attno - 1] = false;
		}
		col++;
	}
	MemoryContextSwitchTo(old);
	ExecStoreVirtualTuple(slot);
	if (tid)
		slot->tts_tid = *tid;
}

/* Fill slot with the next row; false when every node is done. */
bool
RemoteScanNext(RemoteScan *scan, TupleTableSlot *slot)
{
	if (!scan->started)
		start_scan(scan);
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		while (scan->current < scan->nnodes)
		{
			NodeCursor *nc = &scan->nodes[scan->current];

			if (nc->res != NULL && nc->next_row < PQntuples(nc->res))
			{
				store_row(scan, nc->res, nc->next_row++, slot);
				nc->instr.rows++;
				return true;
			}
			scan->current++;
		}
		if (!fetch_round(scan))
		{
			ExecClearTuple(slot);
			return false;
		}
	}
}

/*
 * Fill slot with node i's next row; false when that node is done.  The
 * first call starts every node at once; later batches are fetched from
 * node i alone, when its merge needs them (a sorted merge draws from the
 * nodes unevenly).
 */
bool
RemoteScanNextFromNode(RemoteScan *scan, int i, TupleTableSlot *slot)
{
	NodeCursor *nc = &scan->nodes[i];

	if (!scan->started)
		start_scan(scan);
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (nc->res != NULL && nc->next_row < PQntuples(nc->res))
		{
			store_row(scan, nc->res, nc->next_row++, slot);
			nc->instr.rows++;
			return true;
		}
		PQclear(nc->res);
		nc->res = NULL;
		if (nc->eof)
		{
			ExecClearTuple(slot);
			return false;
		}
		RemoteSend(nc->conn, nc->fetch_sql);
		take_batch(nc, RemoteGetResult(nc->conn, nc->fetch_sql));
		note_answer(scan, nc, nc->res);
	}
}

int
RemoteScanNumNodes(RemoteScan *scan)
{
	return scan->nnodes;
}

/*
 * Close the cursors on every node.  The CLOSE is queued on the connection
 * and rides with the next command sent there (the next scan's query, a
 * rescan's new DECLARE), or is dropped when the remote transaction ends,
 * which closes every cursor anyway: a scan costs no round trip to close.
 */
static void
close_cursors(RemoteScan *scan)
{
	char		sql[64];
	int			i;

	snprintf(sql, sizeof(sql), "CLOSE %s", scan->cursor_name);
	for (i = 0; i < scan->nnodes; i++)
	{
		NodeCursor *nc = &scan->nodes[i];

		PQclear(nc->res);
		nc->res = NULL;
		if (nc->declared)
			RemoteQueueStatement(nc->conn, sql);
		nc->declared = false;
		RemoteNodeInstrStop(&nc->instr, scan->timing);
		nc->eof = false;
	}
	scan->started = false;
}

/*
 * Leave node i out of the next (re)start, or take it back: run-time chunk
 * exclusion found nothing to read there.  Skipped nodes are not contacted.
 */
void
RemoteScanSkipNode(RemoteScan *scan, int i, bool skip)
{
	Assert(!scan->started);
	scan->nodes[i].skipped = skip;
}

/*
 * Start over at the next RemoteScanNext (new parameter values, a rescan).
 * The cursors are not scrollable, so they are closed and declared again.
 */
void
RemoteScanRestart(RemoteScan *scan)
{
	if (scan->started)
		close_cursors(scan);
}

/* Measure each node's times too, for EXPLAIN ANALYZE with TIMING. */
void
RemoteScanSetTiming(RemoteScan *scan, bool timing)
{
	scan->timing = timing;
}

const RemoteNodeInstr *
RemoteScanNodeInstr(RemoteScan *scan, int i)
{
	return &scan->nodes[i].instr;
}

/*
 * The parameter values the last run sent (NULL before any run), for a
 * data node's EXPLAIN of the same query.
 */
const char **
RemoteScanParamValues(RemoteScan *scan, int *nparams)
{
	*nparams = scan->params->nparams;
	return scan->params_sent || scan->params->nparams == 0 ? scan->params->values : NULL;
}

void
RemoteScanEnd(RemoteScan *scan)
{
	if (scan->started)
		close_cursors(scan);
	MemoryContextDelete(scan->rowcxt);
}

/* ---- remote parameters ---------------------------------------------------- */

/* Prepare the expressions sent as $1, $2, ... for evaluation in ps. */
RemoteParams *
RemoteParamsCreate(List *param_exprs, PlanState *ps)
{
	RemoteParams *rp = palloc0(sizeof(RemoteParams));
	ListCell   *lc;
	int			i = 0;

	rp->nparams = list_length(param_exprs);
	rp->outfuncs = palloc0(sizeof(FmgrInfo) * Max(rp->nparams, 1));
	rp->values = palloc0(sizeof(char *) * Max(rp->nparams, 1));
	rp->ps = ps;
	rp->cxt = AllocSetContextCreate(CurrentMemoryContext, "multinode remote params",
									ALLOCSET_SMALL_SIZES);
	foreach(lc, param_exprs)
	{
		Expr	   *expr = lfirst(lc);
		Oid			outfunc;
		bool		isvarlena;

		getTypeOutputInfo(exprType((Node *) expr), &outfunc, &isvarlena);
		fmgr_info(outfunc, &rp->outfuncs[i++]);
		rp->exprstates = lappend(rp->exprstates, ExecInitExpr(expr, ps));
	}
	return rp;
}

/*
 * Evaluate every parameter and return the text values (NULL for SQL NULL),
 * valid until the next call: the context is reset each time, so a scan
 * restarted per outer row does not accumulate.
 */
const char **
RemoteParamsEval(RemoteParams *rp)
{
	ExprContext *econtext = rp->ps->ps_ExprContext;
	MemoryContext old;
	ListCell   *lc;
	int			i = 0;

	int			nestlevel;

	MemoryContextReset(rp->cxt);
	old = MemoryContextSwitchTo(rp->cxt);
	foreach(lc, rp->exprstates)
	{
		bool		isnull;
		Datum		value = ExecEvalExpr(lfirst(lc), econtext, &isnull);

		/* only the output is in transmission modes: now() - '1 day' is not */
		nestlevel = TransmissionModesBegin();
		rp->values[i] = isnull ? NULL : OutputFunctionCall(&rp->outfuncs[i], value);
		TransmissionModesEnd(nestlevel);
		i++;
	}
	MemoryContextSwitchTo(old);
	return rp->values;
}
