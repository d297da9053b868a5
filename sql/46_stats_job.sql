-- The built-in statistics job: once a day, ANALYZE every distributed
-- hypertable, which on the access node analyzes it on its data nodes and
-- imports their row counts and column statistics (src/dist/stats_import.c),
-- so that plans keep up with the data.  It runs as the extension's owner; a
-- hypertable that fails (a data node down) gives a warning and the others go
-- on.  Change its schedule with alter_job(4, ...), pause it with
-- alter_job(4, scheduled => false).  Written, as the healing job is, so that
-- it also installs where the job catalog (40_jobs.sql) is not there yet.
CREATE PROCEDURE _timescaledb_internal.policy_distributed_statistics(job_id integer = NULL,
																	  config jsonb = NULL)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	ht record;
BEGIN
	FOR ht IN
		SELECT h.schema_name, h.table_name
		  FROM _timescaledb_catalog.hypertable h
		 WHERE h.replication_factor > 0
		 ORDER BY h.id
	LOOP
		BEGIN
			EXECUTE format('ANALYZE %I.%I', ht.schema_name, ht.table_name);
		EXCEPTION WHEN query_canceled THEN
			RAISE;
		WHEN OTHERS THEN
			RAISE WARNING 'could not analyze distributed hypertable "%.%": %',
				ht.schema_name, ht.table_name, SQLERRM;
		END;
	END LOOP;
END
$$;

DO $$
BEGIN
	IF pg_catalog.to_regclass('_timescaledb_catalog.bgw_job') IS NOT NULL THEN
		INSERT INTO _timescaledb_catalog.bgw_job
			(id, application_name, schedule_interval, max_runtime, max_retries,
			 retry_period, proc_schema, proc_name, fixed_schedule, config)
		VALUES
			(4, 'Distributed Statistics [4]', '1 day', '1 hour', -1, '1 hour',
			 '_timescaledb_internal', 'policy_distributed_statistics', false, '{}');
		-- first due a day after installation, not at once: a new database
		-- has nothing to analyze yet
		INSERT INTO _timescaledb_catalog.bgw_job_stat (job_id, next_start)
		VALUES (4, pg_catalog.now() + interval '1 day');
	END IF;
END
$$;
