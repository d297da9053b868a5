
# A read-only access node: a streaming-replication standby of the access node
# reads the data nodes like the primary does, and writes nothing anywhere —
# no prepared transactions on the data nodes, no decision rows (it could not
# write them), and an INSERT fails with PostgreSQL's read-only error, not a
# crash, leaving nothing behind on the data nodes.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster;
use Test::More;

my $c = MultinodeCluster->new('standby_an', nodes => 2);
my ($rc, $out, $err);

$c->safe_psql('an', q{
CREATE TABLE t (time timestamptz NOT NULL, device int, v float);
SELECT create_distributed_hypertable('t', 'time', 'device');
INSERT INTO t SELECT ts, d, d * 1.5
  FROM generate_series('2026-01-01'::timestamptz, '2026-01-03', '10 min') ts, generate_series(1, 4) d;
});

my $agg = 'SELECT count(*), sum(v), count(DISTINCT device), min(time), max(time) FROM t';
my $by_device = 'SELECT device, count(*), avg(v) FROM t GROUP BY device ORDER BY device';
my $primary_agg = $c->safe_psql('an', $agg);
my $primary_by_device = $c->safe_psql('an', $by_device);
my %dn_count = map { $_ => $c->safe_psql($_, 'SELECT count(*) FROM t') } $c->data_nodes;
cmp_ok($dn_count{$_}, '>', 0, "$_ holds part of the rows") for $c->data_nodes;

# Nothing on the data nodes but what is there now: no prepared transactions,
# the same rows.
sub data_nodes_untouched
{
	my ($what) = @_;
	for my $dn ($c->data_nodes)
	{
		is($c->safe_psql($dn, 'SELECT count(*) FROM pg_prepared_xacts', db => 'postgres'),
			'0', "$what: no prepared transaction on $dn");
		is($c->safe_psql($dn, 'SELECT count(*) FROM t'), $dn_count{$dn},
			"$what: ${dn}'s rows unchanged");
	}
}

$c->add_standby('standby');
$c->wait_for_replay('standby');
is($c->safe_psql('standby', 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');

# ---- reads -------------------------------------------------------------------
is($c->safe_psql('standby', $agg), $primary_agg, 'an aggregate through the standby equals the primary\'s');
is($c->safe_psql('standby', $by_device), $primary_by_device,
	'a grouped aggregate through the standby equals the primary\'s');
is($c->safe_psql('standby', 'SELECT count(*) FROM t WHERE device = 2'),
	$c->safe_psql('an', 'SELECT count(*) FROM t WHERE device = 2'),
	'a filtered count through the standby equals the primary\'s');
is( $c->safe_psql('standby',
		'SELECT node_name, healthy, in_recovery FROM _timescaledb_internal.health() ORDER BY node_name NULLS FIRST'),
	"|t|t\ndn1|t|f\ndn2|t|f",
	'health() on the standby: the access node row is in recovery, the data nodes are not');
data_nodes_untouched('after reads on the standby');

# distributed_exec of a read in a transaction that reads from both nodes and
# then commits: the standby's remote transactions are read-only and commit in
# one phase
($rc, $out, $err) = $c->psql('standby', q{
BEGIN;
CALL distributed_exec('SELECT 1');
SELECT count(*) FROM t;
COMMIT;
});
note("distributed_exec on the standby: rc $rc\n$out\n$err");
is($rc, 0, 'distributed_exec(\'SELECT 1\') and a read in one transaction work on the standby')
  or diag($err);
is($out, (split /\|/, $primary_agg)[0], '... and the read sees every row');
data_nodes_untouched('after distributed_exec on the standby');

# ---- writes --------------------------------------------------------------------
$err = $c->psql_fails('standby', "INSERT INTO t VALUES ('2026-01-01', 1, 0)",
	'an INSERT on the standby fails');
like($err, qr/cannot execute INSERT in a read-only transaction/, '... with PostgreSQL\'s read-only error');
$err = $c->psql_fails('standby',
	"CALL distributed_exec(\$\$ INSERT INTO t VALUES ('2026-01-01', 1, 0) \$\$)",
	'a write through distributed_exec on the standby fails');
like($err, qr/\[dn\d\]: cannot execute INSERT in a read-only transaction/,
	'... with the data node\'s read-only error (its remote transaction is read-only)');
is($c->safe_psql('standby', 'SELECT count(*) FROM _timescaledb_catalog.remote_txn'),
	$c->safe_psql('an', 'SELECT count(*) FROM _timescaledb_catalog.remote_txn'),
	'the standby\'s decision log is the primary\'s (it writes none)');
data_nodes_untouched('after writes on the standby');
ok($c->node_running('standby'), 'the standby is still running (no crash)');
is($c->safe_psql('standby', $agg), $primary_agg, '... and still reads the same');
my $log = MultinodeCluster::slurp($c->logfile('standby'));
unlike($log, qr/PANIC|terminated by signal|was terminated/, 'the standby\'s log shows no crash');
unlike($log, qr/ERROR:  (?!(\[dn\d\]: )?cannot execute INSERT in a read-only transaction)/,
	'... and no errors but the two read-only ones (nothing from the job scheduler)');

done_testing();
