-- Data node management, distributed_exec and node health.

CREATE FUNCTION add_data_node(
	node_name name,
	host text,
	database name = NULL,
	port integer = NULL,
	if_not_exists boolean = false,
	bootstrap boolean = true,
	password text = NULL
) RETURNS TABLE(node_name name, host text, port integer, database name,
				node_created boolean, database_created boolean, extension_created boolean)
AS 'MODULE_PATHNAME', 'multinode_add_data_node'
LANGUAGE C VOLATILE;

CREATE FUNCTION delete_data_node(
	node_name name,
	if_exists boolean = false,
	force boolean = false,
	repartition boolean = true,
	drop_database boolean = false
) RETURNS boolean
AS 'MODULE_PATHNAME', 'multinode_delete_data_node'
LANGUAGE C VOLATILE;

CREATE FUNCTION alter_data_node(
	node_name name,
	host text = NULL,
	database name = NULL,
	port integer = NULL,
	available boolean = NULL
) RETURNS TABLE(node_name name, host text, port integer, database name, available boolean)
AS 'MODULE_PATHNAME', 'multinode_alter_data_node'
LANGUAGE C VOLATILE;

CREATE PROCEDURE distributed_exec(
	query text,
	node_list name[] = NULL,
	transactional boolean = true
)
AS 'MODULE_PATHNAME', 'multinode_distributed_exec'
LANGUAGE C;

CREATE FUNCTION _timescaledb_internal.ping_data_node(node_name name, timeout interval = NULL)
RETURNS boolean
AS 'MODULE_PATHNAME', 'multinode_ping_data_node'
LANGUAGE C VOLATILE;

CREATE FUNCTION _timescaledb_internal.health()
RETURNS TABLE(node_name name, healthy boolean, in_recovery boolean, error text)
AS 'MODULE_PATHNAME', 'multinode_health'
LANGUAGE C VOLATILE;

-- TimescaleDB 2.x moved internals to _timescaledb_functions; both names work.
CREATE FUNCTION _timescaledb_functions.ping_data_node(node_name name, timeout interval = NULL)
RETURNS boolean
AS 'MODULE_PATHNAME', 'multinode_ping_data_node'
LANGUAGE C VOLATILE;

CREATE FUNCTION _timescaledb_functions.health()
RETURNS TABLE(node_name name, healthy boolean, in_recovery boolean, error text)
AS 'MODULE_PATHNAME', 'multinode_health'
LANGUAGE C VOLATILE;

CREATE VIEW timescaledb_information.data_nodes AS
SELECT s.srvname AS node_name,
	   pg_catalog.pg_get_userbyid(s.srvowner) AS owner,
	   s.srvoptions AS options
  FROM pg_catalog.pg_foreign_server s
  JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
 WHERE w.fdwname = 'timescaledb_fdw';

-- The 2.0 beta name used by the scaling-out tutorial.
CREATE VIEW timescaledb_information.data_node AS
SELECT * FROM timescaledb_information.data_nodes;

GRANT SELECT ON timescaledb_information.data_nodes, timescaledb_information.data_node TO PUBLIC;
