/*-------------------------------------------------------------------------
 *
 * chunk_objects.c
 *	  Copying the root's indexes, constraints and row triggers to chunks.
 *
 * Inheritance gives a chunk the root's columns, NOT NULL and CHECK
 * constraints, but not its indexes, its UNIQUE, PRIMARY KEY and FOREIGN KEY
 * constraints or its triggers.  Those are copied here, when a chunk is
 * created (every such object of the root) and when one is added to the
 * root later (to every existing chunk, from hypertable_ddl.c).
 *
 * Each copy depends automatically (DEPENDENCY_AUTO) on the root's object,
 * so DROP INDEX, ALTER TABLE ... DROP CONSTRAINT and DROP TRIGGER on the
 * root drop the copies with it, with no bookkeeping of our own, and a chunk
 * can still be dropped alone.  A UNIQUE or PRIMARY KEY constraint is copied
 * as its index plus a constraint using that index, both named after the
 * chunk and the root's object ("<chunk table>_<name>", truncated and made
 * unique by ChooseRelationName), so names never collide across chunks of
 * one schema.
 *
 * Row-level security is mirrored rather than copied object by object: a
 * chunk carries the root's privileges (chunk.c), so without the root's
 * policies anyone allowed to read the hypertable could read every row of a
 * chunk by naming it.  ChunkCopyRootRowSecurity makes the chunk's ENABLE and
 * FORCE flags and its policies those of the root, replacing whatever the
 * chunk had; it runs when a chunk is created and after every statement that
 * changes the root's row-level security (hypertable_ddl.c), so renamed,
 * altered and dropped policies need no bookkeeping either.
 *
 * Only real tables get copies: the foreign chunks of a distributed
 * hypertable on the access node hold no rows.  On a data node the member
 * hypertable's chunks are real tables, so the same code copies there when
 * the forwarded statement reaches the member root.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_policy.h"
#include "catalog/pg_trigger.h"
#include "commands/defrem.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_utilcmd.h"
#include "rewrite/prs2lock.h"
#include "storage/lmgr.h"
#include "rewrite/rewriteManip.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/syscache.h"

#include "catalog/catalog.h"
#include "hypertable/hypertable.h"
#include "remote/remote.h"

static char
constraint_type(Oid conoid)
{
	HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
	char		contype;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for constraint %u", conoid);
	contype = ((Form_pg_constraint) GETSTRUCT(tup))->contype;
	ReleaseSysCache(tup);
	return contype;
}

/*
 * The label for the copy of the root's object called name on chunk: name
 * itself, cut (on a character boundary) so that "<chunk>_<label>" and a
 * few digits ChooseRelationName may add fit in NAMEDATALEN.  Its own
 * makeObjectName never cuts the label, so a long one would be cut by the
 * catalog instead, after the uniqueness check, and collide across chunks.
 */
static char *
copy_label(Relation chunk, const char *name)
{
	int			room = NAMEDATALEN - 1 - strlen(RelationGetRelationName(chunk)) - 1 - 4;

	if (room < 8)
		room = 8;
	return pnstrdup(name, pg_mbcliplen(name, strlen(name), Min(room, (int) strlen(name))));
}

static void
depend_auto(Oid classid, Oid copy, Oid original)
{
	ObjectAddress dependent;
	ObjectAddress referenced;

	ObjectAddressSet(dependent, classid, copy);
	ObjectAddressSet(referenced, classid, original);
	recordDependencyOn(&dependent, &referenced, DEPENDENCY_AUTO);
}

/*
 * pg_get_constraintdef with every name outside pg_catalog qualified: the
 * caller's scope pins search_path (owner.c), so what it prints resolves to
 * the same objects when it is run.
 */
