-- Aggregate pushdown: GROUP BY and aggregates computed by the data nodes,
-- whole when every group lives on one node, else as partial states combined
-- on the access node; shapes that cannot go down keep the ordinary plan.
-- Every query is compared with the same query on a plain local table.
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE DATABASE mn_agg_access;
\c mn_agg_access
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET enable_partitionwise_aggregate = off;
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'mn_agg_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'mn_agg_dn2');

-- Three days, hourly, eight devices; temperatures are multiples of 1/4 so
-- that float sums are exact in any order; NULLs, a NaN, a device-less row.
CREATE TABLE conditions (time timestamptz NOT NULL, device int, temp float8, ival int, big bigint, ok bool, name text);
\set gen 'SELECT t AS time, d AS device, CASE WHEN d = 3 AND extract(hour FROM t) = 0 THEN NULL WHEN d = 5 AND t = ''2024-01-02 05:00'' THEN ''NaN'' ELSE d * 10 + extract(hour FROM t) / 4 END AS temp, (d * extract(hour FROM t))::int AS ival, d::bigint * 1000000000000 AS big, extract(hour FROM t)::int % 5 <> d AS ok, ''n'' || d AS name FROM generate_series(''2024-01-01''::timestamptz, ''2024-01-03 23:00'', ''1 hour'') t, generate_series(1, 8) d UNION ALL SELECT ''2024-01-02 12:00'', NULL, 7.5, NULL, NULL, NULL, NULL'
SELECT table_name FROM create_distributed_hypertable('conditions', 'time', 'device', number_partitions => 2,
                                                     chunk_time_interval => interval '1 day');
INSERT INTO conditions :gen;
CREATE TABLE conditions_local (LIKE conditions);
INSERT INTO conditions_local SELECT * FROM (:gen) g;
-- the same rows, every chunk on both nodes
CREATE TABLE replicated (LIKE conditions);
SELECT table_name FROM create_distributed_hypertable('replicated', 'time', 'device', number_partitions => 2,
                                                     chunk_time_interval => interval '1 day',
                                                     replication_factor => 2);
INSERT INTO replicated :gen;
ANALYZE conditions_local;

-- same(q) and ordered(q) (include/agg_same.sql) compare q's results on
-- conditions and replicated with conditions_local's
\getenv abs_srcdir PG_ABS_SRCDIR
\set agg_same :abs_srcdir '/sql/include/agg_same.sql'
\i :agg_same

-- Full pushdown: grouped by the space column, every group on one node; the
-- nodes return finished groups.
EXPLAIN (VERBOSE, COSTS OFF)
SELECT device, avg(temp), max(temp), count(*) FROM conditions GROUP BY device;
-- HAVING goes down with it; ORDER BY is sorted here
EXPLAIN (VERBOSE, COSTS OFF)
SELECT device, sum(ival), min(time) FROM conditions GROUP BY device HAVING avg(temp) > 30 ORDER BY device;
-- DISTINCT aggregates and FILTER, grouped by the space column
EXPLAIN (VERBOSE, COSTS OFF)
SELECT device, count(DISTINCT ival), count(*) FILTER (WHERE temp > 40) FROM conditions GROUP BY device, time_bucket('1 day', time);
-- one node read: everything goes down whatever the grouping
EXPLAIN (VERBOSE, COSTS OFF)
SELECT date_trunc('hour', time) h, sum(big), stddev(temp) FROM conditions WHERE device = 1 GROUP BY h;

-- Partial pushdown: groups span nodes; each node sends states, combined here.
EXPLAIN (VERBOSE, COSTS OFF)
SELECT date_trunc('hour', time) h, avg(temp) FROM conditions
 WHERE time >= '2024-01-01' AND time < '2024-01-03' GROUP BY h ORDER BY h;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT count(*), count(temp), sum(temp), avg(ival), min(name), max(time), bool_and(ok) FROM conditions;
-- HAVING is applied after combining
EXPLAIN (VERBOSE, COSTS OFF)
SELECT time_bucket('6 hours', time) b, sum(ival) FROM conditions GROUP BY b HAVING count(*) > 40;
-- replicas: each node reads its share of the chunks, UNION ALL, each space
-- partition's chunks from one node
EXPLAIN (VERBOSE, COSTS OFF)
SELECT ok, count(*), avg(temp) FROM replicated GROUP BY ok;
-- so grouped by the space column the nodes compute the groups whole, each
-- node reading one of the two partitions (every chunk is on both nodes)
EXPLAIN (VERBOSE, COSTS OFF)
SELECT device, count(*), avg(temp), max(time) FROM replicated GROUP BY device;
SELECT * FROM same($$SELECT device, count(*), avg(temp), max(time) FROM %2$s GROUP BY device$$);
-- a condition on the space column leaves one partition: one node, whole
EXPLAIN (VERBOSE, COSTS OFF)
SELECT device, count(*) FROM replicated WHERE device = 1 GROUP BY device;
-- a node whose chunks are all excluded is not asked; the one left returns
-- finished groups
EXPLAIN (VERBOSE, COSTS OFF)
SELECT ok, count(*) FROM conditions WHERE device IN (1, 3) GROUP BY ok;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT ok, count(*) FROM conditions WHERE device = 1 GROUP BY ok;

