/*-------------------------------------------------------------------------
 *
 * job_api.c
 *	  add_job, alter_job, delete_job and run_job, with TimescaleDB 2.x's
 *	  signatures, defaults and permission rules.
 *
 * A job belongs to the role that added it and runs with its privileges.
 * Whoever adds a job must be allowed to execute its procedure (and its
 * check function); only members of the owning role (superusers included)
 * may alter, delete or run it.  Jobs with ids below 1000 are the
 * extension's own: they can be altered (paused, rescheduled) by a
 * superuser but not deleted.
 *
 * check_config, if set, is called with the config on add_job and whenever
 * alter_job changes the config or the check function; it rejects a config
 * by raising an error, which aborts the call.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "bgw/bgw_internal.h"

PG_FUNCTION_INFO_V1(multinode_add_job);
PG_FUNCTION_INFO_V1(multinode_alter_job);
PG_FUNCTION_INFO_V1(multinode_delete_job);
PG_FUNCTION_INFO_V1(multinode_run_job);

#define DEFAULT_MAX_RUNTIME_USECS 0
#define DEFAULT_MAX_RETRIES (-1)
#define DEFAULT_RETRY_PERIOD_USECS (5 * USECS_PER_MINUTE)

#define ALTER_JOB_COLUMNS 12

/*
 * Check that proc is a function or procedure taking exactly argtypes, and
 * that the current user may execute it.  what names the argument in
 * messages; signature is how it must be declared.  Returns its schema and
 * name.
 */
static void
validate_proc(Oid proc, const char *what, int nargs, const Oid *argtypes,
			  const char *signature, char **schema, char **name)
{
	HeapTuple	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(proc));
	Form_pg_proc form;
	bool		ok;

	if (!HeapTupleIsValid(tuple))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("function or procedure with OID %u does not exist", proc)));
	form = (Form_pg_proc) GETSTRUCT(tuple);

	ok = (form->prokind == PROKIND_FUNCTION || form->prokind == PROKIND_PROCEDURE) &&
		form->pronargs == nargs &&
		memcmp(form->proargtypes.values, argtypes, nargs * sizeof(Oid)) == 0;
	*schema = get_namespace_name(form->pronamespace);
	*name = pstrdup(NameStr(form->proname));
	ReleaseSysCache(tuple);

	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s \"%s\" does not have the required signature", what,
						quote_qualified_identifier(*schema, *name)),
				 errdetail("A job's %s must be a function or procedure taking %s.", what,
						   signature)));

	if (pg_proc_aclcheck(proc, GetUserId(), ACL_EXECUTE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for function \"%s\"",
						quote_qualified_identifier(*schema, *name)),
				 errhint("The job owner must have EXECUTE privilege on it.")));
}

static void
validate_job_proc(Oid proc, BgwJob *job)
{
	Oid			argtypes[2] = {INT4OID, JSONBOID};

	validate_proc(proc, "proc", 2, argtypes, "(job_id integer, config jsonb)",
				  &job->proc_schema, &job->proc_name);
}

static void
validate_check_proc(Oid proc, BgwJob *job)
{
	Oid			argtypes[1] = {JSONBOID};

	validate_proc(proc, "check_config", 1, argtypes, "(config jsonb)",
				  &job->check_schema, &job->check_name);
}

/*
 * A job runs in a session of its own, logged in as its owner, so the owner
 * must be allowed to log in (as TimescaleDB requires too).
 */
static void
validate_job_owner(Oid owner)
{
	HeapTuple	tuple = SearchSysCache1(AUTHOID, ObjectIdGetDatum(owner));
	bool		can_login;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for role %u", owner);
	can_login = ((Form_pg_authid) GETSTRUCT(tuple))->rolcanlogin;
	ReleaseSysCache(tuple);
	if (!can_login)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to start jobs as role \"%s\"",
						GetUserNameFromId(owner, false)),
				 errdetail("A job runs in a session of its own, logged in as its owner."),
				 errhint("Give the role the LOGIN attribute, or add the job as a role that has it.")));
}

