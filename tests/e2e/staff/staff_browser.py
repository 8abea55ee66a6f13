#!/usr/bin/python3
# The trainer's and the evaluator's pages on a real session (run by staff_test.sh, which owns the
# daemon at ATELIER_SERVER and the accounts marie/trainer and jury/evaluator, password in
# STAFF_PASSWORD). One headless Chromium: the trainer creates the session of labs/demo for ca and
# cb from the page, watches both labs reach ready in the live grid (the SSE feed; the test never
# reloads), runs the checks, solves ca, runs them again, opens ca's client's screen (view-only,
# then typing); the evaluator reads ca at full marks and
# cb at zero, opens a cell's evidence, overrides a task of cb with a justification, freezes and
# downloads the CSV; ca's cookie gets 403 on every trainer and evaluator endpoint of the role
# table; the trainer destroys the session (typed confirmation) and the test waits until it is.
# Screenshots of each page in SHOTS_DIR; the session's bridges written to BRIDGES_FILE (the
# wrapper checks they are gone). Each phase is timed.
# usage: staff_browser.py SESSION SHOTS_DIR BRIDGES_FILE
import csv
import io
import os
import pathlib
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "support"))
import browser as web  # noqa: E402

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402

SRC = pathlib.Path(__file__).resolve().parents[3]
READY_WAIT = 900  # two TCG guests each on a busy 2-core machine: generous
ACTION_WAIT = 300  # a check run, a solve


class Shots:
    """Numbered screenshots, one per page and step: NN-name.png."""

    def __init__(self, folder):
        self.folder, self.n = folder, 0
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, driver, name, full=False):
        self.n += 1
        path = self.folder / ("%02d-%s.png" % (self.n, name))
        if full:  # the whole page, 1280 wide, then the window as it was
            size = driver.get_window_size()
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(1280, min(max(height + 120, 800), 2400))
            driver.save_screenshot(str(path))
            driver.set_window_size(size["width"], size["height"])
        else:
            driver.save_screenshot(str(path))


class Phases:
    def __init__(self):
        self.t, self.rows = time.monotonic(), []

    def done(self, what):
        now = time.monotonic()
        self.rows.append((what, now - self.t))
        print("phase %-40s %6.1f s" % (what, now - self.t), flush=True)
        self.t = now


def fetch(driver, path, method="GET"):
    """A request from the page with the browser's cookies: (status, body text)."""
    return driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {method: arguments[1], credentials: 'same-origin'})"
        ".then(r => r.text().then(t => done([r.status, t]))).catch(e => done([0, String(e)]));",
        path, method)


def staff_login(driver, url, name):
    web.staff_login(driver, url, name, os.environ["STAFF_PASSWORD"])


def create_session(driver, url, sid, shots):
    wait = web.waiting(driver, 30)
    driver.get(url + "/trainer")
    driver.find_element(By.LINK_TEXT, "Nouvelle session").click()
    wait.until(EC.url_to_be(url + "/trainer/sessions/new"))
    driver.find_element(By.CSS_SELECTOR, "label[for=lab-demo]").click()
    driver.find_element(By.ID, "name").send_keys(sid)
    driver.find_element(By.ID, "candidates").send_keys("ca,Camille Arnaud\ncb,Claude Bernard")
    web.no_console_errors(driver, "the new-session page")
    shots(driver, "trainer-new-session", full=True)
    driver.find_element(By.CSS_SELECTOR, "form.new-session button[type=submit]").click()
    wait.until(EC.url_to_be(url + "/trainer/sessions/" + sid))
    names = driver.execute_script(
        "return Array.from(document.querySelectorAll('#candidates tbody th')).map(e => e.textContent)")
    # Each with the display name typed after the comma.
    web.check(names == ["ca Camille Arnaud", "cb Claude Bernard"], "the new session's candidates: %r" % names)


