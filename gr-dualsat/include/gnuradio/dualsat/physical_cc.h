// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 physical-layer framer block (EN 302 307-1 §5.5) over dualsat::PlFramer.
#pragma once

#include <dualsat/modcod/modcod.h>
#include <gnuradio/block.h>
#include <gnuradio/dualsat/api.h>

namespace gr {
namespace dualsat {

/*!
 * \brief Turns XFECFRAMEs of constellation symbols into scrambled DVB-S2 PLFRAMEs.
 * \ingroup dualsat
 *
 * Input: the modulated symbols of whole XFECFRAMEs (64800 or 16200 bits / bits per symbol
 * each). Output: per XFECFRAME one PLFRAME: PLHEADER (SOF + PLSC for the fixed MODCOD,
 * frame size and pilot setting), the data slots with a 36-symbol pilot block after every
 * 16 slots if pilots are on, everything after the header scrambled with Gold code n.
 *
 * With zero_stuff = false the output is one sample per symbol. With zero_stuff = true every
 * symbol is followed by a zero sample (2 samples per symbol, ready for a non-interpolating
 * RRC filter): exactly what gr-dtv's dvbs2_physical_cc emits, so the block is then a
 * drop-in for it.
 */
class DUALSAT_API physical_cc : virtual public gr::block
{
public:
    typedef std::shared_ptr<physical_cc> sptr;

    static sptr make(::dualsat::FrameSize frame,
                     ::dualsat::CodeRate rate,
                     ::dualsat::Modulation constellation,
                     bool pilots = false,
                     int gold_code = 0,
                     bool zero_stuff = false);

    //! Input symbols per XFECFRAME.
    virtual int data_symbols() const = 0;
    //! Symbols per PLFRAME.
    virtual int plframe_symbols() const = 0;
    //! Output samples per PLFRAME: plframe_symbols(), doubled with zero stuffing.
    virtual int output_items_per_frame() const = 0;
};

} // namespace dualsat
} // namespace gr
