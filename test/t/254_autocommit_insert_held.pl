
# A few-row INSERT that is its own transaction travels to its data node with
# the node's COMMIT (or, several nodes written, PREPARE TRANSACTION) in one
# pipeline: one round trip (src/remote/held.c); under READ COMMITTED, one
# node written, it goes alone as the node's implicit transaction.  A unique violation on the
# node surfaces at commit with its SQLSTATE and leaves nothing committed or
# prepared anywhere; two INSERTs pipelined before one Sync of the extended
# protocol see each other and stay atomic; transaction blocks, exception
# blocks and statement_timeout keep the statement-time path; with
# replication_factor 2 both nodes get the INSERT with their PREPARE.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster;
use Test::More;
use Time::HiRes ();

my $c = MultinodeCluster->new('autocommit_insert_held',
	settings => [ 'log_statement=all', 'log_line_prefix=%m [%p] %a: ', 'max_prepared_transactions=10' ]);

$c->safe_psql('an', q{
CREATE TABLE conditions (time timestamptz NOT NULL, device int, temp float8, UNIQUE (time, device));
SELECT create_distributed_hypertable('conditions', 'time', 'device');
INSERT INTO conditions SELECT '2020-01-01 00:00:00+00', d, 0 FROM generate_series(1, 10) d;
CREATE TABLE r (time timestamptz NOT NULL, device int, temp float8, UNIQUE (time, device));
SELECT create_distributed_hypertable('r', 'time', 'device', replication_factor => 2);
INSERT INTO r SELECT '2020-01-01 00:00:00+00', d, 0 FROM generate_series(1, 10) d;
});
my ($dn) = grep { $c->safe_psql($_, 'SELECT count(*) FROM conditions WHERE device = 1') eq '1' }
  $c->data_nodes;
ok($dn, 'device 1 lives on one data node');

# A data node's log as "simple: <text>" (a Query message) or "execute:
# <text>" (part of a pipeline), without the sessions' set-up.
sub messages
{
	my ($text) = @_;
	return grep { !/^simple: SET search_path/ }
	  map { /multinode: LOG:  (statement|execute \S+): (.*)$/ ? ($1 eq 'statement' ? 'simple' : 'execute') . ": $2" : () }
	  split /\n/, $text;
}

# The messages the access node's sessions sent NODE while CODE ran, once
# NODE has logged one matching LAST.
sub sent_to
{
	my ($node, $last, $code) = @_;
	my $log = $c->logfile($node);
	my $from = -s $log;
	$code->();
	my @got;
	for (1 .. 100)
	{
		my $text = substr(MultinodeCluster::slurp($log), $from);
		@got = messages($text);
		last if grep { /$last/ } @got;
		Time::HiRes::sleep(0.1);
	}
	return @got;
}

sub prepared_anywhere
{
	return join(',', map { $c->safe_psql($_, 'SELECT count(*) FROM pg_prepared_xacts') } $c->data_nodes);
}

# ---- one round trip -------------------------------------------------------------------------
# Under READ COMMITTED the INSERT is all the node's transaction: it goes
# alone, the node's implicit transaction committing it at the Sync.
for my $i (1 .. 2)
{
	my @got = sent_to($dn, qr/INSERT/, sub {
		$c->safe_psql('an', "INSERT INTO conditions VALUES ('2020-01-01 00:00:0$i+00', 1, $i)");
	});
	is(scalar @got, 1, "autocommit INSERT $i: one statement on the node") or diag(join("\n", @got));
	like($got[0], qr/^execute: INSERT INTO .*VALUES \(\$1, \$2, \$3\)$/,
		'... the INSERT, in the node\'s implicit transaction (no START TRANSACTION, no COMMIT)');
}
is($c->safe_psql('an', "SELECT string_agg(temp::text, ',' ORDER BY time) FROM conditions WHERE device = 1"),
	'0,1,2', 'the rows are there');
