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
	if (conn->pg)
		PQfinish(conn->pg);
	conn->pg = NULL;
	conn->busy = false;
	conn->broken = false;
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
		rc = wait_socket(conn->pg, WL_SOCKET_WRITEABLE | WL_SOCKET_READABLE, 0);
		if ((rc & WL_SOCKET_READABLE) && !PQconsumeInput(conn->pg))
			RemoteReportError(ERROR, conn, NULL, sql);
	}
}

void
RemoteSend(DataNodeConn *conn, const char *sql)
{
	check_usable(conn, sql);
	if (!PQsendQuery(conn->pg, sql))
		RemoteReportError(ERROR, conn, NULL, sql);
	conn->busy = true;
	RemoteFlushOutput(conn, sql);
}

void
RemoteSendParams(DataNodeConn *conn, const char *sql, int nparams, const char *const *values)
{
	check_usable(conn, sql);
	if (!PQsendQueryParams(conn->pg, sql, nparams, NULL, values, NULL, NULL, 0))
		RemoteReportError(ERROR, conn, NULL, sql);
	conn->busy = true;
	RemoteFlushOutput(conn, sql);
}

/*
 * Wait for the command in flight and return its last result (earlier ones
 * of a multi-statement string are discarded; an error ends the string).  A
 * result in a COPY state is returned at once, leaving the connection busy.
 * Returns NULL if the connection broke.  The caller PQclear()s the result.
 */
PGresult *
RemoteGetResult(DataNodeConn *conn, const char *sql)
{
	PGresult   *volatile last = NULL;

	PG_TRY();
	{
		for (;;)
		{
			PGresult   *res;
			ExecStatusType st;

			while (PQisBusy(conn->pg))
			{
				int			rc = wait_socket(conn->pg, WL_SOCKET_READABLE, 0);

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
				break;
			st = PQresultStatus(res);
			/* keep the first error: later results of the string are not run */
			if (last != NULL && PQresultStatus(last) == PGRES_FATAL_ERROR)
				PQclear(res);
			else
			{
				PQclear(last);
				last = res;
			}
			if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH)
				break;
		}
	}
	PG_CATCH();
	{
		PQclear(last);
		PG_RE_THROW();
	}
	PG_END_TRY();

	if (last == NULL || (PQresultStatus(last) != PGRES_COPY_IN &&
						 PQresultStatus(last) != PGRES_COPY_OUT &&
						 PQresultStatus(last) != PGRES_COPY_BOTH))
		conn->busy = false;
	if (PQstatus(conn->pg) != CONNECTION_OK)
		conn->broken = true;
	return last;
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
