#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Plot a dualsat-fer-sweep CSV: FER vs Es/N0 per MODCOD, with the EN 302 307-1 Table 13
quasi-error-free Es/N0 of each MODCOD as a vertical marker in the same colour.

usage: dualsat-fer-plot --csv fer.csv --png fer.png [--qef data/dvbs2_qef_esn0.csv]
"""

import argparse
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(row for row in f if not row.startswith("#")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", required=True)
    ap.add_argument("--png", required=True)
    ap.add_argument("--qef", default=None)
    ap.add_argument("--title", default=None)
    a = ap.parse_args()

    rows = read_rows(a.csv)
    if not rows:
        sys.exit("no data in " + a.csv)
    qef = {}
    if a.qef:
        for r in read_rows(a.qef):
            qef[(r["modulation"], r["code_rate"])] = float(r["esn0_db"])

    curves = {}
    for r in rows:
        key = (r["modulation"], r["code_rate"], r["frame"])
        curves.setdefault(key, []).append(r)

    fig, ax = plt.subplots(figsize=(10, 6.5))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    floor = None
    for i, (key, pts) in enumerate(curves.items()):
        colour = colours[i % len(colours)]
        pts.sort(key=lambda r: float(r["esn0_db"]))
        xs, ys, zx = [], [], []
        for r in pts:
            frames, errors = int(r["frames"]), int(r["frame_errors"])
            if errors > 0:
                xs.append(float(r["esn0_db"]))
                ys.append(errors / frames)
            else:
                # No error seen: plot the "< 1/frames" bound with an open marker.
                zx.append((float(r["esn0_db"]), 1.0 / frames))
        label = "%s %s %s" % key
        ax.semilogy(xs, ys, "o-", color=colour, label=label, markersize=4)
        if zx:
            ax.semilogy([p[0] for p in zx], [p[1] for p in zx], "v", color=colour,
                        markerfacecolor="none", markersize=6)
            floor = min([p[1] for p in zx] + ([floor] if floor else []))
        q = qef.get((key[0], key[1]))
        if q is not None and key[2] == "normal":
            ax.axvline(q, color=colour, linestyle="--", linewidth=1, alpha=0.8)
    ax.set_xlabel("Es/N0 [dB]")
    ax.set_ylabel("frame error rate")
    ax.set_ylim(bottom=min(1e-4, floor or 1e-4) / 2, top=1.5)
    ax.grid(True, which="both", alpha=0.3)
    ax.set_title(a.title or "gr-dualsat receiver FEC over AWGN (dashed: EN 302 307-1 Table 13 "
                 "QEF, normal frames; open triangles: no error in N frames, at 1/N)")
    ax.title.set_fontsize(9)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(a.png, dpi=110)


if __name__ == "__main__":
    main()
