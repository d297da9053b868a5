# Two-phase commit under sustained load: several clients run small
# distributed transactions (one row on each data node) through the access
# node for a bounded time while one data node is restarted twice (once
# killed, once shut down fast) and a healer runs now and then.  The clients
# record which of their ids reported success.  Afterwards the built-in
# healing job is made due and cleans up by itself; then every success is on
# both nodes exactly once, no failure is anywhere, nothing is prepared, and
# the decision log is empty.
#
# pgbench aborts a client at its first error that is not a serialization
# failure, so the clients here are psql sessions driven from this script.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use IPC::Run;
use POSIX ();
use Test::More;
use Time::HiRes qw(time);
use TwoPhaseCluster;

my $clients = 6;
my $duration = 20;                 # seconds of load
my @restarts = (5, 12);            # when dn2 goes down (seconds into the load)
my $heal_every = 3;

my ($an, $dn1, $dn2) = make_cluster('twophase_load');

# One psql session per client; a transaction is a CALL followed by a marker
# echoed once psql is done with it.  Errors and warnings land in the same
# stream, before the marker.
my @c;
for my $n (1 .. $clients)
{
	my ($in, $out) = ('', '');
	my $h = IPC::Run::start($an->cluster->_psql_cmd('an', stop => 0, flags => []),
		'<', \$in, '>&', \$out, IPC::Run::timeout(300));
	push @c, { n => $n, h => $h, in => \$in, out => \$out, seq => 0, id => undef };
}

my (%ok, %failed);
my $warnings = 0;

sub send_next
{
	my ($cl) = @_;
	$cl->{seq}++;
	$cl->{id} = $cl->{n} * 1_000_000 + $cl->{seq};
	${ $cl->{in} } .= "CALL distributed_exec('INSERT INTO t VALUES ($cl->{id})');\n\\echo \@\@$cl->{id}\n";
}

# Collect a finished transaction, if any; returns whether the client is idle.
sub collect
{
	my ($cl) = @_;
	return 1 unless defined $cl->{id};
	$cl->{h}->pump_nb;
	my $id = $cl->{id};
	return 0 unless ${ $cl->{out} } =~ s/\A(.*?)\@\@$id\n//s;
	my $text = $1;
	if ($text =~ /ERROR/) { $failed{$id} = 1; }
	else { $ok{$id} = 1; }
	$warnings++ if $text =~ /WARNING/;
	$cl->{id} = undef;
	return 1;
}

my $healer = $an->session;
my $start = time;
my $next_heal = $start + $heal_every;

# dn2 is restarted by a child process, so that transactions are in flight
# when it goes down: first killed, then shut down fast.
my $restarter = fork();
die "fork: $!" unless defined $restarter;
if ($restarter == 0)
{
	my $mode = 'immediate';
	for my $at (@restarts)
	{
		my $wait = $start + $at - time;
		select(undef, undef, undef, $wait) if $wait > 0;
		my ($rc) = $an->cluster->tool('stop-node', 'dn2', '-m', $mode);
		POSIX::_exit(1) if $rc != 0;
		($rc) = $an->cluster->tool('start-node', 'dn2');
		POSIX::_exit(1) if $rc != 0;
		$mode = 'fast';
	}
	POSIX::_exit(0);
}

while (time - $start < $duration)
{
	for my $cl (@c)
	{
		send_next($cl) if collect($cl);
		$cl->{h}->pump_nb;
	}
	if (time >= $next_heal)
	{
		$healer->query('SELECT _timescaledb_internal.heal_all_data_nodes()');
		$next_heal = time + $heal_every;
	}
	select(undef, undef, undef, 0.001);
}
# let the last transactions finish
for my $cl (@c)
{
	$cl->{h}->pump until collect($cl);
	${ $cl->{in} } .= "\\q\n";
	$cl->{h}->finish;
}
$healer->quit;
waitpid($restarter, 0);
is($?, 0, 'dn2 was restarted twice');

my ($nok, $nfailed) = (scalar(keys %ok), scalar(keys %failed));
note "load: $nok transactions committed, $nfailed failed, $warnings with warnings";
cmp_ok($nok, '>', 500, 'load: many transactions committed');
ok($nfailed > 0, 'load: the restarts made some transactions fail');

# The built-in healing job finishes the work: run it now, and wait until the
# log and the nodes are clean.
$an->safe_psql('SELECT alter_job(3, next_start => now())');
ok( $an->poll_query_until(
		q{SELECT (SELECT count(*) FROM _timescaledb_catalog.remote_txn) = 0
		     AND NOT EXISTS (SELECT FROM timescaledb_information.in_doubt_transactions)}),
	'the healing job cleaned up');
is($an->safe_psql(
		q{SELECT total_runs > 0 AND total_failures = 0 FROM timescaledb_information.job_stats WHERE job_id = 3}),
	't', 'the healing job ran, without failures');

for my $dn ($dn1, $dn2)
{
	my $name = $dn->name;
	my %seen;
	my $dups = 0;
	for my $id (split /\n/, $dn->safe_psql('SELECT id FROM t'))
	{
		$dups++ if $seen{$id}++;
	}
	is($dups, 0, "$name: no transaction applied twice");
	my @missing = grep { !$seen{$_} } keys %ok;
	is(scalar(@missing), 0, "$name: every success is there")
	  or diag("missing: @missing[0 .. ($#missing < 9 ? $#missing : 9)]");
	my @ghosts = grep { $seen{$_} } keys %failed;
	is(scalar(@ghosts), 0, "$name: no failure is there")
	  or diag("present: @ghosts[0 .. ($#ghosts < 9 ? $#ghosts : 9)]");
	is(scalar(keys %seen), $nok, "$name: nothing else is there");
	is(prepared_on($dn), 0, "$name: nothing left prepared");
}
is(log_rows($an), 0, 'the decision log is empty after healing');
is($an->safe_psql('SELECT count(*) FROM timescaledb_information.in_doubt_transactions'),
	0, 'nothing in doubt');

done_testing();
