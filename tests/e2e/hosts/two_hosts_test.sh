#!/usr/bin/env bash
# e2e: one session of the demo lab over two hypervisor hosts. The second is a private libvirtd on
# this machine (private_libvirtd.sh: its own sockets, state, run folders and overlay pool,
# reached by its own URI). atelierd places the two candidates' labs by free memory, one on each
# host; both get ready; cb's server is reset (from its hand-over snapshot, on whichever host it
# is). Then the second libvirtd stops: atelierd says so on the lab placed there, and once it
# answers again the lab is ready again without the error. It stops once more: the trainer moves
# that lab (`lab reset --move`), which is provisioned again on the first host; when the second
# answers again, what the lab left there is collected. Destroy leaves nothing on either host.
# Usage: two_hosts_test.sh ATELIERD ATELIER SOURCE_DIR
set -euo pipefail
atelierd=$1
atelier=$2
src=$3
sid=e2eh$$
# Under /var/lib/atelier: QEMU (libvirt-qemu) must traverse the run folder to read the seeds.
work=/var/lib/atelier/e2e/hosts-$$
host2=/var/lib/atelier/e2e/host2-$$
mkdir -p "$work"
chmod 755 "$work"
. "$src/tests/e2e/session/lib.sh"
libvirtd2="$src/tests/e2e/hosts/private_libvirtd.sh"

# What the session left on the second host (lib.sh's leftovers() reads the first).
leftovers2() {
  {
    virsh -c "$uri2" list --all --name
    virsh -c "$uri2" net-list --all --name
    ls "$host2/overlays" 2>/dev/null
  } | grep "^atelier-$sid-" || true
}
cleanup() {
  stop_daemon KILL
  "$libvirtd2" start "$host2" >/dev/null 2>&1 || true
  "$atelier" provider clean --session "$sid" >/dev/null 2>&1 || true
  "$atelier" provider clean --session "$sid" --uri "$uri2" >/dev/null 2>&1 || true
  "$libvirtd2" purge "$host2" || true
  rm -rf "$work"
}
trap cleanup EXIT

# A check run of the session ($1: its name here): done, and all 6 tasks (3 x 2 candidates) fail,
# as handed over; $2 says which step failed otherwise.
all_fail() {
  "$atelier" check run "$sid" --output json >"$work/$1.json" || fail "check run: $2"
  python3 - "$work/$1.json" <<'PY' || fail "$2"
import json, sys
a = json.load(open(sys.argv[1]))
assert a["state"] == "done", a
v = [(x["candidate"], x["passed"]) for x in a["verdicts"]]
assert len(v) == 6 and not any(p for _, p in v), v
PY
}

t0=$(date +%s)
"$src/scripts/start-services"
"$atelier" image show debian12 >/dev/null 2>&1 || "$atelier" image build debian12
uri2=$("$libvirtd2" start "$host2")
echo "== second host: $uri2"
start_daemon --libvirt-uri "local=qemu:///system" --libvirt-uri "second=$uri2"
ATELIER_TOKEN=$("$atelier" token create --role trainer --state-dir "$work/state" 2>/dev/null)
export ATELIER_TOKEN

echo "== a session of two candidates over both hosts"
"$atelier" session create --lab "$src/labs/demo" --candidates ca,cb --name "$sid" --seed 5 \
  --wait --timeout 2400 || { tail -30 "$work/atelierd.log"; fail "session create --wait failed"; }
echo "ready after $(($(date +%s) - t0)) s"
session_json >"$work/ready.json"
python3 - "$work/ready.json" <<'PY' || fail "the labs are not one on each host, ready"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["status"] == "ready", s["status"]
hosts = sorted(c["host"] for c in s["candidates"])
assert hosts == ["local", "second"], hosts
for c in s["candidates"]:
    assert c["status"] == "ready", c
