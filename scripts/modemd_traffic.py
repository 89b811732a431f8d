#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Carries real UDP traffic through a running dualsat-modemd and checks what comes out.

Numbered packets go to the daemon's UDP input (one IP packet per datagram: a valid IPv4
header, so the daemon sends it in GSE); every datagram arriving at the
forward address is checked byte for byte against what was sent with that number.
Sizes vary (so GSE fragments some of them) and the content is pseudo-random per number.

Pacing is a window: at most `window` packets are sent and not yet seen at the output,
so the link is kept full without piling packets up in the transmitter's queue; a lost
packet does not stall it (the window counts from the highest number received).

Used by scripts/loopback.sh (the main job: run the loopback daemon, carry traffic, print
the daemon's status lines and a summary) and by the daemon tests.

  modemd_traffic.py --modemd PATH -c CONFIG [--duration 20] [--window 32]
"""
import argparse
import json
import os
import queue
import random
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request

MAGIC = b"DSM"
# A well-formed IPv4 header (RFC 791: version 4, IHL 5, total length = the datagram,
# protocol 253 = experimental, RFC 3692; 127.0.0.1 both ways), then magic and sequence
# number. The daemon checks the IP header, so the packets must be real IPv4.
IPV4 = struct.Struct(">BBHHHBBH4s4s")
HEADER = struct.Struct(">BBHHHBBH4s4s3sQ")


def ipv4_checksum(header):
    total = sum(struct.unpack(">10H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def packet_size(seq, low=64, high=1400):
    return low + (seq * 7919) % (high - low + 1)


def make_packet(seq, size=None):
    size = size or packet_size(seq)
    lo = bytes([127, 0, 0, 1])
    ip = IPV4.pack(0x45, 0, size, seq & 0xFFFF, 0, 64, 253, 0, lo, lo)
    ip = IPV4.pack(0x45, 0, size, seq & 0xFFFF, 0, 64, 253, ipv4_checksum(ip), lo, lo)
    body = random.Random(seq).randbytes(size - HEADER.size)
    return ip + MAGIC + struct.pack(">Q", seq) + body


class TrafficCheck:
    """Sends numbered packets to `dest` and checks those arriving on `rx_sock`."""

    def __init__(self, dest, rx_sock, window=32, sizes=(64, 1400)):
        self.dest = dest
        self.rx = rx_sock
        self.rx.settimeout(0.05)
        self.tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.window = window
        self.sizes = sizes
        self.sent = 0
        self.first_seq = 0
        self.received = set()
        self.corrupted = 0
        self.out_of_order = 0
        self.duplicates = 0
        self.foreign = 0          # datagrams that are not ours at all
        self.highest = -1
        self.bytes_received = 0
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        while not self._stop.is_set():
            try:
                data = self.rx.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self.check(data)

    def check(self, data):
        with self.lock:
            if len(data) < HEADER.size:
                self.foreign += 1
                return
            fields = HEADER.unpack_from(data)
            first, size, magic, seq = fields[0], fields[2], fields[10], fields[11]
            if first != 0x45 or magic != MAGIC:
                self.foreign += 1
                return
            if seq >= self.sent or len(data) != size or data != make_packet(seq, size):
                self.corrupted += 1
                return
            if seq in self.received:
                self.duplicates += 1
                return
            if seq < self.highest:
                self.out_of_order += 1
            self.highest = max(self.highest, seq)
            self.received.add(seq)
            self.bytes_received += len(data)

    def send_for(self, seconds, keep_going=lambda: True):
        """Sends for `seconds`, keeping at most `window` packets in flight."""
        end = time.monotonic() + seconds
        while time.monotonic() < end and keep_going():
            with self.lock:
                in_flight = self.sent - (self.highest + 1)
                seq = self.sent
            if in_flight >= self.window:
                time.sleep(0.002)
                continue
            # Numbered before it leaves: the reader may see it come back at once.
            with self.lock:
                self.sent += 1
            self.tx.sendto(make_packet(seq, packet_size(seq, *self.sizes)), self.dest)

    def send_count(self, count, timeout):
        end = time.monotonic() + timeout
        target = self.sent + count
        while self.sent < target and time.monotonic() < end:
            self.send_for(min(0.2, end - time.monotonic()), lambda: self.sent < target)

    def drain(self, quiet=1.0, timeout=10.0):
        """Waits until everything sent has arrived, or nothing arrived for `quiet` s."""
        end = time.monotonic() + timeout
        last, last_change = -1, time.monotonic()
        while time.monotonic() < end:
            with self.lock:
                n = len(self.received) + self.corrupted
                done = len(self.received) >= self.sent
            if done:
                return
            if n != last:
                last, last_change = n, time.monotonic()
            elif time.monotonic() - last_change > quiet:
                return
            time.sleep(0.05)

    def close(self):
        self._stop.set()
        self._reader.join()
        self.tx.close()

    def summary(self):
        with self.lock:
            return {"sent": self.sent, "received": len(self.received),
                    "lost": self.sent - len(self.received), "corrupted": self.corrupted,
                    "out_of_order": self.out_of_order, "duplicates": self.duplicates,
                    "foreign": self.foreign, "bytes_received": self.bytes_received}


def config_value(path, section, key):
    """data.ip.<key> from the example config (a tiny reader: avoids a YAML dependency)."""
    current = []
    with open(path) as f:
        for raw in f:
            line = raw.split("#", 1)[0].rstrip()
            if not line.strip():
                continue
            indent = len(line) - len(line.lstrip())
            name, _, value = line.strip().partition(":")
            current = current[: indent // 2] + [name]
            if current == section + [key]:
                return value.strip().strip('"')
    raise SystemExit("%s: no %s" % (path, ".".join(section + [key])))


def wait_for_control_url(lines, daemon, timeout=30.0):
    """The control API's URL from the daemon's "control: URL" line (lines: a queue of its
    output lines), or None if it exits or does not say so within timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and daemon.poll() is None:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        if line.startswith("control: "):
            return line.split(" ", 1)[1]
    return None


def http_json(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--modemd", required=True, help="path of dualsat-modemd")
    ap.add_argument("-c", "--config", required=True)
    ap.add_argument("--duration", type=float, default=20.0, help="seconds of traffic (20)")
    ap.add_argument("--window", type=int, default=32, help="packets in flight at most (32)")
    ap.add_argument("--lock-timeout", type=float, default=30.0)
    ap.add_argument("--max-loss", type=float, default=0.01,
                    help="fraction of packets that may be lost before the run fails (0.01)")
    args = ap.parse_args()

    listen = config_value(args.config, ["data", "ip"], "listen")
    forward = config_value(args.config, ["data", "ip"], "forward")
    fhost, fport = forward.rsplit(":", 1)
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    rx.bind((fhost, int(fport)))  # before the daemon forwards anything

    daemon = subprocess.Popen([args.modemd, "-c", args.config, "--status-interval", "1"],
                              stdout=subprocess.PIPE, text=True, bufsize=1)
    lines = queue.Queue()

    def pump():
        for line in daemon.stdout:
            line = line.rstrip("\n")
            print("  modemd | " + line, flush=True)
            lines.put(line)
    threading.Thread(target=pump, daemon=True).start()

    def stop_daemon():
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
        try:
            return daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            return daemon.wait()

    url = wait_for_control_url(lines, daemon)
    if url is None:
        stop_daemon()
        print("loopback: FAILED: the daemon did not start (see its messages above)")
        return 1

    # Traffic only after the receiver has locked: packets before that cannot arrive.
    t0 = time.monotonic()
    status = {}
    while time.monotonic() - t0 < args.lock_timeout:
        status = http_json(url + "/status")
        if status.get("lock"):
            break
        time.sleep(0.2)
    if not status.get("lock"):
        stop_daemon()
        print("loopback: FAILED: the receiver did not lock within %.0f s" % args.lock_timeout)
        return 1
    print("loopback: receiver locked after %.1f s (Es/N0 %.1f dB); sending %.0f s of numbered "
          "packets to %s, checking them at %s" % (time.monotonic() - t0, status["esn0_db"],
                                                   args.duration, listen, forward), flush=True)

    host, port = listen.rsplit(":", 1)
    check = TrafficCheck((host, int(port)), rx, window=args.window)
    started = time.monotonic()
    check.send_for(args.duration, lambda: daemon.poll() is None)
    elapsed = time.monotonic() - started
    check.drain()
    check.close()
    final = http_json(url + "/status") if daemon.poll() is None else {}
    rc = stop_daemon()
    time.sleep(0.2)

    s = check.summary()
    goodput = s["bytes_received"] * 8 / max(elapsed, 1e-9)
    rxs = final.get("rx") or {}
    print("loopback summary: sent %d, received %d, lost %d, corrupted %d, out of order %d, "
          "duplicates %d; goodput %.1f kbit/s over %.1f s; receiver: MODCOD %s, Es/N0 %s dB, "
          "FER %s, frames ok %s bad %s" % (
              s["sent"], s["received"], s["lost"], s["corrupted"], s["out_of_order"],
              s["duplicates"], goodput / 1e3, elapsed, rxs.get("modcod"),
              "%.1f" % rxs["esn0_db"] if rxs.get("esn0_db") is not None else "-",
              rxs.get("fer"), rxs.get("frames_ok"), rxs.get("frames_bad")), flush=True)
    failures = []
    if s["received"] == 0:
        failures.append("no packet arrived")
    if s["corrupted"] or s["out_of_order"] or s["duplicates"]:
        failures.append("packets corrupted, out of order or duplicated")
    if s["sent"] and s["lost"] > args.max_loss * s["sent"]:
        failures.append("%.1f %% of the packets lost" % (100.0 * s["lost"] / s["sent"]))
    if rc != 0:
        failures.append("the daemon exited with status %d" % rc)
    if failures:
        print("loopback: FAILED: " + "; ".join(failures))
        return 1
    print("loopback: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