static char *
constraint_def(Oid conoid)
{
	/* constants in ISO form: "IST" printed in Asia/Kolkata reads back as Israel time */
	int			nestlevel = TransmissionModesBegin();
	char	   *def;

	def = TextDatumGetCString(DirectFunctionCall1(pg_get_constraintdef, ObjectIdGetDatum(conoid)));
	TransmissionModesEnd(nestlevel);
	return def;
}

/* Run one ALTER TABLE on a chunk as the current (the chunk owner's) scope. */
static void
alter_chunk(const char *sql)
{
	int			rc;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute(sql, false, 0);
	if (rc < 0)
		elog(ERROR, "could not alter chunk: %s", SPI_result_code_string(rc));
	SPI_finish();
}

/*
 * Copy one index of the root to a chunk table.  If it backs a UNIQUE or
 * PRIMARY KEY constraint, returns the constraint's oid and sets *name to
 * the copy's name: the caller makes the copy a constraint of the chunk once
 * it has closed the chunk (ALTER TABLE refuses a table open in the session).
 * The caller runs as the chunk's owner.
 */
static Oid
copy_index(Relation root, Relation chunk, Oid root_index, char **name)
{
	AttrMap    *attmap = build_attrmap_by_name(RelationGetDescr(chunk), RelationGetDescr(root));
	Relation	idx = index_open(root_index, AccessShareLock);
	Oid			conoid;
	IndexStmt  *stmt = generateClonedIndexStmt(NULL, idx, attmap, &conoid);
	char		contype = OidIsValid(conoid) ? constraint_type(conoid) : '\0';
	ObjectAddress addr;

	*name = ChooseRelationName(RelationGetRelationName(chunk), NULL,
							   copy_label(chunk, RelationGetRelationName(idx)),
							   RelationGetNamespace(chunk), false);
	stmt->idxname = *name;
	addr = DefineIndex(RelationGetRelid(chunk), stmt, InvalidOid, InvalidOid, InvalidOid,
					   false, false, false, false, true);
	index_close(idx, AccessShareLock);
	CommandCounterIncrement();
	if (contype == CONSTRAINT_PRIMARY || contype == CONSTRAINT_UNIQUE)
	{
		Oid			chunk_con = get_index_constraint(addr.objectId);

		/* a cloned PRIMARY KEY index comes with its constraint already */
		if (!OidIsValid(chunk_con))
			return conoid;
		depend_auto(ConstraintRelationId, chunk_con, conoid);
		CommandCounterIncrement();
		return InvalidOid;
	}
	depend_auto(RelationRelationId, addr.objectId, root_index);
	CommandCounterIncrement();
	return InvalidOid;
}

/* The chunk's copy of a UNIQUE / PRIMARY KEY index becomes a constraint, same name. */
static void
index_to_constraint(Oid chunk_relid, const char *name, Oid root_con)
{
	alter_chunk(psprintf("ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s",
						 QualifiedRelationName(chunk_relid), quote_identifier(name),
						 constraint_type(root_con) == CONSTRAINT_PRIMARY ? "PRIMARY KEY" : "UNIQUE",
						 quote_identifier(name)));
	depend_auto(ConstraintRelationId, get_relation_constraint_oid(chunk_relid, name, false),
				root_con);
	CommandCounterIncrement();
}

/* Copy a FOREIGN KEY constraint of the root to a chunk table (not open here). */
static void
copy_foreign_key(Oid chunk_relid, Oid root_con)
{
	Relation	chunk = table_open(chunk_relid, NoLock);
	char	   *name = ChooseConstraintName(RelationGetRelationName(chunk), NULL,
											copy_label(chunk, get_constraint_name(root_con)),
											RelationGetNamespace(chunk), NIL);

	table_close(chunk, NoLock);

	alter_chunk(psprintf("ALTER TABLE %s ADD CONSTRAINT %s %s",
						 QualifiedRelationName(chunk_relid), quote_identifier(name),
						 constraint_def(root_con)));
	depend_auto(ConstraintRelationId, get_relation_constraint_oid(chunk_relid, name, false),
				root_con);
	CommandCounterIncrement();
}

