// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/constants.h>
#include <dualsat/mapping/constellation.h>
#include <dualsat/core/error.h>

#include <cmath>

namespace dualsat {
namespace {

// One point of a figure: ring index (0 = innermost) and angle = num * pi / den.
// Angles are written with the denominators the figures' geometry suggests (pi/4 steps on
// QPSK/8PSK and on the 4-point rings, pi/12 on 12-point rings, pi/8 on the 16-point ring),
// in the same form gr-dtv evaluates them, so that cos/sin round to the same floats.
struct FigurePoint {
    uint8_t ring;
    int8_t num;
    int8_t den;
};

// EN 302 307-1 Figure 9 (QPSK), labels 00, 01, 10, 11.
constexpr FigurePoint kQpsk[4] = { { 0, 1, 4 }, { 0, 7, 4 }, { 0, 3, 4 }, { 0, 5, 4 } };

// Figure 10 (8PSK), labels 000 ... 111.
constexpr FigurePoint kPsk8[8] = { { 0, 1, 4 }, { 0, 0, 4 }, { 0, 4, 4 }, { 0, 5, 4 },
                                   { 0, 2, 4 }, { 0, 7, 4 }, { 0, 3, 4 }, { 0, 6, 4 } };

// Figure 11 (16APSK 4+12): labels 0000..1011 on the outer ring R2, 1100..1111 on R1.
constexpr FigurePoint kApsk16[16] = {
    { 1, 1, 4 },   { 1, -1, 4 },  { 1, 3, 4 },  { 1, -3, 4 },  { 1, 1, 12 },  { 1, -1, 12 },
    { 1, 11, 12 }, { 1, -11, 12 }, { 1, 5, 12 }, { 1, -5, 12 }, { 1, 7, 12 },  { 1, -7, 12 },
    { 0, 1, 4 },   { 0, -1, 4 },  { 0, 3, 4 },  { 0, -3, 4 },
};

// Figure 12 (32APSK 4+12+16): R1 (4 points), R2 (12 points), R3 (16 points).
constexpr FigurePoint kApsk32[32] = {
    { 1, 1, 4 },  { 1, 5, 12 },  { 1, -1, 4 }, { 1, -5, 12 },  { 1, 3, 4 },  { 1, 7, 12 },
    { 1, -3, 4 }, { 1, -7, 12 }, { 2, 1, 8 },  { 2, 3, 8 },    { 2, -1, 4 }, { 2, -1, 2 },
    { 2, 3, 4 },  { 2, 1, 2 },   { 2, -7, 8 }, { 2, -5, 8 },   { 1, 1, 12 }, { 0, 1, 4 },
    { 1, -1, 12 }, { 0, -1, 4 }, { 1, 11, 12 }, { 0, 3, 4 },   { 1, -11, 12 }, { 0, -3, 4 },
    { 2, 0, 1 },  { 2, 1, 4 },   { 2, -1, 8 }, { 2, -3, 8 },   { 2, 7, 8 },  { 2, 5, 8 },
    { 2, 1, 1 },  { 2, -3, 4 },
};

} // namespace

double apsk16_gamma(CodeRate rate)
{
    // EN 302 307-1 Table 9: optimum constellation radius ratio gamma = R2/R1 for 16APSK.
    switch (rate) {
    case CodeRate::R2_3:
        return 3.15;
    case CodeRate::R3_4:
        return 2.85;
    case CodeRate::R4_5:
        return 2.75;
    case CodeRate::R5_6:
        return 2.70;
    case CodeRate::R8_9:
        return 2.60;
    case CodeRate::R9_10:
        return 2.57;
    default:
        throw ConfigError("16APSK is not defined for code rate " + to_string(rate) +
                          " (EN 302 307-1 Table 9)");
    }
}

Apsk32Gammas apsk32_gammas(CodeRate rate)
{
    // EN 302 307-1 Table 10: gamma1 = R2/R1, gamma2 = R3/R1 for 32APSK.
    switch (rate) {
    case CodeRate::R3_4:
        return { 2.84, 5.27 };
    case CodeRate::R4_5:
        return { 2.72, 4.87 };
    case CodeRate::R5_6:
        return { 2.64, 4.64 };
    case CodeRate::R8_9:
        return { 2.54, 4.33 };
    case CodeRate::R9_10:
        return { 2.53, 4.30 };
    default:
        throw ConfigError("32APSK is not defined for code rate " + to_string(rate) +
                          " (EN 302 307-1 Table 10)");
    }
}

Constellation::Constellation(ModCod modcod, ApskScaling scaling)
    : modcod_(modcod), scaling_(scaling), bits_(dualsat::bits_per_symbol(modcod.mod)), rings_(1)
{
    if (!modcod_valid(modcod))
        throw ConfigError("no MODCOD " + to_string(modcod) + " in EN 302 307-1 Table 12");

    const FigurePoint* figure = nullptr;
    std::array<int, kMaxRings> ring_sizes{};
    // Radii relative to an outer ring of 1, as the tables give them.
    switch (modcod.mod) {
    case Modulation::QPSK:
        figure = kQpsk;
        radii_[0] = 1.0;
        ring_sizes = { 4, 0, 0 };
        break;
    case Modulation::PSK8:
        figure = kPsk8;
        radii_[0] = 1.0;
        ring_sizes = { 8, 0, 0 };
        break;
    case Modulation::APSK16: {
        figure = kApsk16;
        rings_ = 2;
        radii_[1] = 1.0;
        radii_[0] = radii_[1] / apsk16_gamma(modcod.rate);
        ring_sizes = { 4, 12, 0 };
        break;
    }
    case Modulation::APSK32: {
        figure = kApsk32;
        rings_ = 3;
        const Apsk32Gammas g = apsk32_gammas(modcod.rate);
        radii_[2] = 1.0;
        radii_[0] = radii_[2] / g.gamma2;
        radii_[1] = radii_[0] * g.gamma1;
        ring_sizes = { 4, 12, 16 };
        break;
    }
    }

    if (scaling == ApskScaling::UnitAverageEnergy && rings_ > 1) {
        double energy = 0.0;
        for (int r = 0; r < rings_; ++r)
            energy += ring_sizes[static_cast<size_t>(r)] * radii_[static_cast<size_t>(r)] *
                      radii_[static_cast<size_t>(r)];
        const double norm = std::sqrt(energy / size());
        for (int r = 0; r < rings_; ++r)
            radii_[static_cast<size_t>(r)] /= norm;
    }

    for (int label = 0; label < size(); ++label) {
        const FigurePoint& p = figure[label];
        const double angle = p.num * kPi / p.den;
        const double r = radii_[p.ring];
        ring_of_[static_cast<size_t>(label)] = p.ring;
        points_[static_cast<size_t>(label)] = std::complex<float>(
            static_cast<float>(r * std::cos(angle)), static_cast<float>(r * std::sin(angle)));
    }
}

double Constellation::average_energy() const
{
    double sum = 0.0;
    for (int i = 0; i < size(); ++i)
        sum += std::norm(std::complex<double>(points_[static_cast<size_t>(i)]));
    return sum / size();
}

} // namespace dualsat
