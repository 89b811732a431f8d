#pragma once

#include <dualsat/bit_interleaver.h>
#include <gnuradio/dualsat/bit_interleaver_bb.h>

#include <vector>

namespace gr {
namespace dualsat {

class bit_interleaver_bb_impl : public bit_interleaver_bb
{
public:
    bit_interleaver_bb_impl(::dualsat::FrameSize frame, ::dualsat::CodeRate rate, ::dualsat::Modulation mod);

    int input_frame_items() const override { return d_in_items; }
    int output_frame_items() const override { return d_out_items; }

    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    const ::dualsat::BitInterleaver d_codec;
    const int d_in_items;
    const int d_out_items;
    std::vector<uint8_t> d_packed_in;  // one frame, packed
};

} // namespace dualsat
} // namespace gr
