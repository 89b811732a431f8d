// SPDX-License-Identifier: GPL-3.0-or-later
// Receive front end over dualsat::RxFrontEnd: AGC, RRC matched filter and symbol timing
// recovery, samples at any rate >= 2 samples/symbol in, symbols at 1 sample/symbol out.
#pragma once

#include <gnuradio/block.h>
#include <gnuradio/dualsat/api.h>

#include <cstdint>

namespace gr {
namespace dualsat {

/*!
 * \brief DVB-S2 receive front end: samples in, timing-corrected symbols out.
 * \ingroup dualsat
 *
 * AGC to unit input power, then an RRC matched filter (roll-off \p rolloff) evaluated as a
 * polyphase bank at the symbol instants found by a Gardner timing loop (noise bandwidth
 * \p loop_bw · symbol rate, second order: tracks sample-clock offsets). \p sample_rate need
 * not be a multiple of \p symbol_rate (e.g. 2.37 samples/symbol); it must be at least
 * twice it. Output: one matched-filter sample per symbol, not yet phase/frequency
 * corrected (carrier recovery follows).
 */
class DUALSAT_API rx_frontend_cc : virtual public gr::block
{
public:
    typedef std::shared_ptr<rx_frontend_cc> sptr;

    static sptr make(double symbol_rate, double sample_rate, double rolloff = 0.35,
                     double loop_bw = 0.001);

    //! Relative symbol-period error the loop tracks (clock offset; 1e-6 = 1 ppm).
    virtual double clock_offset() const = 0;
    //! Timing lock decision and its statistic (t-value of the cyclostationary power).
    virtual bool locked() const = 0;
    virtual double lock_statistic() const = 0;
    //! Current AGC gain in dB.
    virtual double agc_gain_db() const = 0;
    //! Non-finite input samples replaced by zero so far.
    virtual uint64_t nonfinite_count() const = 0;
    //! Derotation before the matched filter (cycles/symbol), e.g. from a coarse CFO estimate.
    virtual void set_frequency_correction(double cycles_per_symbol) = 0;
};

} // namespace dualsat
} // namespace gr
