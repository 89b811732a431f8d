// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/dsp/rrc.h>
#include <dualsat/rx/timing_recovery.h>

#include "timing_loop_kernels.h"
#include "timing_loop_simd.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace dualsat {

namespace detail {
namespace {
// The scalar level, and every level's reference: params.dot2 through its pointer.
size_t run_called(const TimingLoopParams& params, TimingLoopState& state, const TimingLoopBlock& block, bool* full)
{
    return run_strobes(CalledDots{ params.dot2 }, params, state, block, full);
}
} // namespace

const TimingLoopKernels* timing_loop_kernel_table(simd::Scalar)
{
    static constexpr TimingLoopKernels table{ &run_called };
    return &table;
}
} // namespace detail

using namespace detail;

namespace {
bool in_range(double x, double lo, double hi) { return std::isfinite(x) && x > lo && x <= hi; }
} // namespace

void TimingRecovery::loop_gains(double bw, double zeta, double kd, double* kp, double* ki)
{
    const double theta = bw / (zeta + 1.0 / (4.0 * zeta));
    const double d = 1.0 + 2.0 * zeta * theta + theta * theta;
    *kp = 4.0 * zeta * theta / (d * kd);
    *ki = 4.0 * theta * theta / (d * kd);
}

double TimingRecovery::gardner_gain(double beta)
{
    // Mean detector output for unit-power i.i.d. symbols with strobes tau symbols late:
    // E[e](tau) = Σ_n g(tau - 1/2 - n) · (g(tau - 1 - n) - g(tau - n)), g = raised cosine.
    auto s_curve = [beta](double tau) {
        double s = 0.0;
        for (int n = -64; n <= 64; ++n) {
            const double gm = raised_cosine_pulse(tau - 0.5 - n, beta);
            s += gm * (raised_cosine_pulse(tau - 1.0 - n, beta) - raised_cosine_pulse(tau - n, beta));
        }
        return s;
    };
    const double h = 1e-4;
    return -(s_curve(h) - s_curve(-h)) / (2.0 * h);
}

