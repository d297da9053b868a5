-- Catalog shape of TimescaleDB 2.13: the _timescaledb_catalog tables and
-- timescaledb_information views read by tools, with their columns in 2.13's
-- order; chunk_index and dimension_partition kept true by chunk creation
-- and placement; chunk.creation_time; freeze_chunk and drop_stale_chunks.
--
-- message -> function -> case
--   operation not supported on distributed chunk or foreign table "%s"  freeze_chunk, foreign chunk
--   Insert not permitted on frozen chunk "%s"                           INSERT into a frozen chunk
--   Delete not permitted on frozen chunk "%s"                           DELETE from a frozen chunk
--   chunk "%s" is already frozen (NOTICE)                                freeze_chunk twice
--   "%s" is not a chunk                                                  freeze_chunk, hypertable
--   node_name argument cannot be NULL                                    drop_stale_chunks(NULL) on AN
--   chunks argument cannot be used on the access node                   drop_stale_chunks with chunks on AN
\set VERBOSITY default
SET client_min_messages = notice;
CREATE DATABASE tc_access;
\c tc_access
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'tc_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'tc_dn2');

-- ---- columns, as 2.13 has them ----------------------------------------------------
SELECT c.relname, pg_catalog.string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE n.nspname = '_timescaledb_catalog'
   AND c.relname IN ('hypertable', 'dimension', 'dimension_partition', 'dimension_slice', 'chunk',
					 'chunk_constraint', 'chunk_index', 'chunk_data_node', 'hypertable_data_node')
 GROUP BY c.relname ORDER BY c.relname;
SELECT c.relname, pg_catalog.string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE n.nspname = 'timescaledb_information'
   AND c.relname IN ('hypertables', 'dimensions', 'chunks', 'jobs', 'job_stats')
 GROUP BY c.relname ORDER BY c.relname;

-- ---- values -------------------------------------------------------------------------
CREATE TABLE loc (time timestamptz NOT NULL, device int, temp float, UNIQUE (time, device));
SELECT hypertable_id FROM create_hypertable('loc', 'time', 'device', 2);
CREATE INDEX loc_temp_idx ON loc (temp);
INSERT INTO loc VALUES ('2024-01-01', 1, 1), ('2024-01-02', 2, 2), ('2024-01-20', 1, 3);
SELECT h.status, d.column_name, d.compress_interval_length FROM _timescaledb_catalog.hypertable h
  JOIN _timescaledb_catalog.dimension d ON d.hypertable_id = h.id WHERE h.table_name = 'loc' ORDER BY d.id;
SELECT count(*) AS chunks, bool_and(status = 0 AND NOT osm_chunk) AS plain,
	   bool_and(creation_time > now() - interval '1 minute' AND creation_time <= clock_timestamp()) AS created_now
  FROM _timescaledb_catalog.chunk;
-- every chunk has a copy of each index of the root, named in chunk_index
SELECT hypertable_index_name, count(*) FROM _timescaledb_catalog.chunk_index GROUP BY 1 ORDER BY 1;
SELECT bool_and(to_regclass(format('%I.%I', c.schema_name, ci.index_name)) IS NOT NULL) AS indexes_exist
  FROM _timescaledb_catalog.chunk_index ci JOIN _timescaledb_catalog.chunk c ON c.id = ci.chunk_id;
ALTER INDEX loc_temp_idx RENAME TO loc_temperature_idx;
SELECT hypertable_index_name, count(*) FROM _timescaledb_catalog.chunk_index GROUP BY 1 ORDER BY 1;
DROP INDEX loc_temperature_idx;
SELECT hypertable_index_name, count(*) FROM _timescaledb_catalog.chunk_index GROUP BY 1 ORDER BY 1;
-- local hypertables: partitions without data nodes
SELECT range_start, data_nodes FROM _timescaledb_catalog.dimension_partition ORDER BY range_start;

CREATE TABLE dist (time timestamptz NOT NULL, device int, temp float);
SELECT hypertable_id FROM create_distributed_hypertable('dist', 'time', 'device', 3,
	replication_factor => 2, data_nodes => '{dn1,dn2}');
SELECT p.range_start, p.data_nodes FROM _timescaledb_catalog.dimension_partition p
  JOIN _timescaledb_catalog.dimension d ON d.id = p.dimension_id
  JOIN _timescaledb_catalog.hypertable h ON h.id = d.hypertable_id
 WHERE h.table_name = 'dist' ORDER BY p.range_start;
