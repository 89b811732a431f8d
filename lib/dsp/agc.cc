// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/dsp/agc.h>
#include <dualsat/core/error.h>

#include <algorithm>
#include <iterator>
#include <cmath>

namespace dualsat {

namespace {
bool positive_finite(double x) { return std::isfinite(x) && x > 0.0; }
} // namespace

Agc::Agc(const AgcConfig& config, SimdLevel simd)
    : m_cfg(config), m_agc_block(kernels::sample_kernels_for(simd).table->agc_block)
{
    if (!positive_finite(m_cfg.target_power))
        throw ConfigError("AGC: target power must be finite and > 0");
    if (!positive_finite(m_cfg.attack_samples) || !positive_finite(m_cfg.decay_samples))
        throw ConfigError("AGC: attack and decay time constants must be finite and > 0");
    if (m_cfg.update_interval == 0 || m_cfg.update_interval > (1u << 20))
        throw ConfigError("AGC: update interval must be 1..2^20 samples");
    if (!positive_finite(m_cfg.min_gain) || !positive_finite(m_cfg.max_gain) ||
        m_cfg.min_gain > m_cfg.max_gain || !(m_cfg.initial_gain >= m_cfg.min_gain) ||
        !(m_cfg.initial_gain <= m_cfg.max_gain))
        throw ConfigError("AGC: need 0 < min_gain <= initial_gain <= max_gain, all finite");
    m_a_attack = 1.0 - std::exp(-static_cast<double>(m_cfg.update_interval) / m_cfg.attack_samples);
    m_a_decay = 1.0 - std::exp(-static_cast<double>(m_cfg.update_interval) / m_cfg.decay_samples);
    if (!(std::isfinite(m_cfg.attack_threshold_db) && m_cfg.attack_threshold_db >= 0.0 &&
          m_cfg.attack_threshold_db <= 40.0))
        throw ConfigError("AGC: attack threshold must be in [0, 40] dB");
    m_attack_ratio = std::pow(10.0, m_cfg.attack_threshold_db / 10.0);
    reset();
}

void Agc::reset()
{
    m_gain = m_cfg.initial_gain;
    m_power = 0.0;
    std::fill(std::begin(m_block_acc), std::end(m_block_acc), 0.0f);
    m_block_fill = 0;
    m_attacking = false;
    m_blocks = 0;
    m_samples = 0;
    m_nonfinite = 0;
}

double Agc::gain_db() const { return 20.0 * std::log10(static_cast<double>(m_gain)); }

void Agc::update_gain()
{
    const float sum = (m_block_acc[0] + m_block_acc[1]) + (m_block_acc[2] + m_block_acc[3]);
    double pb = static_cast<double>(sum) / static_cast<double>(m_cfg.update_interval);
    if (!(pb <= 1e30)) // |x|² overflowed float (finite but huge samples): saturate
        pb = 1e30;
    ++m_blocks;
    const uint64_t seen = m_blocks * m_cfg.update_interval;
    if (seen <= m_cfg.acquisition_samples || m_blocks == 1) {
        m_power += (pb - m_power) / static_cast<double>(m_blocks); // running mean
    } else {
        // Attack only on a real rise (beyond the threshold): block means of a stationary
        // signal scatter around p, and attacking on every upward blip would bias p high.
        // The attack, once triggered, runs until the estimate has caught up.
        if (pb > m_attack_ratio * m_power)
            m_attacking = true;
        else if (pb <= m_power)
            m_attacking = false;
        m_power += (m_attacking ? m_a_attack : m_a_decay) * (pb - m_power);
    }
    const double g = m_power > 0.0 ? std::sqrt(static_cast<double>(m_cfg.target_power) / m_power)
                                   : static_cast<double>(m_cfg.max_gain);
    m_gain = static_cast<float>(std::clamp(g, static_cast<double>(m_cfg.min_gain),
                                           static_cast<double>(m_cfg.max_gain)));
    std::fill(std::begin(m_block_acc), std::end(m_block_acc), 0.0f);
    m_block_fill = 0;
}

void Agc::process(const std::complex<float>* in, size_t n, std::complex<float>* out)
{
    size_t i = 0;
    while (i < n) {
        // One run up to the next gain update: constant gain, branch-free body.
        const size_t run = std::min<size_t>(n - i, m_cfg.update_interval - m_block_fill);
        // Continues the block's partial power sums, by the samples' index in the block:
        // the same rounding whatever the chunking (and the SIMD level, sample_kernels.h).
        m_agc_block(in + i, run, out + i, m_gain, m_block_acc, m_block_fill % kernels::kAgcSums, &m_nonfinite);
        m_block_fill += static_cast<unsigned>(run);
        m_samples += run;
        i += run;
        if (m_block_fill == m_cfg.update_interval)
            update_gain();
    }
}

} // namespace dualsat
