/*-------------------------------------------------------------------------
 *
 * connection.c
 *	  One libpq connection to a data node: connecting, sending commands and
 *	  waiting for their results without ever blocking uninterruptibly, and
 *	  re-raising the node's errors as our own.
 *
 * Every wait goes through the process latch, so Ctrl-C, statement_timeout
 * and postmaster death reach a backend that waits for a hung data node.  A
 * command interrupted that way leaves the connection "busy"; the transaction
 * callback cancels it and throws the connection away, because the remote
 * session's state is then unknown.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "storage/procsignal.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "guc.h"
#include "remote/connection_internal.h"

/*
 * Settings that make values round-trip exactly and make remote SQL immune to
 * the remote role's defaults: we always qualify names, and send timestamps
 * with their offsets.  Scans read their cursors to the end, so the nodes
 * should plan cursors for all rows, not the first ones.  Remote NOTICEs
 * about internal commands are noise, so only warnings and errors come back.
 * The last setting tells the data node that the access node is speaking,
 * whose DDL on member hypertables it accepts (dist/member_guard.c).
 */
static const char *const session_setup_sql =
"SET search_path = pg_catalog; SET timezone = 'UTC'; SET datestyle = ISO; "
"SET intervalstyle = postgres; SET extra_float_digits = 3; "
"SET client_min_messages = warning; SET cursor_tuple_fraction = 1.0; "
"SET multinode.access_node_session = on";

void
RemoteConnParamsAdd(RemoteConnParams *params, const char *keyword, const char *value)
{
	params->keywords = lappend(params->keywords, pstrdup(keyword));
	params->values = lappend(params->values, pstrdup(value));
}

/* Replace the value of keyword, or add it. */
void
RemoteConnParamsSet(RemoteConnParams *params, const char *keyword, const char *value)
{
	ListCell   *k,
			   *v;

	forboth(k, params->keywords, v, params->values)
	{
		if (strcmp(lfirst(k), keyword) == 0)
		{
			lfirst(v) = pstrdup(value);
			return;
		}
	}
	RemoteConnParamsAdd(params, keyword, value);
}

void
RemoteReportConnectFailure(const char *node_name, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
			 errmsg("could not connect to data node \"%s\"", node_name),
			 errdetail_internal("%s", detail),
			 errhint("Check that the data node is running and accepts connections from this host.")));
}

/*
 * Wait until the connection's socket is ready for "events", the latch is set
 * or the deadline (0: none) passes.  Interrupts are serviced, so this can
 * throw.  Returns the WaitLatchOrSocket result.
 */
