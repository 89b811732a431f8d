// SPDX-License-Identifier: GPL-3.0-or-later
#include "bb_scrambler_bb_impl.h"

#include <gnuradio/io_signature.h>
#include <cstring>

namespace gr {
namespace dualsat {

bb_scrambler_bb::sptr
bb_scrambler_bb::make(::dualsat::FrameSize frame, ::dualsat::CodeRate rate, bool packed)
{
    return gnuradio::make_block_sptr<bb_scrambler_bb_impl>(frame, rate, packed);
}

bb_scrambler_bb_impl::bb_scrambler_bb_impl(::dualsat::FrameSize frame,
                                           ::dualsat::CodeRate rate,
                                           bool packed)
    : gr::sync_block("bb_scrambler_bb",
                     gr::io_signature::make(1, 1, sizeof(uint8_t)),
                     gr::io_signature::make(1, 1, sizeof(uint8_t))),
      d_packed(packed),
      d_frame_items(packed ? ::dualsat::code_params(frame, rate).kbch / 8
                           : ::dualsat::code_params(frame, rate).kbch)
{
    // Work only ever sees whole frames, so every call restarts the sequence correctly.
    set_output_multiple(d_frame_items);
}

int bb_scrambler_bb_impl::work(int noutput_items,
                               gr_vector_const_void_star& input_items,
                               gr_vector_void_star& output_items)
{
    const auto* in = static_cast<const uint8_t*>(input_items[0]);
    auto* out = static_cast<uint8_t*>(output_items[0]);
    std::memcpy(out, in, static_cast<size_t>(noutput_items));
    const size_t n = static_cast<size_t>(d_frame_items);
    for (int f = 0; f < noutput_items / d_frame_items; ++f) {
        uint8_t* frame = out + static_cast<size_t>(f) * n;
        if (d_packed)
            d_scrambler.apply_packed(frame, n);
        else
            d_scrambler.apply_unpacked(frame, n);
    }
    return noutput_items;
}

} // namespace dualsat
} // namespace gr
