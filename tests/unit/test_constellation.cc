// SPDX-License-Identifier: GPL-3.0-or-later
// Constellations against EN 302 307-1 §5.4: ring ratios transcribed here from Tables 9/10
// independently of lib/, unit energy, ring populations and spot points of Figures 9-12.
#include <catch2/catch.hpp>
#include <dualsat/core/constants.h>
#include <dualsat/mapping/constellation.h>
#include <dualsat/core/error.h>

#include <cmath>
#include <map>
#include <set>

using namespace dualsat;

namespace {

double deg(std::complex<float> p) { return std::atan2(p.imag(), p.real()) * 180.0 / dualsat::kPi; }

bool angle_is(std::complex<float> p, double degrees)
{
    double d = std::fmod(deg(p) - degrees + 720.0, 360.0);
    return d < 1e-4 || d > 360.0 - 1e-4;
}

std::vector<ModCod> all_modcods()
{
    std::vector<ModCod> out;
    for (int n = 1; n <= 28; ++n)
        out.push_back(modcod_from_number(n));
    return out;
}

} // namespace

TEST_CASE("APSK ring ratios are those of Tables 9 and 10", "[constellation]")
{
    const std::map<CodeRate, double> t9 = { { CodeRate::R2_3, 3.15 }, { CodeRate::R3_4, 2.85 },
                                            { CodeRate::R4_5, 2.75 }, { CodeRate::R5_6, 2.70 },
                                            { CodeRate::R8_9, 2.60 }, { CodeRate::R9_10, 2.57 } };
    for (const auto& [rate, gamma] : t9) {
        CHECK(apsk16_gamma(rate) == gamma);
        for (ApskScaling sc : { ApskScaling::UnitAverageEnergy, ApskScaling::UnitOuterRing }) {
            Constellation c({ Modulation::APSK16, rate }, sc);
            REQUIRE(c.rings() == 2);
            CHECK(c.ring_radius(1) / c.ring_radius(0) == Approx(gamma).epsilon(1e-12));
        }
    }
    const std::map<CodeRate, std::pair<double, double>> t10 = {
        { CodeRate::R3_4, { 2.84, 5.27 } }, { CodeRate::R4_5, { 2.72, 4.87 } },
        { CodeRate::R5_6, { 2.64, 4.64 } }, { CodeRate::R8_9, { 2.54, 4.33 } },
        { CodeRate::R9_10, { 2.53, 4.30 } } };
    for (const auto& [rate, g] : t10) {
        CHECK(apsk32_gammas(rate).gamma1 == g.first);
        CHECK(apsk32_gammas(rate).gamma2 == g.second);
        Constellation c({ Modulation::APSK32, rate });
        REQUIRE(c.rings() == 3);
        CHECK(c.ring_radius(1) / c.ring_radius(0) == Approx(g.first).epsilon(1e-12));
        CHECK(c.ring_radius(2) / c.ring_radius(0) == Approx(g.second).epsilon(1e-12));
    }
    CHECK_THROWS_AS(apsk16_gamma(CodeRate::R1_2), ConfigError);
    CHECK_THROWS_AS(apsk32_gammas(CodeRate::R2_3), ConfigError);
    CHECK_THROWS_AS(Constellation({ Modulation::PSK8, CodeRate::R4_5 }), ConfigError);
}