/*
 * Copy a row trigger of the root to a chunk table, with the same name,
 * function, arguments, events, columns, WHEN condition (its columns mapped
 * to the chunk's) and enabled state.  Statement triggers stay on the root,
 * where they fire once per statement.
 */
static void
copy_trigger(Relation root, Relation chunk, const Trigger *trig)
{
	CreateTrigStmt *stmt = makeNode(CreateTrigStmt);
	Node	   *when = NULL;
	ObjectAddress addr;
	int			i;

	stmt->trigname = pstrdup(trig->tgname);
	stmt->relation = makeRangeVar(get_namespace_name(RelationGetNamespace(chunk)),
								  pstrdup(RelationGetRelationName(chunk)), -1);
	stmt->funcname = NIL;		/* trig->tgfoid is passed instead */
	for (i = 0; i < trig->tgnargs; i++)
		stmt->args = lappend(stmt->args, makeString(pstrdup(trig->tgargs[i])));
	stmt->row = true;
	stmt->timing = trig->tgtype & TRIGGER_TYPE_TIMING_MASK;
	stmt->events = trig->tgtype & TRIGGER_TYPE_EVENT_MASK;
	for (i = 0; i < trig->tgnattr; i++)
		stmt->columns = lappend(stmt->columns,
								makeString(pstrdup(NameStr(TupleDescAttr(RelationGetDescr(root),
																		 trig->tgattr[i] - 1)->attname))));
	if (trig->tgqual)
	{
		AttrMap    *attmap = build_attrmap_by_name(RelationGetDescr(chunk), RelationGetDescr(root));
		bool		whole_row;

		when = stringToNode(trig->tgqual);
		when = map_variable_attnos(when, PRS2_OLD_VARNO, 0, attmap, InvalidOid, &whole_row);
		when = map_variable_attnos(when, PRS2_NEW_VARNO, 0, attmap, InvalidOid, &whole_row);
	}
	/*
	 * CREATE OR REPLACE TRIGGER on the root replaces the chunks' copies in
	 * place; replacing drops the copy's dependencies, so it is made again.
	 */
	stmt->replace = true;
	addr = CreateTriggerFiringOn(stmt, NULL, RelationGetRelid(chunk), InvalidOid, InvalidOid,
								 InvalidOid, trig->tgfoid, InvalidOid, when, false, false,
								 trig->tgenabled);
	depend_auto(TriggerRelationId, addr.objectId, trig->tgoid);
	CommandCounterIncrement();
}

static bool
is_copied_trigger(const Trigger *trig)
{
	return !trig->tgisinternal && TRIGGER_FOR_ROW(trig->tgtype) &&
		trig->tgoldtable == NULL && trig->tgnewtable == NULL;
}

/*
 * Copy the root's objects named by kind to the chunk table: an index
 * (RelationRelationId), a FOREIGN KEY constraint (ConstraintRelationId) or
 * a row trigger (TriggerRelationId).  Runs as the chunk's owner, the way
 * PostgreSQL maintains a table: building an index evaluates its
 * expressions and predicate, which are the owner's code and must never run
 * with the extension owner's rights.
 */
void
ChunkCopyRootObject(Oid root_relid, Oid chunk_relid, Oid classid, Oid object)
{
	Relation	root;
	Relation	chunk;
	CatalogOwnerScope scope;
	Oid			constraint = InvalidOid;
	char	   *name = NULL;

	chunk = table_open(chunk_relid, ShareRowExclusiveLock);
	CatalogAsRoleBegin(&scope, chunk->rd_rel->relowner);
	if (classid == ConstraintRelationId)
	{
		table_close(chunk, NoLock);
		copy_foreign_key(chunk_relid, object);
		CatalogAsOwnerEnd(&scope);
		return;
	}
	root = table_open(root_relid, AccessShareLock);
	if (classid == RelationRelationId)
		constraint = copy_index(root, chunk, object, &name);
	else if (classid == TriggerRelationId && root->trigdesc)
	{
		int			i;

		for (i = 0; i < root->trigdesc->numtriggers; i++)
			if (root->trigdesc->triggers[i].tgoid == object &&
				is_copied_trigger(&root->trigdesc->triggers[i]))
				copy_trigger(root, chunk, &root->trigdesc->triggers[i]);
	}
	table_close(chunk, NoLock);
	table_close(root, AccessShareLock);
	if (OidIsValid(constraint))
		index_to_constraint(chunk_relid, name, constraint);
	CatalogAsOwnerEnd(&scope);
}

