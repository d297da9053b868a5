/*-------------------------------------------------------------------------
 *
 * schedule.c
 *	  When a job runs next: fixed and drifting schedules, time zones, and
 *	  the back-off after failures.
 *
 * A drifting schedule (fixed_schedule = false) starts the next run one
 * schedule_interval after the last one finished.  A fixed schedule starts
 * runs at initial_start + k * schedule_interval, the first such time after
 * the last run finished, so a run that overruns skips slots rather than
 * drifting.  The arithmetic is done in wall-clock time of the job's time
 * zone (UTC when it has none), so a daily job at 09:00 in Europe/Berlin
 * stays at 09:00 across daylight-saving changes, and a monthly job stays on
 * its day of the month.
 *
 * After a failure the job is retried after retry_period, doubled for each
 * further consecutive failure (at most 64 times), but never later than its
 * next regular start; once max_retries consecutive retries have failed
 * (-1: no limit) it just waits for its next regular start.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/int.h"
#include "fmgr.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "bgw/bgw_internal.h"

PG_FUNCTION_INFO_V1(multinode_job_next_start);

#define MAX_BACKOFF_DOUBLINGS 6
#define MAX_ADJUST_STEPS 100000

/*
 * Reject a time zone the scheduler could not use.  Names from
 * pg_timezone_names and POSIX zone specifications are accepted;
 * abbreviations such as "CET" are fixed offsets, not zones, and are not.
 */
void
ValidateJobTimezone(const char *timezone)
{
	if (pg_tzset(timezone) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid timezone \"%s\"", timezone),
				 errhint("Use a time zone name from pg_timezone_names, such as \"Europe/Berlin\" or \"UTC\".")));
}

static void
out_of_range(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("job schedule is out of range for type timestamp with time zone")));
}

/* Wall-clock time in tz of an absolute time; identity for UTC (tz NULL). */
static Timestamp
to_local(TimestampTz t, pg_tz *tz)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;
	Timestamp	result;

	if (tz == NULL || TIMESTAMP_NOT_FINITE(t))
		return t;
	if (timestamp2tm(t, &tzoff, &tm, &fsec, NULL, tz) != 0 ||
		tm2timestamp(&tm, fsec, NULL, &result) != 0)
		out_of_range();
	return result;
}

/* The absolute time of a wall-clock time in tz. */
static TimestampTz
from_local(Timestamp t, pg_tz *tz)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;
	TimestampTz result;

	if (tz == NULL || TIMESTAMP_NOT_FINITE(t))
		return t;
	if (timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) != 0)
		out_of_range();
	tzoff = DetermineTimeZoneOffset(&tm, tz);
	if (tm2timestamp(&tm, fsec, &tzoff, &result) != 0)
		out_of_range();
	return result;
}

static Timestamp
add_interval(Timestamp t, const Interval *iv)
{
	return DatumGetTimestamp(DirectFunctionCall2(timestamp_pl_interval,
												 TimestampGetDatum(t),
												 IntervalPGetDatum(iv)));
}

/* origin + k * iv, multiplying each field so months stay months */
static Timestamp
nth_slot(Timestamp origin, const Interval *iv, int64 k)
{
	Interval	step;
	int64		month;
	int64		day;

	if (pg_mul_s64_overflow(iv->time, k, &step.time) ||
		pg_mul_s64_overflow((int64) iv->month, k, &month) ||
		pg_mul_s64_overflow((int64) iv->day, k, &day) ||
		month < PG_INT32_MIN || month > PG_INT32_MAX ||
		day < PG_INT32_MIN || day > PG_INT32_MAX)
		out_of_range();
	step.month = (int32) month;
	step.day = (int32) day;
	return add_interval(origin, &step);
}

static pg_tz *
job_tz(BgwJob *job)
{
	return job->timezone ? pg_tzset(job->timezone) : NULL;
}

/*
 * The regular start after a run that finished at 'after', ignoring
 * failures: the next slot of a fixed schedule, or one interval later.
 */
TimestampTz
JobNextRegularStart(BgwJob *job, TimestampTz after)
{
	pg_tz	   *tz = job_tz(job);
	const Interval *iv = &job->schedule_interval;
	Timestamp	origin;
	Timestamp	local_after;
	int64		approx;
	int64		k;
	int			steps;
	TimestampTz result;

	if (TIMESTAMP_NOT_FINITE(after))
		return after;
	if (!job->fixed_schedule || !job->has_initial_start)
		return from_local(add_interval(to_local(after, tz), iv), tz);

	if (job->initial_start > after)
		return job->initial_start;

	origin = to_local(job->initial_start, tz);
	local_after = to_local(after, tz);

	/* estimate the slot number, then step to the first slot after 'after' */
	approx = iv->time + (int64) iv->day * USECS_PER_DAY +
		(int64) iv->month * DAYS_PER_MONTH * USECS_PER_DAY;
	k = (local_after - origin) / Max(approx, 1) + 1;
	for (steps = 0; k > 0 && nth_slot(origin, iv, k - 1) > local_after; steps++)
	{
		k--;
		if (steps > MAX_ADJUST_STEPS)
			out_of_range();
	}
	for (steps = 0; nth_slot(origin, iv, k) <= local_after; steps++)
	{
		k++;
		if (steps > MAX_ADJUST_STEPS)
			out_of_range();
	}

	/* a wall-clock time repeated at a DST change may map before 'after' */
	result = from_local(nth_slot(origin, iv, k), tz);
	if (result <= after)
		result = from_local(nth_slot(origin, iv, k + 1), tz);
	return result;
}

/*
 * When the job starts next, after a run that finished at 'finish' and made
 * 'consecutive_failures' failures in a row (0 after a success).
 */
TimestampTz
JobNextStart(BgwJob *job, TimestampTz finish, int consecutive_failures)
{
	TimestampTz regular = JobNextRegularStart(job, finish);
	Interval   *backoff;
	TimestampTz retry;
	int			doublings;

	if (consecutive_failures <= 0 ||
		(job->max_retries >= 0 && consecutive_failures > job->max_retries))
		return regular;

	doublings = Min(consecutive_failures - 1, MAX_BACKOFF_DOUBLINGS);
	backoff = DatumGetIntervalP(DirectFunctionCall2(interval_mul,
													IntervalPGetDatum(&job->retry_period),
													Float8GetDatum((float8) (1 << doublings))));
	retry = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
													TimestampTzGetDatum(finish),
													IntervalPGetDatum(backoff)));
	return Min(retry, regular);
}

/*
 * _timescaledb_internal.job_next_start(job_id, finish_time, consecutive_failures)
 *
 * What the scheduler would set next_start to after a run of the job ended
 * at finish_time; NULL for an unknown job.
 */
Datum
multinode_job_next_start(PG_FUNCTION_ARGS)
{
	BgwJob	   *job = JobFind(PG_GETARG_INT32(0), false);

	if (job == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(JobNextStart(job, PG_GETARG_TIMESTAMPTZ(1), PG_GETARG_INT32(2)));
}
