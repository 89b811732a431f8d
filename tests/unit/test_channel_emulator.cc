// SPDX-License-Identifier: GPL-3.0-or-later
// ChannelEmulator: every impairment measured on its own against its definition.
#include <catch2/catch.hpp>
#include <dualsat/core/constants.h>
#include <dualsat/channel/channel_emulator.h>
#include <dualsat/core/error.h>

#include <cmath>
#include <complex>
#include <limits>
#include <vector>

using namespace dualsat;
using cvec = std::vector<std::complex<float>>;

namespace {


cvec qpsk(size_t n, uint64_t seed)
{
    Rng rng(seed);
    const float a = static_cast<float>(std::sqrt(0.5));
    cvec v(n);
    for (auto& s : v) {
        const uint64_t r = rng.next();
        s = { (r & 1) ? a : -a, (r & 2) ? a : -a };
    }
    return v;
}

cvec run(ChannelEmulator& ch, const cvec& in, size_t chunk = 1000)
{
    cvec out;
    for (size_t k = 0; k < in.size(); k += chunk) {
        cvec part(in.begin() + static_cast<std::ptrdiff_t>(k),
                  in.begin() + static_cast<std::ptrdiff_t>(std::min(in.size(), k + chunk)));
        ch.process(part, out);
    }
    return out;
}

double db(double x) { return 10.0 * std::log10(x); }

} // namespace

TEST_CASE("AWGN: measured Es/N0 equals the set one within 0.1 dB", "[channel]")
{
    for (double esn0 : { -3.0, 0.0, 6.5, 15.0 }) {
        for (double sps : { 1.0, 4.0 }) {
            ChannelConfig c;
            c.esn0_db = esn0;
            c.samples_per_symbol = sps;
            // Signal at mean power 1/sps per sample, so Es = 1 by the stated convention.
            c.symbol_energy = 1.0;
            c.seed = 7;
            ChannelEmulator ch(c);
            cvec in = qpsk(200000, 3);
            for (auto& s : in)
                s *= static_cast<float>(1.0 / std::sqrt(sps));
            const cvec out = run(ch, in);
            REQUIRE(out.size() == in.size());
            double noise = 0.0, signal = 0.0;
            for (size_t k = 0; k < in.size(); ++k) {
                noise += std::norm(std::complex<double>(out[k]) - std::complex<double>(in[k]));
                signal += std::norm(std::complex<double>(in[k]));
            }
            const double es = signal / static_cast<double>(in.size()) * sps;
            const double n0 = noise / static_cast<double>(in.size());
            CHECK(db(es / n0) == Approx(esn0).margin(0.1));
        }
    }
}

TEST_CASE("Carrier frequency offset and drift as set", "[channel]")
{
    ChannelConfig c;
    c.sample_rate_hz = 1e6;
    c.frequency_offset_hz = 0.07e6; // 7 % of the sample rate
    c.frequency_drift_hz_per_s = 2e6; // 2 kHz per ms
    c.initial_phase_rad = 0.3;
    ChannelEmulator ch(c);
    const cvec ones(100000, { 1.0f, 0.0f });
    const cvec out = run(ch, ones, 777);
    CHECK(std::arg(out[0]) == Approx(0.3).margin(1e-6));
    // Instantaneous frequency from the phase step between consecutive samples.
    for (size_t n : { size_t(0), size_t(5000), size_t(50000), size_t(99998) }) {
        const double step = std::arg(std::complex<double>(out[n + 1]) * std::conj(std::complex<double>(out[n])));
        const double f = step / (2 * kPi) * c.sample_rate_hz;
        const double t_mid = (static_cast<double>(n) + 0.5) / c.sample_rate_hz;
        CHECK(f == Approx(c.frequency_offset_hz + c.frequency_drift_hz_per_s * t_mid).margin(0.5));
    }
    // Absolute phase after 99999 samples against the closed form.
    const double t = 99999.0 / c.sample_rate_hz;
    const double expected = 0.3 + 2 * kPi * (c.frequency_offset_hz * t + 0.5 * c.frequency_drift_hz_per_s * t * t);
    CHECK(std::remainder(std::arg(std::complex<double>(out[99999])) - expected, 2 * kPi) ==
          Approx(0.0).margin(1e-3));
}

