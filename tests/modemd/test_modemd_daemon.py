#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Process-level tests of dualsat-modemd and dualsat-ctl.

Every daemon binds 127.0.0.1 (or 0.0.0.0 for the token test) on ephemeral ports, runs for
a bounded time and is killed if a test fails. Nothing here contacts a non-local address:
the UHD test restricts device discovery to USB (args type=b200).

  MODEMD=/path/dualsat-modemd DUALSAT_CTL=/path/dualsat-ctl test_modemd_daemon.py [Class]
"""
import atexit
import json
import os
import queue
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import modemd_traffic  # noqa: E402  (numbered packets, byte-exact and order check)

MODEMD = os.environ.get("MODEMD", "dualsat-modemd")
CTL = os.environ.get("DUALSAT_CTL", "dualsat-ctl")
TOKEN = "s3cr3t-token-0123456789abcdef"
DEADLINE = 20.0  # seconds any single wait may take


_TEMP_DIRS = []


def temp_dir():
    d = tempfile.mkdtemp(prefix="modemd-test-")
    _TEMP_DIRS.append(d)
    return d


atexit.register(lambda: [shutil.rmtree(d, ignore_errors=True) for d in _TEMP_DIRS])


def write(path, text, mode=0o600):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http(url, method="GET", body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def wait_for(predicate, what, timeout=DEADLINE):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = predicate()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


PROM_SAMPLE = re.compile(
    r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"'
    r'(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*)\})? '
    r'(-?[0-9.]+(e[+-]?[0-9]+)?|NaN|[+-]Inf)$')


def parse_prometheus(text):
    """Prometheus text format 0.0.4: returns {name: {"type":..., "samples": [(labels, value)]}}.
    Raises AssertionError on any line that does not follow the format."""
    families, current = {}, None
    assert text.endswith("\n"), "exposition must end with a newline"
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            assert name not in families, "family %s declared twice" % name
            families[name] = {"type": None, "samples": []}
            current = name
        elif line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            assert name == current and typ in ("counter", "gauge"), line
            families[name]["type"] = typ
        else:
            m = PROM_SAMPLE.match(line)
            assert m, "not a sample line: %r" % line
            assert m.group(1) == current, "sample %s outside its family" % m.group(1)
            labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:\\.|[^"\\])*)"', m.group(3) or ""))
            value = float(m.group(7))
            if families[current]["type"] == "counter":
                assert value >= 0, line
            families[current]["samples"].append((labels, value))
    return families


class Daemon:
    """A dualsat-modemd process with its stdout read line by line."""

    def __init__(self, config_text, args=(), dirname=None, config_mode=0o600, preexec=None):
        self.dir = dirname or temp_dir()
        self.config = write(os.path.join(self.dir, "modemd.yaml"), config_text, config_mode)
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        self.stderr_file = open(self.stderr_path, "w")
        self.proc = subprocess.Popen([MODEMD, "-c", self.config] + list(args),
                                     stdout=subprocess.PIPE, stderr=self.stderr_file,
                                     text=True, bufsize=1, preexec_fn=preexec)
        self.lines = queue.Queue()
        self.stdout = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = None

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_line(self, prefix, timeout=DEADLINE):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    break
                continue
            self.stdout.append(line)
            if line.startswith(prefix):
                return line
        raise AssertionError("no line starting %r; stderr:\n%s" % (prefix, self.stderr()))

    def start_control(self):
        self.url = self.wait_line("control: ").split(" ", 1)[1]
        return self.url

    def get(self, path, token=None):
        try:
            code, body, _ = http(self.url + path, token=token)
        except urllib.error.URLError as e:
            raise AssertionError("daemon unreachable (%s), exit status %s; stderr:\n%s"
                                 % (e, self.proc.poll(), self.stderr()))
        assert code == 200, (code, body)
        return json.loads(body) if path == "/status" else body

    def stop(self, sig=signal.SIGTERM, timeout=DEADLINE):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("daemon did not stop within %.0f s" % timeout)
        time.sleep(0.1)
        while not self.lines.empty():
            self.stdout.append(self.lines.get())
        return rc

    def wait_lock(self, timeout=DEADLINE):
        return wait_for(lambda: (lambda s: s if s["lock"] else None)(self.get("/status")),
                        "receiver lock", timeout)

    def address(self, key):
        host, port = self.get("/status")["data"][key].rsplit(":", 1)
        return host, int(port)

    def stderr(self):
        self.stderr_file.flush()
        with open(self.stderr_path) as f:
            return f.read()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.stderr_file.close()


LOOPBACK = """
modem: {modcod: QPSK 1/2, frame: normal, pilots: true, symbol_rate: 2.0e5, rolloff: 0.20}
radio: {backend: loopback, sample_rate: 4.0e5, tx_rms: 0.3}
channel: {esn0_db: 10.0, seed: 7}
data: {ip: {listen: "127.0.0.1:0", forward: "127.0.0.1:%(fwd)d"}, drain_timeout: 2.0}
control: {bind: 127.0.0.1, port: 0}
logging: {level: info}
"""


def udp_receiver(port=0):
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    rx.bind(("127.0.0.1", port))
    return rx


def run(config_text, args=(), timeout=DEADLINE, mode=0o600, dirname=None):
    d = dirname or temp_dir()
    path = write(os.path.join(d, "modemd.yaml"), config_text, mode)
    return subprocess.run([MODEMD, "-c", path] + list(args), capture_output=True, text=True,
                          timeout=timeout)


class ProtectedConfigChecks:
    """--check of configs that use a key file in self.dir: refused with the expected
    words, or the shipped example accepted with its paths moved to self.dir."""

    def check_refused(self, text, *needles):
        r = run(text, ["--check"], dirname=self.dir)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        for n in needles:
            self.assertIn(n, r.stderr)

    def check_example(self, name):
        example = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                               "examples", "modemd", name)
        with open(example) as f:
            text = f.read().replace("/etc/dualsat/link.key", os.path.join(self.dir, "link.key")) \
                           .replace("/var/lib/dualsat/", self.dir + "/")
        r = run(text, ["--check"], dirname=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)


class BadConfig(unittest.TestCase):
    def check(self, text, *expected, rc=2, dirname=None):
        r = run(text, dirname=dirname)
        self.assertEqual(r.returncode, rc, r.stderr)
        for e in expected:
            self.assertIn(e, r.stderr)
        self.assertNotIn(TOKEN, r.stderr + r.stdout)
        return r

    def test_unknown_key(self):
        self.check("modem: {modcod: QPSK 1/2, pilot: true}\n", "modem.pilot", "unknown key",
                   "did you mean 'pilots'")

    def test_wrong_type(self):
        self.check("modem: {symbol_rate: lots}\n", "modem.symbol_rate", "expected a number", "'lots'")
        self.check("radio: {sample_rate: [1, 2]}\n", "radio.sample_rate", "expected a number")

    def test_out_of_range(self):
        self.check("control: {port: 99999}\n", "control.port", "99999", "out of range")
        self.check("modem: {modcod: 32APSK 1/2}\n", "modem.modcod", "32APSK 1/2")

    def test_scheduling_policy(self):
        self.check("modem: {scheduling: fifo}\n", "modem.scheduling", "'fifo'", "batch, normal")

    def test_impossible_sample_rate(self):
        self.check("modem: {symbol_rate: 1.0e6}\nradio: {sample_rate: 1.2e6}\n",
                   "radio.sample_rate", "1200000", "at least 2 x the symbol rate")

    def test_missing_files(self):
        r = subprocess.run([MODEMD, "-c", "/nonexistent/modemd.yaml"], capture_output=True,
                           text=True, timeout=DEADLINE)
        self.assertEqual(r.returncode, 2)
        self.assertIn("/nonexistent/modemd.yaml", r.stderr)
        self.check("radio: {backend: file, direction: rx, sample_rate: 2e6, "
                   "file: {rx_path: /nonexistent/rec.cf32}}\n",
                   "radio.file.rx_path", "/nonexistent/rec.cf32", "does not exist")
        self.check("control: {token_file: /nonexistent/token}\n", "control.token_file",
                   "does not exist")

    def test_world_readable_token_file(self):
        d = temp_dir()
        write(os.path.join(d, "token"), TOKEN + "\n", 0o644)
        self.check("control: {bind: 0.0.0.0, port: 0, token_file: token}\n",
                   "control.token_file", "0644", "chmod 600", dirname=d)

    def test_inline_token_in_readable_config(self):
        r = run("control: {token: %s}\n" % TOKEN, mode=0o644)
        self.assertEqual(r.returncode, 2)
        self.assertIn("control.token", r.stderr)
        self.assertNotIn(TOKEN, r.stderr)

    def test_non_loopback_bind_needs_token(self):
        self.check("control: {bind: 0.0.0.0, port: 0}\n", "control.bind", "0.0.0.0",
                   "not a loopback address", "token")

    def test_duplicates_documents_and_forward_loop(self):
        # Each used to pass --check (the duplicate and the second document were ignored).
        for text, expected in (
                ("modem: {modcod: QPSK 1/2}\nmodem: {modcod: nonsense}\n", "modem: duplicate key"),
                ("modem: {modcod: QPSK 1/2, modcod: 8PSK 3/5}\n", "modem.modcod: duplicate key"),
                ("modem: {modcod: QPSK 1/2}\n---\nmodem: {modcod: nonsense}\n", "2 YAML documents"),
                ("data: {ip: {listen: '127.0.0.1:5999', forward: '127.0.0.1:5999'}}\n",
                 "data.ip.forward: '127.0.0.1:5999' is data.ip.listen")):
            r = run(text, args=["--check"])
            self.assertEqual(r.returncode, 2, text + r.stdout + r.stderr)
            self.assertIn(expected, r.stderr)

    def test_check_only_and_bad_option(self):
        r = run("modem: {modcod: 8PSK 3/5}\n", args=["--check"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("configuration OK", r.stdout)
        r = run("modem: {}\n", args=["--frobnicate"])
        self.assertEqual(r.returncode, 64)
        self.assertIn("--frobnicate", r.stderr)


class ConfigBounds(unittest.TestCase):
    def start(self, path, timeout=5):
        return subprocess.run([MODEMD, "-c", path], capture_output=True, text=True, timeout=timeout)

    def test_not_a_regular_file_or_too_big(self):
        r = self.start("/dev/zero")  # used to read until std::bad_alloc (abort)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("'/dev/zero' is not a regular file (a character device)", r.stderr)
        d = temp_dir()
        fifo = os.path.join(d, "fifo.yaml")
        os.mkfifo(fifo, 0o600)
        r = self.start(fifo)  # used to block forever waiting for a writer
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("a FIFO", r.stderr)
        r = self.start(d)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("is a directory", r.stderr)
        big = write(os.path.join(d, "big.yaml"), "modem: {}\n" + ("#" + "x" * 1000 + "\n") * 1100)
        r = self.start(big)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("more than the limit of 1048576", r.stderr)
        r = subprocess.run([MODEMD, "--check", "-c", big], capture_output=True, text=True, timeout=5)
        self.assertEqual(r.returncode, 2, r.stderr)

    def test_sighup_to_a_link_to_dev_zero_keeps_running(self):
        d = Daemon(LOOPBACK % {"fwd": free_port()})
        self.addCleanup(d.kill)
        d.start_control()
        wait_for(lambda: d.get("/status")["tx"]["frames"] > 0, "frames")
        os.remove(d.config)
        os.symlink("/dev/zero", d.config)
        d.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "reload rejected" in d.stderr(), "rejection")
        self.assertIn("not a regular file", d.stderr())
        self.assertIsNone(d.proc.poll(), d.stderr())
        s = d.get("/status")
        self.assertEqual(s["state"], "running")
        self.assertGreater(s["tx"]["frames"], 0)  # counters kept
        self.assertEqual(d.stop(), 0)
        self.assertRegex("\n".join(d.stdout), r"tx: [1-9]\d* frames")


class Uhd(unittest.TestCase):
    def test_no_device_exits_nonzero_with_a_clear_message(self):
        # type=b200: USB discovery only, no network broadcast.
        r = run("""
modem: {modcod: QPSK 1/2, symbol_rate: 1.0e6}
radio:
  backend: uhd
  direction: tx
  sample_rate: 4.0e6
  uhd: {args: "type=b200", tx: {freq: 1.2e9, gain: 10}}
