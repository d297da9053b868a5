/*-------------------------------------------------------------------------
 *
 * txn_resolve.c
 *	  Healing: resolving the prepared transactions that the commit protocol
 *	  (txn_2pc.c) left on a data node, and listing them for operators.
 *
 * For one node, healing lists the node's prepared transactions whose GID
 * carries this access node's cluster and database (nothing else is ever
 * touched) and decides each from the GID and the decision log alone:
 *
 *	AN transaction still in progress						leave it alone
 *	ended, and its decision row exists						COMMIT PREPARED
 *	ended without a row (aborted, crashed, or so old that
 *	the commit log no longer knows)							ROLLBACK PREPARED
 *
 * Only the row commits, never the xid's commit status: after an AN crash an
 * xid that never reached the AN's WAL is handed out again, and the new
 * transaction with the old number may well commit, but it never writes a
 * row for the old GID (writing to the same node it would need the same GID,
 * and PREPARE TRANSACTION refuses a GID in use).  An xid at or above the
 * AN's next xid is such a lost one: rolled back at once.  Whether the
 * transaction ended is read before the rows, and the rows with a fresh
 * snapshot, so a transaction that commits during the check is not taken for
 * one that ended without a row.  A row is only removed once its node no
 * longer has the prepared transaction (see below), so "no row" after the
 * end is final.  xids are full 64-bit ones, so wraparound cannot make an
 * old GID look recent.
 *
 * Healing runs on a dedicated connection, outside any remote transaction of
 * the caller (COMMIT PREPARED cannot run inside a transaction block), as the
 * calling role.  It holds a lock on the data node's foreign server (session
 * level, self-conflicting), so healers of one node take turns and a node is
 * not deleted under one; it does not keep committing transactions out, and
 * does not need to: "busy" (the committing backend is finishing it) and
 * "does not exist" (somebody finished it first) are normal answers.  A
 * failure on one transaction is a warning and the run goes on; a node that
 * cannot be reached is a warning and nothing is resolved.
 *
 * Afterwards healing garbage-collects the node's decision rows that are no
 * longer needed: rows of transactions that had ended before the node was
 * listed and whose GID is no longer prepared there.  Run every minute by the
 * built-in job, this keeps the log at about a minute's worth of commits.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_foreign_server.h"
#include "fmgr.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/procarray.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "catalog/catalog.h"
#include "fdw/fdw.h"
#include "multinode.h"
#include "remote/txn_internal.h"

/* how long one COMMIT/ROLLBACK PREPARED of healing may take */
#define RESOLVE_TIMEOUT_MS 30000
/* the xid is the 4th ':'-separated field of a GID (txn_id.c) */
#define GID_XID_FIELD 4

typedef enum HealAction
{
	HEAL_COMMIT,
	HEAL_ROLLBACK,
	HEAL_WAIT,
} HealAction;

static const char *const action_names[] = {"commit", "rollback", "wait"};

/* One of our prepared transactions on a node. */
typedef struct InDoubt
{
	char	   *gid;
	char	   *prepared;		/* pg_prepared_xacts.prepared, as text */
	char	   *owner;
	FullTransactionId fxid;		/* the AN transaction */
	HealAction	action;
	bool		gone;			/* no longer prepared on the node */
} InDoubt;

/* What a look at one node found. */
typedef struct NodeScan
{
	DataNodeConn *conn;			/* open, dedicated; NULL if the node failed */
	List	   *items;			/* InDoubt * */
	char	   *error;			/* why conn is NULL */
} NodeScan;

static ForeignServer *
data_node_server(Oid server_id)
{
	ForeignServer *server = GetForeignServerExtended(server_id, FSV_MISSING_OK);

	if (server == NULL ||
		strcmp(GetForeignDataWrapper(server->fdwid)->fdwname, MN_FDW_NAME) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("data node with OID %u does not exist", server_id)));
	if (pg_foreign_server_aclcheck(server_id, GetUserId(), ACL_USAGE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for data node \"%s\"", server->servername)));
	return server;
}

