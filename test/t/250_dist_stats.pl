
# Statistics of a distributed hypertable on a real cluster (separate
# postmasters): ANALYZE on the access node, as a non-superuser owner and
# under unusual DateStyle/TimeZone settings, imports the data nodes' row
# counts and column statistics, each replicated chunk counted once; with a
# data node down ANALYZE fails naming it and leaves nothing prepared or
# imported, and the built-in job warns and goes on.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster;
use Test::More;

my $c = MultinodeCluster->new('dist_stats', auth => 'trust', nodes => 2);
my ($rc, $out, $err);

$c->safe_psql('an', q{
CREATE ROLE statsuser LOGIN;
CALL distributed_exec($$ CREATE ROLE statsuser LOGIN $$);
GRANT USAGE ON FOREIGN SERVER dn1, dn2 TO statsuser;
GRANT CREATE ON SCHEMA public TO statsuser;
CALL distributed_exec($$ GRANT CREATE ON SCHEMA public TO statsuser $$);
});

# Four days of readings every 5 minutes from 10 devices (11520 rows), every
# chunk on both nodes.
$c->safe_psql('an', q{
SET ROLE statsuser;
CREATE TABLE readings (time timestamptz NOT NULL, device int, v float8);
SELECT create_distributed_hypertable('readings', 'time', 'device', replication_factor => 2,
                                     chunk_time_interval => interval '1 day');
INSERT INTO readings SELECT t, d, d * 1.5
  FROM generate_series('2024-03-01 00:00+00'::timestamptz, '2024-03-04 23:55+00', '5 minutes') t,
       generate_series(1, 10) d;
});

sub estimate
{
	my ($query) = @_;
	my $plan = $c->safe_psql('an', "SET ROLE statsuser; EXPLAIN (FORMAT JSON) $query");
	return $plan =~ /"Plan Rows": (\d+)/ ? $1 : -1;
}

# ---- ANALYZE as the owner, under DateStyle 'SQL, DMY' and TimeZone Asia/Kolkata ----
($rc, $out, $err) = $c->psql('an', q{
SET ROLE statsuser;
SET datestyle = 'SQL, DMY';
SET timezone = 'Asia/Kolkata';
ANALYZE readings;
});
is($rc, 0, 'ANALYZE of a distributed hypertable as its (non-superuser) owner') or diag($err);
is($c->safe_psql('an', q{SELECT reltuples FROM pg_class WHERE oid = 'readings'::regclass}),
	'11520', 'the root has the row count, replicas counted once');
is($c->safe_psql('an', q{SELECT sum(reltuples) FROM pg_class c JOIN show_chunks('readings') s ON s = c.oid}),
	'11520', 'its chunks have theirs');
is($c->safe_psql('an', q{SET timezone = 'UTC';
	SELECT (histogram_bounds::text::timestamptz[])[array_length(histogram_bounds::text::text[], 1)]
	  FROM pg_stats WHERE tablename = 'readings' AND attname = 'time' AND NOT inherited}),
	'2024-03-04 23:55:00+00', 'time values cross unchanged whatever the session settings');
is($c->safe_psql('an', q{SELECT n_distinct FROM pg_stats WHERE tablename = 'readings' AND attname = 'device'}),
	'10', 'the space column\'s distinct count, replicas divided out');
my $e = estimate('SELECT * FROM readings');
ok(abs($e - 11520) <= 1152, "whole table estimate $e is near 11520");
$e = estimate(q{SELECT * FROM readings WHERE time >= '2024-03-02' AND time < '2024-03-03'});
ok(abs($e - 2880) <= 288, "one day's estimate $e is near 2880");
$e = estimate('SELECT * FROM readings WHERE device = 4');
ok(abs($e - 1152) <= 116, "one device's estimate $e is near 1152");

# ---- a data node down: ANALYZE fails, nothing left behind ------------------------
$c->safe_psql('an', q{SET ROLE statsuser;
	INSERT INTO readings SELECT '2024-03-05 00:00+00'::timestamptz + i * interval '1 minute', 1, 0
	  FROM generate_series(0, 999) i;});
$c->kill_node('dn2');
($rc, $out, $err) = $c->psql('an', 'SET ROLE statsuser; ANALYZE readings');
isnt($rc, 0, 'ANALYZE with a data node down fails');
like($err, qr/data node "dn2"/, '... naming the node');
is($c->safe_psql('an', q{SELECT reltuples FROM pg_class WHERE oid = 'readings'::regclass}),
	'11520', '... and imports nothing');
is($c->safe_psql('dn1', 'SELECT count(*) FROM pg_prepared_xacts'), '0',
	'... and leaves no prepared transaction on the live node');
($rc, $out, $err) = $c->psql('an', 'CALL run_job(4)');
is($rc, 0, 'the statistics job goes on past a hypertable it cannot analyze') or diag($err);
like($err, qr/WARNING:.*could not analyze distributed hypertable "public.readings"/, '... with a warning');

$c->start_node('dn2');
($rc, $out, $err) = $c->psql('an', 'CALL run_job(4)');
is($rc, 0, 'the statistics job runs once the node is back') or diag($err);
is($c->safe_psql('an', q{SELECT reltuples FROM pg_class WHERE oid = 'readings'::regclass}),
	'12520', '... and imports the new rows');

done_testing();
