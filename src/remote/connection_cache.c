/*-------------------------------------------------------------------------
 *
 * connection_cache.c
 *	  One connection per (data node, role) per backend, kept across
 *	  transactions.
 *
 * Entries live in CacheMemoryContext.  Changes to the foreign server, to any
 * user mapping or to roles mark entries invalidated; an invalidated or broken
 * connection is closed as soon as no remote transaction uses it (at the end
 * of the transaction, or at the next request).  Before a connection is reused
 * for a new transaction, input waiting on its socket is read, so a node that
 * restarted in between is noticed without a round trip.
 *
 * Credentials: the user mapping (for the role, else PUBLIC), else what
 * credentials.c finds for the role; DataNodeConnParams says who may use
 * what.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/reloptions.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "fdw/fdw.h"
#include "guc.h"
#include "multinode.h"
#include "remote/txn_internal.h"

static HTAB *conn_cache = NULL;

static void close_all_at_exit(int code, Datum arg);

typedef struct Invalidation
{
	int			cacheid;
	uint32		hashvalue;
} Invalidation;

static void
invalidate_one(DataNodeConn *conn, void *arg)
{
	Invalidation *inval = arg;

	/* user mappings and roles: rare, so every connection is redone */
	if (inval->cacheid != FOREIGNSERVEROID || inval->hashvalue == 0 ||
		conn->server_hashvalue == inval->hashvalue)
	{
		conn->invalidated = true;
		conn->usable = false;
	}
}

static void
invalidate_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	Invalidation inval = {cacheid, hashvalue};

	RemoteConnCacheForEachQuietly(invalidate_one, &inval);
}

static void
init_cache(void)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(ConnCacheKey);
	ctl.entrysize = sizeof(DataNodeConn);
	ctl.hcxt = CacheMemoryContext;
	conn_cache = hash_create("multinode data node connections", 16, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	CacheRegisterSyscacheCallback(FOREIGNSERVEROID, invalidate_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(USERMAPPINGOID, invalidate_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHOID, invalidate_callback, (Datum) 0);
	before_shmem_exit(close_all_at_exit, (Datum) 0);
}

void
RemoteConnCacheForEach(void (*fn) (DataNodeConn *conn, void *arg), void *arg)
{
	HASH_SEQ_STATUS scan;
	DataNodeConn *conn;
	List	   *conns = NIL;
	ListCell   *lc;

	if (conn_cache == NULL)
		return;
	/* collect first: fn may throw, and a scan must not be left open */
	hash_seq_init(&scan, conn_cache);
	while ((conn = hash_seq_search(&scan)) != NULL)
		conns = lappend(conns, conn);
	foreach(lc, conns)
		fn((DataNodeConn *) lfirst(lc), arg);
	list_free(conns);
}

/*
 * RemoteConnCacheForEach for callbacks that never throw: it makes no list,
 * so it allocates nothing, as the commit and abort paths require.
 */
void
RemoteConnCacheForEachQuietly(void (*fn) (DataNodeConn *conn, void *arg), void *arg)
{
	HASH_SEQ_STATUS scan;
	DataNodeConn *conn;

	if (conn_cache == NULL)
		return;
	hash_seq_init(&scan, conn_cache);
	while ((conn = hash_seq_search(&scan)) != NULL)
		fn(conn, arg);
}

/* how long closing a connection waits for a deferred answer still unread */
#define SETTLE_BEFORE_CLOSE_MS 1000

/*
 * Read a deferred answer before the socket closes: closing it unread makes
 * the node's kernel reset the connection, and the node log a receive error
 * for what was an orderly goodbye.
 */
static void
settle_before_close(DataNodeConn *conn)
{
	if (conn->pg != NULL && conn->deferred)
		(void) RemoteSettleQuietly(conn, TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
																	 SETTLE_BEFORE_CLOSE_MS));
}

static void
close_at_exit(DataNodeConn *conn, void *arg)
{
	settle_before_close(conn);
	RemoteCloseConn(conn);
}

