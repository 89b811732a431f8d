// SSE4.1 complex-by-real dot product (2 complex samples per register). Scalar reference:
// kernels::dot_cr_scalar in fir_kernels.cc.
#if defined(__x86_64__) || defined(__i386__)
#include <dualsat/fir_kernels.h>

#include <smmintrin.h>

namespace dualsat {
namespace kernels {

std::complex<float> dot_cr_sse41(const std::complex<float>* x, const float* taps_dup, size_t n)
{
    const float* xf = reinterpret_cast<const float*>(x);
    const size_t nf = 2 * n;
    // Two accumulators hide the add latency; lanes are re im re im.
    __m128 acc0 = _mm_setzero_ps();
    __m128 acc1 = _mm_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= nf; i += 8) {
        acc0 = _mm_add_ps(acc0, _mm_mul_ps(_mm_loadu_ps(xf + i), _mm_loadu_ps(taps_dup + i)));
        acc1 = _mm_add_ps(acc1, _mm_mul_ps(_mm_loadu_ps(xf + i + 4), _mm_loadu_ps(taps_dup + i + 4)));
    }
    if (i + 4 <= nf) {
        acc0 = _mm_add_ps(acc0, _mm_mul_ps(_mm_loadu_ps(xf + i), _mm_loadu_ps(taps_dup + i)));
        i += 4;
    }
    __m128 acc = _mm_add_ps(acc0, acc1);
    if (i < nf) { // one complex sample left: load it as the low half
        const __m128 xl = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(xf + i)));
        const __m128 hl = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(taps_dup + i)));
        acc = _mm_add_ps(acc, _mm_mul_ps(xl, hl));
    }
    // (re0 im0 re1 im1) -> (re0+re1, im0+im1)
    acc = _mm_add_ps(acc, _mm_movehl_ps(acc, acc));
    alignas(16) float r[4];
    _mm_store_ps(r, acc);
    return { r[0], r[1] };
}

} // namespace kernels
} // namespace dualsat
#endif
