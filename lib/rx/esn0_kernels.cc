// SPDX-License-Identifier: GPL-3.0-or-later
// Data-aided Es/N0 sums: the scalar reference (the SIMD kernels' test oracle) and the
// dispatch. The vector kernels: esn0_kernels_simd.h.
#include <dualsat/rx/esn0_kernels.h>

namespace dualsat {
namespace kernels {

void esn0_sums_scalar(const std::complex<float>* y, const std::complex<float>* s, size_t n,
                      Esn0LaneSums* sums)
{
    for (size_t k = 0; k < n; ++k) {
        const size_t lane = k % kEsn0Lanes;
        const float a = y[k].real(), b = y[k].imag(), c = s[k].real(), d = s[k].imag();
        // x - x is 0 for a finite x and NaN otherwise: two compares and an and, which the
        // compiler can turn into selects (std::isfinite and && are branches).
        const bool ok = ((a - a) == 0.0f) & ((b - b) == 0.0f);
        const float ya = ok ? a : 0.0f, yb = ok ? b : 0.0f;
        const float sc = ok ? c : 0.0f, sd = ok ? d : 0.0f;
        sums->corr_re[lane] += ya * sc + yb * sd;
        sums->corr_im[lane] += yb * sc - ya * sd;
        sums->ref_energy[lane] += sc * sc + sd * sd;
        sums->power[lane] += ya * ya + yb * yb;
        sums->used[lane] += ok ? 1u : 0u;
    }
}

const Esn0Kernels* esn0_kernel_table(simd::Scalar)
{
    static constexpr Esn0Kernels table{ &esn0_sums_scalar };
    return &table;
}

simd::Selected<Esn0Kernels> esn0_kernels_for(SimdLevel level)
{
    return simd::select(level, [](auto isa) { return esn0_kernel_table(isa); });
}

} // namespace kernels
} // namespace dualsat
