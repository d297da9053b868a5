/*-------------------------------------------------------------------------
 *
 * repair_worker.c
 *	  Running repair_chunk_replicas() in a background worker, so that its
 *	  stages can commit one by one while the caller waits.
 *
 * The SQL function cannot commit, and an online repair must (each stage of
 * a chunk copy is its own distributed transaction, see chunk_copy.c).  So
 * the caller starts a worker connected to its database as its current
 * role -- the worker has exactly the caller's rights, and reaches the data
 * nodes with the caller's own user mappings -- and waits for it.  The
 * arguments and the outcome travel in a small dynamic shared memory
 * segment: the hypertable, the caller's chunk copy fault setting (tests),
 * the number repaired, failures, or the error that ended the run, which the
 * caller raises again.  A cancel or the end of the caller's session stops
 * the worker; what it left logged is undone by the repair job (its backend
 * is gone).
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
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "dist/chunk_copy_internal.h"
#include "guc.h"
#include "multinode.h"

#define REPAIR_WORKER_NAME "multinode chunk repair"

/* what the caller and the worker share */
typedef struct RepairShared
{
	Oid			ht_relid;		/* InvalidOid: every hypertable */
	char		fault[NAMEDATALEN * 2]; /* multinode.debug_chunk_copy_fault */
	bool		finished;		/* the run ended without an error */
	int32		sqlerrcode;		/* else: the error that ended it */
	char		message[256];
	ChunkRepairResult result;
} RepairShared;

/* bgw_extra */
typedef struct RepairWorkerArgs
{
	Oid			database;
	Oid			role;
} RepairWorkerArgs;

static void
stop_worker(int code, Datum arg)
{
	TerminateBackgroundWorker((BackgroundWorkerHandle *) DatumGetPointer(arg));
}

/*
 * Run the repair in a worker and wait for it; returns the number of
 * replicas repaired or made.  Items that failed become one warning.
 */
int
ChunkRepairInWorker(Oid ht_relid)
{
	dsm_segment *seg = dsm_create(sizeof(RepairShared), 0);
	RepairShared *shared = dsm_segment_address(seg);
	RepairWorkerArgs args;
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	BgwHandleStatus status;
	int			repaired;

	memset(shared, 0, sizeof(RepairShared));
	shared->ht_relid = ht_relid;
	if (mn_debug_chunk_copy_fault != NULL)
		strlcpy(shared->fault, mn_debug_chunk_copy_fault, sizeof(shared->fault));

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, MN_EXTENSION_NAME);
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "ChunkRepairWorkerMain");
	snprintf(worker.bgw_name, BGW_MAXLEN, REPAIR_WORKER_NAME " for PID %d", MyProcPid);
	snprintf(worker.bgw_type, BGW_MAXLEN, REPAIR_WORKER_NAME);
	worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
	args.database = MyDatabaseId;
	args.role = GetUserId();
	memcpy(worker.bgw_extra, &args, sizeof(args));
	worker.bgw_notify_pid = MyProcPid;

	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not start a background worker for repair_chunk_replicas"),
				 errdetail("No background worker slot is free."),
				 errhint("Consider increasing max_worker_processes, or run it again later.")));

	/* an error (a cancel) or the exit of the caller stops the worker too */
	PG_ENSURE_ERROR_CLEANUP(stop_worker, PointerGetDatum(handle));
	{
		status = WaitForBackgroundWorkerShutdown(handle);
	}
	PG_END_ENSURE_ERROR_CLEANUP(stop_worker, PointerGetDatum(handle));

	if (status == BGWH_POSTMASTER_DIED)
		ereport(FATAL,
				(errcode(ERRCODE_ADMIN_SHUTDOWN),
				 errmsg("postmaster exited during repair_chunk_replicas")));
	if (!shared->finished)
		ereport(ERROR,
				(errcode(shared->sqlerrcode ? shared->sqlerrcode : ERRCODE_INTERNAL_ERROR),
				 errmsg("repair_chunk_replicas failed: %s",
						shared->message[0] ? shared->message : "its background worker exited"),
				 shared->message[0] ? 0 :
				 errhint("The server log says why; a role that cannot log in cannot run it.")));
	if (shared->result.failed > 0)
		ereport(WARNING,
				(errcode(shared->result.sqlerrcode),
				 errmsg("repair_chunk_replicas could not repair %d chunk replicas",
						shared->result.failed),
				 errdetail("The first failure: %s", shared->result.message),
				 errhint("They are left for the next run.")));
	repaired = shared->result.repaired;
	dsm_detach(seg);
	return repaired;
}

/* Entry point of the worker: main_arg is the segment, bgw_extra the database and role. */
void
ChunkRepairWorkerMain(Datum main_arg)
{
	RepairWorkerArgs args;
	dsm_segment *seg;
	RepairShared *shared;
	MemoryContext cxt;

	memcpy(&args, MyBgworkerEntry->bgw_extra, sizeof(args));
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(args.database, args.role, 0);

	seg = dsm_attach(DatumGetUInt32(main_arg));
	if (seg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not map the shared memory of repair_chunk_replicas")));
	dsm_pin_mapping(seg);
	shared = dsm_segment_address(seg);
	SetConfigOption("application_name", REPAIR_WORKER_NAME, PGC_USERSET, PGC_S_SESSION);
	if (shared->fault[0] != '\0')
		SetConfigOption("multinode.debug_chunk_copy_fault", shared->fault, PGC_SUSET,
						PGC_S_SESSION);
	pgstat_report_activity(STATE_RUNNING, "repair_chunk_replicas");

	cxt = CurrentMemoryContext;
	PG_TRY();
	{
		ChunkRepairRun(shared->ht_relid, &shared->result);
		shared->finished = true;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
		shared->sqlerrcode = edata->sqlerrcode;
		strlcpy(shared->message, edata->message, sizeof(shared->message));
	}
	PG_END_TRY();
	pgstat_report_activity(STATE_IDLE, NULL);
	dsm_detach(seg);
	proc_exit(0);
}
