// SPDX-License-Identifier: GPL-3.0-or-later
// BBFRAME scrambler/descrambler block (EN 302 307-1 §5.2.2) over dualsat::BbScrambler.
#pragma once

#include <dualsat/modcod/modcod.h>
#include <gnuradio/dualsat/api.h>
#include <gnuradio/sync_block.h>

namespace gr {
namespace dualsat {

/*!
 * \brief XORs each BBFRAME with the DVB-S2 BB scrambling sequence.
 * \ingroup dualsat
 *
 * The stream is cut into BBFRAMEs of K_bch bits for the given frame size and code rate.
 * With packed = false every byte carries one bit in its LSB (the convention of gr-dtv's
 * DVB-S2 blocks, so it can stand in for dvb_bbscrambler_bb); with packed = true every byte
 * carries eight bits, MSB first. Scrambling is its own inverse: the same block descrambles.
 */
class DUALSAT_API bb_scrambler_bb : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<bb_scrambler_bb> sptr;

    static sptr make(::dualsat::FrameSize frame, ::dualsat::CodeRate rate, bool packed = false);

    //! Items (bits or bytes) per BBFRAME.
    virtual int frame_items() const = 0;
};

} // namespace dualsat
} // namespace gr
