
# add_data_node whose access node transaction does not commit leaves no
# database behind on the node: the CREATE DATABASE it ran (outside the
# distributed transaction, as it must) is undone at abort, whether the
# failure comes later in add_data_node, in the block that called it, or at
# commit.  A database that was there before is never dropped.  After each
# failure the same add_data_node works and creates the database again.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use MultinodeCluster;
use Test::More;

my $c = MultinodeCluster->new('add_node_abort', add => 0);
my %port = map { $_ => $c->port($_) } $c->data_nodes;
my $err;

sub databases
{
	my ($node, $name) = @_;
	return $c->safe_psql($node, "SELECT count(*) FROM pg_database WHERE datname = '$name'",
		db => 'postgres');
}

sub add_sql
{
	my ($node, $db) = @_;
	return "SELECT node_name, database_created, extension_created FROM add_data_node('$node', "
	  . "host => '127.0.0.1', port => $port{$node}, database => '$db')";
}

# ---- the block that called add_data_node fails afterwards --------------------------------
$err = $c->psql_fails('an', qq{
DO \$\$
BEGIN
  PERFORM add_data_node('dn1', host => '127.0.0.1', port => $port{dn1}, database => 'ab_one');
  RAISE EXCEPTION 'failing after add_data_node';
END \$\$;
}, 'a block failing after add_data_node fails');
like($err, qr/failing after add_data_node/, '... with its own error');
is(databases('dn1', 'ab_one'), '0', 'the database it created is dropped on the node');
is($c->safe_psql('an', 'SELECT count(*) FROM pg_foreign_server'), '0', 'no server on the access node');
is($c->safe_psql('an', add_sql('dn1', 'ab_one')), 'dn1|t|t',
	'adding the node again creates the database and the extension');

# ---- the transaction fails at commit, after add_data_node returned -----------------------
$c->safe_psql('an', q{
CREATE TABLE fail_at_commit (a int);
CREATE FUNCTION fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'deferred check failed'; END $$;
CREATE CONSTRAINT TRIGGER fail_at_commit AFTER INSERT ON fail_at_commit
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fail_at_commit();
});
$err = $c->psql_fails('an', qq{
DO \$\$
BEGIN
  INSERT INTO fail_at_commit VALUES (1);
  PERFORM add_data_node('dn2', host => '127.0.0.1', port => $port{dn2}, database => 'ab_two');
END \$\$;
}, 'a transaction failing at commit after add_data_node fails');
like($err, qr/deferred check failed/, '... in its deferred trigger');
is(databases('dn2', 'ab_two'), '0', 'the database is dropped on the node');

# ---- a database that was there before stays --------------------------------------------
$c->safe_psql('dn2', 'CREATE DATABASE ab_two', db => 'postgres');
$c->psql_fails('an', qq{
DO \$\$
BEGIN
  PERFORM add_data_node('dn2', host => '127.0.0.1', port => $port{dn2}, database => 'ab_two');
  RAISE EXCEPTION 'failing after add_data_node';
END \$\$;
}, 'a failing block with an existing database fails');
is(databases('dn2', 'ab_two'), '1', 'the database that was there before is kept');
$c->safe_psql('dn2', 'DROP DATABASE ab_two', db => 'postgres');

# ---- a failure later in add_data_node: the extension cannot be created -----------------
$c->safe_psql('dn2', q{ALTER SYSTEM SET shared_preload_libraries = 'plpgsql'}, db => 'postgres');
$c->stop_node('dn2');
$c->start_node('dn2');
$err = $c->psql_fails('an', add_sql('dn2', 'ab_two'),
	'add_data_node fails when the node cannot create the extension');
like($err, qr/multinode must be loaded via shared_preload_libraries/, '... saying why');
is(databases('dn2', 'ab_two'), '0', 'the database it created is dropped on the node');
$c->safe_psql('dn2', 'ALTER SYSTEM RESET shared_preload_libraries', db => 'postgres');
$c->stop_node('dn2');
$c->start_node('dn2');
is($c->safe_psql('an', add_sql('dn2', 'ab_two')), 'dn2|t|t',
	'once the node is fixed, adding it creates the database again');

# ---- the cluster works, and no session was left on the nodes ---------------------------
$c->safe_psql('an', q{
CREATE TABLE conditions (time timestamptz NOT NULL, device int, temp float8);
SELECT create_distributed_hypertable('conditions', 'time', 'device');
INSERT INTO conditions SELECT '2020-01-01', d, d FROM generate_series(1, 10) d;
});
is($c->safe_psql('an', 'SELECT count(*) FROM conditions'), '10', 'both nodes take rows');
for my $node ('dn1', 'dn2')
{
	is($c->safe_psql($node, 'SELECT count(*) FROM pg_prepared_xacts', db => 'postgres'),
		'0', "nothing left prepared on $node");
}

done_testing();
