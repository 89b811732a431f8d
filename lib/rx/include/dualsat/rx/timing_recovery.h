// SPDX-License-Identifier: GPL-3.0-or-later
// Symbol timing recovery with the RRC matched filter built in: samples at any rate of two
// or more samples per symbol (2, 2.37, 4, ... need not be an integer) in, one matched-
// filtered sample per symbol at the recovered symbol instants out.
//
// Structure (one filter does matched filtering AND interpolation):
//  - Matched-filter bank: the RRC pulse (roll-off beta, `span_symbols` long) sampled at
//    `branches` × the input rate and split into branches+1 polyphase branches of
//    K = ceil(span·sps) taps (the extra branch B is branch 0 one input sample later).
//    The matched-filter output at ANY time t = n + mu (input samples, 0 <= mu < 1) is
//    the branch round(mu·B) dot product over x[n-K+1 .. n] — kernels::dot_cr, the SIMD
//    kernel of the other FIRs. Only the strobes are computed (2 per symbol), never the
//    full-rate filter output: the cost per input sample is 2·K/sps ≈ 2·span complex×real
//    MACs whatever the sps. Nearest-branch quantisation: |timing error| <= 1/(2B) input
//    samples (0.002 symbol at 2 sps with B = 128; ISI below -50 dB).
//    Taps are normalised like RrcNormalization::RxMatched at this sps: noise gain
//    Σh² = 1/sps and a TxUnitPower-shaped symbol comes out with its transmitted amplitude.
//  - Timing error detector: Gardner, e_k = Re{ conj(y_{k-1/2}) · (y_{k-1} - y_k) },
//    normalised by a running mean of |y_k|². Non-data-aided and carrier-phase invariant;
//    a carrier frequency offset f (cycles/symbol) only scales its S-curve by about
//    cos(pi·f) (0.95 at f = 0.1), and a constant phase not at all. Its gain Kd (slope of
//    the normalised S-curve at zero error) is computed at construction from the raised-
//    cosine pulse for the configured roll-off.
//  - Loop: second order (proportional + integral), gains per symbol from the
//    standard discrete PI-loop design for a noise bandwidth B_L·T and damping zeta:
//      theta = B_L·T / (zeta + 1/(4·zeta)),  d = 1 + 2·zeta·theta + theta²,
//      Kp = 4·zeta·theta / (d·Kd),  Ki = 4·theta² / (d·Kd).
//    The integrator holds the symbol-period error (the sample-clock offset), so a constant
//    clock offset (±200 ppm and far beyond) is tracked with zero steady-state timing error.
//    "Gear shift": acquisition_bw for the first acquisition_symbols symbols, then loop_bw.
//    The loop runs in groups of four symbols: it is updated once per group from the sums
//    of the group's detector outputs, and the update from group g sets the period of group
//    g+2 (a few symbols of delay, negligible at these bandwidths), which keeps the loop
//    arithmetic off the filter's critical path. Strobe instants are kept as integer +
//    0.32 fixed-point fraction: no precision loss however long the stream.
//    Measured (tests/unit/test_rx_frontend.cc, B_L·T = 0.001, with the loop updated per
//    symbol; the tests' bounds hold for the grouped loop too): rms timing jitter 0.001-0.002
//    symbol at Es/N0 = 30 dB, 0.007-0.011 at 10 dB, 0.043 (beta 0.35) / 0.074 (beta 0.2) at
//    -3 dB, where acquisition takes ~5-20k symbols.
//    The TED gain falls with the signal share S/(S+N) of the normalising power, so at low
//    Es/N0 the effective bandwidth is below the design value (≈ 1/3 of it at -3 dB Es/N0):
//    less jitter, slower acquisition.
//  - Lock indicator: the matched-filter output power is cyclostationary — at the symbol
//    instants it exceeds the power half a symbol away by about beta/2 of the signal power.
//    d_k = (|y_k|² - |y_{k-1/2}|²) / P is averaged (exponential window of
//    `lock_window_symbols`); the statistic is its mean over its standard error (a t-value,
//    independent of the SNR scale): locked above lock_threshold, unlocked again below
//    half of it. It needs the window to fill: about lock_window_symbols symbols. The
//    statistic and the decision are refreshed every 128 symbols.
//
// Streaming: K-1 input samples of history and the loop state carry over; the output does
// not depend on how the input is chunked. process() consumes input only up to the next
// symbol it has no room to write (the GNU Radio general_work contract).
#pragma once

#include <dualsat/core/cpu_features.h>
#include <dualsat/dsp/fir_kernels.h>
#include <dualsat/dsp/polyphase_fir.h> // StreamResult

#include <complex>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dualsat {

