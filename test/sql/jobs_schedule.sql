-- Jobs: when a job runs next.  _timescaledb_internal.job_next_start(job,
-- finish, failures) is what the scheduler computes after each run.  The jobs
-- here are not scheduled, so the scheduler leaves them alone.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS multinode;
RESET client_min_messages;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
CREATE PROCEDURE sched_job(job_id int, config jsonb) LANGUAGE sql AS 'SELECT 1';

-- fixed schedule: the first slot initial_start + k * interval after the finish
SELECT add_job('sched_job', '1 hour', initial_start => '2026-01-01 00:10+00',
               scheduled => false) AS fixed \gset
SELECT finish, _timescaledb_internal.job_next_start(:fixed, finish) AS next_start
  FROM unnest(ARRAY['2025-12-31 12:00+00', '2026-01-01 00:10+00', '2026-01-01 00:10:01+00',
                    '2026-01-01 05:59+00', '2026-03-01 07:10+00']::timestamptz[]) AS finish;

-- drifting schedule: one interval after the finish
SELECT add_job('sched_job', '1 hour', initial_start => '2026-01-01 00:10+00',
               fixed_schedule => false, scheduled => false) AS drifting \gset
SELECT _timescaledb_internal.job_next_start(:drifting, '2026-01-01 05:59:30+00');

-- daily at 09:00 in Berlin stays at 09:00 local time across the DST change
-- of 2026-03-29 (08:00 UTC before, 07:00 UTC after); without a time zone the
-- schedule stays at 08:00 UTC
SELECT add_job('sched_job', '1 day', initial_start => '2026-03-27 08:00+00',
               timezone => 'Europe/Berlin', scheduled => false) AS berlin \gset
SELECT add_job('sched_job', '1 day', initial_start => '2026-03-27 08:00+00',
               scheduled => false) AS utc \gset
SELECT finish, _timescaledb_internal.job_next_start(:berlin, finish) AS berlin,
       _timescaledb_internal.job_next_start(:utc, finish) AS utc
  FROM unnest(ARRAY['2026-03-27 08:00:01+00', '2026-03-28 08:00:01+00',
                    '2026-03-29 07:00:01+00', '2026-04-15 12:00+00']::timestamptz[]) AS finish;

-- monthly from January 31st: the month's last day when it is shorter
SELECT add_job('sched_job', '1 month', initial_start => '2026-01-31 00:00+00',
               scheduled => false) AS monthly \gset
SELECT finish, _timescaledb_internal.job_next_start(:monthly, finish) AS next_start
  FROM unnest(ARRAY['2026-01-31 00:05+00', '2026-02-28 00:05+00', '2026-03-31 00:05+00',
                    '2027-02-01 00:00+00']::timestamptz[]) AS finish;

-- after failures: retry_period doubled per consecutive failure, never later
-- than the next regular start; once max_retries retries failed, the regular
-- start
SELECT retry_period, max_retries FROM alter_job(:fixed, retry_period => '1 min', max_retries => 3);
SELECT failures,
       _timescaledb_internal.job_next_start(:fixed, '2026-01-01 00:30+00', failures) AS next_start
  FROM generate_series(0, 5) AS failures;
SELECT max_retries FROM alter_job(:fixed, max_retries => -1);
SELECT _timescaledb_internal.job_next_start(:fixed, '2026-01-01 00:30+00', 100);

-- changing the schedule recomputes the next start from the last run
UPDATE _timescaledb_catalog.bgw_job_stat SET last_start = '2026-01-01 00:10+00',
       last_finish = '2026-01-01 00:11+00', next_start = '2026-01-01 01:10+00'
 WHERE job_id = :fixed;
SELECT schedule_interval, next_start FROM alter_job(:fixed, schedule_interval => '15 min');
-- other settings leave it alone
SELECT max_runtime, next_start FROM alter_job(:fixed, max_runtime => '1 min');

-- an unknown job has no next start
SELECT _timescaledb_internal.job_next_start(4711, now());

SELECT count(delete_job(id)) FROM unnest(ARRAY[:fixed, :drifting, :berlin, :utc, :monthly]) AS id;
DROP PROCEDURE sched_job;
