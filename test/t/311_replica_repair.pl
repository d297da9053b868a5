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
use Time::HiRes ();

my $c = MultinodeCluster->new('repair', nodes => 3);

sub an { return $c->safe_psql('an', $_[0]); }

# no capture trigger and no captured change left on any data node
sub no_capture_left
{
	my ($what) = @_;
	for my $n (qw(dn1 dn2))
	{
		is($c->safe_psql($n, q{SELECT (SELECT count(*) FROM pg_trigger WHERE tgname = '_multinode_chunk_copy_capture')
			|| '/' || (SELECT count(*) FROM _timescaledb_catalog.chunk_copy_change)}),
			'0/0', "$what: no capture trigger and no captured rows on $n");
	}
}

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

# back: repaired, with inserts into the chunk running meanwhile.  Each is
# one simple query: statement_timestamp() is its start, so its second
# statement records how long the insert took (a wait for a lock included).
an(q{CREATE TABLE insert_waits (acked timestamptz, took interval)});
sub timed_insert
{
	my $sql = "INSERT INTO m SELECT '2024-01-01 12:00'::timestamptz + i * interval '1 ms', i % 16, i
		FROM generate_series($next_v, $next_v + 9) i;
		INSERT INTO insert_waits VALUES (clock_timestamp(), clock_timestamp() - statement_timestamp())";
	$next_v += 10;
	return $sql;
}
# the same inserts before the repair, for comparison
an(timed_insert()) for (1 .. 10);
my @sql;
push @sql, timed_insert(), 'SELECT pg_sleep(0.005)' for (1 .. 100);
my ($out, $err) = ('', '');
my $loop = IPC::Run::start([ @{ $c->_psql_cmd('an', stop => 1) }, map { ('-c', $_) } @sql ],
	'<', \undef, '>', \$out, '2>', \$err, IPC::Run::timeout(180));
my $r0 = an(q{SELECT clock_timestamp()});
my ($secs, $n) = timed(sub { an(q{SELECT repair_chunk_replicas()}) });
my $r1 = an(q{SELECT clock_timestamp()});
$loop->finish;
note(sprintf("inserts acknowledged during the repair: %s; the longest took %s s (before it: %s s)",
	an(qq{SELECT count(*) FROM insert_waits WHERE acked BETWEEN '$r0' AND '$r1'}),
	an(qq{SELECT round(extract(epoch FROM max(took))::numeric, 3) FROM insert_waits WHERE acked BETWEEN '$r0' AND '$r1'}),
	an(qq{SELECT round(extract(epoch FROM max(took))::numeric, 3) FROM insert_waits WHERE acked NOT BETWEEN '$r0' AND '$r1'})));
is($loop->result(0), 0, 'inserts during the repair all succeed') or diag($err);
is($n, '1', 'repair_chunk_replicas() returns 1 once the node is back');
note(sprintf("repair of a %d-row replica: %.2f s", $rows + 500, $secs));
is(an(q{SELECT count(*) FROM _timescaledb_catalog.chunk_replica_stale}), '0', 'the stale mark is gone');
is(chunk_sum('dn2', $chunk), chunk_sum('dn1', $chunk), 'the replicas are identical: count and checksum');
cmp_ok((split /\|/, chunk_sum('dn2', $chunk))[0], '>=', $rows + 500, "... with dn1's extra rows");
is(an(q{SELECT count(*), count(DISTINCT v) FROM m}), "$next_v|$next_v", 'every row is there exactly once');
is(an(q{SELECT repair_chunk_replicas()}), '0', 'a second run has nothing to do');

# ---- online: writes into the chunk being repaired, while the repair is held --------------------
# The repair waits (fault point sync:wait) after its bulk copy, before
# committing it; inserts, an update and a delete into that very chunk must
# be acknowledged meanwhile, and be on both replicas exactly once after.
my $fault_lock = 4243;
sub poll_until { return $c->poll_until('an', $_[0]); }
my $waiting = "SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND objid = $fault_lock AND NOT granted";
$c->safe_psql('dn1', qq{INSERT INTO $chunk SELECT '2024-01-01 07:00'::timestamptz + i * interval '1 ms', i % 16, i
	FROM generate_series($next_v, $next_v + 99) i});
$next_v += 100;
an(qq{INSERT INTO _timescaledb_catalog.chunk_replica_stale (chunk_id, node_name) VALUES ($chunk_id, 'dn2')});
my $holder = $c->session('an');
$holder->query_safe("SELECT pg_advisory_lock($fault_lock)");
my $bg = $c->background('an', [ q{SET multinode.debug_chunk_copy_fault = 'sync:wait'},
	q{SELECT repair_chunk_replicas()} ]);
ok(poll_until($waiting), 'the repair waits after its bulk copy');
is(an(q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'multinode chunk repair'}), '1',
	'... in a background worker');
is(an(qq{SELECT replica_nodes FROM timescaledb_experimental.chunk_replication_status
	 WHERE format('%I.%I', chunk_schema, chunk_name) = '$chunk'}), '{dn1}',
	'... the stale replica taken out of the chunk while it is recopied');
is(an(q{SELECT count(*) FROM _timescaledb_catalog.chunk_replica_stale}), '0', '... its stale mark with it');
my $t0 = Time::HiRes::time();
my ($rc, undef, $werr) = $c->psql('an', qq{BEGIN;
	INSERT INTO m SELECT '2024-01-01 14:00'::timestamptz + i * interval '1 ms', i % 16, i
		FROM generate_series($next_v, $next_v + 49) i;
	UPDATE m SET dev = dev + 100 WHERE time < '2024-01-02' AND v BETWEEN 0 AND 9;
	DELETE FROM m WHERE time < '2024-01-02' AND v BETWEEN 10 AND 19;
	INSERT INTO m SELECT '2024-01-01'::timestamptz + i * interval '2 second', 200 + i % 16, i
		FROM generate_series(10, 19) i;
	COMMIT;});
