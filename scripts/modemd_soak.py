#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Soak test of dualsat-modemd: the loopback daemon under traffic, MODCOD changes, API
polling and SIGHUPs for a set time, with its memory, descriptors and threads watched.

What runs at once, for --duration seconds:
  - numbered IPv4 packets through the daemon (scripts/modemd_traffic.py's generator and
    byte-exact, in-order checker), each one's send and arrival time recorded;
  - POST /modcod every --modcod-interval s, cycling through MODCODs the channel's Es/N0
    decodes with margin;
  - GET /status every 0.2 s (latency recorded) and GET /metrics every second;
  - SIGHUP every --sighup-interval s after the config was rewritten with a harmless change
    (a comment and logging.level info <-> warn);
  - once a second: VmRSS and Threads from /proc/PID/status, the entries of /proc/PID/fd.
At the end it prints a report and exits 1 if any check failed: packets lost beyond
--max-loss, any corrupted/out-of-order/duplicated packet, a loss the daemon's counters do
not account for (silent loss), RSS growth after warm-up beyond the bound, any descriptor
growth after warm-up, a failed API call, or the daemon not exiting 0 on SIGTERM.

  modemd_soak.py --modemd build/apps/dualsat-modemd/dualsat-modemd --duration 60
"""
import argparse
import json
import os
import queue
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import modemd_traffic  # noqa: E402  (packet generator and checker: shared, not copied)

# Es/N0 12 dB in the loopback channel; the MODCODs below need at most 8.97 dB (16APSK 2/3,
# EN 302 307-1 Table 13, normal frames; short frames need a few tenths of a dB more), so
# each decodes with about 3 dB of margin and a lost packet is not the channel's doing.
MODCODS = ["QPSK 1/2", "QPSK 3/4", "8PSK 3/5", "8PSK 2/3", "16APSK 2/3"]

CONFIG = """# dualsat-modemd soak configuration, rewritten by modemd_soak.py (reload %(n)d)
modem: {modcod: QPSK 1/2, frame: %(frame)s, pilots: true, symbol_rate: %(sym)g, rolloff: 0.20}
radio: {backend: loopback, sample_rate: %(fs)g, tx_rms: 0.3}
channel: {esn0_db: %(esn0)g, seed: 11}
data: {ip: {listen: "127.0.0.1:0", forward: "127.0.0.1:%(fwd)d"}, drain_timeout: 2.0}
control: {bind: 127.0.0.1, port: 0}
logging: {level: %(level)s}
"""


class TimedCheck(modemd_traffic.TrafficCheck):
    """TrafficCheck that also records when each packet left and arrived (one clock, this
    process), for packet latency and for placing losses relative to MODCOD changes. The
    payload stays modemd_traffic's seq-derived bytes so the byte-exact check is unchanged."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.sent_at = {}
        self.latencies = []
        real_tx = self.tx
        outer = self

        class StampingSocket:
            def sendto(self, data, dest):
                seq = modemd_traffic.HEADER.unpack_from(data)[11]
                outer.sent_at[seq] = time.monotonic()
                return real_tx.sendto(data, dest)

            def close(self):
                real_tx.close()

        self.tx = StampingSocket()

    def check(self, data):
        now = time.monotonic()
        before = len(self.received)
        super().check(data)
        with self.lock:
            if len(self.received) > before:
                seq = modemd_traffic.HEADER.unpack_from(data)[11]
                t = self.sent_at.get(seq)
                if t is not None:
                    self.latencies.append(now - t)


def percentiles(values, ps=(50, 95, 99)):
    if not values:
        return {("p%d" % p): None for p in ps} | {"max": None, "n": 0}
    v = sorted(values)
    out = {("p%d" % p): v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))] for p in ps}
    out["max"] = v[-1]
    out["n"] = len(v)
    return out


def slope(points):
    """Least-squares slope of (t, y) points, y units per second."""
    if len(points) < 2:
        return 0.0
    mt = statistics.fmean(t for t, _ in points)
    my = statistics.fmean(y for _, y in points)
    den = sum((t - mt) ** 2 for t, _ in points)
    return sum((t - mt) * (y - my) for t, y in points) / den if den else 0.0


