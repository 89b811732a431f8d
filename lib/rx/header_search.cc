// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/rx/header_search.h>

#include <algorithm>

namespace dualsat {
namespace {

using cf = std::complex<float>;
constexpr int B = kHeaderSearchBlock;

// acc += conj(t_i) d[i + lane] over the terms i = first + stride * k, k < n, for the B lanes.
// (a - jb)(x + jy) = (ax + by) + j(ay - bx).
inline void correlate(const float* dre, const float* dim, const cf* t, int n, int first, int stride, float* acc_re,
                      float* acc_im)
{
    for (int k = 0; k < n; ++k) {
        const float a = t[k].real(), b = t[k].imag();
        const float* x = dre + first + stride * k;
        const float* y = dim + first + stride * k;
        for (int j = 0; j < B; ++j) {
            acc_re[j] += a * x[j] + b * y[j];
            acc_im[j] += a * y[j] - b * x[j];
        }
    }
}

inline void sum_energy(const float* e, int n, int first, int stride, float* acc)
{
    for (int k = 0; k < n; ++k) {
        const float* x = e + first + stride * k;
        for (int j = 0; j < B; ++j)
            acc[j] += x[j];
    }
}

} // namespace

HeaderDiffResult header_diff_statistic(const float* dre, const float* dim, const float* e,
                                       const HeaderDiffTemplates& t, bool with_pilots)
{
    const auto d = [dre, dim](int i) { return cf(dre[i], dim[i]); };
    cf cs = 0.0f, cp = 0.0f;
    float es = 0.0f, ep = 0.0f;
    for (int i = 0; i + 1 < kSofSymbols; ++i) {
        cs += std::conj(t.sof_diff[i]) * d(i);
        es += e[i];
    }
    // Only the differential products inside a PLSC pair are known (up to b7's sign).
    for (int m = 0; m < kPlscSymbols / 2; ++m) {
        const int i = kSofSymbols + 2 * m;
        cp += std::conj(t.pair_diff[m]) * d(i);
        ep += e[i];
    }
    HeaderDiffResult r;
    const float energy = es + ep;
    if (!(energy > 0.0f))
        return r;
    const cf plus = cs + cp, minus = cs - cp;
    const float q0 = std::norm(plus) / energy, q1 = std::norm(minus) / energy;
    if (q0 >= q1) {
        r.q = q0;
        r.corr = plus;
    } else {
        r.q = q1;
        r.corr = minus;
        r.pilots = true;
    }
    if (with_pilots) {
        cf cpil = 0.0f;
        float epil = 0.0f;
        for (int b = 0; b < 2; ++b)
            for (int i = 0; i + 1 < kPilotBlockSymbols; ++i) {
                const int k = kHeaderSearchPilotOffset[b] + i;
                cpil += std::conj(t.pilot_diff[b][i]) * d(k);
                epil += e[k];
            }
        const cf all = minus + cpil;
        const float qp = std::norm(all) / (energy + epil);
        if (qp > r.q) {
            r.q = qp;
            r.corr = all;
            r.pilots = true;
        }
    }
    return r;
}

void header_search_energies(const float* e, bool with_pilots, HeaderSearchEnergies* out)
{
    for (int j = 0; j < B; ++j)
        out->header[j] = out->pilots[j] = 0.0f;
    sum_energy(e, kSofSymbols - 1, 0, 1, out->header);
    sum_energy(e, kPlscSymbols / 2, kSofSymbols, 2, out->header);
    if (with_pilots)
        for (int b = 0; b < 2; ++b)
            sum_energy(e, kPilotBlockSymbols - 1, kHeaderSearchPilotOffset[b], 1, out->pilots);
}

void header_diff_statistic_block(const float* dre, const float* dim, const HeaderSearchEnergies& energies,
                                 const HeaderDiffTemplates& t, bool with_pilots, float* q)
{
    float sr[B] = {}, si[B] = {}, pr[B] = {}, pi[B] = {}, lr[B] = {}, li[B] = {};
    correlate(dre, dim, t.sof_diff, kSofSymbols - 1, 0, 1, sr, si);
    correlate(dre, dim, t.pair_diff, kPlscSymbols / 2, kSofSymbols, 2, pr, pi);
    if (with_pilots)
        for (int b = 0; b < 2; ++b)
            correlate(dre, dim, t.pilot_diff[b], kPilotBlockSymbols - 1, kHeaderSearchPilotOffset[b], 1, lr, li);
    for (int j = 0; j < B; ++j) {
        const float energy = energies.header[j];
        // Branches as in the reference: b7 = 0, b7 = 1, b7 = 1 with the pilot blocks.
        const float plus_re = sr[j] + pr[j], plus_im = si[j] + pi[j];
        const float minus_re = sr[j] - pr[j], minus_im = si[j] - pi[j];
        float best = std::max(plus_re * plus_re + plus_im * plus_im, minus_re * minus_re + minus_im * minus_im) /
                     energy;
        if (with_pilots) {
            const float all_re = minus_re + lr[j], all_im = minus_im + li[j];
            best = std::max(best, (all_re * all_re + all_im * all_im) / (energy + energies.pilots[j]));
        }
        q[j] = energy > 0.0f ? best : 0.0f;
    }
}

} // namespace dualsat
