-- Node management as TimescaleDB 2.13 does it: re-adding a database that
-- was a data node, nodes that still hold data, a node whose database was
-- dropped, detach on tables of others, ping timeouts, ALTER SERVER.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = notice;
CREATE DATABASE mn_nm_access;
\c mn_nm_access
CREATE EXTENSION multinode;
SELECT node_name, database_created FROM add_data_node('dn1', host => 'localhost', database => 'mn_nm_dn1');
SELECT node_name, database_created FROM add_data_node('dn2', host => 'localhost', database => 'mn_nm_dn2');
SELECT node_name, database_created FROM add_data_node('dn3', host => 'localhost', database => 'mn_nm_dn3');

-- 1. a database that is (or was) a data node is refused, bootstrap or not
SELECT node_name FROM add_data_node('dn1_again', host => 'localhost', database => 'mn_nm_dn1', bootstrap => false);
SELECT node_name FROM add_data_node('dn1_again', host => 'localhost', database => 'mn_nm_dn1');
-- one left claimed by an access node that is gone
CREATE DATABASE mn_nm_old;
\c mn_nm_old
CREATE EXTENSION multinode;
INSERT INTO _timescaledb_catalog.metadata (key, value)
VALUES ('dist_uuid', '00000000-0000-0000-0000-000000000001');
\c mn_nm_access
SELECT node_name FROM add_data_node('old', host => 'localhost', database => 'mn_nm_old', bootstrap => false);
\echo :LAST_ERROR_SQLSTATE
SELECT srvname FROM pg_foreign_server ORDER BY 1;
-- released by hand, the database can join
\c mn_nm_old
DELETE FROM _timescaledb_catalog.metadata WHERE key = 'dist_uuid';
\c mn_nm_access
SELECT node_name, database_created, extension_created
  FROM add_data_node('old', host => 'localhost', database => 'mn_nm_old', bootstrap => false);
SELECT delete_data_node('old', drop_database => true);

-- 2. nodes that hold data
CREATE TABLE rep2 (time timestamptz NOT NULL, device int, v float);
SELECT table_name FROM create_distributed_hypertable('rep2', 'time', 'device', replication_factor => 2,
                                                     data_nodes => '{dn1,dn2,dn3}');
CREATE TABLE single (time timestamptz NOT NULL, device int, v float);
SELECT table_name FROM create_distributed_hypertable('single', 'time', 'device',
                                                     data_nodes => '{dn1,dn2}');
INSERT INTO rep2 SELECT '2020-01-01'::timestamptz + i * interval '1 hour', i % 6, i FROM generate_series(0, 47) i;
INSERT INTO single SELECT '2020-01-01'::timestamptz + i * interval '1 hour', i % 6, i FROM generate_series(0, 47) i;
-- without force: refused
SELECT detach_data_node('dn3', 'rep2');
\echo :LAST_ERROR_SQLSTATE
SELECT delete_data_node('dn3');
-- a node with the only copy of chunks: refused even when forced
SELECT detach_data_node('dn2', 'single', force => true);
\echo :LAST_ERROR_SQLSTATE
SELECT delete_data_node('dn2');
-- forced, with replicas elsewhere: a warning, and the replicas are gone
SELECT detach_data_node('dn3', 'rep2', force => true);
SELECT count(*) AS dn3_replicas FROM _timescaledb_catalog.chunk_data_node WHERE node_name = 'dn3';
SELECT count(*) AS rows_still_there FROM rep2;
-- down to the replication factor: refused without force, a warning with it
CREATE TABLE empty2 (time timestamptz NOT NULL, device int);
SELECT table_name FROM create_distributed_hypertable('empty2', 'time', 'device', replication_factor => 2,
                                                     data_nodes => '{dn1,dn2}');
SELECT detach_data_node('dn2', 'empty2');
\echo :LAST_ERROR_SQLSTATE
SELECT detach_data_node('dn2', 'empty2', force => true);
-- not attached
SELECT detach_data_node('dn3', 'rep2');
\echo :LAST_ERROR_SQLSTATE
SELECT detach_data_node('dn3', 'rep2', if_attached => true);
SELECT * FROM attach_data_node('dn1', 'rep2');
\echo :LAST_ERROR_SQLSTATE
SELECT hypertable_id > 0 AS attached FROM attach_data_node('dn1', 'rep2', if_not_attached => true);

-- 3. a node whose database was dropped behind the access node's back
DROP DATABASE mn_nm_dn3 WITH (FORCE);
SELECT _timescaledb_functions.ping_data_node('dn3') AS dn3_answers;
-- nothing to lose (no chunks, and a dropped database has no prepared
-- transactions): deleted, with warnings that the node could not be reached
\set VERBOSITY terse
SELECT delete_data_node('dn3');
\set VERBOSITY default
SELECT node_name FROM timescaledb_information.data_nodes ORDER BY 1;

-- 4. detach_data_node on hypertables the caller does not own
CREATE TABLE nm_t (time timestamptz NOT NULL, device int);
SELECT table_name FROM create_distributed_hypertable('nm_t', 'time', 'device', data_nodes => '{dn1,dn2}');
CREATE ROLE nm_user;
GRANT USAGE ON FOREIGN DATA WRAPPER timescaledb_fdw TO nm_user;
GRANT USAGE ON FOREIGN SERVER dn1, dn2 TO nm_user;
SET ROLE nm_user;
SELECT detach_data_node('dn1', 'nm_t', drop_remote_data => true);
\echo :LAST_ERROR_SQLSTATE
SELECT detach_data_node('dn1', drop_remote_data => true);
SELECT delete_data_node('dn1');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
\c mn_nm_dn1
SELECT relname FROM pg_class WHERE relname IN ('nm_t', 'rep2', 'single') ORDER BY 1;
\c mn_nm_access
-- the owner may: the node's table goes with it
SELECT detach_data_node('dn1', 'nm_t', drop_remote_data => true);
\c mn_nm_dn1
SELECT relname FROM pg_class WHERE relname IN ('nm_t', 'rep2', 'single') ORDER BY 1;
\c mn_nm_access
SELECT node_name FROM timescaledb_information.data_nodes ORDER BY 1;

-- 5. ping_data_node: no time to answer is no answer
SELECT _timescaledb_functions.ping_data_node('dn1', interval '0s') AS zero_timeout;
SELECT _timescaledb_functions.ping_data_node('dn1', interval '5s') AS five_seconds;
SELECT _timescaledb_functions.ping_data_node('dn1') AS default_timeout;
SELECT _timescaledb_functions.ping_data_node('nosuch');
SELECT _timescaledb_functions.ping_data_node(NULL);

-- 6. ALTER SERVER: no version, no "available" (alter_data_node does that)
ALTER SERVER dn1 VERSION '2.13';
\echo :LAST_ERROR_SQLSTATE
ALTER SERVER dn1 OPTIONS (ADD available 'false');
ALTER SERVER dn1 OPTIONS (ADD fetch_size '100');
SELECT array(SELECT o FROM unnest(srvoptions) o WHERE o NOT LIKE 'port=%') AS options
  FROM pg_foreign_server WHERE srvname = 'dn1';
ALTER SERVER dn1 OPTIONS (DROP fetch_size);

-- cleanup
DROP TABLE rep2;
DROP TABLE single;
DROP TABLE empty2;
DROP TABLE nm_t;
SELECT delete_data_node('dn1', drop_database => true);
SELECT delete_data_node('dn2', drop_database => true);
REVOKE USAGE ON FOREIGN DATA WRAPPER timescaledb_fdw FROM nm_user;
DROP ROLE nm_user;
\c postgres
DROP DATABASE mn_nm_access;
