-- Partial aggregation with the data nodes' own transition states: when a
-- group spans nodes, an aggregate without a plain SQL form of its state
-- (internal states: sum/avg of bigint and numeric, stddev/variance of
-- integers and numerics; float8[] states: stddev/variance/corr of floats)
-- is wrapped in _timescaledb_internal.partial_state(), the node returns the
-- (serialized) state and the access node combines and finalizes.  Every
-- query is compared with the same query on a plain local table.
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE DATABASE mn_aggp_access;
\c mn_aggp_access
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'mn_aggp_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'mn_aggp_dn2');
SELECT node_name FROM add_data_node('dn3', host => 'localhost', database => 'mn_aggp_dn3');

-- Three days, hourly, nine devices; NULLs, a numeric NaN, a float NaN, a
-- device-less row; temperatures are multiples of 1/4 (float sums exact).
CREATE TABLE conditions (time timestamptz NOT NULL, device int, big bigint, num numeric, ival int,
                sval smallint, temp float8, name text, ok bool);
\set gen 'SELECT t AS time, d AS device, CASE WHEN d = 2 AND extract(hour FROM t) = 3 THEN NULL ELSE d * 1000000000000 + extract(hour FROM t)::bigint * 7 END AS big, CASE WHEN d = 3 AND extract(hour FROM t) = 0 THEN NULL WHEN d = 5 AND t = ''2024-01-02 05:00'' THEN ''NaN'' ELSE round(d * 1.25 + extract(hour FROM t) / 7, 4) END AS num, CASE WHEN d = 4 THEN NULL ELSE (d * extract(hour FROM t))::int END AS ival, (d - 4)::smallint AS sval, CASE WHEN d = 6 AND t = ''2024-01-03 01:00'' THEN ''NaN'' ELSE d * 10 + extract(hour FROM t) / 4 END AS temp, ''n'' || d || ''-'' || extract(hour FROM t) AS name, extract(hour FROM t)::int % 5 <> d AS ok FROM generate_series(''2024-01-01''::timestamptz, ''2024-01-03 23:00'', ''1 hour'') t, generate_series(1, 9) d UNION ALL SELECT ''2024-01-02 12:00'', NULL, 5, 2.5, 1, 1, 7.5, NULL, NULL'
SELECT table_name FROM create_distributed_hypertable('conditions', 'time', 'device', number_partitions => 3,
                                                     chunk_time_interval => interval '1 day');
INSERT INTO conditions :gen;
CREATE TABLE conditions_local (LIKE conditions);
INSERT INTO conditions_local SELECT * FROM (:gen) g;
-- the same rows, every chunk on two of the three nodes
CREATE TABLE replicated (LIKE conditions);
SELECT table_name FROM create_distributed_hypertable('replicated', 'time', 'device', number_partitions => 3,
                                                     chunk_time_interval => interval '1 day',
                                                     replication_factor => 2);
INSERT INTO replicated :gen;
ANALYZE conditions_local;

-- same(q) and ordered(q) (include/agg_same.sql) compare q's results on
-- conditions and replicated with conditions_local's
\getenv abs_srcdir PG_ABS_SRCDIR
\set agg_same :abs_srcdir '/sql/include/agg_same.sql'
\i :agg_same

-- Internal states travel serialized (bytea); the nodes' queries wrap each
-- such aggregate, the access node's Finalize Agg deserializes and combines.
EXPLAIN (VERBOSE, COSTS OFF)
SELECT ok, sum(big), avg(big), sum(num), avg(num), stddev(ival), var_pop(num), count(*)
  FROM conditions GROUP BY ok;
-- float8[] states travel as arrays
EXPLAIN (VERBOSE, COSTS OFF)
SELECT time_bucket('6 hours', time) b, stddev(temp), variance(temp), corr(temp, ival)
  FROM conditions GROUP BY b;
-- FILTER goes into the node's state; HAVING is applied after combining
EXPLAIN (VERBOSE, COSTS OFF)
SELECT ok, sum(num) FILTER (WHERE temp > 40), avg(big) FILTER (WHERE device <> 2) FROM conditions
 GROUP BY ok HAVING sum(num) > 100;
-- without GROUP BY
EXPLAIN (VERBOSE, COSTS OFF) SELECT sum(big), avg(num), stddev_samp(sval) FROM replicated;

