// SPDX-License-Identifier: GPL-3.0-or-later
// TS -> BBFRAME mode adaptation block (EN 302 307-1 §5.1) over dualsat::TsFramer.
#pragma once

#include <dualsat/framing/bbheader.h>
#include <dualsat/modcod/modcod.h>
#include <gnuradio/block.h>
#include <gnuradio/dualsat/api.h>

#include <cstdint>

namespace gr {
namespace dualsat {

/*!
 * \brief Packs MPEG-TS packets into DVB-S2 BBFRAMEs with a BBHEADER (CCM, single TS).
 * \ingroup dualsat
 *
 * Input: a byte stream of 188-byte TS packets (sync byte 0x47). Output: BBFRAMEs of
 * K_bch bits for the given frame size and code rate, one bit per byte (LSB), not
 * scrambled: the stream interface of gr-dtv's dvb_bbheader_bb in DVB-S2 normal mode,
 * and for valid input its output bit for bit. Every frame is full (DFL = K_bch - 80):
 * the block waits for input rather than padding.
 *
 * Unlike gr-dtv, a packet boundary that does not hold 0x47 is not framed as if it did:
 * bytes are skipped up to the next 0x47 (counted in bytes_skipped()), so a misaligned
 * or corrupted input never yields BBFRAMEs whose SYNCD points at garbage.
 */
class DUALSAT_API bbheader_bb : virtual public gr::block
{
public:
    typedef std::shared_ptr<bbheader_bb> sptr;

    static sptr make(::dualsat::FrameSize frame,
                     ::dualsat::CodeRate rate,
                     ::dualsat::RollOff rolloff = ::dualsat::RollOff::R020);

    //! Output items (bits) per BBFRAME: K_bch.
    virtual int frame_items() const = 0;
    //! Input bytes dropped while looking for a 0x47 at a packet boundary.
    virtual uint64_t bytes_skipped() const = 0;
    //! BBFRAMEs produced so far.
    virtual uint64_t frames_built() const = 0;
};

} // namespace dualsat
} // namespace gr
