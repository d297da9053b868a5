/*-------------------------------------------------------------------------
 *
 * scheduler.c
 *	  The scheduler: one background worker per database with multinode,
 *	  which starts each due job in a background worker of its own.
 *
 * The loop, woken only by its latch or by its own timeout:
 *
 *	 1. reap job workers that have stopped; a run the worker did not record
 *		(stopped at max_runtime, crashed) is recorded here;
 *	 2. reread the jobs (a small table; this also notices jobs added,
 *		altered or deleted, and the extension being dropped);
 *	 3. stop runs that have passed their max_runtime;
 *	 4. start due jobs, as many as multinode.max_background_workers allows;
 *	 5. sleep until the next job is due, a max_runtime expires, or
 *		MAX_SLEEP_MS passes (a safety net for changes that commit without
 *		waking it, such as COMMIT PREPARED).
 *
 * The latch is set by backends committing job changes (utility.c), by the
 * postmaster when a job worker starts or stops (bgw_notify_pid), and by
 * SIGHUP/SIGTERM.  Each pass runs in a memory context reset at its start.
 *
 * At start, runs the catalog shows in progress are from before a crash or
 * restart and are recorded as failed; their jobs then follow their
 * persisted next start.  On SIGTERM (shutdown, or a backend pausing the
 * database) the scheduler stops its job workers and waits for them before
 * it leaves, so the database is free when it is gone; if it dies with an
 * error, it still signals them.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "bgw/bgw_internal.h"
#include "catalog/catalog.h"
#include "multinode.h"

/* longest sleep, so that changes that did not wake us are seen eventually */
#define MAX_SLEEP_MS 60000
/* how soon to try again when the postmaster had no worker slot free */
#define NO_WORKER_RETRY_MS 1000

typedef struct ScheduledJob
{
	int32		id;				/* hash key */
	BgwJobSchedule sched;		/* as last read from the catalog */
	bool		listed;			/* in the last read */
	/* the run this scheduler started, if any */
	BackgroundWorkerHandle *handle;
	pid_t		pid;
	TimestampTz started_at;
	TimestampTz deadline;		/* DT_NOEND: no max_runtime */
	bool		timed_out;		/* we stopped it at max_runtime */
	bool		stopping;		/* we stopped it for another reason */
} ScheduledJob;

static int	my_slot = -1;
static Oid	my_database = InvalidOid;
static HTAB *jobs = NULL;
static MemoryContext scheduler_cxt = NULL;
/* why due jobs wait: the job budget (we are woken when it frees up) ... */
static bool worker_limit_hit = false;
/* ... or no free worker slot in the postmaster (we must try again) */
static bool worker_start_failed = false;
static bool no_extension = false;	/* reported to the launcher at exit */

/*
 * The jobs, as a list in the pass context.  Passes iterate over this list
 * rather than over the hash table, because they may run transactions, and
 * a transaction end forgets open hash table scans.
 */
static List *
all_jobs(void)
{
	HASH_SEQ_STATUS status;
	ScheduledJob *job;
	List	   *result = NIL;

	hash_seq_init(&status, jobs);
	while ((job = hash_seq_search(&status)) != NULL)
		result = lappend(result, job);
	return result;
}

/*
 * Exit callback: signal any job worker still running.  On the normal path
 * they were stopped and waited for already; after an error this is all we
 * can do, and the next scheduler records their runs as interrupted.
 */
static void
scheduler_exit(int code, Datum arg)
{
	if (jobs != NULL)
	{
		HASH_SEQ_STATUS status;
		ScheduledJob *job;

		hash_seq_init(&status, jobs);
		while ((job = hash_seq_search(&status)) != NULL)
			if (job->handle != NULL)
				TerminateBackgroundWorker(job->handle);
	}
	SchedulerSlotDetach(my_slot, no_extension);
}

/*
 * A worker we started has stopped.  If the catalog does not show the run
 * finished, the worker could not record it: do it here.
 */
static void
reap_worker(ScheduledJob *job)
{
	TimestampTz last_finish;
	bool		recorded = true;
	MemoryContext cxt = BgwTransactionBegin();

	if (JobGetLastFinish(job->id, &last_finish) && last_finish < job->started_at)
	{
		recorded = false;
		JobRecordEnd(job->id, job->started_at, job->pid,
					 job->timed_out ? JOB_RUN_TIMEOUT : JOB_RUN_CRASH, NULL);
	}
	BgwTransactionEnd(cxt);
	if (!recorded && !job->timed_out && !job->stopping)
		ereport(LOG,
				(errmsg("job %d ended without reporting its result", job->id),
				 errdetail("The run is recorded as failed; see earlier messages for the cause.")));

	pfree(job->handle);
	job->handle = NULL;
	job->pid = 0;
	SchedulerReleaseWorker(my_slot);
}

