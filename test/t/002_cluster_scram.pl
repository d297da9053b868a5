
# Password authentication between the nodes, replayed from tutorial-scaling-out.md:
# scram-sha-256 on every node, the access node's passfile giving the passwords of
# postgres and testuser, and testuser working through distributed_exec.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster qw(slurp);
use Test::More;

# mn-cluster --auth scram does the page's "Setting up" part: password_encryption,
# pg_hba.conf host lines with scram-sha-256, ALTER ROLE postgres PASSWORD 'postgres',
# the passfile with *:*:*:postgres:postgres; then adds dn1 and dn2.
my $c = MultinodeCluster->new('scram', auth => 'scram');
my ($rc, $out, $err);
my $passfile = $c->data_dir('an') . '/passfile';

# ---- the setup is the tutorial's -------------------------------------------------------
is(slurp($passfile), "*:*:*:postgres:postgres\n", 'the passfile gives postgres\'s password');
is(sprintf('%o', (stat $passfile)[2] & 07777), '600', 'the passfile is private to the server\'s user');
for my $dn ($c->data_nodes)
{
	like(slurp($c->data_dir($dn) . '/pg_hba.conf'),
		qr{^host\s+all\s+all\s+127\.0\.0\.1/32\s+scram-sha-256$}m, "$dn: pg_hba.conf asks for scram-sha-256");
	is( $c->safe_psql($dn,
			"SELECT current_setting('password_encryption'), rolpassword LIKE 'SCRAM-SHA-256\$%' FROM pg_authid WHERE rolname = 'postgres'",
			db => 'postgres'),
		'scram-sha-256|t', "$dn: postgres's password is stored as a SCRAM secret");

	($rc, $out, $err) = $c->psql($dn, 'SELECT 1', tcp => 1);
	isnt($rc, 0, "$dn: no connection over TCP without a password");
	like($err, qr/no password supplied/, '... no password supplied');
	($rc, $out, $err) = $c->psql($dn, 'SELECT 1', tcp => 1, password => 'nope');
	like($err, qr/password authentication failed for user "postgres"/, "$dn: wrong password refused");
	is($c->safe_psql($dn, 'SELECT current_user', tcp => 1, password => 'postgres'),
		'postgres', "$dn: the password from the passfile is accepted");
}

# ---- Define the topology --------------------------------------------------------------
# The tool ran add_data_node('dnI', host => '127.0.0.1', port => ...) with nothing
# but the passfile to authenticate.
is($c->safe_psql('an', 'SELECT count(*) FROM pg_user_mappings'), '0', 'no user mappings are involved');
is($c->safe_psql('an', 'SELECT node_name FROM timescaledb_information.data_node ORDER BY 1'),
	"dn1\ndn2", 'the tutorial\'s informational view lists both data nodes');
is( $c->safe_psql('an',
		'SELECT node_name, healthy FROM _timescaledb_internal.health() WHERE node_name IS NOT NULL ORDER BY 1'),
	"dn1|t\ndn2|t", 'both data nodes are reachable with the passfile');

# ---- Create a new role ------------------------------------------------------------------
$c->safe_psql('an', q{
CREATE ROLE testuser WITH LOGIN PASSWORD 'testpass';
CALL distributed_exec($$ CREATE ROLE testuser WITH LOGIN PASSWORD 'testpass' $$);
GRANT USAGE ON FOREIGN SERVER dn1, dn2 to testuser;
});
for my $dn ($c->data_nodes)
{
	is($c->safe_psql($dn, 'SELECT current_user', user => 'testuser', tcp => 1, password => 'testpass'),
		'testuser', "$dn: testuser logs in with its password (made by distributed_exec)");
}

my $as_testuser = q{CALL distributed_exec($x$ DO $do$ BEGIN IF current_user <> 'testuser' THEN RAISE EXCEPTION 'running as %', current_user; END IF; END $do$ $x$);};

# Before the passfile has testuser's line, the access node has no password for it.
$err = $c->psql_fails('an', "SET ROLE testuser;\n$as_testuser",
	'testuser without a passfile entry cannot reach the data nodes');
