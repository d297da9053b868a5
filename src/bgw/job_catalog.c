/*-------------------------------------------------------------------------
 *
 * job_catalog.c
 *	  Reading and writing the job tables: bgw_job, bgw_job_stat and
 *	  job_errors in _timescaledb_catalog.
 *
 * Every access runs as the extension's owner, who owns the tables, through
 * the catalog's one owner switch (a security-restricted operation with
 * search_path = pg_catalog, pg_temp): the tables are not
 * writable by the roles that own jobs (a job worker runs as its owner, and
 * add_job is called by anyone), and a caller's search_path must not be able
 * to redirect an operator.  The API functions check permissions before
 * they come here.
 *
 * The caller provides the transaction.  Results are allocated in the
 * caller's memory context.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "bgw/bgw_internal.h"
#include "catalog/catalog.h"
#include "multinode.h"

typedef struct CatalogScope
{
	CatalogOwnerScope owner;
	bool		pushed_snapshot;
	MemoryContext caller_cxt;
} CatalogScope;

static void
catalog_begin(CatalogScope *scope)
{
	scope->caller_cxt = CurrentMemoryContext;
	CatalogAsOwnerBegin(&scope->owner);
	/* a background worker has no statement snapshot of its own */
	scope->pushed_snapshot = !ActiveSnapshotSet();
	if (scope->pushed_snapshot)
		PushActiveSnapshot(GetTransactionSnapshot());
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

static void
catalog_end(CatalogScope *scope)
{
	SPI_finish();
	if (scope->pushed_snapshot)
		PopActiveSnapshot();
	CatalogAsOwnerEnd(&scope->owner);
}

/* Run one statement with parameters; returns the number of rows. */
static uint64
catalog_exec(const char *sql, int nargs, Oid *types, Datum *values, const char *nulls)
{
	int			rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);

	if (rc < 0)
		elog(ERROR, "could not run \"%s\": %s", sql, SPI_result_code_string(rc));
	return SPI_processed;
}

static Datum
get_value(int row, int col, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, isnull);
}

static char *
get_string(CatalogScope *scope, int row, int col)
{
	char	   *value = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);

	return value ? MemoryContextStrdup(scope->caller_cxt, value) : NULL;
}

static Interval
get_interval(int row, int col)
{
	bool		isnull;

	return *DatumGetIntervalP(get_value(row, col, &isnull));
}

#define JOB_COLUMNS \
	"id, application_name, schedule_interval, max_runtime, max_retries, retry_period, " \
	"proc_schema, proc_name, owner, scheduled, fixed_schedule, initial_start, config, " \
	"check_schema, check_name, timezone"

static BgwJob *
job_from_row(CatalogScope *scope, int row)
{
	BgwJob	   *job = MemoryContextAllocZero(scope->caller_cxt, sizeof(BgwJob));
	bool		isnull;
	Datum		value;

	job->id = DatumGetInt32(get_value(row, 1, &isnull));
	job->application_name = get_string(scope, row, 2);
	job->schedule_interval = get_interval(row, 3);
	job->max_runtime = get_interval(row, 4);
	job->max_retries = DatumGetInt32(get_value(row, 5, &isnull));
	job->retry_period = get_interval(row, 6);
	job->proc_schema = get_string(scope, row, 7);
	job->proc_name = get_string(scope, row, 8);
	job->owner = DatumGetObjectId(get_value(row, 9, &isnull));
	job->scheduled = DatumGetBool(get_value(row, 10, &isnull));
	job->fixed_schedule = DatumGetBool(get_value(row, 11, &isnull));
	value = get_value(row, 12, &isnull);
	job->has_initial_start = !isnull;
	job->initial_start = isnull ? 0 : DatumGetTimestampTz(value);
	value = get_value(row, 13, &isnull);
	if (!isnull)
	{
		MemoryContext old = MemoryContextSwitchTo(scope->caller_cxt);

		job->config = DatumGetJsonbPCopy(value);
		MemoryContextSwitchTo(old);
	}
	job->check_schema = get_string(scope, row, 14);
	job->check_name = get_string(scope, row, 15);
	job->timezone = get_string(scope, row, 16);
	return job;
}

