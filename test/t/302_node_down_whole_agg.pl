# An aggregation the data nodes compute whole (GROUP BY the space column,
# each space slice read from one node) whose node dies under a cached plan:
# the failed node's slices may only move whole to one node holding fresh
# replicas of all their chunks.  Here (three data nodes, replication
# factor 2) the two chunks of a slice have their other replicas on two
# different nodes: no node can take the slice, so the cached plan runs its
# fallback, the partial aggregation (each chunk read from any fresh
# replica, the groups combined on the access node), and answers in full
# instead of reading a group from two nodes; EXPLAIN ANALYZE shows the fallback.  The same query planned now
# (partial aggregation around the node) answers in full too.  The
# failover that moves a slice whole is test/t/300_node_down_reads.pl's.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster;
use Test::More;

my $c = MultinodeCluster->new('node_down_whole_agg', nodes => 3,
	settings => [ 'multinode.connect_timeout=2', 'multinode.node_suspect_interval=60s' ]);

$c->safe_psql('an', q{
CREATE TABLE x (time timestamptz NOT NULL, device int, v float8);
SELECT create_distributed_hypertable('x', 'time', 'device', number_partitions => 3, replication_factor => 2);
});
# a device of each of the three space slices
my @dev = map {
	$c->safe_psql('an', "SELECT d FROM generate_series(1, 100) d WHERE "
		  . "_timescaledb_functions.get_partition_hash(d) / 715827882 = $_ ORDER BY d LIMIT 1")
} 0 .. 2;
# chunk by chunk, the node left out of its replicas (blocked); replicas are
# then read, in chunk order, from the least loaded node: slice k from dn(k+1)
my @weeks = ([ 'dn3', 'dn1', 'dn2' ], [ 'dn2', 'dn3', 'dn1' ]);
for my $w (0 .. 1)
{
	for my $k (0 .. 2)
	{
		my $blocked = $weeks[$w][$k];
		$c->safe_psql('an', qq{
SELECT timescaledb_experimental.block_new_chunks('$blocked', 'x');
INSERT INTO x SELECT t, $dev[$k], $k + 0.5 FROM generate_series('2026-01-01'::timestamptz + interval '$w weeks',
	'2026-01-07 23:00'::timestamptz + interval '$w weeks', '1 hour') t;
SELECT timescaledb_experimental.allow_new_chunks('$blocked', 'x');});
	}
}
$c->safe_psql('an', 'CREATE TABLE x_local AS SELECT * FROM x');
my $sql = 'SELECT device, count(*), sum(v) FROM x GROUP BY device ORDER BY device';
my $local = $c->safe_psql('an', 'SELECT device, count(*), sum(v) FROM x_local GROUP BY device ORDER BY device');

my $s = $c->session('an');
$s->query_safe("PREPARE q AS $sql");
my $plan = $s->query_safe('EXPLAIN (VERBOSE, COSTS OFF) EXECUTE q');
like($plan, qr/Data node: dn1\n\s+Chunks: _dist_hyper_1_1_chunk, _dist_hyper_1_4_chunk\n/,
	'the slice of chunks 1 and 4 is read from dn1') or diag($plan);
unlike($plan, qr/Aggregate/, '... and the nodes compute the groups whole');
is($s->query_safe('EXECUTE q'), $local, 'the answer of a local copy') for 1 .. 6;

$c->kill_node('dn1');
is($s->query_safe('EXECUTE q'), $local, 'dn1 killed: the cached plan answers in full')
  for 1 .. 3;
$plan = $s->query_safe('EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE q');
like($plan, qr/Custom Scan \(DataNodeScan\).*\n.*\n\s+Data node: dn1\n.*->  Finalize \w*Aggregate.*->  Custom Scan \(DataNodeScan\)[^\n]*\n\s+Output: device, \(PARTIAL count\(\*\)\)/s,
	'... running the partial aggregation below the whole one') or diag($plan);
like($plan =~ s/.*->  Finalize \w*Aggregate//sr,
	qr/Data node: dn1\n.*\n.*\n\s+Actual: skipped at run time\n/,
	'... which reads dn1\'s chunks from the other nodes') or diag($plan);
$s->quit;
is($c->safe_psql('an', $sql), $local, 'planned now, the query reads around dn1: the full answer');
$c->start_node('dn1');

done_testing();
