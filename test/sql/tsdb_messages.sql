-- TimescaleDB 2.13's messages from the data node functions and
-- create_distributed_hypertable / set_replication_factor / attach / detach:
-- same text and SQLSTATE (printed after each error).  Hints and details are
-- ours where TimescaleDB had none.  Every row below is exercised, in order.
--
-- | #  | message                                                              | function                         | case                               |
-- |----|----------------------------------------------------------------------|----------------------------------|------------------------------------|
-- | 1  | a host needs to be specified (22023)                                 | add_data_node                    | host => NULL                       |
-- | 2  | data node name cannot be NULL (22023)                                | add/delete/alter/attach/detach_data_node, ping_data_node | node_name NULL |
-- | 3  | invalid port number %d (22023)                                       | add_data_node, alter_data_node   | port 0, 65536                      |
-- | 4  | server "%s" already exists (42710)                                   | add_data_node                    | existing name                      |
-- | 5  | NOTICE data node "%s" already exists, skipping                       | add_data_node                    | if_not_exists => true              |
-- | 6  | cannot add "%s" as a data node (TS174)                               | add_data_node                    | database already a data node       |
-- | 7  | cannot add the current database as a data node to itself (TS174)     | add_data_node                    | the access node's own database     |
-- | 8  | server "%s" does not exist (42704)                                   | delete/alter/attach/detach_data_node, create_distributed_hypertable, distributed_exec | unknown node |
-- | 9  | NOTICE data node "%s" does not exist, skipping                       | delete_data_node                 | if_exists => true                  |
-- | 10 | data node "%s" is not a TimescaleDB server (22023)                   | delete_data_node                 | a postgres_fdw server              |
-- | 11 | operation not supported for a TimescaleDB data node (0A000)          | CREATE SERVER                    | timescaledb_fdw server             |
-- | 12 | operation not supported on a TimescaleDB data node (0A000)           | DROP SERVER                      | a data node                        |
-- | 13 | version not supported (0A000)                                        | ALTER SERVER                     | VERSION                            |
-- | 14 | invalid replication factor (22023)                                   | create_distributed_hypertable, create_hypertable, set_replication_factor | 0, 32768, -1 |
-- | 15 | replication factor too large for hypertable "%s" (22023)             | create_distributed_hypertable, set_replication_factor | more than the nodes |
-- | 16 | WARNING insufficient number of partitions for dimension "%s"         | create_distributed_hypertable, attach_data_node | fewer partitions than nodes |
-- | 17 | WARNING hypertable "%s" is under-replicated                          | set_replication_factor           | raised above existing replicas     |
-- | 18 | hypertable "%s" is not distributed (55000)                           | attach/detach_data_node, set_replication_factor | a local hypertable     |
-- | 19 | table "%s" is not a hypertable (TS001)                               | attach_data_node                 | a plain table                      |
-- | 20 | hypertable cannot be NULL (22023)                                    | attach_data_node                 | hypertable NULL                    |
-- | 21 | data node "%s" is already attached to hypertable "%s" (TS172)        | attach_data_node                 | attached twice                     |
-- | 22 | NOTICE ... is already attached to hypertable "%s", skipping (TS172)  | attach_data_node                 | if_not_attached => true            |
-- | 23 | data node "%s" is not attached to hypertable "%s" (TS173)            | detach_data_node                 | not attached                       |
-- | 24 | NOTICE ... is not attached to hypertable "%s", skipping (TS173)      | detach_data_node                 | if_attached => true                |
-- | 25 | insufficient number of data nodes (TS170)                            | detach_data_node, delete_data_node | only copy of chunks              |
-- | 26 | data node "%s" still holds data for distributed hypertable "%s" (TS504) | detach_data_node, delete_data_node | replicated chunks, no force    |
-- | 27 | WARNING distributed hypertable "%s" is under-replicated              | detach_data_node                 | forced, replicated chunks          |
-- | 28 | insufficient number of data nodes for distributed hypertable "%s" (TS170), WARNING when forced | detach_data_node | below the replication factor |
-- | 29 | must be owner of hypertable "%s" (42501)                             | detach_data_node                 | not the owner                      |
-- | 30 | NOTICE skipping hypertable "%s" due to missing permissions           | detach_data_node                 | all hypertables, some not owned    |
-- | 31 | permission denied for hypertable "%s" (42501)                        | delete_data_node                 | not the owner of its hypertables   |
-- | 32 | unable to assign data nodes from an existing distributed database (TS171) | add_data_node               | run on a data node                 |
-- | 33 | invalid number of partitions for dimension "%s" (22023)              | create_distributed_hypertable    | number_partitions 0                |
-- | 34 | NOTICE database "%s" already exists on data node, skipping           | add_data_node                    | bootstrap into an existing database (6, 7) |
-- | 35 | NOTICE extension "multinode" already exists on data node, skipping   | add_data_node                    | bootstrap, extension there (6, 7)  |
-- | 36 | NOTICE the number of partitions in dimension "%s" of hypertable "%s" was decreased to %d | detach_data_node | repartition (27) |
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = notice;
CREATE DATABASE mn_tm_access;
\c mn_tm_access
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'mn_tm_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'mn_tm_dn2');

