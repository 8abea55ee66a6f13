# What every real-browser test shares (headless Chromium through Selenium and chromedriver, from
# scripts/install-deps): start atelierd on a free loopback port, call the CLI against it, open the
# browser, read xterm's screen, try a WebSocket upgrade, check a page with axe-core, use the
# keyboard. One copy; the tests import it with
#   sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "support")); import browser
import os
import socket
import subprocess
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException,
                                        WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def start_atelierd(atelierd, src, tmp, libvirt_uri="test:///default", extra=()):
    """atelierd on 127.0.0.1 (a port it picks), state in TMP/state, the source tree's labs,
    recipes and web assets, no reconciler unless `extra` says otherwise. Returns (process, url);
    its log is TMP/atelierd.log."""
    port_file = tmp / "port"
    log = open(tmp / "atelierd.log", "w")
    proc = subprocess.Popen(
        [atelierd, "--listen", "127.0.0.1:0", "--state-dir", str(tmp / "state"),
         "--labs-dir", str(src / "labs"), "--recipes-dir", str(src / "ansible-free-recipes" / "recipes"),
         "--libvirt-uri", libvirt_uri, "--port-file", str(port_file),
         "--web-assets-dir", str(src / "controller" / "web" / "assets"), *extra],
        stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # waits for the file atelierd writes once listening
        if port_file.exists() and port_file.read_text().strip():
            return proc, "http://127.0.0.1:" + port_file.read_text().strip()
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError("atelierd did not start; see " + str(tmp / "atelierd.log"))


def trainer_token(atelier, tmp):
    """A trainer token made by the CLI on atelierd's state directory (as an operator would)."""
    return subprocess.run([atelier, "token", "create", "--role", "trainer", "--state-dir", str(tmp / "state")],
                          check=True, capture_output=True, text=True).stdout.strip()


def cli(atelier, url, token, *args):
    env = dict(os.environ, ATELIER_SERVER=url, ATELIER_TOKEN=token)
    return subprocess.run([atelier, *args], env=env, check=True, capture_output=True, text=True).stdout


def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--window-size=1200,900", "--lang=fr-FR"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


class _PageSwapWait(WebDriverWait):
    """Chromium 156 reports the same race as a plain WebDriverException, "Node with given id does
    not belong to the document" (seen once in a clean run, grid_browser's freeze): tried again."""

    def until(self, method, message=""):
        def tolerant(d):
            try:
                return method(d)
            except WebDriverException as e:
                if "does not belong to the document" in str(e.msg or ""):
                    return False
                raise
        return super().until(tolerant, message)


def texts(driver, selector, prop):
    """The `prop` of every element matching `selector`, read at one instant of the
    page (the live feed may replace a table between two WebDriver calls)."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]), e => e[arguments[1]].trim())",
        selector, prop)


def waiting(driver, seconds=30):
    """A wait that polls through the page being replaced: an element found, then gone because the
    page reloaded (a form posted, a 303 followed, an event refreshed it) before its text was read,
    is tried again, not a failure (seen once in CI: StaleElementReferenceException)."""
    return _PageSwapWait(driver, seconds,
                         ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))


def no_console_errors(driver, where, ignore=()):
    # A CSP violation, a missing asset or a script error shows up here.
    # (Chromium asks for /favicon.ico on its own; atelierd has none.) `ignore`: substrings of
    # messages expected here (e.g. a previous page's refused console socket, logged late).
    errors = [e["message"] for e in driver.get_log("browser")
              if e["level"] == "SEVERE" and "/favicon.ico" not in e["message"]
              and not any(i in e["message"] for i in ignore)]
    check(not errors, where + ": browser errors " + repr(errors))


def stylesheet_applied(driver):
    return driver.execute_script(
        "return Array.from(document.styleSheets).some(s => s.href && s.href.endsWith('/assets/atelier.css') "
        "&& s.cssRules.length > 0)")


AXE_JS = "/usr/local/share/atelier/axe-core/axe.min.js"  # pinned by scripts/install-deps (vendor_npm)


def accessibility(driver, where):
    """axe-core's check of the page the browser shows now (WCAG 2.x A/AA and axe's best practices):
    fails listing every violation of impact "serious" or "critical" (rule, help, the nodes it
    found). axe is the copy scripts/install-deps installed, never a CDN; it enters the page through
    the DevTools protocol (Runtime.evaluate), which atelierd's Content-Security-Policy (no inline
    script, no eval) does not block and which leaves that policy in force for the page itself.
    Returns the number of rules that passed (a check that ran nothing cannot pass: it fails)."""
    try:
        source = open(AXE_JS, encoding="utf-8").read()
    except OSError as e:
        raise AssertionError("%s: axe-core is not installed (%s); run scripts/install-deps as root" % (where, e))
    loaded = driver.execute_cdp_cmd("Runtime.evaluate", {"expression": source + "\n;typeof axe.run",
                                                         "returnByValue": True})
    check("exceptionDetails" not in loaded and loaded["result"].get("value") == "function",
          where + ": axe-core did not load into the page: %r" % loaded.get("exceptionDetails", loaded))
    result = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done({passes: r.passes.length, violations: r.violations.map(v => ({"
        "  id: v.id, impact: v.impact, help: v.help,"
        "  nodes: v.nodes.map(n => n.target.join(' ') + (n.failureSummary ? ' -- ' + n.failureSummary : ''))}))}))"
        ".catch(e => done({error: String(e)}));")
    check("error" not in result, where + ": axe.run failed: %s" % result.get("error"))
    check(result["passes"] > 0, where + ": axe checked nothing")
    serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    check(not serious, where + ": accessibility violations (axe-core):\n" + "\n".join(
        "  %s (%s): %s\n    %s" % (v["id"], v["impact"], v["help"], "\n    ".join(v["nodes"])) for v in serious))
    return result["passes"]


TABLET = (768, 1024)  # a tablet held upright, in CSS pixels (the issue: "works on a tablet")


def fits_tablet(driver, url, shots, pages):
    """Each of `pages` ((name, path) pairs) opened at a tablet's width: the page itself is no wider
    than the window (a wide grid scrolls inside its own box, the page does not), every button and
    field starts inside the window's width, axe-core still finds nothing serious, and a screenshot
    NAME-tablet.png is kept. The window's size is put back after."""
    size = driver.get_window_size()
    driver.set_window_size(*TABLET)
    try:
        for name, path in pages:
            driver.get(url + path)
            width = driver.execute_script("return document.documentElement.clientWidth")
            wide = driver.execute_script("return document.documentElement.scrollWidth") - width
            check(wide <= 0, "%s at %d px: the page is %d px wider than the window" % (name, TABLET[0], wide))
            outside = driver.execute_script(
                "const w = arguments[0]; return Array.from(document.querySelectorAll("
                "'main button, main input:not([type=hidden]), main select, main textarea, main a.button'))"
                ".filter(e => { const b = e.closest('.table-wrap'); const r = e.getBoundingClientRect();"
                " return !b && r.width > 0 && r.left >= w; }).map(e => e.outerHTML.slice(0, 80));", width)
            check(not outside, "%s at %d px: controls out of the window: %r" % (name, TABLET[0], outside))
            accessibility(driver, name + " on a tablet")
            driver.save_screenshot(str(shots / (name + "-tablet.png")))
    finally:
        driver.set_window_size(size["width"], size["height"])


