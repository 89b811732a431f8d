// SPDX-License-Identifier: GPL-3.0-or-later
//
// The timing loop's strobe loop (TimingRecovery, timing_recovery.h), written once over the
// dot products that compute the strobes of a group of symbols. Instances
// (timing_loop_kernels.h):
//  - timing_loop_inlined.h, built by timing_loop_sse41.cc / timing_loop_avx2.cc: that
//    ISA's FIR dot products (dualsat/dsp/fir_kernels_simd.h) inlined, a whole group's
//    accumulations interleaved, and the loop's state in locals for the whole block;
//  - timing_recovery.cc: the scalar level, and the reference of every level, which calls
//    the level's FIR kernel through its pointer, two strobes at a time.
// The arithmetic is the same in every instance (the lib builds with -ffp-contract=off), so
// a level's inlined loop and its reference give the same symbols bit for bit.
//
// Why this shape: at 30 Msym/s the loop runs on the receiver's busiest thread, and each
// strobe's position depends on the loop's earlier updates. Updated per symbol, every
// symbol's filter waited for the previous symbol's scalar loop arithmetic (and that
// arithmetic was half of the loop's time). In groups (run_strobes, group_update) the
// filtering of a group needs only the update of the group before the previous one, and
// the loop arithmetic runs once per group on the group's sums.
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
constexpr uint64_t kSlowUpdate = 16; // symbols between refreshes of the normaliser's inverse
constexpr uint64_t kStatisticsPeriod = TimingLoopParams::kStatisticsPeriod; // diagnostics' refreshes
// Level steps (a burst of zeros, NaN replaced by the AGC, a blocker switching off): the
// normaliser's EMA takes ~512 symbols to follow a rise, during which the Gardner error
// would be scaled up by the whole step (60 dB when the AGC sits at its maximum gain after
// a dead input) and drive the integrator into its clamp, where it stays for seconds. So a
// group with a strobe whose power (on-time or mid-point) exceeds kPowerJump times the
// estimate is taken as a level step, not as evidence about timing: the loop coasts through
// it. A stationary signal gets there with probability ~e^-32 per strobe (|y|^2 of noise
// is exponential), i.e. never. Every kSlowUpdate symbols, a block whose mean power
// exceeds kPowerBlockJump times the estimate resets the estimate to it (the mean of 16
// exponentials is never 8x its own).
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
// symbols would have had, 1 - (1 - w)^n. The same windows to within a block of kStatisticsPeriod symbols,
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

