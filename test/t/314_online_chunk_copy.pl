# Online chunk copy and move (src/dist/chunk_capture.c): while a chunk large
# enough that the copy takes seconds is copied and then moved, writers into
# that very chunk (inserts, updates, deletes, each its own transaction, one
# of them another role) keep being acknowledged; they wait only for the short
# switch.  Afterwards the hypertable holds exactly what the writers
# committed (checked against a local table written in the same
# transactions), and the replicas are identical.  Writes made while a copy
# is held between its stages are captured, also another role's.  A failure
# or a crash at each new stage is undone by cleanup, leaving no capture
# trigger, no captured rows and no orphan table.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster;
use Test::More;
use Time::HiRes ();

my $c = MultinodeCluster->new('onlinecopy', nodes => 3,
	settings => [ 'restart_after_crash=on', 'log_min_duration_statement=300' ]);
my $fault_lock = 4243;
my $rows = 200000;

sub an { return $c->safe_psql('an', $_[0]); }

# background psql on the access node, each statement its own -c
sub bg { return $c->background('an', [@_]); }
sub finish_bg { return $c->finish_background($_[0]); }
sub poll_until { return $c->poll_until('an', @_); }
my $t_start = Time::HiRes::time();
sub mark { note(sprintf('%6.1f s: %s', Time::HiRes::time() - $t_start, $_[0])); }

sub chunk_sum
{
	my ($node, $chunk) = @_;
	return $c->safe_psql($node, "SELECT count(*), sum(hashtext(t::text)) FROM $chunk t");
}

# what the hypertable holds is what the writers committed
sub same_as_expected
{
	my ($what) = @_;
	is(an(q{SELECT count(*), sum(hashtext(t::text)) FROM m t}),
		an(q{SELECT count(*), sum(hashtext(t::text)) FROM expect t}),
		"$what: the hypertable holds exactly the committed writes");
}

# no capture trigger and no captured change left on any data node
sub no_capture_left
{
	my ($what) = @_;
	for my $n (qw(dn1 dn2 dn3))
	{
		is($c->safe_psql($n, q{SELECT (SELECT count(*) FROM pg_trigger WHERE tgname = '_multinode_chunk_copy_capture')
			|| '/' || (SELECT count(*) FROM _timescaledb_catalog.chunk_copy_change)}),
			'0/0', "$what: no capture trigger and no captured rows on $n");
	}
}

an(q{SELECT alter_job(5, scheduled => false)});
an(q{CREATE TABLE m (time timestamptz NOT NULL, dev int, v bigint, note text)});
an(q{SELECT create_distributed_hypertable('m', 'time', 'dev', number_partitions => 1,
	chunk_time_interval => interval '1 day', data_nodes => '{dn1,dn2,dn3}')});
an(q{CREATE TABLE expect (LIKE m)});
an(q{CREATE TABLE acks (started timestamptz, acked timestamptz, kind text)});
an(q{CREATE TABLE stop_writers (stop bool)});
an(qq{INSERT INTO m SELECT '2024-01-01'::timestamptz + i * interval '100 ms', i % 16, i, NULL
	 FROM generate_series(0, $rows - 1) i});
an(q{INSERT INTO expect SELECT * FROM m});
my $chunk = an(q{SELECT format('%I.%I', chunk_schema, chunk_name)
	FROM timescaledb_experimental.chunk_replication_status ORDER BY chunk_name LIMIT 1});
my $src = an(qq{SELECT replica_nodes[1] FROM timescaledb_experimental.chunk_replication_status
	WHERE format('%I.%I', chunk_schema, chunk_name) = '$chunk'});
my ($dst, $dst2) = grep { $_ ne $src } qw(dn1 dn2 dn3);

# A writer: until told to stop, one transaction at a time into the chunk --
# an insert of a new row, every third time also an update and a delete of an
# old one -- the same change made to expect in the same transaction; each
# acknowledged write recorded with its start and commit time.
an(q{CREATE PROCEDURE writer(first bigint, tag text) LANGUAGE plpgsql AS $$
DECLARE
	k bigint := first;
	t0 timestamptz;
	kind text;
	deadline timestamptz := clock_timestamp() + interval '240 s';
BEGIN
	WHILE NOT EXISTS (SELECT FROM stop_writers) AND clock_timestamp() < deadline LOOP
		t0 := clock_timestamp();
		kind := 'insert';
		INSERT INTO m VALUES ('2024-01-01 12:00'::timestamptz + k * interval '1 ms', k % 16, k, tag);
		INSERT INTO expect VALUES ('2024-01-01 12:00'::timestamptz + k * interval '1 ms', k % 16, k, tag);
		IF k % 3 = 0 THEN
			kind := 'update+delete';
			UPDATE m SET note = tag || k WHERE time = '2024-01-01'::timestamptz + (k % 100000) * interval '100 ms'
				AND v = k % 100000;
			UPDATE expect SET note = tag || k WHERE v = k % 100000;
			DELETE FROM m WHERE time = '2024-01-01'::timestamptz + (k % 100000 + 100000) * interval '100 ms'
				AND v = k % 100000 + 100000;
			DELETE FROM expect WHERE v = k % 100000 + 100000;
		END IF;
		COMMIT;
		INSERT INTO acks VALUES (t0, clock_timestamp(), kind);
		COMMIT;
		k := k + 1;
	END LOOP;
END
$$});