/*
 * The job with this id, or NULL.  With lock, its row is locked FOR UPDATE
 * (alter_job and delete_job serialize on it).
 */
BgwJob *
JobFind(int32 job_id, bool lock)
{
	CatalogScope scope;
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(job_id)};
	BgwJob	   *job = NULL;

	catalog_begin(&scope);
	if (catalog_exec(lock ?
					 "SELECT " JOB_COLUMNS " FROM _timescaledb_catalog.bgw_job WHERE id OPERATOR(pg_catalog.=) $1 FOR UPDATE" :
					 "SELECT " JOB_COLUMNS " FROM _timescaledb_catalog.bgw_job WHERE id OPERATOR(pg_catalog.=) $1",
					 1, types, values, NULL) > 0)
		job = job_from_row(&scope, 0);
	catalog_end(&scope);
	return job;
}

/* Datum array for a job's columns, in the order of JOB_COLUMNS after id. */
static void
job_to_values(BgwJob *job, Datum *values, char *nulls)
{
	memset(nulls, ' ', 16);
	values[0] = Int32GetDatum(job->id);
	values[1] = CStringGetTextDatum(job->application_name);
	values[2] = IntervalPGetDatum(&job->schedule_interval);
	values[3] = IntervalPGetDatum(&job->max_runtime);
	values[4] = Int32GetDatum(job->max_retries);
	values[5] = IntervalPGetDatum(&job->retry_period);
	values[6] = CStringGetTextDatum(job->proc_schema);
	values[7] = CStringGetTextDatum(job->proc_name);
	values[8] = ObjectIdGetDatum(job->owner);
	values[9] = BoolGetDatum(job->scheduled);
	values[10] = BoolGetDatum(job->fixed_schedule);
	values[11] = TimestampTzGetDatum(job->initial_start);
	nulls[11] = job->has_initial_start ? ' ' : 'n';
	values[12] = PointerGetDatum(job->config);
	nulls[12] = job->config ? ' ' : 'n';
	values[13] = job->check_schema ? CStringGetTextDatum(job->check_schema) : (Datum) 0;
	nulls[13] = job->check_schema ? ' ' : 'n';
	values[14] = job->check_name ? CStringGetTextDatum(job->check_name) : (Datum) 0;
	nulls[14] = job->check_name ? ' ' : 'n';
	values[15] = job->timezone ? CStringGetTextDatum(job->timezone) : (Datum) 0;
	nulls[15] = job->timezone ? ' ' : 'n';
}

/* name columns are passed as text and cast */
static Oid	job_types[16] = {INT4OID, TEXTOID, INTERVALOID, INTERVALOID, INT4OID,
	INTERVALOID, TEXTOID, TEXTOID, OIDOID, BOOLOID, BOOLOID, TIMESTAMPTZOID, JSONBOID,
TEXTOID, TEXTOID, TEXTOID};

/*
 * Insert a user job and its statistics row.  The id comes from the
 * sequence (so from 1000 on) and names the application: "User-Defined
 * Action [id]", as in TimescaleDB.  Returns the id.
 */
