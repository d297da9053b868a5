-- The same queries on a distributed hypertable and on a plain local table
-- holding the same rows must give the same results, row for row.  Runs on
-- the databases dist_query set up.
\set VERBOSITY terse
\c mn_q_access
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- same(q), from dist_query, compares q on both; whole tables
SELECT * FROM same('SELECT * FROM %1$s');
SELECT * FROM same('SELECT * FROM %2$s');
-- filters: time ranges, devices, both
SELECT * FROM same($$SELECT * FROM %1$s WHERE time >= '2024-01-08' AND time < '2024-01-15'$$);
SELECT * FROM same($$SELECT * FROM %1$s WHERE time BETWEEN '2024-01-03 12:00' AND '2024-01-20 06:00'$$);
SELECT * FROM same($$SELECT time, temp FROM %1$s WHERE device = 'd3'$$);
SELECT * FROM same($$SELECT time, temp FROM %1$s WHERE device IN ('d1', 'd5', 'nope')$$);
SELECT * FROM same($$SELECT * FROM %1$s WHERE device = 'd2' AND time > '2024-01-27'$$);
SELECT * FROM same($$SELECT * FROM %1$s WHERE device = 'd2' OR time < '2024-01-02'$$);
SELECT * FROM same($$SELECT * FROM %1$s WHERE time > now() - interval '100 years' AND temp > 50$$);
SELECT * FROM same($$SELECT * FROM %1$s WHERE "Humidity"::int %% 3 = 0 AND upper(device) = 'D4'$$);
SELECT * FROM same($$SELECT * FROM %2$s WHERE "Time" < '2024-01-09' AND note LIKE 'it''s%%'$$);
-- NULLs
SELECT * FROM same('SELECT * FROM %1$s WHERE temp IS NULL');
SELECT * FROM same('SELECT * FROM %1$s WHERE device IS NULL');
SELECT * FROM same('SELECT * FROM %1$s WHERE NOT (temp > 50)');
SELECT * FROM same('SELECT * FROM %1$s WHERE temp IS DISTINCT FROM 20');
SELECT * FROM same('SELECT device, coalesce(temp, -1) FROM %1$s WHERE coalesce(temp, -1) < 0');
SELECT * FROM same($$SELECT * FROM %1$s WHERE device = NULL$$);
-- aggregates, GROUP BY, ORDER BY, LIMIT
SELECT * FROM same('SELECT count(*), count(temp), sum(temp), avg(temp), min(time), max(time) FROM %1$s');
SELECT * FROM same('SELECT device, count(*), sum(temp), max("Humidity") FROM %1$s GROUP BY device');
SELECT * FROM same($$SELECT date_trunc('day', time) AS day, device, avg(temp) FROM %1$s GROUP BY 1, 2 HAVING avg(temp) > 30$$);
SELECT * FROM same('SELECT * FROM %1$s ORDER BY time DESC, device LIMIT 10');
SELECT * FROM same('SELECT * FROM %1$s ORDER BY temp NULLS FIRST, time, device LIMIT 40 OFFSET 5');
SELECT * FROM same('SELECT DISTINCT device FROM %1$s');
SELECT * FROM same($$SELECT time_bucket('1 day', time) AS day, device, count(*), max(temp) FROM %1$s WHERE time_bucket('6 hours', time) > '2024-01-10' GROUP BY 1, 2$$);
SELECT * FROM same('SELECT "Value", count(*) FROM %2$s GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5');
-- joins with a local table, and with itself
SELECT * FROM same('SELECT d.location, count(*), sum(c.temp) FROM %1$s c JOIN devices d USING (device) GROUP BY 1');
SELECT * FROM same('SELECT d.device, c.time FROM devices d LEFT JOIN %1$s c ON c.device = d.device AND c.time < ''2024-01-01 03:00''');
SELECT * FROM same($$SELECT a.time, a.device, b.temp FROM %1$s a JOIN %1$s b ON a.time = b.time AND a.device = b.device WHERE a.time < '2024-01-02'$$);
SELECT * FROM same($$SELECT c.time, r."Value" FROM %1$s c JOIN %2$s r ON r."Time" = c.time WHERE c.device = 'd6'$$);
-- subqueries: uncorrelated, correlated, EXISTS, IN, LATERAL
SELECT * FROM same('SELECT * FROM %1$s WHERE temp > (SELECT avg(temp) FROM %1$s)');
SELECT * FROM same($$SELECT d.device, (SELECT max(temp) FROM %1$s c WHERE c.device = d.device AND c.time < '2024-01-08') FROM devices d$$);
SELECT * FROM same('SELECT * FROM devices d WHERE EXISTS (SELECT 1 FROM %1$s c WHERE c.device = d.device AND c.temp > 70)');
SELECT * FROM same($$SELECT * FROM %1$s WHERE device IN (SELECT device FROM devices WHERE location = 'north') AND time < '2024-01-03'$$);
SELECT * FROM same('SELECT d.device, x.time, x.temp FROM devices d, LATERAL (SELECT time, temp FROM %1$s c WHERE c.device = d.device ORDER BY time DESC LIMIT 2) x');
SELECT * FROM same($$WITH w AS (SELECT device, max(time) AS t FROM %1$s GROUP BY device) SELECT c.* FROM %1$s c JOIN w ON c.device = w.device AND c.time = w.t$$);

