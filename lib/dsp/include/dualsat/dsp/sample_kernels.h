// SPDX-License-Identifier: GPL-3.0-or-later
// Per-sample conditioning before the receive matched filter, as SIMD kernels:
//  - agc_block: the AGC's constant-gain run (Agc::process): non-finite samples replaced by
//    zero and counted, out = g·x, and the block's power summed in four partial sums by
//    sample index (one sum in sample order was a float-add dependency chain per sample);
//  - rotate: x[i] ·= P·T[i] with the phasors T of a table in complex<double> and P a
//    complex<double> start phasor, the product rounded to float per sample (the front
//    end's frequency correction, RxFrontEnd::derotate);
//  - rotate_ramp: x[i] ·= e^{j(p0 + slope·(t[i] - t0))} by the polynomial unit_phasor_d
//    (the receiver re-rotating symbols at their strobe times, Receiver::rerotate).
// They are bit-identical at every level to their scalar references below (same
// operations in the same order; the lib builds with -ffp-contract=off): the AGC's partial
// sums go by the sample's index in the block, so the gain does not depend on the SIMD
// level or on how the input is chunked.
//
// Family layout (dualsat/core/simd.h): scalar reference and dispatch in
// sample_kernels.cc, the vector algorithm in sample_kernels_simd.h, instantiated by
// sample_kernels_sse41.cc and sample_kernels_avx2.cc.
#pragma once

#include <dualsat/core/cpu_features.h>
#include <dualsat/core/simd.h>

#include <complex>
#include <cstddef>
#include <cstdint>

namespace dualsat {
namespace kernels {

// out[i] = g·x[i] with x[i] = in[i], or 0 when either part is not finite (counted in
// *nonfinite); the power re² + im² of the zeroed x[i] is added to acc[(first + i) % 4]
// (kAgcSums partial sums, each in sample order). in == out allowed.
constexpr unsigned kAgcSums = 4;
using AgcBlockFn = void (*)(const std::complex<float>* in, size_t n, std::complex<float>* out,
                            float g, float* acc, unsigned first, uint64_t* nonfinite);
void agc_block_scalar(const std::complex<float>* in, size_t n, std::complex<float>* out, float g,
                      float* acc, unsigned first, uint64_t* nonfinite);

// x[i] ·= (complex<float>) (start · table[i]), i < n; table holds n complex<double> as
// re im re im ... Per sample: c = start·table[i] in double (re·re - im·im, re·im + im·re),
// rounded to float, then x·c in float.
using RotateFn = void (*)(std::complex<float>* x, size_t n, const double* table,
                          std::complex<double> start);
void rotate_scalar(std::complex<float>* x, size_t n, const double* table, std::complex<double> start);

// x[i] ·= (complex<float>) unit_phasor_d(p0 + slope·(t[i] - t0)), i < n (dualsat/core/
// phasor.h: the same operations per sample): a rotation whose phase is linear in given,
// unevenly spaced instants (the receiver undoing the front end's frequency correction at
// the symbols' strobe times).
using RotateRampFn = void (*)(std::complex<float>* x, const double* t, size_t n, double p0,
                              double slope, double t0);
void rotate_ramp_scalar(std::complex<float>* x, const double* t, size_t n, double p0, double slope,
                        double t0);

struct SampleKernels {
    AgcBlockFn agc_block;
    RotateFn rotate;
    RotateRampFn rotate_ramp;
};

// nullptr where the file was not built for its ISA.
const SampleKernels* sample_kernel_table(simd::Scalar);
const SampleKernels* sample_kernel_table(simd::Sse41);
const SampleKernels* sample_kernel_table(simd::Avx2);

simd::Selected<SampleKernels> sample_kernels_for(SimdLevel level);

} // namespace kernels
} // namespace dualsat
