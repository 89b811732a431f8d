// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/rx/esn0_estimator.h>
#include <dualsat/rx/esn0_kernels.h>

#include <algorithm>
#include <cstdint>
#include <cmath>
#include <vector>

namespace dualsat {
namespace {

using cd = std::complex<double>;

constexpr double kDbPerNeper = 4.3429448190325182; // 10 / ln 10
// The data-aided estimate re-fits the phase per block when a block's coherent SNR
// (rho x symbols) is at least this (the |C_b| correction below is a large-SNR expansion).
// Even at 2-3 dB it matters: the phase interpolated between pilot blocks (1476 symbols
// apart) under the DVB-S2 phase-noise mask cost QPSK 1/2 frames 0.1 dB of the estimate.
constexpr double kPhaseRefitBlockSnr = 20.0;
// Es/N0 (linear, 10 dB) from which the data-aided noise is measured along the symbols only:
// there phase noise the blocks cannot follow would show (~0.2 dB at 20 dB with the DVB-S2
// mask at 20 Msym/s); below it it is negligible and the full noise has half the variance.
constexpr double kRadialRho = 10.0;
// A constellation point whose posterior weight is below e^-30 of the nearest one's
// (1e-13) is left out of the sums; the weights in float (their relative error, ~1e-7, is
// far below anything the estimate resolves).
constexpr double kNegligible = 30.0;
// The blind fit has converged when a step moves amplitude and noise by less than this
// (relative): 4e-4 dB, far below the estimate's spread.
constexpr double kConverged = 1e-4;
// Es/N0 range (linear) an estimate may have: outside it is a failed fit, not a link.
constexpr double kMinRho = 1e-3, kMaxRho = 1e6;

bool finite(const std::complex<float>& v) { return std::isfinite(v.real()) && std::isfinite(v.imag()); }

// The real part of (x·t)·conj(s), written out as the complex products' own four products
// and two sums (the same roundings, so the same results), without the products' NaN
// fallback: that is a compare and branch per symbol, and it cannot act here, where x is
// finite and s a constellation point.
inline double real_of_times_conj(const std::complex<float>& x, const cd& t, const cd& s)
{
    const double a = x.real(), b = x.imag();
    const double pr = a * t.real() - b * t.imag(), pi = a * t.imag() + b * t.real();
    return pr * s.real() - pi * -s.imag();
}

// I0(x) = scaled e^exponent and I1(x) / I0(x), x >= 0, from the polynomial approximations
// of Abramowitz & Stegun 9.8.1-9.8.4 (errors below 2e-7 of the polynomial): no libm call
// but a square root for large x (the caller folds the exponent into its own exp()).
struct BesselI01 {
    double scaled;
    double exponent;
    double ratio; // I1 / I0
};

BesselI01 bessel_i01(double x)
{
    if (x < 3.75) {
        const double t = (x / 3.75) * (x / 3.75);
        const double i0 =
            1.0 +
            t * (3.5156229 + t * (3.0899424 + t * (1.2067492 + t * (0.2659732 + t * (0.0360768 + t * 0.0045813)))));
        const double i1 =
            x * (0.5 + t * (0.87890594 +
                            t * (0.51498869 +
                                 t * (0.15084934 + t * (0.02658733 + t * (0.00301532 + t * 0.00032411))))));
        return { i0, 0.0, i1 / i0 };
    }
    // sqrt(x) e^-x I0(x) and sqrt(x) e^-x I1(x) as polynomials in 3.75 / x.
    const double u = 3.75 / x;
    const double p0 =
        0.39894228 +
        u * (0.01328592 +
             u * (0.00225319 +
                  u * (-0.00157565 +
                       u * (0.00916281 + u * (-0.02057706 + u * (0.02635537 + u * (-0.01647633 + u * 0.00392377)))))));
    const double p1 =
        0.39894228 +
        u * (-0.03988024 +
             u * (-0.00362018 +
                  u * (0.00163801 +
                       u * (-0.01031555 + u * (0.02282967 + u * (-0.02895312 + u * (0.01787654 - u * 0.00420059)))))));
    return { p0 / std::sqrt(x), x, p1 / p0 };
}

Esn0Measurement make(double rho, double var_db2, int symbols)
{
    Esn0Measurement m;
    if (!(rho >= kMinRho && rho <= kMaxRho) || !(var_db2 > 0.0) || !std::isfinite(var_db2))
        return m;
    m.esn0_db = 10.0 * std::log10(rho);
    m.var_db2 = var_db2;
    m.symbols = symbols;
    return m;
}

// One phase block's correlation sum y s* and how many finite symbols went into it.
struct BlockCorrelation {
    cd corr;
    size_t used;
};

// Sum over the symbols of the squared noise along each symbol, e = y e^{-j theta_b} - a s
// projected on s / |s|, with theta_b = arg of block b's correlation (from the first pass).
double radial_noise(const std::complex<float>* y, const std::complex<float>* ref, size_t n,
                    size_t block, double a, const std::vector<BlockCorrelation>& blocks)
{
    double sum = 0.0;
    size_t b = 0;
    for (size_t start = 0; start < n; start += block, ++b) {
        const size_t end = std::min(n, start + block);
        const cd cb = blocks[b].corr;
        if (std::abs(cb) == 0.0)
            continue;
        const cd turn = std::conj(cb) / std::abs(cb);
        for (size_t i = start; i < end; ++i) {
            if (!finite(y[i]))
                continue;
            const cd s(ref[i]);
            const double mag = std::sqrt(std::norm(s));
            if (mag == 0.0)
                continue;
            const double along = real_of_times_conj(y[i], turn, s) / mag - a * mag;
            sum += along * along;
        }
    }
    return sum;
}

} // namespace

bool Esn0Measurement::valid() const
{
    return std::isfinite(esn0_db) && var_db2 > 0.0 && std::isfinite(var_db2);
}

Esn0Measurement combine_esn0(const Esn0Measurement& a, const Esn0Measurement& b)
{
    if (!a.valid())
        return b.valid() ? b : Esn0Measurement{};
    if (!b.valid())
        return a;
    const double wa = 1.0 / a.var_db2, wb = 1.0 / b.var_db2;
    Esn0Measurement c;
    c.esn0_db = (wa * a.esn0_db + wb * b.esn0_db) / (wa + wb);
    c.var_db2 = 1.0 / (wa + wb);
    c.symbols = a.symbols + b.symbols;
    return c;
}

double data_aided_esn0_variance_db2(double rho, double n_eff)
{
    if (!(rho > 0.0) || !(n_eff > 0.0))
        return std::numeric_limits<double>::infinity();
    return kDbPerNeper * kDbPerNeper * (1.0 + 2.0 / rho) / n_eff;
}

Esn0Measurement data_aided_esn0(const std::complex<float>* y, const std::complex<float>* ref,
                                size_t n, double symbol_energy, int phase_block)
{
    if (!y || !ref || n == 0 || !(symbol_energy > 0.0))
        return {};
    // One pass over the symbols: each phase block's correlation (kept for the per-block
    // phase re-fit and the radial noise below), the frame's correlation as their sum,
    // the reference energy and the received power. (Three passes did this before, at
    // 30 Msym/s as much time as the soft demapper: issue 14.)
    const size_t block = phase_block > 0 ? static_cast<size_t>(phase_block) : n;
    // The CPU's best kernel, once (DUALSAT_SIMD lowers it: dualsat/core/cpu_features.h).
    static const kernels::Esn0SumsFn sums_kernel =
        kernels::esn0_kernels_for(active_simd_level()).table->sums;
    std::vector<BlockCorrelation> blocks;
    blocks.reserve(n / block + 1);
    cd corr = 0.0;
    double energy = 0.0, power = 0.0;
    size_t count = 0;
    for (size_t start = 0; start < n; start += block) {
        const size_t end = std::min(n, start + block);
        // Within a block (90 symbols) the sums run in float over kEsn0Lanes independent
        // partial sums (esn0_kernels.h: no dependency chain from one symbol to the next, a
        // SIMD kernel at run time); the lanes and the blocks add up in double. A lane holds
        // ~12 terms of about the same size: its relative error (~1e-7) is far below the
        // estimate's resolution even where the noise is 1/1000 of the power (0.001 dB at
        // 30 dB). In double and with a branch per symbol this loop was the FEC workers'
        // largest item after the LDPC decoder and the demapper (issue 14).
        kernels::Esn0LaneSums lanes;
        sums_kernel(y + start, ref + start, end - start, &lanes);
        cd cb = 0.0;
        double e_block = 0.0, p_block = 0.0;
        size_t u = 0;
        for (size_t l = 0; l < kernels::kEsn0Lanes; ++l) {
            cb += cd(lanes.corr_re[l], lanes.corr_im[l]);
            e_block += lanes.ref_energy[l];
            p_block += lanes.power[l];
            u += lanes.used[l];
        }
        blocks.push_back({ cb, u });
        corr += cb;
        energy += e_block;
        power += p_block;
        count += u;
    }
    if (count < 2 || !(energy > 0.0))
        return {};
    // Least squares over amplitude and phase: residual = power - |corr|^2 / energy; the
    // fit takes one complex degree of freedom.
    double a = std::abs(corr) / energy;
    double noise = std::max(power - a * a * energy, 0.0) / (static_cast<double>(count) - 1.0);
    double n_eff = static_cast<double>(count) - 1.0;
    double rho = a * a * symbol_energy / std::max(noise, 1e-300);

    bool radial_only = false;
    if (phase_block > 0 && n >= 2 * block && rho * static_cast<double>(block) >= kPhaseRefitBlockSnr) {
        // Per block b: C_b = sum y s*, S_b = sum |s|^2. The phase of each block is arg C_b,
        // so the amplitude fit is sum |C_b| / sum S_b. |C_b| = |A S_b + w| with w of
        // variance N S_b: E|C_b| ~ A S_b + N / (4 A) (the noise across the signal), so
        // B N / (4 A) comes off the sum. The fitted phases take one real degree of freedom
        // per block, the amplitude one more.
        double sum_abs = 0.0;
        size_t fitted = 0;
        for (const BlockCorrelation& bc : blocks) {
            if (bc.used == 0)
                continue;
            sum_abs += std::abs(bc.corr);
            ++fitted;
        }
        const double a_fit = sum_abs / energy;
        const double dof = 2.0 * static_cast<double>(count) - static_cast<double>(fitted) - 1.0;
        if (dof > 2.0 && a_fit > 0.0) {
            const double residual = std::max(power - 2.0 * a_fit * sum_abs + a_fit * a_fit * energy, 0.0);
            noise = 2.0 * residual / dof;
            if (a_fit * a_fit * symbol_energy / noise >= kRadialRho) {
                // Phase noise faster than a block (the DVB-S2 mask's floor) still moves the
                // symbols across: only the noise along each symbol (radial) is free of it,
                // to second order. AWGN puts half its power there.
                const double radial = radial_noise(y, ref, n, block, a_fit, blocks);
                if (radial > 0.0) {
                    noise = 2.0 * radial / (static_cast<double>(count) - 1.0);
                    radial_only = true;
                }
            }
            a = (sum_abs - static_cast<double>(fitted) * noise / (4.0 * a_fit)) / energy;
            n_eff = 0.5 * dof;
            rho = a > 0.0 ? a * a * symbol_energy / std::max(noise, 1e-300) : 0.0;
        }
    }
    // Radial noise: ln N from count - 1 real samples (variance 2 / n instead of 1 / n).
    const double var = radial_only && rho > 0.0
                           ? kDbPerNeper * kDbPerNeper * (2.0 + 2.0 / rho) / static_cast<double>(count)
                           : data_aided_esn0_variance_db2(rho, n_eff);
    return make(rho, var, static_cast<int>(count));
}

// ---------------------------------------------------------------------------------------

BlindEsn0Estimator::BlindEsn0Estimator(const BlindEsn0Options& options) : m_options(options)
{
    m_options.max_symbols = std::max<size_t>(m_options.max_symbols, 16);
    m_options.max_iterations = std::max(m_options.max_iterations, 1);
}

BlindEsn0Estimator::Pass BlindEsn0Estimator::pass(const cd* points, const double* energy, int m,
                                                  double a, double n0) const
{
    // Per symbol y, posterior weights w_j ~ exp(-|y - a c_j|^2 / N) over the points;
    //   d log p / d a = (2 / N) (E[Re(y c*)] - a E[|c|^2]),
    //   d log p / d N = E[|y - a c|^2] / N^2 - 1 / N.
    Pass p;
    const double inv_n = 1.0 / n0;
    double sum_r = 0.0, sum_e = 0.0, sum_y2 = 0.0;
    double d[32], r[32];
    for (const cd& y : m_y) {
        double dmin = std::numeric_limits<double>::infinity();
        for (int j = 0; j < m; ++j) {
            r[j] = y.real() * points[j].real() + y.imag() * points[j].imag();
            d[j] = std::norm(y) - 2.0 * a * r[j] + a * a * energy[j];
            dmin = std::min(dmin, d[j]);
        }
        double wsum = 0.0, er = 0.0, ee = 0.0, ed = 0.0;
        for (int j = 0; j < m; ++j) {
            const double x = (d[j] - dmin) * inv_n;
            if (x > kNegligible)
                continue;
            const double w = std::exp(static_cast<float>(-x));
            wsum += w;
            er += w * r[j];
            ee += w * energy[j];
            ed += w * d[j];
        }
        er /= wsum;
        ee /= wsum;
        ed /= wsum;
        p.loglik += -dmin * inv_n + std::log(wsum);
        const double sa = 2.0 * inv_n * (er - a * ee);
        const double sn = ed * inv_n * inv_n - inv_n;
        p.score_a += sa;
        p.score_n += sn;
        p.jaa += sa * sa;
        p.jan += sa * sn;
        p.jnn += sn * sn;
        sum_r += er;
        sum_e += ee;
        sum_y2 += std::norm(y);
    }
    const double count = static_cast<double>(m_y.size());
    p.loglik -= count * std::log(n0);
    p.em_a = sum_e > 0.0 ? sum_r / sum_e : a;
    p.em_n = std::max(sum_y2 - 2.0 * p.em_a * sum_r + p.em_a * p.em_a * sum_e, 0.0) / count;
    return p;
}

template <typename PassAt>
bool BlindEsn0Estimator::maximise(PassAt pass_at, double& a, double& noise, Pass& p)
{
    Pass prev_pass;
    bool have_prev = false;
    double prev_a = a, prev_n = noise;
    bool converged = false;
    for (int it = 0; it < m_options.max_iterations; ++it) {
        m_iterations = it + 1;
        p = pass_at(a, noise);
        if (have_prev && p.loglik < prev_pass.loglik - 1e-9 * std::fabs(prev_pass.loglik)) {
            // The scoring step overshot: take the (ascending) EM step from the last point.
            a = prev_pass.em_a;
            noise = prev_pass.em_n;
            have_prev = false;
            if (!(a > 0.0) || !(noise > 0.0))
                return false;
            continue;
        }
        // BHHH step: J^-1 score.
        const double det = p.jaa * p.jnn - p.jan * p.jan;
        double na = p.em_a, nn = p.em_n;
        if (det > 0.0 && std::isfinite(det)) {
            const double da = (p.jnn * p.score_a - p.jan * p.score_n) / det;
            const double dn = (p.jaa * p.score_n - p.jan * p.score_a) / det;
            // Trust region: at most half the amplitude, the noise between half and double.
            if (std::fabs(da) < 0.5 * a && dn > -0.5 * noise && dn < noise) {
                na = a + da;
                nn = noise + dn;
            }
        }
        if (!(na > 0.0) || !(nn > 0.0) || !std::isfinite(na) || !std::isfinite(nn))
            return false;
        prev_pass = p;
        have_prev = true;
        prev_a = a;
        prev_n = noise;
        a = na;
        noise = nn;
        if (std::fabs(a - prev_a) < kConverged * prev_a && std::fabs(noise - prev_n) < kConverged * prev_n) {
            converged = true;
            break;
        }
    }
    return converged;
}

Esn0Measurement BlindEsn0Estimator::estimate(const std::complex<float>* y, size_t n,
                                             const std::complex<float>* points, int m,
                                             double symbol_energy, double a0, double n0)
{
    m_iterations = 0;
    if (!y || !points || m < 2 || m > 32 || !(symbol_energy > 0.0))
        return {};
    if (!(a0 > 0.0) || !std::isfinite(a0) || !(n0 > 0.0) || !std::isfinite(n0))
        return {};
    // Evenly spread subsample of the finite symbols.
    m_y.clear();
    const size_t cap = std::max<size_t>(16, std::min(m_options.max_symbols,
                                                     m_options.max_point_evaluations / static_cast<size_t>(m)));
    const size_t stride = (n + cap - 1) / cap;
    for (size_t i = 0; i < n; i += std::max<size_t>(stride, 1))
        if (finite(y[i]))
            m_y.emplace_back(y[i]);
    if (m_y.size() < 16)
        return {};
    cd pts[32];
    double energy[32];
    for (int j = 0; j < m; ++j) {
        pts[j] = cd(points[j]);
        energy[j] = std::norm(pts[j]);
    }

    double a = a0, noise = n0;
    Pass p;
    if (!maximise([&](double pa, double pn) { return pass(pts, energy, m, pa, pn); }, a, noise, p))
        return {};
    // Variance of ln(a^2 Es / N) from the information at the maximum (the last pass).
    const double det = p.jaa * p.jnn - p.jan * p.jan;
    if (!(det > 0.0) || !std::isfinite(det))
        return {};
    const double ga = 2.0 / a, gn = -1.0 / noise;
    double var_ln = (p.jnn * ga * ga - 2.0 * p.jan * ga * gn + p.jaa * gn * gn) / det;
    double rho = a * a * symbol_energy / noise;
    if (rho >= kRadialRho) {
        // As the data-aided estimate: the noise along the symbols only, phase noise and
        // the carrier's phase error between pilots being tangential (with the posterior
        // weights at the maximum: the symbols are mostly certain here). Half the samples:
        // the noise term of the variance doubles.
        const double radial = radial_pass(pts, energy, m, a, noise);
        if (radial > 0.0) {
            const double rho_radial = a * a * symbol_energy / radial;
            var_ln *= (2.0 + 2.0 / rho_radial) / (1.0 + 2.0 / rho);
            rho = rho_radial;
        }
    }
    return make(rho, kDbPerNeper * kDbPerNeper * var_ln, static_cast<int>(m_y.size()));
}

double BlindEsn0Estimator::radial_pass(const cd* points, const double* energy, int m, double a,
                                       double n0) const
{
    // 2 E[((y - a c) . c / |c|)^2] averaged over the symbols, each point weighted by its
    // posterior.
    const double inv_n = 1.0 / n0;
    double d[32], sum = 0.0;
    for (const cd& y : m_y) {
        double dmin = std::numeric_limits<double>::infinity();
        for (int j = 0; j < m; ++j) {
            d[j] = std::norm(y - a * points[j]);
            dmin = std::min(dmin, d[j]);
        }
        double wsum = 0.0, er = 0.0;
        for (int j = 0; j < m; ++j) {
            const double x = (d[j] - dmin) * inv_n;
            if (x > kNegligible)
                continue;
            const double w = std::exp(static_cast<float>(-x));
            const double mag = std::sqrt(energy[j]);
            const double along = mag > 0.0 ? (y * std::conj(points[j])).real() / mag - a * mag : 0.0;
            wsum += w;
            er += w * along * along;
        }
        sum += er / wsum;
    }
    return 2.0 * sum / static_cast<double>(m_y.size());
}

BlindEsn0Estimator::Pass BlindEsn0Estimator::ring_pass(const double* radii, const double* log_shares,
                                                       int rings, double a, double n0) const
{
    // Per modulus r, posterior weights of the rings w_j ~ share_j exp(-a^2 c_j^2 / N) I0(x_j),
    // x_j = 2 a c_j r / N; given ring j, E[Re(y e^-j theta)] = r I1(x_j) / I0(x_j). Then as
    // pass(): d log p / d a = (2 / N) (E[c r I1/I0] - a E[c^2]), d log p / d N =
    // E[r^2 - 2 a c r I1/I0 + a^2 c^2] / N^2 - 1 / N.
    Pass p;
    const double inv_n = 1.0 / n0;
    double sum_r = 0.0, sum_e = 0.0, sum_y2 = 0.0;
    // Ring j's weight is scaled_j e^(exponent_j), exponent_j = ln share_j - a^2 c_j^2 / N (+ x_j
    // for large x_j), taken relative to the largest exponent: one exp per ring and one log
    // per symbol.
    double ex[kMaxRings], sc[kMaxRings], rc[kMaxRings];
    for (const double r : m_r) {
        const double r2 = r * r;
        double emax = -std::numeric_limits<double>::infinity();
        for (int j = 0; j < rings; ++j) {
            const BesselI01 b = bessel_i01(2.0 * a * radii[j] * r * inv_n);
            ex[j] = log_shares[j] - a * a * radii[j] * radii[j] * inv_n + b.exponent;
            sc[j] = b.scaled;
            rc[j] = r * radii[j] * b.ratio;
            emax = std::max(emax, ex[j]);
        }
        double wsum = 0.0, er = 0.0, ee = 0.0;
        for (int j = 0; j < rings; ++j) {
            const double x = emax - ex[j];
            if (x > kNegligible)
                continue;
            const double w = rings == 1 ? sc[j] : sc[j] * std::exp(static_cast<float>(-x));
            wsum += w;
            er += w * rc[j];
            ee += w * radii[j] * radii[j];
        }
        er /= wsum;
        ee /= wsum;
        p.loglik += -r2 * inv_n + emax + std::log(wsum);
        const double ed = r2 - 2.0 * a * er + a * a * ee;
        const double sa = 2.0 * inv_n * (er - a * ee);
        const double sn = ed * inv_n * inv_n - inv_n;
        p.score_a += sa;
        p.score_n += sn;
        p.jaa += sa * sa;
        p.jan += sa * sn;
        p.jnn += sn * sn;
        sum_r += er;
        sum_e += ee;
        sum_y2 += r2;
    }
    const double count = static_cast<double>(m_r.size());
    p.loglik -= count * std::log(n0);
    p.em_a = sum_e > 0.0 ? sum_r / sum_e : a;
    p.em_n = std::max(sum_y2 - 2.0 * p.em_a * sum_r + p.em_a * p.em_a * sum_e, 0.0) / count;
    return p;
}

Esn0Measurement BlindEsn0Estimator::estimate_rings(const std::complex<float>* y, size_t n,
                                                   const double* radii, const double* shares,
                                                   int rings, double symbol_energy, double a0,
                                                   double n0)
{
    m_iterations = 0;
    if (!y || !radii || !shares || rings < 1 || rings > kMaxRings || !(symbol_energy > 0.0))
        return {};
    double log_shares[kMaxRings], er4 = 0.0;
    for (int j = 0; j < rings; ++j) {
        if (!(radii[j] > 0.0) || !(shares[j] > 0.0) || !std::isfinite(radii[j]))
            return {};
        log_shares[j] = std::log(shares[j]);
        er4 += shares[j] * radii[j] * radii[j] * radii[j] * radii[j];
    }
    // The same evenly spread subsample as estimate(); a ring costs about what 4 points do.
    m_r.clear();
    const size_t cap = std::max<size_t>(
        16, std::min(m_options.max_symbols, m_options.max_point_evaluations / (4 * static_cast<size_t>(rings))));
    const size_t stride = (n + cap - 1) / cap;
    double m2 = 0.0, m4 = 0.0;
    for (size_t i = 0; i < n; i += std::max<size_t>(stride, 1))
        if (finite(y[i])) {
            const double r2 = std::norm(cd(y[i]));
            m_r.push_back(std::sqrt(r2));
            m2 += r2;
            m4 += r2 * r2;
        }
    if (m_r.size() < 16)
        return {};
    // Start: the moments E|y|^2 = A^2 Es + N, E|y|^4 = A^4 E[c^4] + 4 A^2 Es N + 2 N^2 give
    // A^4 (E[c^4] - 2 Es^2) = E|y|^4 - 2 (E|y|^2)^2 (M2M4); else the caller's start.
    m2 /= static_cast<double>(m_r.size());
    m4 /= static_cast<double>(m_r.size());
    double a = a0, noise = n0;
    const double a4 = (m4 - 2.0 * m2 * m2) / (er4 - 2.0 * symbol_energy * symbol_energy);
    if (a4 > 0.0 && std::isfinite(a4)) {
        const double a_m = std::sqrt(std::sqrt(a4));
        const double n_m = m2 - a_m * a_m * symbol_energy;
        if (n_m > 1e-3 * m2) {
            a = a_m;
            noise = n_m;
        }
    }
    if (!(a > 0.0) || !std::isfinite(a) || !(noise > 0.0) || !std::isfinite(noise))
        return {};
    Pass p;
    if (!maximise([&](double pa, double pn) { return ring_pass(radii, log_shares, rings, pa, pn); }, a, noise,
                  p))
        return {};
    const double det = p.jaa * p.jnn - p.jan * p.jan;
    if (!(det > 0.0) || !std::isfinite(det))
        return {};
    const double ga = 2.0 / a, gn = -1.0 / noise;
    const double var_ln = (p.jnn * ga * ga - 2.0 * p.jan * ga * gn + p.jaa * gn * gn) / det;
    return make(a * a * symbol_energy / noise, kDbPerNeper * kDbPerNeper * var_ln, static_cast<int>(m_r.size()));
}

} // namespace dualsat
