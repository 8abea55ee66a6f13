#!/usr/bin/env bash
# e2e: `atelier lab prove` on one of the network/directory labs (reseau, annuaire,
# epreuve-synthese) on real QEMU guests: every task fails with its incidents and after each
# near-miss, passes after the reference solution; the run leaves no libvirt object, overlay or
# run folder behind. Prints the wall time of the proof (the CI budget is counted from it).
# Usage: prove_lab_test.sh ATELIER_BINARY SOURCE_DIR LAB [EXPECTED_OK_ROWS]
set -euo pipefail
atelier=$1
src=$2
lab=$3
expected_rows=${4:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# What the proof's own session (prove<PID of atelier>) left: other tests may prove labs at the
# same time on this host, so only this session's objects count.
leftovers() {
  local session=$1
  {
    virsh -c qemu:///system list --all --name
    virsh -c qemu:///system net-list --all --name
  } | grep "^atelier-$session-" || true
  ls /var/lib/atelier/overlays 2>/dev/null | grep "^atelier-$session-" || true
  ls /var/lib/atelier/labs 2>/dev/null | grep "^$session\$" || true
}

"$src/scripts/start-services"

echo "== lab prove labs/$lab"
start=$(date +%s)
set +e
"$atelier" lab prove "$src/labs/$lab" --boot-minutes 10 >"$work/prove.log" 2>&1 &
pid=$!
wait "$pid"
rc=$?
set -e
seconds=$(( $(date +%s) - start ))
cat "$work/prove.log"
echo "lab prove labs/$lab: exit $rc in ${seconds} s"
[ "$rc" -eq 0 ] || fail "lab prove labs/$lab exited $rc, expected 0"
grep -q "^proven: $lab\$" "$work/prove.log" || fail "no 'proven: $lab' line"
if grep -qE 'SURPRISE' "$work/prove.log"; then fail "a SURPRISE row"; fi
rows=$(grep -cE '^T[0-9]+ +(incidents|near-miss [0-9]+|solution) +(pass|fail) +(pass|fail) +ok$' "$work/prove.log" || true)
if [ -n "$expected_rows" ]; then
  [ "$rows" -eq "$expected_rows" ] || fail "expected $expected_rows 'ok' rows, got $rows"
fi

echo "== nothing left behind"
after=$(leftovers "prove$pid")
[ -z "$after" ] || fail "objects left behind by session prove$pid: $after"
echo "PASS ($lab proven in ${seconds} s, $rows rows)"
