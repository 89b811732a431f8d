// SPDX-License-Identifier: GPL-3.0-or-later
// Sse41 sample-conditioning kernels: sample_kernels_simd.h at this ISA's vector width.
#include <dualsat/dsp/sample_kernels.h>

#if DUALSAT_SIMD_SSE41
#include "sample_kernels_simd.h"
#endif

namespace dualsat {
namespace kernels {

const SampleKernels* sample_kernel_table(simd::Sse41)
{
#if DUALSAT_SIMD_SSE41
    return sample_simd_table<simd::Sse41>();
#else
    return nullptr;
#endif
}

} // namespace kernels
} // namespace dualsat
