// SPDX-License-Identifier: GPL-3.0-or-later
// The transmitter's worker pool: for any number of workers and frames in flight, the
// pipelined transmitter (start_plframe / finish_plframe) produces exactly the bytes the
// inline one (workers = 1, next_plframe) produces, over a VCM schedule with format changes
// between frames, dummy and padded frames, a BBFRAME transform and per-frame PL scrambling
// sequences (thread-safe fill() or not). Plus: destruction with frames in flight, failures
// of an encoding thread, misuse.
#include "vcm_schedule.h"

#include <catch2/catch.hpp>
#include <dualsat/core/error.h>
#include <dualsat/pl/pl_framer.h>
#include <dualsat/tx/transmitter.h>
#include <dualsat/framing/ts_adaptation.h>

#include <atomic>
#include <chrono>
#include <complex>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

using namespace dualsat;

namespace {

using Bytes = std::vector<uint8_t>;
using Symbols = std::vector<std::complex<float>>;

uint64_t splitmix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// A keyed-looking sequence: R(i) a function of (frame counter, i). With `concurrent`, it
// offers the thread-safe fill() (into the scratch buffer); rn() works either way.
class KeyedScrambling final : public PlScramblingSequence
{
public:
    explicit KeyedScrambling(bool concurrent) : m_concurrent(concurrent) {}
    const uint8_t* rn(uint64_t fc, int length) override
    {
        m_buf.resize(static_cast<size_t>(length));
        generate(fc, length, m_buf.data());
        return m_buf.data();
    }
    bool concurrent_fill() const override { return m_concurrent; }
    const uint8_t* fill(uint64_t fc, int length, uint8_t* scratch) const override
    {
        // Runs on the encoding threads: no Catch assertions here (not thread-safe).
        if (!m_concurrent)
            throw Error("fill() called on a sequence without concurrent_fill()");
        generate(fc, length, scratch);
        return scratch;
    }

private:
    static void generate(uint64_t fc, int length, uint8_t* out)
    {
        uint64_t state = splitmix(fc * 7 + 3);
        for (int i = 0; i < length; ++i) {
            state = splitmix(state);
            out[i] = static_cast<uint8_t>(state >> 62);
        }
    }
    bool m_concurrent;
    std::vector<uint8_t> m_buf;
};

class KeyedHeader final : public PlHeaderSequence
{
public:
    uint32_t sof_bits(uint64_t fc) const override { return splitmix(fc) & 0x3FFFFFFu; }
    uint64_t plsc_mask(uint64_t fc) const override { return splitmix(fc + 1000); }
};

// Appends a 16-byte tag that depends on the frame counter, and records on which thread
// and in which order it was called.
class CounterTag final : public BbFrameTransform
{
public:
    size_t data_field_overhead_bits(const FrameFormat&) const override { return 128; }
    void apply(const FrameFormat&, uint64_t fc, BbHeader& header, uint8_t* field,
               size_t) override
    {
        counters.push_back(fc);
        threads.push_back(std::this_thread::get_id());
        for (int i = 0; i < 16; ++i)
            field[header.dfl / 8 + static_cast<size_t>(i)] = static_cast<uint8_t>(splitmix(fc + static_cast<uint64_t>(i)));
        header.dfl = static_cast<uint16_t>(header.dfl + 128);
    }
    std::vector<uint64_t> counters;
    std::vector<std::thread::id> threads;
};

struct Produced {
    Symbols symbols; // all frames back to back
    std::vector<PlFrameInfo> infos;
};

enum class Parts { Standard, KeyedSerial, KeyedConcurrent };

TransmitterParts make_parts(Parts p, std::shared_ptr<CounterTag> tag)
{
    TransmitterParts parts;
    parts.bbframe_transform = std::move(tag);
    if (p != Parts::Standard) {
        parts.pl_header = std::make_shared<KeyedHeader>();
        parts.pl_scrambling = std::make_shared<KeyedScrambling>(p == Parts::KeyedConcurrent);
    }
    return parts;
}

// Drives a transmitter through a fixed script: at each step, maybe a format change, maybe
// some TS input (sometimes none: padded and dummy frames), then one frame. workers == 1 uses
// next_plframe(); otherwise start_plframe() into a ring of buffers, finishing the oldest
// frame only when the pipeline is full.
Produced drive(int workers, size_t in_flight, Parts p, bool with_tag, size_t steps)
{
    const auto schedule = dualsat_test::vcm_schedule();
    TransmitterConfig cfg;
    cfg.format = schedule[0];
    cfg.ccm = false;
    cfg.gold_code = 12345;
    cfg.idle = IdlePolicy::Dummy;
    cfg.workers = workers;
    cfg.max_frames_in_flight = in_flight;
    auto tag = with_tag ? std::make_shared<CounterTag>() : nullptr;
    Transmitter tx(cfg, make_parts(p, tag));
    REQUIRE(tx.workers() == std::max(workers, 1));

    std::mt19937 rng(99);
    Bytes ts(kTsPacketBytes * 600);
    for (auto& b : ts)
        b = static_cast<uint8_t>(rng());
    for (size_t i = 0; i < ts.size(); i += kTsPacketBytes)
        ts[i] = kTsSyncByte;

    Produced result;
    std::vector<Symbols> ring(tx.max_frames_in_flight(), Symbols(Transmitter::kMaxFrameSymbols));
    std::vector<std::complex<float>*> started_into;
    size_t finished = 0;
    const auto collect = [&] {
        PlFrameInfo info;
        const size_t n = tx.finish_plframe(info);
        REQUIRE(n == static_cast<size_t>(info.symbols));
        const std::complex<float>* frame = started_into[finished++];
        result.symbols.insert(result.symbols.end(), frame, frame + n);
        result.infos.push_back(info);
    };

    std::mt19937 script(7); // the same script for every transmitter
    size_t offered = 0;
    for (size_t step = 0; step < steps; ++step) {
        if (script() % 3 == 0)
            tx.set_next_format(schedule[script() % schedule.size()]);
        // Input: none (a dummy frame when the queue is empty), a few packets (a padded
        // frame) or plenty.
        const unsigned kind = script() % 3;
        const size_t want = kind == 0 ? 0 : kind == 1 ? 3 * kTsPacketBytes + 17 : 4000;
        const size_t n = std::min(want, ts.size() - offered);
        offered += tx.push_ts(ts.data() + offered, n);
        if (offered == ts.size())
            offered = 0;

        if (workers == 1) {
            Symbols& out = ring[0];
            PlFrameInfo info;
            const size_t len = tx.next_plframe(out.data(), info);
            REQUIRE(len > 0);
            result.symbols.insert(result.symbols.end(), out.begin(), out.begin() + static_cast<long>(len));
            result.infos.push_back(info);
            continue;
        }
        if (tx.frames_in_flight() == tx.max_frames_in_flight())
            collect();
        std::complex<float>* out = ring[started_into.size() % ring.size()].data();
        // A room one symbol short of the frame starts nothing and consumes nothing.
        const FrameFormat f = tx.next_format();
        const size_t need = tx.data_ready() ? static_cast<size_t>(f.plframe_symbols())
                                            : static_cast<size_t>(kDummyFrameSymbols);
        REQUIRE(tx.start_plframe(out, need - 1) == 0);
        REQUIRE(tx.start_plframe(out, Transmitter::kMaxFrameSymbols) == need);
        started_into.push_back(out);
        REQUIRE(tx.frames_in_flight() <= tx.max_frames_in_flight());
    }
    while (tx.frames_in_flight() > 0)
        collect();
    PlFrameInfo none;
    CHECK(tx.finish_plframe(none) == 0);

    if (tag) {
        // The transform ran once per data frame, in frame-counter order, on this thread.
        uint64_t last = 0;
        for (size_t i = 0; i < tag->counters.size(); ++i) {
            if (i > 0)
                CHECK(tag->counters[i] > last);
            last = tag->counters[i];
            CHECK(tag->threads[i] == std::this_thread::get_id());
        }
    }
    return result;
}

void require_identical(const Produced& a, const Produced& b)
{
    REQUIRE(a.infos.size() == b.infos.size());
    for (size_t i = 0; i < a.infos.size(); ++i) {
        const PlFrameInfo& x = a.infos[i];
        const PlFrameInfo& y = b.infos[i];
        INFO("frame " << i);
        REQUIRE(x.frame_counter == i);
        REQUIRE(y.frame_counter == i);
        CHECK(x.format == y.format);
        CHECK(x.dummy == y.dummy);
        CHECK(x.padded == y.padded);
        CHECK(x.symbols == y.symbols);
        CHECK(x.dfl == y.dfl);
        CHECK(x.packets == y.packets);
    }
    REQUIRE(a.symbols.size() == b.symbols.size());
    REQUIRE(std::memcmp(a.symbols.data(), b.symbols.data(), a.symbols.size() * sizeof(a.symbols[0])) == 0);
}

} // namespace

