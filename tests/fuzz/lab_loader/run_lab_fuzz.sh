#!/usr/bin/env bash
# Builds the lab loader's fuzzer with clang in its own build folder and runs a bounded number of
# executions, seeded with every lab of the repo and the broken-lab corpus. Exit non-zero on any
# crash, leak, sanitizer report or timeout. Usage: run_lab_fuzz.sh BUILD_DIR [RUNS [SECONDS]]
# Stops after RUNS executions (20000) or SECONDS of fuzzing (90), whichever comes first, so that
# the test stays within its budget on a busy machine; the count done is printed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
build=${1:?usage: run_lab_fuzz.sh BUILD_DIR [RUNS]}
runs=${2:-20000}
seconds=${3:-90}

mkdir -p "$build"
# Usually already configured and built by the main build (ExternalProject lab_loader_fuzz_build);
# configured here when run on its own.
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  CXX=clang++ cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/configure.log" 2>&1 || {
    cat "$build/configure.log" >&2
    exit 1
  }
fi
cmake --build "$build" -j 2 >"$build/build.log" 2>&1 || {
  tail -50 "$build/build.log" >&2
  exit 1
}

# Seeds: a fresh copy each run, so the repo's files are the starting point and nothing piles up.
seeds="$build/seeds"
rm -rf "$seeds" "$build/work"
mkdir -p "$seeds" "$build/work"
i=0
for f in "$top"/labs/*/lab.yaml "$top"/tests/unit/lab/corpus/*.yaml "$top"/tests/unit/lab/corpus/checkfiles/*.yaml; do
  [[ -f "$f" ]] && cp "$f" "$seeds/seed-$((i++)).yaml"
done

# Inputs that once crashed the loader (issue 19: std::regex recursed per character), written
# here rather than stored (230 kB). libFuzzer truncates corpus inputs to -max_len, so they are
# first run whole, one by one, then join the seeds.
crashers="$build/crashers"
rm -rf "$crashers" && mkdir -p "$crashers"
python3 - "$crashers" <<'PY'
import sys
d = sys.argv[1]
open(d + "/long-lab-id.yaml", "w").write("lab: " + "a" * 30000 + "\n")
open(d + "/long-recipe-name.yaml", "w").write(
    "lab: x\nincidents:\n  - {id: i, recipe: " + "a/" * 100000 + "a, on: h}\n")
PY
"$build/lab_loader_fuzz" "$crashers"/*.yaml >"$build/crashers.log" 2>&1 || {
  echo "lab loader fuzzer: a past crasher crashes again; log: $build/crashers.log" >&2
  tail -30 "$build/crashers.log" >&2
  exit 1
}
cp "$crashers"/*.yaml "$seeds/"

cd "$build"
log="$build/fuzz.log"
status=0
"$build/lab_loader_fuzz" -runs="$runs" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$build/" "$build/work" "$seeds" >"$log" 2>&1 || status=$?
grep -E "stat::number_of_executed_units|stat::peak_rss_mb|Done [0-9]+ runs" "$log" || true
if ((status != 0)); then
  echo "lab loader fuzzer FAILED (exit $status); log: $log" >&2
  grep -E -A30 "ERROR|WARNING|SUMMARY|deadly signal|Test unit written" "$log" | head -80 >&2
  exit 1
fi
done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
echo "lab loader fuzzer: no crash in ${done_runs:-?} executions (limits: $runs runs, ${seconds}s)"
