// SPDX-License-Identifier: GPL-3.0-or-later
//
// The sample-conditioning kernels (dualsat/dsp/sample_kernels.h): every SIMD level against
// the scalar reference, bit for bit, on lengths that leave vector tails, with non-finite
// samples and in place; and the front end's table-driven derotation against the exact
// rotation and across chunking and frequency changes.
#include <catch2/catch.hpp>
#include <dualsat/core/constants.h>
#include <dualsat/core/simd.h>
#include <dualsat/dsp/agc.h>
#include <dualsat/dsp/sample_kernels.h>
#include <dualsat/rx/rx_frontend.h>

#include <cmath>
#include <complex>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace dualsat;
using cf = std::complex<float>;

namespace {

std::vector<cf> noise(size_t n, uint32_t seed, float sigma = 1.0f)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.0f, sigma);
    std::vector<cf> x(n);
    for (auto& v : x)
        v = cf(g(rng), g(rng));
    return x;
}

bool same_bits(const std::vector<cf>& a, const std::vector<cf>& b)
{
    // memcmp is never given the null data() of an empty vector (undefined even for size 0).
    return a.size() == b.size() &&
           (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(cf)) == 0);
}

} // namespace

TEST_CASE("Sample kernels: the AGC block of every level equals the scalar reference bit for bit", "[simd][agc]")
{
    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (size_t n : { size_t{ 0 }, size_t{ 1 }, size_t{ 3 }, size_t{ 7 }, size_t{ 64 }, size_t{ 65 }, size_t{ 200 }, size_t{ 1031 } }) {
        std::vector<cf> x = noise(n, 7 + static_cast<uint32_t>(n), 3.0f);
        // Non-finite in either part, and a negative zero.
        for (size_t i = 5; i < n; i += 37)
            x[i] = cf(i % 2 ? nan : 1.0f, i % 3 ? -inf : 2.0f);
        if (n > 2)
            x[2] = cf(-0.0f, 0.5f);
        for (unsigned first = 0; first < kernels::kAgcSums; ++first) {
            std::vector<cf> ref(n);
            uint64_t bad_ref = 3;
            float acc_ref[kernels::kAgcSums] = { 11.5f, -2.0f, 0.25f, 3.0f };
            kernels::agc_block_scalar(x.data(), n, ref.data(), 0.37f, acc_ref, first, &bad_ref);
            size_t expect_bad = 3;
            for (const cf& v : x)
                expect_bad += !(std::isfinite(v.real()) && std::isfinite(v.imag()));
            CHECK(bad_ref == expect_bad);
            // The partial sums are the powers of the samples with their index.
            double expect_sum[kernels::kAgcSums] = { 11.5, -2.0, 0.25, 3.0 };
            for (size_t i = 0; i < n; ++i)
                if (std::isfinite(x[i].real()) && std::isfinite(x[i].imag()))
                    expect_sum[(first + i) % kernels::kAgcSums] += std::norm(std::complex<double>(x[i]));
            for (unsigned j = 0; j < kernels::kAgcSums; ++j)
                CHECK(acc_ref[j] == Approx(expect_sum[j]).epsilon(1e-5));
            for (SimdLevel l : simd::supported_levels()) {
                INFO(to_string(l) << ", n = " << n << ", first = " << first);
                const auto k = kernels::sample_kernels_for(l);
                REQUIRE(k.level == l);
                std::vector<cf> out(n);
                uint64_t bad = 3;
                float acc[kernels::kAgcSums] = { 11.5f, -2.0f, 0.25f, 3.0f };
                k.table->agc_block(x.data(), n, out.data(), 0.37f, acc, first, &bad);
                CHECK(std::memcmp(acc, acc_ref, sizeof acc) == 0);
                CHECK(bad == bad_ref);
                CHECK(same_bits(out, ref));
                std::vector<cf> inplace = x; // in == out
                uint64_t bad2 = 3;
                float acc2[kernels::kAgcSums] = { 11.5f, -2.0f, 0.25f, 3.0f };
                k.table->agc_block(inplace.data(), n, inplace.data(), 0.37f, acc2, first, &bad2);
                CHECK(std::memcmp(acc2, acc_ref, sizeof acc) == 0);
                CHECK(same_bits(inplace, ref));
            }
        }
    }
}