PY
host_of() { python3 -c 'import json,sys; print(next(c["host"] for c in json.load(open(sys.argv[1]))["candidates"] if c["candidate"] == sys.argv[2]))' "$work/ready.json" "$1"; }
uri_of() { if [ "$(host_of "$1")" = second ]; then echo "$uri2"; else echo qemu:///system; fi; }
for c in ca cb; do
  n=$(virsh -c "$(uri_of $c)" list --name | grep -c "^atelier-$sid-$c-" || true)
  [ "$n" -eq 2 ] || fail "$c's lab has $n running domains on host $(host_of $c), expected 2"
  echo "$c: on $(host_of $c), 2 domains running there"
done
[ -n "$(leftovers2)" ] || fail "nothing of the session on the second host"

echo "== checks on both hosts: every task fails (incidents injected)"
all_fail run1 "checks on two hosts"

echo "== reset of cb's server, on host $(host_of cb)"
"$atelier" lab reset "$sid" cb server || { tail -20 "$work/atelierd.log"; fail "lab reset cb server"; }
grep -q 'back to hand-over in' "$work/atelierd.log" || fail "the reset did not restore the hand-over snapshot"

on2=$(python3 -c 'import json,sys; print(next(c["candidate"] for c in json.load(open(sys.argv[1]))["candidates"] if c["host"] == "second"))' "$work/ready.json")
# Waits (up to $1 s) until the python condition $2 on the session's JSON (as s) holds.
wait_until() {
  local deadline=$1 cond=$2
  for _ in $(seq "$deadline"); do
    if session_json | python3 -c "
import json, sys
s = json.load(sys.stdin)
c = {c['candidate']: c for c in s['candidates']}
sys.exit(0 if ($cond) else 1)"; then
      return 0
    fi
    sleep 1
  done
  session_json
  return 1
}
down="'is not answering' in (c['$on2']['error'] or '') and 'second' in c['$on2']['error']"

echo "== the second host stops answering: $on2's lab says so"
"$libvirtd2" stop "$host2"
wait_until 120 "$down" || fail "the lab of $on2 does not say that host second is not answering"
"$atelier" session status "$sid" | tee "$work/down.txt"

echo "== it answers again: the lab is ready again, without the error"
"$libvirtd2" start "$host2" >/dev/null
wait_until 120 "all(x['status'] == 'ready' and not x['error'] for x in c.values())" ||
  fail "the labs are not ready again once host second answers"

echo "== it stops again: the trainer moves $on2's lab to the host that answers"
"$libvirtd2" stop "$host2"
wait_until 120 "$down" || fail "the lab of $on2 does not say that host second is not answering (again)"
t1=$(date +%s)
"$atelier" lab reset "$sid" "$on2" --move || { tail -20 "$work/atelierd.log"; fail "lab reset --move"; }
echo "moved in $(($(date +%s) - t1)) s"
wait_until 10 "c['$on2']['host'] == 'local' and c['$on2']['status'] == 'ready' and not c['$on2']['error']" ||
  fail "$on2's lab is not ready on host local after the move"
n=$(virsh -c qemu:///system list --name | grep -c "^atelier-$sid-$on2-" || true)
[ "$n" -eq 2 ] || fail "$on2's lab has $n running domains on host local after the move, expected 2"

echo "== host second answers again: what $on2's lab left there is collected"
"$libvirtd2" start "$host2" >/dev/null
gone=
for _ in $(seq 120); do
  [ -z "$(leftovers2)" ] && { gone=1; break; }
  sleep 1
done
[ -n "$gone" ] || fail "left on host second after the move: $(leftovers2)"
grep -q 'removing the objects of no lab' "$work/atelierd.log" || fail "no orphan collection logged on host second"

echo "== checks after the move: every task of both labs fails as at hand-over"
all_fail run2 "checks after the move"

echo "== destroy: nothing left on either host"
"$atelier" session destroy "$sid" --wait --timeout 900 || fail "session destroy"
left="$(leftovers)$(leftovers2)"
[ -z "$left" ] || fail "left after destroy: $left"
echo "two hosts: passed in $(($(date +%s) - t0)) s"
