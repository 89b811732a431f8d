// SPDX-License-Identifier: GPL-3.0-or-later
// AVX2 LDPC kernel: ldpc_decoder_simd.h with 32 lanes per register (12 per layer vector).
#include "ldpc_decoder_kernels.h"

#if DUALSAT_SIMD_AVX2
#include "ldpc_decoder_simd.h"
#endif

namespace dualsat {
namespace ldpc_detail {

const LdpcKernels* ldpc_kernel_table(simd::Avx2)
{
#if DUALSAT_SIMD_AVX2
    return ldpc_simd_table<simd::Avx2>();
#else
    return nullptr;
#endif
}

} // namespace ldpc_detail
} // namespace dualsat
