#!/usr/bin/python3
# A candidate's console in a real browser, end to end through atelierd (headless Chromium with
# Selenium): atelierd on the real libvirtd with --console pty, a session of the demo lab for alice
# and bob, alice's "server" stood in by the tiny guest of this folder's tests (init is a shell on
# ttyS0, booted from a kernel and initrd built here), placed on atelierd's host in the store. The
# test logs in with alice's code, opens the console from the workspace, types a command and reads
# its answer from the terminal on the screen; alice's cookie on bob's console URL gets 403; the
# guest restarts and the same page shows the new boot and answers again. On the way, a trainer
# signed in at /staff/login opens alice's console from the session page, takes the keyboard over
# and types (alice's page says so, her keys are not sent), then hands it back. axe-core checks the page
# with the guest's text on the terminal.
# usage: console_browser_test.py ATELIERD ATELIER SOURCE_DIR SHOTS_DIR   (exit 77: skipped)
import json
import os
import pathlib
import shutil
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "support"))
import browser as web  # noqa: E402  (browser(), cli(), check(), upgrade_status(), screen_text(), accessibility())
from guest import DOMAIN_XML, built_kernel, virsh  # noqa: E402

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402


PASSWORD = "un mot de passe long"


def type_until(driver, keys, line, answer, seconds, each):
    """Types `line` into `keys` again every `each` seconds until `answer` shows on the driver's
    screen (TCG: the shell may answer late), as a person at a console would; False after
    `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        keys.send_keys(line)
        try:
            web.waiting(driver, each).until(lambda d: answer in web.screen_text(d))
            return True
        except Exception:
            pass
    return False


def keyboard(driver):
    """Who holds the console's keyboard as the page shows it (console.js sets data-keyboard)."""
    return driver.find_element(By.ID, "keyboard").get_attribute("data-keyboard")


def trainer_takes_over(atelier, tmp, url, session, alice, alice_keys, shots):
    """A trainer opens alice's console from the session page, watches, takes the keyboard over and
    types; alice's page says so in words and her keys are not sent; the trainer hands it back."""
    web.create_user(atelier, tmp, "marie", "trainer", PASSWORD)
    trainer = web.browser()
    try:
        web.staff_login(trainer, url, "marie", PASSWORD)
        trainer.get(url + "/trainer/sessions/" + session)
        # The session page swaps its content at each event of its stream (trainer.js): the link is
        # found through the swaps, then followed.
        link = "/trainer/sessions/%s/candidates/alice/console/server" % session
        web.waiting(trainer, 30).until(lambda d: d.find_element(By.CSS_SELECTOR, "a[href='%s']" % link))
        trainer.get(url + link)
        web.waiting(trainer, 60).until(
            lambda d: d.find_element(By.ID, "console-state").get_attribute("data-state") == "connected")
        web.waiting(trainer, 30).until(lambda d: keyboard(d) == "candidate")
        said = trainer.find_element(By.ID, "keyboard-state").text
        web.check("Vous regardez la console de alice" in said, "the trainer's banner: " + said)
        web.check("atelier-42" in web.screen_text(trainer), "the trainer does not see alice's screen (scrollback)")
        trainer.find_element(By.ID, "take-over").click()
        web.waiting(trainer, 30).until(lambda d: keyboard(d) == "yours")
        web.waiting(alice, 30).until(lambda d: keyboard(d) == "trainer")
        banner = alice.find_element(By.ID, "keyboard-state")
        web.check(banner.is_displayed() and "Un formateur (marie) a pris la main" in banner.text,
                  "alice's banner: " + banner.text)
        # alice's keys go nowhere while marie holds the keyboard; marie's reach the guest, and
        # both screens show the answer.
        alice_keys.send_keys("echo ignored-$((3*3))\n")
        typed = trainer.find_element(By.CSS_SELECTOR, "#terminal pre, #terminal textarea")
        answered = type_until(trainer, typed, "echo trainer-$((5*9))\n", "trainer-45", 120, 20)
        web.check(answered, "the trainer's command got no answer: " + web.screen_text(trainer)[-500:])
        web.waiting(alice, 20).until(lambda d: "trainer-45" in web.screen_text(d))
        web.check("ignored" not in web.screen_text(trainer), "alice's keys reached the guest while marie typed")
        web.accessibility(alice, "candidate's console, taken over")
        alice.save_screenshot(str(shots / "candidate-console-taken-over.png"))
        web.accessibility(trainer, "trainer's console, keyboard taken")
        trainer.save_screenshot(str(shots / "trainer-console.png"))
        trainer.find_element(By.ID, "hand-back").click()
        web.waiting(alice, 30).until(lambda d: keyboard(d) == "yours")
        web.check(not alice.find_element(By.ID, "keyboard").is_displayed(), "alice's banner stays after hand-back")
        web.waiting(trainer, 30).until(lambda d: keyboard(d) == "candidate")
        web.no_console_errors(trainer, "trainer's console page")
        # The same page in English (the switch every page has): the banner's words, a screenshot.
        trainer.get(url + link + "?lang=en")
        web.waiting(trainer, 60).until(
            lambda d: d.find_element(By.ID, "console-state").get_attribute("data-state") == "connected")
        web.waiting(trainer, 30).until(lambda d: keyboard(d) == "candidate")
        said = trainer.find_element(By.ID, "keyboard-state").text
        web.check("You are watching alice's console" in said, "the trainer's English banner: " + said)
        trainer.save_screenshot(str(shots / "trainer-console-en.png"))
        trainer.get(url + link + "?lang=fr")  # the language is remembered: back to French
    finally:
        trainer.quit()


