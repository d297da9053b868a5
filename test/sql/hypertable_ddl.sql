-- DDL on hypertable roots that must reach the chunks: constraints added
-- after chunks exist (UNIQUE, PRIMARY KEY, CHECK, NOT NULL, FOREIGN KEY),
-- dropped again, and row triggers; on a local hypertable and on a
-- distributed one, whose data nodes are other databases of this instance.
\set VERBOSITY default
SET client_min_messages = notice;
CREATE DATABASE hdd_access;
\c hdd_access
CREATE EXTENSION multinode;

-------------------------------------------------------------------------------
-- local hypertable: constraints
-------------------------------------------------------------------------------
CREATE TABLE "Loc Readings" (time timestamptz NOT NULL, "Dev" int, val float);
SELECT create_hypertable('"Loc Readings"', 'time', chunk_time_interval => interval '1 day');
INSERT INTO "Loc Readings" VALUES ('2021-01-01 01:00', 1, 1), ('2021-01-02 01:00', 1, 2);
-- a UNIQUE constraint without the time column is refused
ALTER TABLE "Loc Readings" ADD CONSTRAINT dev_only UNIQUE ("Dev");
-- with it, it reaches both existing chunks
ALTER TABLE "Loc Readings" ADD CONSTRAINT "Loc Uniq" UNIQUE (time, "Dev");
SELECT conrelid::regclass AS chunk, conname, contype FROM pg_constraint
 WHERE conrelid IN (SELECT show_chunks('"Loc Readings"')) AND contype = 'u' ORDER BY 1;
INSERT INTO "Loc Readings" VALUES ('2021-01-02 01:00', 1, 99);
-- a later chunk enforces it too
INSERT INTO "Loc Readings" VALUES ('2021-01-05 01:00', 1, 3);
INSERT INTO "Loc Readings" VALUES ('2021-01-05 01:00', 1, 4);
-- ON CONFLICT finds it in an existing chunk
INSERT INTO "Loc Readings" VALUES ('2021-01-01 01:00', 1, 5) ON CONFLICT DO NOTHING;
-- CHECK and NOT NULL reach the chunks by inheritance
ALTER TABLE "Loc Readings" ADD CONSTRAINT val_positive CHECK (val > 0);
INSERT INTO "Loc Readings" VALUES ('2021-01-01 02:00', 1, -1);
ALTER TABLE "Loc Readings" ALTER COLUMN "Dev" SET NOT NULL;
INSERT INTO "Loc Readings" VALUES ('2021-01-01 03:00', NULL, 1);
-- DROP CONSTRAINT drops it from every chunk
ALTER TABLE "Loc Readings" DROP CONSTRAINT "Loc Uniq";
SELECT count(*) AS chunk_unique_left FROM pg_constraint
 WHERE conrelid IN (SELECT show_chunks('"Loc Readings"')) AND contype = 'u';
SELECT count(*) AS chunk_unique_indexes_left FROM pg_indexes
 WHERE schemaname = '_timescaledb_internal' AND indexname LIKE '%Loc Uniq%';
INSERT INTO "Loc Readings" VALUES ('2021-01-02 01:00', 1, 99);
-- a PRIMARY KEY likewise, and a long name is truncated on the chunks
ALTER TABLE "Loc Readings" DROP CONSTRAINT val_positive;
DELETE FROM "Loc Readings" WHERE val = 99;
ALTER TABLE "Loc Readings" ADD CONSTRAINT
  a_primary_key_with_a_name_long_enough_to_be_truncated_on_chunks PRIMARY KEY ("Dev", time);
SELECT conname, length(conname) <= 63 AS fits FROM pg_constraint
 WHERE conrelid IN (SELECT show_chunks('"Loc Readings"')) AND contype = 'p' ORDER BY 1;
INSERT INTO "Loc Readings" VALUES ('2021-01-05 01:00', 1, 7);
ALTER TABLE "Loc Readings" DROP CONSTRAINT
  a_primary_key_with_a_name_long_enough_to_be_truncated_on_chunks;
SELECT count(*) AS chunk_pkeys_left FROM pg_constraint
 WHERE conrelid IN (SELECT show_chunks('"Loc Readings"')) AND contype = 'p';

-- FOREIGN KEY to a plain table: checked on existing and new chunks, dropped with the root's
CREATE TABLE devices (id int PRIMARY KEY);
INSERT INTO devices VALUES (1);
ALTER TABLE "Loc Readings" ADD CONSTRAINT dev_fk FOREIGN KEY ("Dev") REFERENCES devices (id);
INSERT INTO "Loc Readings" VALUES ('2021-01-01 04:00', 2, 1);
INSERT INTO "Loc Readings" VALUES ('2021-01-09 04:00', 2, 1);
DELETE FROM devices WHERE id = 1;
ALTER TABLE "Loc Readings" DROP CONSTRAINT dev_fk;
SELECT count(*) AS chunk_fkeys_left FROM pg_constraint
 WHERE conrelid IN (SELECT show_chunks('"Loc Readings"')) AND contype = 'f';
