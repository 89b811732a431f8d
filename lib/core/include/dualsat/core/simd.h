// SPDX-License-Identifier: GPL-3.0-or-later
//
// The one SIMD pattern every kernel family in lib/ follows.
//
//   <family>.cc          the scalar reference (the test oracle) and the dispatch:
//                        simd::select(level, [](auto isa) { return <f>_kernel_table(isa); })
//   <family>_kernels.h   the family's kernel table (a struct of function pointers, or of
//                        factories) and its three providers <f>_kernel_table(simd::Scalar /
//                        Sse41 / Avx2); for FIR the public dualsat/dsp/fir_kernels.h, as
//                        rx's timing loop calls the kernels directly
//   <family>_simd.h      the algorithm, written once as templates over an ISA tag (Sse41,
//                        Avx2) whose vector operations come from simd::Ops<Isa> below, and
//                        <f>_simd_table<Isa>(), the table of that ISA's instances
//   <family>_sse41.cc    thin instantiations: <f>_kernel_table(simd::Sse41) returns
//   <family>_avx2.cc     <f>_simd_table<simd::Sse41>() (likewise Avx2), or nullptr when the
//                        file is not compiled for its ISA (a non-x86 target)
//
// Families (<family>, <f>): FIR dot products (lib/dsp/fir_kernels*, fir), max-log soft
// demapper (lib/mapping/soft_demapper*, demap), LDPC decoder (lib/coding/ldpc_decoder*, ldpc).
//
// Only files named *_sse41.cc / *_avx2.cc are compiled with the ISA's -m flags
// (cmake/Modules/DualsatCompilerFlags.cmake); DUALSAT_SIMD_SSE41 / DUALSAT_SIMD_AVX2 say
// whether the current file is, and simd::Ops<Isa> exists only where its ISA is enabled.
//
// Keeping ISA code out of the baseline binary: the linker keeps one copy of each inline
// function or template instance and may take it from any object file. Everything an ISA
// file instantiates must therefore depend on the ISA tag (all of Ops<Isa> does: F32x4<Sse41>
// and F32x4<Avx2> are different types) or sit in an anonymous namespace; otherwise an AVX2
// copy of shared code could end up running on a CPU without AVX2. (In the Release build the
// *_sse41.o / *_avx2.o objects export nothing but their table providers; an unoptimised
// build can still emit standard-library inlines such as std::complex's constructor out of
// line there.) Hence every inline definition in this header is a template: the vector types
// on the tag, select() on its caller's lambda.
//
// Floating point: the lib layers build with -ffp-contract=off, so add(mul(a, b), c) rounds
// twice on every ISA and a kernel that uses only add/mul/... reproduces a scalar reference
// bit for bit. madd() is the one exception, documented below.
#pragma once

#include <dualsat/core/cpu_features.h>

#include <cstdint>
#include <type_traits>
#include <vector>

#if defined(__SSE4_1__) && defined(__SSSE3__)
#define DUALSAT_SIMD_SSE41 1
#include <smmintrin.h>
#include <tmmintrin.h>
#else
#define DUALSAT_SIMD_SSE41 0
#endif

#if defined(__AVX2__) && defined(__FMA__)
#define DUALSAT_SIMD_AVX2 1
#include <immintrin.h>
#else
#define DUALSAT_SIMD_AVX2 0
#endif

// For kernel helpers whose inlining the vector code depends on (register arrays, constant
// loop counts); GCC's heuristics sometimes decline at the call sites' sizes.
#define DUALSAT_SIMD_INLINE inline __attribute__((always_inline))

