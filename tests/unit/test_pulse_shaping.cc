// SPDX-License-Identifier: GPL-3.0-or-later
// Transmit pulse shaping, resampling and the receive matched filter.
#include <catch2/catch.hpp>
#include <dualsat/core/constants.h>
#include <dualsat/core/error.h>
#include <dualsat/core/simd.h>
#include <dualsat/dsp/fir_kernels.h>
#include <dualsat/dsp/matched_filter.h>
#include <dualsat/dsp/pulse_shaper.h>
#include <dualsat/dsp/resampler.h>
#include <dualsat/dsp/rrc.h>
#include <dualsat/modcod/modcod.h>

#include <cmath>
#include <complex>
#include <limits>
#include <random>
#include <vector>

using namespace dualsat;
using cf = std::complex<float>;

namespace {

std::vector<cf> random_qpsk(size_t n, uint32_t seed)
{
    std::mt19937 rng(seed);
    const float a = static_cast<float>(1.0 / std::sqrt(2.0));
    std::vector<cf> s(n);
    for (auto& x : s)
        x = cf((rng() & 1) ? a : -a, (rng() & 2) ? a : -a);
    return s;
}

std::vector<cf> random_complex(size_t n, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<cf> v(n);
    for (auto& x : v)
        x = cf(g(rng), g(rng));
    return v;
}

double db(double x) { return 10.0 * std::log10(x); }

// Error power of b against a, relative to the power of a, in dB.
double evm_db(const std::vector<cf>& ref, const std::vector<cf>& got)
{
    double e = 0.0, p = 0.0;
    for (size_t i = 0; i < ref.size(); ++i) {
        e += std::norm(std::complex<double>(got[i]) - std::complex<double>(ref[i]));
        p += std::norm(std::complex<double>(ref[i]));
    }
    return db(e / p);
}

// Plain iterative radix-2 FFT, double precision: an independent spectrum estimator.
void fft(std::vector<std::complex<double>>& a)
{
    const size_t n = a.size();
    for (size_t i = 1, j = 0; i < n; ++i) {
        size_t bit = n >> 1;
        for (; j & bit; bit >>= 1)
            j ^= bit;
        j ^= bit;
        if (i < j)
            std::swap(a[i], a[j]);
    }
    for (size_t len = 2; len <= n; len <<= 1) {
        const std::complex<double> w = std::polar(1.0, -2.0 * kPi / static_cast<double>(len));
        for (size_t i = 0; i < n; i += len) {
            std::complex<double> wk = 1.0;
            for (size_t k = 0; k < len / 2; ++k) {
                const auto u = a[i + k], v = a[i + k + len / 2] * wk;
                a[i + k] = u + v;
                a[i + k + len / 2] = u - v;
                wk *= w;
            }
        }
    }
}

// Welch PSD (Hann window, 50% overlap); bin i <-> frequency i/n cycles/sample (wrapped).
std::vector<double> welch_psd(const std::vector<cf>& x, size_t n)
{
    std::vector<double> psd(n, 0.0), win(n);
    for (size_t i = 0; i < n; ++i)
        win[i] = 0.5 - 0.5 * std::cos(2.0 * kPi * static_cast<double>(i) / static_cast<double>(n));
    std::vector<std::complex<double>> buf(n);
    for (size_t start = 0; start + n <= x.size(); start += n / 2) {
        for (size_t i = 0; i < n; ++i)
            buf[i] = std::complex<double>(x[start + i]) * win[i];
        fft(buf);
        for (size_t i = 0; i < n; ++i)
            psd[i] += std::norm(buf[i]);
    }
    return psd;
}

// Fraction (dB) of the power at |f| > edge (f in cycles/sample).
double out_of_band_db(const std::vector<double>& psd, double edge)
{
    const size_t n = psd.size();
    double in = 0.0, out = 0.0;
    for (size_t i = 0; i < n; ++i) {
        double f = static_cast<double>(i) / static_cast<double>(n);
        if (f >= 0.5)
            f -= 1.0;
        (std::fabs(f) > edge ? out : in) += psd[i];
    }
    return db(out / (in + out));
}

const double kRolloffs[] = { 0.35, 0.25, 0.20 };
// Spans that keep the truncation ISI of TX ⊛ RX below -40 dB: 16 symbols, 20 for 0.20
// (with rectangular truncation 0.20 at span 16 sits right at -41 dB).
int isi_span(double beta) { return beta < 0.21 ? 20 : 16; }
} // namespace

