/*-------------------------------------------------------------------------
 *
 * health.c
 *	  health() and ping_data_node(): is each data node reachable?
 *
 * These report, they do not fail: a node that is down is a row with
 * healthy = false and the error text.  Each node is checked in its own
 * subtransaction, so whatever goes wrong with one node (connection refused,
 * no privilege, node marked unavailable) is caught and reported.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "fmgr.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "dist/dist.h"
#include "guc.h"
#include "remote/remote.h"

typedef struct NodeCheck
{
	bool		healthy;
	bool		in_recovery;
	char	   *error;
} NodeCheck;

typedef struct NodeCheckArg
{
	Oid			server_id;
	NodeCheck	result;
} NodeCheckArg;

static void
check_node_body(void *arg)
{
	NodeCheckArg *a = arg;
	char	   *msg = NULL;
	DataNodeConn *conn;

	/*
	 * A node is checked for the roles that may use it as a node: reading and
	 * writing hypertables reaches a node without USAGE, a check of the node
	 * itself does not.  The refusal is reported as the node's error.
	 */
	CheckDataNodeUsage(a->server_id, GetUserId());
	conn = TryDataNodeConnection(a->server_id, &msg);
	if (conn == NULL)
		a->result.error = msg;
	else
	{
		PGresult   *res = RemoteExec(conn, "SELECT pg_catalog.pg_is_in_recovery()");

		a->result.healthy = true;
		a->result.in_recovery = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		PQclear(res);
	}
}

/* Ask one node whether it is in recovery; never throws (but for interrupts). */
static NodeCheck
check_node(Oid server_id)
{
	NodeCheckArg a = {server_id, {false, false, NULL}};
	char	   *error = RemoteCatchErrors(check_node_body, &a);

	if (error != NULL)
	{
		a.result.healthy = false;
		a.result.error = error;
	}
	return a.result;
}

PG_FUNCTION_INFO_V1(multinode_health);

/*
 * _timescaledb_internal.health(): one row for this node (node_name NULL),
 * then one per data node.
 */
Datum
multinode_health(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		values[4];
	bool		nulls[4] = {true, false, false, true};
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);

	values[1] = BoolGetDatum(true);
	values[2] = BoolGetDatum(RecoveryInProgress());
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);

	foreach(lc, GetDataNodeServerIds())
	{
		Oid			server_id = lfirst_oid(lc);
		NodeCheck	check;

		CHECK_FOR_INTERRUPTS();
		check = check_node(server_id);
		values[0] = DirectFunctionCall1(namein, CStringGetDatum(GetForeignServer(server_id)->servername));
		values[1] = BoolGetDatum(check.healthy);
		values[2] = BoolGetDatum(check.in_recovery);
		values[3] = check.error ? CStringGetTextDatum(check.error) : (Datum) 0;
		nulls[0] = false;
		nulls[2] = !check.healthy;
		nulls[3] = check.error == NULL;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(multinode_ping_data_node);

/*
 * _timescaledb_internal.ping_data_node(node_name, timeout): whether the node
 * answers, waiting at most timeout (default multinode.connect_timeout) to
 * connect.  Unknown names are an error; an unreachable node is false.
 */
Datum
multinode_ping_data_node(PG_FUNCTION_ARGS)
{
	Oid			server_id;
	int			saved_timeout = mn_connect_timeout;
	NodeCheck	check;

	server_id = GetDataNodeServerId(PG_ARGISNULL(0) ? NULL : NameStr(*PG_GETARG_NAME(0)), false);

	if (!PG_ARGISNULL(1))
	{
		Interval   *timeout = PG_GETARG_INTERVAL_P(1);
		double		secs = (double) timeout->time / USECS_PER_SEC +
			(double) timeout->day * SECS_PER_DAY + (double) timeout->month * 30 * SECS_PER_DAY;

		/* no time to answer in: not answering, as in TimescaleDB */
		if (secs <= 0)
			PG_RETURN_BOOL(false);
		mn_connect_timeout = secs < 1 ? 1 : (int) secs;
	}
	PG_TRY();
	{
		check = check_node(server_id);
	}
	PG_FINALLY();
	{
		mn_connect_timeout = saved_timeout;
	}
	PG_END_TRY();
	PG_RETURN_BOOL(check.healthy);
}

PG_FUNCTION_INFO_V1(multinode_data_node_suspects);

/*
 * _timescaledb_internal.data_node_suspects(): the data nodes this database
 * found unreachable within multinode.node_suspect_interval, which reads and
 * writes avoid until then (remote/suspect.c), with the last failure.
 */
Datum
multinode_data_node_suspects(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	foreach(lc, GetDataNodeServerIds())
	{
		Oid			server_id = lfirst_oid(lc);
		TimestampTz since;
		TimestampTz until;
		char		reason[SUSPECT_REASON_LEN];
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		if (!DataNodeIsSuspect(server_id, &since, &until, reason))
			continue;
		values[0] = DirectFunctionCall1(namein, CStringGetDatum(GetForeignServer(server_id)->servername));
		values[1] = TimestampTzGetDatum(since);
		values[2] = TimestampTzGetDatum(until);
		values[3] = CStringGetTextDatum(reason);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
