// SPDX-License-Identifier: GPL-3.0-or-later
// BlindPskEstimator: the M-th power frequency search and phase trajectory on synthetic
// pilotless QPSK / 8PSK frames with a known carrier, the header resolving the M-fold
// ambiguity, and a quarter-turn cycle slip caught by the next SOF.
#include "carrier_test_frames.h"

#include <catch2/catch.hpp>
#include <dualsat/core/constants.h>
#include <dualsat/rx/carrier_blind_psk.h>
#include <dualsat/rx/carrier_pilot_phase.h>

#include <cmath>

using namespace dualsat;
using namespace dualsat::test;
using cf = std::complex<float>;

namespace {

struct BlindCase {
    Modulation mod;
    CodeRate rate;
    int order;
    double esn0_db;
};

struct PhaseError {
    double rms = 0.0, worst = 0.0;
};

// |trajectory - true phase| over the windows, wrapped.
PhaseError phase_error(const std::vector<SegmentPhase>& phases, double phi0, double f)
{
    PhaseError e;
    for (const SegmentPhase& p : phases) {
        const double d = std::remainder(p.phase - (phi0 + f * p.centre), kTwoPi);
        e.rms += d * d;
        e.worst = std::max(e.worst, std::fabs(d));
    }
    e.rms = std::sqrt(e.rms / static_cast<double>(phases.size()));
    return e;
}

} // namespace

TEST_CASE("Blind M-th power: frequency search gives M x the residual", "[carrier]")
{
    for (const BlindCase c : { BlindCase{ Modulation::QPSK, CodeRate::R1_2, 4, 1.0 },
                               BlindCase{ Modulation::PSK8, CodeRate::R3_5, 8, 6.0 } }) {
        const FrameFormat f{ { c.mod, c.rate }, FrameSize::Normal, false };
        const CarrierTestFrame t = make_carrier_test_frame(f, false, 1, 11);
        const double freq = 0.8 * kPi / (4.0 * c.order) / 2.0; // well inside +-pi / (4 M)
        const auto rx = apply_carrier(t.tx, 0.7, [&](int i) { return 0.2 + freq * i; }, c.esn0_db, 12);
        BlindPskEstimator blind(12.0);
        REQUIRE(blind.base_sums(rx.data(), t.length, 0.0, c.order));
        double ratio = 0.0;
        const double omega = blind.search(&ratio);
        INFO("order " << c.order << " peak ratio " << ratio);
        CHECK(ratio > BlindPskEstimator::kPeakRatio);
        CHECK(omega == Approx(c.order * freq).margin(2e-4));
        // Derotated by the frequency, nothing is left.
        REQUIRE(blind.base_sums(rx.data(), t.length, freq, c.order));
        CHECK(blind.search(&ratio) == Approx(0.0).margin(2e-4));
    }
    // No energy, no estimate.
    std::vector<cf> zeros(1000);
    BlindPskEstimator blind(12.0);
    CHECK(!blind.base_sums(zeros.data(), 1000, 0.0, 4));
}

