#include "bch_encoder_bb_impl.h"
#include "fec_stage_impl.h"
#include "unpacked_bits.h"

#include <gnuradio/io_signature.h>

namespace gr {
namespace dualsat {

bch_encoder_bb::sptr bch_encoder_bb::make(::dualsat::FrameSize frame, ::dualsat::CodeRate rate)
{
    return gnuradio::make_block_sptr<bch_encoder_bb_impl>(frame, rate);
}

bch_encoder_bb_impl::bch_encoder_bb_impl(::dualsat::FrameSize frame, ::dualsat::CodeRate rate)
    : gr::block("bch_encoder_bb",
                gr::io_signature::make(1, 1, sizeof(uint8_t)),
                gr::io_signature::make(1, 1, sizeof(uint8_t))),
      d_codec(frame, rate),
      d_in_items(d_codec.k()),
      d_out_items(d_codec.n()),
      d_packed_in(d_codec.k_bytes()),
      d_packed_out(d_codec.n_bytes())
{
    set_output_multiple(d_out_items);
    set_relative_rate(static_cast<uint64_t>(d_out_items), static_cast<uint64_t>(d_in_items));
}

void bch_encoder_bb_impl::forecast(int noutput_items, gr_vector_int& ninput_items_required)
{
    ninput_items_required[0] = (noutput_items / d_out_items) * d_in_items;
}

int bch_encoder_bb_impl::general_work(int noutput_items,
                                      gr_vector_int& ninput_items,
                                      gr_vector_const_void_star& input_items,
                                      gr_vector_void_star& output_items)
{
    return run_frames(*this, d_in_items, d_out_items, noutput_items, ninput_items, input_items,
                      output_items, [this](const uint8_t* in, uint8_t* out) {
                          pack_bits(in, static_cast<size_t>(d_in_items), d_packed_in.data());
                          d_codec.encode(d_packed_in.data(), d_packed_out.data());
                          unpack_bits(d_packed_out.data(), static_cast<size_t>(d_out_items), out);
                      });
}

} // namespace dualsat
} // namespace gr
