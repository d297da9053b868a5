-- date_trunc on timestamptz sent to the data nodes: they run
-- _timescaledb_internal.date_trunc_node(unit, ts, zone), which must answer
-- as pg_catalog.date_trunc(unit, ts, zone) does (it reads unit and zone once
-- per query, and truncates by arithmetic in UTC); and a cursor whose query
-- carries parameters costs one round trip (DECLARE and the first FETCH in
-- one pipeline).
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE DATABASE mn_trunc_access;
\c mn_trunc_access
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE EXTENSION multinode;

-- The function itself, against the built-in, for every unit, zones that are
-- UTC under several names and zones that are not (half-hour offsets, summer
-- time, fixed-offset abbreviations), timestamps before 1970 and 2000, on unit
-- boundaries and a microsecond off them, and the infinities.
CREATE TEMP TABLE trunc_cases AS
SELECT u, z, ts
  FROM unnest(ARRAY['microseconds', 'milliseconds', 'second', 'minute', 'HOUR', 'hours',
                    'day', 'week', 'month', 'quarter', 'year', 'decade', 'century',
                    'millennium']) u,
       unnest(ARRAY['UTC', 'utc', 'Etc/UTC', 'GMT', 'Z', 'UCT', 'Zulu', 'Europe/Berlin',
                    'Asia/Kolkata', 'America/St_Johns', 'CET', 'EST', 'PST8PDT', '+05:30',
                    'Australia/Lord_Howe']) z,
       unnest(ARRAY['2019-01-20 13:37:42.123456+00', '2000-01-01 00:00:00+00',
                    '1999-12-31 23:59:59.999999+00', '1969-07-20 20:17:40.5+00',
                    '1900-03-01 00:00:00.000001+00', '0044-03-15 12:00:00+00',
                    '2024-03-31 01:30:00+00', '2024-10-27 00:59:59+00', '2262-04-11 23:47:16+00',
                    'infinity', '-infinity']::timestamptz[]) ts;
SELECT count(*) AS cases,
       count(*) FILTER (WHERE _timescaledb_internal.date_trunc_node(u, ts, z)
                              IS DISTINCT FROM date_trunc(u, ts, z)) AS different
  FROM trunc_cases;
-- every second of an hour, every minute of a day, around a summer time change
SELECT count(*) AS cases,
       count(*) FILTER (WHERE _timescaledb_internal.date_trunc_node(u, ts, z)
                              IS DISTINCT FROM date_trunc(u, ts, z)) AS different
  FROM generate_series(timestamptz '2024-03-31 00:00', '2024-03-31 04:00', '7 s') ts,
       unnest(ARRAY['second', 'minute', 'hour', 'day']) u,
       unnest(ARRAY['UTC', 'Europe/Berlin', 'Asia/Kolkata']) z;
-- NULLs, and the built-in's errors for what it refuses
SELECT _timescaledb_internal.date_trunc_node(NULL, now(), 'UTC') IS NULL AS null_unit,
       _timescaledb_internal.date_trunc_node('hour', NULL, 'UTC') IS NULL AS null_ts,
       _timescaledb_internal.date_trunc_node('hour', now(), NULL) IS NULL AS null_zone;
SELECT _timescaledb_internal.date_trunc_node('fortnight', '2024-01-01', 'UTC');
SELECT _timescaledb_internal.date_trunc_node('timezone', '2024-01-01', 'UTC');
SELECT _timescaledb_internal.date_trunc_node('hour', '2024-01-01', 'Mars/Olympus_Mons');
-- unit and zone changing from row to row
SELECT count(*) FILTER (WHERE _timescaledb_internal.date_trunc_node(u, ts, z)
                              IS DISTINCT FROM date_trunc(u, ts, z)) AS different
  FROM (SELECT * FROM trunc_cases ORDER BY ts, z, u) c;
-- unit and zone as constants, and as a statement's parameters: read once for
-- every row of the statement
SELECT count(*) FILTER (WHERE _timescaledb_internal.date_trunc_node('hour', ts, 'Europe/Berlin')
                              IS DISTINCT FROM date_trunc('hour', ts, 'Europe/Berlin'))
         AS different,
       count(*) FILTER (WHERE _timescaledb_internal.date_trunc_node('minute', ts, 'UTC')
                              IS DISTINCT FROM date_trunc('minute', ts, 'UTC')) AS different_utc
  FROM generate_series(timestamptz '2024-10-27 00:00', '2024-10-27 04:00', '7 s') ts;
CREATE FUNCTION trunc_param_diff(unit text, zone text) RETURNS bigint LANGUAGE plpgsql AS $f$
DECLARE
    n bigint;
BEGIN
    EXECUTE 'SELECT count(*) FILTER (WHERE _timescaledb_internal.date_trunc_node($1, ts, $2)
                                           IS DISTINCT FROM date_trunc($1, ts, $2))
               FROM trunc_cases' INTO n USING unit, zone;
    RETURN n;
END
$f$;
SELECT count(*) AS pairs, sum(trunc_param_diff(u, z)) AS different
  FROM (SELECT DISTINCT u, z FROM trunc_cases) p;
