/*-------------------------------------------------------------------------
 *
 * hypertable_ddl.c
 *	  DDL on hypertables: keeping chunks, the catalog and the data nodes in
 *	  step with what the user does to the root table.
 *
 * Called from the ProcessUtility hook (ddl_hook.c) before and after the
 * statement runs locally:
 *
 *	 DROP TABLE root	 (and DROP SCHEMA ... CASCADE of its schema)
 *						 drop the chunks and the catalog rows first (the
 *						 root's inheritance children would otherwise block
 *						 the drop); data nodes drop theirs the same way when
 *						 the statement reaches them.
 *	 TRUNCATE root		 drop every chunk, here and on the data nodes.
 *	 CREATE INDEX		 unique indexes must contain the partitioning
 *						 columns; the new index is copied to local chunks.
 *	 ALTER TABLE ADD	 UNIQUE and PRIMARY KEY constraints likewise (their
 *	   CONSTRAINT		 index and the constraint are copied to each chunk);
 *						 FOREIGN KEYs are copied to local chunks and refused
 *						 on distributed hypertables; CHECK and NOT NULL
 *						 reach chunks by inheritance.  Copies depend on the
 *						 root's object, so DROP CONSTRAINT / DROP INDEX /
 *						 DROP TRIGGER on the root drop them too
 *						 (hypertable/chunk_objects.c).
 *	 CREATE TRIGGER		 a row trigger is copied to every local chunk (the
 *						 chunk dispatcher fires chunk triggers); ENABLE /
 *						 DISABLE TRIGGER follow on the chunks.
 *	 GRANT/REVOKE		 applied to the chunks too.
 *	 CREATE, ALTER,		 chunks of a local hypertable mirror the root's
 *	   DROP POLICY,		 row-level security (flags and policies), or the
 *	   ALTER TABLE ...	 root's privileges on them would let a reader name
 *	   ROW LEVEL		 a chunk and see every row
 *	   SECURITY			 (hypertable/chunk_objects.c).
 *	 ALTER TABLE, RENAME the catalog follows renames of the table and of
 *						 partitioning columns and moves to another schema;
 *						 chunks follow changes of owner.
 *
 * Row triggers of a distributed hypertable fire on the data nodes only: the
 * trigger is created on the access node's root too (so the schema is the
 * same everywhere), but routed rows never pass through the root there --
 * they are shipped into the data nodes' chunks, whose copies of the
 * trigger fire -- so a row is never seen by the trigger twice.
 *
 * For a distributed hypertable the statement is also sent to every data node
 * of the hypertable, inside the distributed transaction, with the caller's
 * search_path so that its names resolve as they did here.  CREATE INDEX is
 * sent as deparsed by pg_get_indexdef (qualified names, the index's final
 * name), GRANT and REVOKE deparsed for each hypertable alone (the statement
 * may name tables the nodes do not have), the others as the statement's
 * own text.  Statements on a hypertable's indexes, constraints, triggers
 * and comments are ddl_objects.c's.  CREATE TRIGGER first
 * checks that the trigger function exists on every data node.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "foreign/foreign.h"
#include "parser/parse_func.h"
#include "utils/regproc.h"
#include "utils/syscache.h"
#include "catalog/pg_index.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "catalog/catalog.h"
#include "dist/dist.h"
#include "dist/ddl_internal.h"
#include "hypertable/hypertable.h"
#include "multinode.h"
#include "remote/remote.h"

typedef struct DDLState
{
	List	   *forward_to;		/* distributed Hypertable * to send the text to */
	Oid			index_root;		/* CREATE INDEX on this hypertable root */
	List	   *indexes_before;
	Oid			alter_root;		/* ALTER TABLE on this hypertable root */
	List	   *fkeys_before;
	Oid			trigger_root;	/* CREATE TRIGGER on this hypertable root */
	char	   *trigger_name;
	List	   *grant_roots;	/* hypertable roots of a GRANT/REVOKE */
	List	   *grant_forward;	/* distributed Hypertable * among them */
	Oid			renamed_root;
	Oid			owner_root;		/* ALTER TABLE root OWNER TO */
	char	   *new_owner;
	List	   *rls_roots;		/* roots whose row-level security changes */
} DDLState;

static DDLState *
new_state(void)
{
	return palloc0(sizeof(DDLState));
}

static Hypertable *
hypertable_of_rangevar(RangeVar *rv)
{
	Oid			relid = RangeVarGetRelid(rv, NoLock, true);

	return OidIsValid(relid) ? HypertableGetByRelid(relid) : NULL;
}

/* After the statement, the chunks of rv's hypertable take the root's row-level security. */
static DDLState *
note_row_security(DDLState *state, RangeVar *rv)
{
	Hypertable *ht = rv ? hypertable_of_rangevar(rv) : NULL;

	if (ht == NULL)
		return state;
	if (state == NULL)
		state = new_state();
	if (!list_member_oid(state->rls_roots, ht->relid))
		state->rls_roots = lappend_oid(state->rls_roots, ht->relid);
	return state;
}

