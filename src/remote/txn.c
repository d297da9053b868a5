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
 * None of that costs a round trip of its own: START TRANSACTION, SAVEPOINT
 * and RELEASE SAVEPOINT are queued on the connection and travel with the
 * next command sent on it (connection.c), so a query's first visit to a
 * node is one round trip.  Deferring them changes nothing the node can
 * observe: a REPEATABLE READ transaction takes its snapshot at its first
 * query, not at START TRANSACTION, and what is queued is sent, in order,
 * before anything that depends on it.  A queued statement that was never
 * sent needs no undoing: a subtransaction that aborts drops its own queued
 * SAVEPOINT and what follows it; a remote transaction whose START is still
 * queued has nothing on the node, so it is not a participant at commit and
 * needs no ROLLBACK at abort.  A failure of a queued statement is reported
 * under its own text, with the node's name, when the command it rode with
 * is answered.
 *
 * At local pre-commit, commit and after commit the commit protocol of
 * txn_2pc.c finishes the remote transactions.  At local abort they are
 * rolled back (prepared ones by txn_2pc.c); a connection interrupted
 * mid-command is cancelled and closed, never reused.
 *
 * Work done on a node outside any transaction (add_data_node's CREATE
 * DATABASE, which cannot run in one) is undone at abort by an action its
 * caller registers with RemoteTxnAtAbort.
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
#include "utils/memutils.h"

#include "remote/txn_internal.h"

/* how long abort-time cleanup may wait for a node */
#define CLEANUP_TIMEOUT_MS 5000

typedef struct AbortAction
{
	RemoteTxnAbortFn fn;
	void	   *arg;
} AbortAction;

/* the actions registered in this transaction, in TopTransactionContext */
static List *abort_actions = NIL;

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
		RemoteClearQueue(conn);
		RemoteQueueStatement(conn, sql);
		conn->begin_pending = true;
		conn->xact_depth = 1;
		conn->xact_read_only = XactReadOnly;
		conn->xact_written = false;
		conn->xact_failed = false;
	}
	while (conn->xact_depth < curlevel)
	{
		char		sql[64];

		snprintf(sql, sizeof(sql), "SAVEPOINT s%d", conn->xact_depth + 1);
		RemoteQueueStatement(conn, sql);
		conn->xact_depth++;
	}
	if (mode == REMOTE_TXN_WRITE)
		conn->xact_written = true;
}

/*
 * Prepare conn for one read whose snapshot no other command of the local
 * transaction needs to share: the scan's caller vouches that the statement
 * reads this node with this one command (one remote scan, run once, its
 * whole answer read at its start).  When the local transaction is an
 * implicit one (a single statement outside a transaction block) under READ
 * COMMITTED, and no remote transaction is open on the node, the command
 * runs in the node's own implicit transaction: no START TRANSACTION ahead
 * of it and no COMMIT after it, so the read costs the node one message.
 * Statements in READ COMMITTED take a snapshot each, so the answer is the
 * one a remote transaction would give.  Under REPEATABLE READ or
 * SERIALIZABLE (one snapshot for the whole transaction, and serializable
 * reads that the commit may fail), in a transaction block (a later
 * statement would share the snapshot), or on a node already in the
 * transaction (it may hold this transaction's own writes), the read joins
 * the remote transaction as any other.
 */
void
RemoteTxnBeginReadOnce(DataNodeConn *conn)
{
	if (conn->xact_depth == 0 && !IsTransactionBlock() && XactIsoLevel < XACT_REPEATABLE_READ)
	{
		RemoteClearQueue(conn);
		conn->read_once = true;
		return;
	}
	RemoteTxnBegin(conn, REMOTE_TXN_READ);
}

static void
collect_participant(DataNodeConn *conn, void *arg)
{
	List	  **list = arg;

	/*
	 * A transaction whose START is still queued has nothing on the node,
	 * unless a command is held to go with it at the commit (held.c).
	 */
	if (conn->xact_depth > 0 && (!conn->begin_pending || conn->held != NULL))
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
	RemoteClearQueue(conn);
	RemoteHeldForget(conn);
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
	RemoteClearQueue(conn);
	RemoteHeldForget(conn);
	conn->xact_depth = 0;
	conn->xact_written = false;
	conn->xact_failed = false;
}

