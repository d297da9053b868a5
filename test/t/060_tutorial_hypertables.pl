
# The hypertable half of tutorial-scaling-out.md on a real three-postmaster
# cluster (scram authentication and the access node's passfile, as the page
# sets up): testuser creates the distributed hypertable and inserts a month of
# per-minute readings for 30 devices through the access node.  Every row must
# reach exactly one data node, each node must hold a part, and the parts must
# add up.  Then: COPY of the same rows from a CSV file gives the same result,
# and several sessions inserting into new ranges at once make one chunk per
# range, without deadlocks, with exact counts.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use File::Temp;
use IPC::Run;
use MultinodeCluster;
use Test::More;

my $c = MultinodeCluster->new('tutorial_ht', auth => 'scram', nodes => 2);
my ($rc, $out, $err);

# ---- Create a new role (as the page; PostgreSQL 15 also needs CREATE on public) ----
$c->safe_psql('an', q{
CREATE ROLE testuser WITH LOGIN PASSWORD 'testpass';
CALL distributed_exec($$ CREATE ROLE testuser WITH LOGIN PASSWORD 'testpass' $$);
GRANT USAGE ON FOREIGN SERVER dn1, dn2 to testuser;
GRANT CREATE ON SCHEMA public TO testuser;
CALL distributed_exec($$ GRANT CREATE ON SCHEMA public TO testuser $$);
});
($rc, $out, $err) = $c->tool('add-password', 'testuser', 'testpass');
is($rc, 0, 'the passfile gets testuser\'s line') or diag($err);

# ---- Create the distributed hypertable, exactly as printed -----------------------
($rc, $out, $err) = $c->psql('an', q{
SET ROLE testuser;
CREATE TABLE conditions (time timestamptz NOT NULL, device integer, temp float);
SELECT create_distributed_hypertable('conditions', 'time', 'device');
INSERT INTO conditions
SELECT time, (random()*30)::int, random()*80
FROM generate_series('2019-01-01 00:00:00'::timestamptz, '2019-02-01 00:00:00', '1 min') AS time;
});
is($rc, 0, 'the page\'s CREATE TABLE, create_distributed_hypertable and INSERT run as testuser')
  or diag($err);
is($out, '(1,public,conditions,t)', 'create_distributed_hypertable returns (1,public,conditions,t)');

# ---- View data distribution ---------------------------------------------------------
is( $c->safe_psql('an',
		'SELECT table_schema, table_name, table_owner, num_dimensions, num_chunks > 0, distributed, replication_factor, data_nodes FROM timescaledb_information.hypertable'),
	'public|conditions|testuser|2|t|t|1|{dn1,dn2}',
	'SELECT * FROM timescaledb_information.hypertable shows the distributed hypertable');
$err = $c->psql_fails('an', "SELECT * FROM hypertable_data_node_relation_size('distributed')",
	"hypertable_data_node_relation_size('distributed'), as printed, fails: there is no such table");
like($err, qr/relation "distributed" does not exist/, '... saying so');
is( $c->safe_psql('an',
		"SELECT node_name, num_chunks > 0, total_size > 0 FROM hypertable_data_node_relation_size('conditions')"),
	"dn1|t|t\ndn2|t|t", 'hypertable_data_node_relation_size(\'conditions\') shows both nodes with data');
is($c->safe_psql('an', 'SELECT node_name FROM timescaledb_information.data_node ORDER BY 1'),
	"dn1\ndn2", 'SELECT * FROM timescaledb_information.data_node');

my $total = 0;
my %device_node;
for my $dn ($c->data_nodes)
{
	my $n = $c->safe_psql($dn, 'SELECT count(*) FROM conditions');
	cmp_ok($n, '>', 0, "$dn holds a non-empty part ($n rows)");
	is($c->safe_psql($dn, 'SELECT count(*) FROM ONLY conditions'), '0', "$dn: every row is in a chunk");
	$total += $n;
	for my $d (split /\n/, $c->safe_psql($dn, 'SELECT DISTINCT device FROM conditions'))
	{
		$device_node{$d} .= $dn;
	}
}
is($total, 44641, 'the parts add up to the 44641 rows inserted');
is(scalar(grep { length($device_node{$_}) > 3 } keys %device_node), 0,
	'each device lives on one data node');
is(scalar(keys %device_node), 31, 'devices 0..30 are all there');

