// SPDX-License-Identifier: GPL-3.0-or-later
// Es/N0 over a frame's payload (esn0_estimator.h): the data-aided and the blind estimates
// unbiased over -3..20 dB on synthetic symbols + AWGN, their predicted variance matching
// the observed spread, the data-aided one unmoved by phase noise, the inverse-variance
// combination, bad input; the blind estimate on the moduli unbiased at any carrier phase;
// the known symbols' link Es/N0 (SignalLevel::link_esn0) unmoved
// by phase noise at high Es/N0; and FecFrameDecoder's payload measurement (codeword-aided when
// decoded, blind when not) leaving the decoding itself unchanged.
#include <catch2/catch.hpp>
#include <dualsat/mapping/constellation.h>
#include <dualsat/rx/carrier_signal_level.h>
#include <dualsat/rx/esn0_estimator.h>
#include <dualsat/rx/fec_receiver.h>

#include "carrier_test_frames.h"
#include "fec_loopback_tx.h"

#include <cmath>
#include <complex>
#include <limits>
#include <vector>

using namespace dualsat;
using dualsat_test::FastGaussian;
using cf = std::complex<float>;

namespace {

struct Spread {
    double bias = 0.0;      // mean estimate - truth, dB
    double var = 0.0;       // observed variance, dB^2
    double predicted = 0.0; // mean predicted variance, dB^2
    int invalid = 0;
};

// trials frames of n random symbols of modcod at esn0_db; phase_jitter: white phase noise
// (rad rms) on every symbol.
template <typename Estimate>
Spread run(const ModCod& modcod, size_t n, double esn0_db, int trials, uint64_t seed,
           double phase_jitter, Estimate estimate)
{
    const Constellation c(modcod);
    FastGaussian g(seed);
    const double n0 = c.average_energy() * std::pow(10.0, -esn0_db / 10.0);
    std::vector<cf> tx(n), rx(n);
    std::vector<double> est;
    Spread s;
    for (int t = 0; t < trials; ++t) {
        for (size_t i = 0; i < n; ++i) {
            tx[i] = c.point(static_cast<unsigned>(g.next_u64() >> 59) % static_cast<unsigned>(c.size()));
            double a, b;
            g.pair(a, b);
            rx[i] = tx[i] * std::polar(1.0f, static_cast<float>(a * phase_jitter));
        }
        dualsat_test::add_awgn(rx.data(), n, n0, g);
        const Esn0Measurement m = estimate(c, tx, rx, n0);
        if (!m.valid()) {
            ++s.invalid;
            continue;
        }
        est.push_back(m.esn0_db);
        s.predicted += m.var_db2;
    }
    REQUIRE(est.size() > 2);
    double mean = 0.0;
    for (double e : est)
        mean += e;
    mean /= static_cast<double>(est.size());
    for (double e : est)
        s.var += (e - mean) * (e - mean);
    s.var /= static_cast<double>(est.size() - 1);
    s.predicted /= static_cast<double>(est.size());
    s.bias = mean - esn0_db;
    return s;
}

Esn0Measurement data_aided(const Constellation& c, const std::vector<cf>& tx, const std::vector<cf>& rx, double)
{
    return data_aided_esn0(rx.data(), tx.data(), rx.size(), c.average_energy(), 90);
}

Esn0Measurement blind(const Constellation& c, const std::vector<cf>&, const std::vector<cf>& rx, double n0)
{
    BlindEsn0Estimator b;
    // Start 1 dB off in noise and 5 % in amplitude, as from a frame's 90 header symbols.
    return b.estimate(rx.data(), rx.size(), c.points(), c.size(), c.average_energy(), 1.05, 1.26 * n0);
}

// The constellation's rings (mean modulus of their points) and their shares of the points.
struct Rings {
    double radii[BlindEsn0Estimator::kMaxRings] = {};
    double shares[BlindEsn0Estimator::kMaxRings] = {};
    double es = 0.0;
    int count = 0;
    explicit Rings(const Constellation& c) : count(c.rings())
    {
        for (int label = 0; label < c.size(); ++label) {
            radii[c.ring_of(static_cast<unsigned>(label))] += std::abs(c.point(static_cast<unsigned>(label)));
            shares[c.ring_of(static_cast<unsigned>(label))] += 1.0;
        }
        for (int j = 0; j < count; ++j) {
            radii[j] /= shares[j];
            shares[j] /= c.size();
            es += shares[j] * radii[j] * radii[j];
        }
    }
};

Esn0Measurement blind_moduli(const Constellation& c, const std::vector<cf>&, const std::vector<cf>& rx, double n0)
{
    BlindEsn0Estimator b;
    const Rings r(c);
    return b.estimate_rings(rx.data(), rx.size(), r.radii, r.shares, r.count, r.es, 1.05, 1.26 * n0);
}

} // namespace

