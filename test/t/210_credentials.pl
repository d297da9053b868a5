# A role reaches a data node as itself, with its own credentials only: the
# access node's passfile line of that role (never another role's, never a
# "*" user line), its own user mapping; never the server process's ~/.pgpass
# or PG* environment.  A non-superuser cannot map itself to another remote
# user, and cannot make the access node send its credentials to a host the
# non-superuser chose.  No password the suite uses reaches any server log.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use File::Temp ();
use MultinodeCluster qw(slurp sql_literal);
use Test::More;

my %pw = (
	postgres => 'Pg_Secret_210a',
	alice => 'Alice_Secret_210b',
	carol => 'Carol_Secret_210c',
	dave => 'Dave_Secret_210d',
	wildrole => 'Wild_Secret_210e',
	envrole => 'Env_Secret_210f',
	envfilerole => 'Envfile_Secret_210g',
	homerole => 'Home_Secret_210i',
);
my $wrong_pw = 'Wrong_Secret_210h';

# scram on every node; the passfile has postgres's line (the tutorial's setup)
my $c = MultinodeCluster->new('creds', auth => 'scram', nodes => 1, password => $pw{postgres});
my ($rc, $out, $err);
my $dnport = $c->port('dn1');

# Every statement the access node sends to the data node is logged there.
$c->safe_psql('dn1', "ALTER SYSTEM SET log_statement = 'all'; SELECT pg_reload_conf();",
	db => 'postgres');

# Roles: passwords set on the data node only (with logging off for that
# statement); on the access node they log in over the trusted socket.
for my $role (sort keys %pw)
{
	next if $role eq 'postgres';
	$c->safe_psql('dn1',
		"SET log_statement = 'none';\nCREATE ROLE $role LOGIN PASSWORD " . sql_literal($pw{$role}) . ';');
	$c->safe_psql('an', "CREATE ROLE $role LOGIN; GRANT USAGE ON FOREIGN SERVER dn1 TO $role;");
}

# distributed_exec that fails unless it runs as WHO on the data nodes
sub runs_as
{
	my ($who, $nodes) = @_;
	return "CALL distributed_exec(\$x\$ DO \$do\$ BEGIN IF current_user <> '$who' THEN "
	  . "RAISE EXCEPTION 'running as %', current_user; END IF; END \$do\$ \$x\$"
	  . (defined $nodes ? ", node_list => '{$nodes}'" : '') . ');';
}

sub no_password_in
{
	my ($text, $name) = @_;
	my @found = grep { index($text, $pw{$_}) >= 0 } sort keys %pw;
	push @found, 'wrong' if index($text, $wrong_pw) >= 0;
	is("@found", '', $name);
}

($rc, $out, $err) = $c->psql('an', runs_as('postgres'));
is($rc, 0, 'postgres reaches dn1 as postgres with its passfile line') or diag($err);

# ---- the passfile: only the role's own line -------------------------------------------
$err = $c->psql_fails('an', runs_as('alice'),
	'alice, with no passfile line and no mapping, cannot connect', user => 'alice');
like($err, qr/could not connect to data node "dn1".*\n(.*\n)*.*no password supplied/,
	'... no password supplied (postgres\'s line is not used)');

$c->append_passfile("*:*:*:*:$pw{wildrole}");
$err = $c->psql_fails('an', runs_as('wildrole'),
	'a "*" user field in the passfile matches no role', user => 'wildrole');
like($err, qr/no password supplied/, '... no password supplied');
($rc, $out, $err) = $c->psql('an', runs_as('postgres'));
is($rc, 0, 'postgres still uses its own line') or diag($err);

$c->append_passfile("*:*:*:alice:$pw{alice}");
($rc, $out, $err) = $c->psql('an', runs_as('alice'), user => 'alice');
is($rc, 0, 'with its own passfile line, alice reaches dn1 as alice') or diag($err);

