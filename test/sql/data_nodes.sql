-- Data nodes: add, alter, delete, distributed_exec, health.  The data nodes
-- are other databases of this instance, reached over TCP on localhost.
\set VERBOSITY default
SET client_min_messages = notice;
CREATE DATABASE mn_access;
\c mn_access
CREATE EXTENSION multinode;

SELECT node_name, host, database, node_created, database_created, extension_created
  FROM add_data_node('dn1', host => 'localhost', database => 'mn_dn1');
SELECT node_name, database, node_created, database_created, extension_created
  FROM add_data_node('dn2', host => 'localhost', database => 'mn_dn2');

-- the access node is now clustered: dist_uuid is its own uuid
SELECT count(*) AS has_dist_uuid,
       bool_and(value = (SELECT value FROM _timescaledb_catalog.metadata WHERE key = 'uuid')) AS is_own
  FROM _timescaledb_catalog.metadata WHERE key = 'dist_uuid';
SELECT node_name, owner,
       array(SELECT o FROM unnest(options) o WHERE o NOT LIKE 'port=%') AS options
  FROM timescaledb_information.data_nodes ORDER BY node_name;
SELECT node_name FROM timescaledb_information.data_node ORDER BY 1;
SELECT srvname, fdwname FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = srvfdw ORDER BY 1;

-- duplicates
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'mn_dn1');
SELECT node_name, node_created FROM add_data_node('dn1', host => 'localhost', database => 'mn_dn1', if_not_exists => true);
-- the same database under a second name
SELECT node_name FROM add_data_node('dn1_again', host => 'localhost', database => 'mn_dn1');
-- this database itself
SELECT node_name FROM add_data_node('myself', host => 'localhost', database => 'mn_access');

-- bad arguments
SELECT add_data_node(NULL, host => 'localhost');
SELECT add_data_node('x', host => NULL);
SELECT add_data_node('x', host => 'localhost', port => 0);
SELECT add_data_node('x', host => 'localhost', port => 70000);
BEGIN;
SELECT add_data_node('x', host => 'localhost', database => 'mn_x');
ROLLBACK;
-- unreachable: fails fast, naming host and port
SELECT add_data_node('nowhere', host => '127.0.0.1', port => 1);
-- bootstrap => false needs database and extension
\set VERBOSITY terse
SELECT add_data_node('nodb', host => 'localhost', database => 'mn_missing', bootstrap => false);
\set VERBOSITY default
CREATE DATABASE mn_noext;
SELECT add_data_node('noext', host => 'localhost', database => 'mn_noext', bootstrap => false);
-- nothing was left behind by the failures
SELECT srvname FROM pg_foreign_server ORDER BY 1;
SELECT datname FROM pg_database WHERE datname LIKE 'mn\_%' ORDER BY 1;

-- identifiers that need quoting go through intact, and nothing executes
SELECT node_name, database, database_created
  FROM add_data_node('dn "odd"; DROP', host => 'localhost',
                     database => 'mn_q''; DROP DATABASE mn_noext; --');
SELECT datname FROM pg_database WHERE datname LIKE 'mn\_%' ORDER BY 1;
SELECT delete_data_node('dn "odd"; DROP', drop_database => true);
SELECT datname FROM pg_database WHERE datname LIKE 'mn\_%' ORDER BY 1;

-- data nodes are not dropped or made by hand
DROP SERVER dn1;
DROP SERVER IF EXISTS dn1, dn2 CASCADE;

-- distributed_exec: all nodes, or a list
CALL distributed_exec($$ CREATE TABLE everywhere (a int) $$);
CALL distributed_exec(query => 'CREATE TABLE only_dn1 (a int)', node_list => '{dn1}');
\c mn_dn1
SELECT relname FROM pg_class WHERE relname IN ('everywhere', 'only_dn1') ORDER BY 1;
\c mn_dn2
SELECT relname FROM pg_class WHERE relname IN ('everywhere', 'only_dn1') ORDER BY 1;
\c mn_access

-- remote errors carry the node's name and SQLSTATE
CALL distributed_exec('SELECT 1/0', '{dn2}');
\echo :LAST_ERROR_SQLSTATE
-- an error on one node rolls back every node
CALL distributed_exec($$ CREATE TABLE only_dn1 (a int) $$);
\c mn_dn2
SELECT count(*) AS only_dn1_on_dn2 FROM pg_class WHERE relname = 'only_dn1';
\c mn_access
-- the transaction decides: rollback
BEGIN;
CALL distributed_exec($$ INSERT INTO everywhere VALUES (1) $$);
ROLLBACK;
-- savepoints are mirrored
BEGIN;
CALL distributed_exec($$ INSERT INTO everywhere VALUES (2) $$);
SAVEPOINT s;
CALL distributed_exec($$ INSERT INTO everywhere VALUES (3) $$);
ROLLBACK TO SAVEPOINT s;
CALL distributed_exec($$ INSERT INTO everywhere VALUES (4) $$);
COMMIT;
\c mn_dn1
SELECT a FROM everywhere ORDER BY a;
\c mn_access
-- a caught error in a subtransaction does not poison the rest
DO $$
BEGIN
  BEGIN
    CALL distributed_exec('INSERT INTO everywhere VALUES (5); SELECT 1/0');
  EXCEPTION WHEN division_by_zero THEN
    RAISE NOTICE 'caught';
  END;
  CALL distributed_exec('INSERT INTO everywhere VALUES (6)');
