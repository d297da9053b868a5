-- Jobs: add_job, alter_job, delete_job, run_job and the information views.
-- The tests run in a database of their own, so job ids are predictable (user
-- jobs count from 1000) and the database's scheduler is theirs.  That
-- scheduler runs due jobs in the background: jobs whose runs would change
-- the output start in the year 2100 or are not scheduled.
CREATE DATABASE jobs_api;
\c jobs_api
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
CREATE EXTENSION multinode;

CREATE TABLE job_log (job_id int, config jsonb, who text DEFAULT current_user);
CREATE PROCEDURE log_job(job_id int, config jsonb) LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO job_log (job_id, config) VALUES (job_id, config);
    COMMIT;  -- a job may commit
    INSERT INTO job_log (job_id, config) VALUES (job_id, '"after commit"');
END $$;
CREATE FUNCTION log_job_fn(job_id int, config jsonb) RETURNS int LANGUAGE sql AS $$
    INSERT INTO job_log (job_id, config) VALUES (job_id, config) RETURNING 1
$$;

-- Waits (at most 30 s) until the scheduler has finished n runs of a job.
CREATE PROCEDURE wait_for_runs(id int, n int) LANGUAGE plpgsql AS $$
DECLARE
    deadline timestamptz := clock_timestamp() + interval '30 s';
BEGIN
    LOOP
        EXIT WHEN (SELECT total_successes + total_failures FROM _timescaledb_catalog.bgw_job_stat
                   WHERE job_id = id) >= n;
        IF clock_timestamp() > deadline THEN
            RAISE EXCEPTION 'job % did not run % times in 30 s', id, n;
        END IF;
        PERFORM pg_sleep(0.05);
        ROLLBACK;  -- a fresh snapshot for the next look
    END LOOP;
END $$;

-- the extension's own jobs, ids below 1000: error log retention, data node healing, distributed statistics
\x on
SELECT job_id, application_name, schedule_interval, max_runtime, max_retries, retry_period,
       proc_schema, proc_name, owner, scheduled, fixed_schedule, config, initial_start,
       hypertable_schema, hypertable_name, check_schema, check_name
  FROM timescaledb_information.jobs WHERE job_id < 1000 ORDER BY job_id;

-- add_job: defaults as in TimescaleDB; ids from 1000
SELECT add_job('log_job', '1 hour', initial_start => '2100-01-01 00:00+00');
SELECT * FROM timescaledb_information.jobs WHERE job_id = 1000;
SELECT * FROM timescaledb_information.job_stats WHERE job_id = 1000;
\x off

-- a function works too; config, unscheduled, drifting schedule, time zone
SELECT add_job('log_job_fn', '1 day', config => '{"rows": 10}', scheduled => false,
               fixed_schedule => false, timezone => 'Europe/Berlin');
SELECT job_id, proc_name, schedule_interval, scheduled, fixed_schedule, config, initial_start
  FROM timescaledb_information.jobs WHERE job_id = 1001;
SELECT job_status, next_start FROM timescaledb_information.job_stats WHERE job_id = 1001;
SELECT timezone FROM _timescaledb_catalog.bgw_job WHERE id = 1001;

-- without initial_start a fixed schedule is aligned on now(), and is due now
BEGIN;
SELECT add_job('log_job', '1 hour', scheduled => false);
SELECT initial_start = now() AS aligned_on_now, next_start = now() AS due_now
  FROM timescaledb_information.jobs WHERE job_id = 1002;
COMMIT;

-- the maintenance page, as printed.  The healing function belongs to the
-- two-phase-commit work; a stub stands in for it where it does not exist yet.
DO $$
BEGIN
    IF to_regproc('_timescaledb_internal.remote_txn_heal_data_node') IS NULL THEN
        CREATE FUNCTION _timescaledb_internal.remote_txn_heal_data_node(oid) RETURNS int
        LANGUAGE sql AS 'SELECT 0';
    END IF;
END $$;

CREATE OR REPLACE PROCEDURE data_node_maintenance(job_id int, config jsonb)
LANGUAGE SQL AS
$$
    SELECT _timescaledb_internal.remote_txn_heal_data_node(fs.oid)
    FROM pg_foreign_server fs, pg_foreign_data_wrapper fdw
    WHERE fs.srvfdw = fdw.oid
    AND fdw.fdwname = 'timescaledb_fdw';
$$;

SELECT add_job('data_node_maintenance', '5m');
-- the scheduler runs it at once, then every five minutes
CALL wait_for_runs(1003, 1);
SELECT job_id, last_run_status, total_runs, total_successes, total_failures,
       next_start - last_run_started_at BETWEEN '4 min' AND '5 min' AS next_in_5_minutes
  FROM timescaledb_information.job_stats WHERE job_id = 1003;

-- run_job runs a job now, in this session, as the caller; stats are untouched
CALL run_job(1000);
CALL run_job(1001);
SELECT * FROM job_log ORDER BY job_id, config::text;
SELECT total_runs FROM timescaledb_information.job_stats WHERE job_id = 1000;
-- inside a transaction block the job's COMMIT is not allowed
BEGIN;
CALL run_job(1000);
ROLLBACK;