namespace dualsat {
namespace simd {

// ISA tags: kernel templates are instantiated per tag, table providers overloaded on them.
struct Scalar {
    static constexpr SimdLevel level = SimdLevel::Scalar;
};
struct Sse41 {
    static constexpr SimdLevel level = SimdLevel::SSE41;
};
struct Avx2 {
    static constexpr SimdLevel level = SimdLevel::AVX2;
};

// A kernel table picked for a requested level, and the level it implements.
template <class Table>
struct Selected {
    const Table* table;
    SimdLevel level;
};

// The run-time dispatch of every kernel family: the table of the highest ISA that is at
// most `requested`, supported by this CPU (cpu_features.h) and built (tables(isa) is not
// null). Callers pass an explicit level, or active_simd_level() — the CPU's best, lowered
// by DUALSAT_SIMD=scalar|sse41|avx2 — by default.
//   tables: callable with each ISA tag, returning `const Table*`; the scalar one never null.
template <class Tables>
auto select(SimdLevel requested, Tables&& tables)
    -> Selected<std::remove_const_t<std::remove_pointer_t<decltype(tables(Scalar{}))>>>
{
    const SimdLevel level = supported(requested);
    if (level == SimdLevel::AVX2)
        if (const auto* t = tables(Avx2{}))
            return { t, SimdLevel::AVX2 };
    if (level == SimdLevel::AVX2 || level == SimdLevel::SSE41)
        if (const auto* t = tables(Sse41{}))
            return { t, SimdLevel::SSE41 };
    return { tables(Scalar{}), SimdLevel::Scalar };
}

// Every level this CPU runs, scalar first: what tests and benchmarks iterate over so each
// kernel is checked, not only the best one.
std::vector<SimdLevel> supported_levels();

// Vector operations per ISA, for the kernels' templates. Ops<Isa>::f32 is the widest float
// vector, f32x4 the 128-bit one (the same type for SSE4.1), i8 the widest int8 vector.
// Every type has kLanes and `reg`; loads and stores named without "u" need the vector's
// alignment. Each definition is the same in every file that has it (no per-file #if inside
// a type), and a file has only the types its ISA flags allow.
template <class Isa>
struct Ops;

#if DUALSAT_SIMD_SSE41 || DUALSAT_SIMD_AVX2
// 4 x float. Isa keeps the instances of different ISAs apart.
template <class Isa>
struct F32x4 {
    using reg = __m128;
    static constexpr int kLanes = 4;
    static reg zero() { return _mm_setzero_ps(); }
    static reg set1(float x) { return _mm_set1_ps(x); }
    static reg load(const float* p) { return _mm_load_ps(p); }
    static reg loadu(const float* p) { return _mm_loadu_ps(p); }
    // p[0], p[1] in lanes 0, 1; lanes 2, 3 zero.
    static reg load2(const float* p) { return _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(p))); }
    static void store(float* p, reg v) { _mm_store_ps(p, v); }
    static void storeu(float* p, reg v) { _mm_storeu_ps(p, v); }
    static reg add(reg a, reg b) { return _mm_add_ps(a, b); }
    static reg sub(reg a, reg b) { return _mm_sub_ps(a, b); }
    static reg mul(reg a, reg b) { return _mm_mul_ps(a, b); }
    // c + a·b, rounded twice (F32x4Fused: once).
    static reg madd(reg a, reg b, reg c) { return _mm_add_ps(c, _mm_mul_ps(a, b)); }
    // minps / maxps: the second operand when either is NaN.
    static reg min(reg a, reg b) { return _mm_min_ps(a, b); }
    static reg max(reg a, reg b) { return _mm_max_ps(a, b); }
    static reg and_(reg a, reg b) { return _mm_and_ps(a, b); }
    // All-ones lanes where a is not NaN.
    static reg ordered(reg a) { return _mm_cmpord_ps(a, a); }
    // a0 a1 a2 a3 -> a1 a0 a3 a2
    static reg swap_pairs(reg a) { return _mm_shuffle_ps(a, a, _MM_SHUFFLE(2, 3, 0, 1)); }
    // a0 a0 a2 a2 / a1 a1 a3 a3 (a complex vector's re / im parts, duplicated)
    static reg dup_even(reg a) { return _mm_moveldup_ps(a); }
    static reg dup_odd(reg a) { return _mm_movehdup_ps(a); }
    // a - b in even lanes, a + b in odd lanes (one rounding each)
    static reg addsub(reg a, reg b) { return _mm_addsub_ps(a, b); }
    // All-ones lanes where a == b (ordered: false when either is NaN).
    static reg cmpeq(reg a, reg b) { return _mm_cmpeq_ps(a, b); }
    // a0 a1 b0 b1 / a2 a3 b2 b3
    static reg low_halves(reg a, reg b) { return _mm_movelh_ps(a, b); }
    static reg high_halves(reg a, reg b) { return _mm_movehl_ps(b, a); }
    // The vector itself (the 128-bit step of a wider fold, see F32x8::fold4).
    static reg fold4(reg a) { return a; }
    static float lane0(reg a) { return _mm_cvtss_f32(a); }
    static float lane1(reg a) { return _mm_cvtss_f32(_mm_shuffle_ps(a, a, 1)); }
    // p[0..3] <- p[0] p[2] p[4] p[6], im <- p[1] p[3] p[5] p[7] (complex to re / im).
    static void deinterleave(const float* p, reg& re, reg& im)
    {
        const reg a = _mm_loadu_ps(p);
        const reg b = _mm_loadu_ps(p + 4);
        re = _mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
        im = _mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
    }
    // Bit l = sign bit of lane l.
    static unsigned movemask(reg a) { return static_cast<unsigned>(_mm_movemask_ps(a)); }
    // kLanes bytes: each lane rounded by MXCSR (nearest even by default) and saturated to
    // int8 (the caller clamps to +-127 first when -128 must not appear).
    static void store_rounded_i8(int8_t* p, reg v)
    {
        const __m128i q = _mm_cvtps_epi32(v);
        const __m128i w = _mm_packs_epi32(q, q);
        const int32_t bytes = _mm_cvtsi128_si32(_mm_packs_epi16(w, w));
        __builtin_memcpy(p, &bytes, 4);
    }
};
#endif

