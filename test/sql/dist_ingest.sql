-- The write path's batching on distributed hypertables: one COPY per node
-- into its member hypertable, rows that interleave chunks, small leftovers
-- sent as one INSERT, and which commit protocol a write takes; a local
-- hypertable's COPY in batches.
-- Every load is compared with the same rows in a local table.
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE DATABASE ing_access;
\c ing_access
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'ing_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'ing_dn2');

CREATE VIEW state AS
SELECT (SELECT count(*) FROM _timescaledb_catalog.remote_txn) AS log_rows,
       (SELECT count(*) FROM timescaledb_information.in_doubt_transactions) AS in_doubt;

CREATE TABLE conditions (time timestamptz NOT NULL, device int, temp float8);
SELECT create_distributed_hypertable('conditions', 'time', 'device', chunk_time_interval => interval '1 day');
CREATE TABLE expected (time timestamptz NOT NULL, device int, temp float8);

-- Rows one device at a time over a week: every node's rows interleave its
-- chunks.  Small batches, so that many go out while the node is busy.
CREATE FUNCTION device_major(step int) RETURNS TABLE (t timestamptz, dev int, v float8)
LANGUAGE sql IMMUTABLE AS $$
  SELECT timestamptz '2020-03-01 00:00:00+00' + s * step * interval '1 second', d,
         CASE WHEN s % 97 = 0 THEN NULL ELSE round((d + s / 100.0)::numeric, 2)::float8 END
    FROM generate_series(0, 11) d, generate_series(0, 7 * 86400 / step - 1) s
$$;
SET multinode.max_insert_batch_size = 10;
INSERT INTO conditions SELECT * FROM device_major(600);
INSERT INTO expected SELECT * FROM device_major(600);
SELECT count(*) AS rows, count(DISTINCT device) AS devices FROM conditions;
SELECT count(*) AS chunks FROM show_chunks('conditions');
(SELECT * FROM conditions EXCEPT ALL SELECT * FROM expected)
UNION ALL
(SELECT * FROM expected EXCEPT ALL SELECT * FROM conditions);

-- the same through COPY, with the default batch size and then a tiny one
TRUNCATE conditions;
COPY (SELECT * FROM device_major(600)) TO '/tmp/mn_dist_ingest.csv' WITH (FORMAT csv);
COPY conditions FROM '/tmp/mn_dist_ingest.csv' WITH (FORMAT csv);
SELECT count(*) AS copied FROM conditions;
(SELECT * FROM conditions EXCEPT ALL SELECT * FROM expected)
UNION ALL
(SELECT * FROM expected EXCEPT ALL SELECT * FROM conditions);
TRUNCATE conditions;
SET multinode.max_insert_batch_size = 3;
COPY conditions FROM '/tmp/mn_dist_ingest.csv' WITH (FORMAT csv);
(SELECT * FROM conditions EXCEPT ALL SELECT * FROM expected)
UNION ALL
(SELECT * FROM expected EXCEPT ALL SELECT * FROM conditions);
RESET multinode.max_insert_batch_size;

-- One COPY per node for the whole statement, however many chunks its rows
-- span there (each data node routes them to its own chunks).
TRUNCATE conditions;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) INSERT INTO conditions SELECT * FROM device_major(600);
(SELECT * FROM conditions EXCEPT ALL SELECT * FROM expected)
UNION ALL
(SELECT * FROM expected EXCEPT ALL SELECT * FROM conditions);

-- A data node refuses a row of the access node's that it has no chunk for,
-- rather than make a chunk the access node does not know.
\c ing_dn1
SET multinode.access_node_session = on;
COPY conditions FROM STDIN WITH (FORMAT csv);
2030-01-01 00:00:00+00,1,1
\.
SELECT count(*) AS dn1_2030 FROM conditions WHERE time >= '2030-01-01';
\c ing_access

