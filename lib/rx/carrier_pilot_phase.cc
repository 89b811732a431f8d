// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/phasor.h>
#include <dualsat/core/constants.h>
#include <dualsat/pl/pl_geometry.h>
#include <dualsat/rx/carrier_pilot_phase.h>

#include <algorithm>
#include <cmath>

namespace dualsat {
namespace {

using cf = std::complex<float>;
using cd = std::complex<double>;

// Largest multiple of the pilot-period ambiguity the QPSK fourth-power test examines.
constexpr int kMaxAmbiguity = 8;

} // namespace

bool PilotPhaseEstimator::measure(const cf* frame, double w, const std::vector<KnownSegment>& segments,
                                  LrLagSums* lags)
{
    m_phases.clear();
    m_sums.clear();
    size_t known = 0;
    int longest = 0;
    for (const KnownSegment& s : segments) {
        known += static_cast<size_t>(s.n);
        longest = std::max(longest, s.n);
    }
    m_z.resize(known);
    // e^{-j w k} for k within a segment, once per frame (w is the frame's): a segment's
    // derotation is then its start's phasor times the table, no recursion per symbol.
    // The table by a double recursion (at most a 90-symbol segment: rounding ~1e-14),
    // the products in float like the z they make (a float z was always the result).
    m_step_table.resize(static_cast<size_t>(longest));
    {
        const cd step = unit_phasor_d(-w);
        cd rot = 1.0;
        for (int k = 0; k < longest; ++k, rot *= step)
            m_step_table[static_cast<size_t>(k)] = cf(rot);
    }
    bool finite = true;
    cf* z = m_z.data();
    for (const KnownSegment& s : segments) {
        const cf start = unit_phasor(-w * s.start);
        const float sr = start.real(), si = start.imag();
        const cf* x = frame + s.start;
        const cf* t = m_step_table.data();
        // Real arithmetic written out (a std::complex multiply checks its result for NaN
        // and may call __mulsc3), float partial sums per segment (at most 90 terms).
        float cr = 0.0f, ci = 0.0f;
        for (int k = 0; k < s.n; ++k) {
            const float rr = sr * t[k].real() - si * t[k].imag();
            const float ri = sr * t[k].imag() + si * t[k].real();
            const float vr = x[k].real() * rr - x[k].imag() * ri;
            const float vi = x[k].real() * ri + x[k].imag() * rr;
            const float qr = s.ref[k].real(), qi = s.ref[k].imag(); // v conj(ref)
            const float zr = vr * qr + vi * qi, zi = vi * qr - vr * qi;
            z[k] = cf(zr, zi);
            cr += zr;
            ci += zi;
        }
        const cd c(cr, ci);
        if (!std::isfinite(c.real()) || !std::isfinite(c.imag()))
            finite = false;
        if (lags)
            lags->add_segment(z, s.n);
        m_phases.push_back({ s.start + 0.5 * (s.n - 1), std::arg(c), static_cast<double>(s.n) });
        m_sums.push_back(c);
        z += s.n;
    }
    // Blank segments (see the header): judged against the median magnitude per symbol.
    m_blank.assign(m_phases.size(), 0);
    m_blank_count = 0;
    if (finite && m_phases.size() >= 3) {
        m_scratch.resize(m_phases.size());
        for (size_t i = 0; i < m_phases.size(); ++i)
            m_scratch[i] = std::abs(m_sums[i]) / m_phases[i].weight;
        std::vector<double> sorted = m_scratch;
        std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
        const double floor = 0.25 * sorted[sorted.size() / 2];
        for (size_t i = 0; i < m_phases.size(); ++i)
            if (m_scratch[i] < floor) {
                m_blank[i] = 1;
                m_phases[i].weight = 0.0;
                ++m_blank_count;
            }
        if (m_blank_count > 0)
            fill_blanks();
    }
    return finite;
}

void PilotPhaseEstimator::fill_blanks()
{
    const size_t n = m_phases.size();
    size_t prev = n; // last valid index (n: none yet)
    for (size_t i = 0; i < n; ++i) {
        if (m_blank[i])
            continue;
        if (prev == n) {
            for (size_t j = 0; j < i; ++j)
                m_phases[j].phase = m_phases[i].phase;
        } else {
            for (size_t j = prev + 1; j < i; ++j) {
                const double a = (m_phases[j].centre - m_phases[prev].centre) /
                                 (m_phases[i].centre - m_phases[prev].centre);
                m_phases[j].phase = m_phases[prev].phase + a * (m_phases[i].phase - m_phases[prev].phase);
            }
        }
        prev = i;
    }
    if (prev == n)
        return; // all blank: nothing to go on
    for (size_t j = prev + 1; j < n; ++j)
        m_phases[j].phase = m_phases[prev].phase;
}

bool PilotPhaseEstimator::pilot_pair_residual(const std::vector<KnownSegment>& segments,
                                              double* residual) const
{
    cd pair_sum = 0.0;
    int pairs = 0;
    for (size_t s = 1; s < segments.size(); ++s)
        if (segments[s].start - segments[s - 1].start == kPilotPeriod &&
            segments[s].n == kPilotBlockSymbols && segments[s - 1].n == kPilotBlockSymbols) {
            pair_sum += m_sums[s] * std::conj(m_sums[s - 1]);
            ++pairs;
        }
    if (!(pairs >= 2 && std::abs(pair_sum) > 0.0))
        return false;
    const double base = *residual * kPilotPeriod;
    *residual = (base + std::remainder(std::arg(pair_sum) - base, 2.0 * kPi)) / kPilotPeriod;
    return true;
}

void PilotPhaseEstimator::unwrap(double residual)
{
    std::vector<SegmentPhase>& phases = m_phases;
    const bool blanks = m_blank.size() == phases.size() && m_blank_count > 0;
    // Each valid segment is unwrapped against the last valid one (a blank one's phase is
    // no reference); the blanks are filled in afterwards.
    size_t ref = 0;
    while (blanks && ref < phases.size() && m_blank[ref])
        ++ref;
    for (size_t s = ref + 1; s < phases.size(); ++s) {
        if (blanks && m_blank[s])
            continue;
        const double advance = residual * (phases[s].centre - phases[ref].centre);
        phases[s].phase = phases[ref].phase + advance +
                          std::remainder(phases[s].phase - phases[ref].phase - advance, 2.0 * kPi);
        ref = s;
    }
    if (blanks)
        fill_blanks();
}

double PilotPhaseEstimator::resolve_pilot_ambiguity_qpsk(const cf* frame, int length, double w,
                                                         double residual, double coarse_sigma)
{
    // The pilot-pair estimate is exact up to a multiple of 2 pi / 1476 rad/symbol; the
    // coarse stage only tells which multiple once its standard deviation is well below
    // that (tens of frames at Es/N0 near 0 dB). Every symbol of a QPSK frame (header,
    // pilots and data alike: all points are at pi/4 + k pi/2) has fourth power -1, so
    // |sum x^4 e^{-j 4 f i}| over the frame peaks at the true residual f: candidates
    // 4 * 2 pi / 1476 apart are ~88 bins apart over a normal frame, and the peak's
    // SNR is N / ~670 at -2 dB (normal frame ~48, short ~12), so the wrong multiple
    // wins with negligible probability. Candidates: within ~3 coarse sigmas.
    const double sigma = coarse_sigma;
    const double spacing = 2.0 * kPi / kPilotPeriod;
    const int k_max = std::isfinite(sigma) ? std::min(kMaxAmbiguity, static_cast<int>(std::ceil(3.0 * sigma / spacing)))
                                           : kMaxAmbiguity;
    if (k_max <= 0)
        return residual;
    double best = -1.0;
    double best_f = residual;
    for (int k = -k_max; k <= k_max; ++k) {
        const double f = residual + k * spacing;
        const cd step = std::polar(1.0, -4.0 * (w + f));
        cd acc = 0.0;
        constexpr int kRestart = 1024;
        for (int r = 0; r < length; r += kRestart) {
            cd rot = std::polar(1.0, -4.0 * (w + f) * r);
            cd part = 0.0;
            const int stop = std::min(length, r + kRestart);
            for (int i = r; i < stop; ++i) {
                const cf x2 = frame[i] * frame[i];
                part += cd(x2 * x2) * rot;
                rot *= step;
            }
            acc += part;
        }
        const double mag = std::norm(acc);
        if (mag > best) {
            best = mag;
            best_f = f;
        }
    }
    return best_f;
}

PhaseLine fit_phase_line(const std::vector<SegmentPhase>& phases)
{
    double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const auto& p : phases) {
        sw += p.weight;
        sx += p.weight * p.centre;
        sy += p.weight * p.phase;
        sxx += p.weight * p.centre * p.centre;
        sxy += p.weight * p.centre * p.phase;
    }
    PhaseLine line;
    if (phases.size() >= 2) {
        const double den = sw * sxx - sx * sx;
        line.slope = den > 0 ? (sw * sxy - sx * sy) / den : 0.0;
        const double intercept = (sy - line.slope * sx) / sw;
        double r2 = 0.0;
        for (const auto& p : phases) {
            const double e = p.phase - (intercept + line.slope * p.centre);
            r2 += p.weight * e * e;
        }
        line.rms_residual = std::sqrt(r2 / sw);
    }
    return line;
}

