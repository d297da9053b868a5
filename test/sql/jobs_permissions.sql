-- Jobs: who may add, alter, delete and run jobs, and who sees their errors.
-- A job belongs to the role that added it; only members of that role
-- (superusers included) may touch it.  The jobs here are not scheduled; a
-- database of their own keeps the job ids in the messages predictable.
CREATE DATABASE jobs_perm;
\c jobs_perm
CREATE EXTENSION multinode;
CREATE ROLE job_alice LOGIN;
CREATE ROLE job_bob LOGIN;
CREATE ROLE job_carol LOGIN IN ROLE job_alice;
CREATE ROLE job_nologin;
CREATE SCHEMA job_perm;
GRANT USAGE, CREATE ON SCHEMA job_perm TO job_alice, job_bob;
SET search_path = job_perm, public;
CREATE TABLE job_perm.who_ran (who text);
GRANT INSERT, SELECT ON job_perm.who_ran TO PUBLIC;

SET ROLE job_alice;
CREATE PROCEDURE alice_proc(job_id int, config jsonb) LANGUAGE sql
    AS $$ INSERT INTO job_perm.who_ran VALUES (current_user) $$;
CREATE FUNCTION alice_check(config jsonb) RETURNS void LANGUAGE sql AS 'SELECT';
REVOKE EXECUTE ON PROCEDURE alice_proc FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION alice_check FROM PUBLIC;
SELECT add_job('alice_proc', '1h', scheduled => false) AS alice_job \gset
SELECT owner, proc_schema, proc_name FROM timescaledb_information.jobs WHERE job_id = :alice_job;
-- run_job runs as the caller, here the owner
CALL run_job(:alice_job);
SELECT who FROM job_perm.who_ran;
-- the extension's own job belongs to the superuser who installed it
SELECT alter_job(2, scheduled => false);
-- the catalog is read-only for everybody but its owner
INSERT INTO _timescaledb_catalog.bgw_job (application_name, schedule_interval, proc_schema, proc_name)
VALUES ('mine', '1h', 'job_perm', 'alice_proc');
UPDATE _timescaledb_catalog.bgw_job_stat SET next_start = now();
DELETE FROM _timescaledb_catalog.job_errors;

SET ROLE job_bob;
-- not the owner
SELECT alter_job(:alice_job, scheduled => true);
SELECT delete_job(:alice_job);
CALL run_job(:alice_job);
-- cannot schedule what one may not execute
SELECT add_job('alice_proc', '1h');
CREATE PROCEDURE bob_proc(job_id int, config jsonb) LANGUAGE sql AS 'SELECT';
SELECT add_job('bob_proc', '1h', check_config => 'alice_check');
SELECT add_job('bob_proc', '1h', scheduled => false) AS bob_job \gset
SELECT alter_job(:bob_job, check_config => 'alice_check');

-- a job runs logged in as its owner: roles that cannot log in own none
RESET ROLE;
GRANT USAGE ON SCHEMA job_perm TO job_nologin;
SET ROLE job_nologin;
SELECT add_job('bob_proc', '1h');

-- a member of the owning role may alter the job
SET ROLE job_carol;
SELECT scheduled FROM alter_job(:alice_job, scheduled => false);
-- and so may a superuser, any job
RESET ROLE;
SELECT max_retries FROM alter_job(:alice_job, max_retries => 5);
SELECT max_retries FROM alter_job(:bob_job, max_retries => 5);

-- job_errors: each role sees the errors of its own jobs; the database owner
-- sees all
INSERT INTO _timescaledb_catalog.job_errors (job_id, start_time, finish_time, error_data)
VALUES (:alice_job, now(), now(), '{"message": "alice failed", "sqlerrcode": "P0001"}'),
       (:bob_job, now(), now(), '{"message": "bob failed", "detail": "why", "hint": "how"}'),
       (:bob_job, now(), now(), '{}');
SET ROLE job_alice;
SELECT job_id = :alice_job AS alices, sqlerrcode, err_message FROM timescaledb_information.job_errors;
SET ROLE job_bob;
SELECT job_id = :bob_job AS bobs, sqlerrcode, err_message FROM timescaledb_information.job_errors
 ORDER BY err_message;
RESET ROLE;
SELECT count(*) FROM timescaledb_information.job_errors WHERE job_id IN (:alice_job, :bob_job);

-- a role that owns jobs cannot be dropped
DROP ROLE job_bob;
DELETE FROM _timescaledb_catalog.job_errors WHERE job_id IN (:alice_job, :bob_job);
SELECT delete_job(:alice_job), delete_job(:bob_job);
\c regression
DROP DATABASE jobs_perm;
DROP ROLE job_alice, job_bob, job_carol, job_nologin;