TEST_CASE("RRC closed form: singular points, unit energy, RRC*RRC = raised cosine", "[rrc]")
{
    for (double beta : { 0.35, 0.25, 0.20, 0.5, 1.0 }) {
        // Continuity through the removable singularities.
        const double ts = 1.0 / (4.0 * beta);
        CHECK(rrc_pulse(ts, beta) == Approx(rrc_pulse(ts + 1e-6, beta)).margin(1e-5));
        CHECK(rrc_pulse(-ts, beta) == Approx(rrc_pulse(-ts - 1e-6, beta)).margin(1e-5));
        CHECK(rrc_pulse(0.0, beta) == Approx(rrc_pulse(1e-6, beta)).margin(1e-5));
        const double tr = 1.0 / (2.0 * beta);
        CHECK(raised_cosine_pulse(tr, beta) == Approx(raised_cosine_pulse(tr + 1e-6, beta)).margin(1e-5));

        // Numerical integrals on a fine grid: ∫p² = 1 and (p ⊛ p)(t) = rc(t).
        const double dt = 1.0 / 64.0;
        const int half = 64 * 64; // ±64 symbols
        std::vector<double> p(2 * half + 1);
        for (int i = -half; i <= half; ++i)
            p[static_cast<size_t>(i + half)] = rrc_pulse(i * dt, beta);
        double energy = 0.0;
        for (double v : p)
            energy += v * v * dt;
        CHECK(energy == Approx(1.0).margin(2e-3));
        for (double t : { 0.0, 0.5, 1.0, 1.0 / (2.0 * beta), 2.0, 3.25 }) {
            const int shift = static_cast<int>(std::lround(t / dt));
            double conv = 0.0;
            for (int i = -half; i <= half; ++i) {
                const int j = shift - i;
                if (j >= -half && j <= half)
                    conv += p[static_cast<size_t>(i + half)] * p[static_cast<size_t>(j + half)] * dt;
            }
            CHECK(conv == Approx(raised_cosine_pulse(shift * dt, beta)).margin(3e-3));
        }
        for (int k = 1; k < 6; ++k)
            CHECK(std::fabs(raised_cosine_pulse(k, beta)) < 1e-12);
        CHECK(raised_cosine_pulse(0.0, beta) == Approx(1.0));
    }
}