TEST_CASE("Sample clock offset: exact rate, interpolated values", "[channel]")
{
    for (double ppm : { 100.0, -250.0, 5000.0 }) {
        ChannelConfig c;
        c.sample_clock_offset_ppm = ppm;
        ChannelEmulator ch(c);
        // A slow complex tone (8 samples per cycle at most), so cubic interpolation is
        // accurate: x(t) = exp(j 2 pi f t).
        const double f = 0.01;
        const size_t n = 300000;
        cvec in(n);
        for (size_t k = 0; k < n; ++k)
            in[k] = std::complex<float>(std::polar(1.0, 2 * kPi * f * static_cast<double>(k)));
        const cvec out = run(ch, in, 4097);
        // Output m is the input at time m / (1 + ppm 1e-6); outputs are produced while the
        // interpolator has its two samples of look-ahead.
        const double ratio = 1.0 + ppm * 1e-6;
        const double expected_count = (static_cast<double>(n) - 2.0) * ratio;
        CHECK(std::fabs(static_cast<double>(out.size()) - expected_count) <= 1.0);
        double worst = 0.0;
        for (size_t m = 2; m < out.size(); m += 997) {
            const double t = static_cast<double>(m) / ratio;
            const std::complex<double> ref = std::polar(1.0, 2 * kPi * f * t);
            worst = std::max(worst, std::abs(std::complex<double>(out[m]) - ref));
        }
        CHECK(worst < 2e-4);
    }
}

TEST_CASE("Sample clock offset: longer Lagrange interpolator near the band edge", "[channel]")
{
    // A tone at 0.2 cycles/sample (a 2.37 samples/symbol signal's edge is at 0.25): the
    // cubic interpolator is visibly wrong there, 8 taps are not. Same alignment (output m is
    // the input at m / (1 + ppm 1e-6)) whatever the taps.
    const double f = 0.2, ppm = 100.0, ratio = 1.0 + ppm * 1e-6;
    const size_t n = 200000;
    cvec in(n);
    for (size_t k = 0; k < n; ++k)
        in[k] = std::complex<float>(std::polar(1.0, 2 * kPi * f * static_cast<double>(k)));
    double worst[2] = { 0.0, 0.0 };
    size_t count[2] = { 0, 0 };
    for (int t = 0; t < 2; ++t) {
        ChannelConfig c;
        c.sample_clock_offset_ppm = ppm;
        c.sco_interpolator_taps = t == 0 ? 4 : 8;
        ChannelEmulator ch(c);
        const cvec out = run(ch, in, 4097);
        count[t] = out.size();
        for (size_t m = 8; m + 8 < out.size(); m += 97) {
            const std::complex<double> ref = std::polar(1.0, 2 * kPi * f * static_cast<double>(m) / ratio);
            worst[t] = std::max(worst[t], std::abs(std::complex<double>(out[m]) - ref));
        }
    }
    // Measured: 0.051 (cubic) and 0.0046 (8 taps) of the unit tone.
    CHECK(worst[0] > 0.03);
    CHECK(worst[1] < 0.01);
    CHECK(worst[1] < worst[0] / 8.0);
    // 8 taps: two more samples of look-ahead.
    CHECK(count[0] >= count[1] + 1);
    CHECK(count[0] <= count[1] + 3);
    ChannelConfig bad;
    for (int taps : { 2, 5, 18 }) {
        bad.sco_interpolator_taps = taps;
        CHECK_THROWS_AS(ChannelEmulator(bad), ConfigError);
    }
}

