/*-------------------------------------------------------------------------
 *
 * data_node.c
 *	  add_data_node, delete_data_node and alter_data_node.
 *
 * A data node is a foreign server of timescaledb_fdw on the access node plus
 * a claim on the node: the node's _timescaledb_catalog.metadata records the
 * access node's uuid as its dist_uuid, so it cannot join a second cluster.
 * add_data_node does every remote step first (database, extension, checks,
 * claim) and the local catalog step last; when a step fails, what it made on
 * the node is undone before the error reaches the user.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_database.h"
#include "catalog/pg_foreign_server.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "postmaster/postmaster.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/resowner.h"
#include "utils/syscache.h"

#include "catalog/catalog.h"
#include "dist/dist.h"
#include "fdw/fdw.h"
#include "multinode.h"
#include "remote/remote.h"

#define CLEANUP_TIMEOUT_MS 5000
/* DROP DATABASE checkpoints and waits up to 5 s for sessions it terminated */
#define DROP_DATABASE_TIMEOUT_MS 30000

static int
name_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp(lfirst(a), lfirst(b));
}

static Oid
fdw_oid(void)
{
	return GetForeignDataWrapperByName(MN_FDW_NAME, false)->fdwid;
}

/*
 * OIDs of every data node of this database, in name order so that anything
 * done "on all nodes" happens in a stable order.
 */
List *
GetDataNodeServerIds(void)
{
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *names = NIL;
	List	   *ids = NIL;
	ListCell   *lc;
	Oid			fdw = fdw_oid();

	rel = table_open(ForeignServerRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_foreign_server srv = (Form_pg_foreign_server) GETSTRUCT(tup);

		if (srv->srvfdw == fdw)
			names = lappend(names, pstrdup(NameStr(srv->srvname)));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	list_sort(names, name_cmp);
	foreach(lc, names)
		ids = lappend_oid(ids, GetForeignServerByName(lfirst(lc), false)->serverid);
	return ids;
}

/*
 * The server OID of the data node called node_name; InvalidOid if missing_ok
 * and there is none.  A server of another wrapper is not a data node, and
 * naming one is an error even when missing_ok.  The messages are
 * TimescaleDB's: scripts written for it match on them.
 */
Oid
GetDataNodeServerId(const char *node_name, bool missing_ok)
{
	ForeignServer *server;

	if (node_name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("data node name cannot be NULL")));
	server = GetForeignServerByName(node_name, true);
	if (server == NULL)
	{
		if (missing_ok)
			return InvalidOid;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("server \"%s\" does not exist", node_name),
				 errhint("The data nodes are listed in timescaledb_information.data_nodes.")));
	}
	if (server->fdwid != fdw_oid())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("data node \"%s\" is not a TimescaleDB server", node_name)));
	return server->serverid;
}

void
RequireAccessNode(const char *what)
{
	DistRole	role = GetDistRole();

	if (role == DIST_ROLE_ACCESS_NODE)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("%s can only run on an access node", what),
			 role == DIST_ROLE_DATA_NODE ?
			 errdetail("This database is a data node of a distributed database.") :
			 errdetail("This database has no data nodes."),
			 role == DIST_ROLE_DATA_NODE ?
			 errhint("Run it on the access node.") :
			 errhint("Add data nodes with add_data_node() first.")));
}

static void
require_fdw_usage(const char *what)
{
	if (!superuser() &&
		pg_foreign_data_wrapper_aclcheck(fdw_oid(), GetUserId(), ACL_USAGE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to %s", what),
				 errdetail("Managing data nodes requires superuser or USAGE on the foreign-data wrapper " MN_FDW_NAME "."),
				 errhint("GRANT USAGE ON FOREIGN DATA WRAPPER " MN_FDW_NAME " TO %s;",
						 quote_identifier(GetUserNameFromId(GetUserId(), false)))));
}