/* The row-level security of the root reaches each chunk table. */
static void
row_security_to_chunks(Oid root)
{
	Hypertable *ht = HypertableGetByRelid(root);
	ListCell   *lc;

	foreach(lc, ht ? HypertableGetChunks(ht) : NIL)
	{
		Chunk	   *chunk = lfirst(lc);

		/* foreign chunks (access node) hold no rows */
		if (OidIsValid(chunk->relid) && get_rel_relkind(chunk->relid) == RELKIND_RELATION)
			ChunkCopyRootRowSecurity(root, chunk->relid);
	}
}

/* The statement's own text out of a possibly multi-statement string. */
char *
DDLStatementText(PlannedStmt *pstmt, const char *query_string)
{
	int			loc = pstmt->stmt_location > 0 ? pstmt->stmt_location : 0;
	int			len = pstmt->stmt_len > 0 ? pstmt->stmt_len : (int) strlen(query_string + loc);

	return pnstrdup(query_string + loc, len);
}

/*
 * Run sql on every data node of ht.  The user's own statement text
 * (callers_settings) runs with the caller's search_path, DateStyle,
 * IntervalStyle and TimeZone, so that its names and literals mean what they
 * meant here; text we generated (deparsed under the pinned search_path, see
 * owner.c, and the fixed transmission settings) runs with the node
 * session's own settings, so that no schema of the user's captures its bare
 * built-in operators and functions.
 */
void
DDLForwardSQL(const Hypertable *ht, const char *sql, bool callers_settings)
{
	DDLForwardSQLToNodes(HypertableDataNodeServerIds(ht), sql, callers_settings);
}

/* DDLForwardSQL to the data nodes server_ids. */
void
DDLForwardSQLToNodes(List *server_ids, const char *sql, bool callers_settings)
{
	List	   *conns = NIL;
	ListCell   *lc;

	foreach(lc, server_ids)
		conns = lappend(conns, GetDataNodeConnection(lfirst_oid(lc), REMOTE_TXN_WRITE));
	if (callers_settings)
		foreach(lc, conns)
			RemoteUseCallerSettings(lfirst(lc));
	RemoteExecOnAll(conns, sql);
	if (callers_settings)
		foreach(lc, conns)
			RemoteRestoreSettings(lfirst(lc));
}

/* Drop a hypertable's chunks and catalog rows here, leaving the root. */
void
DDLDropHypertableCatalog(Hypertable *ht)
{
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(ht->id)};
	ListCell   *lc;

	foreach(lc, HypertableGetChunks(ht))
	{
		Chunk	   *chunk = lfirst(lc);

		if (OidIsValid(chunk->relid))
			CatalogExec(psprintf("DROP %sTABLE IF EXISTS %s CASCADE",
								 get_rel_relkind(chunk->relid) == RELKIND_FOREIGN_TABLE ? "FOREIGN " : "",
								 quote_qualified_identifier(chunk->schema_name, chunk->table_name)),
						0, NULL, NULL, NULL, false);
	}
	/* chunks (and their constraints, replicas) first: they reference the slices */
	CatalogExec("DELETE FROM " MN_CATALOG_SCHEMA ".chunk WHERE hypertable_id OPERATOR(pg_catalog.=) $1", 1, types, values,
				NULL, false);
	CatalogExec("DELETE FROM " MN_CATALOG_SCHEMA ".hypertable WHERE id OPERATOR(pg_catalog.=) $1", 1, types, values,
				NULL, false);
	CatalogInvalidateHypertable(ht->relid);
	CommandCounterIncrement();
}

/* Whether role holds a privilege in the ACL of pg_class row tup. */
static bool
acl_names_role(HeapTuple tup, TupleDesc desc, Oid role)
{
	bool		isnull;
	Datum		datum = heap_getattr(tup, Anum_pg_class_relacl, desc, &isnull);
	Acl		   *acl;
	AclItem    *items;
	int			i;

	if (isnull)
		return false;
	acl = DatumGetAclP(datum);
	items = ACL_DAT(acl);
	for (i = 0; i < ACL_NUM(acl); i++)
		if (items[i].ai_grantee == role)
			return true;
	return false;
}

/*
 * The tables (candidate hypertable roots) of this database in schema nsp,
 * owned by owner, and on which grantee (not their owner) holds privileges;
 * InvalidOid matches any.  For DROP SCHEMA and DROP OWNED, whose objects
 * PostgreSQL finds itself.
 */
