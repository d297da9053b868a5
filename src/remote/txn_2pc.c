/*-------------------------------------------------------------------------
 *
 * txn_2pc.c
 *	  The commit protocol of distributed transactions: two-phase commit
 *	  across the access node and the data nodes it wrote to.
 *
 * THE PROTOCOL
 *
 * A transaction on the access node (AN) has a remote transaction on every
 * data node (DN) it used (txn.c).  At local pre-commit:
 *
 *	1. Nodes the transaction only read from get COMMIT, whose answer is
 *	   read at the connection's next use (finish_remote_batch says why that
 *	   is safe).  Nodes it wrote to get PREPARE TRANSACTION '<gid>', all in
 *	   parallel.  The GID names the
 *	   AN's cluster and database, the AN transaction's full xid and the node
 *	   (txn_id.c).
 *	2. One row per written node goes into _timescaledb_catalog.remote_txn,
 *	   in the AN transaction itself: the commit decision.
 *	3. The AN commits locally.  This is the decision point: from here on the
 *	   transaction is committed everywhere, whatever fails next.  Its commit
 *	   record is flushed before step 4 even with synchronous_commit = off
 *	   (ForceSyncCommit), since a decision lost in a crash would let healing
 *	   roll back nodes while others already committed.
 *	4. After the commit (XACT_EVENT_COMMIT) every prepared node gets COMMIT
 *	   PREPARED, in parallel.  Failures here are warnings, never errors (the
 *	   client's transaction did commit), and the node is remembered so that
 *	   the next connection to it in this backend finishes the job at once.
 *
 * A written node's last INSERT may still be held (held.c): it goes in
 * one pipeline just ahead of the node's PREPARE TRANSACTION (or one-phase
 * COMMIT), and when it fails the node skips what follows, so the answer
 * read is the INSERT's error, the node's transaction is aborted and
 * nothing was prepared there.
 *
 * Any failure before step 3 aborts the AN transaction, and the abort path
 * (XACT_EVENT_ABORT) sends ROLLBACK PREPARED to the nodes already prepared
 * and ROLLBACK to the others, with warnings only.  What the abort path
 * cannot reach is left prepared, and healing (txn_resolve.c) resolves it
 * from the GID and the log: nothing while the AN transaction is in
 * progress; once it has ended, COMMIT PREPARED if its decision row exists,
 * else ROLLBACK PREPARED.
 *
 * EACH FAILURE POINT (the fault points of txn_fault.c) AND WHAT HEALS IT
 *
 *	before_prepare		nothing is prepared: the abort path rolls back
 *						every remote transaction; a node that died loses
 *						its open transaction itself.  Nothing to heal.
 *	after_prepare_some	some nodes are prepared: the abort path rolls them
 *						back.  If it cannot (node down, AN killed), the AN
 *						transaction is aborted (after a crash: never
 *						committed), so healing rolls them back.
 *	after_prepare		as above, every written node prepared.
 *	after_decision		the rows exist but are not committed: same as
 *						above, the rows vanish with the aborted transaction.
 *	after_commit		committed, nothing COMMIT PREPARED: the client sees
 *						success (or, if the AN died, a lost connection; its
 *						outcome is the AN's commit).  Healing commits every
 *						node from the rows; the backend also retries at its
 *						next connection to a node that failed.
 *	between_commit_prepared
 *						some nodes committed, others prepared: as above for
 *						the latter.  Readers may briefly see one node's
 *						part before another's: 2PC gives atomicity, not a
 *						global snapshot.
 *
 * Healing never guesses: a prepared transaction of an AN transaction that is
 * still in progress (e.g. between its steps 1 and 3 right now) is left
 * alone, and "busy" or "does not exist" answers to its COMMIT/ROLLBACK
 * PREPARED mean somebody else (this protocol's step 4 or another healer)
 * got there first.  Decision rows are garbage-collected by healing once
 * their node has no prepared transaction with that GID (txn_resolve.c).
 *
 * WHEN ONE PHASE IS ENOUGH
 *
 * If the transaction wrote to exactly one node and nothing on the AN (it has
 * no xid), that node's COMMIT alone decides the outcome: the AN has nothing
 * to commit, read-only nodes have nothing to lose, so there is no second
 * party to agree with and nothing to log.  It is the situation of a client
 * talking to one server: the only unknown is a connection lost during
 * COMMIT, reported as such (SQLSTATE 08007, transaction resolution unknown).
 * Read-only transactions, multinode.enable_2pc = off, and a read-only AN
 * (standby, READ ONLY transaction: its remote transactions are read-only
 * too) also commit in one phase and write no bookkeeping.
 *
 * The one-phase COMMIT goes out in the pre-commit callback, and PostgreSQL's
 * commit goes on afterwards (CommitTransaction in xact.c, PostgreSQL 15):
 * deferred triggers and portal cleanup have run before the callback, but
 * after it come ON COMMIT actions of temporary tables, the SERIALIZABLE
 * commit check, NOTIFY and LISTEN, and the commit record.  Whatever of that
 * can fail would leave the node committed and the AN rolled back, so one
 * phase is used only when none of it can (local_commit_may_fail):
 *
 *	- the AN transaction has no xid.  Whatever the AN writes in the
 *	  transaction takes one -- the catalog rows and foreign table of a chunk
 *	  the statement created, rows of local tables, temporary tables -- so a
 *	  single-row INSERT that creates a chunk commits in two phases, and one
 *	  into an existing chunk (the common case of small write transactions)
 *	  in one, at the cost of its node's own COMMIT and no more.  Without an
 *	  xid the commit record is not even written.
 *	- no NOTIFY, LISTEN or UNLISTEN is pending: NOTIFY takes its xid only
 *	  after the callbacks, and fails when the notification queue is full.
 *	- not SERIALIZABLE: the AN's own serialization check may doom a
 *	  transaction that wrote nothing here.
 *	- no temporary object was touched: ON COMMIT DELETE ROWS truncates at
 *	  commit, and refuses to when a foreign key stands in the way.
 *
 * In two phases, the decision rows give the AN transaction an xid and any of
 * these failures aborts it before the decision commits, so the abort path
 * rolls the prepared node back.  What other extensions' pre-commit callbacks
 * do after ours is theirs to answer for.
 *
 * MEMORY AND ERRORS AFTER THE COMMIT
 *
 * An error after the local commit would turn into a PANIC, so step 4 never
 * throws and never allocates: the GIDs and the list of nodes to finish are
 * made at pre-commit (GIDs in TopMemoryContext, as they may outlive the
 * transaction in a node's pending list; the list in TopTransactionContext,
 * which lives until after the callbacks), libpq is driven with the
 * non-throwing calls of connection.c under a deadline, and interrupts are
 * held by the caller.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "commands/async.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "catalog/catalog.h"
#include "guc.h"
#include "remote/txn_internal.h"

/* how long the commit path waits for COMMIT PREPARED, all nodes together */
#define COMMIT_PREPARED_TIMEOUT_MS 30000
/* how long the abort path and the pending retries wait for one node */
#define CLEANUP_TIMEOUT_MS 5000