static int
wait_socket(PGconn *pg, int events, TimestampTz deadline)
{
	long		timeout = -1;
	int			rc;

	events |= WL_LATCH_SET | WL_EXIT_ON_PM_DEATH;
	if (deadline != 0)
	{
		long		secs;
		int			usecs;

		TimestampDifference(GetCurrentTimestamp(), deadline, &secs, &usecs);
		timeout = secs * 1000 + usecs / 1000;
		if (timeout <= 0)
			return WL_TIMEOUT;
		events |= WL_TIMEOUT;
	}
	rc = WaitLatchOrSocket(MyLatch, events, PQsocket(pg), timeout, PG_WAIT_EXTENSION);
	if (rc & WL_LATCH_SET)
	{
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	return rc;
}

/*
 * wait_socket for an established connection, through a wait event set kept
 * with it: the latch, postmaster death and its socket.  WaitLatchOrSocket
 * would make and free an epoll set at every wait, four system calls more
 * per round trip than the one wait.  Made on first use (before any commit
 * path, which then finds it), freed when the connection is closed; made
 * again if libpq's socket is not the one it watches (a reopened session).
 */
static int
wait_conn(DataNodeConn *conn, uint32 events)
{
	pgsocket	sock = PQsocket(conn->pg);
	WaitEvent	ev;

	if (conn->wait_set != NULL && conn->wait_sock != sock)
	{
		FreeWaitEventSet(conn->wait_set);
		conn->wait_set = NULL;
	}
	if (conn->wait_set == NULL)
	{
		conn->wait_set = CreateWaitEventSet(TopMemoryContext, 3);
		AddWaitEventToSet(conn->wait_set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
		AddWaitEventToSet(conn->wait_set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
		conn->wait_pos = AddWaitEventToSet(conn->wait_set, events, sock, NULL, NULL);
		conn->wait_sock = sock;
		conn->wait_events = events;
	}
	else if (conn->wait_events != events)
	{
		ModifyWaitEvent(conn->wait_set, conn->wait_pos, events, NULL);
		conn->wait_events = events;
	}
	if (WaitEventSetWait(conn->wait_set, -1, &ev, 1, PG_WAIT_EXTENSION) == 0)
		return 0;
	if (ev.events & WL_LATCH_SET)
	{
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	return ev.events;
}

/* wait_conn for the other files of remote/ (copy.c reads COPY data) */
int
RemoteWaitConn(DataNodeConn *conn, uint32 events)
{
	return wait_conn(conn, events);
}

static char *
trimmed_error(PGconn *pg)
{
	char	   *msg = pstrdup(pg ? PQerrorMessage(pg) : "out of memory");
	int			len = strlen(msg);

	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		msg[--len] = '\0';
	return msg;
}

/* Remote WARNINGs reach the client, named after the node they came from. */
static void
notice_receiver(void *arg, const PGresult *res)
{
	DataNodeConn *conn = (DataNodeConn *) arg;
	const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	int			elevel = NOTICE;

	if (message == NULL)
		return;

	/*
	 * A node's farewell as it shuts down or restarts after a crash is sent
	 * to every session; the lost connection is dealt with where it is found
	 * (a read reads other replicas), so the client is not told twice.
	 */
	if (RemoteResultIs((PGresult *) res, "57P01") || RemoteResultIs((PGresult *) res, "57P02"))
		return;
	if (severity && strcmp(severity, "WARNING") == 0)
		elevel = WARNING;
	ereport(elevel, (errmsg_internal("[%s]: %s", conn->node_name, message)));
}

/*
 * Connect "conn" with the given libpq parameters and prepare the session.
 * Waits at most the connect timeout (the "connect_timeout" parameter, else
 * multinode.connect_timeout); libpq ignores its own timeout in non-blocking
 * mode, so it is enforced here.  On failure returns false with *errmsg set;
 * interrupts still throw.
 */
bool
RemoteConnectInto(DataNodeConn *conn, RemoteConnParams *params, char **errmsg_out)
{
	int			n;
	const char **keywords;
	const char **values;
	const char *timeout_str = RemoteConnParamsGet(params, "connect_timeout");
	int			timeout_s = timeout_str ? atoi(timeout_str) : mn_connect_timeout;
	TimestampTz deadline;
	PGconn	   *pg;
	PostgresPollingStatusType status = PGRES_POLLING_WRITING;
	PGresult   *volatile res = NULL;
	int			i = 0;
	ListCell   *k,
			   *v;

	/* sealed for this attempt only: a caller may retry with another dbname */
	params = memcpy(palloc(sizeof(RemoteConnParams)), params, sizeof(RemoteConnParams));
	params->keywords = list_copy(params->keywords);
	params->values = list_copy(params->values);
	RemoteConnParamsSeal(params);
	n = list_length(params->keywords);
	keywords = palloc0(sizeof(char *) * (n + 1));
	values = palloc0(sizeof(char *) * (n + 1));
	forboth(k, params->keywords, v, params->values)
	{
		keywords[i] = lfirst(k);
		values[i] = lfirst(v);
		i++;
	}
	if (timeout_s <= 0)
		timeout_s = mn_connect_timeout;
	deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_s * 1000);

	pg = RemoteConnectStart(keywords, values);
	if (pg == NULL || PQstatus(pg) == CONNECTION_BAD)
	{
		*errmsg_out = RemoteConnectFailureDetail(params, trimmed_error(pg));
		PQfinish(pg);
		return false;
	}

	PG_TRY();
	{
		while (status != PGRES_POLLING_OK && status != PGRES_POLLING_FAILED)
		{
			int			rc = wait_socket(pg, status == PGRES_POLLING_READING ?
										 WL_SOCKET_READABLE : WL_SOCKET_WRITEABLE,
										 deadline);

			if (rc & WL_TIMEOUT)
				break;
			if (rc & (WL_SOCKET_READABLE | WL_SOCKET_WRITEABLE))
				status = PQconnectPoll(pg);
		}
	}
	PG_CATCH();
	{
		PQfinish(pg);
		PG_RE_THROW();
	}
	PG_END_TRY();

	if (status != PGRES_POLLING_OK)
	{
		if (status == PGRES_POLLING_FAILED)
			*errmsg_out = RemoteConnectFailureDetail(params, trimmed_error(pg));
		else
			*errmsg_out = psprintf("timeout expired after %d seconds connecting to host \"%s\", port %s",
							   timeout_s,
							   RemoteConnParamsGet(params, "host") ? RemoteConnParamsGet(params, "host") : "(default)",
							   RemoteConnParamsGet(params, "port") ? RemoteConnParamsGet(params, "port") : "(default)");
		PQfinish(pg);
		return false;
	}

	/*
	 * A role that may not use the access node's own standing with the node
	 * (trust, peer) must have been asked for its password, as postgres_fdw
	 * requires of non-superusers.
	 */
	if (params->require_password && !PQconnectionUsedPassword(pg))
	{
		PQfinish(pg);
		ereport(ERROR,
				(errcode(ERRCODE_S_R_E_PROHIBITED_SQL_STATEMENT_ATTEMPTED),
				 errmsg("password is required to connect to data node \"%s\"", conn->node_name),
				 errdetail("The data node did not ask for the password, and a non-superuser may only connect with a password here."),
				 errhint("Make the data node ask for a password (pg_hba.conf), or have a superuser own the data node and leave out the \"user\" option of the user mapping.")));
	}

	conn->pg = pg;
	conn->busy = false;
	conn->broken = false;
	PQsetNoticeReceiver(pg, notice_receiver, conn);
	if (PQsetnonblocking(pg, 1) != 0)
	{
		*errmsg_out = trimmed_error(pg);
		RemoteCloseConn(conn);
		return false;
	}

	/*
	 * The session set-up.  The node may close the connection right here (it
	 * is shutting down, or dropped us after login): that is a failed
	 * connect, not an error.  Nothing returns from inside the PG_TRY block,
	 * which would leave the exception stack pointing at a dead frame.
	 */
	PG_TRY();
	{
		RemoteSend(conn, session_setup_sql);
		res = RemoteGetResult(conn, session_setup_sql);
	}
	PG_CATCH();
	{
		RemoteCloseConn(conn);
		PG_RE_THROW();
	}
	PG_END_TRY();

	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		*errmsg_out = res ? pstrdup(PQresultErrorMessage(res)) : trimmed_error(pg);
		PQclear(res);
		RemoteCloseConn(conn);
		return false;
	}
	PQclear(res);
	return true;
}

/*
 * Open a connection that is not cached (maintenance databases, bootstrap).
 * Returns NULL with *errmsg set when errmsg is given; throws otherwise.
 */
DataNodeConn *
RemoteConnect(const char *node_name, RemoteConnParams *params, char **errmsg_out)
{
	DataNodeConn *conn = MemoryContextAllocZero(TopMemoryContext, sizeof(DataNodeConn));
	char	   *msg = NULL;

	strlcpy(conn->node_name, node_name, NAMEDATALEN);
	if (RemoteConnectInto(conn, params, &msg))
		return conn;
	pfree(conn);
	if (errmsg_out)
	{
		*errmsg_out = msg;
		return NULL;
	}
	RemoteReportConnectFailure(node_name, msg);
}

void
RemoteCloseConn(DataNodeConn *conn)
{
	if (conn->wait_set)
		FreeWaitEventSet(conn->wait_set);
	conn->wait_set = NULL;
	if (conn->pg)
		PQfinish(conn->pg);
	conn->pg = NULL;
	conn->busy = false;
	conn->broken = false;
	conn->deferred = false;
	conn->pipeline = false;
	RemoteStmtCacheFree(conn);
}

void
RemoteDisconnect(DataNodeConn *conn)
{
	if (conn == NULL)
		return;
	Assert(!conn->cached);
	RemoteCloseConn(conn);
	pfree(conn);
}

PGconn *
RemoteConnPG(DataNodeConn *conn)
{
	return conn->pg;
}

/*
 * The settings every session gets at connect time, as SQL; for putting back
 * a session that ran a user's text.
 */
const char *
RemoteSessionSetupSQL(void)
{
	return session_setup_sql;
}

const char *
RemoteConnNodeName(DataNodeConn *conn)
{
	return conn->node_name;
}

bool
RemoteConnIsBusy(DataNodeConn *conn)
{
	return conn->busy;
}

static void
check_usable(DataNodeConn *conn, const char *sql)
{
	if (conn->pg == NULL || conn->broken || PQstatus(conn->pg) != CONNECTION_OK)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("connection to data node \"%s\" was lost", conn->node_name),
				 sql ? errcontext("remote SQL command: %s", sql) : 0));
	RemoteSettle(conn);
	if (conn->pg == NULL || conn->broken)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("connection to data node \"%s\" was lost", conn->node_name),
				 sql ? errcontext("remote SQL command: %s", sql) : 0));
	if (conn->busy && conn->release_fn != NULL)
	{
		/* a COPY left open by its holder: have it ended first */
		void		(*release) (void *arg) = conn->release_fn;

		conn->release_fn = NULL;
		release(conn->release_arg);
	}
	if (conn->busy)
		elog(ERROR, "connection to data node \"%s\" is busy with another command",
			 conn->node_name);
	/* a command held for the commit goes first: what follows must see it */
	if (conn->held != NULL)
		RemoteHeldFlush(conn);
}