int32
JobInsert(BgwJob *job, TimestampTz next_start)
{
	CatalogScope scope;
	Datum		values[16];
	char		nulls[16];
	Oid			stat_types[2] = {INT4OID, TIMESTAMPTZOID};
	Datum		stat_values[2];
	bool		isnull;
	char		appname[NAMEDATALEN];

	catalog_begin(&scope);
	catalog_exec("SELECT pg_catalog.nextval('_timescaledb_catalog.bgw_job_id_seq')::integer",
				 0, NULL, NULL, NULL);
	job->id = DatumGetInt32(get_value(0, 1, &isnull));
	snprintf(appname, sizeof(appname), "%s [%d]", job->kind ? job->kind : "User-Defined Action",
			 job->id);
	job->application_name = MemoryContextStrdup(scope.caller_cxt, appname);

	job_to_values(job, values, nulls);
	catalog_exec("INSERT INTO _timescaledb_catalog.bgw_job (" JOB_COLUMNS ") VALUES "
				 "($1, $2::name, $3, $4, $5, $6, $7::name, $8::name, $9, "
				 "$10, $11, $12, $13, $14, $15, $16)",
				 16, job_types, values, nulls);
	if (job->hypertable_id != 0)
	{
		Oid			types[2] = {INT4OID, INT4OID};
		Datum		ids[2] = {Int32GetDatum(job->id), Int32GetDatum(job->hypertable_id)};

		catalog_exec("UPDATE _timescaledb_catalog.bgw_job SET hypertable_id = $2 "
					 "WHERE id OPERATOR(pg_catalog.=) $1", 2, types, ids, NULL);
	}

	stat_values[0] = Int32GetDatum(job->id);
	stat_values[1] = TimestampTzGetDatum(next_start);
	catalog_exec("INSERT INTO _timescaledb_catalog.bgw_job_stat (job_id, next_start) "
				 "VALUES ($1, $2)", 2, stat_types, stat_values, NULL);
	catalog_end(&scope);
	return job->id;
}

/* Write back what alter_job may change. */
void
JobUpdate(BgwJob *job)
{
	CatalogScope scope;
	Datum		values[16];
	char		nulls[16];

	job_to_values(job, values, nulls);
	catalog_begin(&scope);
	catalog_exec("UPDATE _timescaledb_catalog.bgw_job SET schedule_interval = $3, "
				 "max_runtime = $4, max_retries = $5, retry_period = $6, scheduled = $10, "
				 "fixed_schedule = $11, initial_start = $12, config = $13, "
				 "check_schema = $14, check_name = $15, timezone = $16 WHERE id OPERATOR(pg_catalog.=) $1",
				 16, job_types, values, nulls);
	catalog_end(&scope);
}

void
JobDelete(int32 job_id)
{
	CatalogScope scope;
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(job_id)};

	catalog_begin(&scope);
	catalog_exec("DELETE FROM _timescaledb_catalog.bgw_job WHERE id OPERATOR(pg_catalog.=) $1",
				 1, types, values, NULL);
	catalog_end(&scope);
}

/* Read one timestamptz column of a job's statistics row; false if none. */
static bool
get_stat_timestamp(int32 job_id, const char *sql, TimestampTz *result, bool *isnull)
{
	CatalogScope scope;
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(job_id)};
	bool		found;

	catalog_begin(&scope);
	found = catalog_exec(sql, 1, types, values, NULL) > 0;
	if (found)
		*result = DatumGetTimestampTz(get_value(0, 1, isnull));
	catalog_end(&scope);
	return found;
}

bool
JobGetNextStart(int32 job_id, TimestampTz *next_start)
{
	bool		isnull;

	return get_stat_timestamp(job_id,
							  "SELECT next_start FROM _timescaledb_catalog.bgw_job_stat "
							  "WHERE job_id OPERATOR(pg_catalog.=) $1", next_start, &isnull);
}

/*
 * When the last run of a job ended (DT_NOBEGIN if it never ended).  False
 * if the job no longer exists.
 */
bool
JobGetLastFinish(int32 job_id, TimestampTz *last_finish)
{
	bool		isnull = false;
	bool		found;

	found = get_stat_timestamp(job_id,
							   "SELECT last_finish FROM _timescaledb_catalog.bgw_job_stat "
							   "WHERE job_id OPERATOR(pg_catalog.=) $1", last_finish, &isnull);
	if (found && isnull)
		*last_finish = DT_NOBEGIN;
	return found;
}

