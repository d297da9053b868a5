-- UPDATE and DELETE of distributed hypertables in every form: RETURNING,
-- joins with local tables, subqueries, conditions and values only the
-- access node can compute, new time or space values that move rows to
-- other chunks and nodes.  Every statement runs on a distributed hypertable
-- with replication_factor 1 and one with 2, and on a plain local copy of
-- each; affected rows, RETURNING rows and the tables' contents must match.
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE DATABASE mn_u_access;
\c mn_u_access
SET client_min_messages = warning;
SET timezone = 'PST8PDT';
SET datestyle = 'SQL, DMY';
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'mn_u_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'mn_u_dn2');
SELECT node_name FROM add_data_node('dn3', host => 'localhost', database => 'mn_u_dn3');

-- names that need quoting: a mixed-case space column, a keyword column
CREATE TABLE "Up Dist" ("time" timestamptz NOT NULL, "Device" int, "value" float8, "user" text,
                        amount numeric, doc json);
CREATE TABLE "Up Rep" (LIKE "Up Dist");
SELECT table_name FROM create_distributed_hypertable('"Up Dist"', 'time', 'Device', number_partitions => 3,
                                                     chunk_time_interval => interval '1 day');
SELECT table_name FROM create_distributed_hypertable('"Up Rep"', 'time', 'Device', number_partitions => 3,
                                                     chunk_time_interval => interval '1 day',
                                                     replication_factor => 2);
CREATE TABLE up_local (LIKE "Up Dist");
CREATE TABLE rep_local (LIKE "Up Dist");
\set gen 'SELECT t, d, d * 10 + extract(hour FROM t) / 6, ''u'' || (d % 3), (d * 1.5)::numeric(10,2), json_build_object(''d'', d) FROM generate_series(''2024-01-01 00:00+00''::timestamptz, ''2024-01-03 23:00+00'', ''3 hours'') t, generate_series(1, 6) d'
INSERT INTO "Up Dist" :gen;
INSERT INTO "Up Rep" :gen;
INSERT INTO up_local :gen;
INSERT INTO rep_local :gen;
-- rows alike in every column, which a replica cannot tell apart
INSERT INTO "Up Rep" SELECT * FROM "Up Rep" WHERE "Device" = 2 AND "time" < '2024-01-02 00:00+00';
INSERT INTO rep_local SELECT * FROM rep_local WHERE "Device" = 2 AND "time" < '2024-01-02 00:00+00';
-- amounts equal but printed differently
UPDATE "Up Rep" SET amount = 3.000 WHERE "Device" = 2 AND "time" = '2024-01-01 03:00+00';
UPDATE rep_local SET amount = 3.000 WHERE "Device" = 2 AND "time" = '2024-01-01 03:00+00';

CREATE TABLE devs (id int PRIMARY KEY, name text);
INSERT INTO devs VALUES (1, 'alpha'), (2, 'beta'), (3, 'bravo'), (4, 'gone'), (5, 'echo'), (7, 'none');
-- not shippable: the data nodes do not know it
CREATE FUNCTION half(float8) RETURNS float8 LANGUAGE sql STABLE AS 'SELECT $1 / 2';

-- check(stmt): stmt (%s is the table) runs on both distributed hypertables
-- and on their local copies, inside a data-modifying WITH when it returns
-- rows.  Per pair: rows affected, whether RETURNING gave the same rows, and
-- whether the tables then hold the same rows (EXCEPT ALL both ways).
CREATE FUNCTION check_same(stmt text)
RETURNS TABLE (tbl text, affected bigint, same_affected bool, same_returning bool, same_rows bool)
LANGUAGE plpgsql AS $$
DECLARE
    d text;
    l text;
    nd bigint;
    nl bigint;
    rd text[];
    rl text[];
    diff bigint;
BEGIN
    FOR d, l IN VALUES ('"Up Dist"', 'up_local'), ('"Up Rep"', 'rep_local') LOOP
        IF stmt ILIKE '%returning%' THEN
            EXECUTE format('WITH r AS (%s) SELECT count(*), coalesce(array_agg(r::text ORDER BY r::text), ''{}'') FROM r',
                           format(stmt, d)) INTO nd, rd;
            EXECUTE format('WITH r AS (%s) SELECT count(*), coalesce(array_agg(r::text ORDER BY r::text), ''{}'') FROM r',
                           format(stmt, l)) INTO nl, rl;
        ELSE
            EXECUTE format(stmt, d);
            GET DIAGNOSTICS nd = ROW_COUNT;
            EXECUTE format(stmt, l);
            GET DIAGNOSTICS nl = ROW_COUNT;
        END IF;
        EXECUTE format('SELECT count(*) FROM (((SELECT x::text FROM %s x) EXCEPT ALL (SELECT x::text FROM %s x)) UNION ALL '
                       '((SELECT x::text FROM %s x) EXCEPT ALL (SELECT x::text FROM %s x))) x', d, l, l, d) INTO diff;
        tbl := d;
        affected := nd;
        same_affected := nd = nl;
        same_returning := rd IS NOT DISTINCT FROM rl;
        same_rows := diff = 0;
        RETURN NEXT;
    END LOOP;
