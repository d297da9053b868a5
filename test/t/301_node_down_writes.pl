# Writes with a data node down (replication factor 2 over 2 data nodes):
# clients inserting rows while dn2 is killed; every insert that reported
# success is on the access node's reads exactly once afterwards, also once
# dn2 is back with its copies behind (stale replicas are never read), and
# every replica that missed rows is in chunk_replica_stale.  New chunks go to
# the live node only; a chunk with no live replica refuses the row and
# nothing of the statement is written anywhere.  Then
# create_distributed_restore_point: a row per node, each in its WAL.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use IPC::Run;
use LoadClients;
use MultinodeCluster qw(slurp);
use Test::More;
use Time::HiRes qw(time);

my $c = MultinodeCluster->new('node_down_writes',
	settings => [ 'multinode.connect_timeout=2', 'multinode.node_suspect_interval=3s' ]);

$c->safe_psql('an', q{
CREATE TABLE w (time timestamptz NOT NULL, device int, id bigint);
SELECT create_distributed_hypertable('w', 'time', 'device', replication_factor => 2,
	chunk_time_interval => interval '1 day');
-- the chunks the load writes to exist before it starts
INSERT INTO w SELECT '2026-02-01'::timestamptz + d * interval '1 day', dev, -1
	FROM generate_series(0, 3) d, generate_series(1, 4) dev;
CREATE TABLE solo (time timestamptz NOT NULL, device int, id bigint);
SELECT create_distributed_hypertable('solo', 'time', 'device', replication_factor => 1);
INSERT INTO solo SELECT '2026-02-01', dev, 0 FROM generate_series(1, 8) dev;
});
my $pre = $c->safe_psql('an', 'SELECT count(*) FROM w');

# ---- a write-heavy load while dn2 is killed -------------------------------------------------
my $clients = 4;
my (%acked, %failed);
my $first_error = '';
my $acked_before_kill = 0;

# Each statement inserts 3 rows (ids id*10+1..3) into chunks of both nodes.
sub statement_id { my ($n, $seq) = @_; return $n * 1_000_000 + $seq; }
LoadClients->new($c, 'an', $clients)->run(
	duration => 8,
	sql => sub {
		my $id = statement_id(@_);
		my $day = $id % 4;
		return "INSERT INTO w SELECT '2026-02-01'::timestamptz + interval '$day day' + i * interval '1 min', "
		  . "($id + i) % 8, $id * 10 + i FROM generate_series(1, 3) i";
	},
	done => sub {
		my ($n, $seq, $text) = @_;
		my $id = statement_id($n, $seq);
		if ($text =~ /ERROR/) { $failed{$id} = 1; $first_error ||= $text; }
		else { $acked{$id} = 1; }
	},
	events => [ [ 3, sub { $acked_before_kill = scalar keys %acked; $c->kill_node('dn2'); } ] ]);
my ($nacked, $nfailed) = (scalar(keys %acked), scalar(keys %failed));
diag("write load: $nacked inserts acknowledged ($acked_before_kill before the kill), $nfailed failed");
cmp_ok($nacked - $acked_before_kill, '>', 20, 'inserts kept succeeding after dn2 was killed');
cmp_ok($nfailed, '<=', $clients, "at most the statements in flight at the kill failed ($nfailed)")
  or diag($first_error);

sub check_rows
{
	my ($what) = @_;
	my %seen;
	my ($dups, $foreign) = (0, 0);
	for my $row (split /\n/, $c->safe_psql('an', 'SELECT id FROM w WHERE id > 0'))
	{
		$dups++ if $seen{$row}++;
		$foreign++ unless $acked{ int($row / 10) } || $failed{ int($row / 10) };
	}
	my $missing = 0;
	for my $id (keys %acked)
	{
		$missing += !$seen{ $id * 10 + $_ } for 1 .. 3;
	}
	is($missing, 0, "$what: every acknowledged row is read");
	is($dups, 0, "$what: no row is read twice");
	is($foreign, 0, "$what: no row of an unknown statement");
	my $partial = 0;
	for my $id (keys %failed)
	{
		my $n = grep { $seen{ $id * 10 + $_ } } 1 .. 3;
		$partial++ if $n != 0 && $n != 3;
	}
	is($partial, 0, "$what: a failed statement left all its rows or none");
}
check_rows('dn2 down');

