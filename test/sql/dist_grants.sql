-- Grants and schemas reach the data nodes.  GRANT / REVOKE on a distributed
-- hypertable (table and column privileges, WITH GRANT OPTION, PUBLIC) is
-- always sent to its data nodes, and has_table_privilege agrees everywhere.
-- With multinode.enable_distributed_ddl on (TimescaleDB 2.13:
-- timescaledb_experimental.enable_distributed_ddl, off by default), CREATE /
-- ALTER / DROP SCHEMA, GRANT / REVOKE ON SCHEMA, ON ALL TABLES IN SCHEMA and
-- ON DATABASE, and ALTER DEFAULT PRIVILEGES go to every data node too, so a
-- role with rights on a schema here has them on the nodes.  Data nodes are
-- other databases of this instance (roles are shared); a role missing on a
-- node is tested in test/t/320_schema_grants.pl.
\set VERBOSITY terse
SET client_min_messages = notice;
CREATE DATABASE gr_access;
\c gr_access
CREATE EXTENSION multinode;
\getenv abs_srcdir PG_ABS_SRCDIR
\set compare :abs_srcdir '/sql/include/schema_compare.sql'
\set ECHO none
\i :compare
\set ECHO all
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'gr_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'gr_dn2');
CREATE ROLE gr_owner LOGIN;
CREATE ROLE gr_reader LOGIN;
CREATE ROLE gr_writer LOGIN;
CREATE ROLE gr_helper LOGIN;
GRANT USAGE ON FOREIGN SERVER dn1, dn2 TO gr_owner;

-- a role's privileges on a table, the same query on the access node and on
-- each data node (through dblink, over the node's own connection options)
CREATE FUNCTION privs(tab text, role text) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(p, ',' ORDER BY p) FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE',
         'TRUNCATE', 'REFERENCES', 'TRIGGER', 'SELECT WITH GRANT OPTION', 'INSERT WITH GRANT OPTION']) p
   WHERE has_table_privilege(role, tab, p) $$;
CREATE FUNCTION privs_everywhere(tab text, role text)
RETURNS TABLE (node text, privileges text) LANGUAGE plpgsql AS $fn$
DECLARE
	dn record;
BEGIN
	node := 'access'; privileges := privs(tab, role); RETURN NEXT;
	FOR dn IN SELECT srvname, srvoptions FROM pg_foreign_server ORDER BY 1 LOOP
		node := dn.srvname;
		SELECT x.p INTO privileges FROM dblink(
			format('host=localhost port=%s dbname=%s',
			       (SELECT split_part(o, '=', 2) FROM unnest(dn.srvoptions) o WHERE o LIKE 'port=%'),
			       (SELECT split_part(o, '=', 2) FROM unnest(dn.srvoptions) o WHERE o LIKE 'dbname=%')),
			format($q$SELECT string_agg(p, ',' ORDER BY p) FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE',
			       'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER', 'SELECT WITH GRANT OPTION',
			       'INSERT WITH GRANT OPTION']) p WHERE has_table_privilege(%L, %L, p)$q$, role, tab))
			AS x(p text);
		RETURN NEXT;
	END LOOP;
END $fn$;

-------------------------------------------------------------------------------
-- GRANT / REVOKE on a distributed hypertable
CREATE TABLE metrics (time timestamptz NOT NULL, device int, val float, secret text);
SELECT table_name FROM create_distributed_hypertable('metrics', 'time', 'device');
INSERT INTO metrics VALUES ('2021-01-01', 1, 1, 'a'), ('2021-01-01', 2, 2, 'b');
GRANT SELECT, INSERT ON metrics TO gr_writer;
GRANT SELECT ON metrics TO gr_reader WITH GRANT OPTION;
GRANT SELECT (time, device, val), UPDATE (val) ON metrics TO gr_helper;
GRANT TRIGGER ON metrics TO PUBLIC;
SELECT * FROM privs_everywhere('metrics', 'gr_writer');
SELECT * FROM privs_everywhere('metrics', 'gr_reader');
SELECT * FROM privs_everywhere('metrics', 'gr_owner');
SELECT * FROM schema_diff('metrics');
-- column privileges on every node
\c gr_dn1
SELECT has_column_privilege('gr_helper', 'metrics', 'val', 'UPDATE') AS val_update,
       has_column_privilege('gr_helper', 'metrics', 'secret', 'SELECT') AS secret_select;
