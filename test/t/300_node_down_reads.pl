# Reads with a data node down (replication factor 2 over 2 data nodes):
# clients looping SELECTs (aggregates pushed down, and plain scans) see no
# error and the same answers while dn2 is killed under them; the first query
# after a node stops answering pays the connect timeout once, later queries
# (in other sessions too: the suspect mark is in shared memory) do not, and
# after multinode.node_suspect_interval the node is tried again; chunks whose
# only replica is down give an error naming the chunks and the node; cached
# plans made with both nodes up (a GROUP BY device computed whole on the
# nodes too) give their full answers after dn2 is killed.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use LoadClients;
use MultinodeCluster qw(timed slurp);
use Test::More;
use Time::HiRes qw(time);

my $c = MultinodeCluster->new('node_down_reads',
	settings => [ 'multinode.connect_timeout=2', 'multinode.node_suspect_interval=6s' ]);

$c->safe_psql('an', q{
CREATE TABLE m (time timestamptz NOT NULL, device int, v float8);
SELECT create_distributed_hypertable('m', 'time', 'device', replication_factor => 2);
INSERT INTO m SELECT t, d, d * 1.5 FROM generate_series('2026-01-01'::timestamptz, '2026-01-29', '10 min') t,
	generate_series(1, 8) d;
CREATE TABLE solo (time timestamptz NOT NULL, device int, v float8);
SELECT create_distributed_hypertable('solo', 'time', 'device', replication_factor => 1);
INSERT INTO solo SELECT t, d, 1 FROM generate_series('2026-01-01'::timestamptz, '2026-01-02', '1 hour') t,
	generate_series(1, 8) d;
});
my $agg_sql = 'SELECT count(*), sum(v) FROM m';
my $scan_sql = 'SELECT count(*), sum(v) FROM (SELECT v FROM m OFFSET 0) s';
my $expected = $c->safe_psql('an', $agg_sql);
is($c->safe_psql('an', $scan_sql), $expected, 'the plain scan agrees with the pushed-down aggregate');
like($c->safe_psql('an', "EXPLAIN (VERBOSE, COSTS OFF) $agg_sql"), qr/Data node: dn1.*Data node: dn2/s,
	'with both nodes up a read uses both');

# ---- a read-heavy load while dn2 is killed ------------------------------------------------
my ($reads, $bad, $errors) = (0, 0, 0);
my $first_error = '';
LoadClients->new($c, 'an', 4)->run(
	duration => 6,
	sql => sub { my ($n) = @_; return $n % 2 ? $agg_sql : $scan_sql; },
	done => sub {
		my ($n, $seq, $text) = @_;
		$reads++;
		if ($text =~ /ERROR/) { $errors++; $first_error ||= $text; }
		elsif ($text ne "$expected\n") { $bad++; $first_error ||= "wrong answer: $text"; }
	},
	events => [ [ 2, sub { $c->kill_node('dn2') } ] ]);
diag("read load: $reads reads, $errors errors, $bad wrong answers");
cmp_ok($reads, '>', 50, "the clients read many times ($reads)");
is($errors, 0, 'no read failed while dn2 was killed') or diag($first_error);
is($bad, 0, 'every read returned the full answer') or diag($first_error);

like($c->safe_psql('an', 'SELECT node_name FROM _timescaledb_internal.data_node_suspects()'),
	qr/^dn2$/, 'data_node_suspects() shows dn2');
unlike($c->safe_psql('an', "EXPLAIN (VERBOSE, COSTS OFF) $agg_sql"), qr/Data node: dn2/,
	'a query planned now leaves dn2 out');

# ---- chunks whose only replica is down -----------------------------------------------------
my ($rc, $out, $err) = $c->psql('an', 'SELECT count(*) FROM solo');
isnt($rc, 0, 'reading chunks whose only replica is down fails');
like($err, qr/could not read \d+ chunks? of a distributed hypertable: no replica is reachable/,
	'... with a clear error');
