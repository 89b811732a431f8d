// SPDX-License-Identifier: GPL-3.0-or-later
#include <catch2/catch.hpp>
#include <dualsat/acm/acm_controller.h>
#include <dualsat/acm/link_reporter.h>
#include <dualsat/core/error.h>

#include <cmath>
#include <limits>

using namespace dualsat;

namespace {

constexpr int64_t kMs = 1000000;
const FrameFormat kQpsk12{ { Modulation::QPSK, CodeRate::R1_2 }, FrameSize::Normal, true };
const FrameFormat kPsk8_35{ { Modulation::PSK8, CodeRate::R3_5 }, FrameSize::Short, false };

LinkObservation data_frame(int64_t t, float esn0, float var, bool ok = true,
                           const FrameFormat& f = kQpsk12)
{
    LinkObservation o;
    o.time_ns = t;
    o.decoded = ok;
    o.esn0_db = esn0;
    o.esn0_var_db2 = var;
    o.format = f;
    return o;
}

} // namespace

TEST_CASE("LinkReporter: Es/N0 is the inverse-variance weighted mean", "[acm][link_reporter]")
{
    LinkReporter rep({ 7, 0.25 });
    rep.set_locked(true);
    // 4 dB with weight 1/0.1, 7 dB with weight 1/0.2: mean (40 + 35) / 15 = 5 dB.
    rep.on_frame(data_frame(10 * kMs, 4.0f, 0.1f));
    rep.on_frame(data_frame(20 * kMs, 7.0f, 0.2f));
    const LinkReport r = rep.next(30 * kMs);
    CHECK(r.link_id == 7);
    CHECK(r.locked);
    REQUIRE(r.esn0_valid);
    CHECK(r.esn0_db == Approx(5.0).margin(1e-6));
    // Spread: weighted variance (10 * 1 + 5 * 4) / 15 = 2 per frame, x 2/1, / 2 frames = 2,
    // larger than the model's 1 / 15.
    CHECK(r.esn0_var_db2 == Approx(2.0).margin(1e-6));
    CHECK(r.timestamp_ns == static_cast<uint64_t>(20 * kMs));
}

TEST_CASE("LinkReporter: agreeing frames report the model variance", "[acm][link_reporter]")
{
    LinkReporter rep({ 0, 0.25 });
    for (int i = 0; i < 4; ++i)
        rep.on_frame(data_frame(i * kMs, 3.0f, 0.16f));
    const LinkReport r = rep.next(5 * kMs);
    REQUIRE(r.esn0_valid);
    CHECK(r.esn0_db == Approx(3.0));
    CHECK(r.esn0_var_db2 == Approx(0.04)); // 0.16 / 4: the mean of four
    // One frame alone: no spread to measure, the model's variance.
    rep.on_frame(data_frame(6 * kMs, 9.0f, 0.3f));
    const LinkReport s = rep.next(7 * kMs);
    CHECK(s.esn0_db == Approx(9.0));
    CHECK(s.esn0_var_db2 == Approx(0.3));
}

TEST_CASE("LinkReporter: counts per interval, dummy frames measure only", "[acm][link_reporter]")
{
    LinkReporter rep({ 0, 0.25 });
    rep.set_locked(true);
    rep.on_frame(data_frame(1 * kMs, 2.0f, 0.1f, true));
    rep.on_frame(data_frame(2 * kMs, 2.0f, 0.1f, false));
    rep.on_frame(data_frame(3 * kMs, 2.0f, 0.1f, true, kPsk8_35));
    LinkObservation idle;
    idle.time_ns = 4 * kMs;
    idle.dummy = true;
    idle.esn0_db = 2.0f;
    idle.esn0_var_db2 = 0.1f;
    idle.format = kQpsk12; // ignored for a dummy frame
    rep.on_frame(idle);
    LinkReport r = rep.next(5 * kMs);
    CHECK(r.frames_ok == 2);
    CHECK(r.frames_failed == 1);
    REQUIRE(r.last_format());
    CHECK(*r.last_format() == kPsk8_35);
    CHECK(r.timestamp_ns == static_cast<uint64_t>(4 * kMs)); // the dummy frame measured last
    CHECK(r.esn0_var_db2 == Approx(0.025));

    // Only dummy frames next: no frame counts, the last format stays.
    idle.time_ns = 6 * kMs;
    rep.on_frame(idle);
    r = rep.next(7 * kMs);
    CHECK(r.frames_ok == 0);
    CHECK(r.frames_failed == 0);
    REQUIRE(r.last_format());
    CHECK(*r.last_format() == kPsk8_35);
    CHECK(r.esn0_valid);
    CHECK(r.sequence == 1);
}

