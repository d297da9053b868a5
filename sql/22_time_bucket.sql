-- time_bucket: IMMUTABLE in every form (timestamptz is bucketed in UTC unless a
-- time zone is given), so it is the same on every node and can be pushed down.

CREATE FUNCTION time_bucket(bucket_width interval, ts timestamp) RETURNS timestamp
AS 'MODULE_PATHNAME', 'multinode_time_bucket_ts' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION time_bucket(bucket_width interval, ts timestamptz) RETURNS timestamptz
AS 'MODULE_PATHNAME', 'multinode_time_bucket_ts' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION time_bucket(bucket_width interval, ts date) RETURNS date
AS 'MODULE_PATHNAME', 'multinode_time_bucket_date' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION time_bucket(bucket_width interval, ts timestamp, origin timestamp) RETURNS timestamp
AS 'MODULE_PATHNAME', 'multinode_time_bucket_ts_origin' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION time_bucket(bucket_width interval, ts timestamptz, origin timestamptz) RETURNS timestamptz
AS 'MODULE_PATHNAME', 'multinode_time_bucket_ts_origin' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION time_bucket(bucket_width interval, ts date, origin date) RETURNS date
AS 'MODULE_PATHNAME', 'multinode_time_bucket_date_origin' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION time_bucket(bucket_width interval, ts timestamp, "offset" interval) RETURNS timestamp
AS 'MODULE_PATHNAME', 'multinode_time_bucket_ts_offset' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION time_bucket(bucket_width interval, ts timestamptz, "offset" interval) RETURNS timestamptz
AS 'MODULE_PATHNAME', 'multinode_time_bucket_ts_offset' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION time_bucket(bucket_width interval, ts date, "offset" interval) RETURNS date
AS 'MODULE_PATHNAME', 'multinode_time_bucket_date_offset' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION time_bucket(bucket_width interval, ts timestamptz, timezone text,
							origin timestamptz = NULL, "offset" interval = NULL) RETURNS timestamptz
AS 'MODULE_PATHNAME', 'multinode_time_bucket_tz' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION time_bucket(bucket_width smallint, ts smallint) RETURNS smallint
AS 'MODULE_PATHNAME', 'multinode_time_bucket_int' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION time_bucket(bucket_width integer, ts integer) RETURNS integer
AS 'MODULE_PATHNAME', 'multinode_time_bucket_int' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION time_bucket(bucket_width bigint, ts bigint) RETURNS bigint
AS 'MODULE_PATHNAME', 'multinode_time_bucket_int' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION time_bucket(bucket_width smallint, ts smallint, "offset" smallint) RETURNS smallint
AS 'MODULE_PATHNAME', 'multinode_time_bucket_int_offset' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION time_bucket(bucket_width integer, ts integer, "offset" integer) RETURNS integer
AS 'MODULE_PATHNAME', 'multinode_time_bucket_int_offset' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION time_bucket(bucket_width bigint, ts bigint, "offset" bigint) RETURNS bigint
AS 'MODULE_PATHNAME', 'multinode_time_bucket_int_offset' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
