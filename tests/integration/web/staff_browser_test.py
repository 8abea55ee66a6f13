#!/usr/bin/python3
# The trainer's pages in a real browser (headless Chromium through Selenium, the same harness as
# the candidate's): atelierd on libvirt's test:///default without a reconciler (no guests), a
# trainer account made with `atelier user create`, a wrong password refused, the login, the
# sessions list (filtered), a session created from the "new session" page (demo lab, two
# candidates pasted, a display name kept), one session's page (candidates, labelled buttons, the
# solve warning, the destroy confirmation, the state line following the event stream), its access-code slips, each of these at a tablet's width (768 px), the English switch, logout; then an evaluator's login
# to their home. The new session's submit is reached and pressed by keyboard alone (Tab, Enter);
# axe-core checks each page.
# Fails (exit 1) when a page is wrong; keeps a screenshot of each step in SHOTS_DIR.
# usage: staff_browser_test.py ATELIERD ATELIER SOURCE_DIR SHOTS_DIR
import pathlib
import re
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "support"))
from browser import accessibility, browser, check, texts, waiting, cli, fits_tablet, no_console_errors, press_enter, \
    run_main, shutdown, start_atelierd, stylesheet_applied, tab_to  # noqa: E402
import browser as browser_support  # noqa: E402

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

PASSWORD = "un mot de passe long"


def create_user(atelier, tmp, name, role):
    browser_support.create_user(atelier, tmp, name, role, PASSWORD)


def login_steps(driver, url, shots):
    wait = waiting(driver, 30)
    driver.get(url + "/trainer")
    wait.until(EC.url_to_be(url + "/staff/login"))  # not signed in: sent to the login
    check(driver.find_element(By.CSS_SELECTOR, "label[for=password]").text == "Mot de passe", "password label")
    check(stylesheet_applied(driver), "the stylesheet did not load")
    accessibility(driver, "staff login")
    driver.find_element(By.ID, "name").send_keys("marie")
    driver.find_element(By.ID, "password").send_keys("pas le bon mot de passe")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    error = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "p.error")))
    check("Nom ou mot de passe incorrect" in error.text, "wrong-password message: " + error.text)
    accessibility(driver, "staff login with its error")
    driver.get_log("browser")  # the 401 is expected; later steps must log nothing
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(EC.url_to_be(url + "/trainer"))
    cookie = driver.get_cookie("atelier_staff")
    check(cookie and cookie["httpOnly"] and cookie.get("sameSite") == "Strict", "staff cookie flags: %r" % cookie)


def list_steps(driver, url, shots):
    wait = waiting(driver, 30)
    rows = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "table.grid tbody th a")]
    check(rows == ["matin", "soir"], "sessions listed: %r" % rows)
    cells = driver.find_element(By.CSS_SELECTOR, "table.grid tbody tr").text
    check("demo" in cells and "0 / 2" in cells and "en attente" in cells, "first row: " + cells)
    # "Created by": the CLI token's label, never its id.
    check("cli (jeton)" in cells, "created by, first row: " + cells)
    check(stylesheet_applied(driver), "the stylesheet did not load on the list")
    no_console_errors(driver, "sessions list")
    accessibility(driver, "sessions list")
    driver.save_screenshot(str(shots / "trainer-sessions.png"))
    driver.find_element(By.ID, "q").send_keys("soir")
    driver.find_element(By.CSS_SELECTOR, "form.filter button").click()
    wait.until(lambda d: "q=soir" in d.current_url)
    rows = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "table.grid tbody th a")]
    check(rows == ["soir"], "filtered: %r" % rows)
    driver.find_element(By.LINK_TEXT, "soir").click()
    wait.until(EC.url_to_be(url + "/trainer/sessions/soir"))


def full_page_shot(driver, path):
    """A screenshot of the whole page (1280 wide), then the window as it was."""
    size = driver.get_window_size()
    driver.execute_script("window.scrollTo(0, 0)")
    driver.set_window_size(1280, driver.execute_script("return document.documentElement.scrollHeight") + 120)
    driver.save_screenshot(str(path))
    driver.set_window_size(size["width"], size["height"])


def record_node_memory(tmp):
    """What the reconciler stores once it has read a host (virNodeGetInfo), which this atelierd,
    run without one, never does: test:///default's own figure, as `virsh nodeinfo` gives it, for
    each of its hosts; returns their sum."""
    info = subprocess.run(["virsh", "-c", "test:///default", "nodeinfo"], check=True, capture_output=True,
                          text=True).stdout
    kib = int(re.search(r"Memory size:\s+(\d+) KiB", info).group(1))
    with sqlite3.connect(str(tmp / "state" / "atelier.db")) as db:
        db.execute("UPDATE hosts SET memory_bytes = ?, vcpus = 16", (kib * 1024,))
        hosts = db.execute("SELECT COUNT(*) FROM hosts").fetchone()[0]
    return kib * 1024 * hosts  # every host's, as the page sums them


