// SPDX-License-Identifier: GPL-3.0-or-later
#include "modulator_bc_impl.h"

#include <dualsat/core/error.h>
#include <gnuradio/io_signature.h>

#include <algorithm>

namespace gr {
namespace dualsat {

modulator_bc::sptr modulator_bc::make(::dualsat::Modulation mod,
                                      ::dualsat::CodeRate rate,
                                      ::dualsat::FrameSize frame,
                                      ::dualsat::MapperInput input,
                                      ::dualsat::ApskScaling scaling)
{
    return gnuradio::make_block_sptr<modulator_bc_impl>(mod, rate, frame, input, scaling);
}

modulator_bc_impl::modulator_bc_impl(::dualsat::Modulation mod,
                                     ::dualsat::CodeRate rate,
                                     ::dualsat::FrameSize frame,
                                     ::dualsat::MapperInput input,
                                     ::dualsat::ApskScaling scaling)
    : gr::block("modulator_bc",
                gr::io_signature::make(1, 1, sizeof(uint8_t)),
                gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_mapper(::dualsat::ModCod{ mod, rate }, frame, scaling),
      d_input(input),
      d_frame_in(static_cast<int>(d_mapper.frame_input_bytes(input))),
      d_frame_out(static_cast<int>(d_mapper.frame_symbols()))
{
    // Whole frames only, so every call starts on a frame boundary.
    set_output_multiple(d_frame_out);
    set_relative_rate(static_cast<uint64_t>(d_frame_out), static_cast<uint64_t>(d_frame_in));
}

void modulator_bc_impl::forecast(int noutput_items, gr_vector_int& ninput_items_required)
{
    ninput_items_required[0] = (noutput_items / d_frame_out) * d_frame_in;
}

int modulator_bc_impl::general_work(int noutput_items,
                                    gr_vector_int& ninput_items,
                                    gr_vector_const_void_star& input_items,
                                    gr_vector_void_star& output_items)
{
    const auto* in = static_cast<const uint8_t*>(input_items[0]);
    auto* out = static_cast<gr_complex*>(output_items[0]);
    const int frames = std::min(noutput_items / d_frame_out, ninput_items[0] / d_frame_in);
    int produced = 0;
    for (int f = 0; f < frames; ++f) {
        try {
            d_mapper.map_frame(d_input,
                               in + static_cast<size_t>(f) * static_cast<size_t>(d_frame_in),
                               out + static_cast<size_t>(produced) * static_cast<size_t>(d_frame_out));
            ++produced;
        } catch (const ::dualsat::FrameError& e) {
            // An exception out of work() would stop this block's thread and hang the
            // flowgraph; drop the frame instead (nothing of it was written).
            if (d_dropped++ % 1000 == 0)
                d_logger->error("dropping malformed frame ({} dropped so far): {}", d_dropped, e.what());
        }
    }
    consume_each(frames * d_frame_in);
    return produced * d_frame_out;
}

} // namespace dualsat
} // namespace gr
