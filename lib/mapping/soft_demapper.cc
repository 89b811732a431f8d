// SPDX-License-Identifier: GPL-3.0-or-later
// Soft demapper: dispatch, the scalar max-log reference, the exact-log reference and
// quantisation. The SIMD kernels: soft_demapper_simd.h, instantiated by
// soft_demapper_{sse41,avx2}.cc (the pattern of dualsat/core/simd.h).
#include "soft_demapper_kernels.h"

#include <dualsat/core/error.h>
#include <dualsat/mapping/soft_demapper.h>

#include <algorithm>
#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif
#include <cmath>
#include <string>

namespace dualsat {
namespace detail {
namespace {

inline float clamp_component(float y)
{
    // Same operand order as minps/maxps: max(y, lo) then min(., hi).
    y = (y > -kMaxSymbolComponent) ? y : -kMaxSymbolComponent;
    return (y < kMaxSymbolComponent) ? y : kMaxSymbolComponent;
}

inline float min_lane(float a, float b) { return a < b ? a : b; } // minps semantics

template <bool Int8>
inline void put(float llr, float scale, size_t index, float* llr_f, int8_t* llr_q)
{
    if constexpr (Int8)
        llr_q[index] = quantise(llr, scale);
    else
        llr_f[index] = llr;
}

// One symbol at a time; B (bits per symbol) is a template constant so the label-bit tests
// fold away, as in the SIMD kernels. B == 2 is QPSK's closed form.
template <int B, bool Int8>
KernelResult scalar_impl(const DemapTables& t,
                         const std::complex<float>* symbols,
                         size_t n,
                         float inv_n0,
                         float scale,
                         float* llr_f,
                         int8_t* llr_q)
{
    constexpr int M = 1 << B;
    const float k_qpsk = t.qpsk_4a * inv_n0;
    size_t erasures = 0;
    for (size_t i = 0; i < n; ++i) {
        const size_t base = i * static_cast<size_t>(B);
        const float raw_r = symbols[i].real();
        const float raw_i = symbols[i].imag();
        if (!std::isfinite(raw_r) || !std::isfinite(raw_i)) {
            ++erasures;
            for (int k = 0; k < B; ++k)
                put<Int8>(0.0f, scale, base + static_cast<size_t>(k), llr_f, llr_q);
            continue;
        }
        const float yr = clamp_component(raw_r);
        const float yi = clamp_component(raw_i);
        if constexpr (B == 2) {
            put<Int8>(yr * k_qpsk, scale, base, llr_f, llr_q);
            put<Int8>(yi * k_qpsk, scale, base + 1, llr_f, llr_q);
        } else {
            float mn0[B], mn1[B];
            for (int k = 0; k < B; ++k)
                mn0[k] = mn1[k] = 3.0e38f;
            for (int j = 0; j < M; ++j) {
                const float metric = (t.ar[j][0] * yr + t.ai[j][0] * yi) + t.c[j][0];
                for (int k = 0; k < B; ++k) {
                    if ((j >> (B - 1 - k)) & 1)
                        mn1[k] = min_lane(mn1[k], metric);
                    else
                        mn0[k] = min_lane(mn0[k], metric);
                }
            }
            for (int k = 0; k < B; ++k)
                put<Int8>((mn1[k] - mn0[k]) * inv_n0, scale, base + static_cast<size_t>(k), llr_f, llr_q);
        }
    }
    return { n, erasures };
}

template <bool Int8>
KernelResult scalar_dispatch(const DemapTables& t,
                             const std::complex<float>* symbols,
                             size_t n,
                             float inv_n0,
                             float scale,
                             float* llr_f,
                             int8_t* llr_q)
{
    switch (t.bits) {
    case 2:
        return scalar_impl<2, Int8>(t, symbols, n, inv_n0, scale, llr_f, llr_q);
    case 3:
        return scalar_impl<3, Int8>(t, symbols, n, inv_n0, scale, llr_f, llr_q);
    case 4:
        return scalar_impl<4, Int8>(t, symbols, n, inv_n0, scale, llr_f, llr_q);
    default:
        return scalar_impl<5, Int8>(t, symbols, n, inv_n0, scale, llr_f, llr_q);
    }
}

} // namespace

KernelResult maxlog_scalar(const DemapTables& t,
                           const std::complex<float>* symbols,
                           size_t n,
                           float inv_n0,
                           float scale,
                           float* llr_f,
                           int8_t* llr_q)
{
    return llr_q != nullptr ? scalar_dispatch<true>(t, symbols, n, inv_n0, scale, llr_f, llr_q)
                            : scalar_dispatch<false>(t, symbols, n, inv_n0, scale, llr_f, llr_q);
}

const DemapKernels* demap_kernel_table(simd::Scalar)
{
    static constexpr DemapKernels table{ &maxlog_scalar };
    return &table;
}

} // namespace detail

namespace {

// Exact log-MAP in double: ln sum exp(-d0/N0) - ln sum exp(-d1/N0), each sum taken
// relative to its smallest distance so nothing under- or overflows.
size_t exact_log(const Constellation& c,
                 const std::complex<float>* symbols,
                 size_t n,
                 double n0,
                 float* llr)
{
    const int b = c.bits_per_symbol();
    const int m = c.size();
    size_t erasures = 0;
    double d[Constellation::kMaxPoints];
    for (size_t i = 0; i < n; ++i) {
        float* out = llr + i * static_cast<size_t>(b);
        const float raw_r = symbols[i].real();
        const float raw_i = symbols[i].imag();
        if (!std::isfinite(raw_r) || !std::isfinite(raw_i)) {
            ++erasures;
            std::fill(out, out + b, 0.0f);
            continue;
        }
        const std::complex<double> y(std::clamp(raw_r, -kMaxSymbolComponent, kMaxSymbolComponent),
                                     std::clamp(raw_i, -kMaxSymbolComponent, kMaxSymbolComponent));
        for (int j = 0; j < m; ++j)
            d[j] = std::norm(y - std::complex<double>(c.point(static_cast<unsigned>(j))));
        for (int k = 0; k < b; ++k) {
            double min0 = 1e300, min1 = 1e300;
            for (int j = 0; j < m; ++j) {
                if ((j >> (b - 1 - k)) & 1)
                    min1 = std::min(min1, d[j]);
                else
                    min0 = std::min(min0, d[j]);
            }
            double s0 = 0.0, s1 = 0.0;
            for (int j = 0; j < m; ++j) {
                if ((j >> (b - 1 - k)) & 1)
                    s1 += std::exp(-(d[j] - min1) / n0);
                else
                    s0 += std::exp(-(d[j] - min0) / n0);
            }
            out[k] = static_cast<float>((min1 - min0) / n0 + std::log(s0) - std::log(s1));
        }
    }
    return erasures;
}

simd::Selected<detail::DemapKernels> kernels_for(SimdLevel level)
{
    return simd::select(level, [](auto isa) { return detail::demap_kernel_table(isa); });
}

float checked_inverse_noise(float noise_variance)
{
    if (!(noise_variance > 0.0f) || !std::isfinite(noise_variance))
        throw Error("soft demapper: noise variance must be a positive finite number, got " +
                    std::to_string(noise_variance));
    return 1.0f / std::max(noise_variance, kMinNoiseVariance);
}

} // namespace

float noise_variance_from_esn0_db(float esn0_db, float symbol_energy)
{
    return static_cast<float>(symbol_energy / std::pow(10.0, esn0_db / 10.0));
}

int8_t quantise(float llr, float scale)
{
    float v = llr * scale;
    if (v != v)
        return 0;
    v = (v > -127.0f) ? v : -127.0f;
    v = (v < 127.0f) ? v : 127.0f;
#if defined(__SSE__) || defined(__x86_64__)
    // cvtss2si: rounds like the SIMD kernels' cvtps2dq (MXCSR, nearest-even by default),
    // without a libm call.
    return static_cast<int8_t>(_mm_cvtss_si32(_mm_set_ss(v)));
#else
    return static_cast<int8_t>(std::lrint(v));
#endif
}

void quantise(const float* llr, size_t n, float scale, int8_t* out)
{
    for (size_t i = 0; i < n; ++i)
        out[i] = quantise(llr[i], scale);
}

struct SoftDemapper::Impl {
    Constellation constellation;
    DemapAlgorithm algorithm;
    SimdLevel level;
    detail::MaxLogKernel kernel;
    detail::DemapTables tables;