def main():
    atelierd, atelier, src, shots = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]), pathlib.Path(sys.argv[4])
    kernels = built_kernel()
    if virsh("version", check=False).returncode != 0 or not kernels:
        print("skipped: needs libvirtd (scripts/start-services) and a built image's kernel")
        return 77
    shots.mkdir(parents=True, exist_ok=True)
    session = "cb%d" % os.getpid()
    name = "atelier-%s-alice-server" % session
    with tempfile.TemporaryDirectory(prefix="atelier-console-browser-") as t:
        tmp = pathlib.Path(t)
        os.chmod(tmp, 0o755)  # libvirt-qemu reads the kernel copy
        kernel, initrd = tmp / "vmlinuz", tmp / "initrd.img"
        shutil.copy(kernels[0], kernel)
        shutil.copy(kernels[1], initrd)
        proc, url = web.start_atelierd(atelierd, src, tmp, "local=qemu:///system",
                                           ["--no-reconcile", "--console", "pty"])
        driver = None
        try:
            token = web.trainer_token(atelier, tmp)
            web.cli(atelier, url, token, "session", "create", "--lab", "demo", "--candidates", "alice,bob",
                    "--name", session)
            codes = {c["candidate"]: c["code"] for c in
                     json.loads(web.cli(atelier, url, token, "session", "codes", session, "--output", "json"))["codes"]}
            # What the reconciler would have done: alice's lab placed on "local", her server running.
            with sqlite3.connect(tmp / "state" / "atelier.db") as db:
                placed = db.execute("UPDATE candidate_labs SET host = 'local' WHERE session = ?", (session,)).rowcount
                web.check(placed == 2, "expected the 2 labs of %s in the store, updated %d" % (session, placed))
            (tmp / "domain.xml").write_text(DOMAIN_XML.format(name=name, session=session, candidate="alice",
                                                              host="server", kernel=kernel, initrd=initrd))
            virsh("define", str(tmp / "domain.xml"))
            virsh("start", name)
            driver = web.browser()
            wait = web.waiting(driver, 30)
            driver.get(url + "/login")
            driver.find_element(By.ID, "code").send_keys(codes["alice"])
            driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            wait.until(EC.url_to_be(url + "/candidate"))
            driver.find_element(By.CSS_SELECTOR, "a.button[href='/candidate/console/server']").click()
            wait.until(EC.url_to_be(url + "/candidate/console/server"))
            web.waiting(driver, 60).until(
                lambda d: d.find_element(By.ID, "console-state").get_attribute("data-state") == "connected")
            # The shell answers once the kernel has booted (TCG: up to a few minutes); the line is
            # typed again until its answer shows, as a person at a console would.
            focus = driver.find_element(By.CSS_SELECTOR, "#terminal pre, #terminal textarea")
            answered = type_until(driver, focus, "echo atelier-$((6*7))\n", "atelier-42", 240, 30)
            web.check(answered, "the guest's answer never showed on the screen: " + web.screen_text(driver)[-500:])
            web.check(driver.find_element(By.ID, "console-state").get_attribute("data-state") == "connected",
                      "state line not 'connected'")
            web.accessibility(driver, "console page, connected")
            driver.save_screenshot(str(shots / "candidate-console.png"))
            cookie = driver.get_cookie("atelier_session")["value"]
            web.check(web.upgrade_status(url, "/console/%s/bob/server" % session, cookie, url) == 403,
                      "alice's cookie opened bob's console")
            web.check(web.upgrade_status(url, "/console/%s/alice/server" % session, cookie, url) == 101,
                      "alice's own console was refused to a second tab")
            trainer_takes_over(atelier, tmp, url, session, driver, focus, shots)
            # The guest restarts (what a reset does to the domain): the page stays on the same
            # console, which atelierd reopens; the new boot and the shell's answers show on it.
            virsh("destroy", name)
            # What the screen shows from here on is the new boot's.
            driver.execute_script("if (window.atelierTerminal) window.atelierTerminal.clear()")
            virsh("start", name)
            web.waiting(driver, 240).until(
                lambda d: "Run /bin/sh as init process" in web.screen_text(d))
            answered = type_until(driver, focus, "echo after-$((7*8))\n", "after-56", 120, 30)
            web.check(answered, "no answer after the guest restarted: " + web.screen_text(driver)[-500:])
            driver.save_screenshot(str(shots / "candidate-console-after-restart.png"))
            # The candidate's console in English: the page's words switch, the console reconnects.
            driver.get(url + "/candidate/console/server?lang=en")
            web.waiting(driver, 60).until(
                lambda d: d.find_element(By.ID, "console-state").get_attribute("data-state") == "connected")
            web.check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", "the page is not in English")
            driver.save_screenshot(str(shots / "candidate-console-en.png"))
        except BaseException:
            # What atelierd said is the first thing to read when the page did not connect.
            print("atelierd's log (last lines):\n" + (tmp / "atelierd.log").read_text()[-4000:], file=sys.stderr)
            if driver:
                state = driver.find_elements(By.ID, "console-state")
                print("the page's state line:", state[0].text if state else "(none)", file=sys.stderr)
                print("the browser's log:", driver.get_log("browser")[-10:], file=sys.stderr)
            raise
        finally:
            web.shutdown(driver, proc)
            virsh("destroy", name, check=False)
            virsh("undefine", name, check=False)
    print("ok: alice's console typed and answered in the browser; bob's refused; a trainer took over and "
          "handed back; answered again after a restart of the guest; screenshots in", shots)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print("FAIL:", e, file=sys.stderr)
        sys.exit(1)
