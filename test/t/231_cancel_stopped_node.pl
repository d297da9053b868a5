# Cancel is never swallowed, and is bounded in time, against a data node
# that is stopped (SIGSTOP: its postmaster and backends accept TCP
# connections in the kernel but never answer).  statement_timeout = 1s on
# the access node must end every statement with the timeout error, well
# within a generous bound, whether the statement waits for a command in
# flight (the cancel request to the node then blocks in libpq) or for a
# new connection (health, ping, healing, the in-doubt view, which catch a
# node's failures but must not catch the cancel).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $bound = 30;    # seconds: a correctness bound, not a benchmark
my $conf = "shared_preload_libraries = 'multinode'\nfsync = off\nmax_prepared_transactions = 10\n";

my $an = PostgreSQL::Test::Cluster->new('an');
$an->init;
$an->append_conf('postgresql.conf', $conf . "multinode.connect_timeout = 20\n");
$an->start;
my $dn = PostgreSQL::Test::Cluster->new('dn');
$dn->init;
$dn->append_conf('postgresql.conf', $conf . "listen_addresses = '127.0.0.1'\n");
$dn->start;
$an->safe_psql('postgres', 'CREATE DATABASE mn');
$an->safe_psql('mn', 'CREATE EXTENSION multinode');
my $dn_port = $dn->port;
$an->safe_psql('mn', "SELECT add_data_node('dn1', host => '127.0.0.1', port => $dn_port)");

# the node's postmaster and every process it started
my $pm = (split /\n/, slurp_file($dn->data_dir . '/postmaster.pid'))[0];
my $signal_node = "kill -%s $pm \$(ps -o pid= --ppid $pm)";
my $stopped = 0;
END { system(sprintf($signal_node, 'CONT')) if $stopped; }

sub timed_psql
{
	my ($sql) = @_;
	my $timed_out = 0;
	my $start = time;
	my ($ret, $out, $err) = $an->psql('mn', $sql, on_error_stop => 0,
		timeout => 3 * $bound, timed_out => \$timed_out);
	my $elapsed = time - $start;
	$err .= "\n(timed out)" if $timed_out;
	return ($out, $err, $elapsed);
}

# a command in flight when the node stops: the abort must cancel it in time
my $stop = sprintf($signal_node, 'STOP');
my ($out, $err, $elapsed) = timed_psql(qq{
CALL distributed_exec('SELECT 1');
\\! $stop
SET statement_timeout = '1s';
CALL distributed_exec('SELECT 1');
});
$stopped = 1;
like($err, qr/canceling statement due to statement timeout/,
	'distributed_exec on a stopped node ends with the timeout');
cmp_ok($elapsed, '<', $bound, "and returns in bounded time ($elapsed s)");
note("in-flight cancel took $elapsed s");

# reports that catch a node's failures do not catch the cancel
for my $case (
	[ 'health()', 'SELECT count(*) FROM _timescaledb_internal.health()' ],
	[ 'ping_data_node()', "SELECT _timescaledb_internal.ping_data_node('dn1')" ],
	[ 'remote_txn_heal_data_node()',
		"SELECT _timescaledb_internal.remote_txn_heal_data_node(oid) FROM pg_foreign_server WHERE srvname = 'dn1'" ],
	[ 'the in-doubt view', 'SELECT count(*) FROM timescaledb_information.in_doubt_transactions' ],
	[ 'a DO block',
		"DO \$\$ BEGIN PERFORM * FROM _timescaledb_internal.health(); EXCEPTION WHEN connection_failure THEN NULL; END \$\$" ])
{
	my ($what, $sql) = @$case;
	($out, $err, $elapsed) = timed_psql("SET statement_timeout = '1s'; $sql; SELECT 'after' AS a;");
	like($err, qr/canceling statement due to statement timeout/, "$what is cancelled by statement_timeout");
	is($out, 'after', "$what gives no result, and the session goes on");
	cmp_ok($elapsed, '<', $bound, "$what returns in bounded time ($elapsed s)");
}

system(sprintf($signal_node, 'CONT'));
$stopped = 0;
is($an->safe_psql('mn',
	"SELECT node_name || ':' || healthy FROM _timescaledb_internal.health() WHERE node_name IS NOT NULL"),
	'dn1:true', 'the node is healthy once it runs again');
is($an->safe_psql('mn', "CALL distributed_exec('SELECT 1'); SELECT 'ok'"), 'ok',
	'and distributed_exec works');
unlike(slurp_file($an->logfile), qr/terminated by signal|PANIC/, 'the access node did not crash');

$dn->stop;
$an->stop;
done_testing();
