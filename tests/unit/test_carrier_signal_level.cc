// SPDX-License-Identifier: GPL-3.0-or-later
// SignalLevelEstimator: amplitude, noise and Es/N0 from the known symbols at a known phase,
// unbiased at a known SNR; each segment at its own phase when asked; the average over
// frames.
#include "carrier_test_frames.h"

#include <catch2/catch.hpp>
#include <dualsat/core/constants.h>
#include <dualsat/rx/carrier_signal_level.h>

#include <cmath>

using namespace dualsat;
using namespace dualsat::test;
using cf = std::complex<float>;

namespace {

struct LevelStats {
    double mean_db = 0.0, mean_amplitude = 0.0;
};

// Dummy frames (90 + 36 x 36 + 26 known symbols) at amplitude a, Es/N0 esn0_db, carrier
// phi0 + f i; the estimator is given phase(i) = the true phase plus `offset(segment)`.
LevelStats measure(double a, double esn0_db, bool own_phase, double segment_offset, int trials)
{
    const double phi0 = 0.7, f = 1e-3;
    LevelStats s;
    for (int k = 0; k < trials; ++k) {
        const CarrierTestFrame t = make_carrier_test_frame(FrameFormat{}, true, static_cast<uint64_t>(k), 81);
        const auto rx = apply_carrier(t.tx, a, [&](int i) { return phi0 + f * i; }, esn0_db, 100 + static_cast<uint64_t>(k));
        KnownSegments known;
        known.build(t.length, true, 0, t.header_ref, t.rn.data(), t.next_sof);
        // The phase given to the estimator, relative to derotation by w = f / 2: off by
        // +-segment_offset alternately per segment.
        const double w = 0.5 * f;
        std::vector<double> phase(rx.size());
        int seg = 0;
        for (const KnownSegment& sg : known.segments()) {
            for (int i = sg.start; i < sg.start + sg.n; ++i)
                phase[static_cast<size_t>(i)] = phi0 + (f - w) * i + (seg % 2 ? segment_offset : -segment_offset);
            ++seg;
        }
        const SignalLevel level = measure_level(rx.data(), w, phase.data(), known.segments(), own_phase);
        // Every known symbol the segments hold (the header, 36 per slot, the next SOF).
        REQUIRE(level.count == kPlHeaderSymbols + 36 * kDummySegmentSymbols + kSofSymbols);
        s.mean_db += 10.0 * std::log10(level.esn0());
        s.mean_amplitude += level.amplitude;
    }
    s.mean_db /= trials;
    s.mean_amplitude /= trials;
    return s;
}

} // namespace

TEST_CASE("Signal level: Es/N0 and amplitude unbiased at a known SNR", "[carrier]")
{
    for (double esn0_db : { -2.0, 3.0, 12.0 }) {
        INFO("Es/N0 " << esn0_db << " dB");
        const LevelStats s = measure(0.6, esn0_db, false, 0.0, 40);
        CHECK(s.mean_db == Approx(esn0_db).margin(0.1));
        CHECK(s.mean_amplitude == Approx(0.6).epsilon(0.01));
    }
}

TEST_CASE("Signal level: each segment at its own phase removes a trajectory's error", "[carrier]")
{
    // The phase given is 0.3 rad off on every segment (alternating sign): read at that
    // phase the error counts as noise (10 dB -> ~6.8 dB); at each segment's own phase the
    // estimate stays unbiased (one degree of freedom per segment taken off the count).
    const LevelStats off = measure(1.0, 10.0, false, 0.3, 20);
    const LevelStats own = measure(1.0, 10.0, true, 0.3, 20);
    CHECK(off.mean_db < 8.0);
    CHECK(own.mean_db == Approx(10.0).margin(0.1));
    CHECK(own.mean_amplitude == Approx(1.0).epsilon(0.01));
}

TEST_CASE("Signal level: the Es/N0 average over frames", "[carrier]")
{
    SignalLevelEstimator est;
    CHECK(est.smoothed() < 0.0);
    CHECK(est.smooth(10.0) == 10.0);
    CHECK(est.smooth(20.0) == Approx(0.8 * 10.0 + 0.2 * 20.0));
    CHECK(est.smoothed() == Approx(12.0));
    SignalLevel l;
    l.amplitude = 2.0;
    l.noise = 0.5;
    CHECK(l.esn0() == Approx(8.0));
}

TEST_CASE("Signal level: a phase that moves within segments is removed exactly", "[carrier]")
{
    // A noise-free dummy frame under a curved phase trajectory, given to the estimator
    // exactly: every z is then the amplitude, and what is left as noise is the error of the
    // derotation by phase(i). Slow (every segment's phase moves < 0.1 rad: the series about
    // its first symbol) and fast (the header's and slots' move more: exact phasors).
    for (const double rate : { 4e-4, 1.5e-2 }) {
        INFO("phase rate " << rate << " rad/symbol");
        const double a = 0.9, w = 1e-3;
        auto carrier = [&](int i) { return 0.3 + w * i + rate * i + 0.2 * std::sin(i / 300.0); };
        const CarrierTestFrame t = make_carrier_test_frame(FrameFormat{}, true, 4, 9);
        const auto rx = apply_carrier(t.tx, a, carrier, 300.0, 11);
        KnownSegments known;
        known.build(t.length, true, 0, t.header_ref, t.rn.data(), t.next_sof);
        std::vector<double> phase(rx.size());
        for (size_t i = 0; i < phase.size(); ++i)
            phase[i] = carrier(static_cast<int>(i)) - w * static_cast<double>(i);
        const SignalLevel level = measure_level(rx.data(), w, phase.data(), known.segments(), false);
        CHECK(level.count == kPlHeaderSymbols + 36 * kDummySegmentSymbols + kSofSymbols);
        CHECK(level.amplitude == Approx(a).epsilon(1e-6));
        CHECK(level.noise < 1e-11 * a * a); // float z: ~1e-14; a wrong phasor: far more
    }
}