static const char *
our_prefix(void)
{
	const char *cluster = MetadataClusterId();

	if (cluster == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("this database has no multinode uuid")));
	return RemoteTxnIdPrefix(cluster, MyDatabaseId);
}

typedef struct ScanArg
{
	ForeignServer *server;
	const char *prefix;
	NodeScan   *scan;
} ScanArg;

static void
scan_node_body(void *arg)
{
	ScanArg    *a = arg;
	NodeScan   *scan = a->scan;
	RemoteConnParams params = {NIL, NIL};
	const char *values[1] = {a->prefix};
	char	   *msg = NULL;
	PGresult   *res;
	int			i;

	DataNodeConnParams(a->server->serverid, GetUserId(), &params);
	scan->conn = RemoteConnect(a->server->servername, &params, &msg);
	if (scan->conn == NULL)
	{
		scan->error = msg;
		return;
	}
	res = RemoteExecParams(scan->conn,
						   "SELECT gid, prepared, owner FROM pg_catalog.pg_prepared_xacts "
						   " WHERE database = pg_catalog.current_database() "
						   "   AND pg_catalog.starts_with(gid, $1) ORDER BY prepared, gid",
						   1, values);
	for (i = 0; i < PQntuples(res); i++)
	{
		InDoubt    *item;
		RemoteTxnId id;

		if (!RemoteTxnIdParse(PQgetvalue(res, i, 0), &id))
			continue;			/* has our prefix but not our shape: not ours */
		item = palloc0(sizeof(InDoubt));
		item->gid = pstrdup(PQgetvalue(res, i, 0));
		item->prepared = pstrdup(PQgetvalue(res, i, 1));
		item->owner = pstrdup(PQgetvalue(res, i, 2));
		item->fxid = id.fxid;
		item->action = HEAL_WAIT;
		scan->items = lappend(scan->items, item);
	}
	PQclear(res);
}

/*
 * Connect to the node and list our prepared transactions there.  Whatever
 * goes wrong with the node becomes scan->error (with scan->conn NULL)
 * instead of an error.
 */
static void
scan_node(ForeignServer *server, const char *prefix, NodeScan *scan)
{
	ScanArg		a = {server, prefix, scan};
	char	   *error;

	scan->conn = NULL;
	scan->items = NIL;
	scan->error = NULL;
	if (!DataNodeOptionAvailable(server->options))
	{
		scan->error = psprintf("data node \"%s\" is not available", server->servername);
		return;
	}
	error = RemoteCatchErrors(scan_node_body, &a);
	if (error != NULL)
	{
		if (scan->conn != NULL)
			RemoteDisconnect(scan->conn);
		scan->conn = NULL;
		scan->items = NIL;
		scan->error = error;
	}
}

/*
 * Whether the AN transaction fxid may still commit: HEAL_WAIT while it runs,
 * HEAL_ROLLBACK if it was lost in a crash (at or past the next xid: every
 * live or committed xid is below it), else HEAL_COMMIT, meaning "ended: the
 * decision row decides".
 */
static HealAction
xact_state(FullTransactionId fxid)
{
	FullTransactionId next = ReadNextFullTransactionId();

	if (FullTransactionIdFollowsOrEquals(fxid, next))
		return HEAL_ROLLBACK;
	/* a running xid is within 2^31 of the next one; beyond that it ended */
	if (U64FromFullTransactionId(next) - U64FromFullTransactionId(fxid) < ((uint64) 1 << 31) &&
		TransactionIdIsInProgress(XidFromFullTransactionId(fxid)))
		return HEAL_WAIT;
	return HEAL_COMMIT;
}