END $$;

SELECT * FROM check_same('SELECT 1');

-- sent whole, as before
SELECT * FROM check_same('UPDATE %s SET "value" = "value" + 1 WHERE "Device" = 1');

-- RETURNING: the rows as stored on the data nodes, once per logical row
SELECT * FROM check_same('UPDATE %s SET "value" = "value" * 2 WHERE "Device" IN (2, 3) AND "time" < ''2024-01-02 00:00+00'' RETURNING *');
SELECT * FROM check_same('UPDATE %s SET amount = amount + 0.5 WHERE "Device" = 2 RETURNING "time", amount, "user"');
SELECT * FROM check_same('DELETE FROM %s WHERE "value" > 63 RETURNING "Device", "value", doc::text, tableoid <> 0 AS t');
UPDATE "Up Rep" SET "user" = 'top' WHERE "Device" = 4 AND "time" = '2024-01-01 06:00+00' RETURNING "time", "Device", "user", amount;
UPDATE rep_local SET "user" = 'top' WHERE "Device" = 4 AND "time" = '2024-01-01 06:00+00' RETURNING "time", "Device", "user", amount;
DELETE FROM "Up Dist" WHERE "Device" = 4 AND "time" = '2024-01-01 06:00+00' RETURNING *;
DELETE FROM up_local WHERE "Device" = 4 AND "time" = '2024-01-01 06:00+00' RETURNING *;

-- joins with local tables and subqueries
SELECT * FROM check_same('UPDATE %s t SET "user" = d.name FROM devs d WHERE d.id = t."Device" AND d.name LIKE ''b%%''');
SELECT * FROM check_same('UPDATE %s t SET "value" = t."value" + d.id FROM devs d WHERE d.id = t."Device" RETURNING t."time", t."value", d.name');
SELECT * FROM check_same('DELETE FROM %s t USING devs d WHERE d.id = t."Device" AND d.name = ''gone'' AND t."time" > ''2024-01-03 12:00+00''');
SELECT * FROM check_same('DELETE FROM %s WHERE "Device" IN (SELECT id FROM devs WHERE name = ''alpha'') AND "time" < ''2024-01-01 12:00+00''');
SELECT * FROM check_same('UPDATE %s SET "user" = ''seen'' WHERE EXISTS (SELECT 1 FROM devs WHERE devs.id = "Device" + 1) AND "time" > ''2024-01-03 12:00+00''');
-- an uncorrelated IN subquery is evaluated here once and sent as an array:
-- the statement runs whole on the nodes (NULLs and no rows alike)
EXPLAIN (VERBOSE, COSTS OFF)
DELETE FROM "Up Dist" WHERE "Device" IN (SELECT id FROM devs WHERE name = 'alpha') AND "time" < '2024-01-01 03:00+00';
SELECT * FROM check_same('UPDATE %s SET "user" = ''in'' WHERE "Device" IN (SELECT id FROM devs WHERE name LIKE ''%%a'' UNION ALL SELECT NULL) AND "time" < ''2024-01-01 18:00+00''');
SELECT * FROM check_same('DELETE FROM %s WHERE "Device" IN (SELECT id FROM devs WHERE false)');
SELECT * FROM check_same('UPDATE %s SET "value" = "value" + 1 WHERE "Device" IN (SELECT id + 1 FROM devs WHERE name = ''beta'') AND "Device" IN (SELECT 3) RETURNING "Device"');
-- a row matched twice by the join changes once, as in PostgreSQL
SELECT * FROM check_same('UPDATE %s t SET "value" = t."value" + 100 FROM (VALUES (3), (3)) v(id) WHERE v.id = t."Device" AND t."time" < ''2024-01-01 10:00+00''');

-- conditions and new values the data nodes cannot compute
SELECT * FROM check_same('UPDATE %s SET "value" = half("value") WHERE half("value") > 25');
SELECT * FROM check_same('DELETE FROM %s WHERE half("value") < 14 AND "time" > ''2024-01-03 06:00+00''' );

-- a volatile new value: computed here once per row, every replica gets it
SELECT setseed(0.5);
UPDATE "Up Rep" SET "value" = random() WHERE "Device" = 6 AND "time" < '2024-01-01 12:00+00';
UPDATE rep_local r SET "value" = u."value" FROM "Up Rep" u
 WHERE u."Device" = 6 AND u."time" < '2024-01-01 12:00+00' AND r."Device" = 6 AND r."time" = u."time";