void
RemoteCheckUsable(DataNodeConn *conn, const char *sql)
{
	check_usable(conn, sql);
}

/* Push out everything libpq buffered, waiting (interruptibly) as needed. */
void
RemoteFlushOutput(DataNodeConn *conn, const char *sql)
{
	for (;;)
	{
		int			r = PQflush(conn->pg);
		int			rc;

		if (r == 0)
			return;
		if (r < 0)
			RemoteReportError(ERROR, conn, NULL, sql);
		rc = wait_conn(conn, WL_SOCKET_WRITEABLE | WL_SOCKET_READABLE);
		if ((rc & WL_SOCKET_READABLE) && !PQconsumeInput(conn->pg))
			RemoteReportError(ERROR, conn, NULL, sql);
	}
}

/*
 * Statements queued on a connection (txn.c: the remote transaction's START
 * TRANSACTION, savepoints, releases; scan.c: cursors to close) travel with
 * the next command sent on it instead of costing a round trip each: in the
 * same Query message when that command is plain SQL, in one libpq pipeline
 * ending in one Sync when it has parameters.  Their results are read, and
 * their failures reported under their own text, before the command's.  The
 * queue lives in TopMemoryContext; whoever ends the remote transaction
 * empties it.
 */
void
RemoteQueueStatement(DataNodeConn *conn, const char *sql)
{
	MemoryContext old;

	/* the queue goes ahead of a held command, so nothing may overtake it */
	if (conn->held != NULL)
		RemoteHeldFlush(conn);
	old = MemoryContextSwitchTo(TopMemoryContext);

	conn->queued = lappend(conn->queued, pstrdup(sql));
	MemoryContextSwitchTo(old);
}

/* Forget the queue and what was sent of it.  Never throws, never allocates. */
void
RemoteClearQueue(DataNodeConn *conn)
{
	list_free_deep(conn->queued);
	conn->queued = NIL;
	list_free_deep(conn->sent_queued);
	conn->sent_queued = NIL;
	conn->begin_pending = false;
	conn->read_once = false;
	conn->retry_sql = NULL;		/* its memory ends with the transaction */
}

static void keep_for_retry(DataNodeConn *conn, const char *sql, const CommandParams *params);

/* The queue is on its way: keep it for error reports until the next send. */
static void
queue_sent(DataNodeConn *conn)
{
	list_free_deep(conn->sent_queued);
	conn->sent_queued = conn->queued;
	conn->queued = NIL;
	conn->begin_pending = false;
	conn->error_sql[0] = '\0';
}

void
RemoteSend(DataNodeConn *conn, const char *sql)
{
	const char *text = sql;

	check_usable(conn, sql);
	list_free_deep(conn->sent_queued);
	conn->sent_queued = NIL;
	conn->error_sql[0] = '\0';
	conn->then_failed_sql = NULL;
	conn->retry_sql = NULL;
	if (conn->queued != NIL)
	{
		StringInfoData buf;
		ListCell   *lc;

		initStringInfo(&buf);
		foreach(lc, conn->queued)
			appendStringInfo(&buf, "%s; ", (char *) lfirst(lc));
		appendStringInfoString(&buf, sql);
		text = buf.data;
	}
	if (!PQsendQuery(conn->pg, text))
		RemoteReportError(ERROR, conn, NULL, sql);
	keep_for_retry(conn, text, NULL);
	if (conn->queued != NIL)
	{
		queue_sent(conn);
		pfree((char *) text);
	}
	conn->busy = true;
	RemoteFlushOutput(conn, sql);
}

/*
 * A command that carries the remote transaction's START TRANSACTION is the
 * first of the transaction on the node (so is a read in the node's implicit
 * transaction, RemoteTxnBeginReadOnce).  A node backend that is exiting
 * (terminated, restarting) can leave a socket that looked alive when the
 * connection was taken from the cache; if the command finds it dead, nothing
 * of the transaction exists on the node, so RemoteGetResult sends it once
 * more on a new connection.  Kept until the next transaction at most.
 */
