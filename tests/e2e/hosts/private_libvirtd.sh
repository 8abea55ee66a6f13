#!/usr/bin/env bash
# A second hypervisor host on this machine, for the multi-host e2e: a libvirtd (and its virtlogd)
# of its own, in a private mount namespace where /run/libvirt, /var/lib/libvirt,
# /var/cache/libvirt, /var/log/libvirt and /etc/libvirt are folders of DIR. It has its own
# sockets, domains, networks and QEMU state; the system libvirtd never sees them. Both share the
# network namespace (the bridges are real host bridges, named per session, so they never clash),
# the kernel and /var/lib/atelier (images, seeds, the agents' channel sockets) but for
# /var/lib/atelier/overlays, DIR/overlays there: each host lists the overlay volumes of its own
# pool, as two machines would (one folder for both would show each host the other's overlays as
# objects of no lab of its own, to be collected).
#
#   private_libvirtd.sh start DIR   starts it (if not running) and prints its URI
#   private_libvirtd.sh stop DIR    stops libvirtd and virtlogd (its guests keep running, as
#                                   with a system libvirtd that dies: the host "stops answering")
#   private_libvirtd.sh purge DIR   stops it, kills what its QEMUs left, removes DIR
#   private_libvirtd.sh uri DIR     its URI: qemu+unix:///system?socket=DIR/run/libvirt-sock
set -euo pipefail
cmd=${1:?usage: private_libvirtd.sh start|stop|purge|uri DIR}
dir=${2:?usage: private_libvirtd.sh start|stop|purge|uri DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
uri="qemu+unix:///system?socket=$dir/run/libvirt-sock"

pid_of() { [ -s "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null && cat "$dir/$1.pid"; }

stop() {
  local name pid
  for name in libvirtd virtlogd; do
    pid=$(pid_of "$name") || continue
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}

start() {
  if pid_of libvirtd >/dev/null; then
    echo "$uri"
    return
  fi
  mkdir -p "$dir"/{run,lib,cache,log,etc,overlays} /var/lib/atelier/overlays
  if [ ! -e "$dir/etc/libvirtd.conf" ]; then
    # The system's configuration, without its domains and networks (its default network would
    # take virbr0 a second time).
    cp -a /etc/libvirt/. "$dir/etc/"
    rm -rf "$dir/etc/qemu/"*.xml "$dir/etc/qemu/networks" "$dir/etc/qemu/autostart"
    mkdir -p "$dir/etc/qemu/networks/autostart"
  fi
  # The daemons stay in the namespace after unshare returns; their pid files are outside /run.
  unshare --mount --propagation private sh -ec '
    d=$1
    mount --bind "$d/run" /run/libvirt
    mount --bind "$d/lib" /var/lib/libvirt
    mount --bind "$d/cache" /var/cache/libvirt
    mount --bind "$d/log" /var/log/libvirt
    mount --bind "$d/etc" /etc/libvirt
    mount --bind "$d/overlays" /var/lib/atelier/overlays
    virtlogd -d --pid-file "$d/virtlogd.pid"
    libvirtd -d --pid-file "$d/libvirtd.pid"
  ' sh "$dir"
  for _ in $(seq 1 100); do
    if virsh -c "$uri" version >/dev/null 2>&1; then
      readlink "/proc/$(cat "$dir/libvirtd.pid")/ns/mnt" >"$dir/mntns"
      echo "$uri"
      return
    fi
    sleep 0.2
  done
  echo "private_libvirtd.sh: libvirtd in $dir did not answer on $uri within 20 s" >&2
  tail -20 "$dir/log/libvirtd.log" >&2 || true
  exit 1
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  purge)
    stop
    # QEMUs of this daemon outlive it: those in its mount namespace.
    if [ -s "$dir/mntns" ]; then
      for pid in $(pgrep -f qemu-system || true); do
        [ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" = "$(cat "$dir/mntns")" ] && kill -9 "$pid"
      done
    fi
    rm -rf "$dir"
    ;;
  uri) echo "$uri" ;;
  *) echo "private_libvirtd.sh: unknown command $cmd (start, stop, purge, uri)" >&2; exit 2 ;;
esac
