#pragma once

#include <dualsat/bch.h>
#include <gnuradio/dualsat/bch_encoder_bb.h>

#include <vector>

namespace gr {
namespace dualsat {

class bch_encoder_bb_impl : public bch_encoder_bb
{
public:
    bch_encoder_bb_impl(::dualsat::FrameSize frame, ::dualsat::CodeRate rate);

    int input_frame_items() const override { return d_in_items; }
    int output_frame_items() const override { return d_out_items; }

    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    const ::dualsat::BchCodec d_codec;
    const int d_in_items;
    const int d_out_items;
    std::vector<uint8_t> d_packed_in;  // one frame, packed
    std::vector<uint8_t> d_packed_out;
};

} // namespace dualsat
} // namespace gr
