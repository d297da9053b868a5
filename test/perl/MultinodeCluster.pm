
# MultinodeCluster.pm — real-cluster tests on a local multinode cluster.
#
# A cluster is built by scripts/mn-cluster (the same tool the README's demo and
# the benchmarks use): an access node "an" and data nodes "dn1".."dnN", each its
# own postmaster on a loopback port.  This module runs SQL on any node, stops,
# starts and kills nodes, and stops every cluster it made when the test ends —
# also when the test dies or is interrupted — so nothing is left running.
#
#   use MultinodeCluster;
#   my $c = MultinodeCluster->new('trust', auth => 'trust');
#   my ($rc, $out, $err) = $c->psql('an', 'SELECT 1');
#   is($c->safe_psql('dn1', 'SHOW port', db => 'postgres'), $c->port('dn1'));
#   $c->kill_node('dn2');      # pg_ctl stop -m immediate
#   my $s = $c->session('an'); # one backend across queries
#
# Environment (set by test/run-tap): MN_TOP (the source tree), MN_BINDIR (the
# PostgreSQL programs to test with), TESTDIR (where clusters are made).
#
# Copyright (c) 2026, multinode developers

package MultinodeCluster;

use strict;
use warnings;

use Carp;
use Cwd qw(abs_path);
use File::Path ();
use IPC::Run;
use Test::More;
use Time::HiRes qw(time);

use Exporter 'import';
our @EXPORT_OK = qw(run_tool slurp sql_literal timed);

our $timeout = 180;    # seconds any one command may take

my $top = $ENV{MN_TOP} // abs_path(__FILE__ =~ s{/test/perl/[^/]+$}{}r);
my $bindir = $ENV{MN_BINDIR} // die "MN_BINDIR is not set (run the tests with make tap)\n";
my $tool = "$top/scripts/mn-cluster";
my $testdir = $ENV{TESTDIR} // "$top/tmp_check/tap";

# Every cluster made by this process, stopped at exit.
my @clusters;

# A test that is interrupted still runs END blocks (and so stops its servers).
for my $sig (qw(INT TERM HUP))
{
	$SIG{$sig} = sub { diag("caught SIG$sig, stopping clusters"); exit 1; };
}

END
{
	my $status = $?;
	$_->teardown for @clusters;
	$? = $status;
}

# Sets (or, for undefined values, removes) environment variables.
# A random port for a cluster of up to 64 nodes, below Linux's ephemeral range
# (32768 and up): there, the local end of some client connection can hold the
# port and make the server's bind fail.
sub random_port { return 15000 + int(rand(17000)); }

sub _set_env
{
	my ($env) = @_;
	for my $k (keys %$env)
	{
		if (defined $env->{$k}) { $ENV{$k} = $env->{$k}; }
		else { delete $ENV{$k}; }
	}
}