DROP FUNCTION trunc_param_diff(text, text);
-- from an outer row: the same during one scan, another at the next rescan
SELECT count(*) AS cases, count(*) FILTER (WHERE d) AS different
  FROM (SELECT DISTINCT u, z FROM trunc_cases) p,
       LATERAL (SELECT _timescaledb_internal.date_trunc_node(p.u, c.ts, p.z)
                       IS DISTINCT FROM date_trunc(p.u, c.ts, p.z) AS d
                  FROM trunc_cases c OFFSET 0) x;

-- Distributed: four days of a reading every 7 minutes for four devices,
-- from before 2000 too, compared with a local table under several zones.
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'mn_trunc_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'mn_trunc_dn2');
CREATE TABLE conditions (time timestamptz NOT NULL, device int, temp float8);
SELECT table_name FROM create_distributed_hypertable('conditions', 'time', 'device', number_partitions => 2,
                                                     chunk_time_interval => interval '1 day');
\set gen 'SELECT t, d, CASE WHEN d = 2 AND extract(minute FROM t) < 7 THEN NULL ELSE d * 10 + extract(minute FROM t) / 4 END FROM (SELECT generate_series(''1999-12-30 22:00''::timestamptz, ''2000-01-02 02:00'', ''7 min'') UNION ALL SELECT generate_series(''2024-03-30 22:00''::timestamptz, ''2024-04-01 02:00'', ''7 min'')) s(t), generate_series(1, 4) d'
INSERT INTO conditions :gen;
CREATE TABLE conditions_local (LIKE conditions);
INSERT INTO conditions_local :gen;

-- the remote SQL runs date_trunc_node with the zone as a parameter
EXPLAIN (VERBOSE, COSTS OFF)
SELECT date_trunc('hour', time) h, avg(temp) FROM conditions
 WHERE time >= '2024-03-31' AND time < '2024-04-01' GROUP BY h ORDER BY h;
-- one round trip per node: DECLARE with the parameter and the first FETCH together
EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT date_trunc('hour', time) h, count(*) FROM conditions
 WHERE time >= '2024-03-31' AND time < '2024-04-01' GROUP BY h;
-- a node's error in that pipeline is the query's, and the session goes on
SELECT date_trunc('hour', time) h, count(*) FROM conditions
 WHERE temp / (device - device) > 0 GROUP BY h;
SELECT date_trunc('day', time) d, count(*) FROM conditions GROUP BY d ORDER BY d;

CREATE FUNCTION diff(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    d text := format(q, 'conditions');
    l text := format(q, 'conditions_local');
    n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM (((%s) EXCEPT ALL (%s)) UNION ALL ((%s) EXCEPT ALL (%s))) x',
                   d, l, l, d) INTO n;
    RETURN n;
END $$;
CREATE TEMP TABLE zones (z text);
INSERT INTO zones VALUES ('UTC'), ('Etc/UTC'), ('Europe/Berlin'), ('Asia/Kolkata'), ('America/St_Johns');
CREATE FUNCTION diff_in_zones(q text) RETURNS TABLE (zone text, groups bigint, diff bigint)
LANGUAGE plpgsql AS $$
DECLARE
    z text;
BEGIN
    FOR z IN SELECT zones.z FROM zones LOOP
        PERFORM set_config('timezone', z, true);
        zone := z;
        EXECUTE format('SELECT count(*) FROM (%s) x', format(q, 'conditions')) INTO groups;
        diff := diff(q);
        RETURN NEXT;
    END LOOP;
END $$;
BEGIN;
SELECT * FROM diff_in_zones($$SELECT date_trunc('hour', time) h, count(*), avg(temp), min(temp) FROM %1$s GROUP BY h$$);
SELECT * FROM diff_in_zones($$SELECT date_trunc('minute', time) m, sum(temp) FROM %1$s GROUP BY m$$);
SELECT * FROM diff_in_zones($$SELECT date_trunc('day', time) d, device, count(*) FROM %1$s GROUP BY d, device$$);
SELECT * FROM diff_in_zones($$SELECT date_trunc('month', time) d, max(temp) FROM %1$s WHERE time < '2000-06-01' GROUP BY d$$);
COMMIT;
SHOW timezone;
-- a cached plan follows the TimeZone it runs under, on and off the arithmetic
SET plan_cache_mode = force_generic_plan;
PREPARE hourly AS SELECT date_trunc('hour', time) h, count(*) FROM conditions
                   WHERE time >= '2024-03-31 00:00+00' AND time < '2024-03-31 06:00+00' GROUP BY h ORDER BY h;
EXECUTE hourly;
SET timezone = 'Asia/Kolkata';
EXECUTE hourly;
SELECT date_trunc('hour', time) h, count(*) FROM conditions_local
 WHERE time >= '2024-03-31 00:00+00' AND time < '2024-03-31 06:00+00' GROUP BY h ORDER BY h;
SET timezone = 'UTC';
DEALLOCATE hourly;
RESET plan_cache_mode;

\c regression
SET client_min_messages = warning;
DROP DATABASE mn_trunc_access;
DROP DATABASE mn_trunc_dn1;
DROP DATABASE mn_trunc_dn2;