List *
DDLTablesMatching(Oid nsp, Oid owner, Oid grantee)
{
	List	   *roots = NIL;
	Relation	rel = table_open(RelationRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(rel, 0, NULL);
	HeapTuple	tup;

	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_class cls = (Form_pg_class) GETSTRUCT(tup);

		if (cls->relkind != RELKIND_RELATION ||
			(OidIsValid(nsp) && cls->relnamespace != nsp) ||
			(OidIsValid(owner) && cls->relowner != owner))
			continue;
		if (OidIsValid(grantee) &&
			(cls->relowner == grantee || !acl_names_role(tup, RelationGetDescr(rel), grantee)))
			continue;
		roots = lappend_oid(roots, cls->oid);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	return roots;
}

/* DROP SCHEMA ... CASCADE: the hypertables in it go the way of DROP TABLE. */
static void
before_drop_schema(DropStmt *stmt)
{
	ListCell   *lc;

	if (stmt->behavior != DROP_CASCADE)
		return;				/* without CASCADE a schema with tables is not dropped */
	foreach(lc, stmt->objects)
	{
		const char *schema = strVal(lfirst(lc));
		Oid			nsp = get_namespace_oid(schema, true);
		List	   *roots;
		ListCell   *lc2;

		if (!OidIsValid(nsp) || !pg_namespace_ownercheck(nsp, GetUserId()))
			continue;
		roots = DDLTablesMatching(nsp, InvalidOid, InvalidOid);
		foreach(lc2, roots)
		{
			Hypertable *ht = HypertableGetByRelid(lfirst_oid(lc2));

			if (ht == NULL)
				continue;
			if (HypertableIsDistributed(ht))
				DDLForwardSQL(ht, psprintf("DROP TABLE IF EXISTS %s CASCADE",
										 quote_qualified_identifier(ht->schema_name, ht->table_name)),
							false);
			DDLDropHypertableCatalog(ht);
		}
	}
}

static void
before_drop(DropStmt *stmt, DDLState *state)
{
	ListCell   *lc;

	if (stmt->removeType == OBJECT_SCHEMA)
		before_drop_schema(stmt);
	if (stmt->removeType == OBJECT_POLICY)
	{
		foreach(lc, stmt->objects)
		{
			List	   *names = list_copy(lfirst(lc));

			names = list_truncate(names, list_length(names) - 1);
			(void) note_row_security(state, makeRangeVarFromNameList(names));
		}
		return;
	}
	if (stmt->removeType == OBJECT_TRIGGER)
	{
		/* the chunks' copies go with the root's trigger; data nodes drop theirs */
		foreach(lc, stmt->objects)
		{
			List	   *names = list_copy(lfirst(lc));
			Hypertable *ht;

			names = list_truncate(names, list_length(names) - 1);
			ht = hypertable_of_rangevar(makeRangeVarFromNameList(names));
			if (ht != NULL && HypertableIsDistributed(ht) &&
				!list_member_ptr(state->forward_to, ht))
				state->forward_to = lappend(state->forward_to, ht);
		}
		return;
	}
	if (stmt->removeType != OBJECT_TABLE)
		return;
	foreach(lc, stmt->objects)
	{
		RangeVar   *rv = makeRangeVarFromNameList(lfirst(lc));
		Hypertable *ht = hypertable_of_rangevar(rv);

		if (ht == NULL)
			continue;
		if (!pg_class_ownercheck(ht->relid, GetUserId()))
			continue;			/* the drop itself will fail with the usual error */
		if (HypertableIsDistributed(ht))
			DDLForwardSQL(ht, psprintf("DROP TABLE IF EXISTS %s%s",
									 quote_qualified_identifier(ht->schema_name, ht->table_name),
									 stmt->behavior == DROP_CASCADE ? " CASCADE" : ""),
						false);
		DDLDropHypertableCatalog(ht);
	}
}

static void
before_truncate(TruncateStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->relations)
	{
		Hypertable *ht = hypertable_of_rangevar(lfirst(lc));

		if (ht == NULL)
			continue;
		if (pg_class_aclcheck(ht->relid, GetUserId(), ACL_TRUNCATE) != ACLCHECK_OK)
			aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, ht->table_name);
		/* a truncated hypertable has no chunks, here or on its data nodes */
		HypertableDropChunks(ht, HypertableGetChunks(ht), NULL);
	}
}

static void
check_unique_index(Hypertable *ht, IndexStmt *stmt)
{
	int			d;

	if (!stmt->unique && !stmt->primary)
		return;
	for (d = 0; d < ht->num_dimensions; d++)
	{
		const char *col = ht->dimensions[d].column_name;
		ListCell   *lc;
		bool		found = false;

		foreach(lc, stmt->indexParams)
		{
			IndexElem  *elem = lfirst(lc);

			if (elem->name && strcmp(elem->name, col) == 0)
				found = true;
		}
		if (!found)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
					 errmsg("cannot create a unique index without the column \"%s\" (used in partitioning)",
							col),
					 errhint("Add the partitioning columns to the unique index.")));
	}
}

/*
 * Copy a new object of the root (index, foreign key or row trigger; see
 * ChunkCopyRootObject) to every chunk that is a table here.
 */
static void
object_to_chunks(Hypertable *ht, Oid classid, Oid object)
{
	ListCell   *lc;

	foreach(lc, HypertableGetChunks(ht))
	{
		Chunk	   *chunk = lfirst(lc);

		/* foreign chunks (access node) carry no indexes, constraints or triggers */
		if (OidIsValid(chunk->relid) && get_rel_relkind(chunk->relid) == RELKIND_RELATION)
			ChunkCopyRootObject(ht->relid, chunk->relid, classid, object);
	}
}

