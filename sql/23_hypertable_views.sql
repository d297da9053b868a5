-- Information views on hypertables, their chunks and dimensions.

-- Internal time back to a value for reports: -infinity/infinity for the
-- open ends of the outermost slices.
CREATE FUNCTION _timescaledb_functions.to_timestamp(internal_time bigint) RETURNS timestamptz
AS 'MODULE_PATHNAME', 'multinode_internal_to_timestamp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE VIEW timescaledb_information.hypertables AS
SELECT h.schema_name AS hypertable_schema,
	   h.table_name AS hypertable_name,
	   pg_catalog.pg_get_userbyid(c.relowner) AS owner,
	   h.num_dimensions,
	   (SELECT pg_catalog.count(*) FROM _timescaledb_catalog.chunk ch
		 WHERE ch.hypertable_id = h.id AND NOT ch.dropped) AS num_chunks,
	   h.compression_state = 1 AS compression_enabled,
	   h.replication_factor > 0 AS is_distributed,
	   CASE WHEN h.replication_factor > 0 THEN h.replication_factor END AS replication_factor,
	   CASE WHEN h.replication_factor > 0 THEN
		   (SELECT pg_catalog.array_agg(hdn.node_name ORDER BY hdn.node_name)
			  FROM _timescaledb_catalog.hypertable_data_node hdn
			 WHERE hdn.hypertable_id = h.id) END AS data_nodes,
	   (SELECT pg_catalog.array_agg(ts.tablespace_name ORDER BY ts.id)
		  FROM _timescaledb_catalog.tablespace ts
		 WHERE ts.hypertable_id = h.id) AS tablespaces
  FROM _timescaledb_catalog.hypertable h
  JOIN pg_catalog.pg_namespace n ON n.nspname = h.schema_name
  JOIN pg_catalog.pg_class c ON c.relname = h.table_name AND c.relnamespace = n.oid
 WHERE h.compression_state <> 2;

CREATE VIEW timescaledb_information.dimensions AS
SELECT h.schema_name AS hypertable_schema,
	   h.table_name AS hypertable_name,
	   pg_catalog.row_number() OVER (PARTITION BY h.id ORDER BY d.interval_length IS NULL, d.id)
		   AS dimension_number,
	   d.column_name,
	   d.column_type,
	   CASE WHEN d.interval_length IS NULL THEN 'Space' ELSE 'Time' END AS dimension_type,
	   CASE WHEN d.interval_length IS NOT NULL
			 AND d.column_type IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype)
			THEN d.interval_length * '1 microsecond'::interval END AS time_interval,
	   CASE WHEN d.interval_length IS NOT NULL
			 AND d.column_type NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype)
			THEN d.interval_length END AS integer_interval,
	   d.integer_now_func,
	   d.num_slices AS num_partitions
  FROM _timescaledb_catalog.hypertable h
  JOIN _timescaledb_catalog.dimension d ON d.hypertable_id = h.id;

CREATE VIEW timescaledb_information.chunks AS
SELECT h.schema_name AS hypertable_schema,
	   h.table_name AS hypertable_name,
	   c.schema_name AS chunk_schema,
	   c.table_name AS chunk_name,
	   d.column_name AS primary_dimension,
	   d.column_type AS primary_dimension_type,
	   CASE WHEN d.column_type IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype)
			THEN _timescaledb_functions.to_timestamp(s.range_start) END AS range_start,
	   CASE WHEN d.column_type IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype)
			THEN _timescaledb_functions.to_timestamp(s.range_end) END AS range_end,
	   CASE WHEN d.column_type NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype)
			THEN s.range_start END AS range_start_integer,
	   CASE WHEN d.column_type NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype)
			THEN s.range_end END AS range_end_integer,
	   c.compressed_chunk_id IS NOT NULL AS is_compressed,
	   (SELECT t.spcname FROM pg_catalog.pg_class cl
		  JOIN pg_catalog.pg_namespace n ON n.oid = cl.relnamespace
		  JOIN pg_catalog.pg_tablespace t ON t.oid = cl.reltablespace
		 WHERE n.nspname = c.schema_name AND cl.relname = c.table_name) AS chunk_tablespace,
	   CASE WHEN h.replication_factor > 0 THEN
		   (SELECT pg_catalog.array_agg(cdn.node_name ORDER BY cdn.node_name)
			  FROM _timescaledb_catalog.chunk_data_node cdn WHERE cdn.chunk_id = c.id) END AS data_nodes,
	   c.creation_time AS chunk_creation_time
  FROM _timescaledb_catalog.chunk c
  JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id
  JOIN LATERAL (SELECT dd.* FROM _timescaledb_catalog.dimension dd
				 WHERE dd.hypertable_id = h.id AND dd.interval_length IS NOT NULL
				 ORDER BY dd.id LIMIT 1) d ON true
  JOIN _timescaledb_catalog.chunk_constraint cc ON cc.chunk_id = c.id
  JOIN _timescaledb_catalog.dimension_slice s ON s.id = cc.dimension_slice_id AND s.dimension_id = d.id
 WHERE NOT c.dropped;

GRANT SELECT ON timescaledb_information.hypertables, timescaledb_information.dimensions,
	timescaledb_information.chunks TO PUBLIC;
