// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 bit interleaver block (EN 302 307-1 §5.3.3) over dualsat::BitInterleaver.
#pragma once

#include <dualsat/modcod/modcod.h>
#include <gnuradio/block.h>
#include <gnuradio/dualsat/api.h>

namespace gr {
namespace dualsat {

/*!
 * \brief Bit-interleaves FECFRAMEs and emits one constellation symbol index per byte.
 * \ingroup dualsat
 *
 * Input: n_ldpc bits per frame, one bit per byte (LSB). Output: n_ldpc / m items, each
 * holding the m = 2, 3, 4, 5 bits of one symbol (first bit = MSB), exactly as gr-dtv's
 * dvbs2_interleaver_bb does (QPSK: no interleaving, bit pairs).
 */
class DUALSAT_API bit_interleaver_bb : virtual public gr::block
{
public:
    typedef std::shared_ptr<bit_interleaver_bb> sptr;

    static sptr make(::dualsat::FrameSize frame,
                     ::dualsat::CodeRate rate,
                     ::dualsat::Modulation mod);

    //! n_ldpc bits in, n_ldpc / bits per symbol symbols out, per frame.
    virtual int input_frame_items() const = 0;
    virtual int output_frame_items() const = 0;
};

} // namespace dualsat
} // namespace gr
