#!/usr/bin/python3
# The trainer's pages in a real browser (headless Chromium through Selenium, the same harness as
# the candidate's): atelierd on libvirt's test:///default without a reconciler (no guests), a
# trainer account made with `atelier user create`, a wrong password refused, the login, the
# sessions list (filtered), one session's page (candidates, labelled buttons, the solve warning,
# the destroy confirmation), the English switch, logout. Fails (exit 1) when a page is wrong;
# keeps a screenshot of each step in SHOTS_DIR.
# usage: staff_browser_test.py ATELIERD ATELIER SOURCE_DIR SHOTS_DIR
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "support"))
from browser import browser, check, cli, no_console_errors, start_atelierd, stylesheet_applied, \
    trainer_token  # noqa: E402

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

PASSWORD = "un mot de passe long"


def create_user(atelier, tmp, name, role):
    subprocess.run([atelier, "user", "create", name, "--role", role, "--state-dir", str(tmp / "state")],
                   input=PASSWORD + "\n", check=True, capture_output=True, text=True)


def login_steps(driver, url, shots):
    wait = WebDriverWait(driver, 10)
    driver.get(url + "/trainer")
    wait.until(EC.url_to_be(url + "/staff/login"))  # not signed in: sent to the login
    check(driver.find_element(By.CSS_SELECTOR, "label[for=password]").text == "Mot de passe", "password label")
    check(stylesheet_applied(driver), "the stylesheet did not load")
    driver.find_element(By.ID, "name").send_keys("marie")
    driver.find_element(By.ID, "password").send_keys("pas le bon mot de passe")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    error = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "p.error")))
    check("Nom ou mot de passe incorrect" in error.text, "wrong-password message: " + error.text)
    driver.get_log("browser")  # the 401 is expected; later steps must log nothing
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(EC.url_to_be(url + "/trainer"))
    cookie = driver.get_cookie("atelier_staff")
    check(cookie and cookie["httpOnly"] and cookie.get("sameSite") == "Strict", "staff cookie flags: %r" % cookie)


def list_steps(driver, url, shots):
    wait = WebDriverWait(driver, 10)
    rows = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "table.grid tbody th a")]
    check(rows == ["matin", "soir"], "sessions listed: %r" % rows)
    cells = driver.find_element(By.CSS_SELECTOR, "table.grid tbody tr").text
    check("demo" in cells and "0 / 2" in cells and "en attente" in cells, "first row: " + cells)
    check(stylesheet_applied(driver), "the stylesheet did not load on the list")
    no_console_errors(driver, "sessions list")
    driver.save_screenshot(str(shots / "trainer-sessions.png"))
    driver.find_element(By.ID, "q").send_keys("soir")
    driver.find_element(By.CSS_SELECTOR, "form.filter button").click()
    wait.until(lambda d: "q=soir" in d.current_url)
    rows = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "table.grid tbody th a")]
    check(rows == ["soir"], "filtered: %r" % rows)
    driver.find_element(By.LINK_TEXT, "soir").click()
    wait.until(EC.url_to_be(url + "/trainer/sessions/soir"))


def session_steps(driver, url, shots):
    wait = WebDriverWait(driver, 10)
    check(driver.find_element(By.TAG_NAME, "h1").text == "Session soir", "session heading")
    names = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#candidates tbody th")]
    check(names == ["alice", "bob"], "candidates: %r" % names)
    # Every button says what it does and to whom (a hidden name for screen readers).
    buttons = [b.get_attribute("textContent") for b in driver.find_elements(By.CSS_SELECTOR, "#candidates button")]
    check("Réinitialiser le lab alice" in " ".join(buttons) and "Appliquer la solution bob" in " ".join(buttons),
          "buttons: %r" % buttons)
    check("il a alors la réponse" in driver.find_element(By.ID, "solve-warning").text, "the solve warning")
    check(driver.find_element(By.CSS_SELECTOR, "label[for=confirm]").text.endswith("soir"), "destroy label")
    # The live feed: trainer.js opens the session's event stream by the cookie and says so.
    wait.until(lambda d: d.find_element(By.ID, "live").text == "Mise à jour en direct.")
    no_console_errors(driver, "session page")
    driver.save_screenshot(str(shots / "trainer-session.png"))
    # A wrong confirmation destroys nothing, and the page says so.
    driver.find_element(By.ID, "confirm").send_keys("soi")
    driver.find_element(By.CSS_SELECTOR, "button.danger").click()
    notice = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "p.notice")))
    check("rien n'a été détruit" in notice.text, "mismatch notice: " + notice.text)
    driver.find_element(By.CSS_SELECTOR, "a.lang").click()
    wait.until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    check(driver.find_element(By.CSS_SELECTOR, "#candidates caption").text ==
          "Candidates and the state of their lab", "English caption")
    driver.find_element(By.CSS_SELECTOR, "a.logout").click()
    wait.until(EC.url_to_be(url + "/staff/login"))
    driver.get(url + "/trainer")
    check(driver.current_url == url + "/staff/login", "the trainer's page is still open after logout")


def main():
    atelierd, atelier, src, shots = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]), pathlib.Path(sys.argv[4])
    shots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="atelier-staff-browser-") as t:
        tmp = pathlib.Path(t)
        proc, url = start_atelierd(atelierd, src, tmp, extra=["--no-reconcile"])
        driver = None
        try:
            token = trainer_token(atelier, tmp)
            for name in ("matin", "soir"):
                cli(atelier, url, token, "session", "create", "--lab", "demo", "--candidates", "alice,bob",
                    "--name", name)
            create_user(atelier, tmp, "marie", "trainer")
            driver = browser()
            login_steps(driver, url, shots)
            list_steps(driver, url, shots)
            session_steps(driver, url, shots)
            log = (tmp / "atelierd.log").read_text()
            check(PASSWORD not in log and "atelier_staff=" not in log, "a password or cookie reached the log")
        finally:
            if driver:
                driver.quit()
            proc.terminate()
            proc.wait(timeout=20)
    print("ok: staff login (wrong password, then right), sessions list (filter), session page, logout; "
          "screenshots in", shots)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("FAIL:", e, file=sys.stderr)
        sys.exit(1)
