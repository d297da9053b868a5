/*-------------------------------------------------------------------------
 *
 * launcher.c
 *	  The launcher: one background worker per server that keeps one
 *	  scheduler running in every database that has multinode.
 *
 * The launcher connects to no database, so it cannot see which databases
 * have the extension.  It starts a scheduler in every database that accepts
 * connections and is not a template; a scheduler that finds no extension
 * says so in its slot and leaves, and the launcher leaves that database
 * alone until a backend pokes it (CREATE EXTENSION committed there).  A
 * scheduler that dies otherwise is restarted after RESTART_DELAY_MS.
 *
 * It sleeps on its latch: backends poke it (shmem.c), and the postmaster
 * sets it when a scheduler it started stops (bgw_notify_pid).  It looks at
 * pg_database when it starts, when poked about a database it does not know
 * or about the set of databases (CREATE/DROP DATABASE), and after a
 * scheduler failed.
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
#include "catalog/pg_database.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "bgw/bgw_internal.h"
#include "multinode.h"

/* wait before restarting a scheduler that failed, or retrying a start */
#define RESTART_DELAY_MS 10000

typedef struct LauncherDatabase
{
	Oid			database;
	NameData	name;
	bool		absent;			/* its scheduler found no multinode */
	bool		listed;			/* seen in the last look at pg_database */
	int			slot;			/* -1: no scheduler */
	BackgroundWorkerHandle *handle;
	TimestampTz retry_at;		/* no new scheduler before this */
} LauncherDatabase;

static List *databases = NIL;	/* of LauncherDatabase *, in launcher_cxt */
static MemoryContext launcher_cxt = NULL;

static LauncherDatabase *
find_database(Oid database)
{
	ListCell   *lc;

	foreach(lc, databases)
	{
		LauncherDatabase *db = lfirst(lc);

		if (db->database == database)
			return db;
	}
	return NULL;
}

/*
 * Bring the list in line with pg_database: add new databases, drop the ones
 * that are gone (their scheduler, if any, is gone with them).
 */
static void
scan_databases(void)
{
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tuple;
	ListCell   *lc;
	MemoryContext oldcxt;

	foreach(lc, databases)
		((LauncherDatabase *) lfirst(lc))->listed = false;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	(void) GetTransactionSnapshot();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while ((tuple = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_database form = (Form_pg_database) GETSTRUCT(tuple);
		LauncherDatabase *db;

		if (!form->datallowconn || form->datistemplate || form->datconnlimit == -2)
			continue;
		db = find_database(form->oid);
		if (db == NULL)
		{
			oldcxt = MemoryContextSwitchTo(launcher_cxt);
			db = palloc0(sizeof(LauncherDatabase));
			db->database = form->oid;
			db->slot = -1;
			databases = lappend(databases, db);
			MemoryContextSwitchTo(oldcxt);
		}
		namestrcpy(&db->name, NameStr(form->datname));
		db->listed = true;
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();

	foreach(lc, databases)
	{
		LauncherDatabase *db = lfirst(lc);

		if (!db->listed && db->handle == NULL)
		{
			databases = foreach_delete_current(databases, lc);
			pfree(db);
		}
	}
}

/*
 * Notice schedulers that have stopped.  Returns true if one stopped for a
 * reason other than "no extension here" or a pause, which is worth a new
 * look at pg_database (its database may be gone).
 */
static bool
reap_schedulers(void)
{
	ListCell   *lc;
	bool		failed = false;

	foreach(lc, databases)
	{
		LauncherDatabase *db = lfirst(lc);
		pid_t		pid;

		if (db->handle == NULL ||
			GetBackgroundWorkerPid(db->handle, &pid) != BGWH_STOPPED)
			continue;

		if (SchedulerSlotFoundNoExtension(db->slot))
			db->absent = true;
		else if (DatabaseIsPaused(db->database))
			db->retry_at = 0;
		else
		{
			db->retry_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
													   RESTART_DELAY_MS);
			failed = true;
		}
		SchedulerSlotRelease(db->slot);
		db->slot = -1;
		pfree(db->handle);
		db->handle = NULL;
	}
	return failed;
}

static void
start_scheduler(LauncherDatabase *db)
{
	BackgroundWorker worker;
	MemoryContext oldcxt;
	bool		ok;

	db->slot = SchedulerSlotAllocate(db->database);
	if (db->slot < 0)
	{
		db->retry_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), RESTART_DELAY_MS);
		return;
	}

	BgwDescribeWorker(&worker, "BgwSchedulerMain", BGW_SCHEDULER_TYPE);
	snprintf(worker.bgw_name, BGW_MAXLEN, "multinode scheduler for database \"%s\"",
			 NameStr(db->name));
	worker.bgw_main_arg = Int32GetDatum(db->slot);
	memcpy(worker.bgw_extra, &db->database, sizeof(Oid));

	oldcxt = MemoryContextSwitchTo(launcher_cxt);
	ok = RegisterDynamicBackgroundWorker(&worker, &db->handle);
	MemoryContextSwitchTo(oldcxt);

	if (!ok)
	{
		ereport(LOG,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not start the job scheduler for database \"%s\"",
						NameStr(db->name)),
				 errdetail("No background worker slot is free."),
				 errhint("Consider increasing max_worker_processes.")));
		SchedulerSlotRelease(db->slot);
		db->slot = -1;
		db->handle = NULL;
		db->retry_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), RESTART_DELAY_MS);
	}
}