TEST_CASE("RRC taps: normalisation, symmetry, zero ISI of TX * RX", "[rrc]")
{
    for (double beta : kRolloffs) {
        for (int sps : { 2, 3, 4, 8 }) {
            const int span = isi_span(beta);
            const auto tx = rrc_taps(beta, sps, span, RrcNormalization::TxUnitPower);
            const auto rx = rrc_taps(beta, sps, span, RrcNormalization::RxMatched);
            const auto ue = rrc_taps(beta, sps, span, RrcNormalization::UnitEnergy);
            REQUIRE(tx.size() == static_cast<size_t>(rrc_num_taps(sps, span)));
            REQUIRE(tx.size() % 2 == 1);
            double etx = 0, erx = 0, eue = 0;
            for (size_t i = 0; i < tx.size(); ++i) {
                CHECK(tx[i] == tx[tx.size() - 1 - i]);
                etx += double(tx[i]) * tx[i];
                erx += double(rx[i]) * rx[i];
                eue += double(ue[i]) * ue[i];
                CHECK(rx[i] == Approx(tx[i] / sps).margin(1e-7));
            }
            CHECK(etx == Approx(sps).epsilon(1e-5));
            CHECK(erx == Approx(1.0 / sps).epsilon(1e-5));
            CHECK(eue == Approx(1.0).epsilon(1e-5));
            // Each polyphase branch of the TX filter has DC gain ~1 (the pulse is unit-area).
            for (int ph = 0; ph < sps; ++ph) {
                double s = 0;
                for (size_t i = static_cast<size_t>(ph); i < tx.size(); i += static_cast<size_t>(sps))
                    s += tx[i];
                CHECK(s == Approx(1.0).margin(0.02));
            }
            // Cascade g = tx ⊛ rx: 1 at the peak, ~0 at the other symbol instants.
            std::vector<double> g(2 * tx.size() - 1, 0.0);
            for (size_t i = 0; i < tx.size(); ++i)
                for (size_t j = 0; j < rx.size(); ++j)
                    g[i + j] += double(tx[i]) * rx[j];
            const size_t peak = tx.size() - 1;
            CHECK(g[peak] == Approx(1.0).epsilon(1e-5));
            double isi = 0.0, rc_err = 0.0;
            for (size_t i = peak % static_cast<size_t>(sps); i < g.size(); i += static_cast<size_t>(sps))
                if (i != peak)
                    isi += g[i] * g[i];
            // and the cascade follows the raised cosine near the main lobe
            for (size_t i = peak - 4 * static_cast<size_t>(sps); i <= peak + 4 * static_cast<size_t>(sps); ++i) {
                const double t = (static_cast<double>(i) - static_cast<double>(peak)) / sps;
                rc_err = std::max(rc_err, std::fabs(g[i] - raised_cosine_pulse(t, beta)));
            }
            INFO("beta " << beta << " sps " << sps << " span " << span << " ISI " << db(isi) << " dB");
            CHECK(db(isi) < -40.0);
            CHECK(rc_err < 0.01);
        }
    }
}

TEST_CASE("RRC design rejects bad parameters", "[rrc][errors]")
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_AS(rrc_taps(0.0, 4, 16), ConfigError);
    CHECK_THROWS_AS(rrc_taps(1.01, 4, 16), ConfigError);
    CHECK_THROWS_AS(rrc_taps(-0.35, 4, 16), ConfigError);
    CHECK_THROWS_AS(rrc_taps(nan, 4, 16), ConfigError);
    CHECK_THROWS_AS(rrc_taps(0.35, 1, 16), ConfigError);
    CHECK_THROWS_AS(rrc_taps(0.35, 0, 16), ConfigError);
    CHECK_THROWS_AS(rrc_taps(0.35, 4, 1), ConfigError);
    CHECK_THROWS_AS(PulseShaper(0.35, 1, 16), ConfigError);
    CHECK_THROWS_AS(PulseShaper(nan, 2, 16), ConfigError);
    CHECK_THROWS_AS(MatchedFilter(0.35, 3, 16, 2), ConfigError); // 2 does not divide 3
    CHECK_THROWS_AS(MatchedFilter(0.35, 1, 16, 1), ConfigError);
    CHECK_THROWS_AS(MatchedFilter(0.35, 4, 16, 0), ConfigError);
    CHECK_NOTHROW(rrc_taps(1.0, 2, 2));
    CHECK(rolloff_value(RollOff::R020) == 0.20);
}

TEST_CASE("SIMD complex-by-real dot product matches the scalar reference", "[simd][fir]")
{
    const auto x = random_complex(200, 11);
    std::mt19937 rng(12);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> h(200);
    for (auto& v : h)
        v = u(rng);
    const auto hd = kernels::duplicate_taps(h.data(), h.size());
    for (SimdLevel level : { SimdLevel::SSE41, SimdLevel::AVX2 }) {
        if (supported(level) != level) {
            WARN("CPU lacks " << to_string(level) << "; kernel not tested");
            continue;
        }
        REQUIRE(kernels::fir_kernels_for(level).level == level);
        const auto fn = kernels::dot_cr_for(level);
        // every length through the tail paths, and offsets (unaligned pointers)
        for (size_t n = 0; n <= 70; ++n)
            for (size_t off : { size_t{ 0 }, size_t{ 1 }, size_t{ 3 } }) {
                const cf ref = kernels::dot_cr_scalar(&x[off], &hd[2 * off], n);
                const cf got = fn(&x[off], &hd[2 * off], n);
                double mag = 0.0; // bound on the rounding: Σ|x||h|
                for (size_t k = 0; k < n; ++k)
                    mag += std::abs(x[off + k]) * std::fabs(h[off + k]);
                INFO(to_string(level) << " n " << n << " off " << off);
                CHECK(std::abs(got - ref) <= 1e-6 * mag + 1e-7);
            }
    }
}

