-- Test helper: schema_diff(hypertable) compares a distributed hypertable's
-- definition on each of its data nodes with the access node's and returns
-- the differences, none when they agree:
--   node, '- line'  what the access node has and the node lacks
--   node, '+ line'  what the node has and the access node lacks
--   node, '! line'  a chunk on the node whose copies of the root's indexes,
--                   constraints or row triggers do not follow the root
-- A line is one of: the table (owner, storage parameters, replica identity,
-- grants, comment), a column (type, NOT NULL, default, grants, options,
-- comment), a constraint, an index (its definition, CLUSTER and REPLICA
-- IDENTITY marks, comment), a trigger (definition, enabled, comment).
-- Data nodes are reached with dblink over the node's own connection options.
-- Load with \ir include/schema_compare.sql in the access node's database.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;

-- The snapshot query for one table, run alike on every node.
CREATE FUNCTION schema_snapshot_sql(rel text) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
SELECT format($q$
WITH t AS (SELECT %L::pg_catalog.regclass::pg_catalog.oid AS r)
SELECT 'table owner=' || pg_get_userbyid(c.relowner)
       || ' options=' || coalesce(c.reloptions::text, '')
       || ' replident=' || c.relreplident::text
       || ' acl=' || coalesce(c.relacl::text, '')
       || ' comment=' || coalesce(obj_description(c.oid, 'pg_class'), '')
  FROM pg_class c, t WHERE c.oid = t.r
UNION ALL
SELECT format('column %%I %%s notnull=%%s default=%%s acl=%%s options=%%s comment=%%s',
              a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
              pg_get_expr(d.adbin, d.adrelid), a.attacl,
              array(SELECT o FROM unnest(a.attoptions) o WHERE o NOT LIKE 'pg\_attver=%%'),
              col_description(a.attrelid, a.attnum))
  FROM t JOIN pg_attribute a ON a.attrelid = t.r
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT format('constraint %%I %%s comment=%%s', co.conname, pg_get_constraintdef(co.oid),
              obj_description(co.oid, 'pg_constraint'))
  FROM t JOIN pg_constraint co ON co.conrelid = t.r
UNION ALL
SELECT format('index %%I %%s clustered=%%s replident=%%s comment=%%s', ic.relname,
              pg_get_indexdef(i.indexrelid), i.indisclustered, i.indisreplident,
              obj_description(i.indexrelid, 'pg_class'))
  FROM t JOIN pg_index i ON i.indrelid = t.r JOIN pg_class ic ON ic.oid = i.indexrelid
UNION ALL
SELECT format('trigger %%I %%s enabled=%%s comment=%%s', tg.tgname, pg_get_triggerdef(tg.oid),
              tg.tgenabled, obj_description(tg.oid, 'pg_trigger'))
  FROM t JOIN pg_trigger tg ON tg.tgrelid = t.r
 WHERE NOT tg.tgisinternal
UNION ALL
-- chunk tables: one copy per root index, named "<chunk>_<root index>", and
-- every row trigger of the root by name
SELECT format('! chunk %%I has %%s indexes, the root %%s', ch.relname,
              (SELECT count(*) FROM pg_index WHERE indrelid = ch.oid),
              (SELECT count(*) FROM pg_index WHERE indrelid = t.r))
  FROM t JOIN pg_inherits inh ON inh.inhparent = t.r JOIN pg_class ch ON ch.oid = inh.inhrelid
 WHERE ch.relkind = 'r'
   AND (SELECT count(*) FROM pg_index WHERE indrelid = ch.oid)
       <> (SELECT count(*) FROM pg_index WHERE indrelid = t.r)
UNION ALL
SELECT format('! chunk %%I index %%I is named after no index of the root', ch.relname, ci.relname)
  FROM t JOIN pg_inherits inh ON inh.inhparent = t.r JOIN pg_class ch ON ch.oid = inh.inhrelid
  JOIN pg_index i ON i.indrelid = ch.oid JOIN pg_class ci ON ci.oid = i.indexrelid
 WHERE ch.relkind = 'r'
   AND NOT EXISTS (SELECT 1 FROM pg_index ri JOIN pg_class rc ON rc.oid = ri.indexrelid
                    WHERE ri.indrelid = t.r
                      AND ci.relname::text LIKE left(ch.relname || '_' || rc.relname, 59) || '%%')
UNION ALL
SELECT format('! chunk %%I lacks trigger %%I', ch.relname, tg.tgname)
  FROM t JOIN pg_trigger tg ON tg.tgrelid = t.r
  JOIN pg_inherits inh ON inh.inhparent = t.r JOIN pg_class ch ON ch.oid = inh.inhrelid
 WHERE ch.relkind = 'r' AND NOT tg.tgisinternal AND (tg.tgtype & 1) = 1
   AND NOT EXISTS (SELECT 1 FROM pg_trigger ct WHERE ct.tgrelid = ch.oid AND ct.tgname = tg.tgname)
$q$, rel)
$fn$;

