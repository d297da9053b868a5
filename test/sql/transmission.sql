-- Values shipped to data nodes as text mean the same whatever the session's
-- DateStyle, IntervalStyle, TimeZone and extra_float_digits: every statement
-- runs on a distributed hypertable (two replicas) and on a local table under
-- hostile settings, then both are read back under ISO and UTC and compared.
-- The tstzrange column makes COPY to the nodes use text, so the arrays go as
-- text too.  Then ON CONFLICT DO UPDATE expressions that each replica would
-- evaluate differently are refused.
\set VERBOSITY terse
SET client_min_messages = warning;
CREATE DATABASE tm_access;
\c tm_access
SET client_min_messages = warning;
CREATE EXTENSION multinode;
SELECT node_name FROM add_data_node('dn1', host => 'localhost', database => 'tm_dn1');
SELECT node_name FROM add_data_node('dn2', host => 'localhost', database => 'tm_dn2');
CREATE DOMAIN pos_interval AS interval CHECK (VALUE IS NOT NULL);
CALL distributed_exec($$CREATE DOMAIN pos_interval AS interval CHECK (VALUE IS NOT NULL)$$);
CREATE TABLE dist (time timestamptz NOT NULL, device int NOT NULL, d date[], r tstzrange,
	i interval, f float8, ts timestamptz[], di pos_interval, PRIMARY KEY (time, device));
SELECT create_distributed_hypertable('dist', 'time', 'device', replication_factor => 2);
CREATE TABLE loc (LIKE dist INCLUDING ALL);

-- the same statements on both tables, under hostile settings
CREATE FUNCTION run(tab regclass, asia text) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
	PERFORM set_config('datestyle', 'SQL, DMY', true);
	PERFORM set_config('timezone', asia, true);
	PERFORM set_config('intervalstyle', 'sql_standard', true);
	PERFORM set_config('extra_float_digits', '-3', true);
	EXECUTE format($$INSERT INTO %s VALUES
		('02/01/2026 10:30', 1, '{02/01/2026,04/03/2026}', '[02/01/2026 10:00, 05/01/2026 11:00)',
		 '-1 day +2:03:04', 1.2345678901234567, '{"02/01/2026 10:30","13/01/2026 23:59:59.123456"}', '-2 years -1 day'),
		('03/01/2026 00:00', 2, ARRAY['01/02/2026'::date], tstzrange('03/01/2026', '04/01/2026', '[]'),
		 interval '-1 12:00:00', 0.1, ARRAY['03/01/2026 00:00'::timestamptz], '1 day -1 hour')$$, tab);
	-- DO UPDATE with constants of every kind, and EXCLUDED
	EXECUTE format($$INSERT INTO %1$s AS t VALUES
		('02/01/2026 10:30', 1, '{05/06/2026}', NULL, '3 days', 2.5, NULL, '1 hour')
		ON CONFLICT (time, device) DO UPDATE
		SET d = t.d || '07/08/2026'::date || excluded.d,
		    r = '[11/01/2026 00:00, 12/01/2026 00:00)'::tstzrange,
		    i = t.i + interval '-1 day +03:00:00',
		    f = t.f * 3.3333333333333335 + excluded.f,
		    ts = t.ts || '14/01/2026 06:00'::timestamptz,
		    di = excluded.di
		WHERE t.r && '[01/01/2026 00:00, 10/01/2026 00:00)'::tstzrange$$, tab);
	-- UPDATE with constants in SET and WHERE
	EXECUTE format($$UPDATE %s SET d = '{09/10/2026}', i = '-3 days 04:05:06', f = 1e-7 / 3
		WHERE time = '03/01/2026 00:00' AND d = '{01/02/2026}' AND i = interval '-1 12:00:00'$$, tab);
	-- DELETE with a constant range condition that matches nothing here
	EXECUTE format($$DELETE FROM %s WHERE r @> '20/01/2026 00:00'::timestamptz$$, tab);
END
$f$;
SELECT run('dist', 'Asia/Kolkata');
SELECT run('loc', 'Asia/Kolkata');

