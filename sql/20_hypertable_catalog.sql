-- Hypertable catalog (TimescaleDB 2.x names).  The C caches in src/catalog/
-- read these tables on a miss only; every change made here by multinode's own
-- functions is followed by a relcache invalidation of the hypertable's root,
-- which is what drops the cached copies in every backend.
--
-- Time values are "internal time": microseconds since 1970-01-01 UTC for
-- timestamptz, timestamp and date (midnight), the value itself for smallint,
-- integer and bigint.  Slices are half-open [range_start, range_end).

CREATE TABLE _timescaledb_catalog.hypertable (
	id serial PRIMARY KEY,
	schema_name name NOT NULL,
	table_name name NOT NULL,
	associated_schema_name name NOT NULL,
	associated_table_prefix name NOT NULL,
	num_dimensions smallint NOT NULL,
	chunk_sizing_func_schema name NOT NULL,
	chunk_sizing_func_name name NOT NULL,
	chunk_target_size bigint NOT NULL CHECK (chunk_target_size >= 0),
	compression_state smallint NOT NULL DEFAULT 0,
	compressed_hypertable_id integer NULL,
	-- NULL: local hypertable; >= 1: distributed (access node);
	-- -1: member of a distributed hypertable (data node)
	replication_factor smallint NULL CHECK (replication_factor > 0 OR replication_factor = -1),
	-- TimescaleDB 2.13's flags word; no flag is ever set by multinode
	status integer NOT NULL DEFAULT 0,
	UNIQUE (schema_name, table_name)
);

CREATE TABLE _timescaledb_catalog.dimension (
	id serial PRIMARY KEY,
	hypertable_id integer NOT NULL REFERENCES _timescaledb_catalog.hypertable (id) ON DELETE CASCADE,
	column_name name NOT NULL,
	column_type regtype NOT NULL,
	aligned boolean NOT NULL,
	-- space dimensions
	num_slices smallint NULL CHECK (num_slices > 0),
	partitioning_func_schema name NULL,
	partitioning_func name NULL,
	-- time dimensions
	interval_length bigint NULL CHECK (interval_length > 0),
	integer_now_func_schema name NULL,
	integer_now_func name NULL,
	-- compression is not implemented: always NULL, here for 2.13's shape
	compress_interval_length bigint NULL CHECK (compress_interval_length > 0),
	UNIQUE (hypertable_id, column_name),
	CHECK ((num_slices IS NULL) <> (interval_length IS NULL))
);

CREATE TABLE _timescaledb_catalog.dimension_slice (
	id serial PRIMARY KEY,
	dimension_id integer NOT NULL REFERENCES _timescaledb_catalog.dimension (id) ON DELETE CASCADE,
	range_start bigint NOT NULL,
	range_end bigint NOT NULL,
	CHECK (range_start <= range_end),
	UNIQUE (dimension_id, range_start, range_end)
);

CREATE TABLE _timescaledb_catalog.chunk (
	id serial PRIMARY KEY,
	hypertable_id integer NOT NULL REFERENCES _timescaledb_catalog.hypertable (id) ON DELETE CASCADE,
	schema_name name NOT NULL,
	table_name name NOT NULL,
	compressed_chunk_id integer NULL REFERENCES _timescaledb_catalog.chunk (id),
	dropped boolean NOT NULL DEFAULT false,
	status integer NOT NULL DEFAULT 0,
	osm_chunk boolean NOT NULL DEFAULT false,
	-- what show_chunks/drop_chunks select on with created_before/created_after
	creation_time timestamptz NOT NULL DEFAULT pg_catalog.now(),
	UNIQUE (schema_name, table_name)
);
CREATE INDEX chunk_hypertable_id_idx ON _timescaledb_catalog.chunk (hypertable_id);

CREATE TABLE _timescaledb_catalog.chunk_constraint (
	chunk_id integer NOT NULL REFERENCES _timescaledb_catalog.chunk (id) ON DELETE CASCADE,
	dimension_slice_id integer NULL REFERENCES _timescaledb_catalog.dimension_slice (id),
	constraint_name name NOT NULL,
	hypertable_constraint_name name NULL,
	UNIQUE (chunk_id, constraint_name)
);
CREATE INDEX chunk_constraint_dimension_slice_id_idx
	ON _timescaledb_catalog.chunk_constraint (dimension_slice_id);

CREATE TABLE _timescaledb_catalog.chunk_data_node (
	chunk_id integer NOT NULL REFERENCES _timescaledb_catalog.chunk (id) ON DELETE CASCADE,
	node_chunk_id integer NOT NULL,
	node_name name NOT NULL,
	PRIMARY KEY (chunk_id, node_name)
);
CREATE INDEX chunk_data_node_node_name_idx ON _timescaledb_catalog.chunk_data_node (node_name);

CREATE TABLE _timescaledb_catalog.hypertable_data_node (
	hypertable_id integer NOT NULL REFERENCES _timescaledb_catalog.hypertable (id) ON DELETE CASCADE,
	node_hypertable_id integer NULL,
	node_name name NOT NULL,
	block_chunks boolean NOT NULL DEFAULT false,
	PRIMARY KEY (hypertable_id, node_name)
);

-- A replica that missed writes while its data node was unreachable: a row
-- here means the copy of chunk_id on node_name is behind its other replicas.
-- Reads never use it and the repair job brings it back in sync.  A table of
-- its own keeps chunk_data_node shaped as TimescaleDB 2.13's.
CREATE TABLE _timescaledb_catalog.chunk_replica_stale (
	chunk_id integer NOT NULL REFERENCES _timescaledb_catalog.chunk (id) ON DELETE CASCADE,
	node_name name NOT NULL,
	stale_since timestamptz NOT NULL DEFAULT pg_catalog.now(),
	PRIMARY KEY (chunk_id, node_name)
);

-- Tablespaces attached to hypertables (attach_tablespace, sql/27_tablespaces.sql).
CREATE TABLE _timescaledb_catalog.tablespace (
	id serial PRIMARY KEY,
	hypertable_id integer NOT NULL REFERENCES _timescaledb_catalog.hypertable (id) ON DELETE CASCADE,
	tablespace_name name NOT NULL,
	UNIQUE (hypertable_id, tablespace_name)
);
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.tablespace', '');
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.tablespace_id_seq', '');
GRANT SELECT ON _timescaledb_catalog.tablespace TO PUBLIC;

-- Keep the catalog in pg_dump output of the extension's database.
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.hypertable', '');
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.hypertable_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.dimension', '');
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.dimension_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.dimension_slice', '');
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.dimension_slice_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.chunk', '');
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.chunk_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.chunk_constraint', '');
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.chunk_data_node', '');
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.hypertable_data_node', '');
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.chunk_replica_stale', '');

-- Anyone may read the catalog (the information views are built on it); only
-- multinode's functions, running as the caller, write it, so writing is
-- granted too: the functions check ownership of the hypertable first.
GRANT SELECT ON _timescaledb_catalog.hypertable, _timescaledb_catalog.dimension,
	_timescaledb_catalog.dimension_slice, _timescaledb_catalog.chunk,
	_timescaledb_catalog.chunk_constraint, _timescaledb_catalog.chunk_data_node,
	_timescaledb_catalog.hypertable_data_node, _timescaledb_catalog.chunk_replica_stale TO PUBLIC;
