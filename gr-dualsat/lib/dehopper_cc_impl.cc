// SPDX-License-Identifier: GPL-3.0-or-later
#include "dehopper_cc_impl.h"

#include "antijam_keys.h"

#include <gnuradio/io_signature.h>

#include <algorithm>

namespace gr {
namespace dualsat {

dehopper_cc::sptr dehopper_cc::make(const std::string& key_file,
                                    int link_id,
                                    ::dualsat::LinkDirection direction,
                                    int64_t epoch,
                                    int channels,
                                    double channel_spacing,
                                    double sample_rate,
                                    int64_t slot_samples,
                                    int64_t guard_samples,
                                    int interpolation,
                                    int filter_semi_length,
                                    bool erase_jammed,
                                    double threshold_db)
{
    const ::dualsat::HopPlan plan = make_hop_plan(channels, channel_spacing, slot_samples, guard_samples);
    ::dualsat::DigitalHopConfig c;
    c.interpolation = interpolation;
    c.modem_sample_rate = sample_rate;
    c.filter_semi_length = filter_semi_length;
    if (interpolation != 1) // 1: the ungate alone, for analog hopping (hop_tuner)
        ::dualsat::check_digital_hop(plan, c);
    ::dualsat::DwellJamConfig det;
    det.threshold_db = threshold_db;
    return gnuradio::make_block_sptr<dehopper_cc_impl>(
        make_hop_schedule(key_file, link_id, direction, epoch, channels), plan, c, erase_jammed, det);
}

dehopper_cc_impl::dehopper_cc_impl(std::unique_ptr<::dualsat::HopSchedule> schedule,
                                   const ::dualsat::HopPlan& plan,
                                   const ::dualsat::DigitalHopConfig& config,
                                   bool erase_jammed,
                                   const ::dualsat::DwellJamConfig& detector)
    : gr::block("dehopper_cc",
                gr::io_signature::make(1, 1, sizeof(gr_complex)),
                gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_schedule(std::move(schedule)),
      d_plan(plan),
      d_config(config),
      d_detector(detector),
      d_dehopper(config.interpolation == 1 ? nullptr
                                            : std::make_unique<::dualsat::DigitalDehopper>(plan, *d_schedule, config)),
      d_ungate(std::make_unique<::dualsat::HopUngate>(plan, d_schedule.get(), erase_jammed, detector)),
      d_port(pmt::mp("jam"))
{
    set_relative_rate(static_cast<uint64_t>(plan.payload_samples()),
                      static_cast<uint64_t>(config.interpolation) * static_cast<uint64_t>(plan.slot_samples));
    set_tag_propagation_policy(TPP_DONT);
    message_port_register_out(d_port);
}

uint64_t dehopper_cc_impl::dwells() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_ungate->stats().slots;
}

uint64_t dehopper_cc_impl::jammed_dwells() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_ungate->stats().jammed_slots;
}

uint64_t dehopper_cc_impl::erased_samples() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_ungate->stats().erased_samples;
}

std::vector<uint64_t> dehopper_cc_impl::jammed_by_channel() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_ungate->stats().jammed_by_channel;
}

std::vector<uint64_t> dehopper_cc_impl::dwells_by_channel() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_ungate->stats().slots_by_channel;
}

double dehopper_cc_impl::reference_power() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_ungate->stats().reference_power;
}

void dehopper_cc_impl::forecast(int noutput_items, gr_vector_int& ninput_items_required)
{
    const int64_t need = (static_cast<int64_t>(noutput_items) - static_cast<int64_t>(d_pending.size())) *
                         d_config.interpolation * d_plan.slot_samples / d_plan.payload_samples();
    // Samples held back need no input: asking for none lets the scheduler call work() to
    // deliver them after the input has ended.
    ninput_items_required[0] = d_pending.empty() ? static_cast<int>(std::clamp<int64_t>(need, 1, 1 << 20)) : 0;
}

void dehopper_cc_impl::report_new_dwells()
{
    const auto& st = d_ungate->stats();
    const uint64_t fresh = st.slots - d_reported;
    const auto& recent = d_ungate->recent();
    const size_t n = std::min<size_t>(fresh, recent.size());
    for (size_t i = recent.size() - n; i < recent.size(); ++i) {
        const auto& j = recent[i];
        if (!j.jammed)
            continue;
        const uint64_t offset = j.slot * static_cast<uint64_t>(d_plan.payload_samples());
        pmt::pmt_t d = pmt::make_dict();
        d = pmt::dict_add(d, pmt::mp("slot"), pmt::from_uint64(j.slot));
        d = pmt::dict_add(d, pmt::mp("channel"), pmt::from_long(j.channel));
        d = pmt::dict_add(d, pmt::mp("power"), pmt::from_double(j.power));
        d = pmt::dict_add(d, pmt::mp("reference_power"), pmt::from_double(st.reference_power));
        d = pmt::dict_add(d, pmt::mp("offset"), pmt::from_uint64(offset));
        add_item_tag(0, offset, pmt::mp("jammed_dwell"), d, alias_pmt());
        message_port_pub(d_port, d);
    }
    d_reported = st.slots;
}

int dehopper_cc_impl::general_work(int noutput_items,
                                   gr_vector_int& ninput_items,
                                   gr_vector_const_void_star& input_items,
                                   gr_vector_void_star& output_items)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    const auto* in = static_cast<const gr_complex*>(input_items[0]);
    auto* out = static_cast<gr_complex*>(output_items[0]);
    if (d_pending.size() < static_cast<size_t>(noutput_items)) {
        // At most ~128 slots per call: the ungate remembers the last 256 judged dwells.
        const int64_t cap = 128 * d_plan.slot_samples * d_config.interpolation;
        const int n = static_cast<int>(std::min<int64_t>(ninput_items[0], cap));
        if (d_dehopper) {
            d_dehopper->process(in, static_cast<size_t>(n), d_air);
            d_ungate->process(d_air.data(), d_air.size(), d_modem);
        } else {
            d_ungate->process(in, static_cast<size_t>(n), d_modem);
        }
        d_air.clear();
        d_pending.insert(d_pending.end(), d_modem.begin(), d_modem.end());
        d_modem.clear();
        report_new_dwells();
        consume_each(n);
    }
    const size_t k = std::min(d_pending.size(), static_cast<size_t>(noutput_items));
    std::copy(d_pending.begin(), d_pending.begin() + static_cast<std::ptrdiff_t>(k), out);
    d_pending.erase(d_pending.begin(), d_pending.begin() + static_cast<std::ptrdiff_t>(k));
    return static_cast<int>(k);
}

} // namespace dualsat
} // namespace gr