-- COPY (text on the way to the nodes: tstzrange is not a base type)
SET datestyle = 'SQL, DMY';
SET timezone = 'Asia/Tokyo';
SET intervalstyle = 'sql_standard';
SET extra_float_digits = -3;
COPY dist FROM stdin;
05/01/2026 09:00	3	{05/01/2026}	["05/01/2026 09:00","06/01/2026 09:00")	-1 2:00:00	3.141592653589793	{"05/01/2026 09:00"}	-1 day
\.
COPY loc FROM stdin;
05/01/2026 09:00	3	{05/01/2026}	["05/01/2026 09:00","06/01/2026 09:00")	-1 2:00:00	3.141592653589793	{"05/01/2026 09:00"}	-1 day
\.
-- WHERE constants in a remote SELECT, under the same settings
SELECT device FROM dist WHERE d @> '{05/01/2026}' AND r @> '05/01/2026 10:00'::timestamptz
	AND i = '-1 2:00:00' AND ts = '{"05/01/2026 09:00"}' ORDER BY device;
SELECT device FROM loc WHERE d @> '{05/01/2026}' AND r @> '05/01/2026 10:00'::timestamptz
	AND i = '-1 2:00:00' AND ts = '{"05/01/2026 09:00"}' ORDER BY device;
SELECT device FROM dist WHERE time = '02/01/2026 14:00' ORDER BY device;

-- read back under ISO and UTC
RESET datestyle;
RESET intervalstyle;
RESET extra_float_digits;
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
SELECT * FROM dist ORDER BY time, device;
SELECT count(*) AS differ FROM ((TABLE dist EXCEPT TABLE loc) UNION ALL (TABLE loc EXCEPT TABLE dist)) x;
SELECT f::text FROM dist ORDER BY time, device;
-- both replicas hold the same rows
\c tm_dn1
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SELECT * FROM dist ORDER BY time, device;
\c tm_dn2
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SELECT * FROM dist ORDER BY time, device;

-- DO UPDATE expressions that each replica would compute on its own are
-- refused before anything is sent; immutable ones run on every replica
\c tm_access
SET timezone = 'UTC';
CREATE SEQUENCE s;
CREATE TABLE w (time timestamptz NOT NULL, device int NOT NULL, v float8, t text,
	at timestamptz, PRIMARY KEY (time, device));
SELECT create_distributed_hypertable('w', 'time', 'device', replication_factor => 2);
INSERT INTO w VALUES ('2026-01-01', 1, 1, 'a', '2026-01-01');
INSERT INTO w VALUES ('2026-01-01', 1, 0) ON CONFLICT (time, device) DO UPDATE SET v = random();
INSERT INTO w VALUES ('2026-01-01', 1, 0) ON CONFLICT (time, device) DO UPDATE SET v = nextval('s');
INSERT INTO w VALUES ('2026-01-01', 1, 0) ON CONFLICT (time, device) DO UPDATE SET at = clock_timestamp();
INSERT INTO w VALUES ('2026-01-01', 1, 0) ON CONFLICT (time, device) DO UPDATE SET at = now();
INSERT INTO w VALUES ('2026-01-01', 1, 0) ON CONFLICT (time, device) DO UPDATE SET t = current_setting('timezone');
INSERT INTO w VALUES ('2026-01-01', 1, 0) ON CONFLICT (time, device) DO UPDATE SET t = to_char(w.time, 'DD Mon YYYY HH24:MI TZ');
INSERT INTO w VALUES ('2026-01-01', 1, 0) ON CONFLICT (time, device) DO UPDATE SET t = excluded.time::text;
INSERT INTO w VALUES ('2026-01-01', 1, 0) ON CONFLICT (time, device) DO UPDATE SET at = w.at + interval '1 day';
INSERT INTO w VALUES ('2026-01-01', 1, 0) ON CONFLICT (time, device) DO UPDATE SET v = 5 WHERE random() < 0.5;
SELECT currval('s');
-- the same values computed once, here, and sent in the row
INSERT INTO w VALUES ('2026-01-01', 1, random(), current_setting('timezone'), now() + interval '1 day')
	ON CONFLICT (time, device) DO UPDATE SET v = excluded.v, t = excluded.t || '!', at = excluded.at;
