#!/usr/bin/env bash
# Bench: a reset of one host back to hand-over, from its hand-over snapshot (atelier since issue
# 16) against today's peer, the rebuild it replaced (a fresh overlay on the base image, a boot,
# the host's roles, its incidents), on the same candidate lab in one run: `atelier lab prove LAB
# --reset HOST --rebuild HOST` on real QEMU guests, each reset timed and then checked (the tasks
# solved on the host fail again). Prints both times and the ratio for each lab; the goal is under
# 10 s and at least 10x for annuaire's DC. Needs what `atelier lab prove` needs (libvirtd,
# the images, built on first use); about 3 min for demo and 12 min for annuaire under TCG.
# usage: bench/reset/run.sh [path/to/atelier] [LAB:HOST ...]   (default: demo:server annuaire:dc)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
atelier=${1:-$src/build/controller/cli/atelier}
[[ -x $atelier ]] || { echo "bench: no atelier binary at $atelier (give its path)" >&2; exit 1; }
shift $(( $# > 0 ? 1 : 0 ))
pairs=("$@")
[[ ${#pairs[@]} -gt 0 ]] || pairs=(demo:server annuaire:dc)

"$src/scripts/start-services"
work=$(mktemp -d /tmp/atelier-bench-reset.XXXXXX)
trap 'rm -rf "$work"' EXIT

summary=()
for pair in "${pairs[@]}"; do
  lab=${pair%%:*} host=${pair#*:}
  echo "== $lab: $host back to hand-over, from its snapshot and by a rebuild"
  "$atelier" lab prove "$src/labs/$lab" --reset "$host" --rebuild "$host" --boot-minutes 10 |
    tee "$work/$lab.log" | grep -E ' (reset|snapshots|roles) ' || true
  grep -q "^proven: $lab\$" "$work/$lab.log" || { tail -30 "$work/$lab.log"; echo "bench: $lab not proven" >&2; exit 1; }
  snap=$(sed -nE "s/.* $host back to hand-over from its snapshot in ([0-9.]+) s .*/\1/p" "$work/$lab.log")
  rebuild=$(sed -nE "s/.* $host back to hand-over by a rebuild in ([0-9.]+) s .*/\1/p" "$work/$lab.log")
  ratio=$(awk -v a="$rebuild" -v b="$snap" 'BEGIN { printf "%.1f", a / b }')
  summary+=("$(printf '%-10s %-8s %10s s %10s s %8sx' "$lab" "$host" "$snap" "$rebuild" "$ratio")")
done

echo
printf '%-10s %-8s %12s %12s %9s\n' lab host snapshot rebuild ratio
printf '%s\n' "${summary[@]}"
