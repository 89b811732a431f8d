// Carrier recovery of frame-aligned DVB-S2 PLFRAMEs at symbol rate: frequency tracking
// across frames, pilot-aided phase estimation with interpolation over the data,
// blind or decision-directed phase tracking for pilotless frames, decision-directed
// refinement of the data's phase, amplitude and Es/N0 per frame.
//
// Known symbols of a frame ("segments"): its PLHEADER (90, once the PLSC is decided), each
// pilot block (36, scrambled, §5.5.3), the whole payload of a dummy frame (in 90-symbol
// pieces) and the SOF of the next frame (26). On each segment z = y conj(ref) is a tone
// plus noise.
//
// Frequency, two stages:
//   coarse — Luise & Reggiannini inside each segment (lags 1..12, range +-2pi/13 rad/symbol
//     around a reference frequency), the lag correlations summed over segments AND frames
//     with the Fisher information of the summed segments, so the estimate sharpens with
//     every frame. Used until its predicted standard deviation is below
//     pi / (4 * 1476) rad/symbol (a quarter of the pilot-block ambiguity), then:
//   fine — the segment phases unwrapped along the frame (pilot blocks 1476 apart), the
//     least-squares slope gives the residual, applied with gain `fine_gain` per frame. A
//     residual above the ambiguity limit drops back to coarse.
//   Within a frame (either stage) the segment phases are unwrapped around the pilot-pair
//     estimate (consecutive pilot blocks' products summed over the frame); in the coarse
//     stage a QPSK frame picks the multiple of 2 pi / 1476 by its fourth-power spectrum.
//   A QPSK or 8PSK frame with pilots in the coarse stage first tries the blind frequency
//   search below (all its symbols are on the M-PSK grid): a clear peak gives the residual
//   outright, the pilot phases are unwrapped around it and the fine stage starts with the
//   next frame (near -2 dB the lag sums alone need ~30 frames).
//   Pilotless data frames have only the header and the next SOF (a frame length apart):
//   QPSK and 8PSK frames use the blind estimator below (its frequency search is the
//   coarse stage, its phase slope the fine residual); APSK frames take the fine residual
//   from the decision-directed loop's frequency integrator.
// Phase: per segment, linear interpolation between segment centres over the data (held
// before the first / after the last). For pilotless data frames with decision_directed a
// second-order decision-directed PLL (nearest constellation point; every DVB-S2
// constellation is invariant under the scrambling's 90-degree rotations, so decisions work
// on scrambled symbols) runs from the header phase over the data instead.
// Blind (non-data-aided) estimation for pilotless QPSK and 8PSK frames. Every symbol of
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
//     span (long enough for a coherent SNR of blind_span_snr, measured on the frame:
//     thousands of symbols near QPSK's threshold, a few windows at high Es/N0), their
//     phases unwrapped along the frame and divided by M:
//     the carrier phase at every 64 symbols up to a multiple of 2 pi / M, which the
//     PLHEADER's data-aided phase resolves. The next frame's SOF (known symbols) checks
//     the end of the frame: a disagreement of more than pi / M is a cycle slip, counted
//     (CarrierEstimate::cycle_slip) and answered by a new frequency search.
// The phase between window centres is interpolated linearly like the pilot phases, and
// the least-squares slope through them is the fine residual.
// Decision-directed refinement (dd_refine_passes, for 8PSK / 16APSK / 32APSK frames whose
// Es/N0 estimate clears dd_refine_threshold_db): the phase between pilots (or along the
// blind trajectory) is only an interpolation; the phase noise of a real LNB moves it by a
// good part of 32APSK's pi/16 sectors between pilot blocks. Each data symbol's phase
// error against its nearest point (ring by radius, angle modulo the ring's spacing; fast
// polynomial atan2) is averaged per 64 symbols, weighted by |z|^2, smoothed [1 2 1] and
// removed, twice. Measured (bench_receiver --part b --phase-noise, DVB-S2 mask at
// 10 Msym/s): 32APSK 4/5 then needs QEF + 1.5 dB instead of + 2; 16APSK 3/4 FER 0.09 ->
// 0 at QEF + 0.5. Cost ~5 ns per data symbol per pass.
// Amplitude A = mean Re(z e^-jphi) over the known symbols; noise variance
// N = mean |z e^-jphi - A|^2; Es/N0 = A^2 / N. The output symbols are divided by A (unit
// symbol energy for the gr-dtv-scaled constellations) and their noise variance is N / A^2.
#pragma once

#include <dualsat/mapping/constellation.h>
#include <dualsat/core/fft.h>
#include <dualsat/modcod/modcod.h>
#include <dualsat/rx/carrier_blind_psk.h>
#include <dualsat/rx/carrier_dd_pll.h>
#include <dualsat/rx/carrier_dd_refinement.h>
#include <dualsat/rx/carrier_lr_frequency.h>
#include <dualsat/rx/carrier_segments.h>
#include <dualsat/rx/carrier_signal_level.h>

#include <complex>
#include <cstdint>
#include <memory>
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
    // derotated, phase-corrected and divided by the amplitude (still scrambled) to out.
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
    // Residual frequency (rad/symbol, relative to w) among residual + k 2 pi / 1476 that
    // maximises the frame's fourth-power spectrum (QPSK frames only).
    double resolve_pilot_ambiguity_qpsk(const std::complex<float>* frame, int length, double w,
                                        double residual) const;

    CarrierConfig m_config;
    double m_freq = 0.0;
    bool m_fine = false;
    LrFrequencyEstimator m_coarse; // the coarse stage

    KnownSegments m_known;
    std::vector<double> m_phase;              // per-symbol phase of the frame
    BlindPskEstimator m_blind;
    DecisionDirectedPll m_dd_pll;
    DecisionDirectedRefiner m_refiner;
    SignalLevelEstimator m_level;
};

} // namespace dualsat
