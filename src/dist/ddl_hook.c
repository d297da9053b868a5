/*-------------------------------------------------------------------------
 *
 * ddl_hook.c
 *	  The ProcessUtility hook: guards data nodes against being created or
 *	  dropped behind multinode's back (and their user mappings against
 *	  naming other roles), routes COPY FROM into hypertables, and keeps
 *	  hypertables in step with DDL on their roots (hypertable_ddl.c).
 *
 * Data nodes are foreign servers of timescaledb_fdw, but they carry state on
 * both sides (the node's claim, the access node's catalog), so plain CREATE
 * SERVER / DROP SERVER would leave a half-made node.  They are made and
 * removed by add_data_node and delete_data_node, which do not go through
 * this hook.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "foreign/foreign.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"

#include "catalog/catalog.h"
#include "dist/ddl_internal.h"
#include "dist/dist.h"
#include "fdw/fdw.h"
#include "planner/planner.h"
#include "multinode.h"

static ProcessUtility_hook_type prev_process_utility = NULL;

static bool
is_data_node_name(const char *name)
{
	ForeignServer *server = GetForeignServerByName(name, true);

	return server != NULL &&
		strcmp(GetForeignDataWrapper(server->fdwid)->fdwname, MN_FDW_NAME) == 0;
}

static void
guard_data_nodes(Node *parsetree)
{
	if (IsA(parsetree, CreateForeignServerStmt))
	{
		CreateForeignServerStmt *stmt = (CreateForeignServerStmt *) parsetree;

		if (strcmp(stmt->fdwname, MN_FDW_NAME) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("operation not supported for a TimescaleDB data node"),
					 errhint("Use add_data_node() to add a data node.")));
	}
	else if (IsA(parsetree, DropStmt) &&
			 ((DropStmt *) parsetree)->removeType == OBJECT_FOREIGN_SERVER)
	{
		ListCell   *lc;

		foreach(lc, ((DropStmt *) parsetree)->objects)
		{
			const char *name = strVal(lfirst(lc));

			if (is_data_node_name(name))
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("operation not supported on a TimescaleDB data node"),
						 errdetail("\"%s\" is a data node.", name),
						 errhint("Use delete_data_node() to remove a data node.")));
		}
	}
	else if (IsA(parsetree, AlterForeignServerStmt) &&
			 is_data_node_name(((AlterForeignServerStmt *) parsetree)->servername))
	{
		AlterForeignServerStmt *stmt = (AlterForeignServerStmt *) parsetree;
		ListCell   *lc;

		/* a data node has no version of its own: the node's is what counts */
		if (stmt->has_version)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("version not supported"),
					 errdetail("It is not possible to set a version on the data node configuration.")));
		/* availability moves chunks' reads: alter_data_node() does that */
		foreach(lc, stmt->options)
			if (strcmp(lfirst_node(DefElem, lc)->defname, "available") == 0)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot set \"available\" using ALTER SERVER"),
						 errhint("Use alter_data_node() to set \"available\".")));
	}
}

static void
multinode_process_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
						  ProcessUtilityContext context, ParamListInfo params,
						  QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	void	   *ddl_state;
	void	   *objects_state = NULL;
	void	   *global_state = NULL;
	List	   *vacuum_nodes = NIL;
	bool		ours;

	guard_data_nodes(pstmt->utilityStmt);
	CheckDataNodeUserMapping(pstmt->utilityStmt);

	/* COPY FROM into a hypertable routes rows to chunks (planner/copy_from.c) */
	if (IsA(pstmt->utilityStmt, CopyStmt) && HypertableCopyFrom(pstmt, queryString, qc))
		return;

	/* not our database (or not yet, or not any more): PostgreSQL's alone */
	ours = ExtensionIsInstalled() && OidIsValid(get_namespace_oid(MN_CATALOG_SCHEMA, true));
	if (ours)
	{
		DDLCheckMemberGuard(pstmt);
		/* nothing that an online chunk copy would miss */
		DDLCheckCaptureGuard(pstmt);
		/* ANALYZE of distributed hypertables imports the data nodes' statistics */
		DistStatsBeforeUtility(pstmt->utilityStmt);
		if (IsA(pstmt->utilityStmt, VacuumStmt))
			pstmt = DDLVacuumBefore(pstmt, &vacuum_nodes);
		objects_state = DDLObjectsBefore(pstmt, queryString);
		global_state = DDLGlobalBefore(pstmt, queryString);
	}
	ddl_state = HypertableDDLBefore(pstmt, queryString);

	if (prev_process_utility)
		prev_process_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv,
							 dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv,
								dest, qc);

	HypertableDDLAfter(pstmt, queryString, ddl_state);
	DDLObjectsAfter(objects_state);
	DDLGlobalAfter(global_state);
	DDLVacuumAfter(pstmt, vacuum_nodes);
	if (ours)
		DistStatsAfterUtility(pstmt->utilityStmt);
}

void
DistInit(void)
{
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = multinode_process_utility;
}
