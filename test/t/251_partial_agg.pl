
# Aggregate states between separate postmasters: groups that span the data
# nodes are computed as the nodes' own partial aggregates, whose states
# (serialized internal states of bigint and numeric sums and averages,
# numeric and integer variances; float8[] states of float variances) travel
# over libpq and are combined and finalized by the access node.  A role
# without any special privilege runs the queries; every result must equal
# the same query's on a plain table holding the same rows, and the data
# nodes' logs must show no crash.  date_trunc grouping under a non-UTC
# TimeZone goes down with the access node's zone.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster;
use Test::More;

my $c = MultinodeCluster->new('partial_agg', nodes => 2);

$c->safe_psql('an', q{
CREATE ROLE agg_user LOGIN;
CALL distributed_exec($$ CREATE ROLE agg_user LOGIN $$);
GRANT USAGE ON FOREIGN SERVER dn1, dn2 TO agg_user;
GRANT CREATE ON SCHEMA public TO agg_user;
CALL distributed_exec($$ GRANT CREATE ON SCHEMA public TO agg_user $$);
});

my $gen = q{SELECT t, d, d * 1000000000000 + (extract(epoch FROM t)::bigint % 997),
  CASE WHEN d = 3 AND extract(hour FROM t) = 1 THEN NULL
       WHEN d = 5 AND t = '2024-03-02 05:00+00' THEN 'NaN'
       ELSE round(d * 1.37 + extract(minute FROM t) / 7.0, 5) END,
  (d * extract(hour FROM t))::int, d * 2.5 + extract(hour FROM t) / 8
FROM generate_series('2024-03-01 00:00+00'::timestamptz, '2024-04-02 00:00+00', '20 min') t,
     generate_series(1, 6) d};
$c->safe_psql('an', qq{
SET ROLE agg_user;
CREATE TABLE m (time timestamptz NOT NULL, device int, big bigint, num numeric, ival int, temp float8);
SELECT create_distributed_hypertable('m', 'time', 'device', chunk_time_interval => interval '1 week');
INSERT INTO m $gen;
CREATE TABLE m_local (LIKE m);
INSERT INTO m_local $gen;
});
for my $dn ($c->data_nodes)
{
	cmp_ok($c->safe_psql($dn, 'SELECT count(*) FROM m'), '>', 0, "$dn holds a part of the rows");
}

my @queries = (
	q{SELECT ok, sum(big), avg(big), sum(num), avg(num), count(*) FROM (SELECT *, ival %% 3 AS ok FROM %s) x GROUP BY ok ORDER BY ok},
	q{SELECT time_bucket('1 day', time) b, stddev(ival), var_pop(num), variance(big), avg(num) FILTER (WHERE temp > 5) FROM %s GROUP BY b ORDER BY b},
	q{SELECT sum(big), avg(num), stddev_samp(num), round(stddev(temp)::numeric, 8), round(corr(temp, ival)::numeric, 10) FROM %s},
	q{SELECT extract(hour FROM time) h, sum(num), avg(big) FROM %s GROUP BY h HAVING avg(num) > 4 ORDER BY h},
	q{SELECT date_trunc('day', time) d, sum(num), count(*) FROM %s GROUP BY d ORDER BY d},
	q{SELECT date_trunc('month', time) d, avg(big), max(temp) FROM %s GROUP BY d ORDER BY d},
);

my $plan = $c->safe_psql('an',
	'EXPLAIN (VERBOSE, COSTS OFF) ' . sprintf($queries[1], 'm'), user => 'agg_user');
like($plan, qr/_timescaledb_internal\.partial_state\(stddev\(ival\), NULL::bytea/,
	'the nodes are asked for serialized states');
like($plan, qr/Finalize GroupAggregate/, '... which the access node combines');

for my $zone ('UTC', 'Europe/Berlin', 'America/St_Johns')
{
	for my $q (@queries)
	{
		my $set = "SET timezone = '$zone';";
		my $dist = $c->safe_psql('an', $set . sprintf($q, 'm'), user => 'agg_user');
		my $local = $c->safe_psql('an', $set . sprintf($q, 'm_local'), user => 'agg_user');
		is($dist, $local, "$zone: " . sprintf($q, 'm'));
	}
}
$plan = $c->safe_psql('an',
	"SET timezone = 'Europe/Berlin'; EXPLAIN (VERBOSE, COSTS OFF) " . sprintf($queries[4], 'm'),
	user => 'agg_user');
like($plan, qr/_timescaledb_internal\.date_trunc_node\('day'::text, "time", \$1::text\)/,
	'date_trunc goes down as date_trunc_node with the zone as a parameter under Europe/Berlin');

# With pushdown off, the same results from rows fetched.
my $q = sprintf($queries[1], 'm');
is($c->safe_psql('an', "SET multinode.enable_aggregate_pushdown = off; $q", user => 'agg_user'),
	$c->safe_psql('an', $q, user => 'agg_user'),
	'multinode.enable_aggregate_pushdown = off gives the same result');

for my $dn ($c->data_nodes)
{
	my $log = MultinodeCluster::slurp($c->logfile($dn));
	unlike($log, qr/PANIC|terminated by signal/, "$dn\'s log shows no crash");
}

done_testing();