TEST_CASE("pooled transmitter: byte-identical to inline for any workers and frames in flight",
          "[transmitter][transmitter_pool]")
{
    constexpr size_t kSteps = 60;
    for (Parts p : { Parts::Standard, Parts::KeyedSerial, Parts::KeyedConcurrent }) {
        for (bool with_tag : { false, true }) {
            if (with_tag && p == Parts::KeyedSerial)
                continue;
            const Produced reference = drive(1, 0, p, with_tag, kSteps);
            // The script really covers what it should.
            size_t dummies = 0, padded = 0, changes = 0;
            for (size_t i = 0; i < reference.infos.size(); ++i) {
                dummies += reference.infos[i].dummy;
                padded += reference.infos[i].padded;
                changes += i > 0 && !reference.infos[i].dummy &&
                           reference.infos[i].format != reference.infos[i - 1].format;
            }
            INFO("dummies " << dummies << " padded " << padded << " changes " << changes);
            REQUIRE(dummies >= 3);
            REQUIRE(padded >= 3);
            REQUIRE(changes >= 10);
            struct Pool {
                int workers;
                size_t in_flight;
            };
            for (const Pool& pool : { Pool{ 2, 0 }, Pool{ 2, 1 }, Pool{ 3, 0 }, Pool{ 4, 3 }, Pool{ 3, 16 } }) {
                INFO("parts " << static_cast<int>(p) << " tag " << with_tag << " workers "
                              << pool.workers << " in flight " << pool.in_flight);
                require_identical(reference, drive(pool.workers, pool.in_flight, p, with_tag, kSteps));
            }
        }
    }
}

