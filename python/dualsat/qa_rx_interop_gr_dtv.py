#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""qa: interoperability of our receiver with GNU Radio's own DVB-S2 transmitter.

gr-dtv's seven-block DVB-S2 chain (dvb_bbheader_bb -> ... -> dvbs2_physical_cc) makes the
PLFRAMEs; GNU Radio's RRC filter (filter.firdes.root_raised_cosine +
filter.interp_fir_filter_ccf) shapes them; gnuradio.channels.channel_model adds noise, a
carrier frequency offset and a sample-timing offset (epsilon); dualsat.rx_cb must deliver
exactly the TS packets that went in: after the first frames (acquisition), every packet,
in order, none corrupted."""

import numpy as np
import pmt
from gnuradio import blocks, channels, dtv, filter, gr, gr_unittest

from gnuradio import dualsat


def ts_packets(rng, count):
    pkts = rng.integers(0, 256, (count, 188), dtype=np.uint8)
    pkts[:, 0] = 0x47
    pkts[:, 1:5] = np.arange(count, dtype='>u4').view(np.uint8).reshape(count, 4)
    return pkts


class qa_rx_interop_gr_dtv(gr_unittest.TestCase):

    def run_link(self, frame, rate, mod, pilots, kbch, frames, sps, esn0_db, cfo, epsilon,
                 rolloff=0.35, dtv_rolloff=dtv.RO_0_35, gold=0, seed=1):
        rng = np.random.default_rng(seed)
        npk = (frames * (kbch - 80) // 8) // 188 + 1
        pkts = ts_packets(rng, npk)
        tb = gr.top_block()
        src = blocks.vector_source_b(pkts.reshape(-1).tolist(), False)
        chain = [
            dtv.dvb_bbheader_bb(dtv.STANDARD_DVBS2, frame, rate, dtv_rolloff,
                                dtv.INPUTMODE_NORMAL, dtv.INBAND_OFF, 168, 4000000),
            dtv.dvb_bbscrambler_bb(dtv.STANDARD_DVBS2, frame, rate),
            dtv.dvb_bch_bb(dtv.STANDARD_DVBS2, frame, rate),
            dtv.dvb_ldpc_bb(dtv.STANDARD_DVBS2, frame, rate, dtv.MOD_OTHER),
            dtv.dvbs2_interleaver_bb(frame, rate, mod),
            dtv.dvbs2_modulator_bc(frame, rate, mod, dtv.INTERPOLATION_OFF),
            dtv.dvbs2_physical_cc(frame, rate, mod, pilots, gold),
        ]
        # physical_cc writes each symbol followed by a zero (2 samples/symbol, zero-
        # stuffed): at 2 sps that IS the upsampled symbol stream for the RRC filter; for
        # another integer sps take the symbols (every other sample) and interpolate.
        # GNU Radio's RRC, scaled to sum(h^2) = sps: unit-energy symbols come out at unit
        # mean power per sample, so Es = sps per symbol.
        taps = np.array(filter.firdes.root_raised_cosine(1.0, sps, 1.0, rolloff, sps * 16 + 1))
        taps = (taps * np.sqrt(sps / np.sum(taps ** 2))).tolist()
        if sps == 2:
            shaping = [filter.interp_fir_filter_ccf(1, taps)]
        else:
            shaping = [blocks.keep_m_in_n(gr.sizeof_gr_complex, 1, 2, 0),
                       filter.interp_fir_filter_ccf(sps, taps)]
        # channel_model's noise voltage is the per-sample standard deviation.
        noise_voltage = float(np.sqrt(sps / 10 ** (esn0_db / 10)))
        chan = channels.channel_model(noise_voltage=noise_voltage,
                                      frequency_offset=cfo / sps,  # cycles/sample
                                      epsilon=epsilon, taps=[1.0 + 0j], noise_seed=seed,
                                      block_tags=False)
        rx = dualsat.rx_cb(1.0, float(sps), rolloff, gold, 1, True)
        snk = blocks.vector_sink_b()
        self.stats = blocks.message_debug()
        tb.connect(src, *chain, *shaping, chan, rx, snk)
        tb.msg_connect(rx, dualsat.msg_ports.stats, self.stats, 'store')
        tb.run()
        got = np.array(snk.data(), dtype=np.uint8)
        return pkts, got, rx

    def check_exact(self, pkts, got, rx, per_frame, k_frames):
        """Every received packet is a transmitted one, unchanged, in order (never corrupted
        or repeated); after the first k_frames frames (acquisition: timing, frame and
        carrier recovery settling) none is missing."""
        self.assertEqual(len(got) % 188, 0)
        rxp = got.reshape(-1, 188)
        self.assertGreater(len(rxp), 0)
        numbers = np.array([int.from_bytes(p[1:5].tobytes(), 'big') for p in rxp])
        self.assertTrue(np.all(np.diff(numbers) > 0), 'packets out of order or repeated')
        self.assertLess(numbers[-1], len(pkts))
        np.testing.assert_array_equal(rxp, pkts[numbers])
        settled = numbers >= int(k_frames * per_frame) + 1
        self.assertGreater(np.count_nonzero(settled), 0)
        after = numbers[settled]
        self.assertEqual(after[0], int(k_frames * per_frame) + 1)
        self.assertTrue(np.all(np.diff(after) == 1), 'a packet after acquisition is missing')
        # Per-frame stats: every frame after the first k_frames decoded.
        msgs = [self.stats.get_message(i) for i in range(self.stats.num_messages())]
        ok = [pmt.to_bool(pmt.dict_ref(m, pmt.intern(dualsat.dict_keys.ok), pmt.PMT_F)) for m in msgs]
        self.assertTrue(all(ok[k_frames:]), ok)
        st = rx.status()
        self.assertEqual(st.frames, len(msgs))
        self.assertEqual(st.lock_losses, 0)
        self.assertEqual(st.acquisitions, 1)
        self.assertEqual(st.ts_crc_errors, 0)
        self.assertEqual(rx.work_errors(), 0)
        return int(after[-1]), st

    def test_001_qpsk_short_4sps_channel_model(self):
        # QPSK 1/2 short with pilots, 4 sps, Es/N0 5 dB, CFO 5 % Rs, epsilon 50 ppm.
        kbch = 7032
        frames = 30
        pkts, got, rx = self.run_link(dtv.FECFRAME_SHORT, dtv.C1_2, dtv.MOD_QPSK,
                                      dtv.PILOTS_ON, kbch, frames, 4, 5.0, 0.05, 1.00005)
        # gr-dtv outputs whole frames only (the last, partly filled data field is never
        # sent) and the receiver needs the next header to deliver the last frame.
        per_frame = (kbch - 80) / 8 / 188
        last, st = self.check_exact(pkts, got, rx, per_frame, 4)
        self.assertGreaterEqual(last, len(pkts) - int(3 * per_frame) - 2)
        self.assertAlmostEqual(st.cfo, 0.05, delta=2e-3)
        self.assertGreater(st.frequency_corrections, 0)
        self.assertEqual(st.format.modcod.mod, dualsat.Modulation.QPSK)

    def test_002_8psk_normal_2sps_zero_stuffed(self):
        # 8PSK 3/5 normal with pilots, the zero-stuffed 2 sps output filtered directly,
        # Es/N0 8 dB, CFO -3 % Rs, epsilon -30 ppm, roll-off 0.25.
        kbch = 38688
        frames = 7
        pkts, got, rx = self.run_link(dtv.FECFRAME_NORMAL, dtv.C3_5, dtv.MOD_8PSK,
                                      dtv.PILOTS_ON, kbch, frames, 2, 8.0, -0.03, 0.99997,
                                      rolloff=0.25, dtv_rolloff=dtv.RO_0_25, gold=4711, seed=2)
        per_frame = (kbch - 80) / 8 / 188
        last, st = self.check_exact(pkts, got, rx, per_frame, 2)
        self.assertGreaterEqual(last, len(pkts) - int(2 * per_frame) - 2)
        self.assertAlmostEqual(st.cfo, -0.03, delta=2e-3)


if __name__ == '__main__':
    gr_unittest.run(qa_rx_interop_gr_dtv)
