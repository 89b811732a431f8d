#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""qa: the modulator block against gr-dtv's dvbs2_modulator_bc (INTERPOLATION_OFF) for all
28 MODCODs, from random interleaved bits, in each input form."""

import numpy as np
from gnuradio import blocks, dtv, gr, gr_unittest

from gnuradio import dualsat

MODS = {dualsat.Modulation.QPSK: (dtv.MOD_QPSK, 2), dualsat.Modulation.PSK8: (dtv.MOD_8PSK, 3),
        dualsat.Modulation.APSK16: (dtv.MOD_16APSK, 4),
        dualsat.Modulation.APSK32: (dtv.MOD_32APSK, 5)}
FRAMES = {dualsat.FrameSize.NORMAL: (dtv.FECFRAME_NORMAL, 64800),
          dualsat.FrameSize.SHORT: (dtv.FECFRAME_SHORT, 16200)}
TOL = 1e-5


def dtv_rate(rate):
    return getattr(dtv, rate.name)  # dualsat.CodeRate.C3_5 -> dtv.C3_5


def run(data, blk, sink):
    tb = gr.top_block()
    tb.connect(blocks.vector_source_b(data.tolist(), False), blk, sink)
    tb.run()
    return sink


def run_c(data, blk):
    return np.array(run(data, blk, blocks.vector_sink_c()).data(), dtype=np.complex64)


def labels_of(bits, b):
    """gr-dtv's modulator takes one label per byte; first bit of each group = MSB."""
    groups = bits.reshape(-1, b).astype(np.uint8)
    return (groups << np.arange(b - 1, -1, -1, dtype=np.uint8)).sum(axis=1).astype(np.uint8)


def reference(bits, mc, frame):
    mod, b = MODS[mc.mod]
    blk = dtv.dvbs2_modulator_bc(FRAMES[frame][0], dtv_rate(mc.rate), mod, dtv.INTERPOLATION_OFF)
    return run_c(labels_of(bits, b), blk)