like($err, qr/could not connect to data node "dn1"/, '... the error names the node');
like($err, qr/no password supplied/, '... and the reason');

# The page's passfile has both lines (mn-cluster add-password appends one).
($rc, $out, $err) = $c->tool('add-password', 'testuser', 'testpass');
is($rc, 0, 'mn-cluster add-password DIR testuser testpass') or diag($err);
is(slurp($passfile), "*:*:*:postgres:postgres\n*:*:*:testuser:testpass\n", 'the passfile as the tutorial shows it');
($rc, $out, $err) = $c->psql('an', "SET ROLE testuser;\n$as_testuser");
is($rc, 0, 'SET ROLE testuser; CALL distributed_exec(...) connects to every data node as testuser')
  or diag($err);

# testuser's own session on the access node, not just SET ROLE.
$c->safe_psql('an', q{
CREATE SCHEMA tutorial AUTHORIZATION testuser;
CALL distributed_exec($$ CREATE SCHEMA tutorial AUTHORIZATION testuser $$);
});
($rc, $out, $err) = $c->psql('an',
	q{CALL distributed_exec($$ CREATE TABLE tutorial.made_by_testuser (i int) $$);}, user => 'testuser');
is($rc, 0, 'testuser, logged in, creates a table on every data node') or diag($err);
for my $dn ($c->data_nodes)
{
	is( $c->safe_psql($dn,
			"SELECT tableowner FROM pg_tables WHERE schemaname = 'tutorial' AND tablename = 'made_by_testuser'"),
		'testuser', "$dn: the table is owned by testuser");
}

# ---- A wrong password fails clearly ----------------------------------------------------
$c->safe_psql('an', q{
CREATE ROLE wronguser WITH LOGIN PASSWORD 'right';
CALL distributed_exec($$ CREATE ROLE wronguser WITH LOGIN PASSWORD 'right' $$);
GRANT USAGE ON FOREIGN SERVER dn1, dn2 TO wronguser;
});
$c->append_passfile('*:*:*:wronguser:wrong');
$err = $c->psql_fails('an', q{SET ROLE wronguser; CALL distributed_exec($$ SELECT 1 $$);},
	'a wrong password in the passfile fails');
like($err, qr/could not connect to data node "dn1"/, '... naming the data node');
like($err, qr/password authentication failed for user "wronguser"/, '... and saying why');
($rc, $out, $err) = $c->psql('an',
	q{SET ROLE wronguser; SELECT node_name, healthy, error FROM _timescaledb_internal.health() WHERE node_name IS NOT NULL ORDER BY 1;});
is($rc, 0, 'health() reports a wrong password, it does not fail');
like($out, qr/^dn1\|f\|.*password authentication failed for user "wronguser"/m, '... dn1 unhealthy with the reason');
like($out, qr/^dn2\|f\|.*password authentication failed for user "wronguser"/m, '... dn2 unhealthy with the reason');

# Corrected, it works: a failed connection leaves nothing behind.
$c->write_passfile('*:*:*:postgres:postgres', '*:*:*:testuser:testpass', '*:*:*:wronguser:right');
($rc, $out, $err) = $c->psql('an', q{SET ROLE wronguser; CALL distributed_exec($$ SELECT 1 $$);});
is($rc, 0, 'with the right password in the passfile, the same role connects') or diag($err);

# multinode.passfile names another file (relative to the data directory).
rename($passfile, $c->data_dir('an') . '/other-passfile') or die "rename: $!";
$err = $c->psql_fails('an', q{CALL distributed_exec($$ SELECT 1 $$);},
	'without the passfile, the access node has no password');
like($err, qr/no password supplied/, '... no password supplied');
$c->safe_psql('an', q{ALTER SYSTEM SET multinode.passfile = 'other-passfile'; SELECT pg_reload_conf();});
my $ok = 0;
for (1 .. 50)    # the reload reaches new backends promptly, but not synchronously
{
	($rc) = $c->psql('an', q{CALL distributed_exec($$ SELECT 1 $$);});
	last if ($ok = $rc == 0);
	select(undef, undef, undef, 0.1);
}
ok($ok, 'multinode.passfile = other-passfile is used after a reload');

done_testing();
