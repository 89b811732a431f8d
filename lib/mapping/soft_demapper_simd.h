// SPDX-License-Identifier: GPL-3.0-or-later
// Internal: the max-log kernels, written once over an ISA tag (dualsat/core/simd.h) and
// instantiated by soft_demapper_sse41.cc (4 lanes) and soft_demapper_avx2.cc (8 lanes).
// Scalar reference: maxlog_scalar in soft_demapper.cc, matched bit for bit: the same float
// operations per lane in the same order (see soft_demapper_kernels.h).
// Everything here is in an anonymous namespace: each ISA file gets its own copy.
#pragma once

#include "soft_demapper_kernels.h"

#include <dualsat/core/simd.h>
#include <dualsat/mapping/soft_demapper.h>

#include <utility>

namespace dualsat {
namespace detail {
namespace {

// All-ones lanes where both re and im are finite (x - x is 0 for finite x, NaN for NaN/Inf).
template <class V>
DUALSAT_SIMD_INLINE typename V::reg finite_mask(typename V::reg re, typename V::reg im)
{
    return V::ordered(V::add(V::sub(re, re), V::sub(im, im)));
}

// Interleaved I Q I Q ...: all-ones on both lanes of a symbol when both are finite.
template <class V>
DUALSAT_SIMD_INLINE typename V::reg pair_finite_mask(typename V::reg y)
{
    const typename V::reg t = V::sub(y, y);
    return V::ordered(V::add(t, V::swap_pairs(t)));
}

// Lanes not set in mask. Erasures are rare: the branch is predicted and the count (a
// libgcc call without -mpopcnt) only runs when a lane is erased.
template <class V>
DUALSAT_SIMD_INLINE int erased(typename V::reg mask)
{
    constexpr unsigned kAll = (1u << V::kLanes) - 1;
    const unsigned bits = V::movemask(mask);
    return bits == kAll ? 0 : V::kLanes - __builtin_popcount(bits);
}

// quantise() of every lane: saturate to +-127, round to nearest even (MXCSR default).
template <class V>
DUALSAT_SIMD_INLINE void quantise_store8(int8_t* p, typename V::reg v)
{
    V::store_rounded_i8(p, V::min(V::max(v, V::set1(-127.0f)), V::set1(127.0f)));
}

template <class V, int B, int J, int K>
DUALSAT_SIMD_INLINE void simd_update(typename V::reg (&mn0)[B], typename V::reg (&mn1)[B], typename V::reg m)
{
    if constexpr (((J >> (B - 1 - K)) & 1) != 0)
        mn1[K] = V::min(mn1[K], m);
    else
        mn0[K] = V::min(mn0[K], m);
}

template <class V, int B, int J, int... K>
DUALSAT_SIMD_INLINE void simd_point(const DemapTables& t,
                                    typename V::reg yr,
                                    typename V::reg yi,
                                    typename V::reg (&mn0)[B],
                                    typename V::reg (&mn1)[B],
                                    std::integer_sequence<int, K...>)
{
    const typename V::reg m =
        V::add(V::add(V::mul(V::load(t.ar[J]), yr), V::mul(V::load(t.ai[J]), yi)), V::load(t.c[J]));
    (simd_update<V, B, J, K>(mn0, mn1, m), ...);
}

template <class V, int B, int... J>
DUALSAT_SIMD_INLINE void simd_all_points(const DemapTables& t,
                                         typename V::reg yr,
                                         typename V::reg yi,
                                         typename V::reg (&mn0)[B],
                                         typename V::reg (&mn1)[B],
                                         std::integer_sequence<int, J...>)
{
    (simd_point<V, B, J>(t, yr, yi, mn0, mn1, std::make_integer_sequence<int, B>{}), ...);
}

// 8PSK / 16APSK / 32APSK: distance search over all 2^B points, W symbols at a time.
template <class V, int B, bool Int8>
KernelResult simd_metric_kernel(const DemapTables& t,
                                const std::complex<float>* symbols,
                                size_t n,
                                float inv_n0,
                                float scale,
                                float* llr_f,
                                int8_t* llr_q)
{
    using reg = typename V::reg;
    constexpr int W = V::kLanes;
    const reg lim = V::set1(kMaxSymbolComponent);
    const reg nlim = V::set1(-kMaxSymbolComponent);
    const reg big = V::set1(3.0e38f);
    const reg inv = V::set1(inv_n0);
    const reg sc = V::set1(scale);
    size_t erasures = 0;
    const size_t blocks = n / W;
    alignas(32) float tmp_f[B][W];
    alignas(32) int8_t tmp_q[B][W];
    for (size_t blk = 0; blk < blocks; ++blk) {
        reg yr, yi;
        V::deinterleave(reinterpret_cast<const float*>(symbols + blk * W), yr, yi);
        const reg ok = finite_mask<V>(yr, yi);
        erasures += static_cast<size_t>(erased<V>(ok));
        yr = V::min(V::max(yr, nlim), lim);
        yi = V::min(V::max(yi, nlim), lim);
        reg mn0[B], mn1[B];
        for (int k = 0; k < B; ++k)
            mn0[k] = mn1[k] = big;
        simd_all_points<V, B>(t, yr, yi, mn0, mn1, std::make_integer_sequence<int, (1 << B)>{});
        for (int k = 0; k < B; ++k) {
            const reg llr = V::and_(V::mul(V::sub(mn1[k], mn0[k]), inv), ok);
            if constexpr (Int8)
                quantise_store8<V>(tmp_q[k], V::mul(llr, sc));
            else
                V::store(tmp_f[k], llr);
        }
        // Bit-major vectors to the symbol-major LLR stream.
        const size_t base = blk * W * B;
        for (int s = 0; s < W; ++s)
            for (int k = 0; k < B; ++k) {
                if constexpr (Int8)
                    llr_q[base + static_cast<size_t>(s * B + k)] = tmp_q[k][s];
                else
                    llr_f[base + static_cast<size_t>(s * B + k)] = tmp_f[k][s];
            }
    }
    return { blocks * W, erasures };
}

// QPSK: the LLR stream is the (clamped) float stream I0 Q0 I1 Q1 ... times k.
template <class V, bool Int8>
KernelResult simd_qpsk_kernel(const DemapTables& t,
                              const std::complex<float>* symbols,
                              size_t n,
                              float inv_n0,
                              float scale,
                              float* llr_f,
                              int8_t* llr_q)
{
    using reg = typename V::reg;
    constexpr int W = V::kLanes; // floats per vector = W / 2 symbols
    const reg lim = V::set1(kMaxSymbolComponent);
    const reg nlim = V::set1(-kMaxSymbolComponent);
    const reg k = V::set1(t.qpsk_4a * inv_n0);
    const reg sc = V::set1(scale);
    const float* in = reinterpret_cast<const float*>(symbols);
    const size_t blocks = (2 * n) / W;
    size_t erased_lanes = 0;
    for (size_t blk = 0; blk < blocks; ++blk) {
        reg y = V::loadu(in + blk * W);
        const reg ok = pair_finite_mask<V>(y);
        erased_lanes += static_cast<size_t>(erased<V>(ok));
        y = V::min(V::max(y, nlim), lim);
        const reg llr = V::and_(V::mul(y, k), ok);
        if constexpr (Int8)
            quantise_store8<V>(llr_q + blk * W, V::mul(llr, sc));
        else
            V::storeu(llr_f + blk * W, llr);
    }
    return { blocks * W / 2, erased_lanes / 2 };
}

template <class V>
KernelResult simd_maxlog(const DemapTables& t,
                         const std::complex<float>* symbols,
                         size_t n,
                         float inv_n0,
                         float scale,
                         float* llr_f,
                         int8_t* llr_q)
{
    const bool q = llr_q != nullptr;
    switch (t.mod) {
    case Modulation::QPSK:
        return q ? simd_qpsk_kernel<V, true>(t, symbols, n, inv_n0, scale, llr_f, llr_q)
                 : simd_qpsk_kernel<V, false>(t, symbols, n, inv_n0, scale, llr_f, llr_q);
    case Modulation::PSK8:
        return q ? simd_metric_kernel<V, 3, true>(t, symbols, n, inv_n0, scale, llr_f, llr_q)
                 : simd_metric_kernel<V, 3, false>(t, symbols, n, inv_n0, scale, llr_f, llr_q);
    case Modulation::APSK16:
        return q ? simd_metric_kernel<V, 4, true>(t, symbols, n, inv_n0, scale, llr_f, llr_q)
                 : simd_metric_kernel<V, 4, false>(t, symbols, n, inv_n0, scale, llr_f, llr_q);
    case Modulation::APSK32:
        return q ? simd_metric_kernel<V, 5, true>(t, symbols, n, inv_n0, scale, llr_f, llr_q)
                 : simd_metric_kernel<V, 5, false>(t, symbols, n, inv_n0, scale, llr_f, llr_q);
    }
    return { 0, 0 };
}

template <class Isa>
const DemapKernels* demap_simd_table()
{
    static constexpr DemapKernels table{ &simd_maxlog<typename simd::Ops<Isa>::f32> };
    return &table;
}

} // namespace
} // namespace detail
} // namespace dualsat
