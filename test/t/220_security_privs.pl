
# Privileges on a real cluster, replaying mst-multinode-setup.md's "Adding
# additional database users": data nodes that demand passwords, no passfile,
# user mappings.  mn_user1 gets table privileges and a user mapping, never
# USAGE on the data nodes, and must be able to read and write the
# distributed hypertable; it still cannot place data on a node or run
# commands there.  A role without SELECT is refused before any node is
# contacted.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster qw(sql_literal);
use Test::More;

my $c = MultinodeCluster->new('secprivs', auth => 'scram', passfile => 0, add => 0);
my ($rc, $out, $err);
my %secret = (dn1 => 'tsdbadmin_pw_for_DN1', dn2 => 'tsdbadmin_pw_for_DN2');
my %port = map { $_ => $c->port($_) } $c->data_nodes;

# A managed service's admin role on every service, its own password on each.
$c->safe_psql('an', 'CREATE ROLE tsdbadmin SUPERUSER LOGIN', db => 'postgres');
for my $dn ($c->data_nodes)
{
	$c->safe_psql($dn, "CREATE ROLE tsdbadmin SUPERUSER LOGIN PASSWORD " . sql_literal($secret{$dn}),
		db => 'postgres');
}
$c->safe_psql('an', 'ALTER DATABASE multinode OWNER TO tsdbadmin', db => 'postgres');
my %as_admin = (user => 'tsdbadmin');

# ---- the page's set-up: data nodes, user mappings, the sensor_data table ----
for my $dn ($c->data_nodes)
{
	$c->safe_psql('an',
		"SELECT add_data_node('$dn', host => '127.0.0.1', port => $port{$dn}, password => "
		  . sql_literal($secret{$dn}) . ")", %as_admin);
	$c->safe_psql('an',
		"CREATE USER MAPPING FOR tsdbadmin SERVER $dn OPTIONS (user 'tsdbadmin', password "
		  . sql_literal($secret{$dn}) . ")", %as_admin);
}
$c->safe_psql('an', q{
CREATE TABLE sensor_data (
  time TIMESTAMPTZ NOT NULL,
  sensor_id INTEGER,
  temperature DOUBLE PRECISION,
  cpu DOUBLE PRECISION
);
SELECT create_distributed_hypertable('sensor_data', 'time', 'sensor_id');
INSERT INTO sensor_data VALUES  ('2020-12-09',1,32.2,0.45);
INSERT INTO sensor_data VALUES  ('2020-12-09',2,30.1,0.40);
}, %as_admin);

# ---- Adding additional database users, as printed --------------------------
$c->safe_psql('an', q{
CREATE ROLE mn_user1 LOGIN PASSWORD 'password';
GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO mn_user1;
CALL distributed_exec(query => 'CREATE ROLE mn_user1 LOGIN PASSWORD $$password$$', node_list => '{dn1,dn2}');
CALL distributed_exec(query => 'GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO mn_user1;', node_list => '{dn1,dn2}');
CREATE USER MAPPING FOR mn_user1 SERVER dn1 OPTIONS (user 'mn_user1', password 'password');
CREATE USER MAPPING FOR mn_user1 SERVER dn2 OPTIONS (user 'mn_user1', password 'password');
}, %as_admin);
my %as_user1 = (user => 'mn_user1', password => 'password', tcp => 1);

is($c->safe_psql('an', "SELECT has_server_privilege('dn1', 'USAGE') OR has_server_privilege('dn2', 'USAGE')",
		%as_user1),
	'f', 'mn_user1 has no USAGE on the data nodes (the page grants none)');

# ---- mn_user1 reads and writes with its table privileges --------------------
($rc, $out, $err) = $c->psql('an', 'SELECT count(*), sum(temperature)::numeric(10,1) FROM sensor_data', %as_user1);
is($rc, 0, 'mn_user1 reads the distributed hypertable') or diag($err);
is($out, '2|62.3', '... and sees every row on both data nodes');

($rc, $out, $err) = $c->psql('an', q{
INSERT INTO sensor_data VALUES ('2020-12-09 01:00',1,33.0,0.5), ('2021-03-01',3,20.0,0.1);
UPDATE sensor_data SET cpu = 0.9 WHERE sensor_id = 3;
DELETE FROM sensor_data WHERE sensor_id = 2;
SELECT count(*), sum(cpu)::numeric(10,2) FROM sensor_data;
}, %as_user1);
is($rc, 0, 'mn_user1 inserts (a new chunk too), updates and deletes') or diag($err);
is($out, '3|1.85', '... with the expected result');

