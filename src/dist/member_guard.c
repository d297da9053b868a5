/*-------------------------------------------------------------------------
 *
 * member_guard.c
 *	  A data node refuses DDL on its member hypertables unless the access
 *	  node sends it.
 *
 * A member hypertable is one data node's part of a distributed hypertable;
 * its access node keeps its schema the same as the root's and every other
 * node's by sending the DDL typed there to every node in one distributed
 * transaction.  The same statement typed on one data node would change
 * that node alone (an index renamed there is not the one the access node
 * later drops), so it is refused, with a hint.  Sessions the access node
 * opens say so (multinode.access_node_session, set at connection); an
 * operator repairing one node sets multinode.enable_client_ddl_on_data_nodes.
 * This guards against mistakes, not against a user: the user owns the
 * tables on the node anyway.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "utils/lsyscache.h"

#include "catalog/catalog.h"
#include "dist/ddl_internal.h"
#include "guc.h"
#include "multinode.h"

/* The member hypertable rv names (its root or an index of it), or NULL. */
static Hypertable *
member_of(RangeVar *rv)
{
	Oid			relid = rv ? RangeVarGetRelid(rv, NoLock, true) : InvalidOid;
	Hypertable *ht;

	if (!OidIsValid(relid))
		return NULL;
	if (get_rel_relkind(relid) == RELKIND_INDEX)
		relid = IndexGetRelation(relid, true);
	ht = OidIsValid(relid) ? HypertableGetByRelid(relid) : NULL;
	return ht && HypertableIsDistMember(ht) ? ht : NULL;
}

static Hypertable *
member_of_names(List *names, bool last_is_member)
{
	if (names == NIL)
		return NULL;
	if (last_is_member)
	{
		names = list_copy(names);
		names = list_truncate(names, list_length(names) - 1);
		if (names == NIL)
			return NULL;
	}
	return member_of(makeRangeVarFromNameList(names));
}

/* The first member hypertable a list of RangeVars or name lists names. */
static Hypertable *
member_in_list(List *objects, bool rangevars, bool last_is_member)
{
	ListCell   *lc;

	foreach(lc, objects)
	{
		Hypertable *ht = rangevars ? member_of(lfirst(lc))
			: member_of_names(lfirst(lc), last_is_member);

		if (ht != NULL)
			return ht;
	}
	return NULL;
}

/* The member hypertable a schema-changing statement is about, or NULL. */
static Hypertable *
statement_member(Node *parsetree)
{
	switch (nodeTag(parsetree))
	{
		case T_AlterTableStmt:
			return member_of(((AlterTableStmt *) parsetree)->relation);
		case T_IndexStmt:
			return member_of(((IndexStmt *) parsetree)->relation);
		case T_RenameStmt:
			return member_of(((RenameStmt *) parsetree)->relation);
		case T_AlterObjectSchemaStmt:
			return member_of(((AlterObjectSchemaStmt *) parsetree)->relation);
		case T_CreateTrigStmt:
			return member_of(((CreateTrigStmt *) parsetree)->relation);
		case T_RuleStmt:
			return member_of(((RuleStmt *) parsetree)->relation);
		case T_CreatePolicyStmt:
			return member_of(((CreatePolicyStmt *) parsetree)->table);
		case T_AlterPolicyStmt:
			return member_of(((AlterPolicyStmt *) parsetree)->table);
		case T_ClusterStmt:
			return member_of(((ClusterStmt *) parsetree)->relation);
		case T_ReindexStmt:
			return member_of(((ReindexStmt *) parsetree)->relation);
		case T_TruncateStmt:
			return member_in_list(((TruncateStmt *) parsetree)->relations, true, false);
		case T_GrantStmt:
			{
				GrantStmt  *stmt = (GrantStmt *) parsetree;

				if (stmt->objtype != OBJECT_TABLE || stmt->targtype != ACL_TARGET_OBJECT)
					return NULL;
				return member_in_list(stmt->objects, true, false);
			}
		case T_DropStmt:
			{
				DropStmt   *stmt = (DropStmt *) parsetree;

				switch (stmt->removeType)
				{
					case OBJECT_TABLE:
					case OBJECT_INDEX:
						return member_in_list(stmt->objects, false, false);
					case OBJECT_TRIGGER:
					case OBJECT_POLICY:
					case OBJECT_RULE:
						return member_in_list(stmt->objects, false, true);
					default:
						return NULL;
				}
			}
		case T_CommentStmt:
			{
				CommentStmt *stmt = (CommentStmt *) parsetree;

				switch (stmt->objtype)
				{
					case OBJECT_TABLE:
					case OBJECT_INDEX:
						return member_of_names(castNode(List, stmt->object), false);
					case OBJECT_COLUMN:
					case OBJECT_TABCONSTRAINT:
					case OBJECT_TRIGGER:
						return member_of_names(castNode(List, stmt->object), true);
					default:
						return NULL;
				}
			}
		default:
			return NULL;
	}
}

/*
 * Refuse pstmt if it is DDL on a member hypertable typed in a data node's
 * own session.  Statements multinode runs itself on chunks name chunks, not
 * member roots, and pass.
 */
void
DDLCheckMemberGuard(PlannedStmt *pstmt)
{
	Hypertable *ht;

	if (mn_access_node_session || mn_enable_client_ddl_on_data_nodes)
		return;
	ht = statement_member(pstmt->utilityStmt);
	if (ht == NULL)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("cannot change hypertable \"%s\" on a data node", ht->table_name),
			 errdetail("It is a data node's part of a distributed hypertable, whose access node keeps its schema the same on every data node."),
			 errhint("Run the statement on the access node, or set multinode.enable_client_ddl_on_data_nodes to on to change this data node alone.")));
}