-- A local hypertable's COPY stores rows in batches (chunks without row
-- triggers) and their index entries; with a row trigger, row by row.
CREATE TABLE lht (time timestamptz NOT NULL, device int, temp float8);
SELECT table_name FROM create_hypertable('lht', 'time', chunk_time_interval => interval '1 day');
CREATE INDEX ON lht (device, time DESC);
COPY lht FROM '/tmp/mn_dist_ingest.csv' WITH (FORMAT csv);
(SELECT * FROM lht EXCEPT ALL SELECT * FROM expected)
UNION ALL
(SELECT * FROM expected EXCEPT ALL SELECT * FROM lht);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(*) AS device_3_by_index, count(temp) AS temps FROM lht WHERE device = 3;
RESET enable_seqscan;
RESET enable_bitmapscan;
SELECT count(*) AS device_3, count(temp) AS temps FROM expected WHERE device = 3;
CREATE TABLE lht_log (device int);
CREATE FUNCTION lht_log_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO lht_log VALUES (NEW.device);
  RETURN NEW;
END $$;
CREATE TRIGGER lht_log_row BEFORE INSERT ON lht FOR EACH ROW EXECUTE FUNCTION lht_log_row();
COPY lht FROM '/tmp/mn_dist_ingest.csv' WITH (FORMAT csv);
SELECT (SELECT count(*) FROM lht_log) AS logged, (SELECT count(*) FROM lht) AS stored;
-- a failing row in a batch: nothing of the COPY stays
DROP TRIGGER lht_log_row ON lht;
TRUNCATE lht;
CREATE UNIQUE INDEX ON lht (time, device);
COPY lht FROM '/tmp/mn_dist_ingest.csv' WITH (FORMAT csv);
COPY lht FROM '/tmp/mn_dist_ingest.csv' WITH (FORMAT csv);
SELECT count(*) AS after_failed_copy FROM lht;
-- A routed row skips its chunk's slice constraints (its point is in the
-- chunk's ranges) but not the root's own CHECK constraints; a BEFORE ROW
-- trigger that moves the row out of its chunk still meets the slice's.
DROP INDEX lht_time_device_idx;
ALTER TABLE lht ADD CONSTRAINT lht_temp_check CHECK (temp < 1000);
COPY lht FROM STDIN WITH (FORMAT csv);
2020-01-01 01:00:00+00,1,1
2020-01-01 02:00:00+00,1,1000
\.
INSERT INTO lht VALUES ('2020-01-01 03:00:00+00', 1, 2000);
CREATE FUNCTION lht_shift() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.time := NEW.time + interval '1 day';
  RETURN NEW;
END $$;
CREATE TRIGGER lht_shift BEFORE INSERT ON lht FOR EACH ROW EXECUTE FUNCTION lht_shift();
COPY lht FROM STDIN WITH (FORMAT csv);
2020-01-01 04:00:00+00,1,1
\.
INSERT INTO lht VALUES ('2020-01-01 05:00:00+00', 1, 1);
DROP TRIGGER lht_shift ON lht;
INSERT INTO lht VALUES ('2020-01-01 06:00:00+00', 1, 1);
SELECT count(*) AS stored_2020 FROM lht WHERE time >= '2020-01-01 00:00+00' AND time < '2020-01-03 00:00+00';
DROP TABLE lht, lht_log;
DROP FUNCTION lht_shift();

-- time-ordered rows into existing chunks, both nodes at once
TRUNCATE conditions;
TRUNCATE expected;
INSERT INTO conditions
SELECT t, d, d FROM generate_series(timestamptz '2020-03-01 00:00:00+00', '2020-03-07 23:00:00+00', '1 hour') t,
                    generate_series(0, 11) d;
INSERT INTO expected
SELECT t, d, d FROM generate_series(timestamptz '2020-03-01 00:00:00+00', '2020-03-07 23:00:00+00', '1 hour') t,
                    generate_series(0, 11) d;
(SELECT * FROM conditions EXCEPT ALL SELECT * FROM expected)
UNION ALL
(SELECT * FROM expected EXCEPT ALL SELECT * FROM conditions);