/*
 * A unique index that ALTER TABLE ... ADD CONSTRAINT made on the root must
 * contain every partitioning column, as CREATE UNIQUE INDEX must: a chunk's
 * index only sees the chunk's rows.
 */
static void
check_unique_constraint(Hypertable *ht, Oid index_oid)
{
	HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index_oid));
	Form_pg_index idx;
	int			d;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for index %u", index_oid);
	idx = (Form_pg_index) GETSTRUCT(tup);
	for (d = 0; idx->indisunique && d < ht->num_dimensions; d++)
	{
		bool		found = false;
		int			k;

		for (k = 0; k < idx->indnkeyatts; k++)
			if (idx->indkey.values[k] == ht->dimensions[d].attno)
				found = true;
		if (!found)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
					 errmsg("cannot create a unique index without the column \"%s\" (used in partitioning)",
							ht->dimensions[d].column_name),
					 errdetail("Uniqueness is enforced by each chunk's own index, so only a key that contains every partitioning column is unique across the hypertable \"%s\".",
							   ht->table_name),
					 errhint("Add the column \"%s\" to the constraint.",
							 ht->dimensions[d].column_name)));
	}
	ReleaseSysCache(tup);
}

/*
 * Every row needs a time slice and a point in each dimension: the
 * partitioning columns stay, and time columns stay NOT NULL (TimescaleDB's
 * messages and SQLSTATEs).
 */
static void
refuse_partitioning_column_change(Hypertable *ht, AlterTableCmd *cmd)
{
	int			d;

	if ((cmd->subtype != AT_DropNotNull && cmd->subtype != AT_DropColumn) || cmd->name == NULL)
		return;
	for (d = 0; d < ht->num_dimensions; d++)
	{
		const Dimension *dim = &ht->dimensions[d];

		if (strcmp(dim->column_name, cmd->name) != 0)
			continue;
		if (cmd->subtype == AT_DropColumn)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
					 errmsg("cannot drop column named in partition key"),
					 errdetail("Cannot drop column that is a hypertable partitioning (space or time) dimension.")));
		if (!dim->is_space)
			ereport(ERROR,
					(errcode(ERRCODE_MN_OPERATION_NOT_SUPPORTED),
					 errmsg("cannot drop not-null constraint from a time-partitioned column")));
	}
}

static void
refuse_distributed_foreign_key(Hypertable *ht, Node *def)
{
	bool		fk = false;

	if (def == NULL)
		return;
	if (IsA(def, Constraint))
		fk = ((Constraint *) def)->contype == CONSTR_FOREIGN;
	else if (IsA(def, ColumnDef))
	{
		ListCell   *lc;

		foreach(lc, ((ColumnDef *) def)->constraints)
			if (((Constraint *) lfirst(lc))->contype == CONSTR_FOREIGN)
				fk = true;
	}
	if (fk)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot add a foreign key to distributed hypertable \"%s\"", ht->table_name),
				 errdetail("The rows are stored on the data nodes, where the referenced table is not kept in step with the access node."),
				 errhint("Check the reference in the application, or use a hypertable that is not distributed.")));
}

/*
 * Row-level security is not enforced on the data nodes' reads and writes
 * yet: enabling it on a distributed hypertable would be silently ignored by
 * the paths that bypass the access node's executor, so it is refused.
 */
static void
refuse_distributed_row_security(Hypertable *ht, AlterTableCmd *cmd)
{
	if (cmd->subtype == AT_EnableRowSecurity || cmd->subtype == AT_ForceRowSecurity)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("row-level security is not supported on distributed hypertable \"%s\"",
						ht->table_name),
				 errhint("Grant privileges on the hypertable, or restrict the rows through a view with security_barrier.")));
}

/* ALTER TABLE root ENABLE/DISABLE TRIGGER: the same on every chunk table. */
static void
enable_disable_on_chunks(Hypertable *ht, AlterTableCmd *cmd)
{
	const char *action;
	const char *what;
	ListCell   *lc;

	switch (cmd->subtype)
	{
		case AT_EnableTrig:
		case AT_EnableTrigAll:
		case AT_EnableTrigUser:
			action = "ENABLE";
			break;
		case AT_EnableAlwaysTrig:
			action = "ENABLE ALWAYS";
			break;
		case AT_EnableReplicaTrig:
			action = "ENABLE REPLICA";
			break;
		case AT_DisableTrig:
		case AT_DisableTrigAll:
		case AT_DisableTrigUser:
			action = "DISABLE";
			break;
		default:
			return;
	}
	if (cmd->subtype == AT_EnableTrigAll || cmd->subtype == AT_DisableTrigAll)
		what = "ALL";
	else if (cmd->subtype == AT_EnableTrigUser || cmd->subtype == AT_DisableTrigUser)
		what = "USER";
	else
		what = quote_identifier(cmd->name);
	foreach(lc, HypertableGetChunks(ht))
	{
		Chunk	   *chunk = lfirst(lc);

		if (!OidIsValid(chunk->relid) || get_rel_relkind(chunk->relid) != RELKIND_RELATION)
			continue;
		/* a statement trigger of the root has no copy on the chunks */
		if (cmd->name && !OidIsValid(get_trigger_oid(chunk->relid, cmd->name, true)))
			continue;
		CatalogExec(psprintf("ALTER TABLE %s %s TRIGGER %s",
							 quote_qualified_identifier(chunk->schema_name, chunk->table_name),
							 action, what),
					0, NULL, NULL, NULL, false);
	}
}

