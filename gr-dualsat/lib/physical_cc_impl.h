// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <dualsat/pl/pl_framer.h>
#include <gnuradio/dualsat/physical_cc.h>
#include <vector>

namespace gr {
namespace dualsat {

class physical_cc_impl : public physical_cc
{
public:
    physical_cc_impl(::dualsat::FrameSize frame,
                     ::dualsat::CodeRate rate,
                     ::dualsat::Modulation constellation,
                     bool pilots,
                     int gold_code,
                     bool zero_stuff);

    int data_symbols() const override { return d_data_symbols; }
    int plframe_symbols() const override { return d_plframe_symbols; }
    int output_items_per_frame() const override
    {
        return d_zero_stuff ? 2 * d_plframe_symbols : d_plframe_symbols;
    }

    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    const ::dualsat::FrameFormat d_format;
    const int d_data_symbols;
    const int d_plframe_symbols;
    const bool d_zero_stuff;
    ::dualsat::PlFramer d_framer;
    std::vector<gr_complex> d_frame; // one PLFRAME before zero stuffing
};

} // namespace dualsat
} // namespace gr