// The strobe loop's constants and state as plain data. TimingRecovery owns them; the
// strobe loop itself (lib/rx/timing_loop_simd.h) is compiled once per SIMD level with that
// level's dot products inlined, and reads the state into registers for a whole block.
struct TimingLoopParams {
    kernels::DotComplexReal2Fn dot2 = nullptr; // the level's FIR kernel (scalar / reference loop)
    const float* bank = nullptr;  // (B+1) branches, reversed + duplicated, 2K floats each
    size_t k = 0;                 // taps per branch
    unsigned b = 0;               // branches
    size_t hist = 0;              // history samples staged before each block
    double delay = 0.0;           // matched-filter delay in input samples (K/2)
    double half_nominal = 1.0;    // nominal half symbol period, input samples
    double kp = 0.0, ki = 0.0;         // tracking gains
    double kp_acq = 0.0, ki_acq = 0.0; // acquisition gains
    double max_clock_offset = 0.01;
    uint64_t acquisition_symbols = 0;
    double lock_alpha = 0.0;
    uint64_t lock_warmup = 0;     // symbols of running mean before the lock EMA
    // Symbols between two refreshes of the diagnostics (error average, lock statistic):
    // their divisions and square root cost the loop ~4 cycles a symbol every 16 symbols.
    static constexpr size_t kStatisticsPeriod = 128;
    // Symbols filtered and loop-updated together (timing_loop_simd.h).
    static constexpr size_t kGroup = 4;
    // (1 - w)^n, n = 0..kStatisticsPeriod: n symbols of an exponential average of weight w
    // at once, for the error average (w = 1/1024) and the lock statistic (w = lock_alpha).
    double err_keep[kStatisticsPeriod + 1] = {};
    double lock_keep[kStatisticsPeriod + 1] = {};
    // The same for the normaliser's power (w = 1/512), n = 0..kGroup strobes at once.
    double power_keep[kGroup + 1] = {};
    double lock_threshold = 3.0;
};

struct TimingLoopState {
    uint64_t t_n = 0;          // last on-time strobe: input index
    uint32_t t_frac = 0;       // and fraction, 0.32 fixed point
    static constexpr size_t kGroup = TimingLoopParams::kGroup;
    // Half period (32.32 fixed point) of the symbols of group j = symbols / kGroup in slot
    // j % 2: the current group's and the next one's (group j's update sets group j + 2's).
    uint64_t half_fx[2] = {};
    // The slot of half_fx that holds symbol k's half period.
    static size_t half_slot(uint64_t k) { return static_cast<size_t>((k / kGroup) & 1); }
    // The current group's strobes so far (mid, on-time), symbols % kGroup of them.
    std::complex<float> group_y[kGroup][2] = {};
    double prev_re = 0.0, prev_im = 0.0; // the previous on-time strobe (a float's value)
    double integrator = 0.0;
    double power = 0.0;
    double power_count = 0.0; // finite strobes in the running mean (its first kPowerWarmup symbols)
    double inv_power = 0.0;
    double block_power = 0.0;  // sum of |y_on|^2 since the last slow update
    uint64_t level_steps = 0;  // times the normaliser jumped to a level step
    double err_avg = 0.0;
    double lock_mean = 0.0, lock_sq = 0.0;
    double lock_stat = 0.0;
    // The diagnostics' sums over the symbols since the last 16-symbol boundary (folded
    // into err_avg / lock_mean / lock_sq there), and the symbols folded so far.
    double block_err = 0.0, block_dl = 0.0, block_dl2 = 0.0;
    uint32_t block_count = 0;
    uint64_t stat_count = 0;
    bool locked = false;
    uint64_t symbols = 0;
    uint64_t lock_losses = 0;
};

// One staged block for the strobe loop: buf[j] holds input sample base - hist + j, up to
// input sample end (exclusive). Symbols go to out (at most out_capacity) and, when not
// null, their instants to strobe_times.
struct TimingLoopBlock {
    const std::complex<float>* buf = nullptr;
    uint64_t base = 0;
    uint64_t end = 0;
    std::complex<float>* out = nullptr;
    size_t out_capacity = 0;
    double* strobe_times = nullptr;
};

struct TimingRecoveryConfig {
    double samples_per_symbol = 2.0; // input rate / symbol rate, >= 2, any real
    double rolloff = 0.35;           // (0, 1]
    int span_symbols = 12;           // matched filter length in symbols, >= 4
    unsigned branches = 128;         // filter-bank phases (timing resolution), 8..1024
    double loop_bw = 0.001;          // B_L·T when tracking, (0, 0.1]
    double acquisition_bw = 0.002;   // B_L·T during acquisition, (0, 0.1]
    uint64_t acquisition_symbols = 2000;
    double damping = 0.7071;         // zeta, (0, 4]
    double max_clock_offset = 0.01;  // |integrator| clamp, relative (0.01 = 10000 ppm)
    double lock_window_symbols = 8192.0;
    double lock_threshold = 3.0;     // t-value to declare lock
    // Tests and benchmarks: the strobe loop that calls the FIR kernel through its pointer
    // (the loop before its per-ISA instances; same symbols bit for bit, slower).
    bool reference_loop = false;
};

