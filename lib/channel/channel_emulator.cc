// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/constants.h>
#include <dualsat/channel/channel_emulator.h>
#include <dualsat/core/error.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace dualsat {
namespace {


uint64_t splitmix64(uint64_t& x)
{
    uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void require_finite(double v, const char* what)
{
    if (!std::isfinite(v))
        throw ConfigError(std::string("channel emulator: ") + what + " must be finite");
}

// Piecewise-linear interpolation of a (time, dB) trace, held outside.
double interpolate_trace(const std::vector<GainPoint>& trace, double t)
{
    if (trace.empty())
        return 0.0;
    if (t <= trace.front().time_s)
        return trace.front().gain_db;
    if (t >= trace.back().time_s)
        return trace.back().gain_db;
    auto it = std::upper_bound(trace.begin(), trace.end(), t,
                               [](double v, const GainPoint& p) { return v < p.time_s; });
    const GainPoint& b = *it;
    const GainPoint& a = *(it - 1);
    if (b.time_s <= a.time_s)
        return b.gain_db;
    return a.gain_db + (b.gain_db - a.gain_db) * (t - a.time_s) / (b.time_s - a.time_s);
}

void check_trace(const std::vector<GainPoint>& trace, const char* what)
{
    for (size_t i = 0; i < trace.size(); ++i) {
        if (!std::isfinite(trace[i].time_s) || !std::isfinite(trace[i].gain_db))
            throw ConfigError(std::string("channel emulator: non-finite value in ") + what);
        if (i > 0 && trace[i].time_s < trace[i - 1].time_s)
            throw ConfigError(std::string("channel emulator: times of ") + what +
                              " must not decrease");
    }
}

} // namespace

// ---------------------------------------------------------------------------------------

Rng::Rng(uint64_t seed)
{
    uint64_t x = seed;
    for (auto& s : m_s)
        s = splitmix64(x);
}

uint64_t Rng::next()
{
    const uint64_t result = rotl(m_s[1] * 5, 7) * 9;
    const uint64_t t = m_s[1] << 17;
    m_s[2] ^= m_s[0];
    m_s[3] ^= m_s[1];
    m_s[1] ^= m_s[2];
    m_s[0] ^= m_s[3];
    m_s[2] ^= t;
    m_s[3] = rotl(m_s[3], 45);
    return result;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double Rng::gaussian()
{
    // Marsaglia's polar method; the second value is kept for the next call.
    if (m_has_spare) {
        m_has_spare = false;
        return m_spare;
    }
    double u, v, s;
    do {
        u = 2.0 * uniform() - 1.0;
        v = 2.0 * uniform() - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * std::log(s) / s);
    m_spare = v * f;
    m_has_spare = true;
    return u * f;
}

std::complex<float> Rng::complex_gaussian(double variance)
{
    const double sd = std::sqrt(0.5 * variance);
    const double re = gaussian() * sd;
    const double im = gaussian() * sd;
    return { static_cast<float>(re), static_cast<float>(im) };
}

// ---------------------------------------------------------------------------------------

std::vector<PhaseNoiseMaskPoint> dvbs2_phase_noise_mask()
{
    return { { 100.0, -25.0 }, { 1e3, -50.0 }, { 1e4, -73.0 },
             { 1e5, -92.5 },   { 1e6, -102.0 }, { 1e7, -114.0 } };
}

PhaseNoiseGenerator::PhaseNoiseGenerator(const std::vector<PhaseNoiseMaskPoint>& mask,
                                         double sample_rate_hz, uint64_t seed)
    : m_mask(mask), m_fs(sample_rate_hz), m_rng(seed ^ 0x5DEECE66Dull)
{
    if (!(sample_rate_hz > 0.0) || !std::isfinite(sample_rate_hz))
        throw ConfigError("phase noise: sample rate must be positive");
    if (mask.empty())
        throw ConfigError("phase noise: empty mask");
    for (size_t i = 0; i < mask.size(); ++i) {
        if (!(mask[i].offset_hz > 0.0) || !std::isfinite(mask[i].offset_hz) ||
            !std::isfinite(mask[i].dbc_per_hz))
            throw ConfigError("phase noise: mask offsets must be positive and finite");
        if (i > 0 && !(mask[i].offset_hz > mask[i - 1].offset_hz))
            throw ConfigError("phase noise: mask offsets must increase");
    }

    // Frequency grid for the fit: 16 points per decade from a decade below the first mask
    // point up to 0.45 fs.
    const double f_hi = 0.45 * m_fs;
    const double f_lo = std::min(mask.front().offset_hz / 10.0, f_hi / 100.0);
    std::vector<double> grid;
    for (double lf = std::log10(f_lo); lf <= std::log10(f_hi) + 1e-9; lf += 1.0 / 16.0)
        grid.push_back(std::pow(10.0, lf));

    // Candidate components: one- and two-pole low-passes with corners 4 per decade from
    // f_lo/10 to fs/4, plus a white floor (order 0).
    struct Candidate {
        double a;
        int order;
    };
    std::vector<Candidate> cands;
    for (double lf = std::log10(f_lo / 10.0); lf <= std::log10(m_fs / 4.0); lf += 0.25) {
        const double a = std::exp(-kTwoPi * std::pow(10.0, lf) / m_fs);
        cands.push_back({ a, 1 });
        cands.push_back({ a, 2 });
    }
    cands.push_back({ 0.0, 0 });

    // Non-negative least squares of sum_k x_k S_k(f) / M(f) = 1 over the grid, by
    // multiplicative updates (all entries are non-negative, so x stays non-negative).
    const size_t F = grid.size(), K = cands.size();
    std::vector<double> A(F * K);
    for (size_t f = 0; f < F; ++f) {
        const double m = mask_psd(grid[f]);
        for (size_t k = 0; k < K; ++k)
            A[f * K + k] = component_psd(cands[k].a, cands[k].order, grid[f]) / m;
    }
    std::vector<double> atb(K, 0.0), x(K), ax(F), atax(K);
    for (size_t k = 0; k < K; ++k) {
        for (size_t f = 0; f < F; ++f)
            atb[k] += A[f * K + k];
        x[k] = 1.0 / (atb[k] * static_cast<double>(K) + 1e-300) * static_cast<double>(F);
    }
    for (int iter = 0; iter < 4000; ++iter) {
        for (size_t f = 0; f < F; ++f) {
            double s = 0.0;
            for (size_t k = 0; k < K; ++k)
                s += A[f * K + k] * x[k];
            ax[f] = s;
        }
        for (size_t k = 0; k < K; ++k) {
            double s = 0.0;
            for (size_t f = 0; f < F; ++f)
                s += A[f * K + k] * ax[f];
            x[k] *= atb[k] / (s + 1e-300);
        }
    }
    // Keep the components that matter somewhere on the grid (>= 1e-4 of the mask).
    for (size_t k = 0; k < K; ++k) {
        double worth = 0.0;
        for (size_t f = 0; f < F; ++f)
            worth = std::max(worth, A[f * K + k] * x[k]);
        if (worth < 1e-4)
            continue;
        Component c{ cands[k].a, cands[k].order, std::sqrt(x[k]) };
        // Start in (approximately) the stationary state so that there is no slow transient.
        if (c.order == 1) {
            c.s1 = c.sigma / std::sqrt(1.0 - c.a * c.a) * m_rng.gaussian();
        } else if (c.order == 2) {
            const double one = 1.0 - c.a * c.a;
            c.s1 = c.sigma / std::sqrt(one) * m_rng.gaussian();
            c.s2 = c.sigma * std::sqrt((1.0 + c.a * c.a) / (one * one * one)) * m_rng.gaussian();
        }
        m_components.push_back(c);
    }
}

double PhaseNoiseGenerator::component_psd(double a, int order, double f_hz) const
{
    // Unit-variance white drive through 1/(1 - a z^-1)^order: two-sided PSD per Hz.
    const double w = kTwoPi * f_hz / m_fs;
    const double mag2 = 1.0 - 2.0 * a * std::cos(w) + a * a; // |1 - a e^-jw|^2
    double h2 = 1.0;
    for (int o = 0; o < order; ++o)
        h2 /= mag2;
    return h2 / m_fs;
}

double PhaseNoiseGenerator::mask_psd(double f_hz) const
{
    double db;
    if (f_hz <= m_mask.front().offset_hz) {
        db = m_mask.front().dbc_per_hz;
    } else if (f_hz >= m_mask.back().offset_hz) {
        db = m_mask.back().dbc_per_hz;
    } else {
        size_t i = 1;
        while (m_mask[i].offset_hz < f_hz)
            ++i;
        const double l0 = std::log10(m_mask[i - 1].offset_hz), l1 = std::log10(m_mask[i].offset_hz);
        const double u = (std::log10(f_hz) - l0) / (l1 - l0);
        db = m_mask[i - 1].dbc_per_hz + u * (m_mask[i].dbc_per_hz - m_mask[i - 1].dbc_per_hz);
    }
    return std::pow(10.0, db / 10.0);
}

double PhaseNoiseGenerator::model_psd(double f_hz) const
{
    double s = 0.0;
    for (const auto& c : m_components)
        s += c.sigma * c.sigma * component_psd(c.a, c.order, f_hz);
    return s;
}

double PhaseNoiseGenerator::next()
{
    double phi = 0.0;
    for (auto& c : m_components) {
        const double w = c.sigma * m_rng.gaussian();
        if (c.order == 0) {
            phi += w;
        } else {
            c.s1 = c.a * c.s1 + w;
            if (c.order == 1) {
                phi += c.s1;
            } else {
                c.s2 = c.a * c.s2 + c.s1;
                phi += c.s2;
            }
        }
    }
    return phi;
}

// ---------------------------------------------------------------------------------------

ChannelEmulator::ChannelEmulator(const ChannelConfig& config) : m_config(config), m_rng(config.seed)
{
    const ChannelConfig& c = m_config;
    if (!(c.sample_rate_hz > 0.0) || !std::isfinite(c.sample_rate_hz))
        throw ConfigError("channel emulator: sample rate must be positive");
    if (!(c.samples_per_symbol > 0.0) || !std::isfinite(c.samples_per_symbol))
        throw ConfigError("channel emulator: samples per symbol must be positive");
    if (!(c.symbol_energy > 0.0) || !std::isfinite(c.symbol_energy))
        throw ConfigError("channel emulator: symbol energy must be positive");
    if (std::isnan(c.esn0_db) || c.esn0_db == -std::numeric_limits<double>::infinity())
        throw ConfigError("channel emulator: Es/N0 must be a number (+inf for no noise)");
    require_finite(c.frequency_offset_hz, "frequency offset");
    require_finite(c.frequency_drift_hz_per_s, "frequency drift");
    require_finite(c.initial_phase_rad, "initial phase");
    if (!std::isfinite(c.sample_clock_offset_ppm) || std::fabs(c.sample_clock_offset_ppm) >= 1e5)
        throw ConfigError("channel emulator: sample clock offset must be within +-1e5 ppm");
    if (!(c.signal_gain >= 0.0) || !std::isfinite(c.signal_gain))
        throw ConfigError("channel emulator: signal gain must be finite and >= 0");
    if (c.sco_interpolator_taps < 4 || c.sco_interpolator_taps > 16 || c.sco_interpolator_taps % 2 != 0)
        throw ConfigError("channel emulator: sample-clock interpolator taps must be even, 4..16");
    if (!(c.nan_probability >= 0.0 && c.nan_probability <= 1.0))
        throw ConfigError("channel emulator: NaN probability must be within [0, 1]");
    check_trace(c.attenuation_trace, "the attenuation trace");
    check_trace(c.gain_steps, "the gain steps");
    if (!c.phase_noise_mask.empty())
        m_phase_noise = std::make_unique<PhaseNoiseGenerator>(c.phase_noise_mask,
                                                              c.sample_rate_hz, c.seed);
    set_esn0_db(c.esn0_db);
    m_step = 1.0 / (1.0 + c.sample_clock_offset_ppm * 1e-6);
    m_phase = c.initial_phase_rad;
    if (c.fast_noise) {
        Rng table_rng(c.seed ^ 0x5DEECE66Dull);
        m_noise_table.resize(kFastNoiseTable);
        double sum = 0.0, sum2 = 0.0;
        std::vector<double> v(kFastNoiseTable);
        for (double& x : v) {
            x = table_rng.gaussian();
            sum += x;
        }
        const double mean = sum / static_cast<double>(kFastNoiseTable);
        for (double x : v)
            sum2 += (x - mean) * (x - mean);
        // Exactly zero mean and unit variance: a 2^16-value table's own spread (~0.6 %)
        // would otherwise shift the Es/N0 by up to a few hundredths of a dB.
        const double scale = 1.0 / std::sqrt(sum2 / static_cast<double>(kFastNoiseTable));
        for (size_t i = 0; i < kFastNoiseTable; ++i)
            m_noise_table[i] = static_cast<float>((v[i] - mean) * scale);
    }
    // taps / 2 - 1 samples of zero history before the first input, so the first output is x[0].
    const int history = c.sco_interpolator_taps / 2 - 1;
    m_buf.assign(static_cast<size_t>(history), std::complex<float>(0.0f, 0.0f));
    m_t = static_cast<double>(history);
}

void ChannelEmulator::set_esn0_db(double esn0_db)
{
    if (std::isnan(esn0_db) || esn0_db == -std::numeric_limits<double>::infinity())
        throw ConfigError("channel emulator: Es/N0 must be a number (+inf for no noise)");
    m_config.esn0_db = esn0_db;
    m_noise_variance = std::isinf(esn0_db)
                           ? 0.0
                           : m_config.symbol_energy / std::pow(10.0, esn0_db / 10.0);
}

void ChannelEmulator::set_signal_gain(double amplitude)
{
    if (!(amplitude >= 0.0) || !std::isfinite(amplitude))
        throw ConfigError("channel emulator: signal gain must be finite and >= 0");
    m_config.signal_gain = amplitude;
}

void ChannelEmulator::set_frequency_offset_hz(double hz)
{
    require_finite(hz, "frequency offset");
    m_config.frequency_offset_hz = hz;
}

size_t ChannelEmulator::max_output(size_t n_in) const
{
    return static_cast<size_t>(std::ceil(static_cast<double>(n_in) / m_step)) + 2;
}

double ChannelEmulator::gain_db_at(double time_s) const
{
    double step = 0.0;
    for (const auto& s : m_config.gain_steps) {
        if (s.time_s > time_s)
            break;
        step = s.gain_db;
    }
    return step - interpolate_trace(m_config.attenuation_trace, time_s);
}

double ChannelEmulator::frequency_hz_at(double time_s) const
{
    return m_config.frequency_offset_hz + m_config.frequency_drift_hz_per_s * time_s;
}

size_t ChannelEmulator::process(const std::complex<float>* in, size_t n, std::complex<float>* out)
{
    if (n == 0)
        return 0;
    if (!in || !out)
        throw ConfigError("channel emulator: null buffer");
    size_t produced = 0;
    if (m_config.sample_clock_offset_ppm == 0.0) {
        std::copy(in, in + n, out);
        produced = n;
    } else if (m_config.sco_interpolator_taps != 4) {
        m_buf.insert(m_buf.end(), in, in + n);
        // Lagrange through x[i-h+1 .. i+h] (h = taps / 2) at i + mu: the weight of node k
        // is prod_{j != k} (mu - j) / (k - j).
        const int h = m_config.sco_interpolator_taps / 2;
        while (static_cast<size_t>(m_t) + static_cast<size_t>(h) < m_buf.size()) {
            const size_t i = static_cast<size_t>(m_t);
            const double mu = m_t - static_cast<double>(i);
            std::complex<double> v = 0.0;
            for (int k = 1 - h; k <= h; ++k) {
                double w = 1.0;
                for (int j = 1 - h; j <= h; ++j)
                    if (j != k)
                        w *= (mu - j) / static_cast<double>(k - j);
                v += w * std::complex<double>(m_buf[static_cast<size_t>(static_cast<long>(i) + k)]);
            }
            out[produced++] = std::complex<float>(v);
            m_t += m_step;
        }
        const size_t keep_from = m_buf.size() - static_cast<size_t>(2 * h - 1);
        m_buf.erase(m_buf.begin(), m_buf.begin() + static_cast<std::ptrdiff_t>(keep_from));
        m_t -= static_cast<double>(keep_from);
    } else {
        m_buf.insert(m_buf.end(), in, in + n);
        // An output at position t needs x[floor(t)-1 .. floor(t)+2].
        while (static_cast<size_t>(m_t) + 2 < m_buf.size()) {
            const size_t i = static_cast<size_t>(m_t);
            const double mu = m_t - static_cast<double>(i);
            // Cubic Lagrange through x[i-1], x[i], x[i+1], x[i+2] at i + mu.
            const double wm1 = -mu * (mu - 1.0) * (mu - 2.0) / 6.0;
            const double w0 = (mu + 1.0) * (mu - 1.0) * (mu - 2.0) / 2.0;
            const double w1 = -(mu + 1.0) * mu * (mu - 2.0) / 2.0;
            const double w2 = (mu + 1.0) * mu * (mu - 1.0) / 6.0;
            const std::complex<double> v =
                wm1 * std::complex<double>(m_buf[i - 1]) + w0 * std::complex<double>(m_buf[i]) +
                w1 * std::complex<double>(m_buf[i + 1]) + w2 * std::complex<double>(m_buf[i + 2]);
            out[produced++] = std::complex<float>(v);
            m_t += m_step;
        }
        // Keep the three samples the next output may still need.
        const size_t keep_from = m_buf.size() - 3;
        m_buf.erase(m_buf.begin(), m_buf.begin() + static_cast<std::ptrdiff_t>(keep_from));
        m_t -= static_cast<double>(keep_from);
    }
    impair(out, produced);
    return produced;
}

void ChannelEmulator::process(const std::vector<std::complex<float>>& in,
                              std::vector<std::complex<float>>& out)
{
    const size_t old = out.size();
    out.resize(old + max_output(in.size()));
    const size_t n = process(in.data(), in.size(), out.data() + old);
    out.resize(old + n);
}

bool ChannelEmulator::impair_fast(std::complex<float>* out, size_t n)
{
    const ChannelConfig& c = m_config;
    if (m_noise_table.empty() || m_phase_noise || c.frequency_drift_hz_per_s != 0.0 ||
        !c.attenuation_trace.empty() || !c.gain_steps.empty() || c.nan_probability > 0.0)
        return false;
    const float sd = static_cast<float>(std::sqrt(0.5 * m_noise_variance));
    const double w = kTwoPi * c.frequency_offset_hz / c.sample_rate_hz;
    // The recursion in double: over one call (at most a few hundred thousand samples) its
    // rounding stays far below the float output's; the next call starts from the exact
    // phase again.
    const double sr = std::cos(w), si = std::sin(w);
    // The signal gain rides on the carrier phasor (the recursion keeps its magnitude): no
    // pass of its own.
    double rr = c.signal_gain * std::cos(m_phase), ri = c.signal_gain * std::sin(m_phase);
    const float* table = m_noise_table.data();
    constexpr uint64_t kMask = kFastNoiseTable - 1;
    for (size_t k = 0; k < n; ++k) {
        const uint64_t r = m_rng.next();
        const float cr = static_cast<float>(rr), ci = static_cast<float>(ri);
        const float xr = out[k].real(), xi = out[k].imag();
        out[k] = { xr * cr - xi * ci + sd * table[r & kMask],
                   xr * ci + xi * cr + sd * table[(r >> 16) & kMask] };
        const double nr = rr * sr - ri * si;
        ri = rr * si + ri * sr;
        rr = nr;
    }
    m_phase = std::remainder(m_phase + w * static_cast<double>(n), kTwoPi);
    m_out_index += n;
    return true;
}

void ChannelEmulator::impair(std::complex<float>* out, size_t n)
{
    if (impair_fast(out, n))
        return;
    const ChannelConfig& c = m_config;
    const double fs = c.sample_rate_hz;
    const bool varying_gain = !c.attenuation_trace.empty() || !c.gain_steps.empty();
    double amplitude = c.signal_gain * std::pow(10.0, gain_db_at(static_cast<double>(m_out_index) / fs) / 20.0);
    const double noise_sd = std::sqrt(0.5 * m_noise_variance);
    for (size_t k = 0; k < n; ++k) {
        const double t = static_cast<double>(m_out_index) / fs;
        if (varying_gain)
            amplitude = c.signal_gain * std::pow(10.0, gain_db_at(t) / 20.0);
        double phase = m_phase;
        if (m_phase_noise)
            phase += m_phase_noise->next();
        const std::complex<double> rot(std::cos(phase), std::sin(phase));
        std::complex<double> v = std::complex<double>(out[k]) * rot * amplitude;
        if (noise_sd > 0.0) {
            const double re = m_rng.gaussian() * noise_sd;
            const double im = m_rng.gaussian() * noise_sd;
            v += std::complex<double>(re, im);
        }
        out[k] = std::complex<float>(v);
        if (c.nan_probability > 0.0 && m_rng.uniform() < c.nan_probability) {
            out[k] = std::complex<float>(std::numeric_limits<float>::quiet_NaN(),
                                         std::numeric_limits<float>::quiet_NaN());
            ++m_nans;
        }
        // Phase of sample n+1 minus that of n for f(t) = f0 + d t: 2 pi (f0 + d (n+1/2)/fs)/fs.
        m_phase += kTwoPi * (c.frequency_offset_hz +
                             c.frequency_drift_hz_per_s * (static_cast<double>(m_out_index) + 0.5) / fs) / fs;
        m_phase = std::remainder(m_phase, kTwoPi);
        ++m_out_index;
    }
}

} // namespace dualsat
