// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <dualsat/mapping/mapper.h>
#include <gnuradio/dualsat/modulator_bc.h>

#include <cstdint>

namespace gr {
namespace dualsat {

class modulator_bc_impl : public modulator_bc
{
public:
    modulator_bc_impl(::dualsat::Modulation mod,
                      ::dualsat::CodeRate rate,
                      ::dualsat::FrameSize frame,
                      ::dualsat::MapperInput input,
                      ::dualsat::ApskScaling scaling);

    int frame_input_items() const override { return d_frame_in; }
    int frame_symbols() const override { return d_frame_out; }
    uint64_t dropped_frames() const override { return d_dropped; }

    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    const ::dualsat::Mapper d_mapper;
    const ::dualsat::MapperInput d_input;
    const int d_frame_in;
    const int d_frame_out;
    uint64_t d_dropped = 0;
};

} // namespace dualsat
} // namespace gr