#define SQLSTATE_UNDEFINED_OBJECT "42704"	/* prepared transaction does not exist */
#define SQLSTATE_OBJECT_IN_USE "55006"	/* prepared transaction is busy */

/* the nodes prepared by this transaction, in TopTransactionContext */
static List *prepared_conns = NIL;

static int
conn_name_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp(((DataNodeConn *) lfirst(a))->node_name,
				  ((DataNodeConn *) lfirst(b))->node_name);
}

/*
 * "COMMIT PREPARED '<gid>'" or "ROLLBACK PREPARED '<gid>'" into buf, without
 * allocating.  Our GIDs hold no quote or backslash (checked when made).
 */
static void
finish_sql(char *buf, size_t size, bool commit, const char *gid)
{
	snprintf(buf, size, "%s PREPARED '%s'", commit ? "COMMIT" : "ROLLBACK", gid);
}

#define FINISH_SQL_SIZE (MN_GID_SIZE + 32)

static void
release_gid(DataNodeConn *conn)
{
	if (conn->txn_gid != NULL)
		pfree(conn->txn_gid);
	conn->txn_gid = NULL;
	conn->prepare_sent = false;
	conn->prepared = false;
}

/* Leave this transaction's prepared transaction on conn for a later retry. */
static void
leave_pending(DataNodeConn *conn, bool commit)
{
	RemoteTxnGid *entry = conn->txn_gid;

	if (entry == NULL)
		return;
	entry->commit = commit;
	entry->next = conn->pending;
	conn->pending = entry;
	conn->txn_gid = NULL;
	conn->prepare_sent = false;
	conn->prepared = false;
}

