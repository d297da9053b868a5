-- Sizes of hypertables and chunks.  Data nodes are asked once each, in
-- parallel (src/dist/size.c); an unreachable node gives NULL sizes and a
-- warning.

CREATE FUNCTION _timescaledb_functions.relation_size(relation regclass)
RETURNS TABLE (table_bytes bigint, index_bytes bigint, toast_bytes bigint, total_bytes bigint)
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp AS $$
SELECT s.t, s.i, s.tot - s.t - s.i, s.tot
  FROM (SELECT pg_catalog.pg_relation_size(relation, 'main') + pg_catalog.pg_relation_size(relation, 'fsm')
			   + pg_catalog.pg_relation_size(relation, 'vm') + pg_catalog.pg_relation_size(relation, 'init') AS t,
			   pg_catalog.pg_indexes_size(relation) AS i,
			   pg_catalog.pg_total_relation_size(relation) AS tot) s
$$;

-- The chunks of a hypertable stored in this database (not foreign tables).
CREATE FUNCTION _timescaledb_functions.local_chunk_sizes(hypertable regclass)
RETURNS TABLE (chunk_schema name, chunk_name name, table_bytes bigint, index_bytes bigint,
			   toast_bytes bigint, total_bytes bigint)
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp AS $$
SELECT ch.schema_name, ch.table_name, s.table_bytes, s.index_bytes, s.toast_bytes, s.total_bytes
  FROM pg_catalog.pg_class r
  JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
  JOIN _timescaledb_catalog.hypertable h ON h.schema_name = rn.nspname AND h.table_name = r.relname
  JOIN _timescaledb_catalog.chunk ch ON ch.hypertable_id = h.id AND NOT ch.dropped
  JOIN pg_catalog.pg_namespace cn ON cn.nspname = ch.schema_name
  JOIN pg_catalog.pg_class c ON c.relnamespace = cn.oid AND c.relname = ch.table_name
  CROSS JOIN LATERAL _timescaledb_functions.relation_size(c.oid) s
 WHERE r.oid = hypertable AND c.relkind = 'r'
 ORDER BY ch.id
$$;

-- The root and its local chunks, summed.
CREATE FUNCTION _timescaledb_functions.local_hypertable_size(hypertable regclass)
RETURNS TABLE (table_bytes bigint, index_bytes bigint, toast_bytes bigint, total_bytes bigint)
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp AS $$
SELECT r.table_bytes + COALESCE(pg_catalog.sum(c.table_bytes), 0)::bigint,
	   r.index_bytes + COALESCE(pg_catalog.sum(c.index_bytes), 0)::bigint,
	   r.toast_bytes + COALESCE(pg_catalog.sum(c.toast_bytes), 0)::bigint,
	   r.total_bytes + COALESCE(pg_catalog.sum(c.total_bytes), 0)::bigint
  FROM _timescaledb_functions.relation_size(hypertable) r
  LEFT JOIN _timescaledb_functions.local_chunk_sizes(hypertable) c ON true
 GROUP BY r.table_bytes, r.index_bytes, r.toast_bytes, r.total_bytes
$$;

CREATE FUNCTION _timescaledb_functions.data_node_hypertable_sizes(hypertable regclass)
RETURNS TABLE (node_name name, table_bytes bigint, index_bytes bigint, toast_bytes bigint,
			   total_bytes bigint)
AS 'MODULE_PATHNAME', 'multinode_data_node_hypertable_sizes' LANGUAGE C VOLATILE STRICT;

CREATE FUNCTION _timescaledb_functions.data_node_chunk_sizes(hypertable regclass)
RETURNS TABLE (node_name name, chunk_schema name, chunk_name name, table_bytes bigint,
			   index_bytes bigint, toast_bytes bigint, total_bytes bigint)
AS 'MODULE_PATHNAME', 'multinode_data_node_chunk_sizes' LANGUAGE C VOLATILE STRICT;

-- One row per data node (by name), then the access node's own (node_name NULL).
CREATE FUNCTION hypertable_detailed_size(hypertable regclass)
RETURNS TABLE (table_bytes bigint, index_bytes bigint, toast_bytes bigint, total_bytes bigint,
			   node_name name)
LANGUAGE sql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp AS $$
SELECT d.table_bytes, d.index_bytes, d.toast_bytes, d.total_bytes, d.node_name
  FROM (SELECT * FROM _timescaledb_functions.data_node_hypertable_sizes(hypertable)
		 ORDER BY node_name) d
