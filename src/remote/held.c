/*-------------------------------------------------------------------------
 *
 * held.c
 *	  A command held back until the commit of an autocommit statement, so
 *	  that it travels to its data node with the COMMIT or PREPARE
 *	  TRANSACTION: one round trip for a single-row INSERT transaction
 *	  instead of two.
 *
 * An INSERT that is its own transaction needs no answer from the node
 * before the commit: the access node already counted its rows, and nothing
 * else in the statement reads them.  Held, it goes out at pre-commit in one
 * pipeline with the node's COMMIT (one node written) or PREPARE TRANSACTION
 * (several), behind the remote transaction's queued START TRANSACTION
 * (txn_2pc.c); in one phase under READ COMMITTED it goes alone, as the
 * node's implicit transaction (RemoteHeldSendAlone).  If it fails, the node
 * skips what follows up to the Sync, its transaction stays open and aborted
 * (or, sent alone, is rolled back), and the error -- the node's SQLSTATE,
 * message and detail -- aborts the local transaction, whose abort path rolls
 * back every node: nothing is committed or prepared anywhere.  That is how
 * PostgreSQL itself reports a deferred unique violation: at COMMIT.
 *
 * Anything else that uses the connection in the same transaction first
 * flushes the held command and waits for its answer (connection.c's
 * check_usable and RemoteQueueStatement): several Executes before one Sync
 * of the extended protocol are one implicit transaction, later statements
 * must see the rows, and its error still aborts the transaction.
 *
 * Only where the commit follows without anything the client could observe
 * in between: outside transaction blocks, at the top transaction level (a
 * savepoint or an exception block could roll back to before the INSERT
 * while its error is still to come), and without statement_timeout, which
 * PostgreSQL stops before the commit: a held INSERT waiting on a lock would
 * otherwise escape it.  A cancel during the commit's wait aborts the
 * transaction as before (the connection is cancelled and closed, never
 * reused).  One held command per connection, of bounded size, in a
 * context under TopTransactionContext: freed when flushed, else with the
 * transaction.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "storage/proc.h"
#include "utils/memutils.h"

#include "remote/connection_internal.h"

/* larger commands go at once: the point is the round trip, not memory */
#define HELD_MAX_BYTES 16384

typedef struct RemoteHeld
{
	MemoryContext cxt;			/* holds this struct and what it points to */
	char	   *sql;
	CommandParams *params;
} RemoteHeld;

/* Whether the commit of this transaction follows the current statement. */
static bool
commit_follows_statement(void)
{
	return !IsTransactionBlock() && GetCurrentTransactionNestLevel() == 1 &&
		StatementTimeout == 0 && !IsInParallelMode();
}

/*
 * Hold sql with its parameters (as RemoteSendCached takes them) until the
 * commit, if the current statement is an autocommit one; returns false,
 * having sent nothing, when it is not or the command is too large: the
 * caller then sends it itself.  A command held earlier on the connection is
 * flushed first.  The caller vouches that nothing of the statement needs
 * the node's answer.
 */
bool
RemoteHoldCached(DataNodeConn *conn, const char *sql, int nparams, const Oid *types,
				 const char *const *values, const int *lengths, const int *formats)
{
	CommandParams params = RemoteTypedParams(nparams, types, values, lengths, formats);
	Size		bytes = strlen(sql);
	RemoteHeld *held;
	MemoryContext cxt;
	MemoryContext old;
	int			i;

	if (!commit_follows_statement())
		return false;
	for (i = 0; i < nparams; i++)
		if (values[i] != NULL)
			bytes += (formats && formats[i] == 1) ? lengths[i] : strlen(values[i]);
	if (bytes > HELD_MAX_BYTES)
		return false;
	RemoteCheckUsable(conn, sql);
	/* its own context: a flushed command is freed at once (RemoteHeldFlush) */
	cxt = AllocSetContextCreate(TopTransactionContext, "held remote command",
								ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	held = palloc(sizeof(RemoteHeld));
	held->cxt = cxt;
	held->sql = pstrdup(sql);
	held->params = RemoteCopyParams(&params);
	conn->held = held;
	MemoryContextSwitchTo(old);
	return true;
}

/* Send the held command and wait for its answer; its failure is an error. */
void
RemoteHeldFlush(DataNodeConn *conn)
{
	RemoteHeld *h = conn->held;
	PGresult   *res;

	conn->held = NULL;
	RemoteSendCachedThen(conn, h->sql, h->params, NULL);
	res = RemoteGetResult(conn, h->sql);
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
		RemoteReportError(ERROR, conn, res, h->sql);
	PQclear(res);
	MemoryContextDelete(h->cxt);
}

/*
 * At a one-phase commit, send the held command by itself as the node's
 * whole transaction, when it can be: nothing else of the remote transaction
 * went to the node (its START TRANSACTION is still the only thing queued)
 * and the local transaction is READ COMMITTED.  Without START TRANSACTION
 * and COMMIT around it the command runs in the node's implicit transaction,
 * which commits at the Sync that ends it: one Bind and Execute (a Parse the
 * first time) instead of three statements, and the node parses and runs no
 * transaction commands per row.  Nothing the client can observe changes: a
 * READ COMMITTED statement takes its own snapshot anyway, a failure rolls
 * the implicit transaction back (the node is left idle, so the abort path
 * has nothing to roll back there), and a connection lost before the answer
 * leaves the outcome as unknown as a lost COMMIT does.  Under REPEATABLE
 * READ or SERIALIZABLE the node's transaction keeps the local isolation
 * level, so the explicit transaction stays.  Like every command sent with
 * its commit, it is never sent again on a new connection: the queue is
 * cleared first, so the send is not the first of a remote transaction
 * (connection.c's keep_for_retry).  Returns the command's text, for
 * reporting its failure, or NULL, having sent nothing.
 */
const char *
RemoteHeldSendAlone(DataNodeConn *conn)
{
	RemoteHeld *h = conn->held;

	if (h == NULL || !conn->begin_pending || list_length(conn->queued) != 1 ||
		XactIsoLevel >= XACT_REPEATABLE_READ)
		return NULL;
	conn->held = NULL;
	RemoteClearQueue(conn);
	/* its memory lives until the end of the transaction, past the answer */
	RemoteSendCachedThen(conn, h->sql, h->params, NULL);
	return h->sql;
}

/*
 * Send the held command, if there is one, followed by then_sql in the same
 * pipeline; the answer read is then_sql's or the held command's failure.
 * Returns false, having sent nothing, when nothing is held.
 */
bool
RemoteHeldSendWith(DataNodeConn *conn, const char *then_sql)
{
	RemoteHeld *h = conn->held;

	if (h == NULL)
		return false;
	conn->held = NULL;
	RemoteSendCachedThen(conn, h->sql, h->params, then_sql);
	return true;
}

/* The transaction ended: its memory took the held command with it. */
void
RemoteHeldForget(DataNodeConn *conn)
{
	conn->held = NULL;
	conn->then_failed_sql = NULL;
}
