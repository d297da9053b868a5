# TLS between the access node and its data nodes, and per-role client
# certificates: with ssl = on on the access node, connections to data nodes
# require TLS; multinode.ssl_rootcert makes them verify the node's
# certificate (verify-full); a node's sslmode option overrides.  Each role's
# certificate is found in multinode.ssl_dir under the md5 of its name; a key
# others can read is refused, a missing certificate is named.  On a data node
# that trusts the access node, every role connects as itself, and a
# non-superuser mapped to another user by a superuser is refused.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use Digest::MD5 qw(md5_hex);
use File::Copy qw(copy);
use MultinodeCluster qw(run_tool slurp sql_literal);
use Test::More;

my $c = MultinodeCluster->new('tls', auth => 'trust', nodes => 1);
my ($rc, $out, $err);
my $ssl = $c->dir . '/ssl';
my $certs = $c->data_dir('an') . '/certs';    # multinode.ssl_dir's default
mkdir $ssl or die "mkdir $ssl: $!";
mkdir $certs or die "mkdir $certs: $!";
chmod 0700, $certs;

# ---- a throwaway CA, a server certificate for 127.0.0.1, client certificates --------
sub openssl
{
	my @args = @_;
	my ($rc, $out, $err) = MultinodeCluster::_run([ 'openssl', @args ]);
	die "openssl @args failed:\n$out$err" if $rc != 0;
}
my @ec = ('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes');
for my $ca ('ca', 'otherca')
{
	openssl('req', '-x509', @ec, '-keyout', "$ssl/$ca.key", '-out', "$ssl/$ca.crt",
		'-days', '2', '-subj', "/CN=multinode test $ca");
}
sub signed
{
	my ($name, $subj, $ext) = @_;
	openssl('req', '-new', @ec, '-keyout', "$ssl/$name.key", '-out', "$ssl/$name.csr",
		'-subj', $subj);
	my @extargs;
	if ($ext)
	{
		open(my $fh, '>', "$ssl/$name.ext") or die;
		print $fh "$ext\n";
		close $fh;
		@extargs = ('-extfile', "$ssl/$name.ext");
	}
	openssl('x509', '-req', '-in', "$ssl/$name.csr", '-CA', "$ssl/ca.crt", '-CAkey',
		"$ssl/ca.key", '-CAcreateserial', '-out', "$ssl/$name.crt", '-days', '2', @extargs);
	chmod 0600, "$ssl/$name.key";
}
signed('server', '/CN=127.0.0.1', 'subjectAltName = IP:127.0.0.1, DNS:localhost');

