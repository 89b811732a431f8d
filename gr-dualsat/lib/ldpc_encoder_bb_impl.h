// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "fec_stage_impl.h"

#include <dualsat/coding/ldpc_encoder.h>
#include <gnuradio/dualsat/ldpc_encoder_bb.h>

namespace gr {
namespace dualsat {

class ldpc_encoder_bb_impl : public fec_stage_impl<ldpc_encoder_bb>
{
public:
    ldpc_encoder_bb_impl(::dualsat::FrameSize frame, ::dualsat::CodeRate rate);

private:
    void process_frame(const uint8_t* in, uint8_t* out) override;

    const ::dualsat::LdpcEncoder d_codec;
    std::vector<uint8_t> d_packed_in; // one frame, packed
    std::vector<uint8_t> d_packed_out;
};

} // namespace dualsat
} // namespace gr