TEST_CASE("Blind M-th power: phase trajectory of pilotless QPSK and 8PSK with a known carrier",
          "[carrier]")
{
    for (const BlindCase c : { BlindCase{ Modulation::QPSK, CodeRate::R1_2, 4, 2.0 },
                               BlindCase{ Modulation::PSK8, CodeRate::R3_5, 8, 7.0 } }) {
        const FrameFormat f{ { c.mod, c.rate }, FrameSize::Normal, false };
        const CarrierTestFrame t = make_carrier_test_frame(f, false, 1, 21);
        // A phase beyond pi / M: only the header's phase tells which of the M it is.
        const double phi0 = 2.5, freq = 1.5e-3;
        const auto rx = apply_carrier(t.tx, 1.0, [&](int i) { return phi0 + freq * i; }, c.esn0_db, 22);
        const SegmentPhase header{ 44.5, phi0 + freq * 44.5, 90 };
        const double c_sof = t.length + 12.5;
        const SegmentPhase sof{ c_sof, phi0 + freq * c_sof, 26 };
        BlindPskEstimator blind(12.0);
        BlindPskEstimator::Trajectory r;
        REQUIRE(blind.track(rx.data(), static_cast<int>(rx.size()), 0.0, c.order, true, header, &sof, &r));
        INFO("order " << c.order << " peak ratio " << r.peak_ratio);
        CHECK(r.peak_ratio > BlindPskEstimator::kPeakRatio);
        CHECK(!r.cycle_slip);
        const auto& phases = blind.phases();
        CHECK(phases.size() == (rx.size() / 4 + 15) / 16); // one per 64 symbols
        CHECK(phases.front().centre == Approx(31.5));
        CHECK(fit_phase_line(phases).slope == Approx(freq).margin(5e-6));
        // The span is sized for a coherent SNR of 12 in the M-th power domain: M x the
        // phase error ~ 1 / sqrt(24) ~ 0.2 rad rms. No window comes near half a sector.
        PhaseError e = phase_error(phases, phi0, freq);
        CHECK(e.rms < 0.3 / c.order);
        CHECK(e.worst < kPi / (2 * c.order));

        // The fine stage: no search, the frame derotated by the frequency already known
        // (the header's and SOF's phases relative to that derotation).
        const SegmentPhase header_fine{ 44.5, phi0, 90 }, sof_fine{ c_sof, phi0, 26 };
        REQUIRE(blind.track(rx.data(), static_cast<int>(rx.size()), freq, c.order, false, header_fine,
                            &sof_fine, &r));
        CHECK(r.peak_ratio == 0.0);
        CHECK(!r.cycle_slip);
        CHECK(fit_phase_line(blind.phases()).slope == Approx(0.0).margin(5e-6));
        e = phase_error(blind.phases(), phi0, 0.0);
        CHECK(e.rms < 0.3 / c.order);
        CHECK(e.worst < kPi / (2 * c.order));
    }
}

TEST_CASE("Blind M-th power: a quarter-turn slip is caught by the next SOF", "[carrier]")
{
    // From the middle of the frame on (the next SOF included) the carrier turns by pi / 2,
    // invisible to the fourth power: the trajectory continues, the SOF's data-aided phase
    // does not.
    const FrameFormat f{ { Modulation::QPSK, CodeRate::R3_4 }, FrameSize::Normal, false };
    const CarrierTestFrame t = make_carrier_test_frame(f, false, 1, 31);
    const double phi0 = 0.3, freq = 5e-4;
    const int slip_at = t.length / 2;
    auto phase = [&](int i) { return phi0 + freq * i + (i >= slip_at ? 0.5 * kPi : 0.0); };
    const auto rx = apply_carrier(t.tx, 1.0, phase, 8.0, 32);
    const double c_sof = t.length + 12.5;
    const SegmentPhase header{ 44.5, phase(44), 90 };
    const SegmentPhase sof{ c_sof, phi0 + freq * c_sof + 0.5 * kPi, 26 };
    BlindPskEstimator blind(12.0);
    BlindPskEstimator::Trajectory r;
    REQUIRE(blind.track(rx.data(), static_cast<int>(rx.size()), 0.0, 4, true, header, &sof, &r));
    CHECK(r.cycle_slip);
    // The same frame without the slip passes the check.
    const auto clean = apply_carrier(t.tx, 1.0, [&](int i) { return phi0 + freq * i; }, 8.0, 32);
    const SegmentPhase sof_clean{ c_sof, phi0 + freq * c_sof, 26 };
    REQUIRE(blind.track(clean.data(), static_cast<int>(clean.size()), 0.0, 4, true, header, &sof_clean, &r));
    CHECK(!r.cycle_slip);
    // Without a next SOF there is nothing to check against.
    REQUIRE(blind.track(rx.data(), t.length, 0.0, 4, true, header, nullptr, &r));
    CHECK(!r.cycle_slip);
}
