-- COPY FROM into a hypertable names a failed row by its input line, as
-- PostgreSQL's COPY does ("COPY conditions, line N"), wherever the row is
-- checked: on the access node while it is read, in a local chunk's batch
-- stored later, and on a data node, whose error names the row by its place
-- in the access node's COPY and is mapped back to the input line.
SET client_min_messages = warning;
CREATE DATABASE cl_access;
\c cl_access
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'cl_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'cl_dn2');
CREATE TABLE conditions (time timestamptz NOT NULL, device int, temp float8 CHECK (temp < 100));
SELECT create_distributed_hypertable('conditions', 'time', 'device');
CREATE UNIQUE INDEX ON conditions (time, device);
INSERT INTO conditions SELECT '2020-01-01 00:00:00+00', d, 0 FROM generate_series(1, 6) d;

-- a duplicate found by a data node in the middle of its rows
COPY conditions FROM STDIN;
2020-01-02 00:00:00+00	1	1
2020-01-02 00:00:00+00	2	2
2020-01-02 00:00:00+00	3	3
2020-01-02 00:00:00+00	4	4
2020-01-02 00:00:00+00	5	5
2020-01-02 00:00:00+00	3	3
2020-01-02 00:00:00+00	6	6
\.
-- the failed row is the first its node gets
COPY conditions FROM STDIN;
2020-01-01 00:00:00+00	3	3
2020-01-03 00:00:00+00	1	1
2020-01-03 00:00:00+00	2	2
\.
-- the failed row is the only row (sent as a one-row INSERT)
COPY conditions FROM STDIN;
2020-01-01 00:00:00+00	4	4
\.
-- checked on the access node, and a bad value, while read
COPY conditions FROM STDIN;
2020-01-04 00:00:00+00	1	1
2020-01-04 00:00:00+00	2	200
\.
COPY conditions FROM STDIN;
2020-01-04 00:00:00+00	1	1
yesterday-ish	2	2
\.
-- a larger load, whose duplicate is found while later rows still stream
COPY conditions FROM PROGRAM
  $$awk 'BEGIN { for (i = 1; i <= 3000; i++) printf "2020-01-05 00:00:00+00\t%d\t1\n", (i == 2500 ? 7 : i) }'$$;
-- in CSV with a header, lines count the header, as PostgreSQL's COPY does
COPY conditions FROM STDIN WITH (FORMAT csv, HEADER);
time,device,temp
2020-01-06 00:00:00+00,1,1
2020-01-06 00:00:00+00,1,1
\.
-- nothing of these loads was stored
SELECT count(*) FROM conditions WHERE time > '2020-01-01 00:00:00+00';

-- a local hypertable: the duplicate is found when its batch is stored
CREATE TABLE local_conditions (time timestamptz NOT NULL, device int, temp float8);
SELECT create_hypertable('local_conditions', 'time');
CREATE UNIQUE INDEX ON local_conditions (time, device);
COPY local_conditions FROM STDIN;
2020-01-02 00:00:00+00	1	1
2020-01-02 00:00:00+00	2	2
2020-01-02 00:00:00+00	1	1
2020-01-02 00:00:00+00	3	3
\.
SELECT count(*) FROM local_conditions;

\c regression
DROP DATABASE cl_access;
DROP DATABASE cl_dn1;
DROP DATABASE cl_dn2;
