// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <dualsat/dsp/pulse_shaper.h>
#include <gnuradio/dualsat/pulse_shaper_cc.h>

namespace gr {
namespace dualsat {

class pulse_shaper_cc_impl : public pulse_shaper_cc
{
public:
    pulse_shaper_cc_impl(double rolloff, int sps, int span, double output_rate_ratio);

    double output_sps() const override { return d_shaper.output_sps(); }
    double delay_symbols() const override { return d_shaper.delay_symbols(); }
    std::vector<float> taps() const override { return d_shaper.shaper().taps(); }

    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    ::dualsat::TxPulseShaper d_shaper;
};

} // namespace dualsat
} // namespace gr
