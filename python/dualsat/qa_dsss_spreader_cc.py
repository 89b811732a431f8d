#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""qa: keyed DSSS, dsss_spreader_cc -> channel_emulator_cc -> dsss_despreader_cc. At a chip
Es/N0 well below 0 dB (SF 32: -5 dB chip, +10 dB despread) with a carrier offset the
despreader locks, reports the offset, and returns the transmitted symbols in order (the
"dsss_lock" tag's symbol index aligns them); a despreader with another key file never
locks; a broadband jammer at J/S +5 dB is despread away; bad settings are refused."""

import os
import shutil
import tempfile

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest

from gnuradio import dualsat

SF, SPC = 32, 2
LINK, EPOCH = 9, 4


def write_key_file(path, key_id, master):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write('dualsat-key-file 1\nkey-id %s\nmaster-key %s\n' % (key_id.hex(), master.hex()))


def qpsk(n, seed):
    rng = np.random.default_rng(seed)
    a = 1 / np.sqrt(2)
    return (a * (2 * rng.integers(0, 2, n) - 1) + 1j * a * (2 * rng.integers(0, 2, n) - 1)).astype(np.complex64)


class qa_dsss_spreader_cc(gr_unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='dualsat-qa-dsss-')
        self.key = os.path.join(self.dir, 'link.key')
        write_key_file(self.key, bytes(range(0x40, 0x60)), bytes(range(32)))
        self.other = os.path.join(self.dir, 'other.key')
        write_key_file(self.other, bytes(range(0x80, 0xa0)), bytes(range(100, 132)))
        self.sym = qpsk(3000, 5)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def link(self, rx_key=None, chip_esn0_db=-5.0, cfo=0.0, jammer=None, max_noutput=None):
        F = dualsat.LinkDirection.FORWARD
        tx = dualsat.dsss_spreader_cc(self.key, LINK, F, EPOCH, SF, 0.35, 16, SPC)
        # Es/N0 per chip: a chip is SPC samples of unit mean power.
        chan = dualsat.channel_emulator_cc(chip_esn0_db, samples_per_symbol=SPC, symbol_energy=SPC,
                                           frequency_offset=cfo / SPC, seed=11)
        rx = dualsat.dsss_despreader_cc(rx_key or self.key, LINK, F, EPOCH, SF, 0.35, 16, SPC,
                                        max_cfo=0.005, acquisition_symbols=32, refine_symbols=128)
        if max_noutput:
            tx.set_max_noutput_items(SF * SPC * 3)
            rx.set_max_noutput_items(max_noutput)
        snk = blocks.vector_sink_c()
        blocks_ = [blocks.vector_source_c(self.sym.tolist(), False), tx, chan] + ([jammer] if jammer else []) + [rx, snk]
        tb = gr.top_block()
        tb.connect(*blocks_)
        tb.run()
        return tx, rx, np.array(snk.data(), dtype=np.complex64), snk

    def check_symbols(self, rx, y, snk):
        self.assertTrue(rx.locked())
        self.assertEqual(rx.acquisitions(), 1)
        self.assertEqual(rx.lock_losses(), 0)
        tags = [t for t in snk.tags() if pmt.symbol_to_string(t.key) == 'dsss_lock']
        self.assertEqual(len(tags), 1)
        self.assertEqual(tags[0].offset, 0)
        first = pmt.to_uint64(pmt.dict_ref(tags[0].value, pmt.intern('symbol'), pmt.PMT_NIL))
        self.assertLess(first, 200)  # acquired within the first searches
        self.assertGreater(len(y), 2000)
        self.assertEqual(rx.symbols_out(), len(y))
        ref = self.sym[first:first + len(y)]
        y = y[:len(ref)]
        # The output carries a small residual carrier (frequency and phase; the symbol-rate
        # carrier recovery downstream removes it, dsss_receiver.h): take it out the same
        # way, data-aided here, then decide.
        k = np.arange(len(y))
        d = y * np.conj(ref)
        w = np.angle(np.sum(d[1:] * np.conj(d[:-1])))  # rad per symbol, coarse
        d = d * np.exp(-1j * w * k)
        w += np.angle(np.sum(d[50:] * np.conj(d[:-50]))) / 50  # fine
        self.assertLess(abs(w) / (2 * np.pi), 0.03)  # within the carrier recovery's pull-in
        z = y * np.exp(-1j * w * k)
        z *= np.exp(-1j * np.angle(np.vdot(ref, z)))
        errors = np.sum(np.sign(z.real) != np.sign(ref.real)) + np.sum(np.sign(z.imag) != np.sign(ref.imag))
        # Despread Es/N0 ~ +10 dB at chip -5 dB: QPSK's BER there is 8e-4 (~5 of these
        # 6000 bits); 30 allows 1 dB of loss, a wrong alignment or key gives ~3000.
        self.assertLessEqual(errors, 30)
        evm = np.mean(np.abs(z / np.sqrt(np.mean(np.abs(z) ** 2)) - ref) ** 2)
        return 10 * np.log10(evm)

    def test_001_locks_and_returns_the_symbols(self):
        tx, rx, y, snk = self.link(cfo=0.002)  # cycles per chip
        self.assertEqual(tx.next_symbol_index(), len(self.sym))
        evm = self.check_symbols(rx, y, snk)
        self.assertLess(evm, -6.0)  # despread Es/N0 ~ +10 dB
        # The NCO's estimate, averaged over ~16 blocks of 32 symbols: its jitter at this
        # SNR is a few 0.01 cycles per symbol (dsss_receiver.h), i.e. ~1e-3 per chip.
        self.assertAlmostEqual(rx.cfo(), 0.002, delta=0.001)
        self.assertLess(abs(rx.code_phase_chips()), 1.0)
        self.assertGreater(rx.esn0_db(), 6.0)
        # The first detection: the first search (32 symbols from symbol `first`) had
        # consumed at least its symbols' input when it ran.
        tags = [t for t in snk.tags() if pmt.symbol_to_string(t.key) == 'dsss_lock']
        first = pmt.to_uint64(pmt.dict_ref(tags[0].value, pmt.intern('symbol'), pmt.PMT_NIL))
        self.assertGreaterEqual(rx.first_lock_samples(), (first + 32) * SF * SPC)

    def test_002_wrong_key_never_locks(self):
        _, rx, y, _ = self.link(rx_key=self.other)
        self.assertFalse(rx.locked())
        self.assertEqual(rx.acquisitions(), 0)
        self.assertGreater(rx.searches(), 10)
        self.assertEqual(len(y), 0)
        self.assertIsNone(rx.first_lock_samples())

    def test_003_broadband_jammer_despread_away(self):
        # J/S +5 dB over the sample band on top of thermal noise at chip Es/N0 +5 dB: the
        # chip's energy (2 samples) over the noise and jammer density is -2.8 dB, +12.3 dB
        # despread; the jammer alone (no despreading) would leave 1 / 3.2 per sample.
        jam = dualsat.jammer_cc('broadband', 5.0, signal_power=1.0, seed=7)
        _, rx, y, snk = self.link(chip_esn0_db=5.0, jammer=jam)
        self.check_symbols(rx, y, snk)

    def test_005_scheduler_chunking_does_not_change_output(self):
        _, _, a, _ = self.link(cfo=0.002)
        _, _, b, snk = self.link(cfo=0.002, max_noutput=7)
        self.assertEqual(len(a), len(b))
        np.testing.assert_allclose(a, b, atol=1e-5)
        self.assertEqual(len([t for t in snk.tags() if pmt.symbol_to_string(t.key) == 'dsss_lock']), 1)

    def test_004_bad_settings(self):
        F = dualsat.LinkDirection.FORWARD
        for sf in (2, 2048):
            with self.assertRaises(ValueError):
                dualsat.dsss_spreader_cc(self.key, LINK, F, EPOCH, sf)
            with self.assertRaises(ValueError):
                dualsat.dsss_despreader_cc(self.key, LINK, F, EPOCH, sf)
        with self.assertRaises(ValueError):  # samples per chip must be even
            dualsat.dsss_spreader_cc(self.key, LINK, F, EPOCH, 64, samples_per_chip=3)
        with self.assertRaises(ValueError):
            dualsat.dsss_despreader_cc(self.key, LINK, F, EPOCH, 64, max_cfo=0.5)


if __name__ == '__main__':
    gr_unittest.run(qa_dsss_spreader_cc)