TEST_CASE("pooled transmitter: a format change takes effect at the next frame started",
          "[transmitter][transmitter_pool]")
{
    TransmitterConfig cfg;
    cfg.workers = 2;
    cfg.max_frames_in_flight = 4;
    cfg.idle = IdlePolicy::Dummy; // no input at all: dummy frames would not show formats
    cfg.input = TxInputMode::Gse;
    Transmitter tx(cfg);
    std::vector<Symbols> ring(4, Symbols(Transmitter::kMaxFrameSymbols));
    const FrameFormat a{ { Modulation::PSK8, CodeRate::R2_3 }, FrameSize::Short, false };
    const FrameFormat b{ { Modulation::QPSK, CodeRate::R1_2 }, FrameSize::Normal, true };
    Bytes pdu(3000, 0x45);
    for (int i = 0; i < 20; ++i)
        REQUIRE(tx.push_pdu(pdu.data(), pdu.size(), 0x0800) == PushStatus::Accepted);
    std::vector<FrameFormat> expected;
    for (int i = 0; i < 4; ++i) {
        const FrameFormat& f = i % 2 ? b : a;
        tx.set_next_format(f);
        REQUIRE(tx.start_plframe(ring[static_cast<size_t>(i)].data(), Transmitter::kMaxFrameSymbols) ==
                static_cast<size_t>(f.plframe_symbols()));
        expected.push_back(f);
    }
    tx.set_next_format(b); // in force for frames started from now on only
    REQUIRE(tx.start_plframe(ring[0].data(), Transmitter::kMaxFrameSymbols) == 0); // pipeline full
    PlDeframer deframer(cfg.gold_code);
    for (int i = 0; i < 4; ++i) {
        PlFrameInfo info;
        REQUIRE(tx.finish_plframe(info) > 0);
        CHECK(info.format == expected[static_cast<size_t>(i)]);
        FrameFormat decoded;
        REQUIRE(interpret_pls(deframer.decode_header(ring[static_cast<size_t>(i)].data(), info.frame_counter).code,
                              &decoded) == PlsStatus::Valid);
        CHECK(decoded == expected[static_cast<size_t>(i)]);
    }
    PlFrameInfo info;
    CHECK(tx.next_plframe(ring[0].data(), info) == static_cast<size_t>(b.plframe_symbols()));
    CHECK(info.format == b);
    CHECK(info.frame_counter == 4);
}

namespace {

// Slow thread-safe fill: keeps frames in flight long enough to destroy the transmitter
// under them. Fails on request.
class SlowScrambling final : public PlScramblingSequence
{
public:
    explicit SlowScrambling(std::chrono::milliseconds delay, uint64_t fail_frame = ~0ull)
        : m_delay(delay), m_fail_frame(fail_frame), m_gold(0)
    {
    }
    const uint8_t* rn(uint64_t fc, int length) override { return m_gold.rn(fc, length); }
    bool concurrent_fill() const override { return true; }
    const uint8_t* fill(uint64_t fc, int length, uint8_t* scratch) const override
    {
        calls.fetch_add(1);
        std::this_thread::sleep_for(m_delay);
        if (fc == m_fail_frame)
            throw Error("key schedule unavailable");
        return m_gold.fill(fc, length, scratch);
    }
    mutable std::atomic<int> calls{ 0 };

private:
    std::chrono::milliseconds m_delay;
    uint64_t m_fail_frame;
    GoldScrambling m_gold;
};

} // namespace