TEST_CASE("every MODCOD: unit energy, ring populations, distinct points", "[constellation]")
{
    for (const ModCod& mc : all_modcods()) {
        INFO(to_string(mc));
        Constellation c(mc);
        CHECK(c.size() == (1 << bits_per_symbol(mc.mod)));
        CHECK(c.average_energy() == Approx(1.0).epsilon(1e-6));
        std::map<int, int> population;
        std::set<std::pair<float, float>> distinct;
        double min_d2 = 1e9;
        for (int l = 0; l < c.size(); ++l) {
            const auto p = c.point(static_cast<unsigned>(l));
            ++population[c.ring_of(static_cast<unsigned>(l))];
            CHECK(std::abs(p) == Approx(c.ring_radius(c.ring_of(static_cast<unsigned>(l)))).epsilon(1e-6));
            distinct.insert({ p.real(), p.imag() });
            for (int m = 0; m < l; ++m)
                min_d2 = std::min(min_d2, double(std::norm(p - c.point(static_cast<unsigned>(m)))));
        }
        CHECK(distinct.size() == static_cast<size_t>(c.size()));
        CHECK(min_d2 > 0.05);
        if (mc.mod == Modulation::APSK16)
            CHECK(population == std::map<int, int>{ { 0, 4 }, { 1, 12 } });
        if (mc.mod == Modulation::APSK32)
            CHECK(population == std::map<int, int>{ { 0, 4 }, { 1, 12 }, { 2, 16 } });

        Constellation peak(mc, ApskScaling::UnitOuterRing);
        CHECK(peak.ring_radius(peak.rings() - 1) == 1.0);
    }
}

TEST_CASE("labels sit where Figures 9-12 put them", "[constellation]")
{
    // QPSK (Fig. 9): first bit = sign of I, second = sign of Q (0 = positive).
    Constellation q({ Modulation::QPSK, CodeRate::R1_2 });
    for (unsigned l = 0; l < 4; ++l) {
        CHECK((q.point(l).real() < 0) == bool(l & 2));
        CHECK((q.point(l).imag() < 0) == bool(l & 1));
    }
    // 8PSK (Fig. 10): 000 at 45 deg, 001 at 0, 100 at 90, 111 at 270; Gray around the circle.
    Constellation p8({ Modulation::PSK8, CodeRate::R3_5 });
    CHECK(angle_is(p8.point(0), 45));
    CHECK(angle_is(p8.point(1), 0));
    CHECK(angle_is(p8.point(4), 90));
    CHECK(angle_is(p8.point(7), 270));
    for (unsigned a = 0; a < 8; ++a)
        for (unsigned b = 0; b < a; ++b)
            if (std::abs(p8.point(a) - p8.point(b)) < 0.8f) // neighbours (45 deg apart)
                CHECK(__builtin_popcount(a ^ b) == 1);
    // 16APSK (Fig. 11): 0000 outer 45 deg, 0100 outer 15 deg, 1100 inner 45 deg,
    // 1111 inner 225 deg; flipping the last bit mirrors in the I axis.
    Constellation a16({ Modulation::APSK16, CodeRate::R3_4 });
    CHECK((angle_is(a16.point(0), 45) && a16.ring_of(0) == 1));
    CHECK((angle_is(a16.point(4), 15) && a16.ring_of(4) == 1));
    CHECK((angle_is(a16.point(12), 45) && a16.ring_of(12) == 0));
    CHECK((angle_is(a16.point(15), 225) && a16.ring_of(15) == 0));
    for (unsigned l = 0; l < 16; l += 2) {
        CHECK(a16.point(l ^ 1).real() == Approx(a16.point(l).real()));
        CHECK(a16.point(l ^ 1).imag() == Approx(-a16.point(l).imag()));
    }
    // 32APSK (Fig. 12): 10001 inner 45 deg, 00000 middle 45 deg, 00001 middle 75 deg,
    // 11000 outer 0 deg, 01011 outer 270 deg, 11110 outer 180 deg.
    Constellation a32({ Modulation::APSK32, CodeRate::R9_10 });
    CHECK((angle_is(a32.point(17), 45) && a32.ring_of(17) == 0));
    CHECK((angle_is(a32.point(0), 45) && a32.ring_of(0) == 1));
    CHECK((angle_is(a32.point(1), 75) && a32.ring_of(1) == 1));
    CHECK((angle_is(a32.point(24), 0) && a32.ring_of(24) == 2));
    CHECK((angle_is(a32.point(11), 270) && a32.ring_of(11) == 2));
    CHECK((angle_is(a32.point(30), 180) && a32.ring_of(30) == 2));
}
