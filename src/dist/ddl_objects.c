/*-------------------------------------------------------------------------
 *
 * ddl_objects.c
 *	  DDL on the objects of a hypertable other than its table: indexes,
 *	  constraints, triggers, comments; REINDEX, CLUSTER and DROP INDEX;
 *	  DROP OWNED of hypertables.
 *
 * Each statement is run here first (standard_ProcessUtility), then:
 *
 *	 - the chunks' copies of the object follow where PostgreSQL would not
 *	   take them along (hypertable/chunk_objects.c names copies after the
 *	   chunk, so a rename of the root's index renames each copy to the name
 *	   a new copy would get; storage parameters, REINDEX and CLUSTER reach
 *	   the chunks' tables and index copies);
 *	 - for a distributed hypertable, the statement goes to each of its data
 *	   nodes inside the distributed transaction, where this same code makes
 *	   the member chunks follow.
 *
 * What is sent is generated, one statement per hypertable, with qualified
 * names, so that a statement naming several objects (DROP INDEX of an index
 * of a distributed hypertable and of a plain table) reaches each node with
 * only the objects that exist there.  Statements about a single object whose
 * syntax is long (ALTER INDEX ... SET, COMMENT ON, REINDEX, CLUSTER) are sent
 * as the user's text, with the user's search_path and settings
 * (DDLForwardSQL), where its names mean what they meant here.
 *
 * Refused on distributed hypertables, with the alternative: CREATE INDEX
 * CONCURRENTLY, DROP INDEX CONCURRENTLY and REINDEX CONCURRENTLY (they
 * commit as they go, so they cannot run inside the distributed
 * transaction), and CREATE RULE (rules rewrite queries on the access node,
 * where the hypertable holds no rows).
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_trigger.h"
#include "commands/defrem.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "catalog/catalog.h"
#include "dist/ddl_internal.h"
#include "hypertable/hypertable.h"

typedef struct Forward
{
	Hypertable *ht;
	char	   *sql;
	bool		callers_settings;
} Forward;

typedef struct ObjectsState
{
	List	   *forwards;		/* Forward *, sent after the local run */
	Oid			rename_class;	/* root object renamed: copies follow */
	Oid			rename_object;
	char	   *new_name;
	Oid			index_copies_of;	/* ALTER INDEX SET/RESET: same on copies */
	char	   *index_clause;
	Oid			chunks_of;		/* ALTER TABLE SET/RESET: same on chunks */
	char	   *table_clause;
	Oid			reindex_index;	/* REINDEX INDEX of a root index */
	Oid			reindex_table;	/* REINDEX TABLE of a root */
	Oid			cluster_root;	/* CLUSTER of a root */
} ObjectsState;

static ObjectsState *
state_of(ObjectsState *state)
{
	return state ? state : palloc0(sizeof(ObjectsState));
}

static ObjectsState *
add_forward(ObjectsState *state, Hypertable *ht, char *sql, bool callers_settings)
{
	Forward    *fwd = palloc(sizeof(Forward));

	state = state_of(state);
	fwd->ht = ht;
	fwd->sql = sql;
	fwd->callers_settings = callers_settings;
	state->forwards = lappend(state->forwards, fwd);
	return state;
}

/*
 * The hypertable whose root is relid, or whose root relid is an index of;
 * *index_out gets the index (or InvalidOid).
 */
static Hypertable *
hypertable_of_relid(Oid relid, Oid *index_out)
{
	Oid			table = relid;

	if (index_out)
		*index_out = InvalidOid;
	if (!OidIsValid(relid))
		return NULL;
	if (get_rel_relkind(relid) == RELKIND_INDEX)
	{
		table = IndexGetRelation(relid, true);
		if (index_out)
			*index_out = relid;
	}
	return OidIsValid(table) ? HypertableGetByRelid(table) : NULL;
}