TEST_CASE("Gain steps and attenuation trace applied", "[channel]")
{
    ChannelConfig c;
    c.sample_rate_hz = 1000.0;
    c.attenuation_trace = { { 1.0, 0.0 }, { 2.0, 20.0 }, { 3.0, 5.0 } };
    c.gain_steps = { { 0.5, -3.0 }, { 2.5, 6.0 } };
    ChannelEmulator ch(c);
    const cvec ones(4000, { 1.0f, 0.0f });
    const cvec out = run(ch, ones, 333);
    auto gain_at = [&](size_t n) { return 20.0 * std::log10(std::abs(out[n])); };
    // Expected values written out from the definition (steps replace, trace subtracts,
    // linear in dB between points, held outside).
    CHECK(gain_at(100) == Approx(0.0).margin(1e-4));
    CHECK(gain_at(700) == Approx(-3.0).margin(1e-4));
    CHECK(gain_at(1500) == Approx(-3.0 - 10.0).margin(1e-4));
    CHECK(gain_at(2000) == Approx(-3.0 - 20.0).margin(1e-4));
    CHECK(gain_at(2600) == Approx(6.0 - (20.0 - 15.0 * 0.6)).margin(1e-4));
    CHECK(gain_at(3900) == Approx(6.0 - 5.0).margin(1e-4));
    CHECK(ch.gain_db_at(1.5) == Approx(-13.0));
}

TEST_CASE("Phase noise follows the mask", "[channel]")
{
    const double fs = 2e6;
    PhaseNoiseGenerator pn(dvbs2_phase_noise_mask(), fs, 11);
    REQUIRE(pn.components() > 0);
    // The fitted model is close to the mask inside the band ...
    for (double f : { 300.0, 1e3, 3e3, 1e4, 1e5, 5e5 })
        CHECK(db(pn.model_psd(f)) == Approx(db(pn.mask_psd(f))).margin(1.5));
    // ... and the generated process has that PSD: Hann-windowed averaged periodogram at a
    // few offsets, three neighbouring bins each.
    const size_t L = 1 << 15, segments = 16;
    const double offsets[] = { 2e3, 1e4, 1e5, 4e5 };
    double psd[4] = { 0, 0, 0, 0 };
    std::vector<double> seg(L), win(L);
    double wsum2 = 0.0;
    for (size_t n = 0; n < L; ++n) {
        win[n] = 0.5 - 0.5 * std::cos(2 * kPi * static_cast<double>(n) / static_cast<double>(L));
        wsum2 += win[n] * win[n];
    }
    for (size_t s = 0; s < segments; ++s) {
        double mean = 0.0;
        for (size_t n = 0; n < L; ++n) {
            seg[n] = pn.next();
            mean += seg[n];
        }
        mean /= static_cast<double>(L);
        for (int i = 0; i < 4; ++i) {
            const long bin = std::lround(offsets[i] * static_cast<double>(L) / fs);
            for (long b = bin - 1; b <= bin + 1; ++b) {
                std::complex<double> acc = 0.0;
                const double w = 2 * kPi * static_cast<double>(b) / static_cast<double>(L);
                for (size_t n = 0; n < L; ++n)
                    acc += (seg[n] - mean) * win[n] * std::polar(1.0, -w * static_cast<double>(n));
                psd[i] += std::norm(acc) / (fs * wsum2) / (3.0 * segments);
            }
        }
    }
    for (int i = 0; i < 4; ++i)
        CHECK(db(psd[i]) == Approx(db(pn.mask_psd(offsets[i]))).margin(2.0));
}