static void
keep_for_retry(DataNodeConn *conn, const char *sql, const CommandParams *params)
{
	MemoryContext old;
	bool		first = conn->begin_pending || conn->read_once;

	conn->retry_sql = NULL;
	conn->read_once = false;
	if (!first || !conn->cached)
		return;
	old = MemoryContextSwitchTo(TopTransactionContext);
	conn->retry_sql = pstrdup(sql);
	conn->retry_params = RemoteCopyParams(params);
	MemoryContextSwitchTo(old);
}

/* A copy of params (NULL: none) in the current memory context. */
CommandParams *
RemoteCopyParams(const CommandParams *params)
{
	CommandParams *copy = palloc0(sizeof(CommandParams));
	int			n = params ? params->nparams : 0;
	int			i;

	copy->nparams = n;
	copy->result_format = params ? params->result_format : 0;
	copy->values = palloc0(sizeof(char *) * Max(n, 1));
	if (n > 0 && params->types)
		copy->types = memcpy(palloc(sizeof(Oid) * n), params->types, sizeof(Oid) * n);
	if (n > 0 && params->formats)
	{
		copy->formats = memcpy(palloc(sizeof(int) * n), params->formats, sizeof(int) * n);
		copy->lengths = memcpy(palloc(sizeof(int) * n), params->lengths, sizeof(int) * n);
	}
	for (i = 0; i < n; i++)
	{
		const char *v = params->values[i];

		if (v == NULL)
			continue;
		if (copy->formats && copy->formats[i] == 1)
			copy->values[i] = memcpy(palloc(Max(copy->lengths[i], 1)), v, copy->lengths[i]);
		else
			copy->values[i] = pstrdup(v);
	}
	if (params && params->then_sql)
		copy->then_sql = pstrdup(params->then_sql);
	return copy;
}

/* PQsendQueryParams of sql with params (NULL: none) */
static bool
send_query_params(DataNodeConn *conn, const char *sql, const CommandParams *params)
{
	if (params == NULL)
		return PQsendQueryParams(conn->pg, sql, 0, NULL, NULL, NULL, NULL, 0);
	return PQsendQueryParams(conn->pg, sql, params->nparams, params->types,
							 (const char *const *) params->values, params->lengths,
							 params->formats, params->result_format);
}

/*
 * The queued statements, sql with its parameters and the statement to
 * follow it (params->then_sql), as one pipeline: one Sync, so one round
 * trip.  A failure of libpq here leaves the connection in an unknown state,
 * so it is marked broken.
 */
static bool
pipeline_of(DataNodeConn *conn, List *queued, const char *sql, const CommandParams *params)
{
	ListCell   *lc;
	bool		ok = PQenterPipelineMode(conn->pg);

	foreach(lc, queued)
		ok = ok && send_query_params(conn, lfirst(lc), NULL);
	ok = ok && send_query_params(conn, sql, params);
	if (params && params->then_sql)
		ok = ok && send_query_params(conn, params->then_sql, NULL);
	return ok && PQpipelineSync(conn->pg);
}

static void
send_pipeline(DataNodeConn *conn, const char *sql, const CommandParams *params)
{
	if (!pipeline_of(conn, conn->queued, sql, params))
	{
		conn->broken = true;
		RemoteReportError(ERROR, conn, NULL, sql);
	}
	keep_for_retry(conn, sql, params);
	conn->pipeline = true;
	queue_sent(conn);
}

/* sql with parameters, behind the queued statements when there are any */
static void
send_params(DataNodeConn *conn, const char *sql, const CommandParams *params)
{
	check_usable(conn, sql);
	list_free_deep(conn->sent_queued);
	conn->sent_queued = NIL;
	conn->error_sql[0] = '\0';
	conn->then_failed_sql = NULL;
	conn->retry_sql = NULL;
	/* a pipeline's retry sends the parameters again */
	if (conn->queued != NIL || params->then_sql != NULL || conn->read_once)
		send_pipeline(conn, sql, params);
	else if (!send_query_params(conn, sql, params))
		RemoteReportError(ERROR, conn, NULL, sql);
	conn->busy = true;
	RemoteFlushOutput(conn, sql);
}

void
RemoteSendParams(DataNodeConn *conn, const char *sql, int nparams, const char *const *values)
{
	CommandParams params = {.nparams = nparams, .values = (char **) values};

	send_params(conn, sql, &params);
}

CommandParams
RemoteTypedParams(int nparams, const Oid *types, const char *const *values, const int *lengths,
				  const int *formats)
{
	CommandParams params = {
		.nparams = nparams,
		.types = (Oid *) types,
		.values = (char **) values,
		.lengths = (int *) lengths,
		.formats = (int *) formats,
	};

	return params;
}

/*
 * As RemoteSendParams, followed in the same round trip by then_sql, a
 * statement without parameters (a cursor's first FETCH after its DECLARE).
 * The result read is then_sql's, or the first failure.
 */
void
RemoteSendParamsThen(DataNodeConn *conn, const char *sql, int nparams, const char *const *values,
					 const char *then_sql)
{
	CommandParams params = {.nparams = nparams, .values = (char **) values, .then_sql = then_sql};

	send_params(conn, sql, &params);
}

/*
 * As RemoteSendParams, with the parameters' types and, per parameter, its
 * length and format (formats NULL: all text; lengths only read for binary
 * ones).  The caller vouches that binary values are in the send format of a
 * type whose OID is the same on the node (a built-in one).
 */
void
RemoteSendTypedParams(DataNodeConn *conn, const char *sql, int nparams, const Oid *types,
					  const char *const *values, const int *lengths, const int *formats)
{
	CommandParams params = RemoteTypedParams(nparams, types, values, lengths, formats);

	send_params(conn, sql, &params);
}

