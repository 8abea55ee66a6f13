#!/usr/bin/env bash
# e2e: a trainer's session through a real atelierd on qemu:///system with the demo lab for two
# candidates: `session create --wait` until both labs are ready, a check run where every task
# fails (the incidents are injected), `lab solve` of one candidate, a check run where that
# candidate's tasks pass and the other's still fail (and the graded CSV says so), then `destroy --wait`,
# which returns only when no domain, network, bridge, overlay or run folder of the session is left.
# The session is created with `--check-interval 20s`: atelierd runs the checks by itself every
# 20 s, and the test waits until the results show at least two such periodic runs (run_by
# "atelierd", 15 s or more apart) for each candidate. The on-demand runs' verdicts are their own
# run's, and a periodic run cannot interleave with `lab solve` (one operation at a time per lab),
# so the manual steps hold whatever periodic runs happen in between.
# Before the destroy, a candidate at their seat (browser_console.py, headless Chromium): ca logs in
# with her access code, logs in at her server's console in the browser and reads its hostname back;
# cb's console is refused to her; after `lab reset` of the server (from its hand-over snapshot:
# ca's solution on it is gone, the checks fail again) the page reconnects by itself;
# at her client's screen (noVNC, `display: true`) she logs in and types a word that her client's
# console shows, and cb's screen is refused to her.
# Usage: session_test.sh ATELIERD ATELIER SOURCE_DIR [SHOTS_DIR]
set -euo pipefail
atelierd=$1
atelier=$2
src=$3
shots=${4:-$PWD/screenshots}
sid=e2es$$
# Under /var/lib/atelier: QEMU (libvirt-qemu) must traverse the run folder to read the seeds.
work=/var/lib/atelier/e2e/session-$$
mkdir -p "$work"
chmod 755 "$work"
. "$(dirname "$0")/lib.sh"
trap cleanup_session EXIT

"$src/scripts/start-services"
"$atelier" image show debian12 >/dev/null 2>&1 || "$atelier" image build debian12

start_daemon --web-assets-dir "$src/controller/web/assets"
ATELIER_TOKEN=$("$atelier" token create --role trainer --state-dir "$work/state" 2>/dev/null)
export ATELIER_TOKEN

echo "== a bad check interval is refused before anything is built"
set +e
"$atelier" session create --lab "$src/labs/demo" --candidates ca --name "${sid}bad" --check-interval 5x \
  >"$work/bad.out" 2>&1
rc=$?
set -e
cat "$work/bad.out"
[ "$rc" -eq 2 ] || fail "--check-interval 5x: exit $rc, expected 2"
grep -q 'like 30s, 2m' "$work/bad.out" || fail "--check-interval 5x: the message does not say what is accepted"

echo "== create with --check-interval 20s, wait until ready"
t0=$(date +%s)
"$atelier" session create --lab "$src/labs/demo" --candidates ca,cb --name "$sid" --seed 11 --check-interval 20s \
  --wait --timeout 2400 || { tail -30 "$work/atelierd.log"; fail "session create --wait failed"; }
echo "ready after $(( $(date +%s) - t0 )) s"
"$atelier" session status "$sid" | tee "$work/status.txt"
grep -q 'periodic checks: every 20s (set by the session)' "$work/status.txt" ||
  fail "session status does not show the session's check interval"
session_json >"$work/ready.json"
python3 - "$work/ready.json" <<'PY' || fail "not every lab ready with every step done"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["status"] == "ready", s["status"]
assert s["check_interval"] == "20s", s["check_interval"]
assert s["checks_every"] == {"interval": "20s", "seconds": 20, "from": "session"}, s["checks_every"]
for c in s["candidates"]:
    assert c["status"] == "ready", c
    assert all(v == "done" for v in c["steps"].values()), c["steps"]
    assert c["host"] == "local", c
PY
"$atelier" access "$sid" ca | tee "$work/access.txt"
grep -q 'console: log: ' "$work/access.txt" || fail "access shows no console"
grep -q 'ssh: *root@10.10.0.10' "$work/access.txt" || fail "access shows no ssh address"
grep -qE 'password: [0-9a-f]{12}' "$work/access.txt" || fail "access shows no password"
br=$(bridges)
[ -n "$br" ] || fail "no bridges found for the session"

verdicts() {  # check run as JSON -> "candidate task pass|fail" lines
  "$atelier" check run "$sid" --output json | python3 -c '
import json, sys
a = json.load(sys.stdin)
assert a["state"] == "done", a
for v in a["verdicts"]:
    print(v["candidate"], v["task"], "pass" if v["passed"] else "fail")'
}