static void
require_server_owner(Oid server_id, const char *node_name)
{
	if (!pg_foreign_server_ownercheck(server_id, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_FOREIGN_SERVER, node_name);
}

static void
check_prepared_transactions(DataNodeConn *conn, const char *node_name)
{
	char	   *value = RemoteExecValue(conn, "SELECT pg_catalog.current_setting('max_prepared_transactions')",
									 0, NULL);

	if (value == NULL || atoi(value) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("data node \"%s\" does not allow prepared transactions", node_name),
				 errdetail("max_prepared_transactions is 0 on the data node; distributed transactions need two-phase commit."),
				 errhint("Set max_prepared_transactions to a value greater than 0 (150 is recommended) in the data node's postgresql.conf and restart it.")));
}

/*
 * Parameters to reach a node given by add_data_node's arguments, as the
 * current role.  The node will be the caller's: a non-superuser chose its
 * host, so (as for the nodes it owns) it gets none of the access node's
 * credentials and must authenticate with the password it gives.
 */
static RemoteConnParams
bootstrap_params(const char *node_name, const char *host, int port, const char *password)
{
	RemoteConnParams params = {NIL, NIL};
	bool		super = superuser();

	if (!super && (password == NULL || password[0] == '\0'))
		ereport(ERROR,
				(errcode(ERRCODE_S_R_E_PROHIBITED_SQL_STATEMENT_ATTEMPTED),
				 errmsg("password is required to add data node \"%s\"", node_name),
				 errdetail("A non-superuser connects to a data node only with a password of its own; the access node's password file and certificates are not used."),
				 errhint("Give the password with add_data_node(..., password => ...).")));
	RemoteConnParamsAdd(&params, "host", host);
	RemoteConnParamsAdd(&params, "port", psprintf("%d", port));
	params.require_password = !super;
	RemoteConnParamsAddCredentials(&params, GetUserNameFromId(GetUserId(), false), password, super);
	return params;
}

/*
 * Connect to a maintenance database of the node: postgres, else template1 when
 * postgres does not exist.  Returns NULL with *errmsg_out set if given, else
 * throws.
 */
static DataNodeConn *
connect_maintenance(const char *node_name, RemoteConnParams *params, char **errmsg_out)
{
	static const char *const maintenance_dbs[] = {"postgres", "template1"};
	char	   *first_error = NULL;
	int			i;

	for (i = 0; i < lengthof(maintenance_dbs); i++)
	{
		DataNodeConn *conn;
		char	   *msg = NULL;

		RemoteConnParamsSet(params, "dbname", maintenance_dbs[i]);
		conn = RemoteConnect(node_name, params, &msg);
		if (conn)
			return conn;
		if (first_error == NULL)
			first_error = msg;
		/* only a missing database is worth another try */
		if (strstr(msg, psprintf("database \"%s\" does not exist", maintenance_dbs[i])) == NULL)
			break;
	}
	if (errmsg_out)
	{
		*errmsg_out = first_error;
		return NULL;
	}
	RemoteReportConnectFailure(node_name, first_error);
}

/*
 * Make sure the node has the database, with this database's encoding and
 * collation.  Returns whether it was created here.
 */
