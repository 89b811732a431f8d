// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/dsp/rrc.h>
#include <dualsat/rx/timing_recovery.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace dualsat {

namespace {
// Bounds of the per-symbol period factor 1 + v: a wild noise-driven step cannot move the
// next strobe by more than a quarter symbol, and max_output() can bound the output count.
constexpr double kMinPeriodFactor = 0.75;
constexpr double kMaxPeriodFactor = 1.25;
constexpr uint64_t kPowerWarmup = 64;  // symbols of running mean before the EMA
constexpr double kPowerAlpha = 1.0 / 512.0;
constexpr double kErrAlpha = 1.0 / 1024.0;
constexpr uint64_t kLockMinSymbols = 256;
constexpr double kFrac = 1.0 / 4294967296.0; // 2^-32: strobe fractions are 0.32 fixed point
constexpr uint64_t kSlowUpdate = 16; // symbols between normaliser / lock-statistic refreshes
// Level steps (a burst of zeros, NaN replaced by the AGC, a blocker switching off): the
// normaliser's EMA takes ~512 symbols to follow a rise, during which the Gardner error
// would be scaled up by the whole step (60 dB when the AGC sits at its maximum gain after
// a dead input) and drive the integrator into its clamp, where it stays for seconds. So a
// symbol whose power (on-time or mid-point) exceeds kPowerJump times the estimate is taken
// as a level step, not as evidence about timing: the loop coasts through it. A stationary signal gets there
// with probability ~e^-32 per symbol (|y|^2 of noise is exponential), i.e. never. Every
// kSlowUpdate symbols, a block whose mean power exceeds kPowerBlockJump times the
// estimate resets the estimate to it (the mean of 16 exponentials is never 8x its own).
constexpr double kPowerJump = 32.0;
constexpr double kPowerBlockJump = 8.0;

// Half period (input samples, < 2^31) as 32.32 fixed point.
uint64_t to_fixed(double samples) { return static_cast<uint64_t>(samples * 4294967296.0 + 0.5); }

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
    : m_cfg(config), m_simd(supported(simd)), m_dot(kernels::dot_cr_for(simd)), m_dot2(kernels::dot_cr2_for(simd))
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
    m_warmup_alpha.resize(m_lock_warmup);
    for (uint64_t k = 0; k < m_lock_warmup; ++k)
        m_warmup_alpha[k] = std::max(m_lock_alpha, 1.0 / static_cast<double>(std::max<uint64_t>(k, 1)));
    m_half_nominal = c.samples_per_symbol / 2.0;
    // History: a filter window (K-1) plus up to a symbol and a bit before the newest
    // consumed sample, since a symbol's mid strobe may precede the end of a block whose
    // on-time strobe did not fit.
    m_hist = m_k - 1 + static_cast<size_t>(std::ceil(2.0 * m_half_nominal * kMaxPeriodFactor)) + 2;
    m_buf.assign(m_hist + kBlock, std::complex<float>(0.0f, 0.0f));
    reset();
}

void TimingRecovery::reset()
{
    std::fill(m_buf.begin(), m_buf.end(), std::complex<float>(0.0f, 0.0f));
    m_base = 0;
    m_t_n = 0;
    m_t_frac = 0;
    m_half_fx = m_half_next_fx = to_fixed(m_half_nominal);
    m_prev = std::complex<float>(0.0f, 0.0f);
    m_integrator = 0.0;
    m_power = 0.0;
    m_inv_power = 0.0;
    m_block_power = 0.0;
    m_level_steps = 0;
    m_err_avg = 0.0;
    m_lock_mean = m_lock_sq = m_lock_stat = 0.0;
    m_locked = false;
    m_symbols = 0;
    m_lock_losses = 0;
}

size_t TimingRecovery::max_output(size_t n_in) const
{
    const double end = static_cast<double>(m_base + n_in);
    const double t_on = static_cast<double>(m_t_n) + m_t_frac * kFrac + 2.0 * m_half_fx * kFrac;
    if (!(t_on < end))
        return 0;
    const double t_min = kMinPeriodFactor * m_cfg.samples_per_symbol;
    return static_cast<size_t>(std::floor((end - t_on) / t_min)) + 1;
}

inline const std::complex<float>* TimingRecovery::window(uint64_t n) const
{
    return &m_buf[n + m_hist - (m_k - 1) - m_base];
}

inline const float* TimingRecovery::branch_taps(uint32_t frac) const
{
    // Nearest branch: round(frac · B), 0..B (B = branch 0 one sample later).
    const uint64_t b = (static_cast<uint64_t>(frac) * m_b + (uint64_t{ 1 } << 31)) >> 32;
    return &m_bank[b * 2 * m_k];
}


