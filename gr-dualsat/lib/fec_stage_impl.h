// SPDX-License-Identifier: GPL-3.0-or-later
// Shared implementation of the FEC stage blocks (BCH, LDPC, bit interleaver): whole frames
// in, whole frames out, the unpacked gr-dtv bit stream packed around the packed
// libdualsat API. A stage only says how many items a frame has on each side and how to
// turn one frame into the other.
#pragma once

#include "unpacked_bits.h"

#include <gnuradio/block.h>
#include <gnuradio/io_signature.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace gr {
namespace dualsat {

// Iface is the public block class (virtual gr::block); the most-derived impl constructs
// gr::block itself, as virtual inheritance requires.
template <typename Iface>
class fec_stage_impl : public Iface
{
public:
    fec_stage_impl(int in_items, int out_items) : d_in_items(in_items), d_out_items(out_items)
    {
        this->set_output_multiple(d_out_items);
        this->set_relative_rate(static_cast<uint64_t>(d_out_items),
                                static_cast<uint64_t>(d_in_items));
    }

    int input_frame_items() const override { return d_in_items; }
    int output_frame_items() const override { return d_out_items; }

    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override
    {
        ninput_items_required[0] = (noutput_items / d_out_items) * d_in_items;
    }

    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override
    {
        const auto* in = static_cast<const uint8_t*>(input_items[0]);
        auto* out = static_cast<uint8_t*>(output_items[0]);
        const int frames = std::min(noutput_items / d_out_items, ninput_items[0] / d_in_items);
        for (int f = 0; f < frames; ++f)
            process_frame(in + static_cast<size_t>(f) * static_cast<size_t>(d_in_items),
                          out + static_cast<size_t>(f) * static_cast<size_t>(d_out_items));
        this->consume_each(frames * d_in_items);
        return frames * d_out_items;
    }

protected:
    static gr::io_signature::sptr byte_stream() { return gr::io_signature::make(1, 1, 1); }

    // One frame: d_in_items unpacked input items -> d_out_items output items.
    virtual void process_frame(const uint8_t* in, uint8_t* out) = 0;

    const int d_in_items;
    const int d_out_items;
};

} // namespace dualsat
} // namespace gr
