// Shared frame loop of the FEC stage blocks: whole frames in, whole frames out, the
// unpacked gr-dtv bit stream packed around the packed libdualsat API.
#pragma once

#include <gnuradio/block.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace gr {
namespace dualsat {

// in_items / out_items per frame; `process(in_items_ptr, out_items_ptr)` handles one frame.
template <typename Process>
int run_frames(gr::block& blk,
               int in_items,
               int out_items,
               int noutput_items,
               gr_vector_int& ninput_items,
               gr_vector_const_void_star& input_items,
               gr_vector_void_star& output_items,
               Process&& process)
{
    const auto* in = static_cast<const uint8_t*>(input_items[0]);
    auto* out = static_cast<uint8_t*>(output_items[0]);
    const int frames = std::min(noutput_items / out_items, ninput_items[0] / in_items);
    for (int f = 0; f < frames; ++f)
        process(in + static_cast<size_t>(f) * static_cast<size_t>(in_items),
                out + static_cast<size_t>(f) * static_cast<size_t>(out_items));
    blk.consume_each(frames * in_items);
    return frames * out_items;
}

} // namespace dualsat
} // namespace gr
