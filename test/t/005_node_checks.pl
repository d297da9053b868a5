# add_data_node against servers that cannot be data nodes: one that accepts
# TCP connections but never answers (the connect timeout must fire, not hang
# the session), and one without prepared transactions.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(time);

my $conf = "shared_preload_libraries = 'multinode'\nfsync = off\n";

my $an = PostgreSQL::Test::Cluster->new('an');
$an->init;
$an->append_conf('postgresql.conf', $conf . "max_prepared_transactions = 10\n");
$an->start;
$an->safe_psql('postgres', 'CREATE DATABASE mn');
$an->safe_psql('mn', 'CREATE EXTENSION multinode');

# a listener that accepts and then says nothing
my $hung = IO::Socket::INET->new(
	LocalAddr => '127.0.0.1',
	LocalPort => 0,
	Listen => 5,
	ReuseAddr => 1) or die "cannot listen: $!";
my $hung_port = $hung->sockport;

my $start = time;
my ($ret, $out, $err) = $an->psql('mn',
	"SET multinode.connect_timeout = 2; "
	  . "SELECT add_data_node('hung', host => '127.0.0.1', port => $hung_port)");
my $elapsed = time - $start;
isnt($ret, 0, 'add_data_node to a silent server fails');
like($err, qr/could not connect to data node "hung"/, 'the error names the node');
like($err, qr/timeout expired after 2 seconds connecting to host "127\.0\.0\.1", port $hung_port/,
	'the detail names host and port');
cmp_ok($elapsed, '<', 10, "it gave up within the connect timeout ($elapsed s)");
is($an->safe_psql('mn', "SELECT count(*) FROM pg_foreign_server"), '0',
	'no server is left behind');
close $hung;

# a node that does not allow prepared transactions
my $dn = PostgreSQL::Test::Cluster->new('dn_no2pc');
$dn->init;
$dn->append_conf('postgresql.conf', $conf . "max_prepared_transactions = 0\n");
$dn->start;
my $dn_host = $dn->host;
my $dn_port = $dn->port;
($ret, $out, $err) = $an->psql('mn',
	"SELECT add_data_node('dn0', host => '$dn_host', port => $dn_port)");
isnt($ret, 0, 'add_data_node refuses a node without prepared transactions');
like($err, qr/data node "dn0" does not allow prepared transactions/, 'with a clear message');
like($err, qr/HINT:  Set max_prepared_transactions/, 'and a hint naming the fix');
is($dn->safe_psql('postgres', "SELECT count(*) FROM pg_database WHERE datname = 'mn'"), '0',
	'no database was created on the node');
is($an->safe_psql('mn', "SELECT count(*) FROM pg_foreign_server"), '0',
	'no server is left behind');

# the library must be preloaded: CREATE EXTENSION says how to fix it
my $plain = PostgreSQL::Test::Cluster->new('plain');
$plain->init;
$plain->start;
($ret, $out, $err) = $plain->psql('postgres', 'CREATE EXTENSION multinode');
isnt($ret, 0, 'CREATE EXTENSION without preloading fails');
like($err, qr/multinode must be loaded via shared_preload_libraries/, 'the error says why');
like($err, qr/HINT:  Add multinode to shared_preload_libraries/, 'the hint says how');

$plain->stop;
$dn->stop;
$an->stop;
done_testing();