-- and on the member's chunks, which the node reads through
SELECT DISTINCT has_table_privilege('gr_writer', i.inhrelid, 'INSERT') AS chunk_insert
  FROM pg_inherits i WHERE i.inhparent = 'metrics'::regclass;
\c gr_access
-- a grantee with GRANT OPTION grants on: the nodes record the same grantor
SET ROLE gr_reader;
GRANT SELECT ON metrics TO gr_owner;
RESET ROLE;
SELECT * FROM privs_everywhere('metrics', 'gr_owner');
SELECT * FROM schema_diff('metrics');
REVOKE GRANT OPTION FOR SELECT ON metrics FROM gr_reader CASCADE;
REVOKE TRIGGER ON metrics FROM PUBLIC;
REVOKE UPDATE (val) ON metrics FROM gr_helper;
REVOKE ALL ON metrics FROM gr_writer;
SELECT * FROM privs_everywhere('metrics', 'gr_reader');
SELECT * FROM privs_everywhere('metrics', 'gr_owner');
SELECT * FROM privs_everywhere('metrics', 'gr_writer');
SELECT * FROM schema_diff('metrics');
-- a GRANT naming a plain table and a distributed hypertable: the nodes get
-- the hypertable's part only
CREATE TABLE plain (a int);
GRANT SELECT ON plain, metrics TO gr_writer;
SELECT * FROM privs_everywhere('metrics', 'gr_writer');
-- a GRANT rolled back here is rolled back on the nodes too
BEGIN;
GRANT DELETE ON metrics TO gr_writer;
SELECT privs('metrics', 'gr_writer');
ROLLBACK;
SELECT * FROM privs_everywhere('metrics', 'gr_writer');

-------------------------------------------------------------------------------
-- schema DDL: not sent while multinode.enable_distributed_ddl is off (the
-- default, as in 2.13)
SHOW multinode.enable_distributed_ddl;
CREATE SCHEMA kept_here;
GRANT USAGE ON SCHEMA kept_here TO gr_reader;
\c gr_dn1
SELECT count(*) AS kept_here_on_dn1 FROM pg_namespace WHERE nspname = 'kept_here';
\c gr_access
-- so a role with CREATE on a schema here cannot place a distributed
-- hypertable in it
GRANT USAGE, CREATE ON SCHEMA kept_here TO gr_owner;
SET ROLE gr_owner;
CREATE TABLE kept_here.t (time timestamptz NOT NULL, v int);
SELECT table_name FROM create_distributed_hypertable('kept_here.t', 'time');
RESET ROLE;

-- on: every data node follows
SET multinode.enable_distributed_ddl = on;
CREATE SCHEMA app;
GRANT USAGE, CREATE ON SCHEMA app TO gr_owner;
GRANT USAGE ON SCHEMA app TO gr_reader WITH GRANT OPTION;
ALTER DEFAULT PRIVILEGES FOR ROLE gr_owner IN SCHEMA app GRANT SELECT ON TABLES TO gr_reader;
\c gr_dn2
SELECT has_schema_privilege('gr_owner', 'app', 'CREATE') AS owner_create,
       has_schema_privilege('gr_reader', 'app', 'USAGE WITH GRANT OPTION') AS reader_usage;
SELECT pg_get_userbyid(defaclrole) AS role, defaclnamespace::regnamespace AS schema, defaclobjtype, defaclacl
  FROM pg_default_acl;
