// Complex-by-real dot products: the inner loop of every FIR in the modem (transmit pulse
// shaper, resampler, receive matched filter).
//
//   y = Σ_{k<n} x[k] · h[k],  x complex<float>, h real.
//
// The taps are passed "duplicated" — 2n floats h0 h0 h1 h1 ... — so that the SIMD kernels
// multiply the interleaved re/im stream by a same-layout tap stream with one vertical
// multiply-add per register and no shuffles in the loop. Filters store their taps in this
// layout once at design time.
//
// Kernels: scalar (the reference), SSE4.1 (lib/modem/fir_kernels_sse41.cc) and AVX2+FMA
// (fir_kernels_avx2.cc). They sum in different orders, so results agree to float rounding
// (relative ~1e-6), not bit for bit; the tests compare them at that tolerance. Within one
// SIMD level, the single and the multi kernel ARE bit-identical per tap set (same operation
// sequence), so a streaming filter's output does not depend on which one a call used.
#pragma once

#include <dualsat/core/cpu_features.h>

#include <complex>
#include <cstddef>
#include <vector>

namespace dualsat {
namespace kernels {

using DotComplexRealFn = std::complex<float> (*)(const std::complex<float>* x,
                                                 const float* taps_dup,
                                                 size_t n);

std::complex<float> dot_cr_scalar(const std::complex<float>* x, const float* taps_dup, size_t n);
#if defined(__x86_64__) || defined(__i386__)
std::complex<float> dot_cr_sse41(const std::complex<float>* x, const float* taps_dup, size_t n);
std::complex<float> dot_cr_avx2(const std::complex<float>* x, const float* taps_dup, size_t n);
#endif

// The same window x against `count` tap sets (duplicated layout, set j at
// taps_dup + j·stride floats): out[j] = Σ_k x[k]·h_j[k]. One pass over x for all sets —
// an interpolator's sps phases, or the two neighbouring branches a fractional resampler
// interpolates between, share their input window.
using DotMultiFn = void (*)(const std::complex<float>* x,
                            const float* taps_dup,
                            size_t n,
                            size_t stride,
                            size_t count,
                            std::complex<float>* out);

void dot_cr_multi_scalar(const std::complex<float>* x, const float* taps_dup, size_t n,
                         size_t stride, size_t count, std::complex<float>* out);
#if defined(__x86_64__) || defined(__i386__)
void dot_cr_multi_sse41(const std::complex<float>* x, const float* taps_dup, size_t n,
                        size_t stride, size_t count, std::complex<float>* out);
void dot_cr_multi_avx2(const std::complex<float>* x, const float* taps_dup, size_t n,
                       size_t stride, size_t count, std::complex<float>* out);
#endif

// Two independent dot products of the same length in one call (a timing loop's mid and
// on-time strobes): out[0] = dot(xa, ta), out[1] = dot(xb, tb), each bit-identical to
// the same level's single dot_cr (the two accumulations interleave, so their latencies
// overlap).
using DotComplexReal2Fn = void (*)(const std::complex<float>* xa, const float* ta,
                                   const std::complex<float>* xb, const float* tb, size_t n,
                                   std::complex<float>* out);
void dot_cr2_scalar(const std::complex<float>* xa, const float* ta,
                    const std::complex<float>* xb, const float* tb, size_t n,
                    std::complex<float>* out);
#if defined(__x86_64__) || defined(__i386__)
void dot_cr2_sse41(const std::complex<float>* xa, const float* ta,
                   const std::complex<float>* xb, const float* tb, size_t n,
                   std::complex<float>* out);
void dot_cr2_avx2(const std::complex<float>* xa, const float* ta,
                  const std::complex<float>* xb, const float* tb, size_t n,
                  std::complex<float>* out);
#endif

// The kernels for a SIMD level, clamped to what this CPU supports.
DotComplexRealFn dot_cr_for(SimdLevel level);
DotComplexReal2Fn dot_cr2_for(SimdLevel level);
DotMultiFn dot_cr_multi_for(SimdLevel level);

// h0 h1 ... -> h0 h0 h1 h1 ...
std::vector<float> duplicate_taps(const float* taps, size_t n);

} // namespace kernels
} // namespace dualsat
