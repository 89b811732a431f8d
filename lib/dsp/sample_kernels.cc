// SPDX-License-Identifier: GPL-3.0-or-later
// Sample-conditioning kernels: the scalar references (the SIMD kernels' test oracle) and
// the dispatch. The vector kernels: sample_kernels_simd.h.
#include <dualsat/dsp/sample_kernels.h>
#include <dualsat/core/phasor.h>

namespace dualsat {
namespace kernels {

void agc_block_scalar(const std::complex<float>* in, size_t n, std::complex<float>* out, float g,
                      float* acc, unsigned first, uint64_t* nonfinite)
{
    uint32_t bad = 0;
    for (size_t k = 0; k < n; ++k) {
        float re = in[k].real();
        float im = in[k].imag();
        // x - x is 0 for finite x and NaN for NaN/Inf; NaN fails every comparison.
        const bool ok = (re - re == 0.0f) & (im - im == 0.0f);
        re = ok ? re : 0.0f;
        im = ok ? im : 0.0f;
        bad += ok ? 0u : 1u;
        acc[(first + k) % kAgcSums] += re * re + im * im;
        out[k] = std::complex<float>(g * re, g * im);
    }
    *nonfinite += bad;
}

void rotate_scalar(std::complex<float>* x, size_t n, const double* table, std::complex<double> start)
{
    float* xf = reinterpret_cast<float*>(x);
    const double pr = start.real(), pi = start.imag();
    for (size_t k = 0; k < n; ++k) {
        const double tr = table[2 * k], ti = table[2 * k + 1];
        const float c = static_cast<float>(pr * tr - pi * ti);
        const float d = static_cast<float>(pr * ti + pi * tr);
        const float re = xf[2 * k], im = xf[2 * k + 1];
        xf[2 * k] = re * c - im * d;
        xf[2 * k + 1] = im * c + re * d;
    }
}

void rotate_ramp_scalar(std::complex<float>* x, const double* t, size_t n, double p0, double slope,
                        double t0)
{
    float* xf = reinterpret_cast<float*>(x);
    for (size_t k = 0; k < n; ++k) {
        const std::complex<double> r = unit_phasor_d(p0 + slope * (t[k] - t0));
        const float c = static_cast<float>(r.real()), d = static_cast<float>(r.imag());
        const float re = xf[2 * k], im = xf[2 * k + 1];
        xf[2 * k] = re * c - im * d;
        xf[2 * k + 1] = im * c + re * d;
    }
}

const SampleKernels* sample_kernel_table(simd::Scalar)
{
    static constexpr SampleKernels table{ &agc_block_scalar, &rotate_scalar, &rotate_ramp_scalar };
    return &table;
}

simd::Selected<SampleKernels> sample_kernels_for(SimdLevel level)
{
    return simd::select(level, [](auto isa) { return sample_kernel_table(isa); });
}

} // namespace kernels
} // namespace dualsat
