-- Hostile names through every SQL entry point: schemas, tables, columns,
-- data nodes, databases, roles, indexes, job procedures whose names hold
-- single and double quotes, semicolons, backslashes, $$, spaces, upper case,
-- multi-byte UTF-8 characters and 63 bytes.  Each call works on exactly the
-- object named, or ends in a clear error that changes nothing.
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE DATABASE hn_access;
\c hn_access
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE EXTENSION multinode;

-- data node names and database names
\set dn1db 'hn dn1 ''q'' "d";$$\\'
SELECT node_name, database FROM add_data_node('dn''1;"x" $$\', host => 'localhost',
	database => 'hn dn1 ''q'' "d";$$\');
SELECT node_name, database FROM add_data_node('DN Ünï 2 – ☃', host => 'localhost',
	database => 'hn_Dn2_ü ☃');
SELECT node_name, database FROM add_data_node('x', host => 'localhost', database => 'hn_dn3''; DROP DATABASE hn_access; --');
-- a second add under the same name fails and changes nothing
SELECT node_name FROM add_data_node('dn''1;"x" $$\', host => 'localhost', database => 'hn_other');
SELECT node_name FROM timescaledb_information.data_nodes ORDER BY 1;
SELECT datname FROM pg_database WHERE datname LIKE 'hn%' ORDER BY 1;
CALL distributed_exec($$SELECT 1$$, node_list => '{"dn''1;\"x\" $$\\","DN Ünï 2 – ☃"}');
CALL distributed_exec($$SELECT 1$$, node_list => '{"no such; node"}');

-- a hostile role (roles are shared by the instance's databases)
CREATE ROLE "R'o;le ""Ü"" $$\" LOGIN;

-- schema, table and column names
CREATE SCHEMA "s'c;h""e$$ma\ Ü";
CALL distributed_exec($$SELECT 1$$);
CREATE TABLE "s'c;h""e$$ma\ Ü"."T'ab""le; DROP TABLE x; ☃" (
	"ti'me ""c"";$$" timestamptz NOT NULL,
	"dev;ice\ Ö" int NOT NULL,
	"väl'ue" float8,
	"ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccüü" text,
	PRIMARY KEY ("ti'me ""c"";$$", "dev;ice\ Ö"));
SELECT create_distributed_hypertable('"s''c;h""e$$ma\ Ü"."T''ab""le; DROP TABLE x; ☃"',
	'ti''me "c";$$', 'dev;ice\ Ö', replication_factor => 2,
	chunk_time_interval => interval '1 day');
SELECT hypertable_schema, hypertable_name, num_dimensions, is_distributed
	FROM timescaledb_information.hypertables;
SELECT column_name FROM timescaledb_information.dimensions ORDER BY dimension_number;
-- associated schema and table prefix
CREATE SCHEMA "As'soc ""Ü""";
CREATE TABLE "s'c;h""e$$ma\ Ü".pre (time timestamptz NOT NULL, v int);
SELECT create_distributed_hypertable('"s''c;h""e$$ma\ Ü".pre', 'time',
	associated_schema_name => 'As''soc "Ü"',
	associated_table_prefix => 'ŃŃŃŃŃŃŃŃŃŃŃŃŃŃŃŃŃŃŃŃŃŃŃŃŃŃŃŃ''""');
INSERT INTO "s'c;h""e$$ma\ Ü".pre VALUES ('2026-01-01', 1), ('2026-03-01', 2), ('2026-05-01', 3);
SELECT chunk_schema, chunk_name, octet_length(chunk_name) FROM timescaledb_information.chunks
	WHERE hypertable_name = 'pre' ORDER BY chunk_name;
SELECT count(*) FROM "s'c;h""e$$ma\ Ü".pre;
SELECT count(*) FROM drop_chunks('"s''c;h""e$$ma\ Ü".pre', older_than => '2026-04-01'::timestamptz);
DROP TABLE "s'c;h""e$$ma\ Ü".pre;

-- the same on a local hypertable, in the same schema, 63-byte name
CREATE TABLE "s'c;h""e$$ma\ Ü"."ŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁ;'x" ("ti'me ""c"";$$" date NOT NULL, "v'" int);
SELECT create_hypertable('"s''c;h""e$$ma\ Ü"."ŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁ;''x"', 'ti''me "c";$$');

\set dist '"s''c;h""e$$ma\\ Ü"."T''ab""le; DROP TABLE x; ☃"'
\set loc '"s''c;h""e$$ma\\ Ü"."ŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁŁ;''x"'
-- writes and reads
INSERT INTO :dist VALUES ('2026-01-01 01:00', 1, 1.5, 'a''b'), ('2026-01-02 01:00', 2, 2.5, '$$\');
COPY :dist FROM stdin;
2026-01-03 01:00:00+00	3	3.5	c;d
\.
INSERT INTO :dist VALUES ('2026-01-01 01:00', 1, 9) ON CONFLICT ("ti'me ""c"";$$", "dev;ice\ Ö")
	DO UPDATE SET "väl'ue" = excluded."väl'ue" + 1;
UPDATE :dist SET "väl'ue" = "väl'ue" * 2 WHERE "dev;ice\ Ö" = 2;
DELETE FROM :dist WHERE "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccüü" = 'c;d';
SELECT * FROM :dist ORDER BY 1;
SELECT "dev;ice\ Ö", sum("väl'ue") FROM :dist GROUP BY 1 ORDER BY 1;
INSERT INTO :loc VALUES ('2026-01-01', 1), ('2026-02-01', 2);
COPY :loc FROM stdin;
2026-03-01	3
\.
SELECT * FROM :loc ORDER BY 1;

-- chunk functions
SELECT count(*) FROM show_chunks(:'dist');
SELECT count(*) FROM show_chunks(:'loc');
SELECT set_chunk_time_interval(:'dist', interval '2 days');
SELECT set_chunk_time_interval(:'loc', interval '10 days', dimension_name => 'ti''me "c";$$');
SELECT set_chunk_time_interval(:'loc', interval '10 days', dimension_name => 'no'' such');
SELECT count(*) FROM drop_chunks(:'dist', older_than => '2026-01-02'::timestamptz);
SELECT count(*) FROM drop_chunks(:'loc', older_than => '2026-02-01'::date);
SELECT count(*) FROM :dist;
SELECT count(*) FROM :loc;
SELECT node_name IS NOT NULL AS has_node, total_bytes > 0 AS has_bytes
	FROM hypertable_detailed_size(:'dist') ORDER BY node_name;
SELECT hypertable_size(:'dist') > 0 AS dist_size, hypertable_size(:'loc') > 0 AS loc_size;
SELECT count(*) FROM chunks_detailed_size(:'dist');

-- DDL forwarded to the data nodes
CREATE INDEX "i'dx; ""Ü"" $$\" ON :dist ("väl'ue");
ALTER TABLE :dist RENAME COLUMN "väl'ue" TO "new ""v""; '$$";
ALTER TABLE :dist ADD COLUMN "add'ed;" int DEFAULT 0;
GRANT SELECT ON :dist TO "R'o;le ""Ü"" $$\";
SELECT "new ""v""; '$$" FROM :dist ORDER BY 1;
\c :"dn1db"
SET client_min_messages = warning;
SELECT relname FROM pg_class WHERE relname LIKE 'i''dx%' ORDER BY 1;
SELECT attname FROM pg_attribute WHERE attrelid = '"s''c;h""e$$ma\ Ü"."T''ab""le; DROP TABLE x; ☃"'::regclass AND attnum > 0 ORDER BY attnum;
SELECT has_table_privilege('R''o;le "Ü" $$\', '"s''c;h""e$$ma\ Ü"."T''ab""le; DROP TABLE x; ☃"', 'SELECT');
\c hn_access
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- more DDL: triggers, constraints, 63-byte multi-byte names, renames
CREATE FUNCTION "s'c;h""e$$ma\ Ü"."t'rg;"() RETURNS trigger LANGUAGE plpgsql AS $t$ BEGIN RETURN NEW; END $t$;
CALL distributed_exec($d$CREATE FUNCTION "s'c;h""e$$ma\ Ü"."t'rg;"() RETURNS trigger LANGUAGE plpgsql AS $t$ BEGIN RETURN NEW; END $t$$d$);
CREATE TRIGGER "tr'g ""x"";$$" BEFORE INSERT ON :dist FOR EACH ROW EXECUTE FUNCTION "s'c;h""e$$ma\ Ü"."t'rg;"();
ALTER TABLE :dist ADD CONSTRAINT "ŻŻŻŻŻŻŻŻŻŻŻŻŻŻŻŻŻŻŻŻŻŻŻŻŻŻŻŻŻŻŻŻ" CHECK ("dev;ice\ Ö" > 0);
CREATE INDEX "ĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄ" ON :dist ("add'ed;");
CREATE INDEX "ĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄĄ2" ON :dist ("add'ed;", "dev;ice\ Ö");
INSERT INTO :dist VALUES ('2026-01-10 01:00', 7, 7), ('2026-01-20 01:00', 8, 8);
TRUNCATE :dist;
INSERT INTO :dist VALUES ('2026-01-10 01:00', 7, 7), ('2026-01-20 01:00', 8, 8);
SELECT chunk_schema, chunk_name ~ '^_dist_hyper_1_[0-9]+_chunk$' AS named_by_prefix, data_nodes
	FROM timescaledb_information.chunks WHERE hypertable_name = 'T''ab"le; DROP TABLE x; ☃'
	ORDER BY chunk_name;
\c :"dn1db"
SELECT conname, octet_length(conname) FROM pg_constraint WHERE conname LIKE 'Ż%' ORDER BY 1;
SELECT regexp_replace(relname, '_[0-9]+_chunk', '_N_chunk') AS relname, octet_length(relname)
	FROM pg_class WHERE relname LIKE '%ĄĄ%' ORDER BY 1;
SELECT tgname FROM pg_trigger WHERE tgname LIKE 'tr%' ORDER BY 1;
\c hn_access
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SELECT regexp_replace(relname, '_[0-9]+_chunk', '_N_chunk') AS relname, octet_length(relname)
	FROM pg_class WHERE relname LIKE '%ĄĄ%' ORDER BY 1;
ALTER TABLE :dist RENAME TO "Ren'amed;""$$";
\set dist '"s''c;h""e$$ma\\ Ü"."Ren''amed;""$$"'
SELECT count(*) FROM :dist;
SELECT set_number_partitions(:'dist', 3);
SELECT set_replication_factor(:'dist', 1);
SELECT * FROM detach_data_node('DN Ünï 2 – ☃', :'dist', force => true, drop_remote_data => true);
SELECT node_name FROM attach_data_node('DN Ünï 2 – ☃', :'dist');
SELECT node_name, database, available FROM alter_data_node('x', available => false);
SELECT node_name, database, available FROM alter_data_node('x', available => true);

-- jobs with a hostile procedure name
CREATE PROCEDURE "s'c;h""e$$ma\ Ü"."p'r;o""c $$\"(job_id int, config jsonb) LANGUAGE plpgsql AS $p$ BEGIN END $p$;
SELECT add_job('"s''c;h""e$$ma\ Ü"."p''r;o""c $$\"', '1 hour', config => '{"k''; DROP": "$$\\"}') AS job \gset
SELECT config FROM alter_job(:job, config => '{"x": "''"}');
SELECT proc_schema, proc_name FROM timescaledb_information.jobs WHERE job_id = :job;
CALL run_job(:job);
SELECT delete_job(:job);
SELECT add_job('"no such"."p''; DROP TABLE x;"', '1 hour');

-- DROP TABLE everywhere
DROP TABLE :dist;
DROP TABLE :loc;
SELECT count(*) FROM _timescaledb_catalog.hypertable;
CALL distributed_exec($$SELECT count(*) FROM pg_class WHERE relname LIKE 'T''ab%'$$);
\c :"dn1db"
SELECT count(*) FROM pg_class WHERE relname LIKE 'T''ab%' OR relname LIKE '%_chunk';

-- delete the data nodes
\c hn_access
SET client_min_messages = warning;
SELECT delete_data_node('dn''1;"x" $$\');
SELECT delete_data_node('DN Ünï 2 – ☃');
SELECT node_name FROM timescaledb_information.data_nodes;

\c regression
DROP DATABASE hn_access;
DROP DATABASE "hn dn1 'q' ""d"";$$\";
DROP DATABASE "hn_Dn2_ü ☃";
DROP DATABASE IF EXISTS "hn_dn3'; DROP DATABASE hn_access; --";
DROP ROLE "R'o;le ""Ü"" $$\";