TEST_CASE("Multi-tap-set kernel: bit-identical to the single kernel, close to scalar", "[simd][fir]")
{
    const auto x = random_complex(80, 13);
    std::mt19937 rng(14);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (size_t n : { size_t{ 1 }, size_t{ 2 }, size_t{ 3 }, size_t{ 4 }, size_t{ 5 }, size_t{ 17 }, size_t{ 33 }, size_t{ 64 } }) {
        const size_t count_max = 7, stride = 2 * n + 6; // gaps between sets, odd counts
        std::vector<float> bank(count_max * stride);
        for (auto& v : bank)
            v = u(rng);
        for (size_t j = 0; j < count_max; ++j) // duplicated layout
            for (size_t k = 0; k < n; ++k)
                bank[j * stride + 2 * k + 1] = bank[j * stride + 2 * k];
        for (SimdLevel level : simd::supported_levels()) {
            const auto single = kernels::dot_cr_for(level);
            const auto multi = kernels::dot_cr_multi_for(level);
            for (size_t count = 1; count <= count_max; ++count) {
                std::vector<cf> out(count);
                multi(x.data() + 1, bank.data(), n, stride, count, out.data());
                for (size_t j = 0; j < count; ++j) {
                    INFO(to_string(level) << " n " << n << " count " << count << " set " << j);
                    const cf one = single(x.data() + 1, &bank[j * stride], n);
                    CHECK(out[j] == one); // exact: streaming output must not depend on the path
                    const cf ref = kernels::dot_cr_scalar(x.data() + 1, &bank[j * stride], n);
                    CHECK(std::abs(out[j] - ref) < 1e-5f * static_cast<float>(n));
                }
            }
        }
    }
}

TEST_CASE("Two-window kernel: bit-identical to two single-kernel calls", "[simd][fir]")
{
    // The timing loop's mid and on-time strobes: different windows and tap sets.
    const auto x = random_complex(200, 15);
    std::mt19937 rng(16);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> h(400);
    for (auto& v : h)
        v = u(rng);
    const auto hd = kernels::duplicate_taps(h.data(), h.size());
    for (SimdLevel level : simd::supported_levels()) {
        const auto single = kernels::dot_cr_for(level);
        const auto pair = kernels::dot_cr2_for(level);
        for (size_t n = 0; n <= 70; ++n)
            for (size_t off : { size_t{ 0 }, size_t{ 1 }, size_t{ 3 } }) {
                cf out[2];
                pair(&x[off], &hd[2 * off], &x[off + 37], &hd[2 * (off + 101)], n, out);
                INFO(to_string(level) << " n " << n << " off " << off);
                CHECK(out[0] == single(&x[off], &hd[2 * off], n));
                CHECK(out[1] == single(&x[off + 37], &hd[2 * (off + 101)], n));
            }
    }
}

