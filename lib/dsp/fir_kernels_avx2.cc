// AVX2+FMA complex-by-real dot product (4 complex samples per register). Scalar reference:
// kernels::dot_cr_scalar in fir_kernels.cc.
#if defined(__x86_64__) || defined(__i386__)
#include <dualsat/dsp/fir_kernels.h>

#include <immintrin.h>

namespace dualsat {
namespace kernels {

std::complex<float> dot_cr_avx2(const std::complex<float>* x, const float* taps_dup, size_t n)
{
    // Exactly the operation sequence of one lane group of dot_cr_multi_avx2, so a filter
    // output is bit-identical whichever of the two kernels computed it (streaming results
    // must not depend on how calls were split). Lanes are re im re im re im re im.
    const float* xf = reinterpret_cast<const float*>(x);
    const size_t nf = 2 * n;
    __m256 acc8 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= nf; i += 8)
        acc8 = _mm256_fmadd_ps(_mm256_loadu_ps(xf + i), _mm256_loadu_ps(taps_dup + i), acc8);
    __m128 acc = _mm_add_ps(_mm256_castps256_ps128(acc8), _mm256_extractf128_ps(acc8, 1));
    if (i + 4 <= nf) {
        acc = _mm_fmadd_ps(_mm_loadu_ps(xf + i), _mm_loadu_ps(taps_dup + i), acc);
        i += 4;
    }
    if (i < nf) { // one complex sample left
        const __m128 xl = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(xf + i)));
        const __m128 hl = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(taps_dup + i)));
        acc = _mm_fmadd_ps(xl, hl, acc);
    }
    acc = _mm_add_ps(acc, _mm_movehl_ps(acc, acc));
    // Lanes 0 and 1 straight from the register (a store and reload would stall the
    // timing loop, which waits for this result).
    return { _mm_cvtss_f32(acc), _mm_cvtss_f32(_mm_shuffle_ps(acc, acc, 1)) };
}

namespace {
// The tail and reduction of dot_cr_avx2 for one accumulator (same operation sequence).
inline std::complex<float> finish_dot(__m256 acc8, const float* xf, const float* tf, size_t i, size_t nf)
{
    __m128 acc = _mm_add_ps(_mm256_castps256_ps128(acc8), _mm256_extractf128_ps(acc8, 1));
    if (i + 4 <= nf) {
        acc = _mm_fmadd_ps(_mm_loadu_ps(xf + i), _mm_loadu_ps(tf + i), acc);
        i += 4;
    }
    if (i < nf) {
        const __m128 xl = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(xf + i)));
        const __m128 hl = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(tf + i)));
        acc = _mm_fmadd_ps(xl, hl, acc);
    }
    acc = _mm_add_ps(acc, _mm_movehl_ps(acc, acc));
    return { _mm_cvtss_f32(acc), _mm_cvtss_f32(_mm_shuffle_ps(acc, acc, 1)) };
}
} // namespace

void dot_cr2_avx2(const std::complex<float>* xa, const float* ta, const std::complex<float>* xb,
                  const float* tb, size_t n, std::complex<float>* out)
{
    // Two dot_cr_avx2 accumulations interleaved: each is bit-identical to the single
    // kernel, and the two FMA chains overlap.
    const float* af = reinterpret_cast<const float*>(xa);
    const float* bf = reinterpret_cast<const float*>(xb);
    const size_t nf = 2 * n;
    __m256 acc_a = _mm256_setzero_ps();
    __m256 acc_b = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= nf; i += 8) {
        acc_a = _mm256_fmadd_ps(_mm256_loadu_ps(af + i), _mm256_loadu_ps(ta + i), acc_a);
        acc_b = _mm256_fmadd_ps(_mm256_loadu_ps(bf + i), _mm256_loadu_ps(tb + i), acc_b);
    }
    out[0] = finish_dot(acc_a, af, ta, i, nf);
    out[1] = finish_dot(acc_b, bf, tb, i, nf);
}

} // namespace kernels
} // namespace dualsat
#endif

