// SPDX-License-Identifier: GPL-3.0-or-later
// e^{j phase} without libm's remainder / sincos, for per-sample loops (branch-free, so a
// loop over it can vectorise). Range reduction to [-pi, pi] by the nearest multiple of
// 2 pi, then sine and cosine of half the angle by their Taylor series (|x| <= pi/2: the
// truncation error is below 1e-9) and the double-angle formulas. Accurate to ~1e-8
// for |phase| up to ~1e7 rad (the double product k * 2 pi loses ~1e-16 |phase|), far
// below the float output's resolution.
#pragma once

#include <dualsat/core/constants.h>
#include <cmath>
#include <complex>

namespace dualsat {

inline std::complex<double> unit_phasor_d(double phase)
{
    constexpr double kInvTwoPi = 1.0 / kTwoPi;
    // Round to nearest by the 1.5 * 2^52 trick (exact for |x| < 2^51): std::nearbyint is
    // a libm call unless the file is built with SSE4.1.
    constexpr double kRound = 6755399441055744.0;
    const double x = phase * kInvTwoPi;
    const double k = std::fabs(x) < 2251799813685248.0 ? (x + kRound) - kRound : x;
    const double r = phase - kTwoPi * k;
    const double h = 0.5 * r;
    const double h2 = h * h;
    // sin h = h (1 - h^2/3! + h^4/5! - ... + h^12/13!)
    double s = 1.0 / 6227020800.0;
    s = s * h2 - 1.0 / 39916800.0;
    s = s * h2 + 1.0 / 362880.0;
    s = s * h2 - 1.0 / 5040.0;
    s = s * h2 + 1.0 / 120.0;
    s = s * h2 - 1.0 / 6.0;
    s = (s * h2 + 1.0) * h;
    // cos h = 1 - h^2/2! + ... - h^14/14!
    double c = -1.0 / 87178291200.0;
    c = c * h2 + 1.0 / 479001600.0;
    c = c * h2 - 1.0 / 3628800.0;
    c = c * h2 + 1.0 / 40320.0;
    c = c * h2 - 1.0 / 720.0;
    c = c * h2 + 1.0 / 24.0;
    c = c * h2 - 0.5;
    c = c * h2 + 1.0;
    return { c * c - s * s, 2.0 * s * c };
}

inline std::complex<float> unit_phasor(double phase)
{
    const std::complex<double> p = unit_phasor_d(phase);
    return { static_cast<float>(p.real()), static_cast<float>(p.imag()) };
}

} // namespace dualsat
