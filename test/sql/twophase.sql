-- Two-phase commit: the protocol's paths, its fault points (error and skip
-- actions; crashes are in the TAP tests), healing, the in-doubt view and the
-- decision log.  GIDs, xids and OIDs never appear in the output.
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE DATABASE mn_2pc;
\c mn_2pc
-- the built-in healing job (paused here, so that this test is the only healer)
BEGIN;
CREATE EXTENSION multinode;
SELECT j.job_id, j.application_name, j.schedule_interval, j.proc_name, a.scheduled
  FROM alter_job(3, scheduled => false) a JOIN timescaledb_information.jobs j USING (job_id);
COMMIT;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'mn_2pc_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'mn_2pc_dn2');
CALL distributed_exec($$ CREATE TABLE t (id int PRIMARY KEY, node text DEFAULT current_database()) $$);

CREATE VIEW state AS
SELECT (SELECT count(*) FROM _timescaledb_catalog.remote_txn) AS log_rows,
       (SELECT string_agg(node_name || ':' || action, ',' ORDER BY node_name, action)
          FROM timescaledb_information.in_doubt_transactions) AS in_doubt;

-- the settings
SHOW multinode.enable_2pc;
SHOW multinode.debug_fault;
SET multinode.debug_fault = 'nowhere';
SET multinode.debug_fault = 'after_commit:explode';
CREATE ROLE mn_2pc_user LOGIN;
GRANT USAGE ON FOREIGN SERVER dn1, dn2 TO mn_2pc_user;
SET ROLE mn_2pc_user;
SET multinode.debug_fault = 'before_prepare';
RESET ROLE;

-- a transaction writing to both nodes commits in two phases and logs one
-- decision row per node; healing then finds nothing to do and collects them
CALL distributed_exec($$ INSERT INTO t (id) VALUES (1) $$);
SELECT * FROM state;
SELECT _timescaledb_internal.remote_txn_heal_data_node(oid) FROM pg_foreign_server ORDER BY srvname;
SELECT * FROM state;

-- one node written, nothing on the access node: one phase, no bookkeeping
-- (a fault at a two-phase step does not fire)
SET multinode.debug_fault = 'before_prepare';
CALL distributed_exec($$ INSERT INTO t (id) VALUES (2) $$, '{dn1}');
SELECT * FROM state;
-- the same transaction with a write on the access node needs two phases
-- (the fault fires)
CREATE TABLE local_t (a int);
BEGIN;
INSERT INTO local_t VALUES (1);
CALL distributed_exec($$ INSERT INTO t (id) VALUES (3) $$, '{dn1}');
COMMIT;
RESET multinode.debug_fault;
BEGIN;
INSERT INTO local_t VALUES (2);
CALL distributed_exec($$ INSERT INTO t (id) VALUES (3) $$, '{dn1}');
COMMIT;
SELECT a AS local_rows FROM local_t;
SELECT * FROM state;
SELECT _timescaledb_internal.heal_all_data_nodes();
-- one node written and nothing on the access node, but the local commit can
-- still fail after the node's COMMIT would have gone out: a pending NOTIFY
-- (the queue may be full), LISTEN, SERIALIZABLE (the access node's own
-- check), a temporary table touched (ON COMMIT actions).  Two phases then:
-- the fault fires and nothing reaches the node
SET multinode.debug_fault = 'before_prepare';
BEGIN;
NOTIFY mn_2pc_channel;
CALL distributed_exec($$ INSERT INTO t (id) VALUES (10) $$, '{dn1}');
COMMIT;
BEGIN;
SELECT pg_notify('mn_2pc_channel', 'payload') IS NULL AS notified;
CALL distributed_exec($$ INSERT INTO t (id) VALUES (11) $$, '{dn1}');
COMMIT;
BEGIN;
LISTEN mn_2pc_channel;
CALL distributed_exec($$ INSERT INTO t (id) VALUES (12) $$, '{dn1}');
COMMIT;
BEGIN ISOLATION LEVEL SERIALIZABLE;
CALL distributed_exec($$ INSERT INTO t (id) VALUES (13) $$, '{dn1}');
COMMIT;
CREATE TEMP TABLE temp_t (a int) ON COMMIT DELETE ROWS;
BEGIN;
SELECT count(*) AS temp_rows FROM temp_t;
CALL distributed_exec($$ INSERT INTO t (id) VALUES (14) $$, '{dn1}');
COMMIT;
DROP TABLE temp_t;
-- without the fault such a transaction commits in two phases
RESET multinode.debug_fault;
BEGIN;
NOTIFY mn_2pc_channel;
CALL distributed_exec($$ INSERT INTO t (id) VALUES (15) $$, '{dn1}');
COMMIT;
SELECT * FROM state;
SELECT _timescaledb_internal.heal_all_data_nodes();
\c mn_2pc_dn1
SELECT id FROM t WHERE id >= 10 ORDER BY id;
\c mn_2pc
SET client_min_messages = warning;
\set VERBOSITY terse
SET multinode.debug_fault = 'before_prepare';
-- a read-only transaction: no prepare, no log
BEGIN READ ONLY;
CALL distributed_exec($$ SELECT count(*) FROM t $$);
COMMIT;
-- two-phase off: one phase everywhere
SET multinode.enable_2pc = off;
CALL distributed_exec($$ INSERT INTO t (id) VALUES (4) $$);
RESET multinode.enable_2pc;
SELECT * FROM state;