static bool
bootstrap_database(DataNodeConn *conn, const char *node_name, const char *dbname)
{
	const char *params[1] = {dbname};
	PGresult   *res;
	HeapTuple	tup;
	Form_pg_database dbform;
	const char *encoding = GetDatabaseEncodingName();
	char	   *collate;
	char	   *ctype;
	bool		isnull;
	Datum		datum;

	tup = SearchSysCache1(DATABASEOID, ObjectIdGetDatum(MyDatabaseId));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for database %u", MyDatabaseId);
	dbform = (Form_pg_database) GETSTRUCT(tup);
	(void) dbform;
	datum = SysCacheGetAttr(DATABASEOID, tup, Anum_pg_database_datcollate, &isnull);
	collate = TextDatumGetCString(datum);
	datum = SysCacheGetAttr(DATABASEOID, tup, Anum_pg_database_datctype, &isnull);
	ctype = TextDatumGetCString(datum);
	ReleaseSysCache(tup);

	res = RemoteExecParams(conn,
						   "SELECT pg_catalog.pg_encoding_to_char(encoding), datcollate, datctype "
						   "FROM pg_catalog.pg_database WHERE datname OPERATOR(pg_catalog.=) $1",
						   1, params);
	if (PQntuples(res) > 0)
	{
		bool		same = strcmp(PQgetvalue(res, 0, 0), encoding) == 0 &&
			strcmp(PQgetvalue(res, 0, 1), collate) == 0 &&
			strcmp(PQgetvalue(res, 0, 2), ctype) == 0;
		char	   *detail = psprintf("The database on the data node has encoding %s, collation %s and ctype %s; "
									  "the access node's has %s, %s and %s.",
									  PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
									  PQgetvalue(res, 0, 2), encoding, collate, ctype);

		PQclear(res);
		if (!same)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("database \"%s\" on data node \"%s\" has a different encoding or collation",
							dbname, node_name),
					 errdetail_internal("%s", detail)));
		ereport(NOTICE,
				(errmsg("database \"%s\" already exists on data node, skipping", dbname)));
		return false;
	}
	PQclear(res);

	RemoteExecCommand(conn,
					  psprintf("CREATE DATABASE %s ENCODING %s LC_COLLATE %s LC_CTYPE %s TEMPLATE template0",
							   quote_identifier(dbname), quote_literal_cstr(encoding),
							   quote_literal_cstr(collate), quote_literal_cstr(ctype)));
	return true;
}

/*
 * A database add_data_node created on a node.  CREATE DATABASE cannot run in
 * a transaction, so it is outside the distributed one: when the access
 * node's transaction does not commit (an error later in add_data_node, or
 * in the statement or block that called it), drop_created_database drops it
 * again, so that a retry starts from the node as it was.  Everything is
 * prepared in TopTransactionContext while the catalogs can still be read.
 */
typedef struct CreatedDatabase
{
	char		node_name[NAMEDATALEN];
	RemoteConnParams params;	/* to the node's maintenance database */
	char	   *dbname;
	char	   *oid;			/* the node's oid of it, as text */
} CreatedDatabase;

/*
 * At abort: drop the database if it is still the one we created (the same
 * oid), whoever is connected to it.  Warns, never throws (an error would be
 * turned into a warning by the caller anyway).
 */
