// SPDX-License-Identifier: GPL-3.0-or-later
#include "channel_emulator_cc_impl.h"

#include <dualsat/channel/channel_emulator.h>
#include <gnuradio/io_signature.h>
#include <algorithm>
#include <cmath>

namespace gr {
namespace dualsat {

channel_emulator_cc::sptr channel_emulator_cc::make(double esn0_db,
                                                    double samples_per_symbol,
                                                    double symbol_energy,
                                                    double sample_rate,
                                                    double frequency_offset,
                                                    double frequency_drift,
                                                    bool phase_noise,
                                                    double sample_clock_offset_ppm,
                                                    double nan_probability,
                                                    uint64_t seed,
                                                    bool fast_noise)
{
    ::dualsat::ChannelConfig c;
    c.esn0_db = esn0_db;
    c.samples_per_symbol = samples_per_symbol;
    c.symbol_energy = symbol_energy;
    c.sample_rate_hz = sample_rate;
    c.frequency_offset_hz = frequency_offset;
    c.frequency_drift_hz_per_s = frequency_drift;
    if (phase_noise)
        c.phase_noise_mask = ::dualsat::dvbs2_phase_noise_mask();
    c.sample_clock_offset_ppm = sample_clock_offset_ppm;
    c.nan_probability = nan_probability;
    c.seed = seed;
    c.fast_noise = fast_noise;
    return gnuradio::make_block_sptr<channel_emulator_cc_impl>(c);
}

channel_emulator_cc_impl::channel_emulator_cc_impl(const ::dualsat::ChannelConfig& config)
    : gr::block("channel_emulator_cc",
                gr::io_signature::make(1, 1, sizeof(gr_complex)),
                gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_channel(config),
      d_ratio(1.0 + config.sample_clock_offset_ppm * 1e-6)
{
    set_relative_rate(d_ratio);
}

void channel_emulator_cc_impl::set_esn0_db(double esn0_db)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_channel.set_esn0_db(esn0_db);
}

void channel_emulator_cc_impl::set_frequency_offset(double hz)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_channel.set_frequency_offset_hz(hz);
}

void channel_emulator_cc_impl::set_signal_gain(double amplitude)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_channel.set_signal_gain(amplitude);
}

double channel_emulator_cc_impl::noise_variance() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_channel.noise_variance();
}

uint64_t channel_emulator_cc_impl::nans_injected() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_channel.nans_injected();
}

void channel_emulator_cc_impl::forecast(int noutput_items, gr_vector_int& ninput_items_required)
{
    // max_output(n) <= ceil(n * ratio) + 2 must fit: n <= (noutput - 3) / ratio.
    ninput_items_required[0] = std::max(1, static_cast<int>(std::floor((noutput_items - 3) / d_ratio)));
}

int channel_emulator_cc_impl::general_work(int noutput_items,
                                           gr_vector_int& ninput_items,
                                           gr_vector_const_void_star& input_items,
                                           gr_vector_void_star& output_items)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    const auto* in = static_cast<const gr_complex*>(input_items[0]);
    auto* out = static_cast<gr_complex*>(output_items[0]);
    // Take as much input as surely fits the output space: start one above the estimate
    // (floor((noutput - 3) / ratio) is 0 for noutput = 4 and ratio > 1, and the scheduler
    // offers exactly that small an output at the end of a stream: returning without
    // progress then spins forever) and step down to what max_output() allows.
    size_t n = std::min(static_cast<size_t>(ninput_items[0]),
                        static_cast<size_t>(std::max(0.0, std::floor((noutput_items - 2) / d_ratio))) + 1);
    while (n > 0 && d_channel.max_output(n) > static_cast<size_t>(noutput_items))
        --n;
    if (n == 0)
        return 0;
    const size_t produced = d_channel.process(in, n, out);
    consume_each(static_cast<int>(n));
    return static_cast<int>(produced);
}

} // namespace dualsat
} // namespace gr
