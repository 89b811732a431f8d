// SPDX-License-Identifier: GPL-3.0-or-later
//
// Data-aided carrier phase of a frame from its known segments (KnownSegments): per
// segment the phase of sum z (z = y e^{-j w i} conj(ref)) at its centre; the phases
// unwrapped along the frame around a predicted residual frequency, refined first by the
// pilot-pair estimate (consecutive pilot blocks' products summed over the frame); the
// least-squares slope through them (the fine stage's residual frequency); the phase per
// symbol interpolated linearly between segment centres over the data (held before the
// first / after the last) and removed. The blind estimator's trajectory (BlindPskEstimator)
// is interpolated, fitted and removed by the same functions.
#pragma once

#include <dualsat/rx/carrier_lr_frequency.h>
#include <dualsat/rx/carrier_segments.h>

#include <complex>
#include <vector>

namespace dualsat {

class PilotPhaseEstimator
{
public:
    // Segment phases and sums of `frame` derotated by w rad/symbol (symbol i by w i); the
    // segments' L&R lag correlations are added to *lags (null: not wanted, e.g. once the
    // coarse frequency stage, their only user, is over). False when a segment's sum is
    // not finite (NaN / inf input); the phases are then meaningless.
    // A segment whose correlation magnitude per symbol is below a quarter of the frame's
    // median is blank (its samples were blanked: e.g. a jammed hop dwell erased to zeros):
    // its phase, the argument of a near-zero sum, says nothing, so it gets weight 0 and,
    // after unwrap(), the phase interpolated between its valid neighbours.
    bool measure(const std::complex<float>* frame, double w,
                 const std::vector<KnownSegment>& segments, LrLagSums* lags);
    const std::vector<SegmentPhase>& phases() const { return m_phases; }
    // The last measure()'s z = y e^{-j w i} conj(ref) of every known symbol, segment after
    // segment (segment s at the sum of the earlier segments' lengths): what the level
    // estimator measures, derotated once for both.
    const std::vector<std::complex<float>>& derotated() const { return m_z; }

    // The pilot-pair estimate of the residual frequency around *residual (rad/symbol): the
    // products of consecutive pilot-block sums (all exactly 1476 symbols apart, §5.5.3)
    // summed over the frame give the phase advance per pilot period modulo 2 pi; of its
    // values the one nearest *residual replaces it. False (unchanged) with fewer than two
    // pairs. `segments` as given to measure().
    bool pilot_pair_residual(const std::vector<KnownSegment>& segments, double* residual) const;
    // Unwraps the segment phases along the frame around a residual frequency (rad/symbol).
    void unwrap(double residual);

    // Among residual + k 2 pi / 1476 (|k| <= 8, within ~3 coarse_sigma), the residual
    // (relative to w) that maximises the fourth-power spectrum of a QPSK frame.
    static double resolve_pilot_ambiguity_qpsk(const std::complex<float>* frame, int length,
                                               double w, double residual, double coarse_sigma);

    size_t blank_segments() const { return m_blank_count; }
    // One flag per segment of the last measure(): blank (see above).
    const std::vector<char>& blank() const { return m_blank; }

private:
    void fill_blanks(); // blank phases linear between valid neighbours (held at the ends)

    std::vector<SegmentPhase> m_phases;
    std::vector<std::complex<double>> m_sums;
    std::vector<char> m_blank;
    std::vector<double> m_scratch;
    std::vector<std::complex<float>> m_z;          // see derotated()
    std::vector<std::complex<float>> m_step_table; // e^{-j w k}, k < the longest segment
    size_t m_blank_count = 0;
};

// Weighted least-squares line through phases (non-empty): slope (rad/symbol) and the rms
// of the phases around it (0 for a single phase).
struct PhaseLine {
    double slope = 0.0;
    double rms_residual = 0.0;
};
PhaseLine fit_phase_line(const std::vector<SegmentPhase>& phases);

// Phase of symbols 0..total-1: linear between the centres of `phases` (non-empty, in
// increasing centre order), held before the first and after the last.
void interpolate_phase(const std::vector<SegmentPhase>& phases, int total, double* phase);

// out[i] = frame[i] gain e^{-j(w i + phase(i))}, i < length, with phase(i) as
// interpolate_phase's (a phasor recursion per linear piece instead of a sincos per symbol).
void derotate_piecewise(const std::complex<float>* frame, int length, double w, double gain,
                        const std::vector<SegmentPhase>& phases, std::complex<float>* out);

} // namespace dualsat
