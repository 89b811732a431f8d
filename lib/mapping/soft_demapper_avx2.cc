// AVX2 max-log kernels: 8 symbols per vector (QPSK: 4 symbols = 8 floats).
#include "soft_demapper_simd.h"

#include <immintrin.h>

namespace dualsat {
namespace detail {
namespace {

struct Avx2 {
    using reg = __m256;
    static constexpr int W = 8;
    static reg set1(float x) { return _mm256_set1_ps(x); }
    static reg load(const float* p) { return _mm256_load_ps(p); }
    static reg loadu(const float* p) { return _mm256_loadu_ps(p); }
    static void store(float* p, reg v) { _mm256_store_ps(p, v); }
    static void storeu(float* p, reg v) { _mm256_storeu_ps(p, v); }
    static reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
    static reg sub(reg a, reg b) { return _mm256_sub_ps(a, b); }
    static reg mul(reg a, reg b) { return _mm256_mul_ps(a, b); }
    static reg min(reg a, reg b) { return _mm256_min_ps(a, b); }
    static reg max(reg a, reg b) { return _mm256_max_ps(a, b); }
    static reg and_(reg a, reg b) { return _mm256_and_ps(a, b); }

    static void load_symbols(const float* p, reg& re, reg& im)
    {
        const reg a = _mm256_loadu_ps(p);     // r0 i0 r1 i1 | r2 i2 r3 i3
        const reg b = _mm256_loadu_ps(p + 8); // r4 i4 r5 i5 | r6 i6 r7 i7
        // In-lane shuffles give r0 r1 r4 r5 | r2 r3 r6 r7; the 64-bit permute restores order.
        const reg r = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
        const reg i = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
        re = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(r), 0xD8));
        im = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(i), 0xD8));
    }
    // x - x is 0 for finite x and NaN for NaN/Inf.
    static reg finite_mask(reg re, reg im)
    {
        const reg t = _mm256_add_ps(_mm256_sub_ps(re, re), _mm256_sub_ps(im, im));
        return _mm256_cmp_ps(t, t, _CMP_ORD_Q);
    }
    static reg pair_finite_mask(reg y)
    {
        const reg t = _mm256_sub_ps(y, y);
        const reg u = _mm256_add_ps(t, _mm256_permute_ps(t, _MM_SHUFFLE(2, 3, 0, 1)));
        return _mm256_cmp_ps(u, u, _CMP_ORD_Q);
    }
    // Erasures are rare: the branch is predicted and the count (a libgcc call without
    // -mpopcnt) only runs when a lane is erased.
    static int erased(reg mask)
    {
        const unsigned bits = static_cast<unsigned>(_mm256_movemask_ps(mask));
        return bits == 0xFFu ? 0 : W - __builtin_popcount(bits);
    }
    static void quantise_store8(int8_t* p, reg v)
    {
        v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(-127.0f)), _mm256_set1_ps(127.0f));
        const __m256i q = _mm256_cvtps_epi32(v); // round to nearest even (MXCSR default)
        const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
        _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packs_epi16(w, w));
    }
};

} // namespace

KernelResult maxlog_avx2(const DemapTables& t,
                         const std::complex<float>* symbols,
                         size_t n,
                         float inv_n0,
                         float scale,
                         float* llr_f,
                         int8_t* llr_q)
{
    return simd_maxlog<Avx2>(t, symbols, n, inv_n0, scale, llr_f, llr_q);
}

} // namespace detail
} // namespace dualsat
