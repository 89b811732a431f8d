// SPDX-License-Identifier: GPL-3.0-or-later
// FIR kernels: the scalar reference (the SIMD kernels' test oracle) and the dispatch.
// The vector kernels: fir_kernels_simd.h, instantiated by fir_kernels_{sse41,avx2}.cc.
#include <dualsat/dsp/fir_kernels.h>

namespace dualsat {
namespace kernels {

std::complex<float> dot_cr_scalar(const std::complex<float>* x, const float* taps_dup, size_t n)
{
    float re = 0.0f;
    float im = 0.0f;
    for (size_t k = 0; k < n; ++k) {
        const float h = taps_dup[2 * k];
        re += x[k].real() * h;
        im += x[k].imag() * h;
    }
    return { re, im };
}

void dot_cr_multi_scalar(const std::complex<float>* x, const float* taps_dup, size_t n,
                         size_t stride, size_t count, std::complex<float>* out)
{
    for (size_t j = 0; j < count; ++j)
        out[j] = dot_cr_scalar(x, taps_dup + j * stride, n);
}

void dot_cr2_scalar(const std::complex<float>* xa, const float* ta, const std::complex<float>* xb,
                    const float* tb, size_t n, std::complex<float>* out)
{
    out[0] = dot_cr_scalar(xa, ta, n);
    out[1] = dot_cr_scalar(xb, tb, n);
}

const FirKernels* fir_kernel_table(simd::Scalar)
{
    static constexpr FirKernels table{ &dot_cr_scalar, &dot_cr2_scalar, &dot_cr_multi_scalar };
    return &table;
}

simd::Selected<FirKernels> fir_kernels_for(SimdLevel level)
{
    return simd::select(level, [](auto isa) { return fir_kernel_table(isa); });
}

DotComplexRealFn dot_cr_for(SimdLevel level) { return fir_kernels_for(level).table->dot; }
DotComplexReal2Fn dot_cr2_for(SimdLevel level) { return fir_kernels_for(level).table->dot2; }
DotMultiFn dot_cr_multi_for(SimdLevel level) { return fir_kernels_for(level).table->dot_multi; }

std::vector<float> duplicate_taps(const float* taps, size_t n)
{
    std::vector<float> d(2 * n);
    for (size_t k = 0; k < n; ++k)
        d[2 * k] = d[2 * k + 1] = taps[k];
    return d;
}

} // namespace kernels
} // namespace dualsat
