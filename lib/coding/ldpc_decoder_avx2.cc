// AVX2 instantiation of the vector LDPC kernel (32 lanes per register, 12 per layer vector).
#include "ldpc_decoder_internal.h"

#if defined(__AVX2__)
#include <immintrin.h>

#include "ldpc_decoder_simd.inc.h"

namespace dualsat {
namespace ldpc_detail {
namespace {

struct Avx2Ops {
    using V = __m256i;
    static constexpr int kWidth = 32;
    static V loadu(const int8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
    static V load(const int8_t* p) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(p)); }
    static void storeu(int8_t* p, V v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
    static void store(int8_t* p, V v) { _mm256_store_si256(reinterpret_cast<__m256i*>(p), v); }
    static void store8(int8_t* p, V v)
    {
        _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(v));
    }
    static V zero() { return _mm256_setzero_si256(); }
    static V set1(int8_t x) { return _mm256_set1_epi8(x); }
    static V lane0_or(V v, int8_t x) { return _mm256_insert_epi8(v, x, 0); }
    static V subs(V a, V b) { return _mm256_subs_epi8(a, b); }
    static V adds(V a, V b) { return _mm256_adds_epi8(a, b); }
    static V max(V a, V b) { return _mm256_max_epi8(a, b); }
    static V min(V a, V b) { return _mm256_min_epi8(a, b); }
    static V abs(V a) { return _mm256_abs_epi8(a); }
    static V sign(V a, V s) { return _mm256_sign_epi8(a, s); }
    static V bxor(V a, V b) { return _mm256_xor_si256(a, b); }
    static V bor(V a, V b) { return _mm256_or_si256(a, b); }
    static V andnot(V mask, V v) { return _mm256_andnot_si256(mask, v); }
    static V cmpeq(V a, V b) { return _mm256_cmpeq_epi8(a, b); }
    static V blendv(V a, V b, V mask) { return _mm256_blendv_epi8(a, b, mask); }
    static uint32_t movemask(V v) { return static_cast<uint32_t>(_mm256_movemask_epi8(v)); }
    static V subs_u8(V a, V b) { return _mm256_subs_epu8(a, b); }
    // (m * s + 2^14) >> 15 per unsigned byte m <= 127.
    static V mulhrs_u8(V m, int16_t s)
    {
        const V z = _mm256_setzero_si256();
        const V f = _mm256_set1_epi16(s);
        const V lo = _mm256_mulhrs_epi16(_mm256_unpacklo_epi8(m, z), f);
        const V hi = _mm256_mulhrs_epi16(_mm256_unpackhi_epi8(m, z), f);
        return _mm256_packus_epi16(lo, hi);
    }
    static V reverse_bytes_in_octets(V v)
    {
        const V idx = _mm256_setr_epi8(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8,
                                       7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
        return _mm256_shuffle_epi8(v, idx);
    }
};

} // namespace

std::unique_ptr<LdpcKernel> make_avx2_kernel(const LdpcSchedule& s)
{
    return std::make_unique<SimdKernel<Avx2Ops>>(s);
}

} // namespace ldpc_detail
} // namespace dualsat

#else

namespace dualsat {
namespace ldpc_detail {
std::unique_ptr<LdpcKernel> make_avx2_kernel(const LdpcSchedule&) { return nullptr; }
} // namespace ldpc_detail
} // namespace dualsat

#endif