END $$;
\c mn_dn2
SELECT a FROM everywhere ORDER BY a;
\c mn_access
-- the caller's search_path applies to the text
CREATE SCHEMA app;
CALL distributed_exec('CREATE SCHEMA app');
SET search_path = app, public;
CALL distributed_exec('CREATE TABLE in_app (a int)');
RESET search_path;
\c mn_dn1
SELECT schemaname FROM pg_tables WHERE tablename = 'in_app';
\c mn_access

-- non-transactional: not inside a transaction block
CALL distributed_exec('VACUUM everywhere', transactional => false);
BEGIN;
CALL distributed_exec('VACUUM everywhere', transactional => false);
ROLLBACK;

-- invalid node lists
CALL distributed_exec('SELECT 1', '{}');
CALL distributed_exec('SELECT 1', '{dn1,NULL}');
CALL distributed_exec('SELECT 1', '{{dn1},{dn2}}');
CALL distributed_exec('SELECT 1', '{dn3}');
CALL distributed_exec(NULL);

-- a client cannot PREPARE a transaction that used data nodes
BEGIN;
CALL distributed_exec('SELECT 1');
PREPARE TRANSACTION 'mine';

-- health and ping
SELECT node_name, healthy, in_recovery, error FROM _timescaledb_internal.health() ORDER BY node_name NULLS FIRST;
SELECT _timescaledb_internal.ping_data_node('dn1');
SELECT _timescaledb_internal.ping_data_node('nope');

-- alter_data_node: all NULL shows the settings
SELECT node_name, host, database, available FROM alter_data_node('dn2');
SELECT node_name, host, database, available FROM alter_data_node('dn2', available => false);
CALL distributed_exec('SELECT 1', '{dn2}');
SELECT node_name, healthy, error FROM _timescaledb_internal.health() WHERE node_name = 'dn2';
SELECT node_name, host, port, available FROM alter_data_node('dn2', port => 1, available => true);
SELECT node_name, healthy, error ~ 'port 1 failed' AS names_port FROM _timescaledb_internal.health() WHERE node_name = 'dn2';
SELECT _timescaledb_internal.ping_data_node('dn2', interval '1 second');
SELECT node_name FROM alter_data_node('dn2', port => current_setting('port')::int);
SELECT _timescaledb_internal.ping_data_node('dn2');
SELECT alter_data_node('nope');

-- privileges
CREATE ROLE mn_user LOGIN;
GRANT USAGE ON SCHEMA app TO mn_user;
SET ROLE mn_user;
SELECT add_data_node('x', host => 'localhost', database => 'mn_x');
CALL distributed_exec('SELECT 1');
SELECT delete_data_node('dn1');
SELECT alter_data_node('dn1', available => false);
RESET ROLE;
GRANT USAGE ON FOREIGN SERVER dn1, dn2 TO mn_user;
SET ROLE mn_user;
CALL distributed_exec('SELECT 1');
SELECT node_name, healthy FROM _timescaledb_internal.health() ORDER BY 1 NULLS FIRST;
RESET ROLE;

-- a data node is not an access node
\c mn_dn1
SELECT key FROM _timescaledb_catalog.metadata ORDER BY key;
CALL distributed_exec('SELECT 1');
SELECT add_data_node('x', host => 'localhost', database => 'mn_x');
-- and belongs to one access node only
CREATE DATABASE mn_access2;
\c mn_access2
CREATE EXTENSION multinode;
\set VERBOSITY terse
SELECT add_data_node('dn1', host => 'localhost', database => 'mn_dn1');
\set VERBOSITY default
\c mn_access
DROP DATABASE mn_access2;

-- delete_data_node releases the node
SELECT delete_data_node('dn2');
SELECT delete_data_node('dn2');
SELECT delete_data_node('dn2', if_exists => true);
\c mn_dn2
SELECT key FROM _timescaledb_catalog.metadata ORDER BY key;
\c mn_access
SELECT node_name FROM timescaledb_information.data_nodes;
SELECT delete_data_node('dn1', drop_database => true);
-- the last node gone, the access node is no longer clustered
SELECT key FROM _timescaledb_catalog.metadata ORDER BY key;
SELECT datname FROM pg_database WHERE datname LIKE 'mn\_%' ORDER BY 1;

\c regression
DROP DATABASE mn_access;
DROP DATABASE mn_dn2;
DROP DATABASE mn_noext;
DROP ROLE mn_user;
