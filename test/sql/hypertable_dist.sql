-- Distributed hypertables: creation on every data node, chunk placement,
-- the write path (INSERT, COPY, ON CONFLICT, RETURNING, prepared), node
-- membership, sizes, DDL forwarding, and failures.  Data nodes are other
-- databases of this instance.
\set VERBOSITY default
SET client_min_messages = notice;
CREATE DATABASE hd_access;
\c hd_access
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'hd_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'hd_dn2');
SELECT node_name FROM add_data_node('dn3', host => 'localhost', database => 'hd_dn3');

-- the tutorial's table
CREATE TABLE conditions (time timestamptz NOT NULL, device integer, temp float);
SELECT create_distributed_hypertable('conditions', 'time', 'device', data_nodes => '{dn1,dn2}');
SELECT id, table_name, associated_table_prefix, replication_factor FROM _timescaledb_catalog.hypertable;
SELECT * FROM _timescaledb_catalog.hypertable_data_node ORDER BY node_name;
SELECT column_name, num_slices, interval_length FROM _timescaledb_catalog.dimension ORDER BY id;
-- the same table and a member hypertable on each node
\c hd_dn1
\d conditions
SELECT id, table_name, replication_factor FROM _timescaledb_catalog.hypertable;
SELECT column_name, num_slices, interval_length FROM _timescaledb_catalog.dimension ORDER BY id;
\c hd_dn3
SELECT count(*) AS not_on_dn3 FROM pg_tables WHERE tablename = 'conditions';
\c hd_access

SELECT setseed(0.5);
INSERT INTO conditions
SELECT time, (random()*30)::int, random()*80
FROM generate_series('2019-01-01 00:00:00'::timestamptz, '2019-02-01 00:00:00', '1 min') AS time;
SELECT count(*) FROM ONLY conditions;
-- chunks: foreign tables on the access node, placed by space slice
SELECT c.table_name, cdn.node_name, ft.srvname = cdn.node_name AS server_is_node
  FROM _timescaledb_catalog.chunk c
  JOIN _timescaledb_catalog.chunk_data_node cdn ON cdn.chunk_id = c.id
  JOIN pg_foreign_table f ON f.ftrelid = format('%I.%I', c.schema_name, c.table_name)::regclass
  JOIN pg_foreign_server ft ON ft.oid = f.ftserver
 ORDER BY c.id;
\d _timescaledb_internal._dist_hyper_1_1_chunk
-- every row reached a data node, each node holds a part, parts add up
\c hd_dn1
SELECT count(*) > 0 AS dn1_has_rows FROM conditions;
SELECT count(*) AS dn1_rows FROM conditions \gset
SELECT count(*) AS dn1_misplaced FROM ONLY conditions;
\c hd_dn2
\d _timescaledb_internal._dist_hyper_1_1_chunk
SELECT count(*) > 0 AS dn2_has_rows FROM conditions;
SELECT count(*) AS dn2_rows FROM conditions \gset
SELECT :dn1_rows + :dn2_rows AS total_rows;
-- dn2 holds space slice 1 only: a device lives on one node
SELECT count(*) AS slice0_rows_on_dn2 FROM conditions
 WHERE _timescaledb_functions.get_partition_hash(device) < 1073741824;
\c hd_access

-- multi-row VALUES, RETURNING, defaults, prepared statements, small batches
ALTER TABLE conditions ADD COLUMN note text DEFAULT 'n/a';
SET multinode.max_insert_batch_size = 2;
INSERT INTO conditions (time, device, temp) VALUES
  ('2019-03-01 00:00+00', 1, 1.25), ('2019-03-01 00:00+00', 2, 2.5),
  ('2019-03-01 00:00+00', 3, 'NaN'), ('2019-03-01 00:00+00', 4, NULL)