like($err, qr/Chunks "_dist_hyper_\d+_\d+_chunk".*held by data nodes "dn2" \(unreachable\)/s,
	'... naming the chunks and the node') or diag($err);
is($c->safe_psql('an', $agg_sql), $expected, '... while the replicated hypertable is still read whole');

$c->start_node('dn2');

# ---- how long a query waits: a node that accepts connections and never answers ----------
# The postmaster stopped with SIGSTOP: connecting to it hangs until the
# connect timeout (2 s here).  Every query runs in a new session, so no
# cached connection helps it.
sleep 6.5;    # dn2's suspect mark from the kill expires
is($c->safe_psql('an', 'SELECT count(*) FROM _timescaledb_internal.data_node_suspects()'), '0',
	'the suspect mark expires after multinode.node_suspect_interval');
like($c->safe_psql('an', "EXPLAIN (VERBOSE, COSTS OFF) $agg_sql"), qr/Data node: dn2/,
	'... and dn2 is read again once back');

my ($t_base) = timed(sub { $c->psql('an', 'SELECT 1') });
my $pidline = (split /\n/, slurp($c->data_dir('dn2') . '/postmaster.pid'))[0];
kill 'STOP', $pidline;
my ($t_first, $first) = timed(sub { $c->psql('an', $agg_sql) });
my @later;
my $later_ok = 1;
for (1 .. 5)
{
	my ($t, $rc2, $o) = timed(sub { $c->psql('an', $agg_sql) });
	push @later, $t;
	$later_ok = 0 unless $rc2 == 0 && $o eq $expected;
}
my $t_later = (sort { $a <=> $b } @later)[2];
is($first, 0, 'the first query with dn2 hung succeeds');
cmp_ok($t_first, '>=', 1.5, sprintf('... after waiting for the connect timeout (%.2f s)', $t_first));
ok($later_ok, 'later queries in new sessions succeed');
cmp_ok($t_later, '<', $t_base + 1, sprintf('... without waiting (median %.3f s)', $t_later));
diag(sprintf('hung node: first query %.2f s, later queries median %.3f s (connect_timeout 2 s; '
		  . 'a new psql session running SELECT 1 takes %.3f s here)', $t_first, $t_later, $t_base));

# After the interval the node is tried again: still hung, the wait comes back once.
sleep 6.5;
my ($t_retry) = timed(sub { $c->psql('an', $agg_sql) });
cmp_ok($t_retry, '>=', 1.5, sprintf('after the interval the node is tried again (%.2f s)', $t_retry));
kill 'CONT', $pidline;

# A killed node refuses connections: the first query does not even wait.
$c->kill_node('dn2');
my ($t_refused, $rc3, $o3) = timed(sub { $c->psql('an', $agg_sql) });
is($o3, $expected, 'with dn2 killed the first query answers from dn1');
cmp_ok($t_refused, '<', $t_base + 1, sprintf('... at once (%.3f s)', $t_refused));
diag(sprintf('killed node (connection refused): first query %.3f s', $t_refused));
$c->start_node('dn2');

# ---- a cached plan made with both nodes up, run after dn2 died ---------------------------
# Plans are not made again: the scans fail over when they start.
sleep 6.5;
my $top_sql = 'SELECT time, device FROM m ORDER BY time DESC, device LIMIT 3';
my $s = $c->session('an');
$s->query_safe("PREPARE q1 AS $agg_sql; PREPARE q2 AS $scan_sql; PREPARE q3 AS $top_sql;");
my $top_expected = $c->safe_psql('an', $top_sql);
is($s->query_safe('EXECUTE q3'), $top_expected, 'prepared: the sorted merge of both nodes');
like($s->query_safe('EXPLAIN (VERBOSE, COSTS OFF) EXECUTE q1'), qr/Data node: dn1.*Data node: dn2/s,
	'prepared: the cached plan reads both nodes');
