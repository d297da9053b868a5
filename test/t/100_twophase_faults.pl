# Two-phase commit under failure: for every fault point of the protocol and
# each of "a data node is killed", "a data node becomes unreachable" (its
# connection from the access node is cut) and "the access node is killed",
# a transaction writing to both data nodes stops at that point, the damage is
# done, what was killed is restarted and healing runs.  Then: the row is on
# both nodes or on none, nothing is prepared anywhere, the decision log is
# empty, and the client saw an error exactly when the transaction did not
# commit (a client whose access node died sees a lost connection either way).
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use Test::More;
use TwoPhaseCluster;

my ($an, $dn1, $dn2) = make_cluster('twophase_faults', pause_job => 1);

my @points = qw(before_prepare after_prepare_some after_prepare after_decision
  after_commit between_commit_prepared);
# where the access node has decided to commit
my %decided = map { $_ => 1 } qw(after_commit between_commit_prepared);
# where every written node has prepared (a node lost from here on cannot stop
# the commit: its prepared transaction survives and healing commits it)
my %all_prepared = map { $_ => 1 } qw(after_prepare after_decision after_commit
  between_commit_prepared);

my $id = 0;
for my $kind (qw(dn_killed dn_unreachable an_killed))
{
	for my $point (@points)
	{
		$id++;
		my $name = "$kind at $point";
		my $holder = hold_faults($an);
		my @sql = ("SET multinode.debug_fault = '$point:wait'",
			"CALL distributed_exec('INSERT INTO t VALUES ($id)')");
		# the immediate heal: the same backend, its next use of dn2
		push @sql, 'RESET multinode.debug_fault', q{CALL distributed_exec('SELECT 1')}
		  if $kind eq 'dn_unreachable';
		my $client = start_client($an, @sql);
		wait_for_fault($an);

		if ($kind eq 'dn_killed')
		{
			$dn2->kill;
		}
		elsif ($kind eq 'dn_unreachable')
		{
			$dn2->safe_psql(
				"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'multinode'"
			);
		}
		else
		{
			$an->kill;
		}
		release_faults($holder, $kind ne 'an_killed');
		my ($ok, $out, $err) = finish_client($client);
		$dn2->start if $kind eq 'dn_killed';
		$an->start if $kind eq 'an_killed';

		my $committed = $kind eq 'an_killed' ? $decided{$point} : $all_prepared{$point};
		$committed = $committed ? 1 : 0;
		if ($kind eq 'an_killed')
		{
			ok(!$ok, "$name: the client lost its connection");
		}
		else
		{
			is($ok ? 1 : 0, $committed, "$name: the client saw an error exactly when not committed")
			  or diag($err);
		}
		if ($kind eq 'an_killed')
		{
			# proves the point was where it says: what the crash left prepared
			my %left = (before_prepare => 0, after_prepare_some => 1, after_prepare => 2,
				after_decision => 2, after_commit => 2, between_commit_prepared => 1);
			is(prepared_on($dn1) + prepared_on($dn2), $left{$point},
				"$name: the crash left $left{$point} prepared");
		}
		if ($kind eq 'dn_unreachable' && $committed)
		{
			is(prepared_on($dn2), 0, "$name: the backend finished dn2 at its next connection");
		}

		heal_all($an);
		is(rows_on($dn1, $id) . rows_on($dn2, $id), "$committed$committed",
			"$name: " . ($committed ? 'committed on both nodes' : 'on neither node'));
		is(prepared_on($dn1) + prepared_on($dn2), 0, "$name: nothing prepared on the nodes");
		is(log_rows($an), 0, "$name: no decision rows left");
	}
}

