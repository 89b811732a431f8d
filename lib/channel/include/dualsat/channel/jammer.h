// SPDX-License-Identifier: GPL-3.0-or-later
// Jammers for the anti-jam bench and tests: added to a signal at a jammer-to-signal power
// ratio J/S (total jammer power over the signal's mean power, both over the whole sample
// band), deterministic for a seed. Kinds (the classic set of the anti-jam literature,
// e.g. Poisel, "Modern Communications Jamming Principles and Techniques"):
//   cw          a tone at cw_offset_hz (0: on the carrier);
//   broadband   white Gaussian noise over the whole sample band;
//   partial     Gaussian noise over a fraction rho of the band, [band_low_hz,
//               band_low_hz + rho * fs) (relative to the band centre; the band is
//               [-fs/2, fs/2)): J/S is the total power, so the density in the jammed part
//               is 1/rho higher than broadband noise of the same J/S;
//   pulsed      broadband noise on for duty of each period_s (J/S is the average power:
//               the peak is 1/duty higher);
//   swept       a tone sweeping linearly from sweep_low_hz to sweep_high_hz every period_s.
// Time is the sample index divided by sample_rate_hz, from 0 at construction.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace dualsat {

enum class JammerKind { Cw, Broadband, PartialBand, Pulsed, Swept };

struct JammerConfig {
    JammerKind kind = JammerKind::Broadband;
    double js_db = 0.0;          // J/S, dB
    double signal_power = 1.0;   // the signal's mean |x|^2 the J/S refers to
    double sample_rate_hz = 1.0;
    double cw_offset_hz = 0.0;
    double band_low_hz = 0.0;    // partial: lower edge of the jammed part
    double band_fraction = 0.25; // partial: rho, (0, 1]
    double duty = 0.1;           // pulsed: (0, 1]
    double period_s = 1e-3;      // pulsed / swept
    double sweep_low_hz = 0.0, sweep_high_hz = 0.0; // swept
    uint64_t seed = 1;
};

// "cw", "broadband", "partial", "pulsed", "swept"; ConfigError otherwise.
JammerKind parse_jammer_kind(const std::string& name);
const char* to_string(JammerKind kind);

class Jammer
{
public:
    explicit Jammer(const JammerConfig& config); // ConfigError for an impossible setting
    ~Jammer();
    Jammer(const Jammer&) = delete;
    Jammer& operator=(const Jammer&) = delete;

    // Adds the jammer to x[0..n).
    void add(std::complex<float>* x, size_t n);
    // The jammer's mean power (J = S x 10^(J/S / 10)).
    double power() const { return m_power; }
    const JammerConfig& config() const { return m_cfg; }

private:
    struct State;
    JammerConfig m_cfg;
    double m_power;
    std::unique_ptr<State> m_state;
};

} // namespace dualsat