def new_session_steps(driver, url, shots, tmp, node_bytes):
    wait = waiting(driver, 30)
    driver.get(url + "/trainer")
    driver.find_element(By.LINK_TEXT, "Nouvelle session").click()
    wait.until(EC.url_to_be(url + "/trainer/sessions/new"))
    check(driver.find_element(By.TAG_NAME, "h1").text == "Nouvelle session", "new-session heading")
    # The hosts' memory as the page says it: 90% of the nodes' (the reserve), nothing placed yet.
    usable = "%.1f Gio" % (node_bytes * 0.9 / 2 ** 30)
    capacity = driver.find_element(By.CSS_SELECTOR, "p.capacity").text
    check(usable.replace(".", ",") in capacity, "capacity line: " + capacity)
    demo = driver.find_element(By.CSS_SELECTOR, "label[for=lab-demo]")
    check("Démo : un serveur de fichiers" in demo.text, "demo lab's title: " + demo.text)
    facts = driver.find_element(By.ID, "lab-demo-facts").text
    check("C01, C03, C07, C09" in facts and "server, client" in facts and "1,0 Gio" in facts, "demo facts: " + facts)
    # The CSV field is shown by new_session.js (hidden without JavaScript).
    check(driver.find_element(By.ID, "csv").is_displayed(), "the CSV file field is hidden")
    demo.click()
    check(driver.find_element(By.ID, "lab-demo").is_selected(), "the label does not choose the lab")
    # A CSV file read into the list, in the browser (with a spreadsheet's byte-order mark).
    csv = tmp / "classe.csv"
    csv.write_text("\ufeffname,display name\nchloe,Chloé Petit\ndavid,David Roux\n", encoding="utf-8")
    driver.find_element(By.ID, "csv").send_keys(str(csv))
    box = driver.find_element(By.ID, "candidates")
    wait.until(lambda d: box.get_attribute("value") == "name,display name\nchloe,Chloé Petit\ndavid,David Roux\n")
    driver.find_element(By.ID, "name").send_keys("apres_midi")
    driver.find_element(By.ID, "feedback").click()
    no_console_errors(driver, "new-session page")
    accessibility(driver, "new-session page")
    full_page_shot(driver, shots / "trainer-new-session.png")
    box = driver.find_element(By.ID, "candidates")
    box.clear()
    box.send_keys("Chloe\ndavid,David Roux")
    driver.find_element(By.CSS_SELECTOR, "form.new-session button[type=submit]").click()
    # An upper-case id: the form comes back with the service's message and what was typed.
    error = wait.until(EC.presence_of_element_located((By.ID, "form-error")))
    check('candidate "Chloe" has \'C\' at position 1' in error.text, "refusal: " + error.text)
    check(driver.find_element(By.ID, "candidates").get_attribute("value") == "Chloe\ndavid,David Roux",
          "the list typed was not kept")
    check(driver.find_element(By.ID, "lab-demo").is_selected(), "the lab chosen was not kept")
    accessibility(driver, "new-session page with its refusal")
    driver.save_screenshot(str(shots / "trainer-new-session-refused.png"))
    driver.get_log("browser")  # the 400 is expected
    box = driver.find_element(By.ID, "candidates")
    box.clear()
    box.send_keys("chloe\ndavid,David Roux")
    # By keyboard alone from the list just typed: Tab through the fields to "create", Enter.
    presses = tab_to(driver, "form.new-session button[type=submit]", "new-session page")
    check(presses >= 5, "Tab skipped fields on its way to the submit: %d presses" % presses)
    press_enter(driver)
    wait.until(EC.url_to_be(url + "/trainer/sessions/apres_midi"))
    # Read in one script: trainer.js may swap the rows in at the stream's first event meanwhile.
    names = driver.execute_script(
        "return Array.from(document.querySelectorAll('#candidates tbody th')).map(e => e.textContent)")
    check(names == ["chloe", "david David Roux"], "the new session's candidates: %r" % names)
    no_console_errors(driver, "the new session's page")
    accessibility(driver, "the new session's page")
    driver.save_screenshot(str(shots / "trainer-session-display-name.png"))
    driver.get(url + "/trainer?lang=en")
    rows = {r.find_element(By.TAG_NAME, "th").text: r.text for r in
            driver.find_elements(By.CSS_SELECTOR, "table.grid tbody tr")}
    check("cli (token)" in rows["soir"] and "marie" in rows["apres_midi"], "created by, in English: %r" % rows)
    accessibility(driver, "sessions list in English")
    driver.save_screenshot(str(shots / "trainer-sessions-en.png"))
    driver.get(url + "/trainer?lang=fr")
    driver.get(url + "/trainer/sessions/soir")


