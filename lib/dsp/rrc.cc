// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/constants.h>
#include <dualsat/core/error.h>
#include <dualsat/dsp/rrc.h>

#include <cmath>
#include <string>

namespace dualsat {

namespace {
// Distance to a removable singularity below which the limit value is used. The closed
// forms lose about log10(1/eps) digits near their poles; 1e-8 keeps double results
// accurate to ~1e-8, far below float tap precision.
constexpr double kSingularEps = 1e-8;

void check_beta(double beta)
{
    if (!(beta > 0.0 && beta <= 1.0)) // also rejects NaN
        throw ConfigError("RRC roll-off must be in (0, 1], got " + std::to_string(beta));
}
} // namespace

double rrc_pulse(double t, double beta)
{
    // p(t) = [sin(πt(1-β)) + 4βt·cos(πt(1+β))] / [πt(1 - (4βt)²)]
    const double at = std::fabs(t);
    if (at < kSingularEps)
        return 1.0 - beta + 4.0 * beta / kPi; // limit t -> 0
    const double four_bt = 4.0 * beta * at;
    if (std::fabs(four_bt - 1.0) < kSingularEps) {
        // limit |t| -> 1/(4β)
        const double x = kPi / (4.0 * beta);
        return beta / std::sqrt(2.0) *
               ((1.0 + 2.0 / kPi) * std::sin(x) + (1.0 - 2.0 / kPi) * std::cos(x));
    }
    const double num = std::sin(kPi * at * (1.0 - beta)) + four_bt * std::cos(kPi * at * (1.0 + beta));
    const double den = kPi * at * (1.0 - four_bt * four_bt);
    return num / den;
}

double raised_cosine_pulse(double t, double beta)
{
    // r(t) = sinc(t) · cos(πβt) / (1 - (2βt)²)
    const double at = std::fabs(t);
    const double sinc = at < kSingularEps ? 1.0 : std::sin(kPi * at) / (kPi * at);
    const double two_bt = 2.0 * beta * at;
    if (std::fabs(two_bt - 1.0) < kSingularEps) {
        // limit |t| -> 1/(2β): cos(πβt)/(1-(2βt)²) -> π/4
        return kPi / 4.0 * sinc;
    }
    return sinc * std::cos(kPi * beta * at) / (1.0 - two_bt * two_bt);
}

int rrc_num_taps(int sps, int span_symbols)
{
    const int n = span_symbols * sps + 1;
    return (n % 2 == 0) ? n + 1 : n;
}

std::vector<float> rrc_taps(double beta, int sps, int span_symbols, RrcNormalization norm)
{
    check_beta(beta);
    if (sps < 2)
        throw ConfigError("RRC needs at least 2 samples per symbol, got " + std::to_string(sps));
    if (span_symbols < 2 || span_symbols > 1024)
        throw ConfigError("RRC span must be 2..1024 symbols, got " + std::to_string(span_symbols));
    if (sps > 4096)
        throw ConfigError("RRC samples per symbol too large: " + std::to_string(sps));

    const int ntaps = rrc_num_taps(sps, span_symbols);
    const int centre = (ntaps - 1) / 2;
    std::vector<double> h(static_cast<size_t>(ntaps));
    double energy = 0.0;
    for (int n = 0; n < ntaps; ++n) {
        h[static_cast<size_t>(n)] = rrc_pulse(static_cast<double>(n - centre) / sps, beta);
        energy += h[static_cast<size_t>(n)] * h[static_cast<size_t>(n)];
    }
    double target = 1.0; // Σh² after scaling
    switch (norm) {
    case RrcNormalization::TxUnitPower:
        target = sps;
        break;
    case RrcNormalization::RxMatched:
        target = 1.0 / sps;
        break;
    case RrcNormalization::UnitEnergy:
        target = 1.0;
        break;
    }
    const double scale = std::sqrt(target / energy);
    std::vector<float> taps(h.size());
    for (size_t i = 0; i < h.size(); ++i)
        taps[i] = static_cast<float>(h[i] * scale);
    return taps;
}

} // namespace dualsat
