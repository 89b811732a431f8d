// SPDX-License-Identifier: GPL-3.0-or-later
#include <catch2/catch.hpp>
#include <dualsat/acm/acm_controller.h>
#include <dualsat/core/error.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace dualsat;

namespace {

constexpr int64_t kMs = 1000000;
constexpr int64_t kS = 1000 * kMs;

AcmThresholds table13(double loss = 0.0, double short_loss = 0.3)
{
    return AcmThresholds::from_qef_csv_file(std::string(DUALSAT_DATA_DIR) + "/dvbs2_qef_esn0.csv",
                                            loss, short_loss);
}

// The inner loop alone: the outer loop off, so that the margin stays where it was set.
AcmConfig inner()
{
    AcmConfig c;
    c.outer_loop = false;
    return c;
}

// A far end sending a report every 250 ms; arrival = its time stamp (+ a clock offset the
// controller must not care about) and the reports' own arrival is `t`.
struct Link {
    explicit Link(const AcmConfig& cfg, const AcmThresholds& thr = table13()) : c(cfg, thr) {}
    AcmController c;
    uint32_t seq = 1;
    int64_t t = 0;
    int64_t interval = 250 * kMs;

    LinkReport report(double esn0, uint32_t ok, uint32_t failed, bool locked) const
    {
        LinkReport r;
        r.link_id = c.config().link_id;
        r.sequence = seq;
        r.timestamp_ns = static_cast<uint64_t>(t) + 77777 * kS;
        r.locked = locked;
        r.esn0_valid = true;
        r.esn0_db = esn0;
        r.esn0_var_db2 = 0.04;
        r.frames_ok = ok;
        r.frames_failed = failed;
        return r;
    }
    ReportOutcome send(double esn0, uint32_t ok = 100, uint32_t failed = 0, bool locked = true)
    {
        const auto out = c.on_report(report(esn0, ok, failed, locked), t);
        c.decide(t);
        ++seq;
        t += interval;
        return out;
    }
    void lose() // a report the return path dropped
    {
        ++seq;
        c.decide(t);
        t += interval;
    }
    size_t rung() const
    {
        const auto& l = c.ladder();
        for (size_t i = 0; i < l.size(); ++i)
            if (l[i].format == c.state().decision.format)
                return i;
        FAIL("format in force is not on the ladder");
        return 0;
    }
    // Reports at a steady Es/N0 until the rung stops moving (or a time limit).
    void settle(double esn0, double seconds)
    {
        const int64_t end = t + static_cast<int64_t>(seconds * kS);
        while (t < end)
            send(esn0);
    }
    double need(size_t rung) const { return c.ladder()[rung].threshold_db + c.state().margin_db; }
};

size_t rung_of(const AcmController& c, int modcod_number)
{
    for (size_t i = 0; i < c.ladder().size(); ++i)
        if (c.ladder()[i].modcod_number == modcod_number)
            return i;
    return c.ladder().size();
}

double uniform(std::mt19937& rng) { return rng() / 4294967296.0; }

} // namespace

TEST_CASE("ACM thresholds: Table 13 plus implementation loss, short frames", "[acm]")
{
    const auto t = table13(0.5, 0.3);
    CHECK(t.size() == 28 + 24);
    CHECK(*t.get(4, FrameSize::Normal) == Approx(1.00 + 0.5));  // QPSK 1/2
    CHECK(*t.get(4, FrameSize::Short) == Approx(1.00 + 0.8));
    CHECK(*t.get(28, FrameSize::Normal) == Approx(16.05 + 0.5)); // 32APSK 9/10
    CHECK_FALSE(t.get(28, FrameSize::Short));                    // no short 9/10
    CHECK_FALSE(t.get(0, FrameSize::Normal));
    CHECK_FALSE(t.get(29, FrameSize::Normal));

    std::istringstream missing("modulation,code_rate,esn0_db\nQPSK,1/2,1.0\n");
    CHECK_THROWS_AS(AcmThresholds::from_qef_csv(missing, 0, 0), ConfigError);
    std::istringstream bad("QPSK,1/2,one\n");
    CHECK_THROWS_AS(AcmThresholds::from_qef_csv(bad, 0, 0), ConfigError);
    CHECK_THROWS_AS(AcmThresholds::from_qef_csv_file("/nonexistent.csv", 0, 0), ConfigError);
}