/*
 * As RemoteSendTypedParams, for a command the caller may send again with
 * other parameter values (types NULL: the node infers them).  Text seen
 * before on the connection runs as a named prepared statement
 * (stmt_cache.c): its Parse, when the node does not hold it yet, goes in
 * the same pipeline as its Bind and Execute, behind the queued statements.
 * The result reads as RemoteSendParams's: the command's own.
 */
void
RemoteSendCached(DataNodeConn *conn, const char *sql, int nparams, const Oid *types,
				 const char *const *values, const int *lengths, const int *formats)
{
	CommandParams params = RemoteTypedParams(nparams, types, values, lengths, formats);

	RemoteSendCachedThen(conn, sql, &params, NULL);
}

/*
 * RemoteSendCached of a query without parameters whose rows are to come in
 * binary once it is a prepared statement (a first sighting still goes as a
 * plain Query message, in text): the caller vouches that every column's
 * type is the same on the node (a built-in one) and reads each value by the
 * result's format, binary ones with the type's receive function.
 */
void
RemoteSendCachedBinary(DataNodeConn *conn, const char *sql)
{
	CommandParams params = {.result_format = 1};

	RemoteSendCachedThen(conn, sql, &params, NULL);
}

/*
 * RemoteSendCached, followed in the same pipeline, before its one Sync, by
 * the plain command then_sql (NULL: none): the held INSERT and the COMMIT
 * or PREPARE TRANSACTION that ends its transaction (held.c).  The result
 * read is then_sql's, or the first failure: the node skips what follows a
 * failure up to the Sync, and an error of sql is reported under sql's text.
 * Never sent again on a new connection (keep_for_retry): with then_sql the
 * node may have committed before the connection was lost.
 */
void
RemoteSendCachedThen(DataNodeConn *conn, const char *sql, const CommandParams *params,
					 const char *then_sql)
{
	RemoteStmt *stmt;
	bool		deallocate;
	bool		ok;
	int			nres;
	ListCell   *lc;

	check_usable(conn, sql);
	stmt = RemoteStmtLookup(conn, sql, &deallocate);
	if (then_sql == NULL && stmt == NULL)
	{
		/*
		 * queued statements and all in one Query message when it can be
		 * (rows in text then, whatever result_format asks: a one-off text)
		 */
		if (params->nparams == 0)
			RemoteSend(conn, sql);
		else
			send_params(conn, sql, params);
		return;
	}
	list_free_deep(conn->sent_queued);
	conn->sent_queued = NIL;
	conn->error_sql[0] = '\0';
	conn->then_failed_sql = NULL;
	conn->retry_sql = NULL;

	ok = PQenterPipelineMode(conn->pg);
	foreach(lc, conn->queued)
		ok = ok && send_query_params(conn, lfirst(lc), NULL);
	nres = list_length(conn->queued);
	if (stmt != NULL && deallocate)
	{
		ok = ok && send_query_params(conn, "DEALLOCATE ALL", NULL);
		nres++;
	}
	if (stmt != NULL && !stmt->prepared)
	{
		ok = ok && PQsendPrepare(conn->pg, stmt->name, sql, params->nparams, params->types);
		conn->parsing = stmt;
		conn->parse_result = nres++;
	}
	if (stmt != NULL)
		ok = ok && PQsendQueryPrepared(conn->pg, stmt->name, params->nparams,
									   (const char *const *) params->values, params->lengths,
									   params->formats, params->result_format);
	else
		ok = ok && send_query_params(conn, sql, params);
	if (then_sql != NULL)
	{
		ok = ok && send_query_params(conn, then_sql, NULL);
		conn->then_result = nres + 1;
		conn->then_after_sql = sql;
	}
	ok = ok && PQpipelineSync(conn->pg);
	if (!ok)
	{
		conn->parsing = NULL;
		conn->then_result = 0;
		conn->broken = true;
		RemoteReportError(ERROR, conn, NULL, then_sql ? then_sql : sql);
	}
	/* a retry on a new session sends the text as the unnamed statement */
	if (then_sql == NULL)
		keep_for_retry(conn, sql, params);
	conn->pipeline = true;
	queue_sent(conn);
	conn->busy = true;
	RemoteFlushOutput(conn, then_sql ? then_sql : sql);
}

/*
 * Send sql and do not wait for its result: it is read at the connection's
 * next use (RemoteSettle), when it has long arrived.  For commands whose
 * answer nobody needs now (the COMMIT of a remote transaction that only
 * read).  With warn_only its failure is then a warning, else an error.
 */
void
RemoteSendDeferred(DataNodeConn *conn, const char *sql, bool warn_only)
{
	RemoteSend(conn, sql);
	conn->busy = false;
	conn->deferred = true;
	conn->deferred_warns = warn_only;
	strlcpy(conn->deferred_sql, sql, sizeof(conn->deferred_sql));
}

/*
 * Read the result of a deferred command, if one is in flight.  Waits
 * interruptibly; interrupted, the connection stays busy and the abort path
 * cancels and closes it.  A lost connection is only marked broken: the
 * caller decides whether that is an error.
 */
void
RemoteSettle(DataNodeConn *conn)
{
	PGresult   *res;

	if (!conn->deferred)
		return;
	conn->deferred = false;
	conn->busy = true;
	res = RemoteGetResult(conn, conn->deferred_sql);
	if (res == NULL)
	{
		conn->broken = true;
		return;
	}
	if (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK)
		PQclear(res);
	else if (conn->deferred_warns &&
			 (RemoteResultIs(res, "57P01") || RemoteResultIs(res, "57P02") ||
			  RemoteResultIs(res, "57P03")))
	{
		/* the node shutting down is a connection lost, told beforehand */
		PQclear(res);
		conn->broken = true;
	}
	else
		RemoteReportError(conn->deferred_warns ? WARNING : ERROR, conn, res, conn->deferred_sql);
}

/*
 * RemoteSettle for the commit and abort paths: never throws, gives up at
 * the deadline.  Returns false (the connection marked broken) if the
 * result did not come; its failure is ignored, the caller's command being
 * a rollback or the like.
 */
