# Moving and repairing chunks as the hypertable's owner, not a superuser, on
# a cluster with password authentication: the owner reaches each data node
# as itself (its user mapping), the move works and the data is whole; another
# role is refused.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster qw(sql_literal);
use Test::More;

my $su_pw = 'su_pw_chunk_owner';
my $c = MultinodeCluster->new('chunkowner', auth => 'scram', password => $su_pw);
my %su = (password => $su_pw, tcp => 1);
my %owner = (user => 'ht_owner', password => 'owner_pw', tcp => 1);
my %other = (user => 'not_owner', password => 'other_pw', tcp => 1);

sub an { my ($sql, %o) = @_; return $c->safe_psql('an', $sql, %o ? %o : %su); }

an(q{SELECT alter_job(5, scheduled => false)});
for my $r ([ 'ht_owner', 'owner_pw' ], [ 'not_owner', 'other_pw' ])
{
	my ($role, $pw) = @$r;
	an("CREATE ROLE $role LOGIN PASSWORD " . sql_literal($pw));
	an("CALL distributed_exec('CREATE ROLE $role LOGIN PASSWORD ' || " . sql_literal(sql_literal($pw)) . ")");
	for my $dn (qw(dn1 dn2))
	{
		an("CREATE USER MAPPING FOR $role SERVER $dn OPTIONS (user '$role', password " . sql_literal($pw) . ")");
	}
	an("GRANT USAGE ON FOREIGN SERVER dn1, dn2 TO $role");
}
an(q{GRANT CREATE ON SCHEMA public TO ht_owner});
an(q{CALL distributed_exec('GRANT CREATE ON SCHEMA public TO ht_owner')});

an(q{CREATE TABLE o (time timestamptz NOT NULL, dev int, v bigint);
	SELECT create_distributed_hypertable('o', 'time', 'dev', number_partitions => 1,
		chunk_time_interval => interval '1 day', data_nodes => '{dn1,dn2}');
	INSERT INTO o SELECT '2024-01-01'::timestamptz + i * interval '1 minute', i, i
	  FROM generate_series(0, 999) i;}, %owner);
my $chunk = an(q{SELECT format('%I.%I', chunk_schema, chunk_name) FROM timescaledb_experimental.chunk_replication_status
	WHERE replica_nodes = '{dn1}' ORDER BY chunk_name LIMIT 1}, %owner);
ok($chunk ne '', 'the owner made a distributed hypertable with a chunk on dn1');
my $expected = an(q{SELECT count(*), sum(v) FROM o}, %owner);

my ($rc, $out, $err) = $c->psql('an', qq{CALL timescaledb_experimental.move_chunk('$chunk', 'dn1', 'dn2')}, %other);
isnt($rc, 0, 'another role cannot move the chunk');
like($err, qr/must be superuser or hypertable owner to copy or move chunk to data node/, '... saying why');

an(qq{CALL timescaledb_experimental.move_chunk('$chunk', 'dn1', 'dn2')}, %owner);
is(an(qq{SELECT replica_nodes FROM timescaledb_experimental.chunk_replication_status
	 WHERE format('%I.%I', chunk_schema, chunk_name) = '$chunk'}, %owner), '{dn2}', 'the owner moved it to dn2');
is(an(q{SELECT count(*), sum(v) FROM o}, %owner), $expected, '... the data whole');
is(an(qq{SELECT to_regclass('$chunk') IS NULL}, %su), 'f', '... the access node keeps its foreign table');
is($c->safe_psql('dn1', qq{SELECT to_regclass('$chunk') IS NULL}, %su), 't', '... and dn1 no longer has the table');
is($c->safe_psql('dn2', qq{SELECT tableowner FROM pg_tables WHERE format('%I.%I', schemaname, tablename) = '$chunk'}, %su),
	'ht_owner', '... on dn2 it belongs to the owner');

# a stale replica repaired by the owner: copy back to dn1 first, then mark it stale
an(qq{CALL timescaledb_experimental.copy_chunk('$chunk', 'dn2', 'dn1')}, %owner);
$c->safe_psql('dn2', qq{INSERT INTO $chunk VALUES ('2024-01-01 00:00:30', 1, -1)}, %su);
an(qq{INSERT INTO _timescaledb_catalog.chunk_replica_stale (chunk_id, node_name)
	SELECT id, 'dn1' FROM _timescaledb_catalog.chunk WHERE format('%I.%I', schema_name, table_name) = '$chunk'});
is(an(q{SELECT repair_chunk_replicas()}, %other), '0', 'another role repairs nothing of it');
is(an(q{SELECT repair_chunk_replicas('o')}, %owner), '1', 'the owner repairs the stale replica');
is($c->safe_psql('dn1', qq{SELECT count(*), sum(v) FROM $chunk}, %su),
	$c->safe_psql('dn2', qq{SELECT count(*), sum(v) FROM $chunk}, %su), '... the replicas identical');

done_testing();
