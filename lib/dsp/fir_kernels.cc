#include <dualsat/dsp/fir_kernels.h>

namespace dualsat {
namespace kernels {

std::complex<float> dot_cr_scalar(const std::complex<float>* x, const float* taps_dup, size_t n)
{
    float re = 0.0f;
    float im = 0.0f;
    for (size_t k = 0; k < n; ++k) {
        const float h = taps_dup[2 * k];
        re += x[k].real() * h;
        im += x[k].imag() * h;
    }
    return { re, im };
}

void dot_cr_multi_scalar(const std::complex<float>* x, const float* taps_dup, size_t n,
                         size_t stride, size_t count, std::complex<float>* out)
{
    for (size_t j = 0; j < count; ++j)
        out[j] = dot_cr_scalar(x, taps_dup + j * stride, n);
}

DotMultiFn dot_cr_multi_for(SimdLevel level)
{
#if defined(__x86_64__) || defined(__i386__)
    switch (supported(level)) {
    case SimdLevel::AVX2:
        return &dot_cr_multi_avx2;
    case SimdLevel::SSE41:
        return &dot_cr_multi_sse41;
    case SimdLevel::Scalar:
        break;
    }
#else
    (void)level;
#endif
    return &dot_cr_multi_scalar;
}

void dot_cr2_scalar(const std::complex<float>* xa, const float* ta, const std::complex<float>* xb,
                    const float* tb, size_t n, std::complex<float>* out)
{
    out[0] = dot_cr_scalar(xa, ta, n);
    out[1] = dot_cr_scalar(xb, tb, n);
}

#if defined(__x86_64__) || defined(__i386__)
void dot_cr2_sse41(const std::complex<float>* xa, const float* ta, const std::complex<float>* xb,
                   const float* tb, size_t n, std::complex<float>* out)
{
    out[0] = dot_cr_sse41(xa, ta, n);
    out[1] = dot_cr_sse41(xb, tb, n);
}
#endif

DotComplexReal2Fn dot_cr2_for(SimdLevel level)
{
#if defined(__x86_64__) || defined(__i386__)
    switch (supported(level)) {
    case SimdLevel::AVX2:
        return &dot_cr2_avx2;
    case SimdLevel::SSE41:
        return &dot_cr2_sse41;
    case SimdLevel::Scalar:
        break;
    }
#else
    (void)level;
#endif
    return &dot_cr2_scalar;
}

DotComplexRealFn dot_cr_for(SimdLevel level)
{
#if defined(__x86_64__) || defined(__i386__)
    switch (supported(level)) {
    case SimdLevel::AVX2:
        return &dot_cr_avx2;
    case SimdLevel::SSE41:
        return &dot_cr_sse41;
    case SimdLevel::Scalar:
        break;
    }
#else
    (void)level;
#endif
    return &dot_cr_scalar;
}

std::vector<float> duplicate_taps(const float* taps, size_t n)
{
    std::vector<float> d(2 * n);
    for (size_t k = 0; k < n; ++k)
        d[2 * k] = d[2 * k + 1] = taps[k];
    return d;
}

} // namespace kernels
} // namespace dualsat
