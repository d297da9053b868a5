/*-------------------------------------------------------------------------
 *
 * shmem.c
 *	  The shared memory through which backends, the launcher and the
 *	  schedulers find and wake each other.
 *
 * Nobody polls.  The launcher sleeps on its latch until a backend pokes it
 * (CREATE EXTENSION or CREATE DATABASE committed, a scheduler is needed) or
 * a scheduler it started exits (the postmaster tells it, bgw_notify_pid).
 * Each scheduler owns a slot here, filled in by the launcher (database) and
 * by the scheduler itself (pid, latch); a backend that commits a change to
 * the jobs of its database sets that latch.
 *
 * Statements that need a database without other sessions (DROP DATABASE,
 * CREATE DATABASE ... TEMPLATE, renaming it or moving its tablespace) pause
 * its scheduler: the database is marked paused, which stops the launcher
 * from starting a scheduler there and a starting scheduler from attaching,
 * and the running scheduler is asked to stop (it stops its job workers
 * first).  The mark and the look at the slot happen under one spinlock, so
 * a scheduler either is seen and signalled or sees the mark.
 *
 * Every critical section here is a few loads and stores: a spinlock, no
 * palloc, no ereport.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/timestamp.h"

#include "bgw/bgw_internal.h"
#include "guc.h"

#define MAX_POKES 32
#define MAX_PAUSED 16
/* schedulers woken at once when a job worker is freed */
#define MAX_WAKE 64
/* how long a pausing backend waits for the scheduler and its jobs to go */
#define PAUSE_TIMEOUT_MS 10000

typedef struct SchedulerSlot
{
	Oid			database;		/* InvalidOid: free */
	pid_t		pid;			/* 0 until the scheduler attaches */
	Latch	   *latch;
	bool		no_extension;	/* it found no multinode there and quit */
	int			running_jobs;	/* job workers it has started, not reaped */
	bool		waiting;		/* it has due jobs and the budget is spent */
} SchedulerSlot;

typedef struct PausedDatabase
{
	Oid			database;
	int			count;			/* backends pausing it */
} PausedDatabase;

typedef struct BgwShared
{
	slock_t		mutex;
	pid_t		launcher_pid;
	Latch	   *launcher_latch;
	bool		poke_overflow;	/* too many pokes: reconsider every database */
	int			npokes;
	Oid			pokes[MAX_POKES];
	PausedDatabase paused[MAX_PAUSED];
	int			nslots;
	SchedulerSlot slots[FLEXIBLE_ARRAY_MEMBER];
} BgwShared;

static BgwShared *shared = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* the database this backend has paused, resumed at exit if still set */
static Oid	my_paused_database = InvalidOid;
static bool pause_exit_callback_set = false;

static Size
bgw_shmem_size(void)
{
	/* one slot per worker process is more schedulers than can ever run */
	return add_size(offsetof(BgwShared, slots),
					mul_size(max_worker_processes, sizeof(SchedulerSlot)));
}

static void
bgw_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(bgw_shmem_size());
}

static void
bgw_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = ShmemInitStruct("multinode bgw", bgw_shmem_size(), &found);
	if (!found)
	{
		memset(shared, 0, bgw_shmem_size());
		SpinLockInit(&shared->mutex);
		shared->nslots = max_worker_processes;
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Install the hooks; called from _PG_init, in the postmaster. */
void
BgwShmemInit(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = bgw_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = bgw_shmem_startup;
}

/* ---- the launcher ---------------------------------------------------------- */

static void
launcher_detach(int code, Datum arg)
{
	SpinLockAcquire(&shared->mutex);
	shared->launcher_pid = 0;
	shared->launcher_latch = NULL;
	SpinLockRelease(&shared->mutex);
}

/*
 * Make the launcher findable.  Pokes made while no launcher ran are dropped:
 * the launcher looks at every database when it starts anyway.
 *
 * A launcher that starts while schedulers run (the previous one died alone)
 * has no handles for them and would start a second scheduler per database;
 * it stops them instead, waits (bounded) for them to go, and starts afresh.
 */
void
LauncherAttach(void)
{
	pid_t	   *pids = palloc(sizeof(pid_t) * max_worker_processes);
	int			npids = 0;
	TimestampTz deadline;

	SpinLockAcquire(&shared->mutex);
	shared->launcher_pid = MyProcPid;
	shared->launcher_latch = MyLatch;
	shared->npokes = 0;
	shared->poke_overflow = false;
	for (int i = 0; i < shared->nslots; i++)
		if (shared->slots[i].pid != 0)
			pids[npids++] = shared->slots[i].pid;
	SpinLockRelease(&shared->mutex);
	on_shmem_exit(launcher_detach, 0);

	for (int i = 0; i < npids; i++)
		kill(pids[i], SIGTERM);
	deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), PAUSE_TIMEOUT_MS);
	while (npids > 0 && GetCurrentTimestamp() < deadline)
	{
		npids = 0;
		SpinLockAcquire(&shared->mutex);
		for (int i = 0; i < shared->nslots; i++)
			if (shared->slots[i].pid != 0)
				npids++;
		SpinLockRelease(&shared->mutex);
		if (npids > 0)
			pg_usleep(10000);
	}

	SpinLockAcquire(&shared->mutex);
	memset(shared->slots, 0, shared->nslots * sizeof(SchedulerSlot));
	SpinLockRelease(&shared->mutex);
	pfree(pids);
}

