-- TimescaleDB 2.13 functions and catalog views that scripts and tools call:
-- add_dimension, set_integer_now_func, hypertable_index_size,
-- approximate_row_count, first/last, and the catalog tables that are kept
-- as views of the system catalogs (true by construction).

CREATE FUNCTION add_dimension(
	hypertable regclass,
	column_name name,
	number_partitions integer = NULL,
	chunk_time_interval anyelement = NULL::bigint,
	partitioning_func regproc = NULL,
	if_not_exists boolean = false
) RETURNS TABLE(dimension_id integer, schema_name name, table_name name, column_name name,
				created boolean)
AS 'MODULE_PATHNAME', 'multinode_add_dimension' LANGUAGE C VOLATILE;

-- Called by the access node on data nodes (src/hypertable/create.c).
CREATE FUNCTION _timescaledb_functions.add_member_dimension(hypertable regclass, column_name name,
	num_slices integer, interval_length bigint, partitioning_func regproc)
RETURNS integer
AS 'MODULE_PATHNAME', 'multinode_add_member_dimension' LANGUAGE C VOLATILE;

CREATE FUNCTION set_integer_now_func(hypertable regclass, integer_now_func regproc,
									 replace_if_exists boolean = false)
RETURNS void
AS 'MODULE_PATHNAME', 'multinode_set_integer_now_func' LANGUAGE C VOLATILE;

-- Called by the access node on data nodes (src/hypertable/api.c).
CREATE FUNCTION _timescaledb_functions.set_member_integer_now_func(hypertable regclass,
	integer_now_func regproc, replace_if_exists boolean = true)
RETURNS void
AS 'MODULE_PATHNAME', 'multinode_set_integer_now_func' LANGUAGE C VOLATILE;

-- ---- catalog tables of 2.13 kept as views -----------------------------------

-- The chunks' copies of the hypertables' indexes.  src/hypertable/
-- chunk_objects.c makes every copy depend on the root's index (or, for
-- UNIQUE and PRIMARY KEY, the copy's constraint on the root's), so the
-- dependency is the record: renames, drops and new indexes need no
-- bookkeeping of their own.
CREATE VIEW _timescaledb_catalog.chunk_index AS
SELECT ch.id AS chunk_id,
	   ci.relname AS index_name,
	   h.id AS hypertable_id,
	   ri.relname AS hypertable_index_name
  FROM (SELECT d.objid AS chunk_index, d.refobjid AS root_index
		  FROM pg_catalog.pg_depend d
		  JOIN pg_catalog.pg_index i ON i.indexrelid = d.objid
		  JOIN pg_catalog.pg_index ri ON ri.indexrelid = d.refobjid
		 WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
		   AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
		   AND d.deptype = 'a' AND d.objsubid = 0
		UNION ALL
		SELECT cc.conindid, rc.conindid
		  FROM pg_catalog.pg_depend d
		  JOIN pg_catalog.pg_constraint cc ON cc.oid = d.objid
		  JOIN pg_catalog.pg_constraint rc ON rc.oid = d.refobjid
		 WHERE d.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
		   AND d.refclassid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
		   AND d.deptype = 'a' AND cc.contype IN ('p', 'u', 'x')) x
  JOIN pg_catalog.pg_index cii ON cii.indexrelid = x.chunk_index
  JOIN pg_catalog.pg_class ci ON ci.oid = x.chunk_index
  JOIN pg_catalog.pg_class ri ON ri.oid = x.root_index
  JOIN pg_catalog.pg_class ct ON ct.oid = cii.indrelid
  JOIN pg_catalog.pg_namespace ctn ON ctn.oid = ct.relnamespace
  JOIN _timescaledb_catalog.chunk ch ON ch.schema_name = ctn.nspname AND ch.table_name = ct.relname
  JOIN _timescaledb_catalog.hypertable h ON h.id = ch.hypertable_id;

