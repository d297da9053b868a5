-- Local hypertables: create_hypertable, chunks on demand, routing of INSERT
-- and COPY, show_chunks/drop_chunks, DDL kept in step, bad input.
\set VERBOSITY default
SET client_min_messages = notice;
CREATE DATABASE ht_local;
\c ht_local
CREATE EXTENSION multinode;

CREATE TABLE conditions (time timestamptz NOT NULL, device integer, temp float);
SELECT * FROM create_hypertable('conditions', 'time', 'device', 2);
SELECT id, schema_name, table_name, associated_schema_name, associated_table_prefix,
       num_dimensions, replication_factor FROM _timescaledb_catalog.hypertable;
SELECT id, column_name, column_type, aligned, num_slices, partitioning_func_schema,
       partitioning_func, interval_length FROM _timescaledb_catalog.dimension ORDER BY id;
-- default indexes on the root
SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'conditions' ORDER BY 1;

-- converting twice
SELECT * FROM create_hypertable('conditions', 'time');
SELECT * FROM create_hypertable('conditions', 'time', if_not_exists => true);

-- rows go to chunks, one per (week, hash slice), created on demand
INSERT INTO conditions VALUES
  ('2019-01-01 00:00+00', 1, 1.0),
  ('2019-01-01 01:00+00', 2, 2.0),
  ('2019-01-09 00:00+00', 1, 3.0);
INSERT INTO conditions SELECT t, d, 0.5
  FROM generate_series('2019-01-01'::timestamptz, '2019-01-20', '1 day') t, generate_series(1, 4) d;
SELECT count(*) FROM ONLY conditions;
SELECT tableoid::regclass AS chunk, count(*) FROM conditions GROUP BY 1 ORDER BY 1;
SELECT c.id, c.table_name, s.dimension_id, s.range_start, s.range_end, cc.constraint_name
  FROM _timescaledb_catalog.chunk c
  JOIN _timescaledb_catalog.chunk_constraint cc ON cc.chunk_id = c.id
  JOIN _timescaledb_catalog.dimension_slice s ON s.id = cc.dimension_slice_id
 ORDER BY c.id, s.dimension_id;
-- the chunk: a child of the root, with its ranges as CHECK constraints and the root's indexes
\d _timescaledb_internal._hyper_1_1_chunk
-- the partitioning hash is the default hash masked to 31 bits
SELECT _timescaledb_functions.get_partition_hash(1) = (hashint4(1) & 2147483647) AS same_hash;

-- RETURNING, defaults, INSERT ... SELECT, prepared statements
ALTER TABLE conditions ADD COLUMN note text DEFAULT 'none';
INSERT INTO conditions (time, device) VALUES ('2019-01-02 12:00+00', 7) RETURNING *;
PREPARE ins(timestamptz, int) AS INSERT INTO conditions VALUES ($1, $2, 42) RETURNING device, temp;
EXECUTE ins('2019-01-03 00:00+00', 3);
EXECUTE ins('2019-02-03 00:00+00', 3);
EXECUTE ins('2019-02-03 00:01+00', 3);
EXECUTE ins('2019-02-03 00:02+00', 3);
EXECUTE ins('2019-02-03 00:03+00', 3);
EXECUTE ins('2019-02-03 00:04+00', 3);
SELECT count(*) AS prepared_rows FROM conditions WHERE temp = 42;
DEALLOCATE ins;
WITH moved AS (INSERT INTO conditions VALUES ('2019-03-01', 1, 1) RETURNING device)
SELECT count(*) FROM moved;
EXPLAIN (COSTS OFF) INSERT INTO conditions VALUES ('2019-03-01', 1, 1);

-- COPY goes through the same routing
COPY conditions (time, device, temp) FROM stdin;
2019-01-04 00:00:00+00	5	5.5
2019-04-01 00:00:00+00	6	6.5
\.
SELECT count(*) AS rows, count(DISTINCT tableoid) AS chunks FROM conditions;
SELECT count(*) FROM ONLY conditions;

-- bad rows: NULL time names the column; values outside every range; unknown columns
INSERT INTO conditions VALUES (NULL, 1, 1);
COPY conditions (time, device) FROM stdin;
\N	1
\.
INSERT INTO conditions VALUES ('infinity', 1, 1);
INSERT INTO conditions (time, nosuchcolumn) VALUES ('2019-01-01', 1);

