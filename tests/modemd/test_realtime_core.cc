// SPDX-License-Identifier: GPL-3.0-or-later
// Unit tests of dualsat-modemd's real-time accounting (realtime.h): the rate window, the
// UHD overflow / underflow counting fed with what gr-uhd 3.10 emits (synthetic rx_time tags
// and async message contents; no hardware), the verdict and the warning rate limit.
#include "realtime.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

using namespace modemd;
using std::chrono::milliseconds;

namespace {

RtClock::time_point at(double s)
{
    return RtClock::time_point() + std::chrono::duration_cast<RtClock::duration>(std::chrono::duration<double>(s));
}

RtDirectionSample direction(uint64_t items, double rate, Pacing pacing, std::optional<double> fill = 0.0,
                            uint64_t losses = 0)
{
    RtDirectionSample d;
    d.items = items;
    d.nominal_rate = rate;
    d.pacing = pacing;
    d.edge_fill = fill;
    d.losses = losses;
    return d;
}

} // namespace

TEST_CASE("rate window: rate over the last seconds, none before half a window", "[modemd][realtime]")
{
    RateWindow w(4.0);
    w.add(at(0), 0);
    w.add(at(1), 1000);
    CHECK_FALSE(w.rate()); // 1 s of a 4 s window
    w.add(at(2), 2000);
    REQUIRE(w.rate());
    CHECK(*w.rate() == Approx(1000.0));
    // The rate changes; after a whole window only the new one counts.
    for (int t = 3; t <= 8; ++t)
        w.add(at(t), 2000 + static_cast<uint64_t>(t - 2) * 500);
    CHECK(*w.rate() == Approx(500.0));
    CHECK(w.span_s() == Approx(4.0));
    CHECK(w.increase() == 2000);
}

TEST_CASE("uhd overflow counter: rx_time tags after a gap count, the start and retunes do not",
          "[modemd][realtime][uhd]")
{
    const double fs = 1e6;
    UhdOverflowCounter c(fs);
    // Stream start: usrp_source tags sample 0 with the device time.
    c.on_time_tag(0, 5.25);
    CHECK(c.counts().gaps == 0);
    // A retune re-tags, at the time the samples account for: no gap.
    c.on_time_tag(250000, 5.5);
    CHECK(c.counts().gaps == 0);
    // An overflow: the next sample received is 1000 samples (1 ms) later than expected.
    c.on_time_tag(500000, 5.75 + 0.001);
    CHECK(c.counts().gaps == 1);
    CHECK(c.counts().samples_lost == 1000);
    // A second one, 37 samples lost; the reference moved to the last tag.
    c.on_time_tag(600000, 5.751 + 0.1 + 37 / fs);
    CHECK(c.counts().gaps == 2);
    CHECK(c.counts().samples_lost == 1037);
    // Jitter below half a sample is not a gap.
    c.on_time_tag(700000, 5.851 + 37 / fs + 0.1 + 0.4 / fs);
    CHECK(c.counts().gaps == 2);
    // The device time set back (set_time_now): a new reference, not a gap.
    c.on_time_tag(800000, 0.0);
    c.on_time_tag(900000, 0.1);
    CHECK(c.counts().gaps == 2);
    CHECK(c.counts().time_tags == 7);
    // UHD's own count (async_msgs "overflows", late): the total is the larger of the two.
    c.on_overflow_report(1);
    CHECK(c.counts().overflows() == 2);
    c.on_overflow_report(4);
    CHECK(c.counts().overflows_reported == 5);
    CHECK(c.counts().overflows() == 5);
}

TEST_CASE("uhd async counter: underflows, sequence and time errors from usrp_sink's event codes",
          "[modemd][realtime][uhd]")
{
    UhdAsyncCounter c;
    c.on_events({ "underflow" });
    c.on_events({ "underflow_in_packet", "seq_error" });
    c.on_events({ "burst_ack" });
    c.on_events({ "time_error", "seq_error_in_burst" });
    c.on_events({});
    const UhdTxCounts n = c.counts();
    CHECK(n.underflows == 2);
    CHECK(n.sequence_errors == 2);
    CHECK(n.time_errors == 1);
    CHECK(n.messages == 5);
}

