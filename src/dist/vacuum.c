/*-------------------------------------------------------------------------
 *
 * vacuum.c
 *	  VACUUM of a hypertable: its chunks here, and its data nodes.
 *
 * PostgreSQL's VACUUM of an inheritance parent vacuums the parent only, and
 * a hypertable's rows are in its chunks.  So a VACUUM naming a hypertable
 * root vacuums the root's chunk tables too (on a data node, those of its
 * member hypertable; the access node's foreign chunks hold nothing), and a
 * distributed hypertable's VACUUM is then run on each of its data nodes.
 *
 * VACUUM cannot run in a transaction block, here or on a node, so the nodes'
 * VACUUM is no part of a distributed transaction: each node runs it in
 * autocommit, after the local one succeeded, and a node's error is the
 * statement's error (what ran before it stays done, as with any VACUUM of
 * several tables).  ANALYZE alone is left to PostgreSQL (and to the
 * statistics import of the planner): only VACUUM is expanded here.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "dist/ddl_internal.h"
#include "remote/remote.h"

/* What a distributed hypertable's data nodes are sent. */
typedef struct NodeVacuum
{
	Oid			root;
	char	   *sql;
} NodeVacuum;

/* "VACUUM (options) table (columns)" for a data node. */
static char *
node_vacuum_sql(VacuumStmt *stmt, VacuumRelation *vrel, Oid root)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "VACUUM ");
	if (stmt->options != NIL)
	{
		appendStringInfoChar(&buf, '(');
		foreach(lc, stmt->options)
		{
			DefElem    *def = lfirst_node(DefElem, lc);

			if (lc != list_head(stmt->options))
				appendStringInfoString(&buf, ", ");
			appendStringInfoString(&buf, quote_identifier(def->defname));
			if (def->arg == NULL)
				continue;
			if (IsA(def->arg, Integer))
				appendStringInfo(&buf, " %d", intVal(def->arg));
			else
				appendStringInfo(&buf, " %s", quote_literal_cstr(defGetString(def)));
		}
		appendStringInfoString(&buf, ") ");
	}
	appendStringInfoString(&buf, QualifiedRelationName(root));
	if (vrel->va_cols != NIL)
	{
		appendStringInfoString(&buf, " (");
		foreach(lc, vrel->va_cols)
		{
			if (lc != list_head(vrel->va_cols))
				appendStringInfoString(&buf, ", ");
			appendStringInfoString(&buf, quote_identifier(strVal(lfirst(lc))));
		}
		appendStringInfoChar(&buf, ')');
	}
	return buf.data;
}

/*
 * A VACUUM naming hypertables: returns the statement with each root's
 * chunk tables added (a copy; pstmt itself when there is nothing to add),
 * and in *dist_out what the data nodes are to run afterwards.
 */
PlannedStmt *
DDLVacuumBefore(PlannedStmt *pstmt, List **dist_out)
{
	VacuumStmt *stmt = (VacuumStmt *) pstmt->utilityStmt;
	List	   *added = NIL;
	ListCell   *lc;

	*dist_out = NIL;
	if (!stmt->is_vacuumcmd)
		return pstmt;
	foreach(lc, stmt->rels)
	{
		VacuumRelation *vrel = lfirst_node(VacuumRelation, lc);
		Oid			relid = vrel->relation ? RangeVarGetRelid(vrel->relation, NoLock, true)
			: InvalidOid;
		Hypertable *ht = OidIsValid(relid) ? HypertableGetByRelid(relid) : NULL;
		ListCell   *lc2;

		if (ht == NULL)
			continue;
		foreach(lc2, HypertableGetChunks(ht))
		{
			Chunk	   *chunk = lfirst(lc2);

			if (OidIsValid(chunk->relid) && get_rel_relkind(chunk->relid) == RELKIND_RELATION)
				added = lappend(added,
								makeVacuumRelation(makeRangeVar(pstrdup(chunk->schema_name),
																pstrdup(chunk->table_name), -1),
												   InvalidOid, vrel->va_cols));
		}
		if (HypertableIsDistributed(ht))
		{
			NodeVacuum *nv = palloc(sizeof(NodeVacuum));

			nv->root = ht->relid;
			nv->sql = node_vacuum_sql(stmt, vrel, ht->relid);
			*dist_out = lappend(*dist_out, nv);
		}
	}
	if (added != NIL)
	{
		pstmt = copyObject(pstmt);
		stmt = (VacuumStmt *) pstmt->utilityStmt;
		stmt->rels = list_concat(stmt->rels, added);
	}
	return pstmt;
}

/*
 * After the local VACUUM: each distributed hypertable's data nodes run
 * theirs, in autocommit, all nodes of a hypertable at once.
 */
void
DDLVacuumAfter(PlannedStmt *pstmt, List *dist)
{
	ListCell   *lc;

	(void) pstmt;
	foreach(lc, dist)
	{
		NodeVacuum *nv = lfirst(lc);
		Hypertable *ht = HypertableGetByRelid(nv->root);
		List	   *conns = NIL;
		ListCell   *lc2;

		if (ht == NULL)
			continue;			/* dropped meanwhile */
		foreach(lc2, HypertableDataNodeServerIds(ht))
			conns = lappend(conns, GetDataNodeConnection(lfirst_oid(lc2), REMOTE_TXN_NONE));
		RemoteExecOnAll(conns, nv->sql);
	}
}