def watch_until_ready(driver, url, sid, shots):
    """The live grid until both rows say ready, without a reload: a marker set on the window now
    must still be there (a reload would drop it). Returns the states the grid went through."""
    driver.execute_script("window.e2eNoReload = true")
    web.waiting(driver, 30).until(lambda d: d.find_element(By.ID, "live").text == "Mise à jour en direct.")
    seen, shot = [], [False]

    def rows(d):
        cells = d.execute_script(
            "return Array.from(document.querySelectorAll('#candidates tbody tr')).map(r => "
            "[r.querySelector('th').textContent, r.querySelector('.cell-status .status').className,"
            " r.querySelector('.cell-status').textContent, r.querySelector('.cell-step').textContent,"
            " r.querySelector('.cell-error').textContent])")
        for c in cells:
            if (c[0], c[2], c[3]) not in seen:
                seen.append((c[0], c[2], c[3]))
            web.check("failed" not in c[1].split(), "%s's lab failed: %s" % (c[0], c[4]))
        if not shot[0] and any("ready" not in c[1].split() for c in cells) and len(seen) > 2:
            shots(d, "trainer-session-provisioning")
            shot[0] = True
        return len(cells) == 2 and all("ready" in c[1].split() for c in cells)

    web.waiting(driver, READY_WAIT).until(rows)
    web.check(driver.execute_script("return window.e2eNoReload === true"), "the page was reloaded")
    web.no_console_errors(driver, "the session page while provisioning")
    shots(driver, "trainer-session-ready")
    return seen


def record_bridges(sid, path):
    virsh = ["virsh", "-c", "qemu:///system"]
    nets = subprocess.run(virsh + ["net-list", "--all", "--name"], check=True, capture_output=True,
                          text=True).stdout.split()
    bridges = []
    for n in (n for n in nets if n.startswith("atelier-%s-" % sid)):
        info = subprocess.run(virsh + ["net-info", n], check=True, capture_output=True, text=True).stdout
        bridges += re.findall(r"^Bridge:\s+(\S+)", info, re.M)
    web.check(bridges, "no bridge found for the session's networks")
    pathlib.Path(path).write_text("\n".join(bridges) + "\n")


def run_action(driver, url, sid, button_css, what):
    """Clicks a trainer's action, reads its id from the page it lands on, waits until it is done."""
    before = driver.current_url
    # The rows' forms are swapped by trainer.js on each event: find and click again if replaced.
    web.waiting(driver, 30).until(lambda d: d.find_element(By.CSS_SELECTOR, button_css).click() or True)
    web.waiting(driver, 30).until(lambda d: d.current_url != before and "done=" in d.current_url)
    notice = driver.find_element(By.CSS_SELECTOR, "p.notice").text
    m = re.search(r"done=\w+%20([^&#]+)", driver.current_url)
    web.check(m, "%s: no action id in %s (notice %r)" % (what, driver.current_url, notice))
    path = "/sessions/%s/actions/%s" % (sid, m.group(1))
    deadline = time.monotonic() + ACTION_WAIT
    while True:
        status, body = fetch(driver, path)
        web.check(status == 200, "%s: GET %s answered %d %s" % (what, path, status, body))
        state = re.search(r'"state"\s*:\s*"(\w+)"', body).group(1)
        if state == "done":
            return notice
        web.check(state == "running", "%s ended %s: %s" % (what, state, body))
        web.check(time.monotonic() < deadline, "%s still running after %d s" % (what, ACTION_WAIT))
        time.sleep(1)  # polling: the action runs on the guests for seconds


def trainer_actions(driver, url, sid, shots):
    checks = "form[action='/trainer/sessions/%s/checks'] button" % sid
    solve = "form[action='/trainer/sessions/%s/candidates/ca/solve'] button" % sid
    notice = run_action(driver, url, sid, checks, "the first check run")
    web.check("Action lancée" in notice, "the checks' notice: " + notice)
    warning = driver.find_element(By.ID, "solve-warning").text
    web.check("il a alors la réponse" in warning, "the solve warning: " + warning)
    button = driver.find_element(By.CSS_SELECTOR, solve)
    web.check(button.get_attribute("aria-describedby") == "solve-warning", "the solve button's warning")
    shots(driver, "trainer-session-solve-warning")
    run_action(driver, url, sid, solve, "the solution of ca")
    run_action(driver, url, sid, checks, "the second check run")
    web.no_console_errors(driver, "the session page after the actions")
    shots(driver, "trainer-session-actions")


