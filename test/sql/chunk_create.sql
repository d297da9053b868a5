-- Chunk creation in bulk: one statement creating thousands of chunks of a
-- local and of a distributed hypertable (the cache gets each new chunk added
-- rather than reloaded), a savepoint rolled back over a new chunk, and the
-- insert states of local chunks closed past
-- multinode.max_open_chunks_per_insert with the same results (triggers,
-- RETURNING, ON CONFLICT).  Data nodes are other databases of this instance.
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE DATABASE cc_access;
\c cc_access
SET client_min_messages = warning;
CREATE EXTENSION multinode;

-- a local hypertable: 2000 one-hour chunks from one INSERT
CREATE TABLE m (time timestamptz NOT NULL, device int, v float8);
SELECT count(*) FROM create_hypertable('m', 'time', chunk_time_interval => interval '1 hour');
INSERT INTO m SELECT t, 1, 1.0 FROM generate_series('2020-01-01', '2020-01-01'::timestamptz + interval '1999 hours', interval '1 hour') t;
SELECT count(*) AS chunks FROM show_chunks('m');
SELECT count(*) AS rows, count(DISTINCT tableoid) AS tables FROM m;
-- every row sits in the chunk whose catalog range holds it, each chunk has one row
SELECT count(*) AS misplaced FROM m
  JOIN pg_class c ON c.oid = m.tableoid
  JOIN _timescaledb_catalog.chunk ch ON ch.table_name = c.relname
  JOIN _timescaledb_catalog.chunk_constraint cc ON cc.chunk_id = ch.id
  JOIN _timescaledb_catalog.dimension_slice s ON s.id = cc.dimension_slice_id
 WHERE NOT (extract(epoch FROM m.time) * 1000000 >= s.range_start
            AND extract(epoch FROM m.time) * 1000000 < s.range_end);
SELECT count(*) AS chunks_without_index FROM show_chunks('m') c
 WHERE NOT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = c);
-- rows into existing chunks (found in the cache) and a few new ones
INSERT INTO m SELECT t, 2, 2.0 FROM generate_series('2020-01-01', '2020-01-01'::timestamptz + interval '2004 hours', interval '1 hour') t;
SELECT count(*) AS chunks FROM show_chunks('m');
SELECT count(*) AS rows FROM m;

-- a chunk created under a savepoint that is rolled back is gone from the cache
BEGIN;
SAVEPOINT s;
INSERT INTO m VALUES ('2021-06-01 00:30', 1, 1);
SELECT count(*) AS chunks FROM show_chunks('m');
ROLLBACK TO SAVEPOINT s;
SELECT count(*) AS chunks FROM show_chunks('m');
INSERT INTO m VALUES ('2021-06-01 00:40', 1, 1);
SELECT count(*) AS chunks FROM show_chunks('m');
COMMIT;
SELECT time, device FROM m WHERE time >= '2021-06-01' ORDER BY time;

-- an error after chunks were made: the transaction's chunks go with it
INSERT INTO m SELECT t, CASE WHEN t < '2022-01-01 05:00' THEN 1 ELSE 1 / 0 END, 1
  FROM generate_series('2022-01-01'::timestamptz, '2022-01-01 09:00', interval '1 hour') t;
SELECT count(*) AS chunks FROM show_chunks('m');
INSERT INTO m SELECT t, 1, 1 FROM generate_series('2022-01-01'::timestamptz, '2022-01-01 09:00', interval '1 hour') t;
SELECT count(*) AS chunks FROM show_chunks('m');

-- the insert states of local chunks: at most max_open_chunks_per_insert open,
-- with the same results as with all open
CREATE TABLE t (time timestamptz NOT NULL, device int, v float8, note text,
                UNIQUE (time, device));
SELECT count(*) FROM create_hypertable('t', 'time', chunk_time_interval => interval '1 hour');
CREATE TABLE t_log (chunk text, time timestamptz, device int, v float8);
CREATE FUNCTION t_before() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.v := NEW.v * 10; NEW.note := 'before'; RETURN NEW; END $$;
CREATE FUNCTION t_after() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO t_log VALUES (TG_TABLE_NAME, NEW.time, NEW.device, NEW.v); RETURN NULL; END $$;
CREATE TRIGGER t_before BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION t_before();
CREATE TRIGGER t_after AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION t_after();
CREATE TABLE t_ref AS SELECT * FROM t;
CREATE TABLE t_log_ref AS SELECT * FROM t_log;
-- rows that go back and forth between 6 chunks
CREATE VIEW src AS
  SELECT '2020-01-01'::timestamptz + ((i % 6) * interval '1 hour') + (i * interval '1 second') AS time,
         i % 3 AS device, i::float8 AS v
    FROM generate_series(1, 60) i;
