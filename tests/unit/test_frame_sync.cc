// SPDX-License-Identifier: GPL-3.0-or-later
// FrameSync on its own: PlFramer-made VCM streams (with dummy frames) through the channel
// emulator at symbol rate; acquisition with a carrier offset on clean and noisy streams,
// the PLSC decided right, no lock on noise, the flywheel and the loss of lock on a gap,
// the carrier recovery's frequency taken over while locked.
#include <catch2/catch.hpp>
#include <dualsat/channel/channel_emulator.h>
#include <dualsat/core/constants.h>
#include <dualsat/core/error.h>
#include <dualsat/mapping/constellation.h>
#include <dualsat/pl/pl_framer.h>
#include <dualsat/rx/frame_sync.h>

#include <cmath>
#include <complex>
#include <vector>

using namespace dualsat;
using cf = std::complex<float>;
using cvec = std::vector<cf>;

namespace {

FrameFormat fmt(Modulation m, CodeRate r, FrameSize s, bool pilots) { return { { m, r }, s, pilots }; }

struct TxFrame {
    uint64_t start;
    bool dummy;
    FrameFormat format;
};

struct Stream {
    cvec symbols;
    std::vector<TxFrame> frames;
};

// The formats in turn (`true` marks a dummy frame), random data.
Stream make_stream(const std::vector<std::pair<bool, FrameFormat>>& pattern, int count, uint64_t seed)
{
    PlFramer framer(0);
    Rng rng(seed);
    Stream s;
    cvec buf(kMaxPlframeSymbols), data;
    for (int k = 0; k < count; ++k) {
        const auto& [dummy, f] = pattern[static_cast<size_t>(k) % pattern.size()];
        s.frames.push_back({ s.symbols.size(), dummy, f });
        int n;
        if (dummy) {
            n = framer.dummy_frame(buf.data());
        } else {
            Constellation con(f.modcod);
            data.resize(static_cast<size_t>(f.data_symbols()));
            for (auto& d : data)
                d = con.point(static_cast<unsigned>(rng.next() % static_cast<uint64_t>(con.size())));
            n = framer.frame(f, data.data(), buf.data());
        }
        s.symbols.insert(s.symbols.end(), buf.begin(), buf.begin() + n);
    }
    return s;
}

const std::vector<std::pair<bool, FrameFormat>> kVcm = {
    { false, fmt(Modulation::QPSK, CodeRate::R1_2, FrameSize::Short, true) },
    { false, fmt(Modulation::PSK8, CodeRate::R3_5, FrameSize::Short, true) },
    { true, FrameFormat{} },
    { false, fmt(Modulation::APSK16, CodeRate::R3_4, FrameSize::Short, true) },
    { false, fmt(Modulation::APSK32, CodeRate::R4_5, FrameSize::Short, true) },
    { false, fmt(Modulation::QPSK, CodeRate::R1_4, FrameSize::Normal, true) },
};

cvec channel(const cvec& in, double esn0_db, double cfo_cycles_per_symbol, uint64_t seed)
{
    ChannelConfig c;
    c.esn0_db = esn0_db;
    c.frequency_offset_hz = cfo_cycles_per_symbol; // sample rate 1: cycles per symbol
    c.initial_phase_rad = 1.0;
    c.seed = seed;
    ChannelEmulator ch(c);
    cvec out;
    ch.process(in, out);
    return out;
}

// A delivered frame, with the first symbols it pointed to (valid only until the next push).
struct Got {
    SyncedFrame frame;
    cvec head; // its first 90 + 36 symbols
};

std::vector<Got> run(FrameSync& sync, const cvec& in, size_t chunk)
{
    std::vector<Got> got;
    SyncedFrame f;
    for (size_t k = 0; k < in.size(); k += chunk) {
        sync.push(in.data() + k, std::min(chunk, in.size() - k));
        while (sync.next_frame(&f)) {
            REQUIRE(f.symbols != nullptr);
            got.push_back({ f, cvec(f.symbols, f.symbols + kPlHeaderSymbols + 36) });
        }
    }
    return got;
}

// Every frame delivered is the transmitted one at its position, with its PLSC, in order
// and without gaps; returns the index of the first.
size_t check_frames(const Stream& tx, const std::vector<Got>& got, uint64_t offset = 0)
{
    REQUIRE(!got.empty());
    size_t t = 0;
    while (t < tx.frames.size() && tx.frames[t].start + offset != got[0].frame.start)
        ++t;
    REQUIRE(t < tx.frames.size());
    const size_t first = t;
    for (const Got& g : got) {
        const SyncedFrame& f = g.frame;
        INFO("tx frame " << t);
        REQUIRE(t < tx.frames.size());
        CHECK(f.start == tx.frames[t].start + offset);
        CHECK(f.dummy == tx.frames[t].dummy);
        CHECK(f.header_confirmed);
        const PlsCode code = tx.frames[t].dummy ? dummy_pls_code() : pls_code(tx.frames[t].format);
        CHECK(f.plsc.usable);
        CHECK(f.plsc.code == code);
        if (!f.dummy) {
            CHECK(f.format == tx.frames[t].format);
            CHECK(f.length == tx.frames[t].format.plframe_symbols());
        } else {
            CHECK(f.length == kDummyFrameSymbols);
        }
        if (&g != &got.front())
            CHECK(f.frame_counter == (&g - 1)->frame.frame_counter + 1);
        ++t;
    }
    // Everything after the first delivered frame, bar the last one or two whose end or next
    // header is not in the stream.
    CHECK(tx.frames.size() - t <= 2);
    return first;
}

} // namespace