def evaluator_steps(driver, url, shots):
    wait = waiting(driver, 30)
    driver.get(url + "/staff/login")
    driver.find_element(By.ID, "name").send_keys("jury")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(EC.url_to_be(url + "/evaluator"))  # an evaluator lands on their home
    driver.get(url + "/evaluator?lang=fr")  # the trainer's steps left this browser in English
    rows = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "table.grid tbody th a")]
    check(rows == ["matin", "soir", "apres_midi"], "evaluator's sessions: %r" % rows)
    first = driver.find_element(By.CSS_SELECTOR, "table.grid tbody tr").text
    check("provisoires" in first, "results state: " + first)
    check(stylesheet_applied(driver), "the stylesheet did not load on the evaluator's home")
    no_console_errors(driver, "evaluator's home")
    accessibility(driver, "evaluator's home")
    full_page_shot(driver, shots / "evaluator-home.png")
    driver.find_element(By.LINK_TEXT, "soir").click()
    wait.until(EC.url_to_be(url + "/evaluator/sessions/soir"))
    check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr", "the grid opened")


def page_fetches(driver):
    """How many times trainer.js fetched the page again (the browser's resource timings)."""
    return driver.execute_script(
        "return performance.getEntriesByType('resource').filter("
        "e => e.initiatorType === 'fetch' && e.name.endsWith(location.pathname)).length")


def live_state_steps(driver, shots, tmp):
    """The session's state line follows the event stream (no reload, no timer): what the
    reconciler would store as alice's lab becomes ready is written into the store, and the line
    says so; with nothing changing, the page fetches nothing."""
    wait = waiting(driver, 30)
    driver.execute_script("document.getElementById('session-state').setAttribute('data-old', '1')")
    with sqlite3.connect(str(tmp / "state" / "atelier.db")) as db:
        db.execute("UPDATE candidate_labs SET status = 'ready' WHERE session = 'soir' AND candidate = 'alice'")
        db.execute("UPDATE sessions SET status = 'provisioning' WHERE id = 'soir'")
    wait.until(lambda d: "1 / 2 prêts" in d.find_element(By.ID, "session-state").text)
    state = driver.find_element(By.ID, "session-state")
    check("en préparation" in state.text, "live session state: " + state.text)
    check(state.get_attribute("data-old") is None, "the state line was not swapped from the stream")
    check(driver.find_element(By.CSS_SELECTOR, "tr[data-candidate=alice] td.cell-status").text == "prêt",
          "alice's row did not follow")
    driver.save_screenshot(str(shots / "trainer-session-live.png"))
    quiet = page_fetches(driver)
    time.sleep(3)
    check(page_fetches(driver) == quiet, "the page fetched itself without an event (polling)")
    with sqlite3.connect(str(tmp / "state" / "atelier.db")) as db:
        db.execute("UPDATE candidate_labs SET status = 'pending' WHERE session = 'soir' AND candidate = 'alice'")
        db.execute("UPDATE sessions SET status = 'pending' WHERE id = 'soir'")
    wait.until(lambda d: "0 / 2 prêts" in d.find_element(By.ID, "session-state").text)


