-- Hypertable lifecycle: chunks and settings.

CREATE FUNCTION show_chunks(relation regclass, older_than "any" = NULL, newer_than "any" = NULL,
							created_before "any" = NULL, created_after "any" = NULL)
RETURNS SETOF regclass
AS 'MODULE_PATHNAME', 'multinode_show_chunks' LANGUAGE C STABLE;

CREATE FUNCTION drop_chunks(relation regclass, older_than "any" = NULL, newer_than "any" = NULL,
							verbose boolean = false, created_before "any" = NULL,
							created_after "any" = NULL)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'multinode_drop_chunks' LANGUAGE C VOLATILE;

CREATE FUNCTION set_chunk_time_interval(hypertable regclass, chunk_time_interval anyelement,
										dimension_name name = NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'multinode_set_chunk_time_interval' LANGUAGE C VOLATILE;

CREATE FUNCTION set_number_partitions(hypertable regclass, number_partitions integer,
									  dimension_name name = NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'multinode_set_number_partitions' LANGUAGE C VOLATILE;

CREATE FUNCTION set_replication_factor(hypertable regclass, replication_factor integer)
RETURNS void
AS 'MODULE_PATHNAME', 'multinode_set_replication_factor' LANGUAGE C VOLATILE;

-- Called by the access node on data nodes (src/hypertable/api.c).
CREATE FUNCTION _timescaledb_functions.drop_member_chunks(hypertable regclass, chunks name[])
RETURNS integer
AS 'MODULE_PATHNAME', 'multinode_drop_member_chunks' LANGUAGE C VOLATILE STRICT;

CREATE FUNCTION _timescaledb_functions.set_member_dimension(hypertable regclass, column_name name,
															interval_length bigint, num_slices smallint)
RETURNS void
AS 'MODULE_PATHNAME', 'multinode_set_member_dimension' LANGUAGE C VOLATILE;

CREATE FUNCTION attach_data_node(node_name name, hypertable regclass,
								 if_not_attached boolean = false, repartition boolean = true)
RETURNS TABLE(hypertable_id integer, node_hypertable_id integer, node_name name)
AS 'MODULE_PATHNAME', 'multinode_attach_data_node' LANGUAGE C VOLATILE;

CREATE FUNCTION detach_data_node(node_name name, hypertable regclass = NULL,
								 if_attached boolean = false, force boolean = false,
								 repartition boolean = true, drop_remote_data boolean = false)
RETURNS integer
AS 'MODULE_PATHNAME', 'multinode_detach_data_node' LANGUAGE C VOLATILE;