echo "== checks with the incidents injected: every task fails"
verdicts | sort | tee "$work/run1.txt"
[ "$(grep -c ' fail$' "$work/run1.txt")" -eq 6 ] || fail "expected 6 failing tasks (3 tasks x 2 candidates)"

echo "== solve ca"
"$atelier" lab solve "$sid" ca || fail "lab solve failed"

echo "== checks again: ca passes, cb still fails"
verdicts | sort | tee "$work/run2.txt"
[ "$(grep -c '^ca .* pass$' "$work/run2.txt")" -eq 3 ] || fail "ca's 3 tasks should pass"
[ "$(grep -c '^cb .* fail$' "$work/run2.txt")" -eq 3 ] || fail "cb's 3 tasks should still fail"

echo "== the graded CSV"
"$atelier" results "$sid" --format csv | tee "$work/results.csv"
python3 - "$work/results.csv" <<'PY' || fail "the CSV does not show ca passed and cb failed"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
assert len(rows) == 6, rows
def col(row, *names):
    for n in names:
        if n in row:
            return row[n]
    raise KeyError(names)
for r in rows:
    cand = col(r, "candidate")
    status = col(r, "status")
    if cand == "ca":
        assert status == "passed", r
        assert col(r, "time_to_resolve_s", "time_to_resolve", "ttr_seconds") not in ("", None), r
    else:
        assert status != "passed", r
PY

echo "== the JUnit XML validates against the JUnit schema"
"$atelier" results "$sid" --format junit --out "$work/results.xml" || fail "JUnit export failed"
xmllint --noout --schema "$src/tests/unit/grading/junit.xsd" "$work/results.xml" ||
  fail "the JUnit XML does not validate against tests/unit/grading/junit.xsd"
grep -q '<failure' "$work/results.xml" || fail "the JUnit XML has no failure, but cb's tasks fail"

echo "== ca's HTML report renders in headless Chromium"
"$atelier" results "$sid" --format html --candidate ca --out "$work/report-ca.html" || fail "HTML export failed"
grep -q 'ca' "$work/report-ca.html" || fail "the report does not name the candidate"
rm -f "$work/report-ca.png"
timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --no-default-browser-check --disable-extensions \
  --user-data-dir="$work/chromium-profile" --screenshot="$work/report-ca.png" --window-size=1200,1600 \
  --hide-scrollbars "file://$work/report-ca.html" >"$work/chromium.log" 2>&1 ||
  { tail -5 "$work/chromium.log"; fail "chromium could not render the report"; }
python3 - "$work/report-ca.png" <<'PY' || fail "the screenshot is not a 1200x1600 PNG with content"
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", data[16:24])
assert (w, h) == (1200, 1600), (w, h)
assert len(data) > 20000, f"{len(data)} bytes: a blank page"
PY
echo "screenshot: $work/report-ca.png ($(stat -c %s "$work/report-ca.png") bytes)"

echo "== periodic checks: atelierd ran each candidate's checks by itself, every 20 s"
# GET /sessions/{id}/results: every result says who started its run ("atelierd": periodic).
t1=$(date +%s)
python3 - "$ATELIER_SERVER" "$ATELIER_TOKEN" "$sid" 240 <<'PY' || fail "no periodic check runs by atelierd"
import hashlib, json, sys, time, urllib.request
from datetime import datetime
server, token, sid, deadline = sys.argv[1], sys.argv[2], sys.argv[3], time.time() + int(sys.argv[4])
trainer = hashlib.sha256(token.encode()).hexdigest()[:12]  # the token id on-demand runs carry
def runs():
    req = urllib.request.Request(f"{server}/sessions/{sid}/results", headers={"Authorization": f"Bearer {token}"})
    results = json.load(urllib.request.urlopen(req, timeout=30))["results"]
    out = {}  # candidate -> run_id -> (run_by, first started_at)
    for r in results:
        t = datetime.fromisoformat(r["started_at"].replace("Z", "+00:00")).timestamp()
        by, start = out.setdefault(r["candidate"], {}).get(r["run_id"], (r["run_by"], t))
        assert by == r["run_by"], f"run {r['run_id']} has results by {by} and {r['run_by']}"
        out[r["candidate"]][r["run_id"]] = (by, min(start, t))
    return out