TimingRecovery::TimingRecovery(const TimingRecoveryConfig& config, SimdLevel simd)
    : m_cfg(config),
      m_simd(supported(simd)),
      m_loop(config.reference_loop
                 ? &run_called
                 : simd::select(simd, [](auto isa) { return timing_loop_kernel_table(isa); }).table->run)
{
    const TimingRecoveryConfig& c = m_cfg;
    if (!(std::isfinite(c.samples_per_symbol) && c.samples_per_symbol >= 2.0 && c.samples_per_symbol <= 64.0))
        throw ConfigError("timing recovery: samples per symbol must be in [2, 64], got " +
                          std::to_string(c.samples_per_symbol));
    if (!in_range(c.rolloff, 0.0, 1.0))
        throw ConfigError("timing recovery: roll-off must be in (0, 1]");
    if (c.span_symbols < 4 || c.span_symbols > 64)
        throw ConfigError("timing recovery: matched-filter span must be 4..64 symbols");
    if (c.branches < 8 || c.branches > 1024)
        throw ConfigError("timing recovery: filter-bank branches must be 8..1024");
    if (!in_range(c.loop_bw, 0.0, 0.1) || !in_range(c.acquisition_bw, 0.0, 0.1))
        throw ConfigError("timing recovery: loop bandwidths (B_L·T) must be in (0, 0.1]");
    if (!in_range(c.damping, 0.0, 4.0))
        throw ConfigError("timing recovery: damping must be in (0, 4]");
    if (!in_range(c.max_clock_offset, 0.0, 0.1))
        throw ConfigError("timing recovery: max clock offset must be in (0, 0.1]");
    if (!(std::isfinite(c.lock_window_symbols) && c.lock_window_symbols >= 16.0))
        throw ConfigError("timing recovery: lock window must be >= 16 symbols");
    if (!(std::isfinite(c.lock_threshold) && c.lock_threshold > 0.0))
        throw ConfigError("timing recovery: lock threshold must be > 0");

    const double sps = c.samples_per_symbol;
    m_b = c.branches;
    m_k = static_cast<size_t>(std::ceil(c.span_symbols * sps));
    // Prototype at B × the input rate, L = K·B + 1 taps centred on tap K·B/2.
    const size_t len = m_k * m_b + 1;
    const double centre = static_cast<double>(m_k * m_b) / 2.0;
    std::vector<double> proto(len);
    double energy = 0.0;
    for (size_t i = 0; i < len; ++i) {
        proto[i] = rrc_pulse((static_cast<double>(i) - centre) / (m_b * sps), c.rolloff);
        if (i + 1 < len) // the last tap belongs to branch B only (branch 0 shifted)
            energy += proto[i] * proto[i];
    }
    // Mean over the branches of Σh² = 1/sps (RxMatched at this sps).
    const double scale = std::sqrt(static_cast<double>(m_b) / sps / energy);
    m_bank.assign((m_b + 1) * 2 * m_k, 0.0f);
    for (size_t b = 0; b <= m_b; ++b) {
        float* dst = &m_bank[b * 2 * m_k];
        for (size_t k = 0; k < m_k; ++k) {
            const float h = static_cast<float>(proto[k * m_b + b] * scale);
            const size_t j = m_k - 1 - k; // reversed: the dot runs forward over x[n-K+1 .. n]
            dst[2 * j] = dst[2 * j + 1] = h;
        }
    }
    m_delay = static_cast<double>(m_k) / 2.0;

    m_kd = gardner_gain(c.rolloff);
    loop_gains(c.loop_bw, c.damping, m_kd, &m_kp, &m_ki);
    loop_gains(c.acquisition_bw, c.damping, m_kd, &m_kp_acq, &m_ki_acq);
    m_lock_alpha = 2.0 / (c.lock_window_symbols + 1.0);
    // Running mean (weight 1/k) until it falls to the window's EMA weight.
    m_lock_warmup = static_cast<uint64_t>(std::ceil(1.0 / m_lock_alpha));
    m_half_nominal = c.samples_per_symbol / 2.0;
    // History: a filter window (K-1) plus up to a symbol and a bit before the newest
    // consumed sample, since a symbol's mid strobe may precede the end of a block whose
    // on-time strobe did not fit.
    m_hist = m_k - 1 + static_cast<size_t>(std::ceil(2.0 * m_half_nominal * kMaxPeriodFactor)) + 2;
    m_buf.assign(m_hist + kBlock, std::complex<float>(0.0f, 0.0f));

    TimingLoopParams& p = m_params;
    p.dot2 = kernels::dot_cr2_for(m_simd);
    p.k = m_k;
    p.b = m_b;
    p.hist = m_hist;
    p.delay = m_delay;
    p.half_nominal = m_half_nominal;
    p.kp = m_kp;
    p.ki = m_ki;
    p.kp_acq = m_kp_acq;
    p.ki_acq = m_ki_acq;
    p.max_clock_offset = c.max_clock_offset;
    p.acquisition_symbols = c.acquisition_symbols;
    p.lock_alpha = m_lock_alpha;
    p.lock_warmup = m_lock_warmup;
    for (size_t n = 0; n <= TimingLoopParams::kStatisticsPeriod; ++n) {
        p.err_keep[n] = std::pow(1.0 - kErrAlpha, n);
        p.lock_keep[n] = std::pow(1.0 - m_lock_alpha, n);
    }
    for (size_t n = 0; n <= TimingLoopParams::kGroup; ++n)
        p.power_keep[n] = std::pow(1.0 - kPowerAlpha, static_cast<double>(n));
    p.lock_threshold = c.lock_threshold;
    reset();
}

void TimingRecovery::reset()
{
    std::fill(m_buf.begin(), m_buf.end(), std::complex<float>(0.0f, 0.0f));
    m_base = 0;
    m_state = TimingLoopState{};
    std::fill(std::begin(m_state.half_fx), std::end(m_state.half_fx), to_fixed(m_half_nominal));
}

