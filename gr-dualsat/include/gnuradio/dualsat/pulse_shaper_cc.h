// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 transmit pulse shaping (EN 302 307-1 §5.6) over dualsat::TxPulseShaper.
#pragma once

#include <gnuradio/block.h>
#include <gnuradio/dualsat/api.h>

#include <vector>

namespace gr {
namespace dualsat {

/*!
 * \brief Root-raised-cosine pulse shaping: symbols in, samples out.
 * \ingroup dualsat
 *
 * Interpolates by the integer \p sps with RRC taps (roll-off \p rolloff, \p span symbols,
 * span·sps + 1 taps rounded up to odd) normalised to Σh² = sps, so unit-power symbols come
 * out at unit mean sample power; with output_rate_ratio = 1 the output equals GNU Radio's
 * interp_fir_filter_ccf(sps, taps) with those taps.
 *
 * output_rate_ratio != 1 resamples the shaped stream by that ratio (exact rational when it
 * is one, e.g. 2.37 = 237/100; otherwise a dense polyphase bank with interpolation), giving
 * sps · output_rate_ratio samples per symbol (>= 2, need not be an integer) — for a radio
 * whose sample rate is not a multiple of the symbol rate.
 */
class DUALSAT_API pulse_shaper_cc : virtual public gr::block
{
public:
    typedef std::shared_ptr<pulse_shaper_cc> sptr;

    static sptr make(double rolloff, int sps, int span, double output_rate_ratio = 1.0);

    //! Output samples per symbol (sps · output_rate_ratio).
    virtual double output_sps() const = 0;
    //! Symbol k's pulse peaks at output sample (k + delay_symbols()) · output_sps().
    virtual double delay_symbols() const = 0;
    //! The RRC taps used at the shaping rate.
    virtual std::vector<float> taps() const = 0;
};

} // namespace dualsat
} // namespace gr
