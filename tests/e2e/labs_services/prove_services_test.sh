#!/usr/bin/env bash
# e2e: `atelier lab prove` on the service labs (debian12-services guests).
#   prove LAB ROWS      the lab is proven: exit 0, "proven: LAB", ROWS "ok" rows, nothing left.
#   wrong-check LAB 0   a copy of messagerie, cut down to T4, whose MX check expects the WRONG MX
#                       (the one the incident writes) must be caught: exit 3, T4 a SURPRISE both
#                       ways (points for nothing after the incident, the reference fix refused).
# Usage: prove_services_test.sh ATELIER_BINARY SOURCE_DIR MODE LAB ROWS
set -euo pipefail
atelier=$1
src=$2
mode=$3
lab=$4
rows=$5
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# What one prove run (session "prove<PID>") left behind: domains, networks, overlays, run folder.
leftovers() {
  local session=$1
  {
    virsh -c qemu:///system list --all --name
    virsh -c qemu:///system net-list --all --name
  } | grep "^atelier-$session-" || true
  ls /var/lib/atelier/overlays 2>/dev/null | grep "^atelier-$session-" || true
  ls /var/lib/atelier/labs 2>/dev/null | grep "^$session\$" || true
}

# Runs `atelier lab prove ARGS...` into $work/prove.log; sets rc and session (from its pid).
prove() {
  set +e
  "$atelier" lab prove "$@" >"$work/prove.log" 2>&1 &
  local pid=$!
  wait "$pid"
  rc=$?
  set -e
  session="prove$pid"
  cat "$work/prove.log"
}

"$src/scripts/start-services"
start=$(date +%s)

case "$mode" in
  prove)
    echo "== labs/$lab is proven"
    prove "$src/labs/$lab"
    [ "$rc" -eq 0 ] || fail "lab prove labs/$lab exited $rc, expected 0"
    grep -q "^proven: $lab\$" "$work/prove.log" || fail "no 'proven: $lab' line"
    ok_rows=$(grep -cE '^T[0-9]+ +(incidents|near-miss [0-9]+|solution) +(pass|fail) +(pass|fail) +ok$' "$work/prove.log" || true)
    [ "$ok_rows" -eq "$rows" ] || fail "expected $rows 'ok' rows, got $ok_rows"
    ;;
  wrong-check)
    echo "== a wrong check of $lab is caught"
    cp -r "$src/labs/$lab" "$work/$lab"
    # Only T4 is kept (its tasks, near-misses and solution steps; the other incidents stay): the
    # others are proven by the test above, and each costs check runs on TCG guests.
    sed -i '/^  - id: T1$/,/^  - id: T4$/{/^  - id: T4$/!d}; /^  - {task: T[123],/d' "$work/$lab/lab.yaml"
    [ "$(grep -c '^  - id: T' "$work/$lab/lab.yaml")" -eq 1 ] || fail "the copy should keep T4 only"
    # T4's MX check now expects the old provider's MX, which is what the incident writes: the
    # grader would give points for the broken record and refuse the right one.
    sed -i 's/expect: \["mail\.{{domain}}"\]/expect: ["mx1.ancien-hebergeur.net"]/' "$work/$lab/lab.yaml"
    grep -q 'expect: \["mx1.ancien-hebergeur.net"\]' "$work/$lab/lab.yaml" || fail "the sed did not break T4's check"
    prove "$work/$lab" --recipes "$src/ansible-free-recipes/recipes"
    [ "$rc" -eq 3 ] || fail "lab prove on a wrong check exited $rc, expected 3"
    grep -qE '^T4 +incidents +fail +pass +SURPRISE$' "$work/prove.log" || fail "T4 after the incident not reported as a surprise"
    grep -qE '^T4 +solution +pass +fail +SURPRISE$' "$work/prove.log" || fail "T4 after the solution not reported as a surprise"
    grep -qE '^T4 +near-miss 1 +fail +fail +ok$' "$work/prove.log" ||
      fail "T4's near-miss (an MX without the domain) should still fail"
    grep -q "^NOT proven: $lab\$" "$work/prove.log" || fail "no 'NOT proven' line"
    ;;
  *) fail "unknown mode $mode" ;;
esac

echo "== nothing of $session left behind"
left=$(leftovers "$session")
[ -z "$left" ] || fail "objects left behind: $left"
echo "PASS ($mode $lab in $(( $(date +%s) - start )) s)"
