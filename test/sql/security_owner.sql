-- Code run as the extension's owner cannot be steered by the caller.
--
-- A non-superuser plants, in a schema it owns, operators (=, <>, <, <=, >,
-- >=, +, -, ... for the types our SQL compares) and functions (lower,
-- format, quote_ident, nextval, ...) that shadow the built-ins, each
-- recording its call and trying ALTER ROLE ... SUPERUSER; puts that schema
-- first in search_path; and calls every entry point a non-superuser may
-- call, local and distributed.  No trap may ever fire (on any node), and
-- the attacker stays what it was.  Then an index expression of the
-- attacker's: it runs, as PostgreSQL runs it, as the table's owner and
-- never as the extension's owner, also when a chunk is created.
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE DATABASE so_access;
CREATE ROLE so_attacker LOGIN;

-- The traps (include/security_traps.sql), the same in every database:
-- evil.calls records each call, evil.idx_calls each run of the index function.
\getenv abs_srcdir PG_ABS_SRCDIR
\set traps :abs_srcdir '/sql/include/security_traps.sql'

\c so_access
\set ECHO none
\i :traps
\set ECHO all
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'so_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'so_dn2');
GRANT USAGE ON FOREIGN SERVER dn1, dn2 TO so_attacker;
SELECT oid AS dn1_oid FROM pg_foreign_server WHERE srvname = 'dn1' \gset
\c so_dn1
\set ECHO none
\i :traps
\set ECHO all
\c so_dn2
\set ECHO none
\i :traps
\set ECHO all
\c so_access
SELECT count(*) > 50 AS operators_planted FROM pg_operator WHERE oprnamespace = 'evil'::regnamespace;
SELECT count(*) > 50 AS functions_planted FROM pg_proc WHERE pronamespace = 'evil'::regnamespace;

-- every entry point, as the attacker, its schema first
SET ROLE so_attacker;
SET search_path = evil, pg_catalog;
CREATE TABLE evil.local_ht (time timestamptz NOT NULL, device integer, temp float8);
SELECT public.create_hypertable('evil.local_ht', 'time', 'device', 2,
							   chunk_time_interval => interval '1 day');
INSERT INTO evil.local_ht VALUES ('2024-01-01 00:00+00', 1, 1.0), ('2024-01-02 00:00+00', 2, 2.0);
COPY evil.local_ht FROM STDIN;
2024-01-03 00:00:00+00	3	3.0
2024-01-04 00:00:00+00	4	4.0
\.
SELECT public.show_chunks('evil.local_ht') \g /dev/null
SELECT public.show_chunks('evil.local_ht', older_than => '2024-01-02 00:00+00'::timestamptz) \g /dev/null
SELECT public.set_chunk_time_interval('evil.local_ht', interval '2 days');
SELECT public.set_number_partitions('evil.local_ht', 3);
SELECT public.hypertable_size('evil.local_ht') \g /dev/null
SELECT * FROM public.hypertable_detailed_size('evil.local_ht') \g /dev/null
SELECT * FROM public.chunks_detailed_size('evil.local_ht') \g /dev/null
CREATE INDEX ON evil.local_ht (device, time);
ALTER TABLE evil.local_ht ADD CONSTRAINT temp_range CHECK (temp OPERATOR(pg_catalog.<) 1000);
ALTER TABLE evil.local_ht RENAME COLUMN temp TO temperature;
INSERT INTO evil.local_ht VALUES ('2024-02-01 00:00+00', 5, 5.0);
SELECT public.drop_chunks('evil.local_ht', older_than => '2024-01-02 12:00+00'::timestamptz) \g /dev/null
TRUNCATE evil.local_ht;

CREATE TABLE evil.dist_ht (time timestamptz NOT NULL, device integer, temp float8);
SELECT public.create_distributed_hypertable('evil.dist_ht', 'time', 'device',
		chunk_time_interval => interval '1 day') \g /dev/null