TEST_CASE("Es/N0 data-aided: unbiased from -3 to 20 dB, predicted variance as observed", "[esn0]")
{
    for (const ModCod mc : { ModCod{ Modulation::QPSK, CodeRate::R1_2 }, ModCod{ Modulation::APSK32, CodeRate::R4_5 } })
        for (double esn0 : { -3.0, 2.0, 8.0, 14.0, 20.0 }) {
            INFO(to_string(mc) << " at " << esn0 << " dB");
            const Spread s = run(mc, 3000, esn0, 150, 11, 0.0, data_aided);
            CHECK(s.invalid == 0);
            CHECK(std::fabs(s.bias) < 0.04);
            CHECK(s.predicted / s.var > 0.7);
            CHECK(s.predicted / s.var < 1.4);
            // The large-sample model it predicts from, at the true Es/N0 (radial noise
            // above 10 dB: twice the noise term).
            const double rho = std::pow(10.0, esn0 / 10.0);
            const double db2 = 18.861; // (10 / ln 10)^2
            const double model = esn0 >= 10.0 ? db2 * (2.0 + 2.0 / rho) / 3000.0
                                              : data_aided_esn0_variance_db2(rho, 3000);
            CHECK(s.predicted == Approx(model).epsilon(0.1));
        }
}

TEST_CASE("Es/N0 data-aided: phase noise is not read as noise", "[esn0]")
{
    // White phase jitter of 0.03 rad rms at 20 dB adds 9 % to the noise around the points
    // (0.37 dB low if read as noise); measured along each symbol it is second order.
    const ModCod mc{ Modulation::APSK32, CodeRate::R4_5 };
    const Spread s = run(mc, 3000, 20.0, 60, 5, 0.03, data_aided);
    CHECK(std::fabs(s.bias) < 0.06);
    // Below 10 dB the same jitter is under 1 % of the noise: both components are used.
    const Spread low = run(mc, 3000, 6.0, 60, 5, 0.03, data_aided);
    CHECK(std::fabs(low.bias) < 0.05);
}

TEST_CASE("Es/N0 blind on the moduli: unbiased whatever the carrier phase, predicted variance as observed",
          "[esn0]")
{
    struct Point {
        ModCod mc;
        size_t n;
        double esn0;
        double max_bias;
    };
    // Pilotless short frames' payload sizes, below and above the decoding thresholds; every
    // symbol at a random phase (white, 3 rad rms): a carrier the receiver does not hold.
    const Point points[] = {
        { { Modulation::QPSK, CodeRate::R1_2 }, 8100, -3.0, 0.15 },
        { { Modulation::QPSK, CodeRate::R1_2 }, 8100, 12.0, 0.04 },
        { { Modulation::PSK8, CodeRate::R3_5 }, 5400, 1.0, 0.1 },
        { { Modulation::PSK8, CodeRate::R3_5 }, 5400, 18.0, 0.04 },
        { { Modulation::APSK16, CodeRate::R3_4 }, 4050, 9.0, 0.08 },
        { { Modulation::APSK32, CodeRate::R4_5 }, 3240, 14.0, 0.08 },
    };
    for (const Point& p : points) {
        INFO(to_string(p.mc) << " at " << p.esn0 << " dB, " << p.n << " symbols");
        const Spread s = run(p.mc, p.n, p.esn0, 60, 23, 3.0, blind_moduli);
        CHECK(s.invalid <= 1);
        CHECK(std::fabs(s.bias) < p.max_bias);
        CHECK(s.predicted / s.var > 0.6);
        CHECK(s.predicted / s.var < 1.7);
    }
    // Any carrier phase or frequency error: the same estimate (the moduli are the same up to
    // float rounding).
    const Constellation c(ModCod{ Modulation::APSK16, CodeRate::R3_4 });
    const Rings r(c);
    FastGaussian g(29);
    std::vector<cf> y(4050), turned(4050);
    for (size_t i = 0; i < y.size(); ++i)
        y[i] = c.point(static_cast<unsigned>(g.next_u64() >> 60));
    dualsat_test::add_awgn(y.data(), y.size(), 0.1f, g);
    for (size_t i = 0; i < y.size(); ++i)
        turned[i] = y[i] * std::polar(1.0f, static_cast<float>(0.7 + 0.013 * static_cast<double>(i)));
    BlindEsn0Estimator b;
    const Esn0Measurement straight =
        b.estimate_rings(y.data(), y.size(), r.radii, r.shares, r.count, r.es, 1.0, 0.1);
    const Esn0Measurement rotating =
        b.estimate_rings(turned.data(), turned.size(), r.radii, r.shares, r.count, r.es, 1.0, 0.1);
    REQUIRE(straight.valid());
    REQUIRE(rotating.valid());
    CHECK(rotating.esn0_db == Approx(straight.esn0_db).margin(1e-3));
    CHECK(straight.esn0_db == Approx(10.0).margin(0.3));
}