TEST_CASE("realtime judge: ok at real time, behind below it with the cause, overflowing on losses",
          "[modemd][realtime]")
{
    const double fs = 2e5;
    SECTION("starting until half a window, then ok at real time")
    {
        RealtimeJudge j(4.0);
        auto v = j.update(at(0), direction(0, fs, Pacing::Throttle), std::nullopt);
        CHECK(v.state == RtState::Starting);
        v = j.update(at(1), direction(200000, fs, Pacing::Throttle), std::nullopt);
        CHECK(v.state == RtState::Starting);
        v = j.update(at(2), direction(400000, fs, Pacing::Throttle), std::nullopt);
        CHECK(v.state == RtState::Ok);
        REQUIRE(v.rx);
        CHECK(*v.rx->ratio == Approx(1.0));
        CHECK_FALSE(v.tx);
    }
    SECTION("an RX peer sending at half the rate: behind, limited by the input")
    {
        RealtimeJudge j(4.0);
        RtVerdict v;
        for (int t = 0; t <= 4; ++t)
            v = j.update(at(t), direction(static_cast<uint64_t>(t) * 100000, fs, Pacing::Peer, 0.01), std::nullopt);
        CHECK(v.state == RtState::Behind);
        CHECK(*v.rx->ratio == Approx(0.5));
        CHECK(v.rx->limited_by == "input");
        CHECK(v.reason.find("peer sends too slowly") != std::string::npos);
    }
    SECTION("a receiver whose input queue is full: behind, limited by processing, busiest stage named")
    {
        RealtimeJudge j(4.0);
        RtVerdict v;
        for (int t = 0; t <= 4; ++t)
            v = j.update(at(t), direction(static_cast<uint64_t>(t) * 20000, fs, Pacing::Throttle, 0.9),
                         direction(static_cast<uint64_t>(t) * 20000, fs, Pacing::Throttle, 0.95), "rx_cb (1.00 cores)");
        CHECK(v.state == RtState::Behind);
        CHECK(v.rx->limited_by == "processing");
        CHECK(v.tx->limited_by == "output");
        CHECK(v.reason.find("busiest stage rx_cb") != std::string::npos);
    }
    SECTION("unpaced replay: the ratio is the capacity; below 1 it is behind")
    {
        RealtimeJudge j(2.0);
        RtVerdict v;
        for (int t = 0; t <= 2; ++t)
            v = j.update(at(t), direction(static_cast<uint64_t>(t) * 600000, fs, Pacing::None, std::nullopt),
                         std::nullopt);
        CHECK(v.state == RtState::Ok);
        CHECK(*v.rx->ratio == Approx(3.0));
        RealtimeJudge slow(2.0);
        for (int t = 0; t <= 2; ++t)
            v = slow.update(at(t), direction(static_cast<uint64_t>(t) * 100000, fs, Pacing::None, std::nullopt),
                            std::nullopt);
        CHECK(v.state == RtState::Behind);
        CHECK(v.rx->limited_by == "processing");
    }
    SECTION("losses in the window: overflowing, and ok again once the window has none")
    {
        RealtimeJudge j(2.0);
        RtVerdict v;
        uint64_t losses = 0;
        for (int t = 0; t <= 6; ++t) {
            if (t == 3)
                losses = 3;
            v = j.update(at(t), direction(static_cast<uint64_t>(t) * 200000, fs, Pacing::Device, 0.0, losses),
                         direction(static_cast<uint64_t>(t) * 200000, fs, Pacing::Device, 0.0, 0));
            if (t >= 3 && t <= 4) {
                CHECK(v.state == RtState::Overflowing);
                CHECK(v.rx->losses_in_window == 3);
                CHECK(v.reason.find("3 overflows") != std::string::npos);
            }
        }
        CHECK(v.state == RtState::Ok);
    }
    SECTION("a stalled stream is not judged (it is a fault of its own)")
    {
        RealtimeJudge j(2.0);
        RtVerdict v;
        for (int t = 0; t <= 3; ++t) {
            auto d = direction(0, fs, Pacing::Peer, 0.0);
            d.stalled = t >= 2;
            v = j.update(at(t), d, std::nullopt);
        }
        CHECK(v.state == RtState::Ok);
    }
}

TEST_CASE("warn limiter: the first warning at once, then one per interval, recovery once", "[modemd][realtime]")
{
    WarnLimiter w(30.0);
    CHECK(w.warn(at(0)));
    CHECK_FALSE(w.warn(at(1)));
    CHECK_FALSE(w.warn(at(29)));
    CHECK(w.warn(at(30.5)));
    CHECK(w.suppressed() == 2);
    CHECK(w.recovered());
    CHECK_FALSE(w.recovered());
}

TEST_CASE("thread CPU: this process's threads by name, never more than the process", "[modemd][realtime]")
{
    std::atomic<bool> stop{ false };
    std::thread busy([&] {
        volatile double x = 0;
        while (!stop)
            x = x + 1;
    });
    std::this_thread::sleep_for(milliseconds(50));
    const auto threads = read_thread_cpu();
    const double process = process_cpu_seconds();
    stop = true;
    busy.join();
    REQUIRE(threads.size() >= 2);
    double sum = 0;
    for (const auto& t : threads)
        sum += t.cpu_s;
    CHECK(sum > 0);
    CHECK(sum <= process + 1e-6);
}

TEST_CASE("GNU Radio thread names: name and id, cut to 16 keeping the id, as the kernel keeps 15",
          "[modemd][realtime]")
{
    CHECK(gr_block_thread_name("rx_cb", 16) == "rx_cb16");
    CHECK(gr_block_thread_name("pulse_shaper_cc", 12) == "pulse_shaper_c1");
    CHECK(gr_block_thread_name("multiply_const_cc", 6) == "multiply_const_");
    CHECK(gr_block_thread_name("multiply_const_cc", 13) == "multiply_const1");
    CHECK(gr_block_thread_name("tx_monitor", 11) == "tx_monitor11");
}