# The per-device aggregate over the union of the nodes' data.
my $agg = q{SELECT device, count(*), round(sum(temp)::numeric, 6) FROM conditions GROUP BY 1 ORDER BY 1};
my $union = join("\n", sort { (split /\|/, $a)[0] <=> (split /\|/, $b)[0] }
	  map { split /\n/, $c->safe_psql($_, $agg) } $c->data_nodes);
my $sum = 0;
$sum += (split /\|/)[1] for split /\n/, $union;
is($sum, 44641, 'per-device counts over the data nodes add up');

# The same aggregate on the access node, and the page's last statement.
is($c->safe_psql('an', $agg), $union,
	'the per-device aggregate on the access node equals the union of the nodes');
is($c->safe_psql('an', 'SELECT count(*) FROM (SELECT * FROM conditions) s'), '44641',
	'SELECT * FROM conditions on the access node returns every row once');

# ---- COPY of a CSV file gives the same result ----------------------------------------
my $csv = File::Temp->new(SUFFIX => '.csv');
print $csv join('',
	map { sprintf("2019-01-01 %02d:%02d:00+00,%d,%.3f\n", int($_ / 60), $_ % 60, $_ % 30, $_ * 0.25) }
	  0 .. 1439);
close $csv;
chmod 0644, $csv->filename;
$c->safe_psql('an', q{
CREATE TABLE by_insert (time timestamptz NOT NULL, device integer, temp float);
CREATE TABLE by_copy (time timestamptz NOT NULL, device integer, temp float);
SELECT create_distributed_hypertable('by_insert', 'time', 'device', chunk_time_interval => interval '6 hours');
SELECT create_distributed_hypertable('by_copy', 'time', 'device', chunk_time_interval => interval '6 hours');
INSERT INTO by_insert SELECT '2019-01-01 00:00+00'::timestamptz + m * interval '1 minute', m % 30, m * 0.25
  FROM generate_series(0, 1439) m;
});
($rc, $out, $err) = $c->psql('an', "\\copy by_copy FROM '" . $csv->filename . "' WITH (FORMAT csv)");
is($rc, 0, '\\copy of the CSV file through the access node') or diag($err);
like($out . $err, qr/^(COPY 1440)?$/, '... 1440 rows');
for my $dn ($c->data_nodes)
{
	my $q = q{SELECT device, count(*), sum(temp), min(time), max(time) FROM %s GROUP BY 1 ORDER BY 1};
	my $a = $c->safe_psql($dn, sprintf($q, 'by_insert'));
	my $b = $c->safe_psql($dn, sprintf($q, 'by_copy'));
	isnt($a, '', "$dn: holds rows of both");
	is($b, $a, "$dn: COPY and INSERT put the same rows on the node");
	is( $c->safe_psql($dn, q{SELECT count(*) FROM show_chunks('by_copy')}),
		$c->safe_psql($dn, q{SELECT count(*) FROM show_chunks('by_insert')}),
		"$dn: the same number of chunks");
}

# ---- Concurrency: sessions inserting into the same new ranges at once ----------------
$c->safe_psql('an', q{
CREATE TABLE conc (time timestamptz NOT NULL, device integer, v int);
SELECT create_distributed_hypertable('conc', 'time', 'device', chunk_time_interval => interval '1 day');
});
my $sessions = 6;
my @runs;
for my $i (1 .. $sessions)
{
	# Every session touches every new day and device, in its own order, and holds
	# its transaction open a little, so the sessions wait on each other's chunks.
	my $order = $i % 2 ? 'ASC' : 'DESC';
	my $sql = qq{
BEGIN;
INSERT INTO conc SELECT '2021-01-01 00:00+00'::timestamptz + (d * interval '1 day') + $i * interval '1 second',
       dev, $i
  FROM generate_series(0, 9) d, generate_series(1, 20) dev ORDER BY d $order;
SELECT pg_sleep(0.2);
INSERT INTO conc SELECT '2021-02-01 00:00+00'::timestamptz + $i * interval '1 second', dev, $i
  FROM generate_series(1, 20) dev;
COMMIT;
};
	my ($in, $o, $e) = ($sql, '', '');
	local %ENV = %ENV;
	$ENV{PGPASSFILE} = '/nonexistent';
	my $h = IPC::Run::start($c->_psql_cmd('an'), '<', \$in, '>', \$o, '2>', \$e,
		IPC::Run::timeout(120));
	push @runs, [ $h, \$o, \$e ];
}
my $failed = 0;
for my $r (@runs)
{
	my ($h, $o, $e) = @$r;
	eval { $h->finish; 1 } or do { $h->kill_kill; $failed++; diag("session timed out"); next };
	if ($h->result != 0 || $$e =~ /ERROR/)
	{
		$failed++;
		diag("session failed: $$e");
	}
}
is($failed, 0, "$sessions concurrent sessions inserting into the same new ranges all succeed (no deadlock)");
is( $c->safe_psql('an', q{
SELECT count(*) FROM (SELECT s.range_start, s2.range_start
  FROM _timescaledb_catalog.chunk c
  JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id AND h.table_name = 'conc'
  JOIN _timescaledb_catalog.chunk_constraint cc ON cc.chunk_id = c.id
  JOIN _timescaledb_catalog.dimension_slice s ON s.id = cc.dimension_slice_id
  JOIN _timescaledb_catalog.dimension d ON d.id = s.dimension_id AND d.interval_length IS NOT NULL
  JOIN _timescaledb_catalog.chunk_constraint cc2 ON cc2.chunk_id = c.id
  JOIN _timescaledb_catalog.dimension_slice s2 ON s2.id = cc2.dimension_slice_id AND s2.dimension_id <> d.id
 GROUP BY 1, 2 HAVING count(*) > 1) dup}),
	'0', 'no two chunks for the same ranges');
