// SPDX-License-Identifier: GPL-3.0-or-later
#include "bit_interleaver_bb_impl.h"

namespace gr {
namespace dualsat {

bit_interleaver_bb::sptr bit_interleaver_bb::make(::dualsat::FrameSize frame,
                                                  ::dualsat::CodeRate rate,
                                                  ::dualsat::Modulation mod)
{
    return gnuradio::make_block_sptr<bit_interleaver_bb_impl>(frame, rate, mod);
}

// One symbol label (bits_per_symbol bits) per output byte, as gr-dtv's
// dvbs2_interleaver_bb emits them, QPSK included.
bit_interleaver_bb_impl::bit_interleaver_bb_impl(::dualsat::FrameSize frame,
                                                 ::dualsat::CodeRate rate,
                                                 ::dualsat::Modulation mod)
    : gr::block("bit_interleaver_bb", byte_stream(), byte_stream()),
      fec_stage_impl(::dualsat::code_params(frame, rate).nldpc,
                     ::dualsat::code_params(frame, rate).nldpc / ::dualsat::bits_per_symbol(mod)),
      d_codec(frame, rate, mod),
      d_packed_in(d_codec.frame_bytes())
{
}

void bit_interleaver_bb_impl::process_frame(const uint8_t* in, uint8_t* out)
{
    pack_bits(in, static_cast<size_t>(d_in_items), d_packed_in.data());
    d_codec.interleave_symbols(d_packed_in.data(), out);
}

} // namespace dualsat
} // namespace gr
