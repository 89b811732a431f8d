// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 constellation mapper block (EN 302 307-1 §5.4) over dualsat::Mapper.
#pragma once

#include <dualsat/mapping/constellation.h>
#include <dualsat/mapping/mapper.h>
#include <dualsat/modcod/modcod.h>
#include <gnuradio/block.h>
#include <gnuradio/dualsat/api.h>

namespace gr {
namespace dualsat {

/*!
 * \brief Maps interleaved XFECFRAME bits to QPSK/8PSK/16APSK/32APSK symbols.
 * \ingroup dualsat
 *
 * Works on whole FECFRAMEs of the fixed MODCOD and frame size: n_ldpc / bits_per_symbol
 * complex symbols out per frame. The input form is one of
 *  - UNPACKED_BITS: one bit per byte in the LSB, n_ldpc bytes per frame (gr-dtv's bit
 *    stream convention, e.g. the output of its LDPC encoder);
 *  - PACKED_BITS: eight bits per byte, MSB first, n_ldpc / 8 bytes per frame;
 *  - LABELS: one symbol label per byte, the form gr-dtv's dvbs2_interleaver_bb emits, so
 *    this block replaces dvbs2_modulator_bc (INTERPOLATION_OFF) in a gr-dtv chain.
 * With the default scaling (unit average energy) the symbols equal gr-dtv's.
 * A frame with bytes other than 0/1 (unpacked) or labels beyond the constellation (a
 * wiring error) is not transmitted: it is dropped whole, logged and counted in
 * dropped_frames(), so the output stays frame-aligned and never carries wrong symbols.
 */
class DUALSAT_API modulator_bc : virtual public gr::block
{
public:
    typedef std::shared_ptr<modulator_bc> sptr;

    static sptr make(::dualsat::Modulation mod,
                     ::dualsat::CodeRate rate,
                     ::dualsat::FrameSize frame = ::dualsat::FrameSize::Normal,
                     ::dualsat::MapperInput input = ::dualsat::MapperInput::UnpackedBits,
                     ::dualsat::ApskScaling scaling = ::dualsat::ApskScaling::UnitAverageEnergy);

    //! Input bytes per FECFRAME.
    virtual int frame_input_items() const = 0;
    //! Output symbols per FECFRAME.
    virtual int frame_symbols() const = 0;
    //! Frames dropped because their input was malformed.
    virtual uint64_t dropped_frames() const = 0;
};

} // namespace dualsat
} // namespace gr