INSERT INTO "Loc Readings" VALUES ('2021-01-01 04:00', 2, 1);

-------------------------------------------------------------------------------
-- local hypertable: row triggers fire once per routed row
-------------------------------------------------------------------------------
CREATE TABLE trigger_log (event text, dev int, val float);
CREATE FUNCTION log_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO trigger_log VALUES (TG_WHEN || ' ' || TG_LEVEL || ' ' || TG_OP, NEW."Dev", NEW.val);
  IF TG_WHEN = 'BEFORE' THEN NEW.val := NEW.val * 10; END IF;
  RETURN NEW;
END $$;
CREATE FUNCTION log_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO trigger_log VALUES (TG_WHEN || ' ' || TG_LEVEL || ' ' || TG_OP, NULL, NULL);
  RETURN NULL;
END $$;
CREATE TRIGGER "Before Row" BEFORE INSERT ON "Loc Readings" FOR EACH ROW EXECUTE FUNCTION log_row();
CREATE TRIGGER after_row AFTER INSERT ON "Loc Readings" FOR EACH ROW EXECUTE FUNCTION log_row();
CREATE TRIGGER before_stmt BEFORE INSERT ON "Loc Readings" FOR EACH STATEMENT EXECUTE FUNCTION log_statement();
-- an existing chunk and a new one, by INSERT and by COPY
INSERT INTO "Loc Readings" VALUES ('2021-01-01 05:00', 3, 1), ('2021-01-20 05:00', 3, 2)
RETURNING "Dev", val;
COPY "Loc Readings" FROM stdin;
2021-01-01 06:00:00+00	4	1
2021-01-21 06:00:00+00	4	2
\.
SELECT event, count(*) FROM trigger_log GROUP BY 1 ORDER BY 1;
SELECT "Dev", val FROM "Loc Readings" WHERE "Dev" IN (3, 4) ORDER BY 1, 2;
-- the trigger is on every chunk, including the ones made after it
SELECT count(DISTINCT tgrelid) = (SELECT count(*) FROM show_chunks('"Loc Readings"')) AS on_every_chunk
  FROM pg_trigger WHERE tgname = 'Before Row' AND tgrelid <> '"Loc Readings"'::regclass;
-- DISABLE / ENABLE follow on the chunks
TRUNCATE trigger_log;
ALTER TABLE "Loc Readings" DISABLE TRIGGER "Before Row";
INSERT INTO "Loc Readings" VALUES ('2021-01-01 07:00', 5, 1);
ALTER TABLE "Loc Readings" ENABLE TRIGGER "Before Row";
INSERT INTO "Loc Readings" VALUES ('2021-01-01 08:00', 5, 1);
SELECT event, count(*) FROM trigger_log GROUP BY 1 ORDER BY 1;
-- CREATE OR REPLACE reaches the copies: now only logs, no longer multiplies
CREATE FUNCTION log_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO trigger_log VALUES ('replaced', NEW."Dev", NEW.val); RETURN NEW; END $$;
CREATE OR REPLACE TRIGGER "Before Row" BEFORE INSERT ON "Loc Readings" FOR EACH ROW EXECUTE FUNCTION log_only();
INSERT INTO "Loc Readings" VALUES ('2021-01-01 09:00', 6, 1) RETURNING val;
SELECT count(*) FILTER (WHERE event = 'replaced') AS replaced FROM trigger_log;
-- row triggers with transition tables cannot be on chunks: refused
CREATE TRIGGER with_table AFTER INSERT ON "Loc Readings" REFERENCING NEW TABLE AS new_rows
  FOR EACH ROW EXECUTE FUNCTION log_row();
-- DROP TRIGGER drops the chunks' copies
DROP TRIGGER "Before Row" ON "Loc Readings";
SELECT count(*) AS copies_left FROM pg_trigger WHERE tgname = 'Before Row';
DROP TRIGGER after_row ON "Loc Readings";
DROP TRIGGER before_stmt ON "Loc Readings";

-------------------------------------------------------------------------------
-- distributed hypertable
-------------------------------------------------------------------------------
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'hdd_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'hdd_dn2');
CREATE TABLE "Dist Readings" (time timestamptz NOT NULL, dev int, val float, note text);
SELECT create_distributed_hypertable('"Dist Readings"', 'time', 'dev',
       data_nodes => '{dn1,dn2}', chunk_time_interval => interval '1 day');