is( $c->safe_psql('an', q{SELECT count(*) FROM _timescaledb_catalog.chunk c
  JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id WHERE h.table_name = 'conc'}),
	$c->safe_psql('an', q{SELECT count(*) FROM (SELECT DISTINCT time_bucket('1 day', time),
	    _timescaledb_functions.get_partition_hash(device) >= 1073741824 FROM generate_series(0, 9) d,
	    LATERAL (SELECT '2021-01-01 00:00+00'::timestamptz + d * interval '1 day' AS time
	             UNION ALL SELECT '2021-02-01 00:00+00'::timestamptz) t, generate_series(1, 20) device) x}),
	'one chunk per (day, space slice) touched');
my $rows = 0;
$rows += $c->safe_psql($_, 'SELECT count(*) FROM conc') for $c->data_nodes;
is($rows, $sessions * (200 + 20), 'every row of every session arrived exactly once');
for my $dn ($c->data_nodes)
{
	is( $c->safe_psql($dn, q{SELECT count(*) FROM show_chunks('conc')}),
		$c->safe_psql('an', qq{SELECT count(*) FROM _timescaledb_catalog.chunk_data_node cdn
		  JOIN _timescaledb_catalog.chunk c ON c.id = cdn.chunk_id
		  JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id
		 WHERE h.table_name = 'conc' AND cdn.node_name = '$dn'}),
		"$dn has exactly the chunks the access node placed there");
}

# ---- A data node that stops during a COPY ------------------------------------------
$c->kill_node('dn2');
($rc, $out, $err) = $c->psql('an', "\\copy by_copy FROM '" . $csv->filename . "' WITH (FORMAT csv)");
isnt($rc, 0, 'COPY with a data node down fails');
like($err, qr/data node "dn2"/, '... naming the node');
# Size reports with a node down: NULL sizes and a warning, not an error.
($rc, $out, $err) = $c->psql('an', q{SELECT node_name, total_bytes IS NULL FROM hypertable_detailed_size('by_copy')});
is($rc, 0, 'hypertable_detailed_size with a data node down still answers');
is($out, "dn1|f\ndn2|t\n|f", '... with NULL sizes for the dead node');
like($err, qr/WARNING:  could not get sizes from data node "dn2"/, '... and a warning naming it');
($rc, $out, $err) = $c->psql('an', q{SELECT node_name, count(*), bool_and(total_bytes IS NULL) FROM chunks_detailed_size('by_copy') GROUP BY 1 ORDER BY 1});
is($rc, 0, 'chunks_detailed_size with a data node down still answers');
like($out, qr/^dn1\|\d+\|f\ndn2\|\d+\|t$/, '... its chunks with NULL sizes');
like($err, qr/could not get sizes from data node "dn2"/, '... and a warning');
$c->start_node('dn2');
is($c->safe_psql('dn1', 'SELECT count(*) FROM by_copy'),
	$c->safe_psql('dn1', 'SELECT count(*) FROM by_insert'), 'nothing of the failed COPY is left on dn1');

$c->teardown;
done_testing();
