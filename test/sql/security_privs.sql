-- Privileges follow PostgreSQL's model: reading and writing a distributed
-- hypertable needs the table's privileges (and a way to log in to the
-- nodes), USAGE on a data node is what placing data on it needs.  Row-level
-- security and WITH CHECK OPTION hold for hypertables as for tables: each
-- statement is run on a hypertable and on a plain table with the same
-- policies, and both must answer the same.  Data nodes are other databases
-- of this instance (roles are shared by all of them).
\set VERBOSITY default
SET client_min_messages = notice;
CREATE DATABASE sp_access;
\c sp_access
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'sp_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'sp_dn2');
CREATE ROLE sp_reader LOGIN;
CREATE ROLE sp_writer LOGIN;
CREATE ROLE sp_nobody LOGIN;
CREATE ROLE sp_owner LOGIN;
CREATE ROLE sp_alice LOGIN;
CREATE ROLE sp_bob LOGIN;
-- so that COPY reaches its row-level security check
GRANT pg_read_server_files TO sp_alice, sp_owner;
-- the error's SQLSTATE, or ok
CREATE FUNCTION sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS
$$ BEGIN EXECUTE q; RETURN 'ok'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END $$;
-- the same statement on a hypertable and on a plain table: %s is the name
CREATE FUNCTION try(q text, t text DEFAULT 'docs') RETURNS TABLE (hypertable text, plain_table text)
LANGUAGE sql AS $$ SELECT sqlstate_of(format(q, t)), sqlstate_of(format(q, t || '_plain')) $$;
GRANT CREATE ON SCHEMA public TO sp_owner;
CALL distributed_exec('GRANT CREATE ON SCHEMA public TO sp_owner');

-- a distributed hypertable owned by the superuser
CREATE TABLE readings (time timestamptz NOT NULL, device int, val float);
SELECT table_name FROM create_distributed_hypertable('readings', 'time', 'device');
INSERT INTO readings SELECT '2020-01-01'::timestamptz + i * interval '1 hour', i % 4, i
  FROM generate_series(1, 20) i;
GRANT SELECT ON readings TO sp_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON readings TO sp_writer;

-- SELECT and a way to log in (trust here), no USAGE on the data nodes:
-- reading works
SET ROLE sp_reader;
SELECT has_server_privilege('dn1', 'USAGE') AS usage_dn1, has_server_privilege('dn2', 'USAGE') AS usage_dn2;
SELECT count(*), sum(val) FROM readings;
SELECT device, count(*) FROM readings WHERE time < '2020-01-01 10:00+00' GROUP BY device ORDER BY device;
-- but not writing
INSERT INTO readings VALUES ('2020-01-01 00:30+00', 1, 0);
RESET ROLE;

-- table privileges for writing, no USAGE: INSERT into existing and new
-- chunks (their placement on the hypertable's nodes was authorised when
-- the hypertable was created), COPY, UPDATE, DELETE
SET ROLE sp_writer;
INSERT INTO readings VALUES ('2020-01-01 00:30+00', 1, 100);
INSERT INTO readings VALUES ('2021-06-01 00:00+00', 2, 200);
COPY readings FROM STDIN;
2021-06-01 01:00+00	3	300
\.
UPDATE readings SET val = val + 1 WHERE val >= 100;
DELETE FROM readings WHERE val = 301;
SELECT time, device, val FROM readings WHERE val >= 100 ORDER BY time;
-- placing data or running commands on a node still needs USAGE
CALL distributed_exec('SELECT 1');
RESET ROLE;