// The loop update of one group of kGroup symbols (s.group_y, s.symbols counts them
// already); returns the half period it sets (samples), for the group after next.
//
// The loop is updated once per group, from the sums of its symbols' terms: the integrator
// takes ki·Σe, and the group after next gets the period factor 1 + integrator + kp·Σe/G
// on each of its G symbols, so over a group the proportional path moves the strobes by
// kp·Σe, as G per-symbol updates would. The same PI loop, its detector sampled in groups
// of four: nothing at B_L·T <= 0.002, where the loop's time constant is hundreds of
// symbols. Per symbol it was ~25 cycles of scalar double arithmetic and branches, about
// half of the strobe loop (issue 14); the terms are now computed for the group at once in
// plain, branch-free loops with no dependency from one symbol to the next (the same
// operations in double at every SIMD level; -ffp-contract=off keeps them bit-identical),
// and the branches and the loop arithmetic run once per group. (GCC 12 does not vectorise
// these loops; they gain from instruction-level parallelism.)
DUALSAT_SIMD_INLINE double group_update(const TimingLoopParams& p, TimingLoopState& s)
{
    constexpr size_t G = TimingLoopState::kGroup;
    const uint64_t first = s.symbols - G; // the group's first symbol
    double on_re[G], on_im[G], mid_re[G], mid_im[G], p_on[G], p_mid[G];
    for (size_t i = 0; i < G; ++i) {
        on_re[i] = s.group_y[i][1].real();
        on_im[i] = s.group_y[i][1].imag();
        mid_re[i] = s.group_y[i][0].real();
        mid_im[i] = s.group_y[i][0].imag();
    }
    bool fin[G];
    for (size_t i = 0; i < G; ++i) {
        p_on[i] = on_re[i] * on_re[i] + on_im[i] * on_im[i];
        p_mid[i] = mid_re[i] * mid_re[i] + mid_im[i] * mid_im[i];
        // Both are >= 0 or NaN: the sum is finite exactly when both are.
        fin[i] = std::isfinite(p_on[i] + p_mid[i]);
    }
    // Non-finite strobes (bad input upstream) are left out of every sum, and the symbol
    // after one compares with 0 (the loop coasts through them).
    double n = 0.0, sum_on = 0.0, peak = 0.0, sum_g = 0.0, sum_d = 0.0, sum_d2 = 0.0;
    uint32_t errors = 0; // the terms in sum_g
    for (size_t i = 0; i < G; ++i) {
        const double pr = i == 0 ? s.prev_re : (fin[i - 1] ? on_re[i - 1] : 0.0);
        const double pi = i == 0 ? s.prev_im : (fin[i - 1] ? on_im[i - 1] : 0.0);
        // Gardner: Re{conj(y_mid)·(y_prev - y_on)}; none for the stream's first symbol.
        const bool has_error = fin[i] && (first + i) > 0;
        const double g = mid_re[i] * (pr - on_re[i]) + mid_im[i] * (pi - on_im[i]);
        const double d = p_on[i] - p_mid[i]; // the lock detector's term
        n += fin[i] ? 1.0 : 0.0;
        sum_on += fin[i] ? p_on[i] : 0.0;
        peak = std::max(peak, fin[i] ? std::max(p_on[i], p_mid[i]) : 0.0);
        sum_g += has_error ? g : 0.0;
        sum_d += has_error ? d : 0.0;
        sum_d2 += has_error ? d * d : 0.0;
        errors += has_error ? 1u : 0u;
    }
    s.prev_re = fin[G - 1] ? on_re[G - 1] : 0.0;
    s.prev_im = fin[G - 1] ? on_im[G - 1] : 0.0;

    double v = s.integrator;
    if (n > 0.0) {
        bool level_step = false;
        if (first < kPowerWarmup) {
            // Running mean over the finite strobes so far (weight 1/k per symbol).
            s.power_count += n;
            s.power += (sum_on - n * s.power) / s.power_count;
            s.inv_power = s.power > 1e-30 ? 1.0 / s.power : 0.0;
        } else {
            // Against the inverse in use (refreshed only every kSlowUpdate symbols): it is
            // what would scale this group's errors.
            level_step = peak * s.inv_power > kPowerJump;
            s.block_power += sum_on;
            const double keep = p.power_keep[static_cast<size_t>(n)];
            s.power = s.power * keep + (1.0 - keep) * (sum_on / n);
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
        if (errors > 0 && s.inv_power > 0.0 && !level_step) {
            const double e = sum_g * s.inv_power; // Σ of the group's normalised errors
            const bool acq = first < p.acquisition_symbols;
            const double kp = acq ? p.kp_acq : p.kp;
            const double ki = acq ? p.ki_acq : p.ki;
            s.integrator = std::clamp(s.integrator + ki * e, -p.max_clock_offset, p.max_clock_offset);
            v = s.integrator + kp * e * (1.0 / static_cast<double>(G));
            // Diagnostics (they do not feed the loop): the error average, and the lock
            // detector's d = (|y_on|² - |y_mid|²)/P, summed here and averaged every
            // kStatisticsPeriod symbols (fold_statistics).
            s.block_err += e;
            s.block_dl += sum_d * s.inv_power;
            s.block_dl2 += sum_d2 * (s.inv_power * s.inv_power);
            s.block_count += errors;
        }
    }
    static_assert((kStatisticsPeriod & (kStatisticsPeriod - 1)) == 0 &&
                      kStatisticsPeriod % TimingLoopState::kGroup == 0,
                  "the diagnostics fold at group ends");
    if ((s.symbols & (kStatisticsPeriod - 1)) == 0)
        fold_statistics(p, s);
    const double factor = std::clamp(1.0 + v, kMinPeriodFactor, kMaxPeriodFactor);
    return p.half_nominal * factor;
}

// The strobes whose on-time strobe lies before blk.end, up to blk.out_capacity symbols;
// returns the symbols written, *full when the output room ran out first.
// Dots: dots(x, t, sets, k, y): y[j] = the dot product of window x[j] (k samples) with
// taps t[j], j < sets; a symbol's are its mid (2i) and on-time (2i + 1) strobes.
//
// Symbol k's strobes: mid = t + h, on = t + 2h (t = previous on-time strobe, h = half
// period). Symbols run in groups of kGroup with one half period each: the loop's update
// from group g (group_update) sets the period of group g + 2. So a group's strobe
// positions are known before any of its symbols is filtered, its 2·kGroup dot products
// are independent of each other (their accumulations interleave), and the next group's
// filtering does not wait for this group's loop arithmetic.
// A group cut by the end of the input or of the output room is finished by the next call
// from the strobes kept in the state: the output does not depend on the chunking.
//
// kTaps: the taps per branch when known at compile time (0: p.k), so that the dot products'
// loops unroll (the same operations in the same order either way).
template <size_t kTaps = 0, class Dots>
DUALSAT_SIMD_INLINE size_t run_strobes(const Dots& dots, const TimingLoopParams& p,
                                       TimingLoopState& state, const TimingLoopBlock& blk, bool* full)
{
    constexpr size_t G = TimingLoopState::kGroup;
    static_assert((G & (G - 1)) == 0, "the position in a group is the symbol count mod kGroup");
    const size_t taps = kTaps ? kTaps : p.k;
    TimingLoopState s = state; // locals: the output stores below cannot alias them
    // Window of the strobe at input index n: buf[n + hist - (K-1) - base] .. (K samples).
    const uint64_t win_offset = p.hist - (taps - 1);
    const size_t branch_floats = 2 * taps;
    const uint64_t branches = p.b;
    size_t produced = 0;
    *full = false;
    for (;;) {
        // The rest of the current group (all of it, unless a call ended inside it): strobe
        // positions from the group's half period, decided two groups ago.
        const size_t first = static_cast<size_t>(s.symbols & (G - 1));
        const uint64_t half = s.half_fx[TimingLoopState::half_slot(s.symbols)];
        const std::complex<float>* x[2 * G]; // windows: mid, on-time, mid, ...
        const float* t[2 * G];               // and their branches' taps
        uint64_t on_n[G];
        uint32_t on_f[G];
        uint64_t t_n = s.t_n;
        uint32_t t_frac = s.t_frac;
        size_t m = 0;
        for (; first + m < G; ++m) {
            uint64_t sum = static_cast<uint64_t>(t_frac) + (half & 0xFFFFFFFFu);
            const uint64_t n_mid = t_n + (half >> 32) + (sum >> 32);
            const uint32_t f_mid = static_cast<uint32_t>(sum);
            sum = static_cast<uint64_t>(f_mid) + (half & 0xFFFFFFFFu);
            const uint64_t n_on = n_mid + (half >> 32) + (sum >> 32);
            const uint32_t f_on = static_cast<uint32_t>(sum);
            if (n_on >= blk.end)
                break;
            if (produced + m >= blk.out_capacity) {
                *full = true;
                break;
            }
            // Nearest branch: round(frac · B), 0..B (B = branch 0 one sample later).
            const uint64_t b_mid = (static_cast<uint64_t>(f_mid) * branches + (uint64_t{ 1 } << 31)) >> 32;
            const uint64_t b_on = (static_cast<uint64_t>(f_on) * branches + (uint64_t{ 1 } << 31)) >> 32;
            x[2 * m] = blk.buf + (n_mid + win_offset - blk.base);
            t[2 * m] = p.bank + b_mid * branch_floats;
            x[2 * m + 1] = blk.buf + (n_on + win_offset - blk.base);
            t[2 * m + 1] = p.bank + b_on * branch_floats;
            on_n[m] = n_on;
            on_f[m] = f_on;
            t_n = n_on;
            t_frac = f_on;
        }
        dots(x, t, 2 * m, taps, &s.group_y[first][0]);
        for (size_t i = 0; i < m; ++i) {
            if (blk.strobe_times)
                // (through int64: n_on < 2^63, and uint64 -> double costs a sign test and branch)
                blk.strobe_times[produced] =
                    static_cast<double>(static_cast<int64_t>(on_n[i])) + on_f[i] * kFrac - p.delay;
            blk.out[produced++] = s.group_y[first + i][1];
        }
        s.t_n = t_n;
        s.t_frac = t_frac;
        s.symbols += m;
        if (first + m < G)
            break;
        // The group is complete: its slot now holds the half period of the group after next.
        const size_t slot = TimingLoopState::half_slot(s.symbols - G);
        s.half_fx[slot] = to_fixed(group_update(p, s));
    }
    state = s;
    return produced;
}

// The level's FIR kernel through its pointer (the reference loop, and the scalar level).
struct CalledDots {
    kernels::DotComplexReal2Fn fn;
    void operator()(const std::complex<float>* const* x, const float* const* t, size_t sets, size_t n,
                    std::complex<float>* out) const
    {
        for (size_t j = 0; j + 2 <= sets; j += 2)
            fn(x[j], t[j], x[j + 1], t[j + 1], n, out + j);
    }
};

} // namespace
} // namespace detail
} // namespace dualsat