-- FILTER goes into each node's states
EXPLAIN (VERBOSE, COSTS OFF)
SELECT ok, count(*) FILTER (WHERE temp > 40), avg(temp) FILTER (WHERE device > 2) FROM conditions GROUP BY ok;

-- an internal state comes as the node's serialized state (more in
-- dist_agg_partial); ORDER BY inside an aggregate goes down with whole groups
EXPLAIN (VERBOSE, COSTS OFF) SELECT ok, sum(big) FROM conditions GROUP BY ok;
EXPLAIN (VERBOSE, COSTS OFF) SELECT device, string_agg(name, ',' ORDER BY time) FROM conditions GROUP BY device;

-- Fallbacks: the ordinary plan, rows aggregated here.
-- DISTINCT and ORDER BY inside aggregates whose groups span nodes
EXPLAIN (VERBOSE, COSTS OFF) SELECT ok, count(DISTINCT device) FROM conditions GROUP BY ok;
EXPLAIN (VERBOSE, COSTS OFF) SELECT ok, string_agg(name, ',' ORDER BY time) FROM conditions GROUP BY ok;
-- a condition evaluated here: a volatile function, a non-default collation
EXPLAIN (VERBOSE, COSTS OFF) SELECT device, count(*) FROM conditions WHERE temp > random() GROUP BY device;
EXPLAIN (VERBOSE, COSTS OFF) SELECT device, count(*) FROM conditions WHERE name > 'n3' COLLATE "C" GROUP BY device;
-- grouping sets
EXPLAIN (VERBOSE, COSTS OFF) SELECT device, ok, count(*) FROM conditions GROUP BY ROLLUP (device, ok);
-- a non-default collation
EXPLAIN (VERBOSE, COSTS OFF) SELECT name COLLATE "C", count(*) FROM conditions GROUP BY 1;
-- date_trunc on timestamptz depends on TimeZone: the nodes get ours as its
-- zone argument, a parameter evaluated when the scan starts
SET timezone = 'Europe/Berlin';
EXPLAIN (VERBOSE, COSTS OFF) SELECT date_trunc('day', time) d, count(*) FROM conditions GROUP BY d;
SELECT * FROM same($$SELECT date_trunc('day', time) d, count(*), avg(temp) FROM %1$s GROUP BY d$$);
SET timezone = 'Etc/UTC';
EXPLAIN (VERBOSE, COSTS OFF) SELECT date_trunc('day', time) d, count(*) FROM conditions WHERE device = 1 GROUP BY d;
-- a cached plan made under UTC follows the TimeZone it runs under
SET timezone = 'UTC';
SET plan_cache_mode = force_generic_plan;
PREPARE daily AS SELECT date_trunc('day', time) d, count(*) FROM conditions GROUP BY d ORDER BY d;
EXECUTE daily;
SET timezone = 'Europe/Berlin';
EXECUTE daily;
SELECT date_trunc('day', time) d, count(*) FROM conditions_local GROUP BY d ORDER BY d;
SET timezone = 'UTC';
DEALLOCATE daily;
RESET plan_cache_mode;

-- run-time exclusion: with a parameter for the space column, nodes left
-- without chunks are not asked; a whole aggregate still returns its row
PREPARE one_device(int) AS SELECT count(*), avg(temp) FROM conditions WHERE device = $1;
PREPARE in_future(int) AS SELECT count(*), max(temp) FROM conditions WHERE device = $1 AND time > now() + interval '1 year';
SET plan_cache_mode = force_generic_plan;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE one_device(2);
EXECUTE one_device(2);
EXECUTE in_future(2);
SELECT count(*), max(temp) FROM replicated WHERE time > now() + interval '1 year';
RESET plan_cache_mode;