/*
 * A trigger of a distributed hypertable is created on every data node, so
 * its function must exist there; say how to fix it rather than let the
 * node's "function does not exist" speak for itself.
 */
static void
check_trigger_function_on_nodes(Hypertable *ht, const char *trigger_name)
{
	Relation	rel = table_open(ht->relid, AccessShareLock);
	Oid			funcoid = InvalidOid;
	const char *params[1];
	ListCell   *lc;
	int			i;

	for (i = 0; rel->trigdesc && i < rel->trigdesc->numtriggers; i++)
		if (strcmp(rel->trigdesc->triggers[i].tgname, trigger_name) == 0)
			funcoid = rel->trigdesc->triggers[i].tgfoid;
	table_close(rel, AccessShareLock);
	if (!OidIsValid(funcoid))
		return;
	params[0] = format_procedure_qualified(funcoid);
	foreach(lc, HypertableDataNodeServerIds(ht))
	{
		Oid			server_id = lfirst_oid(lc);
		DataNodeConn *conn = GetDataNodeConnection(server_id, REMOTE_TXN_WRITE);
		PGresult   *res = RemoteExecParams(conn, "SELECT pg_catalog.to_regprocedure($1) IS NULL",
										   1, params);
		bool		missing = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;

		PQclear(res);
		if (missing)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FUNCTION),
					 errmsg("trigger function %s does not exist on data node \"%s\"",
							params[0], GetForeignServer(server_id)->servername),
					 errdetail("Row triggers of a distributed hypertable fire on its data nodes."),
					 errhint("Create the function on the data nodes with distributed_exec() first.")));
	}
}

/* GRANT/REVOKE the same privileges on each chunk of the hypertable. */
static void
grant_to_chunks(GrantStmt *stmt, Oid root)
{
	Hypertable *ht = HypertableGetByRelid(root);
	GrantStmt  *copy;
	ListCell   *lc;

	if (ht == NULL)
		return;
	copy = copyObject(stmt);
	copy->targtype = ACL_TARGET_OBJECT;
	copy->objects = NIL;
	foreach(lc, HypertableGetChunks(ht))
	{
		Chunk	   *chunk = lfirst(lc);

		if (OidIsValid(chunk->relid))
			copy->objects = lappend(copy->objects,
									makeRangeVar(pstrdup(chunk->schema_name),
												 pstrdup(chunk->table_name), -1));
	}
	if (copy->objects != NIL)
	{
		CatalogOwnerScope scope;

		/* chunks belong to the root's owner; the grantor's rights were checked on the root */
		CatalogAsOwnerBegin(&scope);
		ExecuteGrantStmt(copy);
		CatalogAsOwnerEnd(&scope);
	}
}

static const char *
rolespec_sql(RoleSpec *spec)
{
	switch (spec->roletype)
	{
		case ROLESPEC_CSTRING:
			return quote_identifier(spec->rolename);
		case ROLESPEC_CURRENT_ROLE:
			return "CURRENT_ROLE";
		case ROLESPEC_CURRENT_USER:
			return "CURRENT_USER";
		case ROLESPEC_SESSION_USER:
			return "SESSION_USER";
		case ROLESPEC_PUBLIC:
			return "PUBLIC";
	}
	return "PUBLIC";			/* keep the compiler quiet */
}

/* A list of RoleSpec as SQL: "a, PUBLIC, CURRENT_USER". */
static char *
role_list_sql(List *rolespecs)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, rolespecs)
		appendStringInfo(&buf, "%s%s", lc == list_head(rolespecs) ? "" : ", ",
						 rolespec_sql(lfirst(lc)));
	return buf.data;
}

/*
 * stmt, a GRANT or REVOKE, for the one object "<kind> <name>" (object_sql:
 * "TABLE s.t", "DATABASE d"): the statement may name objects the nodes do
 * not have, or have under another name.
 */
