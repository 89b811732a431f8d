#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Throughput of dualsat.pulse_shaper_cc against GNU Radio's own RRC shaping
(firdes.root_raised_cosine + filter.interp_fir_filter_ccf), same symbols, same taps up to
gain, in the same run: Msamples/s of output through a whole flowgraph
(vector source -> shaper -> null sink). Not a test.

    PYTHONPATH=<build>/test_modules /usr/bin/python3 tests/bench/bench_pulse_shaper_vs_gnuradio.py
"""
import sys
import time

import numpy as np
from gnuradio import blocks, filter, gr
from gnuradio.filter import firdes

from gnuradio import dualsat

NSYM = 1 << 20


def flowgraph_rate(make_block, sym, out_per_sym):
    tb = gr.top_block()
    src = blocks.vector_source_c(sym, False)
    head = blocks.head(gr.sizeof_gr_complex, int(len(sym) * out_per_sym) - 64)
    tb.connect(src, make_block(), head, blocks.null_sink(gr.sizeof_gr_complex))
    t0 = time.perf_counter()
    tb.run()
    return len(sym) * out_per_sym / (time.perf_counter() - t0) / 1e6


def compare(make_ref, make_ours, sym, out_per_sym, rounds=5):
    """Alternates the two flowgraphs round by round (a shared machine's load then hits both
    alike); best round of each."""
    ref = ours = 0.0
    for _ in range(rounds):
        if make_ref:
            ref = max(ref, flowgraph_rate(make_ref, sym, out_per_sym))
        ours = max(ours, flowgraph_rate(make_ours, sym, out_per_sym))
    return ref, ours


def main():
    rng = np.random.default_rng(1)
    sym = ((2 * rng.integers(0, 2, NSYM) - 1) + 1j * (2 * rng.integers(0, 2, NSYM) - 1)) / np.sqrt(2)
    sym = sym.astype(np.complex64).tolist()
    print(f"{'case':34s} {'GNU Radio':>10s} {'dualsat':>10s} {'ratio':>7s}   (Msamples/s out, best of 5)")
    for sps in (2, 4):
        for span in (16, 32, 64):
            ntaps = dualsat.rrc_num_taps(sps, span)
            taps = np.array(firdes.root_raised_cosine(1.0, sps, 1.0, 0.2, ntaps))
            taps = (taps * np.sqrt(sps / np.sum(taps ** 2))).tolist()
            ref, ours = compare(lambda: filter.interp_fir_filter_ccf(sps, taps),
                                lambda: dualsat.pulse_shaper_cc(0.2, sps, span), sym, sps)
            print(f"{f'sps {sps} span {span} ({ntaps} taps)':34s} {ref:10.1f} {ours:10.1f} {ours / ref:6.2f}x")
            sys.stdout.flush()
    _, ours = compare(None, lambda: dualsat.pulse_shaper_cc(0.2, 2, 16, 2.37), sym, 4.74)
    print(f"{'sps 2 -> 4.74 (ratio 2.37)':34s} {'':>10s} {ours:10.1f}")


if __name__ == '__main__':
    main()
