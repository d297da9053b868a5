
# The two-phase commit decision is durable before COMMIT PREPARED goes out,
# also with synchronous_commit = off on the access node.  The WAL writer of
# the access node is stopped (SIGSTOP) while the transaction commits, so that
# nothing but the commit itself can flush its commit record; then the access
# node crashes, either at the fault point between the two COMMIT PREPAREDs
# (one node committed, the other still prepared) or right after the client
# saw the commit succeed.  After restart and healing the transaction must be
# committed everywhere: rows on both nodes, the new chunk in the access
# node's catalog.  Without the forced flush the decision was lost with the
# WAL buffers and healing rolled back what was still prepared.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use Test::More;
use TwoPhaseCluster;

my ($an, $dn1, $dn2) = make_cluster('twophase_async_commit', pause_job => 1);

$an->safe_psql(q{ALTER SYSTEM SET synchronous_commit = off});
$an->safe_psql(q{ALTER SYSTEM SET wal_writer_delay = '10s'});
$an->safe_psql(q{SELECT pg_reload_conf()});
is($an->safe_psql('SHOW synchronous_commit'), 'off', 'the access node commits asynchronously');

$an->safe_psql(
	q{CREATE TABLE m (time timestamptz NOT NULL, device int NOT NULL, v int);
SELECT create_distributed_hypertable('m', 'time', 'device', replication_factor => 2);});

# Stops the access node's WAL writer until the crash kills it.
sub stop_wal_writer
{
	my $pid = $an->safe_psql(q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'walwriter'});
	die "no wal writer" unless $pid =~ /^\d+$/;
	kill('STOP', $pid) or die "cannot stop the wal writer $pid: $!";
	return $pid;
}

sub wait_restarted
{
	$an->poll_query_until('SELECT true') or die 'the access node did not come back';
}

# 1. A crash between the COMMIT PREPAREDs (fault action "panic").
{
	heal_all($an);
	is(log_rows($an), 0, 'the decision log starts empty');
	stop_wal_writer();
	my ($ret) = $an->psql(
		q{SET multinode.debug_fault = 'between_commit_prepared:panic';
CALL distributed_exec('INSERT INTO t VALUES (1)')});
	isnt($ret, 0, 'panic between COMMIT PREPAREDs: the client lost its connection');
	wait_restarted();
	is($dn1->safe_psql('SELECT count(*) FROM pg_prepared_xacts')
		  + $dn2->safe_psql('SELECT count(*) FROM pg_prepared_xacts'),
		1, 'panic between COMMIT PREPAREDs: one node committed, one still prepared');
	is(log_rows($an), 2, 'panic between COMMIT PREPAREDs: the decision rows survived the crash');
	heal_all($an);
	is(rows_on($dn1, 1) . rows_on($dn2, 1), '11', 'panic between COMMIT PREPAREDs: committed on both nodes');
	is(prepared_on($dn1) + prepared_on($dn2), 0, 'panic between COMMIT PREPAREDs: nothing left prepared');
}

# 2. A distributed insert that creates a chunk, its commit returned, then an
#    immediate stop of the access node.
{
	my $pid = stop_wal_writer();
	my ($ret, $out, $err) = $an->psql(
		q{INSERT INTO m VALUES ('2026-01-01 00:00+00', 1, 10), ('2026-01-01 01:00+00', 2, 20)});
	is($ret, 0, 'insert after the crash test: the commit returned') or diag($err);
	$an->kill;
	kill('KILL', $pid);
	$an->start;
	heal_all($an);
	is($an->safe_psql('SELECT count(*) FROM m'), '2', 'insert then crash: the rows are seen through the access node');
	is($dn1->safe_psql('SELECT count(*) FROM m') . $dn2->safe_psql('SELECT count(*) FROM m'),
		'22', 'insert then crash: both replicas hold both rows');
	is(prepared_on($dn1) + prepared_on($dn2), 0, 'insert then crash: nothing left prepared');
}

done_testing();
