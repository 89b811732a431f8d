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
        # FER 0 is drawn at the floor the frame count can show (1 / frames).
        fer = [max(float(r["fer"]), 0.5 / max(int(r["frames"]), 1)) for _, r in pts]
        label = "erasure of jammed dwells" if erasure == "1" else "no erasure"
        ax.semilogy(js, fer, style, label=label)
        if erasure == "1":
            hit = [100.0 * int(r["hit_detected"]) / max(int(r["dwells_hit"]), 1) for _, r in pts]
            fa = [100.0 * int(r["clean_flagged"]) / max(int(r["dwells"]) - int(r["dwells_hit"]), 1)
                  for _, r in pts]
            dx.plot(js, hit, "o-", label="jammed dwells detected")
            dx.plot(js, fa, "x-", label="clean dwells flagged")
    ax.axhline(1e-3, color="grey", lw=0.8, ls=":")
    ax.set_ylabel("FER")
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
