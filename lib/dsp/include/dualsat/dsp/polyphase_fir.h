// SPDX-License-Identifier: GPL-3.0-or-later
// The one streaming polyphase FIR engine behind the pulse shaper (interpolate by sps), the
// resamplers (rational L/M, or arbitrary ratio by a dense filter bank with linear
// interpolation between adjacent branches) and the matched filter (decimate by D).
//
// Output sample m is computed at input time t_m = m · Q / P (input samples), kept as an
// integer part and a remainder 0 <= acc < P, so the rate is exactly P/Q for ever: no
// floating-point drift however long the stream runs.
//
// With a prototype h (at P·f_in for an exact bank of P branches) and t = n0 + acc/P:
//     y[m] = Σ_k x[n0 - k] · h[k·B + b],   B = bank branches, b = branch for acc/P.
// Exact mode (B = P): b = acc. This is zero-insertion by P, filtering by h and keeping
// every Q-th sample, computing only the kept outputs (the polyphase identity).
// Interpolated mode (B independent of P, e.g. 256): the fractional branch position
// u = acc/P · B falls between branches b and b+1; the output is the linear interpolation of
// those two branch outputs. The prototype then has K·B + 1 taps so branch B exists (branch
// 0 delayed by one input sample).
//
// Exact mode with Q < P (interpolation, rational up-sampling): the outputs that share an
// input window (branches acc, acc+Q, acc+2Q, ... < P) are computed in one pass over the
// window (kernels::dot_cr_multi); the interpolated mode does the same for its two branches.
//
// Streaming: a history of K-1 input samples is kept, so the output does not depend on how
// the input is chunked. process() consumes only the input it could finish: when the output
// space runs out it leaves the rest of the input for the next call (no hidden pending
// output), which is the contract a GNU Radio general_work needs.
#pragma once

#include <dualsat/core/cpu_features.h>
#include <dualsat/dsp/fir_kernels.h>

#include <complex>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dualsat {

struct StreamResult {
    size_t consumed = 0; // input samples taken
    size_t produced = 0; // output samples written
};

class PolyphaseFir
{
public:
    // prototype: taps at the bank rate. branches: B. interpolate: see above (exact mode
    // requires branches == out_step_num). Rate: P = out_step_num outputs per Q =
    // in_step_den inputs, both >= 1 and < 2^62. Taps per branch: ceil(len / B) (exact) or
    // ceil((len - 1) / B) (interpolated). ConfigError on inconsistent parameters.
    PolyphaseFir(const std::vector<float>& prototype,
                 unsigned branches,
                 bool interpolate,
                 uint64_t out_step_num,
                 uint64_t in_step_den,
                 SimdLevel simd = active_simd_level());

    // Streams in -> out. Writes at most out_capacity samples.
    StreamResult process(const std::complex<float>* in,
                         size_t n_in,
                         std::complex<float>* out,
                         size_t out_capacity);

    // Back to the initial state: zero history, output 0 at input time 0.
    void reset();

    // Upper bound on the outputs that n_in more inputs can yield from the current state.
    size_t max_output(size_t n_in) const;

    size_t taps_per_branch() const { return m_k; }
    unsigned branches() const { return m_branches; }
    bool interpolating() const { return m_interpolate; }
    uint64_t rate_num() const { return m_p; }
    uint64_t rate_den() const { return m_q; }
    SimdLevel simd_level() const { return m_simd; }
    // Total input samples consumed / outputs produced since construction or reset().
    uint64_t total_consumed() const { return m_base; }
    uint64_t total_produced() const { return m_produced; }

private:
    std::complex<float> compute(const std::complex<float>* window) const;
    void advance();

    static constexpr size_t kBlock = 2048; // input samples staged per inner pass

    unsigned m_branches;
    bool m_interpolate;
    uint64_t m_p;
    uint64_t m_q;
    uint64_t m_q_int;                // Q / P
    uint64_t m_q_rem;                // Q % P
    size_t m_k;                      // taps per branch
    std::vector<float> m_bank;       // (branches (+1)) × K, reversed, duplicated: 2K floats each
    kernels::DotComplexRealFn m_dot;
    kernels::DotMultiFn m_dot_multi;
    bool m_multi_per_input;          // exact bank and Q < P: several outputs per window
    SimdLevel m_simd;
    double m_branch_scale;           // B / P, interpolated mode

    std::vector<std::complex<float>> m_buf; // K-1 history + kBlock
    uint64_t m_base = 0;             // stream index of m_buf[K-1]
    uint64_t m_next_n0 = 0;          // input index of the next output
    uint64_t m_acc = 0;              // remainder of the next output time, < P
    uint64_t m_produced = 0;
};

} // namespace dualsat
