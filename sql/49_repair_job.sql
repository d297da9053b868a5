-- The built-in repair job (id 5): every 5 minutes, finish or undo the chunk
-- copies and moves whose backend is gone (an access node crash, a killed
-- session), then repair_chunk_replicas(): stale replicas recopied from fresh
-- ones once their node answers, lost replicas remade elsewhere.  With
-- config {"rebalance": true} (alter_job(5, config => ...)) it also runs
-- rebalance_chunks() on every distributed hypertable.  Written, as the
-- healing job is, so that it also installs where the job catalog
-- (40_jobs.sql) is not there yet.  No SET clause: rebalance_chunks commits.
CREATE PROCEDURE _timescaledb_internal.policy_chunk_repair(job_id integer = NULL,
															config jsonb = NULL)
LANGUAGE plpgsql AS $$
DECLARE
	op record;
	n integer;
BEGIN
	FOR op IN
		SELECT o.operation_id
		  FROM _timescaledb_catalog.chunk_copy_operation o
		 WHERE o.completed_stage OPERATOR(pg_catalog.<>) 'complete'
		   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a
							WHERE a.pid OPERATOR(pg_catalog.=) o.backend_pid)
		 ORDER BY o.time_start
	LOOP
		BEGIN
			PERFORM _timescaledb_functions.chunk_copy_cleanup(op.operation_id);
		EXCEPTION WHEN query_canceled THEN
			RAISE;
		WHEN OTHERS THEN
			RAISE WARNING 'could not clean up chunk copy operation "%": %',
				op.operation_id, SQLERRM;
		END;
		COMMIT;
	END LOOP;
	n := @extschema@.repair_chunk_replicas();
	IF n OPERATOR(pg_catalog.>) 0 THEN
		RAISE LOG 'repaired % chunk replicas', n;
	END IF;
	COMMIT;
	IF COALESCE((config OPERATOR(pg_catalog.->>) 'rebalance')::boolean, false) THEN
		CALL @extschema@.rebalance_chunks();
	END IF;
END
$$;

DO $$
BEGIN
	IF pg_catalog.to_regclass('_timescaledb_catalog.bgw_job') IS NOT NULL THEN
		INSERT INTO _timescaledb_catalog.bgw_job
			(id, application_name, schedule_interval, max_runtime, max_retries,
			 retry_period, proc_schema, proc_name, fixed_schedule, config)
		VALUES
			(5, 'Chunk Replica Repair [5]', '5 minutes', '1 hour', -1, '5 minutes',
			 '_timescaledb_internal', 'policy_chunk_repair', false, '{"rebalance": false}');
		INSERT INTO _timescaledb_catalog.bgw_job_stat (job_id, next_start)
		VALUES (5, pg_catalog.now() + interval '5 minutes');
	END IF;
END
$$;
