
# scripts/mn-cluster itself: what create sets up, the node commands, its errors,
# and that nothing is left running after stop, a failed create, or destroy.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster qw(run_tool slurp);
use Test::More;

my $c = MultinodeCluster->new('tool');
my $dir = $c->dir;
my ($rc, $out, $err);

# ---- the layout recorded in cluster.conf --------------------------------------------
is(join(' ', $c->nodes), 'an dn1 dn2', 'an access node and two data nodes by default');
is($c->port('dn1'), $c->port('an') + 1, 'data node ports follow the access node port');
is($c->port('dn2'), $c->port('an') + 2, 'one port per node');
is($c->conf('dbname'), 'multinode', 'the database is named as in the tutorial');
is($c->conf('auth'), 'trust', 'trust authentication by default');
is(sprintf('%o', (stat "$dir/run")[2] & 07777), '700', 'the socket directory is private');

# ---- every node is configured for multinode ----------------------------------------
for my $node ($c->nodes)
{
	is( $c->safe_psql(
			$node,
			"SELECT current_setting('shared_preload_libraries') || ' '
			     || current_setting('max_prepared_transactions') || ' '
			     || current_setting('listen_addresses') || ' '
			     || current_setting('port')",
			db => 'postgres'),
		'multinode 150 127.0.0.1 ' . $c->port($node),
		"$node: preloads multinode, allows prepared transactions, listens on loopback");
}
is($c->safe_psql('an', 'SHOW enable_partitionwise_aggregate'),
	'on', 'partitionwise aggregation is on on the access node');
like(slurp($c->data_dir('dn1') . '/pg_hba.conf'),
	qr{^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust$}m, 'data nodes trust the loopback address');

# ---- the tool added the data nodes ----------------------------------------------------
is( $c->safe_psql('an',
		"SELECT node_name, options FROM timescaledb_information.data_nodes ORDER BY 1"),
	join("\n",
		map { "$_|{host=127.0.0.1,port=" . $c->port($_) . ",dbname=multinode}" } $c->data_nodes),
	'both data nodes are added, at their loopback ports');
for my $dn ($c->data_nodes)
{
	is($c->safe_psql($dn, "SELECT extversion IS NOT NULL FROM pg_extension WHERE extname = 'multinode'"),
		't', "$dn: add_data_node created the database and the extension");
}

# ---- status, env, psql ----------------------------------------------------------------
($rc, $out) = $c->tool('status');
is($rc, 0, 'status exits 0 when every node runs');
like($out, qr/^dn2\s+data\s+$c->{conf}{'dn2.port'}\s+running \(pid \d+\)/m, 'status shows each node');

($rc, $out) = $c->tool('env', 'dn1');
is($rc, 0, 'env');
like($out, qr/^export PGPORT=$c->{conf}{'dn1.port'}$/m, 'env gives the node\'s port');
like($out, qr/^export PGHOST=\Q$dir\E\/run$/m, 'env points PGHOST at the socket directory');
like($out, qr/^export PGDATABASE=multinode$/m, 'env names the database');

($rc, $out) = $c->tool('psql', 'dn2', '-X', '-A', '-t', '-c', 'SHOW port');
is($out, $c->port('dn2') . "\n", 'psql DIR NODE connects to that node');

# ---- stopping and starting one node -----------------------------------------------------
$c->stop_node('dn1');
ok(!$c->node_running('dn1'), 'stop-node stops the node');
($rc, $out) = $c->tool('status');
is($rc, 3, 'status exits 3 when a node is stopped');
like($out, qr/^dn1\s+data\s+\d+\s+stopped/m, 'status shows the stopped node');
($rc, $out) = $c->tool('stop-node', 'dn1');
is($rc, 0, 'stopping a stopped node is not an error');
like($out, qr/dn1 already stopped/, '... and says so');
($rc, $out) = $c->tool('start');
is($rc, 0, 'start starts what is stopped');
like($out, qr/an already running.*dn1 started.*dn2 already running/s, '... and leaves the rest');
$c->kill_node('dn2');
ok(!$c->node_running('dn2'), 'kill (stop -m immediate) stops the node');
$c->start_node('dn2');
is($c->safe_psql('an', "SELECT count(*) FROM _timescaledb_internal.health() WHERE healthy"),
	'3', 'the access node reaches every data node after restarts');