static Hypertable *
hypertable_of_names(List *names, Oid *index_out)
{
	Oid			relid = RangeVarGetRelid(makeRangeVarFromNameList(names), NoLock, true);

	return hypertable_of_relid(relid, index_out);
}

static Hypertable *
hypertable_of_rv(RangeVar *rv, Oid *index_out)
{
	return rv ? hypertable_of_relid(RangeVarGetRelid(rv, NoLock, true), index_out) : NULL;
}

/* "(name = 'value', ...)" or, for RESET, "(name, ...)" of reloptions. */
static char *
deparse_reloptions(List *defs, bool with_values)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '(');
	foreach(lc, defs)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (lc != list_head(defs))
			appendStringInfoString(&buf, ", ");
		if (def->defnamespace)
			appendStringInfo(&buf, "%s.", quote_identifier(def->defnamespace));
		appendStringInfoString(&buf, quote_identifier(def->defname));
		if (with_values && def->arg)
			appendStringInfo(&buf, " = %s", quote_literal_cstr(defGetString(def)));
	}
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/* SET (...) / RESET (...) of an ALTER TABLE or ALTER INDEX, or NULL. */
static char *
reloptions_clause(AlterTableCmd *cmd)
{
	if (cmd->subtype == AT_SetRelOptions)
		return psprintf("SET %s", deparse_reloptions((List *) cmd->def, true));
	if (cmd->subtype == AT_ResetRelOptions)
		return psprintf("RESET %s", deparse_reloptions((List *) cmd->def, false));
	return NULL;
}

static ObjectsState *
before_rename(RenameStmt *stmt, ObjectsState *state)
{
	Oid			index;
	Hypertable *ht;
	Oid			relid;
	char	   *qualified;

	switch (stmt->renameType)
	{
		case OBJECT_INDEX:
		case OBJECT_TABLE:		/* ALTER TABLE also renames indexes */
			ht = hypertable_of_rv(stmt->relation, &index);
			if (ht == NULL || !OidIsValid(index))
				return state;
			state = state_of(state);
			state->rename_class = RelationRelationId;
			state->rename_object = index;
			if (HypertableIsDistributed(ht))
				state = add_forward(state, ht,
									psprintf("ALTER INDEX %s RENAME TO %s",
											 QualifiedRelationName(index),
											 quote_identifier(stmt->newname)),
									false);
			break;
		case OBJECT_TABCONSTRAINT:
			ht = hypertable_of_rv(stmt->relation, &index);
			if (ht == NULL || OidIsValid(index))
				return state;
			relid = ht->relid;
			state = state_of(state);
			state->rename_class = ConstraintRelationId;
			state->rename_object = get_relation_constraint_oid(relid, stmt->subname, true);
			qualified = QualifiedRelationName(relid);
			if (HypertableIsDistributed(ht))
				state = add_forward(state, ht,
									psprintf("ALTER TABLE %s RENAME CONSTRAINT %s TO %s",
											 qualified, quote_identifier(stmt->subname),
											 quote_identifier(stmt->newname)),
									false);
			break;
		case OBJECT_TRIGGER:
			ht = hypertable_of_rv(stmt->relation, &index);
			if (ht == NULL || OidIsValid(index))
				return state;
			relid = ht->relid;
			state = state_of(state);
			state->rename_class = TriggerRelationId;
			state->rename_object = get_trigger_oid(relid, stmt->subname, true);
			if (HypertableIsDistributed(ht))
				state = add_forward(state, ht,
									psprintf("ALTER TRIGGER %s ON %s RENAME TO %s",
											 quote_identifier(stmt->subname),
											 QualifiedRelationName(relid),
											 quote_identifier(stmt->newname)),
									false);
			break;
		default:
			return state;
	}
	state->new_name = pstrdup(stmt->newname);
	return state;
}