# ---- user mappings: a non-superuser cannot name another remote user --------------------
for my $case (
	[ 'CREATE USER MAPPING FOR alice SERVER dn1 OPTIONS (user \'postgres\')',
		qr/42501: permission denied to map role "alice" to remote user "postgres" on data node "dn1"/ ],
	[ 'CREATE USER MAPPING FOR CURRENT_USER SERVER dn1 OPTIONS (user \'postgres\')',
		qr/42501: permission denied to map role "alice" to remote user "postgres"/ ],
	[ 'CREATE USER MAPPING FOR PUBLIC SERVER dn1 OPTIONS (user \'alice\')',
		qr/42501: permission denied to map PUBLIC to remote user "alice"/ ])
{
	$err = $c->psql_fails('an', "\\set VERBOSITY verbose\n$case->[0];",
		"non-superuser: $case->[0] is refused", user => 'alice');
	like($err, $case->[1], '... with SQLSTATE 42501 and the names');
	like($err, qr/HINT:  Leave out the "user" option: a role reaches a data node as itself\./,
		'... and a hint');
}
($rc, $out, $err) = $c->psql('an',
	"CREATE USER MAPPING FOR alice SERVER dn1 OPTIONS (user 'alice', password "
	  . sql_literal($pw{alice}) . ');', user => 'alice');
is($rc, 0, 'a mapping naming the role itself, with its password, is allowed') or diag($err);
$err = $c->psql_fails('an', "ALTER USER MAPPING FOR alice SERVER dn1 OPTIONS (SET user 'postgres');",
	'ALTER USER MAPPING ... SET user \'postgres\' is refused', user => 'alice');
like($err, qr/permission denied to map role "alice" to remote user "postgres"/, '... naming the roles');
is($c->safe_psql('an', "SELECT array_to_string(umoptions, ',') FROM pg_user_mappings WHERE usename = 'alice'"),
	"user=alice,password=$pw{alice}", '... and the mapping is unchanged');

# A wrong password in the mapping: a clear error, without the password.
$c->safe_psql('an', "ALTER USER MAPPING FOR alice SERVER dn1 OPTIONS (SET password "
	  . sql_literal($wrong_pw) . ');', user => 'alice');
$err = $c->psql_fails('an', runs_as('alice'), 'a wrong mapping password fails', user => 'alice');
like($err, qr/password authentication failed for user "alice"/, '... password authentication failed');
no_password_in($err, '... and the error shows no password');
($rc, $out, $err) = $c->psql('an',
	'SELECT node_name, healthy, error FROM _timescaledb_internal.health() WHERE node_name IS NOT NULL',
	user => 'alice');
like($out, qr/^dn1\|f\|.*password authentication failed/m, 'health() reports it');
no_password_in($out . $err, '... without the password');
$c->safe_psql('an', "ALTER USER MAPPING FOR alice SERVER dn1 OPTIONS (SET password "
	  . sql_literal($pw{alice}) . ');', user => 'alice');

# A superuser may map a role to another user; the role must then use the
# mapping's password, never the access node's standing (the passfile).
$c->safe_psql('an', "CREATE USER MAPPING FOR carol SERVER dn1 OPTIONS (user 'postgres');");
$err = $c->psql_fails('an', runs_as('postgres'),
	'carol, mapped by a superuser to postgres without a password, cannot connect', user => 'carol');
like($err, qr/password is required to connect to data node "dn1"/, '... password is required');
like($err, qr/names remote user "postgres" but gives no password/, '... saying why');
$c->safe_psql('an', "ALTER USER MAPPING FOR carol SERVER dn1 OPTIONS (SET user 'dave', ADD password "
	  . sql_literal($pw{dave}) . ');');
($rc, $out, $err) = $c->psql('an', runs_as('dave'), user => 'carol');
is($rc, 0, 'mapped by a superuser to dave with dave\'s password, carol reaches dn1 as dave') or diag($err);

# ---- the server process's own credentials are never lent -------------------------------
my $tmp = File::Temp->newdir(DIR => $c->dir);
chmod 0755, "$tmp";
my $envfile = "$tmp/pgpass-env";
my $home = "$tmp/home";
mkdir $home;
for ([ $envfile, "*:*:*:envfilerole:$pw{envfilerole}\n" ], [ "$home/.pgpass", "*:*:*:homerole:$pw{homerole}\n" ])
{
	open(my $fh, '>', $_->[0]) or die "cannot write $_->[0]: $!";
	print $fh $_->[1];
	close $fh;
	chmod 0600, $_->[0];
}
chmod 0755, $home;
{
	local $ENV{PGPASSWORD} = $pw{envrole};
	$c->stop_node('an');
	$c->start_node('an');
}
$err = $c->psql_fails('an', runs_as('envrole'),
	'PGPASSWORD in the postmaster\'s environment is not used', user => 'envrole');
