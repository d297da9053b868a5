/*-------------------------------------------------------------------------
 *
 * copy.c
 *	  COPY FROM STDIN to a data node over a non-blocking connection.
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

void
RemoteCopySend(DataNodeConn *conn, const char *data, int len, const char *sql)
{
	for (;;)
	{
		int			r = PQputCopyData(conn->pg, data, len);

		if (r == 1)
			break;
		if (r < 0)
		{
			conn->broken = true;
			RemoteReportError(ERROR, conn, NULL, sql);
		}
		/* 0: the queue is full; push some of it out and retry */
		RemoteFlushOutput(conn, sql);
	}
	/* keep libpq's queue short; this returns at once when it can */
	if (PQflush(conn->pg) < 0)
	{
		conn->broken = true;
		RemoteReportError(ERROR, conn, NULL, sql);
	}
}

void
RemoteCopyEnd(DataNodeConn *conn, const char *sql)
{
	for (;;)
	{
		int			r = PQputCopyEnd(conn->pg, NULL);

		if (r == 1)
			break;
		if (r < 0)
		{
			conn->broken = true;
			RemoteReportError(ERROR, conn, NULL, sql);
		}
		RemoteFlushOutput(conn, sql);
	}
	RemoteFlushOutput(conn, sql);
}

/* The COPY's final result (NULL if the connection broke); caller clears it. */
PGresult *
RemoteCopyFinish(DataNodeConn *conn, const char *sql)
{
	return RemoteGetResult(conn, sql);
}

/* Raise the node's error unless res is a successful COPY's result; clears res. */
void
RemoteCopyCheckResult(DataNodeConn *conn, PGresult *res, const char *sql)
{
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
		RemoteReportError(ERROR, conn, res, sql);
	PQclear(res);
}
