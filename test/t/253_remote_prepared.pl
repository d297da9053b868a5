# Remote SQL that a session sends a second time on a data node connection
# runs there as a named prepared statement (src/remote/stmt_cache.c): a small
# read and a single-row INSERT are parsed and planned by the node once.  The
# answers stay the same; a column type change through the access node, a
# distributed_exec that deallocates, a failing statement and a connection
# lost between uses never leave a stale name behind.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;
use Test::More;
use Time::HiRes ();
use MultinodeCluster;

# every message a data node gets, with the name of the statement it executes
my $c = MultinodeCluster->new('remote_prepared',
	settings => [ 'log_line_prefix=%m [%p] %a: ', 'log_statement=all' ]);

# two days of hourly readings of four devices, spread over both nodes
$c->safe_psql('an', q{
CREATE TABLE m (time timestamptz NOT NULL, device int, v float8);
SELECT create_distributed_hypertable('m', 'time', 'device');
INSERT INTO m SELECT '2020-01-01'::timestamptz + h * interval '1 hour', d, d
  FROM generate_series(0, 48) h, generate_series(1, 4) d;
});
# device 1's node
my ($dn) = grep { $c->safe_psql($_, 'SELECT count(*) > 0 FROM m WHERE device = 1') eq 't' }
  $c->data_nodes;
ok($dn, 'device 1 lives on a data node');

my $s = $c->session('an');

# What the node logged for the access node's sessions while CODE ran: each
# executed message as "<statement name>: <text>".
sub executed
{
	my ($code, $last) = @_;
	my $log = $c->logfile($dn);
	Time::HiRes::sleep(0.3);    # a reader's COMMIT is not waited for
	my $from = -s $log;
	$code->();
	my @got;
	for (1 .. 100)
	{
		my $text = substr(MultinodeCluster::slurp($log), $from);
		@got = map { /multinode: LOG:  (?:statement|execute (\S+)): (.*)$/ ? ($1 // 'simple') . ": $2" : () }
		  split /\n/, $text;
		last if grep { /$last/ } @got;
		Time::HiRes::sleep(0.1);
	}
	return @got;
}

my $w6 = 'SELECT time, v FROM m WHERE device = 1 ORDER BY time DESC LIMIT 3';
my $w6_expected = $c->safe_psql('an', "SET multinode.remote_statement_cache_size = 0; $w6");

# ---- a read, three times -------------------------------------------------------------------
my @names;
for my $i (1 .. 3)
{
	my $out;
	my @got = executed(sub { $out = $s->query_safe($w6) }, qr/ORDER BY/);
	is($out, $w6_expected, "read $i: the same answer");
	my ($q) = grep { /FROM public\.m WHERE/ } @got;
	ok(defined $q, "read $i: the query reached the node") or diag(join("\n", @got));
	push @names, $q =~ /^(\S+): / ? $1 : '?';
}
is($names[0], 'simple', 'first time: a plain Query message');
like($names[1], qr/^mn_s\d+$/, 'second time: a named statement');
is($names[2], $names[1], 'third time: the same name, bound and executed only');

# ---- a chunk created on the node after the statement was prepared -----------------------
$c->safe_psql('an', "INSERT INTO m VALUES ('2020-02-01', 1, 7)");
my $out = $s->query_safe($w6);
like($out, qr/^[^\n]*\|7\n/, 'a kept statement reads a chunk created since');
$c->safe_psql('an', "DELETE FROM m WHERE time = '2020-02-01'");
is($s->query_safe($w6), $w6_expected, '... and misses the rows deleted since');

# ---- a single-row INSERT, twice ------------------------------------------------------------
my @ins;
for my $i (1 .. 2)
{
	my @got = executed(sub { $s->query_safe("INSERT INTO m VALUES ('2020-01-02 00:30', 1, 100 + $i)") },
		qr/: COMMIT$/);
	my ($q) = grep { /INSERT INTO/ } @got;
	push @ins, $q // '?';
}
like($ins[0], qr/^<unnamed>: INSERT INTO _timescaledb_internal\./, 'first INSERT: unnamed');
like($ins[1], qr/^mn_s\d+: INSERT INTO _timescaledb_internal\./, 'second INSERT into the chunk: named');
is($c->safe_psql('an', "SELECT string_agg(v::text, ',' ORDER BY v) FROM m WHERE time = '2020-01-02 00:30' AND device = 1"),
	'101,102', 'both rows are there');
$w6_expected = $c->safe_psql('an', "SET multinode.remote_statement_cache_size = 0; $w6");
$s->query_safe($w6);

# ---- a column type change through the access node ------------------------------------------
# The statement's row type changes on the node: a stale statement would fail
# with "cached plan must not change result type".
$c->safe_psql('an', 'ALTER TABLE m ALTER COLUMN v TYPE numeric');
my $err;
($out, $err) = $s->query("$w6; SELECT pg_typeof(v) FROM m LIMIT 1");
unlike($err, qr/ERROR/, 'after ALTER COLUMN TYPE: no error') or diag($err);
is($out, join("\n", $w6_expected, 'numeric'), '... the same answer, now numeric');
my @got = executed(sub { $out = $s->query_safe($w6) }, qr/ORDER BY/);
is($out, $w6_expected, '... and again');
like(join("\n", @got), qr/^<unnamed>: DEALLOCATE ALL\nmn_s\d+: SELECT/m,
	'... prepared anew, the old statements deallocated first')
  or diag(join("\n", @got));

# ---- distributed_exec may deallocate them --------------------------------------------------
$s->query_safe("CALL distributed_exec('DEALLOCATE ALL')");
($out, $err) = $s->query("$w6; $w6");
unlike($err, qr/ERROR/, 'after distributed_exec DEALLOCATE ALL: no error') or diag($err);
is($out, "$w6_expected\n$w6_expected", '... the same answers');

# ---- a statement that fails on the node, again and again -----------------------------------
my $bad = "SELECT count(*) FROM m WHERE device = 1 AND 1 / (v - v) > 0";
for my $i (1 .. 3)
{
	(undef, $err) = $s->query($bad);
	like($err, qr/division by zero/, "failing statement, try $i: the node's error");
}
is($s->query_safe("SELECT count(*) FROM m WHERE device = 1"), '51', 'the session goes on');

# ---- the node's session ends between two uses ----------------------------------------------
$s->query_safe($w6);
$c->safe_psql($dn,
	"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'multinode' AND pid <> pg_backend_pid()"
);
Time::HiRes::sleep(0.5);
($out, $err) = $s->query("$w6; $w6; $w6");
unlike($err, qr/ERROR/, 'after the node session ended: no error') or diag($err);
is($out, "$w6_expected\n$w6_expected\n$w6_expected", '... the same answers');

# ---- turned off ----------------------------------------------------------------------------
$s->query_safe('SET multinode.remote_statement_cache_size = 0');
$s->query_safe($w6);
@got = executed(sub { $s->query_safe($w6) }, qr/ORDER BY/);
my ($q) = grep { /FROM public\.m WHERE/ } @got;
like($q // '', qr/^simple: /, 'multinode.remote_statement_cache_size = 0: a plain Query message');

$s->quit;
$c->teardown;
done_testing();