bool
RemoteSettleQuietly(DataNodeConn *conn, TimestampTz deadline)
{
	PGresult   *res;

	if (!conn->deferred)
		return true;
	conn->deferred = false;
	conn->busy = true;
	res = RemoteGetResultQuietly(conn, deadline);
	if (res == NULL)
	{
		conn->busy = false;
		conn->broken = true;
		return false;
	}
	PQclear(res);
	return true;
}

/*
 * Wait for the command in flight and return its last result (earlier ones
 * of a multi-statement string are discarded; an error ends the string).  A
 * result in a COPY state is returned at once, leaving the connection busy.
 * Returns NULL if the connection broke.  The caller PQclear()s the result.
 *
 * A failure of a statement queued ahead of the command (RemoteSend) is
 * noted in error_sql, so that RemoteReportError names that statement.  A
 * pipeline (parameters behind queued statements) is read up to its Sync,
 * skipping the results that its first failure aborted, and then left.
 */
static PGresult *
get_result(DataNodeConn *conn)
{
	PGresult   *volatile last = NULL;
	int			nres = 0;
	bool		prev_null = false;

	PG_TRY();
	{
		for (;;)
		{
			PGresult   *res;
			ExecStatusType st;

			while (PQisBusy(conn->pg))
			{
				int			rc = wait_conn(conn, WL_SOCKET_READABLE);

				if ((rc & WL_SOCKET_READABLE) && !PQconsumeInput(conn->pg))
				{
					conn->broken = true;
					break;
				}
			}
			if (conn->broken)
			{
				PQclear(last);
				last = NULL;
				break;
			}
			res = PQgetResult(conn->pg);
			if (res == NULL)
			{
				/* in a pipeline, NULL ends one query's results, not all */
				if (!conn->pipeline || prev_null || PQstatus(conn->pg) != CONNECTION_OK)
					break;
				prev_null = true;
				continue;
			}
			prev_null = false;
			st = PQresultStatus(res);
			if (st == PGRES_PIPELINE_SYNC)
			{
				PQclear(res);
				break;
			}
			if (conn->parsing != NULL && nres == conn->parse_result)
			{
				/* the answer to a prepared statement's Parse */
				RemoteStmtParsed(conn->parsing, st == PGRES_COMMAND_OK);
				conn->parsing = NULL;
			}
			if (st == PGRES_PIPELINE_ABORTED)
			{
				PQclear(res);
				nres++;
				continue;
			}
			/* keep the first error: later results of the string are not run */
			if (last != NULL && PQresultStatus(last) == PGRES_FATAL_ERROR)
				PQclear(res);
			else
			{
				if (st == PGRES_FATAL_ERROR && nres < list_length(conn->sent_queued))
					strlcpy(conn->error_sql, list_nth(conn->sent_queued, nres),
							sizeof(conn->error_sql));
				else if (st == PGRES_FATAL_ERROR && nres < conn->then_result)
					conn->then_failed_sql = conn->then_after_sql;
				PQclear(last);
				last = res;
			}
			nres++;
			if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH)
				break;
		}
	}
	PG_CATCH();
	{
		conn->parsing = NULL;
		conn->then_result = 0;
		PQclear(last);
		PG_RE_THROW();
	}
	PG_END_TRY();

	conn->parsing = NULL;
	conn->then_result = 0;
	if (conn->pipeline && !conn->broken)
	{
		conn->pipeline = false;
		if (PQpipelineStatus(conn->pg) != PQ_PIPELINE_OFF && !PQexitPipelineMode(conn->pg))
			conn->broken = true;
	}
	if (last == NULL || (PQresultStatus(last) != PGRES_COPY_IN &&
						 PQresultStatus(last) != PGRES_COPY_OUT &&
						 PQresultStatus(last) != PGRES_COPY_BOTH))
		conn->busy = false;
	if (PQstatus(conn->pg) != CONNECTION_OK)
		conn->broken = true;
	return last;
}

PGresult *
RemoteGetResult(DataNodeConn *conn, const char *sql)
{
	PGresult   *res = get_result(conn);

	if (conn->retry_sql != NULL && conn->broken && !conn->busy)
	{
		/* the first command of the transaction met a dead session: once more */
		char	   *retry_sql = conn->retry_sql;
		bool		pipeline = conn->pipeline;
		List	   *queued = conn->sent_queued;

		conn->retry_sql = NULL;
		PQclear(res);
		res = NULL;
		if (RemoteConnReopen(conn))
		{
			if (pipeline ? pipeline_of(conn, queued, retry_sql, conn->retry_params) :
				PQsendQuery(conn->pg, retry_sql))
			{
				conn->pipeline = pipeline;
				conn->busy = true;
				RemoteFlushOutput(conn, sql);
				res = get_result(conn);
			}
			else
				conn->broken = true;
		}
	}
	conn->retry_sql = NULL;
	/* the queued statements' results came first: later reads are the command's */
	list_free_deep(conn->sent_queued);
	conn->sent_queued = NIL;
	return res;
}

static PGresult *
check_result(DataNodeConn *conn, PGresult *res, const char *sql)
{
	if (res == NULL ||
		(PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK))
		RemoteReportError(ERROR, conn, res, sql);
	return res;
}

PGresult *
RemoteExec(DataNodeConn *conn, const char *sql)
{
	RemoteSend(conn, sql);
	return check_result(conn, RemoteGetResult(conn, sql), sql);
}

PGresult *
RemoteExecParams(DataNodeConn *conn, const char *sql, int nparams, const char *const *values)
{
	RemoteSendParams(conn, sql, nparams, values);
	return check_result(conn, RemoteGetResult(conn, sql), sql);
}

/* The first column of the first row of a query's result; NULL if none. */
char *
RemoteExecValue(DataNodeConn *conn, const char *sql, int nparams, const char *const *values)
{
	PGresult   *res = RemoteExecParams(conn, sql, nparams, values);
	char	   *value = NULL;

	if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		value = pstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return value;
}

void
RemoteExecCommand(DataNodeConn *conn, const char *sql)
{
	PQclear(RemoteExec(conn, sql));
}