double TimingRecovery::symbol_update(std::complex<float> y_mid, std::complex<float> y_on)
{
    // This runs once per symbol on the loop's critical path (the next strobe position
    // depends on it): no divisions, square roots or std::norm (libstdc++'s goes through
    // hypot) on the per-symbol path; the normaliser's inverse and the lock statistic are
    // refreshed every kSlowUpdate symbols.
    const double p_on = static_cast<double>(y_on.real()) * y_on.real() +
                        static_cast<double>(y_on.imag()) * y_on.imag();
    const double p_mid = static_cast<double>(y_mid.real()) * y_mid.real() +
                         static_cast<double>(y_mid.imag()) * y_mid.imag();
    double v = m_integrator;
    if (std::isfinite(p_on) && std::isfinite(p_mid)) {
        bool level_step = false;
        if (m_symbols < kPowerWarmup) {
            m_power += (p_on - m_power) / static_cast<double>(m_symbols + 1);
            m_inv_power = m_power > 1e-30 ? 1.0 / m_power : 0.0;
        } else {
            // Against the inverse in use (refreshed only every kSlowUpdate symbols): it is
            // what would scale this symbol's error.
            level_step = std::max(p_on, p_mid) * m_inv_power > kPowerJump;
            m_block_power += p_on;
            m_power += kPowerAlpha * (p_on - m_power);
            if (level_step || (m_symbols & (kSlowUpdate - 1)) == 0) {
                if ((m_symbols & (kSlowUpdate - 1)) == 0) {
                    const double block_mean = m_block_power / static_cast<double>(kSlowUpdate);
                    if (block_mean > kPowerBlockJump * m_power) {
                        m_power = block_mean;
                        ++m_level_steps;
                    }
                    m_block_power = 0.0;
                }
                m_inv_power = m_power > 1e-30 ? 1.0 / m_power : 0.0;
            }
        }
        if (m_symbols > 0 && m_inv_power > 0.0 && !level_step) {
            const double dre = static_cast<double>(m_prev.real()) - y_on.real();
            const double dim = static_cast<double>(m_prev.imag()) - y_on.imag();
            const double e = (y_mid.real() * dre + y_mid.imag() * dim) * m_inv_power;
            const bool acq = m_symbols < m_cfg.acquisition_symbols;
            const double kp = acq ? m_kp_acq : m_kp;
            const double ki = acq ? m_ki_acq : m_ki;
            m_integrator = std::clamp(m_integrator + ki * e, -m_cfg.max_clock_offset, m_cfg.max_clock_offset);
            v = m_integrator + kp * e;
            m_err_avg += kErrAlpha * (e - m_err_avg);

            // Lock detector: mean of (|y_on|² - |y_mid|²)/P over its standard error.
            const double dl = (p_on - p_mid) * m_inv_power;
            const double a = m_symbols < m_lock_warmup ? m_warmup_alpha[m_symbols] : m_lock_alpha;
            m_lock_mean += a * (dl - m_lock_mean);
            m_lock_sq += a * (dl * dl - m_lock_sq);
            if ((m_symbols & (kSlowUpdate - 1)) == 0)
                update_lock(a);
        }
        m_prev = y_on;
    } else {
        m_prev = std::complex<float>(0.0f, 0.0f); // non-finite strobe (bad input upstream): coast
    }
    const double factor = std::clamp(1.0 + v, kMinPeriodFactor, kMaxPeriodFactor);
    ++m_symbols;
    return m_half_nominal * factor;
}

void TimingRecovery::update_lock(double alpha)
{
    const double k = static_cast<double>(m_symbols);
    const double var = std::max(m_lock_sq - m_lock_mean * m_lock_mean, 1e-30);
    const double n_eff = std::min(k, (2.0 - alpha) / alpha);
    m_lock_stat = m_lock_mean / std::sqrt(var / n_eff);
    if (m_locked && m_lock_stat < 0.5 * m_cfg.lock_threshold) {
        m_locked = false;
        ++m_lock_losses;
    } else if (!m_locked && m_symbols >= kLockMinSymbols && m_lock_stat > m_cfg.lock_threshold) {
        m_locked = true;
    }
}

StreamResult TimingRecovery::process(const std::complex<float>* in, size_t n_in,
                                     std::complex<float>* out, size_t out_capacity,
                                     double* strobe_times)
{
    // m_buf[j] holds input base - hist + j. Symbol k's strobes: mid = t + h, on = t + 2h
    // (t = previous on-time strobe, h = half period). The loop's correction from symbol k
    // sets the period of symbol k+2, not k+1: one symbol of loop delay (negligible at
    // B_L·T <= 0.1) that takes the loop arithmetic off the filter's critical path, so the
    // next symbol's dot products can start while this symbol's error is computed.
    StreamResult r;
    while (r.consumed < n_in) {
        const size_t nb = std::min(kBlock, n_in - r.consumed);
        std::memcpy(&m_buf[m_hist], in + r.consumed, nb * sizeof(std::complex<float>));
        const uint64_t end = m_base + nb;
        bool full = false;
        for (;;) {
            uint64_t sum = static_cast<uint64_t>(m_t_frac) + (m_half_fx & 0xFFFFFFFFu);
            const uint64_t n_mid = m_t_n + (m_half_fx >> 32) + (sum >> 32);
            const uint32_t f_mid = static_cast<uint32_t>(sum);
            sum = static_cast<uint64_t>(f_mid) + (m_half_fx & 0xFFFFFFFFu);
            const uint64_t n_on = n_mid + (m_half_fx >> 32) + (sum >> 32);
            const uint32_t f_on = static_cast<uint32_t>(sum);
            if (n_on >= end)
                break;
            if (r.produced >= out_capacity) {
                full = true;
                break;
            }
            std::complex<float> y[2];
            m_dot2(window(n_mid), branch_taps(f_mid), window(n_on), branch_taps(f_on), m_k, y);
            const std::complex<float> y_mid = y[0];
            const std::complex<float> y_on = y[1];
            m_t_n = n_on;
            m_t_frac = f_on;
            if (strobe_times)
                strobe_times[r.produced] = static_cast<double>(n_on) + f_on * kFrac - m_delay;
            out[r.produced++] = y_on;
            m_half_fx = m_half_next_fx;
            m_half_next_fx = to_fixed(symbol_update(y_mid, y_on));
        }
        size_t used = nb;
        if (full) {
            // Keep everything the next symbol's windows need (its mid strobe is >= t).
            used = m_t_n > m_base ? static_cast<size_t>(std::min<uint64_t>(m_t_n - m_base, nb)) : 0;
        }
        std::memmove(m_buf.data(), &m_buf[used], m_hist * sizeof(std::complex<float>));
        m_base += used;
        r.consumed += used;
        if (full)
            break;
    }
    return r;
}

} // namespace dualsat