static void
drop_created_database(void *arg)
{
	CreatedDatabase *created = arg;
	DataNodeConn *conn;
	char	   *msg = NULL;
	char	   *oid;
	const char *params[1] = {created->dbname};

	conn = connect_maintenance(created->node_name, &created->params, &msg);
	if (conn == NULL)
	{
		ereport(WARNING,
				(errcode(ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
				 errmsg("could not drop database \"%s\" on data node \"%s\"",
						created->dbname, created->node_name),
				 errdetail_internal("%s", msg ? msg : "connection failed"),
				 errhint("add_data_node created the database but did not commit; drop it on the data node by hand.")));
		return;
	}
	PG_TRY();
	{
		oid = RemoteExecValue(conn, "SELECT oid FROM pg_catalog.pg_database WHERE datname OPERATOR(pg_catalog.=) $1",
							  1, params);
		/* gone, or another database by now: not ours to drop */
		if (oid != NULL && strcmp(oid, created->oid) == 0 &&
			!RemoteExecCleanup(conn, psprintf("DROP DATABASE %s WITH (FORCE)",
											  quote_identifier(created->dbname)),
							   DROP_DATABASE_TIMEOUT_MS))
			ereport(WARNING,
					(errcode(ERRCODE_OBJECT_IN_USE),
					 errmsg("could not drop database \"%s\" on data node \"%s\"",
							created->dbname, created->node_name),
					 errdetail_internal("%s", PQerrorMessage(RemoteConnPG(conn))),
					 errhint("add_data_node created the database but did not commit; drop it on the data node by hand.")));
	}
	PG_FINALLY();
	{
		RemoteDisconnect(conn);
	}
	PG_END_TRY();
}

/* Remember that this transaction created dbname on the node of conn. */
static void
drop_database_at_abort(DataNodeConn *conn, const char *node_name, const char *host, int port,
					   const char *password, const char *dbname)
{
	const char *params[1] = {dbname};
	char	   *oid = RemoteExecValue(conn, "SELECT oid FROM pg_catalog.pg_database WHERE datname OPERATOR(pg_catalog.=) $1",
									  1, params);
	MemoryContext old;
	CreatedDatabase *created;

	if (oid == NULL)
		elog(ERROR, "database \"%s\" created on data node \"%s\" is not there", dbname, node_name);
	old = MemoryContextSwitchTo(TopTransactionContext);
	created = palloc0(sizeof(CreatedDatabase));
	strlcpy(created->node_name, node_name, NAMEDATALEN);
	created->params = bootstrap_params(node_name, host, port, password);
	created->dbname = pstrdup(dbname);
	created->oid = pstrdup(oid);
	RemoteTxnAtAbort(drop_created_database, created);
	MemoryContextSwitchTo(old);
}

/*
 * On the node's database: the extension (created when bootstrapping), its
 * version, prepared transactions, and the claim.  Returns whether the
 * extension was created here.
 */
static bool
prepare_node_database(DataNodeConn *conn, const char *node_name, const char *dbname,
					  bool bootstrap, const char *local_uuid, char *volatile *unclaim_sql)
{
	bool		created = false;
	char	   *version;
	char	   *remote_uuid;
	const char *local_version = ExtensionVersion();

	version = RemoteExecValue(conn, "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'multinode'",
						   0, NULL);
	if (version == NULL)
	{
		if (!bootstrap)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("multinode is not installed in database \"%s\" on data node \"%s\"",
							dbname, node_name),
					 errhint("Run CREATE EXTENSION multinode in that database, or add the node with bootstrap => true.")));
		RemoteExecCommand(conn, "CREATE EXTENSION multinode");
		created = true;
		version = RemoteExecValue(conn, "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'multinode'",
							   0, NULL);
	}
	else if (bootstrap)
		ereport(NOTICE,
				(errmsg("extension \"%s\" already exists on data node, skipping", MN_EXTENSION_NAME),
				 errdetail("The multinode extension version on data node \"%s\" was %s.",
						   node_name, version)));
	if (version == NULL || strcmp(version, local_version) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("data node \"%s\" has an incompatible version of multinode", node_name),
				 errdetail("The data node has version %s; the access node has %s.",
						   version ? version : "(none)", local_version),
				 errhint("Install the same version of multinode on every node.")));

	check_prepared_transactions(conn, node_name);

	remote_uuid = RemoteExecValue(conn, "SELECT value FROM _timescaledb_catalog.metadata WHERE key = 'uuid'",
							   0, NULL);
	*unclaim_sql = DataNodeClaim(conn, node_name, dbname, remote_uuid, local_uuid);
	return created;
}

static void
create_server(const char *node_name, const char *host, int port, const char *dbname)
{
	CreateForeignServerStmt *stmt = makeNode(CreateForeignServerStmt);

	stmt->servername = pstrdup(node_name);
	stmt->fdwname = MN_FDW_NAME;
	stmt->if_not_exists = false;
	stmt->options = list_make3(makeDefElem("host", (Node *) makeString(pstrdup(host)), -1),
							   makeDefElem("port", (Node *) makeString(psprintf("%d", port)), -1),
							   makeDefElem("dbname", (Node *) makeString(pstrdup(dbname)), -1));
	CreateForeignServer(stmt);
	CommandCounterIncrement();
}

