// SPDX-License-Identifier: GPL-3.0-or-later
// Blind carrier-offset estimate for acquisition, from the lag-1 autocorrelation of the
// received samples (before any matched filter or timing recovery).
//
// Why: the Gardner timing detector draws its information from the matched filter's
// excess band; a carrier offset of 10 % of the symbol rate pushes one band edge out of a
// roll-off 0.2 filter, and below ~0 dB Es/N0 the timing loop then slips symbols every few
// thousand symbols (measured: 30 symbols in 600k at -1.35 dB; none without the offset).
// The frame synchroniser cannot confirm a header across a slip, so without pilots the
// receiver would never lock there. Centring the signal in the matched filter before lock
// (Receiver: while searching) removes the slips.
//
// How: R = sum x[n] conj(x[n-1]). A band-limited signal with a spectrum symmetric about
// its carrier f0 gives R = e^{j 2 pi f0 / fs} x (a real, positive number as long as the
// spectrum lies within +-fs/4 mostly, true at >= 2 samples/symbol); white noise adds
// nothing at lag 1. So arg R / (2 pi) x samples_per_symbol is f0 in cycles/symbol, with
// no modulation, timing or frame knowledge. Noise that is coloured but symmetric about
// the receiver's centre biases the estimate towards 0 (conservative: the correction then
// falls short, never overshoots).
// Blocks of block_samples are normalised by their power (gain independent) and averaged
// exponentially (weight `forget` per block, so a carrier that moves is followed); the
// estimate is `reliable` once its t-value (mean over its standard error across blocks) is
// at least 4 — noise alone essentially never is. Non-finite samples are skipped.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>

namespace dualsat {

class SpectralCfoEstimator
{
public:
    // ConfigError: samples_per_symbol < 1 or non-finite, block_samples < 64, forget not in
    // (0, 1].
    explicit SpectralCfoEstimator(double samples_per_symbol, size_t block_samples = 8192,
                                  double forget = 0.95);

    void reset();
    // Returns true when at least one block was completed by these samples.
    bool push(const std::complex<float>* x, size_t n);

    uint64_t blocks() const { return m_blocks; }
    double cfo() const;       // cycles/symbol
    double t_value() const;   // |mean| / standard error over blocks (0 before 2 blocks)
    bool reliable() const { return m_blocks >= 2 && t_value() >= 4.0; }

private:
    void finish_block();

    double m_sps;
    size_t m_block;
    double m_forget;
    std::complex<float> m_prev{ 0.0f, 0.0f };
    bool m_have_prev = false;
    std::complex<double> m_block_corr{ 0.0 };
    double m_block_power = 0.0;
    size_t m_block_count = 0;
    // Exponentially weighted sums over blocks of r = corr / power.
    std::complex<double> m_sum{ 0.0 };
    double m_sum_sq = 0.0, m_weight = 0.0, m_weight_sq = 0.0;
    uint64_t m_blocks = 0;
};

} // namespace dualsat
