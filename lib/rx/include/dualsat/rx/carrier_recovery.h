// SPDX-License-Identifier: GPL-3.0-or-later
// Carrier recovery of frame-aligned DVB-S2 PLFRAMEs at symbol rate: frequency tracking
// across frames, pilot-aided phase estimation with interpolation over the data,
// blind or decision-directed phase tracking for pilotless frames, decision-directed
// refinement of the data's phase, amplitude and Es/N0 per frame. CarrierRecovery composes
// the estimators below and decides which of them a frame uses; each header says how its
// estimator works:
//   KnownSegments (carrier_segments.h): the frame's known symbols ("segments": the
//     PLHEADER, each pilot block, 36 symbols of each slot of a dummy frame, the next
//     SOF). On each segment z = y conj(ref) is a tone plus noise.
//   LrFrequencyEstimator (carrier_lr_frequency.h): Luise & Reggiannini lag correlations
//     summed over segments and frames, Fisher-weighted: the coarse frequency and its
//     predicted standard deviation.
//   PilotPhaseEstimator (carrier_pilot_phase.h): segment phases, unwrapped around the
//     pilot-pair estimate; their least-squares slope (the fine residual); the phase
//     interpolated linearly over the data and removed.
//   BlindPskEstimator (carrier_blind_psk.h): Viterbi & Viterbi M-th power frequency search
//     and phase trajectory for QPSK / 8PSK, with the next SOF's cycle-slip check.
//   DecisionDirectedPll (carrier_dd_pll.h): pilotless data frames the blind estimator
//     does not cover.
//   DecisionDirectedRefiner (carrier_dd_refinement.h): the data's phase between the known
//     symbols, from decisions, for 8PSK / 16APSK / 32APSK at high enough Es/N0.
//   SignalLevelEstimator (carrier_signal_level.h): amplitude, noise, Es/N0.
//
// Frequency, two stages:
//   coarse — the L&R estimate (LrFrequencyEstimator), sharpening with every frame. Used
//     until its predicted standard deviation is below pi / (4 * 1476) rad/symbol (a
//     quarter of the pilot-block ambiguity), then:
//   fine — the segment phases unwrapped along the frame (pilot blocks 1476 apart), the
//     least-squares slope gives the residual, applied with gain `fine_gain` per frame. A
//     residual above the ambiguity limit drops back to coarse.
//   Within a frame (either stage) the segment phases are unwrapped around the pilot-pair
//     estimate (consecutive pilot blocks' products summed over the frame); in the coarse
//     stage a QPSK frame picks the multiple of 2 pi / 1476 by its fourth-power spectrum.
//   A QPSK or 8PSK frame with pilots in the coarse stage first tries the blind frequency
//     search (all its symbols are on the M-PSK grid): a clear peak gives the residual
//     outright, the pilot phases are unwrapped around it and the fine stage starts with the
//     next frame (near -2 dB the lag sums alone need ~30 frames).
//   Pilotless data frames have only the header and the next SOF (a frame length apart):
//     QPSK and 8PSK frames use the blind estimator (its frequency search is the coarse
//     stage, its phase slope the fine residual; a cycle slip or a residual above 1e-3
//     rad/symbol searches again on the next frame); APSK frames take the fine residual
//     from the decision-directed loop's frequency integrator.
// Phase: per segment, linear interpolation between segment centres over the data (held
// before the first / after the last); for pilotless QPSK / 8PSK the blind trajectory's
// points (every 64 symbols) instead of the segments. For pilotless data frames without
// the blind estimator and with decision_directed, the DD PLL runs from the header phase
// over the data instead. Then, for 8PSK / 16APSK / 32APSK frames whose Es/N0 estimate
// clears dd_refine_threshold_db, dd_refine_passes of decision-directed refinement.
// Amplitude and noise from the known symbols at the final phase (with the blind trajectory
// each segment at its own best phase); the output symbols are divided by the amplitude
// (unit symbol energy for the gr-dtv-scaled constellations) and their noise variance is
// N / A^2.
#pragma once

#include <dualsat/modcod/modcod.h>
#include <dualsat/rx/carrier_blind_psk.h>
#include <dualsat/rx/carrier_dd_pll.h>
#include <dualsat/rx/carrier_dd_refinement.h>
#include <dualsat/rx/carrier_lr_frequency.h>
#include <dualsat/rx/carrier_pilot_phase.h>
#include <dualsat/rx/carrier_segments.h>
#include <dualsat/rx/carrier_signal_level.h>

#include <complex>
#include <cstdint>
#include <vector>

