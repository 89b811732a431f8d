// SPDX-License-Identifier: GPL-3.0-or-later
// The data-aided Es/N0 estimate's inner sums (data_aided_esn0, esn0_estimator.h) as SIMD
// kernels: over a block of received symbols y and their known transmitted symbols s,
// per lane (the symbol's index in the call modulo kEsn0Lanes) the sums of
//   y conj(s)  (real and imaginary parts),  |s|^2,  |y|^2,
// and the count of symbols used. A symbol with a non-finite part (an erased symbol) is
// left out of every sum (x - x == 0 is the finiteness test, as in the scalar code).
// Lanes are independent partial sums, so no addition waits for the previous symbol's.
// Every level is bit-identical to the scalar reference (same operations in the same order
// per lane; the library builds with -ffp-contract=off).
//
// Family layout (dualsat/core/simd.h): scalar reference and dispatch in esn0_kernels.cc,
// the vector algorithm in esn0_kernels_simd.h, instantiated by esn0_kernels_sse41.cc and
// esn0_kernels_avx2.cc.
#pragma once

#include <dualsat/core/cpu_features.h>
#include <dualsat/core/simd.h>

#include <complex>
#include <cstddef>
#include <cstdint>

namespace dualsat {
namespace kernels {

constexpr size_t kEsn0Lanes = 8;

struct Esn0LaneSums {
    float corr_re[kEsn0Lanes] = {}; // sum Re(y conj(s)) = a c + b d for y = a + jb, s = c + jd
    float corr_im[kEsn0Lanes] = {}; // sum Im(y conj(s)) = b c - a d
    float ref_energy[kEsn0Lanes] = {}; // sum c^2 + d^2
    float power[kEsn0Lanes] = {};      // sum a^2 + b^2
    uint32_t used[kEsn0Lanes] = {};    // symbols with finite y
};

// Adds symbols 0..n-1 of (y, s) to `sums`, symbol k to lane k % kEsn0Lanes.
using Esn0SumsFn = void (*)(const std::complex<float>* y, const std::complex<float>* s, size_t n,
                            Esn0LaneSums* sums);
void esn0_sums_scalar(const std::complex<float>* y, const std::complex<float>* s, size_t n,
                      Esn0LaneSums* sums);

struct Esn0Kernels {
    Esn0SumsFn sums;
};

// nullptr where the file was not built for its ISA.
const Esn0Kernels* esn0_kernel_table(simd::Scalar);
const Esn0Kernels* esn0_kernel_table(simd::Sse41);
const Esn0Kernels* esn0_kernel_table(simd::Avx2);

simd::Selected<Esn0Kernels> esn0_kernels_for(SimdLevel level);

} // namespace kernels
} // namespace dualsat
