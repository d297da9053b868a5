-- The foreign-data wrapper whose servers are the data nodes.
CREATE FUNCTION _timescaledb_internal.timescaledb_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME', 'multinode_fdw_handler'
LANGUAGE C STRICT;

CREATE FUNCTION _timescaledb_internal.timescaledb_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME', 'multinode_fdw_validator'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER timescaledb_fdw
	HANDLER _timescaledb_internal.timescaledb_fdw_handler
	VALIDATOR _timescaledb_internal.timescaledb_fdw_validator;