#if defined(__x86_64__) || defined(__i386__)
namespace dualsat {
namespace kernels {

namespace {
// [r i r i | r i r i] -> [r i r i]
inline __m128 fold256(__m256 a)
{
    return _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
}
// Two [r i r i] partial sums -> [r_a i_a r_b i_b]
inline __m128 pair_sum(__m128 a, __m128 b)
{
    return _mm_add_ps(_mm_movelh_ps(a, b), _mm_movehl_ps(b, a));
}
inline __m128 load2(const float* p) // one complex / two duplicated taps, low half
{
    return _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(p)));
}
} // namespace

void dot_cr_multi_avx2(const std::complex<float>* x, const float* taps_dup, size_t n,
                       size_t stride, size_t count, std::complex<float>* out)
{
    const float* xf = reinterpret_cast<const float*>(x);
    const size_t nf = 2 * n;
    float* of = reinterpret_cast<float*>(out);
    size_t j = 0;
    for (; j + 4 <= count; j += 4) {
        const float* t0 = taps_dup + j * stride;
        const float* t1 = t0 + stride;
        const float* t2 = t1 + stride;
        const float* t3 = t2 + stride;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
        size_t i = 0;
        for (; i + 8 <= nf; i += 8) {
            const __m256 xv = _mm256_loadu_ps(xf + i); // loaded once for four tap sets
            a0 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(t0 + i), a0);
            a1 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(t1 + i), a1);
            a2 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(t2 + i), a2);
            a3 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(t3 + i), a3);
        }
        __m128 s0 = fold256(a0), s1 = fold256(a1), s2 = fold256(a2), s3 = fold256(a3);
        if (i + 4 <= nf) {
            const __m128 xv = _mm_loadu_ps(xf + i);
            s0 = _mm_fmadd_ps(xv, _mm_loadu_ps(t0 + i), s0);
            s1 = _mm_fmadd_ps(xv, _mm_loadu_ps(t1 + i), s1);
            s2 = _mm_fmadd_ps(xv, _mm_loadu_ps(t2 + i), s2);
            s3 = _mm_fmadd_ps(xv, _mm_loadu_ps(t3 + i), s3);
            i += 4;
        }
        if (i < nf) {
            const __m128 xv = load2(xf + i);
            s0 = _mm_fmadd_ps(xv, load2(t0 + i), s0);
            s1 = _mm_fmadd_ps(xv, load2(t1 + i), s1);
            s2 = _mm_fmadd_ps(xv, load2(t2 + i), s2);
            s3 = _mm_fmadd_ps(xv, load2(t3 + i), s3);
        }
        _mm_storeu_ps(of + 2 * j, pair_sum(s0, s1));
        _mm_storeu_ps(of + 2 * j + 4, pair_sum(s2, s3));
    }
    for (; j + 2 <= count; j += 2) {
        const float* t0 = taps_dup + j * stride;
        const float* t1 = t0 + stride;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        size_t i = 0;
        for (; i + 8 <= nf; i += 8) {
            const __m256 xv = _mm256_loadu_ps(xf + i);
            a0 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(t0 + i), a0);
            a1 = _mm256_fmadd_ps(xv, _mm256_loadu_ps(t1 + i), a1);
        }
        __m128 s0 = fold256(a0), s1 = fold256(a1);
        if (i + 4 <= nf) {
            const __m128 xv = _mm_loadu_ps(xf + i);
            s0 = _mm_fmadd_ps(xv, _mm_loadu_ps(t0 + i), s0);
            s1 = _mm_fmadd_ps(xv, _mm_loadu_ps(t1 + i), s1);
            i += 4;
        }
        if (i < nf) {
            const __m128 xv = load2(xf + i);
            s0 = _mm_fmadd_ps(xv, load2(t0 + i), s0);
            s1 = _mm_fmadd_ps(xv, load2(t1 + i), s1);
        }
        _mm_storeu_ps(of + 2 * j, pair_sum(s0, s1));
    }
    if (j < count)
        out[j] = dot_cr_avx2(x, taps_dup + j * stride, n);
}

} // namespace kernels
} // namespace dualsat
#endif
