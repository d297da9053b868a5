# Joins with a table of "reference_tables" run by the data nodes (with the
# aggregates above them), across separate postmasters, and when a data node
# dies (replication factor 2 over 2 data nodes): cached plans of the joins,
# made with both nodes up, give the full answer after dn2 is killed (its
# chunks are read from dn1, named one by one in the join), and so does the
# same join planned afresh.  Answers are compared with the same joins on a
# local copy of the rows.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster;
use Test::More;

my $c = MultinodeCluster->new('reference_join',
	settings => [ 'multinode.connect_timeout=2', 'multinode.node_suspect_interval=60s' ]);

my $devices = q{CREATE TABLE devices (id int PRIMARY KEY, label text, room text);
INSERT INTO devices VALUES (1, 'n1', 'a'), (2, 'n2', 'a'), (3, 'n3', 'b'), (4, 'n4', NULL), (5, 'n5', 'b'), (6, 'n6', 'c');};
$c->safe_psql('an', qq{
CREATE TABLE m (time timestamptz NOT NULL, device int, v float8);
SELECT create_distributed_hypertable('m', 'time', 'device', replication_factor => 2,
                                     chunk_time_interval => interval '1 day');
INSERT INTO m SELECT t, d, d * 1.5 FROM generate_series('2026-01-01'::timestamptz, '2026-01-06', '1 hour') t,
	generate_series(1, 8) d;
CREATE TABLE m_local AS SELECT * FROM m;
$devices
CALL distributed_exec(\$\$$devices\$\$);
ALTER FOREIGN DATA WRAPPER timescaledb_fdw OPTIONS (ADD reference_tables 'devices');
});

my $inner = q{SELECT d.room, count(*), sum(m.v) FROM %s m JOIN devices d ON m.device = d.id
 WHERE m.time >= '2026-01-02' GROUP BY d.room ORDER BY 1};
my $left = q{SELECT m.device, d.label, count(*) FROM %s m LEFT JOIN devices d ON m.device = d.id AND d.room <> 'c'
 GROUP BY 1, 2 ORDER BY 1, 2};
my $rows = q{SELECT m.time, m.device, d.label FROM %s m JOIN devices d ON m.device = d.id
 WHERE m.time < '2026-01-03' ORDER BY 1, 2};
my %expected;
for my $q ($inner, $left, $rows)
{
	$expected{$q} = $c->safe_psql('an', sprintf($q, 'm_local'));
	is($c->safe_psql('an', sprintf($q, 'm')), $expected{$q}, 'the join on the nodes agrees with the local join');
}
like($c->safe_psql('an', 'EXPLAIN (VERBOSE, COSTS OFF) ' . sprintf($inner, 'm')),
	qr/Remote SQL: SELECT .* FROM .* r1 JOIN public\.devices r2 ON/,
	'the join is in the remote SQL');

my $s = $c->session('an');
$s->query_safe('SET plan_cache_mode = force_generic_plan');
$s->query_safe(sprintf("PREPARE qi AS $inner; PREPARE ql AS $left; PREPARE qr AS $rows;", 'm', 'm', 'm'));
like($s->query_safe('EXPLAIN (VERBOSE, COSTS OFF) EXECUTE qi'),
	qr/Data node: dn1.*JOIN public\.devices r2.*Data node: dn2.*JOIN public\.devices r2/s,
	'prepared: the cached plan joins on both nodes');
is($s->query_safe('EXECUTE qi'), $expected{$inner}, 'prepared inner join, both nodes up');
is($s->query_safe('EXECUTE ql'), $expected{$left}, 'prepared left join, both nodes up');
is($s->query_safe('EXECUTE qr'), $expected{$rows}, 'prepared join returning rows, both nodes up');

$c->kill_node('dn2');
my ($o, $e) = $s->query('EXECUTE qi');
is($o, $expected{$inner}, 'prepared inner join after dn2 was killed: the full answer') or diag($e);
($o, $e) = $s->query('EXECUTE ql');
is($o, $expected{$left}, 'prepared left join after dn2 was killed: the full answer') or diag($e);
is($e, '', '... and no error or warning');
($o, $e) = $s->query('EXECUTE qr');
is($o, $expected{$rows}, 'prepared join returning rows after dn2 was killed: the same rows') or diag($e);

my $plan = $c->safe_psql('an', 'EXPLAIN (VERBOSE, COSTS OFF) ' . sprintf($inner, 'm'));
unlike($plan, qr/Data node: dn2/, 'planned now, the join leaves dn2 out');
like($plan, qr/JOIN public\.devices r2/, '... and still runs on the node');
is($c->safe_psql('an', sprintf($inner, 'm')), $expected{$inner}, '... with the full answer');

$c->start_node('dn2');
done_testing();