class qa_modulator_bc(gr_unittest.TestCase):

    def test_001_all_modcods_match_gr_dtv(self):
        rng = np.random.default_rng(21)
        for number in range(1, 29):
            mc = dualsat.modcod_from_number(number)
            b = MODS[mc.mod][1]
            bits = rng.integers(0, 2, 2 * 64800, dtype=np.uint8)  # two frames
            ref = reference(bits, mc, dualsat.FrameSize.NORMAL)
            blk = dualsat.modulator_bc(mc.mod, mc.rate, dualsat.FrameSize.NORMAL,
                                       dualsat.MapperInput.UNPACKED_BITS)
            self.assertEqual(blk.frame_input_items(), 64800)
            self.assertEqual(blk.frame_symbols(), 64800 // b)
            ours = run_c(bits, blk)
            self.assertEqual(len(ours), 2 * 64800 // b, repr(mc))
            self.assertEqual(len(ref), len(ours), repr(mc))
            self.assertLessEqual(float(np.max(np.abs(ours - ref))), TOL, repr(mc))
            # the frame really used the whole constellation
            self.assertEqual(len(np.unique(ours)), 1 << b, repr(mc))

    def test_002_short_frames_match_gr_dtv(self):
        rng = np.random.default_rng(22)
        for fmt in dualsat.all_frame_formats(dualsat.FrameSize.SHORT, False):
            mc = fmt.modcod
            if mc.mod in (dualsat.Modulation.QPSK, dualsat.Modulation.PSK8) and \
                    mc.rate not in (dualsat.CodeRate.C1_4, dualsat.CodeRate.C8_9):
                continue  # PSK points do not depend on the rate; APSK: every rate
            bits = rng.integers(0, 2, 16200, dtype=np.uint8)
            ref = reference(bits, mc, dualsat.FrameSize.SHORT)
            ours = run_c(bits, dualsat.modulator_bc(mc.mod, mc.rate, dualsat.FrameSize.SHORT))
            self.assertEqual(len(ours), len(ref), repr(mc))
            self.assertLessEqual(float(np.max(np.abs(ours - ref))), TOL, repr(mc))

    def test_003_input_forms_agree(self):
        rng = np.random.default_rng(23)
        for mod, rate in ((dualsat.Modulation.PSK8, dualsat.CodeRate.C2_3),
                          (dualsat.Modulation.APSK32, dualsat.CodeRate.C4_5)):
            b = MODS[mod][1]
            bits = rng.integers(0, 2, 3 * 16200, dtype=np.uint8)
            frame = dualsat.FrameSize.SHORT
            unpacked = run_c(bits, dualsat.modulator_bc(mod, rate, frame,
                                                        dualsat.MapperInput.UNPACKED_BITS))
            packed_blk = dualsat.modulator_bc(mod, rate, frame, dualsat.MapperInput.PACKED_BITS)
            self.assertEqual(packed_blk.frame_input_items(), 16200 // 8)
            packed = run_c(np.packbits(bits), packed_blk)
            labels = run_c(labels_of(bits, b),
                           dualsat.modulator_bc(mod, rate, frame, dualsat.MapperInput.LABELS))
            self.assertEqual(len(unpacked), 3 * 16200 // b)
            self.assertTrue(np.array_equal(unpacked, packed))
            self.assertTrue(np.array_equal(unpacked, labels))

    def test_004_drop_in_after_gr_dtv_interleaver(self):
        # gr-dtv interleaver -> ours (LABELS) equals gr-dtv interleaver -> gr-dtv modulator.
        rng = np.random.default_rng(24)
        bits = rng.integers(0, 2, 2 * 64800, dtype=np.uint8)
        rate = dualsat.CodeRate.C3_4
        tb = gr.top_block()
        src = blocks.vector_source_b(bits.tolist(), False)
        il = dtv.dvbs2_interleaver_bb(dtv.FECFRAME_NORMAL, dtv.C3_4, dtv.MOD_32APSK)
        ours = blocks.vector_sink_c()
        ref = blocks.vector_sink_c()
        tb.connect(src, il)
        tb.connect(il, dualsat.modulator_bc(dualsat.Modulation.APSK32, rate,
                                            dualsat.FrameSize.NORMAL, dualsat.MapperInput.LABELS),
                   ours)
        tb.connect(il, dtv.dvbs2_modulator_bc(dtv.FECFRAME_NORMAL, dtv.C3_4, dtv.MOD_32APSK,
                                              dtv.INTERPOLATION_OFF), ref)
        tb.run()
        a = np.array(ours.data(), dtype=np.complex64)
        r = np.array(ref.data(), dtype=np.complex64)
        self.assertEqual(len(a), 2 * 64800 // 5)
        self.assertLessEqual(float(np.max(np.abs(a - r[:len(a)]))), TOL)

    def test_005_partial_frame_held_back(self):
        out = run_c(np.zeros(16200 + 100, dtype=np.uint8),
                    dualsat.modulator_bc(dualsat.Modulation.QPSK, dualsat.CodeRate.C1_2,
                                         dualsat.FrameSize.SHORT))
        self.assertEqual(len(out), 8100)

    def test_006_unit_outer_ring_scaling(self):
        pts = np.array(dualsat.constellation_points(
            dualsat.ModCod(dualsat.Modulation.APSK16, dualsat.CodeRate.C2_3),
            dualsat.ApskScaling.UNIT_OUTER_RING))
        self.assertAlmostEqual(float(np.max(np.abs(pts))), 1.0, places=6)
        out = run_c(np.zeros(16200, dtype=np.uint8),
                    dualsat.modulator_bc(dualsat.Modulation.APSK16, dualsat.CodeRate.C2_3,
                                         dualsat.FrameSize.SHORT,
                                         dualsat.MapperInput.UNPACKED_BITS,
                                         dualsat.ApskScaling.UNIT_OUTER_RING))
        self.assertTrue(np.allclose(out, pts[0]))

    def test_007_bad_parameters(self):
        with self.assertRaises(ValueError):  # ConfigError
            dualsat.modulator_bc(dualsat.Modulation.PSK8, dualsat.CodeRate.C1_2)
        with self.assertRaises(ValueError):
            dualsat.modulator_bc(dualsat.Modulation.QPSK, dualsat.CodeRate.C9_10,
                                 dualsat.FrameSize.SHORT)

    def test_008_malformed_frame_dropped_not_hung(self):
        # Frame 2 of 3 carries a byte that is not a bit: it is dropped whole, counted, and
        # the flowgraph still finishes with the two good frames.
        rng = np.random.default_rng(26)
        mc = dualsat.ModCod(dualsat.Modulation.APSK16, dualsat.CodeRate.C3_4)
        bits = rng.integers(0, 2, 3 * 16200, dtype=np.uint8)
        bad = bits.copy()
        bad[16200 + 77] = 2
        blk = dualsat.modulator_bc(mc.mod, mc.rate, dualsat.FrameSize.SHORT)
        out = run_c(bad, blk)
        self.assertEqual(blk.dropped_frames(), 1)
        good = np.concatenate([bits[:16200], bits[2 * 16200:]])
        self.assertTrue(np.array_equal(out, run_c(good, dualsat.modulator_bc(
            mc.mod, mc.rate, dualsat.FrameSize.SHORT))))
        labels_blk = dualsat.modulator_bc(dualsat.Modulation.PSK8, dualsat.CodeRate.C3_5,
                                          dualsat.FrameSize.SHORT, dualsat.MapperInput.LABELS)
        labels = np.zeros(2 * 5400, dtype=np.uint8)
        labels[3] = 8
        self.assertEqual(len(run_c(labels, labels_blk)), 5400)
        self.assertEqual(labels_blk.dropped_frames(), 1)

    def test_009_soft_demap_roundtrip(self):
        # Python access to the demapper: noiseless symbols decide back to the bits.
        rng = np.random.default_rng(25)
        mc = dualsat.ModCod(dualsat.Modulation.APSK32, dualsat.CodeRate.C8_9)
        bits = rng.integers(0, 2, 16200, dtype=np.uint8)
        sym = run_c(bits, dualsat.modulator_bc(mc.mod, mc.rate, dualsat.FrameSize.SHORT))
        llr = np.array(dualsat.soft_demap(mc, sym.tolist(), 0.01))
        self.assertTrue(np.array_equal((llr < 0).astype(np.uint8), bits))


if __name__ == '__main__':
    gr_unittest.run(qa_modulator_bc)
