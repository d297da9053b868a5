-- Reads of a distributed hypertable are expanded from the catalog's slices,
-- not by PostgreSQL's inheritance expansion: only the chunks the conditions
-- leave appear in the plan (constant ranges, space conditions, OR and IN
-- lists; parameters and now() at run time), and no chunk relation is opened
-- or locked on the access node.  UPDATE and DELETE keep the per-chunk plan.
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

-- 1-hour chunks over two space partitions: 100 hours, 200 chunks
CREATE TABLE m (time timestamptz NOT NULL, device int, v float8);
SELECT table_name FROM create_distributed_hypertable('m', 'time', 'device', number_partitions => 2,
                                                     chunk_time_interval => interval '1 hour');
\set gen 'SELECT timestamptz ''2020-01-03'' + h * interval ''1 hour'' + d * interval ''1 minute'' AS time, d AS device, h * 10 + d AS v FROM generate_series(0, 99) h, generate_series(1, 4) d'
INSERT INTO m :gen;
CREATE TABLE m_local (LIKE m);
INSERT INTO m_local SELECT * FROM (:gen) g;
ANALYZE m_local;
SELECT count(*) AS chunks FROM _timescaledb_catalog.chunk;

-- same(q): q run with %s = m and with m_local; n rows, diff rows in one
-- result and not in the other
CREATE FUNCTION same(q text, OUT n bigint, OUT diff bigint) LANGUAGE plpgsql AS $$
DECLARE
    d text := format(q, 'm');
    l text := format(q, 'm_local');
BEGIN
    EXECUTE format('SELECT count(*) FROM (%s) x', d) INTO n;
    EXECUTE format('SELECT count(*) FROM (((%s) EXCEPT ALL (%s)) UNION ALL ((%s) EXCEPT ALL (%s))) x',
                   d, l, l, d) INTO diff;
END $$;

-- a constant range: two hours, four chunks, two per node
EXPLAIN (VERBOSE, COSTS OFF)
SELECT count(*) FROM m WHERE time >= '2020-01-05' AND time < '2020-01-05 02:00';
SELECT count(*) FROM m WHERE time >= '2020-01-05' AND time < '2020-01-05 02:00';
-- open-ended and single-point ranges
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM m WHERE time > '2020-01-07 01:30';
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM m WHERE time <= '2020-01-03 00:00';
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM m WHERE time = '2020-01-04 10:02';
-- a space condition leaves one node
EXPLAIN (VERBOSE, COSTS OFF)
SELECT * FROM m WHERE time >= '2020-01-05' AND time < '2020-01-05 02:00' AND device = 1;
-- IN lists on the space column, OR of ranges (each arm decides), OR mixing dimensions
EXPLAIN (VERBOSE, COSTS OFF)
SELECT * FROM m WHERE time >= '2020-01-05' AND time < '2020-01-05 01:00' AND device IN (1, 2, 3);
EXPLAIN (VERBOSE, COSTS OFF)
SELECT * FROM m WHERE (time >= '2020-01-04' AND time < '2020-01-04 01:00')
                   OR (time >= '2020-01-06 10:00' AND time < '2020-01-06 11:00');
EXPLAIN (VERBOSE, COSTS OFF)
SELECT * FROM m WHERE (time < '2020-01-03 01:00' AND device = 1) OR time >= '2020-01-07 03:00';
-- nothing can match: nothing is sent
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM m WHERE time < '2019-01-01';
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM m WHERE device = 1 AND device = 2;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT * FROM m WHERE (time < '2019-01-01' AND device = 1) OR (time > '2021-01-01');

