// SPDX-License-Identifier: GPL-3.0-or-later
//
// Decision-directed phase tracking over a pilotless data frame (CarrierRecovery: APSK
// frames, or QPSK / 8PSK without the blind estimator, with CarrierConfig::
// decision_directed): a second-order PLL (damping 0.707) on the error against the nearest
// point of the amplitude-scaled constellation, from the header's phase over the data.
// Every DVB-S2 constellation is invariant under the scrambling's 90-degree rotations, so
// decisions work on scrambled symbols. Its frequency integrator at the frame's end is the
// fine stage's residual.
#pragma once

#include <dualsat/mapping/constellation.h>
#include <dualsat/modcod/modcod.h>

#include <complex>
#include <memory>
#include <vector>

namespace dualsat {

class DecisionDirectedPll
{
public:
    // loop_bandwidth: B_L T, in (0, 0.1) (CarrierRecovery checks its configuration).
    explicit DecisionDirectedPll(double loop_bandwidth);

    // Tracks frame[90 .. length) after derotation by w rad/symbol (symbol i by w i),
    // starting from the phase theta0 (the header's); amplitude scales the constellation
    // for the decisions. Writes the phase used at each of those symbols to phase[i]; returns the
    // loop's frequency integrator at the end (rad/symbol).
    double track(const std::complex<float>* frame, int length, double w, double amplitude,
                 double theta0, const ModCod& mc, double* phase);

private:
    const Constellation& constellation(const ModCod& mc);

    double m_kp, m_ki;
    std::vector<std::unique_ptr<Constellation>> m_constellations; // by MODCOD number
};

} // namespace dualsat
