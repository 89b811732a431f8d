// SPDX-License-Identifier: GPL-3.0-or-later
// Keyed direct-sequence spreading, receive side: complex samples at samples_per_chip in,
// one despread complex sample per PL symbol out (1 sample/symbol, what SymbolReceiver
// takes: frame sync, carrier recovery and FEC run on it unchanged; DsssLinkReceiver
// composes them).
//
//   samples -> NaN/inf replaced by 0 (counted) -> RRC matched filter, decimated to 2
//   samples per chip (lib/dsp MatchedFilter) -> [searching] acquisition | [locked]
//   tracking + despreading
//
// Time base. The receiver is told which symbol index starts at input sample 0
// (first_symbol_index: 0 for a loopback or a file that starts with the transmission, or the
// symbol counter the sample counter maps to) and how far the real start may be off that
// (code_window_chips, either way). Nominally chip 0 of symbol s peaks at matched-filter
// output n_nom(s) = 2 ((s - first) SF + delay), delay = the transmitter's and the matched
// filter's group delays (span_chips / 2 each, DsssSpreader::delay_chips()).
//
// Acquisition (as GNSS receivers acquire at negative chip SNR): a parallel code-phase
// search by FFT over the code-phase window and over frequency bins covering +-max_cfo.
// For each of M = acquisition_symbols consecutive symbols s, the matched-filter samples
// from n_nom(s) - 2W (W = code_window_chips, in half-chip steps) are correlated with the
// chips of symbol s (zero-stuffed to 2 samples per chip, L = 2 SF samples) for every lag in
// [0, 4W] at once: IFFT(X_shifted · conj(R)) with X, R the N-point FFTs (N the power of two
// >= L + 4W + 1, lib/core Fft). A frequency hypothesis k/N cycles/sample is a circular
// shift of X by k bins (exactly the derotation of the segment by e^{-j 2 pi k n / N}),
// so one forward FFT per symbol serves every bin; bins are spaced at most
// `frequency_step` / L cycles/sample (a whole number of FFT bins) (coherent loss at the worst offset between bins: sinc(step / 2)^2, 0.9 dB
// at 0.5). The data symbol is constant over its SF chips, so each symbol is summed
// coherently, and the M symbols non-coherently (|.|^2): the data modulation and the carrier
// phase change from symbol to symbol.
//   Detection threshold (constant false-alarm rate): on noise alone each cell's |.|^2 is
//   exponential, the sum of M independent ones Gamma(M, theta). theta is estimated from
//   the median of all cells (the signal occupies a handful of the thousands of cells; the
//   median of Gamma(M, theta) is theta (M - 1/3) to within 1 % for M >= 2), and the
//   threshold is theta times the Gamma(M) quantile at 1 - Pfa / cells (Wilson-Hilferty
//   approximation of the chi-square quantile), so a whole search (all cells together)
//   false-alarms with probability <= false_alarm_probability whatever the noise level.
//   The strongest cell above the threshold gives the code phase (parabolic refinement
//   between half-chip lags) and the frequency bin. A search without detection moves on by M
//   symbols.
//
// Tracking, per symbol of SF chips at the fractional position p (matched-filter samples):
//   samples derotated by the carrier NCO, cubic (Lagrange) interpolation at p + 2c + mu,
//   prompt P = sum_c conj(chip_c) y(p + 2c), early / late at -+1/2 chip, and a decoy
//   correlation with the previous symbol's chips (independent of this symbol's: it measures
//   noise plus 1/SF of the signal).
//   - chip timing: non-coherent early-late DLL, per block of track_block_symbols:
//     e = (sum|L|^2 - sum|E|^2) / (sum|P|^2 - sum|D|^2) divided by the S-curve slope of the
//     RRC pair (the decoy power removes the noise from the denominator);
//   - carrier frequency: the two half-symbol despreads P1, P2 carry the same data symbol,
//     so arg(sum conj(P1) P2) / (2 pi SF) is the residual frequency (cycles/sample) with no
//     data decision (range +-1/(2 SF) cycles per chip, twice the bin spacing); the NCO is
//     updated by fll_gain times that per block (0.5 for the first 8 blocks: pull-in),
//     phase-continuously. Its jitter at the QPSK 1/2 threshold (despread Es/N0 ~1 dB) is
//     a few 0.01 cycles/symbol: < 0.05 dB of coherent loss;
//   - after detection the same two discriminators are first run twice (gain 1) over
//     refine_symbols symbols from the first one searched (the receiver waits for them:
//     256 symbols of SF 64 are 16 ms at 1 Mchip/s), which are then despread and output
//     too. At chip Es/N0 -15 dB, SF 64, 256 symbols leave ~0.03 cycles/symbol rms.
//   The output symbol is P / SF rotated back by the NCO phase and forward by a reference
//   phase of fixed frequency (the refined acquisition estimate): the symbol stream carries
//   the carrier as a constant small residual offset and phase, whatever the NCO's jitter,
//   and the symbol-rate carrier recovery downstream removes it (as Receiver does with its
//   AFC, rx/receiver.h). The NCO only keeps the coherent sum over SF chips within a small
//   fraction of a dB (residual < 0.05 cycles/symbol: < 0.04 dB). The residual is the
//   acquisition's estimation error, a few 0.01 cycles/symbol at the threshold, well inside
//   the symbol-rate carrier recovery's range (a reference far off the tracked carrier is
//   re-anchored when reanchor_cycles_per_symbol is set). A carrier that drifts (Doppler rate) reaches
//   the symbol stream as it is: D Hz/s is D / Rs^2 cycles/symbol per symbol, so a frame of
//   N symbols sees a change of D N / Rs^2 cycles/symbol, which the carrier recovery's fine
//   stage follows up to ~3e-4 (pi / 1476 rad/symbol, carrier_recovery.h): at 1 Mchip/s
//   with short QPSK frames ~160 Hz/s at SF 16, ~10 Hz/s at SF 64 (GEO links see less than
//   1 Hz/s; a LEO link at high SF would need the NCO's estimate fed forward: not done).
//   - lock: per block, r = sum|P|^2 / sum|D|^2 ~ (SF S + N) / (S + N); the despread Es/N0
//     is SF (r - 1) / (SF - r) (from sums smoothed over ~8 blocks; meaningful below ~0 dB
//     chip Es/N0, where r is well below SF). lock_loss_blocks consecutive blocks with r below
//     lock_ratio_threshold (noise alone: r ~ 1) drop the lock; the search restarts with the
//     next symbol. Blocks of exact zeros (an erased hop dwell) are passed over, up to
//     erasure_blocks in a row (0 by default: then they count as bad).
// Output starts with the first symbol of the search that detected; the symbols searched in
// vain before it and those after a loss of lock are not output (the frame sync re-acquires
// on the stream). A search that cannot keep up with the input (a large window or CFO range
// at a high chip rate) falls behind, it never skips input.
//
// Bad input never throws: NaN / inf samples are counted and replaced by zeros; an all-zero
// input gives a zero noise estimate, which never detects.
#pragma once