while True:
    got = runs()
    ok = True
    for cand in ("ca", "cb"):
        runs_of = got.get(cand, {})
        periodic = sorted(t for by, t in runs_of.values() if by == "atelierd")
        on_demand = [by for by, t in runs_of.values() if by != "atelierd"]
        # The two on-demand `check run`s of this test, by the trainer's token.
        assert len(on_demand) == 2 and all(by == trainer for by in on_demand), (cand, on_demand, trainer)
        if len(periodic) < 2 or periodic[-1] - periodic[0] < 15:
            ok = False
    if ok:
        for cand in ("ca", "cb"):
            periodic = sorted(t for by, t in got[cand].values() if by == "atelierd")
            gaps = [round(b - a) for a, b in zip(periodic, periodic[1:])]
            print(f"{cand}: {len(periodic)} periodic runs by atelierd (gaps {gaps} s), 2 on demand by {trainer}")
        break
    if time.time() > deadline:
        print({c: sorted(v.values(), key=lambda x: x[1]) for c, v in got.items()}, file=sys.stderr)
        sys.exit(1)
    time.sleep(3)
PY
echo "periodic runs seen after $(( $(date +%s) - t1 )) s more"

echo "== a forger in cb's server: root at its console replaces atelier-agent with forger.pl"
# As the candidate would: the server's serial console (the getty the candidate's browser console
# shows), root with the password `atelier access` hands out; the forger is typed in (base64),
# the agent stopped, the forger started on the agent's port. Then a check run: cb's tasks are
# never passed, those graded on the server are tampered with the evidence (decoys, the agent's
# instance gone); ca, who solved honestly, passed with no flag.
t4=$(date +%s)
cb_password=$("$atelier" access "$sid" cb | sed -n 's/.*password: \([0-9a-f]*\).*/\1/p' | head -1)
[ -n "$cb_password" ] || fail "atelier access shows no password for cb"
python3 - "atelier-$sid-cb-server" "$cb_password" "$src/tests/e2e/session/forger.pl" "$work/cb-console.log" <<'PY' ||
import base64, hashlib, sys, pexpect
domain, password, forger, log = sys.argv[1:5]
script = open(forger, "rb").read()
console = pexpect.spawn("virsh", ["-c", "qemu:///system", "console", domain], encoding="utf-8",
                        timeout=120, codec_errors="replace")
console.logfile_read = open(log, "w")
console.expect("Escape character")
for _ in range(30):  # a person presses Enter until the login prompt shows
    console.send("\r")
    if console.expect(["login:", pexpect.TIMEOUT], timeout=10) == 0:
        break
else:
    sys.exit("no login prompt at %s's console" % domain)
console.send("root\r")
console.expect("Password:")
console.send(password + "\r")
console.expect("# ")
# No echo, and a prompt the echo of this very line does not contain, to read answers plainly.
console.send("stty -echo; PS1='forge''# '\r")
console.expect("forge# ")
console.send("base64 -d >/root/forger.pl <<'EOF'\r")
for line in base64.encodebytes(script).decode().splitlines():
    console.expect("> ")  # a line at a time, as the guest's shell asks for it
    console.send(line + "\r")
console.expect("> ")
console.send("EOF\r")
console.expect("forge# ")
console.send("sha256sum </root/forger.pl\r")
console.expect(r"([0-9a-f]{64})")
if console.match.group(1) != hashlib.sha256(script).hexdigest():
    sys.exit("the forger arrived damaged in the guest")
console.expect("forge# ")
# A unit of its own: what is started from the login shell dies with the getty's cgroup at logout.
console.send("systemctl stop atelier-agent; systemd-run --quiet --unit=forger perl /root/forger.pl; "
             "sleep 2; echo agent-$(systemctl is-active atelier-agent) forger-$(systemctl is-active forger)\r")
console.expect(r"agent-(\S+) forger-(\S+)\r\n")  # the whole line: output comes in pieces
state, forger_state = console.match.group(1), console.match.group(2)
console.expect("forge# ")
console.send("exit\r")  # logged out, as a candidate leaves the console; virsh closed
console.expect("login:")
console.close(force=True)
if state == "active" or forger_state != "active":
    sys.exit("the forger is not in place: agent %s, forger %s" % (state, forger_state))
print("in %s: atelier-agent %s, forger.pl running" % (domain, state))
PY
  { tail -c 1500 "$work/cb-console.log"; fail "could not put the forger in cb's server through its console"; }
echo "forger in place after $(( $(date +%s) - t4 )) s"
verdicts | sort | tee "$work/run-forged.txt"
[ "$(grep -c '^cb .* pass$' "$work/run-forged.txt")" -eq 0 ] || fail "a forged task of cb passed"
[ "$(grep -c '^ca .* pass$' "$work/run-forged.txt")" -eq 3 ] || fail "ca's 3 tasks should still pass"
"$atelier" results "$sid" --format json >"$work/results-forged.json"
python3 - "$work/results-forged.json" <<'PY' || fail "the forged run is not flagged as it should be"
import json, sys
grades = json.load(open(sys.argv[1]))
cands = {c["candidate"]: c for c in grades["candidates"]}
for t in cands["ca"]["tasks"]:
    assert t["status"] == "passed" and not t["tampered"], ("ca", t["task"], t["status"], t["tampered"])
    assert all(c["integrity"] == "" for c in t["checks"]), ("ca", t["task"], t["checks"])
