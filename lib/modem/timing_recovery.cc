#include <dualsat/error.h>
#include <dualsat/rrc.h>
#include <dualsat/timing_recovery.h>

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
    : m_cfg(config), m_simd(supported(simd)), m_dot(kernels::dot_cr_for(simd))
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
    m_buf.assign(m_k - 1 + kBlock, std::complex<float>(0.0f, 0.0f));
    reset();
}

void TimingRecovery::reset()
{
    std::fill(m_buf.begin(), m_buf.end(), std::complex<float>(0.0f, 0.0f));
    m_base = 0;
    m_n = 0;
    m_mu = 0.0;
    m_next_is_mid = false;
    m_half = m_cfg.samples_per_symbol / 2.0;
    m_prev = m_mid = std::complex<float>(0.0f, 0.0f);
    m_integrator = 0.0;
    m_power = 0.0;
    m_err_avg = 0.0;
    m_lock_mean = m_lock_sq = m_lock_stat = 0.0;
    m_locked = false;
    m_last_mu = 0.0;
    m_symbols = 0;
    m_lock_losses = 0;
}

size_t TimingRecovery::max_output(size_t n_in) const
{
    const double end = static_cast<double>(m_base + n_in);
    const double t_on = static_cast<double>(m_n) + m_mu + (m_next_is_mid ? m_half : 0.0);
    if (!(t_on < end))
        return 0;
    const double t_min = kMinPeriodFactor * m_cfg.samples_per_symbol;
    return static_cast<size_t>(std::floor((end - t_on) / t_min)) + 1;
}

inline std::complex<float> TimingRecovery::strobe(const std::complex<float>* window, double mu) const
{
    const size_t b = static_cast<size_t>(mu * m_b + 0.5); // 0..B; B = branch 0 one sample on
    return m_dot(window, &m_bank[b * 2 * m_k], m_k);
}

inline void TimingRecovery::advance(double samples)
{
    m_mu += samples;
    const double whole = std::floor(m_mu);
    m_n += static_cast<uint64_t>(whole);
    m_mu -= whole;
}

void TimingRecovery::symbol_update(std::complex<float> y_mid, std::complex<float> y_on)
{
    const double p_on = std::norm(std::complex<double>(y_on));
    const double p_mid = std::norm(std::complex<double>(y_mid));
    double v = 0.0;
    if (std::isfinite(p_on) && std::isfinite(p_mid)) {
        if (m_symbols < kPowerWarmup)
            m_power += (p_on - m_power) / static_cast<double>(m_symbols + 1);
        else
            m_power += kPowerAlpha * (p_on - m_power);
        if (m_symbols > 0 && m_power > 1e-30) {
            const std::complex<double> d = std::complex<double>(m_prev) - std::complex<double>(y_on);
            const double e = (static_cast<double>(y_mid.real()) * d.real() +
                              static_cast<double>(y_mid.imag()) * d.imag()) / m_power;
            const bool acq = m_symbols < m_cfg.acquisition_symbols;
            const double kp = acq ? m_kp_acq : m_kp;
            const double ki = acq ? m_ki_acq : m_ki;
            m_integrator = std::clamp(m_integrator + ki * e, -m_cfg.max_clock_offset, m_cfg.max_clock_offset);
            v = m_integrator + kp * e;
            m_err_avg += kErrAlpha * (e - m_err_avg);

            // Lock detector: mean of (|y_on|² - |y_mid|²)/P over its standard error.
            const double dl = (p_on - p_mid) / m_power;
            const double k = static_cast<double>(m_symbols);
            const double a = std::max(m_lock_alpha, 1.0 / k);
            m_lock_mean += a * (dl - m_lock_mean);
            m_lock_sq += a * (dl * dl - m_lock_sq);
            const double var = std::max(m_lock_sq - m_lock_mean * m_lock_mean, 1e-30);
            const double n_eff = std::min(k, (2.0 - a) / a);
            m_lock_stat = m_lock_mean / std::sqrt(var / n_eff);
            if (m_locked && m_lock_stat < 0.5 * m_cfg.lock_threshold) {
                m_locked = false;
                ++m_lock_losses;
            } else if (!m_locked && m_symbols >= kLockMinSymbols && m_lock_stat > m_cfg.lock_threshold) {
                m_locked = true;
            }
        }
        m_prev = y_on;
    } else {
        v = m_integrator; // non-finite strobe (bad input upstream): coast
        m_prev = std::complex<float>(0.0f, 0.0f);
    }
    const double factor = std::clamp(1.0 + v, kMinPeriodFactor, kMaxPeriodFactor);
    m_half = 0.5 * m_cfg.samples_per_symbol * factor;
    ++m_symbols;
}

StreamResult TimingRecovery::process(const std::complex<float>* in, size_t n_in,
                                     std::complex<float>* out, size_t out_capacity,
                                     double* strobe_times)
{
    StreamResult r;
    const size_t hist = m_k - 1;
    while (r.consumed < n_in) {
        const size_t nb = std::min(kBlock, n_in - r.consumed);
        std::memcpy(&m_buf[hist], in + r.consumed, nb * sizeof(std::complex<float>));
        const uint64_t end = m_base + nb;
        while (m_n < end) {
            if (!m_next_is_mid && r.produced >= out_capacity)
                break;
            const std::complex<float> y = strobe(&m_buf[m_n - m_base], m_mu);
            if (m_next_is_mid) {
                m_mid = y;
                m_next_is_mid = false;
            } else {
                if (strobe_times)
                    strobe_times[r.produced] = static_cast<double>(m_n) + m_mu - m_delay;
                out[r.produced++] = y;
                m_last_mu = m_mu;
                symbol_update(m_mid, y);
                m_next_is_mid = true;
            }
            advance(m_half);
        }
        const size_t used = m_n < end ? static_cast<size_t>(m_n - m_base) : nb;
        if (hist > 0)
            std::memmove(m_buf.data(), &m_buf[used], hist * sizeof(std::complex<float>));
        m_base += used;
        r.consumed += used;
        if (used < nb)
            break;
    }
    return r;
}

} // namespace dualsat