#include <dualsat/antijam/chip_sequence.h>
#include <dualsat/antijam/dsss_spreader.h>
#include <dualsat/core/fft.h>
#include <dualsat/dsp/matched_filter.h>

#include <complex>
#include <cstdint>
#include <memory>
#include <vector>

namespace dualsat {

struct DsssReceiverConfig {
    int sf = 64;                       // [4, 1024]
    DsssShaping shaping;               // the transmitter's
    uint64_t first_symbol_index = 0;   // symbol nominally starting at input sample 0
    double code_window_chips = 64.0;   // +- time-base uncertainty, chips (0.5 .. 65536)
    double max_cfo = 0.0;              // +- carrier offset searched, cycles per chip (< 0.25)
    int acquisition_symbols = 64;      // M, non-coherently summed (1 .. 4096)
    double false_alarm_probability = 1e-6; // per search, all cells together (0, 0.1]
    double frequency_step = 0.5;       // bin spacing x coherent length L (0, 1]
    int refine_symbols = 256;          // after detection: frequency / timing refinement
                                       // over this many symbols (1 .. 65536)
    int track_block_symbols = 32;      // DLL / FLL / lock update interval (>= 4)
    double fll_gain = 0.125;           // (0, 1]; 0.5 for the first 8 blocks (pull-in)
    double dll_gain = 0.5;             // (0, 1]
    double lock_ratio_threshold = 1.3; // see the file comment, > 1
    int lock_loss_blocks = 4;          // >= 1
    // Blocks of all-zero input in a row passed over without a lock decision or a loop
    // update (0 .. 2^20; 0: they count as bad blocks like any other). Digital hopping
    // erases a jammed dwell by zeroing it (hop_gate.h): without this, a few erased dwells
    // in a row dropped the lock, and the symbols until the next acquisition were lost.
    int erasure_blocks = 0;
    // Re-anchoring of the output's reference carrier, cycles per symbol ([0, 0.5); 0:
    // never). The reference is the refined acquisition estimate, kept for the whole lock;
    // when the tracked carrier (the NCO averaged over ~16 blocks, from 64 blocks after the
    // pull-in on) is further from it than this, it follows the tracked one for 64 blocks
    // (phase continuous small steps, as the average settles), then stays: one frequency
    // change in the symbol stream instead of a residual offset for the rest of the lock. A refinement spoiled by a strong jammer (its power-weighted
    // sums) otherwise left an offset beyond the symbol-rate carrier recovery's range.
    double reanchor_cycles_per_symbol = 0.0;
};

struct DsssAcquisition {
    bool detected = false;
    uint64_t first_symbol = 0;     // the first of the M symbols searched
    double code_phase_chips = 0.0; // start offset found, relative to nominal (+: later)
    double cfo = 0.0;              // cycles per chip: the bin's
    double cfo_refined = 0.0;      // after the refinement (= cfo until it is done)
    bool refined = false;          // the refinement is done (tracking has started)
    int bin = 0;                   // frequency bin index (0 = no offset)
    double bin_spacing = 0.0;      // cycles per chip between bins
    double metric = 0.0;           // the strongest cell / theta
    double threshold = 0.0;        // detection threshold / theta
    uint64_t input_samples = 0;    // input samples received when the search ran
};

struct DsssReceiverStats {
    bool locked = false;
    uint64_t samples_in = 0;
    uint64_t nonfinite_samples = 0;   // replaced by zeros
    uint64_t searches = 0;            // acquisition searches run
    uint64_t acquisitions = 0;        // of them detected (first lock and re-acquisitions)
    uint64_t lock_losses = 0;
    uint64_t symbols_out = 0;
    double code_phase_chips = 0.0;    // current timing vs nominal, chips
    double cfo = 0.0;                 // carrier offset (NCO frequency averaged over ~16
                                      // blocks), cycles per chip
    double output_cfo = 0.0;          // the reference removed from the output: the symbol
                                      // stream's residual offset is cfo - output_cfo
    double esn0_db = -60.0;           // despread Es/N0 of the last tracking block, +-60 dB at most
    double lock_ratio = 0.0;          // r of the last block
    uint64_t erased_blocks = 0;       // all-zero blocks passed over (erasure_blocks)
    uint64_t reanchors = 0;           // output reference moved (reanchor_cycles_per_symbol)
};

class DsssReceiver
{
public:
    // ConfigError for a null sequence or a parameter out of range (see the config).
    DsssReceiver(std::shared_ptr<const KeyedChipSequence> sequence, const DsssReceiverConfig& config);