-- ON CONFLICT DO NOTHING on a unique index containing the partitioning columns
CREATE UNIQUE INDEX conditions_uniq ON conditions (time, device);
INSERT INTO conditions VALUES ('2019-01-01 00:00+00', 1, 99.0) ON CONFLICT DO NOTHING;
INSERT INTO conditions VALUES ('2019-01-01 00:00+00', 1, 99.0);
SELECT temp FROM conditions WHERE time = '2019-01-01 00:00+00' AND device = 1;
-- a unique index must contain the partitioning columns
CREATE UNIQUE INDEX ON conditions (time);
-- the new index reached every chunk
SELECT count(*) AS chunks_with_index FROM pg_indexes
 WHERE schemaname = '_timescaledb_internal' AND indexname LIKE '%conditions_uniq';

-- show_chunks and drop_chunks
SELECT show_chunks('conditions');
SELECT show_chunks('conditions', older_than => '2019-01-10'::timestamptz);
SELECT show_chunks('conditions', newer_than => '2019-02-01'::timestamptz);
SELECT show_chunks('conditions', older_than => 10);
SELECT drop_chunks('conditions');
SELECT drop_chunks('conditions', older_than => '2019-01-10'::timestamptz);
SELECT count(*) FROM conditions;
SELECT count(*) FROM _timescaledb_catalog.dimension_slice;

-- settings
SELECT set_chunk_time_interval('conditions', interval '1 day');
SELECT set_number_partitions('conditions', 3);
SELECT set_replication_factor('conditions', 2);
SELECT column_name, interval_length, num_slices FROM _timescaledb_catalog.dimension ORDER BY id;
-- a new chunk inside the time range of old ones is cut so that chunks never overlap
INSERT INTO conditions VALUES ('2019-01-18 00:00+00', 100, 1), ('2019-01-30 00:00+00', 100, 1);
SELECT c.table_name, s.dimension_id, s.range_start, s.range_end
  FROM _timescaledb_catalog.chunk c
  JOIN _timescaledb_catalog.chunk_constraint cc ON cc.chunk_id = c.id
  JOIN _timescaledb_catalog.dimension_slice s ON s.id = cc.dimension_slice_id
 WHERE c.id > 11 ORDER BY c.id, s.dimension_id;
WITH boxes AS (
  SELECT c.id, array_agg(s.range_start ORDER BY s.dimension_id) AS st,
         array_agg(s.range_end ORDER BY s.dimension_id) AS en
    FROM _timescaledb_catalog.chunk c
    JOIN _timescaledb_catalog.chunk_constraint cc ON cc.chunk_id = c.id
    JOIN _timescaledb_catalog.dimension_slice s ON s.id = cc.dimension_slice_id
   WHERE c.hypertable_id = 1 GROUP BY c.id)
SELECT count(*) AS overlapping_chunks FROM boxes a JOIN boxes b ON a.id < b.id
 WHERE a.st[1] < b.en[1] AND b.st[1] < a.en[1] AND a.st[2] < b.en[2] AND b.st[2] < a.en[2];
SELECT * FROM timescaledb_information.dimensions;

-- the information views
SELECT * FROM timescaledb_information.hypertables;
SELECT chunk_name, primary_dimension, range_start, range_end, data_nodes
  FROM timescaledb_information.chunks ORDER BY chunk_name;

-- integer time
CREATE TABLE readings (t bigint NOT NULL, v int);
SELECT * FROM create_hypertable('readings', 't');
SELECT * FROM create_hypertable('readings', 't', chunk_time_interval => interval '1 day');
SELECT * FROM create_hypertable('readings', 't', chunk_time_interval => 100);
INSERT INTO readings SELECT g, g FROM generate_series(-150, 250, 50) g;
SELECT tableoid::regclass, min(t), max(t) FROM readings GROUP BY 1 ORDER BY 2;
SELECT chunk_name, range_start_integer, range_end_integer FROM timescaledb_information.chunks
 WHERE hypertable_name = 'readings' ORDER BY 2;
SELECT show_chunks('readings', older_than => 0);
SELECT show_chunks('readings', older_than => interval '1 day');

-- date time, migrate_data
CREATE TABLE daily (day date, v int);
INSERT INTO daily VALUES ('2020-01-01', 1), ('2020-03-01', 2);
SELECT * FROM create_hypertable('daily', 'day');
SELECT * FROM create_hypertable('daily', 'day', migrate_data => true, chunk_time_interval => interval '30 days');
SELECT count(*) FROM ONLY daily;
SELECT tableoid::regclass, * FROM daily ORDER BY day;