TEST_CASE("Sample kernels: the rotation of every level equals the scalar reference bit for bit", "[simd]")
{
    for (size_t n : { size_t{ 0 }, size_t{ 1 }, size_t{ 3 }, size_t{ 4 }, size_t{ 5 }, size_t{ 9 }, size_t{ 1024 }, size_t{ 1027 } }) {
        const std::vector<cf> x = noise(n, 3 + static_cast<uint32_t>(n));
        std::vector<double> table(2 * n);
        for (size_t i = 0; i < n; ++i) {
            const std::complex<double> t = std::polar(1.0, -0.0123 * kTwoPi * static_cast<double>(i));
            table[2 * i] = t.real();
            table[2 * i + 1] = t.imag();
        }
        const std::complex<double> start = std::polar(1.0, 2.1);
        std::vector<cf> ref = x;
        kernels::rotate_scalar(ref.data(), n, table.data(), start);
        // The reference is the rotation: x·e^{j(2.1 + w·i)} to float precision.
        for (size_t i = 0; i < n; ++i) {
            const std::complex<double> exact =
                std::complex<double>(x[i]) * std::polar(1.0, 2.1 - 0.0123 * kTwoPi * static_cast<double>(i));
            CHECK(std::abs(std::complex<double>(ref[i]) - exact) <= 1e-6 * std::abs(exact) + 1e-30);
        }
        for (SimdLevel l : simd::supported_levels()) {
            INFO(to_string(l) << ", n = " << n);
            std::vector<cf> y = x;
            kernels::sample_kernels_for(l).table->rotate(y.data(), n, table.data(), start);
            CHECK(same_bits(y, ref));
        }
    }
}

TEST_CASE("Agc: the same output and gain at every SIMD level", "[agc][simd]")
{
    std::vector<cf> x = noise(5000, 21, 0.01f);
    for (size_t i = 2500; i < 5000; ++i)
        x[i] *= 300.0f; // a level step: attack and gain updates
    x[77] = cf(std::numeric_limits<float>::quiet_NaN(), 0.0f);
    Agc ref(AgcConfig{}, SimdLevel::Scalar);
    std::vector<cf> yr(x.size());
    ref.process(x.data(), x.size(), yr.data());
    for (SimdLevel l : simd::supported_levels()) {
        INFO(to_string(l));
        Agc agc(AgcConfig{}, l);
        std::vector<cf> y(x.size());
        agc.process(x.data(), 1234, y.data()); // two calls: a run split mid-block
        agc.process(x.data() + 1234, x.size() - 1234, y.data() + 1234);
        CHECK(same_bits(y, yr));
        CHECK(agc.gain() == ref.gain());
        CHECK(agc.nonfinite_count() == 1);
    }
}