/* The connections with an open remote transaction, in node-name order. */
static List *
sorted_participants(void)
{
	List	   *conns = RemoteTxnParticipants();

	list_sort(conns, conn_name_cmp);
	return conns;
}

/*
 * Check that every participant can commit; returns the list without the
 * nodes only read from whose connection was lost (a read failed over to
 * other replicas, fdw/scan.c): their transactions ended with the
 * connection and held nothing the commit needs, so they are let go.
 */
static List *
check_committable(List *conns)
{
	ListCell   *lc;

	foreach(lc, conns)
	{
		DataNodeConn *conn = lfirst(lc);

		if (!conn->xact_written &&
			(conn->xact_failed || conn->pg == NULL || conn->broken ||
			 PQstatus(conn->pg) != CONNECTION_OK))
		{
			RemoteClearQueue(conn);
			RemoteCloseConn(conn);
			conn->xact_depth = 0;
			conn->xact_failed = false;
			conns = foreach_delete_current(conns, lc);
			continue;
		}
		if (conn->xact_failed || conn->pg == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("cannot commit: the connection to data node \"%s\" was lost in this transaction",
							conn->node_name)));
		if (PQtransactionStatus(conn->pg) == PQTRANS_INERROR)
			ereport(ERROR,
					(errcode(ERRCODE_IN_FAILED_SQL_TRANSACTION),
					 errmsg("cannot commit: the transaction on data node \"%s\" was aborted",
							conn->node_name)));
	}
	return conns;
}

/*
 * Send each connection its finishing command (COMMIT for readers and in one
 * phase, PREPARE TRANSACTION for writers in two; in one phase, a held
 * INSERT by itself when it is all the node's transaction), then collect
 * every result, so that no connection stays busy, then raise the first
 * failure.
 */