#if DUALSAT_SIMD_SSE41 || DUALSAT_SIMD_AVX2
// 2 x double: one complex<double> (re im).
template <class Isa>
struct F64x2 {
    using reg = __m128d;
    static constexpr int kLanes = 2;
    static reg set1(double x) { return _mm_set1_pd(x); }
    static reg loadu(const double* p) { return _mm_loadu_pd(p); }
    static reg mul(reg a, reg b) { return _mm_mul_pd(a, b); }
    // a - b in even lanes, a + b in odd lanes
    static reg addsub(reg a, reg b) { return _mm_addsub_pd(a, b); }
    static reg swap_pairs(reg a) { return _mm_shuffle_pd(a, a, 1); }
    static reg add(reg a, reg b) { return _mm_add_pd(a, b); }
    static reg sub(reg a, reg b) { return _mm_sub_pd(a, b); }
    static reg abs(reg a) { return _mm_andnot_pd(_mm_set1_pd(-0.0), a); }
    // All-ones lanes where a < b (ordered: false with a NaN).
    static reg less(reg a, reg b) { return _mm_cmplt_pd(a, b); }
    // b where mask, else a.
    static reg select(reg a, reg b, reg mask) { return _mm_blendv_pd(a, b, mask); }
};
#endif

#if DUALSAT_SIMD_SSE41
// 16 x int8 (SSE4.1 + SSSE3).
template <class Isa>
struct I8x16 {
    using reg = __m128i;
    static constexpr int kLanes = 16;
    static reg zero() { return _mm_setzero_si128(); }
    static reg set1(int8_t x) { return _mm_set1_epi8(x); }
    static reg load(const int8_t* p) { return _mm_load_si128(reinterpret_cast<const __m128i*>(p)); }
    static reg loadu(const int8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
    static void store(int8_t* p, reg v) { _mm_store_si128(reinterpret_cast<__m128i*>(p), v); }
    static void storeu(int8_t* p, reg v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }
    static void store_low8(int8_t* p, reg v) { _mm_storel_epi64(reinterpret_cast<__m128i*>(p), v); }
    static reg with_lane0(reg v, int8_t x) { return _mm_insert_epi8(v, x, 0); }
    static reg adds(reg a, reg b) { return _mm_adds_epi8(a, b); } // saturating
    static reg subs(reg a, reg b) { return _mm_subs_epi8(a, b); }
    static reg subs_u8(reg a, reg b) { return _mm_subs_epu8(a, b); } // as unsigned bytes
    static reg min(reg a, reg b) { return _mm_min_epi8(a, b); }
    static reg max(reg a, reg b) { return _mm_max_epi8(a, b); }
    static reg abs(reg a) { return _mm_abs_epi8(a); }
    static reg sign(reg a, reg s) { return _mm_sign_epi8(a, s); } // a·sgn(s), 0 where s == 0
    static reg xor_(reg a, reg b) { return _mm_xor_si128(a, b); }
    static reg or_(reg a, reg b) { return _mm_or_si128(a, b); }
    static reg andnot(reg mask, reg v) { return _mm_andnot_si128(mask, v); }
    static reg cmpeq(reg a, reg b) { return _mm_cmpeq_epi8(a, b); }
    static reg blendv(reg a, reg b, reg mask) { return _mm_blendv_epi8(a, b, mask); } // b where mask
    static uint32_t movemask(reg v) { return static_cast<uint32_t>(_mm_movemask_epi8(v)); }
    // (m·s + 2^14) >> 15 per unsigned byte m <= 127 (a Q15 scale, rounded).
    static reg mul_q15_u8(reg m, int16_t s)
    {
        const reg z = _mm_setzero_si128();
        const reg f = _mm_set1_epi16(s);
        const reg lo = _mm_mulhrs_epi16(_mm_unpacklo_epi8(m, z), f);
        const reg hi = _mm_mulhrs_epi16(_mm_unpackhi_epi8(m, z), f);
        return _mm_packus_epi16(lo, hi);
    }
    // The byte order of every 8-byte group reversed.
    static reg reverse_bytes_in_octets(reg v)
    {
        const reg idx = _mm_setr_epi8(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
        return _mm_shuffle_epi8(v, idx);
    }
};

template <>
struct Ops<Sse41> {
    using f32 = F32x4<Sse41>;
    using f32x4 = F32x4<Sse41>;
    using f64 = F64x2<Sse41>;
    using i8 = I8x16<Sse41>;
    // Two f64 vectors (kLanes complex<double> in all) rounded to one f32 vector of the same
    // complex values: a's in the low lanes, b's above.
    static f32::reg f64_pair_to_f32(f64::reg a, f64::reg b) { return _mm_movelh_ps(_mm_cvtpd_ps(a), _mm_cvtpd_ps(b)); }
    // Real parts re, imaginary parts im (kLanes values each) rounded to the f32 vector of
    // the complex values re0 + j im0, re1 + j im1, ...
    static f32::reg f64_parts_to_f32(f64::reg re, f64::reg im) { return _mm_unpacklo_ps(_mm_cvtpd_ps(re), _mm_cvtpd_ps(im)); }
};
#endif

#if DUALSAT_SIMD_AVX2
// 4 x float whose madd is AVX2's FMA: a·b + c rounded once.
template <class Isa>
struct F32x4Fused : F32x4<Isa> {
    using reg = __m128;
    static reg madd(reg a, reg b, reg c) { return _mm_fmadd_ps(a, b, c); }
};

// 8 x float (AVX2 + FMA).
template <class Isa>
struct F32x8 {
    using reg = __m256;
    static constexpr int kLanes = 8;
    static reg zero() { return _mm256_setzero_ps(); }
    static reg set1(float x) { return _mm256_set1_ps(x); }
    static reg load(const float* p) { return _mm256_load_ps(p); }
    static reg loadu(const float* p) { return _mm256_loadu_ps(p); }
    static void store(float* p, reg v) { _mm256_store_ps(p, v); }
    static void storeu(float* p, reg v) { _mm256_storeu_ps(p, v); }
    static reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
    static reg sub(reg a, reg b) { return _mm256_sub_ps(a, b); }
    static reg mul(reg a, reg b) { return _mm256_mul_ps(a, b); }
    static reg madd(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); } // one rounding
    static reg min(reg a, reg b) { return _mm256_min_ps(a, b); }
    static reg max(reg a, reg b) { return _mm256_max_ps(a, b); }
    static reg and_(reg a, reg b) { return _mm256_and_ps(a, b); }
    static reg ordered(reg a) { return _mm256_cmp_ps(a, a, _CMP_ORD_Q); }
    static reg swap_pairs(reg a) { return _mm256_permute_ps(a, _MM_SHUFFLE(2, 3, 0, 1)); }
    static reg dup_even(reg a) { return _mm256_moveldup_ps(a); }
    static reg dup_odd(reg a) { return _mm256_movehdup_ps(a); }
    static reg addsub(reg a, reg b) { return _mm256_addsub_ps(a, b); }
    static reg cmpeq(reg a, reg b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
    // Low 128 bits + high 128 bits.
    static __m128 fold4(reg a) { return _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1)); }
    static void deinterleave(const float* p, reg& re, reg& im)
    {
        const reg a = _mm256_loadu_ps(p);     // r0 i0 r1 i1 | r2 i2 r3 i3
        const reg b = _mm256_loadu_ps(p + 8); // r4 i4 r5 i5 | r6 i6 r7 i7
        // In-lane shuffles give r0 r1 r4 r5 | r2 r3 r6 r7; the 64-bit permute restores order.
        const reg r = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
        const reg i = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
        re = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(r), 0xD8));
        im = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(i), 0xD8));
    }
    static unsigned movemask(reg a) { return static_cast<unsigned>(_mm256_movemask_ps(a)); }
    static void store_rounded_i8(int8_t* p, reg v)
    {
        const __m256i q = _mm256_cvtps_epi32(v);
        const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
        _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packs_epi16(w, w));
    }
};

