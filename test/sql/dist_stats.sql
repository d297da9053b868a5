-- Statistics of distributed hypertables: ANALYZE on the access node
-- analyzes the data nodes and imports their row counts and column
-- statistics, so that row estimates are near the truth; the built-in job 4
-- does the same on a schedule.
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE DATABASE mn_stats_access;
\c mn_stats_access
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'mn_stats_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'mn_stats_dn2');

-- A week of readings every 10 minutes from 20 devices (20160 rows), in
-- daily chunks on two nodes; temp NULL for device 20.
CREATE TABLE conditions (time timestamptz NOT NULL, device int, temp float8, name text);
SELECT table_name FROM create_distributed_hypertable('conditions', 'time', 'device', number_partitions => 2,
                                                     chunk_time_interval => interval '1 day');
\set gen 'SELECT t, d, CASE WHEN d = 20 THEN NULL ELSE (d * 7 + extract(minute FROM t))::int % 50 END, ''dev'' || d FROM generate_series(''2024-01-01''::timestamptz, ''2024-01-07 23:50'', ''10 minutes'') t, generate_series(1, 20) d'
INSERT INTO conditions :gen;
-- the same rows, every chunk on both nodes
CREATE TABLE replicated (LIKE conditions);
SELECT table_name FROM create_distributed_hypertable('replicated', 'time', 'device', number_partitions => 2,
                                                     chunk_time_interval => interval '1 day',
                                                     replication_factor => 2);
INSERT INTO replicated :gen;
-- the same rows in a plain table, for the estimates PostgreSQL makes locally
CREATE TABLE conditions_local (LIKE conditions);
-- ANALYZE samples 300 rows per unit of the largest statistics target: a
-- larger target on a column of 21 values (its statistics stay the same)
-- makes the sample the whole table, so the local estimates are exact
ALTER TABLE conditions_local ALTER COLUMN name SET STATISTICS 200;
INSERT INTO conditions_local :gen;
ANALYZE conditions_local;

