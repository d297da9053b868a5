-- TimescaleDB 2.13 functions: add_dimension, set_integer_now_func,
-- show_chunks/drop_chunks by creation time, hypertable_index_size,
-- approximate_row_count, first/last; on local and distributed hypertables.
--
-- message -> function -> case
--   column "%s" is already a dimension                 add_dimension, same column twice
--   column "%s" is already a dimension, skipping (N)   add_dimension, if_not_exists
--   cannot omit both the number of partitions ...      add_dimension, neither given
--   cannot specify both the number of partitions ...   add_dimension, both given
--   hypertable "%s" has tuples or empty chunks         add_dimension, after an insert
--   column "%s" does not exist                         add_dimension, unknown column
--   integer_now_func can only be set for hypertables.. set_integer_now_func, timestamptz
--   custom time function already set for hypertable    set_integer_now_func, twice
--   invalid custom time function                       set_integer_now_func, wrong type
--   cannot specify "older_than" or "newer_than" ...    show_chunks/drop_chunks, mixed
--   invalid time argument type "integer"               show_chunks created_before 1
--   invalid time range for dropping chunks             drop_chunks, no selector
\set VERBOSITY default
SET client_min_messages = notice;
CREATE DATABASE ta_access;
\c ta_access
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'ta_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'ta_dn2');

-- ---- add_dimension --------------------------------------------------------
CREATE TABLE loc (time timestamptz NOT NULL, device int, site int, temp float);
SELECT hypertable_id FROM create_hypertable('loc', 'time');
SELECT * FROM add_dimension('loc', 'device', number_partitions => 2);
SELECT * FROM add_dimension('loc', 'device', number_partitions => 2, if_not_exists => true);
SELECT * FROM add_dimension('loc', 'device', number_partitions => 2);
SELECT * FROM add_dimension('loc', 'site');
SELECT * FROM add_dimension('loc', 'site', number_partitions => 2, chunk_time_interval => 10);
SELECT * FROM add_dimension('loc', 'nosuch', number_partitions => 2);
SELECT num_dimensions FROM _timescaledb_catalog.hypertable WHERE table_name = 'loc';
SELECT column_name, num_slices, aligned, partitioning_func FROM _timescaledb_catalog.dimension
 WHERE hypertable_id = 1 ORDER BY id;
INSERT INTO loc VALUES ('2024-01-01', 1, 1, 1.0), ('2024-01-02', 2, 1, 2.0), ('2024-01-03', 3, 1, 3.0);
-- rows are routed by both dimensions: one chunk per device slice
SELECT count(*) AS chunks FROM show_chunks('loc');
SELECT count(*) FROM loc;
SELECT * FROM add_dimension('loc', 'site', number_partitions => 2);

-- distributed: forwarded to the data nodes
CREATE TABLE dist (time timestamptz NOT NULL, device int, temp float);
SELECT hypertable_id FROM create_distributed_hypertable('dist', 'time', data_nodes => '{dn1,dn2}');
SELECT * FROM add_dimension('dist', 'device', number_partitions => 2);
INSERT INTO dist SELECT t, d, d * 100 + extract(day from t) FROM generate_series('2024-01-01'::timestamptz, '2024-01-20', '1 day') t,
	generate_series(1, 4) d;
SELECT count(*) FROM dist;
SELECT cdn.node_name, count(*) FROM _timescaledb_catalog.chunk_data_node cdn GROUP BY 1 ORDER BY 1;
\c ta_dn1
SELECT column_name, num_slices FROM _timescaledb_catalog.dimension ORDER BY id;
\c ta_access

-- ---- set_integer_now_func ---------------------------------------------------
CREATE TABLE ints (time bigint NOT NULL, v int);
SELECT hypertable_id FROM create_hypertable('ints', 'time', chunk_time_interval => 10);
CREATE FUNCTION ints_now() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT 100::bigint $$;
CREATE FUNCTION ints_now_int() RETURNS int LANGUAGE sql STABLE AS $$ SELECT 100 $$;
SELECT set_integer_now_func('loc', 'ints_now');
SELECT set_integer_now_func('ints', 'ints_now_int');
SELECT set_integer_now_func('ints', 'ints_now');
SELECT set_integer_now_func('ints', 'ints_now');
SELECT set_integer_now_func('ints', 'ints_now', replace_if_exists => true);
SELECT integer_now_func_schema, integer_now_func FROM _timescaledb_catalog.dimension
 WHERE column_name = 'time' AND hypertable_id = (SELECT id FROM _timescaledb_catalog.hypertable WHERE table_name = 'ints');
