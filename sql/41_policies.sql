-- Policies (TimescaleDB 2.13): retention and reorder, as jobs with the
-- hypertable's id in bgw_job.hypertable_id and in their config.  The API is
-- C (src/bgw/policy_api.c); the procedures the jobs run are below and run
-- as the job's owner.

CREATE FUNCTION add_retention_policy(
	relation regclass,
	drop_after "any" = NULL,
	if_not_exists boolean = false,
	schedule_interval interval = NULL,
	initial_start timestamptz = NULL,
	timezone text = NULL,
	drop_created_before interval = NULL
) RETURNS integer
AS 'MODULE_PATHNAME', 'multinode_add_retention_policy' LANGUAGE C VOLATILE;

CREATE FUNCTION remove_retention_policy(relation regclass, if_exists boolean = false)
RETURNS void
AS 'MODULE_PATHNAME', 'multinode_remove_retention_policy' LANGUAGE C VOLATILE;

CREATE FUNCTION add_reorder_policy(
	hypertable regclass,
	index_name name,
	if_not_exists boolean = false,
	initial_start timestamptz = NULL,
	timezone text = NULL
) RETURNS integer
AS 'MODULE_PATHNAME', 'multinode_add_reorder_policy' LANGUAGE C VOLATILE;

CREATE FUNCTION remove_reorder_policy(hypertable regclass, if_exists boolean = false)
RETURNS void
AS 'MODULE_PATHNAME', 'multinode_remove_reorder_policy' LANGUAGE C VOLATILE;

-- The hypertable a policy's config names, as a regclass.
CREATE FUNCTION _timescaledb_functions.policy_hypertable(config jsonb)
RETURNS regclass
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	rel regclass;
BEGIN
	IF config IS NULL OR NOT config ? 'hypertable_id' THEN
		RAISE EXCEPTION 'config must have hypertable_id' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT pg_catalog.format('%I.%I', h.schema_name, h.table_name)::regclass INTO rel
	  FROM _timescaledb_catalog.hypertable h
	 WHERE h.id OPERATOR(pg_catalog.=) (config ->> 'hypertable_id')::integer;
	IF rel IS NULL THEN
		RAISE EXCEPTION 'hypertable with id % not found', config ->> 'hypertable_id'
			USING ERRCODE = 'undefined_table';
	END IF;
	RETURN rel;
END
$$;

CREATE FUNCTION _timescaledb_functions.policy_retention_check(config jsonb)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM _timescaledb_functions.policy_hypertable(config);
	IF (config ? 'drop_after') = (config ? 'drop_created_before') THEN
		RAISE EXCEPTION 'config must have one of drop_after or drop_created_before'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
END
$$;

-- drop_chunks older than drop_after (counted back from now(), or from the
-- hypertable's integer_now_func for an integer time column), or created
-- before drop_created_before.  On a distributed hypertable drop_chunks
-- drops the chunks on the data nodes too.  No pinned search_path here: the
-- job runs as its owner, and the owner's integer_now_func is the owner's
-- code, written for the owner's search_path (as with TimescaleDB); what is
-- ours is schema-qualified instead.
CREATE PROCEDURE _timescaledb_functions.policy_retention(job_id integer, config jsonb)
LANGUAGE plpgsql AS $$
DECLARE
	rel pg_catalog.regclass := _timescaledb_functions.policy_hypertable(config);
	dim record;
	now_value pg_catalog.int8;
BEGIN
	IF config OPERATOR(pg_catalog.?) 'drop_created_before' THEN
		PERFORM @extschema@.drop_chunks(rel, created_before =>
			(config OPERATOR(pg_catalog.->>) 'drop_created_before')::pg_catalog.interval);
		RETURN;
	END IF;
	SELECT d.column_type, d.integer_now_func_schema, d.integer_now_func INTO dim
	  FROM _timescaledb_catalog.dimension d
	 WHERE d.hypertable_id OPERATOR(pg_catalog.=)
			   (config OPERATOR(pg_catalog.->>) 'hypertable_id')::pg_catalog.int4
	   AND d.interval_length IS NOT NULL
	 ORDER BY d.id LIMIT 1;
	IF dim.column_type OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.int2'::pg_catalog.regtype,
			'pg_catalog.int4'::pg_catalog.regtype, 'pg_catalog.int8'::pg_catalog.regtype]) THEN
		IF dim.integer_now_func IS NULL THEN
			RAISE EXCEPTION 'integer_now_func not set on hypertable "%"', rel
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Set it with set_integer_now_func().';
		END IF;
		EXECUTE pg_catalog.format('SELECT %I.%I()::pg_catalog.int8', dim.integer_now_func_schema,
								  dim.integer_now_func) INTO now_value;
		PERFORM @extschema@.drop_chunks(rel, older_than => now_value OPERATOR(pg_catalog.-)
			(config OPERATOR(pg_catalog.->>) 'drop_after')::pg_catalog.int8);
	ELSE
		PERFORM @extschema@.drop_chunks(rel, older_than =>
			(config OPERATOR(pg_catalog.->>) 'drop_after')::pg_catalog.interval);
	END IF;
