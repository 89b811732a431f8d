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
 *
 * fast_noise: the lab channel of a real-time loopback (tens of MS/s): Gaussian noise from
 * a table and the carrier by a phasor recursion instead of a draw and a sincos per sample
 * (dualsat::ChannelConfig::fast_noise: right for a modem loopback, not for FER at 1e-6;
 * applies without phase noise, drift or NaN injection). set_signal_gain() scales the
 * signal before the noise (a transmit level), at no cost on that path.
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
                     uint64_t seed = 1,
                     bool fast_noise = false);

    virtual void set_esn0_db(double esn0_db) = 0;
    virtual void set_frequency_offset(double hz) = 0;
    //! Amplitude applied to the signal before the noise (>= 0; 1 = none): the noise keeps
    //! its power, so the effective Es/N0 moves by 20 log10(amplitude).
    virtual void set_signal_gain(double amplitude) = 0;
    virtual double noise_variance() const = 0;
    virtual uint64_t nans_injected() const = 0;
};

} // namespace dualsat
} // namespace gr
