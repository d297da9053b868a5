# UPDATE and DELETE with a data node down (replication factor 2 over 2 data
# nodes, dn1 killed): statements sent whole to the nodes and statements run
# row by row (RETURNING), planned now and cached from before the kill (whose
# row-by-row scan had planned to read dn1), all succeed on dn2 and record
# dn1's replicas of the chunks whose rows changed in chunk_replica_stale in
# the same transaction (a statement changing nothing records nothing; a
# rolled-back one leaves no mark).  Reads stay right with dn1 back and
# behind; repair_chunk_replicas() then recopies the replicas and both
# nodes hold the same rows.  A hypertable without replicas refuses to
# change rows of a chunk whose only node is down, and changes nothing on
# the other node either.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster;
use Test::More;

my $c = MultinodeCluster->new('node_down_modify',
	settings => [ 'multinode.connect_timeout=2', 'multinode.node_suspect_interval=60s' ]);

my $rows = q{SELECT '2026-03-01'::timestamptz + (i % 4) * interval '1 day' AS time, i % 8 AS device,
	i AS id, i::bigint * 10 AS v FROM generate_series(1, 400) i};
$c->safe_psql('an', qq{
CREATE TABLE u (time timestamptz NOT NULL, device int, id int, v bigint);
SELECT create_distributed_hypertable('u', 'time', 'device', replication_factor => 2,
	chunk_time_interval => interval '1 day');
INSERT INTO u $rows;
CREATE TABLE u_local AS $rows;
CREATE TABLE solo (time timestamptz NOT NULL, device int, v bigint);
SELECT create_distributed_hypertable('solo', 'time', 'device', replication_factor => 1);
INSERT INTO solo SELECT '2026-03-01', dev, dev FROM generate_series(1, 8) dev;
});
is($c->safe_psql('an', q{SELECT count(DISTINCT node_name) FROM _timescaledb_catalog.chunk_data_node cdn
	JOIN _timescaledb_catalog.chunk c ON c.id = cdn.chunk_id JOIN _timescaledb_catalog.hypertable h
	ON h.id = c.hypertable_id WHERE h.table_name = 'solo'}), '2', 'solo has chunks on both nodes');
my $nchunks = $c->safe_psql('an', q{SELECT count(*) FROM show_chunks('u')});

my $compare = 'SELECT device, count(*), sum(id), sum(v) FROM %s GROUP BY device ORDER BY device';
sub same_as_local
{
	my ($name) = @_;
	is($c->safe_psql('an', sprintf($compare, 'u')), $c->safe_psql('an', sprintf($compare, 'u_local')),
		$name);
}
my $stale = q{SELECT count(*) FILTER (WHERE node_name = 'dn1') || '/' || count(*)
	FROM _timescaledb_catalog.chunk_replica_stale};

# statements cached with both nodes up (generic plans)
my $s = $c->session('an');
$s->query_safe(q{SET plan_cache_mode = force_generic_plan;
PREPARE upd(int) AS UPDATE u SET v = v + 1 WHERE device = $1;
PREPARE ret(int) AS WITH x AS (UPDATE u SET v = v + 2 WHERE id = $1 RETURNING id) SELECT count(*) FROM x;});
$s->query_safe('EXECUTE upd(3); EXECUTE ret(1)');
$c->safe_psql('an', q{UPDATE u_local SET v = v + 1 WHERE device = 3; UPDATE u_local SET v = v + 2 WHERE id = 1});
like($s->query_safe('EXPLAIN (VERBOSE, COSTS OFF) EXECUTE ret(1)'), qr/Data node: dn1\n/,
	'the cached row-by-row UPDATE reads the chunk from dn1');
same_as_local('both nodes up: the same rows as a local copy');

my $solo = $c->safe_psql('an', 'SELECT sum(v) FROM solo');
$c->kill_node('dn1');

# ---- changing nothing marks nothing; a rollback leaves no mark ---------------------------------
$c->safe_psql('an', 'DELETE FROM u WHERE device = 999');
is($c->safe_psql('an', $stale), '0/0', 'dn1 killed: a DELETE of no row succeeds and marks nothing');
$c->safe_psql('an', 'BEGIN; UPDATE u SET v = 0; ROLLBACK');
is($c->safe_psql('an', $stale), '0/0', 'a rolled-back UPDATE leaves no mark');
same_as_local('... and changed nothing');

