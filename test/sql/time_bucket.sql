-- time_bucket: interval and integer forms, origin, offset, time zone.
CREATE EXTENSION IF NOT EXISTS multinode;
SET timezone = 'UTC';
SELECT time_bucket('1 week', '2019-01-09 05:00'::timestamp) AS monday_week,
       time_bucket('1 hour', '2019-01-09 05:33+02'::timestamptz) AS hour_utc,
       time_bucket('1 day', '2019-01-09'::date) AS day,
       time_bucket('15 min', '2019-01-09 05:33'::timestamp, '5 min'::interval) AS with_offset,
       time_bucket('1 hour', '2019-01-09 05:33'::timestamp, '2019-01-01 00:15'::timestamp) AS with_origin;
SELECT time_bucket('1 month', '2019-03-17 12:00'::timestamp) AS month,
       time_bucket('3 month', '2019-08-17'::date) AS quarter,
       time_bucket('1 year', '2019-08-17'::timestamptz) AS year;
SELECT time_bucket('1 day', '2019-01-09 23:30+00'::timestamptz, 'Europe/Berlin') AS berlin_day,
       time_bucket('1 day', '2019-01-09 23:30+00'::timestamptz, 'UTC') AS utc_day;
-- timestamptz buckets are computed in UTC whatever the session time zone
SET timezone = 'America/New_York';
SELECT time_bucket('1 day', '2019-01-09 23:30+00'::timestamptz) = '2019-01-09 00:00+00' AS utc_buckets;
SET timezone = 'UTC';
SELECT time_bucket(10, 17), time_bucket(10, -17), time_bucket(10::smallint, 0::smallint),
       time_bucket(10::bigint, 17::bigint, 5::bigint), time_bucket(10, 3, 5);
SELECT time_bucket('-1 day', now());
SELECT time_bucket(0, 5);
SELECT time_bucket('1 month 1 day', now());
SELECT time_bucket(10::smallint, (-32768)::smallint);
SELECT time_bucket('1 day', 'infinity'::timestamptz);
SELECT time_bucket('1 day', NULL::timestamptz);
-- immutable: usable in indexes and safe to push down
SELECT provolatile, count(*) FROM pg_proc WHERE proname = 'time_bucket' GROUP BY 1;
