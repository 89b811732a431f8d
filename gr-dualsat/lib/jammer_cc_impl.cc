// SPDX-License-Identifier: GPL-3.0-or-later
#include "jammer_cc_impl.h"

#include <dualsat/core/error.h>
#include <gnuradio/io_signature.h>

#include <algorithm>
#include <cmath>

namespace gr {
namespace dualsat {

jammer_cc::sptr jammer_cc::make(const std::string& kind,
                                double js_db,
                                double signal_power,
                                double sample_rate,
                                double cw_offset,
                                double band_low,
                                double band_fraction,
                                double duty,
                                double period,
                                double sweep_low,
                                double sweep_high,
                                uint64_t seed)
{
    ::dualsat::JammerConfig c;
    c.kind = ::dualsat::parse_jammer_kind(kind);
    c.js_db = 0.0;
    c.signal_power = signal_power;
    c.sample_rate_hz = sample_rate;
    c.cw_offset_hz = cw_offset;
    c.band_low_hz = band_low;
    c.band_fraction = band_fraction;
    c.duty = duty;
    c.period_s = period;
    c.sweep_low_hz = sweep_low;
    c.sweep_high_hz = sweep_high;
    c.seed = seed;
    return gnuradio::make_block_sptr<jammer_cc_impl>(c, js_db);
}

jammer_cc_impl::jammer_cc_impl(const ::dualsat::JammerConfig& unit, double js_db)
    : gr::sync_block("jammer_cc",
                     gr::io_signature::make(1, 1, sizeof(gr_complex)),
                     gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_jammer(unit)
{
    set_js_db(js_db);
}

void jammer_cc_impl::set_js_db(double js_db)
{
    if (!std::isfinite(js_db) || js_db < -100.0 || js_db > 100.0)
        throw ::dualsat::ConfigError("jammer: J/S must be within -100..100 dB");
    std::lock_guard<std::mutex> lock(d_mutex);
    d_js_db = js_db;
    d_gain = static_cast<float>(std::pow(10.0, js_db / 20.0));
}

double jammer_cc_impl::js_db() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_js_db;
}

double jammer_cc_impl::jammer_power() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_jammer.power() * std::pow(10.0, d_js_db / 10.0);
}

int jammer_cc_impl::work(int noutput_items,
                         gr_vector_const_void_star& input_items,
                         gr_vector_void_star& output_items)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    const auto* in = static_cast<const gr_complex*>(input_items[0]);
    auto* out = static_cast<gr_complex*>(output_items[0]);
    const size_t n = static_cast<size_t>(noutput_items);
    d_j.assign(n, gr_complex(0.0f, 0.0f));
    d_jammer.add(d_j.data(), n);
    for (size_t i = 0; i < n; ++i)
        out[i] = in[i] + d_gain * d_j[i];
    return noutput_items;
}

} // namespace dualsat
} // namespace gr
