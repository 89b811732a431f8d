// SPDX-License-Identifier: GPL-3.0-or-later
// Sse41 data-aided Es/N0 sums: esn0_kernels_simd.h at this ISA's vector width.
#include <dualsat/rx/esn0_kernels.h>

#if DUALSAT_SIMD_SSE41
#include "esn0_kernels_simd.h"
#endif

namespace dualsat {
namespace kernels {

const Esn0Kernels* esn0_kernel_table(simd::Sse41)
{
#if DUALSAT_SIMD_SSE41
    return esn0_simd_table<simd::Sse41>();
#else
    return nullptr;
#endif
}

} // namespace kernels
} // namespace dualsat