TEST_CASE("Es/N0 blind maximum likelihood: unbiased, predicted variance as observed", "[esn0]")
{
    struct Point {
        ModCod mc;
        size_t n;
        double esn0;
        double max_bias;
    };
    // Pilotless short frames' payload sizes; below each constellation's decoding threshold
    // (where the blind estimate is what the frame has) and above.
    const Point points[] = {
        { { Modulation::QPSK, CodeRate::R1_2 }, 8100, -3.0, 0.12 },
        { { Modulation::QPSK, CodeRate::R1_2 }, 8100, 1.0, 0.05 },
        { { Modulation::QPSK, CodeRate::R1_2 }, 8100, 12.0, 0.04 },
        { { Modulation::PSK8, CodeRate::R3_5 }, 5400, 4.0, 0.06 },
        { { Modulation::APSK16, CodeRate::R3_4 }, 4050, 8.0, 0.06 },
        { { Modulation::APSK32, CodeRate::R4_5 }, 3240, 10.0, 0.08 },
        { { Modulation::APSK32, CodeRate::R4_5 }, 3240, 18.0, 0.05 },
    };
    for (const Point& p : points) {
        INFO(to_string(p.mc) << " at " << p.esn0 << " dB, " << p.n << " symbols");
        const Spread s = run(p.mc, p.n, p.esn0, 60, 21, 0.0, blind);
        CHECK(s.invalid <= 1);
        CHECK(std::fabs(s.bias) < p.max_bias);
        CHECK(s.predicted / s.var > 0.6);
        CHECK(s.predicted / s.var < 1.7);
    }
}

TEST_CASE("Es/N0: inverse-variance combination, invalid parts ignored", "[esn0]")
{
    Esn0Measurement a, b;
    a.esn0_db = 3.0;
    a.var_db2 = 0.5;
    a.symbols = 90;
    b.esn0_db = 4.0;
    b.var_db2 = 0.125;
    b.symbols = 8100;
    const Esn0Measurement c = combine_esn0(a, b);
    CHECK(c.esn0_db == Approx((3.0 / 0.5 + 4.0 / 0.125) / (1.0 / 0.5 + 1.0 / 0.125)));
    CHECK(c.var_db2 == Approx(0.1));
    CHECK(c.symbols == 8190);
    const Esn0Measurement none;
    CHECK(!none.valid());
    CHECK(combine_esn0(a, none).esn0_db == 3.0);
    CHECK(combine_esn0(none, b).var_db2 == 0.125);
    CHECK(!combine_esn0(none, none).valid());
}

