#!/usr/bin/python3
# A candidate at their seat, on a real session's lab VM (run by session_test.sh once the labs are
# ready; no guest of its own): headless Chromium logs in with candidate A's code, sees A's tickets
# and the login the lab gives A, opens the console of A's host, logs in at the guest's getty with
# that login, types `hostname` and reads the guest's answer from xterm's buffer; A's cookie on B's
# console gets 403; `atelier lab reset` of the host (the CLI, as a trainer) and the same page
# reconnects by itself and shows the new boot's login prompt. Before the reset, A opens the screen
# of SCREEN_HOST (`display: true`, noVNC): it shows the guest's tty1, A logs in there with the
# keyboard and writes a random word to the guest's serial line, which A's console page of that
# host shows (the keys went through the screen); B's screen is refused to A. A screenshot of each
# step.
# usage: browser_console.py ATELIER SESSION CANDIDATE_A CANDIDATE_B HOST SCREEN_HOST SHOTS_DIR
#        (ATELIER_SERVER and ATELIER_TOKEN: atelierd's address and a trainer token)
import json
import os
import pathlib
import re
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "support"))
import browser as web  # noqa: E402

from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

# A busy 2-core machine doubles TCG boot times: every wait is generous.
BOOT_WAIT = 300


def wait_for(driver, what, cond, seconds, poke=None):
    """Waits until cond(screen text) holds, calling poke() every 10 s (Enter at a console, as a
    person would); on a timeout, fails with what the page shows."""
    deadline = time.monotonic() + seconds
    while True:
        text = web.screen_text(driver)
        if cond(text):
            return text
        if time.monotonic() > deadline:
            state = driver.find_elements(By.ID, "console-state")
            raise AssertionError("%s: not seen after %d s; state line %r; the screen ends with:\n%s" % (
                what, seconds, state[0].text if state else None, text[-1500:]))
        if poke:
            poke()
        end = time.monotonic() + 10
        while time.monotonic() < end and not cond(web.screen_text(driver)):
            time.sleep(0.5)


def last_line(text):
    """The last line with something on it: the guest's prompt when it waits for the candidate."""
    lines = [line for line in text.split("\n") if line.strip()]
    return lines[-1].rstrip() if lines else ""


def answered(text, command, answer):
    """A line ending with the prompt's `# COMMAND`, followed by the line ANSWER."""
    lines = [line.strip() for line in text.split("\n")]
    return any(a.endswith("# " + command) and b == answer for a, b in zip(lines, lines[1:]))


def main():
    atelier, session, cand_a, cand_b, host, screen_host, shots = sys.argv[1:8]
    shots = pathlib.Path(shots)
    shots.mkdir(parents=True, exist_ok=True)
    url, token = os.environ["ATELIER_SERVER"], os.environ["ATELIER_TOKEN"]
    codes = {c["candidate"]: c["code"] for c in
             json.loads(web.cli(atelier, url, token, "session", "codes", session, "--output", "json"))["codes"]}
    # The login a trainer hands out (`atelier access`): the page must show the candidate the same.
    access = web.cli(atelier, url, token, "access", session, cand_a)
    password = re.search(r"password: (\S+)", access)
    web.check(password, "`atelier access` shows no password:\n" + access)
    login = "root / " + password.group(1)
    driver = web.browser()
    try:
        run(driver, atelier, url, token, session, codes, cand_a, cand_b, host, login, shots)
        # (the reset above left the console page: the screen's steps open their own pages)
        screen(driver, url, session, cand_a, cand_b, screen_host, login, shots)
    except BaseException:
        state = driver.find_elements(By.ID, "console-state")
        print("the page:", driver.current_url, "state line:", state[0].text if state else "(none)", file=sys.stderr)
        print("the browser's log:", driver.get_log("browser")[-10:], file=sys.stderr)
        driver.save_screenshot(str(shots / "failed.png"))
        raise
    finally:
        driver.quit()
    print("ok: %s logged in at %s's console, read its hostname back, was refused %s's console, and "
          "the console came back by itself after a reset; typed at %s's screen; screenshots in %s" % (
              cand_a, host, cand_b, screen_host, shots))
    return 0