# roles: certificates named after the md5 of the role name, in the access node's certs/
my $weird = q{we'ird/../x y};
my %client = (certuser => 'certuser', badkey => 'badkey', weird => $weird);
for my $k (sort keys %client)
{
	(my $subj = $client{$k}) =~ s{/}{\\/}g;
	signed($k, "/CN=$subj");
	copy("$ssl/$k.crt", "$certs/" . md5_hex($client{$k}) . '.crt') or die;
	copy("$ssl/$k.key", "$certs/" . md5_hex($client{$k}) . '.key') or die;
	chmod 0600, "$certs/" . md5_hex($client{$k}) . '.key';
}
chmod 0644, "$certs/" . md5_hex('badkey') . '.key';

# every node gets the server certificate; ssl is switched on by reloads below
for my $node ($c->nodes)
{
	for my $f ('server.crt', 'server.key', 'ca.crt')
	{
		copy("$ssl/$f", $c->data_dir($node) . "/$f") or die;
		chmod 0600, $c->data_dir($node) . "/$f";
	}
}

sub reload_with
{
	my ($node, $sql) = @_;
	$c->safe_psql($node, "$sql\nSELECT pg_reload_conf();", db => 'postgres');
	select(undef, undef, undef, 0.3);    # the postmaster rereads the files asynchronously
}

my $roles = q{
CREATE ROLE testrole LOGIN;
CREATE ROLE certuser LOGIN;
CREATE ROLE certless LOGIN;
CREATE ROLE badkey LOGIN;
CREATE ROLE "we'ird/../x y" LOGIN;
};
$c->safe_psql('dn1', $roles);
$c->safe_psql('an', "$roles\nGRANT USAGE ON FOREIGN SERVER dn1 TO PUBLIC;");

# distributed_exec that fails unless it runs as WHO, over TLS (or not, with $tls 0)
sub runs_as
{
	my ($who, $tls) = @_;
	my $lit = sql_literal($who);
	my $want = ($tls // 1) ? 'NOT' : '';
	return "CALL distributed_exec(\$x\$ DO \$do\$ BEGIN "
	  . "IF current_user <> $lit THEN RAISE EXCEPTION 'running as %', current_user; END IF; "
	  . "IF $want (SELECT ssl FROM pg_catalog.pg_stat_ssl WHERE pid = pg_catalog.pg_backend_pid()) "
	  . "THEN RAISE EXCEPTION 'ssl is %', (SELECT ssl FROM pg_catalog.pg_stat_ssl WHERE pid = pg_catalog.pg_backend_pid()); END IF; "
	  . "END \$do\$ \$x\$);";
}

# ---- trust: every role as itself ---------------------------------------------------------
($rc, $out, $err) = $c->psql('an', runs_as('testrole', 0), user => 'testrole');
is($rc, 0, 'trust, no TLS anywhere: testrole reaches dn1 as testrole') or diag($err);
$c->safe_psql('an', "CREATE USER MAPPING FOR testrole SERVER dn1 OPTIONS (user 'postgres');");
$err = $c->psql_fails('an', runs_as('postgres', 0),
	'a non-superuser mapped (by a superuser) to postgres cannot use trust as postgres', user => 'testrole');
like($err, qr/password is required to connect to data node "dn1"/, '... password is required');
$c->safe_psql('an', 'DROP USER MAPPING FOR testrole SERVER dn1;');

# ---- ssl = on on the access node: TLS is required ----------------------------------------
reload_with('an', 'ALTER SYSTEM SET ssl = on;');
$err = $c->psql_fails('an', runs_as('postgres'),
	'with ssl = on on the access node, a data node without TLS is refused');
like($err, qr/could not connect to data node "dn1".*\n(.*\n)*.*server does not support SSL, but SSL was required/,
	'... sslmode require by default');

reload_with('dn1', 'ALTER SYSTEM SET ssl = on;');
for my $role ('postgres', 'testrole')
{
	($rc, $out, $err) = $c->psql('an', runs_as($role), user => $role);
	is($rc, 0, "$role reaches dn1 as $role over TLS (pg_stat_ssl on the node)") or diag($err);
}

# a node's own sslmode wins
$c->safe_psql('an', q{ALTER SERVER dn1 OPTIONS (ADD sslmode 'disable');});
($rc, $out, $err) = $c->psql('an', runs_as('postgres', 0));
is($rc, 0, 'the node\'s option sslmode disable overrides the default') or diag($err);
$c->safe_psql('an', q{ALTER SERVER dn1 OPTIONS (DROP sslmode);});

# ---- multinode.ssl_rootcert: verify-full -------------------------------------------------
reload_with('an', "ALTER SYSTEM SET multinode.ssl_rootcert = '$ssl/otherca.crt';");
$err = $c->psql_fails('an', runs_as('postgres'),
	'with multinode.ssl_rootcert of another CA, the node\'s certificate is refused');
like($err, qr/certificate verify failed/, '... certificate verify failed');
reload_with('an', "ALTER SYSTEM SET multinode.ssl_rootcert = 'ca.crt';");
($rc, $out, $err) = $c->psql('an', runs_as('postgres'));
is($rc, 0, 'with the right root certificate (relative to the data directory), verify-full connects')
  or diag($err);
is($c->safe_psql('an', q{SELECT srvoptions::text FROM pg_foreign_server WHERE srvname = 'dn1'}),
	'{host=127.0.0.1,port=' . $c->port('dn1') . ',dbname=multinode}', '(no TLS option on the node itself)');

# ---- client certificates per role --------------------------------------------------------
my $hba = $c->data_dir('dn1') . '/pg_hba.conf';
my $lines = slurp($hba);
open(my $fh, '>', $hba) or die;
print $fh qq{hostssl all certuser,certless,badkey,"we'ird/../x y" 127.0.0.1/32 cert\n$lines};
close $fh;
reload_with('dn1', q{ALTER SYSTEM SET ssl_ca_file = 'ca.crt';});

for my $role ('certuser', $weird)
{
	($rc, $out, $err) = $c->psql('an', runs_as($role), user => $role);
	is($rc, 0, "role \"$role\" authenticates with its certificate (cert in pg_hba.conf)") or diag($err);
}

my $expected = "$certs/" . md5_hex('certless') . '.crt';
$err = $c->psql_fails('an', runs_as('certless'), 'a role without a certificate cannot connect',
	user => 'certless');
like($err, qr/\QNo client certificate was sent for user "certless": file "$expected" does not exist.\E/,
	'... and the error names the file expected');

my $badkey = "$certs/" . md5_hex('badkey') . '.key';
$err = $c->psql_fails('an', runs_as('badkey'), 'a key others can read is refused', user => 'badkey');
like($err, qr/\Qprivate key file "$badkey" of role "badkey" has group or world access\E/,
	'... with the file and role named');
like($err, qr/HINT:  Run chmod 0600 on the file\./, '... and what to do');

# certificates are the access node's credentials: not for a node a non-superuser owns
$c->safe_psql('an', q{
GRANT USAGE ON FOREIGN DATA WRAPPER timescaledb_fdw TO certuser;
ALTER SERVER dn1 OWNER TO certuser;
});
$err = $c->psql_fails('an', runs_as('certuser'),
	'a node owned by a non-superuser gets no certificate from multinode.ssl_dir', user => 'certuser');
like($err, qr/password is required to connect to data node "dn1"/, '... a password is required instead');
$c->safe_psql('an', 'ALTER SERVER dn1 OWNER TO postgres;');
($rc, $out, $err) = $c->psql('an', runs_as('certuser'), user => 'certuser');
is($rc, 0, 'owned by a superuser again, the certificate is used again') or diag($err);

done_testing();
