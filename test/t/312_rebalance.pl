# Growing and shrinking a real cluster: after a third data node is attached,
# rebalance_chunks() moves chunks (most recent first) until every node holds
# its share within one chunk, while a query runs again and again and always
# returns the same result; the repair job does the same when configured to
# rebalance; drain_data_node() empties a node so that it can be detached and
# deleted, the data unchanged.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use IPC::Run;
use MultinodeCluster qw(timed);
use Test::More;

my $c = MultinodeCluster->new('rebalance', nodes => 3);

sub an { return $c->safe_psql('an', $_[0]); }

# chunks each node holds, "dn1=4,dn2=4"
sub shares
{
	return an(q{SELECT string_agg(node_name || '=' || num_chunks, ',' ORDER BY node_name)
		FROM _timescaledb_functions.hypertable_node_loads(1)});
}

sub within_one
{
	my ($s) = @_;
	my @n = map { (split /=/)[1] } split /,/, $s;
	my ($min, $max) = (sort { $a <=> $b } @n)[ 0, -1 ];
	return $max - $min <= 1;
}

an(q{SELECT alter_job(5, scheduled => false)});
an(q{CREATE TABLE m (time timestamptz NOT NULL, dev int, v bigint)});
an(q{SELECT create_distributed_hypertable('m', 'time', 'dev', number_partitions => 2,
	chunk_time_interval => interval '1 day', data_nodes => '{dn1,dn2}')});
# 6 days x 2 space slices = 12 chunks
an(q{INSERT INTO m SELECT '2024-01-01'::timestamptz + i * interval '10 second', i % 16, i
	 FROM generate_series(0, 51839) i});
is(shares(), 'dn1=6,dn2=6', 'twelve chunks, six on each of two nodes');

my $query = q{SELECT date_trunc('day', time) AS day, count(*), sum(v) FROM m GROUP BY 1 ORDER BY 1};
my $expected = an($query);

# ---- a third node joins: rebalance with a query running meanwhile --------------------------
an(q{SELECT attach_data_node('dn3', 'm', repartition => false)});
is(shares(), 'dn1=6,dn2=6,dn3=0', 'dn3 attached, holding nothing');

my $file = $c->dir . '/query_results';
my $loop_sql = join('', map { "$query;\n\\echo ==\n" } 1 .. 60);
my ($out, $err) = ('', '');
my $loop = IPC::Run::start([ @{ $c->_psql_cmd('an', stop => 1) } ], '<', \$loop_sql, '>', \$out, '2>', \$err,
	IPC::Run::timeout(180));
my ($secs) = timed(sub { an(q{CALL rebalance_chunks('m')}) });
$loop->finish;
note(sprintf("rebalance_chunks moving 4 of 12 chunks (4320 rows each): %.2f s", $secs));
is($loop->result(0), 0, 'the query ran without error during the rebalance') or diag($err);
my @results = grep { $_ ne '' } split /\n?==\n?/, $out;
is(scalar(@results), 60, 'all 60 runs returned');
is(scalar(grep { $_ ne $expected } @results), 0, '... every one the same result as before');
my $after = shares();
ok(within_one($after), "after rebalance_chunks every node holds its share within one ($after)");
is($after, 'dn1=4,dn2=4,dn3=4', '... four each');
is(an(q{SELECT count(DISTINCT c.id) FROM _timescaledb_catalog.chunk c
	JOIN _timescaledb_catalog.chunk_data_node cdn ON cdn.chunk_id = c.id AND cdn.node_name = 'dn3'
	WHERE c.id IN (SELECT id FROM _timescaledb_catalog.chunk ORDER BY id DESC LIMIT 4)}), '4',
	'... the moved ones are the most recent chunks');
is(an($query), $expected, 'the query result is unchanged afterwards');
is(an(q{SELECT count(*) FROM timescaledb_information.chunk_moves WHERE is_move AND completed_stage = 'complete'}),
	'4', 'chunk_moves shows four completed moves');

# ---- the repair job rebalances when configured to ------------------------------------------------
# new data lands on dn1 and dn2 only (two space partitions)
an(q{INSERT INTO m SELECT '2024-01-07'::timestamptz + i * interval '10 second', i % 16, i
	 FROM generate_series(51840, 60479) i});
is(shares(), 'dn1=5,dn2=5,dn3=4', 'a new day adds a chunk on dn1 and dn2');
an(q{INSERT INTO m SELECT '2024-01-08'::timestamptz + i * interval '10 second', i % 16, i
	 FROM generate_series(60480, 69119) i});
is(shares(), 'dn1=6,dn2=6,dn3=4', 'another day: out of balance');
an(q{SELECT alter_job(5, config => '{"rebalance": true}')});
an(q{CALL run_job(5)});
$after = shares();
ok(within_one($after), "the repair job with rebalance on evens it out ($after)");
$expected = an($query);

# ---- a node leaves: drain, detach, delete ------------------------------------------------------
an(q{CALL drain_data_node('dn1')});
is(an(q{SELECT count(*) FROM _timescaledb_catalog.chunk_data_node WHERE node_name = 'dn1'}), '0',
	'drain_data_node leaves no chunk on dn1');
is($c->safe_psql('dn1', q{SELECT count(*) FROM _timescaledb_catalog.chunk}), '0', '... nor any chunk table on the node');
$after = shares();
ok(within_one($after), "the rest is spread within one ($after)");
is(an($query), $expected, 'the query result is unchanged');
an(q{SELECT detach_data_node('dn1', 'm')});
an(q{SELECT delete_data_node('dn1')});
is(an(q{SELECT count(*) FROM timescaledb_information.data_nodes}), '2', 'dn1 detached and deleted');
is(an($query), $expected, 'the query result is still unchanged');
an(q{INSERT INTO m VALUES ('2024-01-01 01:00', 1, -1), ('2024-01-20 01:00', 2, -2)});
is(an(q{SELECT count(*) FROM m WHERE v < 0}), '2', 'inserts into old and new chunks work');

done_testing();