# Runs a command; returns (exit code, stdout, stderr).
sub _run
{
	my ($cmd, %opt) = @_;
	my ($out, $err) = ('', '');
	my $in = $opt{stdin} // '';
	local %ENV = %ENV;
	_set_env($opt{env} // {});
	my $ok = eval {
		IPC::Run::run($cmd, '<', \$in, '>', \$out, '2>', \$err,
			IPC::Run::timeout($opt{timeout} // $timeout));
		1;
	};
	return (-1, $out, $err . "\n" . ($@ // '')) unless $ok;
	return ($? >> 8, $out, $err);
}

=pod

=head1 MultinodeCluster->new(NAME, OPTIONS)

Creates and starts a cluster in TESTDIR/NAME.  OPTIONS:
nodes (default 2), auth ('trust' or 'scram'), password (the superuser's, with
scram), passfile (default 1; 0 for --no-passfile), add (default 1: the tool adds
the data nodes; 0 leaves the database on the access node without data nodes),
ssl (default 0; 1 for --ssl: TLS between the nodes, verified),
settings (extra postgresql.conf lines as NAME=VALUE; fsync=off is always added).

Ports are picked at random and checked by the tool; a clash with another
process is retried.

=cut

sub new
{
	my ($class, $name, %opt) = @_;
	my $dir = "$testdir/$name";
	my @args = ('--bindir', $bindir, '--nodes', $opt{nodes} // 2,
		'--auth', $opt{auth} // 'trust', '--set', 'fsync=off');
	push @args, '--password', $opt{password} if defined $opt{password};
	push @args, '--no-passfile' if defined $opt{passfile} && !$opt{passfile};
	push @args, '--no-add' if defined $opt{add} && !$opt{add};
	push @args, '--ssl' if $opt{ssl};
	push @args, map { ('--set', $_) } @{ $opt{settings} // [] };

	my $self = bless { name => $name, dir => $dir, conf => {} }, $class;
	my ($rc, $out, $err);
	# left over from an earlier run of this test
	_run([ $tool, 'destroy', $dir ]) if -e "$dir/cluster.conf";
	File::Path::rmtree($dir) if -e $dir;
	for my $try (1 .. 5)
	{
		my $port = random_port();
		($rc, $out, $err) = _run([ $tool, 'create', $dir, '--port', $port, @args ]);
		last if $rc == 0;
		# Another process may take a port between the check and the bind.
		last unless "$out$err" =~ /is in use|Address already in use|could not bind/;
		_run([ $tool, 'destroy', $dir ]);
	}
	if ($rc != 0)
	{
		push @clusters, $self;    # whatever started must still be stopped
		BAIL_OUT("mn-cluster create $name failed:\n$out$err");
	}
	note("cluster $name:\n$out");
	$self->_read_conf;
	push @clusters, $self;
	return $self;
}

sub _read_conf
{
	my $self = shift;
	open(my $fh, '<', "$self->{dir}/cluster.conf") or die "cannot read cluster.conf: $!";
	while (my $line = <$fh>)
	{
		chomp $line;
		next if $line =~ /^(#|$)/;
		my ($k, $v) = split /=/, $line, 2;
		$self->{conf}{$k} = $v;
	}
	close $fh;
}

# Accessors.
sub dir { $_[0]{dir} }
sub conf { $_[0]{conf}{ $_[1] } }
sub nodes { split ' ', $_[0]{conf}{nodes} }
sub data_nodes { split ' ', $_[0]{conf}{data_nodes} }
sub port { $_[0]->_node($_[1]); $_[0]{conf}{"$_[1].port"} }
sub data_dir { $_[0]->_node($_[1]); $_[0]{conf}{"$_[1].data"} }
sub logfile { $_[0]->_node($_[1]); $_[0]{conf}{"$_[1].log"} }
sub dbname { $_[0]{conf}{dbname} }

sub _node
{
	my ($self, $node) = @_;
	croak "no node \"$node\" in cluster $self->{name}"
	  unless grep { $_ eq $node } $self->nodes;
}

# Runs scripts/mn-cluster COMMAND DIR ARGS on this cluster; returns (exit
# code, stdout, stderr).
sub tool
{
	my ($self, $cmd, @args) = @_;
	return _run([ $tool, $cmd, $self->{dir}, @args ]);
}

# Runs scripts/mn-cluster with any arguments; returns (exit code, stdout, stderr).
sub run_tool
{
	return _run([ $tool, @_ ]);
}

# The psql command line for NODE.  OPTIONS: db (default the cluster's database),
# user (default the superuser), tcp (connect to 127.0.0.1 instead of the
# private unix socket, so that pg_hba's host lines apply), flags (output
# options; default unaligned, tuples only), stop (default 1: stop at the
# first error).
sub _psql_cmd
{
	my ($self, $node, %o) = @_;
	my $host = $o{tcp} ? '127.0.0.1' : $self->{conf}{socket_dir};
	return [
		"$bindir/psql", '-X', '-q', '-w', '-v', 'ON_ERROR_STOP=' . ($o{stop} // 1),
		@{ $o{flags} // [ '-A', '-t' ] },
		'-h', $host, '-p', $self->port($node),
		'-U', $o{user} // $self->{conf}{superuser},
		'-d', $o{db} // $self->dbname
	];
}

# The environment of a psql: a password only when one is given, and never the
# running user's ~/.pgpass.  (psql runs with -w: it never prompts.)
sub _psql_env
{
	my (%o) = @_;
	return {
		PGPASSFILE => "$testdir/no-such-passfile",
		PGPASSWORD => $o{password},
		PGCONNECT_TIMEOUT => 10,
		PGAPPNAME => 'multinode-tap'
	};
}

=pod

=head1 $c->psql(NODE, SQL, OPTIONS)

Runs SQL (stopping at the first error) on NODE; returns (exit code, stdout,
stderr) with trailing newlines removed.  OPTIONS: db, user, password, tcp,
flags (see _psql_cmd).

=head1 $c->safe_psql(NODE, SQL, OPTIONS)

Same, but fails the test (and dies) on an error; returns stdout.

=cut

sub psql
{
	my ($self, $node, $sql, %o) = @_;
	my ($rc, $out, $err) =
	  _run($self->_psql_cmd($node, %o), stdin => $sql, env => _psql_env(%o));
	chomp $out;
	chomp $err;
	return ($rc, $out, $err);
}

sub safe_psql
{
	my ($self, $node, $sql, %o) = @_;
	my ($rc, $out, $err) = $self->psql($node, $sql, %o);
	if ($rc != 0)
	{
		fail("psql on $node");
		diag("SQL:\n$sql\nexit code $rc\nstderr:\n$err");
		croak "psql on $node failed";
	}
	return $out;
}

# Runs SQL that must fail; returns stderr.  Passes or fails a test named NAME
# on whether it failed.
sub psql_fails
{
	my ($self, $node, $sql, $name, %o) = @_;
	my ($rc, $out, $err) = $self->psql($node, $sql, %o);
	isnt($rc, 0, $name) or diag("unexpected success, stdout:\n$out");
	return $err;
}

=pod

=head1 Stopping and starting

stop_node(NODE [, MODE]) — pg_ctl stop (MODE: fast (default), smart, immediate);
kill_node(NODE) — stop -m immediate, the postmaster and its backends die
without a checkpoint, as in a crash; start_node(NODE); stop([MODE]); start().

=cut

sub _tool_ok
{
	my ($self, @args) = @_;
	my ($rc, $out, $err) = $self->tool(@args);
	croak "mn-cluster @args failed:\n$out$err" if $rc != 0;
	return $out;
}

sub stop_node
{
	my ($self, $node, $mode) = @_;
	$self->_node($node);
	$self->_tool_ok('stop-node', $node, '-m', $mode // 'fast');
}

sub kill_node
{
	my ($self, $node) = @_;
	$self->stop_node($node, 'immediate');
}

sub start_node
{
	my ($self, $node) = @_;
	$self->_node($node);
	$self->_tool_ok('start-node', $node);
}

sub stop
{
	my ($self, $mode) = @_;
	$self->_tool_ok('stop', '-m', $mode // 'fast');
}

sub start
{
	my $self = shift;
	$self->_tool_ok('start');
}

# Whether NODE's postmaster runs.
sub node_running
{
	my ($self, $node) = @_;
	my ($rc) = _run([ "$bindir/pg_ctl", '-D', $self->data_dir($node), 'status' ]);
	return $rc == 0;
}

# Appends a line to the access node's passfile (made with mode 0600).
sub append_passfile
{
	my ($self, $line) = @_;
	my $file = $self->data_dir('an') . '/passfile';
	my $old = umask 077;
	open(my $fh, '>>', $file) or die "cannot open $file: $!";
	print $fh "$line\n";
	close $fh;
	umask $old;
	chmod 0600, $file;
}

# Replaces the access node's passfile.
sub write_passfile
{
	my ($self, @lines) = @_;
	my $file = $self->data_dir('an') . '/passfile';
	unlink $file;
	$self->append_passfile($_) for @lines;
}

=pod

=head1 $c->add_standby(NAME [, OF])

Makes NAME a streaming-replication standby of node OF (default 'an'):
pg_basebackup -R over the private unix socket (a "local replication" trust
line is added to OF's pg_hba.conf), its own port, the same configuration
otherwise, and starts it.  NAME then works like any node for psql, port,
data_dir and logfile; the cluster's tool does not know it, so teardown stops
it itself.  wait_for_replay(NAME [, OF]) waits until NAME has replayed OF's
current WAL.

=cut

sub add_standby
{
	my ($self, $name, $of) = @_;
	$of //= 'an';
	$self->_node($of);
	croak "node \"$name\" exists" if grep { $_ eq $name } $self->nodes;
	my $pdata = $self->data_dir($of);
	my $data = "$self->{dir}/$name";
	my $log = "$self->{dir}/$name.log";

	open(my $fh, '>>', "$pdata/pg_hba.conf") or die "cannot open $pdata/pg_hba.conf: $!";
	print $fh "local   replication  all               trust\n";
	close $fh;
	my ($rc, $out, $err) = _run([ "$bindir/pg_ctl", '-D', $pdata, 'reload' ]);
	croak "reload of $of failed:\n$out$err" if $rc != 0;
	($rc, $out, $err) = _run([
		"$bindir/pg_basebackup", '-D', $data, '-R', '-X', 'stream', '-c', 'fast',
		'-h', $self->{conf}{socket_dir}, '-p', $self->port($of),
		'-U', $self->{conf}{superuser} ]);
	croak "pg_basebackup of $of failed:\n$out$err" if $rc != 0;
	chmod 0700, $data;

	# whatever starts must be stopped, even if this dies half-way
	push @{ $self->{standbys} }, $data;
	for my $try (1 .. 5)
	{
		my $port = random_port();
		open($fh, '>>', "$data/postgresql.conf") or die "cannot open $data/postgresql.conf: $!";
		print $fh "\n# standby $name of $of\nport = $port\ncluster_name = 'mn-$name'\n";
		close $fh;
		($rc, $out, $err) =
		  _run([ "$bindir/pg_ctl", '-D', $data, '-l', $log, '-w', '-t', '60', 'start' ]);
		if ($rc == 0)
		{
			$self->{conf}{"$name.port"} = $port;
			$self->{conf}{"$name.data"} = $data;
			$self->{conf}{"$name.log"} = $log;
			$self->{conf}{nodes} .= " $name";
			return;
		}
		my $tail = -f $log ? slurp($log) : '';
		last unless $tail =~ /is in use|Address already in use|could not bind/;
	}
	croak "could not start standby $name:\n$out$err\n" . (-f $log ? slurp($log) : '');
}

sub wait_for_replay
{
	my ($self, $name, $of) = @_;
	my $lsn = $self->safe_psql($of // 'an', 'SELECT pg_catalog.pg_current_wal_lsn()',
		db => 'postgres');
	for (1 .. 600)
	{
		return 1
		  if $self->safe_psql($name,
			"SELECT pg_catalog.pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn", db => 'postgres')
		  eq 't';
		Time::HiRes::sleep(0.1);
	}
	croak "standby $name did not replay up to $lsn";
}

# Stops every node at once (immediate: fastest, and a test's end needs no
# checkpoint).  The files stay in TESTDIR for inspection.
sub teardown
{
	my $self = shift;
	return if $self->{down}++;
	$_->quit for grep { defined } @{ $self->{sessions} // [] };
	_run([ "$bindir/pg_ctl", '-D', $_, '-m', 'immediate', 'stop' ])
	  for grep { -f "$_/postmaster.pid" } @{ $self->{standbys} // [] };
	_run([ $tool, 'stop', $self->{dir}, '-m', 'immediate' ])
	  if -f "$self->{dir}/cluster.conf";
}

sub DESTROY
{
	my $self = shift;
	local $?;
	$self->teardown;
}

=pod

=head1 $c->session(NODE, OPTIONS)

A psql that stays connected, so that queries run in one backend (with its
cached data node connections).  $s->query(SQL) returns (stdout, stderr) of
that SQL; errors do not end the session.  OPTIONS as for psql.

=cut

sub session
{
	my ($self, $node, %o) = @_;
	my $s = MultinodeCluster::Session->new($self->_psql_cmd($node, %o, stop => 0),
		_psql_env(%o));
	push @{ $self->{sessions} }, $s;
	return $s;
}

=pod

=head1 $c->background(NODE, [SQL, ...], OPTIONS) / $c->finish_background(BG)

A psql running the statements in the background, each its own -c (so
procedures that commit may be CALLed), stopping at the first error.
finish_background waits for it (or kills it after a timeout of 240 s) and
returns (success, stdout, stderr).

=head1 $c->poll_until(NODE, SQL)

Runs SQL every 0.1 s, up to 60 s, until it returns 't'; returns whether it did.

=cut

sub background
{
	my ($self, $node, $sql, %o) = @_;
	my ($out, $err) = ('', '');
	my @cmd = (@{ $self->_psql_cmd($node, %o, stop => 1) }, map { ('-c', $_) } @$sql);
	my $h = IPC::Run::start(\@cmd, '<', \undef, '>', \$out, '2>', \$err,
		IPC::Run::timeout(240));
	return { h => $h, out => \$out, err => \$err };
}

sub finish_background
{
	my ($self, $bg) = @_;
	eval { $bg->{h}->finish; 1 } or $bg->{h}->kill_kill;
	return ($bg->{h}->result(0) == 0, ${ $bg->{out} }, ${ $bg->{err} });
}

sub poll_until
{
	my ($self, $node, $sql) = @_;
	for (1 .. 600)
	{
		my ($rc, $out) = $self->psql($node, $sql);
		return 1 if $rc == 0 && $out eq 't';
		Time::HiRes::sleep(0.1);
	}
	return 0;
}

=pod

=head1 $c->check_no_orphan_chunks

Tests that every data node holds exactly the chunk replicas the access node
records, and no prepared transaction.

=cut

sub check_no_orphan_chunks
{
	my ($self) = @_;
	for my $n ($self->data_nodes)
	{
		my $tables = $self->safe_psql($n, q{SELECT string_agg(format('%I.%I', schema_name, table_name), ','
			ORDER BY table_name) FROM _timescaledb_catalog.chunk});
		my $known = $self->safe_psql('an', qq{SELECT string_agg(format('%I.%I', c.schema_name, c.table_name),
			',' ORDER BY c.table_name) FROM _timescaledb_catalog.chunk c
			JOIN _timescaledb_catalog.chunk_data_node cdn ON cdn.chunk_id = c.id WHERE cdn.node_name = '$n'});
		is($tables, $known, "$n holds exactly the replicas the access node records");
		is($self->safe_psql($n, 'SELECT count(*) FROM pg_prepared_xacts'), '0',
			"$n: no prepared transactions left");
	}
}

# The contents of a file.
sub slurp
{
	my ($file) = @_;
	open(my $fh, '<', $file) or die "cannot read $file: $!";
	local $/;
	return scalar <$fh>;
}

# An SQL string literal of a Perl string.
sub sql_literal
{
	my ($s) = @_;
	$s =~ s/'/''/g;
	return "'$s'";
}

# Seconds SUB takes to run, and its result list.
sub timed
{
	my ($code) = @_;
	my $t0 = time;
	my @r = $code->();
	return (time - $t0, @r);
}

package MultinodeCluster::Session;

use strict;
use warnings;

use Carp;
use IPC::Run;

sub new
{
	my ($class, $cmd, $env) = @_;
	my $self = bless { in => '', out => '', err => '', n => 0 }, $class;
	$self->{timer} = IPC::Run::timeout($MultinodeCluster::timeout);
	local %ENV = %ENV;
	MultinodeCluster::_set_env($env);
	$self->{h} = IPC::Run::start($cmd, '<', \$self->{in}, '>', \$self->{out},
		'2>', \$self->{err}, $self->{timer});
	return $self;
}

# Runs SQL; returns (stdout, stderr), each without its trailing newline.  A
# marker is printed on both streams after the SQL, so the output of this SQL
# and nothing else is returned.
sub query
{
	my ($self, $sql) = @_;
	my $mark = 'MN_SESSION_DONE_' . ++$self->{n};
	$self->{out} = $self->{err} = '';
	$self->{in} .= "$sql\n;\n\\echo $mark\n\\warn $mark\n";
	$self->{timer}->start($MultinodeCluster::timeout);
	$self->{h}->pump
	  until $self->{out} =~ /^$mark$/m && $self->{err} =~ /^$mark$/m;
	my ($out, $err) = ($self->{out}, $self->{err});
	$out =~ s/^$mark\n//m;
	$err =~ s/^$mark\n//m;
	chomp $out;
	chomp $err;
	return ($out, $err);
}

# Runs SQL that must succeed; returns stdout.
sub query_safe
{
	my ($self, $sql) = @_;
	my ($out, $err) = $self->query($sql);
	croak "query failed: $sql\n$err" if $err =~ /\bERROR:/;
	return $out;
}

sub quit
{
	my $self = shift;
	return unless $self->{h};
	my $h = delete $self->{h};
	$self->{in} .= "\\q\n";
	eval { $h->finish; 1 } or eval { $h->kill_kill; };
}

1;
