
# UPDATE of a distributed hypertable's space or time column moves rows to
# their new chunk, on another data node or a chunk created for them, inside
# the distributed transaction: on a real cluster (an access node, two data
# nodes) the rows leave one node and arrive on the other; when the insert on
# the destination fails (a unique violation there, or the node killed
# between the deletes and the inserts) every node keeps what it had, nothing
# lost or duplicated.  A local copy on the access node gets the same
# statements and must hold the same rows.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster;
use Test::More;

my $c = MultinodeCluster->new('dist_update_move', nodes => 2);
my ($out, $err);

$c->safe_psql('an', q{
CREATE TABLE m (time timestamptz NOT NULL, device int NOT NULL, v float8, UNIQUE (time, device));
SELECT create_distributed_hypertable('m', 'time', 'device', number_partitions => 2,
                                     chunk_time_interval => interval '1 day');
CREATE TABLE m_local (LIKE m INCLUDING ALL);
INSERT INTO m SELECT t, d, d * 100 + extract(hour FROM t)
  FROM generate_series('2024-01-01 00:00+00'::timestamptz, '2024-01-02 23:00+00', '1 hour') t,
       generate_series(1, 4) d;
INSERT INTO m_local SELECT * FROM m;
});

# count and checksum of a table's rows
my $sig = q{SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '-') FROM %s x};

sub node_sigs
{
	return join(' ', map { "$_=" . $c->safe_psql($_, "SET timezone = 'UTC'; " . sprintf($sig, 'm')) } $c->data_nodes);
}

sub node_of_device
{
	my ($device) = @_;
	return join(',', grep { $c->safe_psql($_, "SELECT count(*) FROM m WHERE device = $device") > 0 } $c->data_nodes);
}

is($c->safe_psql('an', sprintf($sig, 'm')), $c->safe_psql('an', sprintf($sig, 'm_local')),
	'the distributed hypertable and its local copy start alike');

# Find a device of each node; moving one to the other's device value crosses nodes.
my %home = map { $_ => node_of_device($_) } 1 .. 4;
my ($from) = grep { $home{$_} eq 'dn1' } sort keys %home;
my ($to) = grep { $home{$_} eq 'dn2' } sort keys %home;
ok(defined $from && defined $to, "device $from lives on dn1, device $to on dn2");
my $newdev = 10 + $to;
# a free device value on dn2: the hash decides, so look for one
for my $d (10 .. 60)
{
	my $node = $c->safe_psql('an', qq{
SELECT node_name FROM _timescaledb_catalog.chunk_data_node cdn
  JOIN _timescaledb_catalog.chunk_constraint cc ON cc.chunk_id = cdn.chunk_id
  JOIN _timescaledb_catalog.dimension_slice s ON s.id = cc.dimension_slice_id
  JOIN _timescaledb_catalog.dimension dim ON dim.id = s.dimension_id AND dim.column_name = 'device'
 WHERE (_timescaledb_internal.get_partition_hash($d) >= s.range_start AND _timescaledb_internal.get_partition_hash($d) < s.range_end)
 LIMIT 1});
	if ($node eq 'dn2') { $newdev = $d; last; }
}

# ---- a move across nodes -----------------------------------------------------------------
my $before = node_sigs();
my $n_from = $c->safe_psql('dn1', "SELECT count(*) FROM m WHERE device = $from");
$out = $c->safe_psql('an', qq{
UPDATE m SET device = $newdev, v = v + 0.5 WHERE device = $from AND time < '2024-01-02 00:00+00';
UPDATE m_local SET device = $newdev, v = v + 0.5 WHERE device = $from AND time < '2024-01-02 00:00+00';
SELECT count(*) FROM m WHERE device = $newdev;
});
is($out, '24', "24 rows of device $from became device $newdev");
is($c->safe_psql('dn1', "SELECT count(*) FROM m WHERE device = $from"), $n_from - 24, '... they left dn1');
is($c->safe_psql('dn2', "SELECT count(*) FROM m WHERE device = $newdev"), '24', '... and are on dn2');
is($c->safe_psql('dn1', "SELECT count(*) FROM m WHERE device = $newdev"), '0', '... only there');
is($c->safe_psql('an', sprintf($sig, 'm')), $c->safe_psql('an', sprintf($sig, 'm_local')),
	'... the same rows as the local copy');
is($c->safe_psql('an', 'SELECT count(*) FROM pg_prepared_xacts'), '0', 'no prepared transaction left on the access node');

