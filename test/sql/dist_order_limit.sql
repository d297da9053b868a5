-- ORDER BY and LIMIT of reads of distributed hypertables pushed down to the
-- data nodes: each node's query sorts (and limits), the access node merges
-- the nodes' sorted streams and keeps the LIMIT/OFFSET; what cannot mean the
-- same remotely stays on the access node.  Results are compared, in order,
-- with a plain local table holding the same rows.
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE DATABASE mn_o_access;
\c mn_o_access
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'mn_o_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'mn_o_dn2');

-- readings every 30 minutes for two weeks, 8 devices; NULL temperatures,
-- repeated temperatures (ties), text notes
CREATE TABLE conditions (time timestamptz NOT NULL, device int, temp float8, note text);
\set gen 'SELECT t AS time, d AS device, CASE WHEN (d + extract(hour FROM t)::int) % 7 = 0 THEN NULL ELSE ((d * 13 + extract(hour FROM t)::int) % 20)::float8 END AS temp, chr(65 + (d * 7 + extract(minute FROM t)::int) % 26) || d AS note FROM generate_series(''2024-01-01''::timestamptz, ''2024-01-14 23:30'', ''30 minutes'') t, generate_series(1, 8) d'
SELECT table_name FROM create_distributed_hypertable('conditions', 'time', 'device', number_partitions => 2,
                                                     chunk_time_interval => interval '3 days');
INSERT INTO conditions :gen;
CREATE TABLE conditions_local (LIKE conditions);
INSERT INTO conditions_local SELECT * FROM (:gen) g;
-- every chunk on both nodes, each read from one of them
CREATE TABLE rep (time timestamptz NOT NULL, v int, note text);
\set repgen 'SELECT t AS time, (extract(epoch FROM t) / 3600)::int % 50 AS v, ''n'' || (extract(epoch FROM t) / 3600)::int % 9 AS note FROM generate_series(''2024-01-01''::timestamptz, ''2024-01-12'', ''1 hour'') t'
SELECT table_name FROM create_distributed_hypertable('rep', 'time', replication_factor => 2,
                                                     chunk_time_interval => interval '2 days');
INSERT INTO rep :repgen;
CREATE TABLE rep_local (LIKE rep);
INSERT INTO rep_local SELECT * FROM (:repgen) g;
ANALYZE conditions_local, rep_local;

-- ordered(q): q with %1$s = conditions, %2$s = rep, and again with the local
-- copies; n is the row count, same whether both give the same rows in the
-- same order (only the sort keys' order is fixed: q must sort on unique
-- keys, or select only its sort keys)
CREATE FUNCTION ordered(q text, OUT n bigint, OUT same boolean) LANGUAGE plpgsql AS $$
DECLARE
    d text := format(q, 'conditions', 'rep');
    l text := format(q, 'conditions_local', 'rep_local');
    a text[];
    b text[];
BEGIN
    EXECUTE format('SELECT array_agg(x::text) FROM (%s) x', d) INTO a;
    EXECUTE format('SELECT array_agg(x::text) FROM (%s) x', l) INTO b;
    n := coalesce(cardinality(a), 0);
    same := a IS NOT DISTINCT FROM b;
END $$;

