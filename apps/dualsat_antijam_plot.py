#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Plots dualsat-antijam-bench's CSV: FER against J/S with and without erasure of the
dwells judged jammed, and the detector's hit and false-alarm rates.

  dualsat-antijam-plot antijam.csv antijam.png
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    rows = list(csv.DictReader(open(argv[1])))
    fig, (ax, dx) = plt.subplots(2, 1, figsize=(8, 7), sharex=True,
                                 gridspec_kw={"height_ratios": [2, 1]})
    for erasure, style in (("1", "o-"), ("0", "s--")):
        pts = sorted((float(r["js_db"]), r) for r in rows if r["erasure"] == erasure)
        if not pts:
            continue
        js = [p[0] for p in pts]
        # A point with no frame error is drawn as a downward triangle at 1 / frames: the
        # FER is below what the run can resolve, not equal to it.
        fer = [max(float(r["fer"]), 1.0 / max(int(r["frames"]), 1)) for _, r in pts]
        label = "erasure of jammed dwells" if erasure == "1" else "no erasure"
        line, = ax.semilogy(js, fer, style[1:], label=label)
        zero = [(j, f) for (j, (_, r)), f in zip(zip(js, pts), fer) if float(r["fer"]) == 0.0]
        some = [(j, f) for (j, (_, r)), f in zip(zip(js, pts), fer) if float(r["fer"]) > 0.0]
        if zero:
            ax.semilogy([z[0] for z in zero], [z[1] for z in zero], "v", color=line.get_color())
        if some:
            ax.semilogy([z[0] for z in some], [z[1] for z in some], style[0], color=line.get_color())
        if erasure == "1":
            hit = [100.0 * int(r["hit_detected"]) / max(int(r["dwells_hit"]), 1) for _, r in pts]
            fa = [100.0 * int(r["clean_flagged"]) / max(int(r["dwells"]) - int(r["dwells_hit"]), 1)
                  for _, r in pts]
            dx.plot(js, hit, "o-", label="jammed dwells detected")
            dx.plot(js, fa, "x-", label="clean dwells flagged")
    ax.axhline(1e-3, color="grey", lw=0.8, ls=":")
    ax.set_ylabel("FER (triangles: no error, below 1/frames)")
    ax.set_title("Keyed frequency hopping under partial-band noise")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    dx.set_xlabel("J/S (dB, total jammer power over signal power)")
    dx.set_ylabel("%")
    dx.set_ylim(-5, 105)
    dx.grid(True, alpha=0.3)
    dx.legend()
    fig.tight_layout()
    fig.savefig(argv[2], dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
