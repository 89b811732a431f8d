// SPDX-License-Identifier: GPL-3.0-or-later
// SSE4.1 FIR kernels: fir_kernels_simd.h with 4 floats (2 complex samples) per register.
#include <dualsat/dsp/fir_kernels.h>

#if DUALSAT_SIMD_SSE41
#include <dualsat/dsp/fir_kernels_simd.h>
#endif

namespace dualsat {
namespace kernels {

const FirKernels* fir_kernel_table(simd::Sse41)
{
#if DUALSAT_SIMD_SSE41
    return fir_simd_table<simd::Sse41>();
#else
    return nullptr;
#endif
}

} // namespace kernels
} // namespace dualsat
