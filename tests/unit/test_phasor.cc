// SPDX-License-Identifier: GPL-3.0-or-later
// unit_phasor (polynomial e^{j phase}) against libm's cos / sin.
#include <catch2/catch.hpp>
#include <dualsat/channel/channel_emulator.h>
#include <dualsat/core/phasor.h>

#include <cmath>
#include <complex>

using namespace dualsat;

TEST_CASE("unit_phasor matches cos/sin over a wide range of phases", "[phasor]")
{
    Rng rng(12);
    double worst = 0.0;
    for (int k = 0; k < 200000; ++k) {
        // Phases of all magnitudes up to 1e7 rad, plus values near multiples of pi/2.
        const double u = static_cast<double>(rng.next() % 1000001) / 1e6;
        const double scale = std::pow(10.0, static_cast<double>(k % 8)); // 1 .. 1e7
        double phase = (2.0 * u - 1.0) * scale;
        if (k % 5 == 0)
            phase = 1.5707963267948966 * static_cast<double>(k % 17 - 8) + (u - 0.5) * 1e-9;
        const std::complex<double> ref(std::cos(phase), std::sin(phase));
        worst = std::max(worst, std::abs(unit_phasor_d(phase) - ref));
        const std::complex<float> f = unit_phasor(phase);
        CHECK(std::abs(std::complex<double>(f) - ref) < 2e-7);
    }
    INFO("worst double error " << worst);
    CHECK(worst < 5e-9);
}