TEST_CASE("Pulse shaper: SIMD and scalar outputs agree", "[simd][pulse_shaper]")
{
    const auto sym = random_qpsk(3000, 21);
    for (int sps : { 2, 4, 5 }) {
        PulseShaper ref(0.25, sps, 16, SimdLevel::Scalar);
        REQUIRE(ref.simd_level() == SimdLevel::Scalar);
        const auto want = ref.process(sym);
        for (SimdLevel level : { SimdLevel::SSE41, SimdLevel::AVX2 }) {
            if (supported(level) != level)
                continue;
            PulseShaper ps(0.25, sps, 16, level);
            REQUIRE(ps.simd_level() == level);
            const auto got = ps.process(sym);
            REQUIRE(got.size() == want.size());
            double maxerr = 0.0;
            for (size_t i = 0; i < got.size(); ++i)
                maxerr = std::max(maxerr, double(std::abs(got[i] - want[i])));
            INFO(to_string(level) << " sps " << sps);
            CHECK(maxerr < 1e-5);
        }
    }
    // and the resampler's interpolated bank and the matched filter
    const auto x = random_complex(5000, 22);
    ResamplerDesign d;
    d.force_interpolated = true;
    Resampler rs_ref(2.37, d, SimdLevel::Scalar);
    MatchedFilter mf_ref(0.2, 8, 16, 2, SimdLevel::Scalar);
    const auto a = rs_ref.process(x);
    const auto c = mf_ref.process(x);
    for (SimdLevel level : simd::supported_levels()) {
        if (level == SimdLevel::Scalar)
            continue;
        INFO(to_string(level));
        Resampler rs(2.37, d, level);
        MatchedFilter mf(0.2, 8, 16, 2, level);
        REQUIRE(rs.simd_level() == level);
        REQUIRE(mf.simd_level() == level);
        const auto b = rs.process(x);
        const auto e = mf.process(x);
        REQUIRE(a.size() == b.size());
        REQUIRE(c.size() == e.size());
        CHECK(evm_db(a, b) < -110.0);
        CHECK(evm_db(c, e) < -110.0);
    }
}

TEST_CASE("Pulse shaper equals zero-stuffing and direct convolution", "[pulse_shaper]")
{
    const auto sym = random_qpsk(400, 31);
    for (int sps : { 2, 3, 4 }) {
        PulseShaper ps(0.35, sps, 12, SimdLevel::Scalar);
        const auto out = ps.process(sym);
        const auto& h = ps.taps();
        REQUIRE(out.size() == sym.size() * static_cast<size_t>(sps));
        std::vector<std::complex<double>> ref(out.size());
        for (size_t k = 0; k < sym.size(); ++k)
            for (size_t j = 0; j < h.size(); ++j) {
                const size_t m = k * static_cast<size_t>(sps) + j;
                if (m < ref.size())
                    ref[m] += std::complex<double>(sym[k]) * double(h[j]);
            }
        double maxerr = 0.0;
        for (size_t i = 0; i < out.size(); ++i)
            maxerr = std::max(maxerr, std::abs(std::complex<double>(out[i]) - ref[i]));
        CHECK(maxerr < 1e-5);
    }
}

TEST_CASE("Pulse shaper output power and TX -> matched filter EVM", "[pulse_shaper][matched_filter]")
{
    for (double beta : kRolloffs) {
        for (int sps : { 2, 4, 8 }) {
            const int span = isi_span(beta);
            const auto sym = random_qpsk(4000, 41);
            PulseShaper tx(beta, sps, span);
            const auto s = tx.process(sym);
            double pw = 0;
            for (const auto& v : s)
                pw += std::norm(v);
            pw /= static_cast<double>(s.size());
            CHECK(pw == Approx(1.0).margin(0.03)); // unit-power QPSK -> unit sample power

            MatchedFilter rx(beta, sps, span, 2);
            const auto y = rx.process(s);
            // Symbol k lands on output 2k + (ntaps-1)/D (TX and RX group delays).
            const size_t lag = (tx.taps().size() - 1) / static_cast<size_t>(rx.decimation());
            std::vector<cf> ref, got;
            for (size_t k = static_cast<size_t>(span); 2 * k + lag < y.size(); ++k) {
                ref.push_back(sym[k]);
                got.push_back(y[2 * k + lag]);
            }
            REQUIRE(ref.size() > 3000);
            INFO("beta " << beta << " sps " << sps << " EVM " << evm_db(ref, got));
            CHECK(evm_db(ref, got) < -35.0);
        }
    }
}

