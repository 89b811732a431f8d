// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/constants.h>
#include <dualsat/core/error.h>
#include <dualsat/dsp/resampler.h>

#include <cmath>
#include <numeric>
#include <string>

namespace dualsat {

namespace {
constexpr uint64_t kMaxTerm = uint64_t{ 1 } << 62;
constexpr double kMinRatio = 1.0 / 256.0;
constexpr double kMaxRatio = 4096.0;

// Modified Bessel function of the first kind, order 0 (power series; converges fast for
// the Kaiser betas used, < 12).
double bessel_i0(double x)
{
    double sum = 1.0, term = 1.0;
    const double q = x * x / 4.0;
    for (int k = 1; k < 200; ++k) {
        term *= q / (static_cast<double>(k) * k);
        sum += term;
        if (term < sum * 1e-17)
            break;
    }
    return sum;
}
} // namespace

Ratio Ratio::of(uint64_t num, uint64_t den)
{
    if (num == 0 || den == 0)
        throw ConfigError("ratio terms must be positive");
    const uint64_t g = std::gcd(num, den);
    num /= g;
    den /= g;
    if (num >= kMaxTerm || den >= kMaxTerm)
        throw ConfigError("ratio terms too large after reduction");
    return Ratio{ num, den };
}

Ratio Ratio::from_double(double x)
{
    if (!std::isfinite(x) || !(x > 0.0))
        throw ConfigError("ratio must be finite and > 0, got " + std::to_string(x));
    // x = mant · 2^(e-53) exactly, mant a 53-bit integer.
    int e = 0;
    const double f = std::frexp(x, &e);
    uint64_t mant = static_cast<uint64_t>(std::ldexp(f, 53));
    int shift = 53 - e; // x = mant / 2^shift
    while (shift > 0 && (mant & 1u) == 0) {
        mant >>= 1;
        --shift;
    }
    if (shift < 0) {
        if (shift < -9 || (mant << -shift) >= kMaxTerm)
            throw ConfigError("ratio too large: " + std::to_string(x));
        return Ratio::of(mant << -shift, 1);
    }
    if (shift > 61)
        throw ConfigError("ratio too small: " + std::to_string(x));
    const uint64_t den = uint64_t{ 1 } << shift;
    // Continued-fraction convergents of mant/den; the first whose double equals x wins.
    unsigned __int128 a = mant, b = den;
    unsigned __int128 p0 = 0, p1 = 1, q0 = 1, q1 = 0; // p/q convergents
    while (b != 0) {
        const unsigned __int128 t = a / b;
        const unsigned __int128 p2 = t * p1 + p0, q2 = t * q1 + q0;
        if (p2 >= kMaxTerm || q2 >= kMaxTerm)
            break;
        p0 = p1; p1 = p2; q0 = q1; q1 = q2;
        if (static_cast<double>(static_cast<uint64_t>(p1)) / static_cast<double>(static_cast<uint64_t>(q1)) == x)
            return Ratio::of(static_cast<uint64_t>(p1), static_cast<uint64_t>(q1));
        const unsigned __int128 r = a - t * b;
        a = b;
        b = r;
    }
    return Ratio::of(mant, den);
}

Ratio Ratio::from_rates(double out_rate, double in_rate)
{
    if (!std::isfinite(out_rate) || !std::isfinite(in_rate) || !(out_rate > 0) || !(in_rate > 0))
        throw ConfigError("sample rates must be finite and > 0");
    try {
        const Ratio o = from_double(out_rate);
        const Ratio i = from_double(in_rate);
        unsigned __int128 num = static_cast<unsigned __int128>(o.num) * i.den;
        unsigned __int128 den = static_cast<unsigned __int128>(o.den) * i.num;
        // gcd on 128 bits
        unsigned __int128 a = num, b = den;
        while (b != 0) {
            const unsigned __int128 r = a % b;
            a = b;
            b = r;
        }
        num /= a;
        den /= a;
        if (num < kMaxTerm && den < kMaxTerm)
            return Ratio::of(static_cast<uint64_t>(num), static_cast<uint64_t>(den));
    } catch (const ConfigError&) {
        // fall through to the plain quotient
    }
    return from_double(out_rate / in_rate);
}

std::vector<float> kaiser_lowpass(double cutoff, double transition, double attenuation_db, double gain)
{
    if (!(cutoff > 0.0 && cutoff <= 0.5) || !(transition > 0.0 && transition < 1.0) ||
        !(attenuation_db >= 20.0 && attenuation_db <= 200.0) || !std::isfinite(gain))
        throw ConfigError("kaiser_lowpass: bad design parameters");
    // Kaiser's formulas: beta from the attenuation, length from attenuation and width.
    const double a = attenuation_db;
    const double beta = a > 50.0 ? 0.1102 * (a - 8.7)
                      : a >= 21.0 ? 0.5842 * std::pow(a - 21.0, 0.4) + 0.07886 * (a - 21.0)
                                  : 0.0;
    const double n_est = (a - 7.95) / (14.36 * transition) + 1.0;
    if (n_est > 4e6)
        throw ConfigError("kaiser_lowpass: filter too long");
    size_t n = static_cast<size_t>(std::ceil(n_est));
    if (n % 2 == 0)
        ++n;
    const double centre = static_cast<double>(n - 1) / 2.0;
    const double i0b = bessel_i0(beta);
    std::vector<double> h(n);
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i) - centre;
        const double sinc = t == 0.0 ? 2.0 * cutoff : std::sin(2.0 * kPi * cutoff * t) / (kPi * t);
        const double r = t / centre;
        const double w = bessel_i0(beta * std::sqrt(std::max(0.0, 1.0 - r * r))) / i0b;
        h[i] = sinc * w;
        sum += h[i];
    }
    std::vector<float> out(n);
    for (size_t i = 0; i < n; ++i)
        out[i] = static_cast<float>(h[i] * gain / sum);
    return out;
}