SELECT count(*) AS random_values FROM "Up Rep" WHERE "Device" = 6 AND "value" < 1;

-- new time values: rows move to other chunks, new ones created as needed
SELECT * FROM check_same('UPDATE %s SET "time" = "time" + interval ''1 day 1 hour'' WHERE "Device" = 5 AND "time" > ''2024-01-02 18:00+00'' RETURNING "time", "Device"');
-- new space values: rows move to other data nodes
SELECT * FROM check_same('UPDATE %s SET "Device" = "Device" + 1 WHERE "Device" IN (1, 3)');
-- both at once, some rows staying and some leaving, with a join
SELECT * FROM check_same('UPDATE %s t SET "time" = t."time" + interval ''10 hours'', "Device" = d.id * 2 FROM devs d WHERE d.id = t."Device" - 1 AND t."time" < ''2024-01-02 00:00+00'' RETURNING t.*');

-- a chunk named directly keeps its rows in its range, as a partition does
UPDATE _timescaledb_internal._dist_hyper_1_1_chunk SET "time" = "time" + interval '7 days' WHERE "value" > 0;
UPDATE _timescaledb_internal._dist_hyper_1_1_chunk SET "time" = "time" + interval '1 minute' WHERE false RETURNING "Device";

-- a statement that fails leaves nothing behind
BEGIN;
SELECT * FROM check_same('UPDATE %s SET "time" = "time" - interval ''3 days'' WHERE "Device" = 4');
ROLLBACK;
SELECT * FROM check_same('SELECT 1');
SELECT count(*) FROM "Up Dist" WHERE "time" < '2024-01-01 00:00+00';

-- where rows are now
SELECT c.table_name, array_agg(cdn.node_name ORDER BY cdn.node_name) AS nodes,
       d.range_start < 0 AS early
  FROM _timescaledb_catalog.chunk c JOIN _timescaledb_catalog.chunk_data_node cdn ON cdn.chunk_id = c.id
  JOIN _timescaledb_catalog.chunk_constraint cc ON cc.chunk_id = c.id
  JOIN _timescaledb_catalog.dimension_slice d ON d.id = cc.dimension_slice_id
  JOIN _timescaledb_catalog.dimension dim ON dim.id = d.dimension_id AND dim.column_name = 'time'
 GROUP BY c.id, c.table_name, d.range_start ORDER BY c.id;

-- the plans
EXPLAIN (VERBOSE, COSTS OFF)
UPDATE "Up Rep" t SET "value" = 0 FROM devs d WHERE d.id = t."Device" AND t."time" < '2024-01-01 03:00+00';
EXPLAIN (VERBOSE, COSTS OFF)
UPDATE "Up Dist" SET "Device" = 1 WHERE "Device" = 2 AND "time" < '2024-01-01 03:00+00' RETURNING "Device";

BEGIN;
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
UPDATE "Up Dist" SET "Device" = 1 WHERE "Device" = 5 AND "time" BETWEEN '2024-01-02 00:00+00' AND '2024-01-02 05:00+00';
ROLLBACK;

-- WHERE CURRENT OF: PostgreSQL refuses it on foreign tables; the same here
BEGIN;
DECLARE cur CURSOR FOR SELECT * FROM "Up Dist" WHERE "Device" = 2 FOR UPDATE;
FETCH cur;
UPDATE "Up Dist" SET "value" = 0 WHERE CURRENT OF cur;
ROLLBACK;

-- privileges: a role updates what it may, moves rows only if it may insert
-- them (it inserts them on their new node as itself)
CREATE ROLE mn_u_user LOGIN;
GRANT SELECT, UPDATE ("value", "time"), DELETE ON "Up Dist", up_local, "Up Rep", rep_local TO mn_u_user;
GRANT SELECT ON devs TO mn_u_user;
GRANT USAGE ON FOREIGN SERVER dn1, dn2, dn3 TO mn_u_user;
SET ROLE mn_u_user;
SELECT * FROM check_same('UPDATE %s t SET "value" = -t."value" FROM devs d WHERE d.id = t."Device" AND d.name = ''echo'' RETURNING t."value"');
UPDATE "Up Dist" SET "user" = 'x' FROM devs WHERE devs.id = "Device";
UPDATE up_local SET "user" = 'x' FROM devs WHERE devs.id = "Device";
\set VERBOSITY default
UPDATE "Up Dist" SET "time" = "time" + interval '1 day' WHERE "Device" = 5 AND "time" BETWEEN '2024-01-02 00:00+00' AND '2024-01-02 05:00+00';
\set VERBOSITY terse
RESET ROLE;
GRANT INSERT ON "Up Dist", up_local, "Up Rep", rep_local TO mn_u_user;
SET ROLE mn_u_user;
SELECT * FROM check_same('UPDATE %s SET "time" = "time" + interval ''1 day'' WHERE "Device" = 5 AND "time" BETWEEN ''2024-01-02 00:00+00'' AND ''2024-01-02 05:00+00''');
RESET ROLE;
SELECT * FROM check_same('SELECT 1');

