#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""qa: channel_emulator_cc in a flowgraph — the noise power for the Es/N0 set (exact and
fast noise), the carrier offset, the signal gain at run time, NaN injection counted, and
bad parameters refused."""

import numpy as np
from gnuradio import blocks, gr, gr_unittest

try:
    from gnuradio import dualsat
except ImportError:
    import dualsat

N = 200000
X = np.full(N, 0.6 - 0.3j, dtype=np.complex64)
ES = 2.0 * abs(X[0]) ** 2  # 2 samples per symbol


def run(chan, x=X):
    tb = gr.top_block()
    src = blocks.vector_source_c(x.tolist())
    snk = blocks.vector_sink_c()
    tb.connect(src, chan, snk)
    tb.run()
    return np.array(snk.data(), dtype=np.complex128)


class qa_channel_emulator_cc(gr_unittest.TestCase):

    def test_001_noise_power_and_carrier(self):
        f = 0.0123  # cycles per sample
        turn = np.exp(2j * np.pi * f * np.arange(N))
        for fast in (False, True):
            chan = dualsat.channel_emulator_cc(5.0, samples_per_symbol=2.0, symbol_energy=ES,
                                               frequency_offset=f, seed=3, fast_noise=fast)
            y = run(chan)
            noise = y - X * turn
            expected = ES / 10 ** 0.5
            self.assertAlmostEqual(np.mean(np.abs(noise) ** 2) / expected, 1.0, delta=0.02, msg=fast)
            self.assertAlmostEqual(chan.noise_variance(), expected, places=9)
            # White: no correlation between neighbours.
            r1 = abs(np.vdot(noise[:-1], noise[1:])) / np.vdot(noise, noise).real
            self.assertLess(r1, 0.01)

    def test_002_signal_gain(self):
        # Without noise: exactly the input times the gain; the gain changes at run time.
        for fast in (False, True):
            chan = dualsat.channel_emulator_cc(float('inf'), fast_noise=fast)
            chan.set_signal_gain(0.5)
            y = run(chan)
            np.testing.assert_allclose(y, 0.5 * X, atol=1e-6)
            chan.set_signal_gain(0.0)
            self.assertEqual(np.max(np.abs(run(chan))), 0.0)
        # With noise the noise keeps its power: a gain of 2 raises the effective Es/N0 by
        # 6 dB (the signal's mean amplitude doubles, the residual's power stays).
        chan = dualsat.channel_emulator_cc(10.0, samples_per_symbol=2.0, symbol_energy=ES,
                                           seed=5, fast_noise=True)
        chan.set_signal_gain(2.0)
        y = run(chan)
        self.assertAlmostEqual(abs(np.mean(y)) / abs(X[0]), 2.0, delta=0.01)
        self.assertAlmostEqual(np.mean(np.abs(y - 2.0 * X) ** 2) / (ES / 10.0), 1.0, delta=0.02)
        with self.assertRaises(ValueError):
            chan.set_signal_gain(-1.0)

    def test_003_nans_counted_and_bad_parameters(self):
        chan = dualsat.channel_emulator_cc(20.0, nan_probability=0.01, seed=7)
        y = run(chan)
        nans = int(np.count_nonzero(np.isnan(y)))
        self.assertEqual(nans, chan.nans_injected())
        self.assertGreater(nans, 0.005 * N)
        with self.assertRaises(ValueError):
            dualsat.channel_emulator_cc(10.0, samples_per_symbol=0.0)
        with self.assertRaises(ValueError):
            dualsat.channel_emulator_cc(10.0, nan_probability=2.0)
        with self.assertRaises(ValueError):
            dualsat.channel_emulator_cc(10.0, sample_clock_offset_ppm=2e5)


if __name__ == '__main__':
    gr_unittest.run(qa_channel_emulator_cc)