control: {port: 0}
""", timeout=60)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("no UHD device found", r.stderr)
        self.assertIn("type=b200", r.stderr)


class Loopback(unittest.TestCase):
    def setUp(self):
        self.fwd_sock = udp_receiver()
        self.fwd = self.fwd_sock.getsockname()[1]
        self.d = Daemon(LOOPBACK % {"fwd": self.fwd}, args=["--status-interval", "0.5"])
        self.d.start_control()

    def tearDown(self):
        self.d.kill()
        self.fwd_sock.close()

    def traffic(self, **kw):
        check = modemd_traffic.TrafficCheck(self.d.address("ip_listen"), self.fwd_sock, **kw)
        self.addCleanup(check.close)
        return check

    def test_status_fields(self):
        s = self.d.get("/status")
        for key in ("lock", "modcod", "esn0_db", "freq_offset_hz", "fer", "packets_in",
                    "packets_out", "throughput_bps", "uptime_s", "tx", "rx", "radio", "data"):
            self.assertIn(key, s)
        self.assertEqual(s["state"], "running")
        self.assertEqual(s["modcod"], "QPSK 1/2")
        self.assertEqual(s["tx"]["modcod_number"], 4)  # EN 302 307-1 Table 12
        self.assertTrue(s["tx"]["hitless_modcod"])
        self.assertGreater(s["uptime_s"], 0)
        self.assertTrue(s["data"]["ip_listen"].startswith("127.0.0.1:"))
        self.assertEqual(s["data"]["ip_forward"], "127.0.0.1:%d" % self.fwd)
        # With nothing to send the carrier goes on with dummy PLFRAMEs, and the receiver
        # locks to them. Its estimates are then numbers: Es/N0 near the channel's 10 dB, no
        # carrier offset (the channel adds none), no data frame yet (no MODCOD, no FER).
        s = self.d.wait_lock()
        self.assertTrue(s["rx"]["lock"])
        self.assertAlmostEqual(s["esn0_db"], 10.0, delta=1.0)
        self.assertLess(abs(s["freq_offset_hz"]), 200.0)  # 0.1 % of the symbol rate
        self.assertIsNone(s["rx"]["modcod"])
        self.assertIsNone(s["fer"])
        s2 = wait_for(lambda: (lambda t: t if t["tx"]["frames_idle"] > 5 and t["rx"]["frames_idle"] > 5
                               else None)(self.d.get("/status")), "dummy frames both ways")
        self.assertEqual(s2["tx"]["frames_by_modcod"].get("dummy"), s2["tx"]["frames_idle"])
        self.assertEqual(s2["rx"]["frames_bad"], 0)
        # Every dummy frame reaches the ACM loop's link reporter (rx_cb's frame observer)
        # with a usable Es/N0 estimate.
        wait_for(lambda: self.d.get("/status")["acm"]["reporter"]["frames_observed"]
                 >= s2["rx"]["frames_idle"], "dummy frames observed by the link reporter")
        self.assertEqual(self.d.get("/status")["acm"]["reporter"]["estimates_rejected"], 0)
        # Symbols: whole PLFRAMEs (dummy: 90 + 36 x 90 = 3330 symbols, EN 302 307-1 §5.5.1).
        self.assertEqual(s2["tx"]["symbols"] % 3330, 0)
        # Receiver input power: TX power 0.3^2 plus the channel's noise for Es/N0 10 dB at
        # 2 samples per symbol: N = P * sps / (Es/N0).
        p = 0.09 * (1 + 2 / 10 ** (10 / 10))
        import math
        self.assertAlmostEqual(s2["rx"]["power_db"], 10 * math.log10(p), delta=0.5)
        self.assertEqual(s2["radio"]["channel"]["esn0_db"], 10.0)

    def test_processing_threads_run_under_sched_batch(self):
        # modem.scheduling defaults to batch: the flowgraph's block threads (started after
        # the policy was set) do not preempt the threads that wake them (issue 14).
        self.d.wait_lock()
        policies = {}
        task_dir = "/proc/%d/task" % self.d.proc.pid
        for tid in os.listdir(task_dir):
            try:
                with open(os.path.join(task_dir, tid, "stat")) as f:
                    stat = f.read()
            except OSError:
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            policies[name] = int(stat[stat.rindex(")") + 2:].split()[38])  # field 41: policy
        blocks = {n: p for n, p in policies.items() if n.startswith(("rx_cb", "tx_bc"))}
        self.assertTrue(blocks, policies)
        SCHED_BATCH = 3
        self.assertEqual(set(blocks.values()), {SCHED_BATCH}, policies)

    def test_metrics_parse(self):
        self.d.wait_lock()
        fams = parse_prometheus(self.d.get("/metrics"))
        for name, typ in (("dualsat_up", "gauge"), ("dualsat_tx_frames_total", "counter"),
                          ("dualsat_tx_modcod", "gauge"), ("dualsat_rx_samples_total", "counter"),
                          ("dualsat_tx_packets_dropped_total", "counter"),
                          ("dualsat_rx_lock", "gauge"), ("dualsat_rx_esn0_db", "gauge"),
                          ("dualsat_rx_acquisitions_total", "counter"),
                          ("dualsat_rx_goodput_bits_per_second", "gauge")):
            self.assertIn(name, fams)
            self.assertEqual(fams[name]["type"], typ)
        self.assertEqual(fams["dualsat_up"]["samples"][0][1], 1)
        self.assertEqual(fams["dualsat_tx_modcod"]["samples"][0][1], 4)
        self.assertEqual(fams["dualsat_rx_lock"]["samples"][0][1], 1)
        self.assertEqual({l["reason"] for l, _ in fams["dualsat_tx_packets_dropped_total"]["samples"]},
                         {"queue_full", "malformed", "shutdown"})
        self.assertNotIn("dualsat_rx_modcod", fams)  # no data frame received yet: unknown

    def test_udp_traffic_arrives_intact_and_in_order(self):
        self.d.wait_lock()
        check = self.traffic(window=24)
        check.send_count(300, timeout=DEADLINE)
        check.drain(quiet=2.0)
        r = check.summary()
        self.assertEqual(r["sent"], 300)
        self.assertEqual((r["received"], r["lost"], r["corrupted"], r["out_of_order"], r["duplicates"]),
                         (300, 0, 0, 0, 0), r)
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(tx.close)
        tx.sendto(b"\x12" * 100, self.d.address("ip_listen"))  # not IP: rejected, counted
        tx.sendto(b"hello", self.d.address("ip_listen"))       # version nibble 6, not IPv6
        bad = bytearray(modemd_traffic.make_packet(0, 200))
        bad[3] ^= 1                                             # total length != datagram
        tx.sendto(bytes(bad), self.d.address("ip_listen"))
        s = wait_for(lambda: (lambda t: t if t["tx"]["packets_rejected"] == 3 and t["tx"]["packets_sent"] == 300
                              else None)(self.d.get("/status")), "rejection and confirmation counts")
        self.assertEqual(s["tx"]["packets_in"], 300)
        size = sum(modemd_traffic.packet_size(i) for i in range(300))
        self.assertEqual(s["tx"]["payload_bytes_sent"], size)
        self.assertEqual(s["rx"]["gse_pdus"], 300)
        self.assertEqual(s["packets_out"], 300)
        self.assertEqual(s["rx"]["frames_bad"], 0)
        self.assertEqual(s["rx"]["modcod"], "QPSK 1/2")
        self.assertEqual(s["fer"], 0.0)

    def test_kernel_receive_drops_in_metrics(self):
        fams = parse_prometheus(self.d.get("/metrics"))
        self.assertEqual(fams["dualsat_data_udp_receive_drops_total"]["samples"], [({"socket": "ip_listen"}, 0)])
        # The daemon stopped (SIGSTOP) while far more than its receive buffer arrives: the
        # kernel drops the excess, and the daemon reports how many once it reads again.
        dest = self.d.address("ip_listen")
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(tx.close)
        self.d.proc.send_signal(signal.SIGSTOP)
        try:
            for _ in range(12000):  # 16.8 MB of junk (not IP: rejected once read)
                tx.sendto(b"x" * 1400, dest)
        finally:
            self.d.proc.send_signal(signal.SIGCONT)
        # The count comes with the next datagram queued after the drops (socket(7)).
        wait_for(lambda: self.d.get("/status")["tx"]["packets_rejected"] > 1000, "the backlog read")
        time.sleep(0.5)
        tx.sendto(b"x" * 10, dest)
        s = wait_for(lambda: (lambda t: t if t["data"]["ip_listen_kernel_drops"] > 0 else None)(self.d.get("/status")),
                     "kernel drops to be reported")
        self.assertEqual(s["data"]["datagrams_in"] + s["data"]["ip_listen_kernel_drops"], 12001)
        fams = parse_prometheus(self.d.get("/metrics"))
        self.assertEqual(fams["dualsat_data_udp_receive_drops_total"]["samples"],
                         [({"socket": "ip_listen"}, s["data"]["ip_listen_kernel_drops"])])

    def test_modcod_change_on_air_is_hitless(self):
        self.d.wait_lock()
        check = self.traffic(window=24)
        check.send_count(60, timeout=DEADLINE)
        wait_for(lambda: self.d.get("/status")["rx"]["modcod"] == "QPSK 1/2", "QPSK 1/2 received")
        code, body, _ = http(self.d.url + "/modcod", "POST", {"modcod": "8PSK 3/5"})
        self.assertEqual(code, 200, body)
        r = json.loads(body)
        self.assertEqual(r["modcod"], "8PSK 3/5")
        self.assertEqual(r["modcod_number"], 12)
        self.assertEqual(r["previous"], "QPSK 1/2 normal pilots")
        self.assertTrue(r["hitless"])
        # Traffic goes on across the change; the RECEIVER reports the new MODCOD.
        check.send_count(120, timeout=DEADLINE)
        s = wait_for(lambda: (lambda t: t if t["rx"]["modcod"] == "8PSK 3/5" else None)(self.d.get("/status")),
                     "the receiver to see 8PSK 3/5")
        check.drain(quiet=2.0)
        res = check.summary()
        # Hitless: nothing lost or damaged across the change, no frame failed.
        self.assertEqual((res["received"], res["lost"], res["corrupted"], res["out_of_order"]),
                         (180, 0, 0, 0), res)
        s = self.d.get("/status")
        self.assertEqual(s["rx"]["frames_bad"], 0)
        self.assertGreater(s["rx"]["frames_by_modcod"]["QPSK 1/2"], 0)
        self.assertGreater(s["rx"]["frames_by_modcod"]["8PSK 3/5"], 0)
        self.assertEqual(s["tx"]["modcod_changes"], 1)
        self.assertEqual(s["tx"]["last_data_frame"]["modcod"], "8PSK 3/5")
        # What the transmitter sent of each MODCOD is what the receiver decoded.
        wait_for(lambda: (lambda t: t["rx"]["frames_by_modcod"] == {k: v for k, v in t["tx"]["frames_by_modcod"].items()
                                                                     if k != "dummy"})(self.d.get("/status")),
                 "RX frame counts by MODCOD to equal the TX's")
        fams = parse_prometheus(self.d.get("/metrics"))
        self.assertEqual(fams["dualsat_tx_modcod"]["samples"][0][1], 12)
        self.assertEqual(fams["dualsat_rx_modcod"]["samples"][0][1], 12)
        by = {l["modcod"]: v for l, v in fams["dualsat_rx_modcod_frames_total"]["samples"]}
        self.assertGreater(by["8PSK 3/5"], 0)
        # Short frames, no pilots, and errors for what does not exist.
        code, body, _ = http(self.d.url + "/modcod", "POST",
                             {"modcod": "QPSK 1/4", "frame": "short", "pilots": False})
        self.assertEqual(code, 200, body)
        self.assertEqual(self.d.get("/status")["tx"]["frame"], "short")
        code, body, _ = http(self.d.url + "/modcod", "POST", {"modcod": "QPSK 9/10"})
        self.assertEqual(code, 400)
        self.assertIn("short", json.loads(body)["error"])
        code, body, _ = http(self.d.url + "/modcod", "POST", {"modcod": "64QAM 1/2"})
        self.assertEqual(code, 400)
        # The status line follows.
        line = wait_for(lambda: next((l for l in list(self.d.lines.queue) if "MODCOD QPSK 1/4" in l), None),
                        "status line with the new MODCOD")
        self.assertRegex(line, r"lock yes +MODCOD QPSK 1/4 \(rx [^)]+\) +Es/N0 \d+\.\d dB +goodput .* "
                               r"FER \S+ +pkts in \d+ out \d+")

    def test_gain_and_frequency(self):
        code, body, _ = http(self.d.url + "/gain", "POST", {"gain_db": -3})
        self.assertEqual(code, 200, body)
        self.assertEqual(self.d.get("/status")["radio"]["channel"]["esn0_db"], 7.0)
        code, body, _ = http(self.d.url + "/frequency", "POST", {"freq_hz": 1e9})
        self.assertEqual(code, 409)
        self.assertIn("loopback", json.loads(body)["error"])

    def test_ctl(self):
        env = dict(os.environ, DUALSAT_URL=self.d.url)
        r = subprocess.run([CTL, "status", "--line"], capture_output=True, text=True, env=env, timeout=DEADLINE)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("MODCOD QPSK 1/2", r.stdout)
        r = subprocess.run([CTL, "modcod", "16APSK 3/4"], capture_output=True, text=True, env=env,
                           timeout=DEADLINE)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.d.get("/status")["tx"]["modcod"], "16APSK 3/4")
        r = subprocess.run([CTL, "metrics"], capture_output=True, text=True, env=env, timeout=DEADLINE)
        self.assertEqual(r.returncode, 0, r.stderr)
        parse_prometheus(r.stdout)
        r = subprocess.run([CTL, "modcod", "QPSK 11/12"], capture_output=True, text=True, env=env,
                           timeout=DEADLINE)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("HTTP 400", r.stderr)


def raw_http(port, data, timeout=5.0):
    """Sends raw bytes to 127.0.0.1:port and returns everything the server answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
        out = b""
        try:  # the server may answer and close before it read everything (then: reset)
            c.sendall(data)
            c.shutdown(socket.SHUT_WR)
            while True:
                chunk = c.recv(65536)
                if not chunk:
                    return out
                out += chunk
        except (ConnectionResetError, BrokenPipeError, OSError):
            return out


def thread_cpu_seconds(pid, name):
    """utime + stime of the process's thread called `name` (/proc/PID/task/TID/stat)."""
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
            if f.read().strip() != name:
                continue
        with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    raise AssertionError("no thread %r in process %d" % (name, pid))


QUIET = """
modem: {symbol_rate: 1.0e5}
radio: {backend: loopback, sample_rate: 2.0e5}
control: {port: 0%(control)s}
"""