-- the W6 shape: one device, newest first, ten rows: each node sorts and
-- limits, no Sort on the access node
EXPLAIN (VERBOSE, COSTS OFF)
SELECT * FROM conditions WHERE device = 7 ORDER BY time DESC LIMIT 10;
SELECT * FROM ordered('SELECT * FROM %1$s WHERE device = 7 ORDER BY time DESC LIMIT 10');
-- both nodes: their sorted streams merged on the access node
EXPLAIN (VERBOSE, COSTS OFF)
SELECT time, device, temp FROM conditions ORDER BY time DESC, device LIMIT 5 OFFSET 3;
SELECT * FROM ordered('SELECT time, device, temp FROM %1$s ORDER BY time DESC, device LIMIT 5 OFFSET 3');
-- ORDER BY without LIMIT: sorted and merged, every row
EXPLAIN (VERBOSE, COSTS OFF)
SELECT time, device FROM conditions WHERE time < '2024-01-02' ORDER BY device DESC, time;
SELECT * FROM ordered($$SELECT time, device FROM %1$s WHERE time < '2024-01-02' ORDER BY device DESC, time$$);
SELECT * FROM ordered('SELECT * FROM %1$s ORDER BY device, time');
-- NULLS FIRST / LAST, ASC / DESC, written out exactly
EXPLAIN (VERBOSE, COSTS OFF)
SELECT temp, time, device FROM conditions ORDER BY temp DESC NULLS LAST, time, device LIMIT 7;
SELECT * FROM ordered('SELECT temp, time, device FROM %1$s ORDER BY temp NULLS FIRST, time, device LIMIT 30');
SELECT * FROM ordered('SELECT temp, time, device FROM %1$s ORDER BY temp DESC NULLS LAST, time, device LIMIT 30');
SELECT * FROM ordered('SELECT temp, time, device FROM %1$s ORDER BY temp DESC, time DESC, device LIMIT 30');
SELECT * FROM ordered('SELECT temp, time, device FROM %1$s ORDER BY temp ASC NULLS LAST, time DESC, device DESC LIMIT 30');
-- ties: only the sort key is compared
SELECT * FROM ordered('SELECT temp FROM %1$s ORDER BY temp LIMIT 100');
SELECT * FROM ordered('SELECT temp FROM %1$s ORDER BY temp DESC OFFSET 2000');
-- immutable expressions and text in the default collation
EXPLAIN (VERBOSE, COSTS OFF)
SELECT time_bucket('1 day', time) AS day, note, device, time FROM conditions ORDER BY 1 DESC, note, time, device LIMIT 4;
SELECT * FROM ordered($$SELECT time_bucket('1 day', time) AS day, note, device, time FROM %1$s ORDER BY 1 DESC, note, time, device LIMIT 40$$);
SELECT * FROM ordered('SELECT note, time, device FROM %1$s ORDER BY note DESC, time, device LIMIT 40');
-- LIMIT 0, a LIMIT larger than the table, OFFSET past the end
SELECT * FROM ordered('SELECT * FROM %1$s ORDER BY time, device LIMIT 0');
SELECT * FROM ordered('SELECT * FROM %1$s ORDER BY time, device LIMIT 100000');
SELECT * FROM ordered('SELECT * FROM %1$s ORDER BY time, device LIMIT 10 OFFSET 100000');
SELECT * FROM ordered('SELECT * FROM %1$s WHERE device = 3 ORDER BY time LIMIT ALL');
-- LIMIT without ORDER BY goes down too
EXPLAIN (VERBOSE, COSTS OFF) SELECT device FROM conditions LIMIT 3;
SELECT count(*) FROM (SELECT device FROM conditions LIMIT 3) x;
-- a node whose chunks are all excluded is not asked; the merge has one stream
EXPLAIN (VERBOSE, COSTS OFF)
SELECT * FROM conditions WHERE device IN (1, 3) AND time < '2024-01-03' ORDER BY time DESC, device LIMIT 3;
SELECT * FROM ordered($$SELECT * FROM %1$s WHERE device IN (1, 3) AND time < '2024-01-03' ORDER BY time DESC, device LIMIT 30$$);
SELECT * FROM ordered($$SELECT * FROM %1$s WHERE time > '2030-01-01' ORDER BY time LIMIT 3$$);
-- replicas: chunks read from either node, sorted as a subquery of the UNION ALL
EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM rep ORDER BY v DESC, time LIMIT 5;
SELECT * FROM ordered('SELECT * FROM %2$s ORDER BY v DESC, time LIMIT 50');
SELECT * FROM ordered('SELECT * FROM %2$s ORDER BY note, time DESC');
SELECT * FROM ordered('SELECT * FROM %2$s ORDER BY time LIMIT 30 OFFSET 250');

