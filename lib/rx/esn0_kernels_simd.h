// SPDX-License-Identifier: GPL-3.0-or-later
//
// The data-aided Es/N0 sums of dualsat/rx/esn0_kernels.h, written once over an ISA tag and
// instantiated by esn0_kernels_sse41.cc and esn0_kernels_avx2.cc. The symbols are split
// into real and imaginary parts (F::deinterleave, symbols in order), so that each float
// lane is one of the reference's kEsn0Lanes lanes (one AVX2 vector, two SSE4.1 vectors per
// group) and does the reference's operations in its order: the finiteness test
// x - x == 0 on both parts, y and s zeroed where it fails (an and with the mask: +0, like
// the reference's select), a c + b d, b c - a d, c^2 + d^2, a^2 + b^2, and the count as the
// mask and 1.0f (exact up to 2^24 per lane).
#pragma once

#include <dualsat/core/simd.h>
#include <dualsat/rx/esn0_kernels.h>

#include <complex>
#include <cstddef>
#include <cstdint>

namespace dualsat {
namespace kernels {
namespace {

template <class Isa>
struct Esn0Simd {
    using Ops = simd::Ops<Isa>;
    using F = typename Ops::f32;
    using reg = typename F::reg;
    static constexpr size_t kVecs = kEsn0Lanes / F::kLanes; // vectors per group of lanes
    static_assert(kEsn0Lanes % F::kLanes == 0, "a group of lanes fills whole vectors");

    static void sums(const std::complex<float>* y, const std::complex<float>* s, size_t n,
                     Esn0LaneSums* out)
    {
        const float* yf = reinterpret_cast<const float*>(y);
        const float* sf = reinterpret_cast<const float*>(s);
        const reg zero = F::zero();
        const reg one = F::set1(1.0f);
        alignas(32) float lanes[F::kLanes];
        reg cr[kVecs], ci[kVecs], eb[kVecs], pb[kVecs], used[kVecs];
        for (size_t v = 0; v < kVecs; ++v) {
            const size_t l0 = v * F::kLanes;
            cr[v] = F::loadu(out->corr_re + l0);
            ci[v] = F::loadu(out->corr_im + l0);
            eb[v] = F::loadu(out->ref_energy + l0);
            pb[v] = F::loadu(out->power + l0);
            for (size_t l = 0; l < F::kLanes; ++l)
                lanes[l] = static_cast<float>(out->used[l0 + l]);
            used[v] = F::load(lanes);
        }
        size_t k = 0;
        for (; k + kEsn0Lanes <= n; k += kEsn0Lanes) {
            for (size_t v = 0; v < kVecs; ++v) {
                const size_t at = 2 * (k + v * F::kLanes);
                reg a, b, c, d; // y = a + jb, s = c + jd, one symbol per lane
                F::deinterleave(yf + at, a, b);
                F::deinterleave(sf + at, c, d);
                const reg ok = F::and_(F::cmpeq(F::sub(a, a), zero), F::cmpeq(F::sub(b, b), zero));
                a = F::and_(a, ok);
                b = F::and_(b, ok);
                c = F::and_(c, ok);
                d = F::and_(d, ok);
                cr[v] = F::add(cr[v], F::add(F::mul(a, c), F::mul(b, d)));
                ci[v] = F::add(ci[v], F::sub(F::mul(b, c), F::mul(a, d)));
                eb[v] = F::add(eb[v], F::add(F::mul(c, c), F::mul(d, d)));
                pb[v] = F::add(pb[v], F::add(F::mul(a, a), F::mul(b, b)));
                used[v] = F::add(used[v], F::and_(ok, one));
            }
        }
        for (size_t v = 0; v < kVecs; ++v) {
            const size_t l0 = v * F::kLanes;
            F::storeu(out->corr_re + l0, cr[v]);
            F::storeu(out->corr_im + l0, ci[v]);
            F::storeu(out->ref_energy + l0, eb[v]);
            F::storeu(out->power + l0, pb[v]);
            F::store(lanes, used[v]);
            for (size_t l = 0; l < F::kLanes; ++l)
                out->used[l0 + l] = static_cast<uint32_t>(lanes[l]);
        }
        if (k < n) // the last few symbols (k is a multiple of kEsn0Lanes): the reference
            esn0_sums_scalar(y + k, s + k, n - k, out);
    }
};

template <class Isa>
const Esn0Kernels* esn0_simd_table()
{
    static constexpr Esn0Kernels table{ &Esn0Simd<Isa>::sums };
    return &table;
}

} // namespace
} // namespace kernels
} // namespace dualsat
