
# TimescaleDB 2.13 policies on a real cluster (an access node and two data
# nodes, separate postmasters): the scheduler runs a retention policy on a
# distributed hypertable and both nodes lose the old chunks; with a data node
# down the run fails as a whole (nothing dropped anywhere, the error
# recorded) and succeeds once the node is back; first()/last() over the
# nodes agree with the same rows read from each node.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster;
use Test::More;
use Time::HiRes qw(sleep);

my $c = MultinodeCluster->new('tsdb_policies');

# Bounded poll of a query on the access node until it returns $want.
sub wait_for
{
	my ($sql, $want, $what) = @_;
	my $got = '';
	for (1 .. 120)
	{
		$got = $c->safe_psql('an', $sql);
		last if $got eq $want;
		sleep 0.25;
	}
	is($got, $want, $what);
}

my $old = q{SELECT count(*) FROM conditions WHERE time < now() - interval '5 days 1 hour'};

# Rows older than five days, summed over the data nodes.
sub old_rows
{
	my $n = 0;
	$n += $c->safe_psql($_, $old) for $c->data_nodes;
	return $n;
}

$c->safe_psql('an', q{
	CREATE TABLE conditions (time timestamptz NOT NULL, device int, temp float);
	SELECT create_distributed_hypertable('conditions', 'time', 'device',
		chunk_time_interval => interval '1 day');
	INSERT INTO conditions
	SELECT now() - g * interval '1 day', d, g * 10 + d
	  FROM generate_series(0, 9) g, generate_series(1, 6) d;
});
is(old_rows(), 24, 'the data nodes hold four old days of six devices');

# ---- the scheduler runs the policy ---------------------------------------------------
my $job = $c->safe_psql('an', q{
	SELECT add_retention_policy('conditions', interval '5 days', initial_start => now());
});
cmp_ok($job, '>=', 1000, 'add_retention_policy returns a user job id');
wait_for("SELECT total_successes >= 1 FROM timescaledb_information.job_stats WHERE job_id = $job",
	't', 'the scheduler ran the retention policy');
is(old_rows(), 0, '... and both data nodes lost the old chunks');
is($c->safe_psql('an', q{SELECT count(*) FROM conditions WHERE time < now() - interval '5 days 1 hour'}),
	'0', '... as the access node sees it');
is( $c->safe_psql('an', q{
		SELECT count(*) FROM _timescaledb_catalog.chunk_data_node cdn
		  JOIN _timescaledb_catalog.chunk c ON c.id = cdn.chunk_id
		 WHERE NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = c.table_name)}),
	'0', '... and the catalog names only chunks that exist');
$c->safe_psql('an', "SELECT alter_job($job, scheduled => false)");

# ---- a data node is down when it runs ---------------------------------------------------
$c->safe_psql('an', q{
	INSERT INTO conditions
	SELECT now() - g * interval '1 day', d, g * 10 + d
	  FROM generate_series(7, 8) g, generate_series(1, 6) d;
});
is(old_rows(), 12, 'old rows again');
my $dn1_old = $c->safe_psql('dn1', $old);
cmp_ok($dn1_old, '>', 0, '... some of them on dn1');
$c->kill_node('dn2');
my ($rc, $out, $err) = $c->psql('an', "CALL run_job($job)");
isnt($rc, 0, 'with dn2 down the policy run fails');
like($err, qr/data node "dn2"/, '... naming the node');
is($c->safe_psql('dn1', $old), $dn1_old, '... and dropped nothing on dn1 either');
$c->start_node('dn2');
($rc, $out, $err) = $c->psql('an', "CALL run_job($job)");
is($rc, 0, 'once dn2 is back the policy runs') or diag($err);
is(old_rows(), 0, '... and both nodes lost the old chunks');

# ---- first() and last() over the nodes ---------------------------------------------------
my $expect = join "\n", map {
	$c->safe_psql($_, q{
		SELECT device || '|' || (array_agg(temp ORDER BY time))[1] || '|' || (array_agg(temp ORDER BY time DESC))[1]
		  FROM conditions GROUP BY device ORDER BY device})
} $c->data_nodes;
$expect = join "\n", sort { (split /\|/, $a)[0] <=> (split /\|/, $b)[0] } split /\n/, $expect;
is( $c->safe_psql('an', q{
		SELECT device || '|' || first(temp, time) || '|' || last(temp, time)
		  FROM conditions GROUP BY device ORDER BY device}),
	$expect, 'first/last per device on the access node match each node\'s rows');
# temp grows with age: per device, the oldest reading is the largest
is( $c->safe_psql('an', q{
		SELECT bool_and(f = mx AND l = mn) FROM (
			SELECT first(temp, time) f, last(temp, time) l, max(temp) mx, min(temp) mn
			  FROM conditions GROUP BY device) s}),
	't', 'first/last per device: the oldest and the newest reading');

# Over all devices the data nodes send partial states, combined here; rows
# of one time differ by device, temp - device does not.
like($c->safe_psql('an', q{EXPLAIN (VERBOSE, COSTS OFF) SELECT first(temp - device, time) FROM conditions}),
	qr/partial_state\(public\.first/, 'ungrouped first() goes down as partial states');
is($c->safe_psql('an', q{SELECT first(temp - device, time), last(temp - device, time) FROM conditions}),
	'50|0', '... combined across the nodes: the oldest day kept, and today');

$c->safe_psql('an', q{SELECT remove_retention_policy('conditions')});
is($c->safe_psql('an', "SELECT count(*) FROM timescaledb_information.jobs WHERE job_id = $job"),
	'0', 'remove_retention_policy deletes the job');

done_testing();
