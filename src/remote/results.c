/*-------------------------------------------------------------------------
 *
 * results.c
 *	  Reading the results of one command sent to many data nodes, keeping
 *	  the first failure to raise once every result has been read.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "remote/remote.h"

/*
 * True if res is a successful command or query result (the caller then owns
 * and clears it).  Otherwise the first failure is kept in fe (later ones
 * are cleared) and false is returned.  A NULL res is a broken connection.
 */
bool
RemoteCollectResult(RemoteFirstError *fe, DataNodeConn *conn, PGresult *res, const char *sql)
{
	if (res != NULL && (PQresultStatus(res) == PGRES_COMMAND_OK ||
						PQresultStatus(res) == PGRES_TUPLES_OK))
		return true;
	if (fe->conn == NULL)
	{
		fe->conn = conn;
		fe->res = res;
		fe->sql = sql;
	}
	else
		PQclear(res);
	return false;
}

/* Raise the failure kept by RemoteCollectResult, if any. */
void
RemoteRaiseFirstError(RemoteFirstError *fe)
{
	if (fe->conn != NULL)
		RemoteReportError(ERROR, fe->conn, fe->res, fe->sql);
}