TEST_CASE("Pulse shaper spectrum: power beyond (1+beta)Rs/2 is below -40 dB", "[pulse_shaper][spectrum]")
{
    const auto sym = random_qpsk(60000, 51);
    for (double beta : kRolloffs) {
        const int sps = 4;
        PulseShaper tx(beta, sps, 16);
        const auto s = tx.process(sym);
        const auto psd = welch_psd(s, 4096);
        const double edge = (1.0 + beta) / 2.0 / sps; // cycles/sample
        const double oob = out_of_band_db(psd, edge);
        INFO("beta " << beta << " out-of-band " << oob << " dB");
        CHECK(oob < -40.0);
        // and the shaping really is band-limiting: half the band carries < 55 % of power
        CHECK(out_of_band_db(psd, 0.25 / sps) > db(0.45));
    }
}

TEST_CASE("Streaming is chunk-independent (input chunks and output room)", "[pulse_shaper][resampler][matched_filter]")
{
    std::mt19937 rng(61);
    const auto x = random_complex(20000, 62);
    auto chunked = [&](auto& filt, size_t max_out_per_call) {
        std::vector<cf> out;
        std::vector<cf> buf(70000);
        size_t pos = 0;
        int idle = 0;
        while (pos < x.size() || idle == 0) {
            const size_t n = std::min<size_t>(x.size() - pos, rng() % 5000); // includes 0
            const size_t cap = max_out_per_call ? 1 + rng() % max_out_per_call : buf.size();
            const StreamResult r = filt.process(x.data() + pos, n, buf.data(), cap);
            REQUIRE(r.consumed <= n);
            REQUIRE(r.produced <= cap);
            pos += r.consumed;
            out.insert(out.end(), buf.begin(), buf.begin() + static_cast<long>(r.produced));
            if (pos == x.size())
                ++idle;
        }
        return out;
    };
    for (size_t cap : { size_t{ 0 }, size_t{ 37 }, size_t{ 3000 } }) {
        INFO("output room per call up to " << cap);
        {
            PulseShaper a(0.2, 4, 16), b(0.2, 4, 16);
            CHECK(chunked(a, cap) == b.process(x));
        }
        {
            Resampler a(25.0 / 12.0), b(25.0 / 12.0);
            REQUIRE(a.exact());
            CHECK(chunked(a, cap) == b.process(x));
        }
        {
            ResamplerDesign d;
            d.force_interpolated = true;
            Resampler a(0.613, d), b(0.613, d);
            REQUIRE(!a.exact());
            CHECK(chunked(a, cap) == b.process(x));
        }
        {
            MatchedFilter a(0.35, 8, 16, 2), b(0.35, 8, 16, 2);
            CHECK(chunked(a, cap) == b.process(x));
        }
        {
            auto a = TxPulseShaper(0.35, 16, 2, Ratio::of(237, 100));
            auto b = TxPulseShaper(0.35, 16, 2, Ratio::of(237, 100));
            const auto all = b.process(x);
            const auto parts = chunked(a, cap);
            // The chunked run may hold back the last few samples of its final symbol.
            REQUIRE(parts.size() <= all.size());
            REQUIRE(parts.size() + 8 >= all.size());
            CHECK(std::equal(parts.begin(), parts.end(), all.begin()));
        }
    }
}

