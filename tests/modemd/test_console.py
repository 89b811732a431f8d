#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The operator console of dualsat-modemd (GET /console, /symbols, /spectrum).

  MODEMD=/path/dualsat-modemd test_console.py Http      # plain HTTP: shapes, bounds, tokens
  MODEMD=/path/dualsat-modemd test_console.py Browser   # headless Chromium through Selenium

The Browser tests need Debian's chromium, chromium-driver and python3-selenium
(scripts/install-deps.sh); without them they exit 77, which ctest counts as skipped.
CONSOLE_SCREENSHOT=path.png makes the browser test save a screenshot of the live page.
Every daemon binds 127.0.0.1 on an ephemeral port; the browser loads only that address.
"""
import base64
import hashlib
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_modemd_daemon  # noqa: E402
from test_modemd_daemon import (DEADLINE, TOKEN, Daemon, http, temp_dir, wait_for,  # noqa: E402
                                write)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import modemd_traffic  # noqa: E402

SKIP = 77

CONSOLE = """
modem: {modcod: QPSK 1/2, frame: normal, pilots: true, symbol_rate: 2.0e5, rolloff: 0.20}
radio: {backend: loopback, sample_rate: 4.0e5, tx_rms: 0.3}
channel: {esn0_db: 12.0, seed: 7}
data: {ip: {listen: "127.0.0.1:0", forward: "127.0.0.1:%(fwd)d"}}
control: {bind: 127.0.0.1, port: 0%(control)s}
logging: {level: info}
"""


class Traffic:
    """IP packets into the daemon (the constellation shows data frames; an idle link sends
    dummy frames only), about 100 kbit/s, and a socket that takes them at the far end."""

    def __init__(self):
        self.sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sink.bind(("127.0.0.1", 0))
        self.sink.settimeout(0.2)
        self.port = self.sink.getsockname()[1]
        self.stopped = threading.Event()
        self.dest = None

    def start(self, dest):
        self.dest = dest
        threading.Thread(target=self._send, daemon=True).start()
        threading.Thread(target=self._drain, daemon=True).start()

    def _send(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        seq = 0
        while not self.stopped.wait(0.05):
            s.sendto(modemd_traffic.make_packet(seq, 600), self.dest)
            seq += 1
        s.close()

    def _drain(self):
        while not self.stopped.is_set():
            try:
                self.sink.recv(65536)
            except OSError:
                pass

    def stop(self):
        self.stopped.set()
        time.sleep(0.3)  # the threads notice within 0.2 s
        self.sink.close()


READ_TOKEN = "read-only-token-9876543210"


def start(token_file=None, read_token=False):
    d = temp_dir()
    extra = ""
    if token_file:
        write(os.path.join(d, "token"), TOKEN + "\n", 0o600)
        extra = ", token_file: token"
    if read_token:
        write(os.path.join(d, "read_token"), READ_TOKEN + "\n", 0o600)
        extra += ", read_token_file: read_token"
    traffic = Traffic()
    daemon = Daemon(CONSOLE % {"control": extra, "fwd": traffic.port}, dirname=d)
    daemon.start_control()
    status = json.loads(http(daemon.url + "/status", token=TOKEN if token_file else None)[1])
    host, port = status["data"]["ip_listen"].rsplit(":", 1)
    traffic.start((host, int(port)))
    kill = daemon.kill

    def kill_both():
        traffic.stop()
        kill()
    daemon.kill = kill_both
    return daemon


def get_json(url, token=None):
    code, body, headers = http(url, token=token)
    return code, (json.loads(body) if body.strip().startswith("{") else body), headers


class Http(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = start()
        cls.d.wait_lock()
        wait_for(lambda: get_json(cls.d.url + "/symbols?n=4096")[1]["count"] == 4096,
                 "four data frames")

    @classmethod
    def tearDownClass(cls):
        cls.d.kill()

    def test_page_is_self_contained_with_a_strict_csp(self):
        code, page, headers = http(self.d.url + "/console")
        self.assertEqual(code, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        csp = headers["Content-Security-Policy"]
        self.assertIn("default-src 'none'", csp)
        self.assertIn("connect-src 'self'", csp)
        self.assertNotIn("unsafe-inline", csp)
        # The CSP allows exactly the page's own script and style.
        for tag in ("script", "style"):
            body = re.findall(r"<%s>(.*?)</%s>" % (tag, tag), page, re.S)
            self.assertEqual(len(body), 1)
            digest = base64.b64encode(hashlib.sha256(body[0].encode()).digest()).decode()
            self.assertIn("%s-src 'sha256-%s'" % (tag, digest), csp)
        # No external assets: nothing loaded from another origin.
        self.assertIsNone(re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", page))
        self.assertNotIn("/*QEF_TABLE*/", page)  # the Table 13 thresholds went in
        self.assertEqual(http(self.d.url + "/console/")[0], 200)

    def test_symbols_shape_and_bounds(self):
        for n in (1, 100, 4096):
            code, j, _ = get_json(self.d.url + "/symbols?n=%d" % n)
            self.assertEqual(code, 200, j)
            self.assertLessEqual(j["count"], n)
            self.assertEqual(j["capacity"], 4096)
            symbols = [s for g in j["groups"] for s in g["symbols"]]
            self.assertEqual(len(symbols), j["count"])
            for g in j["groups"]:
                self.assertEqual(g["modcod"], "QPSK 1/2")
                self.assertEqual(g["modcod_number"], 4)
                self.assertEqual(len(g["points"]), 4)
                self.assertEqual(len(g["rings"]), 1)
            if n >= 100:
                # After carrier recovery, unit symbol energy: mean |s|^2 near 1 at 12 dB.
                self.assertEqual(j["count"], n)
                power = sum(i * i + q * q for i, q in symbols) / len(symbols)
                self.assertGreater(power, 0.7)
                self.assertLess(power, 1.5)
                # Locked: the symbols sit in the four QPSK quadrants near 45 degrees.
                off = [abs((math.degrees(math.atan2(q, i)) % 90) - 45) for i, q in symbols]
                self.assertLess(sum(off) / len(off), 15)
        code, j, _ = get_json(self.d.url + "/symbols")
        self.assertEqual(code, 200)
        self.assertLessEqual(j["count"], 1024)

    def test_symbols_bad_n(self):
        for q in ("n=0", "n=4097", "n=abc", "n=-1", "n=1e3", "n=", "n=99999999999"):
            code, j, _ = get_json(self.d.url + "/symbols?" + q)
            self.assertEqual(code, 400, q)
            self.assertIn("1..4096", j["error"])

    def test_spectrum(self):
        j = wait_for(lambda: (lambda r: r[1] if r[0] == 200 and r[1]["psd_db"] else None)(
            get_json(self.d.url + "/spectrum")), "a spectrum")
        self.assertEqual(j["bins"], 1024)
        self.assertEqual(len(j["psd_db"]), 1024)
        self.assertAlmostEqual(j["f_step_hz"] * j["bins"], 4.0e5)
        self.assertAlmostEqual(j["f_start_hz"], -2.0e5)
        self.assertAlmostEqual(j["occupied_bw_hz"], 2.0e5 * 1.2)
        # The carrier is inside Rs(1 + roll-off); outside it there is only the channel's
        # noise, Es/N0 = 12 dB below the signal's spectral density.
        freqs = [j["f_start_hz"] + k * j["f_step_hz"] for k in range(1024)]
        inside = [p for f, p in zip(freqs, j["psd_db"]) if abs(f) < 0.4 * 2.0e5]
        outside = [p for f, p in zip(freqs, j["psd_db"]) if abs(f) > 0.7 * 2.0e5]
        self.assertGreater(sum(inside) / len(inside), sum(outside) / len(outside) + 6)
        # Bins add up to the input's mean power (the receiver measures it separately).
        total_db = 10 * math.log10(sum(10 ** (p / 10) for p in j["psd_db"]))
        power_db = self.d.get("/status")["rx"]["power_db"]
        self.assertLess(abs(total_db - power_db), 1.5)
        # Averaged over successive blocks, one per request.
        later = get_json(self.d.url + "/spectrum")[1]
        self.assertGreaterEqual(later["blocks"], j["blocks"])

    def test_endpoints_listed(self):
        code, j, _ = get_json(self.d.url + "/")
        for e in ("GET /console", "GET /symbols", "GET /spectrum"):
            self.assertIn(e, j["endpoints"])
        self.assertEqual(http(self.d.url + "/symbols", "POST", {})[0], 405)


class HttpToken(unittest.TestCase):
    def test_token_rules(self):
        daemon = start(token_file=True)
        try:
            url = daemon.url
            # The page itself is public (static, no data); everything with data is not.
            code, page, _ = http(url + "/console")
            self.assertEqual(code, 200)
            self.assertNotIn(TOKEN, page)
            for path in ("/symbols?n=10", "/spectrum", "/status"):
                self.assertEqual(http(url + path)[0], 401, path)
                self.assertEqual(http(url + path, token="wrong-token-0123456789")[0], 401, path)
                self.assertEqual(http(url + path, token=TOKEN)[0], 200, path)
            self.assertEqual(http(url + "/console", "POST", {})[0], 401)
            self.assertEqual(http(url + "/console", "POST", {}, token=TOKEN)[0], 405)
            code, body, _ = http(url + "/status", token=TOKEN)
            self.assertEqual(json.loads(body)["control"]["access"], "full")
        finally:
            daemon.kill()

    def test_read_only_token(self):
        daemon = start(token_file=True, read_token=True)
        try:
            url = daemon.url
            for path in ("/symbols?n=10", "/spectrum", "/status", "/metrics"):
                self.assertEqual(http(url + path, token=READ_TOKEN)[0], 200, path)
            code, body, _ = http(url + "/status", token=READ_TOKEN)
            self.assertEqual(json.loads(body)["control"]["access"], "read")
            self.assertNotIn(READ_TOKEN, body)
            code, body, _ = http(url + "/modcod", "POST", {"modcod": "8PSK 3/5"}, token=READ_TOKEN)
            self.assertEqual(code, 403, body)
            self.assertEqual(http(url + "/gain", "POST", {"gain_db": 1}, token=READ_TOKEN)[0], 403)
            self.assertEqual(json.loads(http(url + "/status", token=TOKEN)[1])["modcod"], "QPSK 1/2")
            self.assertEqual(http(url + "/modcod", "POST", {"modcod": "8PSK 3/5"}, token=TOKEN)[0], 200)
        finally:
            daemon.kill()

    def test_read_only_token_config(self):
        d = temp_dir()
        write(os.path.join(d, "read_token"), READ_TOKEN + "\n", 0o600)
        # Without a full token it would mean nothing: refused.
        r = run_config(d, "control: {port: 0, read_token_file: read_token}")
        self.assertEqual(r.returncode, 2)
        self.assertIn("read_token_file", r.stderr)
        write(os.path.join(d, "token"), READ_TOKEN + "\n", 0o600)
        r = run_config(d, "control: {port: 0, token_file: token, read_token_file: read_token}")
        self.assertEqual(r.returncode, 2)
        self.assertIn("must differ", r.stderr)
        self.assertNotIn(READ_TOKEN, r.stderr + r.stdout)
        os.chmod(os.path.join(d, "read_token"), 0o644)
        write(os.path.join(d, "token"), TOKEN + "\n", 0o600)
        r = run_config(d, "control: {port: 0, token_file: token, read_token_file: read_token}")
        self.assertEqual(r.returncode, 2)
        self.assertNotIn(READ_TOKEN, r.stderr + r.stdout)


def run_config(d, control):
    path = write(os.path.join(d, "modemd.yaml"),
                 "modem: {symbol_rate: 1.0e5}\nradio: {backend: loopback, sample_rate: 2.0e5}\n" + control + "\n")
    return subprocess.run([test_modemd_daemon.MODEMD, "-c", path, "--check"], capture_output=True,
                          text=True, timeout=DEADLINE)


# ---------------------------------------------------------------- browser
def browser_missing():
    try:
        import selenium  # noqa: F401
        from selenium import webdriver  # noqa: F401
    except ImportError:
        return "python3-selenium is not installed"
    for exe in ("chromium", "chromedriver"):
        if not shutil.which(exe):
            return exe + " is not installed"
    # chromedriver reaches its own service and the browser's DevTools at "localhost": a
    # system without it (e.g. a bare debootstrap chroot has no /etc/hosts) cannot run them.
    try:
        addrs = {a[4][0] for a in socket.getaddrinfo("localhost", None)}
    except OSError:
        addrs = set()
    if not any(a.startswith("127.") or a == "::1" for a in addrs):
        return "'localhost' does not resolve to a loopback address (no /etc/hosts?)"
    return None


def make_driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1440,1060", "--no-first-run", "--disable-extensions",
              "--disable-background-networking", "--disable-component-update"):
        opts.add_argument(a)
    # The sanitizer build preloads its runtimes into this (uninstrumented) Python; the
    # browser and its driver are not ours and do not start with them.
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    return webdriver.Chrome(service=Service(shutil.which("chromedriver"), env=env), options=opts)


# Pixels of the canvas within 40 of an RGB colour (anti-aliasing blends the edges).
COUNT_COLOUR = """
const c = document.getElementById(arguments[0]);
const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
const [r, g, b] = arguments[1];
let n = 0;
for (let i = 0; i < d.length; i += 4)
  if (Math.abs(d[i] - r) < 40 && Math.abs(d[i + 1] - g) < 40 && Math.abs(d[i + 2] - b) < 40) n++;