    // Takes all n samples; appends the despread symbols completed so far (one per PL
    // symbol, unit energy for a unit-power input at the nominal level) to out, and when
    // indices is non-null the symbol index of each.
    void process(const std::complex<float>* in, size_t n, std::vector<std::complex<float>>& out,
                 std::vector<uint64_t>* indices = nullptr);

    const DsssReceiverStats& stats() const { return m_stats; }
    const DsssAcquisition& last_acquisition() const { return m_last_acq; }
    const DsssReceiverConfig& config() const { return m_cfg; }
    size_t fft_size() const { return m_fft.size(); }
    int frequency_bins() const { return 2 * m_bins + 1; }

private:
    struct Despread {
        std::complex<double> prompt, early, late, half1, half2, decoy;
    };
    double nominal_start(uint64_t symbol) const; // matched-filter index of chip 0
    bool have_samples(double last_index) const;
    void search();
    void track(std::vector<std::complex<float>>& out, std::vector<uint64_t>* indices);
    Despread despread(uint64_t symbol, double pos);
    bool finish_acquisition(); // the refinement; false: waiting for samples
    void refine_on(uint64_t first, int count);
    void end_block();
    void set_frequency(double cycles_per_sample, double at_index);
    double nco_phase(double index) const;
    void trim();

    std::shared_ptr<const KeyedChipSequence> m_seq;
    DsssReceiverConfig m_cfg;
    MatchedFilter m_mf;
    int m_window;          // W in half chips -> lags 0 .. 2 m_window... see .cc
    double m_delay;        // nominal delay, matched-filter samples
    Fft m_fft;
    int m_step_bins;
    int m_bins;            // searched bins -m_bins .. m_bins
    double m_search_threshold; // / theta
    double m_dll_slope;    // S-curve slope per chip

    std::vector<std::complex<float>> m_y; // matched-filter output not yet consumed
    uint64_t m_y_base = 0;                // its first sample's index
    std::vector<std::complex<float>> m_in_clean, m_mf_out;

    bool m_locked = false;
    bool m_refine_pending = false; // detected, refinement not yet done
    uint64_t m_next_search = 0; // first symbol of the next search
    uint64_t m_symbol = 0;      // next symbol to despread (locked)
    double m_pos = 0.0;         // its chip 0, matched-filter index
    double m_freq = 0.0;        // NCO, cycles per matched-filter sample
    double m_phase_offset = 0.0; // NCO phase = 2 pi m_freq n + m_phase_offset
    double m_ref_freq = 0.0;     // reference carrier re-applied to the output
    double m_ref_phase = 0.0;
    double m_freq_smooth = 0.0;  // NCO frequency averaged over ~16 blocks (stats)

    // block accumulators
    int m_block_n = 0;
    double m_acc_p = 0, m_acc_e = 0, m_acc_l = 0, m_acc_d = 0;
    std::complex<double> m_acc_f;
    int m_bad_blocks = 0;
    int m_empty_blocks = 0; // all-zero blocks in a row
    uint64_t m_reanchor_blocks_left = 0; // the reference follows the averaged NCO
    uint64_t m_blocks_locked = 0;
    double m_smooth_p = 0.0, m_smooth_d = 0.0; // for the Es/N0 estimate

    std::vector<std::complex<float>> m_chips, m_prev_chips;
    bool m_have_prev = false;
    uint64_t m_prev_symbol = 0;
    std::vector<std::complex<float>> m_seg;   // derotated samples of one symbol
    std::vector<std::complex<float>> m_z;     // interpolated at the chip and half-chip times
    std::vector<std::complex<double>> m_fx, m_fr, m_fz;
    std::vector<double> m_acc; // search cells

    DsssReceiverStats m_stats;
    DsssAcquisition m_last_acq;
};

} // namespace dualsat
