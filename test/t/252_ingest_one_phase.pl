# Single-row writes on separate postmasters: an autocommit INSERT of one row
# into an existing chunk costs its data node one INSERT, which under READ
# COMMITTED is the node's own implicit transaction (no START TRANSACTION, no
# COMMIT, no COPY, no PREPARE TRANSACTION), while a statement that creates a
# chunk still takes two phases; a node lost before the commit leaves
# nothing behind, on it or on the access node.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $conf = "shared_preload_libraries = 'multinode'\nfsync = off\nmax_prepared_transactions = 10\n";

my $an = PostgreSQL::Test::Cluster->new('an');
$an->init;
$an->append_conf('postgresql.conf', $conf);
$an->start;
my @dns;
for my $i (1, 2)
{
	my $dn = PostgreSQL::Test::Cluster->new("dn$i");
	$dn->init;
	$dn->append_conf('postgresql.conf',
		$conf . "listen_addresses = '127.0.0.1'\nlog_statement = 'all'\n");
	$dn->start;
	push @dns, $dn;
}
$an->safe_psql('postgres', 'CREATE DATABASE mn');
$an->safe_psql('mn', 'CREATE EXTENSION multinode');
for my $i (1, 2)
{
	my $port = $dns[ $i - 1 ]->port;
	$an->safe_psql('mn', "SELECT add_data_node('dn$i', host => '127.0.0.1', port => $port)");
}
$an->safe_psql('mn', q{
CREATE TABLE conditions (time timestamptz NOT NULL, device int, temp float8);
SELECT create_distributed_hypertable('conditions', 'time', 'device');
INSERT INTO conditions SELECT '2020-01-01 00:00:00+00', d, 0 FROM generate_series(1, 10) d;
});

# device 1's node: the one that holds its row
my ($node, $dn);
for my $i (1, 2)
{
	next unless $dns[ $i - 1 ]->safe_psql('mn', 'SELECT count(*) FROM conditions WHERE device = 1') eq '1';
	$node = "dn$i";
	$dn = $dns[ $i - 1 ];
}
ok(defined $dn, 'device 1 lives on one node');
my $decisions = $an->safe_psql('mn', 'SELECT count(*) FROM _timescaledb_catalog.remote_txn');

# what the node was sent while running $sql on the access node
sub statements_for
{
	my ($sql) = @_;
	my $offset = -s $dn->logfile;
	$an->safe_psql('mn', $sql);
	my $log = substr(slurp_file($dn->logfile), $offset);
	return join("\n", map { s/^.*?LOG:\s+//r } grep { /LOG:\s+(statement|execute)/ } split /\n/, $log);
}

my $sent = statements_for(
	"INSERT INTO conditions VALUES ('2020-01-01 00:00:01+00', 1, 1.5)");
note("single-row INSERT sent:\n$sent");
my @inserts = ($sent =~ /INSERT INTO/g);
my @commits = ($sent =~ /^(?:statement|execute \S+): COMMIT$/mg);
is(scalar @inserts, 1, 'a single-row INSERT is one INSERT on the node');
is(scalar @commits, 0, 'and no COMMIT: the INSERT is the node\'s implicit transaction');
unlike($sent, qr/START TRANSACTION/, 'nor START TRANSACTION');
unlike($sent, qr/COPY|PREPARE TRANSACTION/, 'no COPY, no two-phase commit');
is($dn->safe_psql('postgres', 'SELECT count(*) FROM pg_prepared_xacts'), '0', 'nothing left prepared');
is($an->safe_psql('mn', "SELECT temp FROM conditions WHERE time = '2020-01-01 00:00:01+00'"),
	'1.5', 'the row is there');
is($an->safe_psql('mn', 'SELECT count(*) FROM _timescaledb_catalog.remote_txn'), $decisions,
	'and no decision row');

$sent = statements_for(
	"INSERT INTO conditions VALUES ('2020-02-01 00:00:00+00', 1, 2.5)");
note("chunk-creating INSERT sent:\n$sent");
like($sent, qr/PREPARE TRANSACTION/, 'a row that creates a chunk commits in two phases');
like($sent, qr/COMMIT PREPARED/, 'and the node finishes it');
is($an->safe_psql('mn', "SELECT temp FROM conditions WHERE time = '2020-02-01 00:00:00+00'"),
	'2.5', 'the row is there');

# the node goes away after the INSERT, before the commit: nothing is left
$decisions = $an->safe_psql('mn', 'SELECT count(*) FROM _timescaledb_catalog.remote_txn');
my $datadir = $dn->data_dir;
my ($ret, $out, $err) = $an->psql('mn', qq{
BEGIN;
INSERT INTO conditions VALUES ('2020-01-01 00:00:02+00', 1, 3.5);
\\! pg_ctl -D '$datadir' -m immediate stop >/dev/null
COMMIT;
}, on_error_stop => 0);
like($err, qr/ERROR:.*data node "$node"/, "the commit fails, naming the node: $err");
$dn->_update_pid(0);
$dn->start;
is($an->safe_psql('mn', "SELECT count(*) FROM conditions WHERE time = '2020-01-01 00:00:02+00'"),
	'0', 'the row is not there');
is($dn->safe_psql('postgres', 'SELECT count(*) FROM pg_prepared_xacts'), '0', 'nothing prepared on the node');
is($an->safe_psql('mn', 'SELECT count(*) FROM _timescaledb_catalog.remote_txn'), $decisions,
	'no decision row');
is($an->safe_psql('mn', "INSERT INTO conditions VALUES ('2020-01-01 00:00:03+00', 1, 4.5); SELECT count(*) FROM conditions WHERE device = 1"),
	'4', 'the next insert works');

done_testing();