/* Decide every item of a scan: first whether it ended, then its row. */
static void
decide_all(List *items)
{
	int			n = list_length(items);
	char	  **gids;
	bool	   *has_row;
	int			i = 0;
	ListCell   *lc;

	if (n == 0)
		return;
	foreach(lc, items)
	{
		InDoubt    *item = lfirst(lc);

		item->action = xact_state(item->fxid);
	}
	gids = palloc(sizeof(char *) * n);
	has_row = palloc(sizeof(bool) * n);
	foreach(lc, items)
		gids[i++] = ((InDoubt *) lfirst(lc))->gid;
	RemoteTxnLogLookup(n, gids, has_row);
	i = 0;
	foreach(lc, items)
	{
		InDoubt    *item = lfirst(lc);

		if (item->action == HEAL_COMMIT && !has_row[i])
			item->action = HEAL_ROLLBACK;
		i++;
	}
}

/*
 * Carry out one decision.  Returns whether this call resolved the
 * transaction; sets item->gone when it is no longer prepared (by us or by
 * somebody else).  Returns false with the connection broken when the node
 * went away.  Never throws for remote failures.
 */
static bool
resolve_one(DataNodeConn *conn, InDoubt *item)
{
	const char *sql = psprintf("%s PREPARED %s", item->action == HEAL_COMMIT ? "COMMIT" : "ROLLBACK",
							   quote_literal_cstr(item->gid));
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), RESOLVE_TIMEOUT_MS);
	PGresult   *res;
	bool		resolved = false;

	res = RemoteSendQuietly(conn, sql, deadline) ? RemoteGetResultQuietly(conn, deadline) : NULL;
	if (res == NULL)
	{
		ereport(WARNING,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("lost the connection to data node \"%s\" while healing", conn->node_name),
				 errdetail_internal("%s", conn->pg ? PQerrorMessage(conn->pg) : "")));
		conn->broken = true;
		return false;
	}
	if (PQresultStatus(res) == PGRES_COMMAND_OK)
		item->gone = resolved = true;
	else if (RemoteResultIs(res, "42704"))
		item->gone = true;		/* finished by somebody else */
	else if (!RemoteResultIs(res, "55006"))	/* busy: being finished now */
		ereport(WARNING,
				(errmsg("could not %s a prepared transaction on data node \"%s\"",
						item->action == HEAL_COMMIT ? "commit" : "roll back", conn->node_name),
				 errdetail_internal("Prepared transaction %s: %s", item->gid,
									PQresultErrorMessage(res)),
				 errhint("Healing as a superuser, or as the role that prepared it, resolves it.")));
	PQclear(res);
	return resolved;
}

/*
 * Heal one data node (see the header comment).  Returns how many prepared
 * transactions were resolved.  Errors only for a bad argument.  If in_doubt
 * is not NULL it gets how many of ours are still prepared on the node
 * afterwards (left alone, busy, or failed), or -1 if the node could not be
 * looked at: delete_data_node needs to know whether removing the node would
 * orphan them.
 */