TEST_CASE("ACM thresholds: from dualsat-fer-sweep's CSV", "[acm]")
{
    // The header dualsat-fer-sweep writes (apps/dualsat_fer_sweep.cc).
    const std::string header =
        "modulation,code_rate,frame,esn0_db,qef_esn0_db,frames,frame_errors,fer,bch_failures,"
        "undetected_errors,avg_iterations,not_converged,iteration_cap,llr_scale,ldpc_offset,"
        "message_limit,info_mbps,seconds\n";
    auto row = [](const char* mod, const char* rate, const char* frame, double esn0, long frames,
                  long errors) {
        std::ostringstream o;
        o << mod << ',' << rate << ',' << frame << ',' << esn0 << ",1.0," << frames << ','
          << errors << ',' << double(errors) / double(frames) << ",0,0,10,0,50,4,0,0,1.0,1.0\n";
        return o.str();
    };
    std::istringstream in(header +
                          // QPSK 1/2 short: 1e-2 at 1.0 dB, 1e-4 at 1.5 dB -> 1e-3 at 1.25 dB
                          row("QPSK", "1/2", "short", 0.5, 1000, 500) +
                          row("QPSK", "1/2", "short", 1.0, 1000, 10) +
                          row("QPSK", "1/2", "short", 2.0, 10000, 0) +
                          row("QPSK", "1/2", "short", 1.5, 10000, 1) +
                          // 8PSK 3/5: no errors, but too few frames to show 1e-3
                          row("8PSK", "3/5", "normal", 5.0, 1000, 0) +
                          row("8PSK", "3/5", "normal", 5.5, 100, 0) +
                          // 16APSK 2/3: errors, then enough error-free frames
                          row("16APSK", "2/3", "normal", 9.0, 1000, 2) +
                          row("16APSK", "2/3", "normal", 9.5, 5000, 0) +
                          // 32APSK 3/4: passes, then fails higher up: only the top run counts
                          row("32APSK", "3/4", "normal", 12.0, 10000, 1) +
                          row("32APSK", "3/4", "normal", 12.5, 10000, 100) +
                          row("32APSK", "3/4", "normal", 13.0, 10000, 0));
    const auto t = AcmThresholds::from_fer_sweep_csv(in, 1e-3, 0.2);
    CHECK(*t.get(4, FrameSize::Short) == Approx(1.25 + 0.2));
    CHECK_FALSE(t.get(4, FrameSize::Normal));
    CHECK_FALSE(t.get(12, FrameSize::Normal));
    CHECK(*t.get(18, FrameSize::Normal) == Approx(9.5 + 0.2));
    CHECK(*t.get(24, FrameSize::Normal) == Approx(13.0 + 0.2));
    CHECK(t.size() == 3);

    std::istringstream no_column("modulation,code_rate,esn0_db,frames\nQPSK,1/2,1,10\n");
    CHECK_THROWS_AS(AcmThresholds::from_fer_sweep_csv(no_column, 1e-3, 0), ConfigError);
    std::istringstream bad_counts(header + row("QPSK", "1/2", "short", 1.0, 10, 11));
    CHECK_THROWS_AS(AcmThresholds::from_fer_sweep_csv(bad_counts, 1e-3, 0), ConfigError);
}

TEST_CASE("ACM thresholds: the measured short-frame sweep in data/", "[acm]")
{
    // data/fer_sweep_short.csv: every short MODCOD gets a threshold (FER 1e-3) within
    // -1.1 .. +0.5 dB of Table 13 + the 0.3 dB short-frame loss (the sweep starts at QEF
    // - 0.8 dB: QPSK 1/4, whose short code is rate 1/5, is already error-free there), and
    // the ladder on it is complete.
    const auto sweep = AcmThresholds::from_fer_sweep_csv_file(
        std::string(DUALSAT_DATA_DIR) + "/fer_sweep_short.csv", 1e-3, 0.0);
    const auto qef = table13(0.0, 0.3);
    int count = 0;
    for (int n = 1; n <= 28; ++n) {
        const bool exists = code_exists(FrameSize::Short, modcod_from_number(n).rate);
        CHECK(bool(sweep.get(n, FrameSize::Short)) == exists);
        if (!exists || !sweep.get(n, FrameSize::Short))
            continue;
        ++count;
        const double d = *sweep.get(n, FrameSize::Short) - *qef.get(n, FrameSize::Short);
        CHECK(d > -1.1 - 1e-9);
        CHECK(d < 0.5);
    }
    CHECK(count == 24);
    AcmConfig cfg;
    cfg.frame = FrameSize::Short;
    AcmController c(cfg, sweep);
    CHECK(c.ladder().size() >= 18);
    CHECK(c.ladder().front().modcod_number == 1);
    CHECK(c.ladder().back().modcod_number == 27); // 32APSK 8/9
}

TEST_CASE("ACM ladder: sorted by need, dominated MODCODs skipped, allowed set", "[acm]")
{
    AcmController c(AcmConfig{}, table13());
    const auto& l = c.ladder();
    REQUIRE(l.size() >= 2);
    for (size_t i = 1; i < l.size(); ++i) {
        CHECK(l[i].threshold_db > l[i - 1].threshold_db);
        CHECK(l[i].efficiency > l[i - 1].efficiency);
    }
    // Table 13: QPSK 8/9 needs more than 8PSK 3/5 for less; so do 8PSK 5/6 (16APSK 2/3) and
    // 16APSK 8/9 (32APSK 3/4).
    CHECK(rung_of(c, 10) == l.size());
    CHECK(rung_of(c, 15) == l.size());
    CHECK(rung_of(c, 22) == l.size());
    CHECK(rung_of(c, 24) < l.size());
    CHECK(l.front().modcod_number == 1);
    CHECK(l.back().modcod_number == 28);
    CHECK(l.front().format.pilots);

    AcmConfig no32;
    no32.excluded_modulations = { Modulation::APSK32 };
    AcmController c2(no32, table13());
    CHECK(c2.ladder().back().modcod_number == 23); // 16APSK 9/10 becomes the top
    CHECK(rung_of(c2, 22) < c2.ladder().size());

    AcmConfig all;
    all.skip_dominated = false;
    CHECK(AcmController(all, table13()).ladder().size() == 28);

    AcmConfig range;
    range.min_modcod = 4;
    range.max_modcod = 17;
    range.excluded_modcods = { 12, 5 };
    range.pilots = PilotsPolicy::ApskOnly;
    AcmController c3(range, table13());
    for (const auto& r : c3.ladder()) {
        CHECK(r.modcod_number >= 4);
        CHECK(r.modcod_number <= 17);
        CHECK(r.modcod_number != 12);
        CHECK(r.modcod_number != 5);
        CHECK_FALSE(r.format.pilots); // QPSK and 8PSK only
    }
    range.max_modcod = 28;
    AcmController c4(range, table13());
    CHECK(c4.ladder().back().format.pilots); // 32APSK

    AcmConfig shorts;
    shorts.frame = FrameSize::Short;
    AcmController c5(shorts, table13());
    for (const auto& r : c5.ladder()) {
        CHECK(r.format.frame == FrameSize::Short);
        CHECK(r.modcod_number != 11); // no short 9/10
        CHECK(r.modcod_number != 28);
    }

    AcmConfig none;
    none.min_modcod = 24;
    none.excluded_modulations = { Modulation::APSK32 };
    CHECK_THROWS_AS(AcmController(none, table13()), ConfigError);
    AcmConfig dominated_fallback;
    dominated_fallback.fallback_modcod = 10;
    CHECK_THROWS_AS(AcmController(dominated_fallback, table13()), ConfigError);
    AcmConfig bad;
    bad.target_fer = 0.0;
    CHECK_THROWS_AS(AcmController(bad, table13()), ConfigError);
    bad = AcmConfig{};
    bad.min_modcod = 20;
    bad.max_modcod = 10;
    CHECK_THROWS_AS(AcmController(bad, table13()), ConfigError);
}