/* The FOREIGN KEY constraints defined on relid itself. */
List *
RelationForeignKeys(Oid relid)
{
	Relation	rel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *result = NIL;

	ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, ConstraintRelidTypidNameIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);

		if (con->contype == CONSTRAINT_FOREIGN)
			result = lappend_oid(result, con->oid);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
}

/* The row triggers of relid that chunks get copies of. */
List *
RelationCopiedTriggers(Oid relid)
{
	Relation	rel = table_open(relid, AccessShareLock);
	List	   *result = NIL;
	int			i;

	for (i = 0; rel->trigdesc && i < rel->trigdesc->numtriggers; i++)
		if (is_copied_trigger(&rel->trigdesc->triggers[i]))
			result = lappend_oid(result, rel->trigdesc->triggers[i].tgoid);
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * A new chunk table gets a copy of every index, foreign key and row trigger
 * of the root, and the root's row-level security.
 */
void
ChunkCopyRootObjects(Oid root_relid, Oid chunk_relid)
{
	Relation	root = table_open(root_relid, AccessShareLock);
	List	   *indexes = RelationGetIndexList(root);
	ListCell   *lc;

	table_close(root, AccessShareLock);
	foreach(lc, indexes)
		ChunkCopyRootObject(root_relid, chunk_relid, RelationRelationId, lfirst_oid(lc));
	foreach(lc, RelationForeignKeys(root_relid))
		ChunkCopyRootObject(root_relid, chunk_relid, ConstraintRelationId, lfirst_oid(lc));
	foreach(lc, RelationCopiedTriggers(root_relid))
		ChunkCopyRootObject(root_relid, chunk_relid, TriggerRelationId, lfirst_oid(lc));
	ChunkCopyRootRowSecurity(root_relid, chunk_relid);
}

/* The text of expression column attnum of a pg_policy row, or NULL. */
static char *
policy_expr(HeapTuple tup, TupleDesc desc, int attnum, Oid relid)
{
	bool		isnull;
	Datum		expr = heap_getattr(tup, attnum, desc, &isnull);

	if (isnull)
		return NULL;
	return TextDatumGetCString(DirectFunctionCall2(pg_get_expr, expr, ObjectIdGetDatum(relid)));
}

/*
 * CREATE POLICY statements for chunk that recreate each policy of the root
 * (if create) or DROP POLICY statements for each policy of relid (if not).
 * Deparsed in the caller's scope, whose pinned search_path makes every name
 * outside pg_catalog come out qualified.
 */
static List *
policy_statements(Oid relid, Oid chunk_relid, bool create)
{
	Relation	rel = table_open(PolicyRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *result = NIL;
	const char *chunk = QualifiedRelationName(chunk_relid);

	ScanKeyInit(&key, Anum_pg_policy_polrelid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, PolicyPolrelidPolnameIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_policy pol = (Form_pg_policy) GETSTRUCT(tup);
		StringInfoData sql;
		bool		isnull;
		ArrayType  *roles;
		Datum	   *elems;
		int			nroles;
		char	   *qual;
		char	   *check;
		const char *cmd;
		int			i;

		initStringInfo(&sql);
		if (!create)
		{
			appendStringInfo(&sql, "DROP POLICY %s ON %s", quote_identifier(NameStr(pol->polname)),
							 chunk);
			result = lappend(result, sql.data);
			continue;
		}
		switch (pol->polcmd)
		{
			case ACL_SELECT_CHR:
				cmd = "SELECT";
				break;
			case ACL_INSERT_CHR:
				cmd = "INSERT";
				break;
			case ACL_UPDATE_CHR:
				cmd = "UPDATE";
				break;
			case ACL_DELETE_CHR:
				cmd = "DELETE";
				break;
			default:
				cmd = "ALL";
				break;
		}
		appendStringInfo(&sql, "CREATE POLICY %s ON %s AS %s FOR %s TO ",
						 quote_identifier(NameStr(pol->polname)), chunk,
						 pol->polpermissive ? "PERMISSIVE" : "RESTRICTIVE", cmd);
		roles = DatumGetArrayTypeP(heap_getattr(tup, Anum_pg_policy_polroles,
												RelationGetDescr(rel), &isnull));
		deconstruct_array(roles, OIDOID, sizeof(Oid), true, TYPALIGN_INT, &elems, NULL, &nroles);
		for (i = 0; i < nroles; i++)
		{
			Oid			role = DatumGetObjectId(elems[i]);

			appendStringInfo(&sql, "%s%s", i ? ", " : "",
							 role == ACL_ID_PUBLIC ? "PUBLIC"
							 : quote_identifier(GetUserNameFromId(role, false)));
		}
		qual = policy_expr(tup, RelationGetDescr(rel), Anum_pg_policy_polqual, relid);
		check = policy_expr(tup, RelationGetDescr(rel), Anum_pg_policy_polwithcheck, relid);
		if (qual)
			appendStringInfo(&sql, " USING (%s)", qual);
		if (check)
			appendStringInfo(&sql, " WITH CHECK (%s)", check);
		result = lappend(result, sql.data);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
}

static void
rls_flags(Oid relid, bool *enabled, bool *forced, Oid *owner)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	*enabled = ((Form_pg_class) GETSTRUCT(tup))->relrowsecurity;
	*forced = ((Form_pg_class) GETSTRUCT(tup))->relforcerowsecurity;
	*owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
}

/*
 * Give the chunk table (not open here) the root's row-level security: its
 * ENABLE and FORCE flags and a copy of each policy, same name, command,
 * kind, roles and expressions; the chunk's own policies are dropped first.
 * Runs as the chunk's owner, who alone may change them.  Costs two catalog
 * lookups when neither table has any row-level security.
 */
void
ChunkCopyRootRowSecurity(Oid root_relid, Oid chunk_relid)
{
	bool		root_enabled;
	bool		root_forced;
	bool		chunk_enabled;
	bool		chunk_forced;
	Oid			root_owner;
	Oid			owner;
	List	   *drops;
	List	   *creates;
	CatalogOwnerScope scope;
	ListCell   *lc;

	rls_flags(root_relid, &root_enabled, &root_forced, &root_owner);
	rls_flags(chunk_relid, &chunk_enabled, &chunk_forced, &owner);
	CatalogAsRoleBegin(&scope, owner);
	/* constants in ISO form, read alike under any DateStyle (see constraint_def) */
	{
		int			nestlevel = TransmissionModesBegin();

		creates = policy_statements(root_relid, chunk_relid, true);
		TransmissionModesEnd(nestlevel);
	}
	drops = policy_statements(chunk_relid, chunk_relid, false);
	if (drops == NIL && creates == NIL && root_enabled == chunk_enabled &&
		root_forced == chunk_forced)
	{
		CatalogAsOwnerEnd(&scope);
		return;
	}
	foreach(lc, drops)
		alter_chunk(lfirst(lc));
	foreach(lc, creates)
		alter_chunk(lfirst(lc));
	alter_chunk(psprintf("ALTER TABLE %s %s ROW LEVEL SECURITY, %s ROW LEVEL SECURITY",
						 QualifiedRelationName(chunk_relid),
						 root_enabled ? "ENABLE" : "DISABLE",
						 root_forced ? "FORCE" : "NO FORCE"));
	CommandCounterIncrement();
	CatalogAsOwnerEnd(&scope);
}

/*
 * The chunks' copies of the root's object (an index, a constraint or a
 * trigger): the objects of the same class that depend automatically on it
 * (depend_auto above), each with its chunk table.  A UNIQUE or PRIMARY KEY
 * index is reached through its constraint, whose copies own the copied
 * indexes.
 */
typedef struct ChunkCopy
{
	Oid			chunk;
	Oid			copy;			/* of the class asked for */
} ChunkCopy;

static Oid
trigger_relid(Oid trigger)
{
	Relation	rel = table_open(TriggerRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			relid = InvalidOid;

	ScanKeyInit(&key, Anum_pg_trigger_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(trigger));
	scan = systable_beginscan(rel, TriggerOidIndexId, true, NULL, 1, &key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
		relid = ((Form_pg_trigger) GETSTRUCT(tup))->tgrelid;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return relid;
}

static Oid
constraint_relid(Oid conoid)
{
	HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
	Oid			relid;

	if (!HeapTupleIsValid(tup))
		return InvalidOid;
	relid = ((Form_pg_constraint) GETSTRUCT(tup))->conrelid;
	ReleaseSysCache(tup);
	return relid;
}

static List *
copies_of(Oid classid, Oid original)
{
	Relation	rel = table_open(DependRelationId, AccessShareLock);
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *result = NIL;

	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(classid));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(original));
	scan = systable_beginscan(rel, DependReferenceIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);
		ChunkCopy  *copy;

		if (dep->classid != classid || dep->deptype != DEPENDENCY_AUTO || dep->objsubid != 0)
			continue;
		copy = palloc(sizeof(ChunkCopy));
		copy->copy = dep->objid;
		if (classid == RelationRelationId)
			copy->chunk = IndexGetRelation(dep->objid, true);
		else if (classid == ConstraintRelationId)
			copy->chunk = constraint_relid(dep->objid);
		else
			copy->chunk = trigger_relid(dep->objid);
		if (OidIsValid(copy->chunk))
			result = lappend(result, copy);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
}

/* Run sql on a chunk table as its owner (see ChunkCopyRootObject). */
static void
alter_chunk_as_owner(Oid chunk_relid, const char *sql)
{
	CatalogOwnerScope scope;
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(chunk_relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", chunk_relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	CatalogAsRoleBegin(&scope, owner);
	alter_chunk(sql);
	CatalogAsOwnerEnd(&scope);
	CommandCounterIncrement();
}

/*
 * The chunk index copies of the root's index root_index, with their chunk:
 * an index of a constraint is copied with the constraint.
 */
static List *
index_copies(Oid root_index)
{
	Oid			con = get_index_constraint(root_index);
	List	   *copies;
	ListCell   *lc;

	if (!OidIsValid(con))
		return copies_of(RelationRelationId, root_index);
	copies = copies_of(ConstraintRelationId, con);
	foreach(lc, copies)
	{
		ChunkCopy  *copy = lfirst(lc);

		copy->copy = get_constraint_index(copy->copy);
	}
	return copies;
}

/*
 * After the root's index, constraint or trigger was renamed to newname,
 * give its chunk copies the names a copy made now would get: a trigger's
 * copies share its name; index and constraint copies are named after the
 * chunk and newname, as copy_index and copy_foreign_key name them.  CHECK
 * constraints need nothing: PostgreSQL renames the inherited ones itself.
 */
void
ChunkRenameCopies(Oid classid, Oid original, const char *newname)
{
	ListCell   *lc;

	if (classid == RelationRelationId && OidIsValid(get_index_constraint(original)))
	{
		ChunkRenameCopies(ConstraintRelationId, get_index_constraint(original), newname);
		return;
	}
	foreach(lc, copies_of(classid, original))
	{
		ChunkCopy  *copy = lfirst(lc);
		Relation	chunk = table_open(copy->chunk, AccessShareLock);
		char	   *chunk_name = QualifiedRelationName(copy->chunk);
		char	   *sql;

		if (classid == TriggerRelationId)
		{
			HeapTuple	tup;
			Relation	trel = table_open(TriggerRelationId, AccessShareLock);
			ScanKeyData key;
			SysScanDesc scan;
			char	   *oldname = NULL;

			ScanKeyInit(&key, Anum_pg_trigger_oid, BTEqualStrategyNumber, F_OIDEQ,
						ObjectIdGetDatum(copy->copy));
			scan = systable_beginscan(trel, TriggerOidIndexId, true, NULL, 1, &key);
			if (HeapTupleIsValid(tup = systable_getnext(scan)))
				oldname = pstrdup(NameStr(((Form_pg_trigger) GETSTRUCT(tup))->tgname));
			systable_endscan(scan);
			table_close(trel, AccessShareLock);
			sql = oldname ? psprintf("ALTER TRIGGER %s ON %s RENAME TO %s",
									 quote_identifier(oldname), chunk_name,
									 quote_identifier(newname)) : NULL;
		}
		else if (classid == RelationRelationId)
			sql = psprintf("ALTER INDEX %s RENAME TO %s", QualifiedRelationName(copy->copy),
						   quote_identifier(ChooseRelationName(RelationGetRelationName(chunk), NULL,
															   copy_label(chunk, newname),
															   RelationGetNamespace(chunk), false)));
		else
		{
			char		contype = constraint_type(copy->copy);
			char	   *label = copy_label(chunk, newname);
			char	   *name = contype == CONSTRAINT_FOREIGN
				? ChooseConstraintName(RelationGetRelationName(chunk), NULL, label,
									   RelationGetNamespace(chunk), NIL)
				: ChooseRelationName(RelationGetRelationName(chunk), NULL, label,
									 RelationGetNamespace(chunk), false);

			sql = psprintf("ALTER TABLE %s RENAME CONSTRAINT %s TO %s", chunk_name,
						   quote_identifier(get_constraint_name(copy->copy)),
						   quote_identifier(name));
		}
		table_close(chunk, AccessShareLock);
		if (sql)
			alter_chunk_as_owner(copy->chunk, sql);
	}
}

/*
 * Run "ALTER INDEX <copy> <clause>" on every chunk copy of root_index (a
 * SET or RESET of storage parameters made on the root's index), or, when
 * reindex, "REINDEX INDEX <copy>".
 */
void
ChunkAlterIndexCopies(Oid root_index, const char *clause, bool reindex)
{
	ListCell   *lc;

	foreach(lc, index_copies(root_index))
	{
		ChunkCopy  *copy = lfirst(lc);

		if (!OidIsValid(copy->copy))
			continue;
		alter_chunk_as_owner(copy->chunk,
							 reindex ? psprintf("REINDEX INDEX %s", QualifiedRelationName(copy->copy))
							 : psprintf("ALTER INDEX %s %s", QualifiedRelationName(copy->copy), clause));
	}
}

/* The copy of the root's index root_index on chunk_relid, or InvalidOid. */
Oid
ChunkIndexCopy(Oid root_index, Oid chunk_relid)
{
	ListCell   *lc;

	foreach(lc, index_copies(root_index))
	{
		ChunkCopy  *copy = lfirst(lc);

		if (copy->chunk == chunk_relid)
			return copy->copy;
	}
	return InvalidOid;
}

/* Run sql (naming the chunk) on a chunk table as its owner. */
void
ChunkRunAsOwner(Oid chunk_relid, const char *sql)
{
	alter_chunk_as_owner(chunk_relid, sql);
}
