#!/usr/bin/env bash
# The fuzz runner's self-test: run_fuzz.sh on a target with a defect planted on purpose
# (selftest/selftest_fuzz.cpp) must fail and name the input when fuzzing finds the defect, fail
# when a recorded crasher crashes again, and pass on the same target without the defect. Without
# it, a runner that always passed (a lost exit status, fuzzing that never starts) would go unseen.
# Usage: selftest_test.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: selftest_test.sh BUILD_DIR}
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# run MODE: run_fuzz.sh in that mode; sets rc and out (stdout and stderr together).
run() {
  out=$(ATELIER_FUZZ_SELFTEST=$1 "$here/run_fuzz.sh" selftest_fuzz "$build" 200000 60 2>&1)
  rc=$?
  echo "== mode $1: exit $rc"
  echo "$out" | tail -n 5
}

# Fuzzing finds the defect one mutation away from the seed; the runner fails and names the input.
run find
[[ $rc -ne 0 ]] || fail "the runner passed although the target reads out of bounds on ATELIER!"
grep -q "heap-buffer-overflow" <<<"$out" || fail "the sanitizer's report is not shown"
input=$(sed -n 's/.*the failing input is \([^;]*\); run it again.*/\1/p' <<<"$out" | head -n 1)
[[ -f "$input" ]] || fail "the failing input is not named, or is not there: '$input'"
[[ -f "$input" && $(head -c 8 "$input") == "ATELIER!" ]] || fail "the named input is not the crasher"

# A recorded crasher is replayed first, whole, and fails the run before any fuzzing.
run replay
[[ $rc -ne 0 ]] || fail "the runner passed although a recorded crasher crashes again"
grep -q "an input that once crashed it crashes again" <<<"$out" || fail "the replay is not named"

# The same target without the defect: the runner passes and says how much it fuzzed.
run clean
[[ $rc -eq 0 ]] || fail "the runner failed on a target without defect"
grep -Eq "no crash in [0-9]+ executions" <<<"$out" || fail "the clean run does not count its executions"

((fails == 0)) && echo "the fuzz runner fails on a found crash and on a replayed one, and passes a clean target"
exit $((fails > 0))
