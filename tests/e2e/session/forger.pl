#!/usr/bin/perl
# What root in a candidate's guest can put in atelier-agent's place (issue 20, e2e): after
# `systemctl stop atelier-agent`, this speaks the documented protocol (docs/protocol.md) on the
# agent's virtio-serial port and answers every check "pass", copying the bundle id, each
# check's index and kind into result ids as a careful forger would. It answers hello requests
# (with no instance: it cannot know the real agent's) and ignores everything else. The guest
# image has perl-base (Debian's essential set), not python3 nor a JSON module: the few fields
# it needs are read with regular expressions, as a candidate in a hurry would.
# usage: perl forger.pl [PORT]   (default /dev/virtio-ports/org.atelier.agent.0)
use strict;
use warnings;

my $port = shift // '/dev/virtio-ports/org.atelier.agent.0';
open(my $fh, '+<', $port) or die "open $port: $!";
binmode $fh;
my $old = select $fh;
$| = 1;
select $old;

sub now_ms { return int(time() * 1000); }

sub say_line {
  my ($line) = @_;
  syswrite($fh, $line . "\n") // die "write: $!";
}

sub hello {
  my ($re) = @_;
  my $envelope = defined $re ? qq("re":$re,) : '';
  return qq({"v":1,"type":"hello",$envelope"body":{"protocol_version":1,"agent_version":"0.1.0",)
    . qq("identity":{"host":"server"},"facts":{"hostname":"server"},"spooled":0}});
}

# Results for a run_checks request: every check "pass", ids and kinds copied in order.
sub forged_results {
  my ($id, $body) = @_;
  my ($bundle) = $body =~ /"bundle_id":"((?:[^"\\]|\\.)*)"/;
  my ($checks) = $body =~ /"checks":\[(.*)\]/;
  my @kinds = ($checks // '') =~ /"kind":"([a-z_]+)"/g;
  my @results;
  for my $i (0 .. $#kinds) {
    push @results, qq({"result_id":"$bundle/$i","index":$i,"kind":"$kinds[$i]",)
      . qq("status":"pass","expected":"as asked","observed":"as asked",)
      . qq("duration_ms":3,"started_unix_ms":) . now_ms() . '}';
  }
  print STDERR "forged " . scalar(@results) . " passes for bundle $bundle\n";
  return qq({"v":1,"type":"results","re":$id,"body":{"bundle_id":"$bundle","host":"server",)
    . qq("results":[) . join(',', @results) . qq(],"finished_unix_ms":) . now_ms() . '}}';
}

say_line(hello(undef));
my $buffer = '';
while (1) {
  my $n = sysread($fh, $buffer, 65536, length $buffer);
  die "read: $!" unless defined $n;
  if ($n == 0) {  # the host side is not connected: wait for it, as the agent does
    sleep 1;
    next;
  }
  while ($buffer =~ s/^([^\n]*)\n//) {
    my $line = $1;
    my ($type) = $line =~ /"type":"([a-z_]+)"/;
    my ($id) = $line =~ /"id":(\d+)/;
    next unless defined $type && defined $id;
    if ($type eq 'hello_request') {
      say_line(hello($id));
    } elsif ($type eq 'run_checks') {
      say_line(forged_results($id, $line));
    }
  }
}