-- faults before the local commit: an error, and nothing anywhere
SET multinode.debug_fault = 'before_prepare:error';
CALL distributed_exec($$ INSERT INTO t (id) VALUES (10) $$);
SET multinode.debug_fault = 'after_prepare_some';
CALL distributed_exec($$ INSERT INTO t (id) VALUES (11) $$);
SET multinode.debug_fault = 'after_prepare:skip';
CALL distributed_exec($$ INSERT INTO t (id) VALUES (12) $$);
SET multinode.debug_fault = 'after_decision';
CALL distributed_exec($$ INSERT INTO t (id) VALUES (13) $$);
RESET multinode.debug_fault;
SELECT * FROM state;

-- faults after the local commit: committed (a warning, no error), the rest
-- left prepared; the view says what healing will do, healing does it
SET multinode.debug_fault = 'after_commit';
CALL distributed_exec($$ INSERT INTO t (id) VALUES (20) $$);
RESET multinode.debug_fault;
SELECT * FROM state;
SET multinode.debug_fault = 'between_commit_prepared:skip';
CALL distributed_exec($$ INSERT INTO t (id) VALUES (21) $$);
RESET multinode.debug_fault;
SELECT * FROM state;
SELECT node_name, action, age >= interval '0' AS has_age, owner = current_user AS owned, error
  FROM timescaledb_information.in_doubt_transactions ORDER BY node_name, prepared;
-- the maintenance page's procedure, as printed
CREATE OR REPLACE PROCEDURE data_node_maintenance(job_id int, config jsonb)
LANGUAGE SQL AS
$$
    SELECT _timescaledb_internal.remote_txn_heal_data_node(fs.oid)
    FROM pg_foreign_server fs, pg_foreign_data_wrapper fdw
    WHERE fs.srvfdw = fdw.oid
    AND fdw.fdwname = 'timescaledb_fdw';
$$;
SELECT sum(_timescaledb_internal.remote_txn_heal_data_node(fs.oid)) AS resolved
  FROM pg_foreign_server fs, pg_foreign_data_wrapper fdw
 WHERE fs.srvfdw = fdw.oid AND fdw.fdwname = 'timescaledb_fdw';
SELECT * FROM state;
-- idempotent
CALL data_node_maintenance(0, NULL);
SELECT _timescaledb_functions.remote_txn_heal_data_node(oid) FROM pg_foreign_server ORDER BY srvname;

-- healing as a job: every node, and the job entry point
SET multinode.debug_fault = 'after_commit:skip';
CALL distributed_exec($$ INSERT INTO t (id) VALUES (22) $$);
RESET multinode.debug_fault;
SELECT _timescaledb_internal.heal_all_data_nodes(1, '{}');
SELECT * FROM state;

-- the immediate heal: a node whose COMMIT PREPARED failed is finished by this
-- backend at its next connection to it (here: the connection was lost)
SET multinode.debug_fault = 'after_commit:skip';
CALL distributed_exec($$ INSERT INTO t (id) VALUES (23) $$);
RESET multinode.debug_fault;
SELECT * FROM state;
CALL distributed_exec($$ SELECT 1 $$);
SELECT * FROM state;