like($err, qr/no password supplied/, '... no password supplied');

# without multinode.passfile, libpq would read PGPASSFILE or ~/.pgpass
$c->safe_psql('an', "ALTER SYSTEM SET multinode.passfile = ''");
{
	local $ENV{PGPASSFILE} = $envfile;
	local $ENV{HOME} = $home;
	$c->stop_node('an');
	$c->start_node('an');
}
$err = $c->psql_fails('an', runs_as('envfilerole'),
	'PGPASSFILE in the postmaster\'s environment is not used', user => 'envfilerole');
like($err, qr/no password supplied/, '... no password supplied');
$err = $c->psql_fails('an', runs_as('homerole'),
	'~/.pgpass of the server\'s system user is not used', user => 'homerole');
like($err, qr/no password supplied/, '... no password supplied');
$c->safe_psql('an', 'ALTER SYSTEM RESET multinode.passfile');
$c->stop_node('an');
$c->start_node('an');

# ---- a data node owned by a non-superuser ------------------------------------------------
# The owner chose (and may change) where it points: the access node's passfile
# is not used for it, by anyone, and non-superusers must use a password.
# add_data_node's password argument: our own messages never show it.  (A
# failed statement is logged with its text by PostgreSQL itself when
# log_min_error_statement allows, like any statement with a literal.)
$err = $c->psql_fails('an',
	"SET log_min_error_statement = panic;\n"
	  . "SELECT * FROM add_data_node('alice_dn', host => '127.0.0.1', port => $dnport, database => 'alicedb', password => "
	  . sql_literal($wrong_pw) . ');',
	'add_data_node with a wrong password fails');
like($err, qr/password authentication failed for user "postgres"/, '... password authentication failed');
no_password_in($err, '... and the error shows no password');
is( $c->safe_psql('an',
		"SELECT node_created, database_created FROM add_data_node('alice_dn', host => '127.0.0.1', port => $dnport, database => 'alicedb', password => "
		  . sql_literal($pw{postgres}) . ')'),
	't|t', 'a superuser adds alice_dn with a password');
$c->safe_psql('an', q{
GRANT USAGE ON FOREIGN DATA WRAPPER timescaledb_fdw TO alice;
ALTER SERVER alice_dn OWNER TO alice;
});
$err = $c->psql_fails('an', runs_as('alice', 'alice_dn'),
	'alice cannot use her passfile line for a data node she owns', user => 'alice');
like($err, qr/password is required to connect to data node "alice_dn"/, '... password is required');
like($err, qr/owned by non-superuser "alice"/, '... because a non-superuser owns it');
$err = $c->psql_fails('an', runs_as('postgres', 'alice_dn'),
	'postgres\'s passfile line is not sent to a node a non-superuser owns');
like($err, qr/no password supplied/, '... no password supplied');
($rc, $out, $err) = $c->psql('an',
	"CREATE USER MAPPING FOR alice SERVER alice_dn OPTIONS (password " . sql_literal($pw{alice}) . ");\n"
	  . runs_as('alice', 'alice_dn'), user => 'alice');
is($rc, 0, 'with a password in her mapping, alice uses alice_dn as alice') or diag($err);
$err = $c->psql_fails('an', "ALTER SERVER alice_dn OPTIONS (ADD sslcert 'server.crt');",
	'a non-superuser cannot set a client certificate file on its node', user => 'alice');
like($err, qr/only a superuser can set option "sslcert"/, '... only a superuser can');
$err = $c->psql_fails('an',
	"SELECT * FROM add_data_node('alice_dn2', host => '127.0.0.1', port => $dnport, database => 'alicedb2')",
	'a non-superuser cannot add a data node without a password', user => 'alice');
like($err, qr/password is required to add data node "alice_dn2"/, '... password is required');
is($c->safe_psql('an', "SELECT count(*) FROM pg_foreign_server WHERE srvname = 'alice_dn2'"), '0',
	'... and nothing was added');

# ---- no password anywhere in the logs ------------------------------------------------------
$c->stop;
for my $node ($c->nodes)
{
	no_password_in(slurp($c->logfile($node)), "$node: no password of the suite in the server log");
}
like(slurp($c->logfile('dn1')), qr/(statement|execute <unnamed>): .*_timescaledb_catalog/,
	'(the data node logged the statements the access node sent)');

done_testing();
