-- Jobs: the catalog of scheduled jobs, their run statistics and errors, the
-- add_job family and the information views.  The scheduler itself is C
-- (src/bgw/); it reads and writes these tables.

-- User jobs get ids from 1000 on; ids below 1000 belong to jobs the extension
-- installs itself (inserted below or by other parts of the install script).
CREATE SEQUENCE _timescaledb_catalog.bgw_job_id_seq MINVALUE 1000;

CREATE TABLE _timescaledb_catalog.bgw_job (
	id integer PRIMARY KEY
		DEFAULT pg_catalog.nextval('_timescaledb_catalog.bgw_job_id_seq'),
	application_name name NOT NULL,
	schedule_interval interval NOT NULL,
	max_runtime interval NOT NULL DEFAULT '0',
	max_retries integer NOT NULL DEFAULT -1,
	retry_period interval NOT NULL DEFAULT '5 minutes',
	proc_schema name NOT NULL,
	proc_name name NOT NULL,
	owner regrole NOT NULL DEFAULT pg_catalog.to_regrole(current_role),
	scheduled boolean NOT NULL DEFAULT true,
	fixed_schedule boolean NOT NULL DEFAULT true,
	initial_start timestamptz,
	hypertable_id integer REFERENCES _timescaledb_catalog.hypertable (id) ON DELETE CASCADE,
	config jsonb,
	check_schema name,
	check_name name,
	timezone text,
	CONSTRAINT bgw_job_schedule_interval_check CHECK (schedule_interval > '0'),
	CONSTRAINT bgw_job_max_runtime_check CHECK (max_runtime >= '0'),
	CONSTRAINT bgw_job_max_retries_check CHECK (max_retries >= -1),
	CONSTRAINT bgw_job_retry_period_check CHECK (retry_period > '0'),
	CONSTRAINT bgw_job_check_config_check CHECK ((check_schema IS NULL) = (check_name IS NULL))
);
ALTER SEQUENCE _timescaledb_catalog.bgw_job_id_seq OWNED BY _timescaledb_catalog.bgw_job.id;

-- One row per job, made when the job is added (or, for jobs inserted by SQL,
-- when the scheduler first sees them).  A run is in progress while
-- last_start is later than last_finish; a scheduler that starts up and finds
-- such a row from before a crash records the run as failed.
CREATE TABLE _timescaledb_catalog.bgw_job_stat (
	job_id integer PRIMARY KEY
		REFERENCES _timescaledb_catalog.bgw_job (id) ON DELETE CASCADE,
	last_start timestamptz,
	last_finish timestamptz,
	next_start timestamptz NOT NULL,
	last_successful_finish timestamptz,
	last_run_success boolean,
	total_runs bigint NOT NULL DEFAULT 0,
	total_duration interval NOT NULL DEFAULT '0',
	total_duration_failures interval NOT NULL DEFAULT '0',
	total_successes bigint NOT NULL DEFAULT 0,
	total_failures bigint NOT NULL DEFAULT 0,
	total_crashes bigint NOT NULL DEFAULT 0,
	consecutive_failures integer NOT NULL DEFAULT 0,
	consecutive_crashes integer NOT NULL DEFAULT 0
);

-- Failed runs, kept after the job is deleted; pruned by the built-in error
-- retention job.  error_data holds sqlerrcode, message, detail, hint,
-- proc_schema and proc_name; a run that ended without reporting (a crash, a
-- restart) has no message.
CREATE TABLE _timescaledb_catalog.job_errors (
	job_id integer NOT NULL,
	pid integer,
	start_time timestamptz,
	finish_time timestamptz,
	error_data jsonb
);
CREATE INDEX job_errors_job_id_finish_time_idx
	ON _timescaledb_catalog.job_errors (job_id, finish_time);

-- User jobs survive pg_dump/pg_restore; statistics and errors do not.
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.bgw_job', 'WHERE id >= 1000');
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.bgw_job_id_seq', '');

-- Everyone may read jobs and their statistics (as in TimescaleDB); errors are
-- read through the view, which shows each role its own jobs only.
GRANT SELECT ON _timescaledb_catalog.bgw_job, _timescaledb_catalog.bgw_job_stat TO PUBLIC;

-- Any committed change to bgw_job, however made, wakes the database's
-- scheduler so that it sees the change at once.
CREATE FUNCTION _timescaledb_internal.bgw_job_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'multinode_bgw_job_changed'
LANGUAGE C;

CREATE TRIGGER bgw_job_changed
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON _timescaledb_catalog.bgw_job
	FOR EACH STATEMENT EXECUTE FUNCTION _timescaledb_internal.bgw_job_changed();

-- ---- the API (TimescaleDB 2.x signatures) ----------------------------------------

CREATE FUNCTION add_job(
	proc regproc,
	schedule_interval interval,
	config jsonb = NULL,
	initial_start timestamptz = NULL,
	scheduled boolean = true,
	check_config regproc = NULL,
	fixed_schedule boolean = true,
	timezone text = NULL
) RETURNS integer
AS 'MODULE_PATHNAME', 'multinode_add_job'
LANGUAGE C VOLATILE;