TEST_CASE("Deterministic with a seed, NaN injection counted", "[channel]")
{
    ChannelConfig c;
    c.esn0_db = 3.0;
    c.phase_noise_mask = dvbs2_phase_noise_mask();
    c.sample_rate_hz = 10e6;
    c.nan_probability = 0.01;
    c.seed = 99;
    const cvec in = qpsk(50000, 1);
    ChannelEmulator a(c), b(c);
    const cvec oa = run(a, in, 1000), ob = run(b, in, 3001);
    REQUIRE(oa.size() == ob.size());
    size_t nans = 0;
    bool same = true;
    for (size_t k = 0; k < oa.size(); ++k) {
        const bool na = std::isnan(oa[k].real()), nb = std::isnan(ob[k].real());
        nans += na;
        same = same && na == nb && (na || oa[k] == ob[k]);
    }
    CHECK(same);
    CHECK(nans == a.nans_injected());
    CHECK(nans > 350);
    CHECK(nans < 650);
    c.seed = 100;
    ChannelEmulator other(c);
    const cvec oc = run(other, in);
    size_t differ = 0;
    for (size_t k = 0; k < 100; ++k)
        differ += !std::isnan(oc[k].real()) && !std::isnan(oa[k].real()) && oc[k] != oa[k];
    CHECK(differ > 90);
}

TEST_CASE("Channel emulator rejects bad parameters", "[channel]")
{
    ChannelConfig c;
    c.samples_per_symbol = 0.0;
    CHECK_THROWS_AS(ChannelEmulator(c), ConfigError);
    c = ChannelConfig{};
    c.esn0_db = std::nan("");
    CHECK_THROWS_AS(ChannelEmulator(c), ConfigError);
    c = ChannelConfig{};
    c.nan_probability = 1.5;
    CHECK_THROWS_AS(ChannelEmulator(c), ConfigError);
    c = ChannelConfig{};
    c.attenuation_trace = { { 2.0, 1.0 }, { 1.0, 2.0 } };
    CHECK_THROWS_AS(ChannelEmulator(c), ConfigError);
    c = ChannelConfig{};
    c.phase_noise_mask = { { 1e3, -50.0 }, { 1e2, -25.0 } };
    CHECK_THROWS_AS(ChannelEmulator(c), ConfigError);
    c = ChannelConfig{};
    c.sample_clock_offset_ppm = 2e5;
    CHECK_THROWS_AS(ChannelEmulator(c), ConfigError);
}

TEST_CASE("fast_noise: the lab channel's noise power, whiteness and carrier match the exact mode",
          "[channel]")
{
    // A constant input, several calls of uneven size (phase continuity across calls).
    const size_t n = 1 << 20;
    const cvec x(n, std::complex<float>(0.6f, -0.3f));
    ChannelConfig exact;
    exact.sample_rate_hz = 1.0;
    exact.samples_per_symbol = 2.0;
    exact.symbol_energy = 2.0 * std::norm(x[0]);
    exact.frequency_offset_hz = 0.0123; // cycles per sample
    exact.initial_phase_rad = 0.7;
    exact.seed = 9;
    ChannelConfig fast = exact;
    fast.fast_noise = true;

    auto run = [&](const ChannelConfig& c) {
        ChannelEmulator ch(c);
        cvec y(n);
        size_t pos = 0;
        for (size_t chunk : { 1000u, 65537u, 3u, 300000u })
            pos += ch.process(x.data() + pos, chunk, y.data() + pos);
        pos += ch.process(x.data() + pos, n - pos, y.data() + pos);
        REQUIRE(pos == n);
        return y;
    };
    SECTION("no noise: the carrier as the exact path turns it")
    {
        const cvec a = run(exact), b = run(fast);
        double worst = 0;
        for (size_t i = 0; i < n; ++i)
            worst = std::max(worst, static_cast<double>(std::abs(a[i] - b[i])));
        CHECK(worst < 1e-4);
    }
    SECTION("noise: power for the Es/N0 set, white, zero mean")
    {
        exact.esn0_db = fast.esn0_db = 3.0;
        const cvec a = run(exact), b = run(fast);
        double pe = 0, pf = 0;
        std::complex<double> mean = 0, lag1 = 0;
        for (size_t i = 0; i < n; ++i) {
            // The noise is what is left after the (identical) carrier-turned signal.
            const std::complex<double> clean = std::complex<double>(x[i]) *
                std::polar(1.0, 0.7 + kTwoPi * 0.0123 * static_cast<double>(i));
            const std::complex<double> ne = std::complex<double>(a[i]) - clean;
            const std::complex<double> nf = std::complex<double>(b[i]) - clean;
            pe += std::norm(ne);
            pf += std::norm(nf);
            mean += nf;
            if (i > 0)
                lag1 += nf * std::conj(std::complex<double>(b[i - 1]) - std::complex<double>(x[i - 1]) *
                                           std::polar(1.0, 0.7 + kTwoPi * 0.0123 * static_cast<double>(i - 1)));
        }
        const double expected = exact.symbol_energy / std::pow(10.0, 0.3);
        CHECK(pf / n == Approx(expected).epsilon(0.01));
        CHECK(pe / n == Approx(expected).epsilon(0.01));
        CHECK(std::abs(mean) / n < 0.01 * std::sqrt(expected));
        CHECK(std::abs(lag1) / pf < 0.01);
    }
    SECTION("with phase noise the exact path runs: identical output")
    {
        exact.esn0_db = fast.esn0_db = 10.0;
        exact.sample_rate_hz = fast.sample_rate_hz = 10e6;
        exact.frequency_offset_hz = fast.frequency_offset_hz = 1e3;
        exact.phase_noise_mask = fast.phase_noise_mask = dvbs2_phase_noise_mask();
        const cvec a = run(exact), b = run(fast);
        CHECK(a == b);
    }
}