TEST_CASE("ACM: starts at the fallback until a report comes", "[acm]")
{
    AcmConfig cfg;
    cfg.fallback_modcod = 4;
    AcmController c(cfg, table13());
    const auto& d = c.decide(0);
    CHECK(d.format.modcod == ModCod{ Modulation::QPSK, CodeRate::R1_2 });
    CHECK(d.reason == AcmReason::Initial);
    CHECK(c.state().fallback);
    CHECK(c.decide(100 * kS).reason == AcmReason::Initial); // no report ever: no timeout
}

TEST_CASE("ACM: with max_step_up_rungs 1, climbs one rung at a time, each after the hold", "[acm]")
{
    AcmConfig cfg = inner();
    cfg.max_step_up_rungs = 1;
    Link link(cfg);
    std::vector<std::pair<int64_t, size_t>> changes;
    size_t last = link.rung();
    while (link.t < 60 * kS) {
        link.send(30.0);
        if (link.rung() != last) {
            CHECK(link.rung() == last + 1);
            CHECK(link.c.state().decision.reason == AcmReason::StepUp);
            changes.emplace_back(link.t - link.interval, link.rung());
            last = link.rung();
        }
    }
    CHECK(last == link.c.ladder().size() - 1);
    CHECK(changes.size() == link.c.ladder().size() - 1);
    CHECK(link.c.state().step_ups == changes.size());
    for (size_t i = 1; i < changes.size(); ++i)
        CHECK(changes[i].first - changes[i - 1].first >= kS);
    CHECK(link.c.state().decision.reason == AcmReason::Steady);
}

TEST_CASE("ACM: the hold delays a step up and restarts when the condition lapses", "[acm]")
{
    Link link(inner());
    REQUIRE(link.rung() == 0);
    const double up = link.need(1) + 0.4 + 0.05; // rung 1 with the hysteresis, not rung 2
    REQUIRE(up < link.need(2) + 0.4);
    for (int i = 0; i < 4; ++i) { // 0, 0.25, 0.5, 0.75 s
        link.send(up);
        CHECK(link.rung() == 0);
        CHECK(link.c.state().decision.reason == AcmReason::StepUpPending);
    }
    link.send(up); // 1.0 s
    CHECK(link.rung() == 1);
    CHECK(link.c.state().decision.reason == AcmReason::StepUp);
    for (int i = 0; i < 20; ++i)
        link.send(up);
    CHECK(link.rung() == 1);
    CHECK(link.c.state().decision.reason == AcmReason::Steady);

    // Lapse: one report inside the hysteresis band restarts the hold (prediction off: the
    // dip's slope would otherwise hold it back longer).
    AcmConfig no_prediction = inner();
    no_prediction.predict_fades = false;
    Link lapse(no_prediction);
    lapse.send(up);
    lapse.send(up);
    lapse.send(lapse.need(1) + 0.2); // sustainable, but not with the hysteresis
    CHECK(lapse.c.state().decision.reason == AcmReason::Steady);
    for (int i = 0; i < 4; ++i) {
        lapse.send(up);
        CHECK(lapse.rung() == 0);
    }
    lapse.send(up);
    CHECK(lapse.rung() == 1);

    // A longer hold from the settings.
    AcmConfig slow = inner();
    slow.step_up_hold_s = 3.0;
    Link held(slow);
    for (int i = 0; i < 12; ++i) {
        held.send(up);
        CHECK(held.rung() == 0);
    }
    held.send(up);
    CHECK(held.rung() == 1);
}

TEST_CASE("ACM: hysteresis keeps noise around a threshold from flapping", "[acm]")
{
    auto run = [](double hysteresis, double hold) {
        AcmConfig cfg = inner();
        cfg.adaptive_hysteresis = false; // the fixed hysteresis under test
        cfg.hysteresis_db = hysteresis;
        cfg.step_up_hold_s = hold;
        Link link(cfg);
        const size_t k = rung_of(link.c, 12); // 8PSK 3/5
        link.settle(link.need(k) + 0.45, 30.0); // enough for k with its hysteresis, not k + 1
        REQUIRE(link.rung() == k);
        // +-0.3 dB of noise around the next rung's need (a little above it on average).
        std::mt19937 rng(5);
        const uint64_t before = link.c.state().changes;
        const double centre = link.need(k + 1) + 0.15;
        for (int i = 0; i < 480; ++i) // 2 minutes
            link.send(centre + 0.6 * (uniform(rng) - 0.5));
        return link.c.state().changes - before;
    };
    CHECK(run(0.4, 1.0) <= 1);
    CHECK(run(0.0, 0.0) > 20); // the same noise without hysteresis and hold: flapping
}

