/*-------------------------------------------------------------------------
 *
 * utility.c
 *	  The events that concern the launcher or a scheduler: the extension
 *	  created or dropped, databases created, dropped or moved, and committed
 *	  changes to the jobs of a database.
 *
 * Wake-ups are sent after commit, never before: a scheduler woken by an
 * uncommitted change would read the old rows and go back to sleep.  So the
 * statement only notes what to wake, and the transaction callback does it
 * at XACT_EVENT_COMMIT (forgets it at abort).  Statements that need their
 * database free of other sessions pause its scheduler for their duration
 * (see shmem.c).
 *
 * This file owns bgw/'s ProcessUtility hook and transaction callback; they
 * do nothing for statements that are not theirs.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/acl.h"

#include "bgw/bgw_internal.h"
#include "catalog/catalog.h"
#include "multinode.h"

PG_FUNCTION_INFO_V1(multinode_bgw_job_changed);

static ProcessUtility_hook_type prev_process_utility = NULL;

/* what to wake when the current transaction commits */
static bool wake_scheduler_at_commit = false;
static bool wake_launcher_at_commit = false;
static Oid	launcher_poke_database = InvalidOid;

/*
 * Ask for the database's scheduler to be woken when the current transaction
 * commits, so that it rereads the jobs.
 */
void
BgwNotifySchedulerAtCommit(void)
{
	wake_scheduler_at_commit = true;
}

static void
notify_launcher_at_commit(Oid database)
{
	wake_launcher_at_commit = true;
	launcher_poke_database = database;
}

static void
bgw_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
			if (wake_launcher_at_commit)
				WakeLauncher(launcher_poke_database);
			if (wake_scheduler_at_commit)
				WakeScheduler(MyDatabaseId);
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
			/*
			 * A prepared transaction commits later, maybe elsewhere; the
			 * scheduler's periodic reread picks its changes up.
			 */
			break;
		default:
			return;
	}
	wake_scheduler_at_commit = false;
	wake_launcher_at_commit = false;
	launcher_poke_database = InvalidOid;
}

/*
 * Trigger on _timescaledb_catalog.bgw_job (statement level): any change,
 * whether from add_job or a hand-written UPDATE, wakes the scheduler.
 */
Datum
multinode_bgw_job_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "multinode_bgw_job_changed: not called by trigger manager");
	BgwNotifySchedulerAtCommit();
	return PointerGetDatum(NULL);
}

static bool
is_multinode_extension_drop(DropStmt *stmt)
{
	ListCell   *lc;

	if (stmt->removeType != OBJECT_EXTENSION)
		return false;
	foreach(lc, stmt->objects)
		if (strcmp(strVal(lfirst(lc)), MN_EXTENSION_NAME) == 0)
			return true;
	return false;
}

/*
 * The database a statement needs without other sessions, or InvalidOid.
 * Our scheduler and job workers are such sessions.
 */
static Oid
database_needing_exclusive_use(Node *parsetree)
{
	const char *name = NULL;
	ListCell   *lc;

	switch (nodeTag(parsetree))
	{
		case T_DropdbStmt:
			name = ((DropdbStmt *) parsetree)->dbname;
			break;
		case T_CreatedbStmt:
			foreach(lc, ((CreatedbStmt *) parsetree)->options)
			{
				DefElem    *def = lfirst(lc);

				if (strcmp(def->defname, "template") == 0 && def->arg != NULL)
					name = defGetString(def);
			}
			if (name == NULL)
				name = "template1";
			break;
		case T_RenameStmt:
			if (((RenameStmt *) parsetree)->renameType == OBJECT_DATABASE)
				name = ((RenameStmt *) parsetree)->subname;
			break;
		case T_AlterDatabaseStmt:
			foreach(lc, ((AlterDatabaseStmt *) parsetree)->options)
			{
				DefElem    *def = lfirst(lc);

				if (strcmp(def->defname, "tablespace") == 0)
					name = ((AlterDatabaseStmt *) parsetree)->dbname;
			}
			break;
		default:
			break;
	}
	return name ? get_database_oid(name, true) : InvalidOid;
}

/*
 * A job whose owner is gone cannot run (its worker could not log in), and
 * bgw_job.owner is not a dependency PostgreSQL knows of.  So refuse to
 * drop a role that owns jobs in this database, as for any owned object.
 */
static void
guard_job_owners(DropRoleStmt *stmt)
{
	ListCell   *lc;

	if (!ExtensionIsInstalled())
		return;
	foreach(lc, stmt->roles)
	{
		RoleSpec   *spec = lfirst(lc);
		Oid			role;
		char	   *jobs;

		if (spec->roletype != ROLESPEC_CSTRING)
			continue;
		role = get_role_oid(spec->rolename, true);
		if (!OidIsValid(role) || (jobs = JobsOwnedBy(role)) == NULL)
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("role \"%s\" cannot be dropped because it owns jobs", spec->rolename),
				 errdetail("Jobs it owns in database \"%s\": %s.",
						   get_database_name(MyDatabaseId), jobs),
				 errhint("Delete the jobs with delete_job() first.")));
	}
}

static void
bgw_process_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
					ProcessUtilityContext context, ParamListInfo params,
					QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	Oid			exclusive_db = database_needing_exclusive_use(parsetree);

	if (IsA(parsetree, DropRoleStmt))
		guard_job_owners((DropRoleStmt *) parsetree);
	if (OidIsValid(exclusive_db))
		PauseScheduler(exclusive_db);

	PG_TRY();
	{
		if (prev_process_utility)
			prev_process_utility(pstmt, queryString, readOnlyTree, context, params,
								 queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
									queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		if (OidIsValid(exclusive_db))
			ResumeScheduler(exclusive_db);
	}
	PG_END_TRY();

	switch (nodeTag(parsetree))
	{
		case T_CreateExtensionStmt:
			if (strcmp(((CreateExtensionStmt *) parsetree)->extname, MN_EXTENSION_NAME) == 0)
				notify_launcher_at_commit(MyDatabaseId);
			break;
		case T_DropStmt:
			/* the scheduler finds the extension gone and leaves */
			if (is_multinode_extension_drop((DropStmt *) parsetree))
				BgwNotifySchedulerAtCommit();
			break;
		case T_CreatedbStmt:
		case T_DropdbStmt:
			notify_launcher_at_commit(InvalidOid);
			break;
		default:
			break;
	}
}

void
BgwUtilityInit(void)
{
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = bgw_process_utility;
	RegisterXactCallback(bgw_xact_callback, NULL);
}
