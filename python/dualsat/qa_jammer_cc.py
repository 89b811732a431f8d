#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""qa: jammer_cc adds the jammer of lib/channel jammer.h at the J/S set: its measured power
over the signal power it was told is J/S for every kind, set_js_db() changes the level at
run time (the waveform goes on: no restart), the input passes through unchanged, the
partial-band jammer stays in its part of the band, and a bad kind is refused."""

import numpy as np
from gnuradio import blocks, gr, gr_unittest

from gnuradio import dualsat

FS = 1e6


def run(jam, x):
    tb = gr.top_block()
    snk = blocks.vector_sink_c()
    tb.connect(blocks.vector_source_c(x.tolist(), False), jam, snk)
    tb.run()
    return np.array(snk.data(), dtype=np.complex64)


class qa_jammer_cc(gr_unittest.TestCase):

    def test_001_power_matches_js_for_every_kind(self):
        n = 200_000  # 200 periods of 1 ms: pulsed and swept average out
        kinds = dict(cw=dict(cw_offset=12.5e3), broadband={},
                     partial=dict(band_low=-100e3, band_fraction=0.2),
                     pulsed=dict(duty=0.25), swept=dict(sweep_low=-200e3, sweep_high=200e3))
        for kind, extra in kinds.items():
            for js in (-10.0, 0.0, 17.0):
                jam = dualsat.jammer_cc(kind, js, signal_power=0.5, sample_rate=FS, seed=3, **extra)
                self.assertAlmostEqual(jam.jammer_power(), 0.5 * 10 ** (js / 10), places=9)
                y = run(jam, np.zeros(n, dtype=np.complex64))
                measured = 10 * np.log10(np.mean(np.abs(y) ** 2) / 0.5)
                self.assertAlmostEqual(measured, js, delta=0.25, msg=f'{kind} at {js} dB')

    def test_002_js_set_at_run_time_and_input_passes(self):
        x = (np.exp(2j * np.pi * 0.01 * np.arange(50_000))).astype(np.complex64)
        a = dualsat.jammer_cc('broadband', 0.0, sample_rate=FS, seed=9)
        b = dualsat.jammer_cc('broadband', 0.0, sample_rate=FS, seed=9)
        b.set_js_db(-20.0)
        self.assertEqual(b.js_db(), -20.0)
        ya, yb = run(a, x), run(b, x)
        # The same waveform at 1/100 the power: (y - x) scales by exactly 0.1.
        np.testing.assert_allclose(yb - x, 0.1 * (ya - x), atol=1e-5)
        # The input itself is added, not replaced.
        self.assertAlmostEqual(abs(np.vdot(x, yb - x)) / len(x), 0.0, delta=0.02)
        self.assertGreater(np.real(np.vdot(x, yb)) / len(x), 0.98)

    def test_003_partial_band_stays_in_its_band(self):
        jam = dualsat.jammer_cc('partial', 10.0, sample_rate=FS, band_low=100e3, band_fraction=0.1, seed=2)
        y = run(jam, np.zeros(100_000, dtype=np.complex64))
        spec = np.mean(np.abs(np.fft.fft(y.reshape(-1, 1000), axis=1)) ** 2, axis=0)
        f = np.fft.fftfreq(1000, 1 / FS)
        inside = np.mean(spec[(f > 110e3) & (f < 190e3)])
        outside = np.mean(spec[(f < 50e3) | (f > 250e3)])
        self.assertGreater(10 * np.log10(inside / outside), 25)

    def test_004_bad_settings(self):
        with self.assertRaises(ValueError):
            dualsat.jammer_cc('spot', 0.0)
        jam = dualsat.jammer_cc('cw', 0.0)
        with self.assertRaises(ValueError):
            jam.set_js_db(float('nan'))


if __name__ == '__main__':
    gr_unittest.run(qa_jammer_cc)