my $stale = $c->safe_psql('an', q{SELECT count(*) FROM _timescaledb_catalog.chunk_replica_stale WHERE node_name = 'dn2'});
cmp_ok($stale, '>', 0, "replicas on dn2 that missed rows are recorded stale ($stale)");

# ---- new chunks and chunks without a live replica while dn2 is down --------------------------
my $max_chunk = $c->safe_psql('an', 'SELECT max(id) FROM _timescaledb_catalog.chunk');
my ($rc, $out, $err) = $c->psql('an', q{INSERT INTO w VALUES ('2026-03-15', 1, 0), ('2026-03-15', 2, 0)});
is($rc, 0, 'an insert that makes new chunks succeeds with dn2 down');
like($err, qr/WARNING:.*new chunk of hypertable "w" has 1 of its 2 replicas/, '... with a warning');
is($c->safe_psql('an', qq{SELECT string_agg(DISTINCT node_name, ',') FROM _timescaledb_catalog.chunk_data_node
	WHERE chunk_id > $max_chunk}), 'dn1', '... placed on the live node only');

my $solo_dn2 = $c->safe_psql('an', q{
	SELECT c.table_name FROM _timescaledb_catalog.chunk c
	  JOIN _timescaledb_catalog.chunk_data_node cdn ON cdn.chunk_id = c.id
	  JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id
	 WHERE h.table_name = 'solo' AND cdn.node_name = 'dn2' LIMIT 1});
($rc, $out, $err) = $c->psql('an', q{INSERT INTO solo SELECT '2026-02-01', dev, 7 FROM generate_series(1, 8) dev});
isnt($rc, 0, 'an insert into a chunk whose only replica is down fails');
like($err, qr/could not insert into chunk "\Q$solo_dn2\E|could not insert into chunk "_dist_hyper/,
	'... naming the chunk') or diag($err);
like($err, qr/data node "dn2"/, '... and its node');
is($c->safe_psql('dn1', 'SELECT count(*) FROM solo WHERE id = 7'), '0',
	'... and nothing of the statement was written on the live node');

# ---- dn2 comes back behind: its stale copies are not read --------------------------------------
$c->start_node('dn2');
sleep 3.5;    # the suspect mark expires
like($c->safe_psql('an', 'EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM w'), qr/Data node: dn1/,
	'reads plan dn1 for the chunks dn2 holds stale');
check_rows('dn2 back, stale');
my $behind = $c->safe_psql('dn2', 'SELECT count(*) FROM w');
my $ahead = $c->safe_psql('dn1', 'SELECT count(*) FROM w');
cmp_ok($behind, '<', $ahead, "dn2's copies are behind ($behind rows, dn1 $ahead)");

# Every chunk whose copies differ is recorded stale on dn2.
my %counts;
for my $dn ('dn1', 'dn2')
{
	for my $row (split /\n/,
		$c->safe_psql($dn, q{SELECT tableoid::regclass::text, count(*) FROM w GROUP BY 1}))
	{
		my ($chunk, $n) = split /\|/, $row;
		$chunk =~ s/.*\.//;
		$counts{$chunk}{$dn} = $n;
	}
}
my %stale = map { $_ => 1 } split /\n/, $c->safe_psql('an', q{
	SELECT c.table_name FROM _timescaledb_catalog.chunk_replica_stale s
	  JOIN _timescaledb_catalog.chunk c ON c.id = s.chunk_id WHERE s.node_name = 'dn2'});
