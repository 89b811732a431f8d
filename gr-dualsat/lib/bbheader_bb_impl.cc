// SPDX-License-Identifier: GPL-3.0-or-later
#include "bbheader_bb_impl.h"

#include <gnuradio/io_signature.h>
#include <array>
#include <cstring>

namespace gr {
namespace dualsat {
namespace {

// Byte value -> its eight bits, MSB first, one per byte: unpacks with one copy per byte.
struct UnpackTable {
    std::array<uint64_t, 256> t;
    UnpackTable()
    {
        for (int v = 0; v < 256; ++v) {
            uint8_t bits[8];
            for (int b = 0; b < 8; ++b)
                bits[b] = static_cast<uint8_t>((v >> (7 - b)) & 1);
            std::memcpy(&t[static_cast<size_t>(v)], bits, 8);
        }
    }
};
const UnpackTable kUnpack;

} // namespace

bbheader_bb::sptr bbheader_bb::make(::dualsat::FrameSize frame,
                                    ::dualsat::CodeRate rate,
                                    ::dualsat::RollOff rolloff)
{
    return gnuradio::make_block_sptr<bbheader_bb_impl>(frame, rate, rolloff);
}

bbheader_bb_impl::bbheader_bb_impl(::dualsat::FrameSize frame,
                                   ::dualsat::CodeRate rate,
                                   ::dualsat::RollOff rolloff)
    : gr::block("bbheader_bb",
                gr::io_signature::make(1, 1, sizeof(uint8_t)),
                gr::io_signature::make(1, 1, sizeof(uint8_t))),
      d_kbch(::dualsat::code_params(frame, rate).kbch),
      d_field_bytes(static_cast<size_t>(d_kbch) / 8 - ::dualsat::kBbHeaderBytes),
      d_rolloff(rolloff),
      // One data field's worth of packets plus the one split at each end.
      d_framer(d_field_bytes / ::dualsat::kTsPacketBytes + 2),
      d_frame(static_cast<size_t>(d_kbch) / 8)
{
    ::dualsat::rolloff_value(rolloff); // throws ConfigError on an invalid value
    set_output_multiple(d_kbch);
}

void bbheader_bb_impl::forecast(int noutput_items, gr_vector_int& ninput_items_required)
{
    const size_t frames = std::max(1, noutput_items / d_kbch);
    const size_t want = frames * d_field_bytes;
    const size_t have = d_framer.queued_bytes();
    const size_t need = want > have ? want - have : 0;
    const size_t packets = (need + ::dualsat::kTsPacketBytes - 1) / ::dualsat::kTsPacketBytes;
    ninput_items_required[0] = static_cast<int>(packets * ::dualsat::kTsPacketBytes);
}

int bbheader_bb_impl::general_work(int noutput_items,
                                   gr_vector_int& ninput_items,
                                   gr_vector_const_void_star& input_items,
                                   gr_vector_void_star& output_items)
{
    const auto* in = static_cast<const uint8_t*>(input_items[0]);
    auto* out = static_cast<uint8_t*>(output_items[0]);
    const size_t available = static_cast<size_t>(ninput_items[0]);
    size_t consumed = 0;
    int produced = 0;
    const uint64_t skipped_before = d_bytes_skipped;

    while (produced + d_kbch <= noutput_items) {
        while (!d_framer.can_fill(d_kbch)) {
            while (consumed < available && in[consumed] != ::dualsat::kTsSyncByte) {
                ++consumed;
                ++d_bytes_skipped;
            }
            if (available - consumed < ::dualsat::kTsPacketBytes)
                break;
            d_framer.push(in + consumed);
            consumed += ::dualsat::kTsPacketBytes;
        }
        if (!d_framer.can_fill(d_kbch))
            break;
        d_framer.build(d_kbch, true, d_rolloff, d_frame.data());
        uint8_t* bits = out + produced;
        for (size_t i = 0; i < d_frame.size(); ++i)
            std::memcpy(bits + 8 * i, &kUnpack.t[d_frame[i]], 8);
        produced += d_kbch;
    }
    if (d_bytes_skipped != skipped_before)
        d_logger->warn("Transport Stream sync lost: skipped {:d} bytes to the next 0x47",
                       d_bytes_skipped - skipped_before);

    consume_each(static_cast<int>(consumed));
    return produced;
}

} // namespace dualsat
} // namespace gr
