-- multinode install script: schemas.  Parts under sql/ are concatenated in name order.
\echo Use "CREATE EXTENSION multinode" to load this file. \quit

CREATE SCHEMA _timescaledb_catalog;
CREATE SCHEMA _timescaledb_internal;
CREATE SCHEMA _timescaledb_functions;
CREATE SCHEMA timescaledb_information;

GRANT USAGE ON SCHEMA _timescaledb_catalog, _timescaledb_internal,
	_timescaledb_functions, timescaledb_information TO PUBLIC;