INSERT INTO "Dist Readings" VALUES ('2021-01-01 01:00', 1, 1), ('2021-01-01 01:00', 2, 2);
-- the partitioning columns are required, time and space
ALTER TABLE "Dist Readings" ADD CONSTRAINT no_space UNIQUE (time);
ALTER TABLE "Dist Readings" ADD CONSTRAINT "Dist Uniq" UNIQUE (time, dev);
\set VERBOSITY terse
INSERT INTO "Dist Readings" VALUES ('2021-01-01 01:00', 1, 10);
INSERT INTO "Dist Readings" VALUES ('2021-01-07 01:00', 1, 1);
INSERT INTO "Dist Readings" VALUES ('2021-01-07 01:00', 1, 2);
\set VERBOSITY default
\c hdd_dn1
SELECT conrelid::regclass AS chunk, conname FROM pg_constraint
 WHERE conrelid IN (SELECT show_chunks('"Dist Readings"')) AND contype = 'u' ORDER BY 1;
\c hdd_access
ALTER TABLE "Dist Readings" DROP CONSTRAINT "Dist Uniq";
\c hdd_dn1
SELECT count(*) AS chunk_unique_left FROM pg_constraint
 WHERE conrelid IN (SELECT show_chunks('"Dist Readings"')) AND contype = 'u';
\c hdd_access
INSERT INTO "Dist Readings" VALUES ('2021-01-01 01:00', 1, 10);
-- foreign keys are refused
ALTER TABLE "Dist Readings" ADD CONSTRAINT dev_fk FOREIGN KEY (dev) REFERENCES devices (id);

-- row triggers fire on the data nodes, for every chunk, old and new
CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.note := 'stamped on ' || current_database(); RETURN NEW; END $$;
-- the function must exist on the data nodes first
CREATE TRIGGER stamp BEFORE INSERT ON "Dist Readings" FOR EACH ROW EXECUTE FUNCTION stamp();
CALL distributed_exec($dx$CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.note := 'stamped on ' || current_database(); RETURN NEW; END $$
$dx$);
CREATE TRIGGER stamp BEFORE INSERT ON "Dist Readings" FOR EACH ROW EXECUTE FUNCTION stamp();
INSERT INTO "Dist Readings" VALUES ('2021-01-01 02:00', 1, 3), ('2021-01-01 02:00', 2, 4),
       ('2021-01-15 02:00', 1, 5), ('2021-01-15 02:00', 2, 6);
SELECT time, dev, val, note FROM "Dist Readings" WHERE time > '2021-01-01 01:30' ORDER BY 1, 2;
\c hdd_dn2
SELECT count(*) AS dn2_stamped FROM "Dist Readings" WHERE note = 'stamped on hdd_dn2';
SELECT count(DISTINCT tgrelid) = (SELECT count(*) FROM show_chunks('"Dist Readings"')) AS on_every_chunk
  FROM pg_trigger WHERE tgname = 'stamp' AND tgrelid <> '"Dist Readings"'::regclass;
\c hdd_access
-- routed rows do not pass through the access node's root, so its row
-- triggers do not fire there a second time; statement triggers fire there once
CREATE TABLE an_log (level text);
CREATE FUNCTION an_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO an_log VALUES (TG_LEVEL); RETURN NEW; END $$;
CALL distributed_exec($dx$CREATE FUNCTION an_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RETURN NEW; END $$
$dx$);
CREATE TRIGGER an_row BEFORE INSERT ON "Dist Readings" FOR EACH ROW EXECUTE FUNCTION an_count();
CREATE TRIGGER an_stmt AFTER INSERT ON "Dist Readings" FOR EACH STATEMENT EXECUTE FUNCTION an_count();
INSERT INTO "Dist Readings" VALUES ('2021-01-02 02:00', 1, 8), ('2021-01-02 02:00', 2, 8);
COPY "Dist Readings" (time, dev, val) FROM stdin;
2021-01-03 02:00:00+00	1	9
2021-01-03 02:00:00+00	2	9
\.
SELECT level, count(*) FROM an_log GROUP BY 1 ORDER BY 1;
SELECT count(*) AS stamped_rows FROM "Dist Readings" WHERE val IN (8, 9) AND note LIKE 'stamped on hdd_dn_';
DROP TRIGGER an_row ON "Dist Readings";
DROP TRIGGER an_stmt ON "Dist Readings";
-- disabled on the nodes, then dropped everywhere
ALTER TABLE "Dist Readings" DISABLE TRIGGER stamp;
INSERT INTO "Dist Readings" VALUES ('2021-01-01 03:00', 1, 7);
SELECT note FROM "Dist Readings" WHERE val = 7;
DROP TRIGGER stamp ON "Dist Readings";
\c hdd_dn1
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgname = 'stamp';

\c regression
DROP DATABASE hdd_access;
DROP DATABASE hdd_dn1;
DROP DATABASE hdd_dn2;