char *
DDLDeparseGrant(GrantStmt *stmt, const char *object_sql)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfoString(&buf, stmt->is_grant ? "GRANT " : "REVOKE ");
	if (!stmt->is_grant && stmt->grant_option)
		appendStringInfoString(&buf, "GRANT OPTION FOR ");
	if (stmt->privileges == NIL)
		appendStringInfoString(&buf, "ALL");
	foreach(lc, stmt->privileges)
	{
		AccessPriv *priv = lfirst(lc);
		ListCell   *lc2;

		if (lc != list_head(stmt->privileges))
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, priv->priv_name ? priv->priv_name : "ALL");
		foreach(lc2, priv->cols)
			appendStringInfo(&buf, "%s%s", lc2 == list_head(priv->cols) ? " (" : ", ",
							 quote_identifier(strVal(lfirst(lc2))));
		if (priv->cols != NIL)
			appendStringInfoChar(&buf, ')');
	}
	appendStringInfo(&buf, " ON %s %s %s", object_sql,
					 stmt->is_grant ? "TO" : "FROM", role_list_sql(stmt->grantees));
	if (stmt->is_grant && stmt->grant_option)
		appendStringInfoString(&buf, " WITH GRANT OPTION");
	if (stmt->grantor)
		appendStringInfo(&buf, " GRANTED BY %s", rolespec_sql(stmt->grantor));
	if (!stmt->is_grant && stmt->behavior == DROP_CASCADE)
		appendStringInfoString(&buf, " CASCADE");
	return buf.data;
}

static void
rename_in_catalog(RenameStmt *stmt, Hypertable *ht)
{
	Oid			types[3] = {INT4OID, NAMEOID, NAMEOID};
	Datum		values[3];

	values[0] = Int32GetDatum(ht->id);
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(stmt->newname));
	if (stmt->renameType == OBJECT_TABLE)
		CatalogExec("UPDATE " MN_CATALOG_SCHEMA ".hypertable SET table_name = $2 WHERE id OPERATOR(pg_catalog.=) $1",
					2, types, values, NULL, false);
	else if (stmt->renameType == OBJECT_COLUMN)
	{
		values[2] = DirectFunctionCall1(namein, CStringGetDatum(stmt->subname));
		CatalogExec("UPDATE " MN_CATALOG_SCHEMA ".dimension SET column_name = $2 "
					"WHERE hypertable_id OPERATOR(pg_catalog.=) $1 AND column_name OPERATOR(pg_catalog.=) $3", 3, types, values, NULL, false);
	}
	CatalogInvalidateHypertable(ht->relid);
}

/*
 * Before the statement runs locally.  Returns what the after step needs, or
 * NULL when the statement does not concern hypertables.
 */