static void
finish_remote_batch(List *conns, bool one_phase)
{
	ListCell   *lc;
	DataNodeConn *failed_conn = NULL;
	PGresult   *failed_res = NULL;
	const char *failed_sql = NULL;
	const char **alone = palloc0(sizeof(char *) * Max(list_length(conns), 1));

	foreach(lc, conns)
	{
		DataNodeConn *conn = lfirst(lc);

		/*
		 * What is still queued (releases, cursors to close) ends with it,
		 * unless a held command goes first (held.c): the queue then opens
		 * the remote transaction it runs in.
		 */
		if (conn->held == NULL)
		{
			list_free_deep(conn->queued);
			conn->queued = NIL;
		}
		if (!one_phase && conn->xact_written)
		{
			char	   *sql = psprintf("PREPARE TRANSACTION %s",
									   quote_literal_cstr(conn->txn_gid->gid));

			conn->prepare_sent = true;
			if (!RemoteHeldSendWith(conn, sql))
				RemoteSend(conn, sql);
		}
		else if (!conn->xact_written && !IsolationIsSerializable())
		{
			/*
			 * A node we only read from: its COMMIT goes out now, but nobody
			 * waits for the answer, which is read at the connection's next
			 * use (RemoteSettle).  Nothing depends on it: the rows read are
			 * already ours, a REPEATABLE READ transaction that wrote nothing
			 * cannot fail to commit for any reason but a lost connection,
			 * and losing it now ends that transaction just as well.  The
			 * node ends the transaction as soon as the message arrives, so
			 * no snapshot or lock outlives our commit by more than that,
			 * and the next command on the connection, this backend's next
			 * remote transaction included, is behind it on the same socket.
			 * A failure, if one comes, is a warning then.  SERIALIZABLE is
			 * excepted: a reader can be the one its commit-time check
			 * aborts, and then our commit must fail too.
			 */
			RemoteSendDeferred(conn, "COMMIT", true);
			conn->xact_depth = 0;
		}
		else if ((alone[foreach_current_index(lc)] = RemoteHeldSendAlone(conn)) == NULL &&
				 !RemoteHeldSendWith(conn, "COMMIT"))
			RemoteSend(conn, "COMMIT");
	}
	foreach(lc, conns)
	{
		DataNodeConn *conn = lfirst(lc);
		bool		preparing = !one_phase && conn->xact_written;
		const char *sql = preparing ? "PREPARE TRANSACTION" : "COMMIT";
		const char *alone_sql = alone[foreach_current_index(lc)];
		PGresult   *res;

		if (conn->deferred)
			continue;
		if (alone_sql != NULL)
			sql = alone_sql;
		res = RemoteGetResult(conn, sql);

		/* a command sent alone (held.c) answers with its own tag, committed */
		if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK &&
			(alone_sql != NULL || strcmp(PQcmdStatus(res), sql) == 0))
		{
			conn->xact_depth = 0;
			conn->xact_written = false;
			if (preparing)
			{
				conn->prepared = true;
				prepared_conns = lappend(prepared_conns, conn);
			}
			PQclear(res);
		}
		else if (failed_conn == NULL)
		{
			failed_conn = conn;
			failed_res = res;
			failed_sql = sql;
		}
		else
			PQclear(res);
	}
	if (failed_conn == NULL)
		return;

	if (failed_res != NULL && PQresultStatus(failed_res) == PGRES_COMMAND_OK)
	{
		/* COMMIT or PREPARE of an aborted transaction answers ROLLBACK */
		PQclear(failed_res);
		ereport(ERROR,
				(errcode(ERRCODE_TRANSACTION_ROLLBACK),
				 errmsg("the transaction on data node \"%s\" was rolled back", failed_conn->node_name)));
	}
	if (failed_res == NULL && one_phase && failed_conn->xact_written)
		ereport(ERROR,
				(errcode(ERRCODE_TRANSACTION_RESOLUTION_UNKNOWN),
				 errmsg("connection to data node \"%s\" was lost while committing", failed_conn->node_name),
				 errdetail("The transaction may or may not have committed on that node."),
				 errhint("Check the data before retrying; with multinode.enable_2pc on, a transaction "
						 "writing to one node only commits in one phase.")));
	RemoteReportError(ERROR, failed_conn, failed_res, failed_sql);
}

/*
 * The commit window lock.  A distributed commit that wrote to data nodes
 * holds it in share mode from before its PREPARE (or one-phase COMMIT) until
 * the end of its transaction, which is after COMMIT PREPARED went out (the
 * XACT_EVENT_COMMIT callbacks run before locks are released).
 * create_distributed_restore_point takes it exclusively: while it waits, no
 * new commit starts its window, and once it holds it none is inside one, so
 * its restore points on every node fall between the same distributed
 * transactions.  A heavyweight lock, not an LWLock: a commit waits for
 * nodes over the network while holding it, which must stay interruptible.
 * It is cluster-wide (no database in its tag) as the WAL is, in the
 * advisory lock space under a class number PostgreSQL's own advisory
 * functions (1 and 2) do not use.
 */
