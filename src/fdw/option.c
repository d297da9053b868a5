/*-------------------------------------------------------------------------
 *
 * option.c
 *	  Validation of timescaledb_fdw options, from one table.
 *
 * Data nodes are foreign servers of timescaledb_fdw.  Server options say
 * where the node is and how to reach it (libpq keywords); user mapping
 * options say who to connect as.  The tuning options TimescaleDB 2.13
 * accepted are accepted where it accepted them, with its messages: cost
 * factors, shippable extensions and fetch_size on the wrapper or a server
 * (a server's value wins), reference_tables and copy_rows_per_message on the
 * wrapper.  Anything else is rejected with the list of the valid names, so
 * typos do not silently fall back to defaults.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/reloptions.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/extension.h"
#include "catalog/pg_foreign_data_wrapper.h"
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
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

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
	{"fdw_startup_cost", ForeignDataWrapperRelationId, false},
	{"fdw_startup_cost", ForeignServerRelationId, false},
	{"fdw_tuple_cost", ForeignDataWrapperRelationId, false},
	{"fdw_tuple_cost", ForeignServerRelationId, false},
	{"extensions", ForeignDataWrapperRelationId, false},
	{"extensions", ForeignServerRelationId, false},
	{"fetch_size", ForeignDataWrapperRelationId, false},
	{"fetch_size", ForeignServerRelationId, false},
	{"reference_tables", ForeignDataWrapperRelationId, false},
	{"copy_rows_per_message", ForeignDataWrapperRelationId, false},
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

/*
 * The names in a comma-separated option value.  Names are split as
 * identifiers (quotes keep case and commas); errname says what the list is
 * of, for the message.
 */
static List *
option_name_list(DefElem *def, const char *errname)
{
	List	   *names = NIL;

	if (!SplitIdentifierString(pstrdup(defGetString(def)), ',', &names))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"%s\" must be a list of %s", def->defname, errname)));
	return names;
}

/*
 * The extensions an "extensions" option names, as OIDs; names that are not
 * installed are skipped, with a warning if warn (when the option is set).
 */
static List *
extension_list(DefElem *def, bool warn)
{
	List	   *oids = NIL;
	ListCell   *lc;

	foreach(lc, option_name_list(def, "extension names"))
	{
		Oid			extoid = get_extension_oid(lfirst(lc), true);

		if (OidIsValid(extoid))
			oids = lappend_oid(oids, extoid);
		else if (warn)
			ereport(WARNING,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("extension \"%s\" is not installed", (char *) lfirst(lc))));
	}
	return oids;
}

/*
 * The (possibly qualified, possibly quoted) table names of a comma-separated
 * list, as the text of each; commas inside double quotes do not split.
 */
static List *
table_name_list(const char *value)
{
	List	   *names = NIL;
	StringInfoData buf;
	bool		quoted = false;
	const char *p;

	initStringInfo(&buf);
	for (p = value;; p++)
	{
		if (*p == '"')
			quoted = !quoted;
		if (*p == '\0' || (*p == ',' && !quoted))
		{
			names = lappend(names, pstrdup(buf.data));
			resetStringInfo(&buf);
			if (*p == '\0')
				break;
			continue;
		}
		appendStringInfoChar(&buf, *p);
	}
	return names;
}

/*
 * The tables a "reference_tables" option names: ordinary tables, that every
 * data node has a copy of.  Unqualified names are looked up on the search
 * path; missing_ok leaves out the ones that do not exist (any more) or are
 * no longer ordinary tables.
 */