void *
HypertableDDLBefore(PlannedStmt *pstmt, const char *query_string)
{
	Node	   *parsetree = pstmt->utilityStmt;
	DDLState   *state = NULL;

	/* not our database (or not yet, or not any more): nothing to do */
	if (!ExtensionIsInstalled() || !OidIsValid(get_namespace_oid(MN_CATALOG_SCHEMA, true)))
		return NULL;

	switch (nodeTag(parsetree))
	{
		case T_DropStmt:
			state = new_state();
			before_drop((DropStmt *) parsetree, state);
			break;
		case T_TruncateStmt:
			before_truncate((TruncateStmt *) parsetree);
			break;
		case T_IndexStmt:
			{
				IndexStmt  *stmt = (IndexStmt *) parsetree;
				Hypertable *ht = hypertable_of_rangevar(stmt->relation);

				if (ht == NULL)
					break;
				check_unique_index(ht, stmt);
				if (stmt->concurrent && HypertableIsDistributed(ht))
					ereport(ERROR,
							(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							 errmsg("CREATE INDEX CONCURRENTLY is not supported on distributed hypertables"),
							 errdetail("The index is built on every data node in one distributed transaction, which CONCURRENTLY cannot run in."),
							 errhint("Use CREATE INDEX without CONCURRENTLY.")));
				state = new_state();
				state->index_root = ht->relid;
				{
					Relation	rel = table_open(ht->relid, AccessShareLock);

					state->indexes_before = list_copy(RelationGetIndexList(rel));
					table_close(rel, AccessShareLock);
				}
				break;
			}
		case T_AlterTableStmt:
			{
				AlterTableStmt *stmt = (AlterTableStmt *) parsetree;
				Hypertable *ht;

				if (stmt->objtype != OBJECT_TABLE)
					break;
				ht = hypertable_of_rangevar(stmt->relation);
				if (ht == NULL)
					break;
				state = new_state();
				if (HypertableIsDistributed(ht))
					state->forward_to = list_make1(ht);
				/* what the statement adds to the root is copied to chunks after it */
				state->alter_root = ht->relid;
				{
					Relation	rel = table_open(ht->relid, AccessShareLock);

					state->indexes_before = list_copy(RelationGetIndexList(rel));
					table_close(rel, AccessShareLock);
				}
				state->fkeys_before = RelationForeignKeys(ht->relid);
				{
					ListCell   *lc;

					foreach(lc, stmt->cmds)
					{
						AlterTableCmd *cmd = lfirst(lc);

						if (HypertableIsDistributed(ht) &&
							(cmd->subtype == AT_AddConstraint || cmd->subtype == AT_AddColumn))
							refuse_distributed_foreign_key(ht, cmd->def);
						if (HypertableIsDistributed(ht))
							refuse_distributed_row_security(ht, cmd);
						refuse_partitioning_column_change(ht, cmd);
						if (cmd->subtype == AT_EnableRowSecurity ||
							cmd->subtype == AT_DisableRowSecurity ||
							cmd->subtype == AT_ForceRowSecurity ||
							cmd->subtype == AT_NoForceRowSecurity)
							(void) note_row_security(state, stmt->relation);
						if (cmd->subtype == AT_ChangeOwner)
						{
							state->owner_root = ht->relid;
							state->new_owner = get_rolespec_name(cmd->newowner);
						}
					}
				}
				break;
			}
		case T_CreateTrigStmt:
			{
				CreateTrigStmt *stmt = (CreateTrigStmt *) parsetree;
				Hypertable *ht = hypertable_of_rangevar(stmt->relation);

				if (ht == NULL || stmt->isconstraint)
					break;
				if (stmt->row && stmt->transitionRels != NIL)
					ereport(ERROR,
							(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							 errmsg("cannot create a row trigger with transition tables on hypertable \"%s\"",
									ht->table_name),
							 errdetail("Rows are stored in the hypertable's chunks, which cannot have row triggers with transition tables."),
							 errhint("Use a statement trigger with transition tables, or a row trigger without REFERENCING.")));
				state = new_state();
				state->trigger_root = ht->relid;
				state->trigger_name = pstrdup(stmt->trigname);
				if (HypertableIsDistributed(ht))
					state->forward_to = list_make1(ht);
				break;
			}
		case T_AlterObjectSchemaStmt:
			{
				AlterObjectSchemaStmt *stmt = (AlterObjectSchemaStmt *) parsetree;
				Hypertable *ht;
				Oid			types[2] = {INT4OID, NAMEOID};
				Datum		values[2];

				if (stmt->objectType != OBJECT_TABLE || stmt->relation == NULL)
					break;
				ht = hypertable_of_rangevar(stmt->relation);
				if (ht == NULL)
					break;
				values[0] = Int32GetDatum(ht->id);
				values[1] = DirectFunctionCall1(namein, CStringGetDatum(stmt->newschema));
				CatalogExec("UPDATE " MN_CATALOG_SCHEMA ".hypertable SET schema_name = $2 WHERE id OPERATOR(pg_catalog.=) $1",
							2, types, values, NULL, false);
				CatalogInvalidateHypertable(ht->relid);
				state = new_state();
				state->renamed_root = ht->relid;
				if (HypertableIsDistributed(ht))
					state->forward_to = list_make1(ht);
				break;
			}
		case T_RenameStmt:
			{
				RenameStmt *stmt = (RenameStmt *) parsetree;
				Hypertable *ht;

				if (stmt->renameType == OBJECT_POLICY)
				{
					state = note_row_security(state, stmt->relation);
					break;
				}
				if ((stmt->renameType != OBJECT_TABLE && stmt->renameType != OBJECT_COLUMN) ||
					stmt->relation == NULL)
					break;
				ht = hypertable_of_rangevar(stmt->relation);
				if (ht == NULL)
					break;
				state = new_state();
				state->renamed_root = ht->relid;
				if (HypertableIsDistributed(ht))
					state->forward_to = list_make1(ht);
				rename_in_catalog(stmt, ht);
				break;
			}
		case T_CreatePolicyStmt:
			state = note_row_security(state, ((CreatePolicyStmt *) parsetree)->table);
			break;
		case T_AlterPolicyStmt:
			state = note_row_security(state, ((AlterPolicyStmt *) parsetree)->table);
			break;
		case T_GrantStmt:
			{
				GrantStmt  *stmt = (GrantStmt *) parsetree;
				List	   *hts = NIL;
				ListCell   *lc;

				if (stmt->objtype != OBJECT_TABLE)
					break;
				if (stmt->targtype == ACL_TARGET_OBJECT)
					foreach(lc, stmt->objects)
						hts = lappend(hts, hypertable_of_rangevar(lfirst(lc)));

				foreach(lc, hts)
				{
					Hypertable *ht = lfirst(lc);

					if (ht == NULL)
						continue;
					if (state == NULL)
						state = new_state();
					state->grant_roots = lappend_oid(state->grant_roots, ht->relid);
					if (HypertableIsDistributed(ht))
						state->grant_forward = lappend(state->grant_forward, ht);
				}

				/*
				 * ON ALL TABLES IN SCHEMA reaches the hypertables there but not
				 * their chunks, which live in another schema: give them the
				 * same privileges.  The statement goes to the data nodes only
				 * with multinode.enable_distributed_ddl (ddl_global.c): the
				 * roles it names may not exist there yet (the MST page creates
				 * them afterwards), and the pages run it there with
				 * distributed_exec, where this hook reaches the chunks.
				 */
				if (stmt->targtype == ACL_TARGET_ALL_IN_SCHEMA)
					foreach(lc, stmt->objects)
					{
						Oid			nsp = get_namespace_oid(strVal(lfirst(lc)), true);
						ListCell   *lc2;

						if (!OidIsValid(nsp))
							continue;
						foreach(lc2, DDLTablesMatching(nsp, InvalidOid, InvalidOid))
						{
							if (HypertableGetByRelid(lfirst_oid(lc2)) == NULL)
								continue;
							if (state == NULL)
								state = new_state();
							state->grant_roots = lappend_oid(state->grant_roots, lfirst_oid(lc2));
						}
					}
				break;
			}
		default:
			break;
	}
	return state;
}