INSERT INTO t (time, device, v) SELECT * FROM src RETURNING device, v, note \g /dev/null
INSERT INTO t_ref SELECT * FROM t;
INSERT INTO t_log_ref SELECT * FROM t_log;
TRUNCATE t, t_log;
SET multinode.max_open_chunks_per_insert = 2;
WITH ins AS (INSERT INTO t (time, device, v) SELECT * FROM src RETURNING time, device, v, note)
SELECT count(*) AS returned, sum(v) AS sum_v, count(*) FILTER (WHERE note = 'before') AS by_trigger FROM ins;
SELECT count(*) AS differ FROM (
  (SELECT time, device, v, note FROM t EXCEPT ALL SELECT time, device, v, note FROM t_ref)
  UNION ALL
  (SELECT time, device, v, note FROM t_ref EXCEPT ALL SELECT time, device, v, note FROM t)) d;
SELECT count(*) AS logged, count(DISTINCT chunk) AS chunks FROM t_log;
SELECT count(*) AS log_differs FROM (
  (SELECT time, device, v FROM t_log EXCEPT ALL SELECT time, device, v FROM t_log_ref)
  UNION ALL (SELECT time, device, v FROM t_log_ref EXCEPT ALL SELECT time, device, v FROM t_log)) d;
-- (TRUNCATE made new chunks) each row logged by the trigger of its own chunk
SELECT count(*) AS logged_elsewhere FROM t_log l JOIN t USING (time, device)
 WHERE l.chunk <> (SELECT relname FROM pg_class WHERE oid = t.tableoid);
-- ON CONFLICT with chunks closed and opened again
INSERT INTO t (time, device, v) SELECT * FROM src ON CONFLICT DO NOTHING;
WITH up AS (INSERT INTO t (time, device, v) SELECT * FROM src
            ON CONFLICT (time, device) DO UPDATE SET v = t.v + 1, note = 'updated'
            RETURNING note)
SELECT note, count(*) FROM up GROUP BY note ORDER BY note;
SELECT count(*) AS rows, count(*) FILTER (WHERE note = 'updated') AS updated FROM t;
-- one open chunk at a time
TRUNCATE t, t_log;
SET multinode.max_open_chunks_per_insert = 1;
INSERT INTO t (time, device, v) SELECT * FROM src;
SELECT count(*) AS differ FROM (
  (SELECT time, device, v, note FROM t EXCEPT ALL SELECT time, device, v, note FROM t_ref)
  UNION ALL
  (SELECT time, device, v, note FROM t_ref EXCEPT ALL SELECT time, device, v, note FROM t)) d;
SELECT count(*) AS logged FROM t_log;
RESET multinode.max_open_chunks_per_insert;

-- a distributed hypertable: 1000 one-hour chunks from one INSERT
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'cc_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'cc_dn2');
CREATE TABLE d (time timestamptz NOT NULL, device int, v float8);
SELECT count(*) FROM create_distributed_hypertable('d', 'time', chunk_time_interval => interval '1 hour');
INSERT INTO d SELECT t, 1, 1.0 FROM generate_series('2020-01-01', '2020-01-01'::timestamptz + interval '999 hours', interval '1 hour') t;
SELECT count(*) AS chunks FROM show_chunks('d');
SELECT node_name, count(*) AS replicas FROM _timescaledb_catalog.chunk_data_node GROUP BY 1 ORDER BY 1;
SELECT count(*) AS rows, min(time), max(time) FROM d;
-- more rows, in existing chunks and new ones, RETURNING
WITH ins AS (INSERT INTO d SELECT t, 2, 2.0 FROM generate_series('2020-01-01', '2020-01-01'::timestamptz + interval '1009 hours', interval '1 hour') t RETURNING v)
SELECT count(*), sum(v) FROM ins;
SELECT count(*) AS chunks FROM show_chunks('d');
SELECT count(*) AS rows FROM d;
-- each node holds its chunks, as tables with their ranges, and their rows
\c cc_dn1
SELECT count(*) AS chunks, count(*) = (SELECT count(*) FROM _timescaledb_catalog.chunk) AS catalog_matches
  FROM show_chunks('d');
SELECT count(*) AS rows FROM d;
\c cc_dn2
SELECT count(*) AS chunks, count(*) = (SELECT count(*) FROM _timescaledb_catalog.chunk) AS catalog_matches
  FROM show_chunks('d');
SELECT count(*) AS rows FROM d;

\c regression
DROP DATABASE cc_access;
DROP DATABASE cc_dn1;
DROP DATABASE cc_dn2;
