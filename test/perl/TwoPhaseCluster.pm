# TwoPhaseCluster.pm — helpers for the two-phase commit TAP tests: a cluster
# made by MultinodeCluster (scripts/mn-cluster: an access node "an" and data
# nodes dn1, dn2, each its own postmaster), seen as one object per node;
# clients run in the background; fault points are held with the advisory
# lock that the "wait" fault action blocks on (src/remote/txn_fault.c).
#
# Copyright (c) 2026, multinode developers

package TwoPhaseCluster;

use strict;
use warnings;

use Exporter 'import';
use IPC::Run;
use MultinodeCluster;
use Test::More;
use Time::HiRes ();

our @EXPORT = qw(make_cluster start_client finish_client hold_faults wait_for_fault
  release_faults rows_on prepared_on log_rows heal_all);

# the advisory lock a "wait" fault blocks on
my $fault_lock = 4242;

# An access node and two data nodes, and table t(id) (no primary key, so a
# duplicate would show) on the data nodes.  Returns one TwoPhaseCluster::Node
# per node: an, dn1, dn2.  With pause_job, the built-in healing job (3) is
# paused, so that the test's own healing calls are the only ones.
sub make_cluster
{
	my ($name, %opt) = @_;
	my $c = MultinodeCluster->new($name,
		settings => [ 'restart_after_crash=on', 'max_connections=40' ]);
	my @nodes = map { TwoPhaseCluster::Node->new($c, $_) } qw(an dn1 dn2);
	$nodes[0]->safe_psql('SELECT alter_job(3, scheduled => false)') if $opt{pause_job};
	$nodes[0]->safe_psql(q{CALL distributed_exec('CREATE TABLE t (id bigint)')});
	return @nodes;
}

# Run psql with these commands (each its own -c, stopping at the first
# error) in the background.
sub start_client
{
	my ($node, @sql) = @_;
	my ($out, $err) = ('', '');
	my @cmd = (@{ $node->psql_cmd }, map { ('-c', $_) } @sql);
	my $h = IPC::Run::start(\@cmd, '<', \undef, '>', \$out, '2>', \$err,
		IPC::Run::timeout(180));
	return { h => $h, out => \$out, err => \$err };
}

# Wait for a client; returns (succeeded, stdout, stderr).
sub finish_client
{
	my ($c) = @_;
	$c->{h}->finish;
	return ($c->{h}->result(0) == 0, ${ $c->{out} }, ${ $c->{err} });
}

# A session holding the lock, so that "point:wait" faults block.
sub hold_faults
{
	my ($an) = @_;
	my $holder = $an->session;
	$holder->query_safe("SELECT pg_advisory_lock($fault_lock)");
	return $holder;
}

# Until a backend waits at its fault point.
sub wait_for_fault
{
	my ($an) = @_;
	$an->poll_query_until(
		"SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND objid = $fault_lock AND NOT granted"
	) or die "no backend reached its fault point";
}

sub release_faults
{
	my ($holder, $alive) = @_;
	$holder->query_safe("SELECT pg_advisory_unlock($fault_lock)") if $alive;
	$holder->quit;
}

# How many rows with this id the data node has.
sub rows_on
{
	my ($dn, $id) = @_;
	return $dn->safe_psql("SELECT count(*) FROM t WHERE id = $id");
}

sub prepared_on
{
	my ($dn) = @_;
	return $dn->safe_psql('SELECT count(*) FROM pg_prepared_xacts');
}

sub log_rows
{
	my ($an) = @_;
	return $an->safe_psql('SELECT count(*) FROM _timescaledb_catalog.remote_txn');
}

sub heal_all
{
	my ($an) = @_;
	return $an->safe_psql('SELECT _timescaledb_internal.heal_all_data_nodes()');
}

# One node of a MultinodeCluster, in the distributed database.
package TwoPhaseCluster::Node;

sub new
{
	my ($class, $c, $node) = @_;
	return bless { c => $c, node => $node }, $class;
}

sub name { $_[0]{node} }
sub cluster { $_[0]{c} }
sub psql { my ($self, $sql) = @_; return $self->{c}->psql($self->{node}, $sql); }
sub safe_psql { my ($self, $sql) = @_; return $self->{c}->safe_psql($self->{node}, $sql); }
sub session { my $self = shift; return $self->{c}->session($self->{node}); }
sub psql_cmd { my $self = shift; return $self->{c}->_psql_cmd($self->{node}, stop => 1); }
sub kill { my $self = shift; $self->{c}->kill_node($self->{node}); }
sub stop { my ($self, $mode) = @_; $self->{c}->stop_node($self->{node}, $mode); }
sub start { my $self = shift; $self->{c}->start_node($self->{node}); }

# Until SQL returns "t" (or the access node answers at all after a crash).
sub poll_query_until
{
	my ($self, $sql) = @_;
	for (1 .. 1800)
	{
		my ($rc, $out) = $self->psql($sql);
		return 1 if $rc == 0 && $out eq 't';
		Time::HiRes::usleep(100_000);
	}
	return 0;
}

1;
