#!/usr/bin/env bash
# e2e: `atelier lab prove` on real VMs. The demo lab is proven (every task fails with its
# incidents and after its near-misses, passes after the reference solution); a copy whose T1
# check is wrong on purpose (it accepts the broken share) is caught with exit 3; neither run
# leaves a libvirt object, an overlay or a run folder behind.
# Usage: prove_test.sh ATELIER_BINARY SOURCE_DIR
set -euo pipefail
atelier=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

leftovers() {
  {
    virsh -c qemu:///system list --all --name
    virsh -c qemu:///system net-list --all --name
  } | grep '^atelier-prove' || true
  ls /var/lib/atelier/overlays 2>/dev/null | grep '^atelier-prove' || true
  ls /var/lib/atelier/labs 2>/dev/null | grep '^prove' || true
}

"$src/scripts/start-services"
before=$(leftovers)

echo "== the demo lab is proven"
set +e
"$atelier" lab prove "$src/labs/demo" >"$work/good.log" 2>&1
rc=$?
set -e
cat "$work/good.log"
[ "$rc" -eq 0 ] || fail "lab prove labs/demo exited $rc, expected 0"
grep -q '^proven: demo$' "$work/good.log" || fail "no 'proven: demo' line"
[ "$(grep -cE '^T[0-9]+ +(incidents|near-miss [0-9]+|solution) +(pass|fail) +(pass|fail) +ok$' "$work/good.log")" -eq 9 ] ||
  fail "expected 9 'ok' rows (3 tasks x incidents, near-miss, solution)"
# The roles' second run changed nothing: one row per host and role (server: base, file-server;
# client: base, workstation).
[ "$(grep -cE '^role +rerun roles/[a-z-]+@[a-z]+ +unchanged +unchanged +ok$' "$work/good.log")" -eq 4 ] ||
  fail "expected 4 'unchanged' role rows (the roles' idempotency proof)"

echo "== a wrong check is caught"
cp -r "$src/labs/demo" "$work/broken"
# T1's check now only asks for the folder to exist, which it does on the broken lab too: the
# grader would give points for nothing, and prove must say so.
sed -i 's/file: {path: \/srv\/partage, directory: true, mode: "2770", group: "{{team}}"}/file: {path: \/srv\/partage, directory: true}/' \
  "$work/broken/lab.yaml"
grep -q 'file: {path: /srv/partage, directory: true}$' "$work/broken/lab.yaml" || fail "the sed did not break T1's check"
set +e
"$atelier" lab prove "$work/broken" --recipes "$src/ansible-free-recipes/recipes" >"$work/broken.log" 2>&1
rc=$?
set -e
cat "$work/broken.log"
[ "$rc" -eq 3 ] || fail "lab prove on a wrong check exited $rc, expected 3"
grep -qE '^T1 +incidents +fail +pass +SURPRISE$' "$work/broken.log" || fail "T1 not reported as a surprise"
grep -q '^NOT proven: demo$' "$work/broken.log" || fail "no 'NOT proven' line"

echo "== nothing left behind"
after=$(leftovers)
[ "$after" = "$before" ] || fail "objects left behind: $after"
echo "PASS"