static void
reap_workers(void)
{
	ListCell   *lc;

	foreach(lc, all_jobs())
	{
		ScheduledJob *job = lfirst(lc);
		pid_t		pid;
		BgwHandleStatus hs;

		if (job->handle == NULL)
			continue;
		hs = GetBackgroundWorkerPid(job->handle, &pid);
		if (hs == BGWH_STARTED)
			job->pid = pid;
		else if (hs == BGWH_STOPPED)
			reap_worker(job);
	}
}

/*
 * Reread the jobs.  Returns false if multinode is no longer installed here.
 * A job deleted while it runs has its worker stopped.
 */
static bool
load_jobs(void)
{
	List	   *schedules = NIL;
	bool		installed;
	ScheduledJob *job;
	ListCell   *lc;
	MemoryContext cxt = BgwTransactionBegin();

	installed = ExtensionIsInstalled();
	if (installed)
		schedules = JobListSchedules();
	BgwTransactionEnd(cxt);
	if (!installed)
		return false;

	foreach(lc, all_jobs())
		((ScheduledJob *) lfirst(lc))->listed = false;

	foreach(lc, schedules)
	{
		BgwJobSchedule *sched = lfirst(lc);
		bool		found;

		job = hash_search(jobs, &sched->id, HASH_ENTER, &found);
		if (!found)
		{
			memset(job, 0, sizeof(ScheduledJob));
			job->id = sched->id;
		}
		job->sched = *sched;
		job->listed = true;
	}

	foreach(lc, all_jobs())
	{
		job = lfirst(lc);
		if (job->listed)
			continue;
		if (job->handle == NULL)
			(void) hash_search(jobs, &job->id, HASH_REMOVE, NULL);
		else if (!job->stopping)
		{
			TerminateBackgroundWorker(job->handle);
			job->stopping = true;
		}
	}
	return true;
}

static void
enforce_max_runtime(TimestampTz now)
{
	ListCell   *lc;

	foreach(lc, all_jobs())
	{
		ScheduledJob *job = lfirst(lc);

		if (job->handle == NULL || job->timed_out || job->stopping || job->deadline > now)
			continue;
		ereport(LOG,
				(errmsg("job %d exceeded its max_runtime, stopping it", job->id)));
		TerminateBackgroundWorker(job->handle);
		job->timed_out = true;
	}
}

/*
 * Start one run of the job.  Returns false if no worker could be had,
 * having noted why.
 */
static bool
start_job(ScheduledJob *job)
{
	BackgroundWorker worker;
	JobWorkerArgs args;
	MemoryContext oldcxt;
	bool		ok;

	if (!SchedulerReserveWorker(my_slot))
	{
		worker_limit_hit = true;
		return false;
	}

	args.database = my_database;
	args.owner = job->sched.owner;
	args.start = GetCurrentTimestamp();

	BgwDescribeWorker(&worker, "BgwJobWorkerMain", BGW_JOB_WORKER_TYPE);
	snprintf(worker.bgw_name, BGW_MAXLEN, "multinode job %d", job->id);
	worker.bgw_main_arg = Int32GetDatum(job->id);
	memcpy(worker.bgw_extra, &args, sizeof(args));

	oldcxt = MemoryContextSwitchTo(scheduler_cxt);
	ok = RegisterDynamicBackgroundWorker(&worker, &job->handle);
	MemoryContextSwitchTo(oldcxt);
	if (!ok)
	{
		SchedulerReleaseWorker(my_slot);
		job->handle = NULL;
		worker_start_failed = true;
		ereport(LOG,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not start a worker for job %d", job->id),
				 errdetail("No background worker slot is free; the job waits for one."),
				 errhint("Consider increasing max_worker_processes.")));
		return false;
	}

	job->pid = 0;
	job->started_at = args.start;
	job->timed_out = false;
	job->stopping = false;
	job->deadline = DT_NOEND;
	if (job->sched.max_runtime.time != 0 || job->sched.max_runtime.day != 0 ||
		job->sched.max_runtime.month != 0)
		job->deadline = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
																TimestampTzGetDatum(args.start),
																IntervalPGetDatum(&job->sched.max_runtime)));
	job->sched.running = true;

	oldcxt = BgwTransactionBegin();
	JobRecordStart(job->id, args.start);
	BgwTransactionEnd(oldcxt);
	return true;
}

