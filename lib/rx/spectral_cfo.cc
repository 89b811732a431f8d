// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/constants.h>
#include <dualsat/core/error.h>
#include <dualsat/rx/spectral_cfo.h>

#include <algorithm>
#include <cmath>

namespace dualsat {

SpectralCfoEstimator::SpectralCfoEstimator(double samples_per_symbol, size_t block_samples,
                                           double forget)
    : m_sps(samples_per_symbol), m_block(block_samples), m_forget(forget)
{
    if (!(std::isfinite(samples_per_symbol) && samples_per_symbol >= 1.0))
        throw ConfigError("spectral CFO estimator: samples per symbol must be >= 1");
    if (block_samples < 64)
        throw ConfigError("spectral CFO estimator: blocks of at least 64 samples");
    if (!(forget > 0.0 && forget <= 1.0))
        throw ConfigError("spectral CFO estimator: forget factor must be in (0, 1]");
}

void SpectralCfoEstimator::reset()
{
    m_have_prev = false;
    m_block_corr = 0.0;
    m_block_power = 0.0;
    m_block_count = 0;
    m_sum = 0.0;
    m_sum_sq = m_weight = m_weight_sq = 0.0;
    m_blocks = 0;
}

bool SpectralCfoEstimator::push(const std::complex<float>* x, size_t n)
{
    bool completed = false;
    for (size_t i = 0; i < n; ++i) {
        const std::complex<float> v = x[i];
        if (!std::isfinite(v.real()) || !std::isfinite(v.imag())) {
            m_have_prev = false; // no product across the gap
            continue;
        }
        if (m_have_prev) {
            // x[n] conj(x[n-1]) in real arithmetic.
            const double ar = v.real(), ai = v.imag(), br = m_prev.real(), bi = m_prev.imag();
            m_block_corr += std::complex<double>(ar * br + ai * bi, ai * br - ar * bi);
            m_block_power += ar * ar + ai * ai;
            if (++m_block_count == m_block) {
                finish_block();
                completed = true;
            }
        }
        m_prev = v;
        m_have_prev = true;
    }
    return completed;
}

void SpectralCfoEstimator::finish_block()
{
    if (m_block_power > 0.0) {
        const std::complex<double> r = m_block_corr / m_block_power;
        m_sum = m_forget * m_sum + r;
        m_sum_sq = m_forget * m_sum_sq + std::norm(r);
        m_weight = m_forget * m_weight + 1.0;
        m_weight_sq = m_forget * m_forget * m_weight_sq + 1.0;
        ++m_blocks;
    }
    m_block_corr = 0.0;
    m_block_power = 0.0;
    m_block_count = 0;
}

double SpectralCfoEstimator::cfo() const
{
    if (m_weight <= 0.0 || std::abs(m_sum) == 0.0)
        return 0.0;
    return std::arg(m_sum) / kTwoPi * m_sps;
}

double SpectralCfoEstimator::t_value() const
{
    if (m_blocks < 2)
        return 0.0;
    const std::complex<double> mean = m_sum / m_weight;
    const double var = std::max(m_sum_sq / m_weight - std::norm(mean), 1e-300);
    const double effective = m_weight * m_weight / m_weight_sq; // blocks' effective count
    return std::abs(mean) / std::sqrt(var / effective);
}

} // namespace dualsat