static List *
reference_table_list(DefElem *def, bool missing_ok)
{
	List	   *relids = NIL;
	ListCell   *lc;

	foreach(lc, table_name_list(defGetString(def)))
	{
		char	   *name = lfirst(lc);
		RangeVar   *rv;
		Oid			relid;

		rv = makeRangeVarFromNameList(stringToQualifiedNameList(name));

		/*
		 * When planning, the names are looked up without the schema USAGE
		 * check RangeVarGetRelid makes: a role that may not use a listed
		 * schema does not read its table, and must not fail other joins.
		 */
		if (missing_ok && rv->schemaname != NULL)
			relid = get_relname_relid(rv->relname, get_namespace_oid(rv->schemaname, true));
		else if (missing_ok)
			relid = RelnameGetRelid(rv->relname);
		else
			relid = RangeVarGetRelid(rv, NoLock, true);
		/* what a name means now: gone, or no longer a table, it is no reference table */
		if (missing_ok && (!OidIsValid(relid) || get_rel_relkind(relid) != RELKIND_RELATION))
			continue;

		if (!OidIsValid(relid))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("table \"%s\" does not exist", name)));
		if (get_rel_relkind(relid) != RELKIND_RELATION)
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("relation \"%s\" is not an ordinary table. Only ordinary tables can be used as reference tables", name)));
		relids = lappend_oid(relids, relid);
	}
	return relids;
}

/* Is the option's value an integer from 1 to INT_MAX? */
static bool
is_positive_int(DefElem *def)
{
	char	   *end;
	long		val = strtol(defGetString(def), &end, 10);

	return *end == '\0' && end != defGetString(def) && val > 0 && val <= PG_INT32_MAX;
}

static void
validate_value(DefElem *def)
{
	if (strcmp(def->defname, "available") == 0)
		(void) defGetBoolean(def);
	else if (strcmp(def->defname, "fdw_startup_cost") == 0 ||
			 strcmp(def->defname, "fdw_tuple_cost") == 0)
	{
		char	   *end;
		double		val = strtod(defGetString(def), &end);

		if (*end != '\0' || end == defGetString(def) || val < 0)
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("%s requires a non-negative numeric value", def->defname)));
	}
	else if (strcmp(def->defname, "fetch_size") == 0 && !is_positive_int(def))
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("%s requires a non-negative integer value", def->defname)));
	else if (strcmp(def->defname, "copy_rows_per_message") == 0 && !is_positive_int(def))
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("%s requires a non-zero and positive integer value", def->defname)));
	else if (strcmp(def->defname, "extensions") == 0)
		(void) extension_list(def, true);
	else if (strcmp(def->defname, "reference_tables") == 0)
		(void) reference_table_list(def, false);
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

/* The option called name: the server's if it has one, else the wrapper's. */
static DefElem *
tuning_option(Oid server_id, const char *name)
{
	ForeignServer *server = GetForeignServer(server_id);
	List	   *lists[2];
	int			i;
	ListCell   *lc;

	lists[0] = server->options;
	lists[1] = GetForeignDataWrapper(server->fdwid)->options;
	for (i = 0; i < lengthof(lists); i++)
		foreach(lc, lists[i])
		{
			DefElem    *def = lfirst_node(DefElem, lc);

			if (strcmp(def->defname, name) == 0)
				return def;
		}
	return NULL;
}

/*
 * A server's tuning options as the read path uses them, kept per backend:
 * every read asks for them (costs at planning, fetch_size at execution),
 * and building a server's and its wrapper's option lists each time costs a
 * small query more than its planning does.  Any change of a foreign server
 * or wrapper drops them all.
 */
typedef struct ServerTuning
{
	Oid			server_id;		/* hash key */
	bool		valid;
	bool		has_fetch_size;
	bool		has_startup_cost;
	bool		has_row_cost;
	int			fetch_size;
	Cost		startup_cost;
	Cost		row_cost;
} ServerTuning;

static HTAB *tuning_cache = NULL;

static void
tuning_invalidate(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS status;
	ServerTuning *tuning;

	hash_seq_init(&status, tuning_cache);
	while ((tuning = hash_seq_search(&status)) != NULL)
		tuning->valid = false;
}

