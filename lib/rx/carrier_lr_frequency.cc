// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/rx/carrier_lr_frequency.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

namespace dualsat {
namespace {

// L&R's variance is somewhat above the Cramer-Rao bound at the lags used.
constexpr double kLrEfficiencyLoss = 1.5;

} // namespace

void LrLagSums::add_segment(const std::complex<float>* z, int n)
{
    // A segment is at most a dummy frame's 90 symbols: its lag sums in float (relative
    // error ~1e-6, far below the estimate's own spread), then added to the frame's double
    // sums. On an idle link every symbol is known and this runs on all of them (issue 14).
    // Laid out for the compiler's vectoriser: the segment split into real and imaginary
    // parts, and for each symbol k all lags at once, z[k + m] conj(z[k]) for m = 1..kLags
    // into kLags independent accumulators (no reduction to reorder).
    constexpr int kMaxSegment = 128;
    if (n <= 1)
        return;
    if (n > kMaxSegment) { // never for DVB-S2 segments; split, losing only lags across the cut
        add_segment(z, kMaxSegment);
        add_segment(z + kMaxSegment, n - kMaxSegment);
        return;
    }
    float zr[kMaxSegment + kLags] = {}, zi[kMaxSegment + kLags] = {};
    for (int k = 0; k < n; ++k) {
        zr[k] = z[k].real();
        zi[k] = z[k].imag();
    }
    float ar[kLags + 1] = {}, ai[kLags + 1] = {};
    // Symbols whose every lag stays inside the segment; beyond n the padding is zero, so
    // the last symbols may run the full loop too and add nothing for lags past the end.
    for (int k = 0; k < n - 1; ++k) {
        const float br = zr[k], bi = zi[k];
        for (int m = 1; m <= kLags; ++m) {
            ar[m] += zr[k + m] * br + zi[k + m] * bi;
            ai[m] += zi[k + m] * br - zr[k + m] * bi;
        }
    }
    for (int m = 1; m <= kLags && m < n; ++m) {
        sum[m] += std::complex<double>(ar[m], ai[m]);
        count[m] += n - m;
    }
}

void LrFrequencyEstimator::reset(double reference_frequency)
{
    m_ref_freq = reference_frequency;
    std::fill(std::begin(m_acc), std::end(m_acc), std::complex<double>(0.0));
    std::fill(std::begin(m_count), std::end(m_count), 0.0);
    m_fisher = 0.0;
}

double LrFrequencyEstimator::sigma() const
{
    return m_fisher > 0.0 ? std::sqrt(kLrEfficiencyLoss / m_fisher)
                          : std::numeric_limits<double>::infinity();
}

double LrFrequencyEstimator::predict_residual(const LrLagSums& frame, double w) const
{
    std::complex<double> acc = 0.0;
    for (int m = 1; m <= kLags; ++m) {
        const double count = m_count[m] + frame.count[m];
        if (count > 0)
            acc += (m_acc[m] * std::polar(1.0, (m_ref_freq - w) * m) + frame.sum[m]) / count;
    }
    return std::abs(acc) > 0.0 ? 2.0 / (kLags + 1) * std::arg(acc) : 0.0;
}

double LrFrequencyEstimator::update(const LrLagSums& frame, double w, double esn0,
                                    const std::vector<KnownSegment>& segments)
{
    // The lag sums were taken relative to w; refer them to m_ref_freq. Mean lag products
    // (see FrameSync's L&R), weighted across frames by SNR and count.
    for (int m = 1; m <= kLags; ++m)
        if (frame.count[m] > 0)
            m_acc[m] += frame.sum[m] * std::polar(esn0 / (1.0 + esn0), (w - m_ref_freq) * m);
    for (int m = 1; m <= kLags; ++m)
        m_count[m] += frame.count[m] * esn0 / (1.0 + esn0);
    std::complex<double> acc = 0.0;
    for (int m = 1; m <= kLags; ++m)
        if (m_count[m] > 0)
            acc += m_acc[m] / m_count[m];
    // Fisher information of a tone's frequency over n symbols at SNR esn0:
    // 2 esn0 n (n^2 - 1) / 12.
    for (const KnownSegment& s : segments)
        m_fisher += 2.0 * esn0 * s.n * (static_cast<double>(s.n) * s.n - 1.0) / 12.0;
    return m_ref_freq + 2.0 / (kLags + 1) * std::arg(acc);
}

} // namespace dualsat
