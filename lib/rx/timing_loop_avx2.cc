// SPDX-License-Identifier: GPL-3.0-or-later
// AVX2+FMA timing loop: timing_loop_simd.h with dualsat/dsp/fir_kernels_simd.h's AVX2+FMA dot
// products inlined.
#include "timing_loop_kernels.h"

#if DUALSAT_SIMD_AVX2
#include <dualsat/dsp/fir_kernels_simd.h>

#include "timing_loop_simd.h"

namespace dualsat {
namespace detail {
namespace {

struct InlinedDot2 {
    DUALSAT_SIMD_INLINE void operator()(const std::complex<float>* xa, const float* ta,
                                        const std::complex<float>* xb, const float* tb, size_t n,
                                        std::complex<float>* out) const
    {
        kernels::FirSimd<simd::Avx2>::dot2(xa, ta, xb, tb, n, out);
    }
};

size_t run(const TimingLoopParams& params, TimingLoopState& state, const TimingLoopBlock& block, bool* full)
{
    // 24 taps: 2 samples/symbol with the default 12-symbol span, the rate the receiver
    // runs a wideband carrier at (issue 14).
    if (params.k == 24)
        return run_strobes<24>(InlinedDot2{}, params, state, block, full);
    return run_strobes(InlinedDot2{}, params, state, block, full);
}

} // namespace
} // namespace detail
} // namespace dualsat
#endif

namespace dualsat {
namespace detail {

const TimingLoopKernels* timing_loop_kernel_table(simd::Avx2)
{
#if DUALSAT_SIMD_AVX2
    static constexpr TimingLoopKernels table{ &run };
    return &table;
#else
    return nullptr;
#endif
}

} // namespace detail
} // namespace dualsat
