-- The writes an online chunk copy captures on its source (src/dist/chunk_capture.c),
-- stage by stage: a change log of several apply batches (inserts, updates,
-- deletes, duplicate rows) applied in catch_up and in the switch, the replicas
-- identical afterwards; and the DDL that would let the copy miss writes
-- (TRUNCATE, disabling, dropping or renaming the capture trigger) refused
-- while the capture runs, on the access node and on the data node
-- (src/dist/capture_guard.c).
\set VERBOSITY terse
SET client_min_messages = notice;
CREATE DATABASE cap_access;
\c cap_access
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'cap_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'cap_dn2');
SELECT scheduled FROM alter_job(5, scheduled => false);

CREATE TABLE m (time timestamptz NOT NULL, dev int, v bigint, note text);
SELECT table_name FROM create_distributed_hypertable('m', 'time', 'dev', number_partitions => 1,
	chunk_time_interval => interval '1 day', data_nodes => '{dn1,dn2}');
-- what m holds, written in the same statements
CREATE TABLE expect (LIKE m);
-- Writes into the chunk of 2024-01-01, made to m and expect alike.
CREATE PROCEDURE write_both(sql text) LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format(sql, 'm');
	EXECUTE format(sql, 'expect');
END
$$;
CALL write_both($$INSERT INTO %I SELECT '2024-01-01 00:00+00'::timestamptz + i * interval '20 s', i %% 8, i, NULL
	FROM generate_series(0, 1999) i$$);
-- three equal rows
CALL write_both($$INSERT INTO %I SELECT '2024-01-01 23:00+00', 1, 900000, 'dup' FROM generate_series(1, 3)$$);
SELECT chunk_name, range_start, range_end FROM timescaledb_information.chunks
 WHERE hypertable_name = 'm' ORDER BY chunk_name;
CREATE TABLE other (time timestamptz NOT NULL, dev int);
SELECT table_name FROM create_distributed_hypertable('other', 'time', 'dev', data_nodes => '{dn1,dn2}');
INSERT INTO other VALUES ('2024-01-01 00:00+00', 1);

-- ---- stage by stage -----------------------------------------------------------------------
SELECT _timescaledb_functions.chunk_copy_start('_timescaledb_internal._dist_hyper_1_1_chunk', 'dn1',
											   'dn2', 'cap_1', false, 'copy_chunk');
SELECT _timescaledb_functions.chunk_copy_next_stage('cap_1');
SELECT _timescaledb_functions.chunk_copy_next_stage('cap_1');
SELECT completed_stage FROM _timescaledb_catalog.chunk_copy_operation WHERE operation_id = 'cap_1';

-- ---- while the capture runs, what would bypass it is refused ------------------------------
\set VERBOSITY default
-- TRUNCATE of the hypertable on the access node (it would drop the chunk under the copy)
TRUNCATE m;
-- TRUNCATE of the chunk, or of the member hypertable, on the source
CALL distributed_exec('TRUNCATE _timescaledb_internal._dist_hyper_1_1_chunk', '{dn1}');
CALL distributed_exec('TRUNCATE m', '{dn1}');
-- the capture trigger disabled with the others (forwarded to the chunks of the nodes)
ALTER TABLE m DISABLE TRIGGER ALL;
ALTER TABLE m DISABLE TRIGGER USER;
-- the capture trigger named
CALL distributed_exec('ALTER TABLE _timescaledb_internal._dist_hyper_1_1_chunk DISABLE TRIGGER _multinode_chunk_copy_capture', '{dn1}');
CALL distributed_exec('ALTER TABLE _timescaledb_internal._dist_hyper_1_1_chunk ENABLE REPLICA TRIGGER _multinode_chunk_copy_capture', '{dn1}');
CALL distributed_exec('DROP TRIGGER _multinode_chunk_copy_capture ON _timescaledb_internal._dist_hyper_1_1_chunk', '{dn1}');
CALL distributed_exec('ALTER TRIGGER _multinode_chunk_copy_capture ON _timescaledb_internal._dist_hyper_1_1_chunk RENAME TO t', '{dn1}');
\set VERBOSITY terse
-- typed on the data node by a client allowed to change it
\c cap_dn1
SET multinode.enable_client_ddl_on_data_nodes = on;
TRUNCATE _timescaledb_internal._dist_hyper_1_1_chunk;
TRUNCATE m;
SELECT tgname, tgenabled FROM pg_trigger
 WHERE tgrelid = '_timescaledb_internal._dist_hyper_1_1_chunk'::regclass AND NOT tgisinternal;
\c cap_access
-- what does not bypass it goes on: other hypertables, triggers enabled
TRUNCATE other;
ALTER TABLE m ENABLE TRIGGER ALL;

-- sync: the bulk copy; the changes made before it are in it
SELECT _timescaledb_functions.chunk_copy_next_stage('cap_1');

-- ---- a change log of several batches (1000 row images each), applied by catch_up ------------
CALL write_both($$INSERT INTO %I SELECT '2024-01-01 12:00+00'::timestamptz + i * interval '1 s', i %% 8,
	100000 + i, 'new' FROM generate_series(1, 2500) i$$);