# Copy or move the chunk (PROC) while two writers run; returns the copy's
# duration after checking what writers saw meanwhile.
sub under_load
{
	my ($proc, $from, $to, $first) = @_;
	an(q{TRUNCATE acks, stop_writers});
	my @w = map { bg("CALL writer($first + $_ * 50000, 'w$_')") } (0, 1);
	ok(poll_until(q{SELECT count(*) > 20 FROM acks}), "$proc: the writers run");
	mark("$proc starts");
	my $t0 = an(q{SELECT extract(epoch FROM clock_timestamp())});
	an(qq{CALL timescaledb_experimental.$proc('$chunk', '$from', '$to')});
	my $t1 = an(q{SELECT extract(epoch FROM clock_timestamp())});
	mark("$proc done");
	ok(poll_until(qq{SELECT count(*) > 5 FROM acks WHERE acked > to_timestamp($t1)}),
		"$proc: the writers go on after it");
	an(q{INSERT INTO stop_writers VALUES (true)});
	for my $bg (@w)
	{
		my ($ok, undef, $err) = finish_bg($bg);
		ok($ok, "$proc: every write of a writer succeeded") or diag($err);
	}
	my $secs = $t1 - $t0;
	my $mid_sql = qq{FROM acks WHERE extract(epoch FROM acked) BETWEEN $t0 + ($t1 - $t0) / 4 AND $t1 - ($t1 - $t0) / 4};
	SKIP:
	{
		skip(sprintf("$proc took only %.2f s: too fast to tell a stall", $secs), 3) if $secs < 1;
		# the middle half of the copy is the bulk copy, which must not block writers
		my ($mid, $kinds) = split /\|/, an(qq{SELECT count(*), count(DISTINCT kind) $mid_sql});
		cmp_ok($mid, '>=', 5, "$proc: writes acknowledged during the middle half of the copy ($mid)");
		is($kinds, 2, "$proc: ... inserts as well as updates and deletes");
		cmp_ok(an(qq{SELECT max(extract(epoch FROM acked - started)) FROM acks
			WHERE extract(epoch FROM acked) BETWEEN $t0 AND $t1 + 1}), '<', $secs / 2,
			"$proc: the longest write waited less than half the copy's time");
	}
	my ($mid) = an(qq{SELECT count(*) $mid_sql});
	my $max_wait = an(qq{SELECT max(extract(epoch FROM acked - started)) FROM acks
		WHERE extract(epoch FROM acked) BETWEEN $t0 AND $t1 + 1});
	note(sprintf("$proc of a %d-row chunk under load: %.2f s; writes acknowledged meanwhile: %d in its middle half; "
		  . "longest write %.3f s (a write outside copies: %s s)", $rows, $secs, $mid, $max_wait,
		an(qq{SELECT round(avg(extract(epoch FROM acked - started))::numeric, 4) FROM acks
			  WHERE extract(epoch FROM acked) < $t0 OR extract(epoch FROM acked) > $t1 + 1})));
	return $secs;
}

mark('loaded');
# ---- copy under load ----------------------------------------------------------------------
under_load('copy_chunk', $src, $dst, 1000000);
is(an(qq{SELECT array_length(replica_nodes, 1) FROM timescaledb_experimental.chunk_replication_status
	WHERE format('%I.%I', chunk_schema, chunk_name) = '$chunk'}), '2', 'copy_chunk: two replicas');
is(chunk_sum($dst, $chunk), chunk_sum($src, $chunk), 'copy_chunk: the replicas are identical (count and checksum)');
same_as_expected('after copy_chunk');
cmp_ok(an(q{SELECT count(*) FROM m WHERE note LIKE 'w_%' AND v < 100000}), '>', 0,
	'... with the updates made during the copy');
no_capture_left('after copy_chunk');

mark('copied');
# ---- move under load (of the replica on src, to the third node) ----------------------------
under_load('move_chunk', $src, $dst2, 2025000);
is(an(qq{SELECT replica_nodes FROM timescaledb_experimental.chunk_replication_status
	WHERE format('%I.%I', chunk_schema, chunk_name) = '$chunk'}), '{' . join(',', sort($dst, $dst2)) . '}',
	"move_chunk: the chunk is on $dst and $dst2");
