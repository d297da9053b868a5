-- EXPLAIN of distributed plans: per data node its name, its chunks and, with
-- VERBOSE, the exact remote SQL (pushed-down GROUP BY, ORDER BY, LIMIT);
-- under ANALYZE what each node did (rows, loops, round trips; times masked);
-- with multinode.explain_data_node_plans the nodes' own plans; every format.
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE DATABASE mn_x_access;
\c mn_x_access
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'mn_x_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'mn_x_dn2');

-- four days, hourly, four devices, a chunk per day and space slice; no
-- indexes, so the data nodes' plans do not depend on their statistics
CREATE TABLE conditions (time timestamptz NOT NULL, device int, temp float8);
SELECT table_name FROM create_distributed_hypertable('conditions', 'time', 'device', number_partitions => 2,
                                                     chunk_time_interval => interval '1 day',
                                                     create_default_indexes => false);
INSERT INTO conditions
SELECT t, d, d * 10 + extract(hour FROM t) FROM generate_series('2024-01-01'::timestamptz, '2024-01-04 23:00', '1 hour') t,
       generate_series(1, 4) d;
SELECT device, count(*) FROM conditions GROUP BY device ORDER BY device;

-- masked(q): EXPLAIN output with every number after "time=" replaced, for
-- output that must show timings
CREATE FUNCTION masked(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    line text;
BEGIN
    FOR line IN EXECUTE q LOOP
        RETURN NEXT regexp_replace(line, 'time=[0-9.]+\.\.[0-9.]+', 'time=N..N', 'g');
    END LOOP;
END $$;
-- node_rows(q): from EXPLAIN (ANALYZE, FORMAT JSON) of q, the rows of the
-- top DataNodeScan and the sum of its data nodes' rows
CREATE FUNCTION node_rows(q text, OUT scan_rows numeric, OUT node_rows numeric, OUT nodes int)
LANGUAGE plpgsql AS $$
DECLARE
    plan jsonb;
    scan jsonb;
BEGIN
    EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON) ' || q INTO plan;
    SELECT p INTO scan FROM jsonb_path_query(plan, 'strict $.**') p
     WHERE p->>'Custom Plan Provider' = 'DataNodeScan' LIMIT 1;
    scan_rows := (scan->>'Actual Rows')::numeric * (scan->>'Actual Loops')::numeric;
    SELECT sum((n->>'Actual Rows')::numeric * (n->>'Actual Loops')::numeric), count(*)
      INTO node_rows, nodes FROM jsonb_array_elements(scan->'Data Nodes') n;
END $$;

-- A plain scan: compact without VERBOSE (chunk counts), chunks and SQL with it
EXPLAIN (COSTS OFF) SELECT * FROM conditions WHERE temp > 20;
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM conditions WHERE temp > 20;
-- one node after space exclusion
EXPLAIN (COSTS OFF) SELECT * FROM conditions WHERE device = 1;

-- Aggregates pushed down: whole per node (grouped by the space column) ...
EXPLAIN (COSTS OFF) SELECT device, avg(temp) FROM conditions GROUP BY device;
EXPLAIN (VERBOSE, COSTS OFF) SELECT device, avg(temp) FROM conditions GROUP BY device;
-- ... and partial, combined on the access node
EXPLAIN (VERBOSE, COSTS OFF)
SELECT time_bucket('1 day', time) AS day, max(temp), count(*) FROM conditions GROUP BY day;

-- ORDER BY ... LIMIT pushed down, the nodes' sorted streams merged
EXPLAIN (COSTS OFF) SELECT * FROM conditions ORDER BY time DESC, device LIMIT 5;
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM conditions ORDER BY time DESC, device LIMIT 5;

-- ANALYZE: rows and loops per node, which add up to the scan's rows
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM conditions WHERE temp > 20;
-- VERBOSE adds the round trips: DECLARE and the first FETCH travel together,
-- and the CLOSE comes after EXPLAIN has printed
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM conditions WHERE temp > 20;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT device, avg(temp) FROM conditions GROUP BY device;
-- a LIMIT small enough for one batch: no cursor, one round trip per node
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT * FROM conditions ORDER BY time DESC, device LIMIT 5;
-- the merge stopped early: fewer rows taken from the nodes than they sent
SELECT * FROM node_rows('SELECT * FROM conditions ORDER BY time DESC, device LIMIT 5');
SELECT * FROM node_rows('SELECT * FROM conditions WHERE temp > 20');
SELECT * FROM node_rows('SELECT device, max(temp) FROM conditions GROUP BY device');
SELECT * FROM node_rows('SELECT time_bucket(''1 day'', time), max(temp) FROM conditions GROUP BY 1');
-- with timing: the first row and the last answer per node
SELECT * FROM masked('EXPLAIN (ANALYZE, COSTS OFF, SUMMARY OFF) SELECT * FROM conditions WHERE temp > 20');

-- Run-time exclusion: a node none of whose chunks match is not contacted
PREPARE one_device(int) AS SELECT count(*) FROM conditions WHERE device = $1;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE one_device(1);
-- rescans: a node skipped in some runs, queried in others
CREATE TABLE devs (d int);
INSERT INTO devs VALUES (1), (2), (3);
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_material = off;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT d, (SELECT count(*) FROM conditions WHERE device = devs.d) FROM devs;
SELECT d, (SELECT count(*) FROM conditions WHERE device = devs.d) FROM devs ORDER BY d;
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_material;

-- JSON: the data nodes as an array of objects
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON)
SELECT * FROM conditions WHERE temp > 42;