/*
 * Have fn(arg) run if the local transaction aborts, after its remote
 * transactions are rolled back; forgotten when it commits.  For what a
 * caller did on a node outside the remote transaction and must undo when
 * the local one does not commit.  arg must live until then (in
 * TopTransactionContext, say).  fn runs in an aborted transaction: it may
 * not read the catalogs, and it should only warn; an error it throws is
 * turned into a warning.  Registered at the top level only (the caller
 * refuses subtransactions), so a subtransaction's abort does not run it.
 */
void
RemoteTxnAtAbort(RemoteTxnAbortFn fn, void *arg)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	AbortAction *action = palloc(sizeof(AbortAction));

	action->fn = fn;
	action->arg = arg;
	abort_actions = lappend(abort_actions, action);
	MemoryContextSwitchTo(old);
}

/* Run the abort actions, each on its own: one failing does not stop the next. */
static void
run_abort_actions(void)
{
	List	   *actions = abort_actions;
	ListCell   *lc;

	abort_actions = NIL;
	foreach(lc, actions)
	{
		AbortAction *action = lfirst(lc);
		MemoryContext old = CurrentMemoryContext;

		PG_TRY();
		{
			action->fn(action->arg);
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			MemoryContextSwitchTo(old);
			edata = CopyErrorData();
			FlushErrorState();
			edata->elevel = WARNING;
			ThrowErrorData(edata);
			FreeErrorData(edata);
		}
		PG_END_TRY();
	}
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
			abort_actions = NIL;	/* its memory goes with the transaction */
			break;
		case XACT_EVENT_PREPARE:
			abort_actions = NIL;
			RemoteConnCacheForEachQuietly(forget_one, NULL);
			RemoteConnCacheCloseStale();
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			RemoteConnCacheForEachQuietly(abort_one, NULL);
			RemoteConnCacheCloseStale();
			run_abort_actions();
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

/* Where "SAVEPOINT s<level>" is in conn's queue; -1 if it was sent. */
static int
queued_savepoint(DataNodeConn *conn, int level)
{
	char		sql[64];
	ListCell   *lc;

	snprintf(sql, sizeof(sql), "SAVEPOINT s%d", level);
	foreach(lc, conn->queued)
		if (strcmp(lfirst(lc), sql) == 0)
			return foreach_current_index(lc);
	return -1;
}

static void
subxact_one(DataNodeConn *conn, void *arg)
{
	SubXactArg *sa = arg;
	char		sql[96];
	int			queued_at;

	if (conn->xact_depth < sa->level)
		return;
	queued_at = queued_savepoint(conn, sa->level);
	if (sa->event == SUBXACT_EVENT_PRE_COMMIT_SUB)
	{
		if (queued_at >= 0 && queued_at == list_length(conn->queued) - 1)
		{
			/* never sent, nothing since: nothing to release */
			pfree(llast(conn->queued));
			conn->queued = list_delete_last(conn->queued);
		}
		else
		{
			snprintf(sql, sizeof(sql), "RELEASE SAVEPOINT s%d", sa->level);
			RemoteQueueStatement(conn, sql);
		}
	}
	else if (conn->begin_pending)
	{
		/* nothing of this transaction reached the node */
		RemoteClearQueue(conn);
		conn->xact_depth = 0;
		return;
	}
	else if (queued_at >= 0)
	{
		/* the savepoint never reached the node: neither did anything after it */
		while (list_length(conn->queued) > queued_at)
		{
			pfree(llast(conn->queued));
			conn->queued = list_delete_last(conn->queued);
		}
	}
	else if (conn->pg != NULL && !conn->xact_failed)
	{
		/* rolling back to the savepoint undoes whatever was queued after it */
		list_free_deep(conn->queued);
		conn->queued = NIL;
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
	RemoteSuspectInit();
	RemoteStmtCacheInit();
}
