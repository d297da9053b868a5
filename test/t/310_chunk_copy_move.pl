# copy_chunk and move_chunk on a real cluster (an access node, three data
# nodes): online, with inserts into the chunk running meanwhile, every row
# present exactly once and the replicas identical afterwards; and the
# failures: an error in a stage, a data node killed mid-copy and mid-move, the access node
# killed mid-move before and after the switch.  After a restart, cleanup (or
# the repair job's next run) finishes or undoes the operation, nothing is
# lost and no node keeps an orphan table.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster qw(timed);
use Test::More;
use Time::HiRes ();

my $c = MultinodeCluster->new('chunkcopy', nodes => 3,
	settings => [ 'restart_after_crash=on' ]);
my $fault_lock = 4243;

sub an { return $c->safe_psql('an', $_[0]); }

# background psql on the access node, each statement its own -c
sub bg { return $c->background('an', [@_]); }
sub finish_bg { return $c->finish_background($_[0]); }
sub poll_until { return $c->poll_until(@_); }

# count and checksum of a chunk's table on a node
sub chunk_sum
{
	my ($node, $chunk) = @_;
	return $c->safe_psql($node, "SELECT count(*), sum(hashtext(t::text)) FROM $chunk t");
}

sub table_exists
{
	my ($node, $chunk) = @_;
	return $c->safe_psql($node, "SELECT to_regclass('$chunk') IS NOT NULL");
}

# the repair job would clean up on its own; the test calls it when it wants
an(q{SELECT alter_job(5, scheduled => false)});
an(q{CREATE TABLE m (time timestamptz NOT NULL, dev int, v bigint)});
an(q{SELECT create_distributed_hypertable('m', 'time', 'dev', number_partitions => 2,
	chunk_time_interval => interval '1 day', data_nodes => '{dn1,dn2}')});
# two chunks per day, one on dn1 and one on dn2; 4 days
an(q{INSERT INTO m SELECT '2024-01-01'::timestamptz + i * interval '4 second', i % 16, i
	 FROM generate_series(0, 79999) i});
my $next_v = 80000;

# Inserts, one transaction each, into the first day (both of its chunks),
# each row a new v: afterwards every v must be there exactly once.
sub insert_loop
{
	my ($n) = @_;
	my @sql;
	for my $k (1 .. $n)
	{
		my $v0 = $next_v;
		$next_v += 8;
		push @sql, "INSERT INTO m SELECT '2024-01-01 12:00'::timestamptz + i * interval '1 ms', i % 16, i
			FROM generate_series($v0, $v0 + 7) i";
		push @sql, 'SELECT pg_sleep(0.005)';
	}
	return bg(@sql);
}

sub all_rows_once
{
	my ($what) = @_;
	is(an(q{SELECT count(*), count(DISTINCT v), min(v), max(v) FROM m}),
		"$next_v|$next_v|0|" . ($next_v - 1), "$what: every row there exactly once");
}

my %chunk_on;
for my $n (qw(dn1 dn2))
{
	$chunk_on{$n} = an(qq{SELECT format('%I.%I', chunk_schema, chunk_name)
		FROM timescaledb_experimental.chunk_replication_status
		WHERE replica_nodes = '{$n}' ORDER BY chunk_name LIMIT 1});
}
my $c1 = $chunk_on{dn1};
my $c2 = $chunk_on{dn2};
is(an(qq{SELECT num_replicas, desired_num_replicas, replica_nodes, non_replica_nodes
	 FROM timescaledb_experimental.chunk_replication_status
	 WHERE format('%I.%I', chunk_schema, chunk_name) = '$c1'}),
	'1|1|{dn1}|{dn2}', 'chunk_replication_status: one replica of one wanted, on dn1');

# ---- copy with concurrent inserts -------------------------------------------------------
an(q{SELECT attach_data_node('dn3', 'm')});
my $c1_rows = (split /\|/, chunk_sum('dn1', $c1))[0];
my $loop = insert_loop(150);
my ($secs) = timed(sub {
	an(qq{CALL timescaledb_experimental.copy_chunk('$c1', 'dn1', 'dn3')});
});
my ($ok, undef, $err) = finish_bg($loop);
ok($ok, 'inserts during copy_chunk all succeed') or diag($err);
note(sprintf("copy_chunk of a $c1_rows-row chunk with inserts running: %.2f s", $secs));
is(an(qq{SELECT replica_nodes FROM timescaledb_experimental.chunk_replication_status
	 WHERE format('%I.%I', chunk_schema, chunk_name) = '$c1'}), '{dn1,dn3}',
	'copy_chunk: the chunk has replicas on dn1 and dn3');