static Datum
add_result(FunctionCallInfo fcinfo, const char *node_name, const char *host, int port,
		   const char *dbname, bool node_created, bool db_created, bool ext_created)
{
	TupleDesc	tupdesc;
	Datum		values[7];
	bool		nulls[7] = {0};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = DirectFunctionCall1(namein, CStringGetDatum(node_name));
	values[1] = CStringGetTextDatum(host);
	values[2] = Int32GetDatum(port);
	values[3] = DirectFunctionCall1(namein, CStringGetDatum(dbname));
	values[4] = BoolGetDatum(node_created);
	values[5] = BoolGetDatum(db_created);
	values[6] = BoolGetDatum(ext_created);
	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls));
}

static int
checked_port(int port)
{
	if (port < 1 || port > 65535)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid port number %d", port),
				 errhint("The port number must be between 1 and 65535.")));
	return port;
}

PG_FUNCTION_INFO_V1(multinode_add_data_node);

/*
 * add_data_node(node_name, host, database, port, if_not_exists, bootstrap,
 *				 password)
 */
Datum
multinode_add_data_node(PG_FUNCTION_ARGS)
{
	const char *node_name;
	const char *host;
	const char *dbname;
	const char *password;
	int			port;
	bool		if_not_exists = PG_ARGISNULL(4) ? false : PG_GETARG_BOOL(4);
	bool		bootstrap = PG_ARGISNULL(5) ? true : PG_GETARG_BOOL(5);
	volatile bool db_created = false;
	volatile bool ext_created = false;
	char	   *volatile unclaim_sql = NULL;
	char	   *local_uuid;
	DataNodeConn *volatile conn = NULL;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a host needs to be specified"),
				 errhint("Provide a host name or IP address of a data node to add.")));
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("data node name cannot be NULL")));
	node_name = NameStr(*PG_GETARG_NAME(0));
	host = text_to_cstring(PG_GETARG_TEXT_PP(1));
	dbname = PG_ARGISNULL(2) ? get_database_name(MyDatabaseId) : NameStr(*PG_GETARG_NAME(2));
	port = checked_port(PG_ARGISNULL(3) ? PostPortNumber : PG_GETARG_INT32(3));
	password = PG_ARGISNULL(6) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(6));

	if (node_name[0] == '\0' || host[0] == '\0' || dbname[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("node_name, host and database cannot be empty")));

	PreventInTransactionBlock(true, "add_data_node");
	require_fdw_usage("add data nodes");
	if (GetDistRole() == DIST_ROLE_DATA_NODE)
		ereport(ERROR,
				(errcode(ERRCODE_MN_DATA_NODE_ASSIGNMENT_ALREADY_EXISTS),
				 errmsg("unable to assign data nodes from an existing distributed database"),
				 errdetail("This database is a data node of a distributed database."),
				 errhint("Add data nodes on the access node.")));

	if (GetForeignServerByName(node_name, true) != NULL)
	{
		if (if_not_exists && OidIsValid(GetDataNodeServerId(node_name, true)))
		{
			ereport(NOTICE,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("data node \"%s\" already exists, skipping", node_name)));
			PG_RETURN_DATUM(add_result(fcinfo, node_name, host, port, dbname, false, false, false));
		}
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("server \"%s\" already exists", node_name),
				 errhint("Choose another name, or use if_not_exists => true.")));
	}

	local_uuid = MetadataGet("uuid");

	if (bootstrap)
	{
		RemoteConnParams mparams = bootstrap_params(node_name, host, port, password);
		DataNodeConn *mconn = connect_maintenance(node_name, &mparams, NULL);

		PG_TRY();
		{
			check_prepared_transactions(mconn, node_name);
			db_created = bootstrap_database(mconn, node_name, dbname);
			if (db_created)
				drop_database_at_abort(mconn, node_name, host, port, password, dbname);
		}
		PG_FINALLY();
		{
			RemoteDisconnect(mconn);
		}
		PG_END_TRY();
	}

	PG_TRY();
	{
		RemoteConnParams params = bootstrap_params(node_name, host, port, password);

		RemoteConnParamsSet(&params, "dbname", dbname);
		conn = RemoteConnect(node_name, &params, NULL);
		ext_created = prepare_node_database(conn, node_name, dbname, bootstrap, local_uuid,
											&unclaim_sql);
		RemoteDisconnect(conn);
		conn = NULL;

		if (GetDistRole() == DIST_ROLE_NONE)
			MetadataSet("dist_uuid", local_uuid);
		create_server(node_name, host, port, dbname);
	}
	PG_CATCH();
	{
		/*
		 * Leave nothing behind on the node: a database created here goes
		 * with the abort (drop_created_database), the rest is undone now.
		 */
		if (conn != NULL)
		{
			if (unclaim_sql != NULL && !db_created)
				(void) RemoteExecCleanup(conn, unclaim_sql, CLEANUP_TIMEOUT_MS);
			if (ext_created && !db_created)
				(void) RemoteExecCleanup(conn, "DROP EXTENSION IF EXISTS multinode CASCADE",
										 CLEANUP_TIMEOUT_MS);
			RemoteDisconnect(conn);
		}
		PG_RE_THROW();
	}
	PG_END_TRY();

	PG_RETURN_DATUM(add_result(fcinfo, node_name, host, port, dbname, true, db_created, ext_created));
}

