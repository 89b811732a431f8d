// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/antijam/digital_hopper.h>
#include <dualsat/core/constants.h>
#include <dualsat/core/error.h>
#include <dualsat/core/phasor.h>

#include <liquid/liquid.h>

#include <cmath>
#include <numeric>
#include <string>

namespace dualsat {

namespace {

// Low-pass prototype at the wide rate: cut-off at the modem rate's Nyquist frequency,
// 2 U m + 1 taps, summing to `gain`.
std::vector<float> prototype(const DigitalHopConfig& c, float gain)
{
    const unsigned n = static_cast<unsigned>(2 * c.interpolation * c.filter_semi_length + 1);
    std::vector<float> h(n);
    liquid_firdes_kaiser(n, 0.5f / static_cast<float>(c.interpolation), static_cast<float>(c.stopband_db),
                         0.0f, h.data());
    const float sum = std::accumulate(h.begin(), h.end(), 0.0f);
    for (float& x : h)
        x *= gain / sum;
    return h;
}

// The mixer phase of f cycles per wide sample at wide sample w: a function of (f, w) only,
// so both ends compute the same value for the same sample (the receiver's -f gives the
// conjugate).
double mixer_phase(double cycles_per_sample, uint64_t w)
{
    const double x = cycles_per_sample * static_cast<double>(w);
    return kTwoPi * (x - std::floor(x));
}

// Channel of wide sample w: the slot of on-air time w / U - m (before the first slot:
// slot 0's, where the stream is silent anyway).
int channel_of(const HopPlan& plan, const HopSchedule& s, const DigitalHopConfig& c, uint64_t w)
{
    const int64_t t = static_cast<int64_t>(w / static_cast<uint64_t>(c.interpolation)) - c.filter_semi_length;
    const uint64_t slot = t < 0 ? 0 : static_cast<uint64_t>(t) / static_cast<uint64_t>(plan.slot_samples);
    return s.channel(slot);
}

// Mixes n wide samples starting at w, in runs of one channel (the phase recomputed
// exactly at each run start, a rotation recurrence within it, renormalised every 1024).
void mix(const HopPlan& plan, const HopSchedule& s, const DigitalHopConfig& c, uint64_t w,
         std::complex<float>* x, size_t n, double sign)
{
    const double wide_rate = c.modem_sample_rate * c.interpolation;
    const uint64_t run_len = static_cast<uint64_t>(plan.slot_samples) * static_cast<uint64_t>(c.interpolation);
    size_t i = 0;
    while (i < n) {
        const uint64_t wi = w + i;
        // The run ends where the channel may change: the next slot boundary, which in wide
        // samples is shifted by the interpolator's delay (see channel_of).
        const uint64_t delay = static_cast<uint64_t>(c.filter_semi_length) * static_cast<uint64_t>(c.interpolation);
        const uint64_t slot = wi < delay ? 0 : (wi - delay) / run_len;
        const uint64_t next = (slot + 1) * run_len + delay;
        const size_t k = static_cast<size_t>(std::min<uint64_t>(next - wi, n - i));
        const double f = sign * hop_channel_offset_hz(plan, channel_of(plan, s, c, wi)) / wide_rate;
        const std::complex<double> step = unit_phasor_d(kTwoPi * f);
        std::complex<double> rot = unit_phasor_d(mixer_phase(f, wi));
        for (size_t j = 0; j < k; ++j) {
            if ((j & 1023) == 1023)
                rot = unit_phasor_d(mixer_phase(f, wi + j));
            x[i + j] *= std::complex<float>(rot);
            rot *= step;
        }
        i += k;
    }
}

} // namespace

void check_digital_hop(const HopPlan& plan, const DigitalHopConfig& c)
{
    check_hop_plan(plan);
    if (c.interpolation < 2 || c.interpolation > 4096)
        throw ConfigError("digital hopping: interpolation must be 2..4096");
    if (!(c.modem_sample_rate > 0.0) || !std::isfinite(c.modem_sample_rate))
        throw ConfigError("digital hopping: modem_sample_rate must be > 0");
    if (c.filter_semi_length < 1 || c.filter_semi_length > 64 || !(c.stopband_db > 0.0))
        throw ConfigError("digital hopping: filter_semi_length 1..64, stopband_db > 0");
    const double band = plan.channels * plan.channel_spacing_hz;
    if (band > c.interpolation * c.modem_sample_rate)
        throw ConfigError("digital hopping: the hop band (" + std::to_string(band) +
                          " Hz) does not fit the wide rate (" +
                          std::to_string(c.interpolation * c.modem_sample_rate) + " Hz)");
}

// Owns its liquid-dsp object, so a constructor that throws after creating it leaks nothing.
struct DigitalHopper::Filter {
    firinterp_crcf q = nullptr;
    ~Filter()
    {
        if (q)
            firinterp_crcf_destroy(q);
    }
};

DigitalHopper::DigitalHopper(const HopPlan& plan, const HopSchedule& schedule, const DigitalHopConfig& config)
    : m_plan(plan), m_schedule(schedule), m_cfg(config), m_filter(std::make_unique<Filter>())
{
    check_digital_hop(plan, config);
    std::vector<float> h = prototype(config, static_cast<float>(config.interpolation));
    m_filter->q = firinterp_crcf_create(static_cast<unsigned>(config.interpolation), h.data(),
                                        static_cast<unsigned>(h.size()));
}

DigitalHopper::~DigitalHopper() = default;

void DigitalHopper::process(const std::complex<float>* in, size_t n, std::complex<float>* out)
{
    const size_t u = static_cast<size_t>(m_cfg.interpolation);
    for (size_t i = 0; i < n; ++i)
        firinterp_crcf_execute(m_filter->q, in[i], out + i * u);
    mix(m_plan, m_schedule, m_cfg, m_wide, out, n * u, 1.0);
    m_wide += n * u;
}

struct DigitalDehopper::Filter {
    firdecim_crcf q = nullptr;
    ~Filter()
    {
        if (q)
            firdecim_crcf_destroy(q);
    }
};

DigitalDehopper::DigitalDehopper(const HopPlan& plan, const HopSchedule& schedule, const DigitalHopConfig& config)
    : m_plan(plan), m_schedule(schedule), m_cfg(config), m_filter(std::make_unique<Filter>()),
      m_skip(2 * static_cast<int64_t>(config.filter_semi_length))
{
    check_digital_hop(plan, config);
    std::vector<float> h = prototype(config, 1.0f);
    m_filter->q = firdecim_crcf_create(static_cast<unsigned>(config.interpolation), h.data(),
                                       static_cast<unsigned>(h.size()));
    m_block.reserve(static_cast<size_t>(config.interpolation));
}

DigitalDehopper::~DigitalDehopper() = default;

void DigitalDehopper::process(const std::complex<float>* in, size_t n, std::vector<std::complex<float>>& out)
{
    const size_t u = static_cast<size_t>(m_cfg.interpolation);
    for (size_t i = 0; i < n;) {
        const size_t k = std::min(u - m_block.size(), n - i);
        const size_t at = m_block.size();
        m_block.insert(m_block.end(), in + i, in + i + k);
        mix(m_plan, m_schedule, m_cfg, m_wide, m_block.data() + at, k, -1.0);
        m_wide += k;
        i += k;
        if (m_block.size() == u) {
            std::complex<float> y;
            firdecim_crcf_execute(m_filter->q, m_block.data(), &y);
            m_block.clear();
            if (m_skip > 0)
                --m_skip;
            else
                out.push_back(y);
        }
    }
}

} // namespace dualsat