TEST_CASE("Ratio: exact fractions from doubles and rates", "[resampler]")
{
    CHECK(Ratio::from_double(2.37) == Ratio{ 237, 100 });
    CHECK(Ratio::from_double(25.0 / 12.0) == Ratio{ 25, 12 });
    CHECK(Ratio::from_double(0.5) == Ratio{ 1, 2 });
    CHECK(Ratio::from_double(3.0) == Ratio{ 3, 1 });
    CHECK(Ratio::from_rates(25e6, 12e6) == Ratio{ 25, 12 });
    CHECK(Ratio::from_rates(61.44e6, 2 * 27.5e6) == Ratio::of(6144, 5500));
    const Ratio pi = Ratio::from_double(kPi);
    CHECK(pi.value() == kPi);
    CHECK(pi.den > 1000000);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    for (double bad : { 0.0, -1.0, nan, inf, -inf }) {
        CHECK_THROWS_AS(Ratio::from_double(bad), ConfigError);
        CHECK_THROWS_AS(Resampler(bad), ConfigError);
    }
    CHECK_THROWS_AS(Resampler(1e-6), ConfigError);
    CHECK_THROWS_AS(Resampler(1e6), ConfigError);
    CHECK_THROWS_AS(Ratio::of(0, 3), ConfigError);
    ResamplerDesign d;
    d.passband = 0.5;
    CHECK_THROWS_AS(Resampler(2.0, d), ConfigError);
    d.passband = nan;
    CHECK_THROWS_AS(Resampler(2.0, d), ConfigError);
    CHECK_THROWS_AS(TxPulseShaper(0.35, 16, 2, Ratio::of(3, 4)), ConfigError); // 1.5 sps
    CHECK_THROWS_AS(TxPulseShaper(0.35, 16, 1, Ratio::of(4, 1)), ConfigError);
    CHECK_THROWS_AS(TxPulseShaper::for_rates(0.35, 16, 1e6, nan), ConfigError);
    CHECK_THROWS_AS(TxPulseShaper::for_rates(0.35, 16, 0.0, 2e6), ConfigError);
}

TEST_CASE("Resampler: a tone passes with SNR > 50 dB at several ratios", "[resampler]")
{
    struct Case {
        double ratio;
        bool force_interp;
    };
    const Case cases[] = { { 2.37, false }, { 25.0 / 12.0, false }, { 0.7, false },
                           { 3.0, false },  { std::sqrt(2.0) * 1.7, false },
                           { 1.0 / std::sqrt(3.0), false }, { 2.37, true }, { 4.74 / 2.0 + 1e-9, false },
                           { 1.0, false } };
    for (const auto& c : cases) {
        ResamplerDesign d;
        d.force_interpolated = c.force_interp;
        Resampler rs(c.ratio, d);
        const double r = rs.ratio().value();
        for (double f : { 0.013, 0.11, -0.19 }) { // cycles per input sample, in the passband
            if (std::fabs(f) > 0.4 * std::min(1.0, r))
                continue;
            const size_t n = 6000;
            std::vector<cf> x(n);
            for (size_t i = 0; i < n; ++i)
                x[i] = std::polar(1.0f, static_cast<float>(2.0 * kPi * std::fmod(f * static_cast<double>(i), 1.0)));
            rs.reset();
            const auto y = rs.process(x);
            const size_t skip = static_cast<size_t>((rs.delay_input_samples() * 2 + 2) * r) + 2;
            double e = 0, p = 0;
            for (size_t m = skip; m + skip < y.size(); ++m) {
                const double t = static_cast<double>(m) / r - rs.delay_input_samples();
                const std::complex<double> want = std::polar(1.0, 2.0 * kPi * f * t);
                e += std::norm(std::complex<double>(y[m]) - want);
                p += 1.0;
            }
            INFO("ratio " << r << (rs.exact() ? " exact" : " interpolated") << " f " << f << " SNR "
                          << -db(e / p));
            CHECK(p > 1000);
            CHECK(-db(e / p) > 50.0);
        }
        CHECK(rs.exact() == (!c.force_interp && rs.ratio().num <= 512));
    }
}