class HostileHttp(unittest.TestCase):
    def daemon(self, control="", preexec=None):
        d = Daemon(QUIET % {"control": control}, preexec=preexec)
        self.addCleanup(d.kill)
        d.start_control()
        return d, int(d.url.rsplit(":", 1)[1])

    def alive(self, d):
        self.assertIsNone(d.proc.poll(), "daemon died; stderr:\n" + d.stderr())
        self.assertEqual(d.get("/status")["state"], "running")

    def test_invalid_utf8_and_huge_numbers_get_4xx(self):
        d, port = self.daemon()
        # Invalid UTF-8 in the path used to abort the daemon (json type_error.316).
        for target in (b"/\xff", b"/\xc3\x28?a=\xfe", b"/status\xff"):
            out = raw_http(port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertTrue(out.startswith(b"HTTP/1.1 404"), out)
            json.loads(out.split(b"\r\n\r\n", 1)[1])  # the body is valid JSON
            self.alive(d)
        for body, what in ((b'{"freq_hz": 1e400}', b"out of range"),
                           (b'{"modcod": "8PSK \xff 3/5"}', b"UTF-8")):
            path = b"/frequency" if b"freq" in body else b"/modcod"
            out = raw_http(port, b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                           % len(body) + body)
            self.assertTrue(out.startswith(b"HTTP/1.1 400"), out)
            self.assertIn(what, out)
            self.alive(d)
        # Oversized headers: 431, then still alive.
        out = raw_http(port, b"GET /status HTTP/1.1\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        self.assertTrue(out == b"" or out.startswith(b"HTTP/1.1 431"), out[:100])  # or reset
        self.alive(d)
        self.assertEqual(d.stop(), 0)

    def test_idle_connection_flood(self):
        # 300 idle connections against a daemon with 256 descriptors: the old accept loop
        # spun on EMFILE and /status timed out. Now: the session cap (default 64, then the
        # oldest idle one makes room) and, with a cap above the descriptors, EMFILE backs
        # off. /status answers within a second, the HTTP thread does not spin.
        import resource

        def low_fd_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

        for control in ("", ", max_connections: 4096"):
            d, port = self.daemon(control, preexec=low_fd_limit)
            idle = []
            try:
                for _ in range(300):
                    idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
                time.sleep(0.5)
                t0 = time.monotonic()
                self.assertEqual(d.get("/status")["state"], "running")
                self.assertLess(time.monotonic() - t0, 1.0, control)
                cpu0 = thread_cpu_seconds(d.proc.pid, "modemd-http")
                time.sleep(2.0)
                cpu = thread_cpu_seconds(d.proc.pid, "modemd-http") - cpu0
                self.assertLess(cpu, 0.2, "HTTP thread used %.2f s of CPU in 2 s (%s)" % (cpu, control))
                t0 = time.monotonic()
                self.assertEqual(d.get("/status")["state"], "running")
                self.assertLess(time.monotonic() - t0, 1.0, control)
            finally:
                for c in idle:
                    c.close()
            self.assertEqual(d.stop(), 0)

    def test_silent_connection_closed_after_header_timeout(self):
        d, port = self.daemon()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
            t0 = time.monotonic()
            self.assertEqual(c.recv(100), b"")  # closed by the daemon
            self.assertLess(time.monotonic() - t0, 8.0)
        self.alive(d)

    def test_token_checked_before_the_body(self):
        dd = temp_dir()
        write(os.path.join(dd, "token"), TOKEN + "\n", 0o600)
        d = Daemon(QUIET % {"control": ", token_file: token"}, dirname=dd)
        self.addCleanup(d.kill)
        port = int(d.start_control().rsplit(":", 1)[1])
        # Headers announce a 60 KB body that never comes: without the token the answer is
        # 401 at once, not after the body (or the 10 s timeout).
        with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
            t0 = time.monotonic()
            c.sendall(b"POST /modcod HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n")
            self.assertTrue(c.recv(100).startswith(b"HTTP/1.1 401"))
            self.assertLess(time.monotonic() - t0, 2.0)
        self.assertEqual(d.stop(), 0)


class TsInput(unittest.TestCase):
    def test_ts_over_udp_arrives_intact(self):
        fwd = udp_receiver()
        self.addCleanup(fwd.close)
        d = Daemon("""
modem: {stream: ts, modcod: QPSK 2/3, frame: short, symbol_rate: 2.0e5}
radio: {backend: loopback, sample_rate: 4.0e5}
channel: {esn0_db: 12.0}
data: {ts: {listen: "127.0.0.1:0", forward: "127.0.0.1:%d"}}
control: {port: 0}
""" % fwd.getsockname()[1])
        try:
            d.start_control()
            s = d.get("/status")
            self.assertIsNone(s["data"]["ip_listen"])
            # Idle: null packets keep the carrier up (TS stuffing); the receiver locks on
            # them and they are not forwarded.
            d.wait_lock()
            s = wait_for(lambda: (lambda t: t if t["data"]["ts_null_packets_dropped"] > 0 else None)(d.get("/status")),
                         "null packets")
            self.assertEqual(s["packets_out"], 0)
            tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.addCleanup(tx.close)
            dest = d.address("ts_listen")
            sent = []
            for i in range(50):  # the 7 x 188 convention, continuity counters counting
                dgram = b"".join(bytes([0x47, 0x01, 0x00, 0x10 | (k % 16)]) + bytes([i, k % 256]) * 92
                                 for k in range(7 * i, 7 * i + 7))
                sent.append(dgram)
                tx.sendto(dgram, dest)
                time.sleep(0.005)
            tx.sendto(sent[0][:3 * 188] + b"\x00" * 10, dest)  # not whole packets
            tx.sendto(bytes(188), dest)                        # no sync byte
            got = b""
            fwd.settimeout(DEADLINE)
            while len(got) < 350 * 188:
                got += fwd.recv(65536)
            self.assertEqual(got, b"".join(sent))  # every packet, byte for byte, in order
            s = wait_for(lambda: (lambda t: t if t["tx"]["packets_sent"] >= 350 else None)(d.get("/status")),
                         "TS packets to be confirmed")
            self.assertEqual(s["tx"]["packets_in"], 350)
            self.assertEqual(s["tx"]["payload_bytes_sent"], 350 * 188)
            self.assertEqual(s["rx"]["crc_errors"], 0)
            wait_for(lambda: d.get("/status")["tx"]["packets_rejected"] == 3 + 1, "rejections")
            self.assertEqual(d.stop(), 0)
        finally:
            d.kill()


class Auth(unittest.TestCase):
    def test_token_required_on_any_address(self):
        d = temp_dir()
        token_file = write(os.path.join(d, "token"), TOKEN + "\n", 0o600)
        daemon = Daemon("""
modem: {symbol_rate: 1.0e5}
radio: {backend: loopback, sample_rate: 2.0e5}
control: {bind: 0.0.0.0, port: 0, token_file: token}
""", dirname=d)
        try:
            url = daemon.start_control()
            port = int(url.rsplit(":", 1)[1])
            local = "http://127.0.0.1:%d" % port   # reach the 0.0.0.0 bind locally only
            code, body, headers = http(local + "/status")
            self.assertEqual(code, 401)
            self.assertIn("Bearer", headers.get("WWW-Authenticate", ""))
            self.assertNotIn(TOKEN, body)
            self.assertEqual(http(local + "/status", token="wrong-token-0123456789")[0], 401)
            self.assertEqual(http(local + "/modcod", "POST", {"modcod": "8PSK 3/5"})[0], 401)
            code, body, _ = http(local + "/status", token=TOKEN)
            self.assertEqual(code, 200)
            self.assertEqual(json.loads(body)["modcod"], "QPSK 1/2")  # the refused POST did nothing
            self.assertEqual(json.loads(body)["control"]["unauthorized"], 3)
            r = subprocess.run([CTL, "--url", local, "--token-file", token_file, "status", "--line"],
                               capture_output=True, text=True, timeout=DEADLINE)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(daemon.stop(), 0)
            self.assertNotIn(TOKEN, daemon.stderr() + "\n".join(daemon.stdout))
        finally:
            daemon.kill()


class Signals(unittest.TestCase):
    def _daemon(self, extra=""):
        return Daemon(LOOPBACK % {"fwd": free_port()} + extra)

    def test_sigterm_exits_zero_with_counters(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            d = self._daemon()
            try:
                d.start_control()
                wait_for(lambda: d.get("/status")["tx"]["frames"] > 0, "frames")
                self.assertEqual(d.stop(sig), 0)
                out = "\n".join(d.stdout)
                self.assertIn("summary (%s)" % ("SIGTERM" if sig == signal.SIGTERM else "SIGINT"), out)
                self.assertRegex(out, r"tx: \d+ frames")
                self.assertIn("counters: tx:", d.stderr())
            finally:
                d.kill()

    def test_queued_packets_flushed_or_counted(self):
        # A slow modem (QPSK 1/4, 1e5 sym/s: ~4.5 kB/s) and a burst far larger than what
        # drains in the 0.2 s drain time: every packet is either sent or counted.
        d = Daemon("""
modem: {modcod: QPSK 1/4, symbol_rate: 1.0e5}
radio: {backend: loopback, sample_rate: 2.0e5}
data: {ip: {listen: "127.0.0.1:0"}, drain_timeout: 0.2}
control: {port: 0}
""")
        try:
            d.start_control()
            host, port = d.get("/status")["data"]["ip_listen"].rsplit(":", 1)
            tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.addCleanup(tx.close)
            for i in range(300):
                tx.sendto(modemd_traffic.make_packet(i, 1000), (host, int(port)))
            s = wait_for(lambda: (lambda t: t if t["tx"]["packets_in"] == 300 else None)(d.get("/status")),
                         "packets queued")
            self.assertEqual(d.stop(), 0)
            out = "\n".join(d.stdout)
            m = re.search(r"packets in (\d+), sent (\d+), dropped: queue full (\d+), malformed (\d+), "
                          r"at shutdown (\d+)", out)
            self.assertIsNotNone(m, out)
            pin, sent, full, bad, shut = map(int, m.groups())
            self.assertEqual(pin, 300)
            self.assertGreater(shut, 0)
            # A fragment in progress counts as not sent: sent + dropped covers all, at most
            # one packet is both partly sent and counted at shutdown.
            self.assertIn(sent + shut, (pin, pin + 1))
            self.assertIn("counted as dropped", d.stderr())
        finally:
            d.kill()

    def test_sighup_reloads_modcod(self):
        d = self._daemon()
        try:
            d.start_control()
            with open(d.config) as f:
                text = f.read()
            write(d.config, text.replace("modcod: QPSK 1/2", "modcod: 8PSK 2/3")
                               .replace("esn0_db: 10.0", "esn0_db: 11.0"))
            d.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: d.get("/status")["tx"]["modcod"] == "8PSK 2/3", "reloaded MODCOD")
            wait_for(lambda: "needs a restart to take effect: channel" in d.stderr(), "restart note")
            # A broken config on SIGHUP is rejected; the daemon keeps running.
            write(d.config, "modem: {modcod: nonsense}\n")
            d.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: "reload rejected" in d.stderr(), "rejection")
            self.assertEqual(d.get("/status")["tx"]["modcod"], "8PSK 2/3")
            self.assertEqual(d.stop(), 0)
        finally:
            d.kill()

    def test_sighup_with_unchanged_file_keeps_api_modcod(self):
        d = self._daemon()
        try:
            d.start_control()
            code, body, _ = http(d.url + "/modcod", "POST", {"modcod": "8PSK 3/5"})
            self.assertEqual(code, 200, body)
            d.proc.send_signal(signal.SIGHUP)  # the file still says QPSK 1/2
            wait_for(lambda: "reload: " in d.stderr(), "the reload")
            self.assertIn("reload: nothing changed", d.stderr())
            self.assertEqual(d.get("/status")["tx"]["modcod"], "8PSK 3/5")
            # A change in the file does apply.
            with open(d.config) as f:
                text = f.read()
            write(d.config, text.replace("modcod: QPSK 1/2", "modcod: 16APSK 3/4"))
            d.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: d.get("/status")["tx"]["modcod"] == "16APSK 3/4", "reloaded MODCOD")
            self.assertEqual(d.stop(), 0)
        finally:
            d.kill()

    def test_duration(self):
        r = run(LOOPBACK % {"fwd": free_port()}, args=["--duration", "1", "--status-interval", "0.3"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("summary (--duration elapsed)", r.stdout)
        self.assertGreaterEqual(len([l for l in r.stdout.splitlines() if "MODCOD QPSK 1/2" in l]), 2)


class FileBackend(unittest.TestCase):
    def test_record_then_replay(self):
        d = temp_dir()
        common = "modem: {modcod: QPSK 1/2, symbol_rate: 1.0e5}\n"
        r = run(common + """
radio: {backend: file, direction: tx, sample_rate: 2.5e5, file: {tx_path: rec.sigmf-data}}
control: {port: 0}
""", args=["--duration", "1"], dirname=d)
        self.assertEqual(r.returncode, 0, r.stderr)
        data = os.path.join(d, "rec.sigmf-data")
        size = os.path.getsize(data)
        self.assertGreater(size, 0)
        self.assertEqual(size % 8, 0)
        with open(os.path.join(d, "rec.sigmf-meta")) as f:
            meta = json.load(f)
        self.assertEqual(meta["global"]["core:datatype"], "cf32_le")
        self.assertEqual(meta["global"]["core:sample_rate"], 2.5e5)
        self.assertEqual(meta["annotations"][0]["core:sample_count"], size // 8)
        # The samples are the RRC-shaped PLFRAMEs at RMS 0.3 (default tx_rms).
        import array
        samples = array.array("f")
        with open(data, "rb") as f:
            samples.frombytes(f.read(8 * 20000))
        power = sum(x * x for x in samples) / (len(samples) / 2)
        self.assertAlmostEqual(power, 0.09, delta=0.01)

        r = run(common + """
radio: {backend: file, direction: rx, sample_rate: 2.5e5, file: {rx_path: rec.sigmf-data, throttle: false}}
control: {enabled: false}
""", dirname=d)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("end of input", r.stdout)
        self.assertIn("%d samples" % (size // 8), r.stdout)
        # The recording is a carrier of dummy PLFRAMEs (nothing was sent): the receiver
        # locks to it and counts them.
        m = re.search(r"lock (\w+) \((\d+) acquisitions.*frames ok (\d+) bad (\d+) idle (\d+)", r.stdout)
        self.assertIsNotNone(m, r.stdout)
        self.assertEqual(m.group(1), "yes")
        self.assertEqual(int(m.group(4)), 0)
        self.assertGreater(int(m.group(5)), 10)

        # A replay at another sample rate is refused, naming both rates.
        r = run("modem: {symbol_rate: 1.0e5}\nradio: {backend: file, direction: rx, sample_rate: 5e5, "
                "file: {rx_path: rec.sigmf-data}}\ncontrol: {enabled: false}\n", dirname=d)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("core:sample_rate is 250000", r.stderr)
        os.remove(os.path.join(d, "rec.sigmf-meta"))
        r = run(common + "radio: {backend: file, direction: rx, sample_rate: 2.5e5, "
                "file: {rx_path: rec.sigmf-data}}\ncontrol: {enabled: false}\n", dirname=d)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("rec.sigmf-meta", r.stderr)


class Zmq(unittest.TestCase):
    def test_two_daemons_carry_udp_traffic(self):
        port = free_port()
        fwd = udp_receiver()
        self.addCleanup(fwd.close)
        common = "modem: {modcod: QPSK 3/4, frame: short, symbol_rate: 1.0e5}\n"
        tx = Daemon(common + """
radio: {backend: zmq, direction: tx, sample_rate: 2.0e5, zmq: {tx_address: "tcp://127.0.0.1:%d"}}
data: {ip: {listen: "127.0.0.1:0"}}
control: {port: 0}
""" % port)
        rx = None
        try:
            tx.start_control()
            rx = Daemon(common + """
radio: {backend: zmq, direction: rx, sample_rate: 2.0e5, zmq: {rx_address: "tcp://127.0.0.1:%d"}}
data: {ip: {forward: "127.0.0.1:%d"}}
control: {port: 0}
""" % (port, fwd.getsockname()[1]))
            rx.start_control()
            s = rx.wait_lock()
            self.assertIsNone(s["tx"])
            self.assertAlmostEqual(s["rx"]["power_db"], -10.46, delta=0.5)  # 0.3^2, no noise
            self.assertGreater(s["esn0_db"], 20)  # a noiseless link
            check = modemd_traffic.TrafficCheck(tx.address("ip_listen"), fwd, window=16)
            self.addCleanup(check.close)
            check.send_count(150, timeout=DEADLINE)
            check.drain(quiet=2.0)
            r = check.summary()
            self.assertEqual((r["sent"], r["received"], r["lost"], r["corrupted"], r["out_of_order"]),
                             (150, 150, 0, 0, 0), r)
            s = rx.get("/status")
            self.assertEqual(s["modcod"], "QPSK 3/4")  # an RX-only daemon reports what it receives
            self.assertEqual(s["rx"]["frame"], "short")
            self.assertEqual(s["packets_out"], 150)
            self.assertEqual(rx.stop(), 0)
            self.assertEqual(tx.stop(), 0)
        finally:
            tx.kill()
            if rx:
                rx.kill()

def rt_state(d, *states):
    """The /status realtime section once its verdict is one of `states`, else None."""
    rt = d.get("/status")["realtime"]
    return rt if rt["state"] in states else None


class Realtime(unittest.TestCase):
    """/status realtime and its metrics: whether the chain keeps up with real time."""

    def check_consistent(self, d, before, after):
        """Fields present, counters monotonic, CPU by stage within the process's CPU."""
        for rt in (before, after):
            for key in ("state", "reason", "since_s", "window_s", "episodes", "queues", "cpu"):
                self.assertIn(key, rt)
            cpu = rt["cpu"]
            staged = sum(st["cpu_s"] for st in cpu["stages"])
            self.assertLessEqual(staged, cpu["process_s"] + 1e-6, cpu)
            self.assertGreaterEqual(cpu["other_s"], 0)
            for q in rt["queues"]["gnuradio"]:
                self.assertGreaterEqual(q["fill"], 0)
                self.assertLessEqual(q["fill"], 1)
        self.assertGreaterEqual(after["episodes"], before["episodes"])
        self.assertGreaterEqual(after["cpu"]["process_s"], before["cpu"]["process_s"])
        cpu_before = {st["stage"]: st["cpu_s"] for st in before["cpu"]["stages"]}
        for st in after["cpu"]["stages"]:
            self.assertGreaterEqual(st["cpu_s"], cpu_before.get(st["stage"], 0), st)
        for direction in ("rx", "tx"):
            if after[direction] is not None:
                self.assertGreaterEqual(after[direction]["samples"], before[direction]["samples"])
        # The metrics say the same: one verdict set, counters that only grow.
        m1 = parse_prometheus(d.get("/metrics"))
        time.sleep(1.2)
        m2 = parse_prometheus(d.get("/metrics"))
        states = dict((lb["state"], v) for lb, v in m2["dualsat_realtime_state"]["samples"])
        self.assertEqual(sorted(states), ["behind", "ok", "overflowing", "starting"])
        self.assertEqual(sum(states.values()), 1)
        for name in ("dualsat_cpu_seconds_total", "dualsat_process_cpu_seconds_total",
                     "dualsat_realtime_episodes_total"):
            self.assertEqual(m2[name]["type"], "counter")
            old = dict((tuple(sorted(lb.items())), v) for lb, v in m1[name]["samples"])
            for lb, v in m2[name]["samples"]:
                self.assertGreaterEqual(v, old.get(tuple(sorted(lb.items())), 0), (name, lb))
        stages = sum(v for lb, v in m2["dualsat_cpu_seconds_total"]["samples"])
        self.assertLessEqual(stages, m2["dualsat_process_cpu_seconds_total"]["samples"][0][1] + 1e-3)
        self.assertIn("dualsat_queue_fill_ratio", m2)
        return m2

    def test_loopback_keeps_up(self):
        fwd = udp_receiver()
        self.addCleanup(fwd.close)
        d = Daemon(LOOPBACK % {"fwd": fwd.getsockname()[1]})
        self.addCleanup(d.kill)
        d.start_control()
        before = wait_for(lambda: rt_state(d, "ok", "behind", "overflowing"), "a real-time verdict")
        for direction in ("rx", "tx"):
            r = before[direction]
            self.assertEqual(r["pacing"], "throttle")
            self.assertGreater(r["ratio"], 0)
            self.assertEqual(r["nominal_samples_per_s"], 4.0e5)
            self.assertIsNone(r.get("overflows", r.get("underflows")))  # no radio that counts them
        # A 200 ksym/s loopback is far within two cores: it reaches real time.
        after = wait_for(lambda: rt_state(d, "ok"), "verdict ok")
        self.assertIn("rx at", after["reason"])
        stages = [st["stage"] for st in after["cpu"]["stages"]]
        for stage in ("tx_bc", "rx_cb", "throttle", "pulse_shaper"):
            self.assertIn(stage, stages)
        blocks = [q["block"] for q in after["queues"]["gnuradio"]]
        self.assertIn("rx_cb", blocks)
        self.assertIn("tx_input", after["queues"])
        m = self.check_consistent(d, before, after)
        ratios = dict((lb["direction"], v) for lb, v in m["dualsat_realtime_ratio"]["samples"])
        self.assertEqual(sorted(ratios), ["rx", "tx"])
        self.assertEqual(d.stop(), 0)
        self.assertTrue(any(l.strip().startswith("realtime: ") for l in d.stdout), d.stdout)

    def test_file_replay_unthrottled(self):
        dd = temp_dir()
        common = "modem: {modcod: QPSK 1/2, symbol_rate: 1.0e5}\n"
        r = run(common + """
radio: {backend: file, direction: tx, sample_rate: 2.5e5, file: {tx_path: rec.sigmf-data}}
control: {enabled: false}
""", args=["--duration", "1"], dirname=dd)
        self.assertEqual(r.returncode, 0, r.stderr)
        d = Daemon(common + """
radio: {backend: file, direction: rx, sample_rate: 2.5e5, file: {rx_path: rec.sigmf-data, throttle: false, repeat: true}}
control: {port: 0}
""", dirname=dd)
        self.addCleanup(d.kill)
        d.start_control()
        before = wait_for(lambda: rt_state(d, "ok", "behind"), "a real-time verdict")
        self.assertIsNone(before["tx"])
        rx = before["rx"]
        self.assertEqual(rx["pacing"], "none")
        self.assertGreater(rx["ratio"], 0)
        # Unpaced, the ratio is what this machine can do, and the reason says so.
        self.assertIn("unpaced", before["reason"])
        self.assertIsNone(rx["overflows"])
        time.sleep(1.0)
        after = d.get("/status")["realtime"]
        self.assertIn("rx_cb", [st["stage"] for st in after["cpu"]["stages"]])
        self.check_consistent(d, before, after)
        self.assertEqual(d.stop(), 0)

    def test_loopback_too_fast_is_behind(self):
        # 200 Msym/s: far beyond what two cores can modulate and demodulate.
        text = LOOPBACK.replace("symbol_rate: 2.0e5", "symbol_rate: 2.0e8") \
                       .replace("sample_rate: 4.0e5", "sample_rate: 4.0e8")
        fwd = udp_receiver()
        self.addCleanup(fwd.close)
        d = Daemon(text % {"fwd": fwd.getsockname()[1]}, args=["--status-interval", "0.5"])
        self.addCleanup(d.kill)
        d.start_control()
        rt = wait_for(lambda: rt_state(d, "behind"), "verdict behind")
        self.assertLess(rt["rx"]["ratio"], 0.95)
        self.assertIn(rt["rx"]["limited_by"], ("processing", "input"))
        self.assertIn("busiest stage", rt["reason"])
        self.assertGreaterEqual(rt["episodes"], 1)
        fams = parse_prometheus(d.get("/metrics"))
        states = dict((lb["state"], v) for lb, v in fams["dualsat_realtime_state"]["samples"])
        self.assertEqual(states["behind"], 1)
        d.wait_line("[")
        line = wait_for(lambda: (lambda l: l if "REALTIME behind" in l else None)(d.wait_line("[")),
                        "the status line's REALTIME flag")
        self.assertIn("real time", line)
        r = subprocess.run([CTL, "status", "--line"], capture_output=True, text=True,
                           env=dict(os.environ, DUALSAT_URL=d.url), timeout=DEADLINE)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("REALTIME behind", r.stdout)
        self.assertEqual(d.stop(), 0)
        self.assertIn("real time: behind", d.stderr())

    def test_zmq_peer_at_half_rate_is_behind(self):
        port = free_port()
        # The peer sends (throttled) 1e5 samples/s; the receiver expects 2e5.
        tx = Daemon("""
modem: {symbol_rate: 5.0e4}
radio: {backend: zmq, direction: tx, sample_rate: 1.0e5, zmq: {tx_address: "tcp://127.0.0.1:%d"}}
control: {port: 0}
""" % port)
        self.addCleanup(tx.kill)
        tx.start_control()
        rx = Daemon("""
modem: {symbol_rate: 1.0e5}
radio: {backend: zmq, direction: rx, sample_rate: 2.0e5, zmq: {rx_address: "tcp://127.0.0.1:%d"}}
control: {port: 0}
""" % port)
        self.addCleanup(rx.kill)
        rx.start_control()
        rt = wait_for(lambda: rt_state(rx, "behind"), "receiver behind")
        self.assertEqual(rt["rx"]["pacing"], "peer")
        self.assertGreater(rt["rx"]["ratio"], 0)
        self.assertLess(rt["rx"]["ratio"], 0.95)
        self.assertEqual(rt["rx"]["limited_by"], "input")
        self.assertIn("peer sends too slowly", rt["reason"])
        # The sender itself keeps up with its own rate.
        t = wait_for(lambda: rt_state(tx, "ok"), "sender ok")
        self.assertEqual(t["tx"]["pacing"], "throttle")
        self.assertEqual(rx.stop(), 0)
        self.assertEqual(tx.stop(), 0)

    def test_uhd_overflows_and_underflows_counted(self):
        # The fake device reports, in gr-uhd's format (rx_time tags after a gap,
        # async_msgs), an overflow (RX, 25000 samples skipped) or an underflow (TX) every
        # 2e5 samples, i.e. every second.
        d = Daemon("""
modem: {modcod: QPSK 1/2, symbol_rate: 1.0e5}
radio:
  backend: uhd
  direction: both
  sample_rate: 2.0e5
  uhd: {args: "type=dualsat-fake,events_every=200000", tx: {freq: 1.0e9}, rx: {freq: 1.0e9}}
control: {port: 0}
""")
        self.addCleanup(d.kill)
        d.start_control()
        rt = wait_for(lambda: (lambda r: r if r["rx"]["overflow_gaps"] >= 2 and r["tx"]["underflows"] >= 2
                               else None)(d.get("/status")["realtime"]), "overflows and underflows")
        rx = rt["rx"]
        self.assertEqual(rx["pacing"], "device")
        # The stream-start tag is not a gap; every gap is one overflow of 25000 samples.
        self.assertEqual(rx["samples_lost"], 25000 * rx["overflow_gaps"])
        self.assertGreaterEqual(rx["overflows"], rx["overflow_gaps"])
        self.assertGreaterEqual(rx["overflows"], rx["overflows_reported"])
        self.assertIn(rt["state"], ("overflowing",))
        self.assertIn("overflows", rt["reason"] + d.stderr())
        fams = parse_prometheus(d.get("/metrics"))
        over = fams["dualsat_radio_overflows_total"]["samples"]
        self.assertEqual(over[0][0], {"direction": "rx"})
        self.assertGreaterEqual(over[0][1], 2)
        self.assertGreaterEqual(fams["dualsat_radio_underflows_total"]["samples"][0][1], 2)
        self.assertEqual(fams["dualsat_radio_samples_lost_total"]["samples"][0][1] % 25000, 0)
        self.assertEqual(d.stop(), 0)
        self.assertIn("real time: overflowing", d.stderr())


def tx_accounted(s):
    """Accepted packets are sent, still queued or counted dropped, never lost silently."""
    t = s["tx"]
    return t["packets_in"] == t["packets_sent"] + t["queued_packets"] + t["packets_dropped_shutdown"]


class Faults(unittest.TestCase):
    """Faults a long-running modem meets: the daemon killed and restarted, its ZeroMQ peer
    gone and back, its recording file deleted or its disk full."""

    def test_sigkill_then_restart_on_the_same_ports(self):
        fwd = udp_receiver()
        self.addCleanup(fwd.close)
        listen, control = free_port(), free_port()
        config = (LOOPBACK % {"fwd": fwd.getsockname()[1]}).replace(
            '"127.0.0.1:0"', '"127.0.0.1:%d"' % listen).replace("port: 0", "port: %d" % control)
        d = Daemon(config)
        self.addCleanup(d.kill)
        d.start_control()
        d.wait_lock()
        code, _, _ = http(d.url + "/modcod", "POST", {"modcod": "QPSK 3/4"})
        self.assertEqual(code, 200)
        check = modemd_traffic.TrafficCheck(("127.0.0.1", listen), fwd, window=16)
        check.send_count(50, timeout=DEADLINE)
        d.proc.send_signal(signal.SIGKILL)  # mid-traffic: no shutdown path runs
        self.assertEqual(d.proc.wait(timeout=5), -signal.SIGKILL)
        check.close()
        # The restarted daemon binds the same UDP and HTTP ports at once (no TIME_WAIT or
        # stale-socket refusal: exit 4 would say "socket bind"), starts from its config
        # (not the MODCOD the API set before the kill), with fresh counters, and carries
        # traffic intact.
        d2 = Daemon(config, dirname=d.dir)
        self.addCleanup(d2.kill)
        self.assertEqual(d2.start_control(), "http://127.0.0.1:%d" % control)
        s = d2.wait_lock()
        self.assertEqual(s["modcod"], "QPSK 1/2")
        self.assertEqual(s["tx"]["modcod_changes"], 0)
        self.assertEqual(s["packets_in"], 0)
        check = modemd_traffic.TrafficCheck(("127.0.0.1", listen), fwd, window=16)
        self.addCleanup(check.close)
        check.received.clear()
        check.send_count(100, timeout=DEADLINE)
        check.drain(quiet=2.0)
        r = check.summary()
        self.assertEqual((r["sent"], r["received"], r["corrupted"], r["out_of_order"]),
                         (100, 100, 0, 0), r)
        s = d2.get("/status")
        self.assertEqual(s["packets_in"], 100)
        self.assertTrue(tx_accounted(s), s["tx"])
        self.assertEqual(d2.stop(), 0)

    def zmq_pair(self, port, fwd_port):
        common = "modem: {modcod: QPSK 3/4, frame: short, symbol_rate: 1.0e5}\n"
        tx_cfg = common + """
radio: {backend: zmq, direction: tx, sample_rate: 2.0e5, zmq: {tx_address: "tcp://127.0.0.1:%d", timeout_ms: 100}}
data: {ip: {listen: "127.0.0.1:0"}, queue_bytes: 65536}
control: {port: 0}
""" % port
        rx_cfg = common + """
radio: {backend: zmq, direction: rx, sample_rate: 2.0e5, zmq: {rx_address: "tcp://127.0.0.1:%d", timeout_ms: 100}}
data: {ip: {forward: "127.0.0.1:%d"}}
control: {port: 0}
""" % (port, fwd_port)
        return tx_cfg, rx_cfg

    def test_zmq_peer_killed_and_restarted(self):
        fwd = udp_receiver()
        self.addCleanup(fwd.close)
        tx_cfg, rx_cfg = self.zmq_pair(free_port(), fwd.getsockname()[1])
        tx = Daemon(tx_cfg)
        self.addCleanup(tx.kill)
        tx.start_control()
        rx = Daemon(rx_cfg)
        self.addCleanup(rx.kill)
        rx.start_control()
        rx.wait_lock()
        dest = tx.address("ip_listen")

        # The receiving peer dies. PUSH knows no peer liveness beyond the TCP connection:
        # with no peer the ZeroMQ sink cannot send, the transmitter's stream stops moving,
        # and the daemon says so (status faults, tx.output_stalled, the metric, the log)
        # while it keeps running and answering. Every packet offered meanwhile is queued
        # or counted dropped (queue_full), none vanishes.
        rx.proc.send_signal(signal.SIGKILL)
        rx.proc.wait(timeout=5)
        check = modemd_traffic.TrafficCheck(dest, fwd, window=10 ** 6)
        self.addCleanup(check.close)
        check.send_count(300, timeout=DEADLINE)
        s = wait_for(lambda: (lambda v: v if v["tx"]["output_stalled"] else None)(tx.get("/status")),
                     "the transmitter to report its stalled stream")
        self.assertEqual(s["state"], "running")
        self.assertIn("tx_stalled", s["faults"])
        fams = parse_prometheus(tx.get("/metrics"))
        self.assertEqual(fams["dualsat_radio_stalled"]["samples"], [({"direction": "tx"}, 1.0)])
        self.assertEqual(fams["dualsat_radio_faults"]["samples"][0][1], 1)
        self.assertIn("no TX samples taken", tx.stderr())
        s = tx.get("/status")
        self.assertEqual(s["packets_in"] + s["tx"]["packets_dropped_queue_full"] +
                         (s["data"].get("ip_listen_kernel_drops") or 0), 300, s["tx"])
        self.assertTrue(tx_accounted(s), s["tx"])
        self.assertIsNone(tx.proc.poll())

        # The peer comes back: the stream moves again, the fault clears (logged), what
        # waited in the queue goes out, and the new receiver locks.
        rx2 = Daemon(rx_cfg)
        self.addCleanup(rx2.kill)
        rx2.start_control()
        rx2.wait_lock()
        check.close()
        s = wait_for(lambda: (lambda v: v if v["tx"]["queued_packets"] == 0 and not v["faults"]
                              else None)(tx.get("/status")),
                     "the transmitter's queue to drain and its fault to clear")
        self.assertEqual(s["tx"]["stalls"], 1)
        self.assertTrue(tx_accounted(s), s["tx"])
        self.assertIn("TX samples taken flowing again", tx.stderr())

        # The transmitting peer dies: the receiver gets no samples, reports that (faults,
        # rx.input_stalled, lock false, the metrics, the log) and keeps running.
        tx.proc.send_signal(signal.SIGKILL)
        tx.proc.wait(timeout=5)
        s = wait_for(lambda: (lambda v: v if v["rx"]["input_stalled"] else None)(rx2.get("/status")),
                     "the receiver to report its stalled input")
        self.assertIn("rx_stalled", s["faults"])
        self.assertIs(s["lock"], False)
        fams = parse_prometheus(rx2.get("/metrics"))
        self.assertEqual(fams["dualsat_rx_lock"]["samples"][0][1], 0)
        self.assertEqual(fams["dualsat_radio_stalled"]["samples"], [({"direction": "rx"}, 1.0)])
        self.assertIn("no RX samples", rx2.stderr())
        tx2 = Daemon(tx_cfg)
        self.addCleanup(tx2.kill)
        tx2.start_control()
        rx2.wait_lock()
        # The packets queued during the first outage went out after the earlier checker
        # stopped reading: they wait in the forward socket, and are not the new ones.
        fwd.settimeout(0.2)
        while True:
            try:
                fwd.recv(65536)
            except socket.timeout:
                break
        check3 = modemd_traffic.TrafficCheck(tx2.address("ip_listen"), fwd, window=16)
        self.addCleanup(check3.close)
        check3.send_count(100, timeout=DEADLINE)
        check3.drain(quiet=2.0)
        r = check3.summary()
        self.assertEqual((r["sent"], r["received"], r["corrupted"], r["out_of_order"]),
                         (100, 100, 0, 0), r)
        s = rx2.get("/status")
        self.assertEqual(s["faults"], [])
        self.assertEqual(s["rx"]["stalls"], 1)
        self.assertTrue(tx_accounted(tx2.get("/status")))
        self.assertEqual(rx2.stop(), 0)
        self.assertEqual(tx2.stop(), 0)

    FILE_TX = """
modem: {modcod: QPSK 1/2, symbol_rate: 1.0e5}
radio: {backend: file, direction: tx, sample_rate: 2.5e5, file: {tx_path: %s}}
data: {ip: {listen: "127.0.0.1:0"}, drain_timeout: 0.5}
control: {port: 0}
"""

    def file_fault(self, path, cause):
        """Runs a recording daemon with traffic until `cause()` breaks its file; returns
        the daemon (exited) and the traffic check."""
        d = Daemon(self.FILE_TX % path, args=["--status-interval", "0.5"])
        self.addCleanup(d.kill)
        d.start_control()
        dest = d.address("ip_listen")
        sink = udp_receiver()  # nothing comes back: a recording has no receiver
        self.addCleanup(sink.close)
        check = modemd_traffic.TrafficCheck(dest, sink, window=10 ** 6)
        self.addCleanup(check.close)
        s = d.get("/status")
        self.assertEqual(s["faults"], [])
        cause()
        # Traffic until the daemon notices (at most ~1 s): packets are accepted meanwhile.
        end = time.monotonic() + DEADLINE
        while d.proc.poll() is None and time.monotonic() < end:
            check.send_count(5, timeout=1.0)
            time.sleep(0.05)
        # The documented behaviour: a radio fault stops the daemon like SIGTERM (queued
        # packets counted dropped, counters logged) with exit 3.
        self.assertEqual(d.stop(timeout=DEADLINE), 3, d.stderr())
        m = re.search(r"packets in (\d+), sent (\d+), dropped: queue full (\d+), malformed (\d+), "
                      r"at shutdown (\d+)", "\n".join(d.stdout))
        self.assertIsNotNone(m, d.stdout)
        accepted, sent, full, malformed, shutdown = map(int, m.groups())
        self.assertGreater(accepted, 0)
        self.assertEqual(accepted, sent + shutdown)  # none lost silently
        # Datagrams sent after the daemon closed its input socket never reached it.
        self.assertLessEqual(accepted + full + malformed, check.summary()["sent"])
        return d

    def test_file_backend_disk_full(self):
        mnt = temp_dir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt],
                           capture_output=True, text=True)
        if r.returncode != 0:
            self.skipTest("cannot mount a tmpfs (needs root): " + r.stderr.strip())
        self.addCleanup(lambda: subprocess.run(["umount", "-l", mnt]))
        path = os.path.join(mnt, "rec.sigmf-data")
        # 2.5e5 samples/s x 8 bytes fill 1 MiB in about half a second.
        d = self.file_fault(path, lambda: None)
        err = d.stderr()
        self.assertRegex(err, r"radio fault: writing radio\.file\.tx_path .* failed after \d+ "
                              r"samples: No space left on device")
        self.assertIn("radio error:", err)
        # The metadata written at the start is kept (a failed rewrite never replaces it
        # with an empty file) and the error is logged.
        with open(os.path.join(mnt, "rec.sigmf-meta")) as f:
            meta = json.load(f)
        self.assertEqual(meta["global"]["core:datatype"], "cf32_le")
        self.assertIn("cannot write SigMF metadata", err)

    def test_file_backend_file_deleted(self):
        d0 = temp_dir()
        path = os.path.join(d0, "rec.sigmf-data")
        d = self.file_fault(path, lambda: (time.sleep(0.5), os.remove(path)))
        self.assertIn("was deleted or replaced while recording", d.stderr())
        # No metadata is written for a recording that no longer exists.
        self.assertFalse(os.path.exists(path))

    def test_uhd_device_gone(self):
        fwd = udp_receiver()
        self.addCleanup(fwd.close)
        # The fake device (radio.cc FakeUhdRadio) streams, then fails after 4e5 samples
        # (2 s at 2e5 samples/s), as gr-uhd does when the USRP vanishes.
        d = Daemon("""
modem: {modcod: QPSK 1/2, symbol_rate: 1.0e5}
radio:
  backend: uhd
  direction: both
  sample_rate: 2.0e5
  uhd: {args: "type=dualsat-fake,fail_after=400000", tx: {freq: 1.0e9}, rx: {freq: 1.0e9}}
data: {ip: {listen: "127.0.0.1:0", forward: "127.0.0.1:%d"}, drain_timeout: 0.5}
control: {port: 0}
""" % fwd.getsockname()[1])
        self.addCleanup(d.kill)
        d.start_control()
        s = d.get("/status")
        self.assertTrue(s["radio"]["fake_device"])
        self.assertEqual(s["faults"], [])
        check = modemd_traffic.TrafficCheck(d.address("ip_listen"), fwd, window=10 ** 6)
        self.addCleanup(check.close)
        end = time.monotonic() + DEADLINE
        while d.proc.poll() is None and time.monotonic() < end:
            check.send_count(5, timeout=1.0)
            time.sleep(0.1)
        rc = d.stop()
        err = d.stderr()
        self.assertEqual(rc, 3, err)
        self.assertIn("no longer present", err)  # GNU Radio logs the block's exception
        self.assertRegex(err, r"radio fault: the (RX|TX) stream stopped")
        m = re.search(r"packets in (\d+), sent (\d+), dropped: queue full (\d+), malformed (\d+), "
                      r"at shutdown (\d+)", "\n".join(d.stdout))
        self.assertIsNotNone(m, d.stdout)
        accepted, sent, full, malformed, shutdown = map(int, m.groups())
        self.assertGreater(accepted, 0)
        self.assertEqual(accepted, sent + shutdown)
        # Datagrams sent after the daemon closed its input socket never reached it.
        self.assertLessEqual(accepted + full + malformed, check.summary()["sent"])

ACM_PAIR = """
modem: {stream: gse, symbol_rate: 2.0e5}
radio: {backend: zmq, direction: both, sample_rate: 4.0e5,
        zmq: {tx_address: "tcp://127.0.0.1:%(tx)d", rx_address: "tcp://127.0.0.1:%(rx)d"}}
%(channel)s
data: {ip: {listen: "127.0.0.1:0", forward: "127.0.0.1:%(fwd)d"}, drain_timeout: 3.0}
control: {port: 0}
acm: {mode: acm, link_id: 5, min_modcod: QPSK 1/2, max_modcod: 8PSK 3/4, frame: short,
      step_up_hold_s: 0.5, report_timeout_s: 3.0, loop_delay_s: 1.5,
      feedback: {kind: inband}}
"""


def link_report(seq, esn0_db, link_id=5, locked=True, timestamp_ns=None):
    """A version-1 link report (lib/acm link_report.h): 31 bytes + CRC-32C."""
    def crc32c(data):
        crc = 0xFFFFFFFF
        for b in data:
            crc ^= b
            for _ in range(8):
                crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
        return crc ^ 0xFFFFFFFF
    body = struct.pack(">BBBBHIQhHIIB", 0xAC, 1, 35, (1 if locked else 0) | 2, link_id, seq,
                       timestamp_ns if timestamp_ns is not None else time.monotonic_ns(),
                       int(round(esn0_db * 100)), 40, 4, 0, 0)
    return body + struct.pack(">I", crc32c(body))


def post_raw(url, data):
    req = urllib.request.Request(url, data=data, method="POST")
    req.add_header("Content-Type", "application/octet-stream")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read().decode())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read().decode())


def acm_state(d):
    return d.get("/status")["acm"]["controller"]


class Acm(unittest.TestCase):
    """Two full-duplex daemons over ZeroMQ close both ACM loops with in-band reports. The
    A -> B channel (B's input) is ramped down then stepped up at run time: A's MODCOD
    follows both ways while numbered packets flow A -> B (and B -> A)."""

    ORDER = ["QPSK 1/2", "QPSK 3/5", "QPSK 2/3", "QPSK 3/4", "QPSK 4/5", "QPSK 5/6",
             "QPSK 8/9", "QPSK 9/10", "8PSK 3/5", "8PSK 2/3", "8PSK 3/4"]

    def test_modcod_follows_the_channel_both_ways(self):
        ab, ba = free_port(), free_port()
        fwd_b, fwd_a = udp_receiver(), udp_receiver()
        self.addCleanup(fwd_b.close)
        self.addCleanup(fwd_a.close)
        a = Daemon(ACM_PAIR % {"tx": ab, "rx": ba, "fwd": fwd_a.getsockname()[1], "channel": ""})
        b = None
        checks = []
        try:
            a.start_control()
            b = Daemon(ACM_PAIR % {"tx": ba, "rx": ab, "fwd": fwd_b.getsockname()[1],
                                   "channel": "channel: {esn0_db: 14.0, seed: 3}"})
            b.start_control()
            # Both loops close: each side climbs to the top of its allowed set at 14 dB
            # (A's input has no channel: noiseless).
            wait_for(lambda: acm_state(a)["modcod"] == "8PSK 3/4", "A at 8PSK 3/4", timeout=40)
            wait_for(lambda: acm_state(b)["modcod"] == "8PSK 3/4", "B at 8PSK 3/4", timeout=20)
            # The controller owns the MODCOD; A has no emulated channel.
            code, _, _ = http(a.url + "/modcod", "POST", {"modcod": "QPSK 1/2"})
            self.assertEqual(code, 409)
            code, _, _ = http(a.url + "/channel", "POST", {"esn0_db": 5})
            self.assertEqual(code, 409)

            fallbacks = acm_state(a)["fallbacks"]
            ab_check = modemd_traffic.TrafficCheck(a.address("ip_listen"), fwd_b, window=24)
            ba_check = modemd_traffic.TrafficCheck(b.address("ip_listen"), fwd_a, window=4)
            checks = [ab_check, ba_check]
            stop = threading.Event()
            senders = [threading.Thread(target=c.send_for, args=(120, lambda: not stop.is_set()),
                                        daemon=True) for c in checks]
            for t in senders:
                t.start()
            time.sleep(2.0)
            # A fade on A -> B: 14 dB down to 4 dB at 1 dB/s, then held.
            esn0 = 14.0
            while esn0 > 4.0:
                esn0 -= 0.5
                code, body, _ = http(b.url + "/channel", "POST", {"esn0_db": esn0})
                self.assertEqual(code, 200, body)
                time.sleep(0.5)
            low = wait_for(lambda: (lambda c: c if self.ORDER.index(c["modcod"]) <= 1 else None)(
                acm_state(a)), "A down to QPSK 1/2 or 3/5", timeout=15)
            time.sleep(2.0)
            # The sky clears at once.
            code, body, _ = http(b.url + "/channel", "POST", {"esn0_db": 14.0})
            self.assertEqual(code, 200, body)
            wait_for(lambda: acm_state(a)["modcod"] == "8PSK 3/4", "A back up to 8PSK 3/4", timeout=30)
            bad_before_drop = b.get("/status")["rx"]["frames_bad"]
            # A sudden 9 dB drop: frames sent before the loop reacts fail (counted at B),
            # then the fast down takes A straight to what 5 dB sustains.
            out = subprocess.run([CTL, "--url", b.url, "channel", "5"], capture_output=True, text=True,
                                 timeout=10)
            self.assertEqual(out.returncode, 0, out.stderr)
            wait_for(lambda: self.ORDER.index(acm_state(a)["modcod"]) <= 2, "A down after the drop",
                     timeout=15)
            time.sleep(2.0)
            code, body, _ = http(b.url + "/channel", "POST", {"esn0_db": 14.0})
            self.assertEqual(code, 200, body)
            wait_for(lambda: acm_state(a)["modcod"] == "8PSK 3/4", "A up again", timeout=30)
            stop.set()
            for t in senders:
                t.join()
            for c in checks:
                c.drain(quiet=3.0, timeout=15)
            time.sleep(1.0)

            sa, sb = a.get("/status"), b.get("/status")
            ca = sa["acm"]["controller"]
            hist = ca["history"]
            print("\nA -> B MODCOD timeline (A's controller):")
            for h in hist:
                print("  %6.1f s  %-18s -> %-18s %s" % (h["time_s"], h["from"].replace(" short pilots", ""),
                                                        h["to"].replace(" short pilots", ""), h["text"]))
            ra, rb = ab_check.summary(), ba_check.summary()
            print("A -> B packets:", ra)
            print("B -> A packets:", rb)
            print("A tx frames by MODCOD:", sa["tx"]["frames_by_modcod"])
            print("B rx frames by MODCOD:", sb["rx"]["frames_by_modcod"])
            print("B rx frames ok %d bad %d; A reports accepted %d lost %d, B sent %d in-band; "
                  "loop delay %.2f s; time per MODCOD %s"
                  % (sb["rx"]["frames_ok"], sb["rx"]["frames_bad"], ca["reports_accepted"],
                     ca["reports_lost"], sb["acm"]["reporter"]["sent_inband"], ca["loop_delay_s"],
                     {k: round(v, 1) for k, v in ca["seconds_by_modcod"].items()}))

            # Down on a fade (or its prediction), back up step by step.
            reasons = [h["reason"] for h in hist]
            self.assertIn("predicted fade", reasons)  # the ramp
            self.assertIn("fade", reasons)            # the sudden drop
            self.assertIn("step up", reasons)
            self.assertLessEqual(self.ORDER.index(low["modcod"]), 1)
            self.assertGreater(ca["step_downs"], 0)
            self.assertGreater(ca["step_ups"], 3)
            self.assertEqual(ca["fallbacks"], fallbacks)  # the reports never stopped
            # Packets: byte-exact, in order, none duplicated, no report leaked to the user
            # side. A frame that failed before the loop reacted is the only excuse for a
            # loss, and it is counted at B (at most ~25 short-frame packets each).
            for r in (ra, rb):
                self.assertEqual((r["corrupted"], r["out_of_order"], r["duplicates"], r["foreign"]),
                                 (0, 0, 0, 0), r)
            self.assertGreater(ra["received"], 100, ra)
            self.assertLessEqual(ra["lost"], 25 * sb["rx"]["frames_bad"], (ra, sb["rx"]))
            print("bad frames at B: %d before the sudden drop (ramp), %d after; packets lost A -> B: %d"
                  % (bad_before_drop, sb["rx"]["frames_bad"], ra["lost"]))
            self.assertEqual(rb["lost"], 0, rb)
            # Counters agree: every accepted packet sent, queued or counted; B's reports
            # reached A's controller (accepted or counted lost) but for those in flight.
            for s in (sa, sb):
                self.assertTrue(tx_accounted(s), s["tx"])
                self.assertEqual(s["acm"]["reports_in"]["malformed"], 0)
                # ~4 per second of the run (~20 s since the multi-rung step up shortened
                # the climbs)
                self.assertGreater(s["rx"]["acm_reports"], 60)  # diverted, not forwarded:
            self.assertEqual(sb["packets_out"], ra["received"])  # B forwarded user packets only
            self.assertEqual(sa["packets_out"], rb["received"])
            sa2, sb2 = a.get("/status"), b.get("/status")
            got = sa2["acm"]["controller"]["reports_accepted"] + sa2["acm"]["controller"]["reports_lost"]
            sent = sb2["acm"]["reporter"]["sent_inband"]
            self.assertLessEqual(got, sent)
            self.assertLessEqual(sent - got, 20)
            self.assertEqual(sb2["acm"]["tx_reports"]["dropped"], 0)
            # Every MODCOD A left behind: each frame it sent was seen by B.
            by_tx, by_rx = sa2["tx"]["frames_by_modcod"], sb2["rx"]["frames_by_modcod"]
            for mc, n in by_tx.items():
                if mc not in ("dummy", sa2["tx"]["modcod"]):
                    self.assertEqual(by_rx.get(mc, 0), n, (mc, by_tx, by_rx))
            # The metrics carry the controller.
            fam = parse_prometheus(a.get("/metrics"))
            self.assertEqual(fam["dualsat_acm_modcod"]["samples"][0][1], 14)
            self.assertIn("dualsat_acm_reported_esn0_db", fam)
            self.assertIn("dualsat_acm_modcod_seconds_total", fam)
            out = subprocess.run([CTL, "--url", a.url, "acm"], capture_output=True, text=True, timeout=10)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("in force   8PSK 3/4", out.stdout)
            self.assertEqual(a.stop(), 0)
            self.assertEqual(b.stop(), 0)
            self.assertTrue(any(line.strip().startswith("acm: MODCOD 8PSK 3/4") for line in a.stdout), a.stdout)
        finally:
            for c in checks:
                c.close()
            a.kill()
            if b:
                b.kill()


class AcmReports(unittest.TestCase):
    """The out-of-band return path and bad reports: one loopback daemon in acm mode whose
    own receiver reports over UDP to its own controller; POST /acm/report with good, bad
    and foreign reports; SIGHUP applies new controller settings."""

    def test_udp_loop_http_reports_and_reload(self):
        port = free_port()
        conf = """
modem: {stream: gse, symbol_rate: 1.0e5}
radio: {backend: loopback, sample_rate: 2.0e5}
channel: {esn0_db: 9.0, seed: 5, esn0_trace: trace.csv}
control: {port: 0}
acm: {mode: acm, link_id: 9, min_modcod: QPSK 1/2, max_modcod: 8PSK 2/3, frame: short,
      step_up_hold_s: 0.3, margin_db: %(margin)s,
      feedback: {kind: udp, listen: "127.0.0.1:%(port)d", send_to: "127.0.0.1:%(port)d"}}
"""
        tmp = temp_dir()
        write(os.path.join(tmp, "trace.csv"), "time_s,esn0_db\n0,9.5\n1.5,8\n")
        d = Daemon(conf % {"margin": 1.0, "port": port}, dirname=tmp)
        try:
            d.start_control()
            # The channel follows its trace to the last point, then holds it; a setting by
            # hand ends the trace.
            wait_for(lambda: d.get("/status")["channel"]["esn0_db"] == 8.0, "the trace's end")
            self.assertTrue(d.get("/status")["channel"]["trace"])
            out = subprocess.run([CTL, "--url", d.url, "channel", "9"], capture_output=True, text=True,
                                 timeout=10)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertTrue(json.loads(out.stdout)["trace_stopped"])
            self.assertEqual(d.get("/status")["channel"], {"esn0_db": 9.0, "trace": False})
            code, _, _ = http(d.url + "/channel", "POST", {"esn0_db": 500})
            self.assertEqual(code, 400)
            wait_for(lambda: acm_state(d)["step_ups"] >= 2, "the UDP loop stepping up", timeout=30)
            s = d.get("/status")["acm"]
            self.assertGreater(s["reporter"]["sent_udp"], 0)
            self.assertEqual(s["reporter"]["sent_inband"], 0)
            self.assertGreater(s["reports_in"]["udp"], 0)
            # Bad reports: counted by reason, 400, the daemon runs on.
            good = link_report(1, 3.0, link_id=9)
            bad_crc = good[:-1] + bytes([good[-1] ^ 1])
            cases = [(b"", "too short"), (good[:20], "too short"), (b"\x00" + good[1:], "bad magic"),
                     (bad_crc, "bad CRC"), (good + b"x", "bad length")]
            for body, _ in cases:
                code, r = post_raw(d.url + "/acm/report", body)
                self.assertEqual(code, 400, r)
                self.assertIn("malformed link report", r["error"])
            code, r = post_raw(d.url + "/acm/report", link_report(7, 3.0, link_id=4))
            self.assertEqual((code, r["outcome"]), (200, "wrong link"), r)
            s = d.get("/status")["acm"]
            self.assertEqual(s["reports_in"]["malformed"], len(cases))
            self.assertEqual(s["reports_in"]["http"], len(cases) + 1)
            self.assertGreaterEqual(s["reports_in"]["malformed_by_reason"]["too_short"], 2)
            self.assertEqual(s["reports_in"]["malformed_by_reason"]["bad_crc"], 1)
            self.assertEqual(s["controller"]["reports_wrong_link"], 1)
            # Garbage on the UDP port: counted too.
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.sendto(b"\xac" * 35, ("127.0.0.1", port))
            u.close()
            wait_for(lambda: d.get("/status")["acm"]["reports_in"]["malformed"] == len(cases) + 1,
                     "the UDP garbage counted")
            fam = parse_prometheus(d.get("/metrics"))
            by = {l["reason"]: v for l, v in fam["dualsat_acm_reports_malformed_total"]["samples"]}
            self.assertEqual(by["bad_crc"], 1)
            # SIGHUP: a new margin applied by reconfigure, history kept.
            changes = acm_state(d)["changes"]
            write(d.config, conf % {"margin": 2.5, "port": port})
            d.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: "acm controller settings applied" in d.stderr(), "the reload")
            c = acm_state(d)
            self.assertGreaterEqual(c["changes"], changes)
            wait_for(lambda: acm_state(d)["margin_db"] >= 2.0, "the new margin in force")
            self.assertEqual(d.stop(), 0)
        finally:
            d.kill()

    def test_post_acm_settings(self):
        """POST /acm: the running controller's settings (reconfigure, history kept), checked
        like the config's acm section, for the full token only; a SIGHUP with an unchanged
        file keeps them, a changed file value wins."""
        port = free_port()
        conf = """
modem: {stream: gse, symbol_rate: 1.0e5}
radio: {backend: loopback, sample_rate: 2.0e5}
channel: {esn0_db: 9.0, seed: 5}
control: {port: 0, token_file: token, read_token_file: read_token}
logging: {level: %(level)s}
acm: {mode: acm, link_id: 9, min_modcod: QPSK 1/2, max_modcod: 8PSK 2/3, frame: short,
      step_up_hold_s: 0.3, margin_db: %(margin)s,
      feedback: {kind: udp, listen: "127.0.0.1:%(port)d", send_to: "127.0.0.1:%(port)d"}}
"""
        tmp = temp_dir()
        write(os.path.join(tmp, "token"), TOKEN + "\n")
        write(os.path.join(tmp, "read_token"), "read-only-token-0123456789abcdef\n")
        d = Daemon(conf % {"margin": 1.0, "port": port, "level": "info"}, dirname=tmp)
        try:
            d.start_control()
            st = lambda: d.get("/status", token=TOKEN)["acm"]  # noqa: E731
            wait_for(lambda: st()["controller"]["reported_esn0_db"] is not None, "reports at the controller")
            self.assertEqual(st()["settings"]["margin_db"], 1.0)
            self.assertEqual(st()["settings"]["min_modcod"], "QPSK 1/2")
            c = st()["controller"]
            required, margin, changes = c["required_esn0_db"], c["margin_db"], c["changes"]
            url = d.url + "/acm"
            # The read-only token may not; no token at all neither.
            self.assertEqual(http(url, "POST", {"margin_db": 3.0},
                                  token="read-only-token-0123456789abcdef")[0], 403)
            self.assertEqual(http(url, "POST", {"margin_db": 3.0})[0], 401)
            # A new margin: in force at once, the required Es/N0 moves with it.
            code, body, _ = http(url, "POST", {"margin_db": 3.0, "predict_fades": False}, token=TOKEN)
            self.assertEqual(code, 200, body)
            r = json.loads(body)
            self.assertEqual(r["settings"]["margin_db"], 3.0)
            self.assertEqual(sorted(r["changed"]), ["margin_db", "predict_fades"])
            self.assertIn("modcod", r["decision"])
            s = st()
            self.assertEqual(s["settings"]["margin_db"], 3.0)
            self.assertFalse(s["settings"]["predict_fades"])
            self.assertGreaterEqual(s["controller"]["changes"], changes)  # history kept
            # The margin in force (plus the outer loop's trim) up by 2 dB; the required Es/N0
            # (the rung's threshold + that margin) moves with it (down a rung if need be).
            wait_for(lambda: st()["controller"]["margin_db"] > margin + 1.5, "the margin in force")
            c = st()["controller"]
            threshold = {r["modcod"]: r["threshold_db"] for r in c["ladder"]}[c["modcod"]]
            self.assertAlmostEqual(c["required_esn0_db"], threshold + c["margin_db"], places=6)
            self.assertNotAlmostEqual(c["required_esn0_db"], required, places=3)
            wait_for(lambda: "margin_db 1.0 -> 3.0" in d.stderr(), "the change logged")
            # Bad values: 400 naming the key (and value); nothing changes.
            for bad, key in [({"margin_db": 25}, "acm.margin_db: 25 is out of range"),
                             ({"hysteresis_db": "x"}, "acm.hysteresis_db: expected a number"),
                             ({"predict_fades": 1}, "acm.predict_fades: expected true or false"),
                             ({"min_modcod": "QPSK 7/8"}, "acm.min_modcod: \"QPSK 7/8\" is not a DVB-S2 MODCOD"),
                             ({"min_modcod": "8PSK 3/4", "max_modcod": "QPSK 3/4"}, "acm.max_modcod: "),
                             ({"exclude": ["QPSK", "8PSK"]}, "acm: "),
                             ({"fallback": "32APSK 9/10"}, "acm: "),
                             ({"warp_factor": 9}, "acm.warp_factor: unknown setting"),
                             ({"target_fer": 0.9}, "acm.target_fer: 0.9 is out of range")]:
                code, body, _ = http(url, "POST", bad, token=TOKEN)
                self.assertEqual(code, 400, (bad, body))
                self.assertIn(key, json.loads(body)["error"], bad)
            self.assertEqual(st()["settings"]["margin_db"], 3.0)
            self.assertEqual(st()["settings"]["exclude"], [])
            # SIGHUP, the file's acm section unchanged (another section changed): the API's
            # margin stays.
            write(d.config, conf % {"margin": 1.0, "port": port, "level": "debug"})
            d.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: "logging.level -> debug" in d.stderr(), "the first reload")
            self.assertEqual(st()["settings"]["margin_db"], 3.0)
            self.assertFalse(st()["settings"]["predict_fades"])
            # The file's margin changed: it wins; predict_fades (unchanged in the file) stays.
            write(d.config, conf % {"margin": 2.0, "port": port, "level": "debug"})
            d.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: st()["settings"]["margin_db"] == 2.0, "the file's new margin")
            self.assertFalse(st()["settings"]["predict_fades"])
            self.assertEqual(d.stop(), 0)
        finally:
            d.kill()

    def test_post_acm_in_fixed_mode_is_409(self):
        d = Daemon("""
modem: {symbol_rate: 1.0e5}
radio: {backend: loopback, sample_rate: 2.0e5}
control: {port: 0}
""")
        try:
            d.start_control()
            code, body, _ = http(d.url + "/acm", "POST", {"margin_db": 2.0})
            self.assertEqual(code, 409, body)
            self.assertIn("acm.mode is fixed", json.loads(body)["error"])
            self.assertNotIn("settings", d.get("/status")["acm"])
            self.assertEqual(d.stop(), 0)
        finally:
            d.kill()