-- results equal a local table's
SELECT * FROM same($$SELECT * FROM %s WHERE time >= '2020-01-05' AND time < '2020-01-05 02:00'$$);
SELECT * FROM same($$SELECT * FROM %s WHERE time > '2020-01-07 01:30'$$);
SELECT * FROM same($$SELECT * FROM %s WHERE time = '2020-01-04 10:02'$$);
SELECT * FROM same($$SELECT * FROM %s WHERE time >= '2020-01-05' AND time < '2020-01-05 01:00' AND device IN (1, 2, 3)$$);
SELECT * FROM same($$SELECT * FROM %s WHERE (time >= '2020-01-04' AND time < '2020-01-04 01:00') OR (time >= '2020-01-06 10:00' AND time < '2020-01-06 11:00')$$);
SELECT * FROM same($$SELECT * FROM %s WHERE (time < '2020-01-03 01:00' AND device = 1) OR time >= '2020-01-07 03:00'$$);
SELECT * FROM same($$SELECT * FROM %s WHERE time < '2020-01-03 05:00' OR v > 900$$);
SELECT * FROM same($$SELECT device, count(*), sum(v) FROM %s GROUP BY device$$);
SELECT * FROM same($$SELECT a.device, b.v FROM %1$s a JOIN %1$s b ON a.time = b.time WHERE a.time < '2020-01-03 03:00'$$);
SELECT * FROM same($$SELECT * FROM %s WHERE device = (SELECT max(device) FROM m_local) AND time < '2020-01-04'$$);
-- inside a UNION ALL the root is a member of PostgreSQL's append relation
EXPLAIN (VERBOSE, COSTS OFF)
SELECT v FROM m WHERE time < '2020-01-03 01:00' UNION ALL SELECT v FROM m WHERE time >= '2020-01-07 03:00';
SELECT * FROM same($$SELECT v FROM %1$s WHERE time < '2020-01-03 01:00' UNION ALL SELECT v FROM %1$s WHERE time >= '2020-01-07 03:00'$$);
SELECT * FROM same($$SELECT * FROM (SELECT * FROM %1$s UNION ALL SELECT * FROM %1$s) u WHERE time < '2020-01-03 02:00'$$);

-- parameters: a generic plan keeps every chunk and excludes at run time;
-- nodes left without chunks are not contacted
SET plan_cache_mode = force_generic_plan;
PREPARE q_range(timestamptz, timestamptz) AS SELECT count(*), sum(v) FROM m WHERE time >= $1 AND time < $2;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE q_range('2020-01-05', '2020-01-05 02:00');
EXECUTE q_range('2020-01-05', '2020-01-05 02:00');
EXECUTE q_range('2020-01-06', '2020-01-07');
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE q_range('2019-01-01', '2019-01-02');
EXECUTE q_range('2019-01-01', '2019-01-02');
PREPARE q_dev(int, timestamptz) AS SELECT count(*), sum(v) FROM m WHERE device = $1 AND time < $2;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE q_dev(1, '2020-01-04');
EXECUTE q_dev(1, '2020-01-04');
SELECT count(*), sum(v) FROM m_local WHERE device = 1 AND time < '2020-01-04';
-- a new chunk invalidates the cached plan: the next execution sees it
INSERT INTO m VALUES ('2020-01-05 00:30', 5, 1000);
INSERT INTO m_local VALUES ('2020-01-05 00:30', 5, 1000);
EXECUTE q_range('2020-01-05', '2020-01-05 02:00');
SELECT count(*), sum(v) FROM m_local WHERE time >= '2020-01-05' AND time < '2020-01-05 02:00';
DEALLOCATE q_range;
DEALLOCATE q_dev;
RESET plan_cache_mode;
-- now(): decided at run time (every row is in the past)
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM m WHERE time > now() - interval '1 hour';
SELECT count(*) FROM m WHERE time > now() - interval '1 hour';
SELECT count(*) FROM m WHERE time < now();

-- no chunk is locked (nor opened) on the access node, only the root
BEGIN;
SELECT count(*) FROM m WHERE time >= '2020-01-05' AND time < '2020-01-05 02:00';
SELECT count(*) FROM m;
SELECT count(*) FILTER (WHERE l.relation = 'm'::regclass) AS root_locks,
       count(*) FILTER (WHERE c.id IS NOT NULL) AS chunk_locks
  FROM pg_locks l
  LEFT JOIN _timescaledb_catalog.chunk c
    ON l.relation = format('%I.%I', c.schema_name, c.table_name)::regclass
 WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation';
COMMIT;

