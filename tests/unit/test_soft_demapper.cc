// SPDX-License-Identifier: GPL-3.0-or-later
// Soft demapper: SIMD kernels against the scalar reference, max-log against a brute-force
// double computation from the point list, exact-log against max-log, hard decisions of
// mapped frames, erasures and bad arguments.
#include <catch2/catch.hpp>
#include <dualsat/core/error.h>
#include <dualsat/core/simd.h>
#include <dualsat/mapping/mapper.h>
#include <dualsat/mapping/soft_demapper.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace dualsat;
using cf = std::complex<float>;

namespace {

std::vector<ModCod> all_modcods()
{
    std::vector<ModCod> out;
    for (int n = 1; n <= 28; ++n)
        out.push_back(modcod_from_number(n));
    return out;
}

// The vector levels this CPU runs (every one of them is compared with the reference).
std::vector<SimdLevel> simd_levels()
{
    std::vector<SimdLevel> have = simd::supported_levels();
    have.erase(have.begin()); // scalar
    if (have.size() != 2)
        WARN("CPU lacks some SIMD levels; only " << have.size() << " compared");
    return have;
}

// Random labels, their points plus Gaussian noise of total variance n0.
std::vector<cf> noisy_symbols(const Constellation& c, size_t n, float n0, std::mt19937& rng,
                              std::vector<unsigned>* labels = nullptr)
{
    std::normal_distribution<float> g(0.0f, std::sqrt(n0 / 2));
    std::vector<cf> y(n);
    for (size_t i = 0; i < n; ++i) {
        unsigned l = rng() % static_cast<unsigned>(c.size());
        if (labels)
            labels->push_back(l);
        y[i] = c.point(l) + cf(g(rng), g(rng));
    }
    return y;
}

// Max-log LLRs straight from the definition, in double.
std::vector<double> brute_force_maxlog(const Constellation& c, const std::vector<cf>& y, double n0)
{
    const int b = c.bits_per_symbol();
    std::vector<double> out;
    for (const cf& s : y) {
        for (int k = 0; k < b; ++k) {
            double d0 = 1e300, d1 = 1e300;
            for (int j = 0; j < c.size(); ++j) {
                double d = std::norm(std::complex<double>(s) - std::complex<double>(c.point(static_cast<unsigned>(j))));
                if ((j >> (b - 1 - k)) & 1)
                    d1 = std::min(d1, d);
                else
                    d0 = std::min(d0, d);
            }
            out.push_back((d1 - d0) / n0);
        }
    }
    return out;
}

} // namespace

TEST_CASE("max-log scalar reference equals the definition", "[demapper]")
{
    std::mt19937 rng(11);
    for (const ModCod& mc : all_modcods()) {
        INFO(to_string(mc));
        Constellation c(mc);
        const float n0 = 0.2f;
        const auto y = noisy_symbols(c, 500, n0, rng);
        SoftDemapper d(c, DemapAlgorithm::MaxLog, SimdLevel::Scalar);
        std::vector<float> llr(y.size() * static_cast<size_t>(c.bits_per_symbol()));
        CHECK(d.demap(y.data(), y.size(), n0, llr.data(), llr.size()) == 0);
        const auto ref = brute_force_maxlog(c, y, n0);
        for (size_t i = 0; i < llr.size(); ++i)
            REQUIRE(llr[i] == Approx(ref[i]).margin(2e-4 / n0 * 4));
    }
}

