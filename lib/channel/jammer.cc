// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/channel/channel_emulator.h>
#include <dualsat/channel/jammer.h>
#include <dualsat/core/constants.h>
#include <dualsat/core/error.h>
#include <dualsat/core/phasor.h>

#include <liquid/liquid.h>

#include <cmath>
#include <vector>

namespace dualsat {

JammerKind parse_jammer_kind(const std::string& name)
{
    if (name == "cw")
        return JammerKind::Cw;
    if (name == "broadband")
        return JammerKind::Broadband;
    if (name == "partial")
        return JammerKind::PartialBand;
    if (name == "pulsed")
        return JammerKind::Pulsed;
    if (name == "swept")
        return JammerKind::Swept;
    throw ConfigError("jammer '" + name + "' is not one of: cw, broadband, partial, pulsed, swept");
}

const char* to_string(JammerKind k)
{
    switch (k) {
    case JammerKind::Cw:
        return "cw";
    case JammerKind::Broadband:
        return "broadband";
    case JammerKind::PartialBand:
        return "partial";
    case JammerKind::Pulsed:
        return "pulsed";
    case JammerKind::Swept:
        return "swept";
    }
    return "?";
}

struct Jammer::State {
    Rng rng;
    uint64_t n = 0; // samples so far
    // partial band: noise through a low-pass of half-width rho fs / 2, shifted to the
    // centre of the jammed part.
    firfilt_crcf lowpass = nullptr;
    double filter_gain = 1.0; // noise power through the filter per unit input power
    explicit State(uint64_t seed) : rng(seed) {}
    ~State()
    {
        if (lowpass)
            firfilt_crcf_destroy(lowpass);
    }
};

Jammer::Jammer(const JammerConfig& c) : m_cfg(c), m_state(std::make_unique<State>(c.seed))
{
    if (!std::isfinite(c.js_db) || c.js_db > 100.0 || c.js_db < -100.0)
        throw ConfigError("jammer: J/S must be within -100..100 dB");
    if (!(c.signal_power > 0.0) || !(c.sample_rate_hz > 0.0))
        throw ConfigError("jammer: signal_power and sample_rate_hz must be > 0");
    const double fs = c.sample_rate_hz;
    switch (c.kind) {
    case JammerKind::PartialBand:
        if (!(c.band_fraction > 0.0 && c.band_fraction <= 1.0))
            throw ConfigError("jammer: band_fraction must be in (0, 1]");
        if (c.band_low_hz < -fs / 2 || c.band_low_hz + c.band_fraction * fs > fs / 2 + 1e-9 * fs)
            throw ConfigError("jammer: the jammed part must lie inside the sample band");
        break;
    case JammerKind::Pulsed:
        if (!(c.duty > 0.0 && c.duty <= 1.0) || !(c.period_s > 0.0))
            throw ConfigError("jammer: duty in (0, 1] and period_s > 0");
        break;
    case JammerKind::Swept:
        if (!(c.period_s > 0.0) || std::fabs(c.sweep_low_hz) > fs / 2 || std::fabs(c.sweep_high_hz) > fs / 2)
            throw ConfigError("jammer: period_s > 0, sweep limits inside the sample band");
        break;
    case JammerKind::Cw:
        if (std::fabs(c.cw_offset_hz) > fs / 2)
            throw ConfigError("jammer: cw_offset_hz outside the sample band");
        break;
    case JammerKind::Broadband:
        break;
    }
    m_power = c.signal_power * std::pow(10.0, c.js_db / 10.0);
    if (c.kind == JammerKind::PartialBand && c.band_fraction < 1.0) {
        // A Kaiser low-pass (liquid-dsp) of cut-off rho / 2 (cycles/sample); long enough
        // for a sharp edge, since the jammed part's edges decide which hop channels it hits.
        const unsigned len = 255;
        std::vector<float> h(len);
        liquid_firdes_kaiser(len, static_cast<float>(c.band_fraction / 2.0), 70.0f, 0.0f, h.data());
        double e = 0.0;
        for (float t : h)
            e += static_cast<double>(t) * t;
        m_state->filter_gain = e;
        m_state->lowpass = firfilt_crcf_create(h.data(), len);
    }
}

Jammer::~Jammer() = default;

void Jammer::add(std::complex<float>* x, size_t n)
{
    State& s = *m_state;
    const double fs = m_cfg.sample_rate_hz;
    switch (m_cfg.kind) {
    case JammerKind::Cw: {
        const double amp = std::sqrt(m_power);
        for (size_t i = 0; i < n; ++i) {
            const double cycles = m_cfg.cw_offset_hz / fs * static_cast<double>(s.n + i);
            x[i] += std::complex<float>(amp * unit_phasor_d(kTwoPi * (cycles - std::floor(cycles))));
        }
        break;
    }
    case JammerKind::Broadband:
        for (size_t i = 0; i < n; ++i)
            x[i] += s.rng.complex_gaussian(m_power);
        break;
    case JammerKind::PartialBand: {
        if (!s.lowpass) { // rho = 1: broadband
            for (size_t i = 0; i < n; ++i)
                x[i] += s.rng.complex_gaussian(m_power);
            break;
        }
        const double centre = (m_cfg.band_low_hz + m_cfg.band_fraction * fs / 2.0) / fs;
        const double in_power = m_power / s.filter_gain;
        for (size_t i = 0; i < n; ++i) {
            std::complex<float> y;
            firfilt_crcf_push(s.lowpass, s.rng.complex_gaussian(in_power));
            firfilt_crcf_execute(s.lowpass, &y);
            const double cycles = centre * static_cast<double>(s.n + i);
            x[i] += y * std::complex<float>(unit_phasor_d(kTwoPi * (cycles - std::floor(cycles))));
        }
        break;
    }
    case JammerKind::Pulsed: {
        const double peak = m_power / m_cfg.duty;
        const double period = m_cfg.period_s * fs;
        for (size_t i = 0; i < n; ++i) {
            const double t = static_cast<double>(s.n + i);
            if (t - period * std::floor(t / period) < m_cfg.duty * period)
                x[i] += s.rng.complex_gaussian(peak);
        }
        break;
    }
    case JammerKind::Swept: {
        // Phase of a linear chirp restarted every period: f(t) = f0 + (f1 - f0) tau / T,
        // phase = 2 pi (f0 tau + (f1 - f0) tau^2 / (2 T)), tau = time within the period.
        const double amp = std::sqrt(m_power);
        const double period = m_cfg.period_s * fs;
        const double f0 = m_cfg.sweep_low_hz / fs, f1 = m_cfg.sweep_high_hz / fs;
        for (size_t i = 0; i < n; ++i) {
            const double t = static_cast<double>(s.n + i);
            const double tau = t - period * std::floor(t / period);
            const double cycles = f0 * tau + (f1 - f0) * tau * tau / (2.0 * period);
            x[i] += std::complex<float>(amp * unit_phasor_d(kTwoPi * (cycles - std::floor(cycles))));
        }
        break;
    }
    }
    s.n += n;
}

} // namespace dualsat
