/*-------------------------------------------------------------------------
 *
 * job_worker.c
 *	  Running a job's procedure: in its own background worker (started by
 *	  the scheduler) or in the caller's session (run_job).
 *
 * A job worker connects to the job's database as the job's owner, so the
 * procedure runs with exactly the owner's privileges (session and current
 * user alike; it cannot SET ROLE beyond them).  The procedure is called as
 * a top-level statement, through a portal as a client's CALL would be, so
 * it may COMMIT.  The worker then records the run itself: success, or the
 * error it caught (sqlstate, message, detail, hint) with the back-off for
 * the retry.  A worker that dies without recording (stopped at
 * max_runtime, crashed) is recorded by the scheduler.
 *
 * The procedure is looked up by name each time, so a job survives its
 * procedure being dropped and created again; while it is missing each run
 * fails with a clear error.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "tcop/dest.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/syscache.h"
#include "utils/snapmgr.h"

#include "bgw/bgw_internal.h"

/*
 * The statement that runs the job: CALL for a procedure, SELECT for a
 * function, with the job id and config as literals.  Fails if no
 * procedure or function (integer, jsonb) of that name exists.
 */
/*
 * The function or procedure schema.name taking exactly argtypes, or
 * InvalidOid.  Exact match only: no defaults, no variadics, no casts.
 */
Oid
LookupJobProc(const char *schema, const char *name, int nargs, const Oid *argtypes)
{
	Oid			namespace = get_namespace_oid(schema, true);

	if (!OidIsValid(namespace))
		return InvalidOid;
	return GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid, CStringGetDatum(name),
						   PointerGetDatum(buildoidvector(argtypes, nargs)),
						   ObjectIdGetDatum(namespace));
}

/*
 * The statement that runs the job: CALL for a procedure, SELECT for a
 * function, with the job id and config as literals.  Fails if no
 * procedure or function (integer, jsonb) of that name exists.
 */
static char *
job_call_sql(BgwJob *job)
{
	Oid			argtypes[2] = {INT4OID, JSONBOID};
	Oid			proc = LookupJobProc(job->proc_schema, job->proc_name, 2, argtypes);
	const char *config = "NULL";

	if (!OidIsValid(proc))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("function or procedure %s(integer, jsonb) of job %d does not exist",
						quote_qualified_identifier(job->proc_schema, job->proc_name), job->id),
				 errhint("Create it again, or remove the job with delete_job(%d).", job->id)));

	if (job->config != NULL)
		config = quote_literal_cstr(JsonbToCString(NULL, &job->config->root,
												   VARSIZE(job->config)));

	return psprintf("%s %s(%d, %s::jsonb)",
					get_func_prokind(proc) == PROKIND_PROCEDURE ? "CALL" : "SELECT",
					quote_qualified_identifier(job->proc_schema, job->proc_name),
					job->id, config);
}

/*
 * Run the job as a top-level statement in a transaction of its own, the
 * way exec_simple_query runs a client's statement: parse and plan in a
 * context that outlives the transactions the procedure may commit, then
 * run a portal.  Errors propagate to the caller.
 */
