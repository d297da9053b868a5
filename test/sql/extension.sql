-- The extension installs its schemas, catalog and foreign-data wrapper.
CREATE EXTENSION multinode;
\dx multinode
SELECT nspname FROM pg_namespace
 WHERE nspname IN ('_timescaledb_catalog', '_timescaledb_internal',
                   '_timescaledb_functions', 'timescaledb_information')
 ORDER BY 1;
-- a uuid is made at install, and no dist_uuid until the database is clustered
SELECT key, value ~ '^[0-9a-f-]{36}$' AS is_uuid FROM _timescaledb_catalog.metadata ORDER BY key;
SELECT fdwname FROM pg_foreign_data_wrapper;

-- data nodes cannot be made or dropped by hand
\set VERBOSITY default
CREATE SERVER dn_by_hand FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (host 'localhost');

-- unknown options are rejected with the list of valid ones (checked on a
-- server of the wrapper's validator through a plain wrapper)
CREATE FOREIGN DATA WRAPPER check_fdw VALIDATOR _timescaledb_internal.timescaledb_fdw_validator;
CREATE SERVER s1 FOREIGN DATA WRAPPER check_fdw OPTIONS (host 'localhost', hots 'x');
CREATE SERVER s1 FOREIGN DATA WRAPPER check_fdw OPTIONS (host 'localhost', port '0');
CREATE SERVER s1 FOREIGN DATA WRAPPER check_fdw OPTIONS (host 'localhost', port 'abc');
CREATE SERVER s1 FOREIGN DATA WRAPPER check_fdw OPTIONS (sslmode 'sometimes');
CREATE SERVER s1 FOREIGN DATA WRAPPER check_fdw OPTIONS (available 'maybe');
CREATE SERVER s1 FOREIGN DATA WRAPPER check_fdw
  OPTIONS (host 'localhost', port '5432', dbname 'x', available 'true', sslmode 'require',
           sslrootcert 'a', sslcert 'b', sslkey 'c', connect_timeout '3');
CREATE USER MAPPING FOR CURRENT_USER SERVER s1 OPTIONS (user 'u', password 'p');
CREATE USER MAPPING FOR PUBLIC SERVER s1 OPTIONS (host 'localhost');
DROP SERVER s1 CASCADE;
DROP FOREIGN DATA WRAPPER check_fdw;

-- the GUCs exist, and the prefix is reserved
SHOW multinode.connect_timeout;
SHOW multinode.passfile;
SET multinode.no_such_setting = 1;

-- built-in jobs can be altered as soon as the extension exists
SELECT job_id, scheduled FROM alter_job(2, scheduled => false);
SELECT job_id, scheduled FROM alter_job(2, scheduled => true);
