#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""qa: the FEC stage blocks (BCH encoder, LDPC encoder, bit interleaver) against gr-dtv's
dvb_bch_bb, dvb_ldpc_bb and dvbs2_interleaver_bb, bit for bit, several frames per code.
All chains of one test run side by side in a single flowgraph."""

import numpy as np
from gnuradio import blocks, dtv, gr, gr_unittest

from gnuradio import dualsat

FRAMES = {dualsat.FrameSize.NORMAL: dtv.FECFRAME_NORMAL,
          dualsat.FrameSize.SHORT: dtv.FECFRAME_SHORT}
MODS = {dualsat.Modulation.QPSK: dtv.MOD_QPSK, dualsat.Modulation.PSK8: dtv.MOD_8PSK,
        dualsat.Modulation.APSK16: dtv.MOD_16APSK, dualsat.Modulation.APSK32: dtv.MOD_32APSK}
ALL_RATES = [getattr(dualsat.CodeRate, n) for n in
             ("C1_4", "C1_3", "C2_5", "C1_2", "C3_5", "C2_3", "C3_4", "C4_5", "C5_6", "C8_9", "C9_10")]
NFRAMES = 3


def dtv_rate(rate):
    return getattr(dtv, rate.name)


def all_codes():
    return [(f, r) for f in FRAMES for r in ALL_RATES if dualsat.code_exists(f, r)]


def run_side_by_side(cases):
    """cases: list of (input bits, ours, reference). Returns [(ours_out, ref_out)]."""
    tb = gr.top_block()
    sinks = []
    for bits, ours, ref in cases:
        src = blocks.vector_source_b(bits.tolist(), False)
        s_ours, s_ref = blocks.vector_sink_b(), blocks.vector_sink_b()
        tb.connect(src, ours, s_ours)
        tb.connect(src, ref, s_ref)
        sinks.append((s_ours, s_ref))
    tb.run()
    return [(np.array(a.data(), dtype=np.uint8), np.array(b.data(), dtype=np.uint8))
            for a, b in sinks]


class qa_fec_stages(gr_unittest.TestCase):

    def test_001_bch_matches_gr_dtv_all_codes(self):
        rng = np.random.default_rng(101)
        cases, labels = [], []
        for frame, rate in all_codes():
            p = dualsat.code_params(frame, rate)
            bits = rng.integers(0, 2, NFRAMES * p.kbch, dtype=np.uint8)
            blk = dualsat.bch_encoder_bb(frame, rate)
            self.assertEqual((blk.input_frame_items(), blk.output_frame_items()), (p.kbch, p.nbch))
            cases.append((bits, blk, dtv.dvb_bch_bb(dtv.STANDARD_DVBS2, FRAMES[frame], dtv_rate(rate))))
            labels.append((frame, rate, p, bits))
        for (ours, ref), (frame, rate, p, bits) in zip(run_side_by_side(cases), labels):
            self.assertEqual(len(ours), NFRAMES * p.nbch, f"{frame} {rate}")
            self.assertTrue(np.array_equal(ours, ref), f"BCH {frame} {rate} differs from gr-dtv")
            # systematic: the message comes through
            self.assertTrue(np.array_equal(ours[:p.kbch], bits[:p.kbch]))

    def test_002_ldpc_matches_gr_dtv_all_codes(self):
        rng = np.random.default_rng(102)
        cases, labels = [], []
        for frame, rate in all_codes():
            p = dualsat.code_params(frame, rate)
            bits = rng.integers(0, 2, NFRAMES * p.nbch, dtype=np.uint8)
            blk = dualsat.ldpc_encoder_bb(frame, rate)
            self.assertEqual((blk.input_frame_items(), blk.output_frame_items()), (p.nbch, p.nldpc))
            ref = dtv.dvb_ldpc_bb(dtv.STANDARD_DVBS2, FRAMES[frame], dtv_rate(rate), dtv.MOD_OTHER)
            cases.append((bits, blk, ref))
            labels.append((frame, rate, p))
        for (ours, ref), (frame, rate, p) in zip(run_side_by_side(cases), labels):
            self.assertEqual(len(ours), NFRAMES * p.nldpc, f"{frame} {rate}")
            self.assertTrue(np.array_equal(ours, ref), f"LDPC {frame} {rate} differs from gr-dtv")

    def test_003_interleaver_matches_gr_dtv_all_modcods(self):
        rng = np.random.default_rng(103)
        cases, labels = [], []
        for frame in FRAMES:
            for fmt in dualsat.all_frame_formats(frame, False):
                mod, rate = fmt.modcod.mod, fmt.modcod.rate
                n = dualsat.code_params(frame, rate).nldpc
                m = dualsat.bits_per_symbol(mod)
                bits = rng.integers(0, 2, NFRAMES * n, dtype=np.uint8)
                blk = dualsat.bit_interleaver_bb(frame, rate, mod)
                self.assertEqual((blk.input_frame_items(), blk.output_frame_items()), (n, n // m))
                ref = dtv.dvbs2_interleaver_bb(FRAMES[frame], dtv_rate(rate), MODS[mod])
                cases.append((bits, blk, ref))
                labels.append((frame, mod, rate, n, m))
        checked_modulations = set()
        for (ours, ref), (frame, mod, rate, n, m) in zip(run_side_by_side(cases), labels):
            self.assertEqual(len(ours), NFRAMES * n // m, f"{frame} {mod} {rate}")
            self.assertTrue(np.array_equal(ours, ref),
                            f"interleaver {frame} {mod} {rate} differs from gr-dtv")
            self.assertLess(int(ours.max()), 1 << m)
            checked_modulations.add(mod)
        self.assertEqual(checked_modulations, set(MODS))

    def test_004_full_chain_bch_ldpc_interleaver(self):
        # Our three stages in series equal gr-dtv's three in series (8PSK 3/5 normal, the
        # interleaver's reversed-column case).
        frame, rate, mod = dualsat.FrameSize.NORMAL, dualsat.CodeRate.C3_5, dualsat.Modulation.PSK8
        kbch = dualsat.code_params(frame, rate).kbch
        bits = np.random.default_rng(104).integers(0, 2, 2 * kbch, dtype=np.uint8)
        tb = gr.top_block()
        src = blocks.vector_source_b(bits.tolist(), False)
        ours, ref = blocks.vector_sink_b(), blocks.vector_sink_b()
        tb.connect(src, dualsat.bch_encoder_bb(frame, rate), dualsat.ldpc_encoder_bb(frame, rate),
                   dualsat.bit_interleaver_bb(frame, rate, mod), ours)
        f, r = FRAMES[frame], dtv_rate(rate)
        tb.connect(src, dtv.dvb_bch_bb(dtv.STANDARD_DVBS2, f, r),
                   dtv.dvb_ldpc_bb(dtv.STANDARD_DVBS2, f, r, dtv.MOD_OTHER),
                   dtv.dvbs2_interleaver_bb(f, r, dtv.MOD_8PSK), ref)
        tb.run()
        self.assertEqual(len(ours.data()), 2 * 64800 // 3)
        self.assertEqual(ours.data(), ref.data())

    def test_005_partial_frame_not_emitted(self):
        frame, rate = dualsat.FrameSize.SHORT, dualsat.CodeRate.C1_2
        p = dualsat.code_params(frame, rate)
        for blk, n_in, n_out in ((dualsat.bch_encoder_bb(frame, rate), p.kbch, p.nbch),
                                 (dualsat.ldpc_encoder_bb(frame, rate), p.nbch, p.nldpc)):
            tb = gr.top_block()
            src = blocks.vector_source_b([1] * (n_in + n_in // 2), False)
            snk = blocks.vector_sink_b()
            tb.connect(src, blk, snk)
            tb.run()
            self.assertEqual(len(snk.data()), n_out)

    def test_006_invalid_parameters_rejected(self):
        s, r = dualsat.FrameSize.SHORT, dualsat.CodeRate.C9_10
        with self.assertRaises(ValueError):
            dualsat.bch_encoder_bb(s, r)
        with self.assertRaises(ValueError):
            dualsat.ldpc_encoder_bb(s, r)
        with self.assertRaises(ValueError):
            dualsat.bit_interleaver_bb(s, r, dualsat.Modulation.PSK8)


if __name__ == '__main__':
    gr_unittest.run(qa_fec_stages)
