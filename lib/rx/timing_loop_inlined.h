// SPDX-License-Identifier: GPL-3.0-or-later
// The timing loop instance of one SIMD level with that level's FIR dot products inlined
// (dualsat/dsp/fir_kernels_simd.h): included by timing_loop_sse41.cc and timing_loop_avx2.cc
// only, each compiled for its ISA.
#pragma once

#include "timing_loop_kernels.h"
#include "timing_loop_simd.h"

#include <dualsat/dsp/fir_kernels_simd.h>

namespace dualsat {
namespace detail {
namespace {

template <class Isa>
struct InlinedDots {
    // The strobes of `sets` windows (2 per symbol); a whole group's at once, interleaved.
    DUALSAT_SIMD_INLINE void operator()(const std::complex<float>* const* x, const float* const* t,
                                        size_t sets, size_t n, std::complex<float>* out) const
    {
        if (sets == 2 * TimingLoopState::kGroup) {
            kernels::FirSimd<Isa>::template dot_sets<2 * TimingLoopState::kGroup>(x, t, n, out);
            return;
        }
        for (size_t j = 0; j + 2 <= sets; j += 2)
            kernels::FirSimd<Isa>::dot2(x[j], t[j], x[j + 1], t[j + 1], n, out + j);
    }
};

template <class Isa>
size_t run_inlined(const TimingLoopParams& params, TimingLoopState& state, const TimingLoopBlock& block,
                   bool* full)
{
    // 24 taps: 2 samples/symbol with the default 12-symbol span, the rate the receiver
    // runs a wideband carrier at (issue 14).
    if (params.k == 24)
        return run_strobes<24>(InlinedDots<Isa>{}, params, state, block, full);
    return run_strobes(InlinedDots<Isa>{}, params, state, block, full);
}

template <class Isa>
const TimingLoopKernels* timing_loop_inlined_table()
{
    static constexpr TimingLoopKernels table{ &run_inlined<Isa> };
    return &table;
}

} // namespace
} // namespace detail
} // namespace dualsat
