#!/usr/bin/env bash
# e2e: `atelier lab prove` on real QEMU guests, for every lab of labs/.
#   prove LAB ROWS      the lab is proven: exit 0, "proven: LAB", exactly ROWS "ok" task rows
#                       (tasks x (incidents + near-misses + solution)), the roles' second run
#                       changed nothing, no SURPRISE row; with --compare-grader, every check
#                       `on: grader` agreed with its twin on a lab host after every phase.
#   prove LAB ROWS HOST RESET_ROWS
#                       the same with `--reset HOST`: HOST back to hand-over from its snapshot
#                       after the solution, timed, and RESET_ROWS tasks (those solved on HOST)
#                       failing again as at hand-over.
#   wrong-check demo    a copy of the demo lab with two checks broken on purpose (one too lax, one
#                       expecting the broken state) must be caught: exit 3, "NOT proven", each
#                       task a SURPRISE where its mistake shows.
#   interrupt LAB       SIGINT while the guests boot (a trainer's Ctrl-C): exit 130, and the
#                       prove removes its own lab before it exits.
# Either way the run's own session ("prove<PID>") leaves no domain, network, overlay or run
# folder behind. Prints the wall time (the CI budget is counted from it).
# Usage: prove_lab_test.sh ATELIER_BINARY SOURCE_DIR MODE LAB [ROWS [HOST RESET_ROWS]]
set -euo pipefail
atelier=$1
src=$2
mode=$3
lab=$4
rows=${5:-}
reset_host=${6:-}
reset_rows=${7:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# What one prove run left: other tests may prove labs on this host at the same time, so only its
# own session's objects count.
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

# Breaks two checks of the copy in $work/$lab, one of each kind of author's mistake prove must
# catch: T1's check is too lax (it accepts what the incident leaves: a SURPRISE after the
# incidents), T3's first check expects the broken state (the reference solution cannot satisfy
# it: a SURPRISE after the solution).
break_checks() {
  local y="$work/$lab/lab.yaml"
  [ "$lab" = demo ] || fail "no broken check is defined for $lab"
  # T1's check now only asks for the folder to exist, which it does on the broken lab too.
  sed -i 's/file: {path: \/srv\/partage, directory: true, mode: "2770", group: "{{team}}"}/file: {path: \/srv\/partage, directory: true}/' "$y"
  grep -q 'file: {path: /srv/partage, directory: true}$' "$y" || fail "the sed did not break T1's check"
  # T3's first check now asks for the client to have NO lab address, as the incident leaves it.
  sed -i "s/run: \"ip -o -4 addr show | grep -q ' {{host.client.ip.lan}}\/24 '\"/run: \"! ip -o -4 addr show | grep -q ' {{host.client.ip.lan}}\/24 '\"/" "$y"
  grep -q "run: \"! ip -o -4 addr show" "$y" || fail "the sed did not break T3's check"
}

"$src/scripts/start-services"
start=$(date +%s)

case "$mode" in
  prove)
    [ -n "$rows" ] || fail "prove needs the number of ok rows"
    echo "== labs/$lab is proven${reset_host:+, then $reset_host reset to hand-over from its snapshot}"
    prove "$src/labs/$lab" --boot-minutes 10 --compare-grader ${reset_host:+--reset "$reset_host"}
    [ "$rc" -eq 0 ] || fail "lab prove labs/$lab exited $rc, expected 0"
    grep -q "^proven: $lab\$" "$work/prove.log" || fail "no 'proven: $lab' line"
    if grep -q 'SURPRISE' "$work/prove.log"; then fail "a SURPRISE row"; fi
    ok_rows=$(grep -cE '^T[0-9]+ +(incidents|near-miss [0-9]+|solution) +(pass|fail) +(pass|fail) +ok$' "$work/prove.log" || true)
    [ "$ok_rows" -eq "$rows" ] || fail "expected $rows 'ok' rows, got $ok_rows"
    # Each check `on: grader` with a twin on a lab host agreed with it after every phase.
    if grep -q 'on: grader' "$src/labs/$lab/lab.yaml"; then
      mirrors=$(grep -cE '^T[0-9]+ +(incidents|near-miss [0-9]+|solution) [a-z_]+@[a-z0-9-]+/grader +(pass|fail) +(pass|fail) +ok$' "$work/prove.log" || true)
      [ "$mirrors" -gt 0 ] || fail "no grader mirror row: the grader's checks were not compared"
      echo "grader mirrors: $mirrors rows, all agreeing with the lab's hosts"
    fi
    # The roles' idempotency proof: one rerun row per host and role, each unchanged.
    reruns=$(grep -cE '^role +rerun ' "$work/prove.log" || true)
    unchanged=$(grep -cE '^role +rerun roles/[a-z0-9-]+@[a-z0-9-]+ +unchanged +unchanged +ok$' "$work/prove.log" || true)
    [ "$reruns" -gt 0 ] && [ "$reruns" -eq "$unchanged" ] ||
      fail "the roles' second run: $unchanged of $reruns rerun rows unchanged"
    if [ -n "$reset_host" ]; then
      grep -qE "snapshots +hand-over snapshots saved in [0-9.]+ s$" "$work/prove.log" ||
        fail "no line saying the hand-over snapshots were saved"
      grep -E " $reset_host back to hand-over from its snapshot in [0-9.]+ s " "$work/prove.log" ||
        fail "no timed reset of $reset_host from its snapshot"
      back=$(grep -cE '^T[0-9]+ +reset \(snapshot\) +fail +fail +ok$' "$work/prove.log" || true)
      [ "$back" -eq "$reset_rows" ] ||
        fail "after the reset of $reset_host, $back task(s) fail as at hand-over, expected $reset_rows"
    fi
    ;;
  wrong-check)
    echo "== a wrong check of $lab is caught"
    cp -r "$src/labs/$lab" "$work/$lab"
    break_checks
    prove "$work/$lab" --recipes "$src/ansible-free-recipes/recipes" --boot-minutes 10
    [ "$rc" -eq 3 ] || fail "lab prove on a wrong check exited $rc, expected 3"
    grep -qE '^T1 +incidents +fail +pass +SURPRISE$' "$work/prove.log" ||
      fail "T1 (a lax check) after the incident not reported as a surprise"
    grep -qE '^T3 +solution +pass +fail +SURPRISE$' "$work/prove.log" ||
      fail "T3 (a check expecting the broken state) after the solution not reported as a surprise"
    grep -qE '^T2 +solution +pass +pass +ok$' "$work/prove.log" || fail "T2, left intact, should be proven"
    grep -q "^NOT proven: $lab\$" "$work/prove.log" || fail "no 'NOT proven' line"
    ;;
  interrupt)
    echo "== Ctrl-C during a prove of $lab leaves nothing"
    "$atelier" lab prove "$src/labs/$lab" >"$work/prove.log" 2>&1 &
    pid=$!
    session="prove$pid"
    for _ in $(seq 300); do
      [ "$(grep -c ' boot  *started$' "$work/prove.log")" -ge 2 ] && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 1
    done
    [ "$(grep -c ' boot  *started$' "$work/prove.log")" -ge 2 ] || { cat "$work/prove.log"; fail "the guests did not start"; }
    [ -n "$(leftovers "$session")" ] || fail "the lab's objects should exist before the interrupt"
    kill -INT "$pid"
    set +e
    wait "$pid"
    rc=$?
    set -e
    cat "$work/prove.log"
    [ "$rc" -eq 130 ] || fail "an interrupted prove exited $rc, expected 130"
    grep -q "removing session $session" "$work/prove.log" || fail "no line saying the session is removed"
    grep -q '^nothing left$' "$work/prove.log" || fail "the teardown did not say 'nothing left'"
    ;;
  *) fail "unknown mode $mode" ;;
esac

echo "== nothing of $session left behind"
left=$(leftovers "$session")
[ -z "$left" ] || fail "objects left behind: $left"
echo "PASS ($mode $lab in $(( $(date +%s) - start )) s)"