TEST_CASE("SSE4.1 and AVX2 kernels equal the scalar reference for every MODCOD", "[demapper][simd]")
{
    std::mt19937 rng(12);
    for (const ModCod& mc : all_modcods()) {
        INFO(to_string(mc));
        Constellation c(mc);
        const size_t b = static_cast<size_t>(c.bits_per_symbol());
        for (float n0 : { 0.02f, 0.5f }) {
            // 1003 symbols: whole vectors plus a tail for every vector width.
            auto y = noisy_symbols(c, 1003, n0, rng);
            y[5] = cf(3e30f, -2e30f); // far outside: must stay finite and consistent
            SoftDemapper ref(c, DemapAlgorithm::MaxLog, SimdLevel::Scalar);
            std::vector<float> want(y.size() * b);
            std::vector<int8_t> want_q(y.size() * b);
            ref.demap(y.data(), y.size(), n0, want.data(), want.size());
            ref.demap_int8(y.data(), y.size(), n0, 4.0f, want_q.data(), want_q.size());
            for (float v : want)
                REQUIRE(std::isfinite(v));
            for (SimdLevel level : simd_levels()) {
                INFO(to_string(level) << " n0 " << n0);
                SoftDemapper d(c, DemapAlgorithm::MaxLog, level);
                REQUIRE(d.simd_level() == level);
                std::vector<float> got(want.size());
                std::vector<int8_t> got_q(want.size());
                d.demap(y.data(), y.size(), n0, got.data(), got.size());
                d.demap_int8(y.data(), y.size(), n0, 4.0f, got_q.data(), got_q.size());
                // Same float operations per lane (no FMA contraction): equal, not just close.
                for (size_t i = 0; i < want.size(); ++i)
                    REQUIRE(got[i] == want[i]);
                CHECK(got_q == want_q);
            }
        }
    }
}

TEST_CASE("int8 LLRs are the quantised float LLRs", "[demapper]")
{
    std::mt19937 rng(13);
    for (ModCod mc : { ModCod{ Modulation::QPSK, CodeRate::R1_2 }, ModCod{ Modulation::APSK32, CodeRate::R3_4 } }) {
        Constellation c(mc);
        const auto y = noisy_symbols(c, 777, 0.1f, rng);
        for (SimdLevel level : simd::supported_levels())
            for (DemapAlgorithm alg : { DemapAlgorithm::MaxLog, DemapAlgorithm::ExactLog }) {
                SoftDemapper d(c, alg, level);
                std::vector<float> f(y.size() * static_cast<size_t>(c.bits_per_symbol()));
                std::vector<int8_t> q(f.size()), expect(f.size());
                d.demap(y.data(), y.size(), 0.1f, f.data(), f.size());
                d.demap_int8(y.data(), y.size(), 0.1f, 10.0f, q.data(), q.size());
                quantise(f.data(), f.size(), 10.0f, expect.data());
                CHECK(q == expect);
                bool saturated = false;
                for (int8_t v : q)
                    saturated |= (v == 127 || v == -127);
                CHECK(saturated);
            }
    }
}

TEST_CASE("quantise rounds to nearest even and saturates symmetrically", "[demapper]")
{
    CHECK(quantise(0.5f, 1.0f) == 0);
    CHECK(quantise(1.5f, 1.0f) == 2);
    CHECK(quantise(-2.5f, 1.0f) == -2);
    CHECK(quantise(-2.6f, 1.0f) == -3);
    CHECK(quantise(10.0f, 4.0f) == 40);
    CHECK(quantise(1e30f, 1.0f) == 127);
    CHECK(quantise(-1e30f, 1.0f) == -127);
    CHECK(quantise(-std::numeric_limits<float>::infinity(), 1.0f) == -127);
    CHECK(quantise(std::numeric_limits<float>::quiet_NaN(), 1.0f) == 0);
}