/* Run an UPDATE of bgw_job_stat taking the job id and a timestamp. */
static void
update_stat(const char *sql, int32 job_id, TimestampTz value)
{
	CatalogScope scope;
	Oid			types[2] = {INT4OID, TIMESTAMPTZOID};
	Datum		values[2] = {Int32GetDatum(job_id), TimestampTzGetDatum(value)};

	catalog_begin(&scope);
	catalog_exec(sql, 2, types, values, NULL);
	catalog_end(&scope);
}

void
JobSetNextStart(int32 job_id, TimestampTz next_start)
{
	update_stat("UPDATE _timescaledb_catalog.bgw_job_stat SET next_start = $2 "
				"WHERE job_id OPERATOR(pg_catalog.=) $1", job_id, next_start);
}

/*
 * What the scheduler needs of every job (a list of BgwJobSchedule *).  Jobs
 * inserted by SQL (the built-in ones) get their statistics row here, due at
 * their initial start or now.
 */
List *
JobListSchedules(void)
{
	CatalogScope scope;
	List	   *result = NIL;
	bool		isnull;

	catalog_begin(&scope);
	/* normally a read-only look; a write only when a job lacks its row */
	catalog_exec("SELECT count(*) FROM _timescaledb_catalog.bgw_job j WHERE NOT EXISTS "
				 "(SELECT FROM _timescaledb_catalog.bgw_job_stat s WHERE s.job_id OPERATOR(pg_catalog.=) j.id)",
				 0, NULL, NULL, NULL);
	if (DatumGetInt64(get_value(0, 1, &isnull)) > 0)
		catalog_exec("INSERT INTO _timescaledb_catalog.bgw_job_stat (job_id, next_start) "
					 "SELECT j.id, coalesce(j.initial_start, now()) "
					 "FROM _timescaledb_catalog.bgw_job j WHERE NOT EXISTS "
					 "(SELECT FROM _timescaledb_catalog.bgw_job_stat s WHERE s.job_id OPERATOR(pg_catalog.=) j.id) "
					 "ON CONFLICT DO NOTHING", 0, NULL, NULL, NULL);
	catalog_exec("SELECT j.id, j.owner, j.scheduled, s.next_start, j.max_runtime, "
				 "coalesce(s.last_start > coalesce(s.last_finish, '-infinity'), false) "
				 "FROM _timescaledb_catalog.bgw_job j "
				 "JOIN _timescaledb_catalog.bgw_job_stat s ON s.job_id OPERATOR(pg_catalog.=) j.id",
				 0, NULL, NULL, NULL);
	for (uint64 row = 0; row < SPI_processed; row++)
	{
		BgwJobSchedule *sched = MemoryContextAlloc(scope.caller_cxt, sizeof(BgwJobSchedule));
		MemoryContext old;

		sched->id = DatumGetInt32(get_value(row, 1, &isnull));
		sched->owner = DatumGetObjectId(get_value(row, 2, &isnull));
		sched->scheduled = DatumGetBool(get_value(row, 3, &isnull));
		sched->next_start = DatumGetTimestampTz(get_value(row, 4, &isnull));
		sched->max_runtime = get_interval(row, 5);
		sched->running = DatumGetBool(get_value(row, 6, &isnull));
		old = MemoryContextSwitchTo(scope.caller_cxt);
		result = lappend(result, sched);
		MemoryContextSwitchTo(old);
	}
	catalog_end(&scope);
	return result;
}

/* The scheduler started a run of the job at start. */
void
JobRecordStart(int32 job_id, TimestampTz start)
{
	update_stat("UPDATE _timescaledb_catalog.bgw_job_stat "
				"SET last_start = $2, total_runs = total_runs + 1 WHERE job_id OPERATOR(pg_catalog.=) $1",
				job_id, start);
}