UNION ALL
SELECT l.table_bytes, l.index_bytes, l.toast_bytes, l.total_bytes, NULL::name
  FROM _timescaledb_functions.local_hypertable_size(hypertable) l
$$;

CREATE FUNCTION hypertable_size(hypertable regclass) RETURNS bigint
LANGUAGE sql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp AS $$
SELECT pg_catalog.sum(total_bytes)::bigint FROM @extschema@.hypertable_detailed_size(hypertable)
$$;

-- Per chunk; for distributed hypertables one row per replica (node_name).
CREATE FUNCTION chunks_detailed_size(hypertable regclass)
RETURNS TABLE (chunk_schema name, chunk_name name, table_bytes bigint, index_bytes bigint,
			   toast_bytes bigint, total_bytes bigint, node_name name)
LANGUAGE sql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp AS $$
WITH remote AS MATERIALIZED (
	SELECT * FROM _timescaledb_functions.data_node_chunk_sizes(hypertable)
), ht AS (
	SELECT h.* FROM _timescaledb_catalog.hypertable h
	  JOIN pg_catalog.pg_class r ON r.relname = h.table_name
	  JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace AND rn.nspname = h.schema_name
	 WHERE r.oid = hypertable
)
SELECT c.schema_name, c.table_name, s.table_bytes, s.index_bytes, s.toast_bytes, s.total_bytes,
	   cdn.node_name
  FROM ht
  JOIN _timescaledb_catalog.chunk c ON c.hypertable_id = ht.id AND NOT c.dropped
  JOIN _timescaledb_catalog.chunk_data_node cdn ON cdn.chunk_id = c.id
  LEFT JOIN remote s ON s.node_name = cdn.node_name AND s.chunk_schema = c.schema_name
					AND s.chunk_name = c.table_name
 WHERE ht.replication_factor > 0
UNION ALL
SELECT l.chunk_schema, l.chunk_name, l.table_bytes, l.index_bytes, l.toast_bytes, l.total_bytes,
	   NULL::name
  FROM _timescaledb_functions.local_chunk_sizes(hypertable) l
 ORDER BY 2, 7
$$;

-- The 2.0 beta's per-node report, used by the scaling-out tutorial.
CREATE FUNCTION hypertable_data_node_relation_size(main_table regclass)
RETURNS TABLE (node_name name, num_chunks bigint, table_size bigint, index_size bigint,
			   toast_size bigint, total_size bigint)
LANGUAGE sql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp AS $$
SELECT node_name, pg_catalog.count(chunk_name), pg_catalog.sum(table_bytes)::bigint,
	   pg_catalog.sum(index_bytes)::bigint, pg_catalog.sum(toast_bytes)::bigint,
	   pg_catalog.sum(total_bytes)::bigint
  FROM _timescaledb_functions.data_node_chunk_sizes(main_table)
 GROUP BY node_name ORDER BY node_name
$$;

-- The 2.0 beta name of the hypertables view, as the scaling-out tutorial prints it.
CREATE VIEW timescaledb_information.hypertable AS
SELECT h.hypertable_schema AS table_schema,
	   h.hypertable_name AS table_name,
	   h.owner AS table_owner,
	   h.num_dimensions,
	   h.num_chunks,
	   pg_catalog.pg_size_pretty(s.table_bytes) AS table_size,
	   pg_catalog.pg_size_pretty(s.index_bytes) AS index_size,
	   pg_catalog.pg_size_pretty(s.toast_bytes) AS toast_size,
	   pg_catalog.pg_size_pretty(s.total_bytes) AS total_size,
	   h.is_distributed AS distributed,
	   h.replication_factor,
	   h.data_nodes
  FROM timescaledb_information.hypertables h
  CROSS JOIN LATERAL (
	SELECT pg_catalog.sum(d.table_bytes)::bigint AS table_bytes,
		   pg_catalog.sum(d.index_bytes)::bigint AS index_bytes,
		   pg_catalog.sum(d.toast_bytes)::bigint AS toast_bytes,
		   pg_catalog.sum(d.total_bytes)::bigint AS total_bytes
	  FROM @extschema@.hypertable_detailed_size(
			 pg_catalog.format('%I.%I', h.hypertable_schema, h.hypertable_name)::regclass) d) s;

GRANT SELECT ON timescaledb_information.hypertable TO PUBLIC;
