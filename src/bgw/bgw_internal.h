/*-------------------------------------------------------------------------
 *
 * bgw_internal.h
 *	  What the files of bgw/ share among themselves; not for other folders.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef MULTINODE_BGW_INTERNAL_H
#define MULTINODE_BGW_INTERNAL_H

#include "datatype/timestamp.h"
#include "nodes/pg_list.h"
#include "postmaster/bgworker.h"
#include "utils/elog.h"
#include "utils/jsonb.h"

#include "bgw/bgw.h"

/* Ids below this belong to jobs the extension installs itself. */
#define BGW_FIRST_USER_JOB_ID 1000

#define BGW_LAUNCHER_TYPE "multinode launcher"
#define BGW_SCHEDULER_TYPE "multinode scheduler"
#define BGW_JOB_WORKER_TYPE "multinode job"

/* One row of _timescaledb_catalog.bgw_job. */
typedef struct BgwJob
{
	int32		id;
	char	   *application_name;
	Interval	schedule_interval;
	Interval	max_runtime;
	int32		max_retries;
	Interval	retry_period;
	char	   *proc_schema;
	char	   *proc_name;
	Oid			owner;
	bool		scheduled;
	bool		fixed_schedule;
	bool		has_initial_start;
	TimestampTz initial_start;
	Jsonb	   *config;			/* NULL when SQL NULL */
	char	   *check_schema;	/* NULL when there is no check function */
	char	   *check_name;
	char	   *timezone;		/* NULL: schedule in UTC */
	/* set by JobInsert's callers only; not read back by JobFind */
	int32		hypertable_id;	/* a policy's hypertable; 0: none */
	const char *kind;			/* application_name before " [id]"; NULL:
								 * "User-Defined Action" */
} BgwJob;

/* What the scheduler keeps of a job between reloads. */
typedef struct BgwJobSchedule
{
	int32		id;
	Oid			owner;
	bool		scheduled;
	TimestampTz next_start;
	Interval	max_runtime;
	bool		running;		/* a run is recorded as in progress */
} BgwJobSchedule;

/* How a run ended. */
typedef enum JobRunOutcome
{
	JOB_RUN_SUCCESS,
	JOB_RUN_FAILURE,			/* the job raised an error */
	JOB_RUN_TIMEOUT,			/* stopped by the scheduler at max_runtime */
	JOB_RUN_CRASH,				/* the worker ended without reporting */
} JobRunOutcome;

/* What the scheduler hands a job worker in bgw_extra. */
typedef struct JobWorkerArgs
{
	Oid			database;
	Oid			owner;
	TimestampTz start;
} JobWorkerArgs;

/* shmem.c: state shared by the launcher, the schedulers and backends */
extern void BgwShmemInit(void);
extern void LauncherAttach(void);
extern bool LauncherTakePokes(List **databases);
extern int	SchedulerSlotAllocate(Oid database);
extern void SchedulerSlotRelease(int slot);
extern bool SchedulerSlotFoundNoExtension(int slot);
extern bool DatabaseIsPaused(Oid database);
extern bool SchedulerSlotAttach(int slot, Oid database);
extern void SchedulerSlotDetach(int slot, bool no_extension);
extern bool SchedulerReserveWorker(int slot);
extern void SchedulerReleaseWorker(int slot);
extern void WakeScheduler(Oid database);
extern void WakeLauncher(Oid database);
extern void PauseScheduler(Oid database);
extern void ResumeScheduler(Oid database);

/* launcher.c: what the worker processes share */
extern void BgwDescribeWorker(BackgroundWorker *worker, const char *function, const char *type);
extern bool BgwLoopStart(void);

/* utility.c: events that wake the launcher or a scheduler */
extern void BgwUtilityInit(void);
extern void BgwNotifySchedulerAtCommit(void);

/* job_catalog.c: the catalog tables, always accessed as their owner */
extern int32 JobAdd(BgwJob *job);
extern BgwJob *JobFind(int32 job_id, bool lock);
extern int32 JobInsert(BgwJob *job, TimestampTz next_start);
extern void JobUpdate(BgwJob *job);
extern void JobDelete(int32 job_id);
extern bool JobGetNextStart(int32 job_id, TimestampTz *next_start);
extern void JobSetNextStart(int32 job_id, TimestampTz next_start);
extern bool JobGetLastFinish(int32 job_id, TimestampTz *last_finish);
extern List *JobListSchedules(void);
extern void JobRecordStart(int32 job_id, TimestampTz start);
extern void JobRecordEnd(int32 job_id, TimestampTz start, int pid, JobRunOutcome outcome,
						 ErrorData *edata);
extern int	JobRecoverInterrupted(void);
extern char *JobsOwnedBy(Oid role);
extern MemoryContext BgwTransactionBegin(void);
extern void BgwTransactionEnd(MemoryContext cxt);

/* schedule.c: when a job runs next */
extern TimestampTz JobNextStart(BgwJob *job, TimestampTz finish, int consecutive_failures);
extern TimestampTz JobNextRegularStart(BgwJob *job, TimestampTz after);
extern void ValidateJobTimezone(const char *timezone);

/* job_worker.c: running a job's procedure */
extern Oid	LookupJobProc(const char *schema, const char *name, int nargs, const Oid *argtypes);
extern void JobExecuteTopLevel(BgwJob *job);
extern void JobExecuteInProcedure(BgwJob *job, bool atomic);

#endif							/* MULTINODE_BGW_INTERNAL_H */
