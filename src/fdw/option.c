/*-------------------------------------------------------------------------
 *
 * option.c
 *	  Validation of timescaledb_fdw options, from one table.
 *
 * Data nodes are foreign servers of timescaledb_fdw.  Server options say
 * where the node is and how to reach it (libpq keywords); user mapping
 * options say who to connect as.  Anything else is rejected with the list of
 * the valid names, so typos do not silently fall back to defaults.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/reloptions.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "fmgr.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "fdw/fdw.h"
#include "multinode.h"

typedef struct DataNodeOption
{
	const char *name;
	Oid			context;		/* catalog the option belongs to */
	bool		libpq;			/* passed to libpq as a connection keyword */
} DataNodeOption;

static const DataNodeOption valid_options[] = {
	{"host", ForeignServerRelationId, true},
	{"port", ForeignServerRelationId, true},
	{"dbname", ForeignServerRelationId, true},
	{"available", ForeignServerRelationId, false},
	{"sslmode", ForeignServerRelationId, true},
	{"sslrootcert", ForeignServerRelationId, true},
	{"sslcert", ForeignServerRelationId, true},
	{"sslkey", ForeignServerRelationId, true},
	{"connect_timeout", ForeignServerRelationId, true},
	{"user", UserMappingRelationId, true},
	{"password", UserMappingRelationId, true},
	/* chunks on the access node remember which hypertable they belong to */
	{"chunk_id", ForeignTableRelationId, false},
	{NULL, InvalidOid, false}
};

static const DataNodeOption *
find_option(const char *name, Oid context)
{
	const DataNodeOption *opt;

	for (opt = valid_options; opt->name; opt++)
		if (opt->context == context && strcmp(opt->name, name) == 0)
			return opt;
	return NULL;
}

bool
IsDataNodeLibpqOption(const char *name)
{
	const DataNodeOption *opt;

	for (opt = valid_options; opt->name; opt++)
		if (opt->libpq && strcmp(opt->name, name) == 0)
			return true;
	return false;
}

bool
DataNodeOptionAvailable(List *options)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (strcmp(def->defname, "available") == 0)
			return defGetBoolean(def);
	}
	return true;
}

static void
validate_value(DefElem *def)
{
	if (strcmp(def->defname, "available") == 0)
		(void) defGetBoolean(def);
	else if (strcmp(def->defname, "port") == 0 || strcmp(def->defname, "connect_timeout") == 0)
	{
		char	   *value = defGetString(def);
		char	   *end;
		long		num = strtol(value, &end, 10);

		if (*value == '\0' || *end != '\0' || num < 0 ||
			(strcmp(def->defname, "port") == 0 && (num < 1 || num > 65535)))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
					 errmsg("invalid value for option \"%s\": \"%s\"", def->defname, value),
					 strcmp(def->defname, "port") == 0 ?
					 errhint("A port is an integer between 1 and 65535.") :
					 errhint("Give a number of seconds.")));
	}
	else if (strcmp(def->defname, "sslmode") == 0)
	{
		char	   *value = defGetString(def);

		if (strcmp(value, "disable") != 0 && strcmp(value, "allow") != 0 &&
			strcmp(value, "prefer") != 0 && strcmp(value, "require") != 0 &&
			strcmp(value, "verify-ca") != 0 && strcmp(value, "verify-full") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
					 errmsg("invalid value for option \"sslmode\": \"%s\"", value),
					 errhint("Valid values are disable, allow, prefer, require, verify-ca and verify-full.")));
	}
	else if (strcmp(def->defname, "chunk_id") == 0)
		(void) pg_strtoint32(defGetString(def));
}

PG_FUNCTION_INFO_V1(multinode_fdw_validator);

/*
 * Validator of timescaledb_fdw: called for CREATE/ALTER of servers, user
 * mappings and foreign tables of the wrapper.
 */
Datum
multinode_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (find_option(def->defname, catalog) == NULL)
		{
			const DataNodeOption *opt;
			StringInfoData buf;

			initStringInfo(&buf);
			for (opt = valid_options; opt->name; opt++)
				if (opt->context == catalog)
					appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "", opt->name);

			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\"", def->defname),
					 buf.len > 0 ?
					 errhint("Valid options in this context are: %s.", buf.data) :
					 errhint("There are no valid options in this context.")));
		}
		validate_value(def);
		if ((strcmp(def->defname, "sslcert") == 0 || strcmp(def->defname, "sslkey") == 0) &&
			!superuser())
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("only a superuser can set option \"%s\"", def->defname),
					 errdetail("Client certificates are the access node's credentials."),
					 errhint("Roles' certificates are found in multinode.ssl_dir.")));
	}
	PG_RETURN_VOID();
}

/*
 * Refuse a non-superuser's CREATE or ALTER USER MAPPING, on a data node,
 * whose "user" option names another role than the mapping's own (any role,
 * for PUBLIC): a role reaches a data node as itself, and only a superuser
 * may map it to someone else.  The validator cannot do this: it is not told
 * which role the mapping is for.  Other statements are ignored.
 */
void
CheckDataNodeUserMapping(Node *parsetree)
{
	RoleSpec   *rolespec;
	const char *servername;
	List	   *options;
	ForeignServer *server;
	ListCell   *lc;

	if (IsA(parsetree, CreateUserMappingStmt))
	{
		rolespec = ((CreateUserMappingStmt *) parsetree)->user;
		servername = ((CreateUserMappingStmt *) parsetree)->servername;
		options = ((CreateUserMappingStmt *) parsetree)->options;
	}
	else if (IsA(parsetree, AlterUserMappingStmt))
	{
		rolespec = ((AlterUserMappingStmt *) parsetree)->user;
		servername = ((AlterUserMappingStmt *) parsetree)->servername;
		options = ((AlterUserMappingStmt *) parsetree)->options;
	}
	else
		return;
	if (superuser())
		return;
	server = GetForeignServerByName(servername, true);
	if (server == NULL || strcmp(GetForeignDataWrapper(server->fdwid)->fdwname, MN_FDW_NAME) != 0)
		return;

	foreach(lc, options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);
		const char *role = NULL;
		Oid			roleid;

		if (strcmp(def->defname, "user") != 0 || def->defaction == DEFELEM_DROP)
			continue;
		if (rolespec->roletype != ROLESPEC_PUBLIC)
		{
			roleid = get_rolespec_oid(rolespec, true);
			if (!OidIsValid(roleid))
				return;			/* PostgreSQL reports the missing role */
			role = GetUserNameFromId(roleid, false);
		}
		if (role == NULL || strcmp(defGetString(def), role) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to map %s to remote user \"%s\" on data node \"%s\"",
							role ? psprintf("role \"%s\"", role) : "PUBLIC",
							defGetString(def), servername),
					 errdetail("Only a superuser may make a user mapping whose \"user\" option names another role."),
					 errhint("Leave out the \"user\" option: a role reaches a data node as itself.")));
	}
}