/*
 * Run the same command on several connections at once: send to all, then
 * collect every result, so no connection is left busy; then raise the first
 * failure, if any.
 */
void
RemoteExecOnAll(List *conns, const char *sql)
{
	ListCell   *lc;
	DataNodeConn *failed_conn = NULL;
	PGresult   *failed_res = NULL;

	foreach(lc, conns)
		RemoteSend((DataNodeConn *) lfirst(lc), sql);

	foreach(lc, conns)
	{
		DataNodeConn *conn = lfirst(lc);
		PGresult   *res = RemoteGetResult(conn, sql);

		if (res != NULL &&
			(PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK))
			PQclear(res);
		else if (failed_conn == NULL)
		{
			failed_conn = conn;
			failed_res = res;
		}
		else
			PQclear(res);
	}
	if (failed_conn)
		RemoteReportError(ERROR, failed_conn, failed_res, sql);
}

/*
 * Wait without servicing interrupts, for the abort paths: they must not
 * throw, and interrupts are held there anyway.
 */
static bool
wait_quietly(DataNodeConn *conn, int events, TimestampTz deadline)
{
	long		secs;
	int			usecs;
	int			rc;

	TimestampDifference(GetCurrentTimestamp(), deadline, &secs, &usecs);
	if (secs * 1000 + usecs / 1000 <= 0)
		return false;
	rc = WaitLatchOrSocket(MyLatch, events | WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						   PQsocket(conn->pg), secs * 1000 + usecs / 1000, PG_WAIT_EXTENSION);
	if (rc & WL_LATCH_SET)
		ResetLatch(MyLatch);

	/*
	 * Interrupts are held here (abort and post-commit paths), so the barrier
	 * DROP DATABASE waits for would not be absorbed before the deadline; and
	 * a node on this instance may be running the DROP DATABASE we wait for.
	 */
	if (ProcSignalBarrierPending)
		ProcessProcSignalBarrier();
	return true;
}

/*
 * Read every result of the command in flight, without throwing.  Returns
 * false if the connection failed or the deadline passed.  *all_ok says
 * whether every result succeeded; with keep, the first failed result (else
 * the last one) is handed to the caller instead of being cleared.
 */
static bool
drain_quietly(DataNodeConn *conn, TimestampTz deadline, bool *all_ok, PGresult **keep)
{
	PGresult   *res;

	*all_ok = true;
	for (;;)
	{
		bool		failed = false;

		while (PQisBusy(conn->pg))
		{
			if (!wait_quietly(conn, WL_SOCKET_READABLE, deadline) || !PQconsumeInput(conn->pg))
				return false;
		}
		res = PQgetResult(conn->pg);
		if (res == NULL)
			return true;
		switch (PQresultStatus(res))
		{
			case PGRES_COMMAND_OK:
			case PGRES_TUPLES_OK:
				break;
			case PGRES_COPY_IN:
				PQputCopyEnd(conn->pg, "transaction aborted");
				failed = true;
				break;
			case PGRES_COPY_OUT:
			case PGRES_COPY_BOTH:
				PQclear(res);
				return false;
			default:
				failed = true;
				break;
		}
		if (keep != NULL && (*all_ok || *keep == NULL))
		{
			/* keep the first failure, or else the latest success */
			PQclear(*keep);
			*keep = res;
		}
		else
			PQclear(res);
		if (failed)
			*all_ok = false;
	}
}

/*
 * Send a command without throwing, for the commit and abort paths.  Returns
 * false (and marks the connection broken when it is) if it could not be
 * sent by the deadline.
 */
bool
RemoteSendQuietly(DataNodeConn *conn, const char *sql, TimestampTz deadline)
{
	if (conn->pg != NULL && !RemoteSettleQuietly(conn, deadline))
		return false;
	if (conn->pg == NULL || conn->broken || conn->busy || PQstatus(conn->pg) != CONNECTION_OK)
		return false;
	if (!PQsendQuery(conn->pg, sql))
	{
		conn->broken = PQstatus(conn->pg) != CONNECTION_OK;
		return false;
	}
	conn->busy = true;
	for (;;)
	{
		int			r = PQflush(conn->pg);

		if (r == 0)
			return true;
		if (r < 0 || !wait_quietly(conn, WL_SOCKET_WRITEABLE, deadline))
		{
			conn->broken = true;
			return false;
		}
	}
}

/*
 * The result of a command sent with RemoteSendQuietly: its first failed
 * result, else its last one.  NULL if the connection failed or the deadline
 * passed; the connection is then marked broken.  Never throws.  The caller
 * PQclear()s the result.
 */
PGresult *
RemoteGetResultQuietly(DataNodeConn *conn, TimestampTz deadline)
{
	PGresult   *res = NULL;
	bool		ok;

	if (conn->pg == NULL || !conn->busy)
		return NULL;
	if (!drain_quietly(conn, deadline, &ok, &res))
	{
		PQclear(res);
		conn->broken = true;
		return NULL;
	}
	conn->busy = false;
	if (PQstatus(conn->pg) != CONNECTION_OK)
		conn->broken = true;
	return res;
}

/* Whether res is an error with the given SQLSTATE. */
bool
RemoteResultIs(PGresult *res, const char *sqlstate)
{
	const char *code = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return code != NULL && strcmp(code, sqlstate) == 0;
}

/*
 * Run a cleanup command (ROLLBACK and friends) without throwing, giving up
 * after timeout_ms.  Returns whether it succeeded; on false the caller should
 * throw the connection away.
 */
bool
RemoteExecCleanup(DataNodeConn *conn, const char *sql, int timeout_ms)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_ms);
	bool		ok;

	if (conn->pg != NULL && !RemoteSettleQuietly(conn, deadline))
		return false;
	if (conn->pg == NULL || conn->broken || conn->busy || PQstatus(conn->pg) != CONNECTION_OK)
		return false;
	if (!PQsendQuery(conn->pg, sql))
		return false;
	for (;;)
	{
		int			r = PQflush(conn->pg);

		if (r == 0)
			break;
		if (r < 0 || !wait_quietly(conn, WL_SOCKET_WRITEABLE, deadline))
			return false;
	}
	if (!drain_quietly(conn, deadline, &ok, NULL))
		return false;
	return ok;
}

