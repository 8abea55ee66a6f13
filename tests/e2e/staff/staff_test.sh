#!/usr/bin/env bash
# e2e: the trainer's and the evaluator's pages on a real session of labs/demo (qemu:///system,
# two candidates), driven in one headless Chromium by staff_browser.py: accounts made here with
# the CLI, then everything else from the pages (create, live grid to ready, checks, solve, grid,
# cell, override, freeze, CSV, a candidate's 403s, destroy). This wrapper owns the daemon and the
# cleanup: the trap removes the session's objects even when a step fails, and after the page's
# destroy it checks that no domain, network, volume, bridge or run folder of the session is left.
# Usage: staff_test.sh ATELIERD ATELIER SOURCE_DIR [SHOTS_DIR]
set -euo pipefail
atelierd=$1
atelier=$2
src=$3
shots=${4:-$PWD/screenshots}
sid=e2et$$
# Under /var/lib/atelier: QEMU (libvirt-qemu) must traverse the run folder to read the seeds.
work=/var/lib/atelier/e2e/staff-$$
mkdir -p "$work"
chmod 755 "$work"
. "$src/tests/e2e/session/lib.sh"
trap cleanup_session EXIT

t0=$(date +%s)
"$src/scripts/start-services"
"$atelier" image show debian12 >/dev/null 2>&1 || "$atelier" image build debian12
start_daemon --web-assets-dir "$src/controller/web/assets"

echo "== accounts: a trainer and an evaluator, made with the CLI on the state dir"
password="un mot de passe assez long"
for who in marie:trainer jury:evaluator; do
  printf '%s\n' "$password" |
    "$atelier" user create "${who%%:*}" --role "${who##*:}" --state-dir "$work/state" >/dev/null ||
    fail "atelier user create ${who%%:*}"
done
echo "setup took $(($(date +%s) - t0)) s"

echo "== the pages, in headless Chromium"
STAFF_PASSWORD=$password "$src/tests/e2e/staff/staff_browser.py" "$sid" "$shots" "$work/bridges" ||
  { tail -30 "$work/atelierd.log"; fail "the staff pages on a real session"; }

echo "== nothing of the session is left after the page's destroy"
left=$(leftovers)
[ -z "$left" ] || fail "objects left after the destroy: $left"
[ -s "$work/bridges" ] || fail "the browser script recorded no bridge of the session"
for b in $(cat "$work/bridges"); do
  ip link show "$b" >/dev/null 2>&1 && fail "bridge $b left after the destroy"
done
stop_daemon TERM
echo "PASS in $(($(date +%s) - t0)) s; screenshots in $shots"
