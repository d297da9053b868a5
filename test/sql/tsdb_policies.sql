-- Policies as jobs (TimescaleDB 2.13): add/remove_retention_policy and
-- add/remove_reorder_policy, their job rows and config, the information
-- views' hypertable columns, and runs through run_job on local, integer and
-- distributed hypertables.
--
-- message -> function -> case
--   need to specify one of "drop_after" or "drop_created_before"   add_retention_policy, neither / both
--   invalid value for parameter drop_after                          add_retention_policy, integer on timestamptz
--   integer_now_func not set on hypertable "%s"                     add_retention_policy, integer time, no now func
--   retention policy already exists for hypertable "%s"             add_retention_policy, twice
--   ... already exists ..., skipping (NOTICE)                        add_retention_policy, if_not_exists, same args
--   ... already exists ... (WARNING, different arguments)            add_retention_policy, if_not_exists, other args
--   retention policy not found for hypertable "%s"                   remove_retention_policy, none
--   ... not found ..., skipping (NOTICE)                             remove_retention_policy, if_exists
--   table "%s" is not a hypertable                                   add_retention_policy, plain table
--   reorder policies not supported on a distributed hypertables     add_reorder_policy, distributed
--   invalid reorder index                                            add_reorder_policy, unknown index
--   must be owner of table %s                                        add/remove_*_policy as another role
--   cannot manage policies of a member of a distributed hypertable ...  add_retention_policy on a data node
\set VERBOSITY default
SET client_min_messages = notice;
CREATE DATABASE tp_access;
\c tp_access
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'tp_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'tp_dn2');
-- keep the scheduler out of the way: runs below are explicit
SELECT count(*) AS paused FROM _timescaledb_catalog.bgw_job b, LATERAL alter_job(b.id, scheduled => false) a
 WHERE NOT a.scheduled;

CREATE TABLE conditions (time timestamptz NOT NULL, device int, temp float);
SELECT hypertable_id FROM create_hypertable('conditions', 'time', chunk_time_interval => interval '1 day');
INSERT INTO conditions SELECT now() - g * interval '1 day', 1, g FROM generate_series(0, 9) g;
SELECT count(*) FROM show_chunks('conditions');

-- ---- retention ---------------------------------------------------------------
SELECT add_retention_policy('conditions');
SELECT add_retention_policy('conditions', interval '5 days', drop_created_before => interval '1 day');
SELECT add_retention_policy('conditions', 5);
CREATE TABLE plain (time timestamptz);
SELECT add_retention_policy('plain', interval '1 day');
SELECT add_retention_policy('conditions', interval '5 days') AS retention_job \gset
SELECT :retention_job >= 1000 AS user_job_id;
SELECT application_name = 'Retention Policy [' || :retention_job || ']' AS app_name_ok,
	   schedule_interval, max_runtime, max_retries, retry_period, proc_schema, proc_name,
	   check_schema, check_name, config, fixed_schedule, scheduled
  FROM timescaledb_information.jobs WHERE job_id = :retention_job;
SELECT hypertable_schema, hypertable_name, hypertable_id = 1 AS ht_id
  FROM timescaledb_information.jobs j JOIN _timescaledb_catalog.bgw_job b ON b.id = j.job_id
 WHERE job_id = :retention_job;
SELECT add_retention_policy('conditions', interval '5 days');
SELECT add_retention_policy('conditions', interval '5 days', if_not_exists => true);
SELECT add_retention_policy('conditions', interval '6 days', if_not_exists => true);
CALL run_job(:retention_job);
-- chunks wholly older than 5 days are gone: days 6..9 back (and day 5's
-- chunk when it ends before the cutoff)
SELECT count(*) <= 6 AND count(*) >= 5 AS kept_recent_chunks, max(temp) <= 5 AS old_rows_gone FROM conditions;
SELECT hypertable_schema, hypertable_name FROM timescaledb_information.job_stats WHERE job_id = :retention_job;
SELECT remove_retention_policy('conditions');
SELECT count(*) FROM timescaledb_information.jobs WHERE job_id = :retention_job;
SELECT remove_retention_policy('conditions');
SELECT remove_retention_policy('conditions', if_exists => true);

-- drop_created_before: by creation time
SELECT add_retention_policy('conditions', drop_created_before => interval '1 hour') AS created_job \gset
SELECT config ? 'drop_created_before' AS by_creation FROM _timescaledb_catalog.bgw_job WHERE id = :created_job;
UPDATE _timescaledb_catalog.chunk SET creation_time = now() - interval '1 day'
 WHERE id = (SELECT min(id) FROM _timescaledb_catalog.chunk WHERE hypertable_id = 1);