static char *
server_option(ForeignServer *server, const char *name)
{
	ListCell   *lc;

	foreach(lc, server->options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (strcmp(def->defname, name) == 0)
			return defGetString(def);
	}
	return NULL;
}

/*
 * Unclaim the node in the current distributed transaction.  A node that
 * cannot be reached (down, its database dropped) does not stop the deletion,
 * as it does not in TimescaleDB, which never contacts the node here: the
 * failure is a warning, and the claim left behind is only in the way of
 * adding that database to another access node.
 */
static void
release_node(Oid server_id, const char *node_name)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;

	BeginInternalSubTransaction(NULL);
	PG_TRY();
	{
		DataNodeConn *conn = GetDataNodeConnection(server_id, REMOTE_TXN_WRITE);

		RemoteExecCommand(conn, DataNodeReleaseSQL());
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		if (RemoteErrorIsInterrupt(edata))
			PG_RE_THROW();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		ereport(WARNING,
				(errmsg("could not release data node \"%s\": %s", node_name, edata->message),
				 errdetail("The node still believes it belongs to this distributed database."),
				 errhint("Remove the dist_uuid row from _timescaledb_catalog.metadata on the node before adding it elsewhere.")));
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcxt);
	CurrentResourceOwner = oldowner;
}

/*
 * Heal the node before it goes: once its foreign server is gone nothing can
 * resolve the prepared transactions our commits left there, and they would
 * hold their locks on the node for ever.  What healing cannot resolve (an
 * access-node transaction still running, a failure) stops the deletion
 * unless forced.  A node that cannot be looked at is only suspicious if the
 * decision log still names it (rows live until the next heal of the node
 * after their commit).
 */
/*
 * Is the node's database gone (dropped behind our back)?  Then nothing of
 * ours can be in doubt there: PostgreSQL refuses to drop a database that has
 * prepared transactions.  False when the node cannot be asked.
 */