-- nested loops rescan the inner scan per outer row, with the outer scan's
-- cursors still open on the same connections
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_material = off;
EXPLAIN (COSTS OFF)
SELECT count(*) FROM conditions a JOIN conditions b ON a.time = b.time AND a.device = b.device
 WHERE a.time < '2024-01-01 06:00' AND b.time < '2024-01-01 06:00';
SELECT * FROM same($$SELECT a.time, a.device, b.temp FROM %1$s a JOIN %1$s b ON a.time = b.time AND a.device = b.device WHERE a.time < '2024-01-01 06:00' AND b.time < '2024-01-01 06:00'$$);
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_material;
-- the correlated subquery's parameter travels as $1
EXPLAIN (VERBOSE, COSTS OFF)
SELECT d.device, (SELECT max(temp) FROM conditions c WHERE c.device = d.device AND c.time < '2024-01-08') FROM devices d;

-- prepared statements, with generic plans: parameters are sent as $n
SET plan_cache_mode = force_generic_plan;
PREPARE pd(text, timestamptz) AS SELECT time, temp FROM conditions WHERE device = $1 AND time >= $2;
PREPARE pl(text, timestamptz) AS SELECT time, temp FROM conditions_local WHERE device = $1 AND time >= $2;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE pd('d1', '2024-01-20');
CREATE TEMP TABLE rd AS EXECUTE pd('d1', '2024-01-20');
CREATE TEMP TABLE rl AS EXECUTE pl('d1', '2024-01-20');
SELECT (SELECT count(*) FROM rd) AS n, (SELECT count(*) FROM ((TABLE rd EXCEPT ALL TABLE rl) UNION ALL (TABLE rl EXCEPT ALL TABLE rd)) x) AS diff;
DROP TABLE rd, rl;
CREATE TEMP TABLE rd AS EXECUTE pd('d6', '2024-01-01');
CREATE TEMP TABLE rl AS EXECUTE pl('d6', '2024-01-01');
SELECT (SELECT count(*) FROM rd) AS n, (SELECT count(*) FROM ((TABLE rd EXCEPT ALL TABLE rl) UNION ALL (TABLE rl EXCEPT ALL TABLE rd)) x) AS diff;
-- a NULL parameter
CREATE TEMP TABLE rn AS EXECUTE pd(NULL, '2024-01-01');
SELECT count(*) FROM rn;
RESET plan_cache_mode;
DEALLOCATE pd;
DEALLOCATE pl;

-- constants and parameters travel the same whatever this session's display
-- settings (05/01/2024 is January 5th here, May 1st in ISO-MDY)
SET datestyle = 'SQL, DMY';
SET intervalstyle = 'sql_standard';
SET extra_float_digits = 0;
SELECT * FROM same($$SELECT * FROM %1$s WHERE time < '05/01/2024 10:00' AND temp > 20.25 AND time > now() - interval '100 years'$$);
SET plan_cache_mode = force_generic_plan;
PREPARE pdmy(timestamptz, float8) AS SELECT count(*) FROM conditions WHERE time < $1 AND temp > $2;
EXECUTE pdmy('05/01/2024 10:00', 20.25);
SELECT count(*) FROM conditions_local WHERE time < '05/01/2024 10:00' AND temp > 20.25;
DEALLOCATE pdmy;
RESET plan_cache_mode;
RESET datestyle;
RESET intervalstyle;
RESET extra_float_digits;
SET datestyle = 'ISO, YMD';

-- a few results, printed
SELECT device, count(*), sum(temp), min(time), max(time) FROM conditions GROUP BY device ORDER BY device;
SELECT * FROM conditions WHERE device = 'd3' AND temp IS NULL ORDER BY time LIMIT 3;
SELECT * FROM conditions WHERE device IS NULL;
SELECT "Time", "Value", note FROM "My Schema"."Rep Table" ORDER BY "Time" DESC LIMIT 3;
SELECT d.location, count(c.*) FROM devices d LEFT JOIN conditions c USING (device) GROUP BY 1 ORDER BY 1;
