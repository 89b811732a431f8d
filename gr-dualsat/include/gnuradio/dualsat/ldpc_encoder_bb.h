// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 LDPC encoder block (EN 302 307-1 §5.3.2) over dualsat::LdpcEncoder.
#pragma once

#include <dualsat/modcod/modcod.h>
#include <gnuradio/block.h>
#include <gnuradio/dualsat/api.h>

namespace gr {
namespace dualsat {

/*!
 * \brief LDPC-encodes BCH codewords: N_bch (= k_ldpc) bits in, n_ldpc bits out.
 * \ingroup dualsat
 *
 * One bit per byte (LSB), the stream form of gr-dtv's DVB-S2 blocks; a drop-in for
 * dvb_ldpc_bb with a fixed frame size and code rate (CCM).
 */
class DUALSAT_API ldpc_encoder_bb : virtual public gr::block
{
public:
    typedef std::shared_ptr<ldpc_encoder_bb> sptr;

    static sptr make(::dualsat::FrameSize frame, ::dualsat::CodeRate rate);

    //! k_ldpc and n_ldpc: input and output items per frame.
    virtual int input_frame_items() const = 0;
    virtual int output_frame_items() const = 0;
};

} // namespace dualsat
} // namespace gr
