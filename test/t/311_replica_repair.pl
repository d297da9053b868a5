# repair_chunk_replicas() and the built-in repair job on a real cluster:
# a replica that missed writes (simulated: rows written to the other replica
# directly on its node, and the replica marked stale as the write path
# does) is left alone while its node is down, and recopied from the fresh
# replica when it is back, with inserts into the chunk running meanwhile;
# a chunk that lost a replica with its node (detached) gets a new one on
# another node.  Afterwards the replicas are identical (count and checksum).
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use IPC::Run;
use MultinodeCluster qw(timed);
use Test::More;

my $c = MultinodeCluster->new('repair', nodes => 3);

sub an { return $c->safe_psql('an', $_[0]); }

sub chunk_sum
{
	my ($node, $chunk) = @_;
	return $c->safe_psql($node, "SELECT count(*), sum(hashtext(t::text)) FROM $chunk t");
}

an(q{SELECT alter_job(5, scheduled => false)});
an(q{CREATE TABLE m (time timestamptz NOT NULL, dev int, v bigint)});
an(q{SELECT create_distributed_hypertable('m', 'time', 'dev', number_partitions => 1,
	replication_factor => 2, chunk_time_interval => interval '1 day', data_nodes => '{dn1,dn2}')});
an(q{INSERT INTO m SELECT '2024-01-01'::timestamptz + i * interval '2 second', i % 16, i
	 FROM generate_series(0, 59999) i});
my $next_v = 60000;
my $chunk = an(q{SELECT format('%I.%I', chunk_schema, chunk_name)
	FROM timescaledb_experimental.chunk_replication_status ORDER BY chunk_name LIMIT 1});
my $chunk_id = an(qq{SELECT id FROM _timescaledb_catalog.chunk WHERE format('%I.%I', schema_name, table_name) = '$chunk'});
is(an(qq{SELECT replica_nodes FROM timescaledb_experimental.chunk_replication_status
	 WHERE format('%I.%I', chunk_schema, chunk_name) = '$chunk'}), '{dn1,dn2}', 'the chunk has replicas on dn1 and dn2');
my $rows = (split /\|/, chunk_sum('dn1', $chunk))[0];

# dn2's replica misses writes: 500 rows reach dn1 only
$c->safe_psql('dn1', qq{INSERT INTO $chunk SELECT '2024-01-01 06:00'::timestamptz + i * interval '1 ms', i % 16, i
	FROM generate_series($next_v, $next_v + 499) i});
$next_v += 500;
an(qq{INSERT INTO _timescaledb_catalog.chunk_replica_stale (chunk_id, node_name) VALUES ($chunk_id, 'dn2')});
isnt(chunk_sum('dn2', $chunk), chunk_sum('dn1', $chunk), 'the replicas differ');

# while dn2 is down there is nothing to do
$c->stop_node('dn2');
is(an(q{SELECT repair_chunk_replicas()}), '0', 'repair_chunk_replicas() repairs nothing while the node is down');
is(an(q{SELECT count(*) FROM _timescaledb_catalog.chunk_replica_stale}), '1', '... and the stale mark stays');
$c->start_node('dn2');

# back: repaired, with inserts into the chunk running meanwhile
my @sql;
for my $k (1 .. 100)
{
	push @sql, "INSERT INTO m SELECT '2024-01-01 12:00'::timestamptz + i * interval '1 ms', i % 16, i
		FROM generate_series($next_v, $next_v + 9) i", 'SELECT pg_sleep(0.005)';
	$next_v += 10;
}
my ($out, $err) = ('', '');
my $loop = IPC::Run::start([ @{ $c->_psql_cmd('an', stop => 1) }, map { ('-c', $_) } @sql ],
	'<', \undef, '>', \$out, '2>', \$err, IPC::Run::timeout(180));
my ($secs, $n) = timed(sub { an(q{SELECT repair_chunk_replicas()}) });
$loop->finish;
is($loop->result(0), 0, 'inserts during the repair all succeed') or diag($err);
is($n, '1', 'repair_chunk_replicas() returns 1 once the node is back');
note(sprintf("repair of a %d-row replica: %.2f s", $rows + 500, $secs));
is(an(q{SELECT count(*) FROM _timescaledb_catalog.chunk_replica_stale}), '0', 'the stale mark is gone');
is(chunk_sum('dn2', $chunk), chunk_sum('dn1', $chunk), 'the replicas are identical: count and checksum');
cmp_ok((split /\|/, chunk_sum('dn2', $chunk))[0], '>=', $rows + 500, "... with dn1's extra rows");
is(an(q{SELECT count(*), count(DISTINCT v) FROM m}), "$next_v|$next_v", 'every row is there exactly once');
is(an(q{SELECT repair_chunk_replicas()}), '0', 'a second run has nothing to do');

# ---- the built-in job does the same ------------------------------------------------------------
$c->safe_psql('dn2', qq{DELETE FROM $chunk WHERE v < 100});
an(qq{INSERT INTO _timescaledb_catalog.chunk_replica_stale (chunk_id, node_name) VALUES ($chunk_id, 'dn2')});
an(q{CALL run_job(5)});
is(an(q{SELECT count(*) FROM _timescaledb_catalog.chunk_replica_stale}), '0', 'run_job(5) repairs the stale replica');
is(chunk_sum('dn2', $chunk), chunk_sum('dn1', $chunk), '... the replicas identical again');

# ---- a replica lost with its node --------------------------------------------------------------
an(q{SELECT attach_data_node('dn3', 'm', repartition => false)});
an(q{SELECT detach_data_node('dn1', 'm', force => true, repartition => false)});
is(an(q{SELECT count(*) FROM timescaledb_experimental.chunk_replication_status
	 WHERE num_replicas < desired_num_replicas}),
	an(q{SELECT count(*) FROM timescaledb_experimental.chunk_replication_status}),
	'after detaching dn1 every chunk is one replica short');
my $nchunks = an(q{SELECT count(*) FROM timescaledb_experimental.chunk_replication_status});
is(an(q{SELECT repair_chunk_replicas('m')}), $nchunks, 'repair_chunk_replicas() makes one replica per chunk');
is(an(q{SELECT string_agg(DISTINCT replica_nodes::text, ',') FROM timescaledb_experimental.chunk_replication_status}),
	'{dn2,dn3}', '... on dn3, the node that did not have them');
is(chunk_sum('dn3', $chunk), chunk_sum('dn2', $chunk), '... identical to the surviving replica');
is(an(q{SELECT count(*), count(DISTINCT v) FROM m}), "$next_v|$next_v", 'every row still there exactly once');
for my $n (qw(dn2 dn3))
{
	is($c->safe_psql($n, 'SELECT count(*) FROM pg_prepared_xacts'), '0', "$n: no prepared transactions left");
}

done_testing();
