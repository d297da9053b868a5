# A data node that drops the connection between login and the session
# set-up (the first query the access node sends) must give a clean error:
# the access node's session keeps working, errors raised afterwards are
# caught where they should be, and nothing crashes.  The node is reached
# through a small proxy that forwards the start-up and authentication
# exchange and closes both sides when the first Query message arrives.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IO::Select;
use IO::Socket::INET;

my $conf = "shared_preload_libraries = 'multinode'\nfsync = off\nmax_prepared_transactions = 10\n";

my $an = PostgreSQL::Test::Cluster->new('an');
$an->init;
$an->append_conf('postgresql.conf', $conf);
$an->start;
my $dn = PostgreSQL::Test::Cluster->new('dn');
$dn->init;
$dn->append_conf('postgresql.conf', $conf . "listen_addresses = '127.0.0.1'\n");
$dn->start;
$an->safe_psql('postgres', 'CREATE DATABASE mn');
$an->safe_psql('mn', 'CREATE EXTENSION multinode');
my $dn_port = $dn->port;
$an->safe_psql('mn', "SELECT add_data_node('dn1', host => '127.0.0.1', port => $dn_port)");

# The proxy: a child process, loopback only, gone after at most 5 minutes.
my $listen = IO::Socket::INET->new(
	LocalAddr => '127.0.0.1',
	LocalPort => 0,
	Listen => 16,
	ReuseAddr => 1) or die "cannot listen: $!";
my $proxy_port = $listen->sockport;
my $proxy_pid = fork();
die "fork: $!" unless defined $proxy_pid;
if ($proxy_pid == 0)
{
	alarm(300);
	run_proxy();
	exit 0;
}
close $listen;
END { kill 'KILL', $proxy_pid if $proxy_pid; }

sub run_proxy
{
	my $sel = IO::Select->new($listen);
	my %peer;     # socket -> its other side
	my %from_client;    # client socket -> { buf, typed }
	my $close = sub {
		my ($s) = @_;
		my $o = $peer{$s};
		for my $x (grep { defined } ($s, $o))
		{
			$sel->remove($x);
			delete $peer{$x};
			delete $from_client{$x};
			close $x;
		}
	};
	while (1)
	{
		for my $s ($sel->can_read(1))
		{
			if ($s == $listen)
			{
				my $c = $listen->accept or next;
				my $d = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $dn_port)
				  or do { close $c; next; };
				$peer{$c} = $d;
				$peer{$d} = $c;
				$from_client{$c} = { buf => '', typed => 0 };
				$sel->add($c, $d);
				next;
			}
			next unless $peer{$s};
			my $n = sysread($s, my $data, 65536);
			if (!$n)
			{
				$close->($s);
				next;
			}
			if (!$from_client{$s})
			{
				syswrite($peer{$s}, $data);
				next;
			}
			# client to server: forward whole messages, cut at the first Query
			my $st = $from_client{$s};
			$st->{buf} .= $data;
			while (1)
			{
				my $b = $st->{buf};
				if (!$st->{typed})
				{
					last if length($b) < 8;
					my ($len, $code) = unpack('NN', $b);
					last if length($b) < $len;
					# SSL and GSS encryption requests come before the start-up packet
					$st->{typed} = 1 unless $code == 80877103 || $code == 80877104;
					syswrite($peer{$s}, substr($b, 0, $len));
					$st->{buf} = substr($b, $len);
					next;
				}
				last if length($b) < 5;
				if (substr($b, 0, 1) eq 'Q')
				{
					$close->($s);
					last;
				}
				my $len = unpack('N', substr($b, 1, 4)) + 1;
				last if length($b) < $len;
				syswrite($peer{$s}, substr($b, 0, $len));
				$st->{buf} = substr($b, $len);
			}
		}
	}
}

# add_data_node through the proxy: every connection is dropped at set-up
my ($ret, $out, $err) = $an->psql('mn', qq{
SELECT add_data_node('dn2', host => '127.0.0.1', port => $proxy_port, database => 'mn2');
SELECT 1/0;
SELECT 'still alive' AS a;
}, on_error_stop => 0);
like($err, qr/could not connect to data node "dn2"/, 'add_data_node through a node that drops the connection fails cleanly');
like($err, qr/division by zero/, 'a later error in the same session is an ordinary error');
is($out, 'still alive', 'and the session keeps working');
is($an->safe_psql('mn', "SELECT count(*) FROM pg_foreign_server WHERE srvname = 'dn2'"), '0',
	'no server is left behind');

# an existing node that starts dropping connections at set-up
$an->safe_psql('mn', "SELECT alter_data_node('dn1', port => $proxy_port)");
($ret, $out, $err) = $an->psql('mn', qq{
CALL distributed_exec('SELECT 1');
SELECT 1/0;
SELECT node_name || ':' || healthy FROM _timescaledb_internal.health() WHERE node_name IS NOT NULL;
SELECT _timescaledb_internal.ping_data_node('dn1');
DO \$\$ BEGIN CALL distributed_exec('SELECT 1'); EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'caught: %', SQLERRM; END \$\$;
SELECT 'still alive' AS a;
}, on_error_stop => 0);
like($err, qr/could not connect to data node "dn1"/, 'distributed_exec fails cleanly');
like($err, qr/division by zero/, 'a later error is an ordinary error');
like($err, qr/caught: could not connect to data node "dn1"/, 'an exception block catches the failure');
is($out, "dn1:false\nf\nstill alive", 'health and ping report the node as down, and the session keeps working');

$an->safe_psql('mn', "SELECT alter_data_node('dn1', port => $dn_port)");
is($an->safe_psql('mn', "CALL distributed_exec('SELECT 1'); SELECT 'ok'"), 'ok',
	'the node works again once reached directly');

my $log = slurp_file($an->logfile);
unlike($log, qr/terminated by signal|PANIC|ERRORDATA_STACK_SIZE|server process .* was terminated/,
	'the access node did not crash');

kill 'KILL', $proxy_pid;
waitpid($proxy_pid, 0);
$proxy_pid = 0;
$dn->stop;
$an->stop;
done_testing();
