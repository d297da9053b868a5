-- Chunk copy, move, repair, rebalance and drain at the SQL level: the
-- procedures' checks and errors, the operation log and the views, and the
-- results on the data nodes (other databases of this instance).
\set VERBOSITY terse
SET client_min_messages = notice;
CREATE DATABASE cc_access;
\c cc_access
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'cc_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'cc_dn2');
SELECT node_name FROM add_data_node('dn3', host => 'localhost', database => 'cc_dn3');
SELECT application_name, proc_schema, proc_name, config FROM timescaledb_information.jobs WHERE job_id = 5;
SELECT scheduled FROM alter_job(5, scheduled => false);

CREATE TABLE m (time timestamptz NOT NULL, dev int, v bigint);
SELECT table_name FROM create_distributed_hypertable('m', 'time', 'dev', number_partitions => 2,
	chunk_time_interval => interval '1 day', data_nodes => '{dn1,dn2}');
INSERT INTO m SELECT '2024-01-01'::timestamptz + i * interval '1 minute', i % 8, i
  FROM generate_series(0, 5759) i;

SELECT * FROM timescaledb_experimental.chunk_replication_status;
-- dn3 is not a data node of m yet
CALL timescaledb_experimental.copy_chunk('_timescaledb_internal._dist_hyper_1_1_chunk', 'dn2', 'dn3');
SELECT count(*) FROM _timescaledb_catalog.chunk_copy_operation;
SELECT node_name FROM attach_data_node('dn3', 'm', repartition => false);

-- ---- checks ---------------------------------------------------------------------------
-- inside a transaction block
BEGIN;
CALL timescaledb_experimental.move_chunk('_timescaledb_internal._dist_hyper_1_1_chunk', 'dn1', 'dn3');
ROLLBACK;
CALL timescaledb_experimental.copy_chunk('_timescaledb_internal._dist_hyper_1_1_chunk', 'dn1');
CALL timescaledb_experimental.copy_chunk('m', 'dn1', 'dn3');
CALL timescaledb_experimental.copy_chunk('_timescaledb_internal._dist_hyper_1_1_chunk', 'dn2', 'dn2');
CALL timescaledb_experimental.copy_chunk('_timescaledb_internal._dist_hyper_1_1_chunk', 'dn1', 'dn3');
CALL timescaledb_experimental.copy_chunk('_timescaledb_internal._dist_hyper_1_1_chunk', 'dn2', 'dn_none');
CALL timescaledb_experimental.copy_chunk('_timescaledb_internal._dist_hyper_1_1_chunk', 'dn2', 'dn3',
										 operation_id => 'Bad Id');
CALL timescaledb_experimental.cleanup_copy_chunk_operation('no_such_operation');
-- not the owner
CREATE ROLE cc_other;
SET ROLE cc_other;
CALL timescaledb_experimental.copy_chunk('_timescaledb_internal._dist_hyper_1_1_chunk', 'dn2', 'dn3');
SELECT repair_chunk_replicas('m');
RESET ROLE;

-- ---- copy ------------------------------------------------------------------------------
CALL timescaledb_experimental.copy_chunk('_timescaledb_internal._dist_hyper_1_1_chunk', 'dn2', 'dn3',
										 operation_id => 'copy_1');
SELECT operation_id, completed_stage, chunk_id, compress_chunk_name, source_node_name,
	   dest_node_name, delete_on_source_node
  FROM _timescaledb_catalog.chunk_copy_operation;
SELECT operation_id, hypertable_name, chunk_name, source_node, destination_node, is_move,
	   completed_stage, running
  FROM timescaledb_information.chunk_moves;
SELECT chunk_name, num_replicas, replica_nodes, non_replica_nodes
  FROM timescaledb_experimental.chunk_replication_status;
-- again: the chunk is there now
CALL timescaledb_experimental.copy_chunk('_timescaledb_internal._dist_hyper_1_1_chunk', 'dn2', 'dn3');
-- the same id again
CALL timescaledb_experimental.copy_chunk('_timescaledb_internal._dist_hyper_1_2_chunk', 'dn1', 'dn3',
										 operation_id => 'copy_1');
\c cc_dn3
SELECT count(*), sum(v) FROM _timescaledb_internal._dist_hyper_1_1_chunk;
\c cc_dn2
SELECT count(*), sum(v) FROM _timescaledb_internal._dist_hyper_1_1_chunk;
\c cc_access
-- a completed operation: cleanup just forgets it
CALL timescaledb_experimental.cleanup_copy_chunk_operation('copy_1');
SELECT count(*) FROM _timescaledb_catalog.chunk_copy_operation;

-- ---- move, generated id -------------------------------------------------------------------
CALL timescaledb_experimental.move_chunk('_timescaledb_internal._dist_hyper_1_2_chunk', 'dn1', 'dn3');
SELECT operation_id ~ '^ts_copy_[0-9]+_2$' AS generated_id, completed_stage, delete_on_source_node
  FROM _timescaledb_catalog.chunk_copy_operation;
SELECT chunk_name, replica_nodes FROM timescaledb_experimental.chunk_replication_status;
SELECT srvname FROM pg_foreign_table ft JOIN pg_foreign_server s ON s.oid = ft.ftserver
 WHERE ft.ftrelid = '_timescaledb_internal._dist_hyper_1_2_chunk'::regclass;
