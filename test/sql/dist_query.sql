-- Reads of distributed hypertables: chunk exclusion, one remote query per
-- data node, the remote SQL, replicas read once, chunks read directly.
-- The tables are written through the access node (create_distributed_hypertable,
-- INSERT), plain local copies hold the same rows.
-- Sets up mn_q_access with data nodes mn_q_dn1 and mn_q_dn2, used by
-- dist_query_compare and dist_query_modify after it.
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE DATABASE mn_q_access;
\c mn_q_access
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'mn_q_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'mn_q_dn2');

-- The readings: four weeks, hourly, six devices; some NULL temperatures, a
-- device-less row.
CREATE TABLE conditions (time timestamptz NOT NULL, device text, temp float8, "Humidity" float8);
\set gen 'SELECT t AS time, ''d'' || d AS device, CASE WHEN d = 3 AND extract(hour FROM t) = 0 THEN NULL ELSE d * 10 + extract(hour FROM t) / 4 END AS temp, (d + extract(day FROM t))::float8 AS "Humidity" FROM generate_series(''2024-01-01''::timestamptz, ''2024-01-28 23:00'', ''1 hour'') t, generate_series(1, 6) d UNION ALL SELECT ''2024-01-10'', NULL, 1, 1'
SELECT table_name FROM create_distributed_hypertable('conditions', 'time', 'device', number_partitions => 2,
                                                     chunk_time_interval => interval '7 days');
INSERT INTO conditions :gen;
-- the same rows in a plain table, for comparisons
CREATE TABLE conditions_local (LIKE conditions);
INSERT INTO conditions_local SELECT * FROM (:gen) g;

