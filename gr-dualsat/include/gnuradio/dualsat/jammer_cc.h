// SPDX-License-Identifier: GPL-3.0-or-later
// A jammer added to a stream (tests, benches, demos) over dualsat::Jammer
// (lib/channel jammer.h).
#pragma once

#include <gnuradio/dualsat/api.h>
#include <gnuradio/sync_block.h>

#include <cstdint>
#include <string>

namespace gr {
namespace dualsat {

/*!
 * \brief Adds a jammer at a jammer-to-signal ratio js_db: J = signal_power x 10^(J/S / 10),
 * the jammer's mean power over the whole sample band.
 * \ingroup dualsat
 *
 * kind: "cw" (a tone at cw_offset Hz), "broadband" (white noise), "partial" (noise over
 * [band_low, band_low + band_fraction x sample_rate) Hz from the centre), "pulsed"
 * (broadband noise on for duty of each period s; J/S is the average), "swept" (a tone
 * from sweep_low to sweep_high Hz every period s). Deterministic for a seed.
 * set_js_db() changes the level at run time without restarting the jammer's waveform.
 */
class DUALSAT_API jammer_cc : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<jammer_cc> sptr;

    static sptr make(const std::string& kind,
                     double js_db,
                     double signal_power = 1.0,
                     double sample_rate = 1.0,
                     double cw_offset = 0.0,
                     double band_low = 0.0,
                     double band_fraction = 0.25,
                     double duty = 0.1,
                     double period = 1e-3,
                     double sweep_low = 0.0,
                     double sweep_high = 0.0,
                     uint64_t seed = 1);

    virtual void set_js_db(double js_db) = 0;
    virtual double js_db() const = 0;
    //! The jammer's mean power now, signal_power x 10^(js_db / 10).
    virtual double jammer_power() const = 0;
};

} // namespace dualsat
} // namespace gr
