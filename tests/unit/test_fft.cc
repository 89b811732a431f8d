// SPDX-License-Identifier: GPL-3.0-or-later
// The radix-2 FFT against the DFT's definition.
#include <catch2/catch.hpp>
#include <dualsat/core/constants.h>
#include <dualsat/core/error.h>
#include <dualsat/core/fft.h>

#include <cmath>
#include <complex>
#include <vector>

using namespace dualsat;
using cd = std::complex<double>;

TEST_CASE("FFT equals the direct DFT", "[fft]")
{
    for (size_t n : { 2u, 4u, 8u, 64u, 1024u }) {
        INFO("size " << n);
        std::vector<cd> x(n);
        uint32_t h = 12345u + static_cast<uint32_t>(n);
        for (cd& v : x) {
            h = h * 1664525u + 1013904223u;
            const double re = static_cast<double>(h >> 8) / (1 << 24) - 0.5;
            h = h * 1664525u + 1013904223u;
            const double im = static_cast<double>(h >> 8) / (1 << 24) - 0.5;
            v = cd(re, im);
        }
        std::vector<cd> y = x;
        Fft fft(n);
        fft.forward(y.data());
        double worst = 0.0;
        for (size_t k = 0; k < n; ++k) {
            cd ref = 0.0;
            for (size_t t = 0; t < n; ++t)
                ref += x[t] * std::polar(1.0, -kTwoPi * static_cast<double>(k * t % n) / static_cast<double>(n));
            worst = std::max(worst, std::abs(y[k] - ref));
        }
        CHECK(worst < 1e-9 * static_cast<double>(n));
    }
}

TEST_CASE("FFT: a tone lands in its bin, bad sizes are rejected", "[fft]")
{
    const size_t n = 256;
    std::vector<cd> x(n);
    for (size_t t = 0; t < n; ++t)
        x[t] = std::polar(1.0, 6.283185307179586476925 * 37.0 * static_cast<double>(t) / n);
    Fft(n).forward(x.data());
    for (size_t k = 0; k < n; ++k)
        CHECK(std::abs(x[k]) == Approx(k == 37 ? static_cast<double>(n) : 0.0).margin(1e-9));
    CHECK(Fft::next_power_of_two(1000) == 1024);
    CHECK(Fft::next_power_of_two(1024) == 1024);
    CHECK_THROWS_AS(Fft(0), ConfigError);
    CHECK_THROWS_AS(Fft(1), ConfigError);
    CHECK_THROWS_AS(Fft(48), ConfigError);
}