# Its remote sessions are its own: the data nodes see mn_user1, not tsdbadmin.
my $s = $c->session('an', %as_user1);
$s->query_safe('BEGIN; SELECT count(*) FROM sensor_data;');
for my $dn ($c->data_nodes)
{
	is($c->safe_psql($dn, "SELECT count(*) > 0 FROM pg_stat_activity WHERE usename = 'mn_user1'"),
		't', "$dn: mn_user1 reads through its own session");
}
$s->query_safe('COMMIT;');
$s->quit;

# ---- USAGE is what placing data on a node, or running commands there, needs --
$err = $c->psql_fails('an', q{CALL distributed_exec('SELECT 1');},
	'mn_user1 cannot distributed_exec without USAGE', %as_user1);
like($err, qr/permission denied for data node "dn1"/, '... permission denied for data node "dn1"');
$c->safe_psql('an', 'GRANT CREATE ON SCHEMA public TO mn_user1', %as_admin);
$c->safe_psql('an', 'CREATE TABLE user1_data (time timestamptz NOT NULL, v int)', %as_user1);
$err = $c->psql_fails('an',
	q{SELECT create_distributed_hypertable('user1_data', 'time', data_nodes => '{dn1}');},
	'mn_user1 cannot create a distributed hypertable on dn1 without USAGE', %as_user1);
like($err, qr/permission denied for data node "dn1"/, '... permission denied for data node "dn1"');
is($c->safe_psql('dn1', "SELECT count(*) FROM pg_class WHERE relname = 'user1_data'"), '0',
	'... and nothing was created on dn1');

# With USAGE on dn1 it can: GRANT is how placement is authorised.
$c->safe_psql('an', 'GRANT USAGE ON FOREIGN SERVER dn1 TO mn_user1', %as_admin);
$c->safe_psql('dn1', 'GRANT CREATE ON SCHEMA public TO mn_user1');
($rc, $out, $err) = $c->psql('an', q{
SELECT table_name FROM create_distributed_hypertable('user1_data', 'time', data_nodes => '{dn1}');
INSERT INTO user1_data VALUES ('2021-01-01', 1);
SELECT count(*) FROM user1_data;
}, %as_user1);
is($rc, 0, 'with USAGE on dn1, mn_user1 creates a distributed hypertable there') or diag($err);
is($out, "user1_data\n1", '... and uses it');
$err = $c->psql_fails('an', q{SELECT attach_data_node('dn2', 'user1_data');},
	'... but cannot attach dn2, where it has no USAGE', %as_user1);
like($err, qr/permission denied for data node "dn2"/, '... permission denied for data node "dn2"');

# ---- no SELECT: PostgreSQL's error, before any node is contacted ------------
$c->safe_psql('an', q{
CREATE ROLE mn_user2 LOGIN PASSWORD 'password2';
CREATE USER MAPPING FOR mn_user2 SERVER dn1 OPTIONS (user 'mn_user2', password 'password2');
CREATE USER MAPPING FOR mn_user2 SERVER dn2 OPTIONS (user 'mn_user2', password 'password2');
CALL distributed_exec(query => 'CREATE ROLE mn_user2 LOGIN PASSWORD $$password2$$');
}, %as_admin);
my %as_user2 = (user => 'mn_user2', password => 'password2', tcp => 1);
$s = $c->session('an', %as_user2);
($out, $err) = $s->query('BEGIN; SELECT count(*) FROM sensor_data;');
like($err, qr/permission denied for table sensor_data/, 'mn_user2 without SELECT: permission denied for table sensor_data');
($out, $err) = $s->query('ROLLBACK; BEGIN; INSERT INTO sensor_data VALUES (now(), 1, 1, 1);');
like($err, qr/permission denied for table sensor_data/, 'mn_user2 without INSERT: permission denied for table sensor_data');
for my $dn ($c->data_nodes)
{
	is($c->safe_psql($dn, "SELECT count(*) FROM pg_stat_activity WHERE usename = 'mn_user2'"),
		'0', "$dn: no session of mn_user2 was opened");
}
$s->query('ROLLBACK;');
$s->quit;

done_testing();
