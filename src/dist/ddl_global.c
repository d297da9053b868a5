/*-------------------------------------------------------------------------
 *
 * ddl_global.c
 *	  DDL on what every data node shares with the access node rather than
 *	  what one hypertable owns: schemas, their privileges, default
 *	  privileges and grants on the database.
 *
 * With multinode.enable_distributed_ddl on (or TimescaleDB 2.13's
 * timescaledb_experimental.enable_distributed_ddl, which scripts written for
 * it set), an access node sends these statements, after they ran here, to
 * every data node inside the distributed transaction:
 *
 *	 CREATE SCHEMA, DROP SCHEMA, ALTER SCHEMA ... RENAME TO / OWNER TO
 *	 GRANT / REVOKE ... ON SCHEMA
 *	 GRANT / REVOKE ... ON ALL TABLES IN SCHEMA, when one of the schemas
 *	   holds a distributed hypertable
 *	 ALTER DEFAULT PRIVILEGES
 *	 REASSIGN OWNED
 *	 GRANT / REVOKE ... ON DATABASE of this database, rewritten for each
 *	   node's own database name
 *
 * so that a role allowed to create tables in a schema here may create a
 * distributed hypertable there too.  Off by default, as in 2.13: scripts of
 * that time create schemas and grants on the nodes with distributed_exec
 * themselves, often before the roles exist there, and would fail on
 * "already exists" or a missing role if the statement went ahead of them.
 * Never while an extension is created or updated (its schemas are its
 * own on each node).
 *
 * Roles are not created on the data nodes.  A GRANT or REVOKE that names a
 * role a data node lacks is refused here, naming the node and the role,
 * instead of failing there with an error about the node's own statement
 * (DDLCheckRolesOnNodes, also used for grants on distributed hypertables).
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "commands/extension.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "dist/ddl_internal.h"
#include "dist/dist.h"
#include "guc.h"
#include "hypertable/hypertable.h"
#include "remote/remote.h"

/* What the after step sends, to which nodes. */
typedef struct GlobalDDLState
{
	List	   *server_ids;
	List	   *roles;			/* role names the nodes must have */
	char	   *sql;			/* the user's text, or NULL: per node */
	GrantStmt  *grant_on_database;	/* or GRANT ... ON DATABASE of this one */
} GlobalDDLState;

static bool
distributed_ddl_enabled(void)
{
	const char *ts_setting;

	if (mn_enable_distributed_ddl)
		return true;
	/* 2.13's name: a placeholder, unless someone defines it */
	ts_setting = GetConfigOption("timescaledb_experimental.enable_distributed_ddl", true, false);
	return ts_setting != NULL &&
		(pg_strcasecmp(ts_setting, "on") == 0 || pg_strcasecmp(ts_setting, "true") == 0);
}

/* The names (String) in a list of RoleSpec; PUBLIC and CURRENT_USER exist everywhere. */
List *
DDLNamedRoles(List *rolespecs)
{
	List	   *names = NIL;
	ListCell   *lc;

	foreach(lc, rolespecs)
	{
		RoleSpec   *spec = lfirst(lc);

		if (spec->roletype == ROLESPEC_CSTRING)
			names = list_append_unique(names, makeString(spec->rolename));
	}
	return names;
}

/*
 * Refuse, before anything is sent, a statement that names a role (a list of
 * String) one of the data nodes server_ids does not have.
 */
void
DDLCheckRolesOnNodes(List *server_ids, List *roles)
{
	Datum	   *elems;
	ArrayType  *array;
	const char *params[1];
	ListCell   *lc;
	int			i = 0;

	if (roles == NIL)
		return;
	elems = palloc(sizeof(Datum) * list_length(roles));
	foreach(lc, roles)
		elems[i++] = CStringGetTextDatum(strVal(lfirst(lc)));
	array = construct_array(elems, i, TEXTOID, -1, false, TYPALIGN_INT);
	params[0] = OidOutputFunctionCall(F_ARRAY_OUT, PointerGetDatum(array));

	foreach(lc, server_ids)
	{
		Oid			server_id = lfirst_oid(lc);
		DataNodeConn *conn = GetDataNodeConnection(server_id, REMOTE_TXN_WRITE);
		char	   *missing;

		missing = RemoteExecValue(conn,
								  "SELECT r FROM pg_catalog.unnest($1::pg_catalog.text[]) AS r "
								  "WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles "
								  "WHERE rolname OPERATOR(pg_catalog.=) r) LIMIT 1",
								  1, params);
		if (missing != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("role \"%s\" does not exist on data node \"%s\"",
							missing, GetForeignServer(server_id)->servername),
					 errdetail("Privileges granted on the access node are granted on the data nodes too, and roles are not created there."),
					 errhint("Create the role on the data nodes first, for example with distributed_exec().")));
	}
}

/* Whether one of the schemas (a list of String) holds a distributed hypertable. */
static bool
schemas_hold_distributed_hypertable(List *schemas)
{
	ListCell   *lc;

	foreach(lc, schemas)
	{
		Oid			nsp = LookupExplicitNamespace(strVal(lfirst(lc)), false);
		ListCell   *lc2;

		foreach(lc2, DDLTablesMatching(nsp, InvalidOid, InvalidOid))
		{
			Hypertable *ht = HypertableGetByRelid(lfirst_oid(lc2));

			if (ht != NULL && HypertableIsDistributed(ht))
				return true;
		}
	}
	return false;
}