int
RemoteTxnHealDataNode(Oid server_id, int *in_doubt)
{
	ForeignServer *server = data_node_server(server_id);
	const char *prefix = our_prefix();
	LOCKTAG		tag;
	volatile int resolved = 0;
	NodeScan	scan = {NULL, NIL, NULL};

	if (in_doubt != NULL)
		*in_doubt = -1;
	SET_LOCKTAG_OBJECT(tag, MyDatabaseId, ForeignServerRelationId, server_id, 0);
	(void) LockAcquire(&tag, ShareUpdateExclusiveLock, true, false);
	PG_TRY();
	{
		/* before listing the node: see RemoteTxnLogCollect */
		char	   *horizon = RemoteTxnLogHorizon();
		List	   *keep = NIL;
		ListCell   *lc;
		bool		connected;

		scan_node(server, prefix, &scan);
		if (scan.conn == NULL)
			ereport(WARNING,
					(errcode(ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
					 errmsg("could not heal data node \"%s\"", server->servername),
					 errdetail_internal("%s", scan.error),
					 errhint("Healing will be tried again when the node is reachable.")));
		else
		{
			decide_all(scan.items);
			connected = true;
			foreach(lc, scan.items)
			{
				InDoubt    *item = lfirst(lc);

				CHECK_FOR_INTERRUPTS();
				if (connected && item->action != HEAL_WAIT)
				{
					if (resolve_one(scan.conn, item))
						resolved++;
					connected = !scan.conn->broken;
				}
				if (!item->gone)
					keep = lappend(keep, item->gid);
			}
			if (connected && in_doubt != NULL)
				*in_doubt = list_length(keep);
			if (connected)
			{
				char	  **keep_arr = palloc(sizeof(char *) * Max(list_length(keep), 1));
				int			i = 0;

				foreach(lc, keep)
					keep_arr[i++] = lfirst(lc);
				(void) RemoteTxnLogCollect(server->servername, prefix, GID_XID_FIELD, horizon,
										   i, keep_arr);
			}
		}
	}
	PG_FINALLY();
	{
		if (scan.conn != NULL)
			RemoteDisconnect(scan.conn);
		LockRelease(&tag, ShareUpdateExclusiveLock, true);
	}
	PG_END_TRY();
	return resolved;
}

PG_FUNCTION_INFO_V1(multinode_remote_txn_heal_data_node);

/* _timescaledb_internal.remote_txn_heal_data_node(foreign_server_id oid) */
Datum
multinode_remote_txn_heal_data_node(PG_FUNCTION_ARGS)
{
	/*
	 * It commits and rolls back prepared transactions on the node, which a
	 * transaction block's ROLLBACK could not undo.  Not PreventInTransaction-
	 * Block itself, which refuses any call from a function and any
	 * subtransaction: heal_all_data_nodes (and the jobs that run it) calls
	 * it in one subtransaction per node, which IsTransactionBlock counts as
	 * a block.  So a call straight inside BEGIN ... COMMIT is refused.
	 */
	if (IsTransactionBlock() && !IsSubTransaction())
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("remote_txn_heal_data_node cannot run inside a transaction block"),
				 errdetail("It commits and rolls back transactions on the data node, which a rollback here could not undo."),
				 errhint("Run it outside BEGIN ... COMMIT.")));
	PG_RETURN_INT32(RemoteTxnHealDataNode(PG_GETARG_OID(0), NULL));
}

PG_FUNCTION_INFO_V1(multinode_remote_txn_in_doubt);

/*
 * _timescaledb_internal.remote_txn_in_doubt(foreign_server_id oid): our
 * prepared transactions on the node and what healing would do with each; a
 * node that cannot be looked at is one row with the error.
 */
Datum
multinode_remote_txn_in_doubt(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ForeignServer *server;
	NodeScan	scan;
	Datum		values[6];
	bool		nulls[6];
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	server = data_node_server(PG_GETARG_OID(0));
	scan_node(server, our_prefix(), &scan);
	if (scan.conn != NULL)
		RemoteDisconnect(scan.conn);

	memset(nulls, true, sizeof(nulls));
	values[0] = DirectFunctionCall1(namein, CStringGetDatum(server->servername));
	nulls[0] = false;
	if (scan.conn == NULL)
	{
		values[5] = CStringGetTextDatum(scan.error ? scan.error : "unknown error");
		nulls[5] = false;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		return (Datum) 0;
	}
	decide_all(scan.items);
	foreach(lc, scan.items)
	{
		InDoubt    *item = lfirst(lc);

		values[1] = CStringGetTextDatum(item->gid);
		values[2] = DirectFunctionCall3(timestamptz_in, CStringGetDatum(item->prepared),
										ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
		values[3] = DirectFunctionCall1(namein, CStringGetDatum(item->owner));
		values[4] = CStringGetTextDatum(action_names[item->action]);
		nulls[1] = nulls[2] = nulls[3] = nulls[4] = false;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
