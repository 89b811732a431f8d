#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""qa: the TS mode adaptation block against gr-dtv's dvb_bbheader_bb, bit for bit, for
all 21 DVB-S2 frame-size/code-rate pairs and the three roll-offs."""

import numpy as np
from gnuradio import blocks, dtv, gr, gr_unittest

from gnuradio import dualsat

RATES = [
    (dualsat.CodeRate.C1_4, dtv.C1_4), (dualsat.CodeRate.C1_3, dtv.C1_3),
    (dualsat.CodeRate.C2_5, dtv.C2_5), (dualsat.CodeRate.C1_2, dtv.C1_2),
    (dualsat.CodeRate.C3_5, dtv.C3_5), (dualsat.CodeRate.C2_3, dtv.C2_3),
    (dualsat.CodeRate.C3_4, dtv.C3_4), (dualsat.CodeRate.C4_5, dtv.C4_5),
    (dualsat.CodeRate.C5_6, dtv.C5_6), (dualsat.CodeRate.C8_9, dtv.C8_9),
    (dualsat.CodeRate.C9_10, dtv.C9_10),
]
FRAMES = [(dualsat.FrameSize.NORMAL, dtv.FECFRAME_NORMAL),
          (dualsat.FrameSize.SHORT, dtv.FECFRAME_SHORT)]
ROLLOFFS = [(dualsat.RollOff.RO_0_35, dtv.RO_0_35), (dualsat.RollOff.RO_0_25, dtv.RO_0_25),
            (dualsat.RollOff.RO_0_20, dtv.RO_0_20)]


def ts_packets(rng, count):
    pkts = rng.integers(0, 256, (count, 188), dtype=np.uint8)
    pkts[:, 0] = 0x47
    return pkts.reshape(-1)


def run_chain(src_data, blk):
    tb = gr.top_block()
    src = blocks.vector_source_b(src_data.tolist(), False)
    snk = blocks.vector_sink_b()
    tb.connect(src, blk, snk)
    tb.run()
    return np.array(snk.data(), dtype=np.uint8)


def gr_dtv_bbheader(frame, rate, rolloff):
    return dtv.dvb_bbheader_bb(dtv.STANDARD_DVBS2, frame, rate, rolloff,
                               dtv.INPUTMODE_NORMAL, dtv.INBAND_OFF, 168, 4000000)


class qa_bbheader_bb(gr_unittest.TestCase):

    def test_001_bit_identical_to_gr_dtv(self):
        rng = np.random.default_rng(1)
        pairs = 0
        for i, ((frame, dtv_frame), (rate, dtv_rate)) in enumerate(
                (f, r) for f in FRAMES for r in RATES):
            if not dualsat.code_exists(frame, rate):
                continue
            pairs += 1
            ro, dtv_ro = ROLLOFFS[i % 3]
            kbch = dualsat.code_params(frame, rate).kbch
            nframes = 5
            # Enough packets for nframes full frames plus a partial one.
            npk = (nframes * (kbch - 80) // 8) // 188 + 2
            ts = ts_packets(rng, npk)
            blk = dualsat.bbheader_bb(frame, rate, ro)
            ours = run_chain(ts, blk)
            ref = run_chain(ts, gr_dtv_bbheader(dtv_frame, dtv_rate, dtv_ro))
            self.assertEqual(blk.frame_items(), kbch)
            self.assertEqual(len(ours) % kbch, 0)
            self.assertGreaterEqual(len(ours), nframes * kbch, f"{frame} {rate}")
            self.assertEqual(len(ours), len(ref), f"{frame} {rate}: frame count differs")
            self.assertTrue(np.array_equal(ours, ref), f"{frame} {rate} differs from gr-dtv")
            self.assertEqual(blk.frames_built(), len(ours) // kbch)
            self.assertEqual(blk.bytes_skipped(), 0)
            self.assertTrue(set(np.unique(ours)) <= {0, 1})
        self.assertEqual(pairs, 21)

    def test_002_every_rolloff(self):
        rng = np.random.default_rng(2)
        ts = ts_packets(rng, 30)
        for ro, dtv_ro in ROLLOFFS:
            ours = run_chain(ts, dualsat.bbheader_bb(dualsat.FrameSize.SHORT,
                                                     dualsat.CodeRate.C3_5, ro))
            ref = run_chain(ts, gr_dtv_bbheader(dtv.FECFRAME_SHORT, dtv.C3_5, dtv_ro))
            self.assertGreater(len(ours), 0)
            self.assertTrue(np.array_equal(ours, ref))
            h = dualsat.parse_bbheader(bytes(np.packbits(ours[:80])))
            self.assertEqual(h.rolloff, ro)

    def test_003_resyncs_on_bad_sync(self):
        # A few stray bytes before the stream and inside it are skipped; the frames
        # carry the valid packets only.
        rng = np.random.default_rng(3)
        frame, rate = dualsat.FrameSize.SHORT, dualsat.CodeRate.C1_2
        kbch = dualsat.code_params(frame, rate).kbch
        good = ts_packets(rng, 40)
        junk = np.array([0x12, 0x34, 0x56], dtype=np.uint8)
        damaged = np.concatenate([junk, good[:188 * 10], junk[:2], good[188 * 10:]])
        blk = dualsat.bbheader_bb(frame, rate)
        ours = run_chain(damaged, blk)
        ref = run_chain(good, dualsat.bbheader_bb(frame, rate))
        self.assertEqual(blk.bytes_skipped(), 5)
        self.assertGreater(len(ref), 0)
        self.assertTrue(np.array_equal(ours, ref))

    def test_004_invalid_code_rejected(self):
        with self.assertRaises(ValueError):
            dualsat.bbheader_bb(dualsat.FrameSize.SHORT, dualsat.CodeRate.C9_10)


if __name__ == '__main__':
    gr_unittest.run(qa_bbheader_bb)
