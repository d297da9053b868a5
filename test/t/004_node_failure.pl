
# Data nodes that are down or hung: adding one fails fast with where it tried,
# health() reports it as a row, distributed_exec to it fails clearly and leaves
# nothing behind, and a session's cached connection is re-established when the
# node comes back.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use IO::Socket::INET;
use MultinodeCluster qw(timed);
use Test::More;

my $c = MultinodeCluster->new('failure');
my ($rc, $out, $err, $secs);
my $dn2_port = $c->port('dn2');

# ---- adding a node nobody answers for ---------------------------------------------------
# Nothing listens: the connection is refused at once.
my $probe = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0)
  or die "listen: $!";
my $dead = $probe->sockport;
close $probe;
($secs, $rc, $out, $err) = timed(sub {
	$c->psql('an', "SELECT * FROM add_data_node('dn_dead', host => '127.0.0.1', port => $dead)");
});
isnt($rc, 0, 'add_data_node to a port nobody listens on fails');
like($err, qr/could not connect to data node "dn_dead"/, '... could not connect to data node "dn_dead"');
like($err, qr/127\.0\.0\.1.*\b$dead\b/, '... the message has the host and port');
cmp_ok($secs, '<', 5, "... at once (${\ sprintf('%.1f', $secs)} s)");

# (A node that accepts connections and never answers, where only the connect
# timeout ends the wait, is 005_node_checks.pl's.)

is($c->safe_psql('an', "SELECT count(*) FROM pg_foreign_server WHERE srvname = 'dn_dead'"),
	'0', 'a failed add leaves no foreign server');
is($c->safe_psql('an', 'SELECT count(*) FROM timescaledb_information.data_nodes'),
	'2', 'the cluster still has its two data nodes');

# ---- a data node goes down ---------------------------------------------------------------
# One session throughout: its cached connections are what is being tested.
my $s = $c->session('an');
my $pid = $s->query_safe('SELECT pg_backend_pid()');
$s->query_safe(q{CALL distributed_exec($$ CREATE TABLE before_crash (i int) $$);});

$c->kill_node('dn2');
($out, $err) = $s->query(q{CALL distributed_exec($$ SELECT 1 $$);});
like($err, qr/ERROR:.*data node "dn2"/, 'distributed_exec to a killed node fails, naming it');
like($err, qr/\b$dn2_port\b|connection/, '... with the reason');

($out, $err) = $s->query(
	'SELECT node_name, healthy, error IS NOT NULL FROM _timescaledb_internal.health() WHERE node_name IS NOT NULL ORDER BY 1;');
is($err, '', 'health() does not fail while a node is down');
is($out, "dn1|t|f\ndn2|f|t", '... dn1 healthy, dn2 unhealthy with an error');
like($s->query_safe(q{SELECT error FROM _timescaledb_internal.health() WHERE node_name = 'dn2';}),
	qr/127\.0\.0\.1.*\b$dn2_port\b/, '... the error says where it tried');
is( $s->query_safe(q{SELECT _timescaledb_internal.ping_data_node('dn1'), _timescaledb_internal.ping_data_node('dn2');}),
	't|f', 'ping_data_node: dn1 answers, dn2 does not');

is($s->query_safe(q{CALL distributed_exec($$ SELECT 1 $$, node_list => '{dn1}'); SELECT 'ok';}),
	'ok', 'the live node is still usable');

# Transactional: a command that cannot reach every node happens on none.
($out, $err) = $s->query(q{CALL distributed_exec($$ CREATE TABLE during_crash (i int) $$);});
like($err, qr/ERROR:.*data node "dn2"/, 'distributed_exec to both nodes fails');
is($c->safe_psql('dn1', "SELECT count(*) FROM pg_tables WHERE tablename = 'during_crash'"),
	'0', '... and did nothing on dn1');

# ---- it comes back ---------------------------------------------------------------------
$c->start_node('dn2');
($out, $err) = $s->query(q{CALL distributed_exec($$ CREATE TABLE after_restart (i int) $$); SELECT 'ok';});
is($out, 'ok', 'after a restart the same session uses the node again') or diag($err);
is($s->query_safe('SELECT pg_backend_pid()'), $pid, '... (the same backend)');
for my $dn ($c->data_nodes)
{
	is($c->safe_psql($dn, "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'"),
		'after_restart,before_crash', "$dn: every successful command, and only those, took effect");
}
is( $s->query_safe(
		'SELECT node_name, healthy FROM _timescaledb_internal.health() WHERE node_name IS NOT NULL ORDER BY 1;'),
	"dn1|t\ndn2|t", 'health() finds both healthy again');

# A restart between two uses: the cached connection is dead, and is replaced
# at the next use without an error.
for my $mode (qw(immediate fast))
{
	$s->query_safe(q{CALL distributed_exec($$ SELECT 1 $$);});
	$c->stop_node('dn1', $mode);
	$c->start_node('dn1');
	($out, $err) = $s->query(q{CALL distributed_exec($$ SELECT 1 $$); SELECT 'ok';});
	is($out, 'ok', "dn1 restarted (stop -m $mode) between two uses: the first use after works")
	  or diag($err);
}

# ---- the access node restarts ----------------------------------------------------------
$s->quit;
$c->kill_node('an');
$c->start_node('an');
is( $c->safe_psql('an',
		q{CALL distributed_exec($$ SELECT 1 $$); SELECT count(*) FROM _timescaledb_internal.health() WHERE healthy;}),
	'3', 'after a crash of the access node, everything works');

done_testing();