is(chunk_sum($dst2, $chunk), chunk_sum($dst, $chunk), 'move_chunk: the replicas are identical (count and checksum)');
is($c->safe_psql($src, qq{SELECT to_regclass('$chunk') IS NULL}), 't', "move_chunk: the table is gone from $src");
same_as_expected('after move_chunk');
no_capture_left('after move_chunk');

mark('moved');
# ---- writes while a copy is held between sync and the switch, one of them another role's ----
an(q{CREATE ROLE writer LOGIN});
an(q{CALL distributed_exec('CREATE ROLE writer LOGIN')});
an(q{GRANT SELECT, INSERT, UPDATE, DELETE ON m, expect TO writer});
my $holder = $c->session('an');
$holder->query_safe("SELECT pg_advisory_lock($fault_lock)");
my $bg = bg(q{SET multinode.debug_chunk_copy_fault = 'sync:wait'},
	qq{CALL timescaledb_experimental.copy_chunk('$chunk', '$dst', '$src', operation_id => 'held')});
ok(poll_until("SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND objid = $fault_lock AND NOT granted"),
	'a copy waits after its bulk copy, before committing it');
my $as_writer = q{BEGIN;
	INSERT INTO m VALUES ('2024-01-01 13:00', 1, 90000001, 'role'), ('2024-01-01 13:00', 1, 90000002, 'role');
	INSERT INTO expect VALUES ('2024-01-01 13:00', 1, 90000001, 'role'), ('2024-01-01 13:00', 1, 90000002, 'role');
	UPDATE m SET note = 'by writer' WHERE time = '2024-01-01 00:00:10' AND v = 100;
	UPDATE expect SET note = 'by writer' WHERE v = 100;
	DELETE FROM m WHERE time = '2024-01-01 00:00:20' AND v = 200;
	DELETE FROM expect WHERE v = 200;
	COMMIT;};
my ($rc, undef, $err) = $c->psql('an', $as_writer, user => 'writer');
is($rc, 0, 'another role writes into the chunk while the copy waits') or diag($err);
is($c->safe_psql($dst, qq{SELECT count(*) FROM _timescaledb_catalog.chunk_copy_change}), '5',
	'... its inserts, update and delete are captured on the source, as rows that came and went');
$holder->query_safe("SELECT pg_advisory_unlock($fault_lock)");
my ($ok) = finish_bg($bg);
ok($ok, 'the copy then completes');
is(chunk_sum($src, $chunk), chunk_sum($dst, $chunk), '... its replica has the writes made meanwhile');
is($c->safe_psql($src, qq{SELECT note FROM $chunk WHERE v = 100}), 'by writer', '... the update included');
is($c->safe_psql($src, qq{SELECT count(*) FROM $chunk WHERE v IN (200, 90000001, 90000002)}), '2',
	'... the delete and the inserts too');
same_as_expected('after the held copy');
no_capture_left('after the held copy');

mark('held');
# ---- failures at the new stages --------------------------------------------------------------
# the chunk now has replicas on all three nodes; work on a fresh one with one replica
an(q{INSERT INTO m SELECT '2024-01-05'::timestamptz + i * interval '1 s', i % 16, 5000000 + i, NULL
	 FROM generate_series(0, 9999) i});
an(q{INSERT INTO expect SELECT * FROM m WHERE time >= '2024-01-05'});
my $c2 = an(q{SELECT format('%I.%I', chunk_schema, chunk_name) FROM timescaledb_experimental.chunk_replication_status
	ORDER BY chunk_name DESC LIMIT 1});
my $c2_src = an(qq{SELECT replica_nodes[1] FROM timescaledb_experimental.chunk_replication_status
	WHERE format('%I.%I', chunk_schema, chunk_name) = '$c2'});
my $c2_dst = (grep { $_ ne $c2_src } qw(dn1 dn2 dn3))[0];
my $c2_before = chunk_sum($c2_src, $c2);

# an error right after sync_start: its transaction (the trigger) rolls back
$bg = bg(q{SET multinode.debug_chunk_copy_fault = 'sync_start'},
	qq{CALL timescaledb_experimental.move_chunk('$c2', '$c2_src', '$c2_dst', operation_id => 'fail_start')});
($ok, undef, $err) = finish_bg($bg);
ok(!$ok && $err =~ /fault injected after stage "sync_start"/, 'a fault at sync_start fails the move');
is(an(q{SELECT completed_stage FROM _timescaledb_catalog.chunk_copy_operation WHERE operation_id = 'fail_start'}),
	'create_empty_chunk', '... the log stays at create_empty_chunk');
no_capture_left('after the sync_start fault');
an(q{CALL timescaledb_experimental.cleanup_copy_chunk_operation('fail_start')});
is($c->safe_psql($c2_dst, qq{SELECT to_regclass('$c2') IS NULL}), 't', 'cleanup drops the empty destination table');