TEST_CASE("FrameSync: clean VCM stream with a 5 % Rs carrier offset", "[frame_sync]")
{
    const Stream tx = make_stream(kVcm, 14, 1);
    const double cfo = 0.05; // cycles/symbol
    const cvec rx = channel(tx.symbols, 1.0 / 0.0, cfo, 2);
    FrameSync sync;
    const std::vector<Got> got = run(sync, rx, 4000);
    CHECK(check_frames(tx, got) == 0); // the very first header is found
    CHECK(sync.state() == SyncState::Locked);
    const FrameSyncStats& s = sync.stats();
    CHECK(s.acquisitions == 1);
    CHECK(s.lock_losses == 0);
    CHECK(s.missed_headers == 0);
    CHECK(s.frames_out == got.size());
    CHECK(s.dummy_frames >= 2);
    CHECK(s.symbols_in == rx.size());
    for (const Got& g : got) {
        const SyncedFrame& f = g.frame;
        INFO("frame at " << f.start);
        CHECK(f.frequency == Approx(kTwoPi * cfo).margin(2e-4));
        // The header phase: the channel's phase at the frame's first symbol.
        const double truth = 1.0 + kTwoPi * cfo * static_cast<double>(f.start);
        CHECK(std::fabs(std::remainder(f.header_phase - truth, kTwoPi)) < 0.05);
        CHECK(f.plsc.correlation > 0.99f);
        // The symbols handed out are the stream's.
        for (size_t k = 0; k < g.head.size(); ++k)
            REQUIRE(g.head[k] == rx[static_cast<size_t>(f.start) + k]);
    }
}

TEST_CASE("FrameSync: noisy streams with a carrier offset, PLSC decided right", "[frame_sync]")
{
    struct Case {
        double esn0, cfo;
        bool pilots;
    };
    for (const Case c : { Case{ 0.0, 0.031, true }, Case{ -2.0, -0.08, true }, Case{ 3.0, 0.02, false } }) {
        INFO("Es/N0 " << c.esn0 << " dB, CFO " << c.cfo << " Rs, pilots " << c.pilots);
        std::vector<std::pair<bool, FrameFormat>> pattern = {
            { false, fmt(Modulation::QPSK, CodeRate::R1_4, FrameSize::Short, c.pilots) },
            { false, fmt(Modulation::QPSK, CodeRate::R1_2, FrameSize::Normal, c.pilots) },
            { true, FrameFormat{} },
            { false, fmt(Modulation::PSK8, CodeRate::R3_5, FrameSize::Short, c.pilots) },
        };
        const Stream tx = make_stream(pattern, 16, 3);
        const cvec rx = channel(tx.symbols, c.esn0, c.cfo, 4);
        FrameSync sync;
        const std::vector<Got> got = run(sync, rx, 7919);
        CHECK(check_frames(tx, got) <= 3);
        CHECK(sync.stats().acquisitions == 1);
        CHECK(sync.stats().lock_losses == 0);
        CHECK(sync.stats().missed_headers == 0);
        // The synchroniser's own estimate (the carrier recovery refines it): a running
        // mean of per-header estimates from the SOF and, with pilots, the first two pilot
        // blocks. Measured: up to ~6e-3 rad/symbol off on the first frames at -2 dB, a few
        // 1e-3 after tens of frames; within half the PLSC decoder's 0.02 rad/symbol step.
        for (const Got& g : got)
            CHECK(g.frame.frequency == Approx(kTwoPi * c.cfo).margin(0.01));
    }
}

