#!/usr/bin/env bash
# Bench: how long a session takes to be ready as the room grows. For each LAB:N, one run of a
# real atelierd on qemu:///system creates a session of one candidate, then one of N, and times
# each from `session create` to every lab ready (`--wait`); each is destroyed before the next.
# Prints both times, N's over one's (the issue's goal: under 2x) and over N times one's (the
# labs provisioned one after the other). atelierd provisions as many labs at once per host as it
# has CPUs (--max-parallel-labs), so on 2 cores under TCG the N labs come up two by two.
# Needs libvirtd and the images (scripts/start-services; built on first use). Minutes of TCG
# guests: about 8 min for demo:8, 15 min for annuaire:4 on this 2-core machine.
# usage: bench/session/run.sh [BUILD_DIR] [LAB:N ...]   (default: demo:8 annuaire:4)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build}
atelierd=$build/controller/daemon/atelierd
atelier=$build/controller/cli/atelier
[[ -x $atelierd && -x $atelier ]] || { echo "bench: no atelierd/atelier in $build (build it, or give BUILD_DIR)" >&2; exit 1; }
shift $(( $# > 0 ? 1 : 0 ))
runs=("$@")
[[ ${#runs[@]} -gt 0 ]] || runs=(demo:8 annuaire:4)

"$src/scripts/start-services"
sid=bsess$$
# Under /var/lib/atelier: QEMU (libvirt-qemu) must traverse the run folder to read the seeds.
work=/var/lib/atelier/e2e/bench-session-$$
mkdir -p "$work"
chmod 755 "$work"
. "$src/tests/e2e/session/lib.sh"
cleanup() {
  stop_daemon KILL
  for s in $(ls "$work/run" 2>/dev/null); do "$atelier" provider clean --session "$s" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
start_daemon
ATELIER_TOKEN=$("$atelier" token create --role trainer --state-dir "$work/state" 2>/dev/null)
export ATELIER_TOKEN

# Seconds from `session create` to every lab ready, for lab $1 and $2 candidates.
ready_seconds() {
  local lab=$1 n=$2 name=$sid$RANDOM candidates
  candidates=$(seq -f "c%02g" 1 "$n" | paste -sd,)
  local t0
  t0=$(date +%s.%N)
  "$atelier" session create --lab "$src/labs/$lab" --candidates "$candidates" --name "$name" \
    --wait --timeout 3600 >"$work/$name.log" 2>&1 || { tail -20 "$work/$name.log" >&2; tail -20 "$work/atelierd.log" >&2; return 1; }
  local t1
  t1=$(date +%s.%N)
  "$atelier" session destroy "$name" --wait --timeout 900 >/dev/null
  python3 -c "print(f'{$t1 - $t0:.1f}')"
}

lines=()
for run in "${runs[@]}"; do
  lab=${run%%:*} n=${run#*:}
  echo "== $lab: a session of 1 candidate, then of $n"
  one=$(ready_seconds "$lab" 1)
  echo "   1 candidate: ready in $one s"
  many=$(ready_seconds "$lab" "$n")
  echo "   $n candidates: ready in $many s"
  lines+=("$(python3 -c "
one, many, n = $one, $many, $n
print(f'{\"$lab\":<10} 1: {one:7.1f} s   {n}: {many:7.1f} s   {n} / 1: {many / one:4.1f}x (goal < 2x)   {n} / ({n} x 1): {many / (n * one):4.2f}')")")
done
echo
echo "session ready time as the room grows ($(nproc) CPUs, $(awk '/^MemTotal:/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(sed -n 's/^decision=//p' /var/lib/atelier/host.kvm 2>/dev/null || echo '?'))"
printf '%s\n' "${lines[@]}"