RETURNING device, temp, note;
RESET multinode.max_insert_batch_size;
PREPARE ins(timestamptz, int, float) AS INSERT INTO conditions VALUES ($1, $2, $3, 'prepared');
EXECUTE ins('2019-03-02 00:00+00', 1, 0.1);
EXECUTE ins('2019-03-02 00:00+00', 2, 0.2);
EXECUTE ins('2019-03-02 00:00+00', 3, 0.3);
EXECUTE ins('2019-03-02 00:00+00', 4, 0.4);
EXECUTE ins('2019-03-02 00:00+00', 5, 0.5);
EXECUTE ins('2019-03-02 00:00+00', 6, 0.6);
DEALLOCATE ins;
-- values survive exactly whatever the session's output settings
SET datestyle = 'SQL, DMY';
SET extra_float_digits = -10;
SET timezone = 'Asia/Kolkata';
INSERT INTO conditions VALUES ('2019-03-03 10:11:12.123456+00', 9, 0.1::float8 + 0.2::float8, 'exact');
RESET datestyle;
RESET extra_float_digits;
SET timezone = 'UTC';
EXPLAIN (COSTS OFF) INSERT INTO conditions VALUES ('2019-03-01', 1, 1);
\c hd_dn1
SELECT time, device, temp, note FROM conditions WHERE time >= '2019-03-01 00:00+00' ORDER BY time, device;
\c hd_dn2
SELECT time, device, temp, note FROM conditions WHERE time >= '2019-03-01 00:00+00' ORDER BY time, device;
SELECT temp = 0.1::float8 + 0.2::float8 AS exact_float, time = '2019-03-03 10:11:12.123456+00' AS exact_time
  FROM conditions WHERE note = 'exact';
\c hd_access

-- COPY through the access node
COPY conditions (time, device, temp) FROM stdin WITH (FORMAT csv);
2019-04-01 00:00:00+00,1,1.5
2019-04-01 00:00:00+00,2,"2.5"
2019-04-08 00:00:00+00,3,
\.
\c hd_dn1
SELECT time, device, temp, note FROM conditions WHERE time >= '2019-04-01 00:00+00' ORDER BY 1, 2;
\c hd_dn2
SELECT time, device, temp, note FROM conditions WHERE time >= '2019-04-01 00:00+00' ORDER BY 1, 2;
\c hd_access

-- ON CONFLICT, with the partitioning columns in the unique index
CREATE TABLE metrics (time timestamptz NOT NULL, device int NOT NULL, value float,
                      PRIMARY KEY (time, device));
SELECT create_distributed_hypertable('metrics', 'time', 'device', replication_factor => 2);
INSERT INTO metrics VALUES ('2020-01-01', 1, 1), ('2020-01-01', 2, 2);
INSERT INTO metrics VALUES ('2020-01-01', 1, 10), ('2020-01-01', 3, 3) ON CONFLICT DO NOTHING;
INSERT INTO metrics VALUES ('2020-01-01', 1, 100), ('2020-01-01', 4, 4)
  ON CONFLICT (time, device) DO UPDATE SET value = metrics.value + excluded.value
  WHERE metrics.value < 50;
INSERT INTO metrics VALUES ('2020-01-01', 1, 1000) ON CONFLICT (time, device)
  DO UPDATE SET value = excluded.value WHERE metrics.value > 5000;
INSERT INTO metrics VALUES ('2020-01-01', 2, 20), ('2020-01-01', 5, 5) ON CONFLICT DO NOTHING RETURNING *;
INSERT INTO metrics VALUES ('2020-01-01', 5, 50), ('2020-01-08', 5, 1) ON CONFLICT (time, device)
  DO UPDATE SET value = excluded.value * 2 RETURNING device, value;
WITH up AS (INSERT INTO metrics VALUES ('2020-01-01', 5, 7) ON CONFLICT (time, device)
            DO UPDATE SET value = metrics.value + 1 RETURNING value)
SELECT * FROM up;
INSERT INTO metrics VALUES ('2020-01-01', 2, 20);
-- every replica written: each row is on two of the three nodes
\c hd_dn1
SELECT 'dn1' AS node, * FROM metrics ORDER BY device;
\c hd_dn2
SELECT 'dn2' AS node, * FROM metrics ORDER BY device;
\c hd_dn3
SELECT 'dn3' AS node, * FROM metrics ORDER BY device;
\c hd_access
SELECT c.table_name, array_agg(cdn.node_name ORDER BY cdn.node_name) AS replicas
  FROM _timescaledb_catalog.chunk c JOIN _timescaledb_catalog.chunk_data_node cdn ON cdn.chunk_id = c.id
 WHERE c.hypertable_id = 2 GROUP BY 1 ORDER BY 1;

