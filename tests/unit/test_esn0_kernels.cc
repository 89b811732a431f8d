// SPDX-License-Identifier: GPL-3.0-or-later
// The data-aided Es/N0 sums (dualsat/rx/esn0_kernels.h): every SIMD level against the
// scalar reference, bit for bit, on lengths that leave vector tails, from non-zero
// starting sums, with non-finite received symbols (left out of every sum and not counted);
// and the sums themselves against a direct computation in double.
#include <catch2/catch.hpp>
#include <dualsat/core/simd.h>
#include <dualsat/rx/esn0_kernels.h>

#include "fec_loopback_tx.h"

#include <cmath>
#include <complex>
#include <cstring>
#include <limits>
#include <vector>

using namespace dualsat;
using cf = std::complex<float>;

namespace {

std::vector<cf> gaussian(size_t n, uint64_t seed, float sigma)
{
    dualsat_test::FastGaussian g(seed);
    std::vector<cf> x(n);
    for (auto& v : x) {
        double a, b;
        g.pair(a, b);
        v = sigma * cf(static_cast<float>(a), static_cast<float>(b));
    }
    return x;
}

kernels::Esn0LaneSums start_sums()
{
    kernels::Esn0LaneSums s;
    for (size_t l = 0; l < kernels::kEsn0Lanes; ++l) {
        s.corr_re[l] = 0.5f * static_cast<float>(l);
        s.corr_im[l] = -0.25f * static_cast<float>(l);
        s.ref_energy[l] = 1.0f + static_cast<float>(l);
        s.power[l] = 2.0f * static_cast<float>(l);
        s.used[l] = static_cast<uint32_t>(3 * l);
    }
    return s;
}

bool same_bits(const kernels::Esn0LaneSums& a, const kernels::Esn0LaneSums& b)
{
    return std::memcmp(a.corr_re, b.corr_re, sizeof a.corr_re) == 0 &&
           std::memcmp(a.corr_im, b.corr_im, sizeof a.corr_im) == 0 &&
           std::memcmp(a.ref_energy, b.ref_energy, sizeof a.ref_energy) == 0 &&
           std::memcmp(a.power, b.power, sizeof a.power) == 0 &&
           std::memcmp(a.used, b.used, sizeof a.used) == 0;
}

} // namespace

TEST_CASE("Es/N0 sums: every level equals the scalar reference bit for bit", "[simd][esn0]")
{
    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (size_t n : { size_t{ 0 }, size_t{ 1 }, size_t{ 5 }, size_t{ 8 }, size_t{ 13 }, size_t{ 90 }, size_t{ 16200 } }) {
        std::vector<cf> s = gaussian(n, 3 + n, 1.0f);
        std::vector<cf> y = gaussian(n, 11 + n, 0.3f);
        for (size_t i = 0; i < n; ++i)
            y[i] += 0.8f * s[i];
        // Erased symbols (either part non-finite), zeros of both signs.
        for (size_t i = 3; i < n; i += 29)
            y[i] = cf(i % 2 ? nan : 0.5f, i % 3 ? -inf : 1.0f);
        if (n > 1) {
            y[1] = cf(-0.0f, 0.0f);
            s[1] = cf(0.0f, -0.0f);
        }
        kernels::Esn0LaneSums ref = start_sums();
        kernels::esn0_sums_scalar(y.data(), s.data(), n, &ref);
        for (SimdLevel level : simd::supported_levels()) {
            INFO(to_string(level) << " n " << n);
            const auto k = kernels::esn0_kernels_for(level);
            REQUIRE(k.level == level);
            kernels::Esn0LaneSums got = start_sums();
            k.table->sums(y.data(), s.data(), n, &got);
            CHECK(same_bits(got, ref));
        }
    }
}

TEST_CASE("Es/N0 sums: the lanes hold y conj(s), |s|^2, |y|^2 and the finite count", "[esn0]")
{
    const size_t n = 301;
    const std::vector<cf> s = gaussian(n, 5, 1.0f);
    std::vector<cf> y = gaussian(n, 6, 1.0f);
    y[17] = cf(std::numeric_limits<float>::quiet_NaN(), 0.0f);
    y[40] = cf(1.0f, std::numeric_limits<float>::infinity());
    std::complex<double> corr = 0.0;
    double energy = 0.0, power = 0.0;
    uint32_t used = 0;
    for (size_t i = 0; i < n; ++i) {
        if (!std::isfinite(y[i].real()) || !std::isfinite(y[i].imag()))
            continue;
        corr += std::complex<double>(y[i]) * std::conj(std::complex<double>(s[i]));
        energy += std::norm(std::complex<double>(s[i]));
        power += std::norm(std::complex<double>(y[i]));
        ++used;
    }
    for (SimdLevel level : simd::supported_levels()) {
        INFO(to_string(level));
        kernels::Esn0LaneSums got;
        kernels::esn0_kernels_for(level).table->sums(y.data(), s.data(), n, &got);
        std::complex<double> c = 0.0;
        double e = 0.0, p = 0.0;
        uint32_t u = 0;
        for (size_t l = 0; l < kernels::kEsn0Lanes; ++l) {
            c += std::complex<double>(got.corr_re[l], got.corr_im[l]);
            e += got.ref_energy[l];
            p += got.power[l];
            u += got.used[l];
        }
        CHECK(u == used);
        CHECK(u == n - 2);
        CHECK(std::abs(c - corr) < 1e-4 * std::abs(corr));
        CHECK(e == Approx(energy).epsilon(1e-5));
        CHECK(p == Approx(power).epsilon(1e-5));
    }
}
