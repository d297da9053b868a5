-- Joins of a distributed hypertable with a table of the wrapper option
-- "reference_tables" (a copy on the access node and on every data node) run
-- by the data nodes: each node joins its chunks with its own copy.  Results
-- are compared row for row with the same join on a local copy of the rows;
-- shapes the nodes cannot run exactly keep the join on the access node.
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE DATABASE mn_rj_access;
\c mn_rj_access
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'mn_rj_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'mn_rj_dn2');

-- Two days, every two hours, devices 1 to 8 and a device-less row; names
-- 'n1'.. with one NULL
CREATE TABLE conditions (time timestamptz NOT NULL, device int, temp float8, name text);
\set gen 'SELECT t AS time, d AS device, d * 10 + extract(hour FROM t) / 4 AS temp, CASE WHEN d = 2 THEN NULL ELSE ''n'' || d END AS name FROM generate_series(''2024-01-01''::timestamptz, ''2024-01-02 22:00'', ''2 hours'') t, generate_series(1, 8) d UNION ALL SELECT ''2024-01-01 12:00'', NULL, 7.5, ''n1'''
SELECT table_name FROM create_distributed_hypertable('conditions', 'time', 'device', number_partitions => 2,
                                                     chunk_time_interval => interval '1 day');
INSERT INTO conditions :gen;
-- every chunk on both nodes: each node reads some chunks, named one by one
CREATE TABLE replicated (LIKE conditions);
SELECT table_name FROM create_distributed_hypertable('replicated', 'time', 'device', number_partitions => 2,
                                                     chunk_time_interval => interval '1 day',
                                                     replication_factor => 2);
INSERT INTO replicated :gen;
CREATE TABLE conditions_local (LIKE conditions);
INSERT INTO conditions_local SELECT * FROM (:gen) g;

-- The reference tables: on the access node and, the same, on every data
-- node.  Devices 7 and 8 have no row; device 4's room is NULL.
\set devices 'CREATE TABLE devices (id int PRIMARY KEY, label text, room text); INSERT INTO devices VALUES (1, ''n1'', ''a''), (2, ''n2'', ''a''), (3, ''n3'', ''b''), (4, ''n4'', NULL), (5, ''n5'', ''b''), (6, ''n6'', ''c''), (100, ''unused'', ''c'');'
\set rooms 'CREATE SCHEMA refs; CREATE TABLE refs."Rooms" (room text, floor int); INSERT INTO refs."Rooms" VALUES (''a'', 1), (''b'', 2), (''c'', 2), (NULL, 3);'
:devices
:rooms
CALL distributed_exec(:'devices');
CALL distributed_exec(:'rooms');
-- a copy that is not a reference table
CREATE TABLE other_devices AS SELECT * FROM devices;
CALL distributed_exec('CREATE TABLE other_devices AS SELECT * FROM devices');
ANALYZE devices, other_devices, refs."Rooms", conditions_local;

ALTER FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (ADD reference_tables 'devices, refs."Rooms"');
SELECT fdwoptions FROM pg_foreign_data_wrapper WHERE fdwname = 'timescaledb_fdw';

-- same(q): q on conditions and replicated against conditions_local
\getenv abs_srcdir PG_ABS_SRCDIR
\set agg_same :abs_srcdir '/sql/include/agg_same.sql'
\i :agg_same

-- The JOIN in the remote SQL: inner, left, conditions on both sides
EXPLAIN (VERBOSE, COSTS OFF)
SELECT c.time, c.temp, d.label FROM conditions c JOIN devices d ON c.device = d.id
 WHERE c.temp > 30 AND d.room = 'b';
EXPLAIN (VERBOSE, COSTS OFF)
SELECT c.time, c.device, d.label FROM conditions c LEFT JOIN devices d ON c.device = d.id AND d.room <> 'c'
 WHERE c.time < '2024-01-02';
-- a condition on the joined rows of a left join stays after the join
EXPLAIN (VERBOSE, COSTS OFF)
SELECT c.time, d.room FROM conditions c LEFT JOIN devices d ON c.device = d.id
 WHERE d.room IS DISTINCT FROM 'a';
-- the chunks named, when replicas are read from both nodes
EXPLAIN (VERBOSE, COSTS OFF)
SELECT r.time, d.label FROM replicated r JOIN devices d ON r.device = d.id WHERE r.time >= '2024-01-02';
-- a stable expression is computed here and sent as a parameter
EXPLAIN (VERBOSE, COSTS OFF)
SELECT c.temp, d.label FROM conditions c JOIN devices d ON c.device = d.id
 WHERE c.time > now() - interval '100 years';
-- a schema-qualified, quoted name in the list
EXPLAIN (VERBOSE, COSTS OFF)
SELECT c.time, r.room FROM conditions c JOIN refs."Rooms" r ON c.device = r.floor;
-- no column needed
EXPLAIN (VERBOSE, COSTS OFF)
SELECT count(*) FROM conditions c JOIN devices d ON c.device = d.id;
-- GROUP BY on the joined rows: each node aggregates its joined rows, partial
-- states combined here
EXPLAIN (VERBOSE, COSTS OFF)
SELECT d.room, count(*), sum(c.temp) FROM conditions c JOIN devices d ON c.device = d.id GROUP BY d.room;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT d.room, avg(c.temp) FROM conditions c LEFT JOIN devices d ON c.device = d.id
 WHERE c.time < '2024-01-02' GROUP BY d.room HAVING count(*) > 1;
