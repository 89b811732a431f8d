// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 BCH encoder block (EN 302 307-1 §5.3.1) over dualsat::BchCodec.
#pragma once

#include <dualsat/modcod/modcod.h>
#include <gnuradio/block.h>
#include <gnuradio/dualsat/api.h>

namespace gr {
namespace dualsat {

/*!
 * \brief BCH-encodes BBFRAMEs: K_bch bits in, N_bch bits (message, then parity) out.
 * \ingroup dualsat
 *
 * One bit per byte (LSB), the stream form of gr-dtv's DVB-S2 blocks; a drop-in for
 * dvb_bch_bb with a fixed frame size and code rate (CCM).
 */
class DUALSAT_API bch_encoder_bb : virtual public gr::block
{
public:
    typedef std::shared_ptr<bch_encoder_bb> sptr;

    static sptr make(::dualsat::FrameSize frame, ::dualsat::CodeRate rate);

    //! K_bch and N_bch: input and output items per frame.
    virtual int input_frame_items() const = 0;
    virtual int output_frame_items() const = 0;
};

} // namespace dualsat
} // namespace gr
