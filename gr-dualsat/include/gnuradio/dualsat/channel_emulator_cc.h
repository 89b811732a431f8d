// SPDX-License-Identifier: GPL-3.0-or-later
// Channel emulator block over dualsat::ChannelEmulator (tests and benches).
#pragma once

#include <gnuradio/block.h>
#include <gnuradio/dualsat/api.h>
#include <cstdint>

namespace gr {
namespace dualsat {

/*!
 * \brief AWGN at a set Es/N0, carrier frequency offset and drift, DVB-S2-style phase
 * noise, sample-clock offset and NaN injection, deterministic for a seed.
 * \ingroup dualsat
 *
 * Es/N0 convention: symbol_energy = mean |x|^2 * samples_per_symbol of the input (1 for
 * unit-energy symbols at 1 sample/symbol and for gr-dtv's 2x zero-stuffed output); the
 * complex noise variance per sample is symbol_energy / (Es/N0). Frequencies in Hz at
 * sample_rate (give sample_rate = 1 for cycles per sample). With a sample-clock offset the
 * output has (1 + ppm 1e-6) samples per input sample.
 */
class DUALSAT_API channel_emulator_cc : virtual public gr::block
{
public:
    typedef std::shared_ptr<channel_emulator_cc> sptr;

    static sptr make(double esn0_db,
                     double samples_per_symbol = 1.0,
                     double symbol_energy = 1.0,
                     double sample_rate = 1.0,
                     double frequency_offset = 0.0,
                     double frequency_drift = 0.0,
                     bool phase_noise = false,
                     double sample_clock_offset_ppm = 0.0,
                     double nan_probability = 0.0,
                     uint64_t seed = 1);

    virtual void set_esn0_db(double esn0_db) = 0;
    virtual void set_frequency_offset(double hz) = 0;
    virtual double noise_variance() const = 0;
    virtual uint64_t nans_injected() const = 0;
};

} // namespace dualsat
} // namespace gr