is(chunk_sum('dn3', $c1), chunk_sum('dn1', $c1), 'copy_chunk: count and checksum equal on source and destination');
cmp_ok((split /\|/, chunk_sum('dn3', $c1))[0], '>', $c1_rows, '... and include rows inserted during the copy');
all_rows_once('after copy_chunk');
# writes after the copy reach both replicas
an(qq{INSERT INTO m VALUES ('2024-01-01 13:00', 0, $next_v), ('2024-01-01 13:00', 1, $next_v + 1),
	('2024-01-01 13:00', 2, $next_v + 2), ('2024-01-01 13:00', 3, $next_v + 3)});
$next_v += 4;
is(chunk_sum('dn3', $c1), chunk_sum('dn1', $c1), 'inserts after the copy reach both replicas');
is(an(q{SELECT completed_stage, is_move, running FROM timescaledb_information.chunk_moves}),
	'complete|f|f', 'chunk_moves shows the copy, complete');

# ---- move with concurrent inserts -------------------------------------------------------
$loop = insert_loop(150);
($secs) = timed(sub {
	an(qq{CALL timescaledb_experimental.move_chunk('$c2', 'dn2', 'dn3', operation_id => 'move_one')});
});
($ok, undef, $err) = finish_bg($loop);
ok($ok, 'inserts during move_chunk all succeed') or diag($err);
note(sprintf('move_chunk of a 10000-row chunk with inserts running: %.2f s', $secs));
is(an(qq{SELECT replica_nodes FROM timescaledb_experimental.chunk_replication_status
	 WHERE format('%I.%I', chunk_schema, chunk_name) = '$c2'}), '{dn3}', 'move_chunk: the chunk is on dn3 only');
is(table_exists('dn2', $c2), 'f', '... its table is gone from dn2');
is(an(qq{SELECT srvname FROM pg_foreign_table ft JOIN pg_foreign_server s ON s.oid = ft.ftserver
	 WHERE ft.ftrelid = '$c2'::regclass}), 'dn3', '... and its foreign table now names dn3');
is(an(qq{SELECT count(*), sum(hashtext(t::text)) FROM $c2 t}), chunk_sum('dn3', $c2),
	'... what the access node reads of it is what dn3 has');
all_rows_once('after move_chunk');
is(an(q{SELECT completed_stage FROM _timescaledb_catalog.chunk_copy_operation WHERE operation_id = 'move_one'}),
	'complete', 'the log has the move, complete');

# ---- checks -------------------------------------------------------------------------------
like($c->psql_fails('an', qq{BEGIN; CALL timescaledb_experimental.move_chunk('$c1', 'dn1', 'dn2'); COMMIT;},
		'move_chunk inside a transaction block fails'),
	qr/move_chunk cannot run inside a transaction block/, '... saying so');
like($c->psql_fails('an', qq{CALL timescaledb_experimental.move_chunk('$c1', 'dn1', 'dn3')},
		'move_chunk to a node that has the chunk fails'),
	qr/chunk "[^"]+" already exists on destination data node "dn3"/, '... saying so');

# ---- an error in a stage: nothing left behind after cleanup -------------------------------
my $c3 = an(q{SELECT format('%I.%I', chunk_schema, chunk_name)
	FROM timescaledb_experimental.chunk_replication_status
	WHERE replica_nodes = '{dn1}' ORDER BY chunk_name DESC LIMIT 1});
my $before = chunk_sum('dn1', $c3);
my $bg = bg(q{SET multinode.debug_chunk_copy_fault = 'create_empty_chunk'},
	qq{CALL timescaledb_experimental.move_chunk('$c3', 'dn1', 'dn2', operation_id => 'fails')});
($ok, undef, $err) = finish_bg($bg);
ok(!$ok && $err =~ /chunk copy fault injected after stage "create_empty_chunk"/, 'a failing stage fails the move');
is(an(q{SELECT completed_stage FROM _timescaledb_catalog.chunk_copy_operation WHERE operation_id = 'fails'}),
	'init', '... and the log stays at the last committed stage');
like($c->psql_fails('an', qq{CALL timescaledb_experimental.copy_chunk('$c3', 'dn1', 'dn3')},
		'another operation on that chunk is refused until cleanup'),
	qr/unfinished copy or move operation/, '... saying so');
an(q{CALL timescaledb_experimental.cleanup_copy_chunk_operation('fails')});
is(an(q{SELECT count(*) FROM _timescaledb_catalog.chunk_copy_operation WHERE operation_id = 'fails'}),
	'0', 'cleanup forgets it');
is(table_exists('dn2', $c3), 'f', '... no table on the destination');
is(chunk_sum('dn1', $c3), $before, '... the source untouched');