SELECT count(*) AS chunks_before FROM show_chunks('conditions') \gset
CALL run_job(:created_job);
SELECT :chunks_before - count(*) AS dropped FROM show_chunks('conditions');
SELECT remove_retention_policy('conditions');

-- integer time: drop_after counts back from integer_now_func
CREATE TABLE ticks (t bigint NOT NULL, v int);
SELECT hypertable_id FROM create_hypertable('ticks', 't', chunk_time_interval => 10);
INSERT INTO ticks SELECT g, g FROM generate_series(0, 99) g;
SELECT add_retention_policy('ticks', 30);
CREATE FUNCTION ticks_now() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT coalesce(max(t), 0) FROM ticks $$;
SELECT set_integer_now_func('ticks', 'ticks_now');
SELECT add_retention_policy('ticks', interval '1 day');
SELECT add_retention_policy('ticks', 30) AS ticks_job \gset
SELECT config FROM _timescaledb_catalog.bgw_job WHERE id = :ticks_job;
CALL run_job(:ticks_job);
-- now = 99, cutoff 69: chunks ending at or before 69 are dropped
SELECT min(t), count(*) FROM ticks;

-- distributed: drop_chunks runs on the data nodes too
CREATE TABLE dist (time timestamptz NOT NULL, device int, temp float);
SELECT hypertable_id FROM create_distributed_hypertable('dist', 'time', 'device',
	chunk_time_interval => interval '1 day', data_nodes => '{dn1,dn2}');
INSERT INTO dist SELECT now() - g * interval '1 day', d, g FROM generate_series(0, 9) g, generate_series(1, 4) d;
SELECT add_retention_policy('dist', interval '5 days') AS dist_job \gset
CALL run_job(:dist_job);
SELECT max(temp) <= 5 AS old_rows_gone, count(*) >= 20 AS recent_rows_kept FROM dist;
\c tp_dn1
SELECT coalesce(max(temp), 0) <= 5 AS dn1_old_rows_gone FROM dist;
SELECT add_retention_policy('dist', interval '1 day');
\c tp_access

-- only the hypertable's owner manages its policies
CREATE ROLE tp_other LOGIN;
SET ROLE tp_other;
SELECT add_retention_policy('dist', interval '1 day');
SELECT remove_retention_policy('dist');
SELECT add_reorder_policy('ticks', 'ticks_t_idx');
RESET ROLE;
SELECT count(*) AS dist_policies FROM _timescaledb_catalog.bgw_job WHERE hypertable_id = 3;

-- ---- reorder -------------------------------------------------------------------
SELECT add_reorder_policy('dist', 'dist_time_idx');
SELECT add_reorder_policy('conditions', 'nosuch_idx');
CREATE INDEX conditions_device_time_idx ON conditions (device, time);
SELECT add_reorder_policy('conditions', 'conditions_device_time_idx') AS reorder_job \gset
SELECT schedule_interval, proc_name, check_name, config ->> 'index_name' AS index_name, hypertable_name
  FROM timescaledb_information.jobs WHERE job_id = :reorder_job;
SELECT add_reorder_policy('conditions', 'conditions_device_time_idx', if_not_exists => true);
CALL run_job(:reorder_job);
-- every chunk but the newest is now clustered on its copy of the index
SELECT count(*) FILTER (WHERE i.indisclustered) = count(*) - 1 AS all_but_newest_clustered
  FROM _timescaledb_catalog.chunk_index ci
  JOIN _timescaledb_catalog.chunk c ON c.id = ci.chunk_id
  JOIN pg_index i ON i.indexrelid = format('%I.%I', c.schema_name, ci.index_name)::regclass
 WHERE ci.hypertable_index_name = 'conditions_device_time_idx';
SELECT remove_reorder_policy('conditions');
SELECT remove_reorder_policy('conditions', if_exists => true);

-- the old procedure names still run a policy
SELECT add_retention_policy('conditions', interval '2 days') AS old_name_job \gset
SELECT config AS old_name_config FROM _timescaledb_catalog.bgw_job WHERE id = :old_name_job \gset
CALL _timescaledb_internal.policy_retention(:old_name_job, :'old_name_config');
SELECT max(temp) <= 2 AS old_name_ran FROM conditions;
-- dropping the hypertable drops its policies
DROP TABLE conditions;
SELECT count(*) FROM _timescaledb_catalog.bgw_job WHERE id = :old_name_job;

\c postgres
DROP DATABASE tp_access;
DROP DATABASE tp_dn1;
DROP DATABASE tp_dn2;
DROP ROLE tp_other;