END
$$;

CREATE FUNCTION _timescaledb_functions.policy_reorder_check(config jsonb)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM _timescaledb_functions.policy_hypertable(config);
	IF NOT config ? 'index_name' THEN
		RAISE EXCEPTION 'config must have index_name' USING ERRCODE = 'invalid_parameter_value';
	END IF;
END
$$;

-- CLUSTER every chunk but the newest (still being written) on its copy of
-- the policy's index, oldest first, once: a chunk already clustered on it
-- (pg_index.indisclustered) is left alone.
CREATE PROCEDURE _timescaledb_functions.policy_reorder(job_id integer, config jsonb)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	rel regclass := _timescaledb_functions.policy_hypertable(config);
	c record;
BEGIN
	FOR c IN
		SELECT ch.schema_name, ch.table_name, ci.index_name
		  FROM _timescaledb_catalog.chunk_index ci
		  JOIN _timescaledb_catalog.chunk ch ON ch.id OPERATOR(pg_catalog.=) ci.chunk_id
		  JOIN pg_catalog.pg_class ic ON ic.relname OPERATOR(pg_catalog.=) ci.index_name
		  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) ic.relnamespace
										AND n.nspname OPERATOR(pg_catalog.=) ch.schema_name
		  JOIN pg_catalog.pg_index i ON i.indexrelid OPERATOR(pg_catalog.=) ic.oid
		 WHERE ci.hypertable_id OPERATOR(pg_catalog.=) (config ->> 'hypertable_id')::integer
		   AND ci.hypertable_index_name OPERATOR(pg_catalog.=) (config ->> 'index_name')
		   AND NOT i.indisclustered
		   AND ch.id OPERATOR(pg_catalog.<>) (SELECT pg_catalog.max(l.id)
												  FROM _timescaledb_catalog.chunk l
												 WHERE l.hypertable_id OPERATOR(pg_catalog.=) ch.hypertable_id
												   AND NOT l.dropped)
		 ORDER BY ch.id
	LOOP
		EXECUTE pg_catalog.format('CLUSTER %I.%I USING %I', c.schema_name, c.table_name,
								  c.index_name);
	END LOOP;
END
$$;

-- The pre-2.12 names of the policy procedures, which older scripts call.
CREATE PROCEDURE _timescaledb_internal.policy_retention(job_id integer, config jsonb)
LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ CALL _timescaledb_functions.policy_retention(job_id, config) $$;

CREATE PROCEDURE _timescaledb_internal.policy_reorder(job_id integer, config jsonb)
LANGUAGE sql SET search_path = pg_catalog, pg_temp
AS $$ CALL _timescaledb_functions.policy_reorder(job_id, config) $$;