def slips(driver, url, sid, shots):
    """The sessions list, then the slips page: ca's access code, as a trainer hands it out."""
    driver.get(url + "/trainer")
    row = driver.find_element(By.CSS_SELECTOR, "table.grid tbody tr").text
    web.check(sid in row and "2 / 2" in row and "marie" in row, "the sessions list: " + row)
    shots(driver, "trainer-sessions")
    driver.get(url + "/trainer/sessions/%s/slips" % sid)
    codes = {s.find_element(By.CSS_SELECTOR, ".candidate").text: s.find_element(By.CSS_SELECTOR, ".code").text
             for s in driver.find_elements(By.CSS_SELECTOR, "section.slip")}
    web.check(sorted(codes) == ["ca", "cb"], "slips: %r" % codes)
    shots(driver, "trainer-slips")
    return codes["ca"]


def grid_rows(driver):
    return {r.find_element(By.TAG_NAME, "th").text.split("\n")[0]: r.text
            for r in driver.find_elements(By.CSS_SELECTOR, "table.grid tbody tr")}


def evaluator_grid(driver, url, sid, shots):
    wait = web.waiting(driver, 30)
    driver.get(url + "/evaluator")
    shots(driver, "evaluator-home")
    driver.find_element(By.LINK_TEXT, sid).click()
    wait.until(EC.url_to_be(url + "/evaluator/sessions/" + sid))
    rows = grid_rows(driver)
    web.check("10/10 (100 %)" in rows.get("ca", ""), "ca's total: %r" % rows)
    web.check("0/10 (0 %)" in rows.get("cb", ""), "cb's total: %r" % rows)
    web.check(rows["ca"].count("P RÉUSSI") == 3 and rows["cb"].count("F ÉCHEC") == 3, "verdicts: %r" % rows)
    web.check("RÉSULTATS PROVISOIRES" in driver.find_element(By.CSS_SELECTOR, ".banner").text, "provisional")
    web.no_console_errors(driver, "the grid")
    shots(driver, "evaluator-grid")


def evaluator_cells(driver, url, sid, shots):
    wait = web.waiting(driver, 30)
    cell = "/evaluator/sessions/%s/candidates/%s/tasks/%s"
    driver.find_element(By.CSS_SELECTOR, "a[href='%s']" % (cell % (sid, "ca", "T1"))).click()
    wait.until(EC.url_to_be(url + cell % (sid, "ca", "T1")))
    checks = driver.find_elements(By.CSS_SELECTOR, "table.evidence tbody tr")
    web.check(checks, "ca's T1 shows no check")
    for row in checks:
        tds = row.find_elements(By.TAG_NAME, "td")
        web.check("RÉUSSI" in tds[1].text and tds[3].text.strip(), "a check without its evidence: " + row.text)
    runs = driver.find_element(By.CSS_SELECTOR, "table.runs").text
    web.check("marie" in runs, "the run history does not name the trainer: " + runs)
    web.no_console_errors(driver, "ca's cell")
    shots(driver, "evaluator-cell-evidence", full=True)
    driver.get(url + cell % (sid, "cb", "T2"))
    driver.find_element(By.ID, "points").send_keys("2")
    driver.find_element(By.ID, "justification").send_keys(
        "Compte recréé à la main, vu avec le candidat ; droits à revoir.")
    driver.find_element(By.CSS_SELECTOR, "form.override button[type=submit]").click()
    wait.until(lambda d: "droits à revoir" in d.find_element(By.CSS_SELECTOR, "ul.overrides").text)
    web.check("2/3" in driver.find_element(By.CSS_SELECTOR, "p.summary").text, "the override counts")
    web.no_console_errors(driver, "cb's cell")
    shots(driver, "evaluator-cell-override", full=True)


