#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What an open operator console costs the daemon: CPU of a loopback dualsat-modemd over
S seconds without a page, then S seconds with the page open in headless Chromium (which
polls /status, /symbols and /spectrum once a second). Prints the whole process's CPU and
its HTTP thread's (modemd-http), in % of one core. A measurement, not a test.

  scripts/console_cpu.py --modemd build/apps/dualsat-modemd/dualsat-modemd [--seconds 30]
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "modemd"))


def cpu(pid, thread=None):
    """utime + stime in seconds of the process, or of its thread named `thread`."""
    paths = ["/proc/%d/stat" % pid]
    if thread:
        paths = []
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                if f.read().strip() == thread:
                    paths.append("/proc/%d/task/%s/stat" % (pid, tid))
    total = 0
    for p in paths:
        with open(p) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def measure(pid, seconds):
    p0, h0, t0 = cpu(pid), cpu(pid, "modemd-http"), time.monotonic()
    time.sleep(seconds)
    p1, h1, t1 = cpu(pid), cpu(pid, "modemd-http"), time.monotonic()
    return 100 * (p1 - p0) / (t1 - t0), 100 * (h1 - h0) / (t1 - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--modemd", required=True)
    ap.add_argument("--seconds", type=float, default=30)
    a = ap.parse_args()
    os.environ["MODEMD"] = os.path.abspath(a.modemd)
    import test_console  # noqa: E402  (reads MODEMD at import)
    reason = test_console.browser_missing()
    if reason:
        sys.exit("console_cpu: " + reason)
    daemon = test_console.start()
    driver = None
    try:
        daemon.wait_lock()
        time.sleep(2)
        idle = measure(daemon.proc.pid, a.seconds)
        driver = test_console.make_driver()
        driver.get(daemon.url + "/console")
        time.sleep(3)
        page = measure(daemon.proc.pid, a.seconds)
        print("daemon without a page: process %.1f %% of a core, HTTP thread %.2f %%" % idle)
        print("daemon with the page:  process %.1f %% of a core, HTTP thread %.2f %%" % page)
        print("the page costs: %+.1f %% of a core (process), %+.2f %% (HTTP thread)"
              % (page[0] - idle[0], page[1] - idle[1]))
    finally:
        if driver:
            driver.quit()
        daemon.kill()


if __name__ == "__main__":
    main()
