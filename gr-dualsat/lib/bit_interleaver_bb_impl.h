// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "fec_stage_impl.h"

#include <dualsat/coding/bit_interleaver.h>
#include <gnuradio/dualsat/bit_interleaver_bb.h>

namespace gr {
namespace dualsat {

class bit_interleaver_bb_impl : public fec_stage_impl<bit_interleaver_bb>
{
public:
    bit_interleaver_bb_impl(::dualsat::FrameSize frame,
                            ::dualsat::CodeRate rate,
                            ::dualsat::Modulation mod);

private:
    void process_frame(const uint8_t* in, uint8_t* out) override;

    const ::dualsat::BitInterleaver d_codec;
    std::vector<uint8_t> d_packed_in; // one frame, packed
};

} // namespace dualsat
} // namespace gr