def contrast(rgb1, rgb2):
    """WCAG's contrast ratio of two CSS colours given as "rgb(r, g, b)" or "rgba(...)"."""
    def luminance(css):
        channels = [int(float(v)) / 255 for v in css[css.index("(") + 1:css.index(")")].split(",")[:3]]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    high, low = sorted((luminance(rgb1), luminance(rgb2)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def tab_to(driver, selector, where, limit=80):
    """Presses Tab (as a person at the keyboard would, from wherever the focus is) until the focused
    element matches the CSS `selector`, at most `limit` times; fails when it is never reached or
    when its focus cannot be seen: no outline, or one under 3:1 against what surrounds the element
    (WCAG 1.4.11; axe does not check focus). Returns the number of presses."""
    for presses in range(1, limit + 1):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        if driver.execute_script("return document.activeElement.matches(arguments[0])", selector):
            ring = driver.execute_script(
                "var e = document.activeElement, s = getComputedStyle(e), p = e.parentElement,"
                "    bg = 'rgb(255, 255, 255)';"
                "for (; p; p = p.parentElement) { var c = getComputedStyle(p).backgroundColor;"
                "  if (c !== 'transparent' && !/rgba\\(.*, 0\\)$/.test(c)) { bg = c; break; } }"
                "return [s.outlineStyle, s.outlineColor, bg];")
            check(ring[0] not in ("", "none"), where + ": the focus on %s is not visible" % selector)
            ratio = contrast(ring[1], ring[2])
            check(ratio >= 3, where + ": the focus ring %s on %s is %.1f:1 (under 3:1)" % (ring[1], ring[2], ratio))
            return presses
    raise AssertionError("%s: %s not reached by %d presses of Tab" % (where, selector, limit))


def press_enter(driver):
    """Enter on whatever has the focus (a link follows, a button submits its form)."""
    ActionChains(driver).send_keys(Keys.ENTER).perform()


def upgrade_status(url, path, cookie, origin):
    """The HTTP status atelierd answers a WebSocket upgrade with (101 when it switches)."""
    host = url[len("http://"):]
    h, p = host.split(":")
    with socket.create_connection((h, int(p)), timeout=10) as s:
        req = ("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
               "Origin: %s\r\nCookie: atelier_session=%s\r\n\r\n") % (path, host, origin, cookie)
        s.sendall(req.encode())
        return int(s.recv(4096).split(b" ")[1])


def screen_text(driver):
    """xterm.js's whole buffer, scrollback included (the DOM holds only the visible rows); the
    plain terminal (when xterm.js cannot load) is a <pre>."""
    return driver.execute_script(
        "var t = window.atelierTerminal;"
        "if (t && t.buffer) { var b = t.buffer.active, out = [];"
        "  for (var i = 0; i < b.length; i++) { var l = b.getLine(i); if (l) out.push(l.translateToString(true)); }"
        "  return out.join('\\n'); }"
        "return document.getElementById('terminal').innerText")


def lit_pixels(driver):
    """How many pixels of a screen page's canvas (noVNC, #screen) are not black: text on the
    guest's screen."""
    return driver.execute_script(
        "var c = document.querySelector('#screen canvas'); if (!c || !c.width) return 0;"
        "var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, n = 0;"
        "for (var i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 96) n++;"
        "return n")


def create_user(atelier, tmp, name, role, password):
    """A person's account made by the CLI on atelierd's state directory (as an operator would)."""
    subprocess.run([atelier, "user", "create", name, "--role", role, "--state-dir", str(tmp / "state")],
                   input=password + "\n", check=True, capture_output=True, text=True)


def staff_login(driver, url, name, password):
    """Signs `name` in at /staff/login (French page), from a browser holding no cookie of `url`;
    waits for the landing page (/trainer or /evaluator)."""
    if driver.current_url.startswith(url):
        driver.delete_all_cookies()
    driver.get(url + "/staff/login?lang=fr")
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    waiting(driver, 30).until(lambda d: d.current_url.split("?")[0] in (url + "/trainer", url + "/evaluator"))


def shutdown(driver, proc):
    """The end of every browser test, pass or fail: the browser closed, atelierd stopped."""
    if driver:
        driver.quit()
    proc.terminate()
    proc.wait(timeout=20)


def run_main(main):
    """Runs a test's main(): a failed check() prints FAIL and exits 1 (CTest's failure)."""
    try:
        main()
    except AssertionError as e:
        print("FAIL:", e, file=sys.stderr)
        sys.exit(1)