is($s->query_safe('EXECUTE q1'), $expected, 'prepared: the aggregate, both nodes up');
$c->kill_node('dn2');
my ($o, $e) = $s->query('EXECUTE q1');
is($o, $expected, 'prepared aggregate after dn2 was killed: the full answer') or diag($e);
is($e, '', '... and no error or warning');
($o, $e) = $s->query('EXECUTE q2');
is($o, $expected, 'prepared plain scan: the full answer') or diag($e);
($o, $e) = $s->query('EXECUTE q3');
is($o, $top_expected, 'prepared ORDER BY ... LIMIT (merged streams): the same rows') or diag($e);
like($s->query_safe('EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE q1'),
	qr/Data node: dn2\n(?:(?!Data node:).)*Actual: skipped at run time/s,
	'... the suspect node is left out before the run starts');
$s->quit;
$c->start_node('dn2');

# ---- an aggregation computed whole on the nodes, cached, run after dn2 died ----------------
# GROUP BY the space column: each node finishes the groups of the space
# slices it reads.  dn2's slices go whole to dn1, which holds fresh replicas
# of all their chunks, so every group still comes from one node.  A week
# per INSERT: both slices' chunks of a week are made together, and the
# replicas, chosen in chunk order by load, read each slice from one node.
sleep 6.5;
$c->safe_psql('an', q{
CREATE TABLE w (time timestamptz NOT NULL, device int, v float8);
SELECT create_distributed_hypertable('w', 'time', 'device', replication_factor => 2);
} . join('', map { "INSERT INTO w SELECT t, d, d * 0.5 FROM generate_series('2026-01-01'::timestamptz + interval '$_ weeks', "
	  . "'2026-01-07 23:00'::timestamptz + interval '$_ weeks', '1 hour') t, generate_series(1, 8) d;\n" } 0 .. 2)
	  . 'CREATE TABLE w_local AS SELECT * FROM w;');
my $whole_sql = 'SELECT device, count(*), sum(v) FROM w GROUP BY device';
my $sorted = sub { join("\n", sort split /\n/, $_[0]) };
my $whole_local = $sorted->($c->safe_psql('an', 'SELECT device, count(*), sum(v) FROM w_local GROUP BY device'));
$s = $c->session('an');
$s->query_safe("PREPARE q4 AS $whole_sql");
my $whole_plan = $s->query_safe('EXPLAIN (VERBOSE, COSTS OFF) EXECUTE q4');
like($whole_plan, qr/Data node: dn1.*Data node: dn2.*GROUP BY 1/s,
	'prepared GROUP BY device: both nodes group') or diag($whole_plan);
unlike($whole_plan, qr/Aggregate/, '... computing the groups whole (no aggregate on the access node)');
my $whole_before;
$whole_before = $sorted->($s->query_safe('EXECUTE q4')) for 1 .. 6;
is($whole_before, $whole_local, '... the answer of a local copy, 8 groups') and
	is(scalar(split /\n/, $whole_before), 8, '... 8 groups');
$c->kill_node('dn2');
my @whole_after;
my $whole_errors = '';
for (1 .. 3)
{
	($o, $e) = $s->query('EXECUTE q4');
	push @whole_after, $sorted->($o);
	$whole_errors .= $e;
}
is($whole_errors, '', 'prepared whole aggregate after dn2 was killed: no error');
is_deeply(\@whole_after, [ ($whole_before) x 3 ],
	'... every execution gives the answer from before the kill (each group once)');
like($s->query_safe('EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE q4'),
	qr/Data node: dn2\n(?:(?!Data node:).)*Actual: skipped at run time/s,
	'... dn2 is left out, its slices read by dn1');
is($sorted->($c->safe_psql('an', $whole_sql)), $whole_local,
	'the same query unprepared right after the kill: the same answer');
$s->quit;
$c->start_node('dn2');

done_testing();