-- A replicated table with names that need quoting, time only.
CREATE SCHEMA "My Schema";
CREATE TABLE "My Schema"."Rep Table" ("Time" timestamptz NOT NULL, "Value" int, "note" text);
\set repgen 'SELECT t AS "Time", (extract(epoch FROM t) / 3600)::int % 100 AS "Value", ''it''''s '' || (extract(epoch FROM t) / 3600)::int % 7 AS note FROM generate_series(''2024-01-01''::timestamptz, ''2024-01-20'', ''2 hours'') t'
SELECT table_name FROM create_distributed_hypertable('"My Schema"."Rep Table"', 'Time', replication_factor => 2,
                                                     chunk_time_interval => interval '7 days');
INSERT INTO "My Schema"."Rep Table" :repgen;
CREATE TABLE rep_local (LIKE "My Schema"."Rep Table");
INSERT INTO rep_local SELECT * FROM (:repgen) g;

CREATE TABLE devices (device text PRIMARY KEY, location text);
INSERT INTO devices VALUES ('d1', 'north'), ('d2', 'north'), ('d3', 'south'), ('d4', 'south'), ('d5', 'east'), ('d7', 'nowhere');
ANALYZE conditions_local, rep_local, devices;

-- same(q): q is run with %1$s = conditions, %2$s = "My Schema"."Rep Table"
-- and again with their local copies; n is the row count, diff the number of
-- rows in one result and not in the other (EXCEPT ALL both ways).
CREATE FUNCTION same(q text, OUT n bigint, OUT diff bigint) LANGUAGE plpgsql AS $$
DECLARE
    d text := format(q, 'conditions', '"My Schema"."Rep Table"');
    l text := format(q, 'conditions_local', 'rep_local');
BEGIN
    EXECUTE format('SELECT count(*) FROM (%s) x', d) INTO n;
    EXECUTE format('SELECT count(*) FROM (((%s) EXCEPT ALL (%s)) UNION ALL ((%s) EXCEPT ALL (%s))) x',
                   d, l, l, d) INTO diff;
END $$;

-- where the rows are
SELECT c.table_name, array_agg(cdn.node_name ORDER BY cdn.node_name) AS nodes
  FROM _timescaledb_catalog.chunk c JOIN _timescaledb_catalog.chunk_data_node cdn ON cdn.chunk_id = c.id
 GROUP BY c.id, c.table_name ORDER BY c.id;

-- every row exactly once
SELECT count(*), count(device), count(temp), sum(temp) FROM conditions;
SELECT count(*), count(device), count(temp), sum(temp) FROM conditions_local;
SELECT count(*), sum("Value") FROM "My Schema"."Rep Table";
SELECT count(*), sum("Value") FROM rep_local;

-- one DataNodeScan, one query per data node, never one per chunk
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM conditions;
-- only the columns needed travel; count(*) needs none
EXPLAIN (VERBOSE, COSTS OFF) SELECT device FROM conditions;
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM conditions;

-- time exclusion: chunks outside the range are not read
EXPLAIN (VERBOSE, COSTS OFF)
SELECT time, temp FROM conditions WHERE time >= '2024-01-12' AND time < '2024-01-15';
EXPLAIN (VERBOSE, COSTS OFF)
SELECT time, temp FROM conditions WHERE time > '2024-01-25 10:00';
-- space exclusion: one device is on one node
EXPLAIN (VERBOSE, COSTS OFF) SELECT time, temp FROM conditions WHERE device = 'd1';
EXPLAIN (VERBOSE, COSTS OFF)
SELECT time, temp FROM conditions WHERE device IN ('d1', 'd2') AND time < '2024-01-05';
-- both, down to a single chunk
EXPLAIN (VERBOSE, COSTS OFF)
SELECT * FROM conditions WHERE device = 'd4' AND time BETWEEN '2024-01-20' AND '2024-01-21';
-- no chunk can match: nothing is sent
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM conditions WHERE time < '2023-01-01';
SELECT * FROM conditions WHERE time < '2023-01-01';
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM conditions WHERE device = 'd1' AND device = 'd2';

-- conditions the nodes cannot evaluate stay on the access node
CREATE FUNCTION my_round(float8) RETURNS float8 LANGUAGE plpgsql IMMUTABLE AS 'BEGIN RETURN round($1); END';
EXPLAIN (VERBOSE, COSTS OFF)
SELECT time FROM conditions WHERE my_round(temp) = 20 AND device = 'd1';
SELECT count(*) FROM conditions WHERE my_round(temp) = 20 AND device = 'd1';
-- an explicit collation the remote SQL would lose stays here too
EXPLAIN (VERBOSE, COSTS OFF) SELECT time FROM conditions WHERE device < 'd2' COLLATE "C";
-- a volatile function is never shipped
EXPLAIN (VERBOSE, COSTS OFF) SELECT time FROM conditions WHERE temp > random() * 1000;
-- stable expressions are computed here and sent as parameters
EXPLAIN (VERBOSE, COSTS OFF)
SELECT time FROM conditions WHERE time > now() - interval '100 years' AND device = 'd2';
SELECT count(*) FROM conditions WHERE time > now() - interval '100 years' AND device = 'd2';
-- built-in immutable functions and operators are shipped
EXPLAIN (VERBOSE, COSTS OFF)
SELECT time FROM conditions
 WHERE date_trunc('day', time) = '2024-01-03' AND upper(device) LIKE 'D%' AND temp IS NOT NULL
   AND "Humidity" BETWEEN 5 AND 10 AND coalesce(temp, 0) <> 17.5 AND NOT (device = ANY ('{d5,d6}'));
SELECT count(*) FROM conditions
 WHERE date_trunc('day', time) = '2024-01-03' AND upper(device) LIKE 'D%' AND temp IS NOT NULL
   AND "Humidity" BETWEEN 5 AND 10 AND coalesce(temp, 0) <> 17.5 AND NOT (device = ANY ('{d5,d6}'));

-- run-time exclusion: values known only when the scan starts (a generic
-- plan's parameters, now(), a correlated subquery's outer value) exclude
-- chunks then, and nodes left without chunks are not contacted
SET plan_cache_mode = force_generic_plan;
PREPARE one_device(text) AS SELECT count(*), sum(temp) FROM conditions WHERE device = $1;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE one_device('d1');
EXECUTE one_device('d1');
EXECUTE one_device('d4');
EXECUTE one_device(NULL);
RESET plan_cache_mode;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM conditions WHERE time > now() - interval '1 day';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT d.device, (SELECT count(*) FROM conditions c WHERE c.device = d.device)
  FROM (VALUES ('d4'), ('d1')) d(device);

-- multinode's own immutable functions, such as time_bucket, are shipped
EXPLAIN (VERBOSE, COSTS OFF)
SELECT time, temp FROM conditions WHERE time_bucket('1 hour', time) = '2024-01-05 10:00' AND device = 'd2';

-- replicas: each chunk read from one node, named chunk by chunk
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM "My Schema"."Rep Table";
EXPLAIN (VERBOSE, COSTS OFF)
SELECT "Value" FROM "My Schema"."Rep Table" WHERE "Time" >= '2024-01-10' AND note = 'it''s 3';
SELECT count(*), min("Time"), max("Time") FROM "My Schema"."Rep Table" WHERE note = 'it''s 3';
SELECT count(*), min("Time"), max("Time") FROM rep_local WHERE note = 'it''s 3';

-- a node taken out of service: replicas are read from the other node
SELECT node_name, available FROM alter_data_node('dn1', available => false);
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM "My Schema"."Rep Table";
SELECT count(*), sum("Value") FROM "My Schema"."Rep Table";
SELECT node_name, available FROM alter_data_node('dn1', available => true);

-- a chunk can be read on its own
EXPLAIN (VERBOSE, COSTS OFF)
SELECT time, temp FROM _timescaledb_internal._dist_hyper_1_1_chunk WHERE temp > 60;
SELECT count(*), sum(temp) FROM _timescaledb_internal._dist_hyper_1_1_chunk WHERE temp > 60;

-- row locks: chunk by chunk, locked on the node read
EXPLAIN (VERBOSE, COSTS OFF)
SELECT time FROM conditions WHERE device = 'd1' AND time < '2024-01-02' FOR UPDATE;
SELECT count(*) FROM (SELECT time FROM conditions WHERE device = 'd1' AND time < '2024-01-02' FOR UPDATE) x;

-- a chunk is not written directly
INSERT INTO _timescaledb_internal._dist_hyper_1_1_chunk VALUES ('2024-01-01', 'd1', 1, 1);

-- errors on a data node come back as errors
SELECT count(*) FROM conditions WHERE 100 / (temp - 10)::int > 0;

-- a distributed hypertable without chunks yet
CREATE TABLE empty_ht (time timestamptz NOT NULL, v int);
SELECT table_name FROM create_distributed_hypertable('empty_ht', 'time');
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM empty_ht;
SELECT * FROM empty_ht;

-- the plain inheritance tree still shows for ONLY
SELECT count(*) FROM ONLY conditions;

-- the data nodes hold what the access node says
\c mn_q_dn1
SET timezone = 'UTC';
SELECT count(*) FROM conditions;
SELECT count(*), sum(temp) FROM _timescaledb_internal._dist_hyper_1_1_chunk WHERE temp > 60;
\c mn_q_dn2
SET timezone = 'UTC';
SELECT count(*) FROM conditions;