-- bad input
CREATE TABLE bad (t text, ts timestamptz, n numeric, v int);
SELECT create_hypertable('bad', 'nosuchcolumn');
SELECT create_hypertable('bad', 't');
SELECT create_hypertable('bad', 'ts', 'nosuchcolumn', 2);
SELECT create_hypertable('bad', 'ts', 'v');
SELECT create_hypertable('bad', 'ts', 'v', 0);
SELECT create_hypertable('bad', 'ts', number_partitions => 2);
SELECT create_hypertable('bad', 'ts', chunk_time_interval => 'x'::text);
SELECT create_hypertable('bad', 'ts', chunk_time_interval => interval '-1 day');
SELECT create_hypertable('bad', 'ts', 'ts', 2);
SELECT create_hypertable('bad', 'ts', data_nodes => '{dn1}');
SELECT create_hypertable(NULL, 'ts');
SELECT create_hypertable('bad', NULL);
CREATE VIEW v AS SELECT 1 AS t;
SELECT create_hypertable('v', 't');
CREATE TABLE part (t timestamptz) PARTITION BY RANGE (t);
SELECT create_hypertable('part', 't');
SELECT create_distributed_hypertable('bad', 'ts');
SELECT show_chunks('bad');
SELECT drop_chunks('bad', older_than => now());
SELECT drop_chunks('conditions', older_than => 'x'::text);

-- identifiers that need quoting, everywhere
CREATE SCHEMA "My Schema";
CREATE TABLE "My Schema"."Odd ""Table""" ("Time Col" timestamptz NOT NULL, "Dev'ice" text, val int);
SELECT * FROM create_hypertable('"My Schema"."Odd ""Table"""', 'Time Col', 'Dev''ice', 2,
                                associated_schema_name => 'Other Schema',
                                associated_table_prefix => 'Pre "fix"');
INSERT INTO "My Schema"."Odd ""Table""" VALUES ('2019-01-01', 'a;b', 1), ('2019-01-01', 'x"y', 2);
COPY "My Schema"."Odd ""Table""" FROM stdin;
2019-01-02 00:00:00+00	tab\tvalue	3
\.
SELECT tableoid::regclass, * FROM "My Schema"."Odd ""Table""" ORDER BY val;
SELECT show_chunks('"My Schema"."Odd ""Table"""');
ALTER TABLE "My Schema"."Odd ""Table""" RENAME COLUMN "Dev'ice" TO "De vice";
SELECT column_name FROM _timescaledb_catalog.dimension d JOIN _timescaledb_catalog.hypertable h
    ON h.id = d.hypertable_id WHERE h.table_name = 'Odd "Table"' ORDER BY d.id;
INSERT INTO "My Schema"."Odd ""Table""" VALUES ('2019-01-03', 'again', 4);

-- a non-owner may insert but not change the hypertable
CREATE ROLE ht_writer;
GRANT USAGE ON SCHEMA "My Schema" TO ht_writer;
GRANT SELECT, INSERT ON "My Schema"."Odd ""Table""" TO ht_writer;
SET ROLE ht_writer;
INSERT INTO "My Schema"."Odd ""Table""" VALUES ('2019-06-01', 'new chunk', 5);
SELECT count(*) FROM "My Schema"."Odd ""Table""";
SELECT drop_chunks('"My Schema"."Odd ""Table"""', older_than => now());
RESET ROLE;
SELECT pg_get_userbyid(relowner) AS chunk_owner FROM pg_class
 WHERE oid IN (SELECT show_chunks('"My Schema"."Odd ""Table"""')) GROUP BY 1;

