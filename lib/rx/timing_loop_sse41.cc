// SPDX-License-Identifier: GPL-3.0-or-later
// SSE4.1 timing loop: timing_loop_inlined.h at this ISA.
#include "timing_loop_kernels.h"

#if DUALSAT_SIMD_SSE41
#include "timing_loop_inlined.h"
#endif

namespace dualsat {
namespace detail {

const TimingLoopKernels* timing_loop_kernel_table(simd::Sse41)
{
#if DUALSAT_SIMD_SSE41
    return timing_loop_inlined_table<simd::Sse41>();
#else
    return nullptr;
#endif
}

} // namespace detail
} // namespace dualsat