# ---- a data node killed mid-copy (the destination) and mid-move (the source) -----------------
# PROC ('copy_chunk' or 'move_chunk') of $c3 from dn1 to dn2 waits after
# copying the rows, before its commit; KILL dies meanwhile; after its
# restart, cleanup undoes the operation.
sub kill_data_node_mid
{
	my ($proc, $kill, $op) = @_;
	my $holder = $c->session('an');
	$holder->query_safe("SELECT pg_advisory_lock($fault_lock)");
	my $bg = bg(q{SET multinode.debug_chunk_copy_fault = 'sync:wait'},
		qq{CALL timescaledb_experimental.$proc('$c3', 'dn1', 'dn2', operation_id => '$op')});
	ok(poll_until('an', "SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND objid = $fault_lock AND NOT granted"),
		"$proc waits after copying the rows, before committing");
	$c->kill_node($kill);
	$holder->query_safe("SELECT pg_advisory_unlock($fault_lock)");
	$holder->quit;
	my ($ok) = finish_bg($bg);
	ok(!$ok, "$proc fails when $kill dies before the commit");
	$c->start_node($kill);
	is(an(qq{SELECT completed_stage FROM _timescaledb_catalog.chunk_copy_operation WHERE operation_id = '$op'}),
		'sync_start', '... the log says the capture was started');
	is(table_exists('dn2', $c3), 't', '... and it is there on dn2');
	an(qq{CALL timescaledb_experimental.cleanup_copy_chunk_operation('$op')});
	is(table_exists('dn2', $c3), 'f', 'cleanup drops it');
	is($c->safe_psql('dn2', qq{SELECT count(*) FROM _timescaledb_catalog.chunk
		WHERE format('%I.%I', schema_name, table_name) = '$c3'}), '0', '... and its catalog row on dn2');
	is(an(qq{SELECT replica_nodes FROM timescaledb_experimental.chunk_replication_status
		 WHERE format('%I.%I', chunk_schema, chunk_name) = '$c3'}), '{dn1}', '... the chunk still on dn1 only');
	is(chunk_sum('dn1', $c3), $before, '... with all its rows');
}
kill_data_node_mid('copy_chunk', 'dn2', 'dn_killed_copy');
kill_data_node_mid('move_chunk', 'dn1', 'dn_killed_move');

# Move $c3 from dn1 to dn2, wait at the end of STAGE, kill the access node
# there and start it again.
sub kill_access_node_at
{
	my ($stage, $op, $what) = @_;
	my $h = $c->session('an');
	$h->query_safe("SELECT pg_advisory_lock($fault_lock)");
	my $move = bg(qq{SET multinode.debug_chunk_copy_fault = '$stage:wait'},
		qq{CALL timescaledb_experimental.move_chunk('$c3', 'dn1', 'dn2', operation_id => '$op')});
	ok(poll_until('an', "SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND objid = $fault_lock AND NOT granted"),
		$what);
	$c->kill_node('an');
	finish_bg($move);
	eval { $h->quit };
	$c->start_node('an');
}

# ---- the access node killed mid-move, before the switch: undone ----------------------------
kill_access_node_at('attach_chunk', 'an_killed_1', 'the move waits before committing its switch');
is(an(q{SELECT completed_stage, running FROM timescaledb_information.chunk_moves WHERE operation_id = 'an_killed_1'}),
	'catch_up|f', 'after the restart the log shows the move at catch_up (rows copied, not switched), not running');
is(table_exists('dn2', $c3), 't', '... the destination has its copy');
# the repair job's next run cleans up operations whose backend is gone
an(q{CALL _timescaledb_internal.policy_chunk_repair(5, '{}')});
is(an(q{SELECT count(*) FROM _timescaledb_catalog.chunk_copy_operation WHERE operation_id = 'an_killed_1'}),
	'0', "the repair job's run undoes it");
is(table_exists('dn2', $c3), 'f', '... no table left on the destination');
is(an(qq{SELECT replica_nodes FROM timescaledb_experimental.chunk_replication_status
	 WHERE format('%I.%I', chunk_schema, chunk_name) = '$c3'}), '{dn1}', '... the chunk on dn1');
is(chunk_sum('dn1', $c3), $before, '... with all its rows');

# ---- the access node killed mid-move, after the switch: finished ---------------------------
kill_access_node_at('delete_chunk', 'an_killed_2', 'the move waits while dropping the source');
is(an(q{SELECT completed_stage FROM _timescaledb_catalog.chunk_copy_operation WHERE operation_id = 'an_killed_2'}),
	'attach_chunk', 'after the restart the log shows the switch committed');
is(an(qq{SELECT replica_nodes FROM timescaledb_experimental.chunk_replication_status
	 WHERE format('%I.%I', chunk_schema, chunk_name) = '$c3'}), '{dn2}', '... the chunk served by dn2');
an(q{CALL timescaledb_experimental.cleanup_copy_chunk_operation('an_killed_2')});
is(table_exists('dn1', $c3), 'f', 'cleanup finishes the move: the source table is dropped');
is(chunk_sum('dn2', $c3), $before, '... and dn2 has every row');
is(an(q{SELECT count(*) FROM _timescaledb_catalog.chunk_copy_operation WHERE operation_id = 'an_killed_2'}),
	'0', '... and the log row is gone');
all_rows_once('after the failures');

# no orphans: every chunk table on a data node is a replica the access node knows
$c->check_no_orphan_chunks;

done_testing();