class Tun(unittest.TestCase):
    def test_tun_starts_or_says_why_not(self):
        r = run("""
modem: {symbol_rate: 1.0e5}
radio: {backend: loopback, sample_rate: 2.0e5}
data: {ip: {tun: dsattest%d}}
control: {port: 0}
""" % (os.getpid() % 1000), args=["--duration", "0.5"])
        if r.returncode == 0:
            self.assertIn("tun dsattest", r.stdout)
        else:
            self.assertEqual(r.returncode, 4, r.stderr)
            self.assertRegex(r.stderr, r"data\.ip\.tun: .*(CAP_NET_ADMIN|/dev/net/tun)")


PROTECTED = """
modem: {profile: protected, modcod: QPSK 1/2, frame: normal, pilots: true, symbol_rate: 2.0e5}
radio: {backend: loopback, sample_rate: 4.0e5, tx_rms: 0.3}
channel: {esn0_db: 10.0, seed: 7}
data: {ip: {listen: "127.0.0.1:0", forward: "127.0.0.1:%(fwd)d"}, drain_timeout: 2.0}
control: {bind: 127.0.0.1, port: 0}
keys: {file: link.key, link_id: 9, role: hub, epochs: command, initial_epoch: 5}
comsec: {nonce_state_file: link.nonce}
transec: {fixed_modcod: true}
"""


