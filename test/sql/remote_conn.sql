-- The connection layer: cancellation, reuse, reconnection, invalidation.
\set VERBOSITY terse
CREATE DATABASE mn_rc_access;
\c mn_rc_access
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'mn_rc_dn1');

-- how many sessions the access node holds on the data node, once that
-- number has settled on the expected one (backends take a moment to exit)
CREATE FUNCTION remote_sessions(expected int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE n int;
BEGIN
  FOR i IN 1..200 LOOP
    PERFORM pg_stat_clear_snapshot();
    SELECT count(*) INTO n FROM pg_stat_activity
     WHERE datname = 'mn_rc_dn1' AND application_name = 'multinode';
    EXIT WHEN n = expected;
    PERFORM pg_sleep(0.05);
  END LOOP;
  RETURN n;
END $$;

-- one cached connection, reused across transactions
CALL distributed_exec('SELECT 1');
CALL distributed_exec('SELECT 1');
SELECT remote_sessions(1);

-- a hung remote command is cancellable by statement_timeout, and the
-- interrupted connection is thrown away, not reused
SET statement_timeout = '300ms';
CALL distributed_exec('SELECT pg_sleep(30)');
RESET statement_timeout;
SELECT remote_sessions(0);
CALL distributed_exec('SELECT 1');
SELECT remote_sessions(1);

-- the node drops our session between transactions: the next use reconnects
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
 WHERE datname = 'mn_rc_dn1' AND application_name = 'multinode';
SELECT remote_sessions(0);
CALL distributed_exec('SELECT 1');
SELECT remote_sessions(1);

-- ... but inside a transaction that already used it, the loss is an error
-- and the transaction cannot commit
BEGIN;
CALL distributed_exec('SELECT 1');
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
 WHERE datname = 'mn_rc_dn1' AND application_name = 'multinode';
SELECT remote_sessions(0);
CALL distributed_exec('SELECT 1');
COMMIT;
CALL distributed_exec('SELECT 1');

-- remote session settings make values round-trip
CALL distributed_exec($$ CREATE TABLE settings_seen AS
  SELECT current_setting('timezone') AS tz, current_setting('datestyle') AS ds,
         current_setting('intervalstyle') AS ist, current_setting('extra_float_digits') AS efd,
         current_setting('cursor_tuple_fraction') AS ctf $$);
\c mn_rc_dn1
SELECT * FROM settings_seen;
\c mn_rc_access

-- changing the server (alter_data_node) closes the cached connection
CALL distributed_exec('SELECT 1');
SELECT remote_sessions(1);
SELECT node_name FROM alter_data_node('dn1', host => '127.0.0.1');
SELECT remote_sessions(0);
CALL distributed_exec('SELECT 1');
SELECT remote_sessions(1);

-- a user mapping is used for credentials: a wrong user fails, naming the node
CREATE USER MAPPING FOR CURRENT_USER SERVER dn1 OPTIONS (user 'no_such_role');
CALL distributed_exec('SELECT 1');
DROP USER MAPPING FOR CURRENT_USER SERVER dn1;
CALL distributed_exec('SELECT 1');

-- a subtransaction rolled back after its remote command was cancelled
BEGIN;
CALL distributed_exec('CREATE TABLE kept (a int)');
SAVEPOINT s1;
SET LOCAL statement_timeout = '300ms';
CALL distributed_exec('SELECT pg_sleep(30)');
ROLLBACK TO SAVEPOINT s1;
CALL distributed_exec('INSERT INTO kept VALUES (1)');
COMMIT;
\c mn_rc_dn1
SELECT * FROM kept;
\c mn_rc_access

SELECT delete_data_node('dn1', drop_database => true);
\c regression
DROP DATABASE mn_rc_access;
