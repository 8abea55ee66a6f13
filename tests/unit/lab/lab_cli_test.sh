#!/usr/bin/env bash
# `atelier lab validate` and `atelier lab show` as a user runs them: exit codes 0/1/2, errors on
# stderr in the FILE:LINE:COL format, the resolved JSON. Usage: lab_cli_test.sh ATELIER SOURCE_DIR
set -uo pipefail
atelier=$1
top=$2
corpus=$top/tests/unit/lab/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

expect() {  # expect CODE DESCRIPTION -- COMMAND...
  local want=$1 what=$2
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [[ $got != "$want" ]]; then
    echo "FAIL: $what: exit $got, expected $want"; cat "$tmp/err"
    failures=$((failures + 1))
  else
    echo "ok: $what (exit $got)"
  fi
}

expect 0 "validate a lab folder" -- "$atelier" lab validate "$top/labs/demo"
expect 0 "validate every lab.yaml" -- "$atelier" lab validate "$top"/labs/*/lab.yaml
expect 2 "validate a broken lab" -- "$atelier" lab validate --recipes "$corpus/recipes" "$corpus/address-clash.yaml"
if ! diff <(sed "s|$corpus/||" "$tmp/err") "$corpus/address-clash.expected"; then
  echo "FAIL: the broken lab's stderr is not its expected diagnostics"; failures=$((failures + 1))
fi
expect 2 "a valid and a broken lab" -- "$atelier" lab validate --recipes "$corpus/recipes" "$corpus/valid.yaml" "$corpus/many-errors.yaml"
[[ $(grep -c ': error: ' "$tmp/err") == 4 ]] || { echo "FAIL: expected the 4 errors of many-errors"; failures=$((failures + 1)); }
expect 1 "validate a missing file" -- "$atelier" lab validate "$tmp/nowhere/lab.yaml"
expect 2 "validate without a path" -- "$atelier" lab validate
expect 0 "validate --help" -- "$atelier" lab validate --help
grep -q "usage: atelier lab validate" "$tmp/out" || { echo "FAIL: no usage on --help"; failures=$((failures + 1)); }
expect 0 "show --help" -- "$atelier" lab show --help
expect 2 "show without --seed" -- "$atelier" lab show "$top/labs/demo" --candidate alice
expect 2 "show with a bad --output" -- "$atelier" lab show "$top/labs/demo" --candidate alice --seed 42 --output xml
expect 0 "show as JSON" -- "$atelier" lab show "$top/labs/demo" --candidate alice --seed 42 --output json
grep -q '"values":{"user":"cleroy","team":"compta","password":"bexumDQAAbUj"}' "$tmp/out" ||
  { echo "FAIL: JSON lacks the pinned variant values"; failures=$((failures + 1)); }
if grep -q '{{' "$tmp/out"; then echo "FAIL: unresolved template in JSON"; failures=$((failures + 1)); fi
cp "$tmp/out" "$tmp/first.json"
expect 0 "show again, same seed and candidate" -- "$atelier" lab show "$top/labs/demo" --candidate alice --seed 42 --output json
cmp -s "$tmp/out" "$tmp/first.json" || { echo "FAIL: same (seed, candidate) gave another lab"; failures=$((failures + 1)); }
expect 0 "show as text" -- "$atelier" lab show "$top/labs/demo" --candidate bob --seed 7
grep -q "^candidate bob, seed 7" "$tmp/out" || { echo "FAIL: text output"; failures=$((failures + 1)); }

((failures == 0)) && echo "all lab CLI checks passed"
exit $((failures > 0))