void
JobExecuteTopLevel(BgwJob *job)
{
	MemoryContext run_cxt = AllocSetContextCreate(TopMemoryContext, "multinode job run",
												  ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt;
	char	   *sql;
	RawStmt    *raw;
	List	   *querytrees;
	List	   *plans;
	Portal		portal;
	DestReceiver *receiver;
	QueryCompletion qc;

	/*
	 * The caller's context, not the transaction's: that one is gone after
	 * the commit below, and the caller goes on allocating after we return.
	 */
	oldcxt = CurrentMemoryContext;
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	MemoryContextSwitchTo(run_cxt);

	/* the lookup and the parse analysis need a snapshot */
	PushActiveSnapshot(GetTransactionSnapshot());
	sql = job_call_sql(job);
	debug_query_string = sql;
	pgstat_report_activity(STATE_RUNNING, sql);

	raw = linitial_node(RawStmt, pg_parse_query(sql));
	querytrees = pg_analyze_and_rewrite_fixedparams(raw, sql, NULL, 0, NULL);
	plans = pg_plan_queries(querytrees, sql, CURSOR_OPT_PARALLEL_OK, NULL);
	PopActiveSnapshot();

	portal = CreatePortal("", true, true);
	portal->visible = false;
	PortalDefineQuery(portal, NULL, sql, CreateCommandTag(raw->stmt), plans, NULL);
	PortalStart(portal, NULL, 0, InvalidSnapshot);

	receiver = CreateDestReceiver(DestNone);
	(void) PortalRun(portal, FETCH_ALL, true, true, receiver, receiver, &qc);
	receiver->rDestroy(receiver);
	PortalDrop(portal, false);

	CommitTransactionCommand();
	MemoryContextSwitchTo(oldcxt);
	debug_query_string = NULL;
	pgstat_report_activity(STATE_IDLE, NULL);
	MemoryContextDelete(run_cxt);
}

/*
 * Run the job from inside a procedure (run_job), in the caller's session
 * and as the caller.  Unless the caller's CALL is atomic (inside a
 * transaction block, say), the job may commit.
 */
void
JobExecuteInProcedure(BgwJob *job, bool atomic)
{
	SPIExecuteOptions options;
	char	   *sql = job_call_sql(job);
	int			rc;

	if (SPI_connect_ext(atomic ? 0 : SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	memset(&options, 0, sizeof(options));
	options.allow_nonatomic = !atomic;
	rc = SPI_execute_extended(sql, &options);
	if (rc < 0)
		elog(ERROR, "could not run \"%s\": %s", sql, SPI_result_code_string(rc));
	SPI_finish();
}

static void
job_error_context(void *arg)
{
	BgwJob	   *job = arg;

	errcontext("job %d (%s)", job->id,
			   quote_qualified_identifier(job->proc_schema, job->proc_name));
}

/*
 * Entry point of a job worker: main_arg is the job id, bgw_extra the
 * database, the owner and the start time the scheduler recorded.
 */
void
BgwJobWorkerMain(Datum main_arg)
{
	int32		job_id = DatumGetInt32(main_arg);
	JobWorkerArgs args;
	MemoryContext job_cxt;
	BgwJob	   *job;
	ErrorContextCallback errcallback;
	ErrorData  *volatile edata = NULL;
	volatile JobRunOutcome outcome = JOB_RUN_SUCCESS;

	memcpy(&args, MyBgworkerEntry->bgw_extra, sizeof(args));

	/* SIGTERM (max_runtime, shutdown) ends the job at its next interrupt check */
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(args.database, args.owner, 0);

	job_cxt = AllocSetContextCreate(TopMemoryContext, "multinode job", ALLOCSET_DEFAULT_SIZES);

	MemoryContextSwitchTo(job_cxt);
	(void) BgwTransactionBegin();
	job = JobFind(job_id, false);
	BgwTransactionEnd(job_cxt);

	/* deleted since the scheduler looked: nothing to run or record */
	if (job == NULL)
		proc_exit(0);

	SetConfigOption("application_name", job->application_name, PGC_USERSET, PGC_S_SESSION);

	/* the server log says which job an error or the max_runtime stop hit */
	errcallback.callback = job_error_context;
	errcallback.arg = job;
	errcallback.previous = NULL;
	error_context_stack = &errcallback;

	PG_TRY();
	{
		JobExecuteTopLevel(job);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(job_cxt);
		edata = CopyErrorData();
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
		debug_query_string = NULL;
		outcome = JOB_RUN_FAILURE;
	}
	PG_END_TRY();
	error_context_stack = NULL;

	(void) BgwTransactionBegin();
	JobRecordEnd(job_id, args.start, MyProcPid, outcome, edata);
	BgwTransactionEnd(job_cxt);
	pgstat_report_activity(STATE_IDLE, NULL);
	proc_exit(0);
}
