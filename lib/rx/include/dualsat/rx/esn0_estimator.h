// SPDX-License-Identifier: GPL-3.0-or-later
// Es/N0 of a frame from its payload, to refine the estimate from the known symbols
// (PLHEADER + pilots, carrier_signal_level.h) that ACM is driven by. A pilotless frame has
// only its 90 header symbols known: ~0.8 dB standard deviation per frame at 0 dB. The
// payload has thousands of symbols, measured one of two ways:
//
//   data_aided_esn0()     the transmitted symbols are known: after the FEC decoded the
//                         frame, its codeword re-encoded and re-mapped gives every payload
//                         symbol ("codeword-aided"). A = sum Re(y s*) / sum |s|^2,
//                         N = mean |y - A s|^2, Es/N0 = A^2 Es / N with Es the
//                         constellation's average energy. The phase is re-fitted per block
//                         of symbols: the carrier recovery's residual phase error between
//                         pilots (phase noise, interpolation) is no channel noise but would
//                         read as such (A^2 sigma_phi^2 against N). Above 10 dB the noise is
//                         measured along each symbol only (radial), which phase noise faster
//                         than a block does not reach to first order.
//   BlindEsn0Estimator    the frame did not decode: the non-data-aided maximum-likelihood
//                         estimate of (A, N) with the symbols unknown, equiprobable over the
//                         constellation (a Gaussian mixture). Unlike the moment (M2M4)
//                         estimator it uses the APSK rings and the phase, so it stays usable
//                         for 16/32APSK at high Es/N0; unlike decisions it is not biased at low
//                         Es/N0 by wrong decisions. Solved by scoring steps (BHHH: the outer
//                         product of the per-symbol scores as the information), with an EM
//                         step whenever a scoring step would not increase the likelihood.
//                         Above 10 dB the noise is then re-measured along the symbols only
//                         (posterior-weighted), as in the data-aided estimate.
//   BlindEsn0Estimator::estimate_rings()
//                         the same on the symbols' moduli only (a mixture of Rician
//                         densities, one per ring): blind to the carrier phase, so it holds
//                         where the receiver's carrier does not (pilotless frames, which are
//                         the ones it is used for when they do not decode).
//
// Each measurement carries its variance in dB^2, so that estimates combine by inverse
// variance (combine_esn0()) and the ACM can weigh them:
//   data-aided: the large-sample (1 + 2 / rho) / n_eff in neper^2 (see SignalLevel), n_eff
//     = n less half a degree of freedom per fitted phase and amplitude; with the radial
//     noise (half the samples) (2 + 2 / rho) / n;
//   blind: the inverse of the observed information (outer product of the scores) at the
//     maximum, mapped to ln(A^2 / N) — it grows as the symbols' uncertainty removes
//     information (low Es/N0, dense constellations) and so stays honest where the
//     estimate is poor; with the radial noise its noise term scaled as the data-aided one.
//
// Why these: on 3000 synthetic symbols + AWGN, the moment estimator M2M4 had a standard
// deviation of 0.99 dB for QPSK at -3 dB (the blind ML 0.47) and is unusable for 32APSK
// (6.9 dB at -3 dB, 28 dB at 20 dB: the rings' kurtosis is close to the noise's), and hard
// decisions read QPSK 5.7 dB high at -3 dB and 32APSK 3.6 dB high at 10 dB. Through the
// whole chain (bench_esn0: TX, channel emulator with CFO, 100 ppm SCO, DVB-S2 phase noise,
// receiver), the combined estimate's bias is -0.02..-0.06 dB from 1 to 20 dB. (It read
// -0.1 dB, and -0.2..-0.28 dB at 19-20 dB, the known symbols and dummy frames the same,
// until the emulator's cubic sample-clock interpolator was found to take that much signal:
// 0.077 dB attenuation and -37 dB distortion at 2.37 samples/symbol; channel_emulator.h.)
// Pilotless frames that do not decode use the moduli-only fit: their carrier may be lost
// (QPSK 1/2 at -3 dB, 8PSK 3/5 below 5 dB), which read the phase-aware fit 0.5-5 dB low;
// the moduli-only fit also has a lower spread than the phase-aware one on pilotless 32APSK
// (0.16 against 0.24 dB at 13 dB, short frames: the decision-directed carrier's phase
// error reads as noise to the phase-aware fit).
#pragma once

#include <complex>
#include <cstddef>
#include <limits>
#include <vector>

