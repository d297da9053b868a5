/*-------------------------------------------------------------------------
 *
 * txn.c
 *	  Remote transactions that follow the local one.
 *
 * A remote transaction is opened on a connection the first time the local
 * transaction uses it (REPEATABLE READ, or SERIALIZABLE when the local one
 * is; READ ONLY when the local one is), so every statement of one local
 * transaction sees one snapshot per node.  Local savepoints are mirrored
 * lazily: a connection first used at nesting level n gets savepoints up to
 * n, and subtransaction commit/abort releases or rolls back to them.
 *
 * At local pre-commit, commit and after commit the commit protocol of
 * txn_2pc.c finishes the remote transactions.  At local abort they are
 * rolled back (prepared ones by txn_2pc.c); a connection interrupted
 * mid-command is cancelled and closed, never reused.
 *
 * This file owns the extension's one transaction callback and one
 * subtransaction callback.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"

#include "remote/txn_internal.h"

/* how long abort-time cleanup may wait for a node */
#define CLEANUP_TIMEOUT_MS 5000

void
RemoteTxnBegin(DataNodeConn *conn, RemoteTxnMode mode)
{
	int			curlevel = GetCurrentTransactionNestLevel();

	if (conn->xact_depth == 0)
	{
		char		sql[128];

		snprintf(sql, sizeof(sql), "START TRANSACTION ISOLATION LEVEL %s%s",
				 IsolationIsSerializable() ? "SERIALIZABLE" : "REPEATABLE READ",
				 XactReadOnly ? " READ ONLY" : "");
		RemoteExecCommand(conn, sql);
		conn->xact_depth = 1;
		conn->xact_read_only = XactReadOnly;
		conn->xact_written = false;
		conn->xact_failed = false;
	}
	while (conn->xact_depth < curlevel)
	{
		char		sql[64];

		snprintf(sql, sizeof(sql), "SAVEPOINT s%d", conn->xact_depth + 1);
		RemoteExecCommand(conn, sql);
		conn->xact_depth++;
	}
	if (mode == REMOTE_TXN_WRITE)
		conn->xact_written = true;
}

static void
collect_participant(DataNodeConn *conn, void *arg)
{
	List	  **list = arg;

	if (conn->xact_depth > 0)
		*list = lappend(*list, conn);
}

/* Connections with an open remote transaction, in no particular order. */
List *
RemoteTxnParticipants(void)
{
	List	   *list = NIL;

	RemoteConnCacheForEach(collect_participant, &list);
	return list;
}

static void
abort_one(DataNodeConn *conn, void *arg)
{
	conn->release_fn = NULL;	/* its holder's memory is gone */
	RemoteTxnAbortPrepared(conn);
	if (conn->pg != NULL)
	{
		if (conn->busy)
		{
			/* interrupted mid-command: the session's state is unknown */
			RemoteCancelAndDrain(conn, CLEANUP_TIMEOUT_MS);
			conn->broken = true;
		}
		else if (conn->xact_depth > 0 && PQtransactionStatus(conn->pg) != PQTRANS_IDLE &&
				 !RemoteExecCleanup(conn, "ROLLBACK", CLEANUP_TIMEOUT_MS))
			conn->broken = true;
		if (conn->broken)
			RemoteCloseConn(conn);
	}
	conn->xact_depth = 0;
	conn->xact_written = false;
	conn->xact_failed = false;
}

static void
forget_one(DataNodeConn *conn, void *arg)
{
	conn->xact_depth = 0;
	conn->xact_written = false;
	conn->xact_failed = false;
}

static void
xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
			RemoteTxnPreCommit();
			break;
		case XACT_EVENT_PRE_PREPARE:
			if (RemoteTxnParticipants() != NIL)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot prepare a transaction that has used data nodes"),
						 errdetail("multinode commits the transactions on data nodes itself."),
						 errhint("Commit the transaction instead of preparing it.")));
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			RemoteTxnPostCommit();
			RemoteConnCacheForEachQuietly(forget_one, NULL);
			RemoteConnCacheCloseStale();
			break;
		case XACT_EVENT_PREPARE:
			RemoteConnCacheForEachQuietly(forget_one, NULL);
			RemoteConnCacheCloseStale();
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			RemoteConnCacheForEachQuietly(abort_one, NULL);
			RemoteConnCacheCloseStale();
			break;
		default:
			break;
	}
}

typedef struct SubXactArg
{
	SubXactEvent event;
	int			level;
} SubXactArg;

static void
subxact_one(DataNodeConn *conn, void *arg)
{
	SubXactArg *sa = arg;
	char		sql[96];

	if (conn->xact_depth < sa->level)
		return;
	if (sa->event == SUBXACT_EVENT_PRE_COMMIT_SUB)
	{
		snprintf(sql, sizeof(sql), "RELEASE SAVEPOINT s%d", sa->level);
		RemoteExecCommand(conn, sql);
	}
	else if (conn->pg != NULL && !conn->xact_failed)
	{
		if (conn->busy)
		{
			conn->release_fn = NULL;
			RemoteCancelAndDrain(conn, CLEANUP_TIMEOUT_MS);
		}
		snprintf(sql, sizeof(sql), "ROLLBACK TO SAVEPOINT s%d; RELEASE SAVEPOINT s%d",
				 sa->level, sa->level);
		if (conn->broken || !RemoteExecCleanup(conn, sql, CLEANUP_TIMEOUT_MS))
		{
			/* the outer transaction cannot be trusted on this node any more */
			conn->xact_failed = true;
			RemoteCloseConn(conn);
		}
	}
	conn->xact_depth = sa->level - 1;
}

static void
subxact_callback(SubXactEvent event, SubTransactionId mySubid,
				 SubTransactionId parentSubid, void *arg)
{
	SubXactArg	sa;

	if (event != SUBXACT_EVENT_PRE_COMMIT_SUB && event != SUBXACT_EVENT_ABORT_SUB)
		return;
	sa.event = event;
	sa.level = GetCurrentTransactionNestLevel();
	RemoteConnCacheForEach(subxact_one, &sa);
}

void
RemoteInit(void)
{
	RegisterXactCallback(xact_callback, NULL);
	RegisterSubXactCallback(subxact_callback, NULL);
}
