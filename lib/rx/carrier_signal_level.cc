// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/phasor.h>
#include <dualsat/rx/carrier_signal_level.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace dualsat {

double SignalLevel::esn0() const { return amplitude * amplitude / std::max(noise, 1e-30); }

double SignalLevel::esn0_variance_db2() const
{
    const double rho = esn0();
    if (count <= 0 || !(rho > 0.0) || !std::isfinite(rho))
        return std::numeric_limits<double>::infinity();
    const double db_per_neper = 10.0 / std::log(10.0);
    return db_per_neper * db_per_neper * (1.0 + 2.0 / rho) / count;
}

namespace {
// Es/N0 (linear, 10 dB) from which the link's Es/N0 takes the radial noise.
constexpr double kRadialRho = 10.0;
} // namespace

double SignalLevel::link_esn0() const
{
    const double rho = esn0();
    if (rho >= kRadialRho && radial_noise > 0.0)
        return amplitude * amplitude / radial_noise;
    // The noise's sum of squares over n - segments / 2 (own_phase divided by that already,
    // the trajectory path, whose phases are the same per-segment fits, by n).
    if (segments <= 0 || count <= segments || !(amplitude > 0.0) || !(noise > 0.0) ||
        !(noise_fit_count > 0.0))
        return rho;
    const double n = static_cast<double>(count);
    const double noise_fit = noise * noise_fit_count / (n - 0.5 * segments);
    const double a = amplitude - static_cast<double>(segments) * noise_fit / (4.0 * amplitude * n);
    return a > 0.0 ? a * a / noise_fit : rho;
}

double SignalLevel::link_esn0_variance_db2() const
{
    const double rho = esn0();
    if (!(rho >= kRadialRho && radial_noise > 0.0 && count > 1))
        return esn0_variance_db2();
    const double link = link_esn0();
    const double db_per_neper = 10.0 / std::log(10.0);
    return db_per_neper * db_per_neper * (2.0 + 2.0 / link) / count;
}

SignalLevel SignalLevelEstimator::measure(const std::complex<float>* frame, double w,
                                          const double* phase,
                                          const std::vector<KnownSegment>& segments,
                                          bool own_phase, const std::vector<char>* skip)
{
    using cd = std::complex<double>;
    // z of every known symbol, once; then (own_phase) each segment's own phase off its z,
    // the mean real part, the spread.
    m_z.clear();
    const bool skipping = skip && skip->size() == segments.size();
    for (size_t si = 0; si < segments.size(); ++si) {
        const KnownSegment& s = segments[si];
        if (skipping && (*skip)[si])
            continue;
        const size_t first = m_z.size();
        m_z.resize(first + static_cast<size_t>(s.n));
        cd* z = m_z.data() + first;
        // Real arithmetic written out: a std::complex multiply checks its result for NaN
        // (and may call __muldc3). The derotating phasor is exact (unit_phasor_d) every
        // kAnchor symbols and where the phase jumps; in between it is carried by the
        // step's small angle d to third order (error d^4/24 per step, < 1e-8 for the
        // |d| <= kSmallStep allowed). On an idle link every symbol is known and this ran a
        // polynomial phasor on each: 11 % of the receiver's time (issue 14).
        constexpr int kAnchor = 32;
        constexpr double kSmallStep = 0.02;
        double pr = 0.0, pi = 0.0, prev = 0.0;
        for (int k = 0; k < s.n; ++k) {
            const int i = s.start + k;
            const double ph = -(w * i + phase[i]);
            const double d = ph - prev;
            if (k % kAnchor == 0 || !(std::abs(d) <= kSmallStep)) {
                const cd e = unit_phasor_d(ph);
                pr = e.real();
                pi = e.imag();
            } else {
                const double d2 = d * d;
                const double cr = 1.0 - 0.5 * d2, ci = d * (1.0 - d2 / 6.0);
                const double nr = pr * cr - pi * ci;
                pi = pr * ci + pi * cr;
                pr = nr;
            }
            prev = ph;
            const cd p(pr, pi);
            const double xr = frame[i].real(), xi = frame[i].imag();
            const double yr = xr * p.real() - xi * p.imag(), yi = xr * p.imag() + xi * p.real();
            const double rr = s.ref[k].real(), ri = -s.ref[k].imag(); // conj(ref)
            z[k] = cd(yr * rr - yi * ri, yr * ri + yi * rr);
        }
        if (own_phase) {
            cd acc = 0.0;
            for (size_t k = first; k < m_z.size(); ++k)
                acc += m_z[k];
            if (std::abs(acc) > 0.0) {
                const cd turn = std::conj(acc) / std::abs(acc);
                for (size_t k = first; k < m_z.size(); ++k)
                    m_z[k] *= turn;
            }
        }
    }
    const int n = static_cast<int>(m_z.size());
    double a = 0.0;
    for (const cd& v : m_z)
        a += v.real();
    a /= n;
    double nv = 0.0, nr = 0.0;
    for (const cd& v : m_z) {
        nv += std::norm(v - a);
        nr += (v.real() - a) * (v.real() - a);
    }
    SignalLevel level;
    level.amplitude = a;
    // A phase fitted per segment takes one of the 2n real degrees of freedom each.
    int used = 0;
    for (size_t si = 0; si < segments.size(); ++si)
        used += !(skipping && (*skip)[si]);
    level.noise = own_phase ? nv / (n - 0.5 * static_cast<double>(segments.size())) : nv / n;
    level.noise_fit_count = own_phase ? n - 0.5 * static_cast<double>(segments.size()) : static_cast<double>(n);
    level.count = n;
    level.segments = used;
    // The amplitude's fit takes one of the n radial degrees of freedom.
    level.radial_noise = n > 1 ? 2.0 * nr / (n - 1) : 0.0;
    return level;
}

double SignalLevelEstimator::smooth(double esn0)
{
    m_smoothed = m_smoothed < 0 ? esn0 : 0.8 * m_smoothed + 0.2 * esn0;
    return m_smoothed;
}

} // namespace dualsat