namespace dualsat {

struct Esn0Measurement {
    double esn0_db = -std::numeric_limits<double>::infinity();
    double var_db2 = std::numeric_limits<double>::infinity(); // variance of esn0_db
    int symbols = 0;                                          // symbols it was measured on
    bool valid() const;
};

// Inverse-variance combination of two independent measurements (in dB); an invalid one
// is ignored, two invalid give an invalid one.
Esn0Measurement combine_esn0(const Esn0Measurement& a, const Esn0Measurement& b);

// Variance of 10 log10(rho) (dB^2) for a data-aided estimate over n_eff symbols at rho
// (linear): (10 / ln 10)^2 (1 + 2 / rho) / n_eff.
double data_aided_esn0_variance_db2(double rho, double n_eff);

// Data-aided estimate of y against the known transmitted symbols ref (n each).
// symbol_energy: the Es the estimate is referred to (the constellation's average energy).
// phase_block > 0: the phase is re-fitted per block of that many symbols (when a block's
// coherent SNR allows), and above 10 dB the noise is measured along the symbols only. Non-finite y (erased symbols) are skipped. Invalid when nothing is left or
// the estimate is not positive.
Esn0Measurement data_aided_esn0(const std::complex<float>* y, const std::complex<float>* ref,
                                size_t n, double symbol_energy, int phase_block);

struct BlindEsn0Options {
    // At most this many payload symbols, evenly spread over the frame, and at most
    // max_point_evaluations / (constellation points) of them: the work is symbols x points
    // x iterations (~6). 8192 QPSK / 8PSK symbols, 4096 16APSK, 2048 32APSK: ~2 ms per
    // failed normal frame on one core, against ~1.5-2.5 ms for its 50 LDPC iterations
    // (bench_esn0 --cost); 2048 32APSK symbols give ~0.3 dB per frame at 10 dB.
    // estimate_rings() counts a ring as 4 points (a Bessel-function pair and an exp each):
    // 8192 QPSK / 8PSK / 16APSK symbols, 5461 32APSK; ~0.5-1.6 ms per failed normal frame.
    size_t max_symbols = 8192;
    size_t max_point_evaluations = 65536;
    int max_iterations = 40;
};

class BlindEsn0Estimator
{
public:
    static constexpr int kMaxRings = 8;

    explicit BlindEsn0Estimator(const BlindEsn0Options& options = {});

    // y: n payload symbols, phase-corrected; points: the m constellation points (m <= 32);
    // symbol_energy: their average energy. a0, n0: starting amplitude and noise variance
    // (e.g. 1 and the frame's noise variance from its known symbols). Invalid (variance
    // +inf) when the likelihood has no usable maximum (too few symbols, no convergence).
    Esn0Measurement estimate(const std::complex<float>* y, size_t n,
                             const std::complex<float>* points, int m, double symbol_energy,
                             double a0, double n0);

    // The same maximum-likelihood fit on the symbols' moduli only (carrier phase unknown,
    // uniform per symbol): |y| given ring j is Rician, p(r) = (2 r / N) exp(-(r^2 + A^2
    // c_j^2) / N) I0(2 A c_j r / N), mixed over the rings with their shares. Any carrier
    // phase or frequency error leaves it unchanged: for frames whose carrier the receiver
    // may not hold (pilotless, below the blind phase tracker's threshold, where the
    // phase-aware fit read pilotless 8PSK 3/5 2-5 dB low at 0-3 dB), and at high Es/N0 it
    // measures the radial noise only (phase noise is tangential). radii: the ring radii
    // (innermost first), shares: the fraction of points on each (summing to 1), rings <=
    // kMaxRings;
    // symbol_energy = sum shares c_j^2. a0, n0 as estimate(); the start is the moment
    // (M2M4) estimate where it has one.
    Esn0Measurement estimate_rings(const std::complex<float>* y, size_t n, const double* radii,
                                   const double* shares, int rings, double symbol_energy,
                                   double a0, double n0);

    // Iterations the last estimate() or estimate_rings() took.
    int iterations() const { return m_iterations; }

private:
    // One pass at (a, n0): the log-likelihood (up to a constant), the total score, the
    // outer-product information and the EM update.
    struct Pass {
        double loglik = 0.0;
        double score_a = 0.0, score_n = 0.0;
        double jaa = 0.0, jan = 0.0, jnn = 0.0;
        double em_a = 0.0, em_n = 0.0;
    };
    Pass pass(const std::complex<double>* points, const double* energy, int m, double a,
              double n0) const;
    // Noise variance measured along the symbols only (radial), posterior-weighted at (a, n0).
    double radial_pass(const std::complex<double>* points, const double* energy, int m,
                       double a, double n0) const;
    // pass() for estimate_rings(): the symbols' moduli in m_r.
    Pass ring_pass(const double* radii, const double* log_shares, int rings, double a,
                   double n0) const;
    // The scoring / EM iteration from (a, n0) with pass_at(a, n) giving a Pass; false when
    // it has no usable maximum. On success a, n0 and last hold the maximum and its pass.
    template <typename PassAt>
    bool maximise(PassAt pass_at, double& a, double& n0, Pass& last);

    BlindEsn0Options m_options;
    std::vector<std::complex<double>> m_y; // the (subsampled, finite) symbols
    std::vector<double> m_r;               // estimate_rings(): their moduli
    int m_iterations = 0;
};

} // namespace dualsat
