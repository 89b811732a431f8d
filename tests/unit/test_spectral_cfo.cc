// SPDX-License-Identifier: GPL-3.0-or-later
// The blind pre-lock carrier-offset estimate on RRC-shaped QPSK through the channel
// emulator, at non-integer samples per symbol.
#include <catch2/catch.hpp>
#include <dualsat/channel/channel_emulator.h>
#include <dualsat/core/error.h>
#include <dualsat/dsp/pulse_shaper.h>
#include <dualsat/rx/spectral_cfo.h>

#include <cmath>
#include <complex>
#include <limits>
#include <vector>

using namespace dualsat;
using cf = std::complex<float>;

namespace {

std::vector<cf> qpsk_signal(size_t symbols, double sps, double rolloff, double esn0_db, double cfo,
                            uint64_t seed)
{
    Rng rng(seed);
    std::vector<cf> s(symbols);
    for (cf& v : s) {
        const uint64_t q = rng.next() & 3u;
        v = std::polar(1.0f, static_cast<float>(0.7853981633974483 * (2 * q + 1)));
    }
    TxPulseShaper shaper = TxPulseShaper::for_rates(rolloff, 16, 1e6, 1e6 * sps);
    const std::vector<cf> x = shaper.process(s);
    ChannelConfig c;
    c.sample_rate_hz = 1e6 * sps;
    c.samples_per_symbol = shaper.output_sps();
    c.symbol_energy = shaper.output_sps();
    c.esn0_db = esn0_db;
    c.frequency_offset_hz = cfo * 1e6;
    c.seed = seed + 1;
    ChannelEmulator ch(c);
    std::vector<cf> y;
    ch.process(x, y);
    return y;
}

} // namespace

TEST_CASE("Spectral CFO estimate: +-10 % Rs at -3 dB, any samples per symbol", "[spectral_cfo]")
{
    struct Case {
        double sps, rolloff, esn0, cfo;
    };
    for (const Case& c : { Case{ 2.37, 0.2, -3.0, 0.1 }, Case{ 2.37, 0.2, -3.0, -0.1 },
                           Case{ 2.0, 0.35, 0.0, 0.063 }, Case{ 4.0, 0.25, 10.0, -0.021 } }) {
        INFO("sps " << c.sps << ", roll-off " << c.rolloff << ", Es/N0 " << c.esn0 << ", CFO " << c.cfo);
        const std::vector<cf> y = qpsk_signal(100000, c.sps, c.rolloff, c.esn0, c.cfo, 3);
        SpectralCfoEstimator est(c.sps);
        // In uneven chunks: the blocks do not depend on the chunking.
        for (size_t k = 0; k < y.size(); k += 7777)
            est.push(y.data() + k, std::min<size_t>(7777, y.size() - k));
        CHECK(est.blocks() == (y.size() - 1) / 8192);
        CHECK(est.reliable());
        // Within the roll-off 0.2 AFC hysteresis (1 % Rs): the timing loop works there.
        CHECK(std::abs(est.cfo() - c.cfo) < 0.01);
    }
}

TEST_CASE("Spectral CFO estimate: noise alone is never reliable, NaN skipped, bad config",
          "[spectral_cfo]")
{
    Rng rng(9);
    std::vector<cf> noise(400000);
    for (cf& v : noise)
        v = rng.complex_gaussian(1.0);
    SpectralCfoEstimator est(2.0);
    est.push(noise.data(), noise.size());
    CHECK(est.blocks() >= 40);
    CHECK(est.t_value() < 4.0);
    CHECK(!est.reliable());

    // A signal with NaN bursts: the same estimate as without them (to the noise of the
    // products lost), and no NaN in it.
    std::vector<cf> y = qpsk_signal(60000, 2.0, 0.35, 5.0, 0.05, 4);
    for (size_t k = 1000; k < y.size(); k += 5000)
        y[k] = cf(std::numeric_limits<float>::quiet_NaN(), 0.0f);
    SpectralCfoEstimator est2(2.0);
    est2.push(y.data(), y.size());
    CHECK(std::isfinite(est2.cfo()));
    CHECK(est2.reliable());
    CHECK(std::abs(est2.cfo() - 0.05) < 0.006);
    est2.reset();
    CHECK(est2.blocks() == 0);
    CHECK(!est2.reliable());

    CHECK_THROWS_AS(SpectralCfoEstimator(0.5), ConfigError);
    CHECK_THROWS_AS(SpectralCfoEstimator(std::nan("")), ConfigError);
    CHECK_THROWS_AS(SpectralCfoEstimator(2.0, 16), ConfigError);
    CHECK_THROWS_AS(SpectralCfoEstimator(2.0, 8192, 0.0), ConfigError);
}
