// SPDX-License-Identifier: GPL-3.0-or-later
#include "hopper_cc_impl.h"

#include "antijam_keys.h"

#include <gnuradio/io_signature.h>

#include <algorithm>

namespace gr {
namespace dualsat {

hopper_cc::sptr hopper_cc::make(const std::string& key_file,
                                int link_id,
                                ::dualsat::LinkDirection direction,
                                int64_t epoch,
                                int channels,
                                double channel_spacing,
                                double sample_rate,
                                int64_t slot_samples,
                                int64_t guard_samples,
                                int interpolation,
                                int filter_semi_length)
{
    const ::dualsat::HopPlan plan = make_hop_plan(channels, channel_spacing, slot_samples, guard_samples);
    ::dualsat::DigitalHopConfig c;
    c.interpolation = interpolation;
    c.modem_sample_rate = sample_rate;
    c.filter_semi_length = filter_semi_length;
    if (interpolation != 1) // 1: the gate alone, for analog hopping (hop_tuner)
        ::dualsat::check_digital_hop(plan, c);
    return gnuradio::make_block_sptr<hopper_cc_impl>(
        make_hop_schedule(key_file, link_id, direction, epoch, channels), plan, c);
}

hopper_cc_impl::hopper_cc_impl(std::unique_ptr<::dualsat::HopSchedule> schedule,
                               const ::dualsat::HopPlan& plan,
                               const ::dualsat::DigitalHopConfig& config)
    : gr::block("hopper_cc",
                gr::io_signature::make(1, 1, sizeof(gr_complex)),
                gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_schedule(std::move(schedule)),
      d_plan(plan),
      d_config(config),
      d_gate(plan),
      d_hopper(config.interpolation == 1 ? nullptr
                                          : std::make_unique<::dualsat::DigitalHopper>(plan, *d_schedule, config))
{
    set_relative_rate(static_cast<uint64_t>(config.interpolation) * static_cast<uint64_t>(plan.slot_samples),
                      static_cast<uint64_t>(plan.payload_samples()));
    set_output_multiple(config.interpolation);
    // The guards move every input sample to a later output sample: a propagated tag
    // would land on the wrong one.
    set_tag_propagation_policy(TPP_DONT);
}

double hopper_cc_impl::channel_offset(int channel) const
{
    return ::dualsat::hop_channel_offset_hz(d_plan, channel);
}

uint64_t hopper_cc_impl::slots() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    const uint64_t s = d_gate.sample();
    return (s + static_cast<uint64_t>(d_plan.slot_samples) - 1) / static_cast<uint64_t>(d_plan.slot_samples);
}

void hopper_cc_impl::forecast(int noutput_items, gr_vector_int& ninput_items_required)
{
    const int64_t air = noutput_items / d_config.interpolation;
    ninput_items_required[0] =
        std::max<int>(1, static_cast<int>(air * d_plan.payload_samples() / d_plan.slot_samples));
}

int hopper_cc_impl::general_work(int noutput_items,
                                 gr_vector_int& ninput_items,
                                 gr_vector_const_void_star& input_items,
                                 gr_vector_void_star& output_items)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    const auto* in = static_cast<const gr_complex*>(input_items[0]);
    auto* out = static_cast<gr_complex*>(output_items[0]);
    const size_t room = static_cast<size_t>(noutput_items / d_config.interpolation);
    if (d_air.size() < room)
        d_air.resize(room);
    if (!d_hopper) {
        const auto r = d_gate.process(in, static_cast<size_t>(ninput_items[0]), out, room);
        consume_each(static_cast<int>(r.first));
        return static_cast<int>(r.second);
    }
    const auto r = d_gate.process(in, static_cast<size_t>(ninput_items[0]), d_air.data(), room);
    d_hopper->process(d_air.data(), r.second, out);
    consume_each(static_cast<int>(r.first));
    return static_cast<int>(r.second) * d_config.interpolation;
}

} // namespace dualsat
} // namespace gr
