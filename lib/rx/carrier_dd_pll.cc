// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/phasor.h>
#include <dualsat/pl/pl_geometry.h>
#include <dualsat/rx/carrier_dd_pll.h>

#include <algorithm>
#include <limits>

namespace dualsat {

DecisionDirectedPll::DecisionDirectedPll(double loop_bandwidth)
{
    // Second-order loop, damping 0.707 (standard discrete-time PLL gains).
    const double zeta = 0.7071067811865476;
    const double theta_n = loop_bandwidth / (zeta + 0.25 / zeta);
    const double den = 1.0 + 2.0 * zeta * theta_n + theta_n * theta_n;
    m_kp = 4.0 * zeta * theta_n / den;
    m_ki = 4.0 * theta_n * theta_n / den;
    m_constellations.resize(29);
}

const Constellation& DecisionDirectedPll::constellation(const ModCod& mc)
{
    auto& slot = m_constellations[static_cast<size_t>(modcod_number(mc))];
    if (!slot)
        slot = std::make_unique<Constellation>(mc);
    return *slot;
}

double DecisionDirectedPll::track(const std::complex<float>* frame, int length, double w,
                                  double amplitude, double theta0, const ModCod& mc, double* phase)
{
    using cd = std::complex<double>;
    const Constellation& con = constellation(mc);
    const int npts = con.size();
    double theta = theta0, nu = 0.0;
    for (int i = kPlHeaderSymbols; i < length; ++i) {
        const cd x = cd(frame[i]) * unit_phasor_d(-(w * i + theta));
        // Nearest point of the amplitude-scaled constellation.
        double best = std::numeric_limits<double>::infinity();
        cd d = 1.0;
        for (int p = 0; p < npts; ++p) {
            const cd s = amplitude * cd(con.point(static_cast<unsigned>(p)));
            const double dist = std::norm(x - s);
            if (dist < best) {
                best = dist;
                d = s;
            }
        }
        phase[i] = theta;
        const double e = (x * std::conj(d)).imag() / std::max(std::norm(d), 1e-30);
        nu += m_ki * e;
        theta += nu + m_kp * e;
    }
    return nu;
}

} // namespace dualsat