-- 1
SELECT add_data_node('x', host => NULL);
\echo :LAST_ERROR_SQLSTATE
-- 2
SELECT add_data_node(NULL, host => 'localhost');
\echo :LAST_ERROR_SQLSTATE
SELECT delete_data_node(NULL);
SELECT alter_data_node(NULL);
SELECT detach_data_node(NULL);
SELECT _timescaledb_functions.ping_data_node(NULL);
-- 3
SELECT add_data_node('x', host => 'localhost', port => 0);
\echo :LAST_ERROR_SQLSTATE
SELECT alter_data_node('dn1', port => 65536);
-- 4
SELECT add_data_node('dn1', host => 'localhost', database => 'mn_tm_dn1');
\echo :LAST_ERROR_SQLSTATE
-- 5
SELECT node_name, node_created FROM add_data_node('dn1', host => 'localhost', database => 'mn_tm_dn1', if_not_exists => true);
-- 6
SELECT add_data_node('dn1_again', host => 'localhost', database => 'mn_tm_dn1', bootstrap => false);
\echo :LAST_ERROR_SQLSTATE
-- 7
SELECT add_data_node('myself', host => 'localhost', database => 'mn_tm_access');
\echo :LAST_ERROR_SQLSTATE
-- 8
SELECT delete_data_node('nosuch');
\echo :LAST_ERROR_SQLSTATE
SELECT alter_data_node('nosuch');
SELECT detach_data_node('nosuch');
CALL distributed_exec('SELECT 1', node_list => '{nosuch}');
-- 9
SELECT delete_data_node('nosuch', if_exists => true);
-- 10
CREATE EXTENSION postgres_fdw;
CREATE SERVER not_ours FOREIGN DATA WRAPPER postgres_fdw;
SELECT delete_data_node('not_ours');
\echo :LAST_ERROR_SQLSTATE
DROP SERVER not_ours;
-- 11
CREATE SERVER dn9 FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (host 'localhost', dbname 'x');
\echo :LAST_ERROR_SQLSTATE
-- 12
DROP SERVER dn1;
\echo :LAST_ERROR_SQLSTATE
-- 13
ALTER SERVER dn1 VERSION '1';
\echo :LAST_ERROR_SQLSTATE

