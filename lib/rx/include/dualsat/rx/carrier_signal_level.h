// SPDX-License-Identifier: GPL-3.0-or-later
//
// Amplitude, noise and Es/N0 of a frame from its known symbols once the carrier phase is
// known: with z = y e^{-j(w i + phi_i)} conj(ref) over the known segments, the amplitude
// A = mean Re(z), the noise variance N = mean |z - A|^2 and Es/N0 = A^2 / N. CarrierRecovery
// divides its output symbols by A (unit symbol energy for the gr-dtv-scaled
// constellations), so their noise variance is N / A^2.
#pragma once

#include <dualsat/rx/carrier_segments.h>

#include <complex>
#include <vector>

namespace dualsat {

struct SignalLevel {
    double amplitude = 0.0; // A
    double noise = 0.0;     // N, per complex symbol
    int count = 0;          // known symbols measured
    // 2 x mean (Re z - A)^2: the noise along the references only (all known symbols have
    // unit modulus), which phase noise faster than a segment does not reach to first order.
    double radial_noise = 0.0;
    // Segments measured: each has its own fitted phase (own_phase, or the trajectory through
    // the segments' phases), which takes half a degree of freedom off the noise and adds
    // N / (4 A) to each segment's |sum z| (the noise across the signal).
    int segments = 0;
    double noise_fit_count = 0.0; // what noise's sum of squares was divided by

    // A^2 / N (linear).
    double esn0() const;
    // Variance of 10 log10(esn0()) in dB^2 (large-sample): with n known symbols at Es/N0
    // rho, N is a chi-square mean over ~n complex samples, var(ln N) ~ 1/n, and A a mean of
    // n real parts with noise variance N/2 each, var(ln A^2) ~ 4 (N/2n) / A^2 = 2/(n rho);
    // the two are independent for Gaussian noise, so var(ln rho) ~ (1 + 2/rho) / n.
    // Infinite without symbols or a positive estimate.
    double esn0_variance_db2() const;
    // The Es/N0 reported for the link (ACM): below 10 dB esn0() without the phase fits'
    // bias (noise x n / (n - segments / 2), amplitude less segments N / (4 A n): together
    // +0.05 dB at any Es/N0 and +0.1 dB at -2 dB on short pilot frames, as bench_esn0's
    // kbias read), above 10 dB A^2 / radial_noise, where phase noise (the DVB-S2 mask's floor
    // at tens of Msym/s) would otherwise read as noise (-0.2 dB at 20 dB on dummy frames).
    // Only the report: the output scaling and the decisions keep amplitude and noise.
    double link_esn0() const;
    // Its variance: esn0_variance_db2(), or (2 + 2 / rho) / n for the radial noise (half
    // the samples).
    double link_esn0_variance_db2() const;
};

class SignalLevelEstimator
{
public:
    // derotated: z = y e^{-j w i} conj(ref) of the segments' symbols, segment after segment
    // (PilotPhaseEstimator::derotated()); symbol i is further derotated by phase[i].
    // own_phase: each segment measured at its own best phase (for a phase trajectory that
    // is not fitted to the known symbols, whose small error there would otherwise read as
    // noise; one real degree of freedom per segment is then taken off the noise's count).
    // Either way each segment's phase is taken as fitted to its own symbols (the
    // trajectory through the segments' measured phases): link_esn0() corrects for that.
    // `skip` (null, or one flag per segment): segments left out, e.g. blanked ones
    // (PilotPhaseEstimator::blank()), whose zeros would read as signal lost to noise.
    SignalLevel measure_derotated(const std::complex<float>* derotated, const double* phase,
                                  const std::vector<KnownSegment>& segments, bool own_phase,
                                  const std::vector<char>* skip = nullptr);

    // Exponential average of Es/N0 over frames (linear, weight 0.2 for the newest);
    // returns it.
    double smooth(double esn0);
    // The average so far, < 0 before the first frame.
    double smoothed() const { return m_smoothed; }

private:
    std::vector<std::complex<double>> m_z; // known symbols against their references
    double m_smoothed = -1.0;
};

} // namespace dualsat
