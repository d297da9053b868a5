
# Node management on a real cluster, as TimescaleDB 2.13 behaved: a role that
# is not a superuser on the access node bootstraps a data node with a password
# of its own; a node whose database was dropped is deleted; a node deleted
# while it was down keeps its claim, so its database is refused when added
# again, with TimescaleDB's message, until the claim is removed.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster;
use Test::More;

# scram between the nodes; no data nodes added yet
my $c = MultinodeCluster->new('node_mgmt', auth => 'scram', add => 0);
my ($rc, $out, $err);
my %port = map { $_ => $c->port($_) } $c->data_nodes;

# ---- a non-superuser bootstraps a data node with its password --------------------------
# nodeadmin: USAGE on the wrapper on the access node; on dn1 a superuser (it
# must create the extension), with a password; on dn2 only CREATEDB.
$c->safe_psql('an', q{
CREATE ROLE nodeadmin LOGIN PASSWORD 'adminpw';
GRANT USAGE ON FOREIGN DATA WRAPPER timescaledb_fdw TO nodeadmin;
});
$c->safe_psql('dn1', q{CREATE ROLE nodeadmin LOGIN SUPERUSER PASSWORD 'adminpw'}, db => 'postgres');
$c->safe_psql('dn2', q{CREATE ROLE nodeadmin LOGIN CREATEDB PASSWORD 'adminpw'}, db => 'postgres');
is($c->safe_psql('an', 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user', user => 'nodeadmin'),
	'f', 'nodeadmin is not a superuser on the access node');

$err = $c->psql_fails('an',
	"SELECT add_data_node('dn1', host => '127.0.0.1', port => $port{dn1}, database => 'nm_dn1')",
	'without a password a non-superuser cannot add a node', user => 'nodeadmin');
like($err, qr/password is required to add data node "dn1"/, '... and is told to give one');

$err = $c->psql_fails('an',
	"SELECT add_data_node('dn1', host => '127.0.0.1', port => $port{dn1}, database => 'nm_dn1', password => 'wrong')",
	'a wrong password is refused', user => 'nodeadmin');
like($err, qr/password authentication failed for user "nodeadmin"/, '... by the data node');

is( $c->safe_psql('an',
		"SELECT node_name, database, node_created, database_created, extension_created FROM add_data_node('dn1', host => '127.0.0.1', port => $port{dn1}, database => 'nm_dn1', password => 'adminpw')",
		user => 'nodeadmin'),
	'dn1|nm_dn1|t|t|t', 'with its password nodeadmin bootstraps dn1: database and extension created');
is($c->safe_psql('an', q{SELECT pg_get_userbyid(srvowner) FROM pg_foreign_server WHERE srvname = 'dn1'}),
	'nodeadmin', 'the data node is nodeadmin\'s');
is($c->safe_psql('dn1', q{SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'nm_dn1'}, db => 'postgres'),
	'nodeadmin', 'on the node the database was made by nodeadmin (as itself)');
is($c->safe_psql('dn1', q{SELECT count(*) FROM _timescaledb_catalog.metadata WHERE key = 'dist_uuid'}, db => 'nm_dn1'),
	'1', 'the node is claimed');

# dn2: nodeadmin may create the database but not the extension; nothing stays behind
$err = $c->psql_fails('an',
	"SELECT add_data_node('dn2', host => '127.0.0.1', port => $port{dn2}, database => 'nm_dn2', password => 'adminpw')",
	'where nodeadmin may not create the extension, bootstrapping fails', user => 'nodeadmin');
like($err, qr/permission denied to create extension "multinode"/, '... saying why');
is($c->safe_psql('dn2', q{SELECT count(*) FROM pg_database WHERE datname = 'nm_dn2'}, db => 'postgres'),
	'0', '... and the database it made is dropped again');
is($c->safe_psql('an', q{SELECT count(*) FROM pg_foreign_server WHERE srvname = 'dn2'}),
	'0', '... and no server is left on the access node');

# ---- a node whose database was dropped ----------------------------------------------
# the superuser adds dn2 and writes there, so the decision log names it
is( $c->safe_psql('an',
		"SELECT node_created FROM add_data_node('dn2', host => '127.0.0.1', port => $port{dn2}, database => 'nm_dn2')"),
	't', 'dn2 added by the superuser');
$c->safe_psql('an', q{
CREATE TABLE t2 (time timestamptz NOT NULL, v int);
SELECT create_distributed_hypertable('t2', 'time', data_nodes => '{dn2}');
INSERT INTO t2 VALUES ('2020-01-01', 1);
DROP TABLE t2;
});
cmp_ok($c->safe_psql('an', q{SELECT count(*) FROM _timescaledb_catalog.remote_txn WHERE data_node_name = 'dn2'}),
	'>', 0, 'the decision log names dn2');
$c->safe_psql('dn2', 'DROP DATABASE nm_dn2 WITH (FORCE)', db => 'postgres');
($rc, $out, $err) = $c->psql('an', q{SELECT delete_data_node('dn2')});
is($rc, 0, 'delete_data_node of a node whose database was dropped succeeds') or diag($err);
like($err, qr/could not release data node "dn2"/, '... warning that the node could not be released');
is($c->safe_psql('an', q{SELECT count(*) FROM pg_foreign_server WHERE srvname = 'dn2'}), '0', '... and dn2 is gone');

# ---- a node deleted while down keeps its claim ------------------------------------------
is( $c->safe_psql('an',
		"SELECT node_created FROM add_data_node('dn2b', host => '127.0.0.1', port => $port{dn2}, database => 'nm_dn2b')"),
	't', 'dn2b added: the same instance, a new database');
$c->stop_node('dn2');
($rc, $out, $err) = $c->psql('an', q{SELECT delete_data_node('dn2b')});
is($rc, 0, 'a node that is down and holds nothing is deleted') or diag($err);
like($err, qr/could not release data node "dn2b"/, '... with a warning');
$c->start_node('dn2');
$err = $c->psql_fails('an',
	"SELECT add_data_node('dn2b', host => '127.0.0.1', port => $port{dn2}, database => 'nm_dn2b', bootstrap => false)",
	'its database, still claimed, is refused with bootstrap => false');
like($err, qr/cannot add "dn2b" as a data node/, '... with TimescaleDB\'s message');
like($err, qr/DETAIL:  database is already a member of a distributed database/, '... and its detail');
$err = $c->psql_fails('an',
	"SELECT add_data_node('dn2b', host => '127.0.0.1', port => $port{dn2}, database => 'nm_dn2b')",
	'and with bootstrap => true');
like($err, qr/cannot add "dn2b" as a data node/, '... the same message');
$c->safe_psql('dn2', q{DELETE FROM _timescaledb_catalog.metadata WHERE key IN ('dist_uuid', 'dist_claim_xid')},
	db => 'nm_dn2b');
is( $c->safe_psql('an',
		"SELECT node_created, database_created FROM add_data_node('dn2b', host => '127.0.0.1', port => $port{dn2}, database => 'nm_dn2b', bootstrap => false)"),
	't|f', 'once released by hand it joins again');

$c->teardown;
done_testing();
