// SPDX-License-Identifier: GPL-3.0-or-later
// Avx2 sample-conditioning kernels: sample_kernels_simd.h at this ISA's vector width.
#include <dualsat/dsp/sample_kernels.h>

#if DUALSAT_SIMD_AVX2
#include "sample_kernels_simd.h"
#endif

namespace dualsat {
namespace kernels {

const SampleKernels* sample_kernel_table(simd::Avx2)
{
#if DUALSAT_SIMD_AVX2
    return sample_simd_table<simd::Avx2>();
#else
    return nullptr;
#endif
}

} // namespace kernels
} // namespace dualsat
