// SPDX-License-Identifier: GPL-3.0-or-later
// SSE4.1 LDPC kernel: ldpc_decoder_simd.h with 16 lanes per register (23 per layer vector).
#include "ldpc_decoder_kernels.h"

#if DUALSAT_SIMD_SSE41
#include "ldpc_decoder_simd.h"
#endif

namespace dualsat {
namespace ldpc_detail {

const LdpcKernels* ldpc_kernel_table(simd::Sse41)
{
#if DUALSAT_SIMD_SSE41
    return ldpc_simd_table<simd::Sse41>();
#else
    return nullptr;
#endif
}

} // namespace ldpc_detail
} // namespace dualsat
