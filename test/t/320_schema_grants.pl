
# A non-superuser who holds nothing but grants on a schema (and USAGE on the
# data nodes) creates, fills, queries and drops a distributed hypertable in
# it, on separate postmasters, once the schema and its grants reach the data
# nodes (multinode.enable_distributed_ddl, as TimescaleDB 2.13's
# timescaledb_experimental.enable_distributed_ddl; without it the nodes do
# not have the schema and the creation fails there).  Default privileges
# reach the nodes too, and has_table_privilege agrees on every node.  Roles
# are not created on the nodes: a GRANT naming a role that a node lacks is
# refused on the access node, naming the node and the role, and leaves
# nothing behind.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster;
use Test::More;

my $c = MultinodeCluster->new('schema_grants', nodes => 2);
my $on = 'SET multinode.enable_distributed_ddl = on;';

$c->safe_psql('an', q{
CREATE ROLE app_user LOGIN;
CREATE ROLE app_reader LOGIN;
CREATE ROLE an_only LOGIN;
CALL distributed_exec($$ CREATE ROLE app_user LOGIN; CREATE ROLE app_reader LOGIN $$);
GRANT USAGE ON FOREIGN SERVER dn1, dn2 TO app_user;
});

# without forwarding (the default): the schema exists on the access node only
$c->safe_psql('an', q{
CREATE SCHEMA local_only;
GRANT USAGE, CREATE ON SCHEMA local_only TO app_user;
});
my $err = $c->psql_fails('an', q{
CREATE TABLE local_only.m (time timestamptz NOT NULL, device int, val float);
SELECT create_distributed_hypertable('local_only.m', 'time', 'device');
}, 'without enable_distributed_ddl the data nodes lack the schema', user => 'app_user');
like($err, qr/\[dn\d\]/, 'the failure comes from a data node');

# with forwarding: schema, its grants and default privileges on every node
$c->safe_psql('an', qq{$on
CREATE SCHEMA metrics_app;
GRANT USAGE, CREATE ON SCHEMA metrics_app TO app_user;
GRANT USAGE ON SCHEMA metrics_app TO app_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE app_user IN SCHEMA metrics_app GRANT SELECT ON TABLES TO app_reader;
});
for my $dn ($c->data_nodes)
{
	is($c->safe_psql($dn, q{SELECT has_schema_privilege('app_user', 'metrics_app', 'CREATE')}),
		't', "$dn: app_user may create in metrics_app");
	is($c->safe_psql($dn, q{SELECT count(*) FROM pg_default_acl WHERE defaclrole = 'app_user'::regrole}),
		'1', "$dn: app_user's default privileges arrived");
}

# the role alone: create, fill, query
$c->safe_psql('an', q{
CREATE TABLE metrics_app.m (time timestamptz NOT NULL, device int, val float);
SELECT create_distributed_hypertable('metrics_app.m', 'time', 'device', chunk_time_interval => interval '1 day');
INSERT INTO metrics_app.m SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i % 4, i
  FROM generate_series(1, 100) i;
}, user => 'app_user');
is($c->safe_psql('an', 'SELECT count(*), sum(val) FROM metrics_app.m', user => 'app_user'),
	'100|5050', 'the role reads back every row');
my $on_nodes = 0;
for my $dn ($c->data_nodes)
{
	my $n = $c->safe_psql($dn, 'SELECT count(*) FROM metrics_app.m');
	cmp_ok($n, '>', 0, "$dn holds a part of the rows");
	$on_nodes += $n;
	is($c->safe_psql($dn, q{SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'metrics_app.m'::regclass}),
		'app_user', "$dn: the member belongs to app_user");
}
is($on_nodes, 100, 'the nodes hold every row once');

# the default privileges made app_reader a reader everywhere
for my $node ($c->nodes)
{
	is($c->safe_psql($node, q{SELECT has_table_privilege('app_reader', 'metrics_app.m', 'SELECT'),
	                                 has_table_privilege('app_reader', 'metrics_app.m', 'INSERT')}),
		't|f', "$node: app_reader may read metrics_app.m, not write it");
}
is($c->safe_psql('an', 'SELECT count(*) FROM metrics_app.m', user => 'app_reader'),
	'100', 'app_reader reads through the access node');

# grants by the owner reach the nodes; has_table_privilege agrees
$c->safe_psql('an', q{
GRANT INSERT (time, device, val) ON metrics_app.m TO app_reader WITH GRANT OPTION;
}, user => 'app_user');
for my $node ($c->nodes)
{
	is($c->safe_psql($node, q{SELECT has_column_privilege('app_reader', 'metrics_app.m', 'val', 'INSERT WITH GRANT OPTION')}),
		't', "$node: app_reader's column grant with grant option");
}

# a role the data nodes do not have
$err = $c->psql_fails('an', 'GRANT SELECT ON metrics_app.m TO an_only',
	'a grant to a role missing on the data nodes is refused', user => 'app_user');
like($err, qr/role "an_only" does not exist on data node "dn1"/, 'the error names the role and the node');
is($c->safe_psql('an', q{SELECT has_table_privilege('an_only', 'metrics_app.m', 'SELECT')}),
	'f', 'the refused grant left nothing on the access node');
$err = $c->psql_fails('an', "$on GRANT USAGE ON SCHEMA metrics_app TO an_only",
	'a schema grant to a role missing on the data nodes is refused');
like($err, qr/role "an_only" does not exist on data node "dn1"/, 'the same error for a schema grant');
is($c->safe_psql('an', q{SELECT has_schema_privilege('an_only', 'metrics_app', 'USAGE')}),
	'f', 'the refused schema grant left nothing on the access node');
$err = $c->psql_fails('an', "$on CREATE SCHEMA for_an_only AUTHORIZATION an_only",
	'a schema for a role missing on the data nodes is refused');
like($err, qr/role "an_only" does not exist on data node "dn1"/, 'the same error for CREATE SCHEMA AUTHORIZATION');
is($c->safe_psql('an', q{SELECT count(*) FROM pg_namespace WHERE nspname = 'for_an_only'}),
	'0', 'the refused schema was not created on the access node');

# the role drops its hypertable everywhere; the schema goes from every node
$c->safe_psql('an', 'DROP TABLE metrics_app.m', user => 'app_user');
for my $dn ($c->data_nodes)
{
	is($c->safe_psql($dn, q{SELECT count(*) FROM pg_class WHERE relname = 'm' AND relnamespace = 'metrics_app'::regnamespace}),
		'0', "$dn: the member is dropped");
}
$c->safe_psql('an', qq{$on
ALTER DEFAULT PRIVILEGES FOR ROLE app_user IN SCHEMA metrics_app REVOKE SELECT ON TABLES FROM app_reader;
DROP SCHEMA metrics_app;
});
for my $dn ($c->data_nodes)
{
	is($c->safe_psql($dn, q{SELECT count(*) FROM pg_namespace WHERE nspname = 'metrics_app'}),
		'0', "$dn: the schema is dropped");
}

$c->teardown;
done_testing();