/*
 * Hand the launcher the databases it was poked about since last time (an
 * OID list; InvalidOid in it means "a database was created or dropped").
 * Returns true when pokes were lost and every database must be
 * reconsidered.
 */
bool
LauncherTakePokes(List **databases)
{
	Oid			pokes[MAX_POKES];
	int			npokes;
	bool		overflow;

	SpinLockAcquire(&shared->mutex);
	npokes = shared->npokes;
	memcpy(pokes, shared->pokes, npokes * sizeof(Oid));
	overflow = shared->poke_overflow;
	shared->npokes = 0;
	shared->poke_overflow = false;
	SpinLockRelease(&shared->mutex);

	for (int i = 0; i < npokes; i++)
		*databases = lappend_oid(*databases, pokes[i]);
	return overflow;
}

/*
 * Poke the launcher about a database (InvalidOid: the set of databases
 * changed).  Safe after commit: no allocation, no error.
 */
void
WakeLauncher(Oid database)
{
	Latch	   *latch;

	if (shared == NULL)
		return;
	SpinLockAcquire(&shared->mutex);
	if (shared->npokes < MAX_POKES)
		shared->pokes[shared->npokes++] = database;
	else
		shared->poke_overflow = true;
	latch = shared->launcher_latch;
	SpinLockRelease(&shared->mutex);
	if (latch)
		SetLatch(latch);
}

/* Reserve a free slot for a scheduler of the database; -1 if none is free. */
int
SchedulerSlotAllocate(Oid database)
{
	int			result = -1;

	SpinLockAcquire(&shared->mutex);
	for (int i = 0; i < shared->nslots; i++)
	{
		SchedulerSlot *slot = &shared->slots[i];

		if (!OidIsValid(slot->database))
		{
			slot->database = database;
			slot->pid = 0;
			slot->latch = NULL;
			slot->no_extension = false;
			slot->running_jobs = 0;
			slot->waiting = false;
			result = i;
			break;
		}
	}
	SpinLockRelease(&shared->mutex);
	return result;
}

/* Free a slot whose scheduler the launcher has seen stop. */
void
SchedulerSlotRelease(int slotno)
{
	SpinLockAcquire(&shared->mutex);
	memset(&shared->slots[slotno], 0, sizeof(SchedulerSlot));
	SpinLockRelease(&shared->mutex);
}

bool
SchedulerSlotFoundNoExtension(int slotno)
{
	bool		result;

	SpinLockAcquire(&shared->mutex);
	result = shared->slots[slotno].no_extension;
	SpinLockRelease(&shared->mutex);
	return result;
}

static bool
database_is_paused_locked(Oid database)
{
	for (int i = 0; i < MAX_PAUSED; i++)
		if (shared->paused[i].database == database && shared->paused[i].count > 0)
			return true;
	return false;
}

bool
DatabaseIsPaused(Oid database)
{
	bool		result;

	SpinLockAcquire(&shared->mutex);
	result = database_is_paused_locked(database);
	SpinLockRelease(&shared->mutex);
	return result;
}

/* ---- a scheduler ----------------------------------------------------------- */

/*
 * Claim the slot the launcher reserved.  Returns false if the database is
 * paused: the scheduler must then leave without connecting to it.
 */
bool
SchedulerSlotAttach(int slotno, Oid database)
{
	SchedulerSlot *slot = &shared->slots[slotno];
	bool		ok;

	SpinLockAcquire(&shared->mutex);
	ok = slot->database == database && !database_is_paused_locked(database);
	if (ok)
	{
		slot->pid = MyProcPid;
		slot->latch = MyLatch;
	}
	SpinLockRelease(&shared->mutex);
	return ok;
}

/*
 * Collect (and clear) the latches of schedulers waiting for the job budget;
 * the caller holds the mutex and sets them after releasing it.
 */
static int
take_waiting_locked(Latch **latches)
{
	int			n = 0;

	for (int i = 0; i < shared->nslots && n < MAX_WAKE; i++)
		if (shared->slots[i].waiting && shared->slots[i].latch != NULL)
		{
			shared->slots[i].waiting = false;
			latches[n++] = shared->slots[i].latch;
		}
	return n;
}

/*
 * The scheduler is leaving (its job workers with it); the launcher frees
 * the slot once it has seen it stop.
 */