/* ALTER INDEX on an index of a hypertable root; ALTER TABLE SET/RESET on a root. */
static ObjectsState *
before_alter_table(AlterTableStmt *stmt, PlannedStmt *pstmt, const char *query_string,
				   ObjectsState *state)
{
	Oid			index;
	Hypertable *ht = hypertable_of_rv(stmt->relation, &index);
	ListCell   *lc;

	if (ht == NULL)
		return state;
	if (stmt->objtype == OBJECT_INDEX && OidIsValid(index))
	{
		if (HypertableIsDistributed(ht))
			state = add_forward(state, ht, DDLStatementText(pstmt, query_string), true);
		foreach(lc, stmt->cmds)
		{
			char	   *clause = reloptions_clause(lfirst(lc));

			if (clause == NULL)
				continue;
			state = state_of(state);
			state->index_copies_of = index;
			state->index_clause = clause;
		}
	}
	else if (stmt->objtype == OBJECT_TABLE && !OidIsValid(index))
	{
		/* the statement itself is forwarded by hypertable_ddl.c */
		foreach(lc, stmt->cmds)
		{
			char	   *clause = reloptions_clause(lfirst(lc));

			if (clause == NULL)
				continue;
			state = state_of(state);
			state->chunks_of = ht->relid;
			state->table_clause = clause;
		}
	}
	return state;
}

static bool
has_option(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
		if (strcmp(lfirst_node(DefElem, lc)->defname, name) == 0)
			return defGetBoolean(lfirst(lc));
	return false;
}

static ObjectsState *
before_reindex(ReindexStmt *stmt, PlannedStmt *pstmt, const char *query_string,
			   ObjectsState *state)
{
	Oid			index;
	Hypertable *ht;

	if (stmt->kind != REINDEX_OBJECT_TABLE && stmt->kind != REINDEX_OBJECT_INDEX)
		return state;
	ht = hypertable_of_rv(stmt->relation, &index);
	if (ht == NULL)
		return state;
	if (has_option(stmt->params, "concurrently"))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("REINDEX CONCURRENTLY is not supported on hypertable \"%s\"",
						ht->table_name),
				 errdetail("It commits as it goes, but a hypertable's chunks%s are reindexed in one transaction.",
						   HypertableIsDistributed(ht) ? " and data nodes" : ""),
				 errhint("Use REINDEX without CONCURRENTLY.")));
	state = state_of(state);
	if (OidIsValid(index))
		state->reindex_index = index;
	else
		state->reindex_table = ht->relid;
	if (HypertableIsDistributed(ht))
		state = add_forward(state, ht, DDLStatementText(pstmt, query_string), true);
	return state;
}

static ObjectsState *
before_cluster(ClusterStmt *stmt, PlannedStmt *pstmt, const char *query_string,
			   ObjectsState *state)
{
	Oid			index;
	Hypertable *ht = hypertable_of_rv(stmt->relation, &index);

	if (ht == NULL || OidIsValid(index))
		return state;
	state = state_of(state);
	state->cluster_root = ht->relid;
	if (HypertableIsDistributed(ht))
		state = add_forward(state, ht, DDLStatementText(pstmt, query_string), true);
	return state;
}

/* COMMENT ON a distributed hypertable, its columns, indexes, constraints, triggers. */
static ObjectsState *
before_comment(CommentStmt *stmt, PlannedStmt *pstmt, const char *query_string,
			   ObjectsState *state)
{
	List	   *names;
	Hypertable *ht;

	switch (stmt->objtype)
	{
		case OBJECT_TABLE:
		case OBJECT_INDEX:
			names = castNode(List, stmt->object);
			break;
		case OBJECT_COLUMN:
		case OBJECT_TABCONSTRAINT:
		case OBJECT_TRIGGER:
			names = list_copy(castNode(List, stmt->object));
			names = list_truncate(names, list_length(names) - 1);
			break;
		default:
			return state;
	}
	if (names == NIL)
		return state;
	ht = hypertable_of_names(names, NULL);
	if (ht != NULL && HypertableIsDistributed(ht))
		state = add_forward(state, ht, DDLStatementText(pstmt, query_string), true);
	return state;
}