SELECT hypertable_name, integer_now_func FROM timescaledb_information.dimensions WHERE hypertable_name = 'ints';

-- distributed: the data nodes get it too (the function must exist there)
CREATE TABLE dints (time bigint NOT NULL, v int);
SELECT hypertable_id FROM create_distributed_hypertable('dints', 'time', chunk_time_interval => 10,
	data_nodes => '{dn1,dn2}');
CALL distributed_exec($$ CREATE FUNCTION ints_now() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT 100::bigint' $$);
SELECT set_integer_now_func('dints', 'ints_now');
\c ta_dn2
SELECT d.integer_now_func FROM _timescaledb_catalog.dimension d
  JOIN _timescaledb_catalog.hypertable h ON h.id = d.hypertable_id WHERE h.table_name = 'dints';
\c ta_access

-- ---- show_chunks / drop_chunks by creation time ----------------------------
INSERT INTO ints SELECT g, g FROM generate_series(0, 49) g;
SELECT count(*) FROM show_chunks('ints');
-- all were created just now: none before an hour ago, all after
SELECT count(*) FROM show_chunks('ints', created_before => interval '1 hour');
SELECT count(*) FROM show_chunks('ints', created_after => interval '1 hour');
SELECT count(*) FROM show_chunks('ints', created_before => now() + interval '1 hour');
SELECT count(*) FROM show_chunks('ints', created_after => date '2000-01-01');
-- backdate one chunk's creation: it alone is "created before" a day ago
UPDATE _timescaledb_catalog.chunk SET creation_time = now() - interval '2 days'
 WHERE id = (SELECT min(c.id) FROM _timescaledb_catalog.chunk c JOIN _timescaledb_catalog.hypertable h
			  ON h.id = c.hypertable_id WHERE h.table_name = 'ints');
SELECT show_chunks('ints', created_before => interval '1 day');
SELECT show_chunks('ints', older_than => 20, created_before => interval '1 day');
SELECT show_chunks('ints', created_before => 1);
SELECT drop_chunks('ints');
SELECT drop_chunks('ints', created_before => interval '1 day');
SELECT count(*) AS chunks_left, min(time) FROM ints;
SELECT count(*) FROM timescaledb_information.chunks
 WHERE hypertable_name = 'ints' AND chunk_creation_time > now() - interval '1 hour';
-- distributed: chunks go on the data nodes too
UPDATE _timescaledb_catalog.chunk SET creation_time = now() - interval '2 days'
 WHERE hypertable_id = (SELECT id FROM _timescaledb_catalog.hypertable WHERE table_name = 'dist')
   AND id IN (SELECT c.id FROM _timescaledb_catalog.chunk c JOIN _timescaledb_catalog.chunk_constraint cc ON cc.chunk_id = c.id
			   JOIN _timescaledb_catalog.dimension_slice s ON s.id = cc.dimension_slice_id
			   JOIN _timescaledb_catalog.dimension d ON d.id = s.dimension_id AND d.column_name = 'time'
			  WHERE s.range_start < 1704499200000000 /* 2024-01-06 */);
SELECT count(*) FROM drop_chunks('dist', created_before => interval '1 day');
SELECT count(*), min(time) FROM dist;
\c ta_dn1
SELECT count(*) = 0 AS no_old_rows_on_dn1 FROM dist WHERE time < '2024-01-04';
\c ta_access

-- ---- sizes and counts --------------------------------------------------------
CREATE INDEX loc_temp_idx ON loc (temp);
SELECT hypertable_index_size('loc_temp_idx') = (
	SELECT sum(pg_relation_size(format('%I.%I', c.schema_name, ci.index_name)::regclass))
	  FROM _timescaledb_catalog.chunk_index ci JOIN _timescaledb_catalog.chunk c ON c.id = ci.chunk_id
	 WHERE ci.hypertable_index_name = 'loc_temp_idx') + pg_relation_size('loc_temp_idx') AS local_index_size_ok;
CREATE INDEX dist_temp_idx ON dist (temp);
SELECT hypertable_index_size('dist_temp_idx') > 0 AS dist_index_has_size;
SELECT node_name, total_bytes > 0 AS has_bytes FROM _timescaledb_functions.data_node_index_sizes('dist_temp_idx') ORDER BY 1;
ANALYZE loc;
SELECT approximate_row_count('loc');
ANALYZE dist;
SELECT approximate_row_count('dist') = (SELECT count(*) FROM dist) AS dist_estimate_matches;
CREATE TABLE plain AS SELECT g FROM generate_series(1, 500) g;
ANALYZE plain;
SELECT approximate_row_count('plain');

-- ---- first / last --------------------------------------------------------------
SELECT first(temp, time), last(temp, time) FROM loc;
SELECT device, first(temp, time), last(temp, time) FROM dist GROUP BY device ORDER BY device;
-- across nodes: states computed on each node, combined here.  Rows of one
-- time differ by device; temp - device * 100 is the day, the same for all.
EXPLAIN (VERBOSE, COSTS OFF)
SELECT first(temp - device * 100, time), last(temp - device * 100, time) FROM dist;
SELECT first(temp - device * 100, time), last(temp - device * 100, time), first(NULL::int, time) FROM dist;
SELECT date_trunc('month', time) AS m, first(temp - device * 100, time), last(temp - device * 100, time)
  FROM dist GROUP BY 1 ORDER BY 1;
-- the same computed here from the rows
SELECT first(temp - device * 100, time), last(temp - device * 100, time)
  FROM (SELECT * FROM dist OFFSET 0) s;
SELECT first(v, time), last(v, time), first(v, -time) FROM ints;
SELECT first(x, t), last(x, t) FROM (VALUES (1, NULL::int), (2, 5), (3, 1), (NULL, 9)) v(x, t);
SELECT first(x, t) FROM (VALUES (1, 'b'::text), (2, 'a')) v(x, t);
SELECT first(x, t) IS NULL AS empty_is_null FROM (SELECT 1 AS x, 1 AS t WHERE false) v;

-- a data node attached later gets the added dimension too, in the same order
CREATE TABLE dist2 (time timestamptz NOT NULL, device int, site int, temp float);
SELECT hypertable_id FROM create_distributed_hypertable('dist2', 'time', 'device', 3, data_nodes => '{dn1,dn2}');
SELECT * FROM add_dimension('dist2', 'site', number_partitions => 2);
SELECT node_name FROM add_data_node('dn3', host => 'localhost', database => 'ta_dn3');
SELECT hypertable_id, node_name FROM attach_data_node('dn3', 'dist2', repartition => false);
\c ta_dn3
SELECT column_name, num_slices FROM _timescaledb_catalog.dimension ORDER BY id;
\c ta_access
INSERT INTO dist2 SELECT '2024-03-01'::timestamptz + g * interval '1 day', d, d % 3, d
  FROM generate_series(0, 2) g, generate_series(1, 30) d;
SELECT count(*), sum(temp) FROM dist2;
\c ta_dn3
SELECT count(*) > 0 AS dn3_has_rows FROM dist2;
\c ta_access

-- ---- time conversions --------------------------------------------------------------
SELECT _timescaledb_functions.to_unix_microseconds('2024-01-01 00:00:01+00'),
	   _timescaledb_functions.to_timestamp(1704067201000000) = '2024-01-01 00:00:01+00' AS ts_ok,
	   _timescaledb_functions.to_timestamp_without_timezone(1704067201000000),
	   _timescaledb_functions.to_date(1704067201000000),
	   _timescaledb_functions.to_interval(90000000);
SELECT _timescaledb_functions.interval_to_usec('1 day 00:00:01'),
	   _timescaledb_functions.interval_to_usec('1 month') = 30 * 86400000000 AS month_is_30_days,
	   _timescaledb_internal.interval_to_usec('7 days');
SELECT _timescaledb_functions.time_to_internal('2024-01-01'::date),
	   _timescaledb_functions.time_to_internal('2024-01-01 00:00:00'::timestamp),
	   _timescaledb_functions.time_to_internal('2024-01-01 00:00:00+00'::timestamptz),
	   _timescaledb_functions.time_to_internal(42::smallint),
	   _timescaledb_internal.time_to_internal(42::bigint);
SELECT _timescaledb_functions.to_unix_microseconds('-infinity') = (-9223372036854775808)::bigint AS minus_inf,
	   _timescaledb_internal.to_timestamp(9223372036854775807) AS plus_inf;
SELECT _timescaledb_functions.get_approx_row_count('plain'), _timescaledb_internal.get_approx_row_count('plain');

\c postgres
DROP DATABASE ta_access;
DROP DATABASE ta_dn1;
DROP DATABASE ta_dn2;
DROP DATABASE ta_dn3;