def write_key(path, key_id, master, mode=0o600):
    """A dualsat-key-file 1, written aside and renamed over `path` (as an operator would)."""
    aside = path + ".new"
    write(aside, "dualsat-key-file 1\nkey-id %s\nmaster-key %s\n" % (key_id.hex(), master.hex()), mode)
    os.replace(aside, path)


class Protected(ProtectedConfigChecks, unittest.TestCase):
    """modem.profile protected: COMSEC + TRANSEC through the daemon (loopback backend)."""

    MASTER = bytes(range(0x10, 0x30))
    MASTER2 = bytes(range(0x90, 0xb0))

    def setUp(self):
        self.dir = temp_dir()
        write_key(os.path.join(self.dir, "link.key"), bytes(range(32)), self.MASTER)
        self.fwd_sock = udp_receiver()
        self.fwd = self.fwd_sock.getsockname()[1]

    def tearDown(self):
        self.fwd_sock.close()

    def daemon(self, text=None):
        d = Daemon(text or PROTECTED % {"fwd": self.fwd}, args=["--status-interval", "0.5"],
                   dirname=self.dir)
        self.addCleanup(d.kill)
        d.start_control()
        return d

    def traffic(self, d, count):
        check = modemd_traffic.TrafficCheck(d.address("ip_listen"), self.fwd_sock, window=24)
        try:
            check.send_count(count, timeout=DEADLINE)
            check.drain(quiet=2.0)
            return check.summary()
        finally:
            check.close()

    def assert_no_key_material(self, d):
        texts = [json.dumps(d.get("/status")), d.get("/metrics"), d.stderr(), "\n".join(d.stdout)]
        for master in (self.MASTER, self.MASTER2):
            for t in texts:
                self.assertNotIn(master.hex(), t.lower())

    def test_link_status_metrics_epoch_and_key_reload(self):
        d = self.daemon()
        d.wait_lock()
        r = self.traffic(d, 150)
        self.assertEqual((r["received"], r["lost"], r["corrupted"], r["out_of_order"]), (150, 0, 0, 0), r)
        s = d.get("/status")
        self.assertEqual(s["profile"], "protected")
        self.assertEqual(s["tx"]["chain"], "tx_protected_bc (GSE)")
        p = s["protect"]
        self.assertEqual(p["key_id"], bytes(range(32)).hex())
        self.assertEqual(len(p["key_tag"]), 6)
        self.assertEqual((p["comsec"], p["transec"], p["pl_period"], p["epochs"]), (True, True, 0, "command"))
        # The keyed sequences never repeat; loopback numbers frames from the stream's start.
        self.assertEqual((p["pl_sequence"], p["pl_time_base"]), ("never_repeats", "sample_counter"))
        self.assertEqual((p["tx"]["epoch"], p["rx"]["epoch"]), (5, 5))
        self.assertGreater(p["tx"]["frames_sealed"], 0)
        self.assertGreater(p["tx"]["nonce_reservations"], 0)
        self.assertGreaterEqual(p["rx"]["frames_opened"], 150 // 40)
        self.assertEqual(sum(p["rx"]["frames_dropped"].values()), 0, p)
        # Constant rate: idle is sealed fill of the MODCOD in force, never a dummy PLFRAME.
        self.assertGreater(s["tx"]["frames_idle"], 0)
        self.assertNotIn("dummy", s["tx"]["frames_by_modcod"])
        self.assertEqual(s["rx"]["frames_bad"], 0)
        fams = parse_prometheus(d.get("/metrics"))
        self.assertEqual(fams["dualsat_protect_info"]["samples"][0][0]["key_id"], bytes(range(32)).hex())
        self.assertGreater(fams["dualsat_protect_tx_frames_sealed_total"]["samples"][0][1], 0)
        self.assertEqual({l["reason"] for l, _ in fams["dualsat_protect_rx_frames_dropped_total"]["samples"]},
                         {"malformed", "unknown_key", "stale_epoch", "replayed", "auth_failed"})
        # The MODCOD is fixed (it would show the link state).
        code, body, _ = http(d.url + "/modcod", "POST", {"modcod": "8PSK 3/5"})
        self.assertEqual(code, 409, body)
        self.assertIn("fixed_modcod", body)

        # Epoch by command: both sides (loopback) move to 6; traffic goes on under the new keys.
        code, body, _ = http(d.url + "/protect/epoch", "POST", {"epoch": 6})
        self.assertEqual(code, 200, body)
        for bad in ({"epoch": -1}, {"epoch": 1 << 32}, {"epoch": "7"}, {}):
            code, body, _ = http(d.url + "/protect/epoch", "POST", bad)
            self.assertEqual(code, 400, (bad, body))
        r = self.traffic(d, 100)
        self.assertEqual((r["received"], r["lost"], r["corrupted"]), (100, 0, 0), r)
        p = d.get("/status")["protect"]
        self.assertEqual((p["tx"]["epoch"], p["rx"]["epoch"]), (6, 6))
        self.assertGreaterEqual(p["tx"]["key_changes"], 2)  # the COMSEC key of each epoch
        self.assertEqual(sum(p["rx"]["frames_dropped"].values()), 0, p)

        # Key reload: an unchanged file changes nothing; a new key takes over without a restart.
        code, body, _ = http(d.url + "/protect/reload", "POST", {})
        self.assertEqual((code, json.loads(body)["changed"]), (200, False), body)
        write_key(os.path.join(self.dir, "link.key"), bytes(range(32, 64)), self.MASTER2)
        code, body, _ = http(d.url + "/protect/reload", "POST", {})
        self.assertEqual(code, 200, body)
        self.assertEqual(json.loads(body), {"changed": True, "key_id": bytes(range(32, 64)).hex()})
        d.wait_lock()
        r = self.traffic(d, 100)
        self.assertEqual((r["received"], r["lost"], r["corrupted"]), (100, 0, 0), r)
        p = d.get("/status")["protect"]
        self.assertEqual(p["key_id"], bytes(range(32, 64)).hex())
        self.assertEqual((p["tx"]["key_reloads"], p["rx"]["key_reloads"]), (1, 1))
        self.assertEqual(d.get("/status")["state"], "running")
        # A key file that may not be used is refused; the key in use stays.
        os.chmod(os.path.join(self.dir, "link.key"), 0o644)
        code, body, _ = http(d.url + "/protect/reload", "POST", {})
        self.assertEqual(code, 409, body)
        self.assertIn("the key in use stays", body)
        # dualsat-ctl protect: the summary, an epoch, a reload.
        env = dict(os.environ, DUALSAT_URL=d.url)
        out = subprocess.run([CTL, "protect"], env=env, capture_output=True, text=True, timeout=10)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("key id " + bytes(range(32, 64)).hex(), out.stdout)
        self.assertIn("rx  epoch 6", out.stdout)
        out = subprocess.run([CTL, "protect", "epoch", "7"], env=env, capture_output=True,
                             text=True, timeout=10)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(d.get("/status")["protect"]["rx"]["epoch"], 7)
        out = subprocess.run([CTL, "protect", "reload"], env=env, capture_output=True,
                             text=True, timeout=10)
        self.assertNotEqual(out.returncode, 0)  # the 0644 file is refused
        self.assertIn("the key in use stays", out.stderr)
        # SIGHUP reads the key file again too.
        write_key(os.path.join(self.dir, "link.key"), bytes(range(64, 96)), self.MASTER)
        d.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "keys: reloaded, key id " + bytes(range(64, 96)).hex() in d.stderr(), "SIGHUP key reload")
        self.assertEqual(d.get("/status")["protect"]["key_id"], bytes(range(64, 96)).hex())
        self.assert_no_key_material(d)
        self.assertEqual(d.stop(), 0)

    def test_acm_reports_inside_the_protected_link(self):
        # fixed_modcod off: ACM runs, its in-band reports are GSE PDUs in sealed frames.
        text = (PROTECTED % {"fwd": self.fwd}).replace("fixed_modcod: true", "fixed_modcod: false") + \
            "acm: {mode: acm, link_id: 9, min_modcod: QPSK 1/2, max_modcod: 8PSK 3/4, step_up_hold_s: 0.3}\n"
        d = self.daemon(text)
        s = wait_for(lambda: (lambda t: t if t["acm"]["reports_in"]["inband"] >= 3 and
                              t["tx"]["modcod"] != "QPSK 1/2" else None)(d.get("/status")),
                     "in-band reports and a step up")
        self.assertEqual(s["acm"]["reports_in"]["malformed"], 0)
        p = s["protect"]
        self.assertGreater(p["rx"]["frames_opened"], 0)
        self.assertEqual(sum(p["rx"]["frames_dropped"].values()), 0, p)
        self.assertNotIn("dummy", s["tx"]["frames_by_modcod"])
        r = self.traffic(d, 100)
        self.assertEqual((r["received"], r["lost"], r["corrupted"]), (100, 0, 0), r)
        self.assertEqual(d.stop(), 0)

    def test_hub_and_terminal_over_zmq(self):
        # Two daemons, one key file: the hub sends the forward direction and receives the
        # return one, the terminal the reverse (keys.role; the keys are per direction, so
        # with the roles mixed up neither would find the other's frames). Traffic both ways.
        p_fwd, p_ret = free_port(), free_port()
        ret_sock = udp_receiver()
        self.addCleanup(ret_sock.close)

        def conf(role, tx_port, rx_port, fwd, nonce):
            return """
modem: {profile: protected, modcod: QPSK 1/2, frame: short, pilots: true, symbol_rate: 1.0e5}
radio: {backend: zmq, direction: both, sample_rate: 2.0e5,
        zmq: {tx_address: "tcp://127.0.0.1:%d", rx_address: "tcp://127.0.0.1:%d"}}
data: {ip: {listen: "127.0.0.1:0", forward: "127.0.0.1:%d"}, drain_timeout: 2.0}
control: {port: 0}
keys: {file: link.key, link_id: 4, role: %s, epochs: utc}
comsec: {nonce_state_file: %s}
""" % (tx_port, rx_port, fwd, role, nonce)

        hub = Daemon(conf("hub", p_fwd, p_ret, ret_sock.getsockname()[1], "hub.nonce"), dirname=self.dir)
        self.addCleanup(hub.kill)
        hub.start_control()
        term = Daemon(conf("terminal", p_ret, p_fwd, self.fwd, "term.nonce"), dirname=self.dir)
        self.addCleanup(term.kill)
        term.start_control()
        term.wait_lock()
        hub.wait_lock()
        for sender, sink in ((hub, self.fwd_sock), (term, ret_sock)):
            check = modemd_traffic.TrafficCheck(sender.address("ip_listen"), sink, window=16)
            try:
                check.send_count(80, timeout=DEADLINE)
                check.drain(quiet=2.0)
                r = check.summary()
            finally:
                check.close()
            self.assertEqual((r["received"], r["lost"], r["corrupted"], r["out_of_order"]), (80, 0, 0, 0), r)
        for d in (hub, term):
            p = d.get("/status")["protect"]
            self.assertGreater(p["tx"]["frames_sealed"], 0)
            self.assertGreater(p["rx"]["frames_opened"], 0)
            self.assertEqual(sum(p["rx"]["frames_dropped"].values()), 0, p)
            # Two processes: the keyed sequences never repeat and are numbered from UTC.
            self.assertEqual((p["pl_sequence"], p["pl_time_base"]), ("never_repeats", "utc"))
        self.assertEqual(hub.get("/status")["protect"]["role"], "hub")
        self.assertEqual(term.get("/status")["protect"]["role"], "terminal")
        self.assertEqual(term.stop(), 0)
        self.assertEqual(hub.stop(), 0)

    def test_config_errors(self):
        base = PROTECTED % {"fwd": self.fwd}

        check = self.check_refused

        check(base.replace("keys: {file: link.key, ", "keys: {"), "keys.file", "missing")
        check(base.replace("link.key", "absent.key"), "keys.file")
        check(base.replace("{nonce_state_file: link.nonce}", "{enabled: true}"), "comsec.nonce_state_file")
        check(base.replace("profile: protected", "profile: civil"), "keys", "modem.profile is 'civil'")
        check(base + "acm: {mode: acm, feedback: {kind: inband}}\n",
              "transec.fixed_modcod")
        # Sequences that never repeat need a fixed MODCOD; the time base only goes with them.
        check(base.replace("transec: {fixed_modcod: true", "transec: {pl_period: 0, fixed_modcod: false"),
              "transec.pl_period", "fixed_modcod")
        check(base.replace("transec: {fixed_modcod: true", "transec: {pl_period: 4, time_base: utc, fixed_modcod: true"),
              "transec.time_base", "pl_period: 0")
        check(base.replace("transec: {fixed_modcod: true", "transec: {time_base: gps, fixed_modcod: true"),
              "transec.time_base")
        check(base.replace("transec: {fixed_modcod: true", "transec: {search_window: 17, fixed_modcod: true"),
              "transec.search_window")
        check(base.replace("transec: {fixed_modcod: true", "transec: {pl_period: 65537, fixed_modcod: true"),
              "transec.pl_period")
        check(base.replace("comsec: {", "comsec: {enabled: false, ").replace("transec: {", "transec: {enabled: false, "),
              "neither COMSEC nor TRANSEC")
        os.chmod(os.path.join(self.dir, "link.key"), 0o640)
        check(base, "keys.file")
        os.chmod(os.path.join(self.dir, "link.key"), 0o600)
        r = run(base, ["--check"], dirname=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.check_example("protected.yaml")  # the shipped example, its paths moved here

ANTIJAM = PROTECTED.replace(
    "modem: {profile: protected, modcod: QPSK 1/2, frame: normal, pilots: true, symbol_rate: 2.0e5}",
    "modem: {profile: protected, modcod: %(modcod)s, frame: short, pilots: true, symbol_rate: 5.0e4}").replace(
    "radio: {backend: loopback, sample_rate: 4.0e5, tx_rms: 0.3}",
    "radio: {backend: loopback, sample_rate: 6.0e5, tx_rms: 0.3}").replace(
    "channel: {esn0_db: 10.0, seed: 7}", "channel: {esn0_db: 12.0, seed: 7%(jammer)s}") + """
antijam:
  hopping: {enabled: true, mode: digital, channels: 6, channel_spacing_hz: 1.0e5, interpolation: 6,
            dwell_symbols: 128, guard_s: 2.0e-4, erase_jammed: true, threshold_db: 3.0}
"""
# The modem at 100 kS/s, the hop band 600 kS/s: channel c at (c - 2.5) x 100 kHz. The jammer
# covers channel 0 (-250 kHz) alone: [-295, -205) kHz, 20 dB over the signal.
JAMMER_ON_CHANNEL_0 = ", jammer: {kind: partial, js_db: 20.0, band_low_hz: -2.95e5, band_fraction: 0.15}"


try:  # the hop schedule, computed here independently (Debian: python3-cryptography)
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
except ImportError:
    HKDF = None


def hop_channels(slots, n, epoch, link, direction, key_id=bytes(range(32)), master=bytes(range(0x10, 0x30))):
    """The keyed channel of each slot (lib/antijam hop_schedule.h): the HOPPING key is
    HKDF-SHA-384 (salt "dualsat/protect/v1" || key id, info "HOPPING" 0 epoch u32 link u16
    direction u8); slot k reads AES-256-CTR blocks from counter (k u64, b u64) and takes the
    first u32 below floor(2^32 / n) n, modulo n."""
    info = b"HOPPING\0" + epoch.to_bytes(4, "big") + link.to_bytes(2, "big") + bytes([direction])
    key = HKDF(algorithm=hashes.SHA384(), length=32, salt=b"dualsat/protect/v1" + key_id,
               info=info).derive(master)
    limit = (1 << 32) // n * n
    out = []
    for k in slots:
        b = 0
        while True:
            block = Cipher(algorithms.AES(key), modes.CTR(k.to_bytes(8, "big") + b.to_bytes(8, "big"))) \
                .encryptor().update(bytes(16))
            good = [r for r in (int.from_bytes(block[i:i + 4], "big") for i in range(0, 16, 4)) if r < limit]
            if good:
                out.append(good[0] % n)
                break
            b += 1
    return out


class Antijam(ProtectedConfigChecks, unittest.TestCase):
    """antijam: keyed digital frequency hopping through the daemon (loopback backend)."""

    def setUp(self):
        self.dir = temp_dir()
        write_key(os.path.join(self.dir, "link.key"), bytes(range(32)), bytes(range(0x10, 0x30)))
        self.fwd_sock = udp_receiver()
        self.addCleanup(self.fwd_sock.close)
        self.fwd = self.fwd_sock.getsockname()[1]

    def config(self, jammer="", modcod="QPSK 1/3"):
        return ANTIJAM % {"fwd": self.fwd, "jammer": jammer, "modcod": modcod}

    def daemon(self, text):
        d = Daemon(text, args=["--status-interval", "0.5"], dirname=self.dir)
        self.addCleanup(d.kill)
        d.start_control()
        return d

    def traffic(self, d, count, quiet=5.0):
        # All in flight at once, and a long quiet time: at 50 ksym/s a packet takes ~3.4 s
        # through the daemon (~3.2 s without hopping: the chain's buffers at this low rate).
        check = modemd_traffic.TrafficCheck(d.address("ip_listen"), self.fwd_sock, window=count,
                                            sizes=(64, 160))
        try:
            check.send_count(count, timeout=DEADLINE)
            check.drain(quiet=quiet)
            return check.summary()
        finally:
            check.close()

    def test_hopping_passes_packets_exactly(self):
        d = self.daemon(self.config())
        d.wait_lock()
        r = self.traffic(d, 40)
        self.assertEqual((r["received"], r["lost"], r["corrupted"], r["out_of_order"]), (40, 0, 0, 0), r)
        s = d.get("/status")
        a = s["antijam"]
        self.assertEqual((a["mode"], a["channels"], a["interpolation"], a["epoch"]), ("digital", 6, 6, 5))
        # 128 symbols at 2 samples per symbol; the guard 2e-4 s is 20 samples at 100 kS/s.
        self.assertEqual((a["dwell_samples"], a["guard_samples"]), (256, 20))
        self.assertGreater(a["tx"]["slots"], 100)
        self.assertIn(a["tx"]["channel_now"], range(6))
        self.assertGreater(a["rx"]["dwells"], 100)
        # Every channel is used; without a jammer none is judged jammed.
        self.assertTrue(all(n > 0 for n in a["rx"]["dwells_by_channel"]), a)
        self.assertEqual((a["rx"]["jammed_dwells"], a["rx"]["erased_samples"]), (0, 0), a)
        self.assertEqual(s["rx"]["frames_bad"], 0)
        # The modem runs at 100 kS/s inside the 600 kS/s band the radio carries.
        self.assertEqual(s["realtime"]["rx"]["nominal_samples_per_s"], 1.0e5)
        self.assertEqual(s["realtime"]["tx"]["nominal_samples_per_s"], 6.0e5)
        fams = parse_prometheus(d.get("/metrics"))
        self.assertEqual(fams["dualsat_antijam_info"]["samples"][0][0]["mode"], "digital")
        self.assertGreater(fams["dualsat_antijam_rx_dwells_total"]["samples"][0][1], 100)
        self.assertEqual(fams["dualsat_antijam_rx_jammed_dwells_total"]["samples"][0][1], 0)
        self.assertEqual(len(fams["dualsat_antijam_rx_channel_dwells_total"]["samples"]), 6)
        self.assertEqual(d.stop(), 0)

    def test_partial_band_jammer_is_found_and_erased(self):
        d = self.daemon(self.config(JAMMER_ON_CHANNEL_0))
        d.wait_lock()
        r = self.traffic(d, 40)
        self.assertEqual((r["received"], r["lost"], r["corrupted"], r["out_of_order"]), (40, 0, 0, 0),
                         (r, d.get("/status")["rx"], d.get("/status")["tx"]))
        s = d.get("/status")
        a = s["antijam"]["rx"]
        self.assertEqual(a["jammed_channels"], [0], a)
        # Channel 0's dwells are jammed (all but the first few, judged before the detector
        # has its reference), the others never.
        self.assertGreater(a["jammed_by_channel"][0], 0.8 * a["dwells_by_channel"][0], a)
        self.assertEqual(a["jammed_dwells"], a["jammed_by_channel"][0])
        # Erased: the data part of each jammed dwell (dwell - guard = 236 samples).
        self.assertEqual(a["erased_samples"], 236 * a["jammed_dwells"], a)
        self.assertEqual(s["radio"]["channel"]["jammer"], {"kind": "partial", "js_db": 20.0})
        fams = parse_prometheus(d.get("/metrics"))
        by_channel = {l["channel"]: v for l, v in fams["dualsat_antijam_rx_channel_jammed_dwells_total"]["samples"]}
        self.assertGreater(by_channel["0"], 0)
        self.assertEqual([by_channel[str(c)] for c in range(1, 6)], [0] * 5)
        self.assertEqual(d.stop(), 0)

    def test_codeword_interleaving_carries_qpsk_half_through_erased_dwells(self):
        # QPSK 1/2 with a sixth of the dwells erased: without codeword interleaving each
        # erased 128-symbol dwell is 256 consecutive codeword bits and frames fail (the
        # README's figures); with it (the default with hopping) they are rebuilt.
        d = self.daemon(self.config(JAMMER_ON_CHANNEL_0, modcod="QPSK 1/2"))
        d.wait_lock()
        r = self.traffic(d, 40)
        s = d.get("/status")
        self.assertEqual((r["received"], r["lost"], r["corrupted"], r["out_of_order"]), (40, 0, 0, 0),
                         (r, s["rx"], s["antijam"]["rx"]))
        self.assertTrue(s["antijam"]["codeword_interleaving"])
        self.assertEqual(s["antijam"]["rx"]["jammed_channels"], [0])
        self.assertGreater(s["rx"]["frames_ok"], 20)
        # At most the frames before the jam detector has its reference (8 dwells).
        self.assertLessEqual(s["rx"]["frames_bad"], 1, s["rx"])
        self.assertEqual(d.stop(), 0)

    def test_dsss_with_hopping_under_a_partial_band_jammer(self):
        # Spread, then hopped: 25 ksym/s x SF 8 = 200 kchip/s, 2 samples per chip = the
        # modem's 400 kS/s, on 4 channels 400 kHz apart in the 1.6 MS/s band; channel 0
        # (-600 kHz, its chips +-120 kHz) jammed at J/S 20 dB. The dehopper erases its
        # dwells (zeros) and the despreader passes over them without losing the code.
        text = PROTECTED.replace(
            "modem: {profile: protected, modcod: QPSK 1/2, frame: normal, pilots: true, symbol_rate: 2.0e5}",
            "modem: {profile: protected, modcod: QPSK 1/3, frame: short, pilots: true, symbol_rate: 2.5e4}").replace(
            "radio: {backend: loopback, sample_rate: 4.0e5, tx_rms: 0.3}",
            "radio: {backend: loopback, sample_rate: 1.6e6, tx_rms: 0.3}").replace(
            "channel: {esn0_db: 10.0, seed: 7}",
            "channel: {esn0_db: 12.0, seed: 7, jammer: {kind: partial, js_db: 20.0, band_low_hz: -7.2e5, "
            "band_fraction: 0.15}}") % {"fwd": self.fwd} + """
antijam:
  dsss: {enabled: true, sf: 8}
  hopping: {enabled: true, mode: digital, channels: 4, channel_spacing_hz: 4.0e5, interpolation: 4,
            dwell_symbols: 64, guard_s: 5.0e-5}
"""
        d = self.daemon(text)
        d.wait_lock()
        r = self.traffic(d, 20, quiet=10.0)  # ~6 s through the chain's buffers at 25 ksym/s
        s = d.get("/status")
        a = s["antijam"]
        self.assertEqual((r["received"], r["lost"], r["corrupted"], r["out_of_order"]), (20, 0, 0, 0),
                         (r, s["rx"], a["dsss"]["rx"]))
        self.assertEqual((a["hopping"], a["mode"], a["dsss"]["sf"], a["dsss"]["chip_rate_hz"]),
                         (True, "digital", 8, 2.0e5))
        # 64 symbols x 8 chips x 2 samples: 1024 samples a dwell, 20 of them guard.
        self.assertEqual((a["dwell_samples"], a["guard_samples"]), (1024, 20))
        self.assertEqual(a["rx"]["jammed_channels"], [0], a["rx"])
        self.assertGreater(a["rx"]["jammed_dwells"], 50)
        rx = a["dsss"]["rx"]
        self.assertEqual((rx["acquisitions"], rx["lock_losses"]), (1, 0), rx)
        # The erased dwells' tracking blocks were passed over (one or two per 63-symbol
        # dwell).
        self.assertGreater(rx["erased_blocks"], a["rx"]["jammed_dwells"] // 2, rx)
        # (rx_cb's frame lock, on a quarter of the dwells erased, may drop once in a while
        # between frames: seen once in 5 runs, without a lost packet; not asserted.)
        self.assertEqual(d.stop(), 0)

    def test_analog_hopping_commands_on_fake_uhd(self):
        # The fake USRP (radio.cc FakeUhdDevice) records the timed tune commands it gets:
        # TX as usrp_sink's tx_command tags, RX on usrp_source's command port. Both streams
        # start at a slot boundary a second after the radio's time (0 on the fake).
        text = """
modem: {profile: protected, modcod: QPSK 1/3, frame: short, pilots: true, symbol_rate: 5.0e4}
radio: {backend: uhd, direction: both, sample_rate: 1.0e5,
        uhd: {args: "type=dualsat-fake", tx: {freq: 1.0e9}, rx: {freq: 1.2e9}}}
data: {ip: {listen: "127.0.0.1:0", forward: "127.0.0.1:%d"}}
control: {bind: 127.0.0.1, port: 0}
keys: {file: link.key, link_id: 9, role: hub, epochs: command, initial_epoch: 5}
comsec: {nonce_state_file: link.nonce}
antijam:
  time_source: uhd
  hopping: {enabled: true, mode: analog, channels: 6, channel_spacing_hz: 1.0e5,
            dwell_symbols: 256, guard_s: 4.0e-4, lead_s: 0.01}
""" % self.fwd
        d = self.daemon(text)
        s = wait_for(lambda: (lambda t: t if t["radio"]["tune_commands"]["rx"]["count"] >= 64 and
                              t["radio"]["tune_commands"]["tx"]["count"] >= 64 else None)(d.get("/status")),
                     "64 tune commands each way")
        dwell = 512 / 1.0e5  # 256 symbols at 2 samples per symbol
        a = s["antijam"]
        self.assertEqual((a["mode"], a["interpolation"], a["dwell_s"]), ("analog", 1, dwell))
        self.assertAlmostEqual(a["start_time"], 196 * dwell, places=9)  # the first boundary >= 1 s
        for side, centre, direction in (("tx", 1.0e9, 0), ("rx", 1.2e9, 1)):  # hub: sends forward
            c = s["radio"]["tune_commands"][side]
            self.assertEqual(c["malformed"], 0)
            times = c["times"]
            slots = [round(t / dwell) for t in times]
            self.assertEqual(slots[0], 196, times[:3])
            # One command per slot, each at its slot's start, none missed.
            self.assertEqual(slots, list(range(196, 196 + len(times))))
            for t, k in zip(times, slots):
                self.assertAlmostEqual(t, k * dwell, places=9)
            self.assertGreaterEqual(a[side]["tune_commands"]["issued"], c["count"])
            if HKDF is not None:
                expected = [centre + (ch - 2.5) * 1.0e5 for ch in hop_channels(slots, 6, 5, 9, direction)]
                self.assertEqual(c["freqs"], expected, side)
        fams = parse_prometheus(d.get("/metrics"))
        self.assertEqual({l["side"] for l, _ in fams["dualsat_antijam_tune_commands_total"]["samples"]},
                         {"tx", "rx"})
        self.assertEqual(d.stop(), 0)

    # DSSS: 50 ksym/s spread by 16 chips, 2 samples per chip: 1.6 MS/s on the loopback. The
    # jammer's J/S is over the whole 1.6 MHz band: after despreading its noise density is
    # J / 1.6 MHz against Es = S / 50 kHz, i.e. Es/N_J = 32 / (J/S): 15.1 - 10 = 5.1 dB at
    # J/S 10 dB (4.2 dB with the thermal noise at 12 dB), 3 dB above QPSK 1/2's need
    # (1.0 dB). Unspread at this symbol rate in a 100 kHz band the same jammer power would
    # leave Es/N_J = 2 / 10: -7 dB.
    DSSS = PROTECTED.replace(
        "modem: {profile: protected, modcod: QPSK 1/2, frame: normal, pilots: true, symbol_rate: 2.0e5}",
        "modem: {profile: protected, modcod: QPSK 1/2, frame: short, pilots: true, symbol_rate: 5.0e4}").replace(
        "radio: {backend: loopback, sample_rate: 4.0e5, tx_rms: 0.3}",
        "radio: {backend: loopback, sample_rate: 1.6e6, tx_rms: 0.3}").replace(
        "channel: {esn0_db: 10.0, seed: 7}", "channel: {esn0_db: 12.0, seed: 7%(jammer)s}") + """
antijam:
  dsss: {enabled: true, sf: 16}
"""

    def dsss_config(self, jammer=", jammer: {kind: broadband, js_db: 10.0}"):
        return self.DSSS % {"fwd": self.fwd, "jammer": jammer}

    def test_dsss_carries_packets_under_a_broadband_jammer(self):
        d = self.daemon(self.dsss_config())
        d.wait_lock()
        r = self.traffic(d, 40)
        s = d.get("/status")
        self.assertEqual((r["received"], r["lost"], r["corrupted"], r["out_of_order"]), (40, 0, 0, 0),
                         (r, s["rx"], s["antijam"]))
        a = s["antijam"]
        self.assertEqual((a["hopping"], a["epoch"]), (False, 5))
        self.assertNotIn("mode", a)
        dsss = a["dsss"]
        self.assertEqual((dsss["sf"], dsss["chip_rate_hz"], dsss["samples_per_chip"]), (16, 8.0e5, 2))
        self.assertAlmostEqual(dsss["processing_gain_db"], 12.04, places=2)
        self.assertGreater(dsss["tx"]["symbols"], 50000)
        rx = dsss["rx"]
        # Locked once, at the first search (the signal is there from sample 0), and kept.
        self.assertTrue(rx["locked"], rx)
        self.assertEqual((rx["acquisitions"], rx["lock_losses"], rx["nonfinite_samples"]), (1, 0, 0), rx)
        first = rx["first_lock"]["symbol"]
        self.assertLess(first, 64, rx)  # the first search
        self.assertAlmostEqual(rx["first_lock"]["acquisition_s"], (first + 64) / 5.0e4)  # 64 symbols searched
        self.assertLess(abs(rx["first_lock"]["code_phase_chips"]), 0.5, rx)
        self.assertGreater(rx["symbols_out"], 0.9 * dsss["tx"]["symbols"] - 1e5, rx)
        # The jammer is there: the receiver measures Es/N0 ~4 dB (12 dB without it), the
        # despreader alike; both far below the thermal noise's 12 dB.
        self.assertLess(s["rx"]["esn0_db"], 7.0, s["rx"])
        self.assertGreater(s["rx"]["esn0_db"], 2.0, s["rx"])
        self.assertLess(rx["despread_esn0_db"], 8.0, rx)
        self.assertGreater(rx["despread_esn0_db"], 1.0, rx)
        self.assertEqual(s["rx"]["frames_bad"], 0)
        self.assertEqual(s["radio"]["channel"]["jammer"], {"kind": "broadband", "js_db": 10.0})
        # rx_cb runs on the despread symbols at 2 samples per symbol.
        self.assertEqual(s["realtime"]["rx"]["nominal_samples_per_s"], 1.0e5)
        self.assertEqual(s["realtime"]["tx"]["nominal_samples_per_s"], 1.6e6)
        fams = parse_prometheus(d.get("/metrics"))
        self.assertEqual(fams["dualsat_antijam_dsss_spreading_factor"]["samples"][0][1], 16)
        self.assertEqual(fams["dualsat_antijam_dsss_chip_rate_hz"]["samples"][0][1], 8.0e5)
        self.assertEqual(fams["dualsat_antijam_dsss_locked"]["samples"][0][1], 1)
        self.assertEqual(fams["dualsat_antijam_dsss_acquisitions_total"]["samples"][0][1], 1)
        self.assertIn("dualsat_antijam_dsss_despread_esn0_db", fams)
        self.assertNotIn("dualsat_antijam_info", fams)  # no hopping
        self.assertEqual(d.stop(), 0)

    def test_dsss_recording_needs_the_key(self):
        # A recording of the spread carrier (file backend, the stream's first sample is
        # symbol 0) decodes with the key, and with another key file the despreader never
        # finds the code: nothing reaches the receiver, every search counted.
        tx = self.dsss_config(jammer="").replace(
            "radio: {backend: loopback, sample_rate: 1.6e6, tx_rms: 0.3}",
            "radio: {backend: file, direction: tx, sample_rate: 1.6e6, file: {tx_path: rec.sigmf-data}}").replace(
            "channel: {esn0_db: 12.0, seed: 7}\n", "").replace(
            "data: {ip: {listen: \"127.0.0.1:0\", forward: \"127.0.0.1:%d\"}, drain_timeout: 2.0}" % self.fwd,
            "data: {test_pattern: {enabled: true}}").replace("modem: {profile: protected,", "modem: {stream: ts, profile: protected,")
        r = run(tx, ["--duration", "2"], dirname=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        rx = tx.replace("direction: tx", "direction: rx").replace(
            "file: {tx_path: rec.sigmf-data}", "file: {rx_path: rec.sigmf-data, throttle: false}").replace(
            "comsec: {nonce_state_file: link.nonce}", "comsec: {}").replace(
            "control: {bind: 127.0.0.1, port: 0}", "control: {enabled: false}").replace(
            "role: hub", "role: terminal")  # receives the hub's (forward) carrier
        pattern = r"dsss: SF 16 at 800000 chips/s, lock (\w+) \((\d+) searches, (\d+) acquisitions, (\d+) losses\)"
        r = run(rx, dirname=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        m = re.search(pattern, r.stdout)
        self.assertIsNotNone(m, r.stdout)
        self.assertEqual((m.group(3), m.group(4)), ("1", "0"), r.stdout)
        m = re.search(r"frames ok (\d+) bad (\d+)", r.stdout)
        self.assertGreater(int(m.group(1)), 5, r.stdout)
        self.assertEqual(int(m.group(2)), 0, r.stdout)
        self.assertIn("first lock at 0.001 s of signal", r.stdout)

        write_key(os.path.join(self.dir, "other.key"), bytes(range(1, 33)), bytes(range(0x20, 0x40)))
        r = run(rx.replace("file: link.key", "file: other.key"), dirname=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        m = re.search(pattern, r.stdout)
        self.assertIsNotNone(m, r.stdout)
        # 2 s of 50 ksym/s in searches of 64 symbols: ~1560 searches, none detected.
        self.assertEqual((m.group(1), m.group(3)), ("no", "0"), r.stdout)
        self.assertGreater(int(m.group(2)), 1000, r.stdout)
        self.assertIn("rx (rx_protected_cb): 0 samples", r.stdout)
        self.assertRegex(r.stdout, r"frames ok 0 bad 0 idle 0")

    def test_dsss_over_zmq_two_daemons(self):
        # ZeroMQ push/pull loses no sample (the push waits for the puller), so the
        # receiver's sample 0 is the transmitter's: it locks at the first search even when
        # it starts seconds later. The terminal receives the hub's forward carrier.
        port = free_port()
        common = self.DSSS.replace("channel: {esn0_db: 12.0, seed: 7%(jammer)s}\n", "").replace(
            "data: {ip: {listen: \"127.0.0.1:0\", forward: \"127.0.0.1:%(fwd)d\"}, drain_timeout: 2.0}\n", "")
        tx = self.daemon(common.replace(
            "radio: {backend: loopback, sample_rate: 1.6e6, tx_rms: 0.3}",
            'radio: {backend: zmq, direction: tx, sample_rate: 1.6e6, zmq: {tx_address: "tcp://127.0.0.1:%d"}}\n'
            'data: {ip: {listen: "127.0.0.1:0"}}' % port))
        time.sleep(2.0)
        rx = self.daemon(common.replace(
            "radio: {backend: loopback, sample_rate: 1.6e6, tx_rms: 0.3}",
            'radio: {backend: zmq, direction: rx, sample_rate: 1.6e6, zmq: {rx_address: "tcp://127.0.0.1:%d"}}\n'
            'channel: {esn0_db: 10.0, seed: 3}\n'
            'data: {ip: {forward: "127.0.0.1:%d"}}' % (port, self.fwd)).replace(
            "role: hub", "role: terminal").replace("comsec: {nonce_state_file: link.nonce}", "comsec: {}"))
        rx.wait_lock()
        r = self.traffic(tx, 20)
        s = rx.get("/status")
        self.assertEqual((r["received"], r["lost"], r["corrupted"], r["out_of_order"]), (20, 0, 0, 0),
                         (r, s["rx"], s["antijam"]["dsss"]["rx"]))
        d = s["antijam"]["dsss"]["rx"]
        self.assertEqual((d["searches"], d["acquisitions"], d["lock_losses"]), (1, 1, 0), d)
        self.assertLess(d["first_lock"]["symbol"], 64, d)
        self.assertIsNone(s["tx"])
        self.assertEqual(rx.stop(), 0)
        self.assertEqual(tx.stop(), 0)

    def test_dsss_config_errors(self):
        base = self.dsss_config()

        check = self.check_refused

        self.assertEqual(run(base, ["--check"], dirname=self.dir).returncode, 0)
        check(base.replace("sf: 16", "sf: 32"), "antijam.dsss.sf",
              "32 chips x samples_per_chip 2 x modem.symbol_rate 50000 = 3200000 samples/s",
              "radio.sample_rate is 1600000", "set radio.sample_rate to 3200000")
        check(base.replace("sf: 16", "sf: 2"), "antijam.dsss.sf")
        check(base.replace("sf: 16", "sf: 2048"), "antijam.dsss.sf")
        check(base.replace("sf: 16", "sf: 16, samples_per_chip: 3"), "antijam.dsss.samples_per_chip", "must be even")
        check(base.replace("sf: 16", "sf: 16, max_cfo_hz: 2.0e5"), "antijam.dsss.max_cfo_hz", "chip rate")
        check(base.replace("sf: 16", "sf: 16, chips: 4"), "antijam.dsss.chips", "unknown key")
        # A USRP shares no time base with the far end.
        uhd = base.replace("radio: {backend: loopback, sample_rate: 1.6e6, tx_rms: 0.3}",
                           'radio: {backend: uhd, sample_rate: 1.6e6, uhd: {args: "type=dualsat-fake", '
                           'tx: {freq: 1.0e9}, rx: {freq: 1.0e9}}}').replace(
                               "channel: {esn0_db: 12.0, seed: 7, jammer: {kind: broadband, js_db: 10.0}}\n", "")
        check(uhd, "antijam.dsss.enabled", "no time base")
        check(base.replace("radio: {backend: loopback, sample_rate: 1.6e6, tx_rms: 0.3}",
                           'radio: {backend: zmq, direction: tx, sample_rate: 1.6e6, '
                           'zmq: {pattern: pubsub, tx_address: "tcp://127.0.0.1:5999"}}').replace(
                               "channel: {esn0_db: 12.0, seed: 7, jammer: {kind: broadband, js_db: 10.0}}\n", ""),
              "antijam.dsss.enabled", "'pubsub'", "pushpull")
        # Off: the modem runs unspread, and the rates are not checked.
        self.assertEqual(run(base.replace("enabled: true, sf: 16", "enabled: false, sf: 32"), ["--check"],
                             dirname=self.dir).returncode, 0)
        check(base.replace("modem: {profile: protected,", "modem: {profile: civil,"), "modem.profile is 'civil'")
        self.check_example("dsss.yaml")  # the shipped example, its paths moved here

    def test_config_errors(self):
        base = self.config()

        check = self.check_refused

        self.assertEqual(run(base, ["--check"], dirname=self.dir).returncode, 0)
        civil = "modem: {symbol_rate: 1.0e5}\nradio: {sample_rate: 8.0e5}\n" \
                "antijam: {hopping: {channels: 4, channel_spacing_hz: 2.0e5, dwell_symbols: 256}}\n"
        check(civil, "antijam", "modem.profile is 'civil'")
        check(base.replace("antijam:\n", "antijam:\n  time_source: uhd\n"),
              "antijam.time_source", "radio.backend 'uhd'")
        check(base.replace("channel_spacing_hz: 1.0e5", "channel_spacing_hz: 1.1e5"),
              "antijam.hopping.channel_spacing_hz", "do not fit radio.sample_rate 600000")
        check(base.replace("channel_spacing_hz: 1.0e5", "channel_spacing_hz: 5.0e4"),
              "antijam.hopping.channel_spacing_hz", "adjacent channels would overlap")
        check(base.replace("guard_s: 2.0e-4", "guard_s: 1.0e-4"),
              "antijam.hopping.guard_s", "filter_semi_length")
        check(base.replace("dwell_symbols: 128", "dwell_symbols: 128, dwell_s: 0.01"),
              "antijam.hopping.dwell_symbols", "exactly one")
        check(base.replace("dwell_symbols: 128", "dwell_symbols: 16"),
              "antijam.hopping.dwell_symbols", "at most half")
        check(base.replace("interpolation: 6", "interpolation: 1"), "antijam.hopping.interpolation", ">= 2")
        check(base.replace("interpolation: 6", "interpolation: 16").replace("guard_s: 2.0e-4", "guard_s: 5.0e-4"),
              "antijam.hopping.interpolation", "at least 2 x modem.symbol_rate")
        # Off: the modem runs at radio.sample_rate, the settings are not checked against it.
        self.assertEqual(run(base.replace("enabled: true, mode", "enabled: false, mode")
                                 .replace("sample_rate: 6.0e5", "sample_rate: 1.0e5"),
                             ["--check"], dirname=self.dir).returncode, 0)
        check(base.replace("enabled: true, mode", "enabled: false, mod"), "antijam.hopping.mod", "unknown key")
        analog = base.replace("mode: digital", "mode: analog").replace("interpolation: 6,", "")
        check(analog, "antijam.hopping.mode", "radio.backend 'uhd'")
        check(base.replace("mode: digital", "mode: analog"), "antijam.hopping.interpolation", "no interpolation")
        uhd = analog.replace("radio: {backend: loopback, sample_rate: 6.0e5, tx_rms: 0.3}",
                             'radio: {backend: uhd, sample_rate: 1.0e5, uhd: {args: "type=dualsat-fake", '
                             'tx: {freq: 1.0e9}, rx: {freq: 1.0e9}}}').replace("channel: {esn0_db: 12.0, seed: 7}\n", "")
        check(uhd, "antijam.hopping.guard_s", "shorter than settling_s")
        digital_uhd = uhd.replace("mode: analog", "mode: digital, interpolation: 6").replace(
            "sample_rate: 1.0e5", "sample_rate: 6.0e5").replace("antijam:\n", "antijam:\n  time_source: uhd\n")
        check(digital_uhd, "antijam.time_source", "'uhd' is for analog hopping")
        # Analog hopping runs on the radio's time.
        check(uhd.replace("guard_s: 2.0e-4", "guard_s: 4.0e-4").replace("dwell_symbols: 128", "dwell_symbols: 512"),
              "antijam.time_source", "set 'uhd'")
        r = run(uhd.replace("guard_s: 2.0e-4", "guard_s: 4.0e-4").replace("dwell_symbols: 128", "dwell_symbols: 512")
                   .replace("antijam:\n", "antijam:\n  time_source: uhd\n"), ["--check"], dirname=self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        check(base.replace("mode: digital", "mode: digitl"), "antijam.hopping.mode", "not one of")
        check(base.replace("erase_jammed", "erase_jamed"), "antijam.hopping.erase_jamed", "unknown key")
        # DSSS with hopping: the spread stream is the modem's (600 kS/s / 6 = 100 kS/s =
        # 50 ksym/s x 2 x 1 would need sf 1); the chip band must fit the channel spacing.
        slow = base.replace("symbol_rate: 5.0e4", "symbol_rate: 3125")
        check(slow + "  dsss: {enabled: true, sf: 4}\n", "antijam.dsss.sf",
              "4 chips x samples_per_chip 2 x modem.symbol_rate 3125 = 25000 samples/s",
              "radio.sample_rate / antijam.hopping.interpolation is 100000",
              "set radio.sample_rate to 150000 with the hopping interpolation")
        self.assertEqual(run(slow + "  dsss: {enabled: true, sf: 16}\n", ["--check"], dirname=self.dir).returncode, 0)
        check(slow.replace("channel_spacing_hz: 1.0e5", "channel_spacing_hz: 5.5e4") + "  dsss: {enabled: true, sf: 16}\n",
              "antijam.hopping.channel_spacing_hz", "the DSSS chip rate x (1 + roll-off) = 60000 Hz")
        check(base.replace("seed: 7", "seed: 7, jammer: {kind: laser}"), "channel.jammer.kind", "not one of")
        self.check_example("antijam.yaml")  # the shipped example, its paths moved here


if __name__ == "__main__":
    unittest.main(verbosity=2)