static void
insert_job_error(BgwJob *job, int32 job_id, TimestampTz start, TimestampTz finish, int pid,
				 const char *sqlstate, const char *message, const char *detail,
				 const char *hint)
{
	Oid			types[10] = {INT4OID, INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID,
	TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[10];
	char		nulls[10];
	const char *texts[6] = {job ? job->proc_schema : NULL, job ? job->proc_name : NULL,
	sqlstate, message, detail, hint};

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int32GetDatum(job_id);
	values[1] = Int32GetDatum(pid);
	nulls[1] = pid > 0 ? ' ' : 'n';
	values[2] = TimestampTzGetDatum(start);
	values[3] = TimestampTzGetDatum(finish);
	for (int i = 0; i < 6; i++)
	{
		values[4 + i] = texts[i] ? CStringGetTextDatum(texts[i]) : (Datum) 0;
		nulls[4 + i] = texts[i] ? ' ' : 'n';
	}
	catalog_exec("INSERT INTO _timescaledb_catalog.job_errors "
				 "(job_id, pid, start_time, finish_time, error_data) VALUES ($1, $2, $3, $4, "
				 "jsonb_strip_nulls(jsonb_build_object('proc_schema', $5, 'proc_name', $6, "
				 "'sqlerrcode', $7, 'message', $8, 'detail', $9, 'hint', $10)))",
				 10, types, values, nulls);
}

/*
 * Record the end of a run that started at start: the statistics, the next
 * start (after a failure, the retry back-off; but a next start set by
 * alter_job during the run is kept), and for a failure a row in
 * job_errors.  edata is the job's error for JOB_RUN_FAILURE.  Called by the
 * job worker itself, or by the scheduler when the worker could not report
 * (stopped at max_runtime, crashed, or interrupted by a restart).  A job
 * deleted meanwhile keeps only its error row.
 */
void
JobRecordEnd(int32 job_id, TimestampTz start, int pid, JobRunOutcome outcome,
			 ErrorData *edata)
{
	BgwJob	   *job = JobFind(job_id, false);
	CatalogScope scope;
	TimestampTz finish = GetCurrentTimestamp();
	bool		success = outcome == JOB_RUN_SUCCESS;
	bool		crash = outcome == JOB_RUN_CRASH;

	catalog_begin(&scope);
	if (job != NULL)
	{
		Oid			types[2] = {INT4OID, TIMESTAMPTZOID};
		Datum		values[7];
		Oid			upd_types[7] = {INT4OID, TIMESTAMPTZOID, BOOLOID, BOOLOID, INT4OID,
		TIMESTAMPTZOID, TIMESTAMPTZOID};
		int32		failures = 0;
		bool		isnull;

		values[0] = Int32GetDatum(job_id);
		values[1] = TimestampTzGetDatum(finish);
		if (catalog_exec("SELECT consecutive_failures FROM _timescaledb_catalog.bgw_job_stat "
						 "WHERE job_id OPERATOR(pg_catalog.=) $1 FOR UPDATE", 1, types, values, NULL) > 0)
			failures = DatumGetInt32(get_value(0, 1, &isnull));
		failures = success ? 0 : failures + 1;

		values[2] = BoolGetDatum(success);
		values[3] = BoolGetDatum(crash);
		values[4] = Int32GetDatum(failures);
		values[5] = TimestampTzGetDatum(start);
		values[6] = TimestampTzGetDatum(JobNextStart(job, finish, failures));
		catalog_exec("UPDATE _timescaledb_catalog.bgw_job_stat SET "
					 "last_finish = $2, last_run_success = $3, "
					 "last_successful_finish = CASE WHEN $3 THEN $2 ELSE last_successful_finish END, "
					 "total_successes = total_successes + $3::integer, "
					 "total_failures = total_failures + (NOT $3)::integer, "
					 "total_crashes = total_crashes + $4::integer, "
					 "consecutive_failures = $5, "
					 "consecutive_crashes = CASE WHEN $4 THEN consecutive_crashes + 1 ELSE 0 END, "
					 "total_duration = total_duration + ($2 - $6), "
					 "total_duration_failures = total_duration_failures + "
					 "  CASE WHEN $3 THEN interval '0' ELSE $2 - $6 END, "
					 "next_start = CASE WHEN next_start OPERATOR(pg_catalog.>) $6 THEN next_start ELSE $7 END "
					 "WHERE job_id OPERATOR(pg_catalog.=) $1",
					 7, upd_types, values, NULL);
	}

	if (outcome == JOB_RUN_FAILURE && edata != NULL)
		insert_job_error(job, job_id, start, finish, pid, unpack_sql_state(edata->sqlerrcode),
						 edata->message, edata->detail, edata->hint);
	else if (outcome == JOB_RUN_TIMEOUT)
	{
		char	   *limit = job ? DatumGetCString(DirectFunctionCall1(interval_out,
																	  IntervalPGetDatum(&job->max_runtime))) : "?";

		insert_job_error(job, job_id, start, finish, pid,
						 unpack_sql_state(ERRCODE_QUERY_CANCELED),
						 psprintf("job %d exceeded its max_runtime of %s and was stopped",
								  job_id, limit),
						 NULL, NULL);
	}
	else if (outcome != JOB_RUN_SUCCESS)
		insert_job_error(job, job_id, start, finish, pid, NULL, NULL, NULL, NULL);
	catalog_end(&scope);
}

/*
 * At scheduler start: runs recorded as in progress were cut short by a
 * crash or restart (no scheduler means no job workers).  Record each as a
 * crash, which also computes its next start.  Returns how many there were.
 */
int
JobRecoverInterrupted(void)
{
	CatalogScope scope;
	int32	   *ids;
	TimestampTz *starts;
	int			n;

	catalog_begin(&scope);
	n = catalog_exec("SELECT job_id, last_start FROM _timescaledb_catalog.bgw_job_stat "
					 "WHERE last_start OPERATOR(pg_catalog.>) coalesce(last_finish, '-infinity')",
					 0, NULL, NULL, NULL);
	ids = MemoryContextAlloc(scope.caller_cxt, sizeof(int32) * (n + 1));
	starts = MemoryContextAlloc(scope.caller_cxt, sizeof(TimestampTz) * (n + 1));
	for (int i = 0; i < n; i++)
	{
		bool		isnull;

		ids[i] = DatumGetInt32(get_value(i, 1, &isnull));
		starts[i] = DatumGetTimestampTz(get_value(i, 2, &isnull));
	}
	catalog_end(&scope);

	for (int i = 0; i < n; i++)
		JobRecordEnd(ids[i], starts[i], 0, JOB_RUN_CRASH, NULL);
	return n;
}

/*
 * Start a transaction in a background worker, staying in the caller's
 * memory context (which the transaction must not outlive); returns that
 * context for BgwTransactionEnd.
 */
MemoryContext
BgwTransactionBegin(void)
{
	MemoryContext cxt = CurrentMemoryContext;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	MemoryContextSwitchTo(cxt);
	return cxt;
}

void
BgwTransactionEnd(MemoryContext cxt)
{
	CommitTransactionCommand();
	MemoryContextSwitchTo(cxt);
}

/* The ids of the jobs a role owns, as a string for messages, or NULL. */
char *
JobsOwnedBy(Oid role)
{
	CatalogScope scope;
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(role)};
	char	   *result = NULL;

	catalog_begin(&scope);
	catalog_exec("SELECT string_agg(id::text, ', ' ORDER BY id) "
				 "FROM _timescaledb_catalog.bgw_job WHERE owner OPERATOR(pg_catalog.=) $1",
				 1, types, values, NULL);
	result = get_string(&scope, 0, 1);
	catalog_end(&scope);
	return result;
}
