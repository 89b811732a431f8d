#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""qa: the BB scrambler block against gr-dtv's dvb_bbscrambler_bb, and BBHEADERs made
by gr-dtv's dvb_bbheader_bb parsed by our core."""

import numpy as np
from gnuradio import blocks, dtv, gr, gr_unittest

from gnuradio import dualsat

RATES = {
    dualsat.CodeRate.C1_4: dtv.C1_4, dualsat.CodeRate.C1_2: dtv.C1_2,
    dualsat.CodeRate.C3_5: dtv.C3_5, dualsat.CodeRate.C8_9: dtv.C8_9,
    dualsat.CodeRate.C9_10: dtv.C9_10,
}
FRAMES = {dualsat.FrameSize.NORMAL: dtv.FECFRAME_NORMAL,
          dualsat.FrameSize.SHORT: dtv.FECFRAME_SHORT}


def run_chain(src_data, blk):
    tb = gr.top_block()
    src = blocks.vector_source_b(list(src_data), False)
    snk = blocks.vector_sink_b()
    tb.connect(src, blk, snk)
    tb.run()
    return np.array(snk.data(), dtype=np.uint8)


class qa_bb_scrambler_bb(gr_unittest.TestCase):

    def test_001_matches_gr_dtv(self):
        rng = np.random.default_rng(1)
        for frame, dtv_frame in FRAMES.items():
            for rate, dtv_rate in RATES.items():
                if not dualsat.code_exists(frame, rate):
                    continue
                kbch = dualsat.code_params(frame, rate).kbch
                bits = rng.integers(0, 2, 3 * kbch, dtype=np.uint8)
                ours = run_chain(bits, dualsat.bb_scrambler_bb(frame, rate, False))
                ref = run_chain(bits, dtv.dvb_bbscrambler_bb(dtv.STANDARD_DVBS2, dtv_frame, dtv_rate))
                self.assertEqual(len(ours), 3 * kbch)
                self.assertTrue(np.array_equal(ours, ref), f"{frame} {rate} differs from gr-dtv")
                # and it really scrambled something
                self.assertGreater(np.count_nonzero(ours != bits), kbch // 4)

    def test_002_packed_equals_unpacked(self):
        rng = np.random.default_rng(2)
        frame, rate = dualsat.FrameSize.SHORT, dualsat.CodeRate.C1_2
        kbch = dualsat.code_params(frame, rate).kbch
        bits = rng.integers(0, 2, 2 * kbch, dtype=np.uint8)
        unpacked = run_chain(bits, dualsat.bb_scrambler_bb(frame, rate, False))
        packed_blk = dualsat.bb_scrambler_bb(frame, rate, True)
        self.assertEqual(packed_blk.frame_items(), kbch // 8)
        packed = run_chain(np.packbits(bits), packed_blk)
        self.assertTrue(np.array_equal(np.unpackbits(packed), unpacked))

    def test_003_descrambles_itself(self):
        rng = np.random.default_rng(3)
        frame, rate = dualsat.FrameSize.NORMAL, dualsat.CodeRate.C3_5
        kbch = dualsat.code_params(frame, rate).kbch
        data = rng.integers(0, 256, 4 * kbch // 8, dtype=np.uint8)
        tb = gr.top_block()
        src = blocks.vector_source_b(data.tolist(), False)
        snk = blocks.vector_sink_b()
        tb.connect(src, dualsat.bb_scrambler_bb(frame, rate, True),
                   dualsat.bb_scrambler_bb(frame, rate, True), snk)
        tb.run()
        self.assertTrue(np.array_equal(np.array(snk.data(), dtype=np.uint8), data))

    def test_004_partial_frame_not_emitted(self):
        # A trailing partial BBFRAME cannot be scrambled correctly; it must not come out.
        frame, rate = dualsat.FrameSize.SHORT, dualsat.CodeRate.C1_4
        kbch = dualsat.code_params(frame, rate).kbch
        out = run_chain(np.zeros(kbch + 100, dtype=np.uint8),
                        dualsat.bb_scrambler_bb(frame, rate, False))
        self.assertEqual(len(out), kbch)

    def test_005_invalid_code_rejected(self):
        with self.assertRaises(ValueError):
            dualsat.bb_scrambler_bb(dualsat.FrameSize.SHORT, dualsat.CodeRate.C9_10, False)

    def test_006_parses_gr_dtv_bbheader(self):
        # gr-dtv's BBFRAMEs from TS input: our parser must accept its CRC-8 and fields.
        rng = np.random.default_rng(4)
        packets = []
        for _ in range(60):
            packets.append(0x47)
            packets.extend(rng.integers(0, 256, 187).tolist())
        blk = dtv.dvb_bbheader_bb(dtv.STANDARD_DVBS2, dtv.FECFRAME_SHORT, dtv.C1_2,
                                  dtv.RO_0_20, dtv.INPUTMODE_NORMAL, dtv.INBAND_OFF, 168, 4000000)
        bits = run_chain(packets, blk)
        kbch = dualsat.code_params(dualsat.FrameSize.SHORT, dualsat.CodeRate.C1_2).kbch
        self.assertGreaterEqual(len(bits), 2 * kbch)
        for f in range(2):
            header = bytes(np.packbits(bits[f * kbch: f * kbch + 80]))
            h = dualsat.parse_bbheader(header, kbch - 80)
            self.assertEqual(h.stream_type, dualsat.StreamType.TRANSPORT)
            self.assertEqual(h.rolloff, dualsat.RollOff.RO_0_20)
            self.assertEqual(h.upl, 188 * 8)
            self.assertEqual(h.dfl, kbch - 80)
            self.assertEqual(h.sync, 0x47)
            # Our encoder reproduces gr-dtv's header byte for byte.
            self.assertEqual(dualsat.encode_bbheader(h), header)
            broken = bytearray(header)
            broken[3] ^= 0x10
            with self.assertRaises(dualsat.FrameError):
                dualsat.parse_bbheader(bytes(broken))


if __name__ == '__main__':
    gr_unittest.run(qa_bb_scrambler_bb)
