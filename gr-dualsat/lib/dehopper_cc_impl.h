// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <dualsat/antijam/digital_hopper.h>
#include <dualsat/antijam/hop_gate.h>
#include <gnuradio/dualsat/dehopper_cc.h>

#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace gr {
namespace dualsat {

class dehopper_cc_impl : public dehopper_cc
{
public:
    dehopper_cc_impl(std::unique_ptr<::dualsat::HopSchedule> schedule,
                     const ::dualsat::HopPlan& plan,
                     const ::dualsat::DigitalHopConfig& config,
                     bool erase_jammed,
                     const ::dualsat::DwellJamConfig& detector);

    uint64_t dwells() const override;
    uint64_t jammed_dwells() const override;
    uint64_t erased_samples() const override;
    std::vector<uint64_t> jammed_by_channel() const override;
    std::vector<uint64_t> dwells_by_channel() const override;
    double reference_power() const override;

    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    void report_new_dwells();

    mutable std::mutex d_mutex;
    const std::unique_ptr<::dualsat::HopSchedule> d_schedule; // both stages refer to it
    const ::dualsat::HopPlan d_plan;
    const ::dualsat::DigitalHopConfig d_config;
    const ::dualsat::DwellJamConfig d_detector;
    std::unique_ptr<::dualsat::DigitalDehopper> d_dehopper; // null: interpolation 1 (ungate only)
    std::unique_ptr<::dualsat::HopUngate> d_ungate;
    uint64_t d_reported = 0; // dwells whose tag / message is out
    std::vector<gr_complex> d_air, d_modem;
    std::deque<gr_complex> d_pending; // modem samples not yet written
    const pmt::pmt_t d_port;
};

} // namespace dualsat
} // namespace gr