static const ServerTuning *
server_tuning(Oid server_id)
{
	ServerTuning *tuning;
	ServerTuning fresh = {.server_id = server_id};
	DefElem    *def;
	bool		found;

	if (tuning_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(ServerTuning);
		ctl.hcxt = CacheMemoryContext;
		tuning_cache = hash_create("multinode server tuning", 8, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		CacheRegisterSyscacheCallback(FOREIGNSERVEROID, tuning_invalidate, (Datum) 0);
		CacheRegisterSyscacheCallback(FOREIGNDATAWRAPPEROID, tuning_invalidate, (Datum) 0);
	}
	tuning = hash_search(tuning_cache, &server_id, HASH_FIND, &found);
	if (found && tuning->valid)
		return tuning;

	/* read before entering: a lookup that throws leaves nothing behind */
	if ((def = tuning_option(server_id, "fetch_size")) != NULL)
	{
		fresh.has_fetch_size = true;
		fresh.fetch_size = (int) strtol(defGetString(def), NULL, 10);
	}
	if ((def = tuning_option(server_id, "fdw_startup_cost")) != NULL)
	{
		fresh.has_startup_cost = true;
		fresh.startup_cost = strtod(defGetString(def), NULL);
	}
	if ((def = tuning_option(server_id, "fdw_tuple_cost")) != NULL)
	{
		fresh.has_row_cost = true;
		fresh.row_cost = strtod(defGetString(def), NULL);
	}
	fresh.valid = true;
	tuning = hash_search(tuning_cache, &server_id, HASH_ENTER, &found);
	*tuning = fresh;
	return tuning;
}

/* Rows per FETCH from the node: its fetch_size, or default_size. */
int
DataNodeFetchSize(Oid server_id, int default_size)
{
	const ServerTuning *tuning = server_tuning(server_id);

	return tuning->has_fetch_size ? tuning->fetch_size : default_size;
}

/*
 * The planner's cost of a scan on these nodes: the highest startup and
 * per-row costs among them (fdw_startup_cost, fdw_tuple_cost, defaulting to
 * DATA_NODE_SCAN_STARTUP_COST and DATA_NODE_SCAN_ROW_COST), as the slowest
 * node decides when the scan ends.
 */
void
DataNodeScanCosts(List *server_ids, Cost *startup_cost, Cost *row_cost)
{
	ListCell   *lc;

	*startup_cost = DATA_NODE_SCAN_STARTUP_COST;
	*row_cost = DATA_NODE_SCAN_ROW_COST;
	if (server_ids == NIL)
		return;
	*startup_cost = 0;
	*row_cost = 0;
	foreach(lc, server_ids)
	{
		const ServerTuning *tuning = server_tuning(lfirst_oid(lc));

		*startup_cost = Max(*startup_cost, tuning->has_startup_cost ? tuning->startup_cost :
							DATA_NODE_SCAN_STARTUP_COST);
		*row_cost = Max(*row_cost, tuning->has_row_cost ? tuning->row_cost :
						DATA_NODE_SCAN_ROW_COST);
	}
}

/* The wrapper's copy_rows_per_message; 0 when not set (no limit). */
int
DataNodeCopyRowsPerMessage(void)
{
	ListCell   *lc;

	foreach(lc, GetForeignDataWrapperByName(MN_FDW_NAME, false)->options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (strcmp(def->defname, "copy_rows_per_message") == 0)
			return (int) strtol(defGetString(def), NULL, 10);
	}
	return 0;
}

/*
 * The reference tables of the wrapper, as OIDs: tables with a copy on every
 * data node.  Tables dropped since the option was set are left out.
 */
List *
DataNodeReferenceTables(void)
{
	ListCell   *lc;
	List	   *relids = NIL;

	foreach(lc, GetForeignDataWrapperByName(MN_FDW_NAME, false)->options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (strcmp(def->defname, "reference_tables") == 0)
			relids = reference_table_list(def, true);
	}
	return relids;
}

/*
 * May data nodes run the immutable functions and operators of extension
 * extoid?  Yes when "extensions" lists it for every data node (through the
 * wrapper's option or each server's own): a distributed scan may reach any
 * of them.
 */
bool
DataNodeExtensionShippable(Oid extoid)
{
	Oid			fdwid = GetForeignDataWrapperByName(MN_FDW_NAME, false)->fdwid;
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tup;
	bool		any = false;
	bool		all = true;

	rel = table_open(ForeignServerRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (all && HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_foreign_server srv = (Form_pg_foreign_server) GETSTRUCT(tup);
		DefElem    *def;

		if (srv->srvfdw != fdwid)
			continue;
		any = true;
		def = tuning_option(srv->oid, "extensions");
		all = def != NULL && list_member_oid(extension_list(def, false), extoid);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return any && all;
}
