
# User mapping authentication, replayed from mst-multinode-setup.md and
# forge-multinode-setup.md: every data node has its own password for the admin
# role tsdbadmin, the access node has no passfile, add_data_node gets the
# password as an argument, and user mappings carry the passwords from then on.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster qw(sql_literal);
use Test::More;

# Data nodes demand scram-sha-256 passwords; no passfile; no data nodes added.
my $c = MultinodeCluster->new('usermapping', auth => 'scram', passfile => 0, add => 0);
my ($rc, $out, $err);
my %secret = (dn1 => 'tsdbadmin_pw_for_DN1', dn2 => q{it's:a\\secret});
my %port = map { $_ => $c->port($_) } $c->data_nodes;

ok(!-e $c->data_dir('an') . '/passfile', 'the access node has no passfile');

# What a managed service gives: a superuser tsdbadmin on every service, with its
# own password on each data node.
$c->safe_psql('an', 'CREATE ROLE tsdbadmin SUPERUSER LOGIN', db => 'postgres');
for my $dn ($c->data_nodes)
{
	$c->safe_psql($dn, "CREATE ROLE tsdbadmin SUPERUSER LOGIN PASSWORD " . sql_literal($secret{$dn}),
		db => 'postgres');
}
$c->safe_psql('an', 'ALTER DATABASE multinode OWNER TO tsdbadmin', db => 'postgres');
my %as_admin = (user => 'tsdbadmin');

# Forge: the data node's database and extension exist before it is added.
$c->safe_psql('dn1', 'CREATE DATABASE multinode OWNER tsdbadmin', db => 'postgres');
$c->safe_psql('dn1', 'CREATE EXTENSION multinode', %as_admin);

# ---- without a password nothing connects, and nothing is left behind -------------------
$err = $c->psql_fails('an',
	"SELECT * FROM add_data_node('dn1', host => '127.0.0.1', port => $port{dn1}, bootstrap => false)",
	'add_data_node without any password fails', %as_admin);
like($err, qr/could not connect to data node "dn1"/, '... could not connect to data node "dn1"');
like($err, qr/no password supplied/, '... no password supplied');
$err = $c->psql_fails('an',
	"SELECT * FROM add_data_node('dn1', host => '127.0.0.1', port => $port{dn1}, password => 'wrong', bootstrap => false)",
	'add_data_node with a wrong password fails', %as_admin);
like($err, qr/password authentication failed for user "tsdbadmin"/, '... password authentication failed');
is($c->safe_psql('an', 'SELECT count(*) FROM pg_foreign_server', %as_admin), '0', '... and leaves no server');

# ---- Step 3a: add each data node ----------------------------------------------------------
# forge: bootstrap => false (database and extension made by hand above)
is( $c->safe_psql('an',
		"SELECT * FROM add_data_node('dn1', host => '127.0.0.1', port => $port{dn1} , password => "
		  . sql_literal($secret{dn1}) . ", bootstrap => false)", %as_admin),
	"dn1|127.0.0.1|$port{dn1}|multinode|t|f|f",
	'forge: add_data_node(..., password => ..., bootstrap => false) adds dn1, creating nothing on it');
# mst: bootstrap (the default) creates the database and extension
is( $c->safe_psql('an',
		"SELECT * FROM add_data_node('dn2', host => '127.0.0.1', port => $port{dn2}, password => "
		  . sql_literal($secret{dn2}) . ")", %as_admin),
	"dn2|127.0.0.1|$port{dn2}|multinode|t|t|t",
	'mst: add_data_node(..., password => ...) adds dn2 and creates its database and extension');

# \des+ as the pages show it
($rc, $out, $err) = $c->psql('an', '\des+', %as_admin, flags => [ '-x' ]);
is($rc, 0, '\des+') or diag($err);
for my $dn ($c->data_nodes)
{
	like($out, qr/^Name\s+\| $dn\nOwner\s+\| tsdbadmin\nForeign-data wrapper\s+\| timescaledb_fdw\n/m,
		"\\des+ shows $dn, owned by tsdbadmin, of timescaledb_fdw");
	like($out, qr/^FDW options\s+\| \(host '127\.0\.0\.1', port '$port{$dn}', dbname 'multinode'\)$/m,
		"\\des+ shows $dn\'s host, port and dbname");
}

# The password was for adding only: using a node needs a user mapping.
$err = $c->psql_fails('an', q{CALL distributed_exec($$ SELECT 1 $$);},
	'without a user mapping the data nodes cannot be used', %as_admin);
like($err, qr/no password supplied/, '... no password supplied');

# ---- Step 3b: a user mapping for each data node ------------------------------------------
for my $dn ($c->data_nodes)
{
	$c->safe_psql('an',
		"CREATE USER MAPPING FOR tsdbadmin SERVER $dn OPTIONS (user 'tsdbadmin', password "
		  . sql_literal($secret{$dn}) . ");", %as_admin);
}
($rc, $out, $err) = $c->psql('an',
	q{CALL distributed_exec($$ DO $do$ BEGIN IF current_user <> 'tsdbadmin' THEN RAISE EXCEPTION 'running as %', current_user; END IF; END $do$ $$);},
	%as_admin);
is($rc, 0, 'with user mappings, distributed_exec reaches both data nodes as tsdbadmin') or diag($err);
is( $c->safe_psql('an',
		'SELECT node_name, healthy FROM _timescaledb_internal.health() WHERE node_name IS NOT NULL ORDER BY 1', %as_admin),
	"dn1|t\ndn2|t", 'health() finds both data nodes healthy');

# A password changed on the mapping takes effect in the same session: the
# cached connection is dropped when the mapping changes.
my $s = $c->session('an', %as_admin);
is($s->query_safe(q{CALL distributed_exec($$ SELECT 1 $$, node_list => '{dn1}'); SELECT 'ok';}),
	'ok', 'a session connects to dn1 through the mapping');
$s->query_safe(q{ALTER USER MAPPING FOR tsdbadmin SERVER dn1 OPTIONS (SET password 'changed');});
($out, $err) = $s->query(q{CALL distributed_exec($$ SELECT 1 $$, node_list => '{dn1}');});
like($err, qr/password authentication failed for user "tsdbadmin"/,
	'after ALTER USER MAPPING, the session reconnects with the new (wrong) password');
$s->query_safe("ALTER USER MAPPING FOR tsdbadmin SERVER dn1 OPTIONS (SET password " . sql_literal($secret{dn1}) . ");");
($out, $err) = $s->query(q{CALL distributed_exec($$ SELECT 1 $$, node_list => '{dn1}'); SELECT 'ok';});
is($out, 'ok', 'and with the right one again, it works') or diag($err);
$s->quit;

# ---- Adding additional database users (mst) ---------------------------------------------
$c->safe_psql('an', q{
CREATE ROLE mn_user1 LOGIN PASSWORD 'password';
GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO mn_user1;
CALL distributed_exec(query => 'CREATE ROLE mn_user1 LOGIN PASSWORD $$password$$', node_list => '{dn1,dn2}');
CALL distributed_exec(query => 'GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO mn_user1;', node_list => '{dn1,dn2}');
CREATE USER MAPPING FOR mn_user1 SERVER dn1 OPTIONS (user 'mn_user1', password 'password');
}, %as_admin);
for my $dn ($c->data_nodes)
{
	is($c->safe_psql($dn, 'SELECT current_user', user => 'mn_user1', tcp => 1, password => 'password'),
		'mn_user1', "$dn: mn_user1 (made by distributed_exec with node_list) logs in with its password");
}

# mn_user1 uses dn1 through its own mapping (USAGE granted: the pages leave it out,
# but a data node is used only with it).
$c->safe_psql('an', 'GRANT USAGE ON FOREIGN SERVER dn1, dn2 TO mn_user1', %as_admin);
($rc, $out, $err) = $c->psql('an',
	q{CALL distributed_exec($$ DO $do$ BEGIN IF current_user <> 'mn_user1' THEN RAISE EXCEPTION 'running as %', current_user; END IF; END $do$ $$, node_list => '{dn1}');},
	user => 'mn_user1');
is($rc, 0, 'mn_user1 reaches dn1 as mn_user1 through its user mapping') or diag($err);
$err = $c->psql_fails('an', q{CALL distributed_exec($$ SELECT 1 $$, node_list => '{dn2}');},
	'mn_user1 has no mapping for dn2', user => 'mn_user1');
like($err, qr/could not connect to data node "dn2".*\n(.*\n)*.*no password supplied/,
	'... could not connect to data node "dn2": no password supplied');

# ---- deleting a node: its maintenance connection needs the mapping's password too ----
{
	($rc, $out, $err) = $c->psql('an', "SELECT delete_data_node('dn2', drop_database => true)", %as_admin);
	is($rc, 0, 'delete_data_node(drop_database => true) with only a user mapping to authenticate')
	  or diag($err);
	is($c->safe_psql('dn2', "SELECT count(*) FROM pg_database WHERE datname = 'multinode'", db => 'postgres'),
		'0', '... drops the database on the node');
}
is($c->safe_psql('an', "SELECT delete_data_node('dn1')", %as_admin), 't',
	'delete_data_node without drop_database');
is($c->safe_psql('dn1', "SELECT count(*) FROM _timescaledb_catalog.metadata WHERE key = 'dist_uuid'"),
	'0', '... releases the node (no dist_uuid left on it)');

done_testing();