void
SchedulerSlotDetach(int slotno, bool no_extension)
{
	SchedulerSlot *slot = &shared->slots[slotno];
	Latch	   *waiting[MAX_WAKE];
	int			nwaiting;

	SpinLockAcquire(&shared->mutex);
	slot->pid = 0;
	slot->latch = NULL;
	slot->no_extension = no_extension;
	slot->running_jobs = 0;
	slot->waiting = false;
	nwaiting = take_waiting_locked(waiting);
	SpinLockRelease(&shared->mutex);

	for (int i = 0; i < nwaiting; i++)
		SetLatch(waiting[i]);
}

/*
 * Count a job worker against multinode.max_background_workers, which limits
 * job workers across all databases.  Returns false when the limit is
 * reached; the scheduler is then woken when a worker is released anywhere
 * (or by SIGHUP, which may raise the limit), so it need not poll.
 */
bool
SchedulerReserveWorker(int slotno)
{
	int			total = 0;
	bool		ok;

	SpinLockAcquire(&shared->mutex);
	for (int i = 0; i < shared->nslots; i++)
		total += shared->slots[i].running_jobs;
	ok = total < mn_max_background_workers;
	if (ok)
		shared->slots[slotno].running_jobs++;
	shared->slots[slotno].waiting = !ok;
	SpinLockRelease(&shared->mutex);
	return ok;
}

/* Return a job worker to the budget and wake the schedulers waiting for one. */
void
SchedulerReleaseWorker(int slotno)
{
	Latch	   *waiting[MAX_WAKE];
	int			nwaiting;

	SpinLockAcquire(&shared->mutex);
	if (shared->slots[slotno].running_jobs > 0)
		shared->slots[slotno].running_jobs--;
	nwaiting = take_waiting_locked(waiting);
	SpinLockRelease(&shared->mutex);

	for (int i = 0; i < nwaiting; i++)
		SetLatch(waiting[i]);
}

/* ---- backends -------------------------------------------------------------- */

/*
 * Wake the scheduler of a database, or the launcher if it has none (it may
 * have been waiting to retry a failed start).  Safe after commit.
 */
void
WakeScheduler(Oid database)
{
	Latch	   *latch = NULL;

	if (shared == NULL)
		return;
	SpinLockAcquire(&shared->mutex);
	for (int i = 0; i < shared->nslots; i++)
	{
		SchedulerSlot *slot = &shared->slots[i];

		if (slot->database == database && slot->latch != NULL)
		{
			latch = slot->latch;
			break;
		}
	}
	SpinLockRelease(&shared->mutex);

	if (latch)
		SetLatch(latch);
	else
		WakeLauncher(database);
}

static void
resume_at_exit(int code, Datum arg)
{
	if (OidIsValid(my_paused_database))
		ResumeScheduler(my_paused_database);
}

/*
 * Stop the scheduler of a database, and keep it stopped until
 * ResumeScheduler, so that a statement needing the database to itself can
 * run.  Waits (bounded) for the scheduler to be gone; if it does not go,
 * the statement reports the usual "being accessed by other users".  A
 * backend pauses at most one database at a time.
 */
void
PauseScheduler(Oid database)
{
	pid_t		pid = 0;
	bool		marked = false;
	TimestampTz deadline;

	if (shared == NULL || !OidIsValid(database))
		return;
	Assert(!OidIsValid(my_paused_database));

	if (!pause_exit_callback_set)
	{
		before_shmem_exit(resume_at_exit, 0);
		pause_exit_callback_set = true;
	}

	SpinLockAcquire(&shared->mutex);
	for (int i = 0; i < MAX_PAUSED && !marked; i++)
		if (shared->paused[i].database == database)
		{
			shared->paused[i].count++;
			marked = true;
		}
	for (int i = 0; i < MAX_PAUSED && !marked; i++)
		if (shared->paused[i].count == 0)
		{
			shared->paused[i].database = database;
			shared->paused[i].count = 1;
			marked = true;
		}
	for (int i = 0; i < shared->nslots; i++)
		if (shared->slots[i].database == database && shared->slots[i].pid != 0)
			pid = shared->slots[i].pid;
	SpinLockRelease(&shared->mutex);

	if (marked)
		my_paused_database = database;
	if (pid == 0)
		return;

	kill(pid, SIGTERM);
	deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), PAUSE_TIMEOUT_MS);
	for (;;)
	{
		bool		gone = true;

		SpinLockAcquire(&shared->mutex);
		for (int i = 0; i < shared->nslots; i++)
			if (shared->slots[i].database == database && shared->slots[i].pid != 0)
				gone = false;
		SpinLockRelease(&shared->mutex);
		if (gone || GetCurrentTimestamp() >= deadline)
			break;

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 10,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/* Undo PauseScheduler; the launcher restarts the scheduler if still wanted. */
void
ResumeScheduler(Oid database)
{
	if (shared == NULL || database != my_paused_database)
		return;
	my_paused_database = InvalidOid;

	SpinLockAcquire(&shared->mutex);
	for (int i = 0; i < MAX_PAUSED; i++)
		if (shared->paused[i].database == database && shared->paused[i].count > 0)
		{
			shared->paused[i].count--;
			break;
		}
	SpinLockRelease(&shared->mutex);
	WakeLauncher(InvalidOid);
}