def session_steps(driver, url, shots, tmp):
    wait = waiting(driver, 30)
    check(driver.find_element(By.TAG_NAME, "h1").text == "Session soir", "session heading")
    # Read in one script: the live feed may replace the table between two WebDriver calls.
    names = texts(driver, "#candidates tbody th", "innerText")
    check(names == ["alice", "bob"], "candidates: %r" % names)
    # Every button says what it does and to whom (a hidden name for screen readers).
    buttons = texts(driver, "#candidates button", "textContent")
    check("Réinitialiser alice" in " ".join(buttons) and "Appliquer la solution bob" in " ".join(buttons),
          "buttons: %r" % buttons)
    # The reset's list: the whole lab by default, or one of its machines, or (atelierd has two
    # hypervisor hosts) the whole lab on the other host; labelled for each candidate.
    options = texts(driver, "#reset-alice option", "innerText")
    check(options == ["tout le lab", "server", "client", "tout le lab, sur un autre hyperviseur"],
          "reset choices: %r" % options)
    check(driver.find_element(By.CSS_SELECTOR, "label[for=reset-alice]").get_attribute("textContent")
          == "Que réinitialiser ? (alice)", "reset list's label")
    check("il a alors la réponse" in driver.find_element(By.ID, "solve-warning").text, "the solve warning")
    # The provisioning step in the page's language (no reconciler here: every lab waits for its networks).
    steps = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#candidates td.cell-step")]
    check(steps == ["réseaux", "réseaux"], "steps: %r" % steps)
    check(driver.find_element(By.CSS_SELECTOR, "label[for=confirm]").text.endswith("soir"), "destroy label")
    # The live feed: trainer.js opens the session's event stream by the cookie and says so.
    wait.until(lambda d: d.find_element(By.ID, "live").text == "Mise à jour en direct.")
    state = driver.find_element(By.ID, "session-state").text
    check("en attente" in state and "0 / 2 prêts" in state, "session state line: " + state)
    no_console_errors(driver, "session page")
    accessibility(driver, "session page")
    driver.save_screenshot(str(shots / "trainer-session.png"))
    Select(driver.find_element(By.ID, "reset-alice")).select_by_value("@move")
    driver.save_screenshot(str(shots / "trainer-session-move.png"))
    Select(driver.find_element(By.ID, "reset-alice")).select_by_value("")
    live_state_steps(driver, shots, tmp)
    # A wrong confirmation destroys nothing, and the page says so.
    driver.find_element(By.ID, "confirm").send_keys("soi")
    driver.find_element(By.CSS_SELECTOR, "button.danger").click()
    notice = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "p.notice")))
    check("rien n'a été détruit" in notice.text, "mismatch notice: " + notice.text)
    accessibility(driver, "session page with its notice")
    # The access-code slips the trainer prints (a page of their own, French with English beside it).
    driver.find_element(By.CSS_SELECTOR, "a.button[href='/trainer/sessions/soir/slips']").click()
    wait.until(EC.url_to_be(url + "/trainer/sessions/soir/slips"))
    slips = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".slip .candidate")]
    check(slips == ["alice", "bob"], "slips: %r" % slips)
    accessibility(driver, "access-code slips")
    driver.get(url + "/trainer/sessions/soir")
    driver.find_element(By.CSS_SELECTOR, "a.lang").click()
    wait.until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    check(driver.find_element(By.CSS_SELECTOR, "#candidates caption").text ==
          "Candidates and the state of their lab", "English caption")
    state = driver.find_element(By.ID, "session-state").text
    check("pending" in state and "0 / 2 ready" in state, "session state line in English: " + state)
    accessibility(driver, "session page in English")
    options = texts(driver, "#reset-alice option", "innerText")
    check(options[-1] == "the whole lab, on another hypervisor host", "English move choice: %r" % options)
    Select(driver.find_element(By.ID, "reset-alice")).select_by_value("@move")
    driver.save_screenshot(str(shots / "trainer-session-en.png"))
    driver.find_element(By.CSS_SELECTOR, "a.logout").click()
    wait.until(EC.url_to_be(url + "/staff/login"))
    driver.get(url + "/trainer")
    check(driver.current_url == url + "/staff/login", "the trainer's page is still open after logout")


def main():
    atelierd, atelier, src, shots = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]), pathlib.Path(sys.argv[4])
    shots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="atelier-staff-browser-") as t:
        tmp = pathlib.Path(t)
        # Two hypervisor hosts: the reset list also offers to move a lab to the other one.
        proc, url = start_atelierd(atelierd, src, tmp, libvirt_uri="local=test:///default",
                                   extra=["--libvirt-uri", "hv2=test:///default", "--no-reconcile"])
        driver = None
        try:
            # Labelled as an operator would label the CLI's token: the list shows the label.
            token = subprocess.run([atelier, "token", "create", "--role", "trainer", "--label", "cli",
                                    "--state-dir", str(tmp / "state")],
                                   check=True, capture_output=True, text=True).stdout.strip()
            for name in ("matin", "soir"):
                cli(atelier, url, token, "session", "create", "--lab", "demo", "--candidates", "alice,bob",
                    "--name", name)
            create_user(atelier, tmp, "marie", "trainer")
            create_user(atelier, tmp, "jury", "evaluator")
            node_bytes = record_node_memory(tmp)
            driver = browser()
            login_steps(driver, url, shots)
            list_steps(driver, url, shots)
            new_session_steps(driver, url, shots, tmp, node_bytes)
            fits_tablet(driver, url, shots, [("trainer-sessions", "/trainer"),
                                             ("trainer-new-session", "/trainer/sessions/new"),
                                             ("trainer-session", "/trainer/sessions/soir"),
                                             ("trainer-slips", "/trainer/sessions/soir/slips")])
            driver.get(url + "/trainer/sessions/soir")
            session_steps(driver, url, shots, tmp)
            evaluator_steps(driver, url, shots)
            log = (tmp / "atelierd.log").read_text()
            check(PASSWORD not in log and "atelier_staff=" not in log, "a password or cookie reached the log")
        finally:
            shutdown(driver, proc)
    print("ok: staff login (wrong password, then right), sessions list (filter), new session (refused, then "
          "created), session page, logout, evaluator's home; "
          "screenshots in", shots)


if __name__ == "__main__":
    run_main(main)
