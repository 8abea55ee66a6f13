#!/usr/bin/env bash
# e2e: kill -9 atelierd while it provisions two candidate labs of the demo lab — after the
# networks, while it waits for the agents, during the roles — and restart it each time. Both labs
# end ready (roles and incidents not applied twice over a finished step), exactly the objects of
# the two labs exist (4 domains, 4 networks, 4 overlays), and destroy leaves none.
# Usage: crash_test.sh ATELIERD ATELIER SOURCE_DIR
set -euo pipefail
atelierd=$1
atelier=$2
src=$3
sid=e2ek$$
work=/var/lib/atelier/e2e/crash-$$
mkdir -p "$work"
chmod 755 "$work"
. "$(dirname "$0")/../session/lib.sh"
trap cleanup_session EXIT

"$src/scripts/start-services"
"$atelier" image show debian12 >/dev/null 2>&1 || "$atelier" image build debian12

start_daemon
ATELIER_TOKEN=$("$atelier" token create --role trainer --state-dir "$work/state" 2>/dev/null)
export ATELIER_TOKEN
"$atelier" session create --lab "$src/labs/demo" --candidates ca,cb --name "$sid" --seed 3 >/dev/null

# Waits until some lab's STEP is in one of STATES (comma list), within $2 seconds.
wait_step() {
  local step=$1 deadline=$2 states=$3
  for _ in $(seq "$deadline"); do
    if session_json 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)
step, states = sys.argv[1], sys.argv[2].split(",")
sys.exit(0 if any(c["steps"][step] in states for c in s["candidates"]) else 1)' "$step" "$states"; then
      return 0
    fi
    sleep 1
  done
  fail "no lab reached $step in ($states) within $deadline s: $(session_json)"
}

crash_at() {  # STEP STATES: kill -9 there, then restart
  wait_step "$1" 1200 "$2"
  echo "== kill -9 with a lab at $1=$2: $(session_json | python3 -c '
import json, sys
print("; ".join(c["candidate"] + " " + ",".join(k + "=" + v for k, v in c["steps"].items() if v != "pending") for c in json.load(sys.stdin)["candidates"]))')"
  stop_daemon KILL
  start_daemon
}

crash_at networks done
crash_at agent running
crash_at roles running,done

echo "== both labs end ready"
for _ in $(seq 1800); do
  [ "$(session_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = ready ] && break
  sleep 1
done
session_json | python3 -c '
import json, sys
s = json.load(sys.stdin)
for c in s["candidates"]:
    print(c["candidate"], c["status"], c["error"])
    assert c["status"] == "ready", c
    assert all(v == "done" for v in c["steps"].values()), c
' || { tail -40 "$work/atelierd.log"; fail "the labs did not both end ready"; }

echo "== exactly the two labs' objects"
doms=$(virsh -c qemu:///system list --all --name | grep -c "^atelier-$sid-" || true)
nets=$(virsh -c qemu:///system net-list --all --name | grep -c "^atelier-$sid-" || true)
vols=$(virsh -c qemu:///system vol-list atelier-overlays | grep -c " atelier-$sid-\|^ *atelier-$sid-" || true)
echo "domains $doms, networks $nets, overlays $vols"
[ "$doms" -eq 4 ] && [ "$nets" -eq 4 ] && [ "$vols" -eq 4 ] || fail "expected 4 domains, 4 networks, 4 overlays"
virsh -c qemu:///system list --all --name | grep "^atelier-$sid-" | grep -vE "^atelier-$sid-c[ab]-(server|client)$" &&
  fail "a domain of no lab"
# A check run works after the restarts (the agents are reached again).
"$atelier" check run "$sid" --output json | python3 -c '
import json, sys
a = json.load(sys.stdin)
assert a["state"] == "done" and len(a["verdicts"]) == 6, a' || fail "check run after the crashes"

echo "== destroy"
"$atelier" session destroy "$sid" >/dev/null
for _ in $(seq 300); do
  [ "$(session_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = destroyed ] && break
  sleep 1
done
left=$(leftovers)
[ -z "$left" ] || fail "objects left after destroy: $left"
stop_daemon TERM
echo "PASS"