// 4 x double: two complex<double>.
template <class Isa>
struct F64x4 {
    using reg = __m256d;
    static constexpr int kLanes = 4;
    static reg set1(double x) { return _mm256_set1_pd(x); }
    static reg loadu(const double* p) { return _mm256_loadu_pd(p); }
    static reg mul(reg a, reg b) { return _mm256_mul_pd(a, b); }
    static reg addsub(reg a, reg b) { return _mm256_addsub_pd(a, b); }
    static reg swap_pairs(reg a) { return _mm256_permute_pd(a, 0x5); }
    static reg add(reg a, reg b) { return _mm256_add_pd(a, b); }
    static reg sub(reg a, reg b) { return _mm256_sub_pd(a, b); }
    static reg abs(reg a) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), a); }
    static reg less(reg a, reg b) { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
    static reg select(reg a, reg b, reg mask) { return _mm256_blendv_pd(a, b, mask); }
};

// 32 x int8.
template <class Isa>
struct I8x32 {
    using reg = __m256i;
    static constexpr int kLanes = 32;
    static reg zero() { return _mm256_setzero_si256(); }
    static reg set1(int8_t x) { return _mm256_set1_epi8(x); }
    static reg load(const int8_t* p) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(p)); }
    static reg loadu(const int8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
    static void store(int8_t* p, reg v) { _mm256_store_si256(reinterpret_cast<__m256i*>(p), v); }
    static void storeu(int8_t* p, reg v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
    static void store_low8(int8_t* p, reg v)
    {
        _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(v));
    }
    static reg with_lane0(reg v, int8_t x) { return _mm256_insert_epi8(v, x, 0); }
    static reg adds(reg a, reg b) { return _mm256_adds_epi8(a, b); }
    static reg subs(reg a, reg b) { return _mm256_subs_epi8(a, b); }
    static reg subs_u8(reg a, reg b) { return _mm256_subs_epu8(a, b); }
    static reg min(reg a, reg b) { return _mm256_min_epi8(a, b); }
    static reg max(reg a, reg b) { return _mm256_max_epi8(a, b); }
    static reg abs(reg a) { return _mm256_abs_epi8(a); }
    static reg sign(reg a, reg s) { return _mm256_sign_epi8(a, s); }
    static reg xor_(reg a, reg b) { return _mm256_xor_si256(a, b); }
    static reg or_(reg a, reg b) { return _mm256_or_si256(a, b); }
    static reg andnot(reg mask, reg v) { return _mm256_andnot_si256(mask, v); }
    static reg cmpeq(reg a, reg b) { return _mm256_cmpeq_epi8(a, b); }
    static reg blendv(reg a, reg b, reg mask) { return _mm256_blendv_epi8(a, b, mask); }
    static uint32_t movemask(reg v) { return static_cast<uint32_t>(_mm256_movemask_epi8(v)); }
    static reg mul_q15_u8(reg m, int16_t s)
    {
        const reg z = _mm256_setzero_si256();
        const reg f = _mm256_set1_epi16(s);
        const reg lo = _mm256_mulhrs_epi16(_mm256_unpacklo_epi8(m, z), f);
        const reg hi = _mm256_mulhrs_epi16(_mm256_unpackhi_epi8(m, z), f);
        return _mm256_packus_epi16(lo, hi);
    }
    static reg reverse_bytes_in_octets(reg v)
    {
        const reg idx = _mm256_setr_epi8(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8,
                                         7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
        return _mm256_shuffle_epi8(v, idx);
    }
};

template <>
struct Ops<Avx2> {
    using f32 = F32x8<Avx2>;
    using f32x4 = F32x4Fused<Avx2>;
    using f64 = F64x4<Avx2>;
    using i8 = I8x32<Avx2>;
    static f32::reg f64_pair_to_f32(f64::reg a, f64::reg b)
    {
        return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(a)), _mm256_cvtpd_ps(b), 1);
    }
    static f32::reg f64_parts_to_f32(f64::reg re, f64::reg im)
    {
        const __m128 r = _mm256_cvtpd_ps(re), i = _mm256_cvtpd_ps(im);
        return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_unpacklo_ps(r, i)), _mm_unpackhi_ps(r, i), 1);
    }
};
#endif

} // namespace simd
} // namespace dualsat
