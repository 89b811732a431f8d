// SPDX-License-Identifier: GPL-3.0-or-later
//
// Coarse carrier frequency across frames: Luise & Reggiannini inside each known segment
// (lags 1..12, range +-2pi/13 rad/symbol around a reference frequency), the lag
// correlations summed over segments AND frames with the Fisher information of the summed
// segments, so the estimate sharpens with every frame. CarrierRecovery uses it until its
// predicted standard deviation is below pi / (4 * 1476) rad/symbol (a quarter of the
// pilot-block ambiguity), then moves to the fine stage (CarrierPilotPhase's slope).
#pragma once

#include <dualsat/rx/carrier_segments.h>

#include <complex>
#include <vector>

namespace dualsat {

// One frame's lag correlations sum_k z[k + m] conj(z[k]), m = 1..kLags, over its segments.
struct LrLagSums {
    static constexpr int kLags = 12;
    std::complex<double> sum[kLags + 1] = {};
    int count[kLags + 1] = {};

    // A segment's z = y conj(ref) (derotated by the frequency the estimate refers to).
    void add_segment(const std::complex<float>* z, int n);
};

class LrFrequencyEstimator
{
public:
    static constexpr int kLags = LrLagSums::kLags;

    // Evidence cleared; lag sums from now on are referred to `reference_frequency`.
    void reset(double reference_frequency);
    // Predicted standard deviation of the estimate, rad/symbol (+inf without evidence).
    double sigma() const;
    // The residual (rad/symbol, relative to w) the evidence so far plus this frame's lags
    // (taken after derotation by w) predict; 0 when there is none.
    double predict_residual(const LrLagSums& frame, double w) const;
    // Folds in a frame whose lags were taken after derotation by w, weighted by its
    // Es/N0 (linear) as esn0 / (1 + esn0), and the Fisher information of its segments;
    // returns the new estimate, rad/symbol (absolute).
    double update(const LrLagSums& frame, double w, double esn0,
                  const std::vector<KnownSegment>& segments);

private:
    double m_ref_freq = 0.0;
    std::complex<double> m_acc[kLags + 1] = {};
    double m_count[kLags + 1] = {};
    double m_fisher = 0.0;
};

} // namespace dualsat
