#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""qa: gr-dtv's DVB-S2 PL framer (2x zero-stuffed, every other sample taken) -> our
channel emulator (Es/N0 3 dB, CFO 5 % of Rs) -> pl_sync_cc: every frame after
acquisition found with the right MODCOD, data symbols recovered. And tx_bc -> pl_sync_cc
-> fec_decoder with the 'plframe' tags as the decoder's PDU metadata, unchanged."""

import time

import numpy as np
import pmt
from gnuradio import blocks, dtv, gr, gr_unittest

from gnuradio import dualsat

SQ = np.float32(np.sqrt(0.5))
K = dualsat.dict_keys
# What the 'plframe' tag's dict carries (the README's table of keys).
PLFRAME_KEYS = {K.modcod, K.frame, K.pilots, K.data_symbols, K.frame_counter, K.esn0_db,
                K.esn0_db_smoothed, K.noise_var, K.cfo, K.header_confirmed, K.carrier_fine}


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
        tags = [t for t in tags if pmt.symbol_to_string(t.key) == dualsat.tag_keys.plframe]
        # All but the first few (acquisition) and the last (needs the next header).
        self.assertGreaterEqual(len(tags), frames - 1 - max_lost)
        self.assertEqual(sync.lock_losses(), 0)
        sent = data.reshape(frames, n_data)
        for i, t in enumerate(tags):
            d = t.value
            self.assertEqual(set(pmt.to_python(d)), PLFRAME_KEYS)
            self.assertEqual(pmt.to_long(pmt.dict_ref(d, pmt.intern(K.modcod), pmt.PMT_NIL)), mod_number)
            self.assertTrue(pmt.to_bool(pmt.dict_ref(d, pmt.intern(K.header_confirmed), pmt.PMT_F)))
            self.assertEqual(pmt.symbol_to_string(pmt.dict_ref(d, pmt.intern(K.frame), pmt.PMT_NIL)),
                             'short' if dtv_args[0] == dtv.FECFRAME_SHORT else 'normal')
            n = pmt.to_long(pmt.dict_ref(d, pmt.intern(K.data_symbols), pmt.PMT_NIL))
            self.assertEqual(n, n_data)
            cfo_est = pmt.to_double(pmt.dict_ref(d, pmt.intern(K.cfo), pmt.PMT_NIL))
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

    def test_004_tags_are_fec_decoder_metadata(self):
        # tx_bc -> channel -> pl_sync_cc, then each frame's data symbols as a PDU whose
        # metadata is the 'plframe' tag's dict unchanged -> fec_decoder: the keys of the two
        # blocks agree (frame, noise_var, ...), so the TS comes out exactly.
        # QPSK 1/2 short: a 6952-bit data field, 4.6 TS packets per frame.
        per_frame = 6952 / (188 * 8)
        rng = np.random.default_rng(11)
        pkts = rng.integers(0, 256, (200, 188), dtype=np.uint8)
        pkts[:, 0] = 0x47
        pkts[:, 1:5] = np.arange(len(pkts), dtype='>u4').view(np.uint8).reshape(-1, 4)
        tb = gr.top_block()
        src = blocks.vector_source_b(pkts.reshape(-1).tolist(), False)
        tx = dualsat.tx_bc(dualsat.TxInputMode.TS, dualsat.FrameSize.SHORT, dualsat.CodeRate.C1_2,
                           dualsat.Modulation.QPSK, pilots=True, gold_code=7, ccm=True,
                           idle=dualsat.IdlePolicy.WAIT)
        chan = dualsat.channel_emulator_cc(6.0, frequency_offset=0.03, seed=4)
        sync = dualsat.pl_sync_cc(7)
        snk = blocks.vector_sink_c()
        tb.connect(src, tx, chan, sync, snk)
        tb.run()
        symbols = np.array(snk.data(), dtype=np.complex64)
        tags = [t for t in snk.tags() if pmt.symbol_to_string(t.key) == dualsat.tag_keys.plframe]
        self.assertGreaterEqual(len(tags), len(pkts) / per_frame - 4)

        dec = dualsat.fec_decoder(threads=1)
        ts = blocks.vector_sink_b()
        stats = blocks.message_debug()
        tb = gr.top_block()
        tb.connect(dec, ts)
        tb.msg_connect(dec, dualsat.msg_ports.stats, stats, 'store')
        tb.start()
        for t in tags:
            n = pmt.to_long(pmt.dict_ref(t.value, pmt.intern(K.data_symbols), pmt.PMT_NIL))
            frame = symbols[t.offset:t.offset + n]
            dec.to_basic_block()._post(pmt.intern(dualsat.msg_ports.frames),
                                       pmt.cons(t.value, pmt.init_c32vector(n, frame.tolist())))
        deadline = time.monotonic() + 60
        while stats.num_messages() < len(tags) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)  # the last TS bytes to the sink
        tb.stop()
        tb.wait()
        self.assertEqual(dec.bad_pdus(), 0)
        results = [pmt.to_python(stats.get_message(i)) for i in range(stats.num_messages())]
        self.assertEqual(len(results), len(tags))
        self.assertTrue(all(r[K.status] == 'ok' for r in results[2:]))  # after settling
        got = np.array(ts.data(), dtype=np.uint8).reshape(-1, 188)
        first = int.from_bytes(got[0, 1:5].tobytes(), 'big')
        np.testing.assert_array_equal(got, pkts[first:first + len(got)])
        # Lost: the frames before acquisition and the last (it needs the next header).
        self.assertLessEqual(first, 3 * per_frame)
        self.assertGreaterEqual(first + len(got), len(pkts) - 2 * per_frame)

    def test_005_bad_parameters(self):
        with self.assertRaises(ValueError):
            dualsat.pl_sync_cc(262142)
        with self.assertRaises(ValueError):
            dualsat.pl_sync_cc(0, 13.0, 0)
        with self.assertRaises(ValueError):
            dualsat.channel_emulator_cc(3.0, samples_per_symbol=0.0)


if __name__ == '__main__':
    gr_unittest.run(qa_pl_sync_cc)