# an error in catch_up (the capture committed): cleanup drops it
$bg = bg(q{SET multinode.debug_chunk_copy_fault = 'catch_up'},
	qq{CALL timescaledb_experimental.copy_chunk('$c2', '$c2_src', '$c2_dst', operation_id => 'fail_catch_up')});
($ok, undef, $err) = finish_bg($bg);
ok(!$ok && $err =~ /fault injected after stage "catch_up"/, 'a fault at catch_up fails the copy');
is($c->safe_psql($c2_src, q{SELECT count(*) FROM pg_trigger WHERE tgname = '_multinode_chunk_copy_capture'}), '1',
	'... leaving the capture trigger of sync_start on the source');
an(q{CALL timescaledb_experimental.cleanup_copy_chunk_operation('fail_catch_up')});
no_capture_left('after cleanup of the catch_up fault');
is($c->safe_psql($c2_dst, qq{SELECT to_regclass('$c2') IS NULL}), 't', '... and the destination table');

mark('fault 1');
# the access node killed during sync (the capture running): the repair job undoes it
$holder = $c->session('an');
$holder->query_safe("SELECT pg_advisory_lock($fault_lock)");
$bg = bg(q{SET multinode.debug_chunk_copy_fault = 'sync:wait'},
	qq{CALL timescaledb_experimental.move_chunk('$c2', '$c2_src', '$c2_dst', operation_id => 'an_killed_sync')});
ok(poll_until("SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND objid = $fault_lock AND NOT granted"),
	'a move waits in sync');
an(q{BEGIN; INSERT INTO m VALUES ('2024-01-05 10:00', 3, 6000000, 'during'); INSERT INTO expect VALUES ('2024-01-05 10:00', 3, 6000000, 'during'); COMMIT;});
is($c->safe_psql($c2_src, q{SELECT count(*) FROM _timescaledb_catalog.chunk_copy_change}), '1',
	'an insert meanwhile is captured on the source');
$c->kill_node('an');
finish_bg($bg);
eval { $holder->quit };
$c->start_node('an');
is(an(q{SELECT completed_stage FROM _timescaledb_catalog.chunk_copy_operation WHERE operation_id = 'an_killed_sync'}),
	'sync_start', 'after the restart the log shows the move at sync_start');
an(q{CALL _timescaledb_internal.policy_chunk_repair(5, '{}')});
is(an(q{SELECT count(*) FROM _timescaledb_catalog.chunk_copy_operation WHERE operation_id = 'an_killed_sync'}),
	'0', "the repair job's run undoes it");
no_capture_left('after the access node crash in sync');
is($c->safe_psql($c2_dst, qq{SELECT to_regclass('$c2') IS NULL}), 't', '... no table on the destination');
is(an(qq{SELECT replica_nodes FROM timescaledb_experimental.chunk_replication_status
	WHERE format('%I.%I', chunk_schema, chunk_name) = '$c2'}), "{$c2_src}", "... the chunk still on $c2_src");

mark('fault 2');
# the source killed in the switch (attach_chunk): undone, then done again
$holder = $c->session('an');
$holder->query_safe("SELECT pg_advisory_lock($fault_lock)");
$bg = bg(q{SET multinode.debug_chunk_copy_fault = 'attach_chunk:wait'},
	qq{CALL timescaledb_experimental.move_chunk('$c2', '$c2_src', '$c2_dst', operation_id => 'src_killed_attach')});
ok(poll_until("SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND objid = $fault_lock AND NOT granted"),
	'a move waits in attach_chunk');
$c->kill_node($c2_src);
$holder->query_safe("SELECT pg_advisory_unlock($fault_lock)");
$holder->quit;
($ok) = finish_bg($bg);
ok(!$ok, "the move fails when $c2_src dies before the switch commits");
$c->start_node($c2_src);
is(an(q{SELECT completed_stage FROM _timescaledb_catalog.chunk_copy_operation WHERE operation_id = 'src_killed_attach'}),
	'catch_up', '... the log shows catch_up');
an(q{CALL timescaledb_experimental.cleanup_copy_chunk_operation('src_killed_attach')});
no_capture_left('after the source died in attach_chunk');
is($c->safe_psql($c2_dst, qq{SELECT to_regclass('$c2') IS NULL}), 't', '... no table on the destination');
same_as_expected('after the failures');
an(qq{CALL timescaledb_experimental.move_chunk('$c2', '$c2_src', '$c2_dst')});
is(chunk_sum($c2_dst, $c2), an(qq{SELECT count(*), sum(hashtext(t::text)) FROM $c2 t}), 'the move then succeeds');
same_as_expected('at the end');
no_capture_left('at the end');

# no orphans: every chunk table on a data node is a replica the access node knows
$c->check_no_orphan_chunks;

mark('end');
done_testing();
