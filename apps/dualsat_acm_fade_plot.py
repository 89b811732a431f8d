#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Plot a dualsat-acm-fade-bench CSV: true vs reported Es/N0, chosen vs ideal MODCOD and
goodput (ACM vs the ideal staircase, 1 s windows) against time.

usage: dualsat-acm-fade-plot --csv acm_fade.csv --png acm_fade.png [--window S]
"""

import argparse
import csv
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read(path):
    summary = {}
    rows = []
    with open(path, newline="") as f:
        lines = []
        for line in f:
            if line.startswith("# summary,"):
                for kv in line.strip().split(",")[1:]:
                    k, _, v = kv.partition("=")
                    summary[k] = v
            elif not line.startswith("#"):
                lines.append(line)
        rows = list(csv.DictReader(lines))
    return summary, rows


def num(v):
    try:
        x = float(v)
    except ValueError:
        return math.nan
    return x


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", required=True)
    ap.add_argument("--png", required=True)
    ap.add_argument("--window", type=float, default=1.0, help="goodput window, seconds")
    ap.add_argument("--title", default=None)
    a = ap.parse_args()

    summary, rows = read(a.csv)
    if not rows:
        sys.exit("no data in " + a.csv)
    t = [num(r["t_s"]) for r in rows]
    dur = [num(r["duration_s"]) for r in rows]
    true_e = [num(r["true_esn0_db"]) for r in rows]
    rep_e = [num(r["reported_esn0_db"]) for r in rows]
    est_e = [num(r["estimated_esn0_db"]) for r in rows]
    mc = [int(r["modcod"]) for r in rows]
    ideal = [int(r["ideal_modcod"]) for r in rows]
    failed_t = [t[i] for i, r in enumerate(rows) if r["decoded"] != "1"]

    # Goodput per window: decoded user bits of the frames sent in it, and the ideal
    # staircase's bits over the same frames (a frame's symbols are user_bits / efficiency,
    # the ideal rung carries ideal_efficiency per symbol), over the time those frames took
    # (so the last, partial window is not drawn as a drop).
    w = a.window
    nbins = int(math.ceil((t[-1] + dur[-1] - t[0]) / w)) if t else 0
    acm_bits = [0.0] * nbins
    ideal_bits = [0.0] * nbins
    covered = [0.0] * nbins
    for i, r in enumerate(rows):
        b = min(int((t[i] - t[0]) / w), nbins - 1)
        covered[b] += dur[i]
        if r["decoded"] == "1":
            acm_bits[b] += num(r["user_bits"])
        eff = num(r["efficiency"])
        if eff > 0:
            ideal_bits[b] += num(r["user_bits"]) / eff * num(r["ideal_efficiency"])
    keep = [k for k in range(nbins) if covered[k] > 0.5 * w]
    centres = [t[0] + (k + 0.5) * w for k in keep]

    fig, axes = plt.subplots(3, 1, figsize=(12, 9), sharex=True)
    ax = axes[0]
    # The per-frame estimates behind, the true and reported curves on top.
    ax.plot(t, est_e, ".", color="tab:blue", ms=0.8, alpha=0.15, zorder=1,
            label="per-frame estimate")
    ax.plot(t, true_e, color="black", lw=1.2, zorder=3, label="true Es/N0 (at arrival)")
    ax.plot(t, rep_e, color="tab:orange", lw=0.9, zorder=4,
            label="reported (controller's latest)")
    if "lowest_threshold_db" in summary:
        ax.axhline(float(summary["lowest_threshold_db"]), color="grey", ls=":", lw=0.8,
                   label="lowest threshold")
    ax.set_ylabel("Es/N0 (dB)")
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)

    ax = axes[1]
    ax.step(t, ideal, where="post", color="tab:green", lw=1.0, label="ideal (zero delay)")
    ax.step(t, mc, where="post", color="tab:blue", lw=1.0, label="chosen")
    if failed_t:
        ax.plot(failed_t, [0.5] * len(failed_t), "x", color="tab:red", ms=4,
                label="frame not decoded")
    ax.set_ylabel("MODCOD number")
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)

    ax = axes[2]
    ax.plot(centres, [ideal_bits[k] / covered[k] / 1e3 for k in keep], color="tab:green",
            lw=1.0, label="ideal staircase")
    ax.plot(centres, [acm_bits[k] / covered[k] / 1e3 for k in keep], color="tab:blue", lw=1.0,
            label="ACM")
    if "ccm_kbps" in summary:
        ax.axhline(float(summary["ccm_kbps"]), color="tab:purple", ls="--", lw=0.8,
                   label="best CCM (%s)" % summary.get("ccm", "?"))
    ax.set_ylabel("goodput (kb/s, %g s windows)" % w)
    ax.set_xlabel("transmit time (s)")
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)

    title = a.title
    if title is None and summary:
        title = ("ACM %s kb/s, ideal %s kb/s, CCM %s kb/s; FER %s (above lowest threshold %s); "
                 "outage %s s; %s changes") % (
            summary.get("goodput_kbps", "?"), summary.get("ideal_kbps", "?"),
            summary.get("ccm_kbps", "?"), summary.get("fer_all", "?"),
            summary.get("fer_in_range", "?"), summary.get("outage_s", "?"),
            summary.get("changes", "?"))
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(a.png, dpi=110)


if __name__ == "__main__":
    main()