TEST_CASE("pooled transmitter: destroyed with frames in flight, no hang and no leak",
          "[transmitter][transmitter_pool]")
{
    for (int workers : { 2, 4 }) {
        auto seq = std::make_shared<SlowScrambling>(std::chrono::milliseconds(100));
        std::vector<Symbols> ring(8, Symbols(Transmitter::kMaxFrameSymbols));
        {
            TransmitterConfig cfg;
            cfg.workers = workers;
            cfg.max_frames_in_flight = 8;
            TransmitterParts parts;
            parts.pl_scrambling = seq;
            Transmitter tx(cfg, parts); // idle Dummy: dummy frames, no input needed
            for (size_t i = 0; i < 8; ++i)
                REQUIRE(tx.start_plframe(ring[i].data(), Transmitter::kMaxFrameSymbols) ==
                        static_cast<size_t>(kDummyFrameSymbols));
            CHECK(tx.frames_in_flight() == 8);
            // Let the workers pick some up, then destroy it all.
            while (seq->calls.load() == 0)
                std::this_thread::yield();
        } // ~Transmitter: completes the frames being encoded, drops the rest, joins
        // Each worker thread completes the frame it holds (the caller never helps here);
        // the frames nobody had claimed are dropped, not encoded.
        CHECK(seq->calls.load() >= 1);
        CHECK(seq->calls.load() < 8);
    }
    // And a transmitter destroyed without ever producing, with its threads asleep.
    TransmitterConfig cfg;
    cfg.workers = 3;
    { Transmitter idle(cfg); }
}

TEST_CASE("pooled transmitter: a failing encoding thread loses that frame only, misuse",
          "[transmitter][transmitter_pool]")
{
    auto seq = std::make_shared<SlowScrambling>(std::chrono::milliseconds(0), 2);
    TransmitterConfig cfg;
    cfg.workers = 2;
    cfg.max_frames_in_flight = 4;
    TransmitterParts parts;
    parts.pl_scrambling = seq;
    Transmitter tx(cfg, parts);
    std::vector<Symbols> ring(4, Symbols(Transmitter::kMaxFrameSymbols));
    for (size_t i = 0; i < 4; ++i)
        REQUIRE(tx.start_plframe(ring[i].data(), Transmitter::kMaxFrameSymbols) > 0);
    PlFrameInfo info;
    CHECK_THROWS_AS(tx.next_plframe(ring[0].data(), info), ConfigError); // frames in flight
    CHECK(tx.finish_plframe(info) > 0);
    CHECK(tx.finish_plframe(info) > 0);
    CHECK_THROWS_AS(tx.finish_plframe(info), Error);
    CHECK(info.frame_counter == 2);
    REQUIRE(tx.finish_plframe(info) > 0);
    CHECK(info.frame_counter == 3);
    // Frame 3 is whole and right: a dummy frame of Gold code 0.
    PlFramer reference(0);
    reference.set_frame_counter(3);
    Symbols expect(static_cast<size_t>(kDummyFrameSymbols));
    reference.dummy_frame(expect.data());
    CHECK(std::memcmp(expect.data(), ring[3].data(), expect.size() * sizeof(expect[0])) == 0);
    CHECK(tx.frames_in_flight() == 0);
    CHECK(tx.next_plframe(ring[0].data(), info) > 0); // usable again

    CHECK_THROWS_AS(tx.start_plframe(nullptr, 100000), ConfigError);
    TransmitterConfig bad;
    bad.workers = -2;
    CHECK_THROWS_AS(Transmitter(bad), ConfigError);
    bad.workers = 1000;
    CHECK_THROWS_AS(Transmitter(bad), ConfigError);
    bad.workers = 2;
    bad.max_frames_in_flight = 100000;
    CHECK_THROWS_AS(Transmitter(bad), ConfigError);
    // A sequence without a thread-safe fill() refuses it.
    class SerialOnly final : public PlScramblingSequence
    {
    public:
        const uint8_t* rn(uint64_t, int) override { return nullptr; }
    } serial;
    uint8_t scratch[4];
    CHECK_THROWS_AS(serial.fill(0, 4, scratch), ConfigError);
    CHECK_FALSE(serial.concurrent_fill());
    CHECK(GoldScrambling(5).concurrent_fill());
}