CREATE TABLE disttable (time timestamptz NOT NULL, device int, temp float);
-- 14
SELECT create_distributed_hypertable('disttable', 'time', 'device', replication_factor => 0);
\echo :LAST_ERROR_SQLSTATE
SELECT create_distributed_hypertable('disttable', 'time', 'device', replication_factor => 32768);
SELECT create_hypertable('disttable', 'time', replication_factor => -1);
-- 15
SELECT create_distributed_hypertable('disttable', 'time', 'device', replication_factor => 3);
\echo :LAST_ERROR_SQLSTATE
-- 8, from create_distributed_hypertable
SELECT create_distributed_hypertable('disttable', 'time', 'device', data_nodes => '{dn1,nosuch}');
-- 33
SELECT create_distributed_hypertable('disttable', 'time', 'device', number_partitions => 0);
\echo :LAST_ERROR_SQLSTATE
-- 16
SELECT table_name FROM create_distributed_hypertable('disttable', 'time', 'device', number_partitions => 1);
INSERT INTO disttable VALUES ('2020-01-01', 1, 1), ('2020-01-01', 2, 2), ('2020-01-09', 3, 3);
-- 14, 15, 17 from set_replication_factor
SELECT set_replication_factor('disttable', 0);
\echo :LAST_ERROR_SQLSTATE
SELECT set_replication_factor('disttable', 3);
\echo :LAST_ERROR_SQLSTATE
SELECT set_replication_factor('disttable', 2);
-- 18
CREATE TABLE localtable (time timestamptz NOT NULL, v int);
SELECT table_name FROM create_hypertable('localtable', 'time');
SELECT attach_data_node('dn1', 'localtable');
\echo :LAST_ERROR_SQLSTATE
SELECT detach_data_node('dn1', 'localtable');
SELECT set_replication_factor('localtable', 1);
-- 19
CREATE TABLE plain (time timestamptz);
SELECT attach_data_node('dn1', 'plain');
\echo :LAST_ERROR_SQLSTATE
-- 20
SELECT attach_data_node('dn1', NULL);
\echo :LAST_ERROR_SQLSTATE
-- 2, from attach
SELECT attach_data_node(NULL, 'disttable');
-- 21, 22
SELECT attach_data_node('dn1', 'disttable');
\echo :LAST_ERROR_SQLSTATE
SELECT node_name FROM attach_data_node('dn1', 'disttable', if_not_attached => true);
-- 8, from attach
SELECT attach_data_node('nosuch', 'disttable');

-- 25
CREATE TABLE single (time timestamptz NOT NULL, device int, temp float);
SELECT table_name FROM create_distributed_hypertable('single', 'time', 'device');
INSERT INTO single SELECT '2020-01-01', d, d FROM generate_series(1, 4) d;
SELECT detach_data_node('dn2', 'single', force => true);
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE rep2 (time timestamptz NOT NULL, device int, temp float);
SELECT table_name FROM create_distributed_hypertable('rep2', 'time', 'device', replication_factor => 2);
INSERT INTO rep2 VALUES ('2020-01-01', 1, 1), ('2020-01-01', 2, 2);
-- 26
SELECT detach_data_node('dn2', 'rep2');
\echo :LAST_ERROR_SQLSTATE
-- 28
CREATE TABLE empty2 (time timestamptz NOT NULL, device int);
SELECT table_name FROM create_distributed_hypertable('empty2', 'time', 'device', replication_factor => 2);
SELECT detach_data_node('dn2', 'empty2');
\echo :LAST_ERROR_SQLSTATE
-- 27 and 28 as warnings
SELECT detach_data_node('dn2', 'rep2', force => true);
-- 23, 24
SELECT detach_data_node('dn2', 'rep2');
\echo :LAST_ERROR_SQLSTATE
SELECT detach_data_node('dn2', 'rep2', if_attached => true);
-- 29, 30, 31
CREATE ROLE tm_user;
GRANT USAGE ON FOREIGN DATA WRAPPER timescaledb_fdw TO tm_user;
GRANT USAGE ON FOREIGN SERVER dn1, dn2 TO tm_user;
SET ROLE tm_user;
SELECT detach_data_node('dn2', 'empty2');
\echo :LAST_ERROR_SQLSTATE
SELECT detach_data_node('dn2');
SELECT delete_data_node('dn2');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- 32
\c mn_tm_dn1
SELECT add_data_node('x', host => 'localhost', database => 'mn_tm_x');
\echo :LAST_ERROR_SQLSTATE
\c mn_tm_access

-- cleanup
DROP TABLE disttable, single, rep2, empty2, localtable, plain;
SELECT delete_data_node('dn1', drop_database => true);
SELECT delete_data_node('dn2', drop_database => true);
REVOKE USAGE ON FOREIGN DATA WRAPPER timescaledb_fdw FROM tm_user;
DROP ROLE tm_user;
\c postgres
DROP DATABASE mn_tm_access;
