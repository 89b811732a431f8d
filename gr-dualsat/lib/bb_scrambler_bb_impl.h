// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <dualsat/framing/bb_scrambler.h>
#include <gnuradio/dualsat/bb_scrambler_bb.h>

namespace gr {
namespace dualsat {

class bb_scrambler_bb_impl : public bb_scrambler_bb
{
public:
    bb_scrambler_bb_impl(::dualsat::FrameSize frame, ::dualsat::CodeRate rate, bool packed);

    int frame_items() const override { return d_frame_items; }

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    const ::dualsat::BbScrambler d_scrambler;
    const bool d_packed;
    const int d_frame_items;
};

} // namespace dualsat
} // namespace gr