static bool
node_database_gone(Oid server_id, const char *node_name)
{
	RemoteConnParams params = {NIL, NIL};
	DataNodeConn *conn;
	char	   *msg = NULL;
	const char *dbname[1];
	char	   *found = NULL;

	dbname[0] = server_option(GetForeignServer(server_id), "dbname");
	DataNodeConnParams(server_id, GetUserId(), &params);
	conn = connect_maintenance(node_name, &params, &msg);
	if (conn == NULL || dbname[0] == NULL)
		return false;
	PG_TRY();
	{
		found = RemoteExecValue(conn, "SELECT 'found' FROM pg_catalog.pg_database WHERE datname OPERATOR(pg_catalog.=) $1",
								1, dbname);
	}
	PG_FINALLY();
	{
		RemoteDisconnect(conn);
	}
	PG_END_TRY();
	return found == NULL;
}

static void
heal_before_delete(Oid server_id, const char *node_name, bool force)
{
	int64		log_rows = RemoteTxnLogCount(node_name);
	int			in_doubt;

	(void) RemoteTxnHealDataNode(server_id, &in_doubt);
	if (in_doubt < 0 && log_rows > 0 && !force && node_database_gone(server_id, node_name))
		in_doubt = 0;
	if (in_doubt > 0)
		ereport(force ? WARNING : ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg_plural("data node \"%s\" has %d prepared transaction in doubt",
							   "data node \"%s\" has %d prepared transactions in doubt",
							   in_doubt, node_name, in_doubt),
				 force ?
				 errdetail("They stay prepared on the node, holding their locks, until resolved by hand.") :
				 errdetail("Healing could not resolve them: their access-node transactions are still running, or resolving them failed."),
				 errhint("Wait for the transactions to end and heal the node with remote_txn_heal_data_node(), or delete it with force => true.")));
	else if (in_doubt < 0 && log_rows > 0)
		ereport(force ? WARNING : ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not check data node \"%s\" for prepared transactions in doubt",
						node_name),
				 errdetail("The node could not be healed and the decision log has %lld rows for it.",
						   (long long) log_rows),
				 errhint("Make the node reachable and heal it with remote_txn_heal_data_node(), or delete it with force => true.")));
}

PG_FUNCTION_INFO_V1(multinode_delete_data_node);

/*
 * delete_data_node(node_name, if_exists, force, repartition, drop_database)
 */
Datum
multinode_delete_data_node(PG_FUNCTION_ARGS)
{
	const char *node_name;
	bool		if_exists = PG_ARGISNULL(1) ? false : PG_GETARG_BOOL(1);
	bool		force = PG_ARGISNULL(2) ? false : PG_GETARG_BOOL(2);
	bool		drop_database = PG_ARGISNULL(4) ? false : PG_GETARG_BOOL(4);
	Oid			server_id;
	ForeignServer *server;
	ObjectAddress addr;

	node_name = PG_ARGISNULL(0) ? NULL : NameStr(*PG_GETARG_NAME(0));
	server_id = GetDataNodeServerId(node_name, if_exists);
	if (!OidIsValid(server_id))
	{
		ereport(NOTICE,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("data node \"%s\" does not exist, skipping", node_name)));
		PG_RETURN_BOOL(false);
	}
	if (drop_database)
		PreventInTransactionBlock(true, "delete_data_node with drop_database");
	require_fdw_usage("delete data nodes");
	server = GetForeignServer(server_id);

	/* the hypertables first, as in TimescaleDB, then the server's owner */
	DistBeforeDeleteDataNode(server_id, force);
	require_server_owner(server_id, node_name);
	heal_before_delete(server_id, node_name, force);

	if (drop_database)
	{
		RemoteConnParams params = {NIL, NIL};
		DataNodeConn *mconn;
		char	   *msg = NULL;

		/* the node's own credentials: user mapping, passfile */
		CloseDataNodeConnections(server_id);
		DataNodeConnParams(server_id, GetUserId(), &params);
		mconn = connect_maintenance(node_name, &params, force ? &msg : NULL);
		if (mconn == NULL)
			ereport(WARNING,
					(errmsg("could not drop the database of data node \"%s\"", node_name),
					 errdetail_internal("%s", msg)));
		else
		{
			PG_TRY();
			{
				RemoteExecCommand(mconn, psprintf("DROP DATABASE %s WITH (FORCE)",
												  quote_identifier(server_option(server, "dbname"))));
			}
			PG_FINALLY();
			{
				RemoteDisconnect(mconn);
			}
			PG_END_TRY();
		}
	}
	else
		release_node(server_id, node_name);

	addr.classId = ForeignServerRelationId;
	addr.objectId = server_id;
	addr.objectSubId = 0;
	performDeletion(&addr, DROP_CASCADE, 0);
	CommandCounterIncrement();
	CloseDataNodeConnections(server_id);

	if (GetDataNodeServerIds() == NIL)
		MetadataDelete("dist_uuid");

	PG_RETURN_BOOL(true);
}