TEST_CASE("Resampler: output count is exact over 10^6 samples (no drift)", "[resampler]")
{
    const std::vector<cf> x(1000000, cf(0.5f, -0.25f));
    ResamplerDesign d;
    d.stopband_db = 40; // short filter: this test counts samples, not quality
    for (double ratio : { 2.37, 25.0 / 12.0, std::sqrt(5.0), 0.3 + 1e-7 }) {
        Resampler rs(ratio, d);
        std::vector<cf> out(rs.max_output(x.size()));
        size_t produced = 0, consumed = 0;
        for (size_t pos = 0; pos < x.size(); pos += 77777) {
            const size_t n = std::min<size_t>(77777, x.size() - pos);
            const StreamResult r = rs.process(x.data() + pos, n, out.data() + produced, out.size() - produced);
            CHECK(r.consumed == n);
            consumed += r.consumed;
            produced += r.produced;
        }
        // Outputs at input times m·den/num < N: exactly ceil(N · num / den) of them.
        const Ratio q = rs.ratio();
        const unsigned __int128 want =
            (static_cast<unsigned __int128>(x.size()) * q.num + q.den - 1) / q.den;
        INFO("ratio " << ratio);
        CHECK(produced == static_cast<size_t>(want));
        CHECK(std::fabs(static_cast<double>(produced) - static_cast<double>(x.size()) * ratio) <= 1.0);
        CHECK(rs.total_consumed() == x.size());
        // DC passes with unit gain
        CHECK(std::abs(out[produced / 2] - cf(0.5f, -0.25f)) < 1e-2);
    }
}

TEST_CASE("TxPulseShaper at a non-integer output rate: EVM and spectrum", "[pulse_shaper][resampler]")
{
    struct Case {
        double beta;
        Ratio ratio; // after 2-sps shaping
    };
    const Case cases[] = { { 0.35, Ratio::of(237, 100) },
                           { 0.20, Ratio::of(25, 12) },
                           { 0.25, Ratio::from_double(kPi / 1.2) },
                           { 0.25, Ratio::of(2, 1) } }; // integer: direct RRC at 4 sps
    for (const auto& c : cases) {
        TxPulseShaper tx(c.beta, isi_span(c.beta), 2, c.ratio);
        const double osps = tx.output_sps();
        CHECK(osps == Approx(2.0 * c.ratio.value()));
        CHECK((tx.resampler() == nullptr) == (c.ratio.den == 1));
        const auto sym = random_qpsk(30000, 71);
        const auto s = tx.process(sym);
        CHECK(std::fabs(static_cast<double>(s.size()) - sym.size() * osps) <= osps + 1);

        // Independent matched filter, in double, evaluated at the exact symbol instants on
        // the output sample grid: y_k = Σ_n s[n] p((n - τ_k)/osps) / osps.
        std::vector<cf> ref, got;
        const double delay = tx.delay_symbols();
        const int reach = 16; // symbols each side
        for (size_t k = 40; k < 700; ++k) {
            const double tau = (static_cast<double>(k) + delay) * osps;
            const long lo = static_cast<long>(std::ceil(tau - reach * osps));
            const long hi = static_cast<long>(std::floor(tau + reach * osps));
            std::complex<double> acc = 0.0;
            for (long n = lo; n <= hi; ++n)
                acc += std::complex<double>(s[static_cast<size_t>(n)]) *
                       rrc_pulse((static_cast<double>(n) - tau) / osps, c.beta);
            ref.push_back(sym[k]);
            got.push_back(cf(acc / osps));
        }
        INFO("beta " << c.beta << " output sps " << osps << " EVM " << evm_db(ref, got));
        CHECK(evm_db(ref, got) < -35.0);

        // Images of the 2-sps stream are removed: power beyond (1+β)Rs/2 stays below -40 dB.
        const auto psd = welch_psd(s, 4096);
        const double oob = out_of_band_db(psd, (1.0 + c.beta) / 2.0 / osps);
        INFO("out-of-band " << oob << " dB");
        CHECK(oob < -40.0);
    }
    // Rates: 6 Msym/s onto a 25 MHz radio clock.
    auto tx = TxPulseShaper::for_rates(0.35, 16, 6e6, 25e6);
    CHECK(tx.output_sps_ratio() == Ratio::of(25, 6));
    CHECK(tx.resampler() != nullptr);
    CHECK(tx.resampler()->ratio() == Ratio::of(25, 12));
}