/* After the statement ran locally (only if HypertableDDLBefore returned state). */
void
HypertableDDLAfter(PlannedStmt *pstmt, const char *query_string, void *arg)
{
	DDLState   *state = arg;
	Node	   *parsetree = pstmt->utilityStmt;
	ListCell   *lc;

	if (state == NULL)
		return;
	if (OidIsValid(state->index_root))
	{
		Relation	rel = table_open(state->index_root, AccessShareLock);
		List	   *after = RelationGetIndexList(rel);
		Hypertable *ht = HypertableGetByRelid(state->index_root);

		table_close(rel, AccessShareLock);
		foreach(lc, after)
		{
			Oid			idx = lfirst_oid(lc);
			int			nestlevel;
			char	   *def;

			if (list_member_oid(state->indexes_before, idx) || ht == NULL)
				continue;
			object_to_chunks(ht, RelationRelationId, idx);
			if (!HypertableIsDistributed(ht))
				continue;
			nestlevel = CatalogPinSearchPath();
			/* a predicate's constants in ISO form, read alike under any DateStyle */
			(void) TransmissionModesBegin();
			def = TextDatumGetCString(DirectFunctionCall1(pg_get_indexdef, ObjectIdGetDatum(idx)));
			CatalogUnpinSearchPath(nestlevel);
			DDLForwardSQL(ht, def, false);
		}
		return;
	}
	if (OidIsValid(state->alter_root))
	{
		Hypertable *ht = HypertableGetByRelid(state->alter_root);

		if (ht != NULL)
		{
			Relation	rel = table_open(ht->relid, AccessShareLock);
			List	   *after = list_copy(RelationGetIndexList(rel));

			table_close(rel, AccessShareLock);
			/* new UNIQUE / PRIMARY KEY constraints (and their indexes) */
			foreach(lc, after)
			{
				Oid			idx = lfirst_oid(lc);

				if (list_member_oid(state->indexes_before, idx))
					continue;
				check_unique_constraint(ht, idx);
				object_to_chunks(ht, RelationRelationId, idx);
			}
			foreach(lc, RelationForeignKeys(ht->relid))
				if (!list_member_oid(state->fkeys_before, lfirst_oid(lc)))
					object_to_chunks(ht, ConstraintRelationId, lfirst_oid(lc));
			foreach(lc, ((AlterTableStmt *) parsetree)->cmds)
				enable_disable_on_chunks(ht, lfirst(lc));
		}
	}
	if (OidIsValid(state->trigger_root))
	{
		Hypertable *ht = HypertableGetByRelid(state->trigger_root);
		Oid			trigger = get_trigger_oid(state->trigger_root, state->trigger_name, false);

		if (ht != NULL && HypertableIsDistributed(ht))
			check_trigger_function_on_nodes(ht, state->trigger_name);
		else if (ht != NULL)
			object_to_chunks(ht, TriggerRelationId, trigger);
	}
	foreach(lc, state->rls_roots)
		row_security_to_chunks(lfirst_oid(lc));
	if (IsA(parsetree, GrantStmt))
	{
		foreach(lc, state->grant_roots)
			grant_to_chunks((GrantStmt *) parsetree, lfirst_oid(lc));
		/* one statement per hypertable: the others named may not exist on its nodes */
		foreach(lc, state->grant_forward)
		{
			Hypertable *ht = lfirst(lc);
			GrantStmt  *stmt = (GrantStmt *) parsetree;

			DDLCheckRolesOnNodes(HypertableDataNodeServerIds(ht), DDLNamedRoles(stmt->grantees));
			DDLForwardSQL(ht, DDLDeparseGrant(stmt, psprintf("TABLE %s", QualifiedRelationName(ht->relid))),
						  false);
		}
	}
	if (OidIsValid(state->renamed_root))
		CatalogInvalidateHypertable(state->renamed_root);
	if (OidIsValid(state->owner_root))
	{
		Hypertable *ht = HypertableGetByRelid(state->owner_root);

		/* chunks belong to the hypertable's owner */
		foreach(lc, ht ? HypertableGetChunks(ht) : NIL)
		{
			Chunk	   *chunk = lfirst(lc);

			if (OidIsValid(chunk->relid))
				CatalogExec(psprintf("ALTER %sTABLE %s OWNER TO %s",
									 get_rel_relkind(chunk->relid) == RELKIND_FOREIGN_TABLE ? "FOREIGN " : "",
									 quote_qualified_identifier(chunk->schema_name, chunk->table_name),
									 quote_identifier(state->new_owner)),
							0, NULL, NULL, NULL, false);
		}
	}
	if (state->forward_to != NIL)
	{
		char	   *sql = DDLStatementText(pstmt, query_string);

		foreach(lc, state->forward_to)
			DDLForwardSQL(lfirst(lc), sql, true);
	}
}
