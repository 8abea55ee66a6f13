# Shared by the e2e session and crash tests: start/stop an atelierd of the test's own, and list
# what a session left on libvirt and on disk. Sourced; expects $atelierd $atelier $src $work $sid.

fail() { echo "FAIL: $*" >&2; exit 1; }

# Starts atelierd in the background on port 0; sets $daemon_pid and $ATELIER_SERVER.
start_daemon() {
  rm -f "$work/port"
  "$atelierd" --listen 127.0.0.1:0 --port-file "$work/port" --state-dir "$work/state" \
    --run-dir "$work/run" --labs-dir "$src/labs" --recipes-dir "$src/ansible-free-recipes/recipes" \
    --orphan-prefix "$sid" --unsafe-disk-cache --boot-timeout 600 --reconcile-interval-ms 1000 \
    --orphan-interval 5 "$@" >>"$work/atelierd.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 100); do
    [ -s "$work/port" ] && break
    sleep 0.1
  done
  [ -s "$work/port" ] || fail "atelierd did not start: $(tail -5 "$work/atelierd.log")"
  export ATELIER_SERVER="http://127.0.0.1:$(cat "$work/port")"
}

stop_daemon() {  # $1: signal (TERM, KILL)
  if [ -n "${daemon_pid:-}" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -"$1" "$daemon_pid"
    wait "$daemon_pid" 2>/dev/null || true
  fi
  daemon_pid=
}

# Every object of the session: domains, networks, overlay volumes, overlay files, run folder.
leftovers() {
  {
    virsh -c qemu:///system list --all --name
    virsh -c qemu:///system net-list --all --name
    virsh -c qemu:///system vol-list atelier-overlays 2>/dev/null | awk '{print $1}'
    ls /var/lib/atelier/overlays 2>/dev/null
  } | grep "^atelier-$sid-" || true
  [ -e "$work/run/$sid" ] && echo "run folder $work/run/$sid"
  true
}

# The bridges of the session's networks (to prove they are gone after destroy).
bridges() {
  for n in $(virsh -c qemu:///system net-list --all --name | grep "^atelier-$sid-"); do
    virsh -c qemu:///system net-info "$n" | awk '/^Bridge:/{print $2}'
  done
}

# Tears down whatever the test left (after a failure), by the session's owner metadata.
cleanup_session() {
  stop_daemon KILL
  "$atelier" provider clean --session "$sid" >/dev/null 2>&1 || true
  rm -rf "$work"
}

# The session's status as JSON, and one field of it.
session_json() { "$atelier" session status "$sid" --output json; }