\c gr_access
SET multinode.enable_distributed_ddl = on;
-- the role creates, fills, reads and drops a distributed hypertable there
SET ROLE gr_owner;
CREATE TABLE app.readings (time timestamptz NOT NULL, device int, val float);
SELECT table_name FROM create_distributed_hypertable('app.readings', 'time', 'device');
INSERT INTO app.readings VALUES ('2021-01-01', 1, 1), ('2021-01-02', 2, 2);
SELECT count(*), sum(val) FROM app.readings;
RESET ROLE;
-- the default privileges gave gr_reader SELECT on every node alike
SELECT * FROM privs_everywhere('app.readings', 'gr_reader');
SELECT * FROM schema_diff('app.readings');
-- ON ALL TABLES IN SCHEMA, with a distributed hypertable in it
GRANT INSERT ON ALL TABLES IN SCHEMA app TO gr_writer;
SELECT * FROM privs_everywhere('app.readings', 'gr_writer');
REVOKE INSERT ON ALL TABLES IN SCHEMA app FROM gr_writer;
SELECT * FROM privs_everywhere('app.readings', 'gr_writer');
SELECT * FROM schema_diff('app.readings');
SET ROLE gr_owner;
DROP TABLE app.readings;
RESET ROLE;
-- ON DATABASE: each node's own database
GRANT CREATE ON DATABASE gr_access TO gr_helper;
\c gr_dn1
SELECT has_database_privilege('gr_helper', 'gr_dn1', 'CREATE') AS create_on_dn1;
\c gr_dn2
SELECT has_database_privilege('gr_helper', 'gr_dn2', 'CREATE') AS create_on_dn2;
\c gr_access
SET multinode.enable_distributed_ddl = on;
GRANT CONNECT ON DATABASE gr_access, regression TO gr_helper;
-- another database alone: not the nodes' business
GRANT CONNECT ON DATABASE regression TO gr_helper;
REVOKE CONNECT ON DATABASE regression FROM gr_helper;
REVOKE CREATE ON DATABASE gr_access FROM gr_helper;
-- renames, owners, drops
ALTER SCHEMA app RENAME TO app2;
ALTER SCHEMA app2 OWNER TO gr_owner;
REVOKE USAGE ON SCHEMA app2 FROM gr_reader CASCADE;
ALTER DEFAULT PRIVILEGES FOR ROLE gr_owner IN SCHEMA app2 REVOKE SELECT ON TABLES FROM gr_reader;
CREATE SCHEMA gone AUTHORIZATION gr_owner CREATE TABLE inside (a int);
\c gr_dn2
SELECT nspname, pg_get_userbyid(nspowner) AS owner, nspacl FROM pg_namespace
 WHERE nspname IN ('app', 'app2', 'gone') ORDER BY 1;
SELECT count(*) AS default_acls FROM pg_default_acl;
SELECT has_database_privilege('gr_helper', 'gr_dn2', 'CREATE') AS create_on_dn2;
SELECT count(*) AS inside FROM pg_class WHERE relname = 'inside';
\c gr_access
SET multinode.enable_distributed_ddl = on;
DROP SCHEMA gone CASCADE;
-- a failure on a node undoes the statement here: kept_here is not there
DROP SCHEMA kept_here CASCADE;
SELECT count(*) AS kept_here_here FROM pg_namespace WHERE nspname = 'kept_here';
-- 2.13's name for the setting works too
RESET multinode.enable_distributed_ddl;
SET timescaledb_experimental.enable_distributed_ddl = on;
CREATE SCHEMA by_old_name;
RESET timescaledb_experimental.enable_distributed_ddl;
\c gr_dn1
SELECT nspname FROM pg_namespace WHERE nspname IN ('gone', 'by_old_name', 'app2') ORDER BY 1;
\c gr_access
-- REASSIGN OWNED: the nodes' objects change hands too
SET multinode.enable_distributed_ddl = on;
REASSIGN OWNED BY gr_owner TO gr_helper;
\c gr_dn2
SELECT nspname, pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = 'app2';

\c regression
DROP DATABASE gr_access;
DROP DATABASE gr_dn1;
DROP DATABASE gr_dn2;
DROP ROLE gr_owner;
DROP ROLE gr_reader;
DROP ROLE gr_writer;
DROP ROLE gr_helper;