TEST_CASE("ACM: a fade goes straight down, several rungs at once", "[acm]")
{
    Link link(inner());
    link.settle(30.0, 40.0);
    const size_t top = link.c.ladder().size() - 1;
    REQUIRE(link.rung() == top);
    const uint64_t downs = link.c.state().step_downs;
    link.send(6.0);
    // The decision Es/N0 also carries the drop the step's slope predicts (capped).
    const double e = link.c.state().predicted_esn0_db;
    CHECK(e >= 6.0 - link.c.config().max_prediction_db);
    size_t expect = 0;
    for (size_t i = 0; i < link.c.ladder().size(); ++i)
        if (link.need(i) <= e)
            expect = i;
    CHECK(link.rung() == expect);
    CHECK(top - link.rung() >= 5);
    CHECK(link.c.state().decision.reason == AcmReason::Fade);
    CHECK(link.c.state().step_downs == downs + 1);
    CHECK(link.c.state().decision.text.find("fade") != std::string::npos);

    // Below every rung: the most robust one.
    link.send(-10.0);
    CHECK(link.rung() == 0);
    CHECK(link.c.state().decision.reason == AcmReason::Fade);
}

TEST_CASE("ACM: fade prediction steps down before a 3 dB/s ramp arrives", "[acm]")
{
    // True Es/N0: 20 dB (the top rung with room), then from t0 down at 3 dB/s to 2 dB. The
    // frames chosen at a report are received up to a loop delay plus a report interval
    // later (0.75 s): count the reports after which the MODCOD in force needs more than
    // the channel will give by then, and by how much.
    struct Result {
        int late = 0;   // violations once the fit has seen 1 s of the ramp
        int all = 0;    // violations over the whole ramp
        double worst = 0.0;
        double first_down_at = 0.0; // true Es/N0 when it left the top rung
        AcmReason first_reason = AcmReason::Initial;
    };
    auto run = [](bool predict, double margin) {
        AcmConfig cfg = inner();
        cfg.predict_fades = predict;
        cfg.margin_db = margin;
        Link link(cfg);
        const int64_t t0 = 40 * kS;
        auto truth = [&](int64_t t) {
            return t < t0 ? 20.0 : std::max(2.0, 20.0 - 3.0 * double(t - t0) / kS);
        };
        Result res;
        bool first = true;
        while (link.t < t0 + 7 * kS) {
            const int64_t now = link.t;
            const size_t before = link.rung();
            link.send(truth(now));
            if (now < t0)
                continue;
            if (link.rung() < before && first) {
                first = false;
                res.first_down_at = truth(now);
                res.first_reason = link.c.state().decision.reason;
            }
            const double short_by = link.c.ladder()[link.rung()].threshold_db - truth(now + 750 * kMs);
            if (short_by > 0) {
                ++res.all;
                res.late += now >= t0 + kS;
                res.worst = std::max(res.worst, short_by);
            }
        }
        return res;
    };
    // With a 1 dB margin the onset is covered too.
    const Result with = run(true, 1.0);
    const Result without = run(false, 1.0);
    CHECK(with.late == 0);
    CHECK(with.all <= 1);      // the ramp's onset, before the fit sees it
    CHECK(with.worst < 0.25);
    // The default margin (smaller): still only the onset, short by what the margin lacks.
    const double m = AcmConfig{}.margin_db;
    const Result dflt = run(true, m);
    CHECK(dflt.late == 0);
    CHECK(dflt.all <= 1);
    CHECK(dflt.worst < 0.25 + (1.0 - m));
    CHECK(without.late > 10);  // without prediction the 1 dB margin covers only 1.3 dB/s
    CHECK(without.worst > 1.0);
    CHECK(with.first_reason == AcmReason::PredictedFade);
    CHECK(without.first_reason == AcmReason::Fade);
    CHECK(with.first_down_at > without.first_down_at); // left the top rung earlier
}

TEST_CASE("ACM: prediction uses the fitted slope and never predicts a rise", "[acm]")
{
    Link link(inner());
    for (int i = 0; i < 12; ++i)
        link.send(10.0 - 0.5 * i * 0.25); // -0.5 dB/s
    CHECK(link.c.state().slope_db_per_s == Approx(-0.5).epsilon(1e-6));
    CHECK(link.c.state().predicted_esn0_db ==
          Approx(link.c.state().reported_esn0_db - 0.5 * (0.5 + 0.25)).epsilon(1e-6));
    for (int i = 0; i < 12; ++i)
        link.send(10.0 + 1.0 * i * 0.25); // rising
    CHECK(link.c.state().slope_db_per_s > 0.5);
    CHECK(link.c.state().predicted_esn0_db == link.c.state().reported_esn0_db);
}