-- the data: every committed id on both nodes, no failed one anywhere
\c mn_2pc_dn1
SELECT string_agg(id::text, ',' ORDER BY id) AS dn1 FROM t;
SELECT count(*) AS dn1_prepared FROM pg_prepared_xacts;
\c mn_2pc_dn2
SELECT string_agg(id::text, ',' ORDER BY id) AS dn2 FROM t;
SELECT count(*) AS dn2_prepared FROM pg_prepared_xacts;

-- prepared transactions that are not ours are never touched; ours are
-- decided from the GID and the log: an AN transaction that aborted rolls
-- back, and so does one past the AN's next xid (lost in a crash before it
-- reached the WAL); one still running is left alone (TAP test 100)
BEGIN;
INSERT INTO t (id) VALUES (100);
PREPARE TRANSACTION 'users_own';
BEGIN;
INSERT INTO t (id) VALUES (101);
PREPARE TRANSACTION 'mn:00000000-0000-0000-0000-000000000000:1:1000:1';
\c mn_2pc
SELECT value AS uuid FROM _timescaledb_catalog.metadata WHERE key = 'uuid' \gset
SELECT oid AS db FROM pg_database WHERE datname = current_database() \gset
SELECT oid AS dn2 FROM pg_foreign_server WHERE srvname = 'dn2' \gset
BEGIN;
SELECT pg_current_xact_id() AS aborted_xid \gset
ROLLBACK;
SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint + 1000000 AS future_xid \gset
\c mn_2pc_dn2
BEGIN;
INSERT INTO t (id) VALUES (102);
\set ECHO none
SELECT format('PREPARE TRANSACTION %L', format('mn:%s:%s:%s:%s:10', :'uuid', :'db', :'aborted_xid', :'dn2')) \gexec
BEGIN;
INSERT INTO t (id) VALUES (103);
SELECT format('PREPARE TRANSACTION %L', format('mn:%s:%s:%s:%s:10', :'uuid', :'db', :'future_xid', :'dn2')) \gexec
\set ECHO all
\c mn_2pc
SELECT * FROM state;
-- a role that may not finish them: a warning per transaction, and on it goes
SET ROLE mn_2pc_user;
SELECT _timescaledb_internal.heal_all_data_nodes();
RESET ROLE;
SELECT _timescaledb_internal.heal_all_data_nodes();
SELECT * FROM state;
\c mn_2pc_dn2
SELECT gid ~ '^mn:' AS ours, gid = 'users_own' AS users FROM pg_prepared_xacts ORDER BY gid;
SELECT string_agg(id::text, ',' ORDER BY id) AS dn2 FROM t;
ROLLBACK PREPARED 'users_own';
ROLLBACK PREPARED 'mn:00000000-0000-0000-0000-000000000000:1:1000:1';
\set ECHO none
SELECT format('ROLLBACK PREPARED %L', gid) FROM pg_prepared_xacts \gexec
\set ECHO all

-- a node that is down shows in the view with its error, and healing warns
-- instead of failing
\c mn_2pc
SELECT node_name FROM alter_data_node('dn2', port => 1);
SELECT node_name, gid IS NULL AS no_gid, error IS NOT NULL AS has_error
  FROM timescaledb_information.in_doubt_transactions;
