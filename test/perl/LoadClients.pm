# LoadClients: several psql sessions on one node of a MultinodeCluster, each
# running one statement after another for a while, with events (a node
# killed) at given moments.  Each statement's output, errors included, is
# handed back with the statement's number.
#
#   my $load = LoadClients->new($cluster, 'an', 4);
#   $load->run(duration => 6,
#       sql => sub { my ($client, $seq) = @_; return "SELECT ..."; },
#       done => sub { my ($client, $seq, $text) = @_; ... },
#       events => [ [ 2, sub { $cluster->kill_node('dn2') } ] ]);
#
# Copyright (c) 2026, multinode developers

package LoadClients;

use strict;
use warnings;

use IPC::Run;
use Time::HiRes qw(time);

sub new
{
	my ($class, $cluster, $node, $n) = @_;
	my @clients;
	for my $i (1 .. $n)
	{
		my ($in, $out) = ('', '');
		my $h = IPC::Run::start($cluster->_psql_cmd($node, stop => 0, flags => [ '-A', '-t' ]),
			'<', \$in, '>&', \$out, IPC::Run::timeout(300));
		push @clients, { n => $i, h => $h, in => \$in, out => \$out, seq => 0, busy => 0 };
	}
	return bless { clients => \@clients }, $class;
}

# Hand a finished statement of client cl to done; returns whether cl is idle.
sub _collect
{
	my ($cl, $done) = @_;
	return 1 unless $cl->{busy};
	$cl->{h}->pump_nb;
	my $seq = $cl->{seq};
	return 0 unless ${ $cl->{out} } =~ s/\A(.*?)\@\@$seq\n//s;
	$cl->{busy} = 0;
	$done->($cl->{n}, $seq, $1);
	return 1;
}

sub run
{
	my ($self, %o) = @_;
	my @events = sort { $a->[0] <=> $b->[0] } @{ $o{events} // [] };
	my $start = time;
	while (time - $start < $o{duration})
	{
		for my $cl (@{ $self->{clients} })
		{
			if (_collect($cl, $o{done}))
			{
				$cl->{seq}++;
				${ $cl->{in} } .= $o{sql}->($cl->{n}, $cl->{seq}) . ";\n\\echo \@\@$cl->{seq}\n";
				$cl->{busy} = 1;
			}
			$cl->{h}->pump_nb;
		}
		(shift @events)->[1]->() while @events && time - $start >= $events[0][0];
		select(undef, undef, undef, 0.001);
	}
	# the statements in flight finish; the sessions end
	for my $cl (@{ $self->{clients} })
	{
		$cl->{h}->pump until _collect($cl, $o{done});
		${ $cl->{in} } .= "\\q\n";
		$cl->{h}->finish;
	}
}

1;