def run(driver, atelier, url, token, session, codes, cand_a, cand_b, host, login, shots):
    wait = web.waiting(driver, 60)
    driver.get(url + "/login")
    driver.find_element(By.ID, "code").send_keys(codes[cand_a])
    driver.save_screenshot(str(shots / "1-login.png"))
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda d: d.current_url == url + "/candidate")
    tickets = driver.find_elements(By.CSS_SELECTOR, "article.ticket")
    web.check(len(tickets) == 3, "expected the demo lab's 3 tickets, the page shows %d" % len(tickets))
    page = driver.find_element(By.TAG_NAME, "body").text
    web.check(login in page, "the candidate page does not show the login %r:\n%s" % (login, page[-1500:]))
    driver.save_screenshot(str(shots / "2-candidate.png"))
    web.no_console_errors(driver, "the candidate page")

    driver.find_element(By.CSS_SELECTOR, "a.button[href='/candidate/console/%s']" % host).click()
    wait.until(lambda d: d.current_url == url + "/candidate/console/" + host)
    hint = driver.find_element(By.ID, "login-hint").text
    web.check(login in hint, "the console page shows %r, not the login %r" % (hint, login))
    web.waiting(driver, 120).until(
        lambda d: d.find_element(By.ID, "console-state").get_attribute("data-state") == "connected")
    keys = driver.find_element(By.CSS_SELECTOR, "#terminal textarea, #terminal pre")
    user, password = login.split(" / ")
    wait_for(driver, "a login prompt", lambda t: last_line(t).endswith("login:"), BOOT_WAIT,
             lambda: keys.send_keys("\n"))
    driver.save_screenshot(str(shots / "3-console-prompt.png"))
    keys.send_keys(user + "\n")
    wait_for(driver, "the password prompt", lambda t: last_line(t).endswith("Password:"), 60)
    keys.send_keys(password + "\n")
    wait_for(driver, "a root shell", lambda t: last_line(t).endswith("#"), 120)
    keys.send_keys("hostname\n")
    wait_for(driver, "the guest's hostname", lambda t: answered(t, "hostname", host), 60)
    driver.save_screenshot(str(shots / "4-console-hostname.png"))
    web.no_console_errors(driver, "the console page")

    cookie = driver.get_cookie("atelier_session")["value"]
    web.check(web.upgrade_status(url, "/console/%s/%s/%s" % (session, cand_b, host), cookie, url) == 403,
              "%s's cookie opened %s's console" % (cand_a, cand_b))

    # A reset gives the host a fresh disk and boot: the page stays where it is and the console
    # comes back by itself. What the screen shows from here on is the new boot's.
    driver.execute_script(
        "window.atelierStates = [];"
        "new MutationObserver(function () { window.atelierStates.push("
        "  document.getElementById('console-state').getAttribute('data-state')); })"
        ".observe(document.getElementById('console-state'), {attributes: true});"
        "window.atelierTerminal.clear()")
    t0 = time.monotonic()
    out = web.cli(atelier, url, token, "lab", "reset", session, cand_a, host)
    print(out.strip(), "(%d s)" % (time.monotonic() - t0))
    wait_for(driver, "a fresh login prompt after the reset", lambda t: last_line(t).endswith("login:"),
             BOOT_WAIT, lambda: keys.send_keys("\n"))
    print("login prompt again %d s after the reset began; console states seen: %s" % (
        time.monotonic() - t0, driver.execute_script("return window.atelierStates")))
    web.check(driver.find_element(By.ID, "console-state").get_attribute("data-state") == "connected",
              "the console is not connected after the reset")
    web.check(driver.current_url == url + "/candidate/console/" + host, "the page moved during the reset")
    driver.save_screenshot(str(shots / "5-console-after-reset.png"))


# US layout: the characters a person types with Shift, and the key under them. noVNC sends QEMU
# the key's scancode, so Shift must be pressed as a key of its own, as a person would.
SHIFTED = dict(zip('>|_:"?', '.\\-;\'/'))