TEST_CASE("ACM outer loop: errors raise the margin fast, good frames lower it slowly", "[acm]")
{
    AcmConfig cfg; // outer loop on, target FER 1e-4, step 0.5 dB
    Link link(cfg);
    link.settle(20.0, 2.0);
    const double base = cfg.margin_db;
    CHECK(link.c.state().trim_db <= 0.0);
    const double t0 = link.c.state().trim_db;
    link.send(20.0, 100, 1);
    CHECK(link.c.state().trim_db == Approx(t0 + 0.5 - 0.5 * 1e-4 / (1 - 1e-4) * 100).margin(1e-9));
    const double t1 = link.c.state().trim_db;
    link.send(20.0, 0, 5); // five errors: capped at 1 dB per report
    CHECK(link.c.state().trim_db == Approx(t1 + 1.0).margin(1e-9));
    for (int i = 0; i < 10; ++i)
        link.send(20.0, 0, 10);
    CHECK(link.c.state().trim_db == Approx(cfg.trim_max_db));
    CHECK(link.c.state().margin_db == Approx(base + cfg.trim_max_db));

    // Down: at most 0.05 dB/s however many good frames.
    for (int i = 0; i < 40; ++i) // 10 s
        link.send(20.0, 100000, 0);
    CHECK(link.c.state().trim_db == Approx(cfg.trim_max_db - 0.5).margin(1e-6));
    for (int i = 0; i < 4 * 200; ++i) // 200 s
        link.send(20.0, 100000, 0);
    CHECK(link.c.state().trim_db == Approx(cfg.trim_min_db));

    // At the target FER (1 error in 10^4 frames, caps not binding) it stays put.
    AcmConfig eq;
    eq.trim_min_db = -3.0;
    Link steady(eq);
    steady.send(20.0, 0, 1); // +0.5 dB, away from the bounds
    const double start = steady.c.state().trim_db;
    for (int cycle = 0; cycle < 3; ++cycle) {
        for (int i = 0; i < 100; ++i)
            steady.send(20.0, 100, 0);
        steady.send(20.0, 0, 1);
    }
    CHECK(steady.c.state().trim_db == Approx(start).margin(0.01));
}

TEST_CASE("ACM outer loop: a raised margin steps down, errors in an outage do not raise it", "[acm]")
{
    AcmConfig cfg;
    Link link(cfg);
    const size_t k = rung_of(link.c, 12);
    link.settle(link.need(k) + 0.3, 30.0);
    REQUIRE(link.rung() == k);
    link.send(link.c.state().reported_esn0_db, 50, 2); // +1 dB margin: k no longer fits
    CHECK(link.rung() < k);
    CHECK(link.c.state().decision.reason == AcmReason::Fade);

    Link outage(cfg);
    const double before = outage.c.state().trim_db;
    outage.send(-6.0, 0, 50); // below QPSK 1/4's need: nothing a margin can fix
    CHECK(outage.c.state().trim_db == before);

    AcmConfig off;
    off.outer_loop = false;
    Link no_olla(off);
    no_olla.send(10.0, 0, 50);
    CHECK(no_olla.c.state().trim_db == 0.0);
}

TEST_CASE("ACM: exclusions and the allowed range are never left", "[acm]")
{
    AcmConfig cfg = inner();
    cfg.excluded_modulations = { Modulation::APSK32 };
    cfg.excluded_modcods = { 18 };
    cfg.min_modcod = 2;
    Link link(cfg);
    int highest = 0;
    while (link.t < 60 * kS) {
        link.send(link.t < 40 * kS ? 30.0 : 30.0 - double(link.t - 40 * kS) / kS);
        const auto& f = link.c.state().decision.format;
        CHECK(f.modcod.mod != Modulation::APSK32);
        CHECK(modcod_number(f.modcod) != 18);
        CHECK(modcod_number(f.modcod) >= 2);
        highest = std::max(highest, modcod_number(f.modcod));
    }
    CHECK(highest == 23); // it did climb, to 16APSK 9/10
    CHECK(link.c.ladder().back().modcod_number == 23);
}

TEST_CASE("ACM fallback: reports stop for the timeout", "[acm]")
{
    Link link(inner());
    link.settle(30.0, 8.0);
    const size_t climbed = link.rung();
    REQUIRE(climbed >= 5);
    const int64_t last = link.t - link.interval;
    CHECK(link.c.decide(last + 999 * kMs).format == link.c.ladder()[climbed].format);
    CHECK_FALSE(link.c.state().fallback);
    const auto& d = link.c.decide(last + kS);
    CHECK(d.format == link.c.ladder()[0].format);
    CHECK(d.reason == AcmReason::ReportTimeout);
    CHECK(link.c.state().fallback);
    CHECK(link.c.state().fallbacks == 1);
    link.c.decide(last + 5 * kS);
    CHECK(link.c.state().fallbacks == 1);

    // Reports resume: up again after the hold (to the top at once: every report of the
    // hold sustains it).
    link.t = last + 6 * kS;
    link.send(30.0);
    CHECK(link.rung() == 0);
    for (int i = 0; i < 3; ++i) { // 0.25 .. 0.75 s
        link.send(30.0);
        CHECK(link.rung() == 0);
    }
    link.send(30.0); // 1.0 s
    CHECK(link.rung() == link.c.ladder().size() - 1);

    // A configured fallback above the rung in force: no climb on a timeout.
    AcmConfig high = inner();
    high.fallback_modcod = 7; // QPSK 3/4
    Link deep(high);
    deep.send(-5.0);
    REQUIRE(deep.rung() == 0);
    CHECK(deep.c.decide(deep.t + 2 * kS).format == deep.c.ladder()[0].format);
    CHECK(deep.c.state().decision.reason == AcmReason::ReportTimeout);
}

TEST_CASE("ACM fallback: the far end reports no lock", "[acm]")
{
    AcmConfig cfg = inner();
    cfg.fallback_modcod = 4; // QPSK 1/2
    Link link(cfg);
    link.settle(30.0, 10.0);
    REQUIRE(link.rung() > rung_of(link.c, 4));
    link.send(30.0, 0, 0, false);
    CHECK(link.c.state().decision.format.modcod == ModCod{ Modulation::QPSK, CodeRate::R1_2 });
    CHECK(link.c.state().decision.reason == AcmReason::FarEndUnlocked);
    CHECK(link.c.state().fallback);
    link.send(30.0, 0, 0, false);
    CHECK(link.c.state().fallbacks == 1);
    // Locked again: a full hold before the first step up.
    for (int i = 0; i < 4; ++i) {
        link.send(30.0);
        CHECK(link.rung() == rung_of(link.c, 4));
    }
    link.send(30.0);
    CHECK(link.rung() > rung_of(link.c, 4));
    CHECK(link.c.state().decision.reason == AcmReason::StepUp);
}

