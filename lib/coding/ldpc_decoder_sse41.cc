// SSE4.1 instantiation of the vector LDPC kernel (16 lanes per register, 23 per layer vector).
#include "ldpc_decoder_internal.h"

#if defined(__SSE4_1__) && defined(__SSSE3__)
#include <smmintrin.h>
#include <tmmintrin.h>

#include "ldpc_decoder_simd.inc.h"

namespace dualsat {
namespace ldpc_detail {
namespace {

struct Sse41Ops {
    using V = __m128i;
    static constexpr int kWidth = 16;
    static V loadu(const int8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
    static V load(const int8_t* p) { return _mm_load_si128(reinterpret_cast<const __m128i*>(p)); }
    static void storeu(int8_t* p, V v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }
    static void store(int8_t* p, V v) { _mm_store_si128(reinterpret_cast<__m128i*>(p), v); }
    static void store8(int8_t* p, V v) { _mm_storel_epi64(reinterpret_cast<__m128i*>(p), v); }
    static V zero() { return _mm_setzero_si128(); }
    static V set1(int8_t x) { return _mm_set1_epi8(x); }
    static V lane0_or(V v, int8_t x) { return _mm_insert_epi8(v, x, 0); }
    static V subs(V a, V b) { return _mm_subs_epi8(a, b); }
    static V adds(V a, V b) { return _mm_adds_epi8(a, b); }
    static V max(V a, V b) { return _mm_max_epi8(a, b); }
    static V min(V a, V b) { return _mm_min_epi8(a, b); }
    static V abs(V a) { return _mm_abs_epi8(a); }
    static V sign(V a, V s) { return _mm_sign_epi8(a, s); }
    static V bxor(V a, V b) { return _mm_xor_si128(a, b); }
    static V bor(V a, V b) { return _mm_or_si128(a, b); }
    static V andnot(V mask, V v) { return _mm_andnot_si128(mask, v); }
    static V cmpeq(V a, V b) { return _mm_cmpeq_epi8(a, b); }
    static V blendv(V a, V b, V mask) { return _mm_blendv_epi8(a, b, mask); }
    static uint32_t movemask(V v) { return static_cast<uint32_t>(_mm_movemask_epi8(v)); }
    static V subs_u8(V a, V b) { return _mm_subs_epu8(a, b); }
    static V mulhrs_u8(V m, int16_t s)
    {
        const V z = _mm_setzero_si128();
        const V f = _mm_set1_epi16(s);
        const V lo = _mm_mulhrs_epi16(_mm_unpacklo_epi8(m, z), f);
        const V hi = _mm_mulhrs_epi16(_mm_unpackhi_epi8(m, z), f);
        return _mm_packus_epi16(lo, hi);
    }
    static V reverse_bytes_in_octets(V v)
    {
        const V idx = _mm_setr_epi8(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
        return _mm_shuffle_epi8(v, idx);
    }
};

} // namespace

std::unique_ptr<LdpcKernel> make_sse41_kernel(const LdpcSchedule& s)
{
    return std::make_unique<SimdKernel<Sse41Ops>>(s);
}

} // namespace ldpc_detail
} // namespace dualsat

#else

namespace dualsat {
namespace ldpc_detail {
std::unique_ptr<LdpcKernel> make_sse41_kernel(const LdpcSchedule&) { return nullptr; }
} // namespace ldpc_detail
} // namespace dualsat

#endif