/* Backend exit: every session ends with an orderly goodbye (libpq's). */
static void
close_all_at_exit(int code, Datum arg)
{
	RemoteConnCacheForEachQuietly(close_at_exit, NULL);
}

static void
close_if_stale(DataNodeConn *conn, void *arg)
{
	/* a deferred answer (a reader's COMMIT) may go unread: closing ends it */
	if (conn->pg != NULL && conn->xact_depth == 0 && (!conn->busy || conn->deferred) &&
		(conn->broken || conn->invalidated))
	{
		settle_before_close(conn);
		RemoteCloseConn(conn);
		conn->invalidated = false;
	}
}

void
RemoteConnCacheCloseStale(void)
{
	RemoteConnCacheForEachQuietly(close_if_stale, NULL);
}

static void
close_for_server(DataNodeConn *conn, void *arg)
{
	if (conn->key.server_id != *(Oid *) arg)
		return;
	conn->invalidated = true;
	close_if_stale(conn, NULL);
}

/*
 * Throw conn away: its remote session can no longer be trusted (a user's
 * text ran there).  Further use in this transaction fails; it is closed now
 * if no transaction needs it, else when the transaction ends.
 */
void
RemoteConnDiscard(DataNodeConn *conn)
{
	conn->broken = true;
	close_if_stale(conn, NULL);
}

void
CloseDataNodeConnections(Oid server_id)
{
	RemoteConnCacheForEach(close_for_server, &server_id);
}

/*
 * Check that server_id is a data node that user_id may reach now.  Throws
 * if not: unknown, not a data node, or marked unavailable.
 *
 * No USAGE privilege is asked for here: reaching a node to read or write a
 * distributed hypertable's data needs the privileges on the table (checked
 * by the executor before any node is contacted) and a way to log in, as
 * postgres_fdw asks nothing of the server for reading its foreign tables.
 * USAGE is what placing data on a node needs; CheckDataNodeUsage is that
 * check, made by the entry points that place data or run arbitrary
 * commands on a node.
 */
void
CheckDataNodeUsable(Oid server_id, Oid user_id)
{
	ForeignServer *server = GetForeignServerExtended(server_id, FSV_MISSING_OK);
	ForeignDataWrapper *fdw;

	if (server == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("data node with OID %u does not exist", server_id)));
	fdw = GetForeignDataWrapper(server->fdwid);
	if (strcmp(fdw->fdwname, MN_FDW_NAME) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("server \"%s\" is not a data node", server->servername),
				 errhint("Data nodes are foreign servers of the " MN_FDW_NAME " wrapper.")));

	if (!DataNodeOptionAvailable(server->options))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("data node \"%s\" is not available", server->servername),
				 errhint("Mark it available with alter_data_node('%s', available => true).",
						 server->servername)));
}

/*
 * Check that user_id has USAGE on the data node server_id: what placing
 * data on it (creating a distributed hypertable there, attaching it) and
 * running commands on it (distributed_exec) need.
 */
void
CheckDataNodeUsage(Oid server_id, Oid user_id)
{
	if (pg_foreign_server_aclcheck(server_id, user_id, ACL_USAGE) != ACLCHECK_OK)
	{
		const char *name = GetForeignServer(server_id)->servername;

		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for data node \"%s\"", name),
				 errhint("Grant USAGE on the data node: GRANT USAGE ON FOREIGN SERVER %s TO %s;",
						 quote_identifier(name),
						 quote_identifier(GetUserNameFromId(user_id, false)))));
	}
}

static List *
user_mapping_options(Oid server_id, Oid user_id)
{
	HeapTuple	tp;
	List	   *options = NIL;
	Datum		datum;
	bool		isnull;

	tp = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(user_id),
						 ObjectIdGetDatum(server_id));
	if (!HeapTupleIsValid(tp))
		tp = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(InvalidOid),
							 ObjectIdGetDatum(server_id));
	if (!HeapTupleIsValid(tp))
		return NIL;
	datum = SysCacheGetAttr(USERMAPPINGUSERSERVER, tp, Anum_pg_user_mapping_umoptions, &isnull);
	if (!isnull)
		options = untransformRelOptions(datum);
	ReleaseSysCache(tp);
	return options;
}

