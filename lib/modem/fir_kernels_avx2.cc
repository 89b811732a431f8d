// AVX2+FMA complex-by-real dot product (4 complex samples per register). Scalar reference:
// kernels::dot_cr_scalar in fir_kernels.cc.
#if defined(__x86_64__) || defined(__i386__)
#include <dualsat/fir_kernels.h>

#include <immintrin.h>

namespace dualsat {
namespace kernels {

std::complex<float> dot_cr_avx2(const std::complex<float>* x, const float* taps_dup, size_t n)
{
    const float* xf = reinterpret_cast<const float*>(x);
    const size_t nf = 2 * n;
    // Two accumulators: filters here are short (8..40 taps per phase), so more would only
    // add reduction cost. Lanes are re im re im re im re im.
    __m256 acc0 = _mm256_setzero_ps();
    __m256 acc1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= nf; i += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(xf + i), _mm256_loadu_ps(taps_dup + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(xf + i + 8), _mm256_loadu_ps(taps_dup + i + 8), acc1);
    }
    if (i + 8 <= nf) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(xf + i), _mm256_loadu_ps(taps_dup + i), acc0);
        i += 8;
    }
    __m256 acc8 = _mm256_add_ps(acc0, acc1);
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
    alignas(16) float r[4];
    _mm_store_ps(r, acc);
    return { r[0], r[1] };
}

} // namespace kernels
} // namespace dualsat
#endif
