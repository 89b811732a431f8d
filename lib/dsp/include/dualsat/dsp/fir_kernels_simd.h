// SPDX-License-Identifier: GPL-3.0-or-later
//
// The FIR kernels of fir_kernels.h, written once over an ISA tag (dualsat/core/simd.h) and
// instantiated by fir_kernels_sse41.cc and fir_kernels_avx2.cc. Scalar reference:
// dot_cr_scalar in fir_kernels.cc. Include it only from an ISA file (*_sse41.cc,
// *_avx2.cc): it is public so that kernels of other layers can inline these dot products
// (lib/rx/timing_loop_*.cc, the timing loop's strobes).
//
// Per tap set the operation sequence depends on the ISA only, never on which kernel runs
// it, so the single, two-window and multi kernels are bit-identical per set. With lanes
// re im re im ... over the interleaved complex input and duplicated taps:
//   acc = Σ x·h over whole f32 vectors (madd: fused on AVX2),
//   fold to 128 bits (AVX2: low half + high half),
//   AVX2 only: one more 4-float step if 4 floats remain,
//   one last complex sample (2 floats) if left,
//   (re0 im0 re1 im1) -> (re0 + re1, im0 + im1).
#pragma once

#include <dualsat/core/simd.h>
#include <dualsat/dsp/fir_kernels.h>

#include <complex>
#include <cstddef>

namespace dualsat {
namespace kernels {
namespace {

template <class Isa>
struct FirSimd {
    using V = typename simd::Ops<Isa>::f32;
    using V4 = typename simd::Ops<Isa>::f32x4;
    using reg = typename V::reg;
    using reg4 = typename V4::reg;
    static constexpr size_t W = V::kLanes;

    // kSets dot products over nf floats: set j is x[j]·t[j] (x[0] for every set when
    // kSharedX: one load of the window serves all sets). s[j] gets set j's partial sums
    // (re im re im), before the final pairwise add.
    template <int kSets, bool kSharedX>
    static DUALSAT_SIMD_INLINE void accumulate(const float* const* x,
                                               const float* const* t,
                                               size_t nf,
                                               reg4* s)
    {
        reg acc[kSets];
        for (int j = 0; j < kSets; ++j)
            acc[j] = V::zero();
        size_t i = 0;
        for (; i + W <= nf; i += W) {
            if constexpr (kSharedX) {
                const reg xv = V::loadu(x[0] + i);
                for (int j = 0; j < kSets; ++j)
                    acc[j] = V::madd(xv, V::loadu(t[j] + i), acc[j]);
            } else {
                for (int j = 0; j < kSets; ++j)
                    acc[j] = V::madd(V::loadu(x[j] + i), V::loadu(t[j] + i), acc[j]);
            }
        }
        for (int j = 0; j < kSets; ++j)
            s[j] = V::fold4(acc[j]);
        if constexpr (W > 4) {
            if (i + 4 <= nf) {
                for (int j = 0; j < kSets; ++j)
                    s[j] = V4::madd(V4::loadu(x[kSharedX ? 0 : j] + i), V4::loadu(t[j] + i), s[j]);
                i += 4;
            }
        }
        if (i < nf) // one complex sample left
            for (int j = 0; j < kSets; ++j)
                s[j] = V4::madd(V4::load2(x[kSharedX ? 0 : j] + i), V4::load2(t[j] + i), s[j]);
    }

    // Lanes 0 and 1 straight from the register (a store and reload would stall the timing
    // loop, which waits for this result).
    static DUALSAT_SIMD_INLINE std::complex<float> finish(reg4 s)
    {
        s = V4::add(s, V4::high_halves(s, s));
        return { V4::lane0(s), V4::lane1(s) };
    }

    // Two sets' partial sums -> re_a im_a re_b im_b, each added as in finish().
    static DUALSAT_SIMD_INLINE reg4 finish_pair(reg4 a, reg4 b)
    {
        return V4::add(V4::low_halves(a, b), V4::high_halves(a, b));
    }

    static std::complex<float> dot(const std::complex<float>* x, const float* taps_dup, size_t n)
    {
        const float* xs[1] = { reinterpret_cast<const float*>(x) };
        const float* ts[1] = { taps_dup };
        reg4 s[1];
        accumulate<1, true>(xs, ts, 2 * n, s);
        return finish(s[0]);
    }

    static void dot2(const std::complex<float>* xa, const float* ta, const std::complex<float>* xb,
                     const float* tb, size_t n, std::complex<float>* out)
    {
        const std::complex<float>* x[2] = { xa, xb };
        const float* t[2] = { ta, tb };
        dot_sets<2>(x, t, n, out);
    }

    // kSets independent windows, each with its own taps (the timing loop's strobes of a
    // group of symbols): their accumulations interleave, so the FMA latency of one set's
    // chain is hidden behind the others'. Per set the same operations as dot / dot2.
    template <int kSets>
    static DUALSAT_SIMD_INLINE void dot_sets(const std::complex<float>* const* x, const float* const* t,
                                             size_t n, std::complex<float>* out)
    {
        const float* xs[kSets];
        for (int j = 0; j < kSets; ++j)
            xs[j] = reinterpret_cast<const float*>(x[j]);
        reg4 s[kSets];
        accumulate<kSets, false>(xs, t, 2 * n, s);
        for (int j = 0; j < kSets; ++j)
            out[j] = finish(s[j]);
    }

    // Four sets at a time, then two, then one.
    static void dot_multi(const std::complex<float>* x, const float* taps_dup, size_t n,
                          size_t stride, size_t count, std::complex<float>* out)
    {
        const float* xf = reinterpret_cast<const float*>(x);
        float* of = reinterpret_cast<float*>(out);
        const float* xs[1] = { xf };
        size_t j = 0;
        for (; j + 4 <= count; j += 4) {
            const float* t0 = taps_dup + j * stride;
            const float* ts[4] = { t0, t0 + stride, t0 + 2 * stride, t0 + 3 * stride };
            reg4 s[4];
            accumulate<4, true>(xs, ts, 2 * n, s);
            V4::storeu(of + 2 * j, finish_pair(s[0], s[1]));
            V4::storeu(of + 2 * j + 4, finish_pair(s[2], s[3]));
        }
        for (; j + 2 <= count; j += 2) {
            const float* t0 = taps_dup + j * stride;
            const float* ts[2] = { t0, t0 + stride };
            reg4 s[2];
            accumulate<2, true>(xs, ts, 2 * n, s);
            V4::storeu(of + 2 * j, finish_pair(s[0], s[1]));
        }
        if (j < count)
            out[j] = dot(x, taps_dup + j * stride, n);
    }
};

template <class Isa>
const FirKernels* fir_simd_table()
{
    static constexpr FirKernels table{ &FirSimd<Isa>::dot, &FirSimd<Isa>::dot2, &FirSimd<Isa>::dot_multi };
    return &table;
}

} // namespace
} // namespace kernels
} // namespace dualsat