static bool
interval_is_positive(const Interval *iv)
{
	Interval	zero = {0};

	return DatumGetInt32(DirectFunctionCall2(interval_cmp, IntervalPGetDatum(iv),
											 IntervalPGetDatum(&zero))) > 0;
}

static void
require_positive(const char *name, const Interval *iv)
{
	if (!interval_is_positive(iv))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a positive interval", name),
				 errdetail("Got %s.", DatumGetCString(DirectFunctionCall1(interval_out,
																		   IntervalPGetDatum(iv))))));
}

static void
require_not_null(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s cannot be NULL", name)));
}

/*
 * Call the job's check function with its config, as the current user.  It
 * rejects the config by raising an error, which we let through.
 */
static void
run_check_config(BgwJob *job)
{
	Oid			types[1] = {JSONBOID};
	Datum		values[1] = {PointerGetDatum(job->config)};
	char		nulls[1] = {job->config ? ' ' : 'n'};
	Oid			proc;
	char	   *sql;

	if (job->check_name == NULL)
		return;
	proc = LookupJobProc(job->check_schema, job->check_name, 1, types);
	if (!OidIsValid(proc))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("check function %s(jsonb) of job %d does not exist",
						quote_qualified_identifier(job->check_schema, job->check_name), job->id),
				 errhint("Create it again, or remove it with alter_job(%d, check_config => 0).",
						 job->id)));
	sql = psprintf("%s %s($1)",
				   get_func_prokind(proc) == PROKIND_PROCEDURE ? "CALL" : "SELECT",
				   quote_qualified_identifier(job->check_schema, job->check_name));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(sql, 1, types, values, nulls, false, 0) < 0)
		elog(ERROR, "could not run \"%s\"", sql);
	SPI_finish();
}

static void
check_job_owner(BgwJob *job, const char *action)
{
	if (!has_privs_of_role(GetUserId(), job->owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("insufficient permissions to %s job %d", action, job->id),
				 errdetail("The job is owned by role \"%s\".",
						   GetUserNameFromId(job->owner, false))));
}

static BgwJob *
find_job_or_error(int32 job_id, bool lock)
{
	BgwJob	   *job = JobFind(job_id, lock);

	if (job == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("job %d not found", job_id)));
	return job;
}

/*
 * add_job(proc, schedule_interval, config, initial_start, scheduled,
 *		   check_config, fixed_schedule, timezone) RETURNS integer
 *
 * The job first runs at initial_start, or right away; a fixed schedule
 * without initial_start is aligned on now().
 */
Datum
multinode_add_job(PG_FUNCTION_ARGS)
{
	BgwJob		job;

	require_not_null(fcinfo, 0, "proc");
	require_not_null(fcinfo, 1, "schedule_interval");
	PreventCommandIfReadOnly("add_job()");

	memset(&job, 0, sizeof(job));
	validate_job_proc(PG_GETARG_OID(0), &job);
	job.schedule_interval = *PG_GETARG_INTERVAL_P(1);
	require_positive("schedule_interval", &job.schedule_interval);
	job.config = PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2);
	job.has_initial_start = !PG_ARGISNULL(3);
	job.initial_start = job.has_initial_start ? PG_GETARG_TIMESTAMPTZ(3) : 0;
	job.scheduled = PG_ARGISNULL(4) ? true : PG_GETARG_BOOL(4);
	if (!PG_ARGISNULL(5) && OidIsValid(PG_GETARG_OID(5)))
		validate_check_proc(PG_GETARG_OID(5), &job);
	job.fixed_schedule = PG_ARGISNULL(6) ? true : PG_GETARG_BOOL(6);
	if (!PG_ARGISNULL(7))
	{
		job.timezone = text_to_cstring(PG_GETARG_TEXT_PP(7));
		ValidateJobTimezone(job.timezone);
	}

	job.max_runtime.time = DEFAULT_MAX_RUNTIME_USECS;
	job.max_retries = DEFAULT_MAX_RETRIES;
	job.retry_period.time = DEFAULT_RETRY_PERIOD_USECS;
	PG_RETURN_INT32(JobAdd(&job));
}