/*
 * DROP INDEX: each index of a distributed hypertable is dropped on that
 * hypertable's data nodes by name (the statement may name indexes of other
 * tables too).
 */
static ObjectsState *
before_drop_index(DropStmt *stmt, ObjectsState *state)
{
	ListCell   *lc;

	foreach(lc, stmt->objects)
	{
		Oid			index;
		Hypertable *ht = hypertable_of_names(lfirst(lc), &index);

		if (ht == NULL || !OidIsValid(index) || !HypertableIsDistributed(ht))
			continue;
		if (stmt->concurrent)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("DROP INDEX CONCURRENTLY is not supported on distributed hypertables"),
					 errdetail("Index \"%s\" belongs to distributed hypertable \"%s\", whose data nodes drop it in one distributed transaction.",
							   get_rel_name(index), ht->table_name),
					 errhint("Use DROP INDEX without CONCURRENTLY.")));
		state = add_forward(state, ht,
							psprintf("DROP INDEX %s%s", QualifiedRelationName(index),
									 stmt->behavior == DROP_CASCADE ? " CASCADE" : ""),
							false);
	}
	return state;
}

/*
 * DROP OWNED BY role: the role's hypertables go the way of DROP TABLE
 * (their data nodes drop their copy, the catalog rows go first); what the
 * role was granted on other distributed hypertables is revoked on their
 * data nodes too, after the local revocation.  Roles the caller may not
 * act for are left to PostgreSQL's own error.
 */
static ObjectsState *
before_drop_owned(DropOwnedStmt *stmt, ObjectsState *state)
{
	ListCell   *lc;

	foreach(lc, stmt->roles)
	{
		RoleSpec   *spec = lfirst(lc);
		Oid			role = get_rolespec_oid(spec, true);
		ListCell   *lc2;

		if (!OidIsValid(role) || !has_privs_of_role(GetUserId(), role))
			continue;
		foreach(lc2, DDLTablesMatching(InvalidOid, role, InvalidOid))
		{
			Hypertable *ht = HypertableGetByRelid(lfirst_oid(lc2));

			if (ht == NULL)
				continue;
			if (HypertableIsDistributed(ht))
				DDLForwardSQL(ht, psprintf("DROP TABLE %s CASCADE",
										   QualifiedRelationName(ht->relid)),
							  false);
			DDLDropHypertableCatalog(ht);
		}
		foreach(lc2, DDLTablesMatching(InvalidOid, InvalidOid, role))
		{
			Hypertable *ht = HypertableGetByRelid(lfirst_oid(lc2));

			if (ht != NULL && HypertableIsDistributed(ht))
				state = add_forward(state, ht,
									psprintf("REVOKE ALL ON TABLE %s FROM %s CASCADE",
											 QualifiedRelationName(ht->relid),
											 quote_identifier(GetUserNameFromId(role, false))),
									false);
		}
	}
	return state;
}

/*
 * Before the statement runs here: checks, and what the after step and the
 * data nodes need.  NULL when the statement is none of ours.
 */
void *
DDLObjectsBefore(PlannedStmt *pstmt, const char *query_string)
{
	Node	   *parsetree = pstmt->utilityStmt;
	ObjectsState *state = NULL;

	switch (nodeTag(parsetree))
	{
		case T_RenameStmt:
			state = before_rename((RenameStmt *) parsetree, state);
			break;
		case T_AlterTableStmt:
			state = before_alter_table((AlterTableStmt *) parsetree, pstmt, query_string, state);
			break;
		case T_ReindexStmt:
			state = before_reindex((ReindexStmt *) parsetree, pstmt, query_string, state);
			break;
		case T_ClusterStmt:
			state = before_cluster((ClusterStmt *) parsetree, pstmt, query_string, state);
			break;
		case T_CommentStmt:
			state = before_comment((CommentStmt *) parsetree, pstmt, query_string, state);
			break;
		case T_DropStmt:
			if (((DropStmt *) parsetree)->removeType == OBJECT_INDEX)
				state = before_drop_index((DropStmt *) parsetree, state);
			break;
		case T_DropOwnedStmt:
			state = before_drop_owned((DropOwnedStmt *) parsetree, state);
			break;
		case T_RuleStmt:
			{
				Hypertable *ht = hypertable_of_rv(((RuleStmt *) parsetree)->relation, NULL);

				if (ht != NULL && HypertableIsDistributed(ht))
					ereport(ERROR,
							(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							 errmsg("rules are not supported on distributed hypertables"),
							 errdetail("A rule rewrites queries on the access node, where \"%s\" holds no rows.",
									   ht->table_name),
							 errhint("Use a trigger or a view instead.")));
				break;
			}
		default:
			break;
	}
	return state;
}