-- grouped by the space column: every group on one node, computed whole there
EXPLAIN (VERBOSE, COSTS OFF)
SELECT c.device, d.label, max(c.temp) FROM conditions c JOIN devices d ON c.device = d.id
 WHERE d.room = 'b' GROUP BY 1, 2;
-- the chunks named one by one under the aggregate
EXPLAIN (VERBOSE, COSTS OFF)
SELECT d.room, count(*) FROM replicated r JOIN devices d ON r.device = d.id
 WHERE r.time >= '2024-01-02' GROUP BY d.room;
-- without aggregate pushdown the joined rows come back and are grouped here
SET multinode.enable_aggregate_pushdown = off;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT d.room, count(*), sum(c.temp) FROM conditions c JOIN devices d ON c.device = d.id GROUP BY d.room;
RESET multinode.enable_aggregate_pushdown;

-- a prepared join: parameters sent to the nodes, and the device's node
-- alone asked at run time
SET plan_cache_mode = force_generic_plan;
PREPARE one_device(timestamptz, int) AS
SELECT c.time, c.temp, d.label FROM conditions c JOIN devices d ON c.device = d.id
 WHERE c.time >= $1 AND c.device = $2 ORDER BY c.time LIMIT 3;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE one_device('2024-01-02', 3);
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE one_device('2024-01-02', 3);
EXECUTE one_device('2024-01-02', 3);
EXECUTE one_device('2024-01-01', 6);
DEALLOCATE one_device;
RESET plan_cache_mode;
-- written as a right join
EXPLAIN (COSTS OFF)
SELECT c.time, d.label FROM devices d RIGHT JOIN conditions c ON c.device = d.id;

-- Results, row for row against the local copy
SELECT * FROM same('SELECT c.time, c.device, c.temp, d.label FROM %1$s c JOIN devices d ON c.device = d.id');
SELECT * FROM same('SELECT c.time, c.device, c.temp, d.label FROM %2$s c JOIN devices d ON c.device = d.id');
SELECT * FROM same('SELECT c.time, c.device, d.label, d.room FROM %1$s c LEFT JOIN devices d ON c.device = d.id');
SELECT * FROM same('SELECT c.time, c.device, d.label, d.room FROM %2$s c LEFT JOIN devices d ON c.device = d.id');
SELECT * FROM same('SELECT c.time, c.temp, d.label FROM %1$s c JOIN devices d ON c.device = d.id WHERE c.temp > 30 AND d.room = ''b''');
SELECT * FROM same('SELECT c.time, c.device, d.label FROM %2$s c LEFT JOIN devices d ON c.device = d.id AND d.room <> ''c'' WHERE c.time < ''2024-01-02''');
SELECT * FROM same('SELECT c.time, d.room FROM %1$s c LEFT JOIN devices d ON c.device = d.id WHERE d.room IS DISTINCT FROM ''a''');
SELECT * FROM same('SELECT c.temp, d.label FROM %1$s c JOIN devices d ON c.device = d.id WHERE c.time > now() - interval ''100 years''');
-- NULL keys: a NULL device, a NULL name, a NULL room
SELECT * FROM same('SELECT c.time, c.name, d.id FROM %1$s c LEFT JOIN devices d ON c.name = d.label');
SELECT * FROM same('SELECT c.time, c.name, d.id FROM %2$s c JOIN devices d ON c.name = d.label');
SELECT * FROM same('SELECT c.time, d.room FROM %1$s c LEFT JOIN devices d ON c.device = d.id WHERE d.room IS NULL');
SELECT * FROM same('SELECT c.time, r.room FROM %1$s c JOIN refs."Rooms" r ON c.device = r.floor');
-- a stable function (text || int) is evaluated here: not pushed
EXPLAIN (COSTS OFF)
SELECT c.time, r.floor FROM conditions c JOIN refs."Rooms" r ON c.name = 'n' || r.floor;
SELECT * FROM same('SELECT c.time, r.floor FROM %1$s c JOIN refs."Rooms" r ON c.name = ''n'' || r.floor');
-- grouped on the nodes
SELECT * FROM same('SELECT d.room, count(*), sum(c.temp) FROM %1$s c JOIN devices d ON c.device = d.id GROUP BY d.room');
SELECT * FROM same('SELECT d.room, count(*), max(c.time) FROM %2$s c LEFT JOIN devices d ON c.device = d.id GROUP BY d.room');
SELECT * FROM same('SELECT count(*) FROM %1$s c JOIN devices d ON c.device = d.id');
SELECT * FROM same('SELECT d.room, avg(c.temp) FROM %1$s c LEFT JOIN devices d ON c.device = d.id WHERE c.time < ''2024-01-02'' GROUP BY d.room HAVING count(*) > 1');
SELECT * FROM same('SELECT d.room, avg(c.temp), round(stddev(c.temp)::numeric, 9) FROM %2$s c LEFT JOIN devices d ON c.device = d.id GROUP BY d.room');
SELECT * FROM same('SELECT c.device, d.label, max(c.temp) FROM %1$s c JOIN devices d ON c.device = d.id WHERE d.room = ''b'' GROUP BY 1, 2');
SELECT * FROM same('SELECT c.device, d.label, max(c.temp), count(d.room) FROM %2$s c LEFT JOIN devices d ON c.device = d.id GROUP BY 1, 2');
SELECT * FROM same('SELECT d.room, count(*) FROM %2$s r JOIN devices d ON r.device = d.id WHERE r.time >= ''2024-01-02'' GROUP BY d.room');
SELECT * FROM same('SELECT count(*), count(d.id), sum(c.temp) FROM %1$s c LEFT JOIN devices d ON c.device = d.id AND d.room = ''a''');
-- three tables: two reference tables, one joined here
SELECT * FROM same('SELECT c.time, d.label, r.floor FROM %1$s c JOIN devices d ON c.device = d.id JOIN refs."Rooms" r ON r.room = d.room');
SELECT d.room, count(*), sum(c.temp) FROM conditions c JOIN devices d ON c.device = d.id GROUP BY d.room ORDER BY 1;
SELECT c.device, count(*) FROM conditions c LEFT JOIN devices d ON c.device = d.id WHERE d.id IS NULL GROUP BY 1 ORDER BY 1;

