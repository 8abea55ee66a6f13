#!/usr/bin/env bash
# `atelier provider clean --session S` removes the session's run folder with its objects (the
# seed disks and console logs `lab prove --keep` leaves in STATE_DIR/labs/S), and nothing of
# another session's; on libvirt's test driver, in a state folder of its own.
# Usage: provider_clean_cli.sh ATELIER_BINARY
set -euo pipefail
atelier=$1
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$state/labs/kept1/prove" "$state/labs/other2/prove"
echo seed >"$state/labs/kept1/prove/atelier-kept1-prove-server.seed.img"
echo log >"$state/labs/kept1/prove/server.console.log"
echo seed >"$state/labs/other2/prove/atelier-other2-prove-server.seed.img"

out=$("$atelier" provider clean --session kept1 --uri test:///default --state-dir "$state")
echo "$out"
[ "$out" = "removed 0 object(s) of session kept1" ] || fail "unexpected output: $out"
[ ! -e "$state/labs/kept1" ] || fail "the session's run folder is still there"
[ -e "$state/labs/other2/prove/atelier-other2-prove-server.seed.img" ] ||
  fail "another session's run folder was touched"
# A session without a run folder is cleaned as before.
"$atelier" provider clean --session none3 --uri test:///default --state-dir "$state" >/dev/null
# An id that is not one is refused before anything is removed.
if "$atelier" provider clean --session .. --uri test:///default --state-dir "$state/labs/other2" 2>/dev/null; then
  fail "--session .. was accepted"
fi
[ -e "$state/labs/other2/prove" ] || fail "a refused id removed something"
echo PASS