TEST_CASE("hard decisions of noiseless frames recover the bits for every MODCOD", "[demapper]")
{
    std::mt19937 rng(14);
    std::vector<SimdLevel> levels = simd_levels();
    levels.push_back(SimdLevel::Scalar);
    for (const ModCod& mc : all_modcods()) {
        INFO(to_string(mc));
        Mapper m(mc, FrameSize::Normal);
        std::vector<uint8_t> bits(m.frame_bytes());
        for (auto& x : bits)
            x = static_cast<uint8_t>(rng());
        std::vector<cf> sym(m.frame_symbols());
        m.map_frame(bits.data(), bits.size(), sym.data(), sym.size());
        std::vector<float> llr(m.frame_bits());
        std::vector<int8_t> q(m.frame_bits());
        for (SimdLevel level : levels)
            for (DemapAlgorithm alg : { DemapAlgorithm::MaxLog, DemapAlgorithm::ExactLog }) {
                if (alg == DemapAlgorithm::ExactLog && level != SimdLevel::Scalar)
                    continue;
                SoftDemapper d(m.constellation(), alg, level);
                INFO(to_string(level));
                d.demap(sym.data(), sym.size(), 0.05f, llr.data(), llr.size());
                d.demap_int8(sym.data(), sym.size(), 0.05f, 1.0f, q.data(), q.size());
                size_t wrong = 0, wrong_q = 0;
                for (size_t i = 0; i < llr.size(); ++i) {
                    const int bit = (bits[i / 8] >> (7 - i % 8)) & 1;
                    wrong += ((llr[i] < 0) != bool(bit)) || llr[i] == 0.0f;
                    wrong_q += ((q[i] < 0) != bool(bit)) || q[i] == 0;
                }
                CHECK(wrong == 0);
                CHECK(wrong_q == 0);
            }
    }
}

TEST_CASE("exact-log: equals max-log for QPSK, close to it at high SNR", "[demapper]")
{
    std::mt19937 rng(15);
    for (const ModCod& mc : all_modcods()) {
        INFO(to_string(mc));
        Constellation c(mc);
        const float n0 = noise_variance_from_esn0_db(30.0f); // 1e-3
        CHECK(n0 == Approx(1e-3f));
        const auto y = noisy_symbols(c, 400, n0, rng);
        SoftDemapper maxlog(c, DemapAlgorithm::MaxLog);
        SoftDemapper exact(c, DemapAlgorithm::ExactLog);
        std::vector<float> a(y.size() * static_cast<size_t>(c.bits_per_symbol())), e(a.size());
        maxlog.demap(y.data(), y.size(), n0, a.data(), a.size());
        exact.demap(y.data(), y.size(), n0, e.data(), e.size());
        for (size_t i = 0; i < a.size(); ++i) {
            // The log-sum correction is at most ln(M/2) in magnitude and tiny at 30 dB.
            REQUIRE(std::abs(a[i] - e[i]) <= 0.01f * std::abs(e[i]) + 1e-2f);
            REQUIRE(std::abs(a[i] - e[i]) <= std::log(c.size() / 2.0f) + 1e-3f);
        }
    }
    // QPSK: I and Q separate, so max-log is exact at any SNR.
    Constellation q({ Modulation::QPSK, CodeRate::R1_4 });
    const auto y = noisy_symbols(q, 300, 2.0f, rng);
    std::vector<float> a(600), e(600);
    SoftDemapper(q, DemapAlgorithm::MaxLog).demap(y.data(), y.size(), 2.0f, a.data(), a.size());
    SoftDemapper(q, DemapAlgorithm::ExactLog).demap(y.data(), y.size(), 2.0f, e.data(), e.size());
    for (size_t i = 0; i < a.size(); ++i)
        REQUIRE(a[i] == Approx(e[i]).epsilon(1e-5).margin(1e-5));
    // At low SNR on 8PSK they do differ: the test above is not vacuous.
    Constellation p8({ Modulation::PSK8, CodeRate::R3_5 });
    const auto z = noisy_symbols(p8, 300, 1.0f, rng);
    std::vector<float> a8(900), e8(900);
    SoftDemapper(p8, DemapAlgorithm::MaxLog).demap(z.data(), z.size(), 1.0f, a8.data(), a8.size());
    SoftDemapper(p8, DemapAlgorithm::ExactLog).demap(z.data(), z.size(), 1.0f, e8.data(), e8.size());
    double diff = 0;
    for (size_t i = 0; i < a8.size(); ++i)
        diff = std::max(diff, double(std::abs(a8[i] - e8[i])));
    CHECK(diff > 0.1);
}