-- INSERT ... SELECT reads through the DataNodeScan
CREATE TABLE m_copy (LIKE m);
EXPLAIN (COSTS OFF) INSERT INTO m_copy SELECT * FROM m WHERE time < '2020-01-03 02:00';
INSERT INTO m_copy SELECT * FROM m WHERE time < '2020-01-03 02:00';
SELECT count(*), sum(v) FROM m_copy;
SELECT count(*), sum(v) FROM m_local WHERE time < '2020-01-03 02:00';
-- UPDATE and DELETE still go chunk by chunk
EXPLAIN (COSTS OFF) DELETE FROM m WHERE time >= '2020-01-06' AND time < '2020-01-06 01:00';
UPDATE m SET v = v + 1 WHERE time >= '2020-01-05' AND time < '2020-01-05 02:00' AND device = 2;
UPDATE m_local SET v = v + 1 WHERE time >= '2020-01-05' AND time < '2020-01-05 02:00' AND device = 2;
DELETE FROM m WHERE time >= '2020-01-06' AND time < '2020-01-06 01:00';
DELETE FROM m_local WHERE time >= '2020-01-06' AND time < '2020-01-06 01:00';
SELECT * FROM same($$SELECT * FROM %s$$);
-- a read with row locks keeps the per-chunk plan
SELECT count(*) FROM (SELECT * FROM m WHERE time < '2020-01-03 02:00' FOR UPDATE) x;

-- on a data node, the access node's query on the member hypertable names
-- only the chunks its conditions leave (the root's own arm is empty)
\c mn_x_dn1
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
EXPLAIN (COSTS OFF)
SELECT "time", v FROM public.m WHERE ("time" >= '2020-01-05 00:00:00+00'::timestamptz) AND ("time" < '2020-01-05 02:00:00+00'::timestamptz);
BEGIN;
SELECT count(*), sum(v) FROM public.m WHERE ("time" >= '2020-01-05 00:00:00+00'::timestamptz) AND ("time" < '2020-01-05 02:00:00+00'::timestamptz);
SELECT count(*) AS locked_chunks FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
 WHERE l.pid = pg_backend_pid() AND c.relname LIKE '%chunk' AND c.relkind = 'r';
COMMIT;
-- one chunk: its scan alone, no Append (the root's arm, empty, is planned away)
EXPLAIN (COSTS OFF)
SELECT "time", v FROM public.m WHERE ("time" >= '2020-01-05 00:00:00+00'::timestamptz) AND ("time" < '2020-01-05 01:00:00+00'::timestamptz);
SELECT count(*), sum(v) FROM public.m WHERE ("time" >= '2020-01-05 00:00:00+00'::timestamptz) AND ("time" < '2020-01-05 01:00:00+00'::timestamptz);
SELECT count(*), sum(v) FROM public.m WHERE ("time" >= '2020-01-05 00:00:00+00'::timestamptz) AND ("time" < '2020-01-05 01:00:00+00'::timestamptz) AND tableoid <> 0;
-- no chunk left: the root's arm alone, empty
SELECT count(*) FROM public.m WHERE "time" >= '2031-01-01';
-- the root's permission check stays, with or without chunks
CREATE ROLE mn_x_noread;
SET ROLE mn_x_noread;
SELECT count(*) FROM public.m WHERE ("time" >= '2020-01-05 00:00:00+00'::timestamptz) AND ("time" < '2020-01-05 01:00:00+00'::timestamptz);
SELECT count(*) FROM public.m WHERE "time" >= '2031-01-01';
RESET ROLE;
DROP ROLE mn_x_noread;
-- the same rows as PostgreSQL's own expansion (a system column keeps it)
SELECT count(*), sum(v) FROM public.m WHERE ("time" >= '2020-01-05 00:00:00+00'::timestamptz) AND ("time" < '2020-01-05 02:00:00+00'::timestamptz) AND tableoid <> 0;
SELECT count(*), sum(v) FROM public.m WHERE "time" < '2020-01-03 05:00' OR v > 900;
SELECT count(*), sum(v) FROM public.m WHERE ("time" < '2020-01-03 05:00' OR v > 900) AND tableoid <> 0;
SELECT device, count(*), sum(v) FROM public.m WHERE "time" >= '2020-01-06 20:00' GROUP BY device ORDER BY device;
SELECT device, count(*), sum(v) FROM public.m WHERE "time" >= '2020-01-06 20:00' AND tableoid <> 0 GROUP BY device ORDER BY device;

\c regression
SET client_min_messages = warning;
DROP DATABASE mn_x_access;
DROP DATABASE mn_x_dn1;
DROP DATABASE mn_x_dn2;