TEST_CASE("Signal gain: the signal scaled before the noise, in both paths, changeable at run time",
          "[channel]")
{
    // No noise: the output is the carrier-turned input times the gain, exactly as the
    // same channel without gain times the gain; then with noise at 10 dB the noise power
    // stays what esn0_db gives while the signal's follows the gain.
    const size_t n = 200000;
    const cvec x(n, std::complex<float>(0.6f, -0.3f));
    for (bool fast : { false, true }) {
        INFO("fast_noise " << fast);
        ChannelConfig c;
        c.sample_rate_hz = 1.0;
        c.samples_per_symbol = 2.0;
        c.symbol_energy = 2.0 * std::norm(x[0]);
        c.frequency_offset_hz = 0.0123;
        c.fast_noise = fast;
        ChannelConfig g = c;
        g.signal_gain = 0.5;
        ChannelEmulator plain(c), scaled(g);
        cvec a(n), b(n);
        plain.process(x.data(), n, a.data());
        scaled.process(x.data(), n, b.data());
        double worst = 0;
        for (size_t i = 0; i < n; ++i)
            worst = std::max(worst, static_cast<double>(std::abs(b[i] - 0.5f * a[i])));
        CHECK(worst < 1e-5);
        // At run time: 2x from here on; the noise does not move.
        c.esn0_db = 10.0;
        ChannelEmulator live(c);
        cvec y(n);
        live.process(x.data(), n / 2, y.data());
        live.set_signal_gain(2.0);
        live.process(x.data() + n / 2, n / 2, y.data() + n / 2);
        // Mean of y over each half, turned back by the carrier: the signal's amplitude.
        std::complex<double> m1 = 0, m2 = 0;
        for (size_t i = 0; i < n; ++i) {
            const std::complex<double> v =
                std::complex<double>(y[i]) * std::polar(1.0, -kTwoPi * 0.0123 * static_cast<double>(i));
            (i < n / 2 ? m1 : m2) += v;
        }
        m1 /= static_cast<double>(n / 2);
        m2 /= static_cast<double>(n / 2);
        CHECK(std::abs(m1) == Approx(std::abs(std::complex<double>(x[0]))).epsilon(0.01));
        CHECK(std::abs(m2) == Approx(2.0 * std::abs(std::complex<double>(x[0]))).epsilon(0.01));
        CHECK(live.noise_variance() == Approx(c.symbol_energy / 10.0));
    }
    ChannelConfig bad;
    bad.signal_gain = -1.0;
    CHECK_THROWS_AS(ChannelEmulator(bad), ConfigError);
    ChannelEmulator ok{ ChannelConfig{} };
    CHECK_THROWS_AS(ok.set_signal_gain(std::numeric_limits<double>::infinity()), ConfigError);
}
