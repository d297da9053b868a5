
# What a data node receives for a small read, and when: a statement's only
# remote read, bounded to one batch, in autocommit under READ COMMITTED, is
# one message in the node's own implicit transaction (no START TRANSACTION,
# no COMMIT); otherwise the remote transaction's START TRANSACTION (and
# mirrored savepoints) travel with the first command to the node, a bounded
# result comes without a cursor, a cursor is closed by the commit rather
# than by a CLOSE, and a reader's COMMIT is sent without the access node
# waiting for it.  The deferred
# answer is read at the connection's next use and never leaks into the next
# transaction; a failing START TRANSACTION is reported under its own text,
# naming the node, for plain and for parameterized commands.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster;
use Test::More;
use Time::HiRes ();

my $c = MultinodeCluster->new('read_round_trips',
	settings => [ 'log_statement=all', 'log_line_prefix=%m [%p] %a: ' ]);

$c->safe_psql('an', q{
CREATE TABLE m (time timestamptz NOT NULL, device int, v float8);
SELECT create_distributed_hypertable('m', 'time', 'device');
INSERT INTO m SELECT t, d, d FROM generate_series('2020-01-01'::timestamptz, '2020-01-03', '1 hour') t,
  generate_series(1, 4) d;
});
# a device of each node, for queries that read one node
my %device;
for my $d (1 .. 4)
{
	for my $dn ($c->data_nodes)
	{
		$device{$dn} //= $d
		  if $c->safe_psql($dn, "SELECT count(*) > 0 FROM m WHERE device = $d") eq 't';
	}
}
ok($device{dn1} && $device{dn2}, 'each data node holds some device');

my $s = $c->session('an');
# the messages of text sent once; repeated text (named prepared statements)
# is 253_remote_prepared.pl's
$s->query_safe('SET multinode.remote_statement_cache_size = 0');
$s->query_safe('SELECT count(*) FROM m');    # connections made, caches warm

# The statements the access node's sessions sent NODE while CODE ran, one
# per message (a pipeline's parts each on their own), once NODE has logged
# the last one expected (statements of one connection are logged in order).
sub sent_to
{
	my ($node, $last, $code) = @_;
	my $log = $c->logfile($node);
	# the previous transaction's COMMIT, not waited for, may still be on its way
	for (1 .. 100)
	{
		my @before = grep { /multinode: LOG:  statement: / } split /\n/, MultinodeCluster::slurp($log);
		# (a lone SELECT: a read in the node's implicit transaction)
		last if !@before || $before[-1] =~ /: (COMMIT|ROLLBACK|SELECT .*)$/;
		Time::HiRes::sleep(0.1);
	}
	my $from = -s $log;
	$code->();
	my @stmts;
	for (1 .. 300)
	{
		my $text = MultinodeCluster::slurp($log);
		@stmts = map { /multinode: LOG:  (?:statement|execute <unnamed>): (.*)$/ ? $1 : () }
		  split /\n/, substr($text, $from);
		last if @stmts && $stmts[-1] =~ $last;
		Time::HiRes::sleep(0.1);
	}
	# anything after the last expected one would be a stray round trip
	Time::HiRes::sleep(0.3);
	my $text = MultinodeCluster::slurp($log);
	return map { /multinode: LOG:  (?:statement|execute <unnamed>): (.*)$/ ? $1 : () }
	  split /\n/, substr($text, $from);
}

my $start = qr/^START TRANSACTION ISOLATION LEVEL REPEATABLE READ; /;
my @got;

# ---- autocommit ---------------------------------------------------------------------------
@got = sent_to('dn1', qr/^SELECT count/,
	sub { $s->query_safe("SELECT count(*) FROM m WHERE time < '2020-01-02'") });
is(scalar @got, 1, 'count(*): one message to the node') or diag(join("\n", @got));
like($got[0], qr/^SELECT count\(\*\) FROM public\.m WHERE/,
	'... the query itself: no cursor, no START TRANSACTION, no COMMIT');

