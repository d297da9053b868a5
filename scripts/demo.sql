-- The setup of tutorial-scaling-out.md on a local cluster, run by scripts/demo:
--   psql -h SOCKETS -p AN_PORT -U postgres -d postgres \
--        -v dn1_port=PORT1 -v dn2_port=PORT2 -f scripts/demo.sql
-- The servers are already configured as the tutorial's "Setting up" part says
-- (scram-sha-256, the access node's passfile); this is "Define the topology" on.
\set ON_ERROR_STOP on
\set ECHO queries
\pset footer off

\echo
\echo '---- Define the topology for your distributed database'
CREATE DATABASE multinode;
\c multinode postgres
CREATE EXTENSION multinode;

\echo
\echo '---- Add data nodes'
SELECT add_data_node('dn1', host => '127.0.0.1', port => :dn1_port);
SELECT add_data_node('dn2', host => '127.0.0.1', port => :dn2_port);
SELECT * FROM timescaledb_information.data_nodes;

\echo
\echo '---- Create a new role'
CREATE ROLE testuser WITH LOGIN PASSWORD 'testpass';
CALL distributed_exec($$ CREATE ROLE testuser WITH LOGIN PASSWORD 'testpass' $$);
GRANT USAGE ON FOREIGN SERVER dn1, dn2 TO testuser;

\echo
\echo '---- Every data node answers, for postgres and for testuser'
SELECT node_name, healthy FROM _timescaledb_internal.health() WHERE node_name IS NOT NULL;
SET ROLE testuser;
CALL distributed_exec($$ SELECT 1 $$);
RESET ROLE;

\echo
\echo '---- Create the distributed hypertable'
-- PostgreSQL 15 no longer lets every role create tables in schema public
-- (the tutorial was written for PostgreSQL 12).
GRANT CREATE ON SCHEMA public TO testuser;
CALL distributed_exec($$ GRANT CREATE ON SCHEMA public TO testuser $$);
SET ROLE testuser;
CREATE TABLE conditions (time timestamptz NOT NULL, device integer, temp float);
SELECT create_distributed_hypertable('conditions', 'time', 'device');
INSERT INTO conditions
SELECT time, (random()*30)::int, random()*80
FROM generate_series('2019-01-01 00:00:00'::timestamptz, '2019-02-01 00:00:00', '1 min') AS time;

\echo
\echo '---- View data distribution'
SELECT * FROM timescaledb_information.hypertables;
SELECT * FROM hypertable_detailed_size('conditions');
SELECT * FROM timescaledb_information.data_nodes;
SELECT * FROM conditions ORDER BY time LIMIT 5;
SELECT count(*) AS readings, count(DISTINCT device) AS devices FROM conditions;
RESET ROLE;
