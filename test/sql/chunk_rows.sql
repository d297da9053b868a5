-- The catalog rows of new chunks, written with heap inserts (catalog/chunk_rows.c):
-- the same ids, names, ranges and constraints as the SQL that wrote them
-- before, on the access node and on each data node (this file's expected
-- output was made with that SQL); the data node's creation function refuses
-- what is not its job and bad input; a chunk whose creation fails on one node
-- leaves nothing behind on any node.  Data nodes are other databases of this
-- instance.
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE DATABASE cr_access;
\c cr_access
SET client_min_messages = warning;
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'cr_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'cr_dn2');

-- two space partitions over one-hour chunks; and a replicated hypertable
CREATE TABLE m (time timestamptz NOT NULL, dev int, v float8);
SELECT count(*) FROM create_distributed_hypertable('m', 'time', 'dev', 2,
  chunk_time_interval => interval '1 hour');
CREATE TABLE r (time timestamptz NOT NULL, dev int, v float8);
SELECT count(*) FROM create_distributed_hypertable('r', 'time',
  chunk_time_interval => interval '1 day', replication_factor => 2);
INSERT INTO m SELECT timestamptz '2020-01-04 00:00:00+00' + h * interval '1 hour', d, 1
  FROM generate_series(0, 2) h, generate_series(0, 1) d;
INSERT INTO r VALUES ('2020-01-04 01:00+00', 1, 1), ('2020-01-05 01:00+00', 1, 1);
-- a slice shared with an existing chunk is found, not made twice
INSERT INTO m VALUES ('2020-01-04 00:30+00', 5, 1), ('2020-01-04 03:30+00', 5, 1);

CREATE VIEW catalog_rows AS
SELECT 'chunk' AS t, format('%s %s %s %s %s %s %s', id, hypertable_id, schema_name, table_name,
                            compressed_chunk_id, dropped, status) AS r
  FROM _timescaledb_catalog.chunk
UNION ALL
SELECT 'slice', format('%s %s %s %s', id, dimension_id, range_start, range_end)
  FROM _timescaledb_catalog.dimension_slice
UNION ALL
SELECT 'constraint', format('%s %s %s %s', chunk_id, dimension_slice_id, constraint_name,
                            hypertable_constraint_name)
  FROM _timescaledb_catalog.chunk_constraint
UNION ALL
SELECT 'data node', format('%s %s %s', chunk_id, node_chunk_id, node_name)
  FROM _timescaledb_catalog.chunk_data_node