# two reads in one statement share the node's snapshot: a remote transaction
@got = sent_to('dn1', qr/^COMMIT$/, sub {
	$s->query_safe("SELECT (SELECT count(*) FROM m WHERE time < '2020-01-02'), (SELECT count(*) FROM m WHERE device = $device{dn1})");
});
is_deeply(
	[ map { s/ FROM public\.m.*//r } @got ],
	[ 'START TRANSACTION ISOLATION LEVEL REPEATABLE READ; SELECT count(*)', 'SELECT count(*)', 'COMMIT' ],
	'two reads in one statement: one remote transaction'
) or diag(join("\n", @got));

# REPEATABLE READ keeps one snapshot per transaction: a remote transaction
$s->query_safe("SET default_transaction_isolation = 'repeatable read'");
@got = sent_to('dn1', qr/^COMMIT$/, sub { $s->query_safe('SELECT count(*) FROM m') });
is_deeply(
	[ map { s/ FROM public\.m.*//r } @got ],
	[ 'START TRANSACTION ISOLATION LEVEL REPEATABLE READ; SELECT count(*)', 'COMMIT' ],
	'autocommit under REPEATABLE READ: in a remote transaction'
) or diag(join("\n", @got));
$s->query_safe('RESET default_transaction_isolation');

@got = sent_to('dn1', qr/^COMMIT$/,
	sub { $s->query_safe('SELECT device, avg(v) FROM m GROUP BY device ORDER BY 1') });
is(scalar @got, 2, 'GROUP BY: two messages to the node') or diag(join("\n", @got));
like($got[0], qr/${start}DECLARE (mn_c\d+) NO SCROLL CURSOR FOR SELECT .*; FETCH \d+ FROM \1$/,
	'... START TRANSACTION, DECLARE and the first FETCH in one message');
is($got[1], 'COMMIT', '... and no CLOSE: the commit closes the cursor');

@got = sent_to('dn2', qr/LIMIT/,
	sub { $s->query_safe("SELECT * FROM m WHERE device = $device{dn2} ORDER BY time DESC LIMIT 3") });
is(scalar @got, 1, 'ORDER BY ... LIMIT on one node: one message') or diag(join("\n", @got));
like($got[0], qr/^SELECT .* LIMIT/, '... the query itself');

# ---- transaction blocks and savepoints ----------------------------------------------------
@got = sent_to('dn1', qr/^COMMIT$/, sub {
	$s->query_safe("BEGIN; SELECT count(*) FROM m; SELECT count(*) FROM m WHERE device = $device{dn1}; COMMIT;");
});
is(scalar @got, 3, 'two reads in a transaction block: three messages') or diag(join("\n", @got));
like($got[0], qr/${start}SELECT count/, '... the first with the START TRANSACTION');
like($got[1], qr/^SELECT count/, '... the second alone');

@got = sent_to('dn1', qr/^COMMIT$/, sub {
	$s->query_safe(
		"BEGIN; SAVEPOINT a; SELECT count(*) FROM m; RELEASE a; SAVEPOINT b; ROLLBACK TO b; RELEASE b; SELECT count(*) FROM m; COMMIT;");
});
is_deeply(
	[ map { s/ FROM public\.m.*//r } @got ],
	[
		'START TRANSACTION ISOLATION LEVEL REPEATABLE READ; SAVEPOINT s2; SELECT count(*)',
		'RELEASE SAVEPOINT s2; SELECT count(*)', 'COMMIT'
	],
	'savepoints ride with the next command; one the node never saw costs nothing'
) or diag(join("\n", @got));

@got = sent_to('dn1', qr/^ROLLBACK$/, sub {
	$s->query("BEGIN; SELECT count(*) FROM m; SAVEPOINT a; SELECT count(*) FROM m WHERE device / (device - device) > 0; ROLLBACK TO a; ROLLBACK;");
});
is_deeply(
	[ map { s/ FROM public\.m.*//r } @got ],
	[
		'START TRANSACTION ISOLATION LEVEL REPEATABLE READ; SELECT count(*)',
		'SAVEPOINT s2; SELECT count(*)',
		'ROLLBACK TO SAVEPOINT s2; RELEASE SAVEPOINT s2', 'ROLLBACK'
	],
	'a failed savepoint is rolled back on the node'
) or diag(join("\n", @got));

# a parameter of the query (a stable expression): one pipeline, one Sync
@got = sent_to('dn1', qr/^SELECT count/,
	sub { $s->query_safe("SELECT count(*) FROM m WHERE time < now()") });
is_deeply([ map { s/ FROM public\.m.*//r } @got ],
	['SELECT count(*)'], 'with a parameter, in autocommit: the query alone')
  or diag(join("\n", @got));
@got = sent_to('dn1', qr/^COMMIT$/,
	sub { $s->query_safe("BEGIN; SELECT count(*) FROM m WHERE time < now(); COMMIT;") });
is_deeply(
	[ map { s/ FROM public\.m.*//r } @got ],
	[ 'START TRANSACTION ISOLATION LEVEL REPEATABLE READ', 'SELECT count(*)', 'COMMIT' ],
	'with a parameter: the START TRANSACTION pipelined ahead of the query'
) or diag(join("\n", @got));

# ---- the deferred COMMIT ------------------------------------------------------------------
# The reader's COMMIT is not waited for, but the node ends the transaction:
# nothing stays open, no snapshot is held between the access node's
# transactions.
$s->query_safe('SELECT count(*) FROM m');
my $open;
for (1 .. 100)
{
	$open = $c->safe_psql('dn1',
		q{SELECT count(*) FROM pg_stat_activity WHERE application_name = 'multinode' AND state <> 'idle'});
	last if $open eq '0';
	Time::HiRes::sleep(0.1);
}
is($open, '0', 'after a read the node has no open transaction of ours');

# the next transaction on the same connection takes a new snapshot
my $before = $s->query_safe('SELECT count(*) FROM m');
$c->safe_psql('an', q{INSERT INTO m VALUES ('2020-01-05', 1, 1), ('2020-01-05', 2, 2)});
is($s->query_safe('SELECT count(*) FROM m'), $before + 2,
	'a read after another session wrote sees the new rows');
$s->query_safe(q{INSERT INTO m VALUES ('2020-01-06', 1, 1), ('2020-01-06', 2, 2)});
is($s->query_safe('SELECT count(*) FROM m'), $before + 4, 'a write after a read commits and is seen');
is($c->safe_psql('an', 'SELECT count(*) FROM m'), $before + 4, '... also by other sessions');

# a deferred answer on a connection the node then drops: the next use
# reconnects (a cursor's read leaves its COMMIT deferred)
$s->query_safe('SELECT device, count(*) FROM m GROUP BY device');
$c->safe_psql('dn1',
	q{SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'multinode'});
my ($out, $err) = $s->query('SELECT count(*) FROM m');
is($out, $before + 4, 'after the node dropped the session the next read works') or diag($err);
unlike($err, qr/ERROR/, '... without an error');

# SERIALIZABLE readers still wait for their COMMIT (a reader can fail it)
@got = sent_to('dn1', qr/^COMMIT$/, sub {
	$s->query_safe('BEGIN ISOLATION LEVEL SERIALIZABLE; SELECT count(*) FROM m; COMMIT;');
});
like($got[0], qr/^START TRANSACTION ISOLATION LEVEL SERIALIZABLE; SELECT/,
	'SERIALIZABLE: the remote transaction is SERIALIZABLE too');

# ---- a START TRANSACTION that fails -------------------------------------------------------
# A hot standby refuses SERIALIZABLE: point dn1 at a standby of itself.
$c->add_standby('dn1s', 'dn1');
$c->wait_for_replay('dn1s', 'dn1');
$s->query_safe(sprintf(q{SELECT node_name FROM alter_data_node('dn1', port => %d)}, $c->port('dn1s')));
($out, $err) = $s->query('BEGIN ISOLATION LEVEL SERIALIZABLE; SELECT count(*) FROM m;');
like($err, qr/ERROR:.*\[dn1\]: cannot use serializable mode in a hot standby/,
	'a failing START TRANSACTION: the node\'s error, naming the node');
like($err, qr/data node "dn1", remote SQL command: START TRANSACTION ISOLATION LEVEL SERIALIZABLE$/m,
	'... and the START TRANSACTION as the command');
$s->query('ROLLBACK');
($out, $err) = $s->query('BEGIN ISOLATION LEVEL SERIALIZABLE; SELECT count(*) FROM m WHERE time < now();');
like($err, qr/remote SQL command: START TRANSACTION ISOLATION LEVEL SERIALIZABLE$/m,
	'... also when it is pipelined ahead of a query with parameters');
$s->query('ROLLBACK');
is($s->query_safe('SELECT count(*) FROM m'), $before + 4,
	'the session goes on (the standby has the same rows)');
is($c->safe_psql('dn1', q{SELECT count(*) FROM pg_prepared_xacts}), '0', 'nothing left prepared');

$s->quit;
done_testing();