# Healing leaves alone what is in progress: a transaction stopped between its
# decision rows and its local commit is "wait" in the view and untouched by
# healing, and commits when let go.
{
	$id++;
	my $holder = hold_faults($an);
	my $client = start_client($an, "SET multinode.debug_fault = 'after_decision:wait'",
		"CALL distributed_exec('INSERT INTO t VALUES ($id)')");
	wait_for_fault($an);
	is( $an->safe_psql(
			'SELECT string_agg(node_name || \':\' || action, \',\' ORDER BY node_name) FROM timescaledb_information.in_doubt_transactions'
		),
		'dn1:wait,dn2:wait',
		'in progress: the view says wait');
	is(heal_all($an), 0, 'in progress: healing resolves nothing');
	is(prepared_on($dn1) + prepared_on($dn2), 2, 'in progress: both still prepared');
	release_faults($holder, 1);
	my ($ok, $out, $err) = finish_client($client);
	ok($ok, 'in progress: the transaction then commits') or diag($err);
	is(rows_on($dn1, $id) . rows_on($dn2, $id), '11', 'in progress: committed on both nodes');
	is(prepared_on($dn1) + prepared_on($dn2), 0, 'in progress: nothing left prepared');
}

# Healing races the committing backend: between its two COMMIT PREPAREDs a
# healer commits the second node; the backend then finds it done (no warning).
{
	$id++;
	my $holder = hold_faults($an);
	my $client = start_client($an, "SET multinode.debug_fault = 'between_commit_prepared:wait'",
		"CALL distributed_exec('INSERT INTO t VALUES ($id)')");
	wait_for_fault($an);
	is(heal_all($an), 1, 'race: healing commits the second node');
	release_faults($holder, 1);
	my ($ok, $out, $err) = finish_client($client);
	ok($ok, 'race: the client saw success');
	unlike($err, qr/WARNING/, 'race: and no warning');
	is(rows_on($dn1, $id) . rows_on($dn2, $id), '11', 'race: committed on both nodes');
	heal_all($an);
	is(log_rows($an), 0, 'race: no decision rows left');
}

# Healers run concurrently with each other: they take turns per node, and
# between them resolve every transaction exactly once, without errors.
{
	my @ids = map { ++$id } 1 .. 5;
	for my $i (@ids)
	{
		$an->safe_psql(
			"SET multinode.debug_fault = 'after_commit:skip'; CALL distributed_exec('INSERT INTO t VALUES ($i)')"
		);
	}
	is(prepared_on($dn1) + prepared_on($dn2), 10, 'concurrent healers: 10 prepared transactions left');
	my @healers = map {
		start_client($an, 'SELECT _timescaledb_internal.heal_all_data_nodes()')
	} 1 .. 3;
	my $resolved = 0;
	for my $h (@healers)
	{
		my ($ok, $out, $err) = finish_client($h);
		ok($ok && $err eq '', 'concurrent healers: a healer succeeded without warnings') or diag($err);
		$resolved += $1 if $out =~ /(\d+)/;
	}
	is($resolved, 10, 'concurrent healers: every transaction resolved exactly once');
	is(prepared_on($dn1) + prepared_on($dn2), 0, 'concurrent healers: nothing prepared');
	is(join(',', map { rows_on($dn1, $_) . rows_on($dn2, $_) } @ids), '11,11,11,11,11',
		'concurrent healers: all committed on both nodes');
	is(log_rows($an), 0, 'concurrent healers: no decision rows left');
}

# The access node crashes at each point by itself (fault action "panic").
for my $point (qw(after_prepare after_commit))
{
	$id++;
	my ($ret, $out, $err) = $an->psql(
		"SET multinode.debug_fault = '$point:panic'; CALL distributed_exec('INSERT INTO t VALUES ($id)')");
	isnt($ret, 0, "panic at $point: the client lost its connection");
	$an->poll_query_until('SELECT true') or die 'the access node did not come back';
	heal_all($an);
	my $committed = $point eq 'after_commit' ? 1 : 0;
	is(rows_on($dn1, $id) . rows_on($dn2, $id), "$committed$committed",
		"panic at $point: " . ($committed ? 'committed' : 'rolled back') . ' on both nodes');
	is(prepared_on($dn1) + prepared_on($dn2), 0, "panic at $point: nothing prepared");
	is(log_rows($an), 0, "panic at $point: no decision rows left");
}

# Every id at most once anywhere.
is($dn1->safe_psql('SELECT count(*) FROM (SELECT id FROM t GROUP BY id HAVING count(*) > 1) d'),
	0, 'no duplicates on dn1');
is($dn2->safe_psql('SELECT count(*) FROM (SELECT id FROM t GROUP BY id HAVING count(*) > 1) d'),
	0, 'no duplicates on dn2');

done_testing();