-- est(q): the planner's row estimate for q; check_est(q): the estimate, the
-- estimate for the same query on the local copy, the truth, and whether the
-- estimate is within 10% of the truth or of the local estimate
CREATE FUNCTION est(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    j json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO j;
    RETURN (j -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END $$;
CREATE FUNCTION check_est(q text, OUT estimate bigint, OUT local bigint, OUT actual bigint,
                          OUT near boolean)
LANGUAGE plpgsql AS $$
BEGIN
    estimate := est(q);
    local := est(regexp_replace(q, '\m(conditions|replicated)\M', 'conditions_local', 'g'));
    EXECUTE format('SELECT count(*) FROM (%s) x', q) INTO actual;
    near := abs(estimate - actual) <= 0.1 * actual OR abs(estimate - local) <= 0.1 * local;
END $$;
CREATE TABLE queries (n int, q text);
INSERT INTO queries VALUES
  (1, 'SELECT * FROM conditions'),
  (2, $$SELECT * FROM conditions WHERE time >= '2024-01-03' AND time < '2024-01-05'$$),
  (3, 'SELECT * FROM conditions WHERE device = 7'),
  (4, $$SELECT * FROM conditions WHERE device = 7 AND time >= '2024-01-06 12:00'$$),
  (5, 'SELECT * FROM conditions WHERE temp < 10'),
  (6, 'SELECT * FROM conditions WHERE temp IS NULL'),
  (7, 'SELECT device, count(*) FROM conditions GROUP BY device'),
  (8, $$SELECT date_trunc('hour', time), avg(temp) FROM conditions GROUP BY 1$$),
  (9, 'SELECT * FROM replicated'),
  (10, 'SELECT device, max(temp) FROM replicated GROUP BY device');

-- Before ANALYZE: default guesses (1000 rows a chunk)
SELECT n, (check_est(q)).* FROM queries ORDER BY n;
SELECT relname, reltuples FROM pg_class WHERE relname IN ('conditions', 'replicated') ORDER BY 1;

-- A role that does not own the table gets PostgreSQL's warning, and
-- nothing is imported
CREATE ROLE stats_reader;
GRANT SELECT ON conditions TO stats_reader;
SET client_min_messages = notice;
SET ROLE stats_reader;
ANALYZE conditions;
RESET ROLE;
SET client_min_messages = warning;
SELECT reltuples FROM pg_class WHERE oid = 'conditions'::regclass;
SELECT count(*) FROM pg_stats WHERE tablename = 'conditions';

-- ANALYZE of one table: the estimates come near the truth, or are those a
-- local table gets (an expression's distinct values, 8: the column's)
ANALYZE conditions;
SELECT n, (check_est(q)).* FROM queries WHERE n <= 8 ORDER BY n;
-- the root's counts, and its chunks' (counted once each)
SELECT reltuples, relpages > 0 AS has_pages FROM pg_class WHERE oid = 'conditions'::regclass;
SELECT count(*), sum(c.reltuples)
  FROM show_chunks('conditions') s JOIN pg_class c ON c.oid = s;
-- the imported statistics, read without inheritance, as the planner reads the root
SELECT attname, inherited, null_frac, n_distinct, avg_width,
       most_common_vals IS NOT NULL AS mcv, array_length(histogram_bounds::text::text[], 1) AS hist,
       correlation IS NOT NULL AS corr
  FROM pg_stats WHERE tablename = 'conditions' ORDER BY attname;
SELECT (histogram_bounds::text::timestamptz[])[1] AS first,
       (histogram_bounds::text::timestamptz[])[array_length(histogram_bounds::text::text[], 1)] AS last
  FROM pg_stats WHERE tablename = 'conditions' AND attname = 'time';
SELECT most_common_vals::text::int[] @> '{1,2,3,20}' AS devices,
       (SELECT sum(f) FROM unnest(most_common_freqs) f) BETWEEN 0.99 AND 1.01 AS freqs
  FROM pg_stats WHERE tablename = 'conditions' AND attname = 'device';

-- ANALYZE without a table reaches every distributed hypertable; replicas
-- are counted once
ANALYZE;
SELECT reltuples FROM pg_class WHERE oid = 'replicated'::regclass;
SELECT attname, n_distinct FROM pg_stats
 WHERE tablename = 'replicated' AND attname IN ('device', 'time') ORDER BY 1;
SELECT n, (check_est(q)).* FROM queries WHERE n >= 9 ORDER BY n;

-- VACUUM ANALYZE imports too; a plain VACUUM leaves the imported counts
INSERT INTO conditions SELECT t + interval '7 days', d, 1, 'x' FROM (:gen) g(t, d) WHERE d <= 10;
INSERT INTO conditions_local SELECT t + interval '7 days', d, 1, 'x' FROM (:gen) g(t, d) WHERE d <= 10;
ANALYZE conditions_local;
VACUUM ANALYZE conditions;
SELECT reltuples FROM pg_class WHERE oid = 'conditions'::regclass;
VACUUM conditions;
SELECT reltuples FROM pg_class WHERE oid = 'conditions'::regclass;
VACUUM;
SELECT reltuples FROM pg_class WHERE oid = 'conditions'::regclass;
SELECT n, (check_est(q)).* FROM queries WHERE n = 1;

-- A small local table joined to the hypertable: the estimate of the join
-- follows the device's share of the rows, and the plan hashes the small side
CREATE TABLE devices (id int PRIMARY KEY, kind text);
INSERT INTO devices SELECT d, CASE WHEN d = 3 THEN 'special' ELSE 'plain' END FROM generate_series(1, 20) d;
ANALYZE devices;
SELECT (check_est($$SELECT * FROM conditions c JOIN devices d ON d.id = c.device WHERE d.kind = 'special' AND c.time < '2024-01-08'$$)).*;
EXPLAIN (COSTS OFF)
SELECT d.kind, count(*) FROM conditions c JOIN devices d ON d.id = c.device GROUP BY d.kind;

-- The built-in job: daily, and it analyzes what it finds
SELECT job_id, application_name, schedule_interval, proc_schema, proc_name, scheduled
  FROM timescaledb_information.jobs WHERE job_id = 4;
CREATE TABLE metrics (time timestamptz NOT NULL, device int, v float8);
SELECT table_name FROM create_distributed_hypertable('metrics', 'time', 'device');
INSERT INTO metrics SELECT t, d, d FROM generate_series('2024-01-01'::timestamptz, '2024-01-02', '1 hour') t, generate_series(1, 4) d;
SELECT reltuples FROM pg_class WHERE oid = 'metrics'::regclass;
CALL run_job(4);
SELECT reltuples FROM pg_class WHERE oid = 'metrics'::regclass;
SELECT attname, n_distinct FROM pg_stats WHERE tablename = 'metrics' ORDER BY 1;
SELECT schedule_interval FROM alter_job(4, schedule_interval => interval '6 hours');

\c regression
SET client_min_messages = warning;
DROP DATABASE mn_stats_access;
DROP DATABASE mn_stats_dn1;
DROP DATABASE mn_stats_dn2;
DROP ROLE stats_reader;
