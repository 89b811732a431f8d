// SPDX-License-Identifier: GPL-3.0-or-later
// SSE4.1 max-log kernels: soft_demapper_simd.h with 4 symbols per vector (QPSK: 2 symbols = 4 floats).
#include "soft_demapper_kernels.h"

#if DUALSAT_SIMD_SSE41
#include "soft_demapper_simd.h"
#endif

namespace dualsat {
namespace detail {

const DemapKernels* demap_kernel_table(simd::Sse41)
{
#if DUALSAT_SIMD_SSE41
    return demap_simd_table<simd::Sse41>();
#else
    return nullptr;
#endif
}

} // namespace detail
} // namespace dualsat