-- Results, against the local table: every family, NULLs and NaN.
SELECT * FROM same('SELECT ok, sum(big), avg(big), sum(num), avg(num), count(*) FROM %1$s GROUP BY ok');
SELECT * FROM same('SELECT ok, sum(big), avg(big), sum(num), avg(num), count(*) FROM %2$s GROUP BY ok');
-- the aggregates with SQL forms of their states go along as node states
SELECT * FROM same('SELECT ok, sum(big), count(*), count(num), sum(ival), avg(ival), avg(temp), min(name), max(time), bool_and(ok), bit_or(ival) FROM %1$s GROUP BY ok');
SELECT * FROM same('SELECT ok, stddev(ival), stddev_pop(ival), var_samp(ival), var_pop(ival), variance(big), stddev(big), stddev(sval), var_pop(num), var_samp(num), stddev_pop(num), stddev_samp(num) FROM %1$s GROUP BY ok');
SELECT * FROM same('SELECT ok, stddev(ival), var_samp(big), stddev(sval), var_pop(num), stddev_samp(num) FROM %2$s GROUP BY ok');
-- (floats rounded: combining states adds in another order than one scan)
SELECT * FROM same('SELECT time_bucket(''6 hours'', time) b, round(stddev(temp)::numeric, 8), round(variance(temp)::numeric, 6), round(var_pop(temp::float4)::numeric, 6), round(corr(temp, ival)::numeric, 10), round(regr_slope(temp, ival)::numeric, 10), round(covar_pop(ival, sval)::numeric, 8) FROM %1$s GROUP BY b');
SELECT * FROM same('SELECT ok, round(stddev_pop(temp)::numeric, 8), round(var_samp(temp)::numeric, 6), round(regr_r2(temp, big)::numeric, 10), round(covar_samp(temp, big)::numeric, 2) FROM %2$s GROUP BY ok');
SELECT * FROM same('SELECT sum(big), avg(num), stddev_samp(sval), sum(num) FILTER (WHERE temp > 40) FROM %1$s');
SELECT * FROM same('SELECT sum(big), avg(num), stddev_samp(sval), sum(num) FILTER (WHERE temp > 40) FROM %2$s');
SELECT * FROM same('SELECT ok, sum(num) FILTER (WHERE temp > 40), avg(big) FILTER (WHERE device <> 2) FROM %1$s GROUP BY ok HAVING sum(num) > 100');
SELECT * FROM same('SELECT ok, sum(num) FILTER (WHERE temp > 40), avg(big) FILTER (WHERE device <> 2) FROM %2$s GROUP BY ok HAVING sum(num) > 100');
-- groups all of NULLs: sum and avg NULL, stddev NULL
SELECT * FROM same('SELECT device IS NULL, extract(hour FROM time) = 0 AND device = 3 AS nul, sum(num), avg(num), stddev(num), sum(big) FROM %1$s GROUP BY 1, 2');
-- many groups, each spanning the nodes
SELECT * FROM same('SELECT time, sum(big), avg(num), stddev(ival), var_pop(num) FROM %1$s GROUP BY time');
SELECT * FROM same('SELECT time, sum(big), avg(num), stddev(ival), var_pop(num) FROM %2$s GROUP BY time');
SELECT ordered('SELECT time_bucket(''1 day'', time) d, sum(num), avg(big) FROM %1$s GROUP BY d ORDER BY d DESC');
-- empty input: no groups; one row of NULLs without GROUP BY
SELECT * FROM same($$SELECT ok, sum(num), avg(big) FROM %1$s WHERE time > '2030-01-01' GROUP BY ok$$);
SELECT * FROM same($$SELECT sum(num), avg(big), stddev(ival), count(*) FROM %1$s WHERE time > '2030-01-01'$$);
SELECT sum(num), avg(big), stddev(ival), count(*) FROM conditions WHERE time > '2030-01-01';
-- a node whose chunks are all excluded is not asked
EXPLAIN (VERBOSE, COSTS OFF)
SELECT ok, sum(num), avg(big) FROM conditions WHERE device IN (1, 2, 4) GROUP BY ok;
SELECT * FROM same('SELECT ok, sum(num), avg(big) FROM %1$s WHERE device IN (1, 2, 4) GROUP BY ok');
-- a cheap shared state: sum and avg of the same bigint
SELECT * FROM same('SELECT time_bucket(''12 hours'', time), sum(big), avg(big), sum(big) FILTER (WHERE ok) FROM %1$s GROUP BY 1');

