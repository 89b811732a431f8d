// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <dualsat/channel/jammer.h>
#include <gnuradio/dualsat/jammer_cc.h>

#include <mutex>
#include <vector>

namespace gr {
namespace dualsat {

class jammer_cc_impl : public jammer_cc
{
public:
    jammer_cc_impl(const ::dualsat::JammerConfig& unit, double js_db);

    void set_js_db(double js_db) override;
    double js_db() const override;
    double jammer_power() const override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    mutable std::mutex d_mutex;
    // Generated at J/S 0 dB and scaled: the level changes without restarting the
    // jammer's waveform (phase, sweep, pulse timing, filter state).
    ::dualsat::Jammer d_jammer;
    double d_js_db;
    float d_gain;
    std::vector<gr_complex> d_j;
};

} // namespace dualsat
} // namespace gr
