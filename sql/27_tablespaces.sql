-- Tablespaces attached to hypertables (TimescaleDB 2.13 names and
-- signatures).  New chunk tables of a hypertable go round-robin over its
-- tablespaces by space slice (time slice without a space dimension); see
-- src/hypertable/tablespace.c.

-- _timescaledb_catalog.tablespace is in 20_hypertable_catalog.sql (the
-- hypertables view reads it).

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
