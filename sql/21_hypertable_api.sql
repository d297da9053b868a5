-- Hypertables: creation, partitioning helpers and chunk creation on data nodes.

-- Adaptive chunk sizing is not implemented; the function exists because
-- create_hypertable's chunk_sizing_func argument names it by default.
CREATE FUNCTION _timescaledb_internal.calculate_chunk_interval(
	dimension_id integer,
	dimension_coord bigint,
	chunk_target_size bigint
) RETURNS bigint
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$ SELECT -1::bigint $$;

-- The default space partitioning function: the type's default hash, masked
-- to 31 bits.  The same on every node, which is what keeps routing stable.
CREATE FUNCTION _timescaledb_functions.get_partition_hash(val anyelement)
RETURNS integer
AS 'MODULE_PATHNAME', 'multinode_get_partition_hash'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION _timescaledb_internal.get_partition_hash(val anyelement)
RETURNS integer
AS 'MODULE_PATHNAME', 'multinode_get_partition_hash'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION create_hypertable(
	relation regclass,
	time_column_name name,
	partitioning_column name = NULL,
	number_partitions integer = NULL,
	associated_schema_name name = NULL,
	associated_table_prefix name = NULL,
	chunk_time_interval anyelement = NULL::bigint,
	create_default_indexes boolean = true,
	if_not_exists boolean = false,
	partitioning_func regproc = NULL,
	migrate_data boolean = false,
	chunk_target_size text = NULL,
	chunk_sizing_func regproc = '_timescaledb_internal.calculate_chunk_interval'::regproc,
	time_partitioning_func regproc = NULL,
	replication_factor integer = NULL,
	data_nodes name[] = NULL,
	distributed boolean = NULL
) RETURNS TABLE(hypertable_id integer, schema_name name, table_name name, created boolean)
AS 'MODULE_PATHNAME', 'multinode_create_hypertable'
LANGUAGE C VOLATILE;

CREATE FUNCTION create_distributed_hypertable(
	relation regclass,
	time_column_name name,
	partitioning_column name = NULL,
	number_partitions integer = NULL,
	associated_schema_name name = NULL,
	associated_table_prefix name = NULL,
	chunk_time_interval anyelement = NULL::bigint,
	create_default_indexes boolean = true,
	if_not_exists boolean = false,
	partitioning_func regproc = NULL,
	migrate_data boolean = false,
	chunk_target_size text = NULL,
	chunk_sizing_func regproc = '_timescaledb_internal.calculate_chunk_interval'::regproc,
	time_partitioning_func regproc = NULL,
	replication_factor integer = 1,
	data_nodes name[] = NULL
) RETURNS TABLE(hypertable_id integer, schema_name name, table_name name, created boolean)
AS 'MODULE_PATHNAME', 'multinode_create_distributed_hypertable'
LANGUAGE C VOLATILE;

-- Called by the access node on a data node (see src/hypertable/create.c).
CREATE FUNCTION _timescaledb_functions.create_member_hypertable(
	relation regclass,
	time_column_name name,
	partitioning_column name,
	number_partitions integer,
	associated_schema_name name,
	associated_table_prefix name,
	chunk_time_interval bigint,
	create_default_indexes boolean,
	partitioning_func regproc,
	time_partitioning_func regproc
) RETURNS integer
AS 'MODULE_PATHNAME', 'multinode_create_member_hypertable'
LANGUAGE C VOLATILE;

-- Called by the access node on a data node (see src/hypertable/chunk.c):
-- the chunk of a member hypertable with the given table name and ranges,
-- one [start, end) pair per dimension in the hypertable's dimension order.
CREATE FUNCTION _timescaledb_functions.create_member_chunk(
	hypertable regclass,
	schema_name name,
	table_name name,
	ranges bigint[]
) RETURNS integer
AS 'MODULE_PATHNAME', 'multinode_create_member_chunk'
LANGUAGE C VOLATILE;