UNION ALL
SELECT 'check', format('%s %s %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
  FROM pg_constraint c JOIN pg_class k ON k.oid = c.conrelid
 WHERE k.relnamespace = '_timescaledb_internal'::regnamespace
UNION ALL
SELECT 'table', format('%s %s %s', k.oid::regclass, k.relkind, pg_get_userbyid(k.relowner))
  FROM pg_class k
 WHERE k.relnamespace = '_timescaledb_internal'::regnamespace AND k.relkind IN ('r', 'f');
SELECT * FROM catalog_rows ORDER BY 1, 2;
SELECT count(*) AS prepared FROM pg_prepared_xacts;

-- the same view on the data node (its chunk_data_node is empty)
SELECT pg_get_viewdef('catalog_rows') AS catalog_rows_def \gset
\c cr_dn1
SET client_min_messages = warning;
CREATE VIEW catalog_rows AS :catalog_rows_def
SELECT * FROM catalog_rows ORDER BY 1, 2;

-- a statement with parameters (as the access node sends its reads) is planned
-- over the chunks its values leave: only those are locked
PREPARE q(timestamptz, timestamptz) AS
  SELECT count(*) FROM m WHERE time >= $1 AND time < $2;
BEGIN;
EXECUTE q('2020-01-04 00:00+00', '2020-01-04 02:00+00');
SELECT count(*) AS chunks_locked FROM pg_locks l
 WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation'
   AND l.relation IN (SELECT show_chunks('m'));
ROLLBACK;
SELECT count(*) AS chunks FROM show_chunks('m');
DEALLOCATE q;

-- the data node side of creation, called by hand
-- bad input: bounds, ranges
SELECT _timescaledb_functions.create_member_chunk('m', '_timescaledb_internal', 'x_chunk', '{0,1}');
SELECT _timescaledb_functions.create_member_chunk('m', '_timescaledb_internal', 'x_chunk', '{0,1,0,NULL}');
SELECT _timescaledb_functions.create_member_chunk('m', '_timescaledb_internal', 'x_chunk',
  '{1578096000000000,1578096000000000,0,1073741824}');
-- a name taken by another chunk
SELECT _timescaledb_functions.create_member_chunk('m', '_timescaledb_internal',
  (SELECT table_name FROM _timescaledb_catalog.chunk ORDER BY id LIMIT 1),
  '{1609459200000000,1609462800000000,0,1073741824}');
-- not a member hypertable
CREATE TABLE plain (time timestamptz NOT NULL, dev int);
SELECT _timescaledb_functions.create_member_chunk('plain', '_timescaledb_internal', 'x_chunk',
  '{0,1}');
-- a role without INSERT on the hypertable
CREATE ROLE cr_reader;
-- (the data node's own session: DDL on a member needs the operators' override)
SET multinode.enable_client_ddl_on_data_nodes = on;
GRANT SELECT ON m TO cr_reader;
RESET multinode.enable_client_ddl_on_data_nodes;
SET ROLE cr_reader;
SELECT _timescaledb_functions.create_member_chunk('m', '_timescaledb_internal', 'x_chunk',
  '{1609459200000000,1609462800000000,0,1073741824}');
RESET ROLE;
-- nothing was made by any of them
SELECT count(*) AS chunks FROM _timescaledb_catalog.chunk;
SELECT count(*) AS tables FROM pg_class WHERE relname = 'x_chunk';

\c cr_access
SET client_min_messages = warning;
-- on the access node the function refuses: its hypertable is not a member
SELECT _timescaledb_functions.create_member_chunk('m', '_timescaledb_internal', 'x_chunk',
  '{1609459200000000,1609462800000000,0,1073741824}');

-- a chunk of r (on both nodes) whose table already exists on dn2: dn1 makes
-- it, dn2 fails, and nothing is left on the access node or either node
SELECT format('_dist_hyper_%s_%s_chunk', h.id, s.last_value + 1) AS next_chunk
  FROM _timescaledb_catalog.hypertable h, _timescaledb_catalog.chunk_id_seq s
 WHERE h.table_name = 'r' \gset
\c cr_dn2
CREATE TABLE _timescaledb_internal.:next_chunk (x int);
\c cr_access
SET client_min_messages = warning;
INSERT INTO r VALUES ('2020-02-01 01:00+00', 1, 1);
SELECT * FROM catalog_rows ORDER BY 1, 2;
SELECT count(*) AS prepared FROM pg_prepared_xacts;
\c cr_dn1
SELECT * FROM catalog_rows ORDER BY 1, 2;
\c cr_dn2
SELECT count(*) AS chunks FROM _timescaledb_catalog.chunk;
SELECT count(*) AS slices FROM _timescaledb_catalog.dimension_slice;
DROP TABLE _timescaledb_internal.:next_chunk;

-- the same when the access node's own table fails after the nodes made theirs
-- (the failed chunk used up its id)
\c cr_access
SET client_min_messages = warning;
SELECT format('_dist_hyper_%s_%s_chunk', h.id, s.last_value + 1) AS next_chunk
  FROM _timescaledb_catalog.hypertable h, _timescaledb_catalog.chunk_id_seq s
 WHERE h.table_name = 'r' \gset
CREATE TABLE _timescaledb_internal.:next_chunk (x int);
INSERT INTO r VALUES ('2020-02-01 01:00+00', 1, 1);
DROP TABLE _timescaledb_internal.:next_chunk;
SELECT count(*) AS chunks FROM _timescaledb_catalog.chunk;
SELECT count(*) AS prepared FROM pg_prepared_xacts;
\c cr_dn1
SELECT count(*) AS chunks FROM _timescaledb_catalog.chunk;
SELECT count(*) AS tables FROM pg_class WHERE relname = :'next_chunk';
\c cr_dn2
SELECT count(*) AS chunks FROM _timescaledb_catalog.chunk;
SELECT count(*) AS tables FROM pg_class WHERE relname = :'next_chunk';

-- and then the chunk is made, with the next id
\c cr_access
SET client_min_messages = warning;
INSERT INTO r VALUES ('2020-02-01 01:00+00', 1, 1);
SELECT count(*) AS chunks FROM show_chunks('r');
SELECT count(*) AS rows FROM r;

\c regression
DROP DATABASE cr_access;
DROP DATABASE cr_dn1;
DROP DATABASE cr_dn2;
DROP ROLE cr_reader;
