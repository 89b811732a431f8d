// SSE4.1 max-log kernels: 4 symbols per vector (QPSK: 2 symbols = 4 floats).
#include "soft_demapper_simd.h"

#include <cstring>
#include <smmintrin.h>

namespace dualsat {
namespace detail {
namespace {

struct Sse41 {
    using reg = __m128;
    static constexpr int W = 4;
    static reg set1(float x) { return _mm_set1_ps(x); }
    static reg load(const float* p) { return _mm_load_ps(p); }
    static reg loadu(const float* p) { return _mm_loadu_ps(p); }
    static void store(float* p, reg v) { _mm_store_ps(p, v); }
    static void storeu(float* p, reg v) { _mm_storeu_ps(p, v); }
    static reg add(reg a, reg b) { return _mm_add_ps(a, b); }
    static reg sub(reg a, reg b) { return _mm_sub_ps(a, b); }
    static reg mul(reg a, reg b) { return _mm_mul_ps(a, b); }
    static reg min(reg a, reg b) { return _mm_min_ps(a, b); }
    static reg max(reg a, reg b) { return _mm_max_ps(a, b); }
    static reg and_(reg a, reg b) { return _mm_and_ps(a, b); }

    static void load_symbols(const float* p, reg& re, reg& im)
    {
        const reg a = _mm_loadu_ps(p);     // r0 i0 r1 i1
        const reg b = _mm_loadu_ps(p + 4); // r2 i2 r3 i3
        re = _mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
        im = _mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
    }
    // x - x is 0 for finite x and NaN for NaN/Inf.
    static reg finite_mask(reg re, reg im)
    {
        const reg t = _mm_add_ps(_mm_sub_ps(re, re), _mm_sub_ps(im, im));
        return _mm_cmpord_ps(t, t);
    }
    static reg pair_finite_mask(reg y)
    {
        const reg t = _mm_sub_ps(y, y);
        const reg u = _mm_add_ps(t, _mm_shuffle_ps(t, t, _MM_SHUFFLE(2, 3, 0, 1)));
        return _mm_cmpord_ps(u, u);
    }
    // Erasures are rare: the branch is predicted and the count (a libgcc call without
    // -mpopcnt) only runs when a lane is erased.
    static int erased(reg mask)
    {
        const unsigned bits = static_cast<unsigned>(_mm_movemask_ps(mask));
        return bits == 0xFu ? 0 : W - __builtin_popcount(bits);
    }
    static void quantise_store8(int8_t* p, reg v)
    {
        v = _mm_min_ps(_mm_max_ps(v, _mm_set1_ps(-127.0f)), _mm_set1_ps(127.0f));
        const __m128i q = _mm_cvtps_epi32(v); // round to nearest even (MXCSR default)
        const __m128i w = _mm_packs_epi32(q, q);
        const int32_t bytes = _mm_cvtsi128_si32(_mm_packs_epi16(w, w));
        std::memcpy(p, &bytes, 4);
    }
};

} // namespace

KernelResult maxlog_sse41(const DemapTables& t,
                          const std::complex<float>* symbols,
                          size_t n,
                          float inv_n0,
                          float scale,
                          float* llr_f,
                          int8_t* llr_q)
{
    return simd_maxlog<Sse41>(t, symbols, n, inv_n0, scale, llr_f, llr_q);
}

} // namespace detail
} // namespace dualsat