/*
 * Add a job owned by the current user, whose other settings the caller
 * filled in (add_job, the add_*_policy functions): the owner must be able
 * to run it, a fixed schedule starts now unless told otherwise, and the
 * check function, if any, approves the config first.  Returns the new id.
 */
int32
JobAdd(BgwJob *job)
{
	TimestampTz next_start;

	job->owner = GetUserId();
	validate_job_owner(job->owner);

	if (!job->has_initial_start && job->fixed_schedule)
	{
		job->has_initial_start = true;
		job->initial_start = GetCurrentTransactionStartTimestamp();
	}
	next_start = job->has_initial_start ? job->initial_start : GetCurrentTransactionStartTimestamp();

	run_check_config(job);

	return JobInsert(job, next_start);
}

static Datum
interval_datum(Interval *iv)
{
	return IntervalPGetDatum(iv);
}

/*
 * alter_job(job_id, schedule_interval, max_runtime, max_retries,
 *			 retry_period, scheduled, config, next_start, if_exists,
 *			 check_config, fixed_schedule, initial_start, timezone)
 *
 * NULL leaves a setting alone; check_config => 0 removes the check
 * function.  The next start is, in order of preference: next_start if
 * given; initial_start if given; recomputed from the last run if the
 * schedule changed; unchanged otherwise.  Returns the job's new settings,
 * or (with if_exists) a row of NULLs for a job that does not exist.
 */