TEST_CASE("Es/N0: bad input gives no estimate, never a crash", "[esn0]")
{
    const Constellation c(ModCod{ Modulation::QPSK, CodeRate::R1_2 });
    std::vector<cf> nan(500, cf(std::numeric_limits<float>::quiet_NaN(), 0.0f));
    std::vector<cf> zero(500, cf(0.0f, 0.0f));
    std::vector<cf> ref(500, c.point(0));
    CHECK(!data_aided_esn0(nullptr, ref.data(), 500, 1.0, 90).valid());
    CHECK(!data_aided_esn0(nan.data(), ref.data(), 500, 1.0, 90).valid());
    CHECK(!data_aided_esn0(zero.data(), ref.data(), 500, 1.0, 90).valid());
    CHECK(!data_aided_esn0(ref.data(), zero.data(), 500, 1.0, 90).valid());
    BlindEsn0Estimator b;
    CHECK(!b.estimate(nan.data(), nan.size(), c.points(), c.size(), 1.0, 1.0, 0.5).valid());
    CHECK(!b.estimate(zero.data(), zero.size(), c.points(), c.size(), 1.0, 1.0, 0.5).valid());
    CHECK(!b.estimate(ref.data(), 10, c.points(), c.size(), 1.0, 1.0, 0.5).valid());
    CHECK(!b.estimate(ref.data(), ref.size(), c.points(), c.size(), 1.0, 1.0, -1.0).valid());
    CHECK(!b.estimate(ref.data(), ref.size(), c.points(), 64, 1.0, 1.0, 0.5).valid());
    const double radius = 1.0, share = 1.0, bad_share = 0.0;
    CHECK(!b.estimate_rings(nan.data(), nan.size(), &radius, &share, 1, 1.0, 1.0, 0.5).valid());
    CHECK(!b.estimate_rings(zero.data(), zero.size(), &radius, &share, 1, 1.0, 1.0, 0.5).valid());
    CHECK(!b.estimate_rings(ref.data(), 10, &radius, &share, 1, 1.0, 1.0, 0.5).valid());
    CHECK(!b.estimate_rings(ref.data(), ref.size(), &radius, &bad_share, 1, 1.0, 1.0, 0.5).valid());
    CHECK(!b.estimate_rings(ref.data(), ref.size(), &radius, &share, 0, 1.0, 1.0, 0.5).valid());
    CHECK(!b.estimate_rings(ref.data(), ref.size(), nullptr, &share, 1, 1.0, 1.0, 0.5).valid());
}

TEST_CASE("FecFrameDecoder: payload Es/N0 codeword-aided when decoded, blind when not, decoding unchanged",
          "[esn0][fec_receiver]")
{
    const FrameFormat f{ { Modulation::PSK8, CodeRate::R3_4 }, FrameSize::Short, false };
    dualsat_test::FecTx tx;
    FastGaussian g(3);
    std::vector<uint8_t> bb(static_cast<size_t>(f.code().kbch) / 8);
    for (auto& v : bb)
        v = static_cast<uint8_t>(g.next_u64());
    FecReceiverOptions with, without;
    without.payload_esn0 = false;
    FecFrameDecoder d_with(with), d_without(without);
    DecodedBbFrame a, b;
    for (double esn0 : { 9.0, 4.0 }) { // decodes (threshold ~8 dB), does not
        INFO(esn0 << " dB");
        std::vector<cf> s;
        tx.encode(f, bb.data(), s);
        const float n0 = noise_variance_from_esn0_db(static_cast<float>(esn0));
        dualsat_test::add_awgn(s.data(), s.size(), n0, g);
        // Start the payload estimate off, as from a frame's header.
        d_with.decode(f, s.data(), s.size(), 1.3f * n0, 0, a);
        d_without.decode(f, s.data(), s.size(), 1.3f * n0, 0, b);
        CHECK(a.stats.status == b.stats.status);
        CHECK(a.stats.ldpc_iterations == b.stats.ldpc_iterations);
        CHECK(a.bytes == b.bytes);
        CHECK(!b.stats.payload_esn0.valid());
        REQUIRE(a.stats.payload_esn0.valid());
        const bool decoded = a.stats.status == FecFrameStatus::Ok;
        CHECK(decoded == (esn0 > 8.0));
        CHECK(a.stats.payload_esn0_codeword == decoded);
        CHECK(a.stats.payload_esn0_moduli == !decoded); // pilotless: its carrier may be lost
        CHECK(a.stats.payload_esn0.symbols == 5400);
        // 5400 symbols: ~0.05 dB (codeword) / ~0.1 dB (blind) standard deviation.
        CHECK(a.stats.payload_esn0.esn0_db == Approx(esn0).margin(decoded ? 0.2 : 0.35));
        CHECK(std::sqrt(a.stats.payload_esn0.var_db2) < (decoded ? 0.08 : 0.2));
    }
}