CREATE FUNCTION alter_job(
	job_id integer,
	schedule_interval interval = NULL,
	max_runtime interval = NULL,
	max_retries integer = NULL,
	retry_period interval = NULL,
	scheduled boolean = NULL,
	config jsonb = NULL,
	next_start timestamptz = NULL,
	if_exists boolean = false,
	check_config regproc = NULL,
	fixed_schedule boolean = NULL,
	initial_start timestamptz = NULL,
	timezone text = NULL
) RETURNS TABLE (
	job_id integer,
	schedule_interval interval,
	max_runtime interval,
	max_retries integer,
	retry_period interval,
	scheduled boolean,
	config jsonb,
	next_start timestamptz,
	check_config text,
	fixed_schedule boolean,
	initial_start timestamptz,
	timezone text
)
AS 'MODULE_PATHNAME', 'multinode_alter_job'
LANGUAGE C VOLATILE;

CREATE FUNCTION delete_job(job_id integer)
RETURNS void
AS 'MODULE_PATHNAME', 'multinode_delete_job'
LANGUAGE C VOLATILE STRICT;

CREATE PROCEDURE run_job(job_id integer)
AS 'MODULE_PATHNAME', 'multinode_run_job'
LANGUAGE C;

-- When would a job start next if a run ended at finish_time?  What the
-- scheduler computes after every run, exposed for inspection and tests.
CREATE FUNCTION _timescaledb_internal.job_next_start(
	job_id integer,
	finish_time timestamptz,
	consecutive_failures integer = 0
) RETURNS timestamptz
AS 'MODULE_PATHNAME', 'multinode_job_next_start'
LANGUAGE C STABLE STRICT;

-- ---- built-in jobs -----------------------------------------------------------

-- Job 2 (as in TimescaleDB) keeps job_errors from growing without bound.
CREATE PROCEDURE _timescaledb_internal.policy_job_error_retention(job_id integer, config jsonb)
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
	DELETE FROM _timescaledb_catalog.job_errors
	 WHERE finish_time < now() - coalesce((config ->> 'drop_after')::interval, '1 month');
$$;

INSERT INTO _timescaledb_catalog.bgw_job
	(id, application_name, schedule_interval, max_runtime, max_retries, retry_period,
	 proc_schema, proc_name, fixed_schedule, config)
VALUES
	(2, 'Error Log Retention Policy [2]', '1 hour', '5 minutes', -1, '1 hour',
	 '_timescaledb_internal', 'policy_job_error_retention', false,
	 '{"drop_after": "1 month"}');
-- due at once, and with its statistics row from the start so that alter_job
-- works on it before the scheduler has seen it
INSERT INTO _timescaledb_catalog.bgw_job_stat (job_id, next_start) VALUES (2, pg_catalog.now());

-- ---- views ---------------------------------------------------------------------

CREATE VIEW timescaledb_information.jobs AS
SELECT j.id AS job_id,
	j.application_name,
	j.schedule_interval,
	j.max_runtime,
	j.max_retries,
	j.retry_period,
	j.proc_schema,
	j.proc_name,
	j.owner,
	j.scheduled,
	j.fixed_schedule,
	j.config,
	js.next_start,
	j.initial_start,
	h.schema_name AS hypertable_schema,
	h.table_name AS hypertable_name,
	j.check_schema,
	j.check_name
FROM _timescaledb_catalog.bgw_job j
	LEFT JOIN _timescaledb_catalog.bgw_job_stat js ON js.job_id = j.id
	LEFT JOIN _timescaledb_catalog.hypertable h ON h.id = j.hypertable_id;

CREATE VIEW timescaledb_information.job_stats AS
SELECT h.schema_name AS hypertable_schema,
	h.table_name AS hypertable_name,
	j.id AS job_id,
	js.last_start AS last_run_started_at,
	js.last_successful_finish,
	CASE WHEN js.last_finish IS NULL THEN NULL
		WHEN js.last_run_success THEN 'Success'
		ELSE 'Failed'
	END AS last_run_status,
	CASE WHEN js.last_start > coalesce(js.last_finish, '-infinity') THEN 'Running'
		WHEN NOT j.scheduled THEN 'Paused'
		ELSE 'Scheduled'
	END AS job_status,
	CASE WHEN js.last_finish >= js.last_start THEN js.last_finish - js.last_start
	END AS last_run_duration,
	CASE WHEN j.scheduled THEN js.next_start END AS next_start,
	js.total_runs,
	js.total_successes,
	js.total_failures
FROM _timescaledb_catalog.bgw_job j
	JOIN _timescaledb_catalog.bgw_job_stat js ON js.job_id = j.id
	LEFT JOIN _timescaledb_catalog.hypertable h ON h.id = j.hypertable_id;

CREATE VIEW timescaledb_information.job_errors
WITH (security_barrier = true) AS
SELECT e.job_id,
	e.error_data ->> 'proc_schema' AS proc_schema,
	e.error_data ->> 'proc_name' AS proc_name,
	e.pid,
	e.start_time,
	e.finish_time,
	e.error_data ->> 'sqlerrcode' AS sqlerrcode,
	CASE WHEN e.error_data ->> 'message' IS NULL THEN 'job crash detected, see server logs'
		ELSE concat_ws('. ', e.error_data ->> 'message', e.error_data ->> 'detail',
					   e.error_data ->> 'hint')
	END AS err_message
FROM _timescaledb_catalog.job_errors e
	LEFT JOIN _timescaledb_catalog.bgw_job j ON j.id = e.job_id
WHERE pg_catalog.pg_has_role(current_user,
		(SELECT d.datdba FROM pg_catalog.pg_database d
		  WHERE d.datname = pg_catalog.current_database()), 'MEMBER')
	OR (j.owner IS NOT NULL AND pg_catalog.pg_has_role(current_user, j.owner, 'MEMBER'));

GRANT SELECT ON timescaledb_information.jobs, timescaledb_information.job_stats,
	timescaledb_information.job_errors TO PUBLIC;
