// SPDX-License-Identifier: GPL-3.0-or-later
// AVX2+FMA timing loop: timing_loop_inlined.h at this ISA.
#include "timing_loop_kernels.h"

#if DUALSAT_SIMD_AVX2
#include "timing_loop_inlined.h"
#endif

namespace dualsat {
namespace detail {

const TimingLoopKernels* timing_loop_kernel_table(simd::Avx2)
{
#if DUALSAT_SIMD_AVX2
    return timing_loop_inlined_table<simd::Avx2>();
#else
    return nullptr;
#endif
}

} // namespace detail
} // namespace dualsat
