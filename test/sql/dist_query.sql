-- Reads of distributed hypertables: chunk exclusion, one remote query per
-- data node, the remote SQL, replicas read once, chunks read directly.
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

-- Distributes a table by writing the catalog rows, the access node's
-- foreign chunks and the data nodes' tables and rows the way the write path
-- lays them out (rows generated on each node by the same query "gen").
CREATE FUNCTION test_distribute(rel regclass, time_col name, space_col name, slices int,
                                chunk_interval interval, rf int, gen text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    iv bigint := extract(epoch FROM chunk_interval)::bigint * 1000000;
    width bigint := 2147483648 / coalesce(slices, 1);
    nodes name[] := ARRAY(SELECT node_name FROM timescaledb_information.data_nodes ORDER BY 1);
    sname name; tname name; ht int; tdim int; sdim int; cid int; slice int;
    cname text; cols text; spacecond text := 'true'; chk text; replicas name[];
    lo bigint; hi bigint; slo bigint; shi bigint; r record;
BEGIN
    SELECT nspname, relname INTO sname, tname
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = rel;
    INSERT INTO _timescaledb_catalog.hypertable (schema_name, table_name, associated_schema_name,
        associated_table_prefix, num_dimensions, chunk_sizing_func_schema, chunk_sizing_func_name,
        chunk_target_size, replication_factor)
      VALUES (sname, tname, '_timescaledb_internal', '_dist_hyper', CASE WHEN space_col IS NULL THEN 1 ELSE 2 END,
              '_timescaledb_internal', 'calculate_chunk_interval', 0, rf)
      RETURNING id INTO ht;
    INSERT INTO _timescaledb_catalog.dimension (hypertable_id, column_name, column_type, aligned, interval_length)
      SELECT ht, time_col, atttypid, true, iv FROM pg_attribute WHERE attrelid = rel AND attname = time_col
      RETURNING id INTO tdim;
    IF space_col IS NOT NULL THEN
        INSERT INTO _timescaledb_catalog.dimension (hypertable_id, column_name, column_type, aligned, num_slices)
          SELECT ht, space_col, atttypid, false, slices FROM pg_attribute WHERE attrelid = rel AND attname = space_col
          RETURNING id INTO sdim;
    END IF;
    INSERT INTO _timescaledb_catalog.hypertable_data_node SELECT ht, ht, unnest(nodes), false;

    SELECT string_agg(format('%I %s', attname, format_type(atttypid, atttypmod)), ', ' ORDER BY attnum)
      INTO cols FROM pg_attribute WHERE attrelid = rel AND attnum > 0 AND NOT attisdropped;
    CALL distributed_exec(format('CREATE SCHEMA IF NOT EXISTS %I; CREATE TABLE %I.%I (%s)',
                                 sname, sname, tname, cols));

    FOR r IN EXECUTE format(
        'SELECT DISTINCT floor(extract(epoch FROM %I) * 1000000 / %s)::bigint AS ts, %s AS ss FROM (%s) g ORDER BY 1, 2',
        time_col, iv,
        CASE WHEN space_col IS NULL THEN '0'
             ELSE format('least(coalesce(hashtext(%I) & 2147483647, 0) / %s, %s)', space_col, width, slices - 1) END,
        gen)
    LOOP
        INSERT INTO _timescaledb_catalog.chunk (hypertable_id, schema_name, table_name)
          VALUES (ht, '_timescaledb_internal', 'x') RETURNING id INTO cid;
        cname := format('_dist_hyper_%s_%s_chunk', ht, cid);
        UPDATE _timescaledb_catalog.chunk SET table_name = cname WHERE id = cid;
        lo := r.ts * iv; hi := lo + iv;
        INSERT INTO _timescaledb_catalog.dimension_slice (dimension_id, range_start, range_end)
          VALUES (tdim, lo, hi) ON CONFLICT DO NOTHING;
        INSERT INTO _timescaledb_catalog.chunk_constraint (chunk_id, dimension_slice_id, constraint_name)
          SELECT cid, id, 'constraint_' || id FROM _timescaledb_catalog.dimension_slice
           WHERE dimension_id = tdim AND range_start = lo AND range_end = hi;
        chk := format('CHECK (%I >= %L AND %I < %L)', time_col, to_timestamp(lo / 1e6), time_col, to_timestamp(hi / 1e6));
        IF space_col IS NOT NULL THEN
            slo := CASE WHEN r.ss = 0 THEN -9223372036854775808 ELSE r.ss * width END;
            shi := CASE WHEN r.ss = slices - 1 THEN 9223372036854775807 ELSE (r.ss + 1) * width END;
            INSERT INTO _timescaledb_catalog.dimension_slice (dimension_id, range_start, range_end)
              VALUES (sdim, slo, shi) ON CONFLICT DO NOTHING;
            INSERT INTO _timescaledb_catalog.chunk_constraint (chunk_id, dimension_slice_id, constraint_name)
              SELECT cid, id, 'constraint_' || id FROM _timescaledb_catalog.dimension_slice
               WHERE dimension_id = sdim AND range_start = slo AND range_end = shi;
            spacecond := format('coalesce(hashtext(%I) & 2147483647, 0) >= %s AND coalesce(hashtext(%I) & 2147483647, 0) < %s',
                                space_col, slo, space_col, shi);
        END IF;
        replicas := ARRAY(SELECT nodes[(r.ss + g.i) % array_length(nodes, 1) + 1] FROM generate_series(0, rf - 1) g(i));
        INSERT INTO _timescaledb_catalog.chunk_data_node SELECT cid, cid, unnest(replicas);
        EXECUTE format('CREATE FOREIGN TABLE _timescaledb_internal.%I (%s) INHERITS (%s) SERVER %I OPTIONS (chunk_id %L)',
                       cname, chk, rel, replicas[1], cid);
        CALL distributed_exec(format(
            'CREATE TABLE _timescaledb_internal.%I (%s) INHERITS (%I.%I); '
            'INSERT INTO _timescaledb_internal.%I SELECT * FROM (%s) g WHERE %I >= %L AND %I < %L AND %s',
            cname, chk, sname, tname, cname, gen, time_col, to_timestamp(lo / 1e6), time_col, to_timestamp(hi / 1e6),
            spacecond), node_list => replicas);
    END LOOP;
END $$;

-- The readings: four weeks, hourly, six devices; some NULL temperatures, a
-- device-less row.
CREATE TABLE conditions (time timestamptz NOT NULL, device text, temp float8, "Humidity" float8);
\set gen 'SELECT t AS time, ''d'' || d AS device, CASE WHEN d = 3 AND extract(hour FROM t) = 0 THEN NULL ELSE d * 10 + extract(hour FROM t) / 4 END AS temp, (d + extract(day FROM t))::float8 AS "Humidity" FROM generate_series(''2024-01-01''::timestamptz, ''2024-01-28 23:00'', ''1 hour'') t, generate_series(1, 6) d UNION ALL SELECT ''2024-01-10'', NULL, 1, 1'
SELECT test_distribute('conditions', 'time', 'device', 2, '7 days', 1, :'gen');
-- the same rows in a plain table, for comparisons
CREATE TABLE conditions_local (LIKE conditions);
INSERT INTO conditions_local SELECT * FROM (:gen) g;

-- A replicated table with names that need quoting, time only.
CREATE SCHEMA "My Schema";
CREATE TABLE "My Schema"."Rep Table" ("Time" timestamptz NOT NULL, "Value" int, "note" text);
\set repgen 'SELECT t AS "Time", (extract(epoch FROM t) / 3600)::int % 100 AS "Value", ''it''''s '' || (extract(epoch FROM t) / 3600)::int % 7 AS note FROM generate_series(''2024-01-01''::timestamptz, ''2024-01-20'', ''2 hours'') t'
SELECT test_distribute('"My Schema"."Rep Table"', 'Time', NULL, NULL, '7 days', 2, :'repgen');
CREATE TABLE rep_local (LIKE "My Schema"."Rep Table");
INSERT INTO rep_local SELECT * FROM (:repgen) g;

CREATE TABLE devices (device text PRIMARY KEY, location text);
INSERT INTO devices VALUES ('d1', 'north'), ('d2', 'north'), ('d3', 'south'), ('d4', 'south'), ('d5', 'east'), ('d7', 'nowhere');
ANALYZE conditions_local, rep_local, devices;

-- a fresh session: the catalog rows were written by hand, without the
-- invalidations the write path sends
\c mn_q_access
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

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
SELECT count(*), sum(temp) FROM conditions_local
 WHERE temp > 60 AND time < '2024-01-04' AND (hashtext(device) & 2147483647) < 1073741824;

-- the plain inheritance tree still shows for ONLY
SELECT count(*) FROM ONLY conditions;

-- the data nodes hold what the access node says
\c mn_q_dn1
SET timezone = 'UTC';
SELECT count(*) FROM conditions;
\c mn_q_dn2
SET timezone = 'UTC';
SELECT count(*) FROM conditions;