is($c->safe_psql($dn, "SELECT count(*) FROM pg_stat_activity
	WHERE application_name = 'multinode' AND state <> 'idle' AND pid <> pg_backend_pid()"), '0',
	'... and no node session is left in a transaction');

# REPEATABLE READ: the node's transaction must take the same level, so the
# INSERT rides between START TRANSACTION and COMMIT, still in one pipeline
my @rr = sent_to($dn, qr/COMMIT/, sub {
	$c->safe_psql('an', "SET default_transaction_isolation = 'repeatable read';
		INSERT INTO conditions VALUES ('2020-01-01 00:00:13+00', 1, 13)");
});
is(scalar @rr, 3, 'REPEATABLE READ: three statements on the node') or diag(join("\n", @rr));
like($rr[0], qr/^execute: START TRANSACTION ISOLATION LEVEL REPEATABLE READ/, '... the START TRANSACTION');
like($rr[1], qr/^execute: INSERT INTO .*VALUES \(\$1, \$2, \$3\)$/, '... the INSERT');
is($rr[2], 'execute: COMMIT', '... and its COMMIT, in the same pipeline (one Sync: one round trip)');

my @off = sent_to($dn, qr/COMMIT/, sub {
	$c->safe_psql('an', "SET multinode.hold_autocommit_insert = off;
		INSERT INTO conditions VALUES ('2020-01-01 00:00:03+00', 1, 3)");
});
is($off[-1], 'simple: COMMIT', 'hold_autocommit_insert = off: the COMMIT is a round trip of its own')
  or diag(join("\n", @off));

my @cold = sent_to($dn, qr/INSERT/, sub {
	$c->safe_psql('an', "SET multinode.remote_statement_cache_size = 0;
		INSERT INTO conditions VALUES ('2020-01-01 00:00:04+00', 1, 4)");
});
is_deeply([ map { s/:.*//r } @cold ], [ 'execute' ],
	'remote_statement_cache_size = 0: still the INSERT alone, unprepared') or diag(join("\n", @cold));

# ---- a unique violation surfaces at commit ---------------------------------------------------
my $before = $c->safe_psql('an', 'SELECT count(*) FROM conditions');
my ($rc, $out, $err);
for my $iso ('read committed', 'repeatable read')
{
	($rc, $out, $err) = $c->psql('an', qq{\\set VERBOSITY verbose
SET default_transaction_isolation = '$iso';
INSERT INTO conditions VALUES ('2020-01-01 00:00:01+00', 1, 99)});
	like($err, qr/ERROR:  23505: \[$dn\]: duplicate key value violates unique constraint/,
		"$iso: a duplicate fails with the node's SQLSTATE and message");
	like($err, qr/DETAIL:  Key \("time", device\)=\(2020-01-01 00:00:01\+00, 1\) already exists/,
		'... and its detail');
	like($err, qr/remote SQL command: INSERT INTO/, '... naming the INSERT, not the COMMIT');
	is($c->safe_psql('an', 'SELECT count(*) FROM conditions'), $before, '... nothing was written');
	is(prepared_anywhere(), '0,0', '... nothing is prepared on any node');
}
is($c->safe_psql('an', "INSERT INTO conditions VALUES ('2020-01-01 00:00:05+00', 1, 5);
	SELECT count(*) FROM conditions WHERE device = 1"), '7', 'the next INSERT works');

# the node's session ends while it runs the INSERT sent alone (a trigger on
# the chunk ends it): the INSERT fails, nothing is committed or prepared, and
# the next INSERT gets a new connection
my $chunk = $c->safe_psql($dn, 'SELECT tableoid::regclass FROM conditions WHERE device = 1 LIMIT 1');
$c->safe_psql($dn, qq{SET multinode.enable_client_ddl_on_data_nodes = on;
CREATE FUNCTION public.end_session() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
	IF NEW.temp = 77 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
	RETURN NEW;
END \$\$;
CREATE TRIGGER end_session BEFORE INSERT ON $chunk FOR EACH ROW EXECUTE FUNCTION public.end_session();});
$before = $c->safe_psql('an', 'SELECT count(*) FROM conditions');
($rc, $out, $err) = $c->psql('an', "INSERT INTO conditions VALUES ('2020-01-01 00:00:14+00', 1, 77)");
isnt($rc, 0, 'a node session ending under the INSERT sent alone fails the INSERT') or diag($out);
like($err, qr/ERROR:  .*(terminating connection|lost)/, '... with the node\'s word or a lost connection')
  or diag($err);
is($c->safe_psql('an', 'SELECT count(*) FROM conditions'), $before, '... nothing was written');
is(prepared_anywhere(), '0,0', '... nothing is prepared');
is($c->safe_psql('an', "INSERT INTO conditions VALUES ('2020-01-01 00:00:15+00', 1, 15);
	SELECT count(*) FROM conditions WHERE time = '2020-01-01 00:00:15+00'"), '1',
	'... and the next INSERT works');
$c->safe_psql($dn, "SET multinode.enable_client_ddl_on_data_nodes = on; DROP TRIGGER end_session ON $chunk");

# a cached connection whose node session ended between transactions
my $s = $c->session('an');
$s->query_safe("INSERT INTO conditions VALUES ('2020-01-01 00:00:11+00', 1, 11)");
$c->safe_psql($dn, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
	WHERE application_name = 'multinode' AND pid <> pg_backend_pid()");
Time::HiRes::sleep(0.5);
my (undef, $s_err) = $s->query("INSERT INTO conditions VALUES ('2020-01-01 00:00:12+00', 1, 12)");
unlike($s_err, qr/ERROR/, 'a session the node ended between transactions: no error') or diag($s_err);
is($c->safe_psql('an', "SELECT count(*) FROM conditions WHERE time IN ('2020-01-01 00:00:11+00', '2020-01-01 00:00:12+00')"),
	'2', 'a session the node ended between transactions: the next INSERT reconnects');

# ---- the extended protocol: two INSERTs before one Sync ---------------------------------------
sub pgbench_pipeline
{
	my ($sql) = @_;
	my $script = $c->dir . '/pipeline.sql';
	open(my $fh, '>', $script) or die;
	print $fh "\\startpipeline\n$sql\\endpipeline\n";
	close $fh;
	chmod 0644, $script;
	return MultinodeCluster::_run(
		[ "$ENV{MN_BINDIR}/pgbench", '-n', '-M', 'extended', '-t', '1', '-f', $script,
		  '-h', $c->conf('socket_dir'), '-p', $c->port('an'), '-U', $c->conf('superuser'), $c->dbname ]);
}

$before = $c->safe_psql('an', 'SELECT count(*) FROM conditions');
($rc, $out, $err) = pgbench_pipeline(
	"INSERT INTO conditions VALUES ('2020-01-01 00:00:06+00', 1, 6);\n"
	  . "INSERT INTO conditions VALUES ('2020-01-01 00:00:07+00', 2, 7);\n");
is($rc, 0, 'a pipeline of two INSERTs succeeds') or diag($err);
is($c->safe_psql('an', 'SELECT count(*) FROM conditions'), $before + 2, '... and writes both rows');

# the second INSERT duplicates the first: it must see it, and take it down with it
$before = $c->safe_psql('an', 'SELECT count(*) FROM conditions');
($rc, $out, $err) = pgbench_pipeline(
	"INSERT INTO conditions VALUES ('2020-01-01 00:00:08+00', 1, 8);\n"
	  . "INSERT INTO conditions VALUES ('2020-01-01 00:00:08+00', 1, 8);\n");
isnt($rc, 0, 'a pipeline whose second INSERT duplicates its first fails');
like($out . $err, qr/duplicate key value/, '... with the unique violation');
is($c->safe_psql('an', 'SELECT count(*) FROM conditions'), $before, '... and writes neither row');
is(prepared_anywhere(), '0,0', '... nor leaves anything prepared');

# ---- statement-time paths ---------------------------------------------------------------------
($rc, $out, $err) = $c->psql('an', q{BEGIN;
INSERT INTO conditions VALUES ('2020-01-01 00:00:01+00', 1, 99);
SELECT 1;
COMMIT;}, stop => 0);
like($err, qr/ERROR:.*duplicate key.*ERROR:  current transaction is aborted/s,
	'in a transaction block the INSERT fails itself, before the next statement');

my @block = sent_to($dn, qr/COMMIT/, sub {
	$c->safe_psql('an', "BEGIN; INSERT INTO conditions VALUES ('2020-01-01 00:00:09+00', 1, 9); COMMIT;");
});
is($block[-1], 'simple: COMMIT', '... and its COMMIT is sent after the INSERT was answered')
  or diag(join("\n", @block));

($rc, $out, $err) = $c->psql('an', q{DO $$
BEGIN
	INSERT INTO conditions VALUES ('2020-01-01 00:00:01+00', 1, 99);
EXCEPTION WHEN unique_violation THEN
	RAISE NOTICE 'caught %', SQLSTATE;
END $$;});
is($rc, 0, 'an exception block catches the duplicate');
like($err, qr/NOTICE:  caught 23505/, '... as a unique violation, inside the block');

my @timeout = sent_to($dn, qr/COMMIT/, sub {
	$c->safe_psql('an', "SET statement_timeout = '1min';
		INSERT INTO conditions VALUES ('2020-01-01 00:00:10+00', 1, 10)");
});
is($timeout[-1], 'simple: COMMIT', 'with statement_timeout the INSERT is sent at once')
  or diag(join("\n", @timeout));

# ---- replication_factor 2: both nodes get the INSERT with their PREPARE --------------------------
my %sent;
my $log_from = { map { $_ => -s $c->logfile($_) } $c->data_nodes };
$c->safe_psql('an', "INSERT INTO r VALUES ('2020-01-01 00:00:01+00', 1, 1)");
for my $node ($c->data_nodes)
{
	my @got;
	for (1 .. 100)
	{
		my $text = substr(MultinodeCluster::slurp($c->logfile($node)), $log_from->{$node});
		@got = messages($text);
		last if grep { /COMMIT PREPARED/ } @got;
		Time::HiRes::sleep(0.1);
	}
	is(scalar @got, 4, "replicated INSERT on $node: four statements") or diag(join("\n", @got));
	like($got[1], qr/^execute: INSERT INTO/, "... $node: the INSERT");
	like($got[2], qr/^execute: PREPARE TRANSACTION/, "... $node: its PREPARE TRANSACTION in the same pipeline");
	like($got[3], qr/^simple: COMMIT PREPARED/, "... $node: then COMMIT PREPARED");
	is($c->safe_psql($node, "SELECT count(*) FROM r WHERE time = '2020-01-01 00:00:01+00'"), '1',
		"... $node: the row is there");
}

my $decisions = $c->safe_psql('an', 'SELECT count(*) FROM _timescaledb_catalog.remote_txn');
($rc, $out, $err) = $c->psql('an', "INSERT INTO r VALUES ('2020-01-01 00:00:00+00', 1, 99)");
like($err, qr/ERROR:  \[dn\d\]: duplicate key value/, 'a replicated duplicate fails at commit');
is(prepared_anywhere(), '0,0', '... leaving nothing prepared on either node');
is($c->safe_psql('an', 'SELECT count(*) FROM _timescaledb_catalog.remote_txn'), $decisions,
	'... and no decision row');
is(join(',', map { $c->safe_psql($_, 'SELECT count(*) FROM r') } $c->data_nodes), '11,11',
	'... and both replicas as they were');

done_testing();
