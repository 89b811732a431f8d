#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""qa: rx_frontend_cc recovers the symbols of random QPSK shaped by our pulse_shaper_cc
(2.37 samples/symbol) and by GNU Radio's own firdes RRC + interp_fir_filter_ccf (4 sps)."""

import numpy as np
from gnuradio import blocks, filter, gr, gr_unittest
from gnuradio.filter import firdes

from gnuradio import dualsat


def qpsk(n, seed):
    rng = np.random.default_rng(seed)
    a = 1 / np.sqrt(2)
    return (a * (2 * rng.integers(0, 2, n) - 1) + 1j * a * (2 * rng.integers(0, 2, n) - 1)).astype(np.complex64)


def run(blocks_chain, data, max_noutput=None):
    tb = gr.top_block()
    src = blocks.vector_source_c(data.tolist(), False)
    snk = blocks.vector_sink_c()
    tb.connect(src, *blocks_chain, snk)
    if max_noutput:
        blocks_chain[-1].set_max_noutput_items(max_noutput)
    tb.run()
    return np.array(snk.data(), dtype=np.complex64)


def best_evm_db(tx, rx, skip):
    """Align rx to tx by cross-correlation (lag search), remove one complex gain, EVM in dB."""
    seg = rx[skip:]
    best = None
    for lag in range(-60, 60):
        idx = np.arange(len(seg)) + skip + lag
        ok = (idx >= 0) & (idx < len(tx))
        if ok.sum() < len(seg) // 2:
            continue
        ref = tx[idx[ok]].astype(np.complex128)
        got = seg[ok].astype(np.complex128)
        g = np.vdot(ref, got) / np.vdot(ref, ref)
        evm = np.sum(np.abs(got - g * ref) ** 2) / np.sum(np.abs(g * ref) ** 2)
        if best is None or evm < best[0]:
            best = (evm, lag)
    return 10 * np.log10(best[0]), best[1]


class qa_rx_frontend_cc(gr_unittest.TestCase):

    def test_001_our_shaper_at_2_37_sps(self):
        sym = qpsk(12000, 1)
        tx = dualsat.pulse_shaper_cc(0.35, 2, 16, 1.185)  # 2.37 samples/symbol
        fe = dualsat.rx_frontend_cc(1e6, 2.37e6, 0.35, 0.001)
        out = run([tx, fe], sym)
        self.assertGreater(len(out), 11900)
        evm, lag = best_evm_db(sym, out, 3000)
        print(f"  EVM {evm:.1f} dB at lag {lag}")
        self.assertLess(evm, -25.0, f"EVM {evm:.1f} dB at lag {lag}")
        self.assertEqual(fe.nonfinite_count(), 0)
        self.assertLess(abs(fe.clock_offset()), 50e-6)

    def test_002_gnuradio_rrc_interpolator_at_4_sps(self):
        sym = qpsk(12000, 2)
        sps, beta = 4, 0.25
        ntaps = 16 * sps + 1
        taps = firdes.root_raised_cosine(sps, sps, 1.0, beta, ntaps)
        shaper = filter.interp_fir_filter_ccf(sps, taps)
        fe = dualsat.rx_frontend_cc(1.0, float(sps), beta, 0.001)
        out = run([shaper, fe], sym)
        evm, lag = best_evm_db(sym, out, 3000)
        print(f"  EVM {evm:.1f} dB at lag {lag}")
        self.assertLess(evm, -25.0, f"EVM {evm:.1f} dB at lag {lag}")

    def test_003_chunking_and_nan(self):
        sym = qpsk(6000, 3)
        shaped = run([dualsat.pulse_shaper_cc(0.2, 2, 16, 1.185)], sym)
        shaped[1000:1010] = np.nan
        a_blk = dualsat.rx_frontend_cc(1.0, 2.37, 0.2)
        a = run([a_blk], shaped)
        b = run([dualsat.rx_frontend_cc(1.0, 2.37, 0.2)], shaped, max_noutput=17)
        n = min(len(a), len(b))
        self.assertGreater(n, 5900)
        self.assertTrue(np.array_equal(a[:n], b[:n]))
        self.assertTrue(np.all(np.isfinite(a)))
        self.assertEqual(a_blk.nonfinite_count(), 10)

    def test_004_bad_parameters_rejected(self):
        for args in ((1e6, 1.9e6), (0.0, 2e6), (1e6, float('nan')), (1e6, 2e6, 0.0),
                     (1e6, 2e6, 0.35, 0.0), (1e6, 2e6, 0.35, 0.5)):
            with self.assertRaises(ValueError, msg=str(args)):
                dualsat.rx_frontend_cc(*args)


if __name__ == '__main__':
    gr_unittest.run(qa_rx_frontend_cc)
