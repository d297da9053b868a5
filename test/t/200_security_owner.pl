
# The issue's reproduction on a real cluster: a non-superuser plants an "="
# operator for (int4, int4) in a schema it can write (public), puts that
# schema first in search_path and calls drop_chunks (and the other catalog
# writers) on its own local and distributed hypertables.  The operator must
# never run, on any node, and the role must not be a superuser anywhere
# afterwards.  Then the same role's index expression on a hypertable: a new
# chunk builds the index as the table's owner, never as the extension's.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster;
use Test::More;

my $c = MultinodeCluster->new('security_owner', auth => 'trust');
my %as_user = (user => 'testuser');

# The trap: records each call and tries to make testuser a superuser.
my $trap = <<'SQL';
CREATE TABLE public.trap_calls (what text, usr name);
GRANT INSERT ON public.trap_calls TO PUBLIC;
CREATE FUNCTION public.trap(what text) RETURNS void LANGUAGE plpgsql AS $t$
BEGIN
	INSERT INTO public.trap_calls VALUES (what, current_user);
	BEGIN
		ALTER ROLE testuser SUPERUSER;
	EXCEPTION WHEN insufficient_privilege THEN NULL;
	END;
END $t$;
CREATE FUNCTION public.evil_eq(integer, integer) RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN
	PERFORM public.trap('=');
	RETURN $1 OPERATOR(pg_catalog.=) $2;
END $f$;
CREATE OPERATOR public.= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = public.evil_eq);
CREATE FUNCTION public.evil_idx(i integer) RETURNS integer LANGUAGE plpgsql IMMUTABLE AS $f$
BEGIN
	PERFORM public.trap('index ' || current_user);
	RETURN i;
END $f$;
SQL

# testuser exists on every node (it reaches the data nodes as itself) and may
# write the public schema, as in the tutorial's demo cluster.
for my $node ($c->nodes)
{
	$c->safe_psql($node, 'CREATE ROLE testuser LOGIN', db => 'postgres');
	$c->safe_psql($node, 'GRANT CREATE ON SCHEMA public TO testuser');
	$c->safe_psql($node, $trap, %as_user);
}
$c->safe_psql('an', 'GRANT USAGE ON FOREIGN SERVER dn1, dn2 TO testuser');

# ---- the reproduction ---------------------------------------------------------------------
$c->safe_psql('an', <<'SQL', %as_user);
CREATE TABLE conditions (time timestamptz NOT NULL, device integer, temp float8);
SELECT create_hypertable('conditions', 'time', chunk_time_interval => interval '1 day');
INSERT INTO conditions VALUES ('2024-01-01', 1, 1.0), ('2024-01-05', 2, 2.0);
CREATE TABLE dist_conditions (time timestamptz NOT NULL, device integer, temp float8);
SELECT create_distributed_hypertable('dist_conditions', 'time', 'device',
									 chunk_time_interval => interval '1 day');
INSERT INTO dist_conditions VALUES ('2024-01-01', 1, 1.0), ('2024-01-05', 2, 2.0);
SQL
my ($rc, $out, $err) = $c->psql('an', <<'SQL', %as_user);
SET search_path = public, pg_catalog;
SELECT count(*) FROM public.drop_chunks('conditions', older_than => '2024-01-03'::timestamptz);
SELECT count(*) FROM public.drop_chunks('dist_conditions', older_than => '2024-01-03'::timestamptz);
INSERT INTO conditions VALUES ('2024-02-01', 3, 3.0);
INSERT INTO dist_conditions VALUES ('2024-02-01', 3, 3.0);
SELECT public.set_chunk_time_interval('conditions', interval '2 days');
SELECT public.hypertable_size('dist_conditions');
CALL public.distributed_exec('SELECT 1');
DROP TABLE dist_conditions;
SQL
is($rc, 0, 'drop_chunks and friends with a planted "=" first in search_path succeed') or diag($err);

for my $node ($c->nodes)
{
	is($c->safe_psql($node, "SELECT rolsuper FROM pg_roles WHERE rolname = 'testuser'"),
		'f', "testuser is not a superuser on $node");
	is($c->safe_psql($node, 'SELECT count(*) FROM public.trap_calls'),
		'0', "the planted operator never ran on $node");
}

# ---- an index expression of testuser's, and a new chunk -----------------------------------
$c->safe_psql('an', <<'SQL', %as_user);
CREATE INDEX ON conditions ((public.evil_idx(device)));
INSERT INTO conditions VALUES ('2024-03-01', 4, 4.0), ('2024-03-09', 5, 5.0);
SQL
is( $c->safe_psql('an', "SELECT string_agg(DISTINCT what, ',') FROM public.trap_calls"),
	'index testuser', 'the index expression ran as the table owner only');
for my $node ($c->nodes)
{
	is($c->safe_psql($node, "SELECT rolsuper FROM pg_roles WHERE rolname = 'testuser'"),
		'f', "after new chunks with the index, testuser is still not a superuser on $node");
}

done_testing();