INSERT INTO evil.dist_ht VALUES ('2024-01-01 00:00+00', 1, 1.0), ('2024-01-02 00:00+00', 2, 2.0);
COPY evil.dist_ht FROM STDIN;
2024-01-03 00:00:00+00	3	3.0
2024-01-04 00:00:00+00	4	4.0
\.
SELECT * FROM evil.dist_ht \g /dev/null
SELECT time, device FROM evil.dist_ht WHERE device OPERATOR(pg_catalog.=) 1 \g /dev/null
UPDATE evil.dist_ht SET temp = 9.0 WHERE device OPERATOR(pg_catalog.=) 2;
DELETE FROM evil.dist_ht WHERE device OPERATOR(pg_catalog.=) 3;
SELECT public.set_chunk_time_interval('evil.dist_ht', interval '2 days');
SELECT public.set_number_partitions('evil.dist_ht', 3);
SELECT public.hypertable_size('evil.dist_ht') \g /dev/null
SELECT * FROM public.hypertable_detailed_size('evil.dist_ht') \g /dev/null
SELECT * FROM public.chunks_detailed_size('evil.dist_ht') \g /dev/null
SELECT * FROM public.hypertable_data_node_relation_size('evil.dist_ht') \g /dev/null
CREATE INDEX ON evil.dist_ht (device, time);
SELECT public.show_chunks('evil.dist_ht') \g /dev/null
SELECT public.drop_chunks('evil.dist_ht', older_than => '2024-01-02 12:00+00'::timestamptz) \g /dev/null
CALL public.distributed_exec('SELECT 1');
SELECT _timescaledb_internal.remote_txn_heal_data_node(:dn1_oid);
SELECT * FROM timescaledb_information.hypertables \g /dev/null
SELECT * FROM timescaledb_information.hypertable \g /dev/null
SELECT * FROM timescaledb_information.chunks \g /dev/null
SELECT * FROM timescaledb_information.dimensions \g /dev/null
SELECT * FROM timescaledb_information.data_nodes \g /dev/null
SELECT * FROM timescaledb_information.jobs \g /dev/null
SELECT * FROM timescaledb_information.job_stats \g /dev/null
SELECT public.add_job('evil.job', '1h', scheduled => false) AS job_id \gset
SELECT public.alter_job(:job_id, schedule_interval => '2h') \g /dev/null
CALL public.run_job(:job_id);
SELECT public.delete_job(:job_id);
-- pg_temp first, and relations planted there
SET search_path = pg_temp, evil, pg_catalog;
CREATE TEMP TABLE pg_class (oid oid, relname name);
CREATE TEMP TABLE pg_namespace (oid oid, nspname name);
CREATE TEMP TABLE pg_foreign_server (oid oid, srvname name);
INSERT INTO evil.local_ht VALUES ('2024-03-01 00:00+00', 1, 1.0);
INSERT INTO evil.dist_ht VALUES ('2024-03-01 00:00+00', 1, 1.0);
SELECT public.drop_chunks('evil.local_ht', older_than => '2024-02-15 00:00+00'::timestamptz) \g /dev/null
SELECT public.drop_chunks('evil.dist_ht', older_than => '2024-02-15 00:00+00'::timestamptz) \g /dev/null
SELECT _timescaledb_internal.remote_txn_heal_data_node(:dn1_oid);
SET search_path = evil, pg_temp, pg_catalog;
DROP TABLE pg_temp.pg_class, pg_temp.pg_namespace, pg_temp.pg_foreign_server;
DROP TABLE evil.local_ht;
DROP TABLE evil.dist_ht;
RESET search_path;
RESET ROLE;