TEST_CASE("ACM: never climbs while reports are lost (30 % dropped, then all)", "[acm]")
{
    auto run = [](double drop) {
        AcmConfig cfg = inner();
        cfg.max_step_up_rungs = 1; // so that 3 s leave it a few rungs up, still climbing
        Link link(cfg);
        link.settle(30.0, 3.0);
        const size_t start = link.rung();
        size_t highest = start;
        std::mt19937 rng(3);
        while (link.t < 63 * kS) {
            if (uniform(rng) < drop)
                link.lose();
            else
                link.send(30.0);
            highest = std::max(highest, link.rung());
        }
        for (int i = 0; i < 40; ++i) { // all lost for 10 s
            link.lose();
            highest = std::max(highest, link.rung());
        }
        CHECK(link.rung() == 0);
        CHECK(link.c.state().decision.reason == AcmReason::ReportTimeout);
        return std::make_pair(highest - start, link.c.state().reports_lost);
    };
    const auto lossy = run(0.3);
    CHECK(lossy.first == 0);
    CHECK(lossy.second > 40); // ~30 % of 240 reports
    const auto clean = run(0.0); // the same run without loss climbs all the way
    CHECK(clean.first > 5);
}

TEST_CASE("ACM reports: duplicates, reordering, gaps, wrap, restart, wrong link", "[acm]")
{
    Link link(inner());
    link.seq = 0xFFFFFFF8u;
    link.settle(30.0, 3.0);
    const size_t r = link.rung();
    const auto accepted = link.c.state().reports_accepted;

    // A duplicate and an older report (a deep fade, reordered) change nothing.
    const uint32_t last = link.seq - 1;
    LinkReport dup = link.report(30.0, 10, 0, true);
    dup.sequence = last;
    CHECK(link.c.on_report(dup, link.t) == ReportOutcome::Duplicate);
    LinkReport old = link.report(-5.0, 10, 0, true);
    old.sequence = last - 3;
    CHECK(link.c.on_report(old, link.t) == ReportOutcome::Stale);
    CHECK(link.rung() == r);
    CHECK(link.c.state().reports_accepted == accepted);
    CHECK(link.c.state().reports_duplicate == 1);
    CHECK(link.c.state().reports_stale == 1);

    // The sequence number wraps (it started at 0xFFFFFFF0) without a loss counted.
    CHECK(link.seq < 100);
    CHECK(link.c.state().reports_lost == 0);

    // A gap of three.
    link.seq += 3;
    CHECK(link.send(30.0) == ReportOutcome::Accepted);
    CHECK(link.c.state().reports_lost == 3);
    CHECK(link.c.state().report_loss > 0.1);

    // Another link's report.
    LinkReport other = link.report(-5.0, 10, 0, true);
    other.link_id = 9;
    CHECK(link.c.on_report(other, link.t) == ReportOutcome::WrongLink);
    CHECK(link.c.state().reports_wrong_link == 1);

    // The far end restarts (sequence from 0, its clock too) after a silence: taken.
    link.t += 2 * link.c.config().report_timeout_s * kS;
    link.c.decide(link.t);
    link.seq = 0;
    LinkReport fresh = link.report(30.0, 10, 0, true);
    fresh.timestamp_ns = 5;
    CHECK(link.c.on_report(fresh, link.t) == ReportOutcome::Accepted);
    CHECK(link.c.state().sequence_resyncs == 1);
}

TEST_CASE("ACM: a report without an Es/N0 estimate changes nothing", "[acm]")
{
    Link link(inner());
    link.settle(30.0, 3.0);
    const size_t r = link.rung();
    for (int i = 0; i < 20; ++i) {
        LinkReport rep = link.report(30.0, 10, 0, true);
        rep.esn0_valid = false;
        CHECK(link.c.on_report(rep, link.t) == ReportOutcome::Accepted);
        link.c.decide(link.t);
        ++link.seq;
        link.t += link.interval;
        CHECK(link.rung() == r);
        CHECK(link.c.state().decision.reason == AcmReason::NoEstimate);
    }
}

TEST_CASE("ACM: the loop delay is measured from the far end's echo of the MODCOD", "[acm]")
{
    // Forward 270 ms, return 230 ms; the far end reports every 250 ms, at 100 ms past.
    AcmConfig cfg = inner();
    cfg.loop_delay_s = 2.0; // a wrong guess the measurement replaces
    AcmController c(cfg, table13());
    std::vector<std::pair<int64_t, int>> sent; // (time, MODCOD number) of each decision
    uint32_t seq = 0;
    for (int64_t t_far = 100 * kMs; t_far < 20 * kS; t_far += 250 * kMs) {
        int decoded = 0; // what the far end decoded last: our choice 270 ms ago
        for (const auto& [t, n] : sent)
            if (t + 270 * kMs <= t_far)
                decoded = n;
        LinkReport r;
        r.sequence = seq++;
        r.timestamp_ns = static_cast<uint64_t>(t_far);
        r.locked = r.esn0_valid = true;
        r.esn0_db = 30.0;
        r.last_modcod = static_cast<uint8_t>(decoded);
        const int64_t arrival = t_far + 230 * kMs;
        c.on_report(r, arrival);
        sent.emplace_back(arrival, modcod_number(c.decide(arrival).format.modcod));
    }
    REQUIRE(c.state().loop_delay_measured);
    // A change at a report's arrival is seen by the far end's report after next-but-one:
    // loop 0.5 s rounded up to the report grid.
    CHECK(c.state().loop_delay_s >= 0.5);
    CHECK(c.state().loop_delay_s <= 0.75 + 1e-9);
}