size_t TimingRecovery::max_output(size_t n_in) const
{
    const double end = static_cast<double>(m_base + n_in);
    const uint64_t half = m_state.half_fx[TimingLoopState::half_slot(m_state.symbols)];
    const double t_on = static_cast<double>(m_state.t_n) + m_state.t_frac * kFrac + 2.0 * half * kFrac;
    if (!(t_on < end))
        return 0;
    const double t_min = kMinPeriodFactor * m_cfg.samples_per_symbol;
    return static_cast<size_t>(std::floor((end - t_on) / t_min)) + 1;
}

StreamResult TimingRecovery::process(const std::complex<float>* in, size_t n_in,
                                     std::complex<float>* out, size_t out_capacity,
                                     double* strobe_times)
{
    // m_buf[j] holds input base - hist + j. The strobe loop (timing_loop_simd.h) runs over
    // the history and the first hist new samples staged there, then straight over the
    // caller's input, whose windows no longer reach back into the history (see below);
    // short inputs go through m_buf in blocks. Either way the same strobes of the same
    // samples: the output does not depend on the path.
    m_params.bank = m_bank.data(); // (the pointers stay right if this object was moved)
    const size_t sample_bytes = sizeof(std::complex<float>);
    StreamResult r;
    auto run = [&](const std::complex<float>* buf, uint64_t base, uint64_t end, bool* full) {
        TimingLoopBlock blk;
        blk.buf = buf;
        blk.base = base;
        blk.end = end;
        blk.out = out + r.produced;
        blk.out_capacity = out_capacity - r.produced;
        blk.strobe_times = strobe_times ? strobe_times + r.produced : nullptr;
        r.produced += m_loop(m_params, m_state, blk, full);
    };
    // Input samples of the stream consumed up to the last on-time strobe, at most `limit`:
    // what an "output full" exit may consume (the next symbol's strobes are at or after it).
    auto used_until_strobe = [&](size_t limit) {
        return m_state.t_n > m_base ? static_cast<size_t>(std::min<uint64_t>(m_state.t_n - m_base, limit)) : 0;
    };
    while (r.consumed < n_in) {
        const std::complex<float>* src = in + r.consumed;
        const size_t remaining = n_in - r.consumed;
        bool full = false;
        size_t used = 0;
        if (remaining >= 4 * m_hist && remaining > kBlock) {
            // Staged: once the on-time strobes reach base + hist, the next symbol's mid
            // strobe is at least base + hist - (1.25·h + 1), and its window starts at least
            // K - 1 before it: with hist = K - 1 + ceil(2.5·h) + 2, that is inside `src`.
            std::memcpy(&m_buf[m_hist], src, m_hist * sample_bytes);
            run(m_buf.data(), m_base, m_base + m_hist, &full);
            if (!full) {
                // Direct: the window of stream index n starts at src[n - (K-1) - base],
                // which is where the loop looks with buf = src and a base hist further on.
                run(src, m_base + m_hist, m_base + remaining, &full);
            }
            used = full ? used_until_strobe(remaining) : remaining;
            // The history: stream samples base + used - hist .. base + used - 1.
            if (used >= m_hist)
                std::memcpy(m_buf.data(), src + used - m_hist, m_hist * sample_bytes);
            else // all inside the staged part
                std::memmove(m_buf.data(), &m_buf[used], m_hist * sample_bytes);
        } else {
            const size_t nb = std::min(kBlock, remaining);
            std::memcpy(&m_buf[m_hist], src, nb * sample_bytes);
            run(m_buf.data(), m_base, m_base + nb, &full);
            used = full ? used_until_strobe(nb) : nb;
            std::memmove(m_buf.data(), &m_buf[used], m_hist * sample_bytes);
        }
        m_base += used;
        r.consumed += used;
        if (full)
            break;
    }
    return r;
}

} // namespace dualsat