-- The data nodes' own plans, explained on the nodes in the same remote
-- transaction; COSTS OFF here is COSTS OFF there
SET multinode.explain_data_node_plans = on;
EXPLAIN (COSTS OFF) SELECT * FROM conditions WHERE temp > 20;
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM conditions WHERE device = 3 AND time < '2024-01-02';
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM conditions WHERE device = 3;
-- a generic plan's parameters have values only when it runs ...
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE one_device(3);
-- ... under ANALYZE the node explains (without running it again) the query
-- with the values sent; the skipped node has no plan
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE one_device(3);
RESET plan_cache_mode;
-- structured formats: the node's plan is part of the document, as the node's
-- JSON plan re-emitted (groups, arrays, numbers, booleans)
EXPLAIN (COSTS OFF, FORMAT JSON) SELECT * FROM conditions WHERE device = 3 AND time < '2024-01-02';
EXPLAIN (COSTS OFF, FORMAT YAML) SELECT * FROM conditions WHERE device = 3 AND time < '2024-01-02';
EXPLAIN (COSTS OFF, FORMAT XML) SELECT * FROM conditions WHERE device = 3 AND time < '2024-01-02';
-- explain_as(format, q): EXPLAIN (VERBOSE) of q in that format, as text
CREATE FUNCTION explain_as(fmt text, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    t text;
BEGIN
    EXECUTE format('EXPLAIN (VERBOSE, FORMAT %s) %s', fmt, q) INTO t;
    RETURN t;
END $$;
SELECT n->>'Data node' AS node, n->'Remote Plan'->'Plan'->>'Node Type' AS top,
       jsonb_typeof(n->'Remote Plan'->'Plan'->'Total Cost') AS cost,
       jsonb_typeof(n->'Remote Plan'->'Plan'->'Parallel Aware') AS parallel,
       n->'Remote Plan'->'Plan'->'Output' AS output,
       jsonb_array_length(n->'Remote Plan'->'Plan'->'Plans') AS children
  FROM jsonb_array_elements(explain_as('JSON', 'SELECT count(*) FROM conditions WHERE time < ''2024-01-03''')::jsonb->0->'Plan'->'Plans'->0->'Data Nodes') n;
SELECT xpath('//e:Data-Node/e:Remote-Plan/e:Plan/e:Node-Type/text()',
             explain_as('XML', 'SELECT * FROM conditions WHERE temp > 70')::xml,
             ARRAY[ARRAY['e', 'http://www.postgresql.org/2009/explain']]) AS remote_tops;
-- inside a transaction block the nodes' plans use its remote transaction
BEGIN;
SELECT count(*) FROM conditions WHERE device = 1;
EXPLAIN (COSTS OFF) SELECT * FROM conditions WHERE device = 1 AND time >= '2024-01-04';
COMMIT;
RESET multinode.explain_data_node_plans;


-- row locks read chunk by chunk: each chunk's scan names its node, and shows
-- what the node did and its plan
SET multinode.explain_data_node_plans = on;
BEGIN;
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT time FROM conditions WHERE device = 4 AND time >= '2024-01-04 20:00' FOR UPDATE;
ROLLBACK;
RESET multinode.explain_data_node_plans;

-- INSERT: the hypertable's data nodes; with VERBOSE the statement that
-- carries each chunk's rows; under ANALYZE the rows sent to each node
EXPLAIN (COSTS OFF) INSERT INTO conditions VALUES ('2024-01-02 10:30', 1, 1.5);
EXPLAIN (VERBOSE, COSTS OFF) INSERT INTO conditions VALUES ('2024-01-02 10:30', 1, 1.5);
BEGIN;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
INSERT INTO conditions SELECT '2024-01-02 10:30', d, 1.5 FROM generate_series(1, 5) d;
SELECT count(*) FROM conditions WHERE time = '2024-01-02 10:30';
ROLLBACK;
-- replicated with a key: each replica counts; ON CONFLICT goes as INSERT
CREATE TABLE readings (time timestamptz NOT NULL, device int NOT NULL, v int, PRIMARY KEY (time, device));
SELECT table_name FROM create_distributed_hypertable('readings', 'time', 'device', number_partitions => 2,
                                                     replication_factor => 2);
BEGIN;
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
INSERT INTO readings SELECT '2024-01-01', d, d FROM generate_series(1, 3) d;
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
INSERT INTO readings SELECT '2024-01-01', d, d FROM generate_series(2, 4) d ON CONFLICT DO NOTHING;
SELECT count(*) FROM readings;
ROLLBACK;
EXPLAIN (COSTS OFF, FORMAT JSON) INSERT INTO readings VALUES ('2024-01-01', 1, 1);

-- UPDATE and DELETE: one statement per chunk, on every replica; under
-- ANALYZE the rows each replica changed; the nodes' plans on request
EXPLAIN (COSTS OFF) DELETE FROM conditions WHERE time >= '2024-01-04' AND temp > 40;
BEGIN;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
DELETE FROM conditions WHERE time >= '2024-01-04' AND temp > 40;
INSERT INTO readings VALUES ('2024-01-01', 1, 1), ('2024-01-01', 2, 2);
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
UPDATE readings SET v = v + 1 WHERE device = 1;
ROLLBACK;
SET multinode.explain_data_node_plans = on;
EXPLAIN (VERBOSE, COSTS OFF) UPDATE conditions SET temp = temp + 1 WHERE device = 2 AND time < '2024-01-02';
PREPARE del(int) AS DELETE FROM conditions WHERE device = $1 AND time < '2024-01-02';
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE del(2);
BEGIN;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE del(2);
ROLLBACK;
RESET plan_cache_mode;
RESET multinode.explain_data_node_plans;
SELECT count(*) FROM conditions;

\c regression
SET client_min_messages = warning;
DROP DATABASE mn_x_access;
DROP DATABASE mn_x_dn1;
DROP DATABASE mn_x_dn2;