-- column types: built-in ones travel in binary COPY, others (an enum, whose
-- OIDs differ between nodes) in text; both arrive intact
CREATE TABLE typed (time timestamptz NOT NULL, n numeric, t text, j jsonb, a int[], b bytea,
                    iv interval, d date, u uuid, f4 real, i2 smallint, bo boolean);
SELECT create_distributed_hypertable('typed', 'time', data_nodes => '{dn1}');
INSERT INTO typed VALUES ('2019-01-01 00:00:00.000001+00', 12345678901234567890.123, E'tab\there', '{"k": [1, 2]}',
                          '{1,NULL,3}', '\x00ff', '1 year 2 mons 3 days 04:05:06.7', '2019-12-31',
                          'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 1.5, -7, true),
                         ('2019-01-02', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CALL distributed_exec($$ CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy') $$, '{dn1}');
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE moods (time timestamptz NOT NULL, m mood, note text);
SELECT create_distributed_hypertable('moods', 'time', data_nodes => '{dn1}');
INSERT INTO moods VALUES ('2019-01-01', 'happy', E'line\nbreak'), ('2019-01-01', 'sad', E'back\\slash');
\c hd_dn1
SELECT * FROM typed ORDER BY time;
SELECT m, note FROM moods ORDER BY m;
\c hd_access

-- two inserts into distributed hypertables in one statement share the
-- nodes' connections: one's open COPY is ended when the other needs them
CREATE TABLE twin (time timestamptz NOT NULL, device integer, temp float);
SELECT create_distributed_hypertable('twin', 'time', 'device', data_nodes => '{dn1,dn2}');
SET multinode.max_insert_batch_size = 7;
WITH a AS (INSERT INTO conditions (time, device, temp)
           SELECT '2019-06-01'::timestamptz + g * interval '1 minute', g % 5, g FROM generate_series(1, 100) g
           RETURNING time, device, temp)
INSERT INTO twin SELECT * FROM a;
RESET multinode.max_insert_batch_size;
\c hd_dn1
SELECT (SELECT count(*) FROM twin) AS twin_dn1, (SELECT count(*) FROM conditions WHERE time >= '2019-06-01 00:00+00') AS cond_dn1;
\c hd_dn2
SELECT (SELECT count(*) FROM twin) AS twin_dn2, (SELECT count(*) FROM conditions WHERE time >= '2019-06-01 00:00+00') AS cond_dn2;
\c hd_access

-- information views, including the 2.0 beta names the tutorial prints
SELECT * FROM timescaledb_information.hypertables ORDER BY hypertable_name;
SELECT hypertable_name, chunk_name, range_start, range_end, data_nodes
  FROM timescaledb_information.chunks WHERE range_start >= '2019-03-01' ORDER BY chunk_name;
SELECT * FROM timescaledb_information.dimensions ORDER BY hypertable_name, dimension_number;
SELECT table_name, table_owner, num_dimensions, num_chunks, distributed, replication_factor, data_nodes
  FROM timescaledb_information.hypertable ORDER BY table_name;
SELECT node_name, num_chunks, total_size > 0 AS has_data FROM hypertable_data_node_relation_size('conditions');

-- sizes: one row per data node plus the access node's
SELECT node_name, total_bytes > 0 AS nonzero FROM hypertable_detailed_size('conditions');
SELECT hypertable_size('conditions') > 0 AS nonzero;
SELECT chunk_name, node_name, total_bytes > 0 AS nonzero FROM chunks_detailed_size('metrics');

-- show_chunks, drop_chunks on every node
SELECT show_chunks('conditions', older_than => '2019-01-10 00:00+00'::timestamptz);
SELECT drop_chunks('conditions', older_than => '2019-01-10 00:00+00'::timestamptz);
\c hd_dn1
SELECT show_chunks('conditions', older_than => '2019-01-10'::timestamptz);
SELECT count(*) AS old_rows FROM conditions WHERE time < '2019-01-10 00:00+00';
\c hd_access

-- DDL reaches the data nodes, in the same transaction
CREATE INDEX conditions_temp_idx ON conditions (temp);
ALTER TABLE conditions RENAME COLUMN note TO remark;
CREATE ROLE hd_reader;
GRANT SELECT ON conditions TO hd_reader;
BEGIN;
ALTER TABLE conditions ADD COLUMN humidity float;
ROLLBACK;
ALTER TABLE conditions OWNER TO hd_reader;
SELECT pg_get_userbyid(relowner) AS owner, count(*) FROM pg_class
 WHERE oid IN (SELECT show_chunks('conditions')) GROUP BY 1;
\c hd_dn2
\d conditions
SELECT has_table_privilege('hd_reader', c, 'SELECT') AS reader_can_read_chunks, count(*)
  FROM show_chunks('conditions') c GROUP BY 1;
SELECT pg_get_userbyid(relowner) AS owner, count(*) FROM pg_class
 WHERE oid IN (SELECT show_chunks('conditions')) OR oid = 'conditions'::regclass GROUP BY 1;
\c hd_access
ALTER TABLE conditions OWNER TO postgres;

-- node membership
SELECT * FROM attach_data_node('dn3', 'conditions');
SELECT * FROM attach_data_node('dn3', 'conditions');
SELECT * FROM attach_data_node('dn3', 'conditions', if_not_attached => true);
SELECT num_partitions FROM timescaledb_information.dimensions WHERE hypertable_name = 'conditions' AND dimension_type = 'Space';
INSERT INTO conditions (time, device, temp) SELECT '2019-05-01', d, d FROM generate_series(1, 30) d;
SELECT cdn.node_name, count(*) AS new_chunks FROM _timescaledb_catalog.chunk c
  JOIN _timescaledb_catalog.chunk_data_node cdn ON cdn.chunk_id = c.id
  JOIN timescaledb_information.chunks i ON i.chunk_name = c.table_name
 WHERE i.range_end > '2019-05-01' AND i.hypertable_name = 'conditions' GROUP BY 1 ORDER BY 1;
SELECT detach_data_node('dn3', 'conditions');
SELECT detach_data_node('dn3', 'metrics', force => true);
SELECT c.table_name, array_agg(cdn.node_name ORDER BY cdn.node_name) AS replicas
  FROM _timescaledb_catalog.chunk c JOIN _timescaledb_catalog.chunk_data_node cdn ON cdn.chunk_id = c.id
 WHERE c.hypertable_id = 2 GROUP BY 1 ORDER BY 1;
SELECT set_replication_factor('metrics', 1);
SELECT detach_data_node('dn3', 'metrics', if_attached => true);
-- a node holding the only copy of chunks cannot be deleted
SELECT delete_data_node('dn3');
SELECT delete_data_node('dn1');
SELECT node_name FROM timescaledb_information.data_nodes ORDER BY 1;

-- bad input
CREATE TABLE notempty (time timestamptz NOT NULL, v int);
INSERT INTO notempty VALUES (now(), 1);
SELECT create_distributed_hypertable('notempty', 'time');
CREATE TABLE t2 (time timestamptz NOT NULL, v int);
SELECT create_distributed_hypertable('t2', 'time', replication_factor => 4);
SELECT create_distributed_hypertable('t2', 'time', replication_factor => 0);
SELECT create_distributed_hypertable('t2', 'time', data_nodes => '{dn1,nosuchnode}');
SELECT create_distributed_hypertable('t2', 'time', data_nodes => '{}');
SELECT create_distributed_hypertable('t2', 'v', chunk_time_interval => interval '1 day');
SELECT create_distributed_hypertable('t2', 'time', chunk_time_interval => 'x'::text);
SELECT set_replication_factor('t2', 1);
SELECT * FROM create_distributed_hypertable('t2', 'time');
SELECT * FROM create_distributed_hypertable('t2', 'time', if_not_exists => true);
SELECT set_replication_factor('t2', 5);
CREATE ROLE hd_nobody LOGIN;
CREATE TABLE t3 (time timestamptz NOT NULL);
ALTER TABLE t3 OWNER TO hd_nobody;
SET ROLE hd_nobody;
SELECT create_distributed_hypertable('t3', 'time');
RESET ROLE;
-- a data node that fails in the middle of an INSERT: the statement is
-- rolled back on every node
\c hd_dn2
CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN IF NEW.v >= 600 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF; RETURN NEW; END $$;
\c hd_access
CREATE TABLE fragile (time timestamptz NOT NULL, v int);
SELECT create_distributed_hypertable('fragile', 'time', 'v', number_partitions => 2);
INSERT INTO fragile SELECT '2020-01-01', v FROM generate_series(1, 10) v;
SELECT cdn.node_name, c.table_name FROM _timescaledb_catalog.chunk c
  JOIN _timescaledb_catalog.chunk_data_node cdn ON cdn.chunk_id = c.id
 WHERE c.hypertable_id = (SELECT id FROM _timescaledb_catalog.hypertable WHERE table_name = 'fragile')
 ORDER BY 1;
\c hd_dn2
DO $$ DECLARE c regclass; BEGIN
  FOR c IN SELECT show_chunks('fragile') LOOP
    EXECUTE format('CREATE TRIGGER die BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION die()', c);
  END LOOP; END $$;
\c hd_access
\set VERBOSITY terse
INSERT INTO fragile SELECT '2020-01-01', v FROM generate_series(600, 700) v;
COPY fragile FROM stdin;
2020-01-01 00:00:00+00	1
2020-01-01 00:00:00+00	601
2020-01-01 00:00:00+00	602
2020-01-01 00:00:00+00	603
2020-01-01 00:00:00+00	604
2020-01-01 00:00:00+00	605
2020-01-01 00:00:00+00	606
\.
\set VERBOSITY default
SELECT count(*) AS chunks_after FROM show_chunks('fragile');
\c hd_dn1
SELECT count(*) AS dn1_rows FROM fragile;
\c hd_dn2
SELECT count(*) AS dn2_rows FROM fragile;
\c hd_access
-- and the next statement works
INSERT INTO fragile VALUES ('2020-01-01', 5);

-- quoting: schema, table and column names that need it, on every node
CREATE SCHEMA "Dist Schema";
CREATE TABLE "Dist Schema"."We""ird" ("T i m e" timestamptz NOT NULL, "Dev;ice" int, "va'l" text DEFAULT 'd''q');
SELECT * FROM create_distributed_hypertable('"Dist Schema"."We""ird"', 'T i m e', 'Dev;ice');
INSERT INTO "Dist Schema"."We""ird" VALUES ('2019-01-01', 1, E'a\tb'), ('2019-01-01', 2, 'x"y');
INSERT INTO "Dist Schema"."We""ird" ("T i m e", "Dev;ice") VALUES ('2019-01-01', 3);
\c hd_dn1
SELECT * FROM "Dist Schema"."We""ird" ORDER BY 2;
\c hd_dn2
SELECT * FROM "Dist Schema"."We""ird" ORDER BY 2;
\c hd_access
DROP TABLE "Dist Schema"."We""ird";
\c hd_dn2
SELECT count(*) AS dropped_on_node FROM pg_class WHERE relname = 'We"ird';
SELECT count(*) AS catalog_rows FROM _timescaledb_catalog.hypertable WHERE table_name = 'We"ird';
\c hd_access

-- TRUNCATE drops chunks everywhere
TRUNCATE fragile;
SELECT count(*) FROM show_chunks('fragile');
\c hd_dn1
SELECT count(*) FROM show_chunks('fragile');

\c regression
DROP DATABASE hd_access;
DROP DATABASE hd_dn1;
DROP DATABASE hd_dn2;
DROP DATABASE hd_dn3;
DROP ROLE hd_reader;
DROP ROLE hd_nobody;
