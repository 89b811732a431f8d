// SPDX-License-Identifier: GPL-3.0-or-later
// DecisionDirectedPll: a pilotless APSK frame with a known carrier phase and frequency
// followed from the header's phase; its frequency integrator is the residual.
#include "carrier_test_frames.h"

#include <catch2/catch.hpp>
#include <dualsat/core/constants.h>
#include <dualsat/rx/carrier_dd_pll.h>

#include <cmath>

using namespace dualsat;
using namespace dualsat::test;
using cf = std::complex<float>;

TEST_CASE("DD PLL: follows a known frequency offset over a pilotless APSK frame", "[carrier]")
{
    struct Case {
        Modulation mod;
        CodeRate rate;
        double esn0_db;
    };
    for (const Case c : { Case{ Modulation::APSK16, CodeRate::R3_4, 16.0 },
                          Case{ Modulation::APSK32, CodeRate::R4_5, 20.0 } }) {
        const FrameFormat f{ { c.mod, c.rate }, FrameSize::Normal, false };
        const CarrierTestFrame t = make_carrier_test_frame(f, false, 1, 61);
        const double phi0 = 0.5, freq = 2e-4, amplitude = 0.8;
        const auto rx = apply_carrier(t.tx, amplitude, [&](int i) { return phi0 + freq * i; }, c.esn0_db, 62);
        DecisionDirectedPll pll(2e-3);
        std::vector<double> phase(static_cast<size_t>(t.length), -99.0);
        // Derotated by 1e-4: the loop sees the other half of the offset.
        const double w = 1e-4;
        const double nu = pll.track(rx.data(), t.length, w, amplitude, phi0, f.modcod, phase.data());
        INFO(to_string(c.mod) << ": frequency integrator " << nu);
        CHECK(nu == Approx(freq - w).margin(2e-5));
        CHECK(phase[kPlHeaderSymbols - 1] == -99.0); // the header is not written
        CHECK(phase[kPlHeaderSymbols] == phi0);
        // Once pulled in (a few hundred symbols at B_L T = 2e-3), within a small fraction
        // of the outer ring's sector.
        double worst = 0.0;
        for (int i = t.length / 4; i < t.length; ++i)
            worst = std::max(worst, std::fabs(phase[static_cast<size_t>(i)] - (phi0 + (freq - w) * i)));
        CHECK(worst < 0.1);
    }
}

TEST_CASE("DD PLL: pulls in an initial phase error", "[carrier]")
{
    const FrameFormat f{ { Modulation::APSK16, CodeRate::R2_3 }, FrameSize::Short, false };
    const CarrierTestFrame t = make_carrier_test_frame(f, false, 1, 71);
    const auto rx = apply_carrier(t.tx, 1.0, [](int) { return -0.3; }, 20.0, 72);
    DecisionDirectedPll pll(5e-3);
    std::vector<double> phase(static_cast<size_t>(t.length));
    pll.track(rx.data(), t.length, 0.0, 1.0, -0.2, f.modcod, phase.data());
    CHECK(phase[kPlHeaderSymbols] == -0.2); // where it starts
    double mean = 0.0;
    const int from = t.length / 2;
    for (int i = from; i < t.length; ++i)
        mean += phase[static_cast<size_t>(i)];
    mean /= t.length - from;
    CHECK(mean == Approx(-0.3).margin(0.02));
}