-- custom partitioning functions: space by a user hash, time from text
CREATE FUNCTION my_hash(v int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT v * 1000003 $$;
CREATE FUNCTION text_to_time(v text) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$ SELECT v::timestamptz $$;
CREATE TABLE custom (t text NOT NULL, dev int, v int);
SELECT * FROM create_hypertable('custom', 't', 'dev', 2, partitioning_func => 'my_hash',
                                time_partitioning_func => 'text_to_time');
INSERT INTO custom VALUES ('2019-01-01 00:00+00', 1, 1), ('2019-01-01 00:00+00', 2, 2), ('2019-02-01 00:00+00', 1, 3);
SELECT tableoid::regclass, * FROM custom ORDER BY v;
SELECT partitioning_func, column_type FROM _timescaledb_catalog.dimension d
  JOIN _timescaledb_catalog.hypertable h ON h.id = d.hypertable_id WHERE h.table_name = 'custom' ORDER BY d.id;
CREATE FUNCTION volatile_hash(v int) RETURNS int LANGUAGE sql VOLATILE AS $$ SELECT v $$;
CREATE TABLE custom2 (t timestamptz NOT NULL, dev int);
SELECT create_hypertable('custom2', 't', 'dev', 2, partitioning_func => 'volatile_hash');
SELECT create_hypertable('custom2', 't');
-- a value of the wrong type names the column
COPY custom2 FROM stdin;
2019-01-01	notanumber
\.
COPY custom2 FROM stdin;
yesterdayish	1
\.
-- ON CONFLICT on a local hypertable is PostgreSQL's own, on the chunk; RETURNING shows the stored row
CREATE UNIQUE INDEX ON custom2 (t);
INSERT INTO custom2 VALUES ('2019-01-01', 1) ON CONFLICT (t) DO UPDATE SET dev = custom2.dev + 10 RETURNING *;
INSERT INTO custom2 VALUES ('2019-01-01', 1) ON CONFLICT (t) DO UPDATE SET dev = excluded.dev + 100 RETURNING *;
INSERT INTO custom2 VALUES ('2019-01-01', 1), ('2019-01-02', 2) ON CONFLICT DO NOTHING RETURNING *;
INSERT INTO custom2 AS c VALUES ('2019-01-01', 5) ON CONFLICT (t) DO UPDATE SET dev = 0 WHERE c.dev > 1000;
INSERT INTO custom2 VALUES ('2019-01-01', 7);
SELECT * FROM custom2 ORDER BY t;
-- a writer who is not the owner: new chunks carry the hypertable's privileges
CREATE ROLE ht_upserter;
GRANT SELECT, INSERT, UPDATE ON custom2 TO ht_upserter;
SET ROLE ht_upserter;
INSERT INTO custom2 VALUES ('2019-05-01', 1) ON CONFLICT (t) DO UPDATE SET dev = 2;
INSERT INTO custom2 VALUES ('2019-05-01', 1) ON CONFLICT (t) DO UPDATE SET dev = 2 RETURNING dev;
RESET ROLE;
SELECT has_table_privilege('ht_upserter', c, 'INSERT') AS can_insert, count(*)
  FROM show_chunks('custom2') c GROUP BY 1;
-- DROP SCHEMA ... CASCADE takes its hypertables' chunks and catalog rows along
CREATE SCHEMA doomed;
CREATE TABLE doomed.h (t timestamptz NOT NULL);
SELECT table_name FROM create_hypertable('doomed.h', 't');
INSERT INTO doomed.h VALUES ('2019-01-01');
DROP SCHEMA doomed CASCADE;
SELECT count(*) AS doomed_rows FROM _timescaledb_catalog.hypertable WHERE schema_name = 'doomed';

-- moving a hypertable to another schema, giving it to another owner
CREATE SCHEMA elsewhere;
ALTER TABLE readings SET SCHEMA elsewhere;
ALTER TABLE elsewhere.readings OWNER TO ht_writer;
INSERT INTO elsewhere.readings VALUES (1000, 1);
SELECT schema_name, table_name FROM _timescaledb_catalog.hypertable WHERE table_name = 'readings';
SELECT pg_get_userbyid(relowner) AS owner, count(*) FROM pg_class
 WHERE oid IN (SELECT show_chunks('elsewhere.readings')) GROUP BY 1;
ALTER TABLE elsewhere.readings SET SCHEMA public;
ALTER TABLE readings OWNER TO postgres;

-- TRUNCATE drops the chunks; DROP TABLE drops chunks and catalog rows
TRUNCATE readings;
SELECT count(*) FROM show_chunks('readings');
DROP TABLE conditions;
SELECT table_name FROM _timescaledb_catalog.hypertable ORDER BY 1;
SELECT count(*) FROM pg_tables WHERE tablename LIKE '\_hyper\_1\_%';

\c regression
DROP DATABASE ht_local;
DROP ROLE ht_writer;
DROP ROLE ht_upserter;
