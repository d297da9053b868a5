-- Tablespaces attached to hypertables (TimescaleDB 2.13 names and
-- signatures).  New chunk tables of a hypertable go round-robin over its
-- tablespaces by space slice (time slice without a space dimension); see
-- src/hypertable/tablespace.c.

CREATE TABLE _timescaledb_catalog.tablespace (
	id serial PRIMARY KEY,
	hypertable_id integer NOT NULL REFERENCES _timescaledb_catalog.hypertable (id) ON DELETE CASCADE,
	tablespace_name name NOT NULL,
	UNIQUE (hypertable_id, tablespace_name)
);
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.tablespace', '');
SELECT pg_catalog.pg_extension_config_dump('_timescaledb_catalog.tablespace_id_seq', '');
GRANT SELECT ON _timescaledb_catalog.tablespace TO PUBLIC;

CREATE FUNCTION attach_tablespace(tablespace name, hypertable regclass,
								  if_not_attached boolean = false)
RETURNS void
AS 'MODULE_PATHNAME', 'multinode_attach_tablespace' LANGUAGE C VOLATILE;

CREATE FUNCTION detach_tablespace(tablespace name, hypertable regclass = NULL,
								  if_attached boolean = false)
RETURNS integer
AS 'MODULE_PATHNAME', 'multinode_detach_tablespace' LANGUAGE C VOLATILE;

CREATE FUNCTION detach_tablespaces(hypertable regclass)
RETURNS integer
AS 'MODULE_PATHNAME', 'multinode_detach_tablespaces' LANGUAGE C VOLATILE;

CREATE FUNCTION show_tablespaces(hypertable regclass)
RETURNS SETOF name
AS 'MODULE_PATHNAME', 'multinode_show_tablespaces' LANGUAGE C STABLE;