for t in cands["cb"]["tasks"]:
    assert t["status"] != "passed", ("cb", t["task"], t["status"])
    on_server = all(c["host"] == "server" for c in t["checks"])
    if not on_server:  # T3 is graded on the client, where the agent was left alone
        assert not t["tampered"], ("cb", t["task"])
        continue
    assert t["tampered"], ("cb", t["task"], t["checks"])
    for c in t["checks"]:
        assert "agent answered pass" in c["integrity"], c["integrity"]
        assert "agent restarted since the last run" in c["integrity"], c["integrity"]
    print("cb %s: %s, tampered: %s" % (t["task"], t["status"], t["checks"][0]["integrity"][:300]))
PY
echo "forger step: $(( $(date +%s) - t4 )) s"

echo "== ca at her seat: login, tickets, the server's console in the browser, cb's refused, a reset, the client's screen"
t3=$(date +%s)
"$src/tests/e2e/session/browser_console.py" "$atelier" "$sid" ca cb server client "$shots" ||
  { tail -30 "$work/atelierd.log"; fail "the candidate's console in the browser"; }
echo "browser steps took $(( $(date +%s) - t3 )) s; screenshots in $shots"

echo "== ca's server was reset by atelierd (above) from its hand-over snapshot: back as handed over"
grep -q 'back to hand-over in' "$work/atelierd.log" || fail "the reset did not restore the hand-over snapshot"
grep -E 'step=handover|back to hand-over' "$work/atelierd.log" | sed -E 's/.*candidate=([a-z]+) host=([a-z]+).*msg=/  \1 \2: /'
t5=$(date +%s)
"$atelier" check run "$sid" --candidate ca --output json >"$work/run-reset.json" || fail "check run of ca after the reset"
# ca was solved: the server's tasks (T1, T2) fail again after its reset, the client's (T3) still passes.
python3 - "$work/run-reset.json" <<'PY' || fail "ca's server is not back to its hand-over state"
import json, sys
got = {v["task"]: v["passed"] for v in json.load(open(sys.argv[1]))["verdicts"] if v["candidate"] == "ca"}
assert got == {"T1": False, "T2": False, "T3": True}, got
PY
echo "== ... and its agent is not flagged as a restart"
"$atelier" results "$sid" --format json >"$work/results-reset.json"
python3 - "$work/results-reset.json" <<'PY' || fail "a reset by atelierd flagged ca's agent"
import json, sys
ca = [c for c in json.load(open(sys.argv[1]))["candidates"] if c["candidate"] == "ca"][0]
for t in ca["tasks"]:
    assert not t["tampered"], (t["task"], [c["integrity"] for c in t["checks"]])
PY
echo "ca checked after the reset, no flag: $(( $(date +%s) - t5 )) s"

echo "== destroy --wait: returns only when nothing of the session is left"
t2=$(date +%s)
"$atelier" session destroy "$sid" --wait --timeout 900 | tee "$work/destroy.out" ||
  fail "session destroy --wait failed"
echo "removed after $(( $(date +%s) - t2 )) s"
grep -q "^ca: destroyed" "$work/destroy.out" && grep -q "^cb: destroyed" "$work/destroy.out" ||
  fail "destroy --wait did not show each candidate's removal"
grep -q "2/2 candidate labs removed" "$work/destroy.out" || fail "destroy --wait did not say both labs are removed"
# Right after --wait returned, before anything else: not a domain, network or volume is left.
left=$(leftovers)
[ -z "$left" ] || fail "objects left after destroy --wait: $left"
[ "$(session_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = destroyed ] ||
  fail "the session is not destroyed after destroy --wait"
for b in $br; do
  ip link show "$b" >/dev/null 2>&1 && fail "bridge $b left after destroy"
done
# The hand-over snapshots lived in the overlays; libvirt's records of them go with the domains.
if ls /var/lib/libvirt/qemu/snapshot/ 2>/dev/null | grep -q "^atelier-$sid-"; then
  fail "snapshot records left: $(ls /var/lib/libvirt/qemu/snapshot/ | grep "^atelier-$sid-")"
fi
stop_daemon TERM
echo "PASS"