SELECT v AS v0, at AS at0 FROM w \gset
\c tm_dn1
SELECT v = :'v0' AS same_v, at = :'at0' AS same_at, t FROM w;
\c tm_dn2
SELECT v = :'v0' AS same_v, at = :'at0' AS same_at, t FROM w;
\c tm_access
SET timezone = 'UTC';
INSERT INTO w VALUES ('2026-01-01', 1, 2) ON CONFLICT (time, device) DO UPDATE SET v = w.v * 0 + excluded.v + abs(-1);
\c tm_dn1
SELECT v, t FROM w;
\c tm_dn2
SELECT v, t FROM w;

-- DDL under hostile settings: the table made on the nodes from its
-- definition, forwarded statements with literals, an index predicate, and
-- the CHECK constraints copied to local chunks, all mean what they mean here
\c tm_access
-- the CHECK constraints, defaults and index definition of a table
\set defs 'CREATE FUNCTION defs(tab regclass, idx regclass) RETURNS TABLE (name name, def text) LANGUAGE sql AS $$ SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = tab AND contype = ''c'' UNION ALL SELECT attname, pg_get_expr(adbin, adrelid) FROM pg_attrdef JOIN pg_attribute ON attrelid = adrelid AND attnum = adnum WHERE adrelid = tab UNION ALL SELECT ''index'', pg_get_indexdef(idx) ORDER BY 1 $$'
:defs;
CALL distributed_exec(:'defs');
CREATE TABLE ddl2 (time timestamptz NOT NULL, v int);
SELECT create_distributed_hypertable('ddl2', 'time', replication_factor => 2);
SET datestyle = 'SQL, DMY';
SET timezone = 'Asia/Kolkata';
SET intervalstyle = 'sql_standard';
ALTER TABLE ddl2 ADD CONSTRAINT late2 CHECK (time < '31/12/2030 23:00');
ALTER TABLE ddl2 ADD COLUMN other date DEFAULT '05/06/2026';
CREATE INDEX ddl2_recent ON ddl2 (time) WHERE time > '01/02/2026 05:30';
INSERT INTO ddl2 (time) VALUES ('02/01/2026 10:00');
CREATE TABLE ddl (time timestamptz NOT NULL CHECK (time > '02/01/2020 10:00'),
	day date DEFAULT '03/04/2026', span interval DEFAULT '-1 2:00:00' CHECK (span <> '-1 3:00:00'));
SELECT create_distributed_hypertable('ddl', 'time', replication_factor => 2);
CREATE INDEX ddl_recent ON ddl (time) WHERE time > '01/02/2026 05:30';
INSERT INTO ddl (time) VALUES ('02/01/2026 10:00');
CREATE TABLE lddl (time timestamptz NOT NULL, v int);
SELECT create_hypertable('lddl', 'time');
ALTER TABLE lddl ADD CONSTRAINT lc CHECK (time > '02/01/2020 10:00');
INSERT INTO lddl VALUES ('02/01/2026 10:00', 1);
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
SET intervalstyle = 'postgres';
SELECT * FROM defs('ddl', 'ddl_recent');
SELECT * FROM ddl;
SELECT * FROM defs('ddl2', 'ddl2_recent');
SELECT * FROM ddl2;
SELECT DISTINCT pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_inherits i ON i.inhrelid = c.conrelid
 WHERE i.inhparent = 'lddl'::regclass AND c.conname = 'lc';
\c tm_dn1
SET datestyle = 'ISO, YMD';
SET timezone = 'UTC';
SET intervalstyle = 'postgres';
SELECT * FROM defs('ddl', 'ddl_recent');
SELECT * FROM ddl;
SELECT * FROM defs('ddl2', 'ddl2_recent');
SELECT * FROM ddl2;

-- a plain UPDATE with a volatile SET computes the value here once per row
-- and sends it to every replica: the replicas stay identical
\c tm_access
UPDATE w SET v = random(), t = clock_timestamp()::text;
SELECT v AS v1, t AS t1 FROM w \gset
\c tm_dn1
SELECT v = :'v1' AS same_v, t = :'t1' AS same_t FROM w;
\c tm_dn2
SELECT v = :'v1' AS same_v, t = :'t1' AS same_t FROM w;

\c regression
DROP DATABASE tm_access;
DROP DATABASE tm_dn1;
DROP DATABASE tm_dn2;
