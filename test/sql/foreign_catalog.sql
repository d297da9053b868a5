-- A database is multinode's when the extension is installed there, not when
-- it has a schema named _timescaledb_catalog.  Here a stand-in for
-- TimescaleDB 2.14+ (its catalog tables, other columns than ours, and a
-- hypertable row naming an ordinary table) lives in a database without
-- multinode, on a server that preloads multinode: every statement behaves
-- as plain PostgreSQL.  Then a database whose multinode was dropped.
\set VERBOSITY terse
CREATE DATABASE fc_tsdb;
\c fc_tsdb
CREATE SCHEMA _timescaledb_catalog;
CREATE SCHEMA _timescaledb_internal;
CREATE TABLE _timescaledb_catalog.hypertable (
	id serial PRIMARY KEY, schema_name name NOT NULL, table_name name NOT NULL,
	associated_schema_name name NOT NULL, associated_table_prefix name NOT NULL,
	num_dimensions smallint NOT NULL, chunk_sizing_func_schema name NOT NULL,
	chunk_sizing_func_name name NOT NULL, chunk_target_size bigint NOT NULL,
	compression_state smallint NOT NULL DEFAULT 0, compressed_hypertable_id integer,
	status integer NOT NULL DEFAULT 0);
CREATE TABLE _timescaledb_catalog.dimension (
	id serial PRIMARY KEY, hypertable_id integer NOT NULL, column_name name NOT NULL,
	column_type regtype NOT NULL, aligned boolean NOT NULL, num_slices smallint,
	partitioning_func_schema name, partitioning_func name, interval_length bigint,
	compress_interval_length bigint, integer_now_func_schema name, integer_now_func name);
CREATE TABLE _timescaledb_catalog.dimension_slice (
	id serial PRIMARY KEY, dimension_id integer NOT NULL, range_start bigint NOT NULL,
	range_end bigint NOT NULL);
CREATE TABLE _timescaledb_catalog.chunk (
	id serial PRIMARY KEY, hypertable_id integer NOT NULL, schema_name name NOT NULL,
	table_name name NOT NULL, compressed_chunk_id integer, dropped boolean NOT NULL DEFAULT false,
	status integer NOT NULL DEFAULT 0, osm_chunk boolean NOT NULL DEFAULT false,
	creation_time timestamptz NOT NULL DEFAULT now());
CREATE TABLE _timescaledb_catalog.chunk_constraint (
	chunk_id integer NOT NULL, dimension_slice_id integer, constraint_name name NOT NULL,
	hypertable_constraint_name name);
CREATE TABLE _timescaledb_catalog.metadata (
	key name PRIMARY KEY, value text NOT NULL, include_in_telemetry boolean NOT NULL);
INSERT INTO _timescaledb_catalog.metadata VALUES ('uuid', 'not-ours', true);

-- TimescaleDB's hypertable "conditions" with one chunk, as its catalog says
CREATE TABLE conditions (time timestamptz NOT NULL, device int NOT NULL, temp float8,
	UNIQUE (time, device));
CREATE TABLE _timescaledb_internal._hyper_1_1_chunk (
	CHECK (time >= '2026-01-01 00:00+00' AND time < '2026-01-08 00:00+00'))
	INHERITS (conditions);
INSERT INTO _timescaledb_catalog.hypertable VALUES
	(1, 'public', 'conditions', '_timescaledb_internal', '_hyper_1', 1,
	 '_timescaledb_functions', 'calculate_chunk_interval', 0, 0, NULL, 0);
INSERT INTO _timescaledb_catalog.dimension VALUES
	(1, 1, 'time', 'timestamptz', true, NULL, NULL, NULL, 604800000000, NULL, NULL, NULL);
INSERT INTO _timescaledb_catalog.dimension_slice VALUES (1, 1, 1767225600000000, 1767830400000000);
INSERT INTO _timescaledb_catalog.chunk (id, hypertable_id, schema_name, table_name)
	VALUES (1, 1, '_timescaledb_internal', '_hyper_1_1_chunk');
INSERT INTO _timescaledb_catalog.chunk_constraint VALUES (1, 1, 'constraint_1', NULL);

-- plain PostgreSQL: rows go to the table named, never routed
INSERT INTO conditions VALUES ('2026-01-02 00:00+00', 1, 20.5), ('2026-03-02 00:00+00', 2, 21.5);
INSERT INTO conditions VALUES ('2026-01-02 00:00+00', 1, 99)
	ON CONFLICT (time, device) DO UPDATE SET temp = excluded.temp;
INSERT INTO conditions VALUES ('2026-01-02 00:00+00', 1, 0) ON CONFLICT DO NOTHING;
INSERT INTO _timescaledb_internal._hyper_1_1_chunk VALUES ('2026-01-03 00:00+00', 3, 1);
COPY conditions FROM stdin;
2026-01-04 00:00:00+00	4	4.5
2026-05-04 00:00:00+00	5	5.5
\.
SELECT tableoid::regclass, * FROM conditions ORDER BY time, device;
SELECT count(*) FROM ONLY conditions;
UPDATE conditions SET temp = temp + 1 WHERE device IN (1, 3) RETURNING device, temp;
DELETE FROM conditions WHERE device = 5 RETURNING device;
EXPLAIN (COSTS OFF) SELECT * FROM conditions WHERE time < '2026-01-05';
PREPARE ins(timestamptz, int) AS INSERT INTO conditions VALUES ($1, $2, 0);
EXECUTE ins('2026-02-01', 6);
SELECT count(*) FROM conditions;

-- DDL is not forwarded anywhere nor recorded: plain PostgreSQL
CREATE INDEX conditions_device_idx ON conditions (device, time);
ALTER TABLE conditions ADD COLUMN humidity float8;
ALTER TABLE conditions RENAME COLUMN temp TO temperature;
ALTER TABLE conditions RENAME TO readings;
SELECT table_name FROM _timescaledb_catalog.hypertable;
SELECT column_name FROM _timescaledb_catalog.dimension;
GRANT SELECT ON readings TO PUBLIC;
TRUNCATE readings;
SELECT count(*) FROM readings;
DROP TABLE readings CASCADE;
SELECT count(*) FROM _timescaledb_catalog.hypertable;
DROP SCHEMA _timescaledb_catalog CASCADE;

-- a database whose multinode was dropped: its tables are plain tables again,
-- even with a stand-in catalog back in place
\c regression
CREATE DATABASE fc_dropped;
\c fc_dropped
CREATE EXTENSION multinode;
CREATE TABLE m (time timestamptz NOT NULL, v int);
SELECT create_hypertable('m', 'time');
INSERT INTO m VALUES ('2026-01-01', 1);
SELECT count(*) FROM m;
\set VERBOSITY default
DROP EXTENSION multinode;
DROP EXTENSION multinode CASCADE;
\set VERBOSITY terse
CREATE SCHEMA _timescaledb_catalog;
CREATE TABLE _timescaledb_catalog.hypertable (id int, schema_name name, table_name name);
INSERT INTO _timescaledb_catalog.hypertable VALUES (1, 'public', 'm');
INSERT INTO m VALUES ('2026-06-01', 2);
COPY m FROM stdin;
2026-07-01 00:00:00+00	3
\.
SELECT tableoid::regclass = 'm'::regclass AS in_root, v FROM m ORDER BY v;
CREATE INDEX ON m (v);
ALTER TABLE m RENAME COLUMN v TO value;
DROP TABLE m CASCADE;

\c regression
DROP DATABASE fc_tsdb;
DROP DATABASE fc_dropped;