my $unrecorded = 0;
for my $chunk (keys %counts)
{
	next unless defined $counts{$chunk}{dn2};
	$unrecorded++ if ($counts{$chunk}{dn1} // 0) != $counts{$chunk}{dn2} && !$stale{$chunk};
}
is($unrecorded, 0, 'every chunk whose copy on dn2 differs is recorded stale');

# ---- repair: what the write path recorded, the repair job mends ---------------------------------
# The two halves of issue 12 together: replicas marked stale by the inserts
# above, and the chunks made with one replica while dn2 was down, are
# repaired from dn1; afterwards both nodes hold the same rows in every chunk.
my $to_repair = $c->safe_psql('an', q{
	SELECT (SELECT count(*) FROM _timescaledb_catalog.chunk_replica_stale)
	     + (SELECT count(*) FROM _timescaledb_catalog.chunk c
	          JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id
	         WHERE h.table_name = 'w'
	           AND (SELECT count(*) FROM _timescaledb_catalog.chunk_data_node cdn
	                 WHERE cdn.chunk_id = c.id) < 2)});
is($c->safe_psql('an', q{SELECT repair_chunk_replicas('w')}), $to_repair,
	"repair_chunk_replicas() mends the stale and the missing replicas ($to_repair)");
is($c->safe_psql('an', 'SELECT count(*) FROM _timescaledb_catalog.chunk_replica_stale'), '0',
	'... none is stale afterwards');
my $per_chunk = q{SELECT tableoid::regclass::text, count(*), sum(hashtext(w::text)) FROM w GROUP BY 1 ORDER BY 1};
my $on_dn1 = $c->safe_psql('dn1', $per_chunk);
is($c->safe_psql('dn2', $per_chunk), $on_dn1,
	'... and every chunk has the same rows on both nodes (count and checksum per chunk)');
check_rows('after repair');

# ---- create_distributed_restore_point ---------------------------------------------------------
my $rp = $c->safe_psql('an', q{SELECT coalesce(node_name, '-'), node_type, restore_point > '0/0'
	FROM create_distributed_restore_point('nodedown_rp')});
is($rp, "-|access_node|t\ndn1|data_node|t\ndn2|data_node|t",
	'create_distributed_restore_point: a row per node, with LSNs');
for my $node ($c->nodes)
{
	like(slurp($c->logfile($node)), qr/restore point "nodedown_rp" created at/,
		"$node: the restore point is in its WAL (log line)");
}
# A restore point waits for a distributed commit in flight: the writer stops
# after PREPARE (multinode.debug_fault ... wait, until advisory lock 4242 is
# free), holding the commit window lock in share mode.
my $holder = $c->session('an');
$holder->query_safe('SELECT pg_advisory_lock(4242)');
my ($win, $wout, $rin, $rout) = ('', '', '', '');
my $writer = IPC::Run::start($c->_psql_cmd('an'), '<', \$win, '>&', \$wout, IPC::Run::timeout(120));
$win .= "SET multinode.debug_fault = 'after_prepare:wait';\n"
  . "INSERT INTO w VALUES ('2026-02-01', 1, 5), ('2026-02-01', 2, 5), ('2026-02-01', 3, 5);\n\\q\n";
my $waiting = sub {
	my ($what) = @_;
	$c->safe_psql('an', qq{SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND $what});
};
my $until = time + 60;
while ($waiting->('objid = 4242') ne '1' && time < $until)
{
	$writer->pump_nb;
	select(undef, undef, undef, 0.1);
}
is($waiting->('objid = 4242'), '1', 'a writer stops after PREPARE') or diag($wout);
my $rp_run = IPC::Run::start($c->_psql_cmd('an'), '<', \$rin, '>&', \$rout, IPC::Run::timeout(120));
$rin .= "SELECT count(*) FROM create_distributed_restore_point('after_writer');\n\\q\n";
while ($waiting->('objsubid = 77') ne '1' && time < $until)
{
	$rp_run->pump_nb;
	select(undef, undef, undef, 0.1);
}
is($waiting->('objsubid = 77'), '1', 'create_distributed_restore_point waits for its commit');
$holder->query_safe('SELECT pg_advisory_unlock(4242)');
$writer->finish;
$rp_run->finish;
is($c->safe_psql('an', 'SELECT count(*) FROM w WHERE id = 5'), '3', '... which then completes');
like($rout, qr/^3$/m, '... and then the restore point is made') or diag($rout);
$holder->quit;

$c->safe_psql('an', q{CREATE ROLE rp_user LOGIN});
($rc, $out, $err) = $c->psql('an', q{SELECT * FROM create_distributed_restore_point('x')}, user => 'rp_user');
like($err, qr/must be superuser to create restore point/, 'a non-superuser may not create one');

done_testing();
