#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real-time benchmark (issue 14): how fast the modem runs where users run it.

    /usr/bin/python3 tests/bench/bench_realtime.py [--build BUILD] [--symbols N]
        [--modcods "QPSK 1/2,8PSK 3/5,..."] [--loads data,idle] [--legs lib,block,daemon,...]
        [--loopback-rates 1e6,5e6,10e6] [--loopback-seconds S] [--loopback-side-by-side R]
        [--dvbs2rx PATH]
        [--repeats N] [--markdown FILE] [--smoke]

Files: for every MODCOD and load, a recording at 2 samples/symbol of normal frames with
pilots (data: TS packets, Es/N0 a few dB above the MODCOD's threshold; idle: dummy
PLFRAMEs only) in /dev/shm, with SigMF metadata so the daemon's file backend replays it.
Nominal rates 30 Msym/s at 60 MS/s (a 36 MHz transponder's carrier); nothing throttles,
so every figure is how fast the machine goes, in Msym/s of the carrier.

Legs, each a separate process so that its CPU and its threads are its own:
  lib      tests/bench/bench_realtime_lib: Receiver over the file read into memory (2 FEC
           threads + the front-end thread), and Transmitter + TxPulseShaper
  block    rx: file_source -> rx_cb (fec_threads 2) -> null_sink
           tx: vector_source (TS) or nothing (idle, GSE) -> tx_bc -> pulse_shaper_cc -> null
  daemon   dualsat-modemd RX-only with the file backend (no throttle) replaying the file,
           TX-only recording to /dev/shm (no throttle; data: its built-in test pattern)
  zmq      the same daemons with the ZeroMQ backend: a GNU Radio file_source -> zmq push
           sink feeds the RX daemon; the TX daemon's samples go to a zmq pull source
  loopback dualsat-modemd loopback (TX + channel + RX in one process) at the given
           symbol rates for --loopback-seconds each, idle and loaded (test pattern): CPU
           seconds per second, and whether it keeps up (samples received / wall time)
  dvbs2rx  gr-dvbs2rx's dvbs2-rx on the QPSK 1/2 data file (when --dvbs2rx or the
           DVBS2RX_PREFIX environment variable points to its install prefix)
The receivers compared with each other (lib, block and dvbs2rx rx) run --repeats times,
interleaved, and each row is the fastest of its runs (all listed in the note); so do the
file-backend RX daemon (fastest) and the loopback daemon (each row its cheapest run in
CPU-s/s that kept up; idle and loaded side by side, measured over the same seconds, at
rates up to --loopback-side-by-side, 2 Msym/s by default, alternating above it).