-- fallbacks: nothing pushed that could change meaning on a node
-- a collation of its own: sorted here
EXPLAIN (VERBOSE, COSTS OFF) SELECT note FROM conditions ORDER BY note COLLATE "C" LIMIT 3;
SELECT * FROM ordered('SELECT note FROM %1$s ORDER BY note COLLATE "C" LIMIT 40');
-- stable and volatile sort keys: sorted here, no remote LIMIT
EXPLAIN (VERBOSE, COSTS OFF) SELECT time FROM conditions ORDER BY time - now() LIMIT 3;
EXPLAIN (VERBOSE, COSTS OFF) SELECT time, device FROM conditions ORDER BY time::text LIMIT 3;
EXPLAIN (VERBOSE, COSTS OFF) SELECT time FROM conditions ORDER BY random() LIMIT 3;
SELECT * FROM ordered('SELECT time, device FROM %1$s ORDER BY time::text, device LIMIT 20');
-- a condition left to the access node: sorted remotely, but no remote LIMIT
CREATE FUNCTION here(text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS 'BEGIN RETURN lower($1); END';
EXPLAIN (VERBOSE, COSTS OFF)
SELECT * FROM conditions WHERE here(note) = 'h1' ORDER BY time DESC LIMIT 3;
SELECT * FROM ordered($$SELECT * FROM %1$s WHERE here(note) = 'h1' ORDER BY time DESC LIMIT 3$$);
EXPLAIN (VERBOSE, COSTS OFF)
SELECT * FROM conditions WHERE temp > random() ORDER BY time LIMIT 3;
SELECT * FROM ordered($$SELECT time, device FROM %1$s WHERE note = 'H1' ORDER BY time DESC LIMIT 5$$);
-- WITH TIES: the order goes down, the LIMIT does not
EXPLAIN (VERBOSE, COSTS OFF)
SELECT temp FROM conditions ORDER BY temp FETCH FIRST 3 ROWS WITH TIES;
SELECT * FROM ordered('SELECT temp FROM %1$s ORDER BY temp FETCH FIRST 3 ROWS WITH TIES');
-- aggregates, DISTINCT, joins, set-returning functions: no remote LIMIT
EXPLAIN (VERBOSE, COSTS OFF) SELECT DISTINCT device FROM conditions ORDER BY device LIMIT 3;
EXPLAIN (VERBOSE, COSTS OFF) SELECT time, generate_series(1, 2) FROM conditions ORDER BY time LIMIT 3;
SELECT * FROM ordered('SELECT time, generate_series(1, 2) AS g FROM %1$s ORDER BY time, g LIMIT 5');
SELECT * FROM ordered('SELECT a.time, a.device FROM %1$s a JOIN %1$s b USING (time, device) ORDER BY a.time DESC, a.device LIMIT 5');

-- prepared statements: LIMIT $1 sent as a parameter; the custom plans and
-- the generic plan agree with the local table
PREPARE top(int, bigint) AS SELECT time, device, temp FROM conditions WHERE device = $1 ORDER BY time DESC LIMIT $2;
PREPARE top_local(int, bigint) AS SELECT time, device, temp FROM conditions_local WHERE device = $1 ORDER BY time DESC LIMIT $2;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE top(5, 4);
CREATE TEMP TABLE r1 AS EXECUTE top(5, 4);
CREATE TEMP TABLE r2 AS EXECUTE top_local(5, 4);
SELECT (SELECT array_agg(r1::text) FROM r1) = (SELECT array_agg(r2::text) FROM r2) AS same;
DROP TABLE r1, r2;
CREATE TEMP TABLE r1 AS EXECUTE top(2, 5000);
CREATE TEMP TABLE r2 AS EXECUTE top_local(2, 5000);
SELECT count(*), (SELECT array_agg(r1::text) FROM r1) = (SELECT array_agg(r2::text) FROM r2) AS same FROM r1;
DROP TABLE r1, r2;
CREATE TEMP TABLE r1 AS EXECUTE top(3, NULL);
SELECT count(*) FROM r1;
DROP TABLE r1;
SET plan_cache_mode = force_custom_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE top(5, 4);
CREATE TEMP TABLE r1 AS EXECUTE top(5, 4);
CREATE TEMP TABLE r2 AS EXECUTE top_local(5, 4);
SELECT (SELECT array_agg(r1::text) FROM r1) = (SELECT array_agg(r2::text) FROM r2) AS same;
DROP TABLE r1, r2;
RESET plan_cache_mode;
-- rescans: a LATERAL subquery per outer row, each with its own remote LIMIT
SELECT * FROM ordered('SELECT d, x.* FROM generate_series(1, 9) d, LATERAL (SELECT time, temp FROM %1$s c WHERE c.device = d ORDER BY time DESC LIMIT 2) x ORDER BY d, x.time');
SELECT * FROM ordered('SELECT d, x.* FROM generate_series(0, 3) d, LATERAL (SELECT time, device FROM %1$s c ORDER BY time DESC, device LIMIT d OFFSET 1) x ORDER BY d, x.time DESC, x.device');
-- a cursor moved back and forth over a merged scan
BEGIN;
DECLARE c SCROLL CURSOR FOR SELECT time, device FROM conditions ORDER BY time DESC, device LIMIT 6;
FETCH 3 FROM c;
FETCH BACKWARD 2 FROM c;
FETCH ALL FROM c;
COMMIT;

-- on a data node, a member read sorted on time takes its chunks in time
-- order (an ordered Append under a merge with the root's own arm), so a
-- LIMIT stops in the newest chunk instead of starting every chunk's scan;
-- chunks of one time slice (several space slices on one node) are merged
-- among themselves
SET multinode.explain_data_node_plans = on;
EXPLAIN (COSTS OFF) SELECT * FROM conditions WHERE device = 7 ORDER BY time DESC LIMIT 10;
CREATE TABLE four (time timestamptz NOT NULL, device int, temp float8, note text);
SELECT table_name FROM create_distributed_hypertable('four', 'time', 'device', number_partitions => 4,
                                                     chunk_time_interval => interval '3 days');
INSERT INTO four SELECT * FROM conditions_local;
-- the chunks a time condition leaves (member_expand.c's UNION ALL)
EXPLAIN (COSTS OFF) SELECT time, device FROM four WHERE time < '2024-01-07' ORDER BY time LIMIT 3;
RESET multinode.explain_data_node_plans;
-- same_as(q, dist, loc): q on a distributed hypertable and on its local copy
-- give the same rows in the same order
CREATE FUNCTION same_as(q text, dist text, loc text, OUT n bigint, OUT same boolean) LANGUAGE plpgsql AS $$
DECLARE
    a text[];
    b text[];
BEGIN
    EXECUTE format('SELECT array_agg(x::text) FROM (%s) x', format(q, dist)) INTO a;
    EXECUTE format('SELECT array_agg(x::text) FROM (%s) x', format(q, loc)) INTO b;
    n := coalesce(cardinality(a), 0);
    same := a IS NOT DISTINCT FROM b;
END $$;
SELECT * FROM same_as('SELECT * FROM %s WHERE device = 7 ORDER BY time DESC LIMIT 10', 'four', 'conditions_local');
SELECT * FROM same_as('SELECT * FROM %s ORDER BY time, device LIMIT 40', 'four', 'conditions_local');
SELECT * FROM same_as('SELECT * FROM %s ORDER BY time DESC, device DESC LIMIT 40 OFFSET 500', 'four', 'conditions_local');
SELECT * FROM same_as($$SELECT * FROM %s WHERE time >= '2024-01-05' AND time < '2024-01-11' ORDER BY time DESC, device$$, 'four', 'conditions_local');
SELECT * FROM same_as('SELECT time, device FROM %s ORDER BY time, device', 'four', 'conditions_local');
SELECT * FROM ordered('SELECT * FROM %1$s WHERE device = 7 ORDER BY time DESC LIMIT 10');
SELECT * FROM ordered('SELECT * FROM %1$s ORDER BY time DESC, device LIMIT 20 OFFSET 100');
SELECT * FROM ordered($$SELECT * FROM %1$s WHERE time > '2024-01-04' ORDER BY time, device$$);

-- a read sent as is (one batch per node) takes its rows in binary when every
-- column's type is built-in and the node keeps it prepared (its second run),
-- in text otherwise (its first run, a domain column): values of every kind,
-- edge cases and NULLs read back the same as from a local table, each twice
CREATE DOMAIN short_text AS text CHECK (length(VALUE) < 100);
CALL distributed_exec($$CREATE DOMAIN short_text AS text CHECK (length(VALUE) < 100)$$);
CREATE TABLE kinds (time timestamptz NOT NULL, device int, n numeric, f float8, r real, b bool,
                    t text, by bytea, j jsonb, u uuid, a int[], ta text[], i interval,
                    ts timestamp, d date, ip inet, rg tstzrange, s short_text, v varchar(5), c char(3));
SELECT table_name FROM create_distributed_hypertable('kinds', 'time', 'device', number_partitions => 2,
                                                     chunk_time_interval => interval '3 days');
\set kgen 'SELECT timestamptz ''2024-01-01'' + g * interval ''7 hours'' AS time, g % 5 AS device, CASE g % 6 WHEN 0 THEN ''NaN''::numeric WHEN 1 THEN NULL ELSE (g * 12345.6789)::numeric ^ 3 END AS n, CASE g % 7 WHEN 0 THEN ''NaN''::float8 WHEN 1 THEN ''-Infinity'' WHEN 2 THEN ''-0'' ELSE g / 3.0 END AS f, (g / 7.0)::real AS r, g % 3 = 0 AS b, CASE WHEN g % 4 = 0 THEN NULL ELSE ''é"'''' '' || g END AS t, decode(md5(g::text), ''hex'') AS by, jsonb_build_object(''g'', g, ''l'', ARRAY[g, NULL]) AS j, md5(g::text)::uuid AS u, ARRAY[g, NULL, -g] AS a, ARRAY[''x'' || g, NULL, ''{}''] AS ta, g * interval ''-1 day 3 min'' AS i, CASE WHEN g = 3 THEN ''infinity''::timestamp ELSE timestamp ''2000-01-01'' + g * interval ''1 hour'' END AS ts, date ''2024-01-01'' + g AS d, (''10.0.0.'' || g % 250)::inet AS ip, tstzrange(''2024-01-01'', timestamptz ''2024-01-01'' + g * interval ''1 day'') AS rg, (''s'' || g)::short_text AS s, (''v'' || g)::varchar(5) AS v, (''c'' || g % 9)::char(3) AS c FROM generate_series(1, 60) g'
INSERT INTO kinds :kgen;
CREATE TABLE kinds_local AS :kgen;
SELECT * FROM same_as('SELECT time, device, n, f, r, b, t, by, j, u, a, ta, i, ts, d, ip, rg, v, c FROM %s ORDER BY time DESC LIMIT 50', 'kinds', 'kinds_local');
SELECT * FROM same_as('SELECT time, device, n, f, r, b, t, by, j, u, a, ta, i, ts, d, ip, rg, v, c FROM %s ORDER BY time DESC LIMIT 50', 'kinds', 'kinds_local');
SELECT * FROM same_as('SELECT * FROM %s ORDER BY time LIMIT 60', 'kinds', 'kinds_local');
SELECT * FROM same_as('SELECT * FROM %s ORDER BY time LIMIT 60', 'kinds', 'kinds_local');
SELECT * FROM same_as('SELECT * FROM %s WHERE device = 2 ORDER BY time DESC LIMIT 5', 'kinds', 'kinds_local');
SELECT * FROM same_as('SELECT * FROM %s WHERE device = 2 ORDER BY time DESC LIMIT 5', 'kinds', 'kinds_local');
SELECT * FROM same_as('SELECT * FROM %s ORDER BY time', 'kinds', 'kinds_local');

\c regression
SET client_min_messages = warning;
DROP DATABASE mn_o_access;
DROP DATABASE mn_o_dn1;
DROP DATABASE mn_o_dn2;