-- Whole pushdown, grouped by the space column: DISTINCT aggregates and
-- ORDER BY inside aggregates go down with the groups.
EXPLAIN (VERBOSE, COSTS OFF)
SELECT device, count(DISTINCT ival), string_agg(name, ',' ORDER BY time DESC), array_agg(num ORDER BY num NULLS FIRST, time)
  FROM conditions GROUP BY device;
SELECT * FROM same('SELECT device, count(DISTINCT ival), sum(DISTINCT big), string_agg(name, '','' ORDER BY time DESC), array_agg(num ORDER BY num NULLS FIRST, time) FROM %1$s GROUP BY device');
SELECT * FROM same('SELECT device, count(DISTINCT ival), string_agg(DISTINCT name, '','' ORDER BY name), array_agg(temp ORDER BY temp USING >, time) FROM %1$s GROUP BY device HAVING count(DISTINCT ival) > 20');
-- spanning nodes they cannot be split: the rows come here
EXPLAIN (VERBOSE, COSTS OFF) SELECT ok, string_agg(name, ',' ORDER BY time) FROM conditions GROUP BY ok;
EXPLAIN (VERBOSE, COSTS OFF) SELECT ok, count(DISTINCT device) FROM conditions GROUP BY ok;
SELECT * FROM same('SELECT ok, string_agg(name, '','' ORDER BY time, name), count(DISTINCT device) FROM %1$s GROUP BY ok');

-- enable_partitionwise_aggregate does not govern the pushdown
SET enable_partitionwise_aggregate = on;
EXPLAIN (COSTS OFF) SELECT ok, avg(num) FROM conditions GROUP BY ok;
RESET enable_partitionwise_aggregate;
-- multinode.enable_aggregate_pushdown = off: rows are aggregated here
SET multinode.enable_aggregate_pushdown = off;
EXPLAIN (COSTS OFF) SELECT ok, avg(num) FROM conditions GROUP BY ok;
SELECT * FROM same('SELECT ok, sum(big), avg(num), stddev(ival) FROM %1$s GROUP BY ok');
RESET multinode.enable_aggregate_pushdown;

-- A non-UTC TimeZone (a half-hour offset and summer time): time_bucket is
-- the same everywhere (immutable); date_trunc on timestamptz goes down with
-- the access node's TimeZone as its zone argument.
SET timezone = 'America/St_Johns';
EXPLAIN (VERBOSE, COSTS OFF) SELECT time_bucket('1 day', time) d, sum(num) FROM conditions GROUP BY d;
EXPLAIN (VERBOSE, COSTS OFF) SELECT date_trunc('day', time) d, sum(num) FROM conditions GROUP BY d;
SELECT * FROM same($$SELECT time_bucket('1 day', time) d, sum(num), avg(big) FROM %1$s GROUP BY d$$);
SELECT * FROM same($$SELECT date_trunc('day', time) d, sum(num), avg(big) FROM %1$s GROUP BY d$$);
SELECT * FROM same($$SELECT date_trunc('day', time) d, sum(num), avg(big) FROM %2$s GROUP BY d$$);
SELECT * FROM same($$SELECT date_trunc('hour', time) h, device, count(*), max(temp) FROM %1$s GROUP BY h, device HAVING date_trunc('day', min(time)) > '2024-01-02'$$);
-- a fixed offset given as an interval
SET TIME ZONE INTERVAL '+05:30' HOUR TO MINUTE;
SELECT * FROM same($$SELECT date_trunc('day', time) d, sum(num), count(*) FROM %1$s GROUP BY d$$);
-- a zone named like the abbreviation of its own fixed offset is the same
SET timezone = 'EST';
EXPLAIN (COSTS OFF) SELECT date_trunc('day', time) d, count(*) FROM conditions GROUP BY d;
SELECT * FROM same($$SELECT date_trunc('day', time) d, sum(num), count(*) FROM %1$s GROUP BY d$$);
-- a zone with summer time named like an abbreviation ("CET", a fixed +1
-- there) would be read as that: computed here
SET timezone = 'CET';
EXPLAIN (COSTS OFF) SELECT date_trunc('day', time) d, count(*) FROM conditions GROUP BY d;
SELECT * FROM same($$SELECT date_trunc('day', time) d, sum(num), count(*) FROM %1$s GROUP BY d$$);
-- a cached plan follows the TimeZone it runs under, and refuses "CET"
SET timezone = 'UTC';
SET plan_cache_mode = force_generic_plan;
PREPARE daily AS SELECT date_trunc('day', time) d, count(*) FROM conditions GROUP BY d ORDER BY d;
SET timezone = 'America/St_Johns';
EXECUTE daily;
SELECT date_trunc('day', time) d, count(*) FROM conditions_local GROUP BY d ORDER BY d;
SET timezone = 'CET';
EXECUTE daily;
DEALLOCATE daily;
RESET plan_cache_mode;
RESET timezone;

