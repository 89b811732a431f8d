// SPDX-License-Identifier: GPL-3.0-or-later
// Internal: max-log demapping kernels (scalar reference, SSE4.1, AVX2) and the tables they
// share. Not installed. The family follows dualsat/core/simd.h: the scalar reference and
// the dispatch in soft_demapper.cc, the vector algorithm once in soft_demapper_simd.h,
// instantiated by soft_demapper_sse41.cc and soft_demapper_avx2.cc.
//
// Every kernel computes, per symbol y = (yr, yi) clamped to +-kMaxSymbolComponent:
//   QPSK:   LLR0 = yr * k, LLR1 = yi * k with k = qpsk_4a * inv_n0 (a = |Re s| = |Im s|):
//           the exact max-log value, (yr + a)^2 - (yr - a)^2 = 4 a yr, I and Q separable.
//   others: metric m_j = (ar_j * yr + ai_j * yi) + c_j = |y - s_j|^2 - |y|^2 for every
//           point (|y|^2 cancels in the differences), then per bit k
//           LLR_k = (min_{j: bit k = 1} m_j - min_{j: bit k = 0} m_j) * inv_n0.
// The SIMD kernels perform these exact float operations in this order per lane, without FMA
// contraction (ISO C++ mode builds with -ffp-contract=off), so they match the scalar
// reference bit for bit. int8 outputs are quantise_lane(LLR * scale).
#pragma once

#include <dualsat/core/simd.h>
#include <dualsat/modcod/modcod.h>

#include <complex>
#include <cstddef>
#include <cstdint>

namespace dualsat {
namespace detail {

struct DemapTables {
    Modulation mod;
    int bits;
    float qpsk_4a;
    // Per point, each value repeated in 8 lanes so kernels load them as full vectors.
    alignas(32) float ar[32][8]; // -2 Re s_j
    alignas(32) float ai[32][8]; // -2 Im s_j
    alignas(32) float c[32][8];  // |s_j|^2 (rounded to float once)
};

struct KernelResult {
    size_t done;     // symbols processed (a prefix; the caller finishes the rest in scalar)
    size_t erasures; // symbols among them with a non-finite component
};

// Exactly one of llr_f / llr_q is non-null.
using MaxLogKernel = KernelResult (*)(const DemapTables& t,
                                      const std::complex<float>* symbols,
                                      size_t n,
                                      float inv_n0,
                                      float scale,
                                      float* llr_f,
                                      int8_t* llr_q);

// The reference; also finishes the symbols a SIMD kernel leaves (KernelResult::done).
KernelResult maxlog_scalar(const DemapTables&, const std::complex<float>*, size_t, float, float,
                           float*, int8_t*);

// The kernels of one SIMD level.
struct DemapKernels {
    MaxLogKernel maxlog;
};

// One table per ISA (simd.h): soft_demapper.cc, soft_demapper_sse41.cc,
// soft_demapper_avx2.cc; nullptr where the file was not built for its ISA.
const DemapKernels* demap_kernel_table(simd::Scalar);
const DemapKernels* demap_kernel_table(simd::Sse41);
const DemapKernels* demap_kernel_table(simd::Avx2);

} // namespace detail
} // namespace dualsat