-- Not pushed: the join stays here.
-- a table not in the list
EXPLAIN (COSTS OFF)
SELECT c.time, d.label FROM conditions c JOIN other_devices d ON c.device = d.id;
-- the reference table preserved by the outer join
EXPLAIN (COSTS OFF)
SELECT c.time, d.label FROM devices d LEFT JOIN conditions c ON c.device = d.id;
SELECT * FROM same('SELECT c.time, d.label FROM devices d LEFT JOIN %1$s c ON c.device = d.id');
SELECT * FROM same('SELECT c.time, d.label FROM devices d RIGHT JOIN %2$s c ON c.device = d.id');
-- a volatile function, a condition only the access node evaluates
EXPLAIN (COSTS OFF)
SELECT c.time, d.label FROM conditions c JOIN devices d ON c.device = d.id AND d.id > random() * 0;
-- another collation than the columns'
EXPLAIN (COSTS OFF)
SELECT c.time, d.label FROM conditions c JOIN devices d ON c.name = d.label COLLATE "C";
-- row locks
EXPLAIN (COSTS OFF)
SELECT c.time, d.label FROM conditions c JOIN devices d ON c.device = d.id FOR SHARE OF d;

-- Row-level security on the reference table: its policies are applied here
CREATE ROLE rj_reader LOGIN;
GRANT SELECT ON conditions, devices TO rj_reader;
CALL distributed_exec('GRANT SELECT ON devices TO rj_reader');
ALTER TABLE devices ENABLE ROW LEVEL SECURITY;
CREATE POLICY room_a ON devices FOR SELECT TO rj_reader USING (room = 'a');
-- (rj_reader may not use schema refs, whose table is listed: no matter)
SET ROLE rj_reader;
EXPLAIN (COSTS OFF)
SELECT c.time, d.label FROM conditions c JOIN devices d ON c.device = d.id;
SELECT d.label, count(*) FROM conditions c JOIN devices d ON c.device = d.id GROUP BY 1 ORDER BY 1;
RESET ROLE;
-- its owner is not subject to them: pushed down
EXPLAIN (COSTS OFF)
SELECT c.time, d.label FROM conditions c JOIN devices d ON c.device = d.id;
ALTER TABLE devices DISABLE ROW LEVEL SECURITY;
DROP POLICY room_a ON devices;
-- (a distributed hypertable refuses row-level security altogether)
-- without SELECT on the reference table the executor refuses, as for any join
REVOKE SELECT ON devices FROM rj_reader;
SET ROLE rj_reader;
SELECT count(*) FROM conditions c JOIN devices d ON c.device = d.id;
RESET ROLE;

-- A listed table missing on the data nodes: the node's error
CREATE TABLE missing_ref (id int, label text);
INSERT INTO missing_ref VALUES (1, 'one');
ALTER FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (SET reference_tables 'devices, refs."Rooms", missing_ref');
SELECT count(*) FROM conditions c JOIN missing_ref m ON c.device = m.id;
-- a name that no longer is a table is no reference table
DROP TABLE missing_ref;
CREATE VIEW missing_ref AS SELECT 1 AS id;
SELECT count(*) FROM conditions c JOIN missing_ref m ON c.device = m.id;

ALTER FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (DROP reference_tables);
-- without the option, the ordinary plan
EXPLAIN (COSTS OFF)
SELECT c.time, d.label FROM conditions c JOIN devices d ON c.device = d.id;

\c regression
SET client_min_messages = warning;
DROP DATABASE mn_rj_access;
DROP DATABASE mn_rj_dn1;
DROP DATABASE mn_rj_dn2;
DROP ROLE rj_reader;