-- The marker itself: only around an aggregate whose state it can return,
-- of the state type asked for, between servers of one major version.
\set VERBOSITY default
SELECT _timescaledb_internal.partial_state(1, NULL::int, 'count()', 15);
SELECT _timescaledb_internal.partial_state(sum(num), NULL::numeric, 'sum(numeric)', 15) FROM conditions_local;
SELECT _timescaledb_internal.partial_state(sum(num), NULL::bytea, 'sum(numeric)', 14) FROM conditions_local;
-- another aggregate than the one named: as on a node whose column has another type
SELECT _timescaledb_internal.partial_state(sum(big), NULL::bytea, 'sum(numeric)', 15) FROM conditions_local;
SELECT _timescaledb_internal.partial_state(sum(num), NULL::bytea, 'sum(numeric)', 15), sum(num) FROM conditions_local;
SELECT _timescaledb_internal.partial_state(sum(num), NULL::bytea, 'sum(numeric)', 15) FROM conditions_local HAVING sum(num) > 0;
SELECT _timescaledb_internal.partial_state(string_agg(name, ',' ORDER BY name), NULL::bytea, 'string_agg(text,text)', 15) FROM conditions_local;
-- not directly in the Agg's output: left alone, it fails
SELECT ok, _timescaledb_internal.partial_state(sum(num), NULL::bytea, 'sum(numeric)', 15) IS NOT NULL FROM conditions_local GROUP BY ok ORDER BY ok;
-- only in the query's own output (the access node sends nothing else)
SELECT ok, length(s) > 8 FROM (SELECT ok, _timescaledb_internal.partial_state(sum(num), NULL::bytea, 'sum(numeric)', 15) s FROM conditions_local GROUP BY ok) x ORDER BY ok;
-- a query with a sub-query and aggregates is planned as usual
SELECT count(*), (SELECT max(device) FROM conditions_local) FROM conditions_local;
-- states are only produced, here too: bytea for internal ones
SELECT _timescaledb_internal.partial_state(sum(num), NULL::bytea, 'sum(numeric)', 15) FROM conditions_local WHERE device = 1;
\set VERBOSITY terse
-- a parallel plan: the Finalize Agg above the workers' partial ones
-- combines, then serializes; the states are the same as without workers
CREATE TEMP TABLE serial_states AS
SELECT ok, _timescaledb_internal.partial_state(sum(num), NULL::bytea, 'sum(numeric)', 15) s,
       _timescaledb_internal.partial_state(avg(big), NULL::bytea, 'avg(bigint)', 15) a,
       _timescaledb_internal.partial_state(count(*), NULL::bigint, 'count()', 15) c
  FROM conditions_local GROUP BY ok;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT ok, _timescaledb_internal.partial_state(sum(num), NULL::bytea, 'sum(numeric)', 15) s,
       _timescaledb_internal.partial_state(avg(big), NULL::bytea, 'avg(bigint)', 15) a,
       _timescaledb_internal.partial_state(count(*), NULL::bigint, 'count()', 15) c
  FROM conditions_local GROUP BY ok;
CREATE TEMP TABLE parallel_states AS
SELECT ok, _timescaledb_internal.partial_state(sum(num), NULL::bytea, 'sum(numeric)', 15) s,
       _timescaledb_internal.partial_state(avg(big), NULL::bytea, 'avg(bigint)', 15) a,
       _timescaledb_internal.partial_state(count(*), NULL::bigint, 'count()', 15) c
  FROM conditions_local GROUP BY ok;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
SELECT count(*) AS groups,
       count(*) FILTER (WHERE p.s = s.s AND p.a = s.a AND p.c = s.c) AS same_states
  FROM serial_states s JOIN parallel_states p ON p.ok IS NOT DISTINCT FROM s.ok;
SELECT _timescaledb_internal.partial_state(stddev(temp), NULL::float8[], 'stddev(float8)', 15) FROM conditions_local WHERE device = 1;

\c regression
SET client_min_messages = warning;
DROP DATABASE mn_aggp_access;
DROP DATABASE mn_aggp_dn1;
DROP DATABASE mn_aggp_dn2;
DROP DATABASE mn_aggp_dn3;
