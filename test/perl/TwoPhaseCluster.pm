# TwoPhaseCluster.pm — helpers for the two-phase commit TAP tests: an access
# node "an" and data nodes dn1, dn2, each its own postmaster; clients run in
# the background; fault points held with the advisory lock that the "wait"
# fault action blocks on (src/remote/txn_fault.c).
#
# Copyright (c) 2026, multinode developers

package TwoPhaseCluster;

use strict;
use warnings;

use Exporter 'import';
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(make_cluster start_client finish_client hold_faults wait_for_fault
  release_faults rows_on prepared_on log_rows heal_all);

# the advisory lock a "wait" fault blocks on
my $fault_lock = 4242;

sub make_node
{
	my ($name) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf', <<CONF);
shared_preload_libraries = 'multinode'
max_prepared_transactions = 20
max_connections = 40
fsync = off
log_min_messages = warning
log_line_prefix = '%m [%p] %d '
restart_after_crash = on
CONF
	$node->start;
	return $node;
}

# An access node and two data nodes; database "mn" everywhere, table t(id)
# (no primary key, so a duplicate would show) on the data nodes.
sub make_cluster
{
	my $an = make_node('an');
	my @dns = map { make_node("dn$_") } (1, 2);
	$an->safe_psql('postgres', 'CREATE DATABASE mn');
	$an->safe_psql('mn', 'CREATE EXTENSION multinode');
	for my $i (0 .. $#dns)
	{
		my $dn = $dns[$i];
		$an->safe_psql('mn',
			    "SELECT add_data_node('dn"
			  . ($i + 1)
			  . "', host => '"
			  . $dn->host
			  . "', port => "
			  . $dn->port . ')');
	}
	$an->safe_psql('mn', q{CALL distributed_exec('CREATE TABLE t (id bigint)')});
	return ($an, @dns);
}

# Run psql with these commands (each its own -c, stopping at the first
# error) in the background.
sub start_client
{
	my ($node, $db, @sql) = @_;
	my ($out, $err) = ('', '');
	my @cmd = ('psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr($db),
		map { ('-c', $_) } @sql);
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
	my $holder = $an->background_psql('mn');
	$holder->query_safe("SELECT pg_advisory_lock($fault_lock)");
	return $holder;
}

# Until a backend waits at its fault point.
sub wait_for_fault
{
	my ($an) = @_;
	$an->poll_query_until('mn',
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
	return $dn->safe_psql('mn', "SELECT count(*) FROM t WHERE id = $id");
}

sub prepared_on
{
	my ($dn) = @_;
	return $dn->safe_psql('mn', 'SELECT count(*) FROM pg_prepared_xacts');
}

sub log_rows
{
	my ($an) = @_;
	return $an->safe_psql('mn', 'SELECT count(*) FROM _timescaledb_catalog.remote_txn');
}

sub heal_all
{
	my ($an) = @_;
	return $an->safe_psql('mn', 'SELECT _timescaledb_internal.heal_all_data_nodes()');
}

1;