TEST_CASE("NaN and Inf symbols are erasures: zero LLRs, counted, neighbours intact", "[demapper]")
{
    std::mt19937 rng(16);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    std::vector<SimdLevel> levels = simd_levels();
    levels.push_back(SimdLevel::Scalar);
    for (const ModCod& mc : { ModCod{ Modulation::QPSK, CodeRate::R1_2 }, ModCod{ Modulation::PSK8, CodeRate::R3_5 },
                              ModCod{ Modulation::APSK16, CodeRate::R2_3 }, ModCod{ Modulation::APSK32, CodeRate::R9_10 } }) {
        Constellation c(mc);
        const size_t b = static_cast<size_t>(c.bits_per_symbol());
        const auto clean = noisy_symbols(c, 103, 0.1f, rng);
        auto y = clean;
        const std::vector<size_t> bad = { 0, 3, 9, 17, 64, 101, 102 }; // in vectors and tail
        y[0] = cf(nan, 0.5f);
        y[3] = cf(0.5f, nan);
        y[9] = cf(inf, 0.0f);
        y[17] = cf(-inf, inf);
        y[64] = cf(nan, nan);
        y[101] = cf(0.0f, -inf);
        y[102] = cf(nan, 1.0f);
        for (SimdLevel level : levels)
            for (DemapAlgorithm alg : { DemapAlgorithm::MaxLog, DemapAlgorithm::ExactLog }) {
                INFO(to_string(mc) << " " << to_string(level));
                SoftDemapper d(c, alg, level);
                std::vector<float> got(y.size() * b), ref(y.size() * b);
                std::vector<int8_t> got_q(y.size() * b);
                CHECK(d.demap(y.data(), y.size(), 0.1f, got.data(), got.size()) == bad.size());
                CHECK(d.demap_int8(y.data(), y.size(), 0.1f, 8.0f, got_q.data(), got_q.size()) == bad.size());
                CHECK(d.demap(clean.data(), clean.size(), 0.1f, ref.data(), ref.size()) == 0);
                for (size_t s = 0; s < y.size(); ++s) {
                    const bool erased = std::find(bad.begin(), bad.end(), s) != bad.end();
                    for (size_t k = 0; k < b; ++k) {
                        REQUIRE(std::isfinite(got[s * b + k]));
                        if (erased) {
                            REQUIRE(got[s * b + k] == 0.0f);
                            REQUIRE(got_q[s * b + k] == 0);
                        } else {
                            REQUIRE(got[s * b + k] == ref[s * b + k]);
                        }
                    }
                }
            }
    }
}

TEST_CASE("soft demapper rejects bad arguments", "[demapper]")
{
    Constellation c({ Modulation::APSK16, CodeRate::R3_4 });
    SoftDemapper d(c);
    std::vector<cf> y(10, cf(0.3f, 0.3f));
    std::vector<float> llr(40);
    std::vector<int8_t> q(40);
    CHECK_THROWS_AS(d.demap(y.data(), y.size(), 0.1f, llr.data(), 39), Error);
    CHECK_THROWS_AS(d.demap(y.data(), y.size(), 0.0f, llr.data(), llr.size()), Error);
    CHECK_THROWS_AS(d.demap(y.data(), y.size(), -1.0f, llr.data(), llr.size()), Error);
    CHECK_THROWS_AS(d.demap(y.data(), y.size(), std::nanf(""), llr.data(), llr.size()), Error);
    CHECK_THROWS_AS(d.demap_int8(y.data(), y.size(), 0.1f, 0.0f, q.data(), q.size()), Error);
    CHECK(d.demap(y.data(), 0, 0.1f, llr.data(), 0) == 0);
    // A vanishing noise estimate is floored, not an error: LLRs saturate, stay finite.
    CHECK(d.demap(y.data(), y.size(), 1e-30f, llr.data(), llr.size()) == 0);
    for (float v : llr)
        CHECK(std::isfinite(v));
}
