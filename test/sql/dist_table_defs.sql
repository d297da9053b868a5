-- Table definitions arrive whole on the data nodes: storage parameters, the
-- access method, NOT NULL added to the time column (with TimescaleDB's
-- NOTICE), stored generated columns, identity columns; tablespaces with
-- attach_tablespace, detach_tablespace(s) and show_tablespaces, refused on
-- distributed hypertables as TimescaleDB 2.13 refused them.
-- schema_diff() (include/schema_compare.sql) finds no difference after each
-- statement.
\set VERBOSITY terse
SET client_min_messages = notice;
CREATE DATABASE td_access;
\c td_access
CREATE EXTENSION multinode;
\getenv abs_srcdir PG_ABS_SRCDIR
\set compare :abs_srcdir '/sql/include/schema_compare.sql'
\set ECHO none
\i :compare
\set ECHO all
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'td_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'td_dn2');

-------------------------------------------------------------------------------
-- the time column becomes NOT NULL, with 2.13's NOTICE; storage parameters
-- reach the nodes at creation
CREATE TABLE opts (time timestamptz, device int, val float) WITH (fillfactor = 70, autovacuum_enabled = false);
SELECT table_name FROM create_distributed_hypertable('opts', 'time', 'device');
SELECT attnotnull FROM pg_attribute WHERE attrelid = 'opts'::regclass AND attname = 'time';
SELECT * FROM schema_diff('opts');
INSERT INTO opts VALUES ('2021-01-01', 1, 1), ('2021-01-01', 2, 2);
-- the nodes' chunks take the member's storage parameters
\c td_dn1
SELECT DISTINCT c.reloptions FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'opts'::regclass;
\c td_access
-- and later ALTERs
ALTER TABLE opts SET (fillfactor = 50);
ALTER TABLE opts RESET (autovacuum_enabled);
SELECT * FROM schema_diff('opts');
-- the time column stays NOT NULL, the partitioning columns stay (2.13's
-- messages), here and on the nodes
ALTER TABLE opts ALTER COLUMN time DROP NOT NULL;
ALTER TABLE opts DROP COLUMN device;
ALTER TABLE opts DROP COLUMN time;
ALTER TABLE opts ALTER COLUMN val SET NOT NULL, ALTER COLUMN val DROP NOT NULL;
SELECT * FROM schema_diff('opts');
-- no NOTICE when the time column is NOT NULL already
CREATE TABLE quiet (time timestamptz NOT NULL, device int);
SELECT table_name FROM create_distributed_hypertable('quiet', 'time');
-- a local hypertable gets the NOTICE too
CREATE TABLE local_ht (time timestamptz, v int) WITH (fillfactor = 80);
SELECT table_name FROM create_hypertable('local_ht', 'time');
INSERT INTO local_ht VALUES ('2021-01-01', 1);
-- local chunks take the root's storage parameters
SELECT c.reloptions FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'local_ht'::regclass;

-------------------------------------------------------------------------------
-- the table access method (heap is the default; a second name for it shows
-- that USING reaches the nodes)
CREATE ACCESS METHOD heap2 TYPE TABLE HANDLER heap_tableam_handler;
CALL distributed_exec($$ CREATE ACCESS METHOD heap2 TYPE TABLE HANDLER heap_tableam_handler $$);
CREATE TABLE am (time timestamptz NOT NULL, device int, val float) USING heap2;
SELECT table_name FROM create_distributed_hypertable('am', 'time', 'device');
INSERT INTO am VALUES ('2021-01-01', 1, 1), ('2021-01-01', 2, 2);
\c td_dn2
SELECT c.relkind, a.amname, count(*) FROM pg_class c JOIN pg_am a ON a.oid = c.relam
 WHERE c.oid = 'am'::regclass OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'am'::regclass)
 GROUP BY 1, 2;
\c td_access

-------------------------------------------------------------------------------
-- stored generated columns: computed on the data nodes, as the definition
-- says; the access node sends the other columns
CREATE TABLE gen (time timestamptz NOT NULL, device int, celsius float,
                  fahrenheit float GENERATED ALWAYS AS (celsius * 9 / 5 + 32) STORED);
