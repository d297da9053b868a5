-- timescaledb_fdw options of TimescaleDB 2.13: accepted where it accepted
-- them, validated with its messages, and honoured.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = notice;
CREATE DATABASE mn_fo_access;
\c mn_fo_access
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'mn_fo_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'mn_fo_dn2');

-- where each option is accepted
ALTER FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (ADD fdw_startup_cost '100', ADD fdw_tuple_cost '0.01',
    ADD fetch_size '2000', ADD extensions 'plpgsql', ADD copy_rows_per_message '1000');
ALTER SERVER dn1 OPTIONS (ADD fdw_startup_cost '100', ADD fdw_tuple_cost '0.01', ADD fetch_size '2000',
    ADD extensions 'plpgsql');
SELECT fdwoptions FROM pg_foreign_data_wrapper WHERE fdwname = 'timescaledb_fdw';
SELECT array(SELECT o FROM unnest(srvoptions) o WHERE o NOT LIKE 'port=%') AS options
  FROM pg_foreign_server WHERE srvname = 'dn1';
ALTER FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (DROP fdw_startup_cost, DROP fdw_tuple_cost,
    DROP fetch_size, DROP extensions, DROP copy_rows_per_message);
ALTER SERVER dn1 OPTIONS (DROP fdw_startup_cost, DROP fdw_tuple_cost, DROP fetch_size, DROP extensions);
-- and where not: on the wrapper only
ALTER SERVER dn1 OPTIONS (ADD copy_rows_per_message '10');
ALTER SERVER dn1 OPTIONS (ADD reference_tables 'x');
-- unknown names list the valid ones
ALTER FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (ADD fetchsize '10');

-- values
ALTER SERVER dn1 OPTIONS (ADD fdw_startup_cost '-1');
ALTER SERVER dn1 OPTIONS (ADD fdw_tuple_cost 'cheap');
ALTER SERVER dn1 OPTIONS (ADD fetch_size '0');
ALTER SERVER dn1 OPTIONS (ADD fetch_size '10 rows');
ALTER FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (ADD copy_rows_per_message '0');
ALTER SERVER dn1 OPTIONS (ADD extensions 'plpgsql, no_such_extension');
ALTER SERVER dn1 OPTIONS (DROP extensions);
ALTER SERVER dn1 OPTIONS (ADD extensions '"unterminated');
CREATE TABLE devices (id int PRIMARY KEY, name text);
CREATE VIEW devices_view AS SELECT * FROM devices;
ALTER FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (ADD reference_tables 'no_such_table');
ALTER FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (ADD reference_tables 'devices_view');
ALTER FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (ADD reference_tables 'devices, public.devices');
SELECT fdwoptions FROM pg_foreign_data_wrapper WHERE fdwname = 'timescaledb_fdw';
ALTER FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (DROP reference_tables);

CREATE TABLE conditions (time timestamptz NOT NULL, device int, name text, temp float);
SELECT table_name FROM create_distributed_hypertable('conditions', 'time', 'device');
INSERT INTO conditions
SELECT '2020-01-01'::timestamptz + i * interval '10 minutes', i % 4, 'dev' || (i % 4), i
  FROM generate_series(1, 100) i;
SELECT count(*) FROM conditions;

-- fetch_size: rows per FETCH, so round trips per node
CREATE FUNCTION round_trips(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
        IF line ~ 'Data node:|round trips' THEN
            RETURN NEXT line;
        END IF;
    END LOOP;
END $$;
SELECT * FROM round_trips('SELECT * FROM conditions');
ALTER SERVER dn1 OPTIONS (ADD fetch_size '10');
SELECT * FROM round_trips('SELECT * FROM conditions');
-- the wrapper's value for servers without their own
ALTER FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (ADD fetch_size '7');
SELECT * FROM round_trips('SELECT * FROM conditions');
SELECT count(*), sum(temp) FROM conditions;
ALTER FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (DROP fetch_size);
ALTER SERVER dn1 OPTIONS (DROP fetch_size);

-- fdw_startup_cost and fdw_tuple_cost: the scan's costs
CREATE FUNCTION scan_costs(q text, OUT startup numeric, OUT total numeric, OUT plan_rows numeric)
LANGUAGE plpgsql AS $$
DECLARE
    plan jsonb;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO plan;
    startup := (plan->0->'Plan'->>'Startup Cost')::numeric;
    total := (plan->0->'Plan'->>'Total Cost')::numeric;
    plan_rows := (plan->0->'Plan'->>'Plan Rows')::numeric;
END $$;
SELECT startup, total - startup - plan_rows * (0.01 + 0.01) AS row_costs_beyond_default
  FROM scan_costs('SELECT * FROM conditions');
ALTER SERVER dn2 OPTIONS (ADD fdw_startup_cost '5000');
ALTER FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (ADD fdw_tuple_cost '1');
SELECT startup, round(total - startup - plan_rows * (1 + 0.01), 6) AS row_costs_beyond_option
  FROM scan_costs('SELECT * FROM conditions');
ALTER SERVER dn2 OPTIONS (DROP fdw_startup_cost);
ALTER FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (DROP fdw_tuple_cost);

-- copy_rows_per_message: COPY data in messages of that many rows; every
-- row arrives whole, text or binary
ALTER FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (ADD copy_rows_per_message '3');
INSERT INTO conditions
SELECT '2020-02-01'::timestamptz + i * interval '10 minutes', i % 4, E'line\nbreak ' || i, i
  FROM generate_series(1, 50) i;
COPY conditions FROM STDIN;
2020-03-01 00:00:00+00	1	tab\there	1.5
2020-03-01 00:10:00+00	2	\N	2.5
2020-03-01 00:20:00+00	3	back\\slash	3.5
2020-03-01 00:30:00+00	1	four	4.5
\.
SELECT count(*), sum(temp), count(name), sum(length(name)) FROM conditions WHERE time >= '2020-02-01';
SELECT time, name FROM conditions WHERE temp IN (1.5, 2.5, 3.5, 4.5) ORDER BY time;
ALTER FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (DROP copy_rows_per_message);

-- extensions: an extension's immutable functions go to the nodes once listed
CREATE EXTENSION fuzzystrmatch;
CALL distributed_exec('CREATE EXTENSION fuzzystrmatch');
EXPLAIN (VERBOSE, COSTS OFF) SELECT time FROM conditions WHERE levenshtein(name, 'dev1') = 0;
ALTER FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (ADD extensions 'fuzzystrmatch');
EXPLAIN (VERBOSE, COSTS OFF) SELECT time FROM conditions WHERE levenshtein(name, 'dev1') = 0;
SELECT count(*) FROM conditions WHERE levenshtein(name, 'dev1') = 0;
-- a server of its own without it: not every node may run it
ALTER SERVER dn2 OPTIONS (ADD extensions 'plpgsql');
EXPLAIN (VERBOSE, COSTS OFF) SELECT time FROM conditions WHERE levenshtein(name, 'dev1') = 0;
ALTER SERVER dn2 OPTIONS (DROP extensions);
ALTER FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (DROP extensions);

-- cleanup
DROP TABLE conditions;
SELECT delete_data_node('dn1', drop_database => true);
SELECT delete_data_node('dn2', drop_database => true);
\c postgres
DROP DATABASE mn_fo_access;