TEST_CASE("LinkReporter: unusable estimates are not averaged", "[acm][link_reporter]")
{
    LinkReporter rep({ 0, 0.25 });
    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    rep.on_frame(data_frame(1 * kMs, nan, 0.1f, false));
    rep.on_frame(data_frame(2 * kMs, -inf, inf, false)); // the carrier recovery's "none"
    rep.on_frame(data_frame(3 * kMs, 5.0f, 0.0f, false));
    rep.on_frame(data_frame(4 * kMs, 500.0f, 0.1f, false));
    LinkReport r = rep.next(10 * kMs);
    CHECK_FALSE(r.esn0_valid);
    CHECK(r.frames_failed == 4);
    CHECK(rep.estimates_rejected() == 4);
    CHECK(r.timestamp_ns == static_cast<uint64_t>(10 * kMs)); // nothing measured: report time
    // The wire form of such a report parses back.
    const std::vector<uint8_t> wire = r.encode();
    LinkReport back;
    REQUIRE(LinkReport::parse(wire.data(), wire.size(), back) == LinkReportStatus::Ok);
    CHECK_FALSE(back.esn0_valid);
    CHECK_FALSE(back.locked);

    // A valid one after them is unaffected by them.
    rep.on_frame(data_frame(11 * kMs, nan, 0.1f));
    rep.on_frame(data_frame(12 * kMs, 6.5f, 0.2f));
    r = rep.next(20 * kMs);
    REQUIRE(r.esn0_valid);
    CHECK(r.esn0_db == Approx(6.5));
}

TEST_CASE("LinkReporter: due once per interval, sequence counts up", "[acm][link_reporter]")
{
    LinkReporter rep({ 0, 0.25 });
    CHECK(rep.due(0)); // the first at once
    CHECK(rep.next(0).sequence == 0);
    CHECK_FALSE(rep.due(249 * kMs));
    CHECK(rep.due(250 * kMs));
    CHECK(rep.next(250 * kMs).sequence == 1);
    CHECK_FALSE(rep.due(400 * kMs));
    CHECK(rep.reports() == 2);

    CHECK_THROWS_AS(LinkReporter({ 0, 0.0 }), ConfigError);
    CHECK_THROWS_AS(LinkReporter({ 0, -1.0 }), ConfigError);
    CHECK_THROWS_AS(LinkReporter({ 0, std::nan("") }), ConfigError);
    CHECK_THROWS_AS(LinkReporter({ 0, 61.0 }), ConfigError);
}

TEST_CASE("LinkReporter feeds an AcmController over the wire", "[acm][link_reporter]")
{
    const AcmThresholds th = AcmThresholds::from_qef_csv_file(DUALSAT_DATA_DIR "/dvbs2_qef_esn0.csv", 0.5, 0.3);
    AcmConfig cfg;
    cfg.link_id = 3;
    AcmController ctl(cfg, th);
    LinkReporter rep({ 3, 0.25 });
    rep.set_locked(true);
    // 12 dB steady for 5 s: the controller leaves the fallback and climbs.
    int64_t t = 0;
    for (int i = 0; i < 20; ++i) {
        for (int k = 0; k < 4; ++k)
            rep.on_frame(data_frame(t + k * 50 * kMs, 12.0f, 0.05f));
        t += 250 * kMs;
        const std::vector<uint8_t> wire = rep.next(t).encode();
        LinkReport parsed;
        REQUIRE(LinkReport::parse(wire.data(), wire.size(), parsed) == LinkReportStatus::Ok);
        CHECK(ctl.on_report(parsed, t) == ReportOutcome::Accepted);
        ctl.decide(t);
    }
    CHECK_FALSE(ctl.state().fallback);
    CHECK(ctl.state().reported_esn0_db == Approx(12.0).margin(0.01));
    CHECK(ctl.state().step_ups > 0);
    // Unlocked: the controller falls back.
    rep.set_locked(false);
    t += 250 * kMs;
    const std::vector<uint8_t> wire = rep.next(t).encode();
    LinkReport parsed;
    REQUIRE(LinkReport::parse(wire.data(), wire.size(), parsed) == LinkReportStatus::Ok);
    ctl.on_report(parsed, t);
    CHECK(ctl.decide(t).reason == AcmReason::FarEndUnlocked);
}