SELECT table_name FROM create_distributed_hypertable('gen', 'time', 'device');
SELECT * FROM schema_diff('gen');
INSERT INTO gen (time, device, celsius) VALUES ('2021-01-01', 1, 100), ('2021-01-01', 2, 0);
SELECT device, celsius, fahrenheit FROM gen ORDER BY device;
INSERT INTO gen VALUES ('2021-01-01', 3, 1, 1);
-- identity columns: the access node draws the values
CREATE TABLE ident (id bigint GENERATED ALWAYS AS IDENTITY, time timestamptz NOT NULL, device int);
SELECT table_name FROM create_distributed_hypertable('ident', 'time', 'device');
INSERT INTO ident (time, device) VALUES ('2021-01-01', 1), ('2021-01-01', 2), ('2021-01-02', 1);
SELECT id, device FROM ident ORDER BY id;
SELECT * FROM schema_diff('ident');
-- an identity column cannot be added once there are chunks (PostgreSQL's
-- rule for tables with children), so the access node always draws them
ALTER TABLE gen ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
-- before the first chunk it can: the values are the access node's, on
-- every node, whichever way rows travel
ALTER TABLE quiet ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
INSERT INTO quiet (time, device) VALUES ('2021-01-04', 5);
INSERT INTO quiet (time, device) SELECT '2021-01-05', d FROM generate_series(6, 7) d;
SELECT device, seq FROM quiet ORDER BY device;
SELECT * FROM schema_diff('quiet');
-- RETURNING shows the values the data nodes computed
INSERT INTO gen (time, device, celsius) VALUES ('2021-01-02', 3, 37) RETURNING device, fahrenheit;
-- COPY sends the other columns too
COPY gen (time, device, celsius) FROM STDIN;
2021-01-03 00:00:00+00	4	-40
\.
SELECT device, celsius, fahrenheit FROM gen ORDER BY device;
-- local hypertables compute them in their chunks
CREATE TABLE gen_local (time timestamptz NOT NULL, a int, b int GENERATED ALWAYS AS (a * 2) STORED);
SELECT table_name FROM create_hypertable('gen_local', 'time');
INSERT INTO gen_local (time, a) VALUES ('2021-01-01', 21);
SELECT a, b FROM gen_local;

-------------------------------------------------------------------------------
-- tablespaces (2.13 signatures and messages)
SET allow_in_place_tablespaces = on;
CREATE TABLESPACE td_space1 LOCATION '';
CREATE TABLESPACE td_space2 LOCATION '';
RESET allow_in_place_tablespaces;
\df+ attach_tablespace
\df detach_tablespace*
\df show_tablespaces
-- refused on a distributed hypertable, as 2.13 did
\set VERBOSITY default
SELECT attach_tablespace('td_space1', 'opts');
\set VERBOSITY terse
SELECT * FROM show_tablespaces('opts');
SELECT attach_tablespace('no_such_space', 'local_ht');
SELECT attach_tablespace('td_space1', 'pg_class');
-- a local hypertable: new chunks go round-robin over the tablespaces
CREATE TABLE spaced (time timestamptz NOT NULL, device int, v int);
SELECT table_name FROM create_hypertable('spaced', 'time', 'device', 2, chunk_time_interval => interval '1 day');
SELECT attach_tablespace('td_space1', 'spaced');
SELECT attach_tablespace('td_space1', 'spaced');
SELECT attach_tablespace('td_space1', 'spaced', if_not_attached => true);
SELECT attach_tablespace('td_space2', 'spaced');
SELECT * FROM show_tablespaces('spaced');
-- the hypertables view lists the attached tablespaces, in attach order, as 2.13
SELECT tablespaces FROM timescaledb_information.hypertables WHERE hypertable_name = 'spaced';
-- the empty root took the first one
SELECT coalesce(t.spcname, 'default') FROM pg_class c LEFT JOIN pg_tablespace t ON t.oid = c.reltablespace
 WHERE c.oid = 'spaced'::regclass;
