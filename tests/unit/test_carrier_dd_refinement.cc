// SPDX-License-Identifier: GPL-3.0-or-later
// DecisionDirectedRefiner and fast_atan2: the data's phase error between the known symbols
// reduced by decisions, the header left alone.
#include "carrier_test_frames.h"

#include <catch2/catch.hpp>
#include <dualsat/core/constants.h>
#include <dualsat/rx/carrier_dd_refinement.h>

#include <cmath>

using namespace dualsat;
using namespace dualsat::test;
using cf = std::complex<float>;

namespace {

// rms phase (rad) of the frame's data symbols against the transmitted ones, pilot blocks
// and header skipped.
double data_phase_rms(const CarrierTestFrame& t, const std::vector<cf>& y)
{
    double sq = 0.0;
    int n = 0;
    for (int i = kPlHeaderSymbols; i < t.length; ++i) {
        if (t.format.pilots && is_pilot_position(t.format, i - kPlHeaderSymbols))
            continue;
        const double e = std::arg(std::complex<double>(y[static_cast<size_t>(i)]) *
                                  std::conj(std::complex<double>(t.tx[static_cast<size_t>(i)])));
        sq += e * e;
        ++n;
    }
    return std::sqrt(sq / n);
}

} // namespace

TEST_CASE("fast_atan2 agrees with atan2 to ~1e-7 rad in every octant", "[carrier]")
{
    double worst = 0.0;
    for (int k = 0; k < 20000; ++k) {
        const double a = -kPi + kTwoPi * (k + 0.5) / 20000.0;
        for (float r : { 1e-3f, 0.7f, 40.0f }) {
            const float x = r * static_cast<float>(std::cos(a)), y = r * static_cast<float>(std::sin(a));
            worst = std::max(worst, std::fabs(static_cast<double>(fast_atan2(y, x)) - std::atan2(double(y), double(x))));
        }
    }
    CHECK(worst < 4e-7); // float rounding of the result near pi is 1.2e-7 alone
    CHECK(fast_atan2(0.0f, 1.0f) == 0.0f);
    CHECK(fast_atan2(1.0f, 0.0f) == Approx(kPi / 2).margin(1e-7));
    CHECK(fast_atan2(0.0f, -1.0f) == Approx(kPi).margin(1e-7));
    CHECK(std::isfinite(fast_atan2(0.0f, 0.0f)));
}

TEST_CASE("DD refinement: a known slowly varying phase error is removed", "[carrier]")
{
    // 8PSK, 16APSK and 32APSK frames with pilots at a comfortable Es/N0; the phase error
    // left on the data is a constant plus a slow sinusoid (what pilot interpolation leaves
    // of LNB phase noise), at most a fraction of the outer ring's sector.
    struct Case {
        Modulation mod;
        CodeRate rate;
        double esn0_db, amplitude;
    };
    for (const Case c : { Case{ Modulation::PSK8, CodeRate::R3_5, 16.0, 0.12 },
                          Case{ Modulation::APSK16, CodeRate::R3_4, 18.0, 0.09 },
                          Case{ Modulation::APSK32, CodeRate::R4_5, 22.0, 0.06 } }) {
        const FrameFormat f{ { c.mod, c.rate }, FrameSize::Short, true };
        const CarrierTestFrame t = make_carrier_test_frame(f, false, 1, 41);
        auto error = [&](int i) { return c.amplitude * (0.5 + std::sin(kTwoPi * i / 3000.0)); };
        std::vector<cf> y = apply_carrier(t.tx, 1.0, error, c.esn0_db, 42);
        // The header and pilot blocks are where the caller anchored the phase: exact. The
        // errors are measured on the data symbols only.
        for (int i = 0; i < t.length; ++i)
            if (i < kPlHeaderSymbols || is_pilot_position(f, i - kPlHeaderSymbols))
                y[static_cast<size_t>(i)] = t.tx[static_cast<size_t>(i)];
        const std::vector<cf> before = y;
        const double rms_before = data_phase_rms(t, y);
        DecisionDirectedRefiner refiner(2);
        refiner.refine(y.data(), t.length, f.pilot_blocks(), f.modcod);
        const double rms_after = data_phase_rms(t, y);
        // With no phase error at all, what noise alone gives.
        std::vector<cf> ideal = apply_carrier(t.tx, 1.0, [](int) { return 0.0; }, c.esn0_db, 42);
        const double rms_noise = data_phase_rms(t, ideal);
        INFO(to_string(f.modcod) << ": rms phase " << rms_before << " -> " << rms_after << " (noise alone "
                                 << rms_noise << ")");
        CHECK(rms_after < rms_before);
        CHECK(rms_after < rms_noise * 1.1);
        // The header is left alone (the correction covers the payload, pilot blocks
        // included: the deframer drops those).
        for (int i = 0; i < kPlHeaderSymbols; ++i)
            REQUIRE(y[static_cast<size_t>(i)] == before[static_cast<size_t>(i)]);
    }
}

TEST_CASE("DD refinement: more passes take more of a large error", "[carrier]")
{
    // A constant 0.15 rad on 8PSK (sector pi / 8 = 0.39): decisions near the boundary pull
    // the first pass's average towards 0, the second takes most of the rest.
    const FrameFormat f{ { Modulation::PSK8, CodeRate::R2_3 }, FrameSize::Short, false };
    const CarrierTestFrame t = make_carrier_test_frame(f, false, 1, 51);
    const std::vector<cf> y = apply_carrier(t.tx, 1.0, [](int) { return 0.15; }, 12.0, 52);
    double rms[3];
    for (int passes = 1; passes <= 3; ++passes) {
        std::vector<cf> z = y;
        DecisionDirectedRefiner refiner(passes);
        refiner.refine(z.data(), t.length, 0, f.modcod);
        rms[passes - 1] = data_phase_rms(t, z);
    }
    INFO("rms after 1, 2, 3 passes: " << rms[0] << " " << rms[1] << " " << rms[2]);
    CHECK(data_phase_rms(t, y) > rms[0]);
    CHECK(rms[0] > rms[1]);
    CHECK(rms[1] >= rms[2]);
}
