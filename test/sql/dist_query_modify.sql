-- UPDATE and DELETE on distributed hypertables: sent whole to the data nodes
-- holding the matching chunks (every replica), inside the distributed
-- transaction; row by row when that cannot be done.  Runs on the
-- databases dist_query set up, and drops them at the end.
\set VERBOSITY terse
\c mn_q_access
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- one statement per chunk left after exclusion, conditions included
EXPLAIN (VERBOSE, COSTS OFF)
UPDATE conditions SET temp = temp + 0.5 WHERE device = 'd1' AND time < '2024-01-08';
UPDATE conditions SET temp = temp + 0.5 WHERE device = 'd1' AND time < '2024-01-08';
UPDATE conditions_local SET temp = temp + 0.5 WHERE device = 'd1' AND time < '2024-01-08';
SELECT * FROM same('SELECT * FROM %1$s');

EXPLAIN (VERBOSE, COSTS OFF) DELETE FROM conditions WHERE time >= '2024-01-22' AND temp > 60;
DELETE FROM conditions WHERE time >= '2024-01-22' AND temp > 60;
DELETE FROM conditions_local WHERE time >= '2024-01-22' AND temp > 60;
SELECT * FROM same('SELECT * FROM %1$s');

-- parameters and stable expressions are evaluated here and sent
UPDATE conditions SET "Humidity" = "Humidity" * 2 WHERE time < now() - interval '1 year' AND device = 'd5' AND time < '2024-01-02';
UPDATE conditions_local SET "Humidity" = "Humidity" * 2 WHERE time < now() - interval '1 year' AND device = 'd5' AND time < '2024-01-02';
PREPARE pdel(text) AS DELETE FROM conditions WHERE device = $1 AND time < '2024-01-03';
EXECUTE pdel('d6');
DELETE FROM conditions_local WHERE device = 'd6' AND time < '2024-01-03';
SELECT * FROM same('SELECT * FROM %1$s');

-- a rolled back statement leaves nothing behind on any node
BEGIN;
DELETE FROM conditions;
SELECT count(*) FROM conditions;
ROLLBACK;
SELECT * FROM same('SELECT * FROM %1$s');

-- replicas: every copy changes; the count is the rows', not the copies'
UPDATE "My Schema"."Rep Table" SET "note" = 'changed', "Value" = -"Value" WHERE "Time" < '2024-01-03';
UPDATE rep_local SET "note" = 'changed', "Value" = -"Value" WHERE "Time" < '2024-01-03';
DELETE FROM "My Schema"."Rep Table" WHERE "Value" = 8;
DELETE FROM rep_local WHERE "Value" = 8;
SELECT * FROM same('SELECT * FROM %2$s');
SELECT count(*), sum("Value") FROM "My Schema"."Rep Table";

-- what the nodes cannot run whole runs row by row (dist_update covers
-- every form): new time or space values, values and conditions only the
-- access node computes, RETURNING, joins
UPDATE conditions SET time = time + interval '1 hour' WHERE device = 'd1';
UPDATE conditions_local SET time = time + interval '1 hour' WHERE device = 'd1';
UPDATE conditions SET device = 'd9' WHERE device = 'd1';
UPDATE conditions_local SET device = 'd9' WHERE device = 'd1';
UPDATE conditions SET temp = my_round(temp) WHERE device = 'd2';
UPDATE conditions_local SET temp = my_round(temp) WHERE device = 'd2';
DELETE FROM conditions WHERE my_round(temp) = 20;
DELETE FROM conditions_local WHERE my_round(temp) = 20;
WITH r AS (DELETE FROM conditions WHERE temp > 62 RETURNING time) SELECT count(*) FROM r;
WITH r AS (DELETE FROM conditions_local WHERE temp > 62 RETURNING time) SELECT count(*) FROM r;
UPDATE conditions c SET temp = 0 FROM devices d WHERE d.device = c.device AND d.location = 'east';
UPDATE conditions_local c SET temp = 0 FROM devices d WHERE d.device = c.device AND d.location = 'east';
SELECT * FROM same('SELECT * FROM %1$s');
-- but a subquery in WHERE is evaluated here and sent as a parameter
DELETE FROM conditions WHERE temp > (SELECT max(temp) - 3 FROM conditions_local);
DELETE FROM conditions_local WHERE temp > (SELECT max(temp) - 3 FROM conditions_local);
SELECT * FROM same('SELECT * FROM %1$s');
-- both agree
SELECT count(*), sum(temp), sum("Humidity") FROM conditions;
SELECT count(*), sum(temp), sum("Humidity") FROM conditions_local;

-- the data nodes agree: each replica of the replicated table changed; d1's
-- rows, renamed d9, moved from dn1 to dn2
\c mn_q_dn1
SELECT count(*), sum("Value"), count(*) FILTER (WHERE note = 'changed') AS changed FROM "My Schema"."Rep Table";
SELECT count(*) FILTER (WHERE device = 'd1') AS d1_rows, count(*) FILTER (WHERE device = 'd9') AS d9_rows FROM conditions;
\c mn_q_dn2
SELECT count(*), sum("Value"), count(*) FILTER (WHERE note = 'changed') AS changed FROM "My Schema"."Rep Table";
SELECT count(*) FILTER (WHERE device = 'd1') AS d1_rows, count(*) FILTER (WHERE device = 'd9') AS d9_rows FROM conditions;

\c regression
SET client_min_messages = warning;
DROP DATABASE mn_q_access;
DROP DATABASE mn_q_dn1;
DROP DATABASE mn_q_dn2;