#define COMMIT_WINDOW_LOCK_CLASS 77
#define COMMIT_WINDOW_LOCK_KEY1 0x6d6e	/* "mn" */
#define COMMIT_WINDOW_LOCK_KEY2 0x6377	/* "cw" */

void
RemoteTxnLockCommitWindow(bool exclusive)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, InvalidOid, COMMIT_WINDOW_LOCK_KEY1, COMMIT_WINDOW_LOCK_KEY2,
						 COMMIT_WINDOW_LOCK_CLASS);
	(void) LockAcquire(&tag, exclusive ? ExclusiveLock : ShareLock, false, false);
}

/* The access node's cluster id for GIDs. */
static const char *
cluster_id(void)
{
	const char *uuid = MetadataClusterId();

	if (uuid == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot commit a distributed transaction: this database has no uuid"),
				 errhint("Reinstall the multinode extension.")));
	return uuid;
}

/*
 * Whether the local commit can still fail after the pre-commit callbacks
 * (see WHEN ONE PHASE IS ENOUGH in the header comment).
 */
static bool
local_commit_may_fail(void)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile bool notify_pending = false;

	if (TransactionIdIsValid(GetTopTransactionIdIfAny()) || IsolationIsSerializable() ||
		(MyXactFlags & XACT_FLAGS_ACCESSEDTEMPNAMESPACE) != 0)
		return true;

	/*
	 * PostgreSQL keeps its pending notifications to itself; the check that
	 * refuses to PREPARE a transaction holding some is the one way to ask.
	 * It only reads two pointers before throwing, so nothing needs undoing.
	 */
	PG_TRY();
	{
		AtPrepare_Notify();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		FlushErrorState();
		notify_pending = true;
	}
	PG_END_TRY();
	return notify_pending;
}

/*
 * Steps 1 and 2 of the protocol, at local pre-commit; or the one-phase
 * commit when that is enough.  Throws on any failure, which aborts the local
 * transaction and with it every remote one.
 */
void
RemoteTxnPreCommit(void)
{
	List	   *conns = sorted_participants();
	List	   *writers = NIL;
	ListCell   *lc;
	bool		two_phase;
	FullTransactionId fxid;
	const char *cluster;
	const char **names;
	const char **gids;
	int			n = 0;
	MemoryContext oldcxt;

	prepared_conns = NIL;
	if (conns == NIL)
		return;
	conns = check_committable(conns);

	foreach(lc, conns)
		if (((DataNodeConn *) lfirst(lc))->xact_written)
			writers = lappend(writers, lfirst(lc));

	/* no restore point may fall inside this commit (see the lock's comment) */
	if (writers != NIL)
		RemoteTxnLockCommitWindow(false);

	two_phase = mn_enable_2pc && writers != NIL &&
		!RecoveryInProgress() && !XactReadOnly &&
		(list_length(writers) > 1 || local_commit_may_fail());
	if (!two_phase)
	{
		finish_remote_batch(conns, true);
		return;
	}

	RemoteTxnFault(FAULT_BEFORE_PREPARE, false);

	/* the GIDs, made now so that the commit and abort paths need no memory */
	fxid = GetTopFullTransactionId();
	cluster = cluster_id();
	foreach(lc, writers)
	{
		DataNodeConn *conn = lfirst(lc);

		Assert(conn->txn_gid == NULL);
		conn->txn_gid = MemoryContextAllocZero(TopMemoryContext, sizeof(RemoteTxnGid));
		RemoteTxnIdFormat(conn->txn_gid->gid, cluster, MyDatabaseId, fxid,
						  conn->key.server_id, conn->key.user_id);
		if (strpbrk(conn->txn_gid->gid, "'\\") != NULL)
			elog(ERROR, "invalid GID \"%s\"", conn->txn_gid->gid);
	}

	oldcxt = MemoryContextSwitchTo(TopTransactionContext);
	if (RemoteTxnFaultArmed(FAULT_AFTER_PREPARE_SOME))
	{
		/* the first writer alone, the fault, then the rest */
		finish_remote_batch(list_make1(linitial(writers)), false);
		RemoteTxnFault(FAULT_AFTER_PREPARE_SOME, false);
		finish_remote_batch(list_delete_ptr(list_copy(conns), linitial(writers)), false);
	}
	else
		finish_remote_batch(conns, false);
	MemoryContextSwitchTo(oldcxt);

	RemoteTxnFault(FAULT_AFTER_PREPARE, false);

	names = palloc(sizeof(char *) * list_length(writers));
	gids = palloc(sizeof(char *) * list_length(writers));
	foreach(lc, writers)
	{
		DataNodeConn *conn = lfirst(lc);

		names[n] = conn->node_name;
		gids[n] = conn->txn_gid->gid;
		n++;
	}
	RemoteTxnLogWrite(n, names, gids);

	/*
	 * The local commit record is the decision, and step 4 acts on it at
	 * once: if it were still in WAL buffers when COMMIT PREPARED went out (as
	 * synchronous_commit = off allows), a crash would lose the decision rows
	 * after some node had committed, and healing would roll the others back.
	 * So this commit is flushed whatever synchronous_commit says, as
	 * PostgreSQL does for commits that cannot be undone (CREATE DATABASE).
	 */
	ForceSyncCommit();

	RemoteTxnFault(FAULT_AFTER_DECISION, false);
}