TEST_CASE("RxFrontEnd: the derotation turns a tone to DC with a continuous phase, whatever the "
          "chunking and wherever the frequency changes", "[rxfe]")
{
    // A tone at f1, then f2 (cycles per symbol), phase continuous; the correction -f1, then
    // -f2 from the same sample. Derotated, the input is one constant; the matched filter's
    // output then has one phase (after its start-up), and any phase error of the
    // derotation, or a jump where the frequency changes, shows as a deviation.
    // 2 samples/symbol; the AGC gain stays 1 (its first update is beyond the input).
    RxFrontEndConfig c;
    c.symbol_rate = 1.0;
    c.sample_rate = 2.0;
    c.agc.update_interval = 1u << 20;
    const double f1 = 0.031, f2 = -0.2;
    const size_t n = 60000, change = 12345 * 2 + 1;
    std::vector<cf> x(n);
    double phase = 0.4;
    for (size_t i = 0; i < n; ++i) {
        x[i] = cf(std::polar(0.8, phase));
        // x[i+1]'s phase: the step into sample `change` is still at f1, as the correction
        // applied from sample `change` on turns the NCO from its phase there.
        phase += kTwoPi * (i + 1 <= change ? f1 : f2) / 2.0;
    }
    auto run = [&](size_t chunk_a, size_t chunk_b, SimdLevel level) {
        RxFrontEnd fe(c, level);
        fe.set_frequency_correction(-f1);
        std::vector<cf> out(fe.max_output(n) + 64);
        size_t produced = 0, pos = 0;
        while (pos < n) {
            if (pos == change)
                fe.set_frequency_correction(-f2);
            size_t len = std::min(pos < change ? chunk_a : chunk_b, n - pos);
            if (pos < change)
                len = std::min(len, change - pos);
            const StreamResult r = fe.process(x.data() + pos, len, out.data() + produced, out.size() - produced);
            REQUIRE(r.consumed == len);
            pos += len;
            produced += r.produced;
        }
        out.resize(produced);
        return out;
    };
    for (SimdLevel l : simd::supported_levels()) {
        INFO(to_string(l));
        const std::vector<cf> a = run(n, n, l);
        REQUIRE(a.size() > 29000);
        const cf dc = a[100];
        CHECK(std::abs(dc) > 0.5);
        // The phase (the matched filter's branches differ a little in DC gain, so the
        // magnitude follows the strobes' fractional position).
        double worst = 0.0;
        for (size_t i = 100; i < a.size(); ++i)
            worst = std::max(worst, std::abs(std::arg(std::complex<double>(a[i]) / std::complex<double>(dc))));
        CHECK(worst < 1e-5);
        CHECK(same_bits(run(1000, 777, l), a));
        CHECK(same_bits(run(1, 4096, l), a));
    }
}

TEST_CASE("Sample kernels: the phase-ramp rotation of every level equals the scalar reference "
          "bit for bit, and is the rotation", "[simd]")
{
    for (size_t n : { size_t{ 0 }, size_t{ 1 }, size_t{ 3 }, size_t{ 5 }, size_t{ 8 }, size_t{ 1001 } }) {
        const std::vector<cf> x = noise(n, 40 + static_cast<uint32_t>(n));
        // Unevenly spaced instants (strobe jitter), far from t0 (large phases: the range
        // reduction), and a slope of either sign.
        std::vector<double> t(n);
        std::mt19937 rng(9);
        std::uniform_real_distribution<double> jitter(-0.05, 0.05);
        for (size_t i = 0; i < n; ++i)
            t[i] = 3.0e6 + 2.0 * static_cast<double>(i) + jitter(rng);
        for (double slope : { 0.0123, -0.731 }) {
            const double p0 = -2.5, t0 = 1234.5;
            std::vector<cf> ref = x;
            kernels::rotate_ramp_scalar(ref.data(), t.data(), n, p0, slope, t0);
            for (size_t i = 0; i < n; ++i) {
                const std::complex<double> exact =
                    std::complex<double>(x[i]) * std::polar(1.0, std::fmod(p0 + slope * (t[i] - t0), kTwoPi));
                CHECK(std::abs(std::complex<double>(ref[i]) - exact) <= 1e-6 * std::abs(exact) + 1e-30);
            }
            for (SimdLevel l : simd::supported_levels()) {
                INFO(to_string(l) << ", n = " << n << ", slope " << slope);
                std::vector<cf> y = x;
                kernels::sample_kernels_for(l).table->rotate_ramp(y.data(), t.data(), n, p0, slope, t0);
                CHECK(same_bits(y, ref));
            }
        }
    }
}
