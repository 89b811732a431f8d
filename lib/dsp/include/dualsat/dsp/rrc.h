// SPDX-License-Identifier: GPL-3.0-or-later
// Root-raised-cosine (RRC) pulse design for the DVB-S2 transmit shaping and the receive
// matched filter. EN 302 307-1 §5.6 fixes the square-root raised-cosine shaping with
// roll-off 0.35, 0.25 or 0.20; any roll-off in (0, 1] is accepted here.
//
// Time is in symbols (T = 1). The closed form (written out in rrc.cc) is the unit-energy
// pulse p(t): ∫p² dt = 1, and p ⊛ p is the raised cosine with value 1 at t = 0 and 0 at
// every other integer t (Nyquist: no ISI).
//
// Normalisation of the sampled taps h[n] = c · p((n - D) / sps), D = (ntaps - 1) / 2:
//  - TxUnitPower (transmitter): Σh² = sps. Then the interpolated output
//    x[m] = Σ_k a_k h[m - k·sps] has mean sample power E|a|² (for uncorrelated symbols):
//    a unit-power constellation comes out at unit average power per sample, at any sps.
//    Since p is also unit-area, each of the sps polyphase branches then has DC gain ≈ 1.
//  - RxMatched (receiver): h_rx = h_tx / sps, so Σ h_tx·h_rx = 1. The cascade
//    TX ⊛ RX has peak 1 at the symbol instant: the matched-filter output at the symbol
//    instants equals the transmitted symbol. Its DC gain is ≈ 1 and its noise gain Σh² is
//    1/sps (the matched-filter SNR gain: Es/N0 at the symbol instants).
//  - UnitEnergy: Σh² = 1 (for other uses; e.g. correlators).
// The constant c is computed from the sampled, truncated taps, so the statements above are
// exact for the taps used, not only for the continuous pulse.
#pragma once

#include <vector>

namespace dualsat {

enum class RrcNormalization { TxUnitPower, RxMatched, UnitEnergy };

// Continuous unit-energy RRC pulse at time t (in symbols), roll-off beta in (0, 1].
// Handles the removable singularities at t = 0 and |t| = 1/(4·beta) exactly.
double rrc_pulse(double t, double beta);

// Continuous raised-cosine pulse (the Nyquist pulse rrc ⊛ rrc): value 1 at t = 0, zero at
// other integers. Handles |t| = 1/(2·beta). Used as the reference for tests.
double raised_cosine_pulse(double t, double beta);

// Number of taps for a span in symbols: span·sps + 1, plus one more if that is even, so the
// filter is symmetric about an integer centre tap (group delay (ntaps - 1) / 2 samples).
int rrc_num_taps(int sps, int span_symbols);

// Sampled, truncated RRC taps. beta in (0, 1], sps >= 2, span_symbols >= 2; otherwise
// ConfigError. Truncation uses a rectangular window (the span is the design knob; 16
// symbols or more keeps ISI and out-of-band leakage below -40 dB, see the tests).
std::vector<float> rrc_taps(double beta,
                            int sps,
                            int span_symbols,
                            RrcNormalization norm = RrcNormalization::TxUnitPower);

} // namespace dualsat
