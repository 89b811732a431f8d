// SPDX-License-Identifier: GPL-3.0-or-later
#include "bch_encoder_bb_impl.h"

namespace gr {
namespace dualsat {

bch_encoder_bb::sptr bch_encoder_bb::make(::dualsat::FrameSize frame, ::dualsat::CodeRate rate)
{
    return gnuradio::make_block_sptr<bch_encoder_bb_impl>(frame, rate);
}

bch_encoder_bb_impl::bch_encoder_bb_impl(::dualsat::FrameSize frame, ::dualsat::CodeRate rate)
    : gr::block("bch_encoder_bb", byte_stream(), byte_stream()),
      fec_stage_impl(::dualsat::code_params(frame, rate).kbch,
                     ::dualsat::code_params(frame, rate).nbch),
      d_codec(frame, rate),
      d_packed_in(d_codec.k_bytes()),
      d_packed_out(d_codec.n_bytes())
{
}

void bch_encoder_bb_impl::process_frame(const uint8_t* in, uint8_t* out)
{
    pack_bits(in, static_cast<size_t>(d_in_items), d_packed_in.data());
    d_codec.encode(d_packed_in.data(), d_packed_out.data());
    unpack_bits(d_packed_out.data(), static_cast<size_t>(d_out_items), out);
}

} // namespace dualsat
} // namespace gr