return n;
"""
RING0 = [0x4f, 0xc3, 0xf7]    # constellation points on the (QPSK) ring / inner ring
RING1 = [0xff, 0xb7, 0x4d]    # on an APSK's second ring
TRACE = [0xff, 0xd5, 0x4f]    # the spectrum's PSD trace


class Browser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.driver = make_driver()
        cls.driver.set_page_load_timeout(DEADLINE)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()

    def text(self, element_id):
        # Through the page's JS: the link table is rebuilt on every update, so an element
        # handle could go stale between finding and reading it.
        return self.driver.execute_script(
            "const e = document.getElementById(arguments[0]); return e ? e.textContent : '';",
            element_id)

    def wait_text(self, element_id, expected, timeout=DEADLINE):
        return wait_for(lambda: self.text(element_id) == expected,
                        "#%s to read %r (it reads %r)" % (element_id, expected, self.text(element_id)),
                        timeout)

    def browser_errors(self):
        try:
            return [e for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]
        except Exception:  # not every driver offers its log
            return []

    def pixels(self, canvas, colour):
        return self.driver.execute_script(COUNT_COLOUR, canvas, colour)

    def test_live_page_and_modcod_change(self):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select
        daemon = start()
        try:
            self.browser_errors()  # forget what an earlier test left in the log
            self.driver.get(daemon.url + "/console")
            self.wait_text("link-lock", "yes")
            self.wait_text("link-modcod-tx", "QPSK 1/2")
            self.wait_text("link-modcod-rx", "QPSK 1/2")
            wait_for(lambda: self.pixels("constellation", RING0) > 200, "constellation points drawn")
            wait_for(lambda: self.pixels("spectrum", TRACE) > 300, "spectrum trace drawn")
            # Change the MODCOD from the page; the daemon takes it, the page shows it.
            Select(self.driver.find_element(By.ID, "modcod-select")).select_by_visible_text("16APSK 2/3")
            self.driver.find_element(By.ID, "modcod-apply").click()
            wait_for(lambda: self.text("control-result").startswith("MODCOD: 200"), "the MODCOD answer")
            self.assertEqual(daemon.get("/status")["tx"]["modcod"], "16APSK 2/3")
            self.wait_text("link-modcod-tx", "16APSK 2/3")
            self.wait_text("link-modcod-rx", "16APSK 2/3")
            # APSK: the symbols of the outer ring in the second ring's colour.
            wait_for(lambda: self.pixels("constellation", RING1) > 200, "16APSK outer ring drawn")
            shot = os.environ.get("CONSOLE_SCREENSHOT")
            if shot:
                self.driver.set_window_size(1440, 1240)  # the whole page
                time.sleep(float(os.environ.get("CONSOLE_SCREENSHOT_DELAY", "3")))
                self.driver.save_screenshot(shot)
                self.driver.set_window_size(1440, 1060)
            # No errors (a CSP violation or a failed request would show here).
            self.assertEqual(self.browser_errors(), [])
            # The read-only view shows the same data without controls.
            self.driver.get(daemon.url + "/console?readonly")
            self.wait_text("link-lock", "yes")
            self.assertFalse(self.driver.find_element(By.ID, "controls").is_displayed())
        finally:
            daemon.kill()

    def test_controls_need_the_token(self):
        from selenium.webdriver.common.by import By
        daemon = start(token_file=True)
        try:
            self.driver.get(daemon.url + "/console")
            wait_for(lambda: self.driver.find_element(By.ID, "auth-banner").is_displayed(),
                     "the page to ask for the token")
            self.assertFalse(self.driver.find_element(By.ID, "modcod-apply").is_enabled())
            self.assertEqual(self.text("link-lock"), "")  # no data without the token
            # Even a request made from the page without the token is refused.
            status = self.driver.execute_async_script(
                "const done = arguments[0];"
                "fetch('/modcod', {method: 'POST', body: JSON.stringify({modcod: '8PSK 3/5'})})"
                ".then(r => done(r.status), e => done(String(e)));")
            self.assertEqual(status, 401)
            # A wrong token: still refused.
            box = self.driver.find_element(By.ID, "token-input")
            box.send_keys("wrong-token-0123456789")
            self.driver.find_element(By.ID, "token-use").click()
            time.sleep(1.5)
            self.assertTrue(self.driver.find_element(By.ID, "auth-banner").is_displayed())
            # The right one: data and controls.
            box.send_keys(TOKEN)
            self.driver.find_element(By.ID, "token-use").click()
            self.wait_text("link-lock", "yes")
            wait_for(lambda: self.driver.find_element(By.ID, "modcod-apply").is_enabled(), "controls enabled")
            self.assertFalse(self.driver.find_element(By.ID, "auth-banner").is_displayed())
            self.assertNotIn(TOKEN, self.driver.page_source)
            self.assertEqual(daemon.get("/status", token=TOKEN)["modcod"], "QPSK 1/2")  # nothing changed
        finally:
            daemon.kill()

    def test_later_sections_shown_without_key_material(self):
        # What a daemon with ACM or the protected profile adds to /status is shown
        # generically; anything named like key material is left out even if it came.
        daemon = start()
        try:
            self.driver.get(daemon.url + "/console")
            self.wait_text("link-lock", "yes")
            text = self.driver.execute_script("""
              const s = JSON.parse(JSON.stringify(last));
              s.acm = {mode: 'acm', decision: 'up to 8PSK 3/5', threshold_db: 6.1};
              s.protected = {key_epoch: 7, frames_dropped_auth: 3, key: 'K3YM4T3R1AL',
                             session_key: 'K3YM4T3R1AL', secret_salt: 'K3YM4T3R1AL'};
              renderExtra(s);
              return document.getElementById('extra-section').textContent;""")
            for shown in ("acm.decision", "up to 8PSK 3/5", "protected.key_epoch", "7",
                          "protected.frames_dropped_auth"):
                self.assertIn(shown, text)
            self.assertNotIn("K3YM4T3R1AL", text)
            # The Es/N0 timeline takes the far end's report and the ACM threshold from it.
            point = self.driver.execute_script("""
              const s = JSON.parse(JSON.stringify(last));
              s.acm = {reported_esn0_db: 9.5, up_threshold_db: 6.1};
              record(s);
              return history[history.length - 1];""")
            self.assertEqual(point["reported"], 9.5)
            self.assertEqual(point["qef"], 6.1)
        finally:
            daemon.kill()

    def test_read_only_token_shows_data_without_controls(self):
        from selenium.webdriver.common.by import By
        daemon = start(token_file=True, read_token=True)
        try:
            self.driver.get(daemon.url + "/console")
            self.driver.execute_script("sessionStorage.clear();")
            self.driver.find_element(By.ID, "token-input").send_keys(READ_TOKEN)
            self.driver.find_element(By.ID, "token-use").click()
            self.wait_text("link-lock", "yes")
            self.wait_text("mode", "read-only token")
            self.assertFalse(self.driver.find_element(By.ID, "modcod-apply").is_enabled())
            status = self.driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "fetch('/modcod', {method: 'POST', headers: {Authorization: 'Bearer ' + arguments[0]},"
                " body: JSON.stringify({modcod: '8PSK 3/5'})}).then(r => done(r.status), e => done(String(e)));",
                READ_TOKEN)
            self.assertEqual(status, 403)
            self.driver.execute_script("sessionStorage.clear();")
        finally:
            daemon.kill()

    def test_acm_settings_from_the_page(self):
        # An acm-mode daemon (its own receiver reports to its own controller over UDP): the
        # page shows the ACM form filled from the settings in force, disabled for the read
        # token, and a margin set from it reaches the controller.
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select
        d = temp_dir()
        write(os.path.join(d, "token"), TOKEN + "\n", 0o600)
        write(os.path.join(d, "read_token"), READ_TOKEN + "\n", 0o600)
        port = test_modemd_daemon.free_port()
        daemon = Daemon("""
