-- A data node down: which nodes reads and writes avoid right now, where new
-- chunks may go, and consistent restore points across the cluster.

-- Data nodes found unreachable within multinode.node_suspect_interval.
CREATE FUNCTION _timescaledb_internal.data_node_suspects()
RETURNS TABLE(node_name name, suspect_since timestamptz, suspect_until timestamptz, last_error text)
AS 'MODULE_PATHNAME', 'multinode_data_node_suspects'
LANGUAGE C VOLATILE;

CREATE FUNCTION _timescaledb_functions.data_node_suspects()
RETURNS TABLE(node_name name, suspect_since timestamptz, suspect_until timestamptz, last_error text)
AS 'MODULE_PATHNAME', 'multinode_data_node_suspects'
LANGUAGE C VOLATILE;

-- TimescaleDB 2.13's experimental functions (the schema may also be made by
-- other parts of the install script).
CREATE SCHEMA IF NOT EXISTS timescaledb_experimental;
GRANT USAGE ON SCHEMA timescaledb_experimental TO PUBLIC;

CREATE FUNCTION timescaledb_experimental.block_new_chunks(data_node_name name,
		hypertable regclass = NULL, force boolean = false)
RETURNS integer
AS 'MODULE_PATHNAME', 'multinode_block_new_chunks' LANGUAGE C VOLATILE;

CREATE FUNCTION timescaledb_experimental.allow_new_chunks(data_node_name name,
		hypertable regclass = NULL)
RETURNS integer
AS 'MODULE_PATHNAME', 'multinode_allow_new_chunks' LANGUAGE C VOLATILE;

CREATE FUNCTION create_distributed_restore_point(name text)
RETURNS TABLE(node_name name, node_type text, restore_point pg_lsn)
AS 'MODULE_PATHNAME', 'multinode_create_distributed_restore_point'
LANGUAGE C VOLATILE STRICT;
