// Internal: max-log demapping kernels (scalar reference, SSE4.1, AVX2) and the tables they
// share. Not installed.
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

KernelResult maxlog_scalar(const DemapTables&, const std::complex<float>*, size_t, float, float,
                           float*, int8_t*);
KernelResult maxlog_sse41(const DemapTables&, const std::complex<float>*, size_t, float, float,
                          float*, int8_t*);
KernelResult maxlog_avx2(const DemapTables&, const std::complex<float>*, size_t, float, float,
                         float*, int8_t*);

} // namespace detail
} // namespace dualsat