my $write_secs = Time::HiRes::time() - $t0;
is($rc, 0, 'inserts, an update and a delete into the chunk are acknowledged while the repair waits') or diag($werr);
$next_v += 50;
ok(poll_until($waiting), '... the repair still waiting');
$holder->query_safe("SELECT pg_advisory_unlock($fault_lock)");
my $ok;
($ok, $out, $err) = $c->finish_background($bg);
ok($ok, 'the repair then completes') or diag($err);
like($out, qr/^1$/m, '... repairing 1 replica');
note(sprintf("writes into the chunk during the held repair acknowledged in %.3f s", $write_secs));
is(chunk_sum('dn2', $chunk), chunk_sum('dn1', $chunk), 'the replicas are identical: count and checksum');
is($c->safe_psql('dn2', qq{SELECT count(*) FILTER (WHERE dev >= 100 AND dev < 200) || '/' || count(*) FILTER (WHERE dev >= 200)
	FROM $chunk}), '10/10', "... dn2's replica has the update and the delete made meanwhile");
is(an(q{SELECT count(*), count(DISTINCT v) FROM m}), "$next_v|$next_v", 'every row is there exactly once');
is(an(q{SELECT count(*) FROM _timescaledb_catalog.chunk_copy_operation}), '0', 'the repair leaves no operation logged');
no_capture_left('after the held repair');

# ---- the stale node killed mid-repair: undone, then done again ---------------------------------
$c->safe_psql('dn1', qq{INSERT INTO $chunk SELECT '2024-01-01 08:00'::timestamptz + i * interval '1 ms', i % 16, i
	FROM generate_series($next_v, $next_v + 99) i});
$next_v += 100;
an(qq{INSERT INTO _timescaledb_catalog.chunk_replica_stale (chunk_id, node_name) VALUES ($chunk_id, 'dn2')});
$holder->query_safe("SELECT pg_advisory_lock($fault_lock)");
$bg = $c->background('an', [ q{SET multinode.debug_chunk_copy_fault = 'catch_up:wait'},
	q{SELECT repair_chunk_replicas()} ]);
ok(poll_until($waiting), 'a repair waits in catch_up');
an(q{INSERT INTO m VALUES ('2024-01-01 15:00', 1, } . $next_v++ . q{)});
$c->kill_node('dn2');
$holder->query_safe("SELECT pg_advisory_unlock($fault_lock)");
($ok, $out, $err) = $c->finish_background($bg);
ok($ok, 'the repair returns when the stale node dies in it') or diag($err);
like($out, qr/^0$/m, '... having repaired nothing');
like($err, qr/could not repair/, '... with a warning');
an(q{INSERT INTO m VALUES ('2024-01-01 15:00', 2, } . $next_v++ . q{)});
is(an(q{SELECT count(*), count(DISTINCT v) FROM m}), "$next_v|$next_v", 'reads and writes go on from dn1');
$c->start_node('dn2');
an(q{CALL run_job(5)});
is(an(q{SELECT count(*) FROM _timescaledb_catalog.chunk_copy_operation}), '0', 'the repair job undoes what was left');
is(an(qq{SELECT replica_nodes FROM timescaledb_experimental.chunk_replication_status
	 WHERE format('%I.%I', chunk_schema, chunk_name) = '$chunk'}), '{dn1,dn2}', '... and gives dn2 its replica back');
is(chunk_sum('dn2', $chunk), chunk_sum('dn1', $chunk), '... identical to dn1');
is(an(q{SELECT count(*), count(DISTINCT v) FROM m}), "$next_v|$next_v", 'every row is there exactly once');
no_capture_left('after the node died mid-repair');
$c->check_no_orphan_chunks;
$holder->quit;

# ---- the caller cancelled mid-repair: its worker stops, the job undoes and repairs -----------
$c->safe_psql('dn1', qq{INSERT INTO $chunk SELECT '2024-01-01 09:00'::timestamptz + i * interval '1 ms', i % 16, i
	FROM generate_series($next_v, $next_v + 99) i});
$next_v += 100;
an(qq{INSERT INTO _timescaledb_catalog.chunk_replica_stale (chunk_id, node_name) VALUES ($chunk_id, 'dn2')});
$holder = $c->session('an');
$holder->query_safe("SELECT pg_advisory_lock($fault_lock)");
$bg = $c->background('an', [ q{SET multinode.debug_chunk_copy_fault = 'sync:wait'},
	q{SELECT repair_chunk_replicas()} ]);
ok(poll_until($waiting), 'a repair waits after its bulk copy');
an(q{SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT repair_chunk_replicas()'});
($ok, $out, $err) = $c->finish_background($bg);
ok(!$ok && $err =~ /canceling statement/, 'cancelling the caller fails its call') or diag($err);
ok(poll_until(q{SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'multinode chunk repair'}),
	'... and stops its worker');
$holder->query_safe("SELECT pg_advisory_unlock($fault_lock)");
$holder->quit;
is(an(q{SELECT count(*) FROM _timescaledb_catalog.chunk_copy_operation}), '1', '... leaving its copy logged');
an(q{CALL run_job(5)});
is(an(q{SELECT count(*) FROM _timescaledb_catalog.chunk_copy_operation}), '0', 'the repair job undoes it');
is(chunk_sum('dn2', $chunk), chunk_sum('dn1', $chunk), '... and repairs the replica');
is(an(q{SELECT count(*), count(DISTINCT v) FROM m}), "$next_v|$next_v", 'every row is there exactly once');
no_capture_left('after the cancelled repair');
$c->check_no_orphan_chunks;

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
