// SPDX-License-Identifier: GPL-3.0-or-later
//
// Blind (non-data-aided) carrier estimation for QPSK and 8PSK frames. Every symbol of
// such a frame — header, data and the next SOF alike, scrambled or not — lies on the
// M-PSK grid (M = 4: pi/4 + k pi/2; M = 8: k pi/4; PL scrambling rotates by k pi/2), so
// u = |y|^2 e^{j M arg y} (sign-corrected so the grid maps to +1) is a tone at M times
// the carrier's residual frequency and phase plus noise (Viterbi & Viterbi's M-th power
// estimator, nonlinearity |y|^2). Sums of u over 4 symbols are
//   - in the coarse stage, Fourier transformed (zero-padded x2): the peak gives the
//     residual frequency over +-pi/(4M) rad/symbol (+-0.196 for QPSK, +-0.098 for 8PSK,
//     beyond any acquisition error) in one frame; at QPSK's lowest operating point
//     (-2.35 dB, ~0.0012 SNR per symbol after the nonlinearity) the peak of a normal
//     frame stands ~16 dB above the mean noise bin;
//   - then summed per 64 symbols after removing that frequency, smoothed over a sliding
//     span (long enough for a coherent SNR of span_snr, measured on the frame:
//     thousands of symbols near QPSK's threshold, a few windows at high Es/N0), their
//     phases unwrapped along the frame and divided by M:
//     the carrier phase at every 64 symbols up to a multiple of 2 pi / M, which the
//     PLHEADER's data-aided phase resolves. The next frame's SOF (known symbols) checks
//     the end of the frame: a disagreement of more than pi / M is a cycle slip.
// CarrierRecovery uses the phase trajectory for pilotless QPSK / 8PSK frames (the search
// is its coarse stage, the trajectory's slope the fine residual; a cycle slip is counted
// in CarrierEstimate::cycle_slip and answered by a new search), and the search alone on
// QPSK / 8PSK frames with pilots in the coarse stage (the pilot blocks leave the
// frequency ambiguous by multiples of 2 pi / 1476).
#pragma once

#include <dualsat/core/fft.h>
#include <dualsat/rx/carrier_segments.h>

#include <complex>
#include <memory>
#include <vector>

namespace dualsat {

class BlindPskEstimator
{
public:
    static constexpr int kBase = 4;    // symbols per sum of u for the frequency search
    static constexpr int kWindow = 64; // symbols per point of the phase trajectory
    // The search's peak must stand this far above the mean spectral power (noise alone:
    // the largest of ~16k exponential bins is ~10, above 20 with probability ~3e-5) before
    // the coarse stage trusts it.
    static constexpr double kPeakRatio = 20.0;
    // A fine-stage residual above this (rad/symbol) means the blind tracking has lost the
    // frequency: the next frame searches again. The unwrapping of 64-symbol windows holds
    // to ~pi / (8 * 64) = 6e-3 for 8PSK.
    static constexpr double kLostFrequency = 1e-3;

    // span_snr: the coherent SNR the smoothing span is chosen for (CarrierConfig::
    // blind_span_snr): M x phase error ~ 1 / sqrt(2 x span_snr).
    explicit BlindPskEstimator(double span_snr);

    // The 4-symbol sums of u over `total` symbols derotated by w rad/symbol (symbol i by
    // w i); order M = 4 (QPSK) or 8 (8PSK). False when the input has no energy.
    bool base_sums(const std::complex<float>* frame, int total, double w, int order);
    // The frequency of u (rad/symbol, M x the carrier's residual) from the last
    // base_sums' spectrum, and its peak / mean power ratio.
    double search(double* peak_ratio);

    struct Trajectory {
        double peak_ratio = 0.0; // of the search (0 when none ran)
        bool cycle_slip = false; // the next SOF disagreed with the trajectory by > pi / M
    };
    // Phase trajectory of `total` symbols (a frame and, if next_sof, the next SOF) relative
    // to the derotation by w, anchored on the header's data-aided phase; run_search: the
    // frequency search first (else the residual is taken as 0). next_sof: the next SOF's
    // data-aided phase, or null. False when the input has no energy.
    bool track(const std::complex<float>* frame, int total, double w, int order,
               bool run_search, const SegmentPhase& header, const SegmentPhase* next_sof,
               Trajectory* result);
    // The trajectory of the last track(): one phase per 64-symbol window at its centre.
    const std::vector<SegmentPhase>& phases() const { return m_phases; }

private:
    double m_span_snr;
    std::vector<std::complex<double>> m_base;   // sums of u over 4 symbols
    std::vector<std::complex<double>> m_window; // per 64 symbols, frequency removed
    std::vector<double> m_centre;               // centres of the windows
    std::vector<std::complex<double>> m_fft_buffer;
    std::vector<std::unique_ptr<Fft>> m_ffts;   // by size, made on first use
    std::vector<SegmentPhase> m_phases;
};

} // namespace dualsat