def freeze_and_csv(driver, url, sid, shots):
    wait = web.waiting(driver, 30)
    driver.get(url + "/evaluator/sessions/" + sid)
    web.check("2/10 (20 %)" in grid_rows(driver).get("cb", ""), "cb's total with the override")
    driver.find_element(By.CSS_SELECTOR, "form.freeze button").click()
    wait.until(lambda d: "RÉSULTATS DÉFINITIFS" in d.find_element(By.CSS_SELECTOR, ".banner").text)
    shots(driver, "evaluator-grid-frozen")
    href = driver.find_element(By.CSS_SELECTOR, "nav.exports a[href$='/export/csv']").get_attribute("href")
    status, text = fetch(driver, href)
    web.check(status == 200, "CSV download: %d %s" % (status, text[:200]))
    rows = {(r["candidate"], r["task"]): r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
    web.check(len(rows) == 6, "CSV rows: %r" % sorted(rows))
    for t in ("T1", "T2", "T3"):
        web.check(rows[("ca", t)]["status"] == "passed", "ca %s: %r" % (t, rows[("ca", t)]))
        web.check(rows[("ca", t)]["points_earned"] == rows[("ca", t)]["points_possible"], "ca %s's points" % t)
        web.check(rows[("cb", t)]["status"] != "passed", "cb %s: %r" % (t, rows[("cb", t)]))
    ov = rows[("cb", "T2")]
    web.check(ov["override_points"] == "2" and ov["points_earned"] == "2" and "droits à revoir" in
              ov["override_justification"] and "jury" in ov["override_who"], "cb T2's override: %r" % ov)
    web.check(ov["graded_status"] == "partial", "cb T2 overridden to 2/3 is not graded partial: %r" % ov)
    web.check(ov["frozen_at"], "the CSV does not say the results are frozen: %r" % ov)
    web.check(not rows[("cb", "T1")]["override_points"], "cb T1 has an override it was not given")


def role_table():
    """(method, path pattern) of every endpoint the role table gives neither to candidates nor to
    everyone (controller/api/roles.cpp): what a candidate's cookie must be refused."""
    text = (SRC / "controller" / "api" / "roles.cpp").read_text()
    rows = re.findall(r'\{Endpoint::k\w+,\s*"(\w+)",\s*"([^"]+)",\s*(true|false),\s*(?:true|false),\s*'
                      r'(?:true|false),\s*(true|false),', text)
    web.check(len(rows) > 30, "the role table was not read: %d rows" % len(rows))
    return [(m, p) for m, p, is_open, cand in rows if is_open == "false" and cand == "false"]


def candidate_refused(driver, url, sid, code, shots):
    """ca logs in with her code; her cookie (with its CSRF pair) gets 403 everywhere staff go."""
    driver.delete_all_cookies()
    driver.get(url + "/login")
    driver.find_element(By.ID, "code").send_keys(code)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    web.waiting(driver, 30).until(EC.url_to_be(url + "/candidate"))
    jar = {c["name"]: c["value"] for c in driver.get_cookies()}
    web.check("atelier_session" in jar and "atelier_staff" not in jar, "candidate's cookies: %r" % sorted(jar))
    cookie = "; ".join("%s=%s" % kv for kv in jar.items())
    body = ("csrf=%s&confirm=%s&candidate=cb&task=T1&points=3&justification=x&text=x&lab=demo"
            "&candidates=zz" % (jar.get("atelier_csrf", ""), sid)).encode()
    tried = []
    for method, pattern in role_table():
        path = (pattern.replace("{session}", sid).replace("{candidate}", "cb").replace("{action}", "T1")
                .replace("{token}", "0123456789ab"))
        req = urllib.request.Request(url + path, method=method, headers={"Cookie": cookie},
                                     data=body if method == "POST" else None)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                status = r.status
        except urllib.error.HTTPError as e:
            status = e.code
        web.check(status == 403, "ca's cookie: %s %s answered %d, not 403" % (method, path, status))
        tried.append("%s %s" % (method, path))
    driver.get(url + "/trainer/sessions/" + sid)
    shots(driver, "candidate-cookie-on-trainer-page")
    driver.get_log("browser")  # that 403 is expected
    print("ca's cookie refused (403) on %d endpoints: %s" % (len(tried), ", ".join(tried)))


def destroy(driver, url, sid, shots):
    wait = web.waiting(driver, 30)
    driver.get(url + "/trainer/sessions/" + sid)
    driver.find_element(By.ID, "confirm").send_keys(sid)
    shots(driver, "trainer-session-destroy")
    driver.find_element(By.CSS_SELECTOR, "form.destroy button.danger").click()
    wait.until(lambda d: "done=destroyed" in d.current_url)
    deadline = time.monotonic() + ACTION_WAIT
    while True:
        status, body = fetch(driver, "/sessions/" + sid)
        web.check(status == 200, "GET /sessions/%s: %d" % (sid, status))
        states = re.findall(r'"status"\s*:\s*"(\w+)"', body)
        if states and all(s == "destroyed" for s in states):
            break
        web.check(time.monotonic() < deadline, "not destroyed after %d s: %s" % (ACTION_WAIT, states))
        time.sleep(1)
    driver.get(url + "/trainer")
    shots(driver, "trainer-sessions-after-destroy")


def trainer_screen(driver, url, sid, shots):
    """From the session page, ca's client's screen (`display: true`): it shows the guest's tty1,
    view-only until the trainer chooses to type."""
    driver.get(url + "/trainer/sessions/" + sid)
    link = "/trainer/sessions/%s/candidates/ca/display/client" % sid
    web.waiting(driver, 30).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "p.screens a[href='%s']" % link).click() or True)
    web.waiting(driver, 120).until(
        lambda d: d.find_element(By.ID, "console-state").get_attribute("data-state") == "connected")
    state = driver.find_element(By.ID, "console-state")
    web.check("sans taper" in state.text, "the trainer's screen does not say it only watches: " + state.text)
    web.waiting(driver, 60).until(lambda d: web.lit_pixels(d) > 500)
    button = driver.find_element(By.ID, "display-type")
    web.check(driver.execute_script("return window.atelierDisplay.viewOnly"), "the trainer's screen takes keys")
    button.click()
    web.check(button.get_attribute("aria-pressed") == "true", "the type button is not pressed")
    web.check(not driver.execute_script("return window.atelierDisplay.viewOnly"),
              "the trainer's screen still ignores keys after 'type on this screen'")
    web.check("cliquez dedans" in state.text, "the state line after 'type': " + state.text)
    web.no_console_errors(driver, "the trainer's screen page")
    web.accessibility(driver, "the trainer's screen page, typing")
    shots(driver, "trainer-screen")
    # In English, then back to French for the pages that follow.
    driver.get(url + link + "?lang=en")
    web.waiting(driver, 120).until(
        lambda d: d.find_element(By.ID, "console-state").get_attribute("data-state") == "connected")
    web.check("you watch without typing" in driver.find_element(By.ID, "console-state").text,
              "the English trainer's screen: " + driver.find_element(By.ID, "console-state").text)
    web.waiting(driver, 60).until(lambda d: web.lit_pixels(d) > 500)
    shots(driver, "trainer-screen-en")
    driver.get(url + link + "?lang=fr")