-- column privileges, as on a table
CREATE ROLE sp_columns LOGIN;
GRANT SELECT (time, device), UPDATE (val) ON readings TO sp_columns;
SET ROLE sp_columns;
SELECT count(*), count(DISTINCT device) FROM readings;
SELECT max(time) FROM readings WHERE device = 3;
SELECT sum(val) FROM readings;
UPDATE readings SET val = val + 1 WHERE device = 3;
UPDATE readings SET val = 33 WHERE device = 3 AND time < '2020-01-01 12:00+00';
UPDATE readings SET time = time WHERE device = 3;
RESET ROLE;
SELECT time, device, val FROM readings WHERE device = 3 ORDER BY time LIMIT 2;

-- no SELECT: refused with PostgreSQL's error before any node is contacted
-- (no session of sp_nobody on the data nodes)
SET ROLE sp_nobody;
SELECT count(*) FROM readings;
SELECT sqlstate_of('SELECT count(*) FROM readings') AS select_without_privilege;
SELECT sqlstate_of('INSERT INTO readings VALUES (now(), 1, 1)') AS insert_without_privilege;
RESET ROLE;
SELECT count(*) AS nobody_sessions FROM pg_stat_activity WHERE usename = 'sp_nobody';

-- USAGE is what placement needs: sp_owner may use dn1 only
GRANT USAGE ON FOREIGN SERVER dn1 TO sp_owner;
CREATE TABLE owned (time timestamptz NOT NULL, v int);
ALTER TABLE owned OWNER TO sp_owner;
SET ROLE sp_owner;
SELECT create_distributed_hypertable('owned', 'time', data_nodes => '{dn1,dn2}');
SELECT sqlstate_of($$SELECT create_distributed_hypertable('owned', 'time', data_nodes => '{dn2}')$$)
  AS create_on_dn2;
SELECT table_name FROM create_distributed_hypertable('owned', 'time', data_nodes => '{dn1}');
SELECT * FROM attach_data_node('dn2', 'owned');
SELECT sqlstate_of($$SELECT attach_data_node('dn2', 'owned')$$) AS attach_dn2;
CALL distributed_exec('SELECT 1', node_list => '{dn2}');
SELECT sqlstate_of($$CALL distributed_exec('SELECT 1', node_list => '{dn2}')$$) AS exec_dn2;
SELECT sqlstate_of($$CALL distributed_exec('SELECT 1')$$) AS exec_all;
CALL distributed_exec('SELECT 1', node_list => '{dn1}');
INSERT INTO owned VALUES ('2020-01-01', 1);
SELECT * FROM owned;
RESET ROLE;

-- ---------------------------------------------------------------------------
-- Row-level security on a local hypertable, and the same on a plain table
-- ---------------------------------------------------------------------------
CREATE TABLE docs (time timestamptz NOT NULL, id int NOT NULL, owner name NOT NULL,
                   level int NOT NULL, UNIQUE (time, id));