-- The partitions of every space dimension and, for a distributed
-- hypertable, the data nodes a new chunk in each goes to: what
-- ChunkPlacement (src/hypertable/chunk.c) computes from the dimension and
-- the hypertable's available nodes, so it cannot go out of date.
CREATE VIEW _timescaledb_catalog.dimension_partition AS
SELECT d.id AS dimension_id,
	   CASE WHEN p.i = 0 THEN (-9223372036854775808)::bigint
			ELSE p.i * (2147483648 / d.num_slices) END AS range_start,
	   CASE WHEN h.replication_factor > 0
				 AND pg_catalog.cardinality(a.nodes) >= h.replication_factor THEN
		   ARRAY(SELECT a.nodes[(p.i + k) % pg_catalog.cardinality(a.nodes) + 1]
				   FROM pg_catalog.generate_series(0, h.replication_factor - 1) k ORDER BY k)
	   END::name[] AS data_nodes
  FROM _timescaledb_catalog.dimension d
  JOIN _timescaledb_catalog.hypertable h ON h.id = d.hypertable_id
  CROSS JOIN LATERAL pg_catalog.generate_series(0, d.num_slices - 1) p(i)
  LEFT JOIN LATERAL (
	SELECT pg_catalog.array_agg(hdn.node_name ORDER BY hdn.node_name) AS nodes
	  FROM _timescaledb_catalog.hypertable_data_node hdn
	  JOIN pg_catalog.pg_foreign_server s ON s.srvname = hdn.node_name
	 WHERE hdn.hypertable_id = h.id AND NOT hdn.block_chunks
	   -- the server option as DataNodeOptionAvailable reads it (boolin's spellings)
	   AND COALESCE((SELECT o.option_value::boolean
					   FROM pg_catalog.pg_options_to_table(s.srvoptions) o
					  WHERE o.option_name = 'available'), true)) a ON true
 WHERE d.num_slices IS NOT NULL;

GRANT SELECT ON _timescaledb_catalog.chunk_index, _timescaledb_catalog.dimension_partition
	TO PUBLIC;

-- ---- sizes and counts ---------------------------------------------------------

-- An index of a hypertable here: its own size and its chunk copies'.
CREATE FUNCTION _timescaledb_functions.local_index_size(index_name regclass)
RETURNS bigint
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp AS $$
SELECT pg_catalog.pg_relation_size($1)
	   + COALESCE((SELECT pg_catalog.sum(pg_catalog.pg_relation_size(
							  pg_catalog.format('%I.%I', ct.schema_name, ci.index_name)::regclass))
					 FROM _timescaledb_catalog.chunk_index ci
					 JOIN _timescaledb_catalog.chunk ct ON ct.id = ci.chunk_id
					 JOIN _timescaledb_catalog.hypertable h ON h.id = ci.hypertable_id
					 JOIN pg_catalog.pg_class ic ON ic.oid = $1
					 JOIN pg_catalog.pg_index i ON i.indexrelid = ic.oid
					 JOIN pg_catalog.pg_class r ON r.oid = i.indrelid
					 JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
					WHERE h.schema_name = rn.nspname AND h.table_name = r.relname
					  AND ci.hypertable_index_name = ic.relname), 0)::bigint
$$;

CREATE FUNCTION _timescaledb_functions.data_node_index_sizes(index_name regclass)
RETURNS TABLE (node_name name, total_bytes bigint)
AS 'MODULE_PATHNAME', 'multinode_data_node_index_sizes' LANGUAGE C VOLATILE STRICT;

-- As 2.13: the index on the access node, its chunk copies, and for a
-- distributed hypertable the same index on every data node, summed.
CREATE FUNCTION hypertable_index_size(index_name regclass)
RETURNS bigint
LANGUAGE sql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp AS $$
SELECT _timescaledb_functions.local_index_size($1)
	   + COALESCE((SELECT pg_catalog.sum(s.total_bytes)
					 FROM _timescaledb_functions.data_node_index_sizes($1) s), 0)::bigint
$$;

-- The planner's estimate of a table's rows; for a hypertable the sum over
-- its chunks (the root's own count, which ANALYZE of a distributed root sets
-- to the total, is left out).  A distributed hypertable's foreign chunks carry the row
-- counts ANALYZE imported from their data nodes (src/dist/stats_import.c,
-- the daily statistics job), so the sum is the nodes' estimates, one per
-- chunk whatever its replicas.  Never-analyzed tables count as 0.
CREATE FUNCTION approximate_row_count(relation regclass)
RETURNS bigint
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp AS $$
SELECT COALESCE(pg_catalog.sum(GREATEST(c.reltuples, 0)), 0)::bigint
  FROM pg_catalog.pg_class c
 WHERE (c.oid = relation AND NOT EXISTS (
			SELECT 1 FROM _timescaledb_catalog.hypertable h
			  JOIN pg_catalog.pg_namespace rn ON rn.nspname = h.schema_name
			 WHERE rn.oid = c.relnamespace AND h.table_name = c.relname))
	OR c.oid IN (SELECT pg_catalog.format('%I.%I', ch.schema_name, ch.table_name)::regclass
				   FROM _timescaledb_catalog.chunk ch
				   JOIN _timescaledb_catalog.hypertable h ON h.id = ch.hypertable_id
				   JOIN pg_catalog.pg_class r ON r.relname = h.table_name
				   JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
											AND rn.nspname = h.schema_name
				  WHERE r.oid = relation AND NOT ch.dropped)
$$;

-- ---- first() and last() (src/hypertable/first_last.c) -------------------------

CREATE FUNCTION _timescaledb_functions.first_sfunc(internal, anyelement, "any")
RETURNS internal
AS 'MODULE_PATHNAME', 'multinode_first_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION _timescaledb_functions.last_sfunc(internal, anyelement, "any")
RETURNS internal
AS 'MODULE_PATHNAME', 'multinode_last_sfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION _timescaledb_functions.bookend_finalfunc(internal, anyelement, "any")
RETURNS anyelement
AS 'MODULE_PATHNAME', 'multinode_bookend_finalfunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- Partial states: a data node's state goes to the access node as bytea.
CREATE FUNCTION _timescaledb_functions.bookend_serializefunc(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'multinode_bookend_serializefunc' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION _timescaledb_functions.bookend_deserializefunc(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'multinode_bookend_deserializefunc' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION _timescaledb_functions.first_combinefunc(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'multinode_first_combinefunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION _timescaledb_functions.last_combinefunc(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'multinode_last_combinefunc' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE first(anyelement, "any") (
	SFUNC = _timescaledb_functions.first_sfunc,
	STYPE = internal,
	COMBINEFUNC = _timescaledb_functions.first_combinefunc,
	SERIALFUNC = _timescaledb_functions.bookend_serializefunc,
	DESERIALFUNC = _timescaledb_functions.bookend_deserializefunc,
	FINALFUNC = _timescaledb_functions.bookend_finalfunc,
	FINALFUNC_EXTRA
);

CREATE AGGREGATE last(anyelement, "any") (
	SFUNC = _timescaledb_functions.last_sfunc,
	STYPE = internal,
	COMBINEFUNC = _timescaledb_functions.last_combinefunc,
	SERIALFUNC = _timescaledb_functions.bookend_serializefunc,
	DESERIALFUNC = _timescaledb_functions.bookend_deserializefunc,
	FINALFUNC = _timescaledb_functions.bookend_finalfunc,
	FINALFUNC_EXTRA
);

-- ---- chunk maintenance (src/hypertable/chunk_api.c) ----------------------------

CREATE FUNCTION _timescaledb_functions.frozen_chunk_refuse()
RETURNS trigger
AS 'MODULE_PATHNAME', 'multinode_frozen_chunk_refuse' LANGUAGE C;

CREATE FUNCTION _timescaledb_functions.freeze_chunk(chunk regclass)
RETURNS boolean
AS 'MODULE_PATHNAME', 'multinode_freeze_chunk' LANGUAGE C VOLATILE;

CREATE FUNCTION _timescaledb_functions.unfreeze_chunk(chunk regclass)
RETURNS boolean
AS 'MODULE_PATHNAME', 'multinode_unfreeze_chunk' LANGUAGE C VOLATILE;

CREATE FUNCTION _timescaledb_functions.drop_stale_chunks(node_name name, chunks integer[] = NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'multinode_drop_stale_chunks' LANGUAGE C VOLATILE;

-- The pre-2.12 names.
CREATE FUNCTION _timescaledb_internal.freeze_chunk(chunk regclass)
RETURNS boolean
AS 'MODULE_PATHNAME', 'multinode_freeze_chunk' LANGUAGE C VOLATILE;

CREATE FUNCTION _timescaledb_internal.unfreeze_chunk(chunk regclass)
RETURNS boolean
AS 'MODULE_PATHNAME', 'multinode_unfreeze_chunk' LANGUAGE C VOLATILE;

CREATE FUNCTION _timescaledb_internal.drop_stale_chunks(node_name name, chunks integer[] = NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'multinode_drop_stale_chunks' LANGUAGE C VOLATILE;

-- ---- time conversions TimescaleDB's tools call ----------------------------------
-- Internal time (microseconds since 1970-01-01 UTC, the catalog's unit) to and
-- from values; the open ends of the outermost slices are -infinity/infinity.

CREATE FUNCTION _timescaledb_functions.to_unix_microseconds(ts timestamptz)
RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
SELECT CASE WHEN ts = '-infinity' THEN (-9223372036854775808)::bigint
			WHEN ts = 'infinity' THEN 9223372036854775807::bigint
			ELSE (extract(epoch FROM ts) * 1000000)::bigint END
$$;

CREATE FUNCTION _timescaledb_functions.to_timestamp_without_timezone(ts bigint)
RETURNS timestamp
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
SELECT _timescaledb_functions.to_timestamp(ts) AT TIME ZONE 'UTC'
$$;

CREATE FUNCTION _timescaledb_functions.to_date(ts bigint)
RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
SELECT (_timescaledb_functions.to_timestamp(ts) AT TIME ZONE 'UTC')::date
$$;

CREATE FUNCTION _timescaledb_functions.to_interval(ts bigint)
RETURNS interval
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
SELECT ts * '1 microsecond'::interval
$$;

-- As chunk_time_interval is counted: a month is 30 days, a day 24 hours.
-- (EXTRACT is syntax for pg_catalog.extract, so it needs no qualifying.)
CREATE FUNCTION _timescaledb_functions.interval_to_usec(chunk_interval interval)
RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
SELECT ((extract(year FROM chunk_interval) * 12
		 + extract(month FROM chunk_interval)) * 30
		+ extract(day FROM chunk_interval))::bigint * 86400000000
	   + (extract(epoch FROM chunk_interval
							 - pg_catalog.date_trunc('day', chunk_interval)) * 1000000)::bigint
$$;

-- A time value as internal time: timestamps and dates as UTC, integers as is.
CREATE FUNCTION _timescaledb_functions.time_to_internal(time_val anyelement)
RETURNS bigint
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
SELECT CASE pg_catalog.pg_typeof(time_val)
	WHEN 'pg_catalog.timestamptz'::regtype THEN
		_timescaledb_functions.to_unix_microseconds(time_val::text::timestamptz)
	WHEN 'pg_catalog.timestamp'::regtype THEN
		_timescaledb_functions.to_unix_microseconds(time_val::text::timestamp AT TIME ZONE 'UTC')
	WHEN 'pg_catalog.date'::regtype THEN
		_timescaledb_functions.to_unix_microseconds(time_val::text::date::timestamp AT TIME ZONE 'UTC')
	WHEN 'pg_catalog.int2'::regtype THEN time_val::text::bigint
	WHEN 'pg_catalog.int4'::regtype THEN time_val::text::bigint
	WHEN 'pg_catalog.int8'::regtype THEN time_val::text::bigint
	END
$$;

CREATE FUNCTION _timescaledb_functions.get_approx_row_count(relation regclass)
RETURNS bigint
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp AS $$
SELECT @extschema@.approximate_row_count(relation)
$$;

-- The same under the pre-2.12 schema, where older tools look for them.
CREATE FUNCTION _timescaledb_internal.to_unix_microseconds(ts timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT _timescaledb_functions.to_unix_microseconds(ts) $$;
CREATE FUNCTION _timescaledb_internal.to_timestamp(ts bigint) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT _timescaledb_functions.to_timestamp(ts) $$;
CREATE FUNCTION _timescaledb_internal.to_timestamp_without_timezone(ts bigint) RETURNS timestamp
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT _timescaledb_functions.to_timestamp_without_timezone(ts) $$;
CREATE FUNCTION _timescaledb_internal.to_date(ts bigint) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT _timescaledb_functions.to_date(ts) $$;
CREATE FUNCTION _timescaledb_internal.to_interval(ts bigint) RETURNS interval
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT _timescaledb_functions.to_interval(ts) $$;
CREATE FUNCTION _timescaledb_internal.interval_to_usec(chunk_interval interval) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT _timescaledb_functions.interval_to_usec(chunk_interval) $$;
CREATE FUNCTION _timescaledb_internal.time_to_internal(time_val anyelement) RETURNS bigint
LANGUAGE sql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $$ SELECT _timescaledb_functions.time_to_internal(time_val) $$;
CREATE FUNCTION _timescaledb_internal.get_approx_row_count(relation regclass) RETURNS bigint
LANGUAGE sql STABLE STRICT SET search_path = pg_catalog, pg_temp
AS $$ SELECT _timescaledb_functions.get_approx_row_count(relation) $$;
