// SPDX-License-Identifier: GPL-3.0-or-later
// Complex-by-real dot products: the inner loop of every FIR in the modem (transmit pulse
// shaper, resampler, receive matched filter, the timing loop's interpolator).
//
//   y = Σ_{k<n} x[k] · h[k],  x complex<float>, h real.
//
// The taps are passed "duplicated" — 2n floats h0 h0 h1 h1 ... — so that the SIMD kernels
// multiply the interleaved re/im stream by a same-layout tap stream with one vertical
// multiply-add per register and no shuffles in the loop. Filters store their taps in this
// layout once at design time.
//
// The kernel family follows dualsat/core/simd.h: the scalar reference and the dispatch in
// fir_kernels.cc, the vector algorithm once in fir_kernels_simd.h, instantiated by
// fir_kernels_sse41.cc and fir_kernels_avx2.cc (AVX2 with FMA). The levels sum in
// different orders, so their results agree to float rounding (relative ~1e-6), not bit for
// bit; the tests compare them at that tolerance. Within one level the single, the
// two-window and the multi kernel ARE bit-identical per tap set (same operation
// sequence), so a streaming filter's output does not depend on which one a call used.
#pragma once

#include <dualsat/core/cpu_features.h>
#include <dualsat/core/simd.h>

#include <complex>
#include <cstddef>
#include <vector>

namespace dualsat {
namespace kernels {

using DotComplexRealFn = std::complex<float> (*)(const std::complex<float>* x,
                                                 const float* taps_dup,
                                                 size_t n);

std::complex<float> dot_cr_scalar(const std::complex<float>* x, const float* taps_dup, size_t n);

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

// The kernels of one SIMD level.
struct FirKernels {
    DotComplexRealFn dot;
    DotComplexReal2Fn dot2;
    DotMultiFn dot_multi;
};

// One table per ISA (simd.h): fir_kernels.cc, fir_kernels_sse41.cc, fir_kernels_avx2.cc;
// nullptr where the file was not built for its ISA.
const FirKernels* fir_kernel_table(simd::Scalar);
const FirKernels* fir_kernel_table(simd::Sse41);
const FirKernels* fir_kernel_table(simd::Avx2);

// The kernels for a SIMD level, lowered to what this CPU supports (simd::select);
// fir_kernels_for(level).level is the level they implement.
simd::Selected<FirKernels> fir_kernels_for(SimdLevel level);
DotComplexRealFn dot_cr_for(SimdLevel level);
DotComplexReal2Fn dot_cr2_for(SimdLevel level);
DotMultiFn dot_cr_multi_for(SimdLevel level);

// h0 h1 ... -> h0 h0 h1 h1 ...
std::vector<float> duplicate_taps(const float* taps, size_t n);

} // namespace kernels
} // namespace dualsat