ALTER TABLE docs OWNER TO sp_owner;
-- every role sees and writes its own rows; inserted rows have level < 5;
-- rows with level < 3 may be updated, to a level < 4
CREATE FUNCTION policies(t regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
  EXECUTE format('CREATE POLICY own ON %s USING (owner = current_user)', t);
  EXECUTE format('CREATE POLICY ins ON %s AS RESTRICTIVE FOR INSERT WITH CHECK (level < 5)', t);
  EXECUTE format('CREATE POLICY upd ON %s AS RESTRICTIVE FOR UPDATE USING (level < 3) WITH CHECK (level < 4)', t);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO sp_alice, sp_bob', t);
END $$;
SET ROLE sp_owner;
SELECT table_name FROM create_hypertable('docs', 'time', chunk_time_interval => interval '1 day');
CREATE TABLE docs_plain (LIKE docs INCLUDING ALL);
SELECT policies('docs'), policies('docs_plain');
-- the owner is not subject to its policies (no FORCE)
INSERT INTO docs VALUES ('2020-01-01', 1, 'sp_alice', 1), ('2020-01-01', 2, 'sp_bob', 1),
                        ('2020-01-02', 3, 'sp_alice', 9), ('2020-01-02', 4, 'sp_bob', 9);
INSERT INTO docs_plain SELECT * FROM docs;
COPY docs FROM STDIN;
2020-01-03 00:00:00+00	5	sp_bob	2
\.
INSERT INTO docs_plain VALUES ('2020-01-03', 5, 'sp_bob', 2);
RESET ROLE;

-- alice: the same answers from the hypertable and the plain table
SET ROLE sp_alice;
-- visibility
SELECT id, owner, level FROM docs ORDER BY id;
SELECT id, owner, level FROM docs_plain ORDER BY id;
-- INSERT: WITH CHECK of the permissive and of the restrictive policy
INSERT INTO docs VALUES ('2020-01-04', 11, 'sp_bob', 1);
INSERT INTO docs VALUES ('2020-01-04', 12, 'sp_alice', 7);
INSERT INTO docs SELECT '2020-01-05', 13, 'sp_bob', 1 RETURNING id;
SELECT * FROM try($$INSERT INTO %s VALUES ('2020-01-04', 10, 'sp_alice', 1)$$);
SELECT * FROM try($$INSERT INTO %s VALUES ('2020-01-04', 11, 'sp_bob', 1)$$);
SELECT * FROM try($$INSERT INTO %s VALUES ('2020-01-06', 12, 'sp_alice', 7)$$);
-- ON CONFLICT DO NOTHING: the proposed row is checked all the same
INSERT INTO docs VALUES ('2020-01-01', 2, 'sp_bob', 1) ON CONFLICT DO NOTHING;
SELECT * FROM try($$INSERT INTO %s VALUES ('2020-01-01', 2, 'sp_bob', 1) ON CONFLICT DO NOTHING$$);
SELECT * FROM try($$INSERT INTO %s VALUES ('2020-01-01', 2, 'sp_alice', 1) ON CONFLICT DO NOTHING$$);
-- ON CONFLICT DO UPDATE: the insert check, the existing row (UPDATE USING,
-- here a row alice cannot see and one with level 9), the updated row
-- (UPDATE WITH CHECK)
INSERT INTO docs VALUES ('2020-01-01', 1, 'sp_alice', 8)
  ON CONFLICT (time, id) DO UPDATE SET level = 2;
INSERT INTO docs VALUES ('2020-01-01', 2, 'sp_alice', 1)
  ON CONFLICT (time, id) DO UPDATE SET level = 2;
INSERT INTO docs VALUES ('2020-01-02', 3, 'sp_alice', 1)
  ON CONFLICT (time, id) DO UPDATE SET level = 2;
INSERT INTO docs VALUES ('2020-01-01', 1, 'sp_alice', 1)
  ON CONFLICT (time, id) DO UPDATE SET level = 4;
INSERT INTO docs AS d VALUES ('2020-01-01', 1, 'sp_alice', 1)
  ON CONFLICT (time, id) DO UPDATE SET owner = 'sp_bob' WHERE d.level < 3;
SELECT * FROM try($$INSERT INTO %s VALUES ('2020-01-01', 1, 'sp_alice', 8) ON CONFLICT (time, id) DO UPDATE SET level = 2$$);
SELECT * FROM try($$INSERT INTO %s VALUES ('2020-01-01', 2, 'sp_alice', 1) ON CONFLICT (time, id) DO UPDATE SET level = 2$$);
SELECT * FROM try($$INSERT INTO %s VALUES ('2020-01-02', 3, 'sp_alice', 1) ON CONFLICT (time, id) DO UPDATE SET level = 2$$);
SELECT * FROM try($$INSERT INTO %s VALUES ('2020-01-01', 1, 'sp_alice', 1) ON CONFLICT (time, id) DO UPDATE SET level = 4$$);
SELECT * FROM try($$INSERT INTO %s AS d VALUES ('2020-01-01', 1, 'sp_alice', 1) ON CONFLICT (time, id) DO UPDATE SET owner = 'sp_bob' WHERE d.level < 3$$);
-- the existing row is checked before the DO UPDATE's WHERE, as PostgreSQL
-- does; what passes: an update within the policies, a new row
SELECT * FROM try($$INSERT INTO %s AS d VALUES ('2020-01-02', 3, 'sp_alice', 1) ON CONFLICT (time, id) DO UPDATE SET level = 2 WHERE d.level < 3$$);
SELECT * FROM try($$INSERT INTO %s AS d VALUES ('2020-01-01', 2, 'sp_alice', 1) ON CONFLICT (time, id) DO UPDATE SET level = 2 WHERE d.owner = current_user$$);
INSERT INTO docs VALUES ('2020-01-01', 1, 'sp_alice', 1)
  ON CONFLICT (time, id) DO UPDATE SET level = 3 RETURNING id, level;
INSERT INTO docs VALUES ('2020-01-07', 20, 'sp_alice', 4)
  ON CONFLICT (time, id) DO UPDATE SET level = 3 RETURNING id, level;
INSERT INTO docs_plain VALUES ('2020-01-01', 1, 'sp_alice', 1)
  ON CONFLICT (time, id) DO UPDATE SET level = 3 RETURNING id, level;
INSERT INTO docs_plain VALUES ('2020-01-07', 20, 'sp_alice', 4)
  ON CONFLICT (time, id) DO UPDATE SET level = 3 RETURNING id, level;
-- COPY FROM is refused, as PostgreSQL refuses it (before reading data)
COPY docs FROM '/dev/null';
SELECT * FROM try($$COPY %s FROM '/dev/null'$$);
-- UPDATE and DELETE see only alice's rows, updated rows are checked
UPDATE docs SET level = 0 WHERE id IN (2, 4, 5);
DELETE FROM docs WHERE owner = 'sp_bob';
UPDATE docs SET level = 4 WHERE id = 10;
UPDATE docs SET owner = 'sp_bob' WHERE id = 10;
SELECT * FROM try($$UPDATE %s SET level = 4 WHERE id = 10$$);
SELECT * FROM try($$UPDATE %s SET owner = 'sp_bob' WHERE id = 10$$);
UPDATE docs SET level = 3 WHERE id = 10 RETURNING id, level;
UPDATE docs_plain SET level = 3 WHERE id = 10 RETURNING id, level;
DELETE FROM docs WHERE id = 20;
DELETE FROM docs_plain WHERE id = 20;
-- both tables hold the same rows for alice
SELECT id, owner, level FROM docs ORDER BY id;
SELECT id, owner, level FROM docs_plain ORDER BY id;
RESET ROLE;
-- and for everybody (the superuser bypasses the policies)
SELECT id, owner, level FROM docs EXCEPT SELECT id, owner, level FROM docs_plain;
SELECT id, owner, level FROM docs ORDER BY id;

-- a BYPASSRLS role is not subject to them either
CREATE ROLE sp_bypass BYPASSRLS;
GRANT SELECT, INSERT ON docs, docs_plain TO sp_bypass;
SET ROLE sp_bypass;
SELECT * FROM try($$INSERT INTO %s VALUES ('2020-01-09', 42, 'sp_bob', 9)$$);
SELECT count(*) AS bypass_sees FROM docs;
RESET ROLE;

-- the owner is subject to its policies with FORCE ROW LEVEL SECURITY
SET ROLE sp_owner;
ALTER TABLE docs FORCE ROW LEVEL SECURITY;
SELECT count(*) AS owner_sees FROM docs;
INSERT INTO docs VALUES ('2020-01-09', 40, 'sp_bob', 1);
COPY docs FROM '/dev/null';
INSERT INTO docs VALUES ('2020-01-09', 41, 'sp_owner', 1);
ALTER TABLE docs NO FORCE ROW LEVEL SECURITY;
SELECT count(*) AS owner_sees FROM docs;
RESET ROLE;

-- a BEFORE ROW trigger's changes are checked, as on a table
CREATE FUNCTION raise_level() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN NEW.level := NEW.level + 10; RETURN NEW; END $$;
CREATE TRIGGER raise_level BEFORE INSERT ON docs FOR EACH ROW EXECUTE FUNCTION raise_level();
CREATE TRIGGER raise_level BEFORE INSERT ON docs_plain FOR EACH ROW EXECUTE FUNCTION raise_level();
SET ROLE sp_alice;
SELECT * FROM try($$INSERT INTO %s VALUES ('2020-01-10', 50, 'sp_alice', 1)$$);
RESET ROLE;
DROP TRIGGER raise_level ON docs;
DROP TRIGGER raise_level ON docs_plain;

-- ---------------------------------------------------------------------------
-- A chunk shows no more than the root: chunks have the root's row-level
-- security, kept in step with it
-- ---------------------------------------------------------------------------
-- a role's view of one chunk, by its name and through the root
CREATE FUNCTION seen(chunk regclass, OUT via_chunk text, OUT via_root text) LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT string_agg(id || '':'' || owner || '':'' || level, '' '' ORDER BY id) FROM %s', chunk)
    INTO via_chunk;
  SELECT string_agg(id || ':' || owner || ':' || level, ' ' ORDER BY id) INTO via_root
    FROM docs WHERE tableoid = chunk;
END $$;
-- the rows a statement affects (then undone) on one chunk and through
-- the root, or the error's SQLSTATE; %s is the table's name
CREATE FUNCTION rows_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE q;
  GET DIAGNOSTICS n = ROW_COUNT;
  RAISE SQLSTATE 'MN001';
EXCEPTION WHEN SQLSTATE 'MN001' THEN RETURN n::text; WHEN OTHERS THEN RETURN SQLSTATE;
END $$;
CREATE FUNCTION affects(q text, chunk regclass, OUT via_chunk text, OUT via_root text) LANGUAGE sql AS
$$ SELECT rows_of(format(q, chunk)), rows_of(format(q, 'docs')) $$;
-- the chunk's policies and flags, as those of the root
CREATE FUNCTION rls_of(t regclass) RETURNS TABLE (relrowsecurity bool, relforcerowsecurity bool, policy text)
LANGUAGE sql AS $$
  SELECT c.relrowsecurity, c.relforcerowsecurity,
         format('%s %s %s %s using(%s) check(%s)', p.policyname, p.permissive, p.roles, p.cmd, p.qual, p.with_check)
    FROM pg_class c LEFT JOIN pg_policies p ON p.schemaname = c.relnamespace::regnamespace::name AND p.tablename = c.relname
   WHERE c.oid = t ORDER BY 3 $$;
CREATE FUNCTION same_rls(chunk regclass) RETURNS bool LANGUAGE sql AS $$
  SELECT NOT EXISTS ((SELECT * FROM rls_of(chunk) EXCEPT SELECT * FROM rls_of('docs'))
                     UNION ALL (SELECT * FROM rls_of('docs') EXCEPT SELECT * FROM rls_of(chunk))) $$;
INSERT INTO docs VALUES ('2020-01-01 01:00', 60, 'sp_alice', 0), ('2020-01-01 01:00', 61, 'sp_bob', 0),
                        ('2020-01-01 01:00', 62, 'sp_alice', 9);
SELECT tableoid::regclass AS day1 FROM docs WHERE id = 1 \gset
SELECT tableoid::regclass = :'day1'::regclass AS same_chunk FROM docs WHERE id IN (2, 60, 61, 62);
SELECT * FROM rls_of(:'day1');
SELECT same_rls(:'day1');
SET ROLE sp_alice;
-- SELECT: the chunk hides bob's rows as the root does
SELECT * FROM seen(:'day1');
-- UPDATE, DELETE, INSERT on the chunk: the rows the policies let through,
-- new and updated rows checked, as through the root
SELECT * FROM affects($$UPDATE %s SET level = 0 WHERE id IN (2, 61)$$, :'day1') AS update_bob;
SELECT * FROM affects($$UPDATE %s SET level = 1 WHERE id IN (1, 60, 62)$$, :'day1') AS update_own;
SELECT * FROM affects($$UPDATE %s SET level = 4 WHERE id = 60$$, :'day1') AS update_check;
SELECT * FROM affects($$DELETE FROM %s WHERE id IN (2, 61)$$, :'day1') AS delete_bob;
SELECT * FROM affects($$DELETE FROM %s WHERE id IN (1, 60, 62)$$, :'day1') AS delete_own;
SELECT * FROM affects($$INSERT INTO %s VALUES ('2020-01-01 02:00', 63, 'sp_bob', 1)$$, :'day1') AS insert_bob;
SELECT * FROM affects($$INSERT INTO %s VALUES ('2020-01-01 02:00', 63, 'sp_alice', 1)$$, :'day1') AS insert_own;
SELECT * FROM seen(:'day1');
RESET ROLE;
-- bob's rows untouched, the level 9 row too
SELECT id, owner, level FROM docs WHERE id >= 60 OR id = 2 ORDER BY id;

-- ALTER POLICY (expression, roles, name), CREATE POLICY, DROP POLICY on
-- the root: the chunk follows, and shows alice what the root shows
SET ROLE sp_owner;
ALTER POLICY own ON docs USING (owner = current_user OR level = 0);
SELECT same_rls(:'day1');
SET ROLE sp_alice;
SELECT * FROM seen(:'day1');
SET ROLE sp_owner;
ALTER POLICY own ON docs TO sp_bob;
SELECT same_rls(:'day1');
SET ROLE sp_alice;
SELECT * FROM seen(:'day1');
SET ROLE sp_owner;
ALTER POLICY own ON docs TO PUBLIC;
ALTER POLICY own ON docs RENAME TO mine;
CREATE POLICY hide_zero ON docs AS RESTRICTIVE FOR SELECT USING (level <> 0);
SELECT same_rls(:'day1');
SELECT * FROM rls_of(:'day1');
SET ROLE sp_alice;
SELECT * FROM seen(:'day1');
SELECT * FROM affects($$DELETE FROM %s WHERE id IN (1, 61)$$, :'day1') AS delete_zero;
SET ROLE sp_owner;
DROP POLICY hide_zero ON docs;
-- a policy calling a function of a user's schema: the copy calls the same
-- function, whatever the search_path
CREATE FUNCTION public.below_nine(int) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT $1 < 9';
SET search_path = pg_catalog, public;
CREATE POLICY not_nine ON docs AS RESTRICTIVE FOR SELECT USING (below_nine(level));
RESET search_path;
SELECT same_rls(:'day1');
SELECT policyname, qual FROM pg_policies WHERE policyname = 'not_nine' ORDER BY tablename = 'docs' DESC LIMIT 2;
SET ROLE sp_alice;
SELECT * FROM seen(:'day1');
SET ROLE sp_owner;
DROP POLICY not_nine ON docs;
ALTER POLICY mine ON docs USING (owner = current_user);
SELECT same_rls(:'day1');
-- a chunk made now has the policies
INSERT INTO docs VALUES ('2020-02-01', 70, 'sp_alice', 1), ('2020-02-01', 71, 'sp_bob', 1);
SELECT tableoid::regclass AS day2 FROM docs WHERE id = 70 \gset
SELECT policyname, permissive, roles, cmd, qual, with_check FROM pg_policies
 WHERE schemaname || '.' || tablename = :'day2' ORDER BY policyname;
SELECT same_rls(:'day2');
SET ROLE sp_alice;
SELECT * FROM seen(:'day2');

-- the owner bypasses the chunk's policies as the root's, until FORCE
SET ROLE sp_owner;
SELECT (SELECT count(*) FROM docs WHERE tableoid = :'day1'::regclass) AS owner_root,
       (SELECT count(*) FROM :day1) AS owner_chunk;
ALTER TABLE docs FORCE ROW LEVEL SECURITY;
SELECT same_rls(:'day1'), same_rls(:'day2');
SELECT (SELECT count(*) FROM docs WHERE tableoid = :'day1'::regclass) AS owner_root,
       (SELECT count(*) FROM :day1) AS owner_chunk;
ALTER TABLE docs NO FORCE ROW LEVEL SECURITY;
SELECT same_rls(:'day1'), same_rls(:'day2');
-- DISABLE: alice sees every row, through the root and the chunk
ALTER TABLE docs DISABLE ROW LEVEL SECURITY;
SELECT same_rls(:'day1'), same_rls(:'day2');
SET ROLE sp_alice;
SELECT * FROM seen(:'day1');
SET ROLE sp_owner;
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
SELECT same_rls(:'day1'), same_rls(:'day2');
SET ROLE sp_alice;
SELECT * FROM seen(:'day1');
-- ON CONFLICT through the root still answers as on the plain table
SELECT * FROM try($$INSERT INTO %s VALUES ('2020-01-01', 1, 'sp_alice', 1) ON CONFLICT (time, id) DO UPDATE SET level = 2$$);
SELECT * FROM try($$INSERT INTO %s VALUES ('2020-01-01', 2, 'sp_alice', 1) ON CONFLICT (time, id) DO UPDATE SET level = 2$$);
RESET ROLE;

-- ---------------------------------------------------------------------------
-- Views WITH CHECK OPTION
-- ---------------------------------------------------------------------------
CREATE TABLE events (time timestamptz NOT NULL, id int NOT NULL, level int, UNIQUE (time, id));
SELECT table_name FROM create_hypertable('events', 'time');
CREATE TABLE events_plain (LIKE events INCLUDING ALL);
CREATE VIEW low_events AS SELECT * FROM events WHERE level < 3 WITH CHECK OPTION;
CREATE VIEW low_events_plain AS SELECT * FROM events_plain WHERE level < 3 WITH CHECK OPTION;
CREATE VIEW lower_events AS SELECT * FROM low_events WHERE level > 0 WITH CASCADED CHECK OPTION;
CREATE VIEW lower_events_plain AS SELECT * FROM low_events_plain WHERE level > 0 WITH CASCADED CHECK OPTION;
INSERT INTO low_events VALUES ('2020-01-01', 2, 5);
INSERT INTO lower_events VALUES ('2020-01-01', 3, 0);
INSERT INTO lower_events VALUES ('2020-01-01', 4, 7);
SELECT * FROM try($$INSERT INTO low_%s VALUES ('2020-01-01', 1, 1)$$, 'events');
SELECT * FROM try($$INSERT INTO low_%s VALUES ('2020-01-01', 2, 5)$$, 'events');
SELECT * FROM try($$INSERT INTO lower_%s VALUES ('2020-01-01', 3, 0)$$, 'events');
SELECT * FROM try($$INSERT INTO lower_%s VALUES ('2020-01-01', 4, 7)$$, 'events');
SELECT * FROM try($$INSERT INTO lower_%s VALUES ('2020-01-01', 5, 2)$$, 'events');
SELECT * FROM try($$INSERT INTO low_%s VALUES ('2020-01-01', 1, 2) ON CONFLICT (time, id) DO UPDATE SET level = 6$$, 'events');
SELECT * FROM try($$INSERT INTO low_%s VALUES ('2020-01-01', 1, 2) ON CONFLICT (time, id) DO UPDATE SET level = 2$$, 'events');
INSERT INTO low_events VALUES ('2020-01-01', 1, 2) ON CONFLICT (time, id) DO UPDATE SET level = 6;
SELECT * FROM try($$INSERT INTO low_%s VALUES ('2020-01-01', 1, 7) ON CONFLICT DO NOTHING$$, 'events');
SELECT * FROM try($$INSERT INTO low_%s VALUES ('2020-01-01', 6, 7) ON CONFLICT DO NOTHING$$, 'events');
SELECT * FROM try($$UPDATE low_%s SET level = 9$$, 'events');
SELECT * FROM events EXCEPT SELECT * FROM events_plain;
SELECT id, level FROM events ORDER BY id;

-- ... on a distributed hypertable: checked on the access node before the
-- rows are sent (so also a row that ON CONFLICT DO NOTHING would skip on
-- the data node: stricter than PostgreSQL, which skips it unchecked)
CREATE VIEW low_readings AS SELECT * FROM readings WHERE val < 1000 WITH CHECK OPTION;
INSERT INTO low_readings VALUES ('2020-01-02 00:00+00', 1, 999);
INSERT INTO low_readings VALUES ('2020-01-02 00:00+00', 1, 1000);
INSERT INTO low_readings SELECT '2020-01-03 00:00+00', d, d * 500 FROM generate_series(1, 3) d;
INSERT INTO low_readings VALUES ('2020-01-02 00:00+00', 2, 5000) ON CONFLICT DO NOTHING;
SELECT sqlstate_of($$INSERT INTO low_readings VALUES ('2020-01-02 00:00+00', 2, 5000)$$) AS view_check;
SELECT count(*) AS big_values FROM readings WHERE val >= 1000;
-- the row DO UPDATE stores is only seen on the data node: refused
CREATE TABLE keyed (time timestamptz NOT NULL, id int NOT NULL, v int, UNIQUE (time, id));
SELECT table_name FROM create_distributed_hypertable('keyed', 'time', 'id');
CREATE VIEW low_keyed AS SELECT * FROM keyed WHERE v < 10 WITH CHECK OPTION;
INSERT INTO low_keyed VALUES ('2020-01-01', 1, 1) ON CONFLICT (time, id) DO NOTHING;
INSERT INTO low_keyed VALUES ('2020-01-01', 1, 11) ON CONFLICT (time, id) DO NOTHING;
INSERT INTO low_keyed VALUES ('2020-01-01', 1, 2) ON CONFLICT (time, id) DO UPDATE SET v = 20;
INSERT INTO keyed VALUES ('2020-01-01', 1, 3) ON CONFLICT (time, id) DO UPDATE SET v = 20;
SELECT * FROM keyed;

-- ---------------------------------------------------------------------------
-- Row-level security on a distributed hypertable is refused, never ignored
-- ---------------------------------------------------------------------------
ALTER TABLE readings ENABLE ROW LEVEL SECURITY;
ALTER TABLE readings FORCE ROW LEVEL SECURITY;
SELECT sqlstate_of('ALTER TABLE readings ENABLE ROW LEVEL SECURITY') AS enable_rls;
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'readings'::regclass;
CREATE TABLE secured (time timestamptz NOT NULL, v int);
ALTER TABLE secured ENABLE ROW LEVEL SECURITY;
SELECT create_distributed_hypertable('secured', 'time');
ALTER TABLE secured DISABLE ROW LEVEL SECURITY;
ALTER TABLE secured FORCE ROW LEVEL SECURITY;
SELECT sqlstate_of($$SELECT create_distributed_hypertable('secured', 'time')$$) AS force_rls;
ALTER TABLE secured NO FORCE ROW LEVEL SECURITY;
SELECT table_name FROM create_distributed_hypertable('secured', 'time');

\c regression
DROP DATABASE sp_access;
DROP DATABASE sp_dn1;
DROP DATABASE sp_dn2;
DROP ROLE sp_reader, sp_writer, sp_nobody, sp_owner, sp_alice, sp_bob, sp_columns, sp_bypass;
