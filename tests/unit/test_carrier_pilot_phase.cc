// SPDX-License-Identifier: GPL-3.0-or-later
// PilotPhaseEstimator and the phase-trajectory functions: segment phases, unwrapping
// around the pilot-pair estimate, least-squares slope, QPSK ambiguity resolution, linear
// interpolation and derotation, on synthetic pilot frames with a known carrier.
#include "carrier_test_frames.h"

#include <catch2/catch.hpp>
#include <dualsat/core/constants.h>
#include <dualsat/rx/carrier_pilot_phase.h>

#include <cmath>
#include <limits>

using namespace dualsat;
using namespace dualsat::test;
using cf = std::complex<float>;

namespace {

const FrameFormat kQpskPilots{ { Modulation::QPSK, CodeRate::R1_2 }, FrameSize::Normal, true };

struct Measured {
    CarrierTestFrame t;
    std::vector<cf> rx;
    KnownSegments known;
    PilotPhaseEstimator pilot;
    LrLagSums lags;
    bool finite = false;
};

// A frame through a carrier phi0 + f i at Es/N0 esn0_db, measured after derotation by w.
void measure(Measured& m, const FrameFormat& f, double phi0, double freq, double esn0_db, double w,
             uint64_t seed)
{
    m.t = make_carrier_test_frame(f, false, 2, seed);
    m.rx = apply_carrier(m.t.tx, 1.0, [&](int i) { return phi0 + freq * i; }, esn0_db, seed + 100);
    m.known.build(m.t.length, false, f.pilot_blocks(), m.t.header_ref, m.t.rn.data(), m.t.next_sof);
    m.finite = m.pilot.measure(m.rx.data(), w, m.known.segments(), &m.lags);
}

} // namespace

TEST_CASE("Pilot phase: segment phases at their centres, lag sums added", "[carrier]")
{
    Measured m;
    const double phi0 = 0.4, f = 2e-4;
    measure(m, kQpskPilots, phi0, f, 40.0, 0.0, 1);
    REQUIRE(m.finite);
    const auto& segs = m.known.segments();
    REQUIRE(m.pilot.phases().size() == segs.size());
    for (size_t s = 0; s < segs.size(); ++s) {
        const SegmentPhase& p = m.pilot.phases()[s];
        CHECK(p.centre == segs[s].start + 0.5 * (segs[s].n - 1));
        CHECK(p.weight == segs[s].n);
        CHECK(std::remainder(p.phase - (phi0 + f * p.centre), kTwoPi) == Approx(0.0).margin(0.01));
    }
    CHECK(m.lags.count[1] > 0);
    CHECK(std::arg(m.lags.sum[1]) == Approx(f).margin(1e-4));
}

TEST_CASE("Pilot phase: the derotated known symbols, for the level estimator", "[carrier]")
{
    // z = y e^{-j w i} conj(ref) of every known symbol, segment after segment, against a
    // direct computation per symbol in double: the per-frame phasor table must hold at
    // every segment's start, far into a normal frame (the last pilot block, the next SOF)
    // and for a dummy frame's 90-symbol header and 36 slots alike.
    for (const bool dummy : { false, true }) {
        INFO((dummy ? "dummy frame" : "QPSK pilot frame"));
        const double phi0 = -1.1, f = 3e-3, w = 2.9e-3;
        const CarrierTestFrame t = make_carrier_test_frame(kQpskPilots, dummy, 7, 3);
        const std::vector<cf> rx = apply_carrier(t.tx, 0.8, [&](int i) { return phi0 + f * i; }, 10.0, 4);
        KnownSegments known;
        known.build(t.length, dummy, dummy ? 0 : kQpskPilots.pilot_blocks(), t.header_ref, t.rn.data(),
                    t.next_sof);
        PilotPhaseEstimator pilot;
        LrLagSums lags;
        REQUIRE(pilot.measure(rx.data(), w, known.segments(), &lags));
        const std::vector<cf>& z = pilot.derotated();
        size_t at = 0, worst_at = 0;
        double worst = 0.0;
        for (const KnownSegment& s : known.segments())
            for (int k = 0; k < s.n; ++k, ++at) {
                REQUIRE(at < z.size());
                const int i = s.start + k;
                const std::complex<double> ref = std::complex<double>(rx[static_cast<size_t>(i)]) *
                                                 std::polar(1.0, -w * i) * std::conj(std::complex<double>(s.ref[k]));
                const double err = std::abs(std::complex<double>(z[at]) - ref);
                if (err > worst) {
                    worst = err;
                    worst_at = at;
                }
            }
        CHECK(at == z.size());
        INFO("worst at known symbol " << worst_at);
        CHECK(worst < 1e-5); // float products of unit-size values
        // Without lag sums wanted (the fine stage), the same phases.
        PilotPhaseEstimator without;
        REQUIRE(without.measure(rx.data(), w, known.segments(), nullptr));
        REQUIRE(without.phases().size() == pilot.phases().size());
        for (size_t p = 0; p < pilot.phases().size(); ++p)
            CHECK(without.phases()[p].phase == pilot.phases()[p].phase);
    }
}