# ---- whole statements and row by row, planned now and cached -----------------------------------
my $explain = $c->safe_psql('an',
	'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) UPDATE u SET v = v + 100 WHERE device = 2');
unlike($explain, qr/dn1/, 'an UPDATE sent whole reaches dn2 only') or diag($explain);
$c->safe_psql('an', 'UPDATE u_local SET v = v + 100 WHERE device = 2');
$c->safe_psql('an', 'DELETE FROM u WHERE device = 5');
$c->safe_psql('an', 'DELETE FROM u_local WHERE device = 5');
is($c->safe_psql('an', 'WITH x AS (UPDATE u SET v = -v WHERE id % 50 = 0 RETURNING id) SELECT count(*) FROM x'),
	'8', 'an UPDATE ... RETURNING (row by row) changes its 8 rows');
$c->safe_psql('an', 'UPDATE u_local SET v = -v WHERE id % 50 = 0');
is($c->safe_psql('an', 'WITH x AS (DELETE FROM u WHERE id % 60 = 1 RETURNING id) SELECT count(*) FROM x'),
	'4', 'a DELETE ... RETURNING (row by row) deletes its 4 rows');
$c->safe_psql('an', 'DELETE FROM u_local WHERE id % 60 = 1');
$s->query_safe('EXECUTE upd(4)');
$c->safe_psql('an', 'UPDATE u_local SET v = v + 1 WHERE device = 4');
is($s->query_safe('EXECUTE ret(2)'), '1', 'the cached row-by-row UPDATE reads dn2 instead and changes its row');
$c->safe_psql('an', 'UPDATE u_local SET v = v + 2 WHERE id = 2');
$s->quit;
$c->safe_psql('an', 'UPDATE u SET v = v + 1; UPDATE u_local SET v = v + 1');
same_as_local('every change is read back with dn1 down');
is($c->safe_psql('an', $stale), "$nchunks/$nchunks", "dn1's replica of each of the $nchunks chunks is marked stale");

# ---- no live replica --------------------------------------------------------------------------
my ($rc, $out, $err) = $c->psql('an', 'UPDATE solo SET v = v + 1');
isnt($rc, 0, 'an UPDATE of a hypertable without replicas fails with dn1 down');
like($err, qr/could not update chunk "_dist_hyper_2_\d+_chunk": no data node holding it is reachable/,
	'... saying which chunk has no reachable node') or diag($err);
like($err, qr/Its replica is on data node "dn1"/, '... and where it is') or diag($err);
($rc, $out, $err) = $c->psql('an', 'DELETE FROM solo WHERE v > 0 RETURNING v');
like($err, qr/could not delete from chunk "_dist_hyper_2_\d+_chunk": no data node holding it is reachable/,
	'a DELETE ... RETURNING too') or diag($err);
is($c->safe_psql('an', $stale), "$nchunks/$nchunks", '... and neither marks anything stale');

# ---- dn1 back: stale replicas are not read, then repaired --------------------------------------
$c->start_node('dn1');
is($c->safe_psql('an', 'SELECT sum(v) FROM solo'), $solo, 'dn1 back: solo unchanged on both nodes');
same_as_local('dn1 back and behind: reads still right (its stale replicas are not read)');
isnt($c->safe_psql('dn1', 'SELECT count(*), sum(v) FROM u'), $c->safe_psql('dn2', 'SELECT count(*), sum(v) FROM u'),
	"dn1's copies are behind dn2's");
is($c->safe_psql('an', q{SELECT repair_chunk_replicas('u')}), $nchunks, 'repair_chunk_replicas() recopies them');
is($c->safe_psql('an', $stale), '0/0', 'no stale replica left');
my $checksum = 'SELECT tableoid::regclass, count(*), sum(hashtext(u::text)) FROM u GROUP BY 1 ORDER BY 1';
is($c->safe_psql('dn1', $checksum), $c->safe_psql('dn2', $checksum),
	'both nodes hold the same rows, chunk by chunk');
same_as_local('and the access node reads the same rows as the local copy');

done_testing();