SELECT _timescaledb_internal.heal_all_data_nodes();
SELECT _timescaledb_internal.remote_txn_heal_data_node(oid) FROM pg_foreign_server WHERE srvname = 'dn2';
SELECT node_name FROM alter_data_node('dn2', port => current_setting('port')::int);
-- bad arguments
SELECT _timescaledb_internal.remote_txn_heal_data_node(0);
SELECT _timescaledb_internal.remote_txn_heal_data_node(NULL);
-- a client still cannot PREPARE a transaction that used data nodes
BEGIN;
CALL distributed_exec($$ INSERT INTO t (id) VALUES (200) $$);
PREPARE TRANSACTION 'mine';
-- a role with USAGE commits in two phases too (the log needs no privilege)
SET ROLE mn_2pc_user;
CALL distributed_exec($$ SELECT 1 $$);
INSERT INTO _timescaledb_catalog.remote_txn VALUES ('dn1', 'forged');
-- and may heal (the log is read and collected as its owner)
SELECT _timescaledb_internal.heal_all_data_nodes();
RESET ROLE;
SELECT * FROM state;
-- two roles in one transaction have a remote transaction each on a node, and
-- each its own GID
BEGIN;
CALL distributed_exec($$ INSERT INTO t (id) VALUES (30) $$, '{dn1}');
SET LOCAL ROLE mn_2pc_user;
CALL distributed_exec($$ SELECT 1 $$, '{dn1}');
RESET ROLE;
COMMIT;
SELECT * FROM state;
SELECT _timescaledb_internal.heal_all_data_nodes();

-- delete_data_node heals the node first: once the node is gone nothing could
-- resolve what our commits left prepared there
SELECT node_name FROM add_data_node('dn3', host => 'localhost', database => 'mn_2pc_dn3');
CALL distributed_exec($$ CREATE TABLE t (id int PRIMARY KEY, node text DEFAULT current_database()) $$, '{dn3}');
SET multinode.debug_fault = 'after_commit:skip';
CALL distributed_exec($$ INSERT INTO t (id) VALUES (40) $$, '{dn1,dn3}');
RESET multinode.debug_fault;
SELECT * FROM state;
SELECT delete_data_node('dn3');
SELECT in_doubt FROM state;
SELECT _timescaledb_internal.heal_all_data_nodes();
\c mn_2pc_dn3
SELECT string_agg(id::text, ',' ORDER BY id) AS dn3,
       (SELECT count(*) FROM pg_prepared_xacts) AS dn3_prepared FROM t;
-- what healing must leave alone (its access-node transaction is still
-- running: here, prepared on the access node) stops the deletion, unless forced
\c mn_2pc
SELECT node_name FROM add_data_node('dn4', host => 'localhost', database => 'mn_2pc_dn4');
CALL distributed_exec($$ CREATE TABLE t (id int PRIMARY KEY, node text DEFAULT current_database()) $$, '{dn4}');
SELECT oid AS dn4 FROM pg_foreign_server WHERE srvname = 'dn4' \gset
BEGIN;
INSERT INTO local_t VALUES (3);
SELECT pg_current_xact_id() AS running_xid \gset
PREPARE TRANSACTION 'an_running';
\c mn_2pc_dn4
BEGIN;
INSERT INTO t (id) VALUES (50);
\set ECHO none
SELECT format('PREPARE TRANSACTION %L', format('mn:%s:%s:%s:%s:10', :'uuid', :'db', :'running_xid', :'dn4')) \gexec
\set ECHO all
\c mn_2pc
SELECT in_doubt FROM state;
SELECT delete_data_node('dn4');
SELECT node_name FROM timescaledb_information.data_nodes ORDER BY node_name;
SELECT delete_data_node('dn4', force => true);
SELECT in_doubt FROM state;
ROLLBACK PREPARED 'an_running';
\c mn_2pc_dn4
-- left to the operator
SELECT count(*) AS dn4_prepared FROM pg_prepared_xacts;
\set ECHO none
SELECT format('ROLLBACK PREPARED %L', gid) FROM pg_prepared_xacts \gexec
\set ECHO all
-- a node that cannot be looked at while the log still names it: refused
\c mn_2pc
SET multinode.debug_fault = 'after_commit:skip';
CALL distributed_exec($$ INSERT INTO t (id) VALUES (60) $$);
RESET multinode.debug_fault;
SELECT node_name FROM alter_data_node('dn2', port => 1);
SELECT delete_data_node('dn2');
SELECT node_name FROM alter_data_node('dn2', port => current_setting('port')::int);
SELECT _timescaledb_internal.heal_all_data_nodes();
SELECT in_doubt FROM state;

\c regression
DROP DATABASE mn_2pc;
DROP DATABASE mn_2pc_dn1;
DROP DATABASE mn_2pc_dn2;
DROP DATABASE mn_2pc_dn3;
DROP DATABASE mn_2pc_dn4;
DROP ROLE mn_2pc_user;
