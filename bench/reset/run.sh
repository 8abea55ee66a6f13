#!/usr/bin/env bash
# Bench: a reset of one host back to hand-over, from its hand-over snapshot (atelier since issue
# 16) against today's peer, the rebuild it replaced (a fresh overlay on the base image, a boot,
# the host's roles, its incidents), on the same candidate lab in one run: `atelier lab prove LAB
# --reset HOST --rebuild HOST` on real QEMU guests, each reset timed and then checked (the tasks
# solved on the host fail again). Prints both times and the ratio for each lab; the goal is under
# 10 s and at least 10x for annuaire's DC. While each proof runs, the resident memory of every
# guest's QEMU process is sampled: its peak per guest, and how many candidate labs of that lab
# this machine's memory holds at once by that measure (90 % of MemTotal, placement's share).
# Needs what `atelier lab prove` needs (libvirtd, the images, built on first use); about 3 min
# for demo and 12 min for annuaire under TCG.
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
mem_total_kib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)

# Peak RSS (KiB) of each guest of session $1 while process $2 runs, into $work/rss.$1.
sample_rss() {
  local session=$1 pid=$2
  while kill -0 "$pid" 2>/dev/null; do
    ps -eo rss=,args= | sed -nE "s/^ *([0-9]+) .*qemu-system-x86_64 -name guest=atelier-$session-[a-z0-9_]+-([a-z0-9_]+),.*/\2 \1/p"
    sleep 2
  done | awk '{ if ($2 > peak[$1]) peak[$1] = $2 } END { for (h in peak) print h, peak[h] }' >"$work/rss.$session"
}

summary=() memory=()
for pair in "${pairs[@]}"; do
  lab=${pair%%:*} host=${pair#*:}
  echo "== $lab: $host back to hand-over, from its snapshot and by a rebuild"
  "$atelier" lab prove "$src/labs/$lab" --reset "$host" --rebuild "$host" --boot-minutes 10 \
    >"$work/$lab.log" 2>&1 &
  pid=$!
  sample_rss "prove$pid" "$pid"
  wait "$pid" || true
  grep -E ' (reset|snapshots|roles) ' "$work/$lab.log" || true
  grep -q "^proven: $lab\$" "$work/$lab.log" || { tail -30 "$work/$lab.log"; echo "bench: $lab not proven" >&2; exit 1; }
  snap=$(sed -nE "s/.* $host back to hand-over from its snapshot in ([0-9.]+) s .*/\1/p" "$work/$lab.log")
  rebuild=$(sed -nE "s/.* $host back to hand-over by a rebuild in ([0-9.]+) s .*/\1/p" "$work/$lab.log")
  ratio=$(awk -v a="$rebuild" -v b="$snap" 'BEGIN { printf "%.1f", a / b }')
  summary+=("$(printf '%-18s %-8s %10s s %10s s %8sx' "$lab" "$host" "$snap" "$rebuild" "$ratio")")
  guests=$(sort "$work/rss.prove$pid" | awk '{ printf "%s%s %d MiB", (NR > 1 ? ", " : ""), $1, $2 / 1024 }')
  fits=$(awk -v total="$mem_total_kib" '{ sum += $2 } END { printf "%d MiB, %d at once", sum / 1024, total * 0.9 / sum }' "$work/rss.prove$pid")
  memory+=("$(printf '%-18s %s; %s' "$lab" "$guests" "$fits")")
done

echo
printf '%-18s %-8s %12s %12s %9s\n' lab host snapshot rebuild ratio
printf '%s\n' "${summary[@]}"
echo
echo "peak resident memory of each guest's QEMU; a candidate's lab; labs this machine holds ($(( mem_total_kib / 1024 )) MiB, 90 %)"
printf '%s\n' "${memory[@]}"