/*
 * Stop the command in flight, if any: ask the node to cancel it and discard
 * what it still sends, all within timeout_ms, even against a node that
 * never answers.  Marks the connection broken if that does not finish in
 * time.  Never throws.
 */
void
RemoteCancelAndDrain(DataNodeConn *conn, int timeout_ms)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_ms);
	bool		ok;

	if (conn->pg == NULL || !conn->busy)
		return;
	if (!RemoteSendCancel(conn->pg, deadline) || !drain_quietly(conn, deadline, &ok, NULL))
		conn->broken = true;
	/* the rest of an interrupted pipeline is not worth sorting out */
	if (conn->pipeline)
		conn->broken = true;
	conn->busy = false;
}

/*
 * Raise (or log at elevel) an error that happened on a data node, keeping the
 * node's SQLSTATE, detail and hint, and saying which node and which command.
 * Clears res.  A NULL res means the connection itself failed.
 */
void
RemoteReportError(int elevel, DataNodeConn *conn, PGresult *res, const char *sql)
{
	char	   *sqlstate = NULL;
	char	   *primary = NULL;
	char	   *detail = NULL;
	char	   *hint = NULL;
	char	   *context = NULL;
	int			code = ERRCODE_CONNECTION_FAILURE;

#define COPY_FIELD(f) (PQresultErrorField(res, (f)) ? pstrdup(PQresultErrorField(res, (f))) : NULL)
	if (res != NULL)
	{
		sqlstate = COPY_FIELD(PG_DIAG_SQLSTATE);
		primary = COPY_FIELD(PG_DIAG_MESSAGE_PRIMARY);
		detail = COPY_FIELD(PG_DIAG_MESSAGE_DETAIL);
		hint = COPY_FIELD(PG_DIAG_MESSAGE_HINT);
		context = COPY_FIELD(PG_DIAG_CONTEXT);
		PQclear(res);
	}
#undef COPY_FIELD
	if (conn->error_sql[0] != '\0')
	{
		/* a statement queued ahead of sql failed (RemoteGetResult) */
		sql = pstrdup(conn->error_sql);
		conn->error_sql[0] = '\0';
	}
	else if (conn->then_failed_sql != NULL)
	{
		/* the command that then_sql followed failed (RemoteSendCachedThen) */
		sql = conn->then_failed_sql;
	}
	conn->then_failed_sql = NULL;
	if (sqlstate && strlen(sqlstate) == 5)
		code = MAKE_SQLSTATE(sqlstate[0], sqlstate[1], sqlstate[2], sqlstate[3], sqlstate[4]);

	if (primary == NULL)
	{
		char	   *libpq_msg = trimmed_error(conn->pg);

		if (conn->pg == NULL || PQstatus(conn->pg) != CONNECTION_OK)
			conn->broken = true;
		ereport(elevel,
				(errcode(code),
				 errmsg("could not communicate with data node \"%s\"", conn->node_name),
				 errdetail_internal("%s", libpq_msg),
				 sql ? errcontext("data node \"%s\", remote SQL command: %s", conn->node_name, sql) : 0));
		return;
	}

	ereport(elevel,
			(errcode(code),
			 errmsg_internal("[%s]: %s", conn->node_name, primary),
			 detail ? errdetail_internal("%s", detail) : 0,
			 hint ? errhint("%s", hint) : 0,
			 context ? errcontext("%s", context) : 0,
			 sql ? errcontext("data node \"%s\", remote SQL command: %s", conn->node_name, sql) : 0));
}

/*
 * Run fn(arg) in an internal subtransaction.  Returns NULL when it
 * succeeded; else the error's message, the error being swallowed and the
 * subtransaction rolled back.  For reports that show a node's failure as
 * data instead of failing themselves (health, healing, the in-doubt view).
 */
char *
RemoteCatchErrors(void (*fn) (void *arg), void *arg)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	char	   *volatile error = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		if (RemoteErrorIsInterrupt(edata))
			ReThrowError(edata);
		error = edata->message;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcxt);
	CurrentResourceOwner = oldowner;
	return error;
}

/*
 * Whether a caught error is this backend being interrupted (Ctrl-C,
 * statement_timeout, lock_timeout, shutdown, recovery conflicts): such an
 * error must end the statement, whatever the catcher would do with an
 * ordinary failure.  A data node's own errors of the same classes (a node
 * shutting down) are ordinary failures of that node: they are raised by
 * RemoteReportError.
 */
bool
RemoteErrorIsInterrupt(ErrorData *edata)
{
	if (edata->funcname != NULL && strcmp(edata->funcname, "RemoteReportError") == 0)
		return false;
	return ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_OPERATOR_INTERVENTION ||
		edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE ||
		edata->sqlerrcode == ERRCODE_T_R_SERIALIZATION_FAILURE ||
		edata->sqlerrcode == ERRCODE_T_R_DEADLOCK_DETECTED;
}

/*
 * Whether a caught error says a data node is gone, not that a statement
 * failed: no connection could be made, the connection was lost, or the
 * node reported that it is shutting down or crashed.  Reads may then be
 * answered by another replica.  Never true for this backend's interrupts.
 */
bool
RemoteErrorIsNodeFailure(ErrorData *edata)
{
	if (RemoteErrorIsInterrupt(edata))
		return false;
	if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_CONNECTION_EXCEPTION)
		return true;
	return edata->funcname != NULL && strcmp(edata->funcname, "RemoteReportError") == 0 &&
		(edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN ||
		 edata->sqlerrcode == ERRCODE_CRASH_SHUTDOWN ||
		 edata->sqlerrcode == ERRCODE_CANNOT_CONNECT_NOW);
}