/*
 * The libpq parameters to reach server_id as user_id.
 *
 * The remote user is the mapping's "user", else the role's own name.  A
 * non-superuser must authenticate with its mapping's password (and the node
 * must ask for it) when the mapping names another user, which only a
 * superuser could have set up, or when the node is owned by a non-superuser,
 * who chose its host: the rules of postgres_fdw's check_conn_params.  The
 * access node's password file and certificates serve only nodes that a
 * superuser owns.  Throws when the password is required and missing.
 */
void
DataNodeConnParams(Oid server_id, Oid user_id, RemoteConnParams *params)
{
	ForeignServer *server = GetForeignServer(server_id);
	List	   *mapping = user_mapping_options(server_id, user_id);
	const char *role = GetUserNameFromId(user_id, false);
	const char *user = role;
	const char *password = NULL;
	bool		owner_super = superuser_arg(server->owner);
	ListCell   *lc;

	foreach(lc, server->options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		/* client certificates are the access node's to hand out */
		if (!owner_super && (strcmp(def->defname, "sslcert") == 0 ||
							 strcmp(def->defname, "sslkey") == 0))
			continue;
		if (IsDataNodeLibpqOption(def->defname))
			RemoteConnParamsAdd(params, def->defname, defGetString(def));
	}
	foreach(lc, mapping)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (strcmp(def->defname, "user") == 0)
			user = defGetString(def);
		else if (strcmp(def->defname, "password") == 0)
			password = defGetString(def);
	}

	if (!superuser_arg(user_id) && (strcmp(user, role) != 0 || !owner_super))
	{
		if (password == NULL || password[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_S_R_E_PROHIBITED_SQL_STATEMENT_ATTEMPTED),
					 errmsg("password is required to connect to data node \"%s\"", server->servername),
					 strcmp(user, role) != 0 ?
					 errdetail("The user mapping of role \"%s\" names remote user \"%s\" but gives no password.",
							   role, user) :
					 errdetail("Data node \"%s\" is owned by non-superuser \"%s\": the access node's password file and certificates are not used for it.",
							   server->servername, GetUserNameFromId(server->owner, false)),
					 errhint("Give the password in the user mapping: CREATE USER MAPPING FOR %s SERVER %s OPTIONS (password '...');",
							 quote_identifier(role), quote_identifier(server->servername))));
		params->require_password = true;
	}
	RemoteConnParamsAddCredentials(params, user, password, owner_super);
}