TEST_CASE("FrameSync: no lock on noise or on headerless symbols", "[frame_sync]")
{
    // Half a million symbols of noise, then as many random QPSK symbols (what a stream
    // looks like between headers): candidates may open hypotheses, none may lock.
    Rng rng(5);
    cvec noise(500000);
    for (auto& v : noise)
        v = rng.complex_gaussian(1.0);
    Constellation qpsk({ Modulation::QPSK, CodeRate::R1_2 });
    cvec data(500000);
    for (auto& v : data)
        v = qpsk.point(static_cast<unsigned>(rng.next() & 3)) + rng.complex_gaussian(0.1);
    for (const cvec* in : { &noise, &data }) {
        FrameSync sync;
        const std::vector<Got> got = run(sync, *in, 10000);
        CHECK(got.empty());
        CHECK(sync.state() == SyncState::Searching);
        CHECK(sync.stats().acquisitions == 0);
        CHECK(sync.stats().frames_out == 0);
        CHECK(sync.stats().false_detections <= sync.stats().hypotheses_opened);
    }
}

TEST_CASE("FrameSync: a gap loses the lock after the flywheel frames, then re-acquires",
          "[frame_sync]")
{
    const Stream a = make_stream(kVcm, 8, 6);
    const Stream b = make_stream(kVcm, 10, 7);
    cvec all = a.symbols;
    all.insert(all.end(), 60000, cf(0.0f, 0.0f)); // noise only, after the channel
    const uint64_t b_offset = all.size();
    all.insert(all.end(), b.symbols.begin(), b.symbols.end());
    const cvec rx = channel(all, 6.0, 0.02, 8);
    FrameSyncConfig cfg;
    FrameSync sync(0, cfg);
    const std::vector<Got> got = run(sync, rx, 5000);
    const FrameSyncStats& s = sync.stats();
    CHECK(s.lock_losses == 1);
    CHECK(s.acquisitions == 2);
    // The frame after a's last one, then max_missed_frames flywheel frames, fail their
    // header; the next failure loses the lock.
    CHECK(s.missed_headers == static_cast<uint64_t>(cfg.max_missed_frames) + 1);
    std::vector<Got> from_a, flywheel, from_b;
    for (const Got& g : got)
        (g.frame.start >= b_offset ? from_b : !g.frame.header_confirmed ? flywheel : from_a).push_back(g);
    CHECK(flywheel.size() == static_cast<size_t>(cfg.max_missed_frames));
    for (const Got& g : flywheel) // in the gap: a's last frame itself was confirmed
        CHECK(g.frame.start >= a.symbols.size());
    check_frames(a, from_a);
    REQUIRE(!from_b.empty());
    CHECK(check_frames(b, from_b, b_offset) <= 3);
    CHECK(sync.state() == SyncState::Locked);
}

TEST_CASE("FrameSync: the carrier recovery's frequency is used while locked, reset", "[frame_sync]")
{
    const Stream tx = make_stream(kVcm, 12, 9);
    const double cfo = -0.03;
    const cvec rx = channel(tx.symbols, 10.0, cfo, 10);
    FrameSync sync;
    SyncedFrame f;
    size_t k = 0, delivered = 0;
    const double tracked = kTwoPi * cfo + 1e-5;
    for (; k < rx.size() && delivered < 3; k += 3000) {
        sync.push(rx.data() + k, std::min<size_t>(3000, rx.size() - k));
        while (sync.next_frame(&f))
            ++delivered;
    }
    REQUIRE(sync.state() == SyncState::Locked);
    CHECK(sync.tracked_frequency() == Approx(kTwoPi * cfo).margin(1e-3));
    sync.set_tracked_frequency(tracked);
    sync.set_tracked_frequency(std::nan("")); // ignored
    CHECK(sync.tracked_frequency() == tracked);
    size_t after = 0;
    for (; k < rx.size(); k += 3000) {
        sync.push(rx.data() + k, std::min<size_t>(3000, rx.size() - k));
        while (sync.next_frame(&f)) {
            // Frames whose header was examined after the call carry the tracked value.
            if (++after >= 2)
                CHECK(f.frequency == tracked);
            CHECK(f.header_confirmed);
        }
    }
    CHECK(after >= 5);
    sync.reset();
    CHECK(sync.state() == SyncState::Searching);
    CHECK(sync.stats().acquisitions == 1); // stats kept
    CHECK_FALSE(sync.next_frame(&f));
    CHECK_THROWS_AS(sync.next_frame(nullptr), ConfigError);
}