-- a view WITH CHECK OPTION checks the new rows, moved or not
CREATE VIEW low_dist AS SELECT * FROM "Up Dist" WHERE "Device" < 4 WITH CHECK OPTION;
CREATE VIEW low_local AS SELECT * FROM up_local WHERE "Device" < 4 WITH CHECK OPTION;
UPDATE low_dist SET "Device" = 5 WHERE "Device" = 2;
UPDATE low_local SET "Device" = 5 WHERE "Device" = 2;
UPDATE low_dist SET "value" = 7 WHERE "Device" = 3 AND "time" < '2024-01-02 00:00+00';
UPDATE low_local SET "value" = 7 WHERE "Device" = 3 AND "time" < '2024-01-02 00:00+00';
SELECT * FROM check_same('SELECT 1');

-- a BEFORE UPDATE trigger of the hypertable fires on the data nodes, on
-- the new path too
CREATE FUNCTION note_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW."user" := NEW."user" || '+t'; RETURN NEW; END $$;
CALL distributed_exec($c$CREATE FUNCTION note_update() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN NEW."user" := NEW."user" || '+t'; RETURN NEW; END $f$$c$);
CREATE TRIGGER note BEFORE UPDATE ON "Up Rep" FOR EACH ROW EXECUTE FUNCTION note_update();
CREATE TRIGGER note BEFORE UPDATE ON rep_local FOR EACH ROW EXECUTE FUNCTION note_update();
UPDATE "Up Rep" t SET "value" = 1 FROM devs d WHERE d.id = t."Device" AND d.name = 'echo' AND t."time" BETWEEN '2024-01-02 06:00+00' AND '2024-01-02 11:00+00' RETURNING t."user";
UPDATE rep_local t SET "value" = 1 FROM devs d WHERE d.id = t."Device" AND d.name = 'echo' AND t."time" BETWEEN '2024-01-02 06:00+00' AND '2024-01-02 11:00+00' RETURNING t."user";
SELECT * FROM check_same('SELECT 1');

-- a replica that lost a row: the statement fails instead of letting the
-- replicas drift further apart
\c mn_u_dn2
DELETE FROM _timescaledb_internal._dist_hyper_2_10_chunk x
 WHERE ctid = (SELECT min(ctid) FROM _timescaledb_internal._dist_hyper_2_10_chunk)
RETURNING x::text AS lost, "time" AS lost_time, "Device" AS lost_device \gset
\c mn_u_access
SET timezone = 'PST8PDT';
\set VERBOSITY default
UPDATE "Up Rep" SET "value" = 0 WHERE "time" = :'lost_time' AND "Device" = :lost_device RETURNING "Device";
\set VERBOSITY terse
\c mn_u_dn2
INSERT INTO _timescaledb_internal._dist_hyper_2_10_chunk
SELECT (:'lost'::_timescaledb_internal._dist_hyper_2_10_chunk).*;
\c mn_u_access
SET timezone = 'PST8PDT';
SET datestyle = 'SQL, DMY';

-- every replica of the replicated table holds the same rows: the same
-- count and checksum per chunk on both of its nodes
-- (rounded: the sum of floats depends on the order the replicas are read in)
SELECT count(*) AS rows, round(sum("value")::numeric, 9) AS total FROM "Up Rep";
\c mn_u_dn1
SET timezone = 'UTC';
SELECT tableoid::regclass AS chunk, count(*), md5(string_agg(x::text, ',' ORDER BY x::text)) FROM "Up Rep" x GROUP BY 1 ORDER BY 1;
\c mn_u_dn2
SET timezone = 'UTC';
SELECT tableoid::regclass AS chunk, count(*), md5(string_agg(x::text, ',' ORDER BY x::text)) FROM "Up Rep" x GROUP BY 1 ORDER BY 1;
\c mn_u_dn3
SET timezone = 'UTC';
SELECT tableoid::regclass AS chunk, count(*), md5(string_agg(x::text, ',' ORDER BY x::text)) FROM "Up Rep" x GROUP BY 1 ORDER BY 1;

\c regression
SET client_min_messages = warning;
DROP DATABASE mn_u_access;
DROP DATABASE mn_u_dn1;
DROP DATABASE mn_u_dn2;
DROP DATABASE mn_u_dn3;
DROP ROLE mn_u_user;