-- An index expression of the attacker's runs as the table's owner: when
-- the index is created on existing chunks, when a chunk is created, and
-- for every row.  Never as the extension's owner.
SET ROLE so_attacker;
CREATE TABLE evil.idx_ht (time timestamptz NOT NULL, device integer);
SELECT public.create_hypertable('evil.idx_ht', 'time', chunk_time_interval => interval '1 day') \g /dev/null
INSERT INTO evil.idx_ht VALUES ('2024-01-01 00:00+00', 1);
CREATE INDEX idx_expr ON evil.idx_ht ((evil.idx(device)));
CREATE INDEX idx_const ON evil.idx_ht ((device + evil.idx(1)));
CREATE INDEX idx_pred ON evil.idx_ht (time) WHERE evil.idx(device) > 0;
-- new chunks
INSERT INTO evil.idx_ht VALUES ('2024-01-05 00:00+00', 2), ('2024-01-09 00:00+00', 3);
RESET ROLE;
SELECT count(*) > 0 AS index_function_ran, pg_catalog.array_agg(DISTINCT usr) AS ran_as
  FROM evil.idx_calls;
-- the chunks have their copies
SELECT count(*) AS chunk_index_copies FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
 WHERE c.relnamespace = '_timescaledb_internal'::regnamespace AND i.indexprs IS NOT NULL;
DROP TABLE evil.idx_ht;

-- Generated DDL names operators outside pg_catalog by their schema: a
-- CHECK constraint and partial indexes using an operator of a user's schema
-- reach the data nodes and the chunks as that operator, with that schema
-- off every search_path.
CALL distributed_exec($$ CREATE SCHEMA ops $$);
CALL distributed_exec($$ CREATE FUNCTION ops.same(integer, integer) RETURNS boolean
	LANGUAGE sql IMMUTABLE AS 'SELECT $1 OPERATOR(pg_catalog.=) $2' $$);
CALL distributed_exec($$ CREATE OPERATOR ops.=== (LEFTARG = integer, RIGHTARG = integer,
	FUNCTION = ops.same) $$);
CREATE SCHEMA ops;
CREATE FUNCTION ops.same(integer, integer) RETURNS boolean
	LANGUAGE sql IMMUTABLE AS 'SELECT $1 OPERATOR(pg_catalog.=) $2';
CREATE OPERATOR ops.=== (LEFTARG = integer, RIGHTARG = integer, FUNCTION = ops.same);
SET search_path = ops, public;
CREATE TABLE ops.t (time timestamptz NOT NULL, device integer CHECK (device === device));
CREATE INDEX t_one ON ops.t (time) WHERE device === 1;
SELECT create_distributed_hypertable('ops.t', 'time', 'device') \g /dev/null
CREATE INDEX t_two ON ops.t (time) WHERE device === 2;
CREATE TABLE ops.l (time timestamptz NOT NULL, device integer CHECK (device === device));
SELECT create_hypertable('ops.l', 'time') \g /dev/null
CREATE INDEX l_one ON ops.l (time) WHERE device === 1;
INSERT INTO ops.l VALUES ('2024-01-01 00:00+00', 1);
INSERT INTO ops.t VALUES ('2024-01-01 00:00+00', 1);
RESET search_path;
SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
 WHERE c.relnamespace = '_timescaledb_internal'::regnamespace AND i.indpred IS NOT NULL ORDER BY 1, 2;
\c so_dn1
SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'ops.t'::regclass AND contype = 'c';
SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'ops.t'::regclass ORDER BY 1;
SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
 WHERE c.relnamespace = '_timescaledb_internal'::regnamespace AND i.indpred IS NOT NULL ORDER BY 1, 2;
\c so_access
DROP TABLE ops.t, ops.l;

-- nothing fired anywhere, nothing gained
SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles WHERE rolname = 'so_attacker';
SELECT count(*) AS memberships FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member
 WHERE r.rolname = 'so_attacker';
SELECT what, usr FROM evil.calls ORDER BY 1, 2;
\c so_dn1
SELECT what, usr FROM evil.calls ORDER BY 1, 2;
SELECT DISTINCT usr FROM evil.idx_calls;
\c so_dn2
SELECT what, usr FROM evil.calls ORDER BY 1, 2;

\c regression
DROP DATABASE so_access;
DROP DATABASE so_dn1;
DROP DATABASE so_dn2;
DROP ROLE so_attacker;