class TimingRecovery
{
public:
    // ConfigError for any parameter outside the ranges above (NaN included).
    explicit TimingRecovery(const TimingRecoveryConfig& config,
                            SimdLevel simd = active_simd_level());

    // Samples in -> symbols out (at most out_capacity). strobe_times, when not null, gets
    // for each symbol its instant in input samples counted from the first input sample
    // since construction/reset (the centre of the symbol's pulse in the input stream, i.e.
    // already corrected for the matched-filter delay) — for diagnostics and tests.
    StreamResult process(const std::complex<float>* in, size_t n_in,
                         std::complex<float>* out, size_t out_capacity,
                         double* strobe_times = nullptr);

    void reset();

    // Upper bound on the symbols that n_in more input samples can yield.
    size_t max_output(size_t n_in) const;

    // --- estimates and counters ---
    // Relative symbol-period error seen in the input: the loop's symbol period is
    // sps·(1 + clock_offset()). +100e-6 means the symbols arrive 100 ppm slower than
    // nominal relative to the sample clock.
    double clock_offset() const { return m_state.integrator; }
    // Fractional position of the most recent symbol strobe, in input samples [0, 1).
    double fractional_phase() const { return m_state.t_frac / 4294967296.0; }
    // Smoothed normalised TED output (≈ 0 in lock; its sign shows a late/early bias),
    // refreshed every 128 symbols like the lock statistic.
    double timing_error() const { return m_state.err_avg; }
    // Lock detector t-value and decision (see above).
    double lock_statistic() const { return m_state.lock_stat; }
    bool locked() const { return m_state.locked; }
    bool acquiring() const { return m_state.symbols < m_cfg.acquisition_symbols; }
    // Mean |symbol|² at the strobes (what the TED is normalised by).
    double symbol_power() const { return m_state.power; }
    // Input level steps the power normaliser jumped to (the loop coasted through them).
    uint64_t level_steps() const { return m_state.level_steps; }
    uint64_t samples_in() const { return m_base; }
    uint64_t symbols_out() const { return m_state.symbols; }
    // Times the lock decision went from locked to unlocked.
    uint64_t lock_losses() const { return m_state.lock_losses; }

    // --- design ---
    const TimingRecoveryConfig& config() const { return m_cfg; }
    size_t taps_per_branch() const { return m_k; }
    double ted_gain() const { return m_kd; }
    double kp() const { return m_kp; }
    double ki() const { return m_ki; }
    SimdLevel simd_level() const { return m_simd; }

    // Loop gains (Kp, Ki) for noise bandwidth bw (B_L·T), damping zeta and detector gain kd.
    static void loop_gains(double bw, double zeta, double kd, double* kp, double* ki);
    // Slope of the normalised Gardner S-curve at zero timing error (per symbol, positive
    // number; the detector output falls as the strobes get late) for a raised-cosine
    // cascade of roll-off beta.
    static double gardner_gain(double beta);

private:
    static constexpr size_t kBlock = 2048;

    TimingRecoveryConfig m_cfg;
    SimdLevel m_simd;
    // The strobe loop of this SIMD level (timing_loop_kernels.h).
    size_t (*m_loop)(const TimingLoopParams&, TimingLoopState&, const TimingLoopBlock&, bool* full);
    size_t m_k = 0;              // taps per branch
    unsigned m_b = 0;            // branches
    double m_delay = 0.0;        // matched-filter delay in input samples (K/2)
    std::vector<float> m_bank;   // (B+1) branches, reversed + duplicated, 2K floats each
    double m_kd = 1.0;
    double m_kp = 0.0, m_ki = 0.0;         // tracking gains
    double m_kp_acq = 0.0, m_ki_acq = 0.0; // acquisition gains
    double m_lock_alpha = 0.0;
    uint64_t m_lock_warmup = 0;
    double m_half_nominal = 1.0;
    TimingLoopParams m_params;   // the above for the strobe loop

    // stream
    std::vector<std::complex<float>> m_buf; // K-1 history + kBlock
    uint64_t m_base = 0;         // stream index of m_buf[m_hist]
    size_t m_hist = 0;           // history samples kept in m_buf
    TimingLoopState m_state;     // strobe position and loop state
};

} // namespace dualsat
