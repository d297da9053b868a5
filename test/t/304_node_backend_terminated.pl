# A data node whose backend was terminated is not a dead node
# (remote/suspect.c): when the access node's session on a live data node is
# ended (pg_terminate_backend there: FATAL 57P01, then the connection is
# lost) inside a transaction, between two reads or in the middle of one,
# the read is answered from the other replica, and the node is not marked
# suspect, because a new connection to it succeeds.  So a hypertable with
# replication factor 1 on that node is written and read right afterwards.
# A node that is really gone (killed, or shut down) is still marked.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster;
use Test::More;

my $c = MultinodeCluster->new('backend_terminated',
	settings => [ 'multinode.connect_timeout=2', 'multinode.node_suspect_interval=60s' ]);

$c->safe_psql('an', q{
CREATE TABLE rep (time timestamptz NOT NULL, device int, v float8);
SELECT create_distributed_hypertable('rep', 'time', 'device', replication_factor => 2);
INSERT INTO rep SELECT t, d, d FROM generate_series('2026-01-01'::timestamptz, '2026-01-15', '1 hour') t,
	generate_series(1, 8) d;
CREATE TABLE solo (time timestamptz NOT NULL, device int, v float8);
SELECT create_distributed_hypertable('solo', 'time', 'device', replication_factor => 1);
INSERT INTO solo SELECT t, d, 1 FROM generate_series('2026-01-01'::timestamptz, '2026-01-02', '1 hour') t,
	generate_series(1, 8) d;
});
my $rep_sql = 'SELECT count(*), sum(v) FROM rep';
my $rep_expected = $c->safe_psql('an', $rep_sql);
my $solo_count = $c->safe_psql('an', 'SELECT count(*) FROM solo');
like($c->safe_psql('an', "EXPLAIN (VERBOSE, COSTS OFF) $rep_sql"), qr/Data node: dn1.*Data node: dn2/s,
	'a read of the replicated hypertable uses both nodes');
is($c->safe_psql('an', q{SELECT count(DISTINCT node_name) FROM _timescaledb_catalog.chunk_data_node cdn
	JOIN _timescaledb_catalog.chunk c ON c.id = cdn.chunk_id
	JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id WHERE h.table_name = 'solo'}), '2',
	'the hypertable with replication factor 1 has chunks on both nodes');

# the access node's sessions on a data node (its connections name themselves "multinode")
my $terminate = q{SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
	WHERE application_name = 'multinode' AND pid <> pg_backend_pid()};
my $suspects = 'SELECT string_agg(node_name, \',\') FROM _timescaledb_internal.data_node_suspects()';

# the rf 1 hypertable is read and written: every node is used and none is suspect
sub solo_works
{
	my ($s, $what) = @_;
	my ($out, $err) = $s->query(q{INSERT INTO solo SELECT t, d, 2 FROM
		generate_series('2026-01-01'::timestamptz, '2026-01-02', '1 hour') t, generate_series(1, 8) d});
	is($err, '', "$what: inserting into every chunk of the replication factor 1 hypertable works");
	$solo_count += 25 * 8;
	is($s->query_safe('SELECT count(*) FROM solo'), $solo_count, "$what: ... and reading it");
}

# ---- between two reads of one transaction --------------------------------------------------
my $s = $c->session('an');
$s->query_safe("BEGIN; $rep_sql");
cmp_ok($c->safe_psql('dn1', $terminate), '>=', 1, "the access node's session on dn1 is terminated");
my ($out, $err) = $s->query("$rep_sql; COMMIT");
is($out, $rep_expected, 'the next read in the transaction is answered from the other replicas')
  or diag($err);
is($s->query_safe($suspects), '', 'dn1 is not marked suspect: it accepts a new connection');
solo_works($s, 'right afterwards');

# ---- in the middle of a read ----------------------------------------------------------------
# dn1's replicas of rep locked by another session, so that the read waits there
my $locker = $c->session('dn1');
$locker->query_safe(q{SELECT string_agg(inhrelid::regclass::text, ', ') AS chunks
	FROM pg_inherits WHERE inhparent = 'rep'::regclass \gset
	BEGIN; LOCK TABLE :chunks IN ACCESS EXCLUSIVE MODE});
# the transaction's remote transactions are open, so the read is not its first command
my $bg = $c->background('an', [ 'BEGIN', 'SELECT count(*) FROM solo', $rep_sql, 'COMMIT' ]);
ok($c->poll_until('dn1', q{SELECT count(*) > 0 FROM pg_stat_activity
	WHERE application_name = 'multinode' AND wait_event_type = 'Lock'}), 'a read waits for the lock on dn1');
is($c->safe_psql('dn1', q{SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
	WHERE application_name = 'multinode' AND wait_event_type = 'Lock'}), '1',
	'its session on dn1 is terminated while it waits');
my $ok;
($ok, $out, $err) = $c->finish_background($bg);
ok($ok, 'the read succeeds') or diag($err);
like($out, qr/^\Q$rep_expected\E$/m, '... answered from the other replicas');
$locker->query_safe('COMMIT');
$locker->quit;
is($s->query_safe($suspects), '', 'dn1 is not marked suspect');
solo_works($s, 'after the read');

# ---- a node that is really gone is still marked --------------------------------------------
$s->query_safe("BEGIN; $rep_sql");
$c->kill_node('dn1');
($out, $err) = $s->query("$rep_sql; COMMIT");
is($out, $rep_expected, 'with dn1 killed the read is answered from the other replicas') or diag($err);
is($s->query_safe($suspects), 'dn1', 'the killed node is marked suspect');
($out, $err) = $s->query(q{INSERT INTO solo SELECT '2026-01-01', d, 3 FROM generate_series(1, 8) d});
like($err, qr/no data node holding it is reachable/, '... and writes to its only replicas fail at once');
$c->start_node('dn1');
$s->quit;

# a fast shutdown says 57P01 to its sessions too: the new connection is refused
$s = $c->session('an');
# a read of chunks that only dn1 holds tries it and clears the mark
is($s->query_safe('SELECT count(*) FROM solo'), $solo_count, 'dn1 is back');
is($s->query_safe($suspects), '', '... and not suspect any more');
$s->query_safe("BEGIN; $rep_sql");
$c->stop_node('dn1', 'fast');
($out, $err) = $s->query("$rep_sql; COMMIT");
is($out, $rep_expected, 'with dn1 shut down the read is answered from the other replicas') or diag($err);
is($s->query_safe($suspects), 'dn1', 'the node that shut down is marked suspect');
$s->quit;
$c->start_node('dn1');

done_testing();