/* The chunk tables (real tables, not the access node's foreign chunks) of root. */
static List *
chunk_tables(Oid root)
{
	Hypertable *ht = HypertableGetByRelid(root);
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, ht ? HypertableGetChunks(ht) : NIL)
	{
		Chunk	   *chunk = lfirst(lc);

		if (OidIsValid(chunk->relid) && get_rel_relkind(chunk->relid) == RELKIND_RELATION)
			result = lappend_oid(result, chunk->relid);
	}
	return result;
}

/* The index root was clustered on (CLUSTER marks it), or InvalidOid. */
static Oid
clustered_index(Oid root)
{
	Relation	rel = table_open(root, AccessShareLock);
	List	   *indexes = RelationGetIndexList(rel);
	Oid			result = InvalidOid;
	ListCell   *lc;

	table_close(rel, AccessShareLock);
	foreach(lc, indexes)
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));

		if (!HeapTupleIsValid(tup))
			continue;
		if (((Form_pg_index) GETSTRUCT(tup))->indisclustered)
			result = lfirst_oid(lc);
		ReleaseSysCache(tup);
	}
	return result;
}

/* After the statement ran here: the chunks follow, then the data nodes. */
void
DDLObjectsAfter(void *arg)
{
	ObjectsState *state = arg;
	ListCell   *lc;

	if (state == NULL)
		return;
	if (OidIsValid(state->rename_object))
		ChunkRenameCopies(state->rename_class, state->rename_object, state->new_name);
	if (OidIsValid(state->index_copies_of))
		ChunkAlterIndexCopies(state->index_copies_of, state->index_clause, false);
	if (OidIsValid(state->chunks_of))
		foreach(lc, chunk_tables(state->chunks_of))
			ChunkRunAsOwner(lfirst_oid(lc), psprintf("ALTER TABLE %s %s",
													 QualifiedRelationName(lfirst_oid(lc)),
													 state->table_clause));
	if (OidIsValid(state->reindex_index))
		ChunkAlterIndexCopies(state->reindex_index, NULL, true);
	if (OidIsValid(state->reindex_table))
		foreach(lc, chunk_tables(state->reindex_table))
			ChunkRunAsOwner(lfirst_oid(lc), psprintf("REINDEX TABLE %s",
													 QualifiedRelationName(lfirst_oid(lc))));
	if (OidIsValid(state->cluster_root))
	{
		Oid			index = clustered_index(state->cluster_root);

		foreach(lc, OidIsValid(index) ? chunk_tables(state->cluster_root) : NIL)
		{
			Oid			copy = ChunkIndexCopy(index, lfirst_oid(lc));

			if (OidIsValid(copy))
				ChunkRunAsOwner(lfirst_oid(lc), psprintf("CLUSTER %s USING %s",
														 QualifiedRelationName(lfirst_oid(lc)),
														 quote_identifier(get_rel_name(copy))));
		}
	}
	foreach(lc, state->forwards)
	{
		Forward    *fwd = lfirst(lc);

		DDLForwardSQL(fwd->ht, fwd->sql, fwd->callers_settings);
	}
}