/*
 * GRANT / REVOKE ON DATABASE naming this database: each node's database
 * has its own name, so the statement is rewritten per node.  Other
 * databases are not the nodes' business; a list mixing this one with
 * others cannot be split and is refused.
 */
static bool
grant_on_this_database(GrantStmt *stmt)
{
	char	   *dbname = get_database_name(MyDatabaseId);
	ListCell   *lc;
	bool		found = false;

	foreach(lc, stmt->objects)
		if (strcmp(strVal(lfirst(lc)), dbname) == 0)
			found = true;
	if (found && list_length(stmt->objects) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot change privileges on multiple databases"),
				 errdetail("It is not possible to grant privileges on multiple databases in a single statement when one of them is a distributed database.")));
	return found;
}

static const char *
node_dbname(Oid server_id)
{
	ForeignServer *server = GetForeignServer(server_id);
	ListCell   *lc;

	foreach(lc, server->options)
	{
		DefElem    *opt = lfirst(lc);

		if (strcmp(opt->defname, "dbname") == 0)
			return defGetString(opt);
	}
	return get_database_name(MyDatabaseId);
}

/* Which statements reach the nodes, and which roles they name. */
static bool
classify(Node *parsetree, GlobalDDLState *state)
{
	switch (nodeTag(parsetree))
	{
		case T_CreateSchemaStmt:
			if (((CreateSchemaStmt *) parsetree)->authrole != NULL)
				state->roles = DDLNamedRoles(list_make1(((CreateSchemaStmt *) parsetree)->authrole));
			return true;
		case T_DropStmt:
			return ((DropStmt *) parsetree)->removeType == OBJECT_SCHEMA;
		case T_RenameStmt:
			return ((RenameStmt *) parsetree)->renameType == OBJECT_SCHEMA;
		case T_AlterOwnerStmt:
			if (((AlterOwnerStmt *) parsetree)->objectType != OBJECT_SCHEMA)
				return false;
			state->roles = DDLNamedRoles(list_make1(((AlterOwnerStmt *) parsetree)->newowner));
			return true;
		case T_ReassignOwnedStmt:
			state->roles = DDLNamedRoles(lappend(list_copy(((ReassignOwnedStmt *) parsetree)->roles),
												 ((ReassignOwnedStmt *) parsetree)->newrole));
			return true;
		case T_AlterDefaultPrivilegesStmt:
			{
				AlterDefaultPrivilegesStmt *stmt = (AlterDefaultPrivilegesStmt *) parsetree;
				ListCell   *lc;

				state->roles = DDLNamedRoles(stmt->action->grantees);
				foreach(lc, stmt->options)
				{
					DefElem    *opt = lfirst(lc);

					if (strcmp(opt->defname, "roles") == 0)
						state->roles = list_concat_unique(state->roles,
														  DDLNamedRoles((List *) opt->arg));
				}
				return true;
			}
		case T_GrantStmt:
			{
				GrantStmt  *stmt = (GrantStmt *) parsetree;

				state->roles = DDLNamedRoles(stmt->grantees);
				if (stmt->targtype == ACL_TARGET_ALL_IN_SCHEMA)
					return stmt->objtype == OBJECT_TABLE &&
						schemas_hold_distributed_hypertable(stmt->objects);
				if (stmt->targtype != ACL_TARGET_OBJECT)
					return false;
				if (stmt->objtype == OBJECT_SCHEMA)
					return true;
				if (stmt->objtype == OBJECT_DATABASE && grant_on_this_database(stmt))
				{
					state->grant_on_database = stmt;
					return true;
				}
				return false;
			}
		default:
			return false;
	}
}

/*
 * Before the statement runs here: whether it goes to the data nodes
 * afterwards (NULL when not), with the roles it names checked there first.
 */
void *
DDLGlobalBefore(PlannedStmt *pstmt, const char *query_string)
{
	GlobalDDLState *state;

	if (creating_extension || !distributed_ddl_enabled())
		return NULL;
	state = palloc0(sizeof(GlobalDDLState));
	if (!classify(pstmt->utilityStmt, state))
		return NULL;
	state->server_ids = GetDataNodeServerIds();
	if (state->server_ids == NIL)
		return NULL;			/* not an access node */
	DDLCheckRolesOnNodes(state->server_ids, state->roles);
	if (state->grant_on_database == NULL)
		state->sql = DDLStatementText(pstmt, query_string);
	return state;
}

/* After the statement ran here: the same on every data node. */
void
DDLGlobalAfter(void *arg)
{
	GlobalDDLState *state = arg;
	ListCell   *lc;

	if (state == NULL)
		return;
	if (state->sql != NULL)
	{
		DDLForwardSQLToNodes(state->server_ids, state->sql, true);
		return;
	}
	foreach(lc, state->server_ids)
	{
		Oid			server_id = lfirst_oid(lc);

		DDLForwardSQLToNodes(list_make1_oid(server_id),
							 DDLDeparseGrant(state->grant_on_database,
											 psprintf("DATABASE %s", quote_identifier(node_dbname(server_id)))),
							 false);
	}
}
