# scripts/mn-cluster --ssl: a cluster whose nodes talk TLS, the access node
# verifying the data nodes' certificates (multinode.ssl_rootcert), and
# add-cert issuing a role's client certificate where multinode.ssl_dir finds it.
#
# Copyright (c) 2026, multinode developers

use strict;
use warnings;

use Digest::MD5 qw(md5_hex);
use MultinodeCluster qw(slurp);
use Test::More;

my $c = MultinodeCluster->new('tool-ssl', auth => 'trust', nodes => 1, ssl => 1);
my ($rc, $out, $err);

is($c->safe_psql('an', "SELECT current_setting('ssl') || ' ' || current_setting('multinode.ssl_rootcert')"),
	'on ca.crt', 'the access node runs with ssl and verifies data nodes against the cluster CA');
is($c->safe_psql('dn1', 'SHOW ssl', db => 'postgres'), 'on', 'the data node runs with ssl');

my $check = q{CALL distributed_exec($x$ DO $do$ BEGIN IF current_user <> 'certrole' OR NOT (SELECT ssl FROM pg_catalog.pg_stat_ssl WHERE pid = pg_catalog.pg_backend_pid()) THEN RAISE EXCEPTION 'not as expected'; END IF; END $do$ $x$);};
$c->safe_psql('an', q{
CREATE ROLE certrole LOGIN;
CALL distributed_exec($$ CREATE ROLE certrole LOGIN $$);
GRANT USAGE ON FOREIGN SERVER dn1 TO certrole;
});

# certificate authentication for certrole on the data node
my $hba = $c->data_dir('dn1') . '/pg_hba.conf';
my $lines = slurp($hba);
open(my $fh, '>', $hba) or die;
print $fh "hostssl all certrole 127.0.0.1/32 cert\n$lines";
close $fh;
$c->safe_psql('dn1', 'SELECT pg_reload_conf()', db => 'postgres');
select(undef, undef, undef, 0.3);
$err = $c->psql_fails('an', $check, 'without a certificate, certrole is refused', user => 'certrole');
like($err, qr/No client certificate was sent for user "certrole"/, '... the error says which file is missing');

($rc, $out, $err) = $c->tool('add-cert', 'certrole');
is($rc, 0, 'mn-cluster add-cert DIR certrole') or diag($err);
ok(-f $c->data_dir('an') . '/certs/' . md5_hex('certrole') . '.crt', '... writes certs/md5(certrole).crt');
is(sprintf('%o', (stat($c->data_dir('an') . '/certs/' . md5_hex('certrole') . '.key'))[2] & 07777),
	'600', '... and a private key');
($rc, $out, $err) = $c->psql('an', $check, user => 'certrole');
is($rc, 0, 'certrole reaches the data node over TLS with its certificate') or diag($err);

done_testing();
