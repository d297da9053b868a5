-- Node-down handling that needs no real outage: block_new_chunks and
-- allow_new_chunks (TimescaleDB 2.13's) steer chunk placement, stale
-- replicas in chunk_replica_stale are never read, the suspect list and
-- create_distributed_restore_point's rows and errors.  Killing nodes is
-- test/t/300_node_down_reads.pl's and 301_node_down_writes.pl's.
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE DATABASE nd_access;
\c nd_access
SET client_min_messages = warning;
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'nd_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'nd_dn2');
SELECT node_name FROM add_data_node('dn3', host => 'localhost', database => 'nd_dn3');
SHOW multinode.node_suspect_interval;
SELECT * FROM _timescaledb_internal.data_node_suspects();

CREATE TABLE m (time timestamptz NOT NULL, device int, v float8);
SELECT count(*) FROM create_distributed_hypertable('m', 'time', 'device', replication_factor => 2);
CREATE TABLE solo (time timestamptz NOT NULL, device int, v float8);
SELECT count(*) FROM create_distributed_hypertable('solo', 'time', replication_factor => 1);

-- block_new_chunks: new chunks avoid dn3
SELECT timescaledb_experimental.block_new_chunks('dn3', 'm');
SELECT node_name, block_chunks FROM _timescaledb_catalog.hypertable_data_node
 WHERE hypertable_id = (SELECT id FROM _timescaledb_catalog.hypertable WHERE table_name = 'm') ORDER BY 1;
SELECT timescaledb_experimental.block_new_chunks('dn3', 'm');
INSERT INTO m SELECT '2026-01-01', d, d FROM generate_series(1, 12) d;
SELECT node_name, count(*) FROM _timescaledb_catalog.chunk_data_node GROUP BY 1 ORDER BY 1;
-- blocking another node leaves fewer open nodes than the replication factor
SELECT timescaledb_experimental.block_new_chunks('dn2', 'm');
SELECT timescaledb_experimental.block_new_chunks('dn2', 'm', force => true);
SELECT timescaledb_experimental.allow_new_chunks('dn2', 'm');
-- all hypertables of a node
SELECT timescaledb_experimental.block_new_chunks('dn1', force => true);
SELECT timescaledb_experimental.allow_new_chunks('dn1');
SELECT timescaledb_experimental.allow_new_chunks('dn3');
SELECT count(*) FILTER (WHERE block_chunks) AS blocked FROM _timescaledb_catalog.hypertable_data_node;
SELECT timescaledb_experimental.block_new_chunks('nosuch', 'm');
SELECT timescaledb_experimental.block_new_chunks(NULL);

-- a stale replica is never read: empty dn1's copies behind the access
-- node's back; reads that use them miss rows until they are marked stale
SELECT count(*), sum(v) FROM m;
\c nd_dn1
DELETE FROM m;
\c nd_access
SET client_min_messages = warning;
SELECT count(*) < 12 AS rows_missing FROM m;
INSERT INTO _timescaledb_catalog.chunk_replica_stale (chunk_id, node_name)
SELECT chunk_id, 'dn1' FROM _timescaledb_catalog.chunk_data_node cdn
 WHERE node_name = 'dn1' AND EXISTS (SELECT FROM _timescaledb_catalog.chunk_data_node o
                                       WHERE o.chunk_id = cdn.chunk_id AND o.node_name <> 'dn1');
-- the cache learns of the rows as the dispatcher makes it (a relcache invalidation)
ALTER TABLE m SET (fillfactor = 100);
SELECT count(*), sum(v) FROM m;
SELECT count(*), sum(v) FROM (SELECT v FROM m OFFSET 0) s;
-- a chunk whose every replica is stale cannot be read
INSERT INTO _timescaledb_catalog.chunk_replica_stale (chunk_id, node_name)
SELECT chunk_id, node_name FROM _timescaledb_catalog.chunk_data_node
 WHERE node_name <> 'dn1' ON CONFLICT DO NOTHING;
ALTER TABLE m SET (fillfactor = 100);
SELECT count(*) FROM m;
DELETE FROM _timescaledb_catalog.chunk_replica_stale;

-- create_distributed_restore_point
SELECT coalesce(node_name, '-') AS node, node_type, restore_point > '0/0' AS lsn
  FROM create_distributed_restore_point('node_down_test');
SELECT * FROM create_distributed_restore_point(repeat('x', 100));
CREATE ROLE nd_user;
SET ROLE nd_user;
SELECT * FROM create_distributed_restore_point('by_user');
RESET ROLE;
SET multinode.enable_2pc = off;
SELECT * FROM create_distributed_restore_point('no_2pc');
RESET multinode.enable_2pc;
\c nd_dn1
SELECT * FROM create_distributed_restore_point('on_a_data_node');

\c regression
DROP DATABASE nd_access;
DROP DATABASE nd_dn1;
DROP DATABASE nd_dn2;
DROP DATABASE nd_dn3;
DROP ROLE nd_user;