    Impl(const Constellation& c, DemapAlgorithm a, simd::Selected<detail::DemapKernels> k)
        : constellation(c), algorithm(a), level(k.level), kernel(k.table->maxlog), tables()
    {
        tables.mod = c.modulation();
        tables.bits = c.bits_per_symbol();
        tables.qpsk_4a = 4.0f * std::fabs(c.point(0).real());
        for (int j = 0; j < c.size(); ++j) {
            const std::complex<float> s = c.point(static_cast<unsigned>(j));
            const float energy = s.real() * s.real() + s.imag() * s.imag();
            for (int l = 0; l < 8; ++l) {
                tables.ar[j][l] = -2.0f * s.real();
                tables.ai[j][l] = -2.0f * s.imag();
                tables.c[j][l] = energy;
            }
        }
    }

    size_t run(const std::complex<float>* symbols,
               size_t n,
               float noise_variance,
               float scale,
               float* llr_f,
               int8_t* llr_q,
               size_t capacity) const
    {
        const size_t need = n * static_cast<size_t>(tables.bits);
        if (capacity < need)
            throw Error("soft demapper: " + std::to_string(n) + " symbols need " +
                        std::to_string(need) + " LLRs, buffer holds " + std::to_string(capacity));
        const float inv_n0 = checked_inverse_noise(noise_variance);
        if (llr_q != nullptr && (!(scale > 0.0f) || !std::isfinite(scale)))
            throw Error("soft demapper: int8 LLR scale must be a positive finite number");
        if (n == 0)
            return 0;
        if (algorithm == DemapAlgorithm::ExactLog) {
            const double n0 = 1.0 / static_cast<double>(inv_n0);
            if (llr_f != nullptr)
                return exact_log(constellation, symbols, n, n0, llr_f);
            // Chunked through a stack buffer: no allocation per frame.
            float buf[1024 * 5];
            size_t erasures = 0;
            for (size_t done = 0; done < n;) {
                const size_t chunk = std::min<size_t>(1024, n - done);
                erasures += exact_log(constellation, symbols + done, chunk, n0, buf);
                quantise(buf, chunk * static_cast<size_t>(tables.bits), scale,
                         llr_q + done * static_cast<size_t>(tables.bits));
                done += chunk;
            }
            return erasures;
        }
        const detail::KernelResult main = kernel(tables, symbols, n, inv_n0, scale, llr_f, llr_q);
        size_t erasures = main.erasures;
        if (main.done < n) {
            const size_t off = main.done * static_cast<size_t>(tables.bits);
            erasures += detail::maxlog_scalar(tables, symbols + main.done, n - main.done, inv_n0,
                                              scale, llr_f ? llr_f + off : nullptr,
                                              llr_q ? llr_q + off : nullptr)
                            .erasures;
        }
        return erasures;
    }
};

SoftDemapper::SoftDemapper(const Constellation& constellation, DemapAlgorithm algorithm, SimdLevel simd)
    : impl_(std::make_unique<Impl>(constellation, algorithm, kernels_for(simd)))
{
}

SoftDemapper::~SoftDemapper() = default;

const Constellation& SoftDemapper::constellation() const { return impl_->constellation; }
DemapAlgorithm SoftDemapper::algorithm() const { return impl_->algorithm; }
SimdLevel SoftDemapper::simd_level() const { return impl_->level; }
int SoftDemapper::bits_per_symbol() const { return impl_->tables.bits; }

size_t SoftDemapper::demap(const std::complex<float>* symbols,
                           size_t n_symbols,
                           float noise_variance,
                           float* llr,
                           size_t llr_capacity) const
{
    return impl_->run(symbols, n_symbols, noise_variance, 1.0f, llr, nullptr, llr_capacity);
}

size_t SoftDemapper::demap_int8(const std::complex<float>* symbols,
                                size_t n_symbols,
                                float noise_variance,
                                float scale,
                                int8_t* llr,
                                size_t llr_capacity) const
{
    return impl_->run(symbols, n_symbols, noise_variance, scale, nullptr, llr, llr_capacity);
}

} // namespace dualsat