TEST_CASE("Pilot phase: the pilot-pair estimate unwraps a residual beyond the pilot ambiguity",
          "[carrier]")
{
    // 3e-3 rad/symbol advances 4.4 rad between pilot blocks (more than pi): unwrapped
    // around 0 the slope is wrong; the pilot-pair estimate from a prediction within
    // pi / 1476 of the truth recovers it, and the least-squares slope is the residual.
    const double phi0 = -2.0, f = 3e-3;
    Measured m;
    measure(m, kQpskPilots, phi0, f, 3.0, 0.0, 2);
    REQUIRE(m.finite);
    PilotPhaseEstimator around_zero = m.pilot;
    around_zero.unwrap(0.0);
    CHECK(std::fabs(fit_phase_line(around_zero.phases()).slope - f) > 1e-3);

    double residual = f - 0.8 * kPi / kPilotPeriod;
    REQUIRE(m.pilot.pilot_pair_residual(m.known.segments(), &residual));
    CHECK(residual == Approx(f).margin(2e-5));
    m.pilot.unwrap(residual);
    const PhaseLine line = fit_phase_line(m.pilot.phases());
    CHECK(line.slope == Approx(f).margin(5e-6));
    // 3 dB, 36-symbol pilot blocks: ~0.08 rad of noise per segment.
    CHECK(line.rms_residual < 0.15);
    CHECK(line.rms_residual > 0.02);

    // A frame without pilot pairs leaves the residual alone.
    const FrameFormat pilotless{ { Modulation::QPSK, CodeRate::R1_2 }, FrameSize::Normal, false };
    Measured p;
    measure(p, pilotless, phi0, f, 3.0, 0.0, 3);
    double unchanged = 1.25e-3;
    CHECK(!p.pilot.pilot_pair_residual(p.known.segments(), &unchanged));
    CHECK(unchanged == 1.25e-3);
}

TEST_CASE("Pilot phase: a QPSK frame's fourth-power spectrum picks the pilot ambiguity", "[carrier]")
{
    const double f = 1e-3, spacing = kTwoPi / kPilotPeriod;
    Measured m;
    measure(m, kQpskPilots, 0.3, f, 0.0, 0.0, 4);
    for (int k : { -3, -1, 1, 2 }) {
        INFO("off by " << k << " x 2 pi / 1476");
        const double r = PilotPhaseEstimator::resolve_pilot_ambiguity_qpsk(
            m.rx.data(), m.t.length, 0.0, f + k * spacing, std::numeric_limits<double>::infinity());
        CHECK(r == Approx(f).margin(1e-12));
    }
    // A coarse estimate that leaves no other candidate within 3 sigma: nothing to pick.
    CHECK(PilotPhaseEstimator::resolve_pilot_ambiguity_qpsk(m.rx.data(), m.t.length, 0.0, f + spacing, 0.0) ==
          f + spacing);
}

TEST_CASE("Pilot phase: non-finite input is reported", "[carrier]")
{
    Measured m;
    m.t = make_carrier_test_frame(kQpskPilots, false, 0, 5);
    m.rx = m.t.tx;
    m.rx[kPlHeaderSymbols + kPilotSpacing + 3] = cf(std::numeric_limits<float>::quiet_NaN(), 0.0f);
    m.known.build(m.t.length, false, kQpskPilots.pilot_blocks(), m.t.header_ref, m.t.rn.data(), nullptr);
    CHECK(!m.pilot.measure(m.rx.data(), 0.0, m.known.segments(), &m.lags));
}

TEST_CASE("Phase trajectory: line fit, interpolation held outside, piecewise derotation", "[carrier]")
{
    const std::vector<SegmentPhase> phases = { { 10.0, 1.0, 2.0 }, { 20.0, 2.0, 1.0 }, { 40.0, 0.0, 1.0 } };
    std::vector<double> phase(50);
    interpolate_phase(phases, 50, phase.data());
    CHECK(phase[0] == 1.0);
    CHECK(phase[10] == 1.0);
    CHECK(phase[15] == Approx(1.5));
    CHECK(phase[30] == Approx(1.0));
    CHECK(phase[45] == 0.0);
    CHECK(phase[49] == 0.0);

    // Weighted least squares through three points, by the normal equations.
    const PhaseLine line = fit_phase_line(phases);
    const double sw = 4, sx = 20 + 20 + 40, sy = 2 + 2 + 0, sxx = 200 + 400 + 1600, sxy = 20 + 40 + 0;
    CHECK(line.slope == Approx((sw * sxy - sx * sy) / (sw * sxx - sx * sx)));
    CHECK(line.rms_residual > 0.0);
    CHECK(fit_phase_line({ { 5.0, 1.0, 1.0 } }).slope == 0.0);

    // derotate_piecewise agrees with a per-symbol derotation by the interpolated phase.
    std::vector<cf> x(3000), out(3000);
    Rng rng(9);
    for (auto& v : x)
        v = rng.complex_gaussian(1.0);
    const std::vector<SegmentPhase> long_phases = { { 44.5, 0.3, 90 }, { 1547.5, 1.9, 36 }, { 2900.0, -0.5, 26 } };
    std::vector<double> ph(3000);
    interpolate_phase(long_phases, 3000, ph.data());
    const double w = 0.013, gain = 0.5;
    derotate_piecewise(x.data(), 3000, w, gain, long_phases, out.data());
    double worst = 0.0;
    for (int i = 0; i < 3000; ++i) {
        const std::complex<double> ref = std::complex<double>(x[static_cast<size_t>(i)]) * std::polar(gain, -(w * i + ph[static_cast<size_t>(i)]));
        worst = std::max(worst, std::abs(std::complex<double>(out[static_cast<size_t>(i)]) - ref));
    }
    CHECK(worst < 1e-5);
}