modem: {stream: gse, symbol_rate: 1.0e5}
radio: {backend: loopback, sample_rate: 2.0e5}
channel: {esn0_db: 9.0, seed: 5}
control: {bind: 127.0.0.1, port: 0, token_file: token, read_token_file: read_token}
acm: {mode: acm, link_id: 9, min_modcod: QPSK 1/2, max_modcod: 8PSK 2/3, frame: short,
      margin_db: 1.0, feedback: {kind: udp, listen: "127.0.0.1:%(port)d", send_to: "127.0.0.1:%(port)d"}}
""" % {"port": port}, dirname=d)
        try:
            daemon.start_control()
            self.browser_errors()
            self.driver.get(daemon.url + "/console")
            self.driver.execute_script("sessionStorage.clear();")
            self.driver.find_element(By.ID, "token-input").send_keys(READ_TOKEN)
            self.driver.find_element(By.ID, "token-use").click()
            self.wait_text("mode", "read-only token")
            wait_for(lambda: self.driver.find_element(By.ID, "acm-controls").is_displayed(), "the ACM form")
            margin = self.driver.find_element(By.ID, "acm-margin")
            wait_for(lambda: margin.get_attribute("value") == "1", "the margin in force filled in")
            self.assertEqual(Select(self.driver.find_element(By.ID, "acm-min")).first_selected_option.text,
                             "QPSK 1/2")
            self.assertEqual(Select(self.driver.find_element(By.ID, "acm-max")).first_selected_option.text,
                             "8PSK 2/3")
            self.assertFalse(self.driver.find_element(By.ID, "acm-apply").is_enabled())
            status = self.driver.execute_async_script(
                "const done = arguments[arguments.length - 1];"
                "fetch('/acm', {method: 'POST', headers: {Authorization: 'Bearer ' + arguments[0]},"
                " body: JSON.stringify({margin_db: 4})}).then(r => done(r.status), e => done(String(e)));",
                READ_TOKEN)
            self.assertEqual(status, 403)
            self.browser_errors()  # the browser logs the refused request: forget it
            # The full token: the form is enabled; a new margin goes to the daemon.
            self.driver.find_element(By.ID, "token-input").send_keys(TOKEN)
            self.driver.find_element(By.ID, "token-use").click()
            apply = self.driver.find_element(By.ID, "acm-apply")
            wait_for(apply.is_enabled, "the ACM form enabled")
            margin.clear()
            margin.send_keys("2.5")
            apply.click()
            wait_for(lambda: self.text("control-result").startswith("ACM: 200"),
                     "the ACM answer (%r)" % self.text("control-result"))
            s = daemon.get("/status", token=TOKEN)["acm"]
            self.assertEqual(s["settings"]["margin_db"], 2.5)
            self.assertEqual(s["settings"]["min_modcod"], "QPSK 1/2")  # the rest as it was
            wait_for(lambda: daemon.get("/status", token=TOKEN)["acm"]["controller"]["margin_db"] >= 2.0,
                     "the controller's margin in force")
            wait_for(lambda: margin.get_attribute("value") == "2.5", "the form showing the margin in force")
            self.assertEqual(self.browser_errors(), [])  # no CSP violation, no failed request
            # A value out of range: the daemon's message shown, nothing changed.
            margin.clear()
            margin.send_keys("40")
            apply.click()
            wait_for(lambda: "acm.margin_db" in self.text("control-result"), "the refusal shown")
            self.assertEqual(daemon.get("/status", token=TOKEN)["acm"]["settings"]["margin_db"], 2.5)
            self.driver.execute_script("sessionStorage.clear();")
        finally:
            daemon.kill()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("Browser"):
        reason = browser_missing()
        if reason:
            print("skipped: " + reason)
            sys.exit(SKIP)
    unittest.main()