PG_FUNCTION_INFO_V1(multinode_alter_data_node);

/*
 * alter_data_node(node_name, host, database, port, available): change the
 * given settings (all NULL: change nothing) and return the current ones.
 */
Datum
multinode_alter_data_node(PG_FUNCTION_ARGS)
{
	const char *node_name;
	Oid			server_id;
	ForeignServer *server;
	List	   *changes = NIL;
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5] = {0};
	char	   *port;

	node_name = PG_ARGISNULL(0) ? NULL : NameStr(*PG_GETARG_NAME(0));
	server_id = GetDataNodeServerId(node_name, false);
	server = GetForeignServer(server_id);

	/* an empty host or database would make libpq fall back to its defaults */
	if ((!PG_ARGISNULL(1) && VARSIZE_ANY_EXHDR(PG_GETARG_TEXT_PP(1)) == 0) ||
		(!PG_ARGISNULL(2) && NameStr(*PG_GETARG_NAME(2))[0] == '\0'))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("host and database cannot be empty"),
				 errhint("Give the data node's host name or address and its database, or leave them NULL to keep them.")));
	if (!PG_ARGISNULL(1))
		changes = lappend(changes, makeDefElem("host", (Node *) makeString(text_to_cstring(PG_GETARG_TEXT_PP(1))), -1));
	if (!PG_ARGISNULL(2))
		changes = lappend(changes, makeDefElem("dbname", (Node *) makeString(pstrdup(NameStr(*PG_GETARG_NAME(2)))), -1));
	if (!PG_ARGISNULL(3))
		changes = lappend(changes, makeDefElem("port", (Node *) makeString(psprintf("%d", checked_port(PG_GETARG_INT32(3)))), -1));
	if (!PG_ARGISNULL(4))
		changes = lappend(changes, makeDefElem("available", (Node *) makeString(PG_GETARG_BOOL(4) ? "true" : "false"), -1));

	if (changes != NIL)
	{
		AlterForeignServerStmt *stmt = makeNode(AlterForeignServerStmt);
		ListCell   *lc;

		require_fdw_usage("alter data nodes");
		require_server_owner(server_id, node_name);
		foreach(lc, changes)
		{
			DefElem    *def = lfirst_node(DefElem, lc);

			def->defaction = server_option(server, def->defname) ? DEFELEM_SET : DEFELEM_ADD;
		}
		stmt->servername = pstrdup(node_name);
		stmt->options = changes;
		AlterForeignServer(stmt);
		CommandCounterIncrement();
		CloseDataNodeConnections(server_id);
		server = GetForeignServer(server_id);
	}

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = DirectFunctionCall1(namein, CStringGetDatum(node_name));
	values[1] = CStringGetTextDatum(server_option(server, "host") ? server_option(server, "host") : "");
	port = server_option(server, "port");
	values[2] = Int32GetDatum(port ? atoi(port) : 0);
	nulls[2] = port == NULL;
	values[3] = DirectFunctionCall1(namein, CStringGetDatum(server_option(server, "dbname") ? server_option(server, "dbname") : ""));
	values[4] = BoolGetDatum(DataNodeOptionAvailable(server->options));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}
