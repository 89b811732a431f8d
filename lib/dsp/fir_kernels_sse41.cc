// SSE4.1 complex-by-real dot product (2 complex samples per register). Scalar reference:
// kernels::dot_cr_scalar in fir_kernels.cc.
#if defined(__x86_64__) || defined(__i386__)
#include <dualsat/dsp/fir_kernels.h>

#include <smmintrin.h>

namespace dualsat {
namespace kernels {

std::complex<float> dot_cr_sse41(const std::complex<float>* x, const float* taps_dup, size_t n)
{
    // Exactly the operation sequence of one lane of dot_cr_multi_sse41 (bit-identical
    // results whichever kernel computed an output). Lanes are re im re im.
    const float* xf = reinterpret_cast<const float*>(x);
    const size_t nf = 2 * n;
    __m128 acc = _mm_setzero_ps();
    size_t i = 0;
    for (; i + 4 <= nf; i += 4)
        acc = _mm_add_ps(acc, _mm_mul_ps(_mm_loadu_ps(xf + i), _mm_loadu_ps(taps_dup + i)));
    if (i < nf) { // one complex sample left: load it as the low half
        const __m128 xl = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(xf + i)));
        const __m128 hl = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(taps_dup + i)));
        acc = _mm_add_ps(acc, _mm_mul_ps(xl, hl));
    }
    // (re0 im0 re1 im1) -> (re0+re1, im0+im1)
    acc = _mm_add_ps(acc, _mm_movehl_ps(acc, acc));
    // Lanes 0 and 1 straight from the register (a store and reload would stall the
    // timing loop, which waits for this result).
    return { _mm_cvtss_f32(acc), _mm_cvtss_f32(_mm_shuffle_ps(acc, acc, 1)) };
}

} // namespace kernels
} // namespace dualsat
#endif

#if defined(__x86_64__) || defined(__i386__)
namespace dualsat {
namespace kernels {

namespace {
inline __m128 pair_sum_sse(__m128 a, __m128 b)
{
    return _mm_add_ps(_mm_movelh_ps(a, b), _mm_movehl_ps(b, a));
}
inline __m128 load2_sse(const float* p)
{
    return _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(p)));
}
} // namespace

void dot_cr_multi_sse41(const std::complex<float>* x, const float* taps_dup, size_t n,
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
        __m128 s0 = _mm_setzero_ps(), s1 = _mm_setzero_ps();
        __m128 s2 = _mm_setzero_ps(), s3 = _mm_setzero_ps();
        size_t i = 0;
        for (; i + 4 <= nf; i += 4) {
            const __m128 xv = _mm_loadu_ps(xf + i);
            s0 = _mm_add_ps(s0, _mm_mul_ps(xv, _mm_loadu_ps(t0 + i)));
            s1 = _mm_add_ps(s1, _mm_mul_ps(xv, _mm_loadu_ps(t1 + i)));
            s2 = _mm_add_ps(s2, _mm_mul_ps(xv, _mm_loadu_ps(t2 + i)));
            s3 = _mm_add_ps(s3, _mm_mul_ps(xv, _mm_loadu_ps(t3 + i)));
        }
        if (i < nf) {
            const __m128 xv = load2_sse(xf + i);
            s0 = _mm_add_ps(s0, _mm_mul_ps(xv, load2_sse(t0 + i)));
            s1 = _mm_add_ps(s1, _mm_mul_ps(xv, load2_sse(t1 + i)));
            s2 = _mm_add_ps(s2, _mm_mul_ps(xv, load2_sse(t2 + i)));
            s3 = _mm_add_ps(s3, _mm_mul_ps(xv, load2_sse(t3 + i)));
        }
        _mm_storeu_ps(of + 2 * j, pair_sum_sse(s0, s1));
        _mm_storeu_ps(of + 2 * j + 4, pair_sum_sse(s2, s3));
    }
    for (; j + 2 <= count; j += 2) {
        const float* t0 = taps_dup + j * stride;
        const float* t1 = t0 + stride;
        __m128 s0 = _mm_setzero_ps(), s1 = _mm_setzero_ps();
        size_t i = 0;
        for (; i + 4 <= nf; i += 4) {
            const __m128 xv = _mm_loadu_ps(xf + i);
            s0 = _mm_add_ps(s0, _mm_mul_ps(xv, _mm_loadu_ps(t0 + i)));
            s1 = _mm_add_ps(s1, _mm_mul_ps(xv, _mm_loadu_ps(t1 + i)));
        }
        if (i < nf) {
            const __m128 xv = load2_sse(xf + i);
            s0 = _mm_add_ps(s0, _mm_mul_ps(xv, load2_sse(t0 + i)));
            s1 = _mm_add_ps(s1, _mm_mul_ps(xv, load2_sse(t1 + i)));
        }
        _mm_storeu_ps(of + 2 * j, pair_sum_sse(s0, s1));
    }
    if (j < count)
        out[j] = dot_cr_sse41(x, taps_dup + j * stride, n);
}

} // namespace kernels
} // namespace dualsat
#endif
