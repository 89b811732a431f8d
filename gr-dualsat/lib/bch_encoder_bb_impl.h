// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "fec_stage_impl.h"

#include <dualsat/coding/bch.h>
#include <gnuradio/dualsat/bch_encoder_bb.h>

namespace gr {
namespace dualsat {

class bch_encoder_bb_impl : public fec_stage_impl<bch_encoder_bb>
{
public:
    bch_encoder_bb_impl(::dualsat::FrameSize frame, ::dualsat::CodeRate rate);

private:
    void process_frame(const uint8_t* in, uint8_t* out) override;

    const ::dualsat::BchCodec d_codec;
    std::vector<uint8_t> d_packed_in; // one frame, packed
    std::vector<uint8_t> d_packed_out;
};

} // namespace dualsat
} // namespace gr
