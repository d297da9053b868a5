-- The DDL family on a distributed hypertable: each statement changes the
-- access node and every data node in one distributed transaction, chunks
-- follow the root, and schema_diff() (include/schema_compare.sql) finds no
-- difference afterwards.  Names are mixed-case, quoted and keywords.
\set VERBOSITY terse
SET client_min_messages = notice;
CREATE DATABASE dd_access;
\c dd_access
CREATE EXTENSION multinode;
\getenv abs_srcdir PG_ABS_SRCDIR
\set compare :abs_srcdir '/sql/include/schema_compare.sql'
\set ECHO none
\i :compare
\set ECHO all
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'dd_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'dd_dn2');

CREATE SCHEMA "Sch";
CREATE TABLE "Sch"."Tab" ("time" timestamptz NOT NULL, "Dev" int, "select" float, note text);
SELECT hypertable_id, created FROM create_distributed_hypertable('"Sch"."Tab"', 'time', 'Dev',
       data_nodes => '{dn1,dn2}', chunk_time_interval => interval '1 day');
INSERT INTO "Sch"."Tab" SELECT t, d, d, 'x'
  FROM generate_series('2021-01-01'::timestamptz, '2021-01-03', '6 hours') t, generate_series(1, 4) d;
CREATE INDEX "Idx" ON "Sch"."Tab" ("Dev", "time");
ALTER TABLE "Sch"."Tab" ADD CONSTRAINT "Uniq" UNIQUE ("time", "Dev");
CREATE FUNCTION "Sch"."Stamp"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CALL distributed_exec($$CREATE FUNCTION "Sch"."Stamp"() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'$$);
CREATE TRIGGER "Trig" BEFORE INSERT ON "Sch"."Tab" FOR EACH ROW EXECUTE FUNCTION "Sch"."Stamp"();
SELECT * FROM schema_diff('"Sch"."Tab"');

-- the helper sees a difference: a comment made on one data node alone
\c dd_dn1
COMMENT ON TABLE "Sch"."Tab" IS 'dn1 only';
SET multinode.enable_client_ddl_on_data_nodes = on;
COMMENT ON TABLE "Sch"."Tab" IS 'dn1 only';
\c dd_access
SELECT * FROM schema_diff('"Sch"."Tab"');

-------------------------------------------------------------------------------
-- COMMENT ON the table, a column, an index, a constraint, a trigger
-------------------------------------------------------------------------------
COMMENT ON TABLE "Sch"."Tab" IS 'readings';
COMMENT ON COLUMN "Sch"."Tab"."select" IS 'the value';
COMMENT ON INDEX "Sch"."Idx" IS 'by device';
COMMENT ON CONSTRAINT "Uniq" ON "Sch"."Tab" IS 'one per device and time';
COMMENT ON TRIGGER "Trig" ON "Sch"."Tab" IS 'stamps';
SELECT * FROM schema_diff('"Sch"."Tab"');
COMMENT ON COLUMN "Sch"."Tab"."select" IS NULL;
SELECT * FROM schema_diff('"Sch"."Tab"');

-------------------------------------------------------------------------------
-- ALTER INDEX ... RENAME: the data nodes' index and its chunk copies follow
-------------------------------------------------------------------------------
ALTER INDEX "Sch"."Idx" RENAME TO "Idx Two";
SELECT * FROM schema_diff('"Sch"."Tab"');
\c dd_dn1
SELECT count(*) > 0 AS copies_renamed, bool_and(indexname LIKE '%Idx Two') AS all_renamed
  FROM pg_indexes WHERE tablename IN (SELECT relname FROM pg_class WHERE oid IN (SELECT show_chunks('"Sch"."Tab"')))
   AND indexname LIKE '%Idx%';
\c dd_access
-- ALTER TABLE names indexes too
ALTER TABLE "Sch"."Idx Two" RENAME TO "Idx";
SELECT * FROM schema_diff('"Sch"."Tab"');
-- a constraint's index: the constraint is renamed with it, on the chunks too
ALTER INDEX "Sch"."Uniq" RENAME TO "Uniq Idx";
SELECT * FROM schema_diff('"Sch"."Tab"');

-------------------------------------------------------------------------------
-- ALTER INDEX ... SET / RESET: the chunk copies too
-------------------------------------------------------------------------------
ALTER INDEX "Sch"."Idx" SET (fillfactor = 70);
SELECT * FROM schema_diff('"Sch"."Tab"');
\c dd_dn2
SELECT DISTINCT c.reloptions FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
 WHERE i.indrelid IN (SELECT show_chunks('"Sch"."Tab"')) AND c.relname LIKE '%chunk_Idx';
\c dd_access
ALTER INDEX "Sch"."Idx" RESET (fillfactor);
SELECT * FROM schema_diff('"Sch"."Tab"');
\c dd_dn2
SELECT DISTINCT c.reloptions FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
 WHERE i.indrelid IN (SELECT show_chunks('"Sch"."Tab"')) AND c.relname LIKE '%chunk_Idx';
\c dd_access

-------------------------------------------------------------------------------
-- ALTER TABLE ... RENAME CONSTRAINT (UNIQUE with chunk copies, and CHECK)
-------------------------------------------------------------------------------
ALTER TABLE "Sch"."Tab" RENAME CONSTRAINT "Uniq Idx" TO "Uniq";
SELECT * FROM schema_diff('"Sch"."Tab"');
ALTER TABLE "Sch"."Tab" ADD CONSTRAINT "Positive" CHECK ("select" >= 0);
ALTER TABLE "Sch"."Tab" RENAME CONSTRAINT "Positive" TO "check";
SELECT * FROM schema_diff('"Sch"."Tab"');
\c dd_dn1
SELECT DISTINCT conname FROM pg_constraint
 WHERE conrelid IN (SELECT show_chunks('"Sch"."Tab"')) AND contype IN ('c', 'u')
   AND conname NOT LIKE 'constraint_%' ORDER BY 1;
\c dd_access

-------------------------------------------------------------------------------
-- ALTER TRIGGER ... RENAME: the chunks' copies are renamed on the nodes
-------------------------------------------------------------------------------
ALTER TRIGGER "Trig" ON "Sch"."Tab" RENAME TO "Trig Two";
SELECT * FROM schema_diff('"Sch"."Tab"');

-------------------------------------------------------------------------------
-- ALTER TABLE ... SET / RESET storage parameters, REPLICA IDENTITY
-------------------------------------------------------------------------------
ALTER TABLE "Sch"."Tab" SET (fillfactor = 80, autovacuum_enabled = false);
SELECT * FROM schema_diff('"Sch"."Tab"');
\c dd_dn1
SELECT DISTINCT reloptions FROM pg_class WHERE oid IN (SELECT show_chunks('"Sch"."Tab"'));
\c dd_access
ALTER TABLE "Sch"."Tab" RESET (autovacuum_enabled);
SELECT * FROM schema_diff('"Sch"."Tab"');
ALTER TABLE "Sch"."Tab" REPLICA IDENTITY FULL;
SELECT * FROM schema_diff('"Sch"."Tab"');
ALTER TABLE "Sch"."Tab" ALTER COLUMN "Dev" SET NOT NULL;
ALTER TABLE "Sch"."Tab" REPLICA IDENTITY USING INDEX "Uniq";
SELECT * FROM schema_diff('"Sch"."Tab"');
ALTER TABLE "Sch"."Tab" REPLICA IDENTITY DEFAULT;

-------------------------------------------------------------------------------
-- CLUSTER, REINDEX: the chunks of every node
-------------------------------------------------------------------------------
CLUSTER "Sch"."Tab" USING "Idx";
SELECT * FROM schema_diff('"Sch"."Tab"');
\c dd_dn2
SELECT count(*) > 0 AS clustered_chunks, bool_and(i.indisclustered) AS every_chunk
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
 WHERE i.indrelid IN (SELECT show_chunks('"Sch"."Tab"')) AND c.relname LIKE '%chunk_Idx';
CREATE TABLE before_reindex AS
  SELECT c.relname, c.relfilenode FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
   WHERE i.indrelid IN (SELECT show_chunks('"Sch"."Tab"'));
\c dd_access
REINDEX INDEX "Sch"."Idx";
REINDEX TABLE "Sch"."Tab";
SELECT * FROM schema_diff('"Sch"."Tab"');
\c dd_dn2
SELECT count(*) AS chunk_indexes, count(*) FILTER (WHERE c.relfilenode <> b.relfilenode) AS rebuilt
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
  JOIN before_reindex b ON b.relname = c.relname
 WHERE i.indrelid IN (SELECT show_chunks('"Sch"."Tab"'));
\c dd_access
-- what cannot run inside the distributed transaction is refused, naming the alternative
\set VERBOSITY default
REINDEX TABLE CONCURRENTLY "Sch"."Tab";
CREATE INDEX CONCURRENTLY "Conc" ON "Sch"."Tab" (note);
\set VERBOSITY terse
DROP INDEX CONCURRENTLY "Sch"."Idx";
CREATE RULE "Nothing" AS ON DELETE TO "Sch"."Tab" DO INSTEAD NOTHING;

-------------------------------------------------------------------------------
-- DROP INDEX naming an index of the hypertable and one of a plain table
-------------------------------------------------------------------------------
CREATE TABLE "Sch"."Plain" (x int);
CREATE INDEX "Plain Idx" ON "Sch"."Plain" (x);
CREATE INDEX "Note Idx" ON "Sch"."Tab" (note);
SELECT * FROM schema_diff('"Sch"."Tab"');
DROP INDEX "Sch"."Plain Idx", "Sch"."Note Idx";
SELECT * FROM schema_diff('"Sch"."Tab"');
SELECT to_regclass('"Sch"."Plain Idx"') AS plain_idx, to_regclass('"Sch"."Note Idx"') AS note_idx;
\c dd_dn1
SELECT count(*) AS note_idx_left FROM pg_class WHERE relname LIKE '%Note Idx%';
\c dd_access

-------------------------------------------------------------------------------
-- GRANT / REVOKE naming the hypertable and a plain table: each node gets its part
-------------------------------------------------------------------------------
CREATE ROLE "Dd Reader";
ALTER TABLE "Sch"."Plain" ADD COLUMN "select" float, ADD COLUMN note text;
GRANT SELECT, UPDATE ("select", note) ON "Sch"."Plain", "Sch"."Tab" TO "Dd Reader", CURRENT_USER
  WITH GRANT OPTION;
SELECT * FROM schema_diff('"Sch"."Tab"');
REVOKE GRANT OPTION FOR SELECT ON "Sch"."Tab", "Sch"."Plain" FROM "Dd Reader" CASCADE;
SELECT * FROM schema_diff('"Sch"."Tab"');
SELECT relname, relacl FROM pg_class WHERE oid IN ('"Sch"."Plain"'::regclass, '"Sch"."Tab"'::regclass) ORDER BY 1;
REVOKE ALL ON "Sch"."Plain", "Sch"."Tab" FROM "Dd Reader";
SELECT * FROM schema_diff('"Sch"."Tab"');
DROP ROLE "Dd Reader";

-------------------------------------------------------------------------------
-- a data node that fails halfway: nothing changes anywhere
-------------------------------------------------------------------------------
\c dd_dn2
CREATE TABLE "Sch"."Blocker" (x int);
CREATE INDEX "Idx Renamed" ON "Sch"."Blocker" (x);
\c dd_access
ALTER INDEX "Sch"."Idx" RENAME TO "Idx Renamed";
SELECT to_regclass('"Sch"."Idx"') IS NOT NULL AS still_idx;
SELECT * FROM schema_diff('"Sch"."Tab"');
\c dd_dn1
SELECT count(*) AS renamed_on_dn1 FROM pg_class WHERE relname LIKE '%Idx Renamed%';
\c dd_access
COMMENT ON TABLE "Sch"."Tab" IS 'changed';
BEGIN;
COMMENT ON TABLE "Sch"."Tab" IS 'rolled back';
ALTER TABLE "Sch"."Tab" RENAME CONSTRAINT "Uniq" TO "Idx Renamed";
ROLLBACK;
SELECT obj_description('"Sch"."Tab"'::regclass, 'pg_class') AS comment;
SELECT * FROM schema_diff('"Sch"."Tab"');

-------------------------------------------------------------------------------
-- a data node refuses DDL on its member hypertable outside the access node's sessions
-------------------------------------------------------------------------------
\c dd_dn1
\set VERBOSITY default
ALTER INDEX "Sch"."Idx" RENAME TO "Local";
\set VERBOSITY terse
ALTER TABLE "Sch"."Tab" ADD COLUMN "Local" int;
DROP TABLE "Sch"."Tab";
CREATE INDEX "Local" ON "Sch"."Tab" (note);
-- other tables are the node's own business
CREATE TABLE "Sch"."Node Own" (x int);
ALTER TABLE "Sch"."Node Own" ADD COLUMN y int;
-- with the operators' setting, the node changes alone
SET multinode.enable_client_ddl_on_data_nodes = on;
COMMENT ON COLUMN "Sch"."Tab".note IS 'dn1 only';
RESET multinode.enable_client_ddl_on_data_nodes;
\c dd_access
SELECT * FROM schema_diff('"Sch"."Tab"');
COMMENT ON COLUMN "Sch"."Tab".note IS 'dn1 only';
SELECT * FROM schema_diff('"Sch"."Tab"');
\c dd_dn1
\c dd_access

-------------------------------------------------------------------------------
-- VACUUM runs on the data nodes' chunks
-------------------------------------------------------------------------------
DELETE FROM "Sch"."Tab" WHERE "Dev" = 1;
VACUUM (FREEZE, INDEX_CLEANUP 'on') "Sch"."Tab", "Sch"."Plain";
\c dd_dn1
SELECT count(*) > 0 AS chunks, bool_and(vacuum_count > 0) AS all_vacuumed
  FROM pg_stat_user_tables WHERE relid IN (SELECT show_chunks('"Sch"."Tab"'));
\c dd_access
BEGIN;
VACUUM "Sch"."Tab";
ROLLBACK;
-- a local hypertable's chunks too
CREATE TABLE "Loc" ("time" timestamptz NOT NULL, v int);
SELECT created FROM create_hypertable('"Loc"', 'time');
INSERT INTO "Loc" VALUES ('2021-01-01', 1), ('2021-03-01', 2);
VACUUM "Loc";
SELECT count(*) AS chunks, bool_and(vacuum_count > 0) AS all_vacuumed
  FROM pg_stat_user_tables WHERE relid IN (SELECT show_chunks('"Loc"'));

-------------------------------------------------------------------------------
-- DROP OWNED and DROP SCHEMA ... CASCADE reach the data nodes
-------------------------------------------------------------------------------
CREATE ROLE "Dd Owner";
CREATE SCHEMA "Drop Me";
CREATE TABLE "Drop Me"."Gone" ("time" timestamptz NOT NULL, v int);
CREATE TABLE "Drop Me"."Plain" (x int);
SELECT created FROM create_distributed_hypertable('"Drop Me"."Gone"', 'time');
CREATE TABLE "Sch"."Owned" ("time" timestamptz NOT NULL, v int);
SELECT created FROM create_distributed_hypertable('"Sch"."Owned"', 'time');
INSERT INTO "Sch"."Owned" VALUES ('2021-01-01', 1);
ALTER TABLE "Sch"."Owned" OWNER TO "Dd Owner";
GRANT SELECT ON "Sch"."Tab" TO "Dd Owner";
GRANT UPDATE ("select") ON "Sch"."Tab" TO "Dd Owner";
SELECT * FROM schema_diff('"Sch"."Tab"');
SELECT * FROM schema_diff('"Sch"."Owned"');
DROP OWNED BY "Dd Owner";
SELECT to_regclass('"Sch"."Owned"') AS owned, count(*) AS catalog_rows
  FROM _timescaledb_catalog.hypertable WHERE table_name = 'Owned';
SELECT * FROM schema_diff('"Sch"."Tab"');
DROP SCHEMA "Drop Me" CASCADE;
\c dd_dn2
SELECT to_regclass('"Sch"."Owned"') AS owned, to_regclass('"Drop Me"."Gone"') AS gone,
       (SELECT count(*) FROM _timescaledb_catalog.hypertable WHERE table_name IN ('Owned', 'Gone')) AS catalog_rows;
\c dd_access

-------------------------------------------------------------------------------
-- the edges of TimescaleDB's API
-------------------------------------------------------------------------------
CREATE FUNCTION sqlstate_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN EXECUTE stmt; RETURN 'ok';
EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ': ' || SQLERRM; END $$;
SELECT sqlstate_of($$SELECT create_distributed_hypertable('"Sch"."Tab"', 'time')$$);
SELECT created FROM create_distributed_hypertable('"Sch"."Tab"', 'time', if_not_exists => true);
SELECT sqlstate_of($$SELECT create_hypertable('"Loc"', 'time')$$);
SELECT sqlstate_of($$SELECT alter_data_node('dn1', host => '')$$);
SELECT sqlstate_of($$SELECT alter_data_node('dn1', database => '')$$);
SELECT node_name, host, database FROM alter_data_node('dn1');
CREATE ROLE "Dd User";
GRANT USAGE, CREATE ON SCHEMA "Sch" TO "Dd User";
SET ROLE "Dd User";
CREATE TABLE "Sch"."Theirs" ("time" timestamptz NOT NULL);
SELECT sqlstate_of($$SELECT create_distributed_hypertable('"Sch"."Theirs"', 'time')$$);
RESET ROLE;
DROP TABLE "Sch"."Theirs";
BEGIN;
SELECT _timescaledb_internal.remote_txn_heal_data_node(oid) FROM pg_foreign_server WHERE srvname = 'dn1';
ROLLBACK;
BEGIN;
SELECT _timescaledb_functions.remote_txn_heal_data_node(oid) FROM pg_foreign_server WHERE srvname = 'dn1';
ROLLBACK;
SELECT _timescaledb_internal.remote_txn_heal_data_node(oid) FROM pg_foreign_server WHERE srvname = 'dn1';

\c regression
DROP DATABASE dd_access;
DROP DATABASE dd_dn1;
DROP DATABASE dd_dn2;
DROP ROLE "Dd Owner";
DROP ROLE "Dd User";
