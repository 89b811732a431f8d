// SPDX-License-Identifier: GPL-3.0-or-later
// AVX2 max-log kernels: soft_demapper_simd.h with 8 symbols per vector (QPSK: 4 symbols = 8 floats).
#include "soft_demapper_kernels.h"

#if DUALSAT_SIMD_AVX2
#include "soft_demapper_simd.h"
#endif

namespace dualsat {
namespace detail {

const DemapKernels* demap_kernel_table(simd::Avx2)
{
#if DUALSAT_SIMD_AVX2
    return demap_simd_table<simd::Avx2>();
#else
    return nullptr;
#endif
}

} // namespace detail
} // namespace dualsat