# ---- bad input ----------------------------------------------------------------------
($rc, $out, $err) = $c->tool('create');
isnt($rc, 0, 'create over an existing cluster fails');
like($err, qr/a cluster already exists in \Q$dir\E/, '... saying so');

my $busy = $c->port('dn1');
($rc, $out, $err) = run_tool('create', "$ENV{TESTDIR}/tool-busy", '--port', $busy - 1,
	  '--bindir', $ENV{MN_BINDIR});
isnt($rc, 0, 'create on busy ports fails');
like($err, qr/port \d+ is in use/, '... naming the port');
ok(!-e "$ENV{TESTDIR}/tool-busy/cluster.conf", '... before making anything');

($rc, $out, $err) = $c->tool('stop-node', 'dn9');
like($err, qr/no node "dn9" in .*\(nodes: an dn1 dn2\)/, 'unknown node names the valid ones');
($rc, $out, $err) = $c->tool('stop', '-m', 'gently');
like($err, qr/invalid stop mode "gently"/, 'invalid stop mode');
($rc, $out, $err) = run_tool('create', "$ENV{TESTDIR}/tool-bad", '--nodes', '0');
like($err, qr/--nodes must be a number from 1 to 64/, 'invalid number of nodes');
($rc, $out, $err) = run_tool('create', "$ENV{TESTDIR}/tool-bad", '--auth', 'md5');
like($err, qr/--auth must be trust or scram/, 'invalid auth mode');
($rc, $out, $err) = run_tool('frobnicate', $dir);
like($err, qr/unknown command "frobnicate"/, 'unknown command');

# ---- a create that fails half-way stops what it started ------------------------------
# A data node without prepared transactions is refused by add_data_node, after
# every server has been started.
my $fdir = "$ENV{TESTDIR}/tool-fail";
($rc, $out, $err) = run_tool('create', $fdir, '--bindir', $ENV{MN_BINDIR},
	  '--port', $c->port('an') + 10, '--nodes', 1, '--set', 'max_prepared_transactions=0');
isnt($rc, 0, 'create fails when add_data_node fails');
like($err, qr/max_prepared_transactions|prepared transactions/, '... with add_data_node\'s error');
like($err, qr/create failed; nothing is left running/, '... and says what it did about it');
ok(!-e "$fdir/$_/postmaster.pid", "... $_ is not running") for qw(an dn1);
($rc, $out) = run_tool('destroy', $fdir);
ok($rc == 0 && !-e $fdir, 'destroy removes a failed cluster');

# ---- stop and destroy -------------------------------------------------------------------
($rc, $out) = $c->tool('stop');
is($rc, 0, 'stop');
ok(!$c->node_running($_), "stop stopped $_") for $c->nodes;
($rc, $out) = $c->tool('stop');
is($rc, 0, 'stop is idempotent');
$c->start;
ok($c->node_running($_), "start restarted $_") for $c->nodes;
is($c->safe_psql('an', "SELECT count(*) FROM timescaledb_information.data_nodes"),
	'2', 'the cluster survives a restart');
my @pids = map { pid_of($c->data_dir($_)) } $c->nodes;
($rc, $out) = $c->tool('destroy');
is($rc, 0, 'destroy');
ok(!-e $dir, 'destroy removes the directory');
ok(!alive($_), "postmaster $_ is gone") for @pids;
($rc, $out) = $c->tool('destroy');
like($out, qr/nothing to remove/, 'destroy is idempotent');

done_testing();

sub pid_of
{
	my ($data) = @_;
	open(my $fh, '<', "$data/postmaster.pid") or return 0;
	my $pid = <$fh>;
	chomp $pid;
	return $pid;
}

# Whether a process exists and is not a zombie waiting to be reaped.
sub alive
{
	my ($pid) = @_;
	return 0 unless $pid && kill(0, $pid);
	open(my $fh, '<', "/proc/$pid/stat") or return 0;
	my $stat = <$fh>;
	return $stat !~ /^\d+ \(.*\) Z/;
}