# ---- a move into a chunk that does not exist yet ------------------------------------------
$out = $c->safe_psql('an', qq{
UPDATE m SET time = time + interval '5 days' WHERE device = $to AND time >= '2024-01-02 20:00+00';
UPDATE m_local SET time = time + interval '5 days' WHERE device = $to AND time >= '2024-01-02 20:00+00';
SELECT count(*) FROM m WHERE time >= '2024-01-07 00:00+00';
});
is($out, '4', 'rows moved five days ahead, into a chunk created for them');
is($c->safe_psql('dn2', "SELECT count(*) FROM m WHERE time >= '2024-01-07 00:00+00'"), '4', '... on dn2');
is($c->safe_psql('an', sprintf($sig, 'm')), $c->safe_psql('an', sprintf($sig, 'm_local')),
	'... the same rows as the local copy');

# ---- the destination refuses: a unique violation there ------------------------------------
$before = node_sigs();
my $an_before = $c->safe_psql('an', sprintf($sig, 'm'));
($out, $err) = ('', '');
my $rc;
($rc, $out, $err) = $c->psql('an', "UPDATE m SET device = $to WHERE device = $from");
isnt($rc, 0, "moving device $from onto the (time, device) keys of device $to fails");
like($err, qr/duplicate key value violates unique constraint/, '... with the destination\'s unique violation');
($rc, $out, $err) = $c->psql('an', "UPDATE m_local SET device = $to WHERE device = $from");
like($err, qr/duplicate key value violates unique constraint/, '... as the local copy fails');
is(node_sigs(), $before, '... every data node keeps exactly its rows');
is($c->safe_psql('an', sprintf($sig, 'm')), $an_before, '... the access node sees the same rows');

# ---- the destination dies between the deletes and the inserts -----------------------------
# A function in the SET list stops dn2 (immediate) while dn1's rows are being
# deleted; their inserts on dn2 come at the end of the statement and fail.
my $dn2_data = $c->data_dir('dn2');
my $pg_ctl = "$ENV{MN_BINDIR}/pg_ctl";
$c->safe_psql('an', qq{
CREATE TABLE killed (done bool);
CREATE FUNCTION kill_dn2_once() RETURNS int LANGUAGE plpgsql VOLATILE AS \$f\$
BEGIN
  IF NOT EXISTS (SELECT FROM killed) THEN
    INSERT INTO killed VALUES (true);
    COPY (SELECT 1) TO PROGRAM '$pg_ctl stop -m immediate -D $dn2_data >/dev/null 2>&1';
  END IF;
  RETURN 0;
END \$f\$;
});
$before = node_sigs();
$an_before = $c->safe_psql('an', sprintf($sig, 'm'));
# only dn1's chunks are scanned: rows of device $from (on dn1) move to a device of dn2
($rc, $out, $err) = $c->psql('an',
	"UPDATE m SET device = $newdev + kill_dn2_once(), v = -v WHERE device = $from AND time >= '2024-01-02 00:00+00'");
isnt($rc, 0, 'the move fails when the destination node dies halfway');
like($err, qr/data node "dn2"|connection|server closed/i, '... naming the lost node') or diag($err);
ok(!$c->node_running('dn2'), '... (dn2 is down)');
$c->start_node('dn2');
is(node_sigs(), $before, '... once dn2 is back, every data node holds exactly its rows');
is($c->safe_psql('an', sprintf($sig, 'm')), $an_before, '... and the access node reads the same rows');
is($c->safe_psql('dn1', 'SELECT count(*) FROM pg_prepared_xacts'), '0', '... nothing left prepared on dn1');
is($c->safe_psql('dn2', 'SELECT count(*) FROM pg_prepared_xacts'), '0', '... nor on dn2');

# and the same statement works once the node is up
$c->safe_psql('an', "UPDATE m SET device = $newdev, v = -v WHERE device = $from AND time >= '2024-01-02 00:00+00'");
$c->safe_psql('an', "UPDATE m_local SET device = $newdev, v = -v WHERE device = $from AND time >= '2024-01-02 00:00+00'");
is($c->safe_psql('an', sprintf($sig, 'm')), $c->safe_psql('an', sprintf($sig, 'm_local')),
	'the move succeeds with the node back, the same rows as the local copy');
is($c->safe_psql('dn1', "SELECT count(*) FROM m WHERE device = $from"), '0', "... no row of device $from is left on dn1");

$c->teardown;
done_testing();
