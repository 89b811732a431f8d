#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Flowgraph throughput of the whole transmitter: our tx_bc against gr-dtv's seven-block
DVB-S2 chain (dvb_bbheader_bb ... dvbs2_physical_cc), same TS input, same run.

    /usr/bin/python3 tests/bench/bench_tx_flowgraph.py [--build BUILD_DIR] [--frames N]
                                                        [--repeats R] [--workers W]

Each flowgraph is vector_source_b (random TS packets: exactly N normal frames' worth plus
part of one more) -> chain -> null sink, run to completion; the figure is TS input
Mbit/s (and Msymbols/s of PL output) of the best of R runs (the machine may be shared;
the runs of the two chains alternate, so both see the same load). tx_bc runs with its
default encoding threads (min(2, hardware threads)) unless --workers is given.
gr-dtv's framer emits two samples per symbol (a zero after each); its symbol rate counts
symbols. Both chains' output lengths are checked. Not a test: timings are not pass/fail.
"""

import argparse
import os
import sys
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.environ.get("DUALSAT_BUILD", "build"),
                    help="build directory holding test_modules/ (default: build)")
    ap.add_argument("--frames", type=int, default=60, help="PLFRAMEs per run (default 60)")
    ap.add_argument("--repeats", type=int, default=3, help="runs per chain, best kept")
    ap.add_argument("--workers", type=int, default=-1,
                    help="tx_bc encoding threads, its own included (default -1: automatic)")
    args = ap.parse_args()
    sys.path.insert(0, os.path.join(os.path.abspath(args.build), "test_modules"))

    from gnuradio import blocks, dtv, gr
    from gnuradio import dualsat

    M, R, F = dualsat.Modulation, dualsat.CodeRate, dualsat.FrameSize
    cases = [("QPSK 1/2", M.QPSK, R.C1_2, dtv.MOD_QPSK, dtv.C1_2),
             ("8PSK 3/5", M.PSK8, R.C3_5, dtv.MOD_8PSK, dtv.C3_5),
             ("16APSK 3/4", M.APSK16, R.C3_4, dtv.MOD_16APSK, dtv.C3_4),
             ("32APSK 4/5", M.APSK32, R.C4_5, dtv.MOD_32APSK, dtv.C4_5)]
    rng = np.random.default_rng(1)

    def run_once(make_chain, ts, samples):
        tb = gr.top_block()
        src = blocks.vector_source_b(ts, False)
        chain = make_chain()
        snk = blocks.null_sink(gr.sizeof_gr_complex)
        tb.connect(src, *chain, snk)
        t0 = time.perf_counter()
        tb.run()
        elapsed = time.perf_counter() - t0
        produced = chain[-1].nitems_written(0)
        if produced != samples:
            raise RuntimeError(f"chain produced {produced} samples, expected {samples}")
        return elapsed

    def run_both(ours, ref, ts, samples_ours, samples_ref):
        best_ours = best_ref = float("inf")
        for _ in range(args.repeats):
            best_ours = min(best_ours, run_once(ours, ts, samples_ours))
            best_ref = min(best_ref, run_once(ref, ts, samples_ref))
        return best_ours, best_ref

    print(f"normal frames, no pilots, {args.frames} PLFRAMEs per run, best of {args.repeats}, "
          f"tx_bc workers={args.workers}")
    print(f"{'MODCOD':<11} {'tx_bc Mbit/s':>13} {'Msym/s':>8} {'gr-dtv Mbit/s':>14} {'Msym/s':>8} {'ratio':>7}")
    for name, mod, rate, dmod, drate in cases:
        fmt = dualsat.FrameFormat(dualsat.ModCod(mod, rate), F.NORMAL, False)
        nsym = fmt.plframe_symbols()
        bits = args.frames * (fmt.code().kbch - 80)
        npk = bits // 8 // 188 + 2  # N full data fields and part of the next
        pkts = rng.integers(0, 256, (npk, 188), dtype=np.uint8)
        pkts[:, 0] = 0x47
        ts = pkts.reshape(-1).tolist()

        def ours():
            return [dualsat.tx_bc(dualsat.TxInputMode.TS, F.NORMAL, rate, mod, False,
                                  dualsat.RollOff.RO_0_20, 1, True, dualsat.IdlePolicy.WAIT,
                                  args.workers)]

        def ref():
            fr = dtv.FECFRAME_NORMAL
            return [dtv.dvb_bbheader_bb(dtv.STANDARD_DVBS2, fr, drate, dtv.RO_0_20,
                                        dtv.INPUTMODE_NORMAL, dtv.INBAND_OFF, 168, 4000000),
                    dtv.dvb_bbscrambler_bb(dtv.STANDARD_DVBS2, fr, drate),
                    dtv.dvb_bch_bb(dtv.STANDARD_DVBS2, fr, drate),
                    dtv.dvb_ldpc_bb(dtv.STANDARD_DVBS2, fr, drate, dtv.MOD_OTHER),
                    dtv.dvbs2_interleaver_bb(fr, drate, dmod),
                    dtv.dvbs2_modulator_bc(fr, drate, dmod, dtv.INTERPOLATION_OFF),
                    dtv.dvbs2_physical_cc(fr, drate, dmod, dtv.PILOTS_OFF, 1)]

        t_ours, t_ref = run_both(ours, ref, ts, args.frames * nsym, 2 * args.frames * nsym)
        print(f"{name:<11} {bits / t_ours / 1e6:13.1f} {args.frames * nsym / t_ours / 1e6:8.2f} "
              f"{bits / t_ref / 1e6:14.1f} {args.frames * nsym / t_ref / 1e6:8.2f} "
              f"{t_ref / t_ours:6.1f}x")


if __name__ == "__main__":
    main()