/*
 * Take the answer res (NULL: none came) to this transaction's COMMIT or
 * ROLLBACK PREPARED on conn: done, or a warning and a pending retry.  Clears
 * res; never throws.
 */
static void
finished_or_pending(DataNodeConn *conn, PGresult *res, bool commit)
{
	if (res != NULL &&
		(PQresultStatus(res) == PGRES_COMMAND_OK ||
		 RemoteResultIs(res, SQLSTATE_UNDEFINED_OBJECT) ||
		 RemoteResultIs(res, SQLSTATE_OBJECT_IN_USE)))
	{
		/* done, by us or by a healer that got there first (or is at it) */
		PQclear(res);
		release_gid(conn);
		return;
	}
	ereport(WARNING,
			(errcode(ERRCODE_CONNECTION_FAILURE),
			 commit ?
			 errmsg("could not commit prepared transaction on data node \"%s\"", conn->node_name) :
			 errmsg("could not roll back prepared transaction on data node \"%s\"", conn->node_name),
			 errdetail_internal("%s", res ? PQresultErrorMessage(res) :
								conn->pg ? PQerrorMessage(conn->pg) : "connection lost"),
			 commit ?
			 errhint("The transaction is committed; healing will finish it on the node when the node is reachable.") :
			 errhint("Healing will roll it back when the node is reachable.")));
	PQclear(res);
	if (conn->busy || conn->pg == NULL || PQstatus(conn->pg) != CONNECTION_OK)
		conn->broken = true;
	conn->busy = false;
	leave_pending(conn, commit);
}

/*
 * Step 4, after the local commit: COMMIT PREPARED on every prepared node.
 * Never throws, never allocates (see the header comment).
 */
void
RemoteTxnPostCommit(void)
{
	TimestampTz deadline;
	bool		one_at_a_time;
	bool		skip = false;
	int			i = 0;
	ListCell   *lc;

	if (prepared_conns == NIL)
		return;
	deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), COMMIT_PREPARED_TIMEOUT_MS);
	if (RemoteTxnFault(FAULT_AFTER_COMMIT, true))
		skip = true;
	one_at_a_time = RemoteTxnFaultArmed(FAULT_BETWEEN_COMMIT_PREPARED);

	foreach(lc, prepared_conns)
	{
		DataNodeConn *conn = lfirst(lc);
		char		sql[FINISH_SQL_SIZE];
		bool		sent;

		if (!skip && i == 1 && one_at_a_time && RemoteTxnFault(FAULT_BETWEEN_COMMIT_PREPARED, true))
			skip = true;
		i++;
		if (skip)
		{
			leave_pending(conn, true);
			continue;
		}
		finish_sql(sql, sizeof(sql), true, conn->txn_gid->gid);
		sent = RemoteSendQuietly(conn, sql, deadline);
		if (one_at_a_time || !sent)
			finished_or_pending(conn, sent ? RemoteGetResultQuietly(conn, deadline) : NULL, true);
	}
	if (!one_at_a_time)
		foreach(lc, prepared_conns)
		{
			DataNodeConn *conn = lfirst(lc);

			if (conn->txn_gid != NULL && conn->busy)
				finished_or_pending(conn, RemoteGetResultQuietly(conn, deadline), true);
		}
	prepared_conns = NIL;
}