INSERT INTO dist SELECT '2024-01-01', d, d FROM generate_series(1, 30) d;
-- the view says where chunks went
SELECT count(*) AS chunks, bool_and(cdn.nodes = (SELECT array_agg(n ORDER BY n) FROM unnest(p.data_nodes) n)) AS placement_matches
  FROM (SELECT c.id, array_agg(cdn.node_name ORDER BY cdn.node_name) AS nodes, min(s.range_start) AS space_start
		  FROM _timescaledb_catalog.chunk c
		  JOIN _timescaledb_catalog.chunk_data_node cdn ON cdn.chunk_id = c.id
		  JOIN _timescaledb_catalog.chunk_constraint cc ON cc.chunk_id = c.id
		  JOIN _timescaledb_catalog.dimension_slice s ON s.id = cc.dimension_slice_id
		  JOIN _timescaledb_catalog.dimension d ON d.id = s.dimension_id AND d.num_slices IS NOT NULL
		  JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id AND h.table_name = 'dist'
		 GROUP BY c.id) cdn
  JOIN _timescaledb_catalog.dimension_partition p ON p.range_start = cdn.space_start
  JOIN _timescaledb_catalog.dimension d ON d.id = p.dimension_id
  JOIN _timescaledb_catalog.hypertable h ON h.id = d.hypertable_id AND h.table_name = 'dist';
-- an unavailable node takes no new chunks: with one node left, replication
-- factor 2 cannot be placed
SELECT node_name, available FROM alter_data_node('dn2', available => false);
SELECT p.range_start, p.data_nodes FROM _timescaledb_catalog.dimension_partition p
  JOIN _timescaledb_catalog.dimension d ON d.id = p.dimension_id
  JOIN _timescaledb_catalog.hypertable h ON h.id = d.hypertable_id
 WHERE h.table_name = 'dist' ORDER BY p.range_start;
SELECT node_name, available FROM alter_data_node('dn2', available => true);
SELECT count(*) AS an_chunk_index_rows FROM _timescaledb_catalog.chunk_index ci
  JOIN _timescaledb_catalog.hypertable h ON h.id = ci.hypertable_id WHERE h.table_name = 'dist';
\c tc_dn1
SELECT count(*) > 0 AS dn_chunk_index_rows FROM _timescaledb_catalog.chunk_index;
\c tc_access
SELECT hypertable_name, chunk_name IS NOT NULL AS named, chunk_creation_time IS NOT NULL AS has_creation_time
  FROM timescaledb_information.chunks GROUP BY 1, 2, 3 ORDER BY 1;

-- ---- freeze_chunk ----------------------------------------------------------------------
SELECT show_chunks('loc', older_than => '2024-01-10'::timestamptz) AS frozen ORDER BY 1 LIMIT 1 \gset
SELECT _timescaledb_functions.freeze_chunk(:'frozen');
SELECT _timescaledb_functions.freeze_chunk(:'frozen');
SELECT status FROM _timescaledb_catalog.chunk WHERE format('%I.%I', schema_name, table_name)::regclass = :'frozen'::regclass;
INSERT INTO loc VALUES ('2024-01-01 01:00', 1, 9);
DELETE FROM loc WHERE time < '2024-01-10';
SELECT count(*) FROM loc;
-- other chunks stay writable
INSERT INTO loc VALUES ('2024-01-20 01:00', 1, 9);
SELECT _timescaledb_internal.unfreeze_chunk(:'frozen');
SELECT status FROM _timescaledb_catalog.chunk WHERE format('%I.%I', schema_name, table_name)::regclass = :'frozen'::regclass;
DELETE FROM loc WHERE time = '2024-01-01' AND device = 1;
SELECT count(*) FROM loc;
SELECT _timescaledb_functions.freeze_chunk('loc');
SELECT show_chunks('dist') AS foreign_chunk LIMIT 1 \gset
SELECT _timescaledb_functions.freeze_chunk(:'foreign_chunk');

-- ---- drop_stale_chunks ------------------------------------------------------------------
SELECT _timescaledb_functions.drop_stale_chunks(NULL);
SELECT _timescaledb_functions.drop_stale_chunks('dn1', '{1}');
-- forget one replica on dn1: the access node no longer places that chunk there
SELECT min(cdn.chunk_id) AS forgotten
  FROM _timescaledb_catalog.chunk_data_node cdn WHERE cdn.node_name = 'dn1' \gset
SELECT c.table_name AS forgotten_table FROM _timescaledb_catalog.chunk c WHERE c.id = :forgotten \gset
DELETE FROM _timescaledb_catalog.chunk_data_node WHERE chunk_id = :forgotten AND node_name = 'dn1';
\c tc_dn1
SELECT count(*) AS dn1_chunks_before FROM show_chunks('dist');
\c tc_access
SELECT _timescaledb_functions.drop_stale_chunks('dn1');
\c tc_dn1
SELECT count(*) AS dn1_chunks_after FROM show_chunks('dist');
SELECT count(*) AS forgotten_gone FROM pg_class WHERE relname = :'forgotten_table';
\c tc_dn2
-- dn2 still has its replica of that chunk
SELECT count(*) AS dn2_keeps_replica FROM pg_class WHERE relname = :'forgotten_table';
\c tc_access
SELECT _timescaledb_functions.drop_stale_chunks('dn2');
\c tc_dn2
SELECT count(*) AS dn2_still_keeps_replica FROM pg_class WHERE relname = :'forgotten_table';

\c postgres
DROP DATABASE tc_access;
DROP DATABASE tc_dn1;
DROP DATABASE tc_dn2;
