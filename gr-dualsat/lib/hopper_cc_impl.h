// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <dualsat/antijam/digital_hopper.h>
#include <dualsat/antijam/hop_gate.h>
#include <gnuradio/dualsat/hopper_cc.h>

#include <memory>
#include <mutex>
#include <vector>

namespace gr {
namespace dualsat {

class hopper_cc_impl : public hopper_cc
{
public:
    hopper_cc_impl(std::unique_ptr<::dualsat::HopSchedule> schedule,
                   const ::dualsat::HopPlan& plan,
                   const ::dualsat::DigitalHopConfig& config);

    int channel(uint64_t slot) const override { return d_schedule->channel(slot); }
    double channel_offset(int channel) const override;
    uint64_t slots() const override;
    int interpolation() const override { return d_config.interpolation; }

    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    mutable std::mutex d_mutex;
    const std::unique_ptr<::dualsat::HopSchedule> d_schedule; // the hopper refers to it
    const ::dualsat::HopPlan d_plan;
    const ::dualsat::DigitalHopConfig d_config;
    ::dualsat::HopGate d_gate;
    std::unique_ptr<::dualsat::DigitalHopper> d_hopper; // null: interpolation 1 (gate only)
    std::vector<gr_complex> d_air;
};

} // namespace dualsat
} // namespace gr