TEST_CASE("Signal level: the link Es/N0 of the known symbols is not lowered by phase noise", "[esn0]")
{
    // A dummy frame's worth of known unit-modulus symbols in 90-symbol segments, each
    // measured at its own phase, with white phase jitter of 0.03 rad rms: at 20 dB the
    // circular noise reads 0.37 dB low, the radial one does not; at 6 dB both are the same.
    const int n = 3330;
    FastGaussian g(17);
    std::vector<cf> ref(n), rx(n);
    std::vector<KnownSegment> segs;
    for (int i = 0; i < n; ++i) {
        const unsigned q = static_cast<unsigned>(g.next_u64() >> 62);
        ref[static_cast<size_t>(i)] = std::polar(1.0f, static_cast<float>(0.785398 + 1.570796 * q));
    }
    for (int s0 = 0; s0 < n; s0 += 90)
        segs.push_back({ s0, 90, ref.data() + s0 });
    const std::vector<double> phase(n, 0.0);
    for (double esn0 : { 20.0, 6.0 }) {
        INFO(esn0 << " dB");
        double circular = 0.0, link = 0.0, var = 0.0, link2 = 0.0;
        const int trials = 40;
        for (int t = 0; t < trials; ++t) {
            for (int i = 0; i < n; ++i) {
                double a, b;
                g.pair(a, b);
                rx[static_cast<size_t>(i)] = 0.8f * ref[static_cast<size_t>(i)] * std::polar(1.0f, static_cast<float>(0.03 * a));
            }
            dualsat_test::add_awgn(rx.data(), n, 0.64 * std::pow(10.0, -esn0 / 10.0), g);
            const SignalLevel l = dualsat::test::measure_level(rx.data(), 0.0, phase.data(), segs, true);
            circular += 10.0 * std::log10(l.esn0());
            const double db = 10.0 * std::log10(l.link_esn0());
            link += db;
            link2 += db * db;
            var += l.link_esn0_variance_db2();
        }
        circular /= trials;
        link /= trials;
        const double observed = link2 / trials - link * link;
        var /= trials;
        CHECK(std::fabs(link - esn0) < 0.06);
        if (esn0 >= 10.0) {
            CHECK(circular - esn0 < -0.25);
            CHECK(var > 1.5 * 18.86 * (1.0 + 2.0 / std::pow(10.0, esn0 / 10.0)) / n);
        } else {
            // Only the phase fits' bias off (37 segments of 90 at 6 dB: 0.006 dB).
            CHECK(link < circular);
            CHECK(link > circular - 0.02);
        }
        CHECK(var / observed > 0.5);
        CHECK(var / observed < 2.0);
    }
}

TEST_CASE("Signal level: the link Es/N0 of the known symbols is not raised by the phase fits", "[esn0]")
{
    // 30 pilot-sized segments (36 symbols) at -3 dB, each measured at its own phase: the
    // fitted phase follows the noise, |sum z| gains N / (4 A) per segment and Es/N0 reads
    // ~0.12 dB high; link_esn0() takes that off.
    const int n = 1080, seg = 36;
    const double esn0 = -3.0;
    FastGaussian g(31);
    std::vector<cf> ref(n), rx(n);
    std::vector<KnownSegment> segs;
    for (int i = 0; i < n; ++i)
        ref[static_cast<size_t>(i)] = std::polar(1.0f, static_cast<float>(0.785398 + 1.570796 * (g.next_u64() >> 62)));
    for (int s0 = 0; s0 < n; s0 += seg)
        segs.push_back({ s0, seg, ref.data() + s0 });
    const std::vector<double> phase(n, 0.0);
    double circular = 0.0, link = 0.0;
    const int trials = 400;
    for (int t = 0; t < trials; ++t) {
        for (int i = 0; i < n; ++i)
            rx[static_cast<size_t>(i)] = 0.8f * ref[static_cast<size_t>(i)];
        dualsat_test::add_awgn(rx.data(), n, 0.64 * std::pow(10.0, -esn0 / 10.0), g);
        const SignalLevel l = dualsat::test::measure_level(rx.data(), 0.0, phase.data(), segs, true);
        CHECK(l.segments == n / seg);
        circular += 10.0 * std::log10(l.esn0());
        link += 10.0 * std::log10(l.link_esn0());
    }
    circular /= trials;
    link /= trials;
    CHECK(circular - esn0 > 0.07);
    CHECK(std::fabs(link - esn0) < 0.05);
}
