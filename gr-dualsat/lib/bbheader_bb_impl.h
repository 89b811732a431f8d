// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <dualsat/framing/ts_adaptation.h>
#include <gnuradio/dualsat/bbheader_bb.h>

#include <vector>

namespace gr {
namespace dualsat {

class bbheader_bb_impl : public bbheader_bb
{
public:
    bbheader_bb_impl(::dualsat::FrameSize frame,
                     ::dualsat::CodeRate rate,
                     ::dualsat::RollOff rolloff);

    int frame_items() const override { return d_kbch; }
    uint64_t bytes_skipped() const override { return d_bytes_skipped; }
    uint64_t frames_built() const override { return d_framer.stats().frames_built; }

    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    const int d_kbch;
    const size_t d_field_bytes; // K_bch / 8 - 10
    const ::dualsat::RollOff d_rolloff;
    ::dualsat::TsFramer d_framer;
    std::vector<uint8_t> d_frame; // one packed BBFRAME
    uint64_t d_bytes_skipped = 0;
};

} // namespace dualsat
} // namespace gr
