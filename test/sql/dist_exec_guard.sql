-- distributed_exec cannot break out of its transaction or its role: the
-- text is refused, or the statement fails, and nothing commits anywhere.
\set VERBOSITY default
SET client_min_messages = notice;
CREATE DATABASE mn_dx_access;
CREATE ROLE mn_dx_other;
\c mn_dx_access
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dxn1', host => 'localhost', database => 'mn_dx_dn1');
SELECT node_name FROM add_data_node('dxn2', host => 'localhost', database => 'mn_dx_dn2');
CALL distributed_exec($$ CREATE TABLE t (a int) $$);
CALL distributed_exec($$ CREATE TABLE who (a int, u name DEFAULT current_user, s name DEFAULT session_user) $$);
CALL distributed_exec($$ GRANT ALL ON t, who TO PUBLIC $$);

-- transaction control is refused before anything is sent
CALL distributed_exec('INSERT INTO t VALUES (1); COMMIT');
\set VERBOSITY terse
CALL distributed_exec('INSERT INTO t VALUES (1); ROLLBACK; INSERT INTO t VALUES (2)');
CALL distributed_exec('INSERT INTO t VALUES (1); END');
CALL distributed_exec('ABORT');
CALL distributed_exec('COMMIT AND CHAIN');
CALL distributed_exec('BEGIN');
CALL distributed_exec('START TRANSACTION');
CALL distributed_exec('SAVEPOINT mine');
CALL distributed_exec('ROLLBACK TO SAVEPOINT s1');
CALL distributed_exec('ROLLBACK TO s2');
CALL distributed_exec('RELEASE SAVEPOINT s1');
CALL distributed_exec('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
CALL distributed_exec('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY');
CALL distributed_exec('SET transaction_read_only = off');
CALL distributed_exec('SET default_transaction_isolation = ''read committed''');
-- hidden behind comments, odd spacing, case, another statement
CALL distributed_exec('SELECT 1 /* ; */; -- x
  CoMmIt');
CALL distributed_exec('INSERT INTO t VALUES (1);/**/commit/**/;');
-- two-phase commit statements: refused in both modes
\set VERBOSITY default
CALL distributed_exec('PREPARE TRANSACTION ''mine''');
\set VERBOSITY terse
CALL distributed_exec('COMMIT PREPARED ''mine''');
CALL distributed_exec('ROLLBACK PREPARED ''mine''');
CALL distributed_exec('PREPARE TRANSACTION ''mine''', transactional => false);
CALL distributed_exec('COMMIT PREPARED ''mine''', transactional => false);

-- changing who the session is, or resetting it, is refused
\set VERBOSITY default
CALL distributed_exec('SET ROLE mn_dx_other');
\set VERBOSITY terse
CALL distributed_exec('SET LOCAL ROLE mn_dx_other');
CALL distributed_exec('RESET ROLE');
CALL distributed_exec('SET SESSION AUTHORIZATION mn_dx_other');
CALL distributed_exec('SET SESSION AUTHORIZATION DEFAULT');
CALL distributed_exec('RESET SESSION AUTHORIZATION');
CALL distributed_exec('SET session_authorization = mn_dx_other');
CALL distributed_exec('RESET ALL');
CALL distributed_exec('DISCARD ALL');

-- what parsing cannot see is caught after the text ran: the whole statement
-- fails and the connection is thrown away
BEGIN;
CALL distributed_exec('INSERT INTO t VALUES (3)');
CALL distributed_exec($$ INSERT INTO t VALUES (4); SELECT pg_catalog.set_config('role', 'mn_dx_other', false) $$, '{dxn2}');
ROLLBACK;
CALL distributed_exec($$ SELECT pg_catalog.set_config('session_authorization', 'mn_dx_other', false) $$);
CALL distributed_exec($$ SELECT pg_catalog.set_config('role', 'mn_dx_other', true) $$);
-- procedures and DO blocks cannot commit inside the distributed transaction
CALL distributed_exec($$ DO $d$ BEGIN INSERT INTO t VALUES (5); COMMIT; END $d$ $$);
CALL distributed_exec($$ CREATE PROCEDURE p() LANGUAGE plpgsql AS $d$ BEGIN INSERT INTO t VALUES (6); ROLLBACK; END $d$ $$);
CALL distributed_exec('CALL p()');
-- the nodes split the text as the access node did, whatever the backslashes
SET standard_conforming_strings = off;
BEGIN;
CALL distributed_exec($$ INSERT INTO t VALUES (7); SELECT 'a\'; COMMIT; --' $$);
ROLLBACK;
RESET standard_conforming_strings;
CALL distributed_exec($$ INSERT INTO t VALUES (8); SELECT 'a\'; COMMIT; --' $$);
-- settings multinode relies on are put back after the text
BEGIN;
CALL distributed_exec($$ SET datestyle = 'SQL, DMY'; SET LOCAL timezone = 'Asia/Tokyo' $$);
CALL distributed_exec($$ CREATE TABLE settings AS SELECT current_setting('DateStyle') AS ds, current_setting('TimeZone') AS tz $$);
COMMIT;

-- non-transactional calls leave no session state behind, failing or not
CALL distributed_exec('SET ROLE mn_dx_other', transactional => false);
CALL distributed_exec('INSERT INTO who (a) VALUES (1)');
CALL distributed_exec('SET ROLE mn_dx_other; COMMIT; SELECT 1/0', transactional => false);
CALL distributed_exec('INSERT INTO who (a) VALUES (2)');
CALL distributed_exec('SET SESSION AUTHORIZATION mn_dx_other', transactional => false);
CALL distributed_exec('INSERT INTO who (a) VALUES (3)');
CALL distributed_exec('PREPARE q AS SELECT 1; CREATE TEMP TABLE tmp (a int)', transactional => false);
CALL distributed_exec('PREPARE q AS SELECT 1; CREATE TEMP TABLE tmp (a int)', transactional => false);
CALL distributed_exec('SET search_path = nowhere', transactional => false);
CALL distributed_exec('INSERT INTO who (a) VALUES (4)');
-- and transaction control is theirs to use
CALL distributed_exec('BEGIN; INSERT INTO who (a) VALUES (5); ROLLBACK', transactional => false);

-- on every node: only the committed statements' rows, as the same user,
-- and no prepared transaction
\set VERBOSITY default
\c mn_dx_dn1
SELECT a FROM t ORDER BY a;
SELECT a, u, s FROM who ORDER BY a;
SELECT ds LIKE 'ISO,%' AS iso, tz FROM settings;
SELECT count(*) AS prepared FROM pg_prepared_xacts;
\c mn_dx_dn2
SELECT a FROM t ORDER BY a;
SELECT a, u, s FROM who ORDER BY a;
SELECT count(*) AS prepared FROM pg_prepared_xacts;

\c mn_dx_access
SELECT delete_data_node('dxn1', drop_database => true);
SELECT delete_data_node('dxn2', drop_database => true);
\c regression
DROP DATABASE mn_dx_access;
DROP ROLE mn_dx_other;