PolyphaseFir Resampler::build(Ratio ratio, const ResamplerDesign& d, SimdLevel simd, double* delay)
{
    const double r = ratio.value();
    if (!(r >= kMinRatio && r <= kMaxRatio))
        throw ConfigError("resampling ratio must be in [1/256, 4096], got " + std::to_string(r));
    if (!(d.passband > 0.0 && d.passband < 0.5))
        throw ConfigError("resampler passband must be in (0, 0.5) of the lower rate");
    if (d.interp_branches < 2 || d.interp_branches > 4096 || d.max_exact_branches > 4096)
        throw ConfigError("resampler branch counts out of range");

    const bool exact = !d.force_interpolated && ratio.num <= d.max_exact_branches;
    const unsigned branches = exact ? static_cast<unsigned>(ratio.num) : d.interp_branches;
    // Design at the bank rate B·f_in, edges relative to min(f_in, f_out) = min(1, r)·f_in.
    const double lower = std::min(1.0, r);
    const double pass = d.passband * lower / branches;
    const double stop = (1.0 - d.passband) * lower / branches;
    std::vector<float> proto = kaiser_lowpass((pass + stop) / 2.0, stop - pass, d.stopband_db, branches);
    if (!exact) {
        // Length K·B + 1 so that branch B (branch 0 one input sample later) exists and the
        // centre stays on a bank sample: pad both ends equally.
        const size_t k = (proto.size() - 1 + branches - 1) / branches;
        const size_t want = k * branches + 1;
        const size_t pad = (want - proto.size()) / 2; // both odd: even difference
        proto.insert(proto.begin(), pad, 0.0f);
        proto.insert(proto.end(), pad, 0.0f);
    }
    // The prototype's centre tap (len-1)/2 at the bank rate = that many / B input samples.
    *delay = static_cast<double>(proto.size() - 1) / 2.0 / branches;
    return PolyphaseFir(proto, branches, !exact, ratio.num, ratio.den, simd);
}

Resampler::Resampler(double ratio, const ResamplerDesign& design, SimdLevel simd)
    : Resampler(Ratio::from_double(ratio), design, simd)
{
}

Resampler::Resampler(Ratio ratio, const ResamplerDesign& design, SimdLevel simd)
    : m_ratio(ratio), m_fir(build(ratio, design, simd, &m_delay))
{
}

StreamResult Resampler::process(const std::complex<float>* in, size_t n_in,
                                std::complex<float>* out, size_t out_capacity)
{
    return m_fir.process(in, n_in, out, out_capacity);
}

std::vector<std::complex<float>> Resampler::process(const std::vector<std::complex<float>>& in)
{
    std::vector<std::complex<float>> out(m_fir.max_output(in.size()));
    const StreamResult r = m_fir.process(in.data(), in.size(), out.data(), out.size());
    out.resize(r.produced);
    return out;
}

} // namespace dualsat