static DataNodeConn *
lookup_connection(Oid server_id, char **errmsg_out)
{
	Oid			user_id = GetUserId();
	ConnCacheKey key;
	DataNodeConn *conn;
	bool		found;

	if (conn_cache == NULL)
		init_cache();

	key.server_id = server_id;
	key.user_id = user_id;
	conn = hash_search(conn_cache, &key, HASH_ENTER, &found);
	if (!found)
	{
		memset((char *) conn + sizeof(ConnCacheKey), 0, sizeof(DataNodeConn) - sizeof(ConnCacheKey));
		conn->cached = true;
	}

	/*
	 * What the check reads (the server's wrapper and options) cannot change
	 * without invalidating the entry, and a planned query looks its nodes up
	 * again when it runs: once is enough until then.
	 */
	if (!conn->usable || conn->pg == NULL)
	{
		CheckDataNodeUsable(server_id, user_id);
		conn->usable = true;
	}

	/* the answer to the last transaction's COMMIT, if nobody read it yet */
	if (conn->pg != NULL && conn->deferred && conn->xact_depth == 0)
		RemoteSettle(conn);

	/*
	 * Between transactions, a connection the server closed (restart, idle
	 * timeout) shows up as readable EOF: read twice, since a farewell FATAL
	 * message may come before the EOF.  Once per local transaction: the
	 * planner's probe and the executor's use of a node are one reuse, and
	 * a session lost in between fails the first command, which is sent
	 * again on a new connection (connection.c).
	 */
	if (conn->pg != NULL && conn->xact_depth == 0 && !conn->busy &&
		conn->checked_lxid != MyProc->lxid)
	{
		conn->checked_lxid = MyProc->lxid;
		if (!PQconsumeInput(conn->pg) || !PQconsumeInput(conn->pg) ||
			PQstatus(conn->pg) != CONNECTION_OK)
			conn->broken = true;
	}
	close_if_stale(conn, NULL);

	if (conn->xact_failed || (conn->pg == NULL && conn->xact_depth > 0))
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("connection to data node \"%s\" was lost in this transaction",
						conn->node_name),
				 errhint("Roll back the transaction and retry it.")));

	if (conn->pg == NULL)
	{
		RemoteConnParams params = {NIL, NIL};
		char	   *msg = NULL;

		strlcpy(conn->node_name, GetForeignServer(server_id)->servername, NAMEDATALEN);
		conn->server_hashvalue = GetSysCacheHashValue1(FOREIGNSERVEROID,
													   ObjectIdGetDatum(server_id));
		conn->invalidated = false;
		DataNodeConnParams(server_id, user_id, &params);
		if (!RemoteConnectInto(conn, &params, &msg))
		{
			if (RemoteConnectFailureIsOutage(msg))
				DataNodeMarkSuspect(server_id, msg);
			if (errmsg_out)
			{
				*errmsg_out = msg;
				return NULL;
			}
			RemoteReportConnectFailure(conn->node_name, msg);
		}
		DataNodeClearSuspect(server_id);
	}

	/* the node is reachable: finish what an earlier commit left on it */
	if (conn->pending != NULL && conn->xact_depth == 0 && !conn->busy)
		RemoteTxnResolvePending(conn);
	return conn;
}

/*
 * Replace conn's session by a new one, for connection.c: a command that
 * started a remote transaction found the connection dead, so nothing of
 * that transaction exists on the node and the command can be sent again.
 * Returns false for a connection that is not cached; throws, as a first
 * connection does, when the node cannot be reached now.
 */
bool
RemoteConnReopen(DataNodeConn *conn)
{
	RemoteConnParams params = {NIL, NIL};
	char	   *msg = NULL;

	if (!conn->cached)
		return false;
	RemoteCloseConn(conn);
	DataNodeConnParams(conn->key.server_id, conn->key.user_id, &params);
	if (!RemoteConnectInto(conn, &params, &msg))
	{
		if (RemoteConnectFailureIsOutage(msg))
			DataNodeMarkSuspect(conn->key.server_id, msg);
		RemoteReportConnectFailure(conn->node_name, msg);
	}
	DataNodeClearSuspect(conn->key.server_id);
	return true;
}

/*
 * The connection to data node server_id for the current role, opened if
 * needed.  With a transaction mode, the remote transaction is begun (and
 * savepoints brought level with the local ones); REMOTE_TXN_WRITE also makes
 * the node a writer in the commit protocol.
 */
DataNodeConn *
GetDataNodeConnection(Oid server_id, RemoteTxnMode mode)
{
	DataNodeConn *conn = lookup_connection(server_id, NULL);

	if (mode == REMOTE_TXN_READ_ONCE)
		RemoteTxnBeginReadOnce(conn);
	else if (mode != REMOTE_TXN_NONE)
		RemoteTxnBegin(conn, mode);
	else if (conn->xact_depth > 0)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("cannot run an autocommit command on data node \"%s\" inside its open transaction",
						conn->node_name)));
	return conn;
}

/*
 * Like GetDataNodeConnection(REMOTE_TXN_NONE), but a node that cannot be
 * reached gives NULL and *errmsg instead of an error: for health reports.
 */
DataNodeConn *
TryDataNodeConnection(Oid server_id, char **errmsg_out)
{
	return lookup_connection(server_id, errmsg_out);
}
