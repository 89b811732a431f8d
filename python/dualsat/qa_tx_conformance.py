#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""qa: the whole-chain transmitter tx_bc against gr-dtv's seven-block DVB-S2 chain
(dvb_bbheader_bb -> dvb_bbscrambler_bb -> dvb_bch_bb -> dvb_ldpc_bb ->
dvbs2_interleaver_bb -> dvbs2_modulator_bc -> dvbs2_physical_cc) on the same random TS
packets: every one of the 28 normal and 24 short MODCODs, pilots off and on (104
configurations), several PLFRAMEs each, Gold codes 0 and others, all three roll-offs.
gr-dtv 3.10's PL framer emits a zero after every symbol; its even samples are compared."""

import numpy as np
from gnuradio import blocks, dtv, gr, gr_unittest

from gnuradio import dualsat

F = dualsat.FrameSize
M = dualsat.Modulation
DTV_FRAME = {F.NORMAL: dtv.FECFRAME_NORMAL, F.SHORT: dtv.FECFRAME_SHORT}
DTV_MOD = {M.QPSK: dtv.MOD_QPSK, M.PSK8: dtv.MOD_8PSK, M.APSK16: dtv.MOD_16APSK,
           M.APSK32: dtv.MOD_32APSK}
ROLLOFFS = [(dualsat.RollOff.RO_0_35, dtv.RO_0_35), (dualsat.RollOff.RO_0_25, dtv.RO_0_25),
            (dualsat.RollOff.RO_0_20, dtv.RO_0_20)]
GOLD_CODES = [0, 1, 4711, 131071, 262141, 99999, 7]
TOLERANCE = 1e-6  # float rounding; both sides compute the same float points


def dtv_chain(fmt, dtv_rolloff, gold):
    frame, rate, mod = DTV_FRAME[fmt.frame], getattr(dtv, fmt.modcod.rate.name), DTV_MOD[fmt.modcod.mod]
    return [
        dtv.dvb_bbheader_bb(dtv.STANDARD_DVBS2, frame, rate, dtv_rolloff, dtv.INPUTMODE_NORMAL,
                            dtv.INBAND_OFF, 168, 4000000),
        dtv.dvb_bbscrambler_bb(dtv.STANDARD_DVBS2, frame, rate),
        dtv.dvb_bch_bb(dtv.STANDARD_DVBS2, frame, rate),
        dtv.dvb_ldpc_bb(dtv.STANDARD_DVBS2, frame, rate, dtv.MOD_OTHER),
        dtv.dvbs2_interleaver_bb(frame, rate, mod),
        dtv.dvbs2_modulator_bc(frame, rate, mod, dtv.INTERPOLATION_OFF),
        dtv.dvbs2_physical_cc(frame, rate, mod, dtv.PILOTS_ON if fmt.pilots else dtv.PILOTS_OFF,
                              gold),
    ]


def ts_packets(rng, count):
    pkts = rng.integers(0, 256, (count, 188), dtype=np.uint8)
    pkts[:, 0] = 0x47
    return pkts.reshape(-1)


def all_configs():
    return [f for frame in (F.NORMAL, F.SHORT) for pilots in (False, True)
            for f in dualsat.all_frame_formats(frame, pilots)]


class qa_tx_conformance(gr_unittest.TestCase):

    def test_001_bit_exact_with_gr_dtv_every_modcod(self):
        rng = np.random.default_rng(2024)
        configs = all_configs()
        self.assertEqual(len(configs), 104)
        worst = 0.0
        golds_used = set()
        for i, fmt in enumerate(configs):
            gold = GOLD_CODES[i % len(GOLD_CODES)]
            golds_used.add(gold)
            ro, dtv_ro = ROLLOFFS[i % 3]
            nframes = 2 if fmt.frame == F.NORMAL else 3
            kbch = fmt.code().kbch
            # nframes full data fields and part of the next.
            ts = ts_packets(rng, (nframes * (kbch - 80) // 8) // 188 + 2)
            with self.subTest(format=repr(fmt), gold=gold):
                tb = gr.top_block()
                src = blocks.vector_source_b(ts.tolist(), False)
                ours = dualsat.tx_bc(dualsat.TxInputMode.TS, fmt.frame, fmt.modcod.rate,
                                     fmt.modcod.mod, fmt.pilots, ro, gold, True,
                                     dualsat.IdlePolicy.WAIT)
                snk_ours, snk_ref = blocks.vector_sink_c(), blocks.vector_sink_c()
                tb.connect(src, ours, snk_ours)
                tb.connect(src, *dtv_chain(fmt, dtv_ro, gold), snk_ref)
                tb.run()
                a = np.array(snk_ours.data(), dtype=np.complex64)
                ref = np.array(snk_ref.data(), dtype=np.complex64)
                n = fmt.plframe_symbols()
                self.assertEqual(len(a), nframes * n)
                self.assertEqual(len(ref), 2 * nframes * n)
                self.assertEqual(np.count_nonzero(ref[1::2]), 0)
                err = float(np.max(np.abs(a - ref[0::2])))
                worst = max(worst, err)
                self.assertLess(err, TOLERANCE)
                tags = snk_ours.tags()
                self.assertEqual([t.offset for t in tags], [k * n for k in range(nframes)])
                self.assertEqual(ours.stats().frames, nframes)
        self.assertIn(0, golds_used)
        print(f"\n104 configurations bit-exact with gr-dtv, max |error| = {worst:.3g}")


if __name__ == '__main__':
    gr_unittest.run(qa_tx_conformance)