TEST_CASE("ACM state: time per MODCOD adds up, reasons carry text", "[acm]")
{
    Link link(inner());
    link.c.decide(0);
    link.settle(30.0, 40.0);
    link.c.decide(link.t);
    int64_t sum = 0;
    for (auto ns : link.c.state().ns_per_modcod)
        sum += ns;
    CHECK(sum == link.t);
    CHECK(link.c.state().ns_per_modcod[1] >= kS); // QPSK 1/4 for a hold at least
    CHECK(link.c.state().ns_per_modcod[0] == 0);
    CHECK_FALSE(link.c.state().decision.text.empty());
    CHECK(std::string(to_string(link.c.state().decision.reason)) == "steady");
}

TEST_CASE("ACM: reconfigure keeps the history and moves off a MODCOD no longer allowed", "[acm]")
{
    Link link(inner());
    link.settle(30.0, 60.0);
    REQUIRE(link.c.state().decision.format.modcod.mod == Modulation::APSK32);
    const auto changes = link.c.state().changes;
    AcmConfig cfg = inner();
    cfg.excluded_modulations = { Modulation::APSK32 };
    link.c.reconfigure(cfg, table13(), link.t);
    const auto& d = link.c.state().decision;
    CHECK(d.reason == AcmReason::Reconfigured);
    CHECK(d.format.modcod == ModCod{ Modulation::APSK16, CodeRate::R9_10 });
    CHECK(link.c.state().changes == changes + 1);
    CHECK(link.c.state().reports_accepted > 0);
    // Still accepting the next sequence number (history kept).
    CHECK(link.send(30.0) == ReportOutcome::Accepted);
}

TEST_CASE("ACM outer loop: errors the inner loop explains do not raise the margin", "[acm]")
{
    AcmConfig cfg; // outer loop on
    auto report_at = [](Link& link, double esn0, uint32_t failed, const FrameFormat& sent) {
        LinkReport r = link.report(esn0, 100, failed, true);
        r.set_last_format(sent);
        link.c.on_report(r, link.t);
        link.c.decide(link.t);
        ++link.seq;
        link.t += link.interval;
    };
    Link link(cfg);
    const size_t k = rung_of(link.c, 13); // 8PSK 2/3
    link.settle(link.need(k) + 0.5, 30.0);
    REQUIRE(link.rung() == k);
    const FrameFormat at_k = link.c.ladder()[k].format;
    const double trim0 = link.c.state().trim_db;

    // A fast fade: the first report already below k's need, carrying errors at k.
    const double faded = link.c.ladder()[k].threshold_db - 1.0;
    report_at(link, faded, 5, at_k);
    REQUIRE(link.rung() < k); // the inner loop went down
    CHECK(link.c.state().trim_db <= trim0);
    // The loop delay's worth of frames still sent at k fail too: k has been left.
    const double recovered = link.c.ladder()[k].threshold_db + cfg.margin_db + 0.2;
    report_at(link, recovered, 5, at_k);
    CHECK(link.c.state().trim_db <= trim0);
    CHECK(link.c.state().failures_explained == 2);

    // A report whose newest frame is already of the new rung still carries older frames of
    // the rung left: within a loop delay and an interval of the step down, not counted.
    AcmConfig no_prediction = cfg; // the drop's slope would take it further down
    no_prediction.predict_fades = false;
    Link sudden(no_prediction);
    sudden.settle(sudden.need(k) + 0.5, 30.0);
    REQUIRE(sudden.rung() == k);
    const double trim1 = sudden.c.state().trim_db;
    report_at(sudden, faded, 0, at_k); // the drop: down at once
    const size_t low = sudden.rung();
    REQUIRE(low < k);
    const FrameFormat at_low = sudden.c.ladder()[low].format;
    const double above_low = sudden.c.ladder()[low].threshold_db + cfg.margin_db + 0.3;
    report_at(sudden, above_low, 4, at_low); // 250 ms later: inside 0.5 + 0.25 s
    CHECK(sudden.c.state().trim_db <= trim1);
    CHECK(sudden.c.state().failures_explained == 1);
    for (int i = 0; i < 4; ++i) // 1 s later, no errors
        report_at(sudden, above_low, 0, at_low);
    report_at(sudden, above_low, 1, at_low); // now an error at the rung in force counts
    REQUIRE(sudden.rung() == low);
    CHECK(sudden.c.state().trim_db > trim1 + 0.4);

    // Errors at the rung in force while the report says it is sustainable: the margin is
    // too small (thresholds or estimator off) — counted.
    Link biased(cfg);
    biased.settle(biased.need(k) + 0.5, 30.0);
    REQUIRE(biased.rung() == k);
    const double before = biased.c.state().trim_db;
    report_at(biased, biased.need(k) + 0.5, 1, biased.c.ladder()[k].format);
    CHECK(biased.c.state().trim_db > before + 0.4);
    CHECK(biased.c.state().failures_explained == 0);
}