/*
 * Start the schedulers that should run and do not.  Returns how long the
 * launcher may sleep before a delayed start is due, or -1 for as long as
 * nothing wakes it.
 */
static long
start_schedulers(void)
{
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz next = DT_NOEND;
	ListCell   *lc;

	foreach(lc, databases)
	{
		LauncherDatabase *db = lfirst(lc);

		if (db->handle != NULL || db->absent || DatabaseIsPaused(db->database))
			continue;
		if (db->retry_at > now)
		{
			next = Min(next, db->retry_at);
			continue;
		}
		start_scheduler(db);
		if (db->handle == NULL)
			next = Min(next, db->retry_at);
	}
	if (next == DT_NOEND)
		return -1;
	return Max(TimestampDifferenceMilliseconds(now, next), 1);
}

void
BgwLauncherMain(Datum main_arg)
{
	bool		rescan = true;

	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();

	/* no database: the launcher only reads the shared catalog pg_database */
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	LauncherAttach();

	launcher_cxt = AllocSetContextCreate(TopMemoryContext, "multinode launcher",
										 ALLOCSET_DEFAULT_SIZES);
	ereport(DEBUG1, (errmsg("multinode launcher started")));

	for (;;)
	{
		List	   *pokes = NIL;
		ListCell   *lc;
		long		timeout;

		if (!BgwLoopStart())
			break;

		if (LauncherTakePokes(&pokes))
		{
			/* pokes were lost: assume any database may have gained multinode */
			foreach(lc, databases)
				((LauncherDatabase *) lfirst(lc))->absent = false;
			rescan = true;
		}
		foreach(lc, pokes)
		{
			LauncherDatabase *db = find_database(lfirst_oid(lc));

			if (db != NULL)
				db->absent = false;
			else
				rescan = true;
		}
		list_free(pokes);

		if (reap_schedulers())
			rescan = true;
		if (rescan)
		{
			scan_databases();
			rescan = false;
		}
		timeout = start_schedulers();

		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_EXIT_ON_PM_DEATH | (timeout >= 0 ? WL_TIMEOUT : 0),
						 timeout, PG_WAIT_EXTENSION);
	}

	/*
	 * The postmaster stops the schedulers itself at shutdown; exit code 1
	 * gets the launcher restarted if it was stopped alone.
	 */
	proc_exit(1);
}

/*
 * Fill in what all of multinode's workers share: a database connection, a
 * start once recovery is over (a standby runs no jobs until promoted), no
 * restart, the caller notified of start and stop.  The caller adds name,
 * arguments, and overrides what differs.
 */
void
BgwDescribeWorker(BackgroundWorker *worker, const char *function, const char *type)
{
	memset(worker, 0, sizeof(BackgroundWorker));
	worker->bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker->bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker->bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker->bgw_library_name, BGW_MAXLEN, MN_EXTENSION_NAME);
	snprintf(worker->bgw_function_name, BGW_MAXLEN, "%s", function);
	snprintf(worker->bgw_name, BGW_MAXLEN, "%s", type);
	snprintf(worker->bgw_type, BGW_MAXLEN, "%s", type);
	worker->bgw_notify_pid = MyProcPid;
}

/*
 * The top of a launcher or scheduler loop: reset the latch before looking
 * for work (so no wake-up is lost), handle interrupts and SIGHUP.  Returns
 * false when the process was asked to stop (SIGTERM).
 */
bool
BgwLoopStart(void)
{
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
	if (ShutdownRequestPending)
		return false;
	if (ConfigReloadPending)
	{
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
	}
	return true;
}

/*
 * Called from _PG_init: shared memory, hooks, and the launcher, restarted
 * by the postmaster if it dies.
 */
void
BgwInit(void)
{
	BackgroundWorker worker;

	BgwShmemInit();
	BgwUtilityInit();

	if (IsBinaryUpgrade)
		return;

	BgwDescribeWorker(&worker, "BgwLauncherMain", BGW_LAUNCHER_TYPE);
	worker.bgw_restart_time = RESTART_DELAY_MS / 1000;
	worker.bgw_notify_pid = 0;
	RegisterBackgroundWorker(&worker);
}