CREATE FUNCTION schema_diff(ht regclass)
RETURNS TABLE (node name, difference text)
LANGUAGE plpgsql
SET search_path = pg_catalog
SET client_min_messages = warning
AS $fn$
DECLARE
	rel text := ht::text;	-- qualified, under this search_path
	dn record;
	conn text;
BEGIN
	CREATE TEMP TABLE IF NOT EXISTS schema_diff_an (line text);
	CREATE TEMP TABLE IF NOT EXISTS schema_diff_dn (line text);
	IF 'schema_diff' = ANY (coalesce(public.dblink_get_connections(), '{}')) THEN
		PERFORM public.dblink_disconnect('schema_diff');	-- left by a failed call
	END IF;
	TRUNCATE pg_temp.schema_diff_an;
	EXECUTE 'INSERT INTO pg_temp.schema_diff_an ' || public.schema_snapshot_sql(rel);
	DELETE FROM pg_temp.schema_diff_an WHERE line LIKE '!%';	-- chunks here are foreign
	FOR dn IN
		SELECT hdn.node_name, s.srvoptions
		  FROM _timescaledb_catalog.hypertable h
		  JOIN _timescaledb_catalog.hypertable_data_node hdn ON hdn.hypertable_id = h.id
		  JOIN pg_foreign_server s ON s.srvname = hdn.node_name
		 WHERE format('%I.%I', h.schema_name, h.table_name)::regclass = ht
		 ORDER BY 1
	LOOP
		SELECT string_agg(format('%s=%s', split_part(o, '=', 1),
								 quote_literal(substr(o, strpos(o, '=') + 1))), ' ')
		  INTO conn
		  FROM unnest(dn.srvoptions) AS o
		 WHERE split_part(o, '=', 1) IN ('host', 'port', 'dbname');
		PERFORM public.dblink_connect('schema_diff', conn);
		PERFORM public.dblink_exec('schema_diff', 'SET search_path = pg_catalog');
		TRUNCATE pg_temp.schema_diff_dn;
		INSERT INTO pg_temp.schema_diff_dn
			SELECT x.line FROM public.dblink('schema_diff', public.schema_snapshot_sql(rel))
			  AS x(line text);
		PERFORM public.dblink_disconnect('schema_diff');
		RETURN QUERY
			SELECT dn.node_name, d.diff FROM (
				(SELECT '- ' || line AS diff FROM pg_temp.schema_diff_an
				 EXCEPT ALL
				 SELECT '- ' || line FROM pg_temp.schema_diff_dn WHERE line NOT LIKE '!%')
				UNION ALL
				(SELECT '+ ' || line FROM pg_temp.schema_diff_dn WHERE line NOT LIKE '!%'
				 EXCEPT ALL
				 SELECT '+ ' || line FROM pg_temp.schema_diff_an)
				UNION ALL
				SELECT line FROM pg_temp.schema_diff_dn WHERE line LIKE '!%') d
			ORDER BY 2;
	END LOOP;
END
$fn$;
