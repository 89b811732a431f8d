// SPDX-License-Identifier: GPL-3.0-or-later
// Automatic gain control for the receive front end: scales the input stream to a target
// mean power so the matched filter, the timing loop and everything after them see a known
// level whatever the tuner gain.
//
// Feedback-free (feed-forward from past samples) block estimator, cheap per sample:
//  - every sample: non-finite (NaN/Inf in either part) -> replaced by 0 and counted; output
//    = gain · input; |input|² accumulated;
//  - every `update_interval` samples: the block's mean power p_b updates the power
//    estimate p: p += a·(p_b - p), with a = a_attack when p_b > p (the signal got stronger:
//    gain comes down fast, no clipping downstream) and a = a_decay otherwise (slow recovery,
//    little gain modulation by fading or noise). a = 1 - exp(-update_interval / time).
//    gain = sqrt(target_power / p), clamped to [min_gain, max_gain].
//  - fast initial acquisition: for the first `acquisition_samples` after construction or
//    reset(), p is the plain running mean of everything seen so far (the first block
//    alone sets the gain), before the attack/decay filter takes over.
// The gain changes only at block boundaries counted from the start of the stream, so the
// output does not depend on how the input is chunked. The gain applied to block j comes
// from blocks < j (no look-ahead, no latency).
//
// Note: the AGC levels the TOTAL input power (signal + noise in the whole sampled band).
// At low Es/N0 the signal share of that is small; the level of the symbols after the
// matched filter is then below the target, and downstream stages must normalise on their
// own estimates (as a DVB-S2 receiver does from the pilots anyway).
#pragma once

#include <dualsat/core/cpu_features.h>
#include <dualsat/dsp/sample_kernels.h>

#include <complex>
#include <cstddef>
#include <cstdint>

namespace dualsat {

struct AgcConfig {
    float target_power = 1.0f;        // mean |y|² wanted
    double attack_samples = 256.0;    // time constant when the power rises
    double decay_samples = 4096.0;    // time constant otherwise
    double attack_threshold_db = 3.0; // block power this far above the estimate: attack
    unsigned update_interval = 64;    // samples per gain update (block)
    uint64_t acquisition_samples = 1024; // running-mean phase after start/reset
    float initial_gain = 1.0f;        // gain for the very first block
    float min_gain = 1e-6f;
    float max_gain = 1e6f;
};

class Agc
{
public:
    // ConfigError for non-positive / non-finite target or time constants, interval 0, or
    // a gain range that is empty, non-positive or does not contain initial_gain.
    // simd: the level of the gain / power-sum kernel (sample_kernels.h; the same output at
    // every level).
    explicit Agc(const AgcConfig& config = {}, SimdLevel simd = active_simd_level());

    // in -> out (n samples; in == out allowed). Never fails: bad samples are zeroed.
    void process(const std::complex<float>* in, size_t n, std::complex<float>* out);

    void reset();

    float gain() const { return m_gain; }
    double gain_db() const;
    // Current estimate of the input power (before the gain).
    double input_power() const { return m_power; }
    // Non-finite input samples replaced by zero since construction/reset.
    uint64_t nonfinite_count() const { return m_nonfinite; }
    uint64_t samples() const { return m_samples; }
    const AgcConfig& config() const { return m_cfg; }

private:
    void update_gain();

    AgcConfig m_cfg;
    double m_a_attack;
    double m_a_decay;
    double m_attack_ratio;
    float m_gain;
    double m_power = 0.0;   // estimate of input power
    float m_block_acc[kernels::kAgcSums] = {}; // the block's power, partial sums by sample index
    unsigned m_block_fill = 0;
    bool m_attacking = false;
    uint64_t m_blocks = 0;  // completed blocks
    uint64_t m_samples = 0;
    uint64_t m_nonfinite = 0;
    kernels::AgcBlockFn m_agc_block;
};

} // namespace dualsat
