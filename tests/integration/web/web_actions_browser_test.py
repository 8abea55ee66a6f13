#!/usr/bin/python3
# The candidate's "check my work" and "reset this machine" in a real browser (headless Chromium
# through Selenium): atelierd on test:///default without a reconciler, a session of the demo lab
# made with --feedback --candidate-resets, alice's lab ready with a failed run (grid_fixture).
# Alice sees her verdicts in words and both buttons; "reset" asks first (the "no" changes
# nothing), the "yes" and "check my work" reach the core, which is absent here: the page says so
# in words (503). A form without the page's CSRF token is refused (403). A session without the
# flags shows neither button. axe-core's accessibility check on each page. Screenshots in SHOTS_DIR.
# usage: web_actions_browser_test.py ATELIERD ATELIER GRID_FIXTURE SOURCE_DIR SHOTS_DIR
import json
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "support"))
from browser import accessibility, browser, check, waiting, cli, no_console_errors, run_main, shutdown, \
    start_atelierd, stylesheet_applied, trainer_token  # noqa: E402

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC


def sign_in(driver, url, code):
    driver.delete_all_cookies()
    driver.get(url + "/login")
    driver.find_element(By.ID, "code").send_keys(code)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    waiting(driver, 30).until(EC.url_to_be(url + "/candidate"))


def workspace_steps(driver, url, shots):
    check(driver.find_element(By.CSS_SELECTOR, "p.who").text == "alice", "not alice's page")
    verdicts = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "p.verdict")]
    check(len(verdicts) == 3 and all("F ÉCHEC" in v for v in verdicts), "verdicts in words: %r" % verdicts)
    check_button = driver.find_element(By.CSS_SELECTOR, "form.check button[type=submit]")
    check(check_button.text == "Vérifier mon travail", "check button: " + check_button.text)
    resets = [e.get_attribute("href") for e in driver.find_elements(By.CSS_SELECTOR, "li.machine a.reset")]
    check(sorted(resets) == [url + "/candidate/reset/client", url + "/candidate/reset/server"], "resets: %r" % resets)
    states = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "li.machine .state")]
    check(states == ["État : prête", "État : prête"], "machine states: %r" % states)
    check(stylesheet_applied(driver), "the stylesheet did not load")
    no_console_errors(driver, "workspace")
    accessibility(driver, "workspace with verdicts and actions")
    driver.save_screenshot(str(shots / "candidate-actions.png"))


def reset_steps(driver, url, shots):
    wait = waiting(driver, 30)
    driver.find_element(By.CSS_SELECTOR, "a.reset[href='/candidate/reset/server']").click()
    wait.until(EC.url_to_be(url + "/candidate/reset/server"))
    check("server" in driver.find_element(By.TAG_NAME, "h2").text, "confirmation heading")
    yes = driver.find_element(By.CSS_SELECTOR, "form button.danger")
    check(yes.text == "Oui, réinitialiser server", "the explicit yes: " + yes.text)
    accessibility(driver, "reset confirmation")
    driver.save_screenshot(str(shots / "candidate-reset-confirm.png"))
    # "No": back to the workspace, nothing started.
    driver.find_element(By.LINK_TEXT, "Non, revenir à mon poste").click()
    wait.until(EC.url_to_be(url + "/candidate"))
    check(not driver.find_elements(By.CSS_SELECTOR, "p.notice"), "a notice after saying no")
    # "Yes" reaches the core; this atelierd runs none, and the candidate is told so in words.
    driver.find_element(By.CSS_SELECTOR, "a.reset[href='/candidate/reset/server']").click()
    wait.until(EC.url_to_be(url + "/candidate/reset/server"))
    driver.find_element(By.CSS_SELECTOR, "form button.danger").click()
    alert = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "p[role=alert]")))
    check("pas disponible" in alert.text, "the core's absence in words: " + alert.text)
    accessibility(driver, "notice page")
    driver.find_element(By.LINK_TEXT, "Retour à mon poste").click()
    wait.until(EC.url_to_be(url + "/candidate"))
    driver.find_element(By.CSS_SELECTOR, "form.check button[type=submit]").click()
    alert = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "p[role=alert]")))
    check("pas disponible" in alert.text, "check my work without a core: " + alert.text)
    driver.get_log("browser")  # those two 503s are expected


def csrf_steps(driver, url):
    """A same-origin POST without the page's token (what a forged form would send) is refused."""
    driver.get(url + "/candidate")
    status = driver.execute_async_script(
        "var done = arguments[0];"
        "fetch('/candidate/reset/server', {method: 'POST', body: 'confirm=yes&csrf=' + '0'.repeat(64),"
        " headers: {'Content-Type': 'application/x-www-form-urlencoded'}}).then(r => done(r.status));")
    check(status == 403, "a reset without the page's CSRF token: %r" % status)
    driver.get_log("browser")


def main():
    atelierd, atelier, fixture = sys.argv[1], sys.argv[2], sys.argv[3]
    src, shots = pathlib.Path(sys.argv[4]), pathlib.Path(sys.argv[5])
    shots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="atelier-web-actions-") as t:
        tmp = pathlib.Path(t)
        proc, url = start_atelierd(atelierd, src, tmp, extra=["--no-reconcile"])
        driver = None
        try:
            token = trainer_token(atelier, tmp)
            cli(atelier, url, token, "session", "create", "--lab", "demo", "--candidates", "alice,bob",
                "--name", "act1", "--feedback", "--candidate-resets")
            cli(atelier, url, token, "session", "create", "--lab", "demo", "--candidates", "carol",
                "--name", "plain")
            shown = json.loads(cli(atelier, url, token, "session", "status", "act1", "--output", "json"))
            check(shown["candidate_resets"] is True and shown["feedback"] is True, "flags in GET: %r" % shown)
            subprocess.run([fixture, str(tmp / "state"), "act1", "bob", "alice"], check=True)

            def code(session, who):
                out = cli(atelier, url, token, "session", "codes", session, "--output", "json")
                return {c["candidate"]: c["code"] for c in json.loads(out)["codes"]}[who]

            driver = browser()
            sign_in(driver, url, code("act1", "alice"))
            workspace_steps(driver, url, shots)
            reset_steps(driver, url, shots)
            csrf_steps(driver, url)
            # Without the flags: neither button, and the confirmation page is refused.
            sign_in(driver, url, code("plain", "carol"))
            check(not driver.find_elements(By.CSS_SELECTOR, "form.check, a.reset"), "buttons without the flags")
            driver.get(url + "/candidate/reset/server")
            check("demandez au formateur" in driver.find_element(By.CSS_SELECTOR, "p[role=alert]").text,
                  "the refusal without candidate_resets")
        finally:
            shutdown(driver, proc)
    print("ok: verdicts and both buttons, reset confirmation (no, yes), CSRF refused, no buttons without the flags;"
          " screenshots in", shots)


if __name__ == "__main__":
    run_main(main)