Every row: Msym/s (the carrier's symbols per wall second), CPU seconds per second of
wall time, the ratio to the library leg of the same MODCOD and load, and the CPU seconds
of the busiest thread groups (threads are named: GNU Radio names each block's thread
after the block; the library names its own dualsat-rxfe0, dualsat-fec<N>, dualsat-txenc<N>),
sampled from /proc every 250 ms (cheap enough not to disturb what it measures). Not a test: timings are not pass/fail. --smoke runs one
short configuration of each leg and fails only when a leg does not run or decodes nothing
(ctest: bench_realtime_smoke).
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

SYMBOL_RATE = 30e6
SAMPLE_RATE = 60e6
# Es/N0 of the data recordings: a few dB above each MODCOD's QEF threshold (EN 302 307-1
# Table 13: 1.00, 5.50, 10.21, 16.05 dB), so the LDPC works as it does on a real link.
MODCOD_ESN0 = {"QPSK 1/2": 4.0, "8PSK 3/5": 8.5, "16APSK 3/4": 13.0, "32APSK 9/10": 19.0}
HERE = os.path.dirname(os.path.abspath(__file__))
SELF = os.path.abspath(__file__)
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------- helpers

def slug(modcod, load):
    return modcod.replace(" ", "_").replace("/", "") + "_" + load


class ThreadSampler:
    """CPU seconds per thread of a process, polled from /proc/PID/task (threads that end
    between two polls keep their last reading)."""

    def __init__(self, pid, period=0.25):
        self.pid, self.period = pid, period
        self.last = {}  # tid -> (name, seconds)
        self._stop = threading.Event()
        self._poll()  # a reading at once: groups() right after construction is a baseline
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _poll(self):
        try:
            tids = os.listdir("/proc/%d/task" % self.pid)
        except OSError:
            return
        for tid in tids:
            try:
                with open("/proc/%d/task/%s/stat" % (self.pid, tid)) as f:
                    stat = f.read()
            except OSError:
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
            secs = (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime
            self.last[tid] = (name, secs)

    def _run(self):
        while not self._stop.is_set():
            self._poll()
            self._stop.wait(self.period)

    def stop(self):
        self._poll()
        self._stop.set()
        self._thread.join()

    def groups(self, exclude_tid=None):
        """CPU seconds by thread name with the trailing instance number dropped."""
        g = {}
        for tid, (name, secs) in self.last.items():
            if tid == exclude_tid:
                continue
            key = re.sub(r"\d+$", "", name) or name
            g[key] = g.get(key, 0.0) + secs
        return g


def group_delta(now, base):
    """Thread-group CPU seconds since `base`, without the sampler's own thread."""
    return {k: v - base.get(k, 0.0) for k, v in now.items() if v - base.get(k, 0.0) > 0}


def run_measured(cmd, env=None, timeout=600, stdin=None):
    """Runs cmd, sampling its threads; returns (stdout, wall, cpu, thread groups, rc)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, stdin=stdin)
    sampler = ThreadSampler(proc.pid)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    wall = time.monotonic() - t0
    sampler.stop()
    return out, err, wall, sampler.groups(), proc.returncode


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError("no JSON result in:\n" + text[-2000:])


def fmt_groups(groups, wall, top=5):
    items = sorted(groups.items(), key=lambda kv: -kv[1])[:top]
    return ", ".join("%s %.2f" % (k, v / wall) for k, v in items if v / wall >= 0.005)


def write_sigmf(path, modcod, nsamples):
    meta = {
        "global": {"core:datatype": "cf32_le", "core:sample_rate": SAMPLE_RATE,
                   "core:version": "1.0.0", "core:description": "bench_realtime " + modcod},
        "captures": [{"core:sample_start": 0, "core:frequency": 0}],
        "annotations": [],
    }
    with open(path + ".sigmf-meta", "w") as f:
        json.dump(meta, f)


# ---------------------------------------------------------------------- child processes

def gnuradio_env(build):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(build, "test_modules") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def transmitter(tb, modcod, load, seed):
    """tx_bc for normal frames with pilots in tb: data = a looping source of random TS
    packets (PID 0x100) on its TS input; idle = its GSE mode with nothing queued, which
    sends dummy PLFRAMEs."""
    from gnuradio import blocks
    from gnuradio import dualsat
    import numpy as np
    fmt = dualsat.parse_frame_format(modcod + " normal pilots")
    mode = dualsat.TxInputMode.TS if load == "data" else dualsat.TxInputMode.GSE
    tx = dualsat.tx_bc(mode, dualsat.FrameSize.NORMAL, fmt.modcod.rate, fmt.modcod.mod,
                       pilots=True, idle=dualsat.IdlePolicy.DUMMY)
    if load == "data":
        pkts = np.random.default_rng(seed).integers(0, 256, size=(4096, 188), dtype=np.uint8)
        pkts[:, 0] = 0x47
        pkts[:, 1] = 0x01
        pkts[:, 2] = 0x00
        tb.connect(blocks.vector_source_b(pkts.ravel().tolist(), True), tx)
    return tx


def child_generate(args):
    """Writes one recording: tx_bc -> pulse_shaper_cc -> channel_emulator_cc -> file."""
    from gnuradio import blocks, gr
    from gnuradio import dualsat
    a = json.loads(args)
    tb = gr.top_block()
    tx = transmitter(tb, a["modcod"], a["load"], seed=1)
    head = blocks.head(gr.sizeof_gr_complex, int(a["symbols"]))
    shaper = dualsat.pulse_shaper_cc(0.2, 2, 16, 1.0)
    chan = dualsat.channel_emulator_cc(a["esn0_db"], samples_per_symbol=2.0, symbol_energy=2.0,
                                       sample_rate=SAMPLE_RATE, frequency_offset=12e3,
                                       seed=5)
    sink = blocks.file_sink(gr.sizeof_gr_complex, a["path"])
    sink.set_unbuffered(False)
    tb.connect(tx, head, shaper, chan, sink)
    tb.run()
    sink.close()
    print(json.dumps({"samples": os.path.getsize(a["path"]) // 8}))


def child_block_rx(args):
    from gnuradio import blocks, gr
    from gnuradio import dualsat
    a = json.loads(args)
    tb = gr.top_block()
    src = blocks.file_source(gr.sizeof_gr_complex, a["path"], False)
    rx = dualsat.rx_cb(SYMBOL_RATE, SAMPLE_RATE, 0.2, 0, a.get("fec_threads", 2), True)
    sink = blocks.null_sink(1)
    tb.connect(src, rx, sink)
    sampler = ThreadSampler(os.getpid())
    base = sampler.groups()
    t0 = time.monotonic()
    c0 = time.process_time()
    tb.run()
    wall = time.monotonic() - t0
    cpu = time.process_time() - c0
    sampler.stop()
    st = rx.status()
    print(json.dumps({"samples": os.path.getsize(a["path"]) // 8, "wall_s": wall, "cpu_s": cpu,
                      "frames_ok": st.frames_ok, "dummy_frames": st.dummy_frames,
                      "frames": st.frames, "groups": group_delta(sampler.groups(), base)}))


def child_block_tx(args):
    from gnuradio import blocks, gr
    from gnuradio import dualsat
    a = json.loads(args)
    tb = gr.top_block()
    tx = transmitter(tb, a["modcod"], a["load"], seed=2)
    shaper = dualsat.pulse_shaper_cc(0.2, 2, 16, 1.0)
    head = blocks.head(gr.sizeof_gr_complex, int(2 * a["symbols"]))
    sink = blocks.null_sink(gr.sizeof_gr_complex)
    tb.connect(tx, shaper, head, sink)
    sampler = ThreadSampler(os.getpid())
    base = sampler.groups()
    t0 = time.monotonic()
    c0 = time.process_time()
    tb.run()
    wall = time.monotonic() - t0
    cpu = time.process_time() - c0
    sampler.stop()
    print(json.dumps({"samples": int(2 * a["symbols"]), "wall_s": wall, "cpu_s": cpu,
                      "groups": group_delta(sampler.groups(), base)}))


def child_zmq_feed(args):
    """file_source -> zmq push sink (bound), as fast as the daemon takes it."""
    from gnuradio import blocks, gr, zeromq
    a = json.loads(args)
    tb = gr.top_block()
    src = blocks.file_source(gr.sizeof_gr_complex, a["path"], False)
    snk = zeromq.push_sink(gr.sizeof_gr_complex, 1, a["address"], 100, False, 8)
    tb.connect(src, snk)
    tb.run()
    time.sleep(1.0)  # let the peer drain what is in flight


def child_zmq_drain(args):
    """zmq pull source (connects) -> head -> null sink: counts the TX daemon's samples."""
    from gnuradio import blocks, gr, zeromq
    a = json.loads(args)
    tb = gr.top_block()
    src = zeromq.pull_source(gr.sizeof_gr_complex, 1, a["address"], 100, False, 8)
    head = blocks.head(gr.sizeof_gr_complex, int(a["samples"]))
    sink = blocks.null_sink(gr.sizeof_gr_complex)
    tb.connect(src, head, sink)
    tb.start()
    first = None
    while True:
        n = head.nitems_read(0) if hasattr(head, "nitems_read") else 0
        if n > 0 and first is None:
            first = time.monotonic()
        if n >= int(a["samples"]):
            break
        time.sleep(0.002)
    done = time.monotonic()
    tb.stop()
    tb.wait()
    print(json.dumps({"samples": int(a["samples"]), "wall_s": done - first}))


# ---------------------------------------------------------------------------- daemon

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def daemon_config(modcod, backend, direction, extra, fec_threads=2, symbol_rate=SYMBOL_RATE,
                  stream="ts", test_pattern=False):
    fwd = free_port()
    lines = [
        "modem: {modcod: %s, frame: normal, pilots: true, symbol_rate: %g, rolloff: 0.20, "
        "stream: %s, rx_fec_threads: %d}" % (json.dumps(modcod), symbol_rate, stream, fec_threads),
        "radio: {backend: %s, direction: %s, sample_rate: %g, tx_rms: 0.3%s}"
        % (backend, direction, 2 * symbol_rate, extra.get("radio", "")),
        "control: {bind: 127.0.0.1, port: 0}",
        "logging: {level: warn}",
    ]
    data = {"ts": '{listen: "127.0.0.1:0", forward: "127.0.0.1:%d"}' % fwd}
    if stream == "gse":
        data = {"ip": '{listen: "127.0.0.1:0", forward: "127.0.0.1:%d"}' % fwd}
    data_text = "data: {%s%s}" % (", ".join("%s: %s" % kv for kv in data.items()),
                                   ", test_pattern: {enabled: true}" if test_pattern else "")
    lines.append(data_text)
    for k, v in extra.items():
        if k != "radio":
            lines.append("%s: %s" % (k, v))
    return "\n".join(lines) + "\n"


class Daemon:
    def __init__(self, modemd, config_text, args=()):
        self.dir = tempfile.mkdtemp(prefix="bench_rt_")
        self.config = os.path.join(self.dir, "modemd.yaml")
        with open(self.config, "w") as f:
            f.write(config_text)
        os.chmod(self.config, 0o600)
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen([modemd, "-c", self.config] + list(args),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.sampler = ThreadSampler(self.proc.pid)
        self.url = None
        self.last_status = None
        self.lines = []
        threading.Thread(target=self._read, daemon=True).start()
        end = time.monotonic() + 60
        while self.url is None and time.monotonic() < end and self.proc.poll() is None:
            time.sleep(0.02)
        if self.url is None:
            raise RuntimeError("daemon did not start:\n" + self.proc.stderr.read()[-3000:])

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)
            if line.startswith("control: "):
                self.url = line.split(" ", 1)[1].strip()

    def status(self):
        with urllib.request.urlopen(self.url + "/status", timeout=10) as r:
            self.last_status = json.loads(r.read())
            return self.last_status

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.sampler.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def groups(self):
        return self.sampler.groups()


def measure_window(d, key_fn, settle, seconds, period=0.02, stall=0.5):
    """Measures (counter increase, wall, CPU, thread CPU) of a running daemon: from the
    first poll after `settle` at which the counter is non-zero, for `seconds`, or until it
    stops moving for `stall` seconds or the daemon exits (the end of a file: the last
    change closes the window)."""
    return measure_windows([d], key_fn, settle, seconds, period, stall)[0]


def measure_windows(ds, key_fn, settle, seconds, period=0.02, stall=0.5):
    """measure_window for daemons running side by side, polled in the same loop: their
    windows cover the same wall-clock seconds (give or take a poll), so the machine's
    speed swings between minutes load them alike."""
    time.sleep(settle)
    n = len(ds)
    s0, t0, c0, g0 = [None] * n, [None] * n, [None] * n, [None] * n
    last, t_last, c_last, g_last = [None] * n, [None] * n, [None] * n, [None] * n
    done = [False] * n
    end = time.monotonic() + seconds + 60
    while time.monotonic() < end and not all(done):
        for i, d in enumerate(ds):
            if done[i]:
                continue
            try:
                v = key_fn(d.status())
                c = d.cpu_seconds()
            except Exception:
                done[i] = True  # the daemon has exited
                continue
            now = time.monotonic()
            if s0[i] is None:
                if v > 0:
                    s0[i], t0[i], c0[i], g0[i] = v, now, c, dict(d.sampler.groups())
                    last[i], t_last[i], c_last[i], g_last[i] = v, now, c, g0[i]
            elif v != last[i]:
                last[i], t_last[i], c_last[i], g_last[i] = v, now, c, dict(d.sampler.groups())
            elif now - t_last[i] > stall:
                done[i] = True  # input exhausted
            if t0[i] is not None and now - t0[i] >= seconds:
                done[i] = True
            if d.proc.poll() is not None:
                done[i] = True
        time.sleep(period)
    out = []
    for i in range(n):
        if s0[i] is None:
            out.append((0, 0.0, 0.0, {}))
            continue
        dg = {k: g_last[i].get(k, 0.0) - g0[i].get(k, 0.0) for k in g_last[i]}
        out.append((last[i] - s0[i], t_last[i] - t0[i], c_last[i] - c0[i], dg))
    return out


# ------------------------------------------------------------------------------ legs

class Bench:
    def __init__(self, a):
        self.a = a
        self.build = os.path.abspath(a.build)
        self.lib = os.path.join(self.build, "tests", "bench", "bench_realtime_lib")
        self.modemd = os.path.join(self.build, "apps", "dualsat-modemd", "dualsat-modemd")
        self.env = gnuradio_env(self.build)
        self.rows = []
        self.lib_rate = {}  # (direction, modcod, load) -> Msym/s
        self.failures = []
        self.dir = tempfile.mkdtemp(prefix="dualsat_rt_", dir="/dev/shm")

    def child(self, name, payload, timeout=900):
        return run_measured([sys.executable, SELF, "--build", self.build, "--child", name,
                             json.dumps(payload)], env=self.env, timeout=timeout)

    def add(self, leg, direction, modcod, load, symbols, wall, cpu, groups, note=""):
        msym = symbols / wall / 1e6 if wall > 0 else 0.0
        if leg == "lib":
            self.lib_rate[(direction, modcod, load)] = msym
        ref = self.lib_rate.get((direction, modcod, load))
        row = {"leg": leg, "dir": direction, "modcod": modcod, "load": load,
               "msym_s": msym, "cpu_per_s": cpu / wall if wall > 0 else 0.0,
               "vs_lib": msym / ref if ref else None, "stages": fmt_groups(groups, wall),
               "note": note}
        self.rows.append(row)
        print("%-9s %-2s %-12s %-4s %7.2f Msym/s  %4.2f CPU-s/s  %s  %s %s" % (
            leg, direction, modcod, load, msym, row["cpu_per_s"],
            "x%.2f lib" % row["vs_lib"] if row["vs_lib"] else "         ",
            row["stages"], note), flush=True)

    def fail(self, what):
        self.failures.append(what)
        print("FAILED: " + what, flush=True)

    def path(self, modcod, load):
        return os.path.join(self.dir, slug(modcod, load) + ".cf32")

    def generate(self, modcod, load):
        p = self.path(modcod, load)
        out, err, wall, _, rc = self.child("generate", {
            "modcod": modcod, "load": load, "symbols": self.a.symbols, "path": p,
            "esn0_db": MODCOD_ESN0.get(modcod, 20.0)})
        if rc != 0:
            self.fail("generate %s %s: %s" % (modcod, load, err[-1500:]))
            return None
        write_sigmf(p, modcod, os.path.getsize(p) // 8)
        return p

    # The three receivers compared against each other (library, rx_cb, gr-dvbs2rx) run
    # --repeats times, interleaved, and each keeps its fastest run: on a shared machine a
    # single run of each can land one in a quiet and the other in a busy second (two
    # single-run sweeps of the same build gave rx_cb / library 93 % and 69 %). Each
    # *_rx_once returns (symbols, wall, cpu, groups, note) or None after recording a failure.
    def lib_rx_once(self, modcod, load, path):
        out, err, wall, groups, rc = run_measured(
            [self.lib, "rx", path, "--symbol-rate", str(SYMBOL_RATE), "--sample-rate",
             str(SAMPLE_RATE), "--fec-threads", "2", "--stages"])
        if rc != 0:
            self.fail("lib rx %s %s: rc %d %s" % (modcod, load, rc, (out + err)[-800:]))
            return None
        r = last_json(out)
        st = r.get("stages_s", {})
        # Its threads' CPU covers the file read and the --stages pass too: the receiver's
        # own stage clocks (the second pass) say where the time goes instead.
        return (r["symbols"], r["wall_s"], r["cpu_s"], {},
                "frames ok %d, dummy %d; stage CPU-s per Msym: front end %.3f, sync %.3f, "
                "FEC %.3f" % (r["frames_ok"], r["dummy_frames"],
                             *(st.get(k, 0.0) / (r["symbols"] / 1e6)
                               for k in ("frontend", "sync", "fec"))))

    def block_rx_once(self, modcod, load, path):
        out, err, wall, groups, rc = self.child("block_rx", {"path": path})
        if rc != 0:
            self.fail("block rx %s %s: %s" % (modcod, load, err[-1500:]))
            return None
        r = last_json(out)
        if r["frames_ok"] + r["dummy_frames"] == 0:
            self.fail("block rx %s %s decoded nothing" % (modcod, load))
        return (r["samples"] / 2, r["wall_s"], r["cpu_s"], r["groups"],
                "frames ok %d, dummy %d" % (r["frames_ok"], r["dummy_frames"]))

    def add_fastest(self, leg, modcod, load, runs):
        """The row of an RX leg's fastest run; every run's rate goes into its note."""
        if not runs:
            return
        rates = [r[0] / r[1] / 1e6 for r in runs]
        best = runs[rates.index(max(rates))]
        note = best[4]
        if len(runs) > 1:
            note += "; fastest of %d: %s Msym/s" % (len(runs), " / ".join("%.1f" % v for v in rates))
        self.add(leg, "rx", modcod, load, best[0], best[1], best[2], best[3], note)

    def compared_rx(self, modcod, load, path):
        runs = []
        if "lib" in self.a.legs:
            runs.append(("lib", lambda: self.lib_rx_once(modcod, load, path)))
        if "block" in self.a.legs:
            runs.append(("block", lambda: self.block_rx_once(modcod, load, path)))
        if "dvbs2rx" in self.a.legs and modcod == "QPSK 1/2" and load == "data":
            once = self.dvbs2rx_runner(path)
            if once:
                runs.append(("dvbs2rx", once))
        results = {name: [] for name, _ in runs}
        for _ in range(max(1, self.a.repeats)):
            for name, once in runs:
                r = once()
                if r is not None:
                    results[name].append(r)
        for name, _ in runs:
            self.add_fastest(name, modcod, load, results[name])

    def leg_lib_tx(self, modcod, load):
        out, err, wall, groups, rc = run_measured(
            [self.lib, "tx", "--modcod", modcod, "--load", load, "--symbols", str(self.a.symbols)])
        if rc != 0:
            self.fail("lib tx %s %s: rc %d %s" % (modcod, load, rc, (out + err)[-800:]))
            return
        r = last_json(out)
        self.add("lib", "tx", modcod, load, r["symbols"], r["wall_s"], r["cpu_s"], groups,
                 "%.1f MS/s shaped" % (r["samples"] / r["wall_s"] / 1e6))

    def leg_block_tx(self, modcod, load):
        out, err, wall, groups, rc = self.child("block_tx", {
            "modcod": modcod, "load": load, "symbols": self.a.symbols})
        if rc != 0:
            self.fail("block tx %s %s: %s" % (modcod, load, err[-1500:]))
        else:
            r = last_json(out)
            self.add("block", "tx", modcod, load, r["samples"] / 2, r["wall_s"], r["cpu_s"],
                     r["groups"], "%.1f MS/s shaped" % (r["samples"] / r["wall_s"] / 1e6))

    def daemon_rx(self, leg, modcod, load, path, backend_extra, feeder=None, repeats=1):
        """The RX daemon over the whole file, `repeats` times; the row is the fastest run."""
        runs = []
        for _ in range(max(1, repeats)):
            d = Daemon(self.modemd, daemon_config(modcod, backend_extra[0], "rx", backend_extra[1]))
            feed = None
            try:
                if feeder:
                    feed = feeder()
                n, wall, cpu, groups = measure_window(
                    d, lambda s: s["rx"]["samples"], 0.0, 600)
                st = d.last_status.get("rx", {}) if d.last_status else {}
                ok = st.get("frames_ok", 0) + st.get("frames_idle", 0)
                if ok == 0:
                    self.fail("%s rx %s %s decoded nothing: %s" % (leg, modcod, load, st))
                elif wall > 0:
                    runs.append((n / 2, wall, cpu, groups,
                                 "frames ok %s, idle %s" % (st.get("frames_ok"), st.get("frames_idle"))))
            finally:
                d.stop()
                if feed:
                    feed.kill()
                    feed.wait()
        self.add_fastest(leg, modcod, load, runs)

    def prefault_recording_space(self, seconds):
        """Writes and deletes as much as the TX daemon will record in `seconds` (at up to
        120 MS/s), just before it runs. On this VM the host backs guest memory lazily and
        reclaims idle memory (DAMON), so the first write to a tmpfs page can pay a host page
        fault: the daemon's recording_sink (a plain write()) spent 61 % of its samples in
        the kernel's copy into the page cache, and the same TX leg made 47.7 Msym/s right
        after a warm-up and 32.6 a minute later. What is measured is the modem, not the
        host's memory; a warm-up at the start of the whole run had worn off by the TX legs."""
        path = os.path.join(self.dir, "prefault.tmp")
        block = bytes(64 << 20)
        try:
            with open(path, "wb") as f:
                for _ in range(int(seconds * 120e6 * 8 / len(block)) + 1):
                    f.write(block)
        except OSError:
            pass  # a full tmpfs: the daemon's own recording will say so
        finally:
            try:
                os.remove(path)
            except OSError:
                pass

    def leg_daemon(self, modcod, load, path):
        extra = {"radio": ", file: {rx_path: %s, throttle: false}" % json.dumps(path)}
        self.daemon_rx("daemon", modcod, load, path, ("file", extra), repeats=self.a.repeats)
        rec = os.path.join(self.dir, "tx_" + slug(modcod, load) + ".cf32")
        if not self.a.smoke:  # (the smoke run checks that the leg runs, not its speed)
            self.prefault_recording_space(self.a.tx_seconds + 1.0)
        extra = {"radio": ", file: {tx_path: %s, throttle: false}" % json.dumps(rec)}
        d = Daemon(self.modemd, daemon_config(modcod, "file", "tx", extra,
                                               stream="ts" if load == "data" else "gse",
                                               test_pattern=load == "data"))
        try:
            n, wall, cpu, groups = measure_window(
                d, lambda s: s["tx"]["symbols"], 0.5, self.a.tx_seconds, period=0.1)
            st = (d.last_status or {}).get("tx", {})
            if n <= 0:
                self.fail("daemon tx %s %s produced nothing" % (modcod, load))
            elif load == "data" and st.get("frames_idle", 0) * 2 > st.get("frames", 0):
                self.fail("daemon tx %s data: the test pattern did not load the link (%s of %s "
                          "frames idle)" % (modcod, st.get("frames_idle"), st.get("frames")))
            self.add("daemon", "tx", modcod, load, n, wall, cpu, groups,
                     "frames %s, idle %s, %.1f MS/s shaped" % (
                         st.get("frames"), st.get("frames_idle"), 2 * n / max(wall, 1e-9) / 1e6))
        finally:
            d.stop()
            try:
                os.remove(rec)
            except OSError:
                pass

    def leg_zmq(self, modcod, load, path):
        port = free_port()
        address = "tcp://127.0.0.1:%d" % port
        extra = {"radio": ", zmq: {pattern: pushpull, rx_address: %s, throttle: false}"
                 % json.dumps(address)}

        def feeder():
            return subprocess.Popen([sys.executable, SELF, "--build", self.build, "--child",
                                     "zmq_feed", json.dumps({"path": path, "address":
                                                             "tcp://127.0.0.1:%d" % port})],
                                    env=self.env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        self.daemon_rx("zmq", modcod, load, path, ("zmq", extra), feeder)

    def loopback_daemon(self, modcod, load, rate):
        extra = {"channel": "{esn0_db: %g, seed: 3}" % (MODCOD_ESN0.get(modcod, 20) + 2)}
        # Idle: the daemon's IP (GSE) stream, whose idle carrier is dummy PLFRAMEs
        # (a TS stream idles with padded data frames of null packets instead).
        return Daemon(self.modemd, daemon_config(modcod, "loopback", "both", extra,
                                                  symbol_rate=rate,
                                                  stream="ts" if load == "data" else "gse",
                                                  test_pattern=load == "data"))

    def loopback_result(self, d, modcod, load, rate, measured):
        """(symbols, wall, cpu, groups, note) of a loopback window, or None (a failure)."""
        n, wall, cpu, groups = measured
        st = d.last_status or {"rx": {}}
        keeps_up = n / 2 / wall / rate if wall > 0 else 0
        tp = st.get("test_pattern") or {}
        if not st["rx"].get("lock") or (st["rx"].get("frames_ok", 0) + st["rx"].get(
                "frames_idle", 0)) == 0:
            self.fail("loopback %s %s at %g sym/s: no lock or nothing decoded"
                      % (modcod, load, rate))
            return None
        if load == "data" and tp.get("rx_packets", 0) == 0:
            self.fail("loopback %s data: no test-pattern packet came back" % modcod)
            return None
        return (n / 2, wall, cpu, groups,
                "at %.0f Msym/s: %.0f%% of real time, frames ok %s%s" % (
                    rate / 1e6, 100 * keeps_up, st["rx"].get("frames_ok"),
                    ", test packets %s, BER %s" % (tp.get("rx_packets"), tp.get("rx_ber"))
                    if load == "data" else ""))

    def loopback_runs(self, modcod, rate, loads):
        """The daemons of `loads` at once (one daemon: alone), measured over the same
        seconds: {load: (symbols, wall, cpu, groups, note) or None}."""
        ds = {load: self.loopback_daemon(modcod, load, rate) for load in loads}
        try:
            ms = measure_windows(list(ds.values()), lambda s: s["rx"]["samples"], 1.5,
                                 self.a.loopback_seconds, period=0.1)
            return {load: self.loopback_result(d, modcod, load, rate, m)
                    for (load, d), m in zip(ds.items(), ms)}
        finally:
            for d in ds.values():
                d.stop()

    def leg_loopback(self, modcod):
        # Idle and loaded, --repeats times; each row keeps its cheapest run (CPU-s/s) among
        # those that kept up. At rates up to --loopback-side-by-side the two daemons run at
        # the same time and are measured over the same seconds (together they take a
        # fraction of one core there): the machine's speed swings by +-20 % from one
        # minute to the next, more than the idle / loaded difference at 1 Msym/s (where
        # the whole daemon costs ~0.15 CPU-s/s), and a pair sees the same swing. Above it
        # they alternate, one daemon at a time.
        for rate in self.a.loopback_rates:
            paired = rate <= self.a.loopback_side_by_side and len(self.a.loads) > 1
            runs = {load: [] for load in self.a.loads}
            pair_ratios = []
            for _ in range(max(1, self.a.repeats)):
                got = {}
                for together in ([self.a.loads] if paired else [[load] for load in self.a.loads]):
                    got.update(self.loopback_runs(modcod, rate, together))
                for load, r in got.items():
                    if r is not None:
                        runs[load].append(r)
                if paired and got.get("idle") and got.get("data") and got["data"][2] > 0:
                    i, dt = got["idle"], got["data"]
                    pair_ratios.append((i[2] / i[1]) / (dt[2] / dt[1]))
            for load in self.a.loads:
                rs = runs[load]
                if not rs:
                    continue
                cost = [r[2] / r[1] if r[1] > 0 else float("inf") for r in rs]
                up = [i for i, r in enumerate(rs) if r[1] > 0 and r[0] / r[1] >= 0.98 * rate]
                pick = min(up or range(len(rs)), key=lambda i: cost[i])
                best = rs[pick]
                note = best[4]
                if len(rs) > 1:
                    note += "; cheapest of %d%s: %s CPU-s/s" % (
                        len(rs), " (side by side)" if paired else "",
                        " / ".join("%.2f" % c for c in cost))
                if load == "idle" and pair_ratios:
                    note += "; idle / loaded in the same seconds: %s" % " / ".join(
                        "%.2f" % r for r in pair_ratios)
                self.add("loopback", "rx", modcod, load, best[0], best[1], best[2], best[3], note)

    def dvbs2rx_runner(self, path):
        """A function that runs gr-dvbs2rx's dvbs2-rx once on `path` (None without a prefix)."""
        prefix = self.a.dvbs2rx or os.environ.get("DVBS2RX_PREFIX")
        if not prefix:
            print("dvbs2rx: skipped (no --dvbs2rx PREFIX)")
            return None
        exe = os.path.join(prefix, "bin", "dvbs2-rx")
        env = dict(os.environ)
        pyver = "python%d.%d" % sys.version_info[:2]
        env["PYTHONPATH"] = os.pathsep.join(
            [os.path.join(prefix, "lib", "python3", "dist-packages"),
             os.path.join(prefix, "lib", pyver, "site-packages"),
             os.path.join(prefix, "local", "lib", pyver, "dist-packages")])
        env["LD_LIBRARY_PATH"] = os.path.join(prefix, "lib") + os.pathsep + os.path.join(
            prefix, "lib", "x86_64-linux-gnu")
        out_ts = os.path.join(self.dir, "dvbs2rx.ts")

        def run(infile):
            cmd = [sys.executable, exe, "--source", "file", "--in-file", infile, "--sink", "file",
                   "--out-file", out_ts, "--sym-rate", str(int(SYMBOL_RATE)), "--sps", "2",
                   "--modcod", "QPSK1/2", "--frame-size", "normal", "--pilots", "on",
                   "--rolloff", "0.2"]
            return run_measured(cmd, env=env)
        head = os.path.join(self.dir, "dvbs2rx_head.cf32")
        with open(path, "rb") as f, open(head, "wb") as g:
            g.write(f.read(8 * 100000))

        def once():
            # Its start-up (Python, flowgraph, LDPC tables) measured on the first 100k
            # samples and taken off, so that the figure is its streaming rate like ours.
            _, _, startup, g0, _ = run(head)
            out, err, wall, groups, rc = run(path)
            if rc != 0:
                self.fail("dvbs2-rx: rc %d %s" % (rc, (out + err)[-1500:]))
                return None
            ts_bytes = os.path.getsize(out_ts) if os.path.exists(out_ts) else 0
            samples = os.path.getsize(path) // 8 - 100000
            stream_wall = max(wall - startup, 1e-3)
            cpu = sum(groups.values()) - sum(g0.values())
            groups = {k: v - g0.get(k, 0.0) for k, v in groups.items()}
            return (samples / 2, stream_wall, cpu, groups,
                    "gr-dvbs2rx dvbs2-rx: %d TS packets out; wall %.2f s less %.2f s start-up"
                    % (ts_bytes // 188, wall, startup))
        return once

    def run(self):
        legs = self.a.legs
        for modcod in self.a.modcods:
            for load in self.a.loads:
                path = self.generate(modcod, load)
                if path is None:
                    continue
                self.compared_rx(modcod, load, path)
                if "lib" in legs:
                    self.leg_lib_tx(modcod, load)
                if "block" in legs:
                    self.leg_block_tx(modcod, load)
                if "daemon" in legs:
                    self.leg_daemon(modcod, load, path)
                if "zmq" in legs:
                    self.leg_zmq(modcod, load, path)
                os.remove(path)
                os.remove(path + ".sigmf-meta")
            if "loopback" in legs:
                self.leg_loopback(modcod)
        shutil.rmtree(self.dir, ignore_errors=True)

    def markdown(self):
        lines = ["| leg | dir | MODCOD | load | Msym/s | CPU-s/s | × lib | busiest threads (CPU-s/s) | note |",
                 "|---|---|---|---|---|---|---|---|---|"]
        for r in self.rows:
            lines.append("| %s | %s | %s | %s | %.2f | %.2f | %s | %s | %s |" % (
                r["leg"], r["dir"], r["modcod"], r["load"], r["msym_s"], r["cpu_per_s"],
                "%.2f" % r["vs_lib"] if r["vs_lib"] else "", r["stages"], r["note"]))
        return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.environ.get("DUALSAT_BUILD", "build"))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("payload", nargs="?", help=argparse.SUPPRESS)
    ap.add_argument("--symbols", type=float, default=20e6,
                    help="symbols per recording / TX run (default 20e6)")
    ap.add_argument("--modcods", default="QPSK 1/2,8PSK 3/5,16APSK 3/4,32APSK 9/10")
    ap.add_argument("--loads", default="data,idle")
    ap.add_argument("--legs", default="lib,block,daemon,zmq,loopback,dvbs2rx")
    ap.add_argument("--tx-seconds", type=float, default=4.0)
    ap.add_argument("--loopback-rates", default="1e6,5e6,10e6")
    ap.add_argument("--loopback-seconds", type=float, default=5.0)
    ap.add_argument("--loopback-side-by-side", type=float, default=2e6,
                    help="symbol rates up to this run the idle and loaded loopback daemons "
                         "at the same time (measured over the same seconds)")
    ap.add_argument("--dvbs2rx", help="gr-dvbs2rx install prefix (bin/dvbs2-rx)")
    ap.add_argument("--repeats", type=int, default=3,
                    help="runs of the library, rx_cb and dvbs2-rx receivers, interleaved; "
                         "each keeps its fastest (default 3)")
    ap.add_argument("--markdown", help="write the table to this file")
    ap.add_argument("--smoke", action="store_true",
                    help="one short configuration per leg; exit 1 when a leg fails")
    a = ap.parse_args()
    if a.child:
        {"generate": child_generate, "block_rx": child_block_rx, "block_tx": child_block_tx,
         "zmq_feed": child_zmq_feed, "zmq_drain": child_zmq_drain}[a.child](a.payload)
        return 0
    if a.smoke:
        a.symbols = min(a.symbols, 1.5e6)
        a.modcods = "8PSK 3/5"
        a.legs = "lib,block,daemon,zmq,loopback"
        a.loopback_rates = "1e6"
        a.loopback_seconds = 2.0
        a.tx_seconds = 1.5
        a.repeats = 1
    a.modcods = [m.strip() for m in a.modcods.split(",") if m.strip()]
    a.loads = [x.strip() for x in a.loads.split(",") if x.strip()]
    a.legs = [x.strip() for x in a.legs.split(",") if x.strip()]
    a.loopback_rates = [float(x) for x in a.loopback_rates.split(",") if x.strip()]
    print("bench_realtime: %s, %d cores, load average %.2f at start" % (
        time.strftime("%Y-%m-%d %H:%M:%S"), os.cpu_count(), os.getloadavg()[0]), flush=True)
    b = Bench(a)
    b.run()
    table = b.markdown()
    print()
    print(table)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(table)
    if b.failures:
        print("%d leg(s) failed" % len(b.failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
