// SPDX-License-Identifier: GPL-3.0-or-later
//
// The timing loop's strobe loop (TimingRecovery, timing_recovery.h), written once over the
// dot product that computes a symbol's two strobes. Instances (timing_loop_kernels.h):
//  - timing_loop_inlined.h, built by timing_loop_sse41.cc / timing_loop_avx2.cc: that
//    ISA's FIR dot products (dualsat/dsp/fir_kernels_simd.h) inlined — the two strobes
//    stay in registers and the loop's state in locals for the whole block;
//  - timing_recovery.cc: the scalar level, and the reference of every level, which calls
//    the level's FIR kernel through its pointer (the strobe loop as it was before).
// The arithmetic is the same in every instance (the lib builds with -ffp-contract=off), so
// a level's inlined loop and its reference give the same symbols bit for bit.
//
// Why this shape: at 30 Msym/s the loop runs once per symbol on the receiver's busiest
// thread, and the next strobe depends on the previous symbols' loop update. The update
// used to read and write every state field through `this` after each output store (which
// may alias them), and got both strobes back through memory from an indirect call.
#pragma once

#include <dualsat/core/simd.h>
#include <dualsat/dsp/fir_kernels.h>
#include <dualsat/rx/timing_recovery.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>

namespace dualsat {
namespace detail {
namespace {

// Bounds of the per-symbol period factor 1 + v: a wild noise-driven step cannot move the
// next strobe by more than a quarter symbol, and max_output() can bound the output count.
constexpr double kMinPeriodFactor = 0.75;
constexpr double kMaxPeriodFactor = 1.25;
constexpr uint64_t kPowerWarmup = 64;  // symbols of running mean before the EMA
constexpr double kPowerAlpha = 1.0 / 512.0;
constexpr double kErrAlpha = 1.0 / 1024.0;
constexpr uint64_t kLockMinSymbols = 256;
constexpr double kFrac = 1.0 / 4294967296.0; // 2^-32: strobe fractions are 0.32 fixed point
constexpr uint64_t kSlowUpdate = 16; // symbols between normaliser / lock-statistic refreshes
// Level steps (a burst of zeros, NaN replaced by the AGC, a blocker switching off): the
// normaliser's EMA takes ~512 symbols to follow a rise, during which the Gardner error
// would be scaled up by the whole step (60 dB when the AGC sits at its maximum gain after
// a dead input) and drive the integrator into its clamp, where it stays for seconds. So a
// symbol whose power (on-time or mid-point) exceeds kPowerJump times the estimate is taken
// as a level step, not as evidence about timing: the loop coasts through it. A stationary
// signal gets there with probability ~e^-32 per symbol (|y|^2 of noise is exponential),
// i.e. never. Every kSlowUpdate symbols, a block whose mean power exceeds kPowerBlockJump
// times the estimate resets the estimate to it (the mean of 16 exponentials is never 8x
// its own).
constexpr double kPowerJump = 32.0;
constexpr double kPowerBlockJump = 8.0;

// Half period (input samples, 1 .. 40 here) as 32.32 fixed point. Through int64: the
// double -> uint64 conversion has no instruction before AVX-512 and costs a compare and
// branch on the loop's critical path; the value is far below 2^63, so the result is equal.
inline uint64_t to_fixed(double samples)
{
    return static_cast<uint64_t>(static_cast<int64_t>(samples * 4294967296.0 + 0.5));
}

inline void update_lock(const TimingLoopParams& p, TimingLoopState& s, double alpha)
{
    const double k = static_cast<double>(s.symbols);
    const double var = std::max(s.lock_sq - s.lock_mean * s.lock_mean, 1e-30);
    const double n_eff = std::min(k, (2.0 - alpha) / alpha);
    s.lock_stat = s.lock_mean / std::sqrt(var / n_eff);
    if (s.locked && s.lock_stat < 0.5 * p.lock_threshold) {
        s.locked = false;
        ++s.lock_losses;
    } else if (!s.locked && s.symbols >= kLockMinSymbols && s.lock_stat > p.lock_threshold) {
        s.locked = true;
    }
}

// The diagnostics' block sums into their averages, then the lock decision. Per symbol
// these were exponential averages, weight kErrAlpha for the error and lock_alpha for the
// lock detector's mean and mean square (a running mean, weight 1/k, for its first
// lock_warmup symbols); a block of n symbols now enters as its mean with the weight n
// symbols would have had, 1 - (1 - w)^n. The same windows to within a block of 16 symbols,
// and the arithmetic off the per-symbol path (it had a third of the front end's time).
inline void fold_statistics(const TimingLoopParams& p, TimingLoopState& s)
{
    const uint32_t n = s.block_count;
    if (n == 0)
        return;
    const double inv_n = 1.0 / static_cast<double>(n);
    const double ke = p.err_keep[n];
    s.err_avg = s.err_avg * ke + (1.0 - ke) * (s.block_err * inv_n);
    double alpha; // the per-symbol weight now (for the statistic's effective length)
    if (s.stat_count + n <= p.lock_warmup) {
        const double before = static_cast<double>(s.stat_count);
        const double total = before + static_cast<double>(n);
        s.lock_mean = (s.lock_mean * before + s.block_dl) / total;
        s.lock_sq = (s.lock_sq * before + s.block_dl2) / total;
        alpha = std::max(p.lock_alpha, 1.0 / total);
    } else {
        const double kl = p.lock_keep[n];
        s.lock_mean = s.lock_mean * kl + (1.0 - kl) * (s.block_dl * inv_n);
        s.lock_sq = s.lock_sq * kl + (1.0 - kl) * (s.block_dl2 * inv_n);
        alpha = p.lock_alpha;
    }
    s.stat_count += n;
    s.block_err = s.block_dl = s.block_dl2 = 0.0;
    s.block_count = 0;
    update_lock(p, s, alpha);
}

// Loop update from one symbol's strobes; returns the next half period (samples).
DUALSAT_SIMD_INLINE double symbol_update(const TimingLoopParams& p, TimingLoopState& s,
                                         std::complex<float> y_mid, std::complex<float> y_on)
{
    // This runs once per symbol on the loop's critical path (the next strobe position
    // depends on it): no divisions, square roots or std::norm (libstdc++'s goes through
    // hypot) on the per-symbol path; the normaliser's inverse and the lock statistic are
    // refreshed every kSlowUpdate symbols.
    const double on_re = y_on.real(), on_im = y_on.imag(); // exact: float -> double
    const double p_on = on_re * on_re + on_im * on_im;
    const double p_mid = static_cast<double>(y_mid.real()) * y_mid.real() +
                         static_cast<double>(y_mid.imag()) * y_mid.imag();
    double v = s.integrator;
    if (std::isfinite(p_on) && std::isfinite(p_mid)) {
        bool level_step = false;
        if (s.symbols < kPowerWarmup) {
            s.power += (p_on - s.power) / static_cast<double>(s.symbols + 1);
            s.inv_power = s.power > 1e-30 ? 1.0 / s.power : 0.0;
        } else {
            // Against the inverse in use (refreshed only every kSlowUpdate symbols): it is
            // what would scale this symbol's error.
            level_step = std::max(p_on, p_mid) * s.inv_power > kPowerJump;
            s.block_power += p_on;
            s.power += kPowerAlpha * (p_on - s.power);
            if (level_step || (s.symbols & (kSlowUpdate - 1)) == 0) {
                if ((s.symbols & (kSlowUpdate - 1)) == 0) {
                    const double block_mean = s.block_power / static_cast<double>(kSlowUpdate);
                    if (block_mean > kPowerBlockJump * s.power) {
                        s.power = block_mean;
                        ++s.level_steps;
                    }
                    s.block_power = 0.0;
                }
                s.inv_power = s.power > 1e-30 ? 1.0 / s.power : 0.0;
            }
        }
        if (s.symbols > 0 && s.inv_power > 0.0 && !level_step) {
            const double dre = s.prev_re - on_re;
            const double dim = s.prev_im - on_im;
            const double e = (y_mid.real() * dre + y_mid.imag() * dim) * s.inv_power;
            const bool acq = s.symbols < p.acquisition_symbols;
            const double kp = acq ? p.kp_acq : p.kp;
            const double ki = acq ? p.ki_acq : p.ki;
            s.integrator = std::clamp(s.integrator + ki * e, -p.max_clock_offset, p.max_clock_offset);
            v = s.integrator + kp * e;
            // Diagnostics (they do not feed the loop): the error average, and the lock
            // detector's d = (|y_on|² - |y_mid|²)/P, summed here and averaged every
            // kSlowUpdate symbols (fold_statistics).
            const double dl = (p_on - p_mid) * s.inv_power;
            s.block_err += e;
            s.block_dl += dl;
            s.block_dl2 += dl * dl;
            ++s.block_count;
        }
        s.prev_re = on_re;
        s.prev_im = on_im;
    } else {
        s.prev_re = s.prev_im = 0.0; // non-finite strobe (bad input upstream): coast
    }
    if ((s.symbols & (kSlowUpdate - 1)) == 0)
        fold_statistics(p, s);
    const double factor = std::clamp(1.0 + v, kMinPeriodFactor, kMaxPeriodFactor);
    ++s.symbols;
    return p.half_nominal * factor;
}

// The strobes whose on-time strobe lies before blk.end, up to blk.out_capacity symbols;
// returns the symbols written, *full when the output room ran out first.
// Dot2: dot2(xa, ta, xb, tb, k, y) as kernels::DotComplexReal2Fn.
//
// Symbol k's strobes: mid = t + h, on = t + 2h (t = previous on-time strobe, h = half
// period). The loop's correction from symbol k sets the period of symbol k+2, not k+1:
// one symbol of loop delay (negligible at B_L·T <= 0.1) that takes the loop arithmetic
// off the filter's critical path, so the next symbol's dot products can start while this
// symbol's error is computed.
//
// kTaps: the taps per branch when known at compile time (0: p.k), so that the dot products'
// loops unroll (the same operations in the same order either way).
template <size_t kTaps = 0, class Dot2>
DUALSAT_SIMD_INLINE size_t run_strobes(const Dot2& dot2, const TimingLoopParams& p,
                                       TimingLoopState& state, const TimingLoopBlock& blk, bool* full)
{
    const size_t taps = kTaps ? kTaps : p.k;
    TimingLoopState s = state; // locals: the output stores below cannot alias them
    // Window of the strobe at input index n: buf[n + hist - (K-1) - base] .. (K samples).
    const uint64_t win_offset = p.hist - (taps - 1);
    const size_t branch_floats = 2 * taps;
    const uint64_t branches = p.b;
    size_t produced = 0;
    *full = false;
    for (;;) {
        uint64_t sum = static_cast<uint64_t>(s.t_frac) + (s.half_fx & 0xFFFFFFFFu);
        const uint64_t n_mid = s.t_n + (s.half_fx >> 32) + (sum >> 32);
        const uint32_t f_mid = static_cast<uint32_t>(sum);
        sum = static_cast<uint64_t>(f_mid) + (s.half_fx & 0xFFFFFFFFu);
        const uint64_t n_on = n_mid + (s.half_fx >> 32) + (sum >> 32);
        const uint32_t f_on = static_cast<uint32_t>(sum);
        if (n_on >= blk.end)
            break;
        if (produced >= blk.out_capacity) {
            *full = true;
            break;
        }
        // Nearest branch: round(frac · B), 0..B (B = branch 0 one sample later).
        const uint64_t b_mid = (static_cast<uint64_t>(f_mid) * branches + (uint64_t{ 1 } << 31)) >> 32;
        const uint64_t b_on = (static_cast<uint64_t>(f_on) * branches + (uint64_t{ 1 } << 31)) >> 32;
        std::complex<float> y[2];
        dot2(blk.buf + (n_mid + win_offset - blk.base), p.bank + b_mid * branch_floats,
             blk.buf + (n_on + win_offset - blk.base), p.bank + b_on * branch_floats, taps, y);
        s.t_n = n_on;
        s.t_frac = f_on;
        if (blk.strobe_times)
            // (through int64: n_on < 2^63, and uint64 -> double costs a sign test and branch)
            blk.strobe_times[produced] =
                static_cast<double>(static_cast<int64_t>(n_on)) + f_on * kFrac - p.delay;
        blk.out[produced++] = y[1];
        s.half_fx = s.half_next_fx;
        s.half_next_fx = to_fixed(symbol_update(p, s, y[0], y[1]));
    }
    state = s;
    return produced;
}

// The level's FIR kernel through its pointer (the reference loop, and the scalar level).
struct CalledDot2 {
    kernels::DotComplexReal2Fn fn;
    void operator()(const std::complex<float>* xa, const float* ta, const std::complex<float>* xb,
                    const float* tb, size_t n, std::complex<float>* out) const
    {
        fn(xa, ta, xb, tb, n, out);
    }
};

} // namespace
} // namespace detail
} // namespace dualsat
