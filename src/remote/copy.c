/*-------------------------------------------------------------------------
 *
 * copy.c
 *	  COPY FROM STDIN to a data node, and COPY TO STDOUT from one, over a
 *	  non-blocking connection.
 *
 * The socket stays non-blocking: PQputCopyData only queues, and we flush
 * through RemoteFlushOutput, which waits on the latch, so a node that stops
 * reading cannot hang the backend beyond a cancel.  The protocol is split
 * into steps so that a caller can drive many nodes at once: start on all,
 * stream to each, end each, then collect each result.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "remote/connection_internal.h"

/*
 * A COPY left open on conn between calls of its owner (to stream more data
 * later) makes the connection busy.  release(arg) must end that COPY and
 * clear the holder; it is called before any other command is sent on the
 * connection.  Error recovery forgets the holder.
 */
void
RemoteConnSetHolder(DataNodeConn *conn, void (*release) (void *arg), void *arg)
{
	conn->release_fn = release;
	conn->release_arg = arg;
}

void
RemoteConnClearHolder(DataNodeConn *conn)
{
	conn->release_fn = NULL;
	conn->release_arg = NULL;
}

/* Send the COPY command; the node's answer is collected by RemoteCopyBegin. */
void
RemoteCopyStart(DataNodeConn *conn, const char *sql)
{
	RemoteSend(conn, sql);
}

/* Wait until the node is ready for COPY data; raise its error otherwise. */
void
RemoteCopyBegin(DataNodeConn *conn, const char *sql)
{
	PGresult   *res = RemoteGetResult(conn, sql);

	if (res == NULL || PQresultStatus(res) != PGRES_COPY_IN)
		RemoteReportError(ERROR, conn, res, sql);
	PQclear(res);
}

/*
 * r is what PQputCopyData or PQputCopyEnd returned: 1 queued, 0 the queue
 * is full (push some of it out, then retry), -1 the connection broke.
 */
static bool
copy_queued(DataNodeConn *conn, int r, const char *sql)
{
	if (r == 1)
		return true;
	if (r < 0)
	{
		conn->broken = true;
		RemoteReportError(ERROR, conn, NULL, sql);
	}
	RemoteFlushOutput(conn, sql);
	return false;
}

void
RemoteCopySend(DataNodeConn *conn, const char *data, int len, const char *sql)
{
	while (!copy_queued(conn, PQputCopyData(conn->pg, data, len), sql))
		;
	/* keep libpq's queue short; this returns at once when it can */
	if (PQflush(conn->pg) < 0)
	{
		conn->broken = true;
		RemoteReportError(ERROR, conn, NULL, sql);
	}
}

/*
 * Whether everything sent on conn so far has left libpq for the socket,
 * pushing out what the socket takes now, without waiting.  A caller that
 * streams to several nodes sends more to a node only when this says so (or
 * waits, with RemoteCopySend after RemoteFlushOutput, once its own buffer is
 * full), so that libpq's queue stays short and one slow node does not stall
 * the others.
 */
bool
RemoteCopyDrained(DataNodeConn *conn, const char *sql)
{
	int			r = PQflush(conn->pg);

	if (r < 0)
	{
		conn->broken = true;
		RemoteReportError(ERROR, conn, NULL, sql);
	}
	return r == 0;
}

/* Wait (through the latch) until everything sent on conn has reached the socket. */
void
RemoteCopyWaitDrained(DataNodeConn *conn, const char *sql)
{
	RemoteFlushOutput(conn, sql);
}

void
RemoteCopyEnd(DataNodeConn *conn, const char *sql)
{
	while (!copy_queued(conn, PQputCopyEnd(conn->pg, NULL), sql))
		;
	RemoteFlushOutput(conn, sql);
}

/* The COPY's final result (NULL if the connection broke); caller clears it. */
PGresult *
RemoteCopyFinish(DataNodeConn *conn, const char *sql)
{
	return RemoteGetResult(conn, sql);
}

/*
 * Send COPY ... TO STDOUT and wait until the node starts sending rows;
 * raise its error otherwise.  Read the data with RemoteCopyReceive, then
 * the final result with RemoteCopyFinish.
 */
void
RemoteCopyOutBegin(DataNodeConn *conn, const char *sql)
{
	PGresult   *res;

	RemoteSend(conn, sql);
	res = RemoteGetResult(conn, sql);
	if (res == NULL || PQresultStatus(res) != PGRES_COPY_OUT)
		RemoteReportError(ERROR, conn, res, sql);
	PQclear(res);
}

/*
 * The next COPY data message of a COPY TO STDOUT, in *buf (libpq's memory:
 * the caller PQfreemem()s it); returns its length, or -1 when the data has
 * ended.  Waits through the latch, so a cancel interrupts it.
 */
int
RemoteCopyReceive(DataNodeConn *conn, char **buf, const char *sql)
{
	for (;;)
	{
		int			n = PQgetCopyData(conn->pg, buf, 1);
		int			rc;

		if (n > 0 || n == -1)
			return n;
		if (n == -2)
		{
			conn->broken = true;
			RemoteReportError(ERROR, conn, NULL, sql);
		}
		rc = RemoteWaitConn(conn, WL_SOCKET_READABLE);
		if ((rc & WL_SOCKET_READABLE) && !PQconsumeInput(conn->pg))
		{
			conn->broken = true;
			RemoteReportError(ERROR, conn, NULL, sql);
		}
	}
}
