#!/usr/bin/python3
"""qa: gr-dtv's DVB-S2 PL framer (2x zero-stuffed, every other sample taken) -> our
channel emulator (Es/N0 3 dB, CFO 5 % of Rs) -> pl_sync_cc: every frame after
acquisition found with the right MODCOD, data symbols recovered."""

import numpy as np
import pmt
from gnuradio import blocks, dtv, gr, gr_unittest

from gnuradio import dualsat

SQ = np.float32(np.sqrt(0.5))


def qpsk(rng, n):
    return ((rng.integers(0, 2, n) * 2 - 1) * SQ + 1j * (rng.integers(0, 2, n) * 2 - 1) * SQ).astype(np.complex64)


class qa_pl_sync_cc(gr_unittest.TestCase):

    def run_chain(self, data, dtv_args, esn0, cfo, gold=0, nan_probability=0.0):
        tb = gr.top_block()
        src = blocks.vector_source_c(data.tolist(), False)
        framer = dtv.dvbs2_physical_cc(*dtv_args, gold)
        decim = blocks.keep_m_in_n(gr.sizeof_gr_complex, 1, 2, 0)  # the symbols, not the zeros
        chan = dualsat.channel_emulator_cc(esn0, frequency_offset=cfo, seed=3,
                                           nan_probability=nan_probability)
        sync = dualsat.pl_sync_cc(gold)
        snk = blocks.vector_sink_c()
        tb.connect(src, framer, decim, chan, sync, snk)
        tb.run()
        return np.array(snk.data(), dtype=np.complex64), snk.tags(), sync, chan

    def check(self, mod_number, n_data, frames, dtv_args, esn0, cfo, max_lost):
        rng = np.random.default_rng(mod_number)
        data = qpsk(rng, n_data * frames)
        out, tags, sync, _ = self.run_chain(data, dtv_args, esn0, cfo)
        tags = [t for t in tags if pmt.symbol_to_string(t.key) == 'plframe']
        # All but the first few (acquisition) and the last (needs the next header).
        self.assertGreaterEqual(len(tags), frames - 1 - max_lost)
        self.assertEqual(sync.lock_losses(), 0)
        sent = data.reshape(frames, n_data)
        for i, t in enumerate(tags):
            d = t.value
            self.assertEqual(pmt.to_long(pmt.dict_ref(d, pmt.mp('modcod'), pmt.PMT_NIL)), mod_number)
            self.assertTrue(pmt.to_bool(pmt.dict_ref(d, pmt.mp('header_confirmed'), pmt.PMT_F)))
            n = pmt.to_long(pmt.dict_ref(d, pmt.mp('data_symbols'), pmt.PMT_NIL))
            self.assertEqual(n, n_data)
            cfo_est = pmt.to_double(pmt.dict_ref(d, pmt.mp('cfo'), pmt.PMT_NIL))
            self.assertAlmostEqual(cfo_est, cfo, delta=1e-3)
            if i < 2:
                # The first frames after acquisition may be in the coarse frequency stage
                # (one frame of pilots at low Es/N0 cannot always bridge the 1476-symbol
                # pilot spacing); the data check starts once the tracking has settled.
                continue
            got = out[t.offset:t.offset + n]
            # Which transmitted frame: the closest (data are random, so it is unambiguous).
            err = [np.mean(np.abs(got - s) ** 2) for s in sent]
            best = int(np.argmin(err))
            # Error power ~ the channel's noise variance 10^(-Es/N0/10).
            self.assertLess(err[best], 1.3 * 10 ** (-esn0 / 10))
        return tags

    def test_001_gr_dtv_qpsk_short_pilots_3db_cfo5(self):
        # QPSK 1/2 short with pilots: MODCOD 4, 8100 data symbols.
        self.check(4, 8100, 14, (dtv.FECFRAME_SHORT, dtv.C1_2, dtv.MOD_QPSK, dtv.PILOTS_ON),
                   3.0, 0.05, 4)

    def test_002_gr_dtv_8psk_normal_pilots(self):
        # 8PSK 3/5 normal with pilots: MODCOD 12, 21600 data symbols; CFO -7 % of Rs.
        self.check(12, 21600, 6, (dtv.FECFRAME_NORMAL, dtv.C3_5, dtv.MOD_8PSK, dtv.PILOTS_ON),
                   6.0, -0.07, 3)

    def test_003_nan_input_counted(self):
        rng = np.random.default_rng(9)
        data = qpsk(rng, 8100 * 8)
        out, tags, sync, chan = self.run_chain(
            data, (dtv.FECFRAME_SHORT, dtv.C1_2, dtv.MOD_QPSK, dtv.PILOTS_ON), 6.0, 0.02,
            nan_probability=1e-4)
        self.assertGreater(chan.nans_injected(), 0)
        self.assertEqual(sync.nonfinite_symbols(), chan.nans_injected())
        self.assertGreaterEqual(len(tags), 4)

    def test_004_bad_parameters(self):
        with self.assertRaises(ValueError):
            dualsat.pl_sync_cc(262142)
        with self.assertRaises(ValueError):
            dualsat.pl_sync_cc(0, 13.0, 0)
        with self.assertRaises(ValueError):
            dualsat.channel_emulator_cc(3.0, samples_per_symbol=0.0)


if __name__ == '__main__':
    gr_unittest.run(qa_pl_sync_cc)