-- Results, against the local table.
SELECT * FROM same('SELECT device, avg(temp), max(temp), count(*) FROM %1$s GROUP BY device');
SELECT * FROM same('SELECT device, avg(temp), max(temp), count(*) FROM %2$s GROUP BY device');
SELECT * FROM same('SELECT device, sum(ival), min(time) FROM %1$s GROUP BY device HAVING avg(temp) > 30');
SELECT * FROM same('SELECT device, count(DISTINCT ival), count(*) FILTER (WHERE temp > 40) FROM %1$s GROUP BY device, time_bucket(''1 day'', time)');
SELECT * FROM same($$SELECT date_trunc('hour', time) h, sum(big), stddev(temp) FROM %1$s WHERE device = 1 GROUP BY h$$);
SELECT ordered($$SELECT date_trunc('hour', time) h, avg(temp) FROM %1$s WHERE time >= '2024-01-01' AND time < '2024-01-03' GROUP BY h ORDER BY h$$);
SELECT * FROM same('SELECT count(*), count(temp), sum(temp), avg(ival), min(name), max(time), bool_and(ok) FROM %1$s');
SELECT * FROM same('SELECT count(*), count(temp), sum(temp), avg(ival), min(name), max(time), bool_and(ok) FROM %2$s');
SELECT * FROM same('SELECT time_bucket(''6 hours'', time) b, sum(ival) FROM %1$s GROUP BY b HAVING count(*) > 40');
SELECT * FROM same('SELECT ok, count(*), avg(temp), avg(ival::int2), avg(temp::float4), sum(temp::float4), max(ok::int) FROM %2$s GROUP BY ok');
SELECT * FROM same('SELECT ok, count(*), avg(temp), avg(ival::int2), avg(temp::float4), sum(temp::float4), max(ok::int) FROM %1$s GROUP BY ok');
SELECT * FROM same('SELECT ok, count(*) FROM %1$s WHERE device IN (1, 3) GROUP BY ok');
SELECT * FROM same('SELECT ok, count(*), avg(temp) FROM %1$s WHERE device = 1 GROUP BY ok');
SELECT * FROM same('SELECT ok, sum(big), count(DISTINCT device) FROM %1$s GROUP BY ok');
SELECT * FROM same('SELECT ok, count(*) FILTER (WHERE temp > 40), avg(temp) FILTER (WHERE device > 2), max(time) FILTER (WHERE false) FROM %1$s GROUP BY ok');
SELECT * FROM same('SELECT ok, count(*) FILTER (WHERE temp > 40), avg(temp) FILTER (WHERE device > 2), max(time) FILTER (WHERE false) FROM %2$s GROUP BY ok');
-- NULL groups, NULL and NaN inputs, all-NULL groups
SELECT * FROM same('SELECT device, avg(temp), sum(temp), min(temp), max(temp), count(temp) FROM %1$s GROUP BY device');
SELECT * FROM same('SELECT extract(hour FROM time) = 0 AS midnight, device = 3 AS d3, avg(temp), sum(temp), count(temp), avg(ival) FROM %1$s GROUP BY 1, 2');
SELECT * FROM same('SELECT avg(temp), sum(ival), count(*), max(time) FROM %1$s WHERE temp IS NULL');
-- empty input: no groups, and one row of NULLs without GROUP BY
SELECT * FROM same($$SELECT device, avg(temp), count(*) FROM %1$s WHERE time > '2030-01-01' GROUP BY device$$);
SELECT * FROM same($$SELECT avg(temp), sum(temp), count(*), max(time), bool_or(ok) FROM %1$s WHERE time > '2030-01-01'$$);
SELECT avg(temp), sum(temp), count(*), max(time), bool_or(ok) FROM conditions WHERE time > '2030-01-01';
-- many groups, each spanning nodes
SELECT * FROM same('SELECT time, count(*), sum(temp), avg(ival) FROM %1$s GROUP BY time');
SELECT * FROM same('SELECT time, device, count(*), avg(temp) FROM %2$s GROUP BY time, device');
-- ORDER BY and LIMIT on top, expressions over aggregates and keys
SELECT ordered('SELECT device, round(avg(temp)::numeric, 3) AS a, count(*) * 2 AS c FROM %1$s GROUP BY device ORDER BY a DESC NULLS FIRST, device LIMIT 5');
SELECT ordered('SELECT ok, max(temp) - min(temp) AS spread FROM %1$s GROUP BY ok ORDER BY 1');
SELECT ordered('SELECT time_bucket(''1 day'', time) AS day, count(*), avg(temp) FROM %2$s GROUP BY 1 ORDER BY 1 DESC');
-- a WHERE excluding every chunk of one node, grouped across time
SELECT * FROM same($$SELECT date_trunc('day', time), avg(temp), count(*) FROM %1$s WHERE device = 2 OR device = 4 GROUP BY 1$$);
-- these and the fallbacks give the same results
SELECT * FROM same('SELECT device, string_agg(name, '','' ORDER BY time) FROM %1$s GROUP BY device');
SELECT * FROM same('SELECT device, ok, count(*) FROM %1$s GROUP BY ROLLUP (device, ok)');
SELECT * FROM same('SELECT device, count(*) FROM %1$s WHERE name > ''n3'' COLLATE "C" GROUP BY device');
SELECT * FROM same('SELECT name COLLATE "C", count(*), max(temp) FROM %1$s GROUP BY 1');
-- a subquery with the aggregate, joined here
SELECT * FROM same('SELECT c.device, c.time FROM %1$s c JOIN (SELECT device, max(time) AS t FROM %1$s GROUP BY device) m ON m.device = c.device AND m.t = c.time');

\c regression
SET client_min_messages = warning;
DROP DATABASE mn_agg_access;
DROP DATABASE mn_agg_dn1;
DROP DATABASE mn_agg_dn2;
