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

SignalLevel SignalLevelEstimator::measure_derotated(const std::complex<float>* derotated,
                                                    const double* phase,
                                                    const std::vector<KnownSegment>& segments,
                                                    bool own_phase, const std::vector<char>* skip)
{
    using cd = std::complex<double>;
    // z of every known symbol, once; then (own_phase) each segment's own phase off its z,
    // the mean real part, the spread.
    const bool skipping = skip && skip->size() == segments.size();
    size_t measured = 0;
    for (size_t si = 0; si < segments.size(); ++si)
        if (!(skipping && (*skip)[si]))
            measured += static_cast<size_t>(segments[si].n);
    m_z.resize(measured); // (its elements are all written below)
    size_t first = 0;
    const std::complex<float>* in = derotated;
    for (size_t si = 0; si < segments.size(); ++si) {
        const KnownSegment& s = segments[si];
        const std::complex<float>* zin = in;
        in += s.n;
        if (skipping && (*skip)[si])
            continue;
        cd* z = m_z.data() + first;
        // The phase over a segment is a line or two (interpolate_phase) that moves little:
        // e^{-j phase} is the phasor at the segment's first symbol times e^{-j d}, d the
        // phase's offset from there, by its Taylor series while |d| <= kSmallOffset (error
        // below d^6 / 720 < 2e-9), exactly otherwise. No recursion from symbol to symbol,
        // so the loop has no carried dependency. On an idle link 40 % of all symbols are
        // known, and a per-symbol phasor recursion here was 6 % of the receiver (issue 14).
        constexpr double kSmallOffset = 0.1;
        const double* ph = phase + s.start;
        const double ph0 = ph[0];
        const cd p0 = unit_phasor_d(-ph0);
        const double p0r = p0.real(), p0i = p0.imag();
        double largest = 0.0; // d^2: within kSmallOffset^2 the series holds, else done again exactly
        for (int k = 0; k < s.n; ++k) {
            const double d = ph0 - ph[k], d2 = d * d; // e^{j d} = e^{-j (ph - ph0)}
            largest = std::max(largest, d2);
            const double c = 1.0 - d2 * (0.5 - d2 * (1.0 / 24.0));
            const double sn = d * (1.0 - d2 * (1.0 / 6.0 - d2 * (1.0 / 120.0)));
            const double pr = p0r * c - p0i * sn, pi = p0r * sn + p0i * c;
            const double xr = zin[k].real(), xi = zin[k].imag();
            z[k] = cd(xr * pr - xi * pi, xr * pi + xi * pr);
        }
        if (!(largest <= kSmallOffset * kSmallOffset)) {
            for (int k = 0; k < s.n; ++k) {
                const cd e = unit_phasor_d(-ph[k]);
                const double xr = zin[k].real(), xi = zin[k].imag();
                z[k] = cd(xr * e.real() - xi * e.imag(), xr * e.imag() + xi * e.real());
            }
        }
        if (own_phase) {
            cd acc = 0.0;
            for (int k = 0; k < s.n; ++k)
                acc += z[k];
            if (std::abs(acc) > 0.0) {
                const cd turn = std::conj(acc) / std::abs(acc);
                for (int k = 0; k < s.n; ++k)
                    z[k] *= turn;
            }
        }
        first += static_cast<size_t>(s.n);
    }
    // The sums over four partial accumulators each: one would be a chain of dependent
    // additions, 1400 long on a dummy frame.
    const int n = static_cast<int>(m_z.size());
    const cd* v = m_z.data();
    double as[4] = {};
    int k = 0;
    for (; k + 4 <= n; k += 4)
        for (int l = 0; l < 4; ++l)
            as[l] += v[k + l].real();
    for (; k < n; ++k)
        as[0] += v[k].real();
    const double a = (as[0] + as[1] + as[2] + as[3]) / n;
    double nvs[4] = {}, nrs[4] = {};
    for (k = 0; k + 4 <= n; k += 4)
        for (int l = 0; l < 4; ++l) {
            const double dr = v[k + l].real() - a, di = v[k + l].imag();
            nvs[l] += dr * dr + di * di;
            nrs[l] += dr * dr;
        }
    for (; k < n; ++k) {
        const double dr = v[k].real() - a, di = v[k].imag();
        nvs[0] += dr * dr + di * di;
        nrs[0] += dr * dr;
    }
    const double nv = nvs[0] + nvs[1] + nvs[2] + nvs[3];
    const double nr = nrs[0] + nrs[1] + nrs[2] + nrs[3];
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