namespace dualsat {

struct CarrierConfig {
    bool decision_directed = true; // DD phase tracking over pilotless data frames
    double dd_loop_bandwidth = 2e-3; // B_L T of the DD PLL (damping 0.707)
    double fine_gain = 0.5;        // fraction of the per-frame fine residual applied
    bool blind_psk = true;         // blind M-th power estimation on pilotless QPSK / 8PSK
    // Coherent SNR the blind estimator's smoothing span is chosen for (per frame, from the
    // measured SNR of its 64-symbol windows): M x phase error ~ 1 / sqrt(2 x this).
    double blind_span_snr = 12.0;
    // Decision-directed refinement passes over the data between the known symbols (0 = off).
    int dd_refine_passes = 2;
};

// Es/N0 (dB) from which a frame's data are refined by decisions: where the per-symbol
// phase error is well inside half a sector of the constellation's outer ring.
inline float dd_refine_threshold_db(Modulation m)
{
    switch (m) {
    case Modulation::QPSK: return 1e9f; // never: QPSK's quarter-turn sectors tolerate it
    case Modulation::PSK8: return 10.0f;
    case Modulation::APSK16: return 9.0f;
    case Modulation::APSK32: return 12.0f;
    }
    return 1e9f;
}

struct CarrierEstimate {
    double frequency = 0.0;        // rad/symbol used to derotate this frame
    double residual_frequency = 0.0; // measured on this frame (fine stage) or coarse update
    bool fine = false;             // frequency tracking was in the fine stage for this frame
    double phase_start = 0.0;      // carrier phase at the frame's first symbol, rad
    double phase_rms_residual = 0.0; // rms of segment phases around the linear fit, rad
    float amplitude = 0.0f;        // A
    float noise_variance = 1.0f;   // of the output (scaled) symbols: N / A^2
    float esn0_db = 0.0f;          // this frame's estimate
    float esn0_var_db2 = 0.0f;     // its variance (dB^2), from the known symbols' count
    float esn0_db_smoothed = 0.0f; // exponential average over frames (in linear)
    int known_symbols = 0;         // symbols the estimate used
    bool used_decision_directed = false;
    bool used_blind = false;       // the blind M-th power estimator gave the phase
    double blind_peak_ratio = 0.0; // its frequency search: peak / mean spectral power
    bool cycle_slip = false;       // blind phase disagreed with the next SOF by > pi / M
    bool refined = false;          // the decision-directed refinement ran on the data
};

class CarrierRecovery
{
public:
    explicit CarrierRecovery(const CarrierConfig& config = {});

    // One frame. `frame` holds `length` + 26 symbols (the frame and the next SOF; with
    // next_sof == nullptr only `length` are read). header_ref: the 90 PLHEADER symbols of
    // the decided PLSC. rn: the frame's `length` - 90 scrambling values (R in 0..3).
    // `format` describes a data frame (ignored when dummy). Writes `length` symbols,
    // derotated, phase-corrected and divided by the amplitude (still scrambled) to out;
    // out == nullptr: the estimates and tracking only (a dummy frame nobody reads).
    // Non-finite estimates (all-zero input, say) leave the state unchanged and give
    // amplitude 0 / noise variance +inf.
    void process(const std::complex<float>* frame, int length, bool dummy,
                 const FrameFormat& format, const std::complex<float>* header_ref,
                 const uint8_t* rn, const std::complex<float>* next_sof,
                 std::complex<float>* out, CarrierEstimate* estimate);

    // Starts from a frequency (e.g. the frame synchroniser's acquisition estimate): coarse
    // stage, evidence cleared.
    void reset(double frequency_rad_per_symbol);
    double frequency() const { return m_freq; }
    bool fine() const { return m_fine; }
    // Predicted standard deviation of the coarse estimate, rad/symbol.
    double coarse_sigma() const;

private:
    // What one frame measured, for the frequency update.
    struct FrameEvidence {
        double w = 0.0;            // frequency the frame was derotated by, rad/symbol
        double slope = 0.0;        // least-squares slope of its phase trajectory
        double esn0 = 0.0;         // its Es/N0 estimate, linear
        bool searched = false;     // a pilot frame's residual came from the blind search
        bool blind = false;        // the blind trajectory gave the phase
        bool decision_directed = false; // the DD PLL gave the phase
        double dd_frequency = 0.0; // the DD PLL's frequency integrator at the frame's end
        bool pilots_or_dummy = false;
    };
    // The residual frequency (relative to w) the segment phases are unwrapped around: the
    // blind search's (coarse stage, QPSK / 8PSK with pilots; *searched), else the coarse
    // stage's prediction (0 in the fine stage) refined by the pilot pairs.
    double unwrap_residual(const std::complex<float>* frame, int length, bool dummy,
                           const FrameFormat& format, int pilot_blocks, double w,
                           const LrLagSums& lags, CarrierEstimate* est, bool* searched);
    // The frequency for the next frame, and est->residual_frequency.
    void update_frequency(const FrameEvidence& evidence, const LrLagSums& lags,
                          CarrierEstimate* est);

    CarrierConfig m_config;
    double m_freq = 0.0;
    bool m_fine = false;
    LrFrequencyEstimator m_coarse; // the coarse stage

    KnownSegments m_known;
    std::vector<double> m_phase;              // per-symbol phase of the frame
    PilotPhaseEstimator m_pilot;
    BlindPskEstimator m_blind;
    DecisionDirectedPll m_dd_pll;
    DecisionDirectedRefiner m_refiner;
    SignalLevelEstimator m_level;
};

} // namespace dualsat