def proc_sample(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return {"rss_kb": int(fields["VmRSS"].split()[0]), "threads": int(fields["Threads"]),
            "fds": len(os.listdir("/proc/%d/fd" % pid))}


def http(url, method="GET", body=None, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            text = r.read().decode()
            code = r.status
    except urllib.error.HTTPError as e:
        text, code = e.read().decode(), e.code
    return code, text, time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--modemd", required=True, help="path of dualsat-modemd")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of soak (60)")
    ap.add_argument("--modcod-interval", type=float, default=3.0)
    ap.add_argument("--sighup-interval", type=float, default=7.0)
    ap.add_argument("--window", type=int, default=32, help="packets in flight at most (32)")
    ap.add_argument("--symbol-rate", type=float, default=2.0e5)
    ap.add_argument("--frame", default="short", choices=("short", "normal"))
    ap.add_argument("--esn0", type=float, default=12.0)
    ap.add_argument("--warmup", type=float, default=None,
                    help="seconds excluded from the growth checks (default: 20 %% of the "
                         "duration, at least 10 s)")
    ap.add_argument("--max-loss", type=float, default=0.001,
                    help="fraction of packets that may be lost (0.001); every loss must also "
                         "be accounted for by the daemon's counters")
    ap.add_argument("--rss-growth-mb", type=float, default=30.0)
    ap.add_argument("--rss-growth-pct", type=float, default=20.0)
    ap.add_argument("--json", help="write the report as JSON to this file too")
    ap.add_argument("--quiet", action="store_true", help="do not echo the daemon's lines")
    args = ap.parse_args()
    warmup = args.warmup if args.warmup is not None else max(10.0, 0.2 * args.duration)

    work = tempfile.mkdtemp(prefix="modemd-soak-")
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    rx.bind(("127.0.0.1", 0))
    params = {"frame": args.frame, "sym": args.symbol_rate, "fs": 2 * args.symbol_rate,
              "esn0": args.esn0, "fwd": rx.getsockname()[1], "level": "info", "n": 0}
    config = os.path.join(work, "soak.yaml")

    def write_config():
        tmp = config + ".tmp"
        with open(tmp, "w") as f:
            f.write(CONFIG % params)
        os.chmod(tmp, 0o600)
        os.replace(tmp, config)  # the daemon never reads a half-written file
    write_config()

    log_path = os.path.join(work, "modemd.log")
    log = open(log_path, "w")
    daemon = subprocess.Popen([args.modemd, "-c", config, "--status-interval", "5"],
                              stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1)
    lines = queue.Queue()

    def pump():
        for line in daemon.stdout:
            if not args.quiet:
                print("  modemd | " + line.rstrip("\n"), flush=True)
            lines.put(line.rstrip("\n"))
    threading.Thread(target=pump, daemon=True).start()

    failures = []
    url = modemd_traffic.wait_for_control_url(lines, daemon)
    if url is None:
        daemon.kill()
        print("soak: FAILED: the daemon did not start; its log:\n" + open(log_path).read())
        return 1
    t_start = time.monotonic()
    status = {}
    while time.monotonic() - t_start < 30 and not status.get("lock"):
        status = json.loads(http(url + "/status")[1])
        time.sleep(0.2)
    if not status.get("lock"):
        daemon.kill()
        print("soak: FAILED: no receiver lock within 30 s")
        return 1
    host, port = status["data"]["ip_listen"].rsplit(":", 1)

    stop = threading.Event()
    t0 = time.monotonic()
    samples = []          # (t, {"rss_kb", "fds", "threads"})
    status_lat, metrics_lat, modcod_lat = [], [], []
    api_errors = []
    modcod_changes = []   # (t, modcod)
    sighups = 0

    def sampler():
        while not stop.is_set():
            try:
                samples.append((time.monotonic() - t0, proc_sample(daemon.pid)))
            except (OSError, KeyError):
                return
            stop.wait(1.0)

    def poller():
        next_metrics = time.monotonic()
        while not stop.is_set():
            try:
                code, text, dt = http(url + "/status")
                status_lat.append(dt)
                if code != 200:
                    api_errors.append("GET /status -> %d" % code)
                elif json.loads(text).get("faults"):
                    # A stalled loopback stream (or any radio fault) is a failure here.
                    api_errors.append("fault reported: %s" % json.loads(text)["faults"])
                if time.monotonic() >= next_metrics:
                    code, text, dt = http(url + "/metrics")
                    metrics_lat.append(dt)
                    if code != 200 or "dualsat_up 1" not in text:
                        api_errors.append("GET /metrics -> %d" % code)
                    next_metrics += 1.0
            except (OSError, urllib.error.URLError) as e:
                api_errors.append("poll: %s" % e)
            stop.wait(0.2)

    def controller():
        nonlocal sighups
        i = 0
        next_modcod = time.monotonic() + args.modcod_interval
        next_hup = time.monotonic() + args.sighup_interval
        while not stop.is_set():
            now = time.monotonic()
            if now >= next_modcod:
                i += 1
                modcod = MODCODS[i % len(MODCODS)]
                try:
                    code, text, dt = http(url + "/modcod", "POST", {"modcod": modcod})
                    modcod_lat.append(dt)
                    if code != 200:
                        api_errors.append("POST /modcod %s -> %d %s" % (modcod, code, text))
                    else:
                        modcod_changes.append((time.monotonic() - t0, modcod))
                except (OSError, urllib.error.URLError) as e:
                    api_errors.append("POST /modcod: %s" % e)
                next_modcod += args.modcod_interval
            if now >= next_hup:
                params["n"] += 1
                params["level"] = "warn" if params["level"] == "info" else "info"
                write_config()
                daemon.send_signal(signal.SIGHUP)
                sighups += 1
                next_hup += args.sighup_interval
                # The reload must not revert the MODCOD the API set (issue 15 item 7).
                if modcod_changes:
                    time.sleep(0.3)
                    s = json.loads(http(url + "/status")[1])
                    if s["tx"]["modcod"] != modcod_changes[-1][1]:
                        api_errors.append("after SIGHUP the MODCOD is %s, the API set %s"
                                          % (s["tx"]["modcod"], modcod_changes[-1][1]))
            stop.wait(0.05)

    threads = [threading.Thread(target=f, daemon=True) for f in (sampler, poller, controller)]
    for t in threads:
        t.start()
    check = TimedCheck((host, int(port)), rx, window=args.window)
    check.send_for(args.duration, lambda: daemon.poll() is None)
    stop.set()
    for t in threads:
        t.join(timeout=15)
    check.drain(quiet=2.0)
    check.close()
    elapsed = time.monotonic() - t0
    final = json.loads(http(url + "/status")[1]) if daemon.poll() is None else {}
    daemon.send_signal(signal.SIGTERM)
    try:
        rc = daemon.wait(timeout=30)
    except subprocess.TimeoutExpired:
        daemon.kill()
        rc = daemon.wait()
        failures.append("the daemon did not stop within 30 s of SIGTERM")
    log.close()

    # --- packets ---
    s = check.summary()
    lost_seqs = sorted(set(range(s["sent"])) - check.received)
    change_times = [t for t, _ in modcod_changes]
    near_change = [q for q in lost_seqs
                   if any(abs((check.sent_at.get(q, 0) - t0) - t) < 1.0 for t in change_times)]
    tx = final.get("tx") or {}
    rxs = final.get("rx") or {}
    tx_dropped = sum(tx.get(k, 0) for k in ("packets_dropped_queue_full", "packets_rejected",
                                            "packets_dropped_shutdown"))
    # Daemon-side accounting (read before SIGTERM, after the drain), stage by stage:
    # ingress: every datagram sent is accepted (packets_in), refused with a counter, or
    # counted as a kernel receive drop; the transmitter: every accepted packet is sent or
    # still queued (nothing is queued after the drain); the air: every packet sent and not
    # delivered shows as a bad frame or a CRC error at the receiver; egress: every packet
    # delivered reaches our socket or is a forwarding error.
    data = final.get("data") or {}
    kernel_drops = data.get("ip_listen_kernel_drops") or 0
    refused = tx_dropped + kernel_drops
    ingress_ok = s["sent"] == tx.get("packets_in", 0) + refused
    air_lost = tx.get("packets_sent", 0) - rxs.get("packets_out", 0)
    rx_errors = rxs.get("frames_bad", 0) + rxs.get("crc_errors", 0)
    egress_lost = rxs.get("packets_out", 0) - s["received"] - s["corrupted"]
    if not ingress_ok:
        failures.append("ingress does not add up: sent %d, accepted %d, refused %d" % (
            s["sent"], tx.get("packets_in", 0), refused))
    if tx.get("queued_packets"):
        failures.append("%d packets still queued after the drain" % tx["queued_packets"])
    if air_lost > 0 and rx_errors == 0:
        failures.append("%d packets sent by the transmitter never came out of the receiver "
                        "and no bad frame or CRC error accounts for them (silent loss; lost "
                        "numbers: %s)" % (air_lost, lost_seqs[:20]))
    if egress_lost > data.get("send_errors", 0):
        failures.append("%d packets forwarded by the daemon did not reach the checker" % egress_lost)
    if s["sent"] and s["lost"] > args.max_loss * s["sent"]:
        failures.append("%d of %d packets lost (%.3f %%, bound %.3f %%)" % (
            s["lost"], s["sent"], 100.0 * s["lost"] / s["sent"], 100.0 * args.max_loss))
    if s["corrupted"] or s["out_of_order"] or s["duplicates"]:
        failures.append("packets corrupted %d, out of order %d, duplicated %d" % (
            s["corrupted"], s["out_of_order"], s["duplicates"]))
    if s["received"] == 0:
        failures.append("no packet arrived")

    # --- resources ---
    def series(key):
        return [(t, v[key]) for t, v in samples]
    after = [(t, v) for t, v in samples if t >= warmup]
    resources = {}
    for key in ("rss_kb", "fds", "threads"):
        all_pts = series(key)
        pts = [(t, v[key]) for t, v in after]
        if not all_pts:
            continue
        resources[key] = {"first": all_pts[0][1], "last": all_pts[-1][1],
                          "max": max(v for _, v in all_pts),
                          "at_warmup": pts[0][1] if pts else None,
                          "slope_per_min": 60.0 * slope(pts)}
    if len(after) >= 3:
        r = resources["rss_kb"]
        # Growth after warm-up from the fitted line (robust against one noisy sample).
        span = after[-1][0] - after[0][0]
        growth_kb = slope([(t, v["rss_kb"]) for t, v in after]) * span
        r["growth_after_warmup_kb"] = growth_kb
        bound_kb = min(args.rss_growth_mb * 1024, args.rss_growth_pct / 100.0 * r["at_warmup"])
        if growth_kb > bound_kb:
            failures.append("RSS grew %.1f MB after warm-up (bound %.1f MB)" % (
                growth_kb / 1024, bound_kb / 1024))
        # Descriptors: the minimum of the last samples against the minimum just after
        # warm-up (a /status connection in flight may add one at any instant).
        base = min(v["fds"] for _, v in after[:3])
        tail = min(v["fds"] for _, v in after[-3:])
        if tail > base:
            failures.append("open descriptors grew after warm-up: %d -> %d" % (base, tail))
        tb = min(v["threads"] for _, v in after[:3])
        tt = min(v["threads"] for _, v in after[-3:])
        if tt > tb:
            failures.append("threads grew after warm-up: %d -> %d" % (tb, tt))
    else:
        failures.append("too few resource samples after the warm-up (run longer than %.0f s)"
                        % warmup)
    if api_errors:
        failures.append("%d API errors, first: %s" % (len(api_errors), api_errors[:3]))
    if rc != 0:
        failures.append("the daemon exited with status %d" % rc)

    report = {
        "duration_s": elapsed, "warmup_s": warmup,
        "packets": s | {"lost_within_1s_of_modcod_change": len(near_change),
                        "loss_fraction": s["lost"] / s["sent"] if s["sent"] else None},
        "daemon": {"tx_packets_in": tx.get("packets_in"), "tx_packets_sent": tx.get("packets_sent"),
                   "tx_dropped": tx_dropped, "tx_queued": tx.get("queued_packets"),
                   "ip_listen_kernel_drops": kernel_drops, "lost_between_tx_and_rx": air_lost,
                   "rx_packets_out": rxs.get("packets_out"), "rx_frames_ok": rxs.get("frames_ok"),
                   "rx_frames_bad": rxs.get("frames_bad"), "rx_crc_errors": rxs.get("crc_errors"),
                   "rx_lock_losses": rxs.get("lock_losses"),
                   "tx_modcod_changes": tx.get("modcod_changes"), "exit_status": rc},
        "modcod_changes": len(modcod_changes), "sighups": sighups,
        "resources": resources,
        "api_latency_s": {"status": percentiles(status_lat), "metrics": percentiles(metrics_lat),
                          "modcod": percentiles(modcod_lat)},
        "packet_latency_s": percentiles(check.latencies),
        "failures": failures,
    }

    def ms(p):
        return " ".join("%s %.1f" % (k, 1e3 * v) for k, v in p.items()
                        if k != "n" and v is not None) + " ms (n=%d)" % p["n"]
    p = report["packets"]
    print("soak report (%.0f s, warm-up %.0f s, %d MODCOD changes, %d SIGHUPs):" % (
        elapsed, warmup, len(modcod_changes), sighups))
    print("  packets: sent %d, received %d, lost %d (%d within 1 s of a MODCOD change), "
          "corrupted %d, out of order %d, duplicates %d" % (
              p["sent"], p["received"], p["lost"], p["lost_within_1s_of_modcod_change"],
              p["corrupted"], p["out_of_order"], p["duplicates"]))
    print("  daemon: %s" % json.dumps(report["daemon"]))
    for key, unit, scale in (("rss_kb", "MB", 1 / 1024.0), ("fds", "", 1), ("threads", "", 1)):
        r = resources.get(key)
        if r:
            print("  %-7s first %.1f last %.1f max %.1f%s, slope after warm-up %+.3f%s/min" % (
                key.replace("_kb", ""), r["first"] * scale, r["last"] * scale, r["max"] * scale,
                unit and " " + unit, r["slope_per_min"] * scale, unit and " " + unit))
    print("  /status latency: " + ms(report["api_latency_s"]["status"]))
    print("  /metrics latency: " + ms(report["api_latency_s"]["metrics"]))
    print("  POST /modcod latency: " + ms(report["api_latency_s"]["modcod"]))
    print("  packet latency: " + ms(report["packet_latency_s"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    if failures:
        print("soak: FAILED: " + "; ".join(failures))
        print("soak: daemon log kept in " + log_path)
        return 1
    print("soak: OK")
    shutil.rmtree(work, ignore_errors=True)  # kept only when the run failed
    return 0


if __name__ == "__main__":
    sys.exit(main())
