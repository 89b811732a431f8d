// SPDX-License-Identifier: GPL-3.0-or-later
// AVX2+FMA FIR kernels: fir_kernels_simd.h with 8 floats (4 complex samples) per register.
#include <dualsat/dsp/fir_kernels.h>

#if DUALSAT_SIMD_AVX2
#include <dualsat/dsp/fir_kernels_simd.h>
#endif

namespace dualsat {
namespace kernels {

const FirKernels* fir_kernel_table(simd::Avx2)
{
#if DUALSAT_SIMD_AVX2
    return fir_simd_table<simd::Avx2>();
#else
    return nullptr;
#endif
}

} // namespace kernels
} // namespace dualsat