void interpolate_phase(const std::vector<SegmentPhase>& phases, int total, double* phase)
{
    // One slope per piece, no division per symbol.
    const double c_first = phases.front().centre;
    int i = 0;
    for (; i < total && i <= c_first; ++i)
        phase[i] = phases.front().phase;
    for (size_t seg = 1; seg < phases.size() && i < total; ++seg) {
        const SegmentPhase& p0 = phases[seg - 1];
        const SegmentPhase& p1 = phases[seg];
        const double slope = (p1.phase - p0.phase) / (p1.centre - p0.centre);
        const int end = std::min(total, static_cast<int>(std::ceil(p1.centre)));
        for (; i < end; ++i)
            phase[i] = p0.phase + slope * (i - p0.centre);
    }
    for (; i < total; ++i)
        phase[i] = phases.back().phase;
}

void derotate_piecewise(const cf* frame, int length, double w, double gain,
                        const std::vector<SegmentPhase>& phases, cf* out)
{
    // The phase is piecewise linear (held, then linear between segment centres, then
    // held): phasor recursions per piece instead of a sincos per symbol, restarted
    // exactly every kRestart symbols so that rounding cannot accumulate. Four recursions
    // side by side (symbols r, r+1, r+2, r+3, each stepping 4 symbols at a time): one
    // recursion is a multiply-add chain per symbol, and four independent ones run four
    // times as fast (issue 14: this was 4 % of the receiver at 30 Msym/s).
    constexpr int kRestart = 512;
    constexpr int kLanes = 4;
    auto rotate = [&](int a, int b, double phase_a, double slope) {
        const cd step4 = std::polar(1.0, -kLanes * (w + slope));
        for (int r = a; r < b; r += kRestart) {
            const int stop = std::min(b, r + kRestart);
            double rr[kLanes], ri[kLanes];
            for (int l = 0; l < kLanes; ++l) {
                const cd start = std::polar(gain, -(w * (r + l) + phase_a + slope * (r + l - a)));
                rr[l] = start.real();
                ri[l] = start.imag();
            }
            for (int i = r; i < stop; i += kLanes) {
                const int lanes = std::min(kLanes, stop - i);
                for (int l = 0; l < lanes; ++l) {
                    // Real arithmetic: no complex-multiply NaN fallback in the loop.
                    const double xr = frame[i + l].real(), xi = frame[i + l].imag();
                    out[i + l] = cf(static_cast<float>(xr * rr[l] - xi * ri[l]),
                                    static_cast<float>(xr * ri[l] + xi * rr[l]));
                }
                for (int l = 0; l < kLanes; ++l) {
                    const double t = rr[l] * step4.real() - ri[l] * step4.imag();
                    ri[l] = rr[l] * step4.imag() + ri[l] * step4.real();
                    rr[l] = t;
                }
            }
        }
    };
    const double c_first = phases.front().centre, c_last = phases.back().centre;
    size_t piece = 1;
    for (int i = 0; i < length;) {
        int end;
        if (i <= c_first) {
            end = std::min(length, static_cast<int>(std::floor(c_first)) + 1);
            rotate(i, end, phases.front().phase, 0.0);
        } else if (i >= c_last) {
            end = length;
            rotate(i, end, phases.back().phase, 0.0);
        } else {
            while (i >= phases[piece].centre)
                ++piece;
            const SegmentPhase& p0 = phases[piece - 1];
            const SegmentPhase& p1 = phases[piece];
            end = std::min(length, static_cast<int>(std::ceil(p1.centre)));
            const double slope = (p1.phase - p0.phase) / (p1.centre - p0.centre);
            rotate(i, end, p0.phase + slope * (i - p0.centre), slope);
        }
        i = end;
    }
}

} // namespace dualsat