def type_on_screen(driver, canvas, text):
    """Types text into noVNC's canvas key by key (Enter for a newline)."""
    chain = ActionChains(driver).move_to_element(canvas).click()
    for ch in text:
        if ch == "\n":
            chain = chain.send_keys(Keys.ENTER)
        elif ch in SHIFTED or ch.isupper():
            chain = chain.key_down(Keys.SHIFT).send_keys(SHIFTED.get(ch, ch.lower())).key_up(Keys.SHIFT)
        else:
            chain = chain.send_keys(ch)
    chain.perform()


def screen(driver, url, session, cand_a, cand_b, host, login, shots):
    """A's screen of `host`: shown, typed into (proved on the host's serial line), B's refused."""
    driver.get_log("browser")  # the reset's reconnection errors belong to the console's page
    driver.get(url + "/candidate")
    web.check(driver.find_elements(By.CSS_SELECTOR, "a.button[href='/candidate/display/%s']" % host),
              "the candidate page offers no screen for %s" % host)
    web.check(len(driver.find_elements(By.CSS_SELECTOR, "a.button[href^='/candidate/display/']")) == 1,
              "the candidate page offers a screen for a host without `display: true`")
    # The host's console in a first tab, where the word typed at the screen will show.
    driver.get(url + "/candidate/console/" + host)
    web.waiting(driver, 120).until(
        lambda d: d.find_element(By.ID, "console-state").get_attribute("data-state") == "connected")
    console_tab = driver.current_window_handle
    driver.switch_to.new_window("tab")
    driver.get(url + "/candidate/display/" + host)
    web.waiting(driver, 120).until(
        lambda d: d.find_element(By.ID, "console-state").get_attribute("data-state") == "connected")
    canvas = driver.find_element(By.CSS_SELECTOR, "#screen canvas")
    user, password = login.split(" / ")
    word = "screen-ok-%08x" % int.from_bytes(os.urandom(4), "big")
    deadline = time.monotonic() + BOOT_WAIT
    attempt = 0
    while True:
        # The login prompt, the password, then the word to the serial line. A try that came too
        # early (a prompt not drawn yet) is typed again: at a shell prompt the login and password
        # are mere unknown commands.
        attempt += 1
        type_on_screen(driver, canvas, "\n")
        time.sleep(2)
        type_on_screen(driver, canvas, user + "\n")
        time.sleep(5)
        type_on_screen(driver, canvas, password + "\n")
        time.sleep(8)
        type_on_screen(driver, canvas, "echo %s > /dev/ttyS0\n" % word)
        driver.switch_to.window(console_tab)
        end = time.monotonic() + 30
        while time.monotonic() < end and word not in web.screen_text(driver):
            time.sleep(1)
        seen = word in web.screen_text(driver)
        driver.switch_to.window(driver.window_handles[-1])
        if seen:
            break
        if time.monotonic() > deadline:
            driver.save_screenshot(str(shots / "6-screen-failed.png"))
            raise AssertionError("the word typed at %s's screen never reached its serial line (%d tries)" % (
                host, attempt))
    lit = web.lit_pixels(driver)
    web.check(lit > 500, "the screen is black (%d lit pixels)" % lit)
    print("typed at %s's screen in %d tries; %d lit pixels" % (host, attempt, lit))
    driver.save_screenshot(str(shots / "6-screen.png"))
    web.no_console_errors(driver, "the screen page")
    web.accessibility(driver, "the screen page, connected")
    # The same page in English (the candidate's language switch), as a candidate would see it.
    driver.get(url + "/candidate/display/%s?lang=en" % host)
    web.waiting(driver, 120).until(
        lambda d: d.find_element(By.ID, "console-state").get_attribute("data-state") == "connected")
    web.check("Screen connected" in driver.find_element(By.ID, "console-state").text,
              "the English screen page's state line: " + driver.find_element(By.ID, "console-state").text)
    web.waiting(driver, 60).until(lambda d: web.lit_pixels(d) > 500)
    driver.save_screenshot(str(shots / "7-screen-en.png"))
    cookie = driver.get_cookie("atelier_session")["value"]
    web.check(web.upgrade_status(url, "/display/%s/%s/%s" % (session, cand_b, host), cookie, url) == 403,
              "%s's cookie opened %s's screen" % (cand_a, cand_b))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except AssertionError as e:
        print("FAIL:", e, file=sys.stderr)
        sys.exit(1)