def run(driver, url, sid, shots, bridges):
    phases = Phases()
    staff_login(driver, url, "marie")
    create_session(driver, url, sid, shots)
    phases.done("trainer: login, new session from the page")
    seen = watch_until_ready(driver, url, sid, shots)
    print("the live grid went through:", "; ".join("%s %s %s" % s for s in seen))
    phases.done("both labs ready in the live grid")
    record_bridges(sid, bridges)
    trainer_actions(driver, url, sid, shots)
    phases.done("trainer: checks, solve ca, checks")
    trainer_screen(driver, url, sid, shots)
    phases.done("trainer: ca's client's screen")
    code = slips(driver, url, sid, shots)
    staff_login(driver, url, "jury")
    evaluator_grid(driver, url, sid, shots)
    evaluator_cells(driver, url, sid, shots)
    freeze_and_csv(driver, url, sid, shots)
    phases.done("evaluator: grid, cell, override, freeze, CSV")
    candidate_refused(driver, url, sid, code, shots)
    phases.done("candidate's cookie refused")
    staff_login(driver, url, "marie")
    destroy(driver, url, sid, shots)
    phases.done("trainer: destroy until destroyed")
    print("total in the browser: %.1f s" % sum(t for _, t in phases.rows))


def main():
    sid, shots, bridges = sys.argv[1], Shots(pathlib.Path(sys.argv[2])), sys.argv[3]
    url = os.environ["ATELIER_SERVER"]
    # Stopped from outside (a ctest timeout, the wrapper): still close the browser below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    driver = web.browser()
    driver.set_window_size(1280, 800)
    driver.set_script_timeout(60)
    try:
        run(driver, url, sid, shots, bridges)
    except BaseException:
        print("the page:", driver.current_url, file=sys.stderr)
        print("the browser's log:", driver.get_log("browser")[-10:], file=sys.stderr)
        driver.save_screenshot(str(shots.folder / "failed.png"))
        raise
    finally:
        driver.quit()
    print("ok: session %s created, watched, checked, solved, graded, frozen, exported and destroyed from "
          "the pages; screenshots in %s" % (sid, shots.folder))


if __name__ == "__main__":
    web.run_main(main)