\c cc_dn1
SELECT to_regclass('_timescaledb_internal._dist_hyper_1_2_chunk') AS gone_from_dn1;
\c cc_access
SELECT count(*), sum(v) FROM m;

-- ---- default data node ---------------------------------------------------------------------
SELECT _timescaledb_functions.set_chunk_default_data_node('_timescaledb_internal._dist_hyper_1_1_chunk', 'dn3');
SELECT srvname FROM pg_foreign_table ft JOIN pg_foreign_server s ON s.oid = ft.ftserver
 WHERE ft.ftrelid = '_timescaledb_internal._dist_hyper_1_1_chunk'::regclass;
SELECT _timescaledb_internal.set_chunk_default_data_node('_timescaledb_internal._dist_hyper_1_1_chunk', 'dn1');
SELECT _timescaledb_internal.set_chunk_default_data_node('_timescaledb_internal._dist_hyper_1_1_chunk', 'dn2');

-- ---- repair a stale replica ------------------------------------------------------------------
-- dn3's replica of chunk 1 misses a write: made on dn2 only, behind the
-- access node's back, and marked stale as the write path would
\c cc_dn2
INSERT INTO _timescaledb_internal._dist_hyper_1_1_chunk VALUES ('2024-01-01 01:00', 0, 100000);
\c cc_access
INSERT INTO _timescaledb_catalog.chunk_replica_stale (chunk_id, node_name) VALUES (1, 'dn3');
-- a stale replica is not copied from
CALL timescaledb_experimental.copy_chunk('_timescaledb_internal._dist_hyper_1_1_chunk', 'dn3', 'dn1');
-- not in a transaction block, whose snapshots of the nodes may be older
-- than the rows to copy
BEGIN;
SELECT count(*) FROM m;
SELECT repair_chunk_replicas();
ROLLBACK;
SELECT repair_chunk_replicas();
SELECT count(*) FROM _timescaledb_catalog.chunk_replica_stale;
\c cc_dn3
SELECT count(*), sum(v) FROM _timescaledb_internal._dist_hyper_1_1_chunk;
\c cc_dn2
SELECT count(*), sum(v) FROM _timescaledb_internal._dist_hyper_1_1_chunk;
\c cc_access
-- nothing left to do
SELECT repair_chunk_replicas('m');

-- ---- a lost replica remade: replication_factor 2, a node detached ---------------------------
CREATE TABLE r (time timestamptz NOT NULL, dev int, v bigint);
SELECT table_name FROM create_distributed_hypertable('r', 'time', 'dev', number_partitions => 1,
	replication_factor => 2, data_nodes => '{dn1,dn2,dn3}');
INSERT INTO r SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i, i FROM generate_series(0, 99) i;
SELECT chunk_name, num_replicas, replica_nodes FROM timescaledb_experimental.chunk_replication_status
 WHERE hypertable_name = 'r';
-- a stale mark of dn2's replica goes with the replica
INSERT INTO _timescaledb_catalog.chunk_replica_stale (chunk_id, node_name)
SELECT min(cdn.chunk_id), 'dn2' FROM _timescaledb_catalog.chunk_data_node cdn
  JOIN _timescaledb_catalog.chunk c ON c.id = cdn.chunk_id
  JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id
 WHERE h.table_name = 'r' AND cdn.node_name = 'dn2';
SELECT detach_data_node('dn2', 'r', force => true, repartition => false, drop_remote_data => true);
SELECT count(*) AS stale_marks_of_dn2 FROM _timescaledb_catalog.chunk_replica_stale WHERE node_name = 'dn2';
SELECT chunk_name, num_replicas, desired_num_replicas FROM timescaledb_experimental.chunk_replication_status
 WHERE hypertable_name = 'r' AND num_replicas < desired_num_replicas;
SELECT repair_chunk_replicas('r') > 0 AS remade;
SELECT chunk_name, num_replicas, replica_nodes FROM timescaledb_experimental.chunk_replication_status
 WHERE hypertable_name = 'r';
SELECT count(*), sum(v) FROM r;

-- ---- rebalance and drain ---------------------------------------------------------------------
SELECT node_name, num_chunks FROM _timescaledb_functions.hypertable_node_loads(1);
CALL rebalance_chunks('m');
SELECT node_name, num_chunks FROM _timescaledb_functions.hypertable_node_loads(1);
CALL rebalance_chunks('r');
BEGIN;
CALL drain_data_node('dn3');
ROLLBACK;
CALL drain_data_node('dn_none');
-- m's chunks move off dn3; then every chunk of r is on dn1 and dn3, and
-- with no third node it has nowhere to go
CALL drain_data_node('dn3');
SELECT count(*) AS replicas_left_on_dn3 FROM _timescaledb_catalog.chunk_data_node WHERE node_name = 'dn3';
SELECT node_name FROM attach_data_node('dn2', 'r', repartition => false);
CALL drain_data_node('dn3');
SELECT node_name, block_chunks FROM _timescaledb_catalog.hypertable_data_node WHERE hypertable_id = 1
 ORDER BY node_name;
SELECT count(*) AS replicas_left_on_dn3 FROM _timescaledb_catalog.chunk_data_node WHERE node_name = 'dn3';
SELECT count(*), sum(v) FROM m;
SELECT count(*), sum(v) FROM r;

\c postgres
DROP DATABASE cc_access;
DROP DATABASE cc_dn1;
DROP DATABASE cc_dn2;
DROP DATABASE cc_dn3;
DROP ROLE cc_other;