TEST_CASE("ACM: adaptive hysteresis follows the reports' stated variance", "[acm]")
{
    // Reports stating a 0.05 dB sigma: the hysteresis drops to its 0.2 dB floor, so a rung
    // whose need is cleared by 0.25 dB is climbed; with the fixed 0.4 dB it is not.
    auto climbs_with = [](bool adaptive, double var) {
        AcmConfig cfg = inner();
        cfg.adaptive_hysteresis = adaptive;
        Link link(cfg);
        const double level = link.c.ladder()[1].threshold_db + cfg.margin_db + 0.25;
        REQUIRE(level < link.c.ladder()[2].threshold_db + cfg.margin_db); // rung 1 at most
        for (int i = 0; i < 40; ++i) { // 10 s
            LinkReport r = link.report(level, 100, 0, true);
            r.esn0_var_db2 = var;
            link.c.on_report(r, link.t);
            link.c.decide(link.t);
            ++link.seq;
            link.t += link.interval;
        }
        return std::make_pair(link.rung(), link.c.state().hysteresis_db);
    };
    const auto quiet = climbs_with(true, 0.05 * 0.05);
    CHECK(quiet.first == 1);
    CHECK(quiet.second == Approx(0.2));
    const auto fixed = climbs_with(false, 0.05 * 0.05);
    CHECK(fixed.first == 0);
    CHECK(fixed.second == Approx(0.4));
    // Noisy reports (sigma 1 dB): capped at hysteresis_db, no climb.
    const auto noisy = climbs_with(true, 1.0);
    CHECK(noisy.first == 0);
    CHECK(noisy.second == Approx(0.4));
    // In between: 2 sigma.
    const auto mid = climbs_with(true, 0.15 * 0.15);
    CHECK(mid.second == Approx(0.3).margin(1e-9));
    CHECK(mid.first == 0); // 0.25 < 0.3

    // A hysteresis below the floor stays what it was set to.
    AcmConfig low;
    low.hysteresis_db = 0.1;
    Link small(low);
    LinkReport r = small.report(10.0, 100, 0, true);
    r.esn0_var_db2 = 1.0;
    small.c.on_report(r, small.t);
    CHECK(small.c.state().hysteresis_db == Approx(0.1));
    AcmConfig bad;
    bad.hysteresis_min_db = -0.1;
    CHECK_THROWS_AS(AcmController(bad, table13()), ConfigError);
}

TEST_CASE("ACM: a step up climbs as many rungs as the whole hold sustained", "[acm]")
{
    // From the fallback at 30 dB: one hold, then straight to the top.
    Link link(inner());
    REQUIRE(link.rung() == 0);
    const size_t top = link.c.ladder().size() - 1;
    int64_t first_up = -1;
    std::string step_text;
    while (link.t < 10 * kS) {
        link.send(30.0);
        if (first_up < 0 && link.rung() > 0) {
            first_up = link.t - link.interval;
            step_text = link.c.state().decision.text;
        }
    }
    CHECK(first_up == kS); // the report at 1.0 s, after the 1 s hold
    CHECK(link.rung() == top);
    CHECK(link.c.state().step_ups == 1);
    CHECK(step_text.find("step up " + std::to_string(top) + " rungs") != std::string::npos);

    // The lowest report of the hold decides, not the latest: three reports clear rung k + 3
    // (with the 0.4 dB fixed hysteresis), one only rung k + 1, the last clears the top.
    AcmConfig cfg = inner();
    cfg.adaptive_hysteresis = false;
    Link dip(cfg);
    const size_t k = rung_of(dip.c, 12); // 8PSK 3/5
    dip.settle(dip.need(k) + 0.45, 10.0);
    REQUIRE(dip.rung() == k);
    const double h = 0.4;
    const double up3 = dip.need(k + 3) + h + 0.01, up1 = dip.need(k + 1) + h + 0.01;
    REQUIRE(up1 < dip.need(k + 2) + h);
    REQUIRE(up3 < dip.need(k + 4) + h);
    dip.send(up3); // the hold starts
    dip.send(up1);
    dip.send(up3);
    dip.send(up3);
    CHECK(dip.rung() == k);
    CHECK(dip.c.state().decision.reason == AcmReason::StepUpPending);
    dip.send(30.0); // 1.0 s
    CHECK(dip.c.state().decision.reason == AcmReason::StepUp);
    CHECK(dip.rung() == k + 1);

    // Same hold without the dip: three rungs at once.
    Link even(cfg);
    even.settle(even.need(k) + 0.45, 10.0);
    REQUIRE(even.rung() == k);
    for (int i = 0; i < 4; ++i)
        even.send(up3);
    CHECK(even.rung() == k);
    even.send(30.0);
    CHECK(even.rung() == k + 3);

    // max_step_up_rungs caps it.
    AcmConfig two = cfg;
    two.max_step_up_rungs = 2;
    Link capped(two);
    capped.settle(capped.need(k) + 0.45, 10.0);
    REQUIRE(capped.rung() == k);
    for (int i = 0; i < 5; ++i)
        capped.send(up3);
    CHECK(capped.rung() == k + 2);

    AcmConfig bad = inner();
    bad.max_step_up_rungs = 0;
    CHECK_THROWS_AS(AcmController(bad, table13()), ConfigError);
}

TEST_CASE("ACM: multi-rung steps up still never climb while reports are lost", "[acm]")
{
    // Settled mid-ladder, then the channel clears to 30 dB while 30 % of the reports are
    // lost: no step at all; with every report in, one step to the top.
    auto run = [](double drop) {
        Link link(inner());
        const size_t k = rung_of(link.c, 12); // 8PSK 3/5
        link.settle(link.need(k) + 0.45, 20.0);
        REQUIRE(link.rung() == k);
        std::mt19937 rng(7);
        size_t highest = k;
        while (link.t < 80 * kS) {
            if (uniform(rng) < drop)
                link.lose();
            else
                link.send(30.0);
            highest = std::max(highest, link.rung());
        }
        return highest - k;
    };
    CHECK(run(0.3) == 0);
    Link probe(inner());
    CHECK(run(0.0) == probe.c.ladder().size() - 1 - rung_of(probe.c, 12));
}
