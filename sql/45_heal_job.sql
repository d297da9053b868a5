-- The built-in healing job: every minute, heal_all_data_nodes() resolves what
-- distributed transactions left prepared on the data nodes and trims the
-- decision log.  It is an ordinary row of bgw_job (id below 1000: built in), so
-- it shows in timescaledb_information.jobs and alter_job/delete_job work on it.
-- Written so that it also installs where the job catalog (40_jobs.sql) is not
-- there yet.
DO $$
BEGIN
	IF pg_catalog.to_regclass('_timescaledb_catalog.bgw_job') IS NOT NULL THEN
		INSERT INTO _timescaledb_catalog.bgw_job
			(id, application_name, schedule_interval, max_runtime, max_retries,
			 retry_period, proc_schema, proc_name, fixed_schedule, config)
		VALUES
			(3, 'Data Node Healing [3]', '1 minute', '5 minutes', -1, '1 minute',
			 '_timescaledb_internal', 'heal_all_data_nodes', false, '{}');
		-- due at once; made here rather than by the scheduler, so that
		-- alter_job works on the job from the start
		INSERT INTO _timescaledb_catalog.bgw_job_stat (job_id, next_start)
		VALUES (3, pg_catalog.now());
	END IF;
END
$$;