-- a few rows per node go as one INSERT each: NULLs, several rows, two
-- chunks on one node (that one goes as COPY), in a transaction block
INSERT INTO conditions VALUES ('2020-03-02 00:30:00+00', 1, NULL), ('2020-03-02 00:31:00+00', NULL, 2.5);
INSERT INTO conditions SELECT '2020-03-03 00:30:00+00'::timestamptz + g * interval '1 s', g % 12, g FROM generate_series(1, 40) g;
INSERT INTO conditions VALUES ('2020-03-04 00:30:00+00', 5, 1), ('2020-03-05 00:30:00+00', 5, 2);
BEGIN;
INSERT INTO conditions VALUES ('2020-03-06 00:30:00+00', 7, -0.0);
INSERT INTO conditions VALUES ('2020-03-06 00:31:00+00', 7, 'Infinity');
COMMIT;
INSERT INTO expected VALUES ('2020-03-02 00:30:00+00', 1, NULL), ('2020-03-02 00:31:00+00', NULL, 2.5);
INSERT INTO expected SELECT '2020-03-03 00:30:00+00'::timestamptz + g * interval '1 s', g % 12, g FROM generate_series(1, 40) g;
INSERT INTO expected VALUES ('2020-03-04 00:30:00+00', 5, 1), ('2020-03-05 00:30:00+00', 5, 2),
                            ('2020-03-06 00:30:00+00', 7, -0.0), ('2020-03-06 00:31:00+00', 7, 'Infinity');
(SELECT * FROM conditions EXCEPT ALL SELECT * FROM expected)
UNION ALL
(SELECT * FROM expected EXCEPT ALL SELECT * FROM conditions);
SELECT * FROM conditions WHERE device IS NULL OR temp IS NULL OR temp = 'Infinity' ORDER BY time;
-- a node's error through the INSERT: the statement fails, nothing stays
CALL distributed_exec($$ ALTER TABLE conditions ADD CONSTRAINT temp_not_5000 CHECK (temp <> 5000) $$);
INSERT INTO conditions VALUES ('2020-03-02 01:00:00+00', 1, 5000);
SELECT count(*) AS after_error FROM conditions WHERE temp = 5000;

-- Which commit protocol: a fault at the first two-phase step fires only
-- when two phases are taken.  One row into an existing chunk of one node,
-- in autocommit: one phase, no bookkeeping.
SELECT _timescaledb_internal.heal_all_data_nodes() IS NOT NULL AS healed;
SELECT * FROM state;
SET multinode.debug_fault = 'before_prepare';
INSERT INTO conditions VALUES ('2020-03-02 02:00:30+00', 3, 1.25);
SELECT * FROM state;
-- rows for both nodes: two phases (the fault fires, nothing is left)
INSERT INTO conditions VALUES ('2020-03-02 02:00:30+00', 3, 2.5), ('2020-03-02 02:00:30+00', 4, 2.5),
                              ('2020-03-02 02:00:30+00', 5, 2.5), ('2020-03-02 02:00:30+00', 6, 2.5);
-- a row that creates a chunk writes the catalog here: two phases
INSERT INTO conditions VALUES ('2020-04-01 00:00:00+00', 3, 1);
-- a local write in the same transaction: two phases
CREATE TABLE local_t (a int);
BEGIN;
INSERT INTO local_t VALUES (1);
INSERT INTO conditions VALUES ('2020-03-02 02:00:30+00', 3, 1);
COMMIT;
RESET multinode.debug_fault;
SELECT temp AS kept FROM conditions WHERE time = '2020-03-02 02:00:30+00';
SELECT count(*) AS chunks_after_faults FROM show_chunks('conditions');
SELECT count(*) AS local_rows FROM local_t;
SELECT * FROM state;
-- and without the fault, they commit
INSERT INTO conditions VALUES ('2020-04-01 00:00:00+00', 3, 1);
SELECT count(*) AS april FROM conditions WHERE time >= '2020-04-01 00:00:00+00';
SELECT _timescaledb_internal.heal_all_data_nodes() IS NOT NULL AS healed;

\c postgres
DROP DATABASE ing_access;
DROP DATABASE ing_dn1;
DROP DATABASE ing_dn2;
