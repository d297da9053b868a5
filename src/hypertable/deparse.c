/*-------------------------------------------------------------------------
 *
 * deparse.c
 *	  The SQL that recreates a table on a data node: columns, defaults,
 *	  constraints, access method, storage parameters and indexes.
 *
 * Everything is deparsed under the pinned search_path (CatalogPinSearchPath),
 * so every name outside pg_catalog comes out schema-qualified and quoted, and
 * means the same on the data node (whose multinode connections run with
 * that search_path too).  Defaults that draw from sequences are left out:
 * the access node fills in defaults before rows are routed, and the
 * sequence does not exist on the data nodes.  Foreign keys are left out as
 * well: the referenced tables live on the access node.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_constraint.h"
#include "catalog/index.h"
#include "lib/stringinfo.h"
#include "nodes/nodeFuncs.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/array.h"
#include "utils/syscache.h"

#include "catalog/catalog.h"
#include "hypertable/hypertable.h"
#include "remote/remote.h"

char *
QualifiedRelationName(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

static bool
calls_nextval_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncExpr) && ((FuncExpr *) node)->funcid == F_NEXTVAL)
		return true;
	return expression_tree_walker(node, calls_nextval_walker, context);
}

static void
append_columns(StringInfo buf, Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	TupleConstr *constr = desc->constr;
	bool		first = true;
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		int			d;

		if (att->attisdropped)
			continue;
		appendStringInfo(buf, "%s%s %s", first ? "" : ", ", quote_identifier(NameStr(att->attname)),
						 format_type_with_typemod(att->atttypid, att->atttypmod));
		first = false;
		if (OidIsValid(att->attcollation) && att->attcollation != get_typcollation(att->atttypid))
			appendStringInfo(buf, " COLLATE %s", generate_collation_name(att->attcollation));
		if (att->attnotnull)
			appendStringInfoString(buf, " NOT NULL");
		if (!att->atthasdef || constr == NULL)
			continue;
		for (d = 0; d < constr->num_defval; d++)
		{
			AttrDefault *def = &constr->defval[d];
			Node	   *expr;
			char	   *deftext;

			if (def->adnum != att->attnum)
				continue;
			expr = stringToNode(def->adbin);
			if (calls_nextval_walker(expr, NULL))
				break;
			deftext = TextDatumGetCString(DirectFunctionCall2(pg_get_expr,
														   CStringGetTextDatum(def->adbin),
														   ObjectIdGetDatum(RelationGetRelid(rel))));
			if (att->attgenerated == ATTRIBUTE_GENERATED_STORED)
				appendStringInfo(buf, " GENERATED ALWAYS AS (%s) STORED", deftext);
			else
				appendStringInfo(buf, " DEFAULT %s", deftext);
		}
	}
}

/* Table constraints except foreign keys, appended as ", CONSTRAINT n ..." */
static void
append_constraints(StringInfo buf, Relation rel)
{
	Relation	conrel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyData key[1];
	SysScanDesc scan;
	HeapTuple	tup;

	ScanKeyInit(&key[0], Anum_pg_constraint_conrelid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(RelationGetRelid(rel)));
	scan = systable_beginscan(conrel, ConstraintRelidTypidNameIndexId, true, NULL, 1, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);

		if (con->contype == CONSTRAINT_FOREIGN)
			continue;
		appendStringInfo(buf, ", CONSTRAINT %s %s", quote_identifier(NameStr(con->conname)),
						 TextDatumGetCString(DirectFunctionCall1(pg_get_constraintdef,
																 ObjectIdGetDatum(con->oid))));
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);
}

/*
 * The table's access method, unless heap (the default everywhere), and its
 * storage parameters, after the column list.  The toast table's parameters
 * (toast.*) are stored on the toast table and are not sent.  The table's
 * tablespace is not sent either: tablespaces belong to a server, and a
 * data node has its own (see attach_tablespace).
 */
static void
append_storage(StringInfo buf, Relation rel)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(RelationGetRelid(rel)));
	bool		isnull;
	Datum		options;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", RelationGetRelid(rel));
	if (OidIsValid(rel->rd_rel->relam) && rel->rd_rel->relam != HEAP_TABLE_AM_OID)
		appendStringInfo(buf, " USING %s", quote_identifier(get_am_name(rel->rd_rel->relam)));
	options = SysCacheGetAttr(RELOID, tup, Anum_pg_class_reloptions, &isnull);
	if (!isnull)
	{
		Datum	   *elems;
		int			nelems;
		int			i;

		deconstruct_array(DatumGetArrayTypeP(options), TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, NULL, &nelems);
		for (i = 0; i < nelems; i++)
		{
			char	   *option = TextDatumGetCString(elems[i]);
			char	   *value = strchr(option, '=');

			if (value == NULL)
				continue;
			*value++ = '\0';
			appendStringInfo(buf, "%s%s = %s", i == 0 ? " WITH (" : ", ",
							 quote_identifier(option), quote_literal_cstr(value));
		}
		if (nelems > 0)
			appendStringInfoChar(buf, ')');
	}
	ReleaseSysCache(tup);
}

/* append_storage for relid, as a string (" USING ... WITH (...)" or ""). */
char *
DeparseStorageClause(Oid relid)
{
	Relation	rel = table_open(relid, AccessShareLock);
	StringInfoData buf;

	initStringInfo(&buf);
	append_storage(&buf, rel);
	table_close(rel, AccessShareLock);
	return buf.data;
}

/*
 * Commands that recreate relid (not its schema) on a data node: CREATE
 * TABLE with columns and constraints, then one CREATE INDEX per index that
 * does not belong to a constraint.
 */
List *
DeparseTableForDataNode(Oid relid)
{
	Relation	rel = table_open(relid, AccessShareLock);
	StringInfoData buf;
	List	   *cmds = NIL;
	List	   *indexes;
	ListCell   *lc;
	int			nestlevel = CatalogPinSearchPath();

	/* defaults, CHECK and index predicates: constants as the nodes read them */
	(void) TransmissionModesBegin();
	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE TABLE %s (", QualifiedRelationName(relid));
	append_columns(&buf, rel);
	append_constraints(&buf, rel);
	appendStringInfoChar(&buf, ')');
	append_storage(&buf, rel);
	cmds = lappend(cmds, buf.data);

	indexes = RelationGetIndexList(rel);
	foreach(lc, indexes)
	{
		Oid			indexoid = lfirst_oid(lc);

		if (OidIsValid(get_index_constraint(indexoid)))
			continue;
		cmds = lappend(cmds, TextDatumGetCString(DirectFunctionCall1(pg_get_indexdef,
																	 ObjectIdGetDatum(indexoid))));
	}
	CatalogUnpinSearchPath(nestlevel);
	table_close(rel, AccessShareLock);
	return cmds;
}