-- alter_job: every setting, and its result row
SELECT * FROM alter_job(1000, schedule_interval => '2 hours', max_runtime => '10 min',
                        max_retries => 3, retry_period => '1 min', scheduled => false,
                        config => '{"rows": 5}');
SELECT * FROM alter_job(1000, next_start => '2100-06-01 00:00+00');
-- a new initial_start is also the next start
SELECT job_id, next_start, initial_start
  FROM alter_job(1000, initial_start => '2100-02-01 00:00+00');
SELECT job_id, fixed_schedule, timezone
  FROM alter_job(1000, fixed_schedule => false, timezone => 'America/New_York');
SELECT job_id, schedule_interval, max_runtime, max_retries, retry_period, scheduled, config,
       next_start, initial_start
  FROM timescaledb_information.jobs WHERE job_id = 1000;
SELECT job_status FROM timescaledb_information.job_stats WHERE job_id = 1000;

-- check_config: called on add_job and whenever alter_job changes the config
CREATE FUNCTION check_rows(config jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF config IS NULL OR NOT config ? 'rows' THEN
        RAISE EXCEPTION 'config must have "rows"';
    END IF;
END $$;
CREATE PROCEDURE check_rows_proc(config jsonb) LANGUAGE plpgsql AS $$
BEGIN
    IF (config ->> 'rows')::int > 100 THEN
        RAISE EXCEPTION 'at most 100 rows';
    END IF;
END $$;
SELECT add_job('log_job', '1h', config => '{"cols": 1}', check_config => 'check_rows',
               initial_start => '2100-01-01 00:00+00');
SELECT add_job('log_job', '1h', config => '{"rows": 1}', check_config => 'check_rows',
               initial_start => '2100-01-01 00:00+00');
SELECT check_schema, check_name FROM timescaledb_information.jobs WHERE job_id = 1004;
SELECT job_id, config FROM alter_job(1004, config => '{"cols": 2}');
SELECT job_id, config, check_config FROM alter_job(1004, config => '{"rows": 2}');
-- a procedure can check too; check_config => 0 removes the check
SELECT job_id, check_config FROM alter_job(1004, check_config => 'check_rows_proc');
SELECT job_id, config FROM alter_job(1004, config => '{"rows": 1000}');
SELECT job_id, config, check_config FROM alter_job(1004, config => '{"cols": 3}', check_config => 0);

-- delete_job
SELECT delete_job(1004);
SELECT count(*) FROM timescaledb_information.jobs WHERE job_id = 1004;
SELECT count(*) FROM _timescaledb_catalog.bgw_job_stat WHERE job_id = 1004;

-- bad input
CREATE PROCEDURE one_arg(job_id int) LANGUAGE sql AS 'SELECT 1';
CREATE PROCEDURE text_args(job_id text, config jsonb) LANGUAGE sql AS 'SELECT 1';
SELECT add_job('no_such_procedure', '1h');
SELECT add_job('one_arg', '1h');
SELECT add_job('text_args', '1h');
SELECT add_job('count', '1h');
SELECT add_job(NULL, '1h');
SELECT add_job('log_job', NULL);
SELECT add_job('log_job', '0');
SELECT add_job('log_job', '-1 hour');
SELECT add_job('log_job', '-1 day +2 hours');
SELECT add_job('log_job', '1h', timezone => 'Mars/Olympus_Mons');
SELECT add_job('log_job', '1h', check_config => 'log_job');
SELECT alter_job(1000, schedule_interval => '0');
SELECT alter_job(1000, max_runtime => '-1 s');
SELECT alter_job(1000, max_retries => -2);
SELECT alter_job(1000, retry_period => '0');
SELECT alter_job(1000, timezone => 'nowhere');
SELECT alter_job(NULL);
-- unknown job ids
SELECT alter_job(4711, scheduled => false);
SELECT * FROM alter_job(4711, scheduled => false, if_exists => true);
SELECT delete_job(4711);
CALL run_job(4711);
-- the extension's own jobs cannot be deleted, only paused
SELECT delete_job(2);
-- nothing above consumed a job id
SELECT last_value FROM _timescaledb_catalog.bgw_job_id_seq;

-- dropping a job's procedure: the job stays, and its runs fail clearly
DROP PROCEDURE log_job;
CALL run_job(1000);
SELECT job_id, proc_name FROM timescaledb_information.jobs WHERE job_id = 1000;
-- created again, the job finds it
CREATE PROCEDURE log_job(job_id int, config jsonb) LANGUAGE sql
    AS $$ INSERT INTO job_log (job_id, config) VALUES (job_id, '"re-created"') $$;
CALL run_job(1000);
SELECT count(*) FROM job_log WHERE config = '"re-created"';

-- changes to bgw_job, however made, wake the scheduler; the catalog is not
-- writable by ordinary roles
SELECT tgname FROM pg_trigger WHERE tgrelid = '_timescaledb_catalog.bgw_job'::regclass
   AND NOT tgisinternal;
SELECT has_table_privilege('public', '_timescaledb_catalog.bgw_job', 'INSERT') AS public_insert,
       has_table_privilege('public', '_timescaledb_catalog.bgw_job', 'SELECT') AS public_select,
       has_table_privilege('public', '_timescaledb_catalog.job_errors', 'SELECT') AS errors_select;

-- the scheduler of this database must let DROP DATABASE through
\c regression
DROP DATABASE jobs_api;