INSERT INTO spaced SELECT '2021-01-01'::timestamptz + i * interval '1 day', d, 1
  FROM generate_series(0, 1) i, generate_series(1, 8) d;
SELECT coalesce(t.spcname, 'default') AS tablespace, count(*) AS chunks
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid LEFT JOIN pg_tablespace t ON t.oid = c.reltablespace
 WHERE i.inhparent = 'spaced'::regclass GROUP BY 1 ORDER BY 1;
-- detaching: new chunks leave it, existing ones stay
SELECT detach_tablespace('td_space1', 'spaced');
SELECT detach_tablespace('td_space1', 'spaced');
SELECT detach_tablespace('td_space1', 'spaced', if_attached => true);
SELECT * FROM show_tablespaces('spaced');
SELECT coalesce(t.spcname, 'default') FROM pg_class c LEFT JOIN pg_tablespace t ON t.oid = c.reltablespace
 WHERE c.oid = 'spaced'::regclass;
INSERT INTO spaced SELECT '2021-01-05'::timestamptz, d, 1 FROM generate_series(1, 8) d;
SELECT coalesce(t.spcname, 'default') AS tablespace, count(*) AS chunks
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid LEFT JOIN pg_tablespace t ON t.oid = c.reltablespace
 WHERE i.inhparent = 'spaced'::regclass GROUP BY 1 ORDER BY 1;
SELECT detach_tablespaces('spaced');
SELECT * FROM show_tablespaces('spaced');
-- detach from every hypertable: only from those the caller owns
SELECT attach_tablespace('td_space2', 'spaced');
SELECT attach_tablespace('td_space2', 'local_ht');
CREATE ROLE td_other;
ALTER TABLE local_ht OWNER TO td_other;
CREATE ROLE td_user;
GRANT td_other TO td_user;
SET ROLE td_user;
SELECT detach_tablespace('td_space2');
RESET ROLE;
SELECT * FROM show_tablespaces('spaced');
SELECT * FROM show_tablespaces('local_ht');
-- only the owner attaches, and the owner needs CREATE on the tablespace
CREATE TABLE owned (time timestamptz NOT NULL);
SELECT table_name FROM create_hypertable('owned', 'time');
ALTER TABLE owned OWNER TO td_other;
SET ROLE td_user;
SELECT attach_tablespace('td_space1', 'spaced');
SELECT attach_tablespace('td_space1', 'owned');
RESET ROLE;
GRANT CREATE ON TABLESPACE td_space1 TO td_other;
SET ROLE td_user;
SELECT attach_tablespace('td_space1', 'owned');
SELECT * FROM show_tablespaces('owned');
RESET ROLE;
-- the catalog follows the hypertable
DROP TABLE owned;
SELECT count(*) FROM _timescaledb_catalog.tablespace t
  JOIN _timescaledb_catalog.hypertable h ON h.id = t.hypertable_id WHERE h.table_name = 'owned';
-- on a data node, the member hypertable of a distributed one takes tablespaces
-- (here through distributed_exec, with client DDL allowed there)
CALL distributed_exec($$ SET LOCAL multinode.enable_client_ddl_on_data_nodes = on; SELECT attach_tablespace('td_space2', 'opts') $$);
INSERT INTO opts VALUES ('2021-02-01', 1, 1), ('2021-02-01', 2, 2);
\c td_dn1
SELECT * FROM show_tablespaces('opts');
SELECT c.relname, coalesce(t.spcname, 'default') AS tablespace
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid LEFT JOIN pg_tablespace t ON t.oid = c.reltablespace
 WHERE i.inhparent = 'opts'::regclass ORDER BY 1;
\c td_access
SELECT * FROM schema_diff('opts');

\c regression
DROP DATABASE td_access;
DROP DATABASE td_dn1;
DROP DATABASE td_dn2;
DROP TABLESPACE td_space1;
DROP TABLESPACE td_space2;
DROP ROLE td_user;
DROP ROLE td_other;
