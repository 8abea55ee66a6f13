#!/usr/bin/env bash
# Builds one of the libFuzzer targets of tests/fuzz/ with clang and runs it for a bounded number
# of executions; the CTests labelled "fuzz" call it (fuzz_test.cmake), and so can anyone, for
# longer. Exit non-zero on any crash, leak, sanitizer report, broken contract or timeout.
# Usage: run_fuzz.sh NAME BUILD_DIR [RUNS [SECONDS [SEEDS...]]]
#   NAME       the target, e.g. api_request_fuzz; its folder is tests/fuzz/NAME without "_fuzz"
#   BUILD_DIR  the clang build of tests/fuzz/ (configured here when empty); NAME's run is kept
#              in BUILD_DIR/NAME/ (log, new corpus, crash-* inputs)
#   RUNS, SECONDS  stops after RUNS executions (20000) or SECONDS of fuzzing (90), whichever
#              comes first, so that a test stays within its budget on a busy machine
#   SEEDS      files, folders or glob patterns (expanded here) copied into the seed corpus;
#              the target's folder's seeds/ is always one
# The target's folder may hold crashers.py, which writes inputs that once crashed it (longer than
# -max_len, to which libFuzzer truncates corpus inputs): they are first run whole, then seed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
usage="usage: run_fuzz.sh NAME BUILD_DIR [RUNS [SECONDS [SEEDS...]]]"
name=${1:?$usage}
build=${2:?$usage}
runs=${3:-20000}
seconds=${4:-90}
shift $(($# < 4 ? $# : 4))
folder="$here/${name%_fuzz}"
[[ -d "$folder" ]] || { echo "run_fuzz.sh: no fuzzer folder $folder for $name" >&2; exit 2; }

mkdir -p "$build"
build=$(cd "$build" && pwd)
# Usually already configured and built by the main build (ExternalProject atelier_fuzzers);
# configured here when run on its own. Two fuzz tests may start at once: one builds at a time.
(
  flock 9
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    CXX=clang++ cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/configure.log" 2>&1 || {
      cat "$build/configure.log" >&2
      exit 1
    }
  fi
  cmake --build "$build" --target "$name" -j 2 >"$build/build-$name.log" 2>&1 || {
    tail -50 "$build/build-$name.log" >&2
    exit 1
  }
) 9>"$build/.build.lock"
fuzzer="$build/$name"
run="$build/$name.run"

# Seeds: a fresh copy each run, so the repo's files are the starting point and nothing piles up.
seeds="$run/seeds"
rm -rf "$run"
mkdir -p "$seeds" "$run/work" "$run/crashers"
i=0
crashers=()
copy_seed() { cp "$1" "$seeds/seed-$((i++))-$(basename "$1")"; }
shopt -s nullglob
IFS=  # patterns are globbed below, not split: a checkout path may hold spaces
for pattern in "$folder/seeds" "$@"; do
  for path in $pattern; do
    if [[ -d "$path" ]]; then
      for f in "$path"/*; do [[ -f "$f" ]] && copy_seed "$f"; done
    elif [[ -f "$path" ]]; then
      copy_seed "$path"
    fi
  done
done
unset IFS
((i > 0)) || { echo "$name: no seed found (${folder}/seeds, $*)" >&2; exit 1; }

if [[ -f "$folder/crashers.py" ]]; then
  python3 "$folder/crashers.py" "$run/crashers"
  crashers=("$run"/crashers/*)
fi
# (With no input given, the fuzzer would fuzz without end instead of replaying.)
if ((${#crashers[@]} > 0)); then
  "$fuzzer" "${crashers[@]}" >"$run/crashers.log" 2>&1 || {
    echo "$name: an input that once crashed it crashes again; log: $run/crashers.log" >&2
    tail -30 "$run/crashers.log" >&2
    exit 1
  }
  cp "${crashers[@]}" "$seeds/"
fi

cd "$run"
log="$run/fuzz.log"
status=0
"$fuzzer" -runs="$runs" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$run/" "$run/work" "$seeds" >"$log" 2>&1 || status=$?
grep -E "stat::number_of_executed_units|stat::peak_rss_mb|Done [0-9]+ runs" "$log" || true
if ((status != 0)); then
  echo "$name FAILED (exit $status); log: $log" >&2
  grep -E -A30 "ERROR|WARNING|SUMMARY|deadly signal|fuzzer: " "$log" | head -80 >&2
  for input in "$run"/crash-* "$run"/leak-* "$run"/timeout-* "$run"/oom-*; do
    echo "$name: the failing input is $input; run it again with: $fuzzer $input" >&2
  done
  exit 1
fi
done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
echo "$name: no crash in ${done_runs:-?} executions from $i seeds (limits: $runs runs, ${seconds}s)"
