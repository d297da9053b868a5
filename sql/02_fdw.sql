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

-- The session's TimeZone as date_trunc's zone argument on a data node: the
-- access node sends date_trunc(unit, ts) on timestamptz as date_trunc(unit,
-- ts, $n) with this evaluated here (src/fdw/shippable.c); an error when the
-- zone's name would mean something else there (an abbreviation).
CREATE FUNCTION _timescaledb_internal.node_timezone()
RETURNS text
AS 'MODULE_PATHNAME', 'multinode_node_timezone'
LANGUAGE C STABLE PARALLEL SAFE;

-- What a data node runs for date_trunc(unit, ts, zone) on timestamptz sent by
-- the access node (src/fdw/node_date_trunc.c): the same answer, with the unit
-- and zone read once per query instead of once per row.
CREATE FUNCTION _timescaledb_internal.date_trunc_node(unit text, ts timestamptz, zone text)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'multinode_date_trunc_node'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