CALL write_both($$UPDATE %I SET note = 'updated' WHERE v < 600$$);
CALL write_both($$DELETE FROM %I WHERE v BETWEEN 1000 AND 1399$$);
-- the three equal rows go and two come back: one of three deleted on the destination
CALL write_both($$DELETE FROM %I WHERE note = 'dup'$$);
CALL write_both($$INSERT INTO %I SELECT '2024-01-01 23:00+00', 1, 900000, 'dup' FROM generate_series(1, 2)$$);
\c cap_dn1
SELECT count(*) AS captured, count(DISTINCT row_image) AS images FROM _timescaledb_catalog.chunk_copy_change;
SELECT count(*) AS net_images FROM _timescaledb_functions.chunk_copy_changes('_timescaledb_internal._dist_hyper_1_1_chunk', 'cap_1');
-- the images that went come first
SELECT bool_and(NOT (delta < 0 AND seen_came)) AS gone_before_came
  FROM (SELECT delta, bool_or(delta > 0) OVER (ORDER BY ord) AS seen_came
		  FROM _timescaledb_functions.chunk_copy_changes('_timescaledb_internal._dist_hyper_1_1_chunk', 'cap_1')
			   WITH ORDINALITY AS c(row_image, delta, ord)) s;
\c cap_access
SELECT _timescaledb_functions.chunk_copy_next_stage('cap_1');
SELECT completed_stage FROM _timescaledb_catalog.chunk_copy_operation WHERE operation_id = 'cap_1';
\c cap_dn1
SELECT count(*) AS left_after_catch_up FROM _timescaledb_catalog.chunk_copy_change;
\c cap_access

-- ---- more, applied in the switch -----------------------------------------------------------
CALL write_both($$INSERT INTO %I SELECT '2024-01-01 18:00+00'::timestamptz + i * interval '1 s', i %% 8,
	200000 + i, 'late' FROM generate_series(1, 1200) i$$);
CALL write_both($$UPDATE %I SET note = 'late update' WHERE v BETWEEN 600 AND 799$$);
CALL write_both($$DELETE FROM %I WHERE v BETWEEN 100001 AND 100100$$);
SELECT _timescaledb_functions.chunk_copy_next_stage('cap_1');
SELECT _timescaledb_functions.chunk_copy_next_stage('cap_1');
SELECT completed_stage FROM _timescaledb_catalog.chunk_copy_operation WHERE operation_id = 'cap_1';
SELECT chunk_name, replica_nodes FROM timescaledb_experimental.chunk_replication_status
 WHERE hypertable_name = 'm';

-- ---- the replicas are identical, and hold what was written ----------------------------------
SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t::text)) FROM expect t;
SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t::text)) FROM m t;
\c cap_dn1
SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t::text)) FROM _timescaledb_internal._dist_hyper_1_1_chunk t;
SELECT count(*) AS captures_left FROM pg_trigger WHERE tgname = '_multinode_chunk_copy_capture';
SELECT count(*) AS changes_left FROM _timescaledb_catalog.chunk_copy_change;
\c cap_dn2
SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t::text)) FROM _timescaledb_internal._dist_hyper_1_1_chunk t;
SELECT count(*) FROM _timescaledb_internal._dist_hyper_1_1_chunk WHERE note = 'dup';
\c cap_access

-- ---- cleanup stops a capture (the trigger dropped without DROP TRIGGER) ---------------------
CALL write_both($$INSERT INTO %I VALUES ('2024-01-03 00:00+00', 1, 300000, NULL)$$);
SELECT chunk_name, replica_nodes FROM timescaledb_experimental.chunk_replication_status
 WHERE hypertable_name = 'm' ORDER BY chunk_name;
SELECT _timescaledb_functions.chunk_copy_start('_timescaledb_internal._dist_hyper_1_3_chunk', 'dn1',
											   'dn2', 'cap_2', true, 'move_chunk');
SELECT _timescaledb_functions.chunk_copy_next_stage('cap_2');
SELECT _timescaledb_functions.chunk_copy_next_stage('cap_2');
CALL write_both($$INSERT INTO %I VALUES ('2024-01-03 01:00+00', 1, 300001, NULL)$$);
TRUNCATE m;
CALL timescaledb_experimental.cleanup_copy_chunk_operation('cap_2');
\c cap_dn1
SELECT count(*) AS captures_left FROM pg_trigger WHERE tgname = '_multinode_chunk_copy_capture';
SELECT count(*) AS changes_left FROM _timescaledb_catalog.chunk_copy_change;
\c cap_access
-- with no copy running, TRUNCATE works
TRUNCATE m;
SELECT count(*) FROM m;
\c cap_dn1
SELECT count(*) AS chunks_left FROM _timescaledb_catalog.chunk c
  JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id WHERE h.table_name = 'm';

\c postgres
DROP DATABASE cap_access;
DROP DATABASE cap_dn1;
DROP DATABASE cap_dn2;