Datum
multinode_alter_job(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[ALTER_JOB_COLUMNS];
	bool		nulls[ALTER_JOB_COLUMNS];
	BgwJob	   *job;
	int32		job_id;
	bool		schedule_changed = false;
	bool		check_needed = false;
	TimestampTz next_start;

	require_not_null(fcinfo, 0, "job_id");
	job_id = PG_GETARG_INT32(0);
	PreventCommandIfReadOnly("alter_job()");
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "alter_job must return a composite type");

	job = JobFind(job_id, true);
	if (job == NULL)
	{
		if (!PG_ARGISNULL(8) && PG_GETARG_BOOL(8))
		{
			ereport(NOTICE,
					(errmsg("job %d not found, skipping", job_id)));
			PG_RETURN_NULL();
		}
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("job %d not found", job_id),
				 errhint("Use if_exists => true to skip a missing job.")));
	}
	check_job_owner(job, "alter");

	if (!PG_ARGISNULL(1))
	{
		job->schedule_interval = *PG_GETARG_INTERVAL_P(1);
		require_positive("schedule_interval", &job->schedule_interval);
		schedule_changed = true;
	}
	if (!PG_ARGISNULL(2))
	{
		Interval   *iv = PG_GETARG_INTERVAL_P(2);

		if (interval_is_positive(iv) || (iv->time == 0 && iv->day == 0 && iv->month == 0))
			job->max_runtime = *iv;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("max_runtime cannot be negative"),
					 errhint("Use 0 for no limit.")));
	}
	if (!PG_ARGISNULL(3))
	{
		if (PG_GETARG_INT32(3) < -1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("max_retries must be -1 (no limit) or more")));
		job->max_retries = PG_GETARG_INT32(3);
	}
	if (!PG_ARGISNULL(4))
	{
		job->retry_period = *PG_GETARG_INTERVAL_P(4);
		require_positive("retry_period", &job->retry_period);
	}
	if (!PG_ARGISNULL(5))
		job->scheduled = PG_GETARG_BOOL(5);
	if (!PG_ARGISNULL(6))
	{
		job->config = PG_GETARG_JSONB_P(6);
		check_needed = true;
	}
	if (!PG_ARGISNULL(9))
	{
		job->check_schema = job->check_name = NULL;
		if (OidIsValid(PG_GETARG_OID(9)))
			validate_check_proc(PG_GETARG_OID(9), job);
		check_needed = true;
	}
	if (!PG_ARGISNULL(10))
	{
		schedule_changed |= job->fixed_schedule != PG_GETARG_BOOL(10);
		job->fixed_schedule = PG_GETARG_BOOL(10);
	}
	if (!PG_ARGISNULL(11))
	{
		job->has_initial_start = true;
		job->initial_start = PG_GETARG_TIMESTAMPTZ(11);
	}
	if (!PG_ARGISNULL(12))
	{
		job->timezone = text_to_cstring(PG_GETARG_TEXT_PP(12));
		ValidateJobTimezone(job->timezone);
		schedule_changed = true;
	}
	if (job->fixed_schedule && !job->has_initial_start)
	{
		job->has_initial_start = true;
		job->initial_start = GetCurrentTransactionStartTimestamp();
	}

	if (check_needed)
		run_check_config(job);
	JobUpdate(job);

	if (!PG_ARGISNULL(7))
		JobSetNextStart(job_id, PG_GETARG_TIMESTAMPTZ(7));
	else if (!PG_ARGISNULL(11))
		JobSetNextStart(job_id, job->initial_start);
	else if (schedule_changed)
	{
		TimestampTz last_finish;

		if (JobGetLastFinish(job_id, &last_finish) && last_finish != DT_NOBEGIN)
			JobSetNextStart(job_id, JobNextRegularStart(job, last_finish));
	}
	if (!JobGetNextStart(job_id, &next_start))
		elog(ERROR, "job %d has no statistics row", job_id);
	BgwNotifySchedulerAtCommit();

	memset(nulls, false, sizeof(nulls));
	values[0] = Int32GetDatum(job->id);
	values[1] = interval_datum(&job->schedule_interval);
	values[2] = interval_datum(&job->max_runtime);
	values[3] = Int32GetDatum(job->max_retries);
	values[4] = interval_datum(&job->retry_period);
	values[5] = BoolGetDatum(job->scheduled);
	values[6] = PointerGetDatum(job->config);
	nulls[6] = job->config == NULL;
	values[7] = TimestampTzGetDatum(next_start);
	nulls[8] = job->check_name == NULL;
	if (!nulls[8])
		values[8] = CStringGetTextDatum(quote_qualified_identifier(job->check_schema,
																   job->check_name));
	values[9] = BoolGetDatum(job->fixed_schedule);
	values[10] = TimestampTzGetDatum(job->initial_start);
	nulls[10] = !job->has_initial_start;
	nulls[11] = job->timezone == NULL;
	if (!nulls[11])
		values[11] = CStringGetTextDatum(job->timezone);

	tupdesc = BlessTupleDesc(tupdesc);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* delete_job(job_id): a running job is stopped by its scheduler. */
Datum
multinode_delete_job(PG_FUNCTION_ARGS)
{
	BgwJob	   *job;

	PreventCommandIfReadOnly("delete_job()");
	job = find_job_or_error(PG_GETARG_INT32(0), true);
	check_job_owner(job, "delete");
	if (job->id < BGW_FIRST_USER_JOB_ID)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot delete job %d because it is built into multinode", job->id),
				 errhint("Use alter_job(%d, scheduled => false) to stop it from running.",
						 job->id)));
	JobDelete(job->id);
	BgwNotifySchedulerAtCommit();
	PG_RETURN_VOID();
}

/*
 * CALL run_job(job_id): run the job now, in this session, as the current
 * user.  The statistics are not touched; errors reach the caller.
 */
Datum
multinode_run_job(PG_FUNCTION_ARGS)
{
	BgwJob	   *job;
	bool		atomic = true;

	require_not_null(fcinfo, 0, "job_id");
	job = find_job_or_error(PG_GETARG_INT32(0), false);
	check_job_owner(job, "run");

	if (fcinfo->context && IsA(fcinfo->context, CallContext))
		atomic = castNode(CallContext, fcinfo->context)->atomic;
	JobExecuteInProcedure(job, atomic);
	PG_RETURN_VOID();
}