static void
start_due_jobs(TimestampTz now)
{
	ListCell   *lc;

	worker_limit_hit = false;
	worker_start_failed = false;
	foreach(lc, all_jobs())
	{
		ScheduledJob *job = lfirst(lc);

		if (job->handle != NULL || job->sched.running || !job->sched.scheduled ||
			job->sched.next_start > now)
			continue;
		if (!start_job(job))
			break;
	}
}

/*
 * Milliseconds until something is due: a job start or a max_runtime.  Jobs
 * waiting for the job budget do not count: whoever frees a worker wakes us.
 */
static long
time_to_next_event(TimestampTz now)
{
	ListCell   *lc;
	TimestampTz next = TimestampTzPlusMilliseconds(now, MAX_SLEEP_MS);

	if (worker_start_failed)
		next = TimestampTzPlusMilliseconds(now, NO_WORKER_RETRY_MS);

	foreach(lc, all_jobs())
	{
		ScheduledJob *job = lfirst(lc);

		if (job->handle != NULL)
		{
			if (!job->timed_out && !job->stopping)
				next = Min(next, job->deadline);
		}
		else if (job->sched.scheduled && !job->sched.running &&
				 !(worker_limit_hit && job->sched.next_start <= now))
			next = Min(next, job->sched.next_start);
	}
	return Max(TimestampDifferenceMilliseconds(now, next), 0);
}

/* Stop every running job worker and wait for each to be gone. */
static void
stop_all_workers(void)
{
	List	   *list = all_jobs();
	ListCell   *lc;

	foreach(lc, list)
	{
		ScheduledJob *job = lfirst(lc);

		if (job->handle != NULL)
		{
			TerminateBackgroundWorker(job->handle);
			job->stopping = true;
		}
	}
	foreach(lc, list)
	{
		ScheduledJob *job = lfirst(lc);

		if (job->handle != NULL)
		{
			(void) WaitForBackgroundWorkerShutdown(job->handle);
			pfree(job->handle);
			job->handle = NULL;
		}
	}
}

/*
 * Entry point: main_arg is the slot the launcher reserved, bgw_extra the
 * database.
 */
void
BgwSchedulerMain(Datum main_arg)
{
	HASHCTL		hashctl;
	MemoryContext pass_cxt;
	bool		installed;
	int			interrupted = 0;

	my_slot = DatumGetInt32(main_arg);
	memcpy(&my_database, MyBgworkerEntry->bgw_extra, sizeof(Oid));

	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();

	/* a paused database must not see us connect */
	if (!SchedulerSlotAttach(my_slot, my_database))
		proc_exit(0);
	before_shmem_exit(scheduler_exit, (Datum) 0);

	BackgroundWorkerInitializeConnectionByOid(my_database, InvalidOid, 0);

	scheduler_cxt = AllocSetContextCreate(TopMemoryContext, "multinode scheduler",
										  ALLOCSET_DEFAULT_SIZES);
	pass_cxt = AllocSetContextCreate(scheduler_cxt, "multinode scheduler pass",
									 ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(pass_cxt);

	(void) BgwTransactionBegin();
	installed = ExtensionIsInstalled();
	if (installed)
		interrupted = JobRecoverInterrupted();
	BgwTransactionEnd(pass_cxt);
	if (!installed)
	{
		/* tell the launcher to leave this database alone */
		no_extension = true;
		proc_exit(0);
	}
	if (interrupted > 0)
		ereport(LOG,
				(errmsg("recorded %d interrupted job run(s) as failed", interrupted),
				 errdetail("They were in progress when the server stopped or crashed.")));

	memset(&hashctl, 0, sizeof(hashctl));
	hashctl.keysize = sizeof(int32);
	hashctl.entrysize = sizeof(ScheduledJob);
	hashctl.hcxt = scheduler_cxt;
	jobs = hash_create("multinode scheduled jobs", 64, &hashctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	ereport(DEBUG1, (errmsg("multinode scheduler started")));
	pgstat_report_activity(STATE_IDLE, NULL);

	for (;;)
	{
		TimestampTz now;
		long		timeout;

		MemoryContextReset(pass_cxt);
		if (!BgwLoopStart())
			break;

		reap_workers();
		if (!load_jobs())
		{
			stop_all_workers();
			no_extension = true;
			proc_exit(0);
		}
		now = GetCurrentTimestamp();
		enforce_max_runtime(now);
		start_due_jobs(now);

		timeout = time_to_next_event(GetCurrentTimestamp());
		if (timeout > 0)
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 timeout, PG_WAIT_EXTENSION);
	}

	stop_all_workers();
	proc_exit(0);
}