/*
 * The abort path for one connection: if this transaction sent it PREPARE
 * TRANSACTION, roll the prepared transaction back (or leave that to a retry
 * and to healing when the node cannot be reached).  Never throws.  Called
 * before the plain remote ROLLBACK of txn.c.
 */
void
RemoteTxnAbortPrepared(DataNodeConn *conn)
{
	char		sql[FINISH_SQL_SIZE];
	TimestampTz deadline;

	prepared_conns = NIL;
	if (conn->txn_gid == NULL)
		return;
	if (!conn->prepare_sent)
	{
		release_gid(conn);
		return;
	}
	if (conn->busy)
	{
		/* interrupted while preparing: it may or may not have happened */
		RemoteCancelAndDrain(conn, CLEANUP_TIMEOUT_MS);
	}
	if (conn->pg != NULL && !conn->broken && PQstatus(conn->pg) == CONNECTION_OK &&
		PQtransactionStatus(conn->pg) != PQTRANS_IDLE)
	{
		/* still in the transaction: the PREPARE did not happen */
		release_gid(conn);
		return;
	}

	deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), CLEANUP_TIMEOUT_MS);
	finish_sql(sql, sizeof(sql), false, conn->txn_gid->gid);
	finished_or_pending(conn, RemoteSendQuietly(conn, sql, deadline) ?
						RemoteGetResultQuietly(conn, deadline) : NULL, false);
}

/*
 * Retry what this backend left unfinished on conn's node (the immediate heal
 * of a node that failed during commit or abort), now that a connection to it
 * works again and no remote transaction is open on it.  Warns, never throws
 * for remote failures: the healing job resolves whatever is left.
 */
void
RemoteTxnResolvePending(DataNodeConn *conn)
{
	while (conn->pending != NULL && conn->pg != NULL && !conn->broken)
	{
		RemoteTxnGid *entry = conn->pending;
		char		sql[FINISH_SQL_SIZE];
		TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), CLEANUP_TIMEOUT_MS);
		PGresult   *res;

		CHECK_FOR_INTERRUPTS();
		finish_sql(sql, sizeof(sql), entry->commit, entry->gid);
		res = RemoteSendQuietly(conn, sql, deadline) ? RemoteGetResultQuietly(conn, deadline) : NULL;
		if (res == NULL)
		{
			/* the node went away again: keep the entry, the job heals it anyway */
			conn->broken = true;
			conn->busy = false;
			break;
		}
		conn->pending = entry->next;
		if (PQresultStatus(res) == PGRES_COMMAND_OK)
			ereport(DEBUG1,
					(errmsg_internal("finished prepared transaction %s on data node \"%s\"",
									 entry->gid, conn->node_name)));
		else if (!RemoteResultIs(res, SQLSTATE_UNDEFINED_OBJECT) &&
				 !RemoteResultIs(res, SQLSTATE_OBJECT_IN_USE))
			ereport(WARNING,
					(errmsg("could not finish prepared transaction on data node \"%s\"", conn->node_name),
					 errdetail_internal("%s", PQresultErrorMessage(res)),
					 errhint("Healing will resolve it.")));
		PQclear(res);
		pfree(entry);
	}
}
