// SPDX-License-Identifier: GPL-3.0-or-later
// IdlePolicy::SealedFill (TRANSEC, constant rate): an idle protected transmitter sends data
// frames of the format in force with an empty, sealed BBFRAME instead of dummy PLFRAMEs;
// the receiver opens them, delivers nothing and counts them as fill.
#include "../protect/protect_test_util.h"
#include "rx_link.h"

#include <catch2/catch.hpp>
#include <dualsat/core/error.h>
#include <dualsat/protect/frame_protection.h>
#include <dualsat/protect/keyed_pl.h>

#include <cstdint>

using namespace dualsat;
using namespace protect_test;
using namespace rx_link;

namespace {

constexpr uint16_t kLink = 9;
constexpr int64_t kNow = (5 * 3600 + 10) * kNs;
constexpr uint64_t kPeriod = kDefaultKeyedPlPeriod;
const FrameFormat kFormat = fmt(Modulation::QPSK, CodeRate::R1_2, FrameSize::Short, true);

struct FillTx {
    ScratchDir dir;
    std::shared_ptr<FrameSealer> sealer;
    std::unique_ptr<Transmitter> tx;
    cvec symbols;
    std::vector<PlFrameInfo> frames;
    uint32_t packets = 0; // pushed
};

void make_tx(FillTx& p)
{
    const auto keys = test_schedule();
    const KeyedPlSequences seq = make_keyed_pl(*keys, 3, kLink, LinkDirection::Forward, kPeriod);
    FrameSealerConfig sc;
    sc.link_id = kLink;
    sc.nonce_state_path = p.dir.file("nonce");
    sc.clock = [] { return kNow; };
    p.sealer = std::make_shared<FrameSealer>(keys, sc);
    TransmitterConfig tc = tx_config();
    tc.format = kFormat;
    tc.idle = IdlePolicy::SealedFill;
    p.tx = std::make_unique<Transmitter>(tc, TransmitterParts{ seq.header, seq.scrambling, p.sealer });
}

// One PLFRAME after pushing `push` numbered TS packets.
void send(FillTx& p, uint32_t push)
{
    uint8_t pkt[kTs];
    for (uint32_t i = 0; i < push; ++i) {
        make_packet(p.packets++, pkt);
        REQUIRE(p.tx->push_ts(pkt, kTs) == kTs);
    }
    cvec buf(kMaxPlframeSymbols);
    PlFrameInfo info;
    const size_t n = p.tx->next_plframe(buf.data(), info);
    REQUIRE(n > 0);
    p.frames.push_back(info);
    p.symbols.insert(p.symbols.end(), buf.begin(), buf.begin() + static_cast<long>(n));
}

std::shared_ptr<FrameOpener> opener(uint8_t key = 0)
{
    FrameOpenerConfig oc;
    oc.link_id = kLink;
    oc.clock = [] { return kNow; };
    return std::make_shared<FrameOpener>(test_schedule(key), oc);
}

ReceiverConfig protected_rx(const Link& link, std::shared_ptr<BbFrameOpener> o)
{
    const auto keys = test_schedule();
    const KeyedPlSequences seq = make_keyed_pl(*keys, 3, kLink, LinkDirection::Forward, kPeriod);
    ReceiverConfig c = rx_config(link);
    c.parts.pl_header = seq.header;
    c.parts.pl_scrambling = seq.scrambling;
    c.parts.bbframe_opener = std::move(o);
    return c;
}

} // namespace

TEST_CASE("SealedFill needs a BbFrameTransform or keyed PL scrambling", "[protect][transmitter]")
{
    TransmitterConfig tc = tx_config();
    tc.idle = IdlePolicy::SealedFill;
    CHECK_THROWS_AS(Transmitter(tc), ConfigError);
    // TRANSEC alone hides the empty field too: accepted, and idle frames are fill.
    const auto keys = test_schedule();
    const KeyedPlSequences seq = make_keyed_pl(*keys, 3, kLink, LinkDirection::Forward, kPeriod);
    tc.format = kFormat;
    Transmitter tx(tc, TransmitterParts{ seq.header, seq.scrambling, nullptr });
    cvec buf(kMaxPlframeSymbols);
    PlFrameInfo info;
    CHECK(tx.next_plframe(buf.data(), info) == static_cast<size_t>(kFormat.plframe_symbols()));
    CHECK(info.fill);
    CHECK_FALSE(info.dummy);
    CHECK(info.dfl == 0);
}

TEST_CASE("SealedFill: an idle protected transmitter sends only sealed data frames of its format, "
          "the receiver opens them all and delivers nothing",
          "[protect][transmitter][receiver]")
{
    FillTx p;
    make_tx(p);
    const int kFrames = 14;
    for (int i = 0; i < kFrames; ++i)
        send(p, 0);
    for (const PlFrameInfo& info : p.frames) {
        CHECK_FALSE(info.dummy);
        CHECK(info.fill);
        CHECK_FALSE(info.padded);
        CHECK(info.format == kFormat);
        CHECK(info.symbols == kFormat.plframe_symbols()); // every frame the same length
        // As sent: the whole field, as for any sealed frame (frame_protection.h, version 2).
        CHECK(info.dfl == static_cast<size_t>(kFormat.code().kbch - 80));
        CHECK(info.packets == 0);
    }
    const TransmitterStats ts = p.tx->stats();
    CHECK(ts.frames == kFrames);
    CHECK(ts.dummy_frames == 0);
    CHECK(ts.fill_frames == kFrames);
    CHECK(ts.padded_frames == 0);
    CHECK(p.sealer->stats().frames == kFrames);

    Link link;
    link.phase_noise = false;
    const cvec in = shape_and_impair(p.symbols, link);
    auto o = opener();
    Receiver rx(protected_rx(link, o));
    ReceiverOutput out;
    run(rx, in, out);
    const ReceiverStatus st = rx.status();
    CHECK(out.data.ts.empty());
    CHECK(st.ts_packets == 0);
    // Locked within the first period (+1 for the search), then every frame but the last
    // (no next SOF to confirm it) decoded.
    CHECK(st.frames >= static_cast<uint64_t>(kFrames) - kPeriod - 2);
    CHECK(st.frames_ok == st.frames);
    CHECK(st.fill_frames == st.frames_ok);
    CHECK(st.dummy_frames == 0);
    CHECK(st.open_failures == 0);
    CHECK(st.bad_headers == 0);
    CHECK(o->counters().opened == st.frames_ok);
    CHECK(o->counters().dropped() == 0);
    for (const ReceiverFrameStats& f : out.frames) {
        CHECK(f.fec.fill);
        CHECK(f.fec.packets_out == 0);
    }

    // A wrong COMSEC key: the frames are found and decoded, each one refused, none is fill.
    auto wrong = opener(0x5a);
    Receiver rx2(protected_rx(link, wrong));
    ReceiverOutput out2;
    run(rx2, in, out2);
    CHECK(rx2.status().frames == st.frames);
    CHECK(rx2.status().open_failures == rx2.status().frames);
    CHECK(rx2.status().fill_frames == 0);
    CHECK(wrong->counters().unknown_key == rx2.status().frames);
}

TEST_CASE("SealedFill with traffic: idle, bursts, idle again, packets exact and in order",
          "[protect][transmitter][receiver]")
{
    FillTx p;
    make_tx(p);
    // A short QPSK 1/2 frame holds (7032 - 80 - 256) / 8 / 188 = 4.45 packets.
    const std::vector<uint32_t> pushes = { 0, 0, 0, 0, 0, 0, 9, 0, 3, 0, 0, 12, 0, 0, 1, 0, 0, 0, 0 };
    for (uint32_t n : pushes)
        send(p, n);
    size_t fill = 0, carrying = 0;
    for (const PlFrameInfo& info : p.frames) {
        CHECK_FALSE(info.dummy);
        CHECK(info.symbols == kFormat.plframe_symbols());
        fill += info.fill;
        carrying += info.packets > 0;
        CHECK(info.dfl == static_cast<size_t>(kFormat.code().kbch - 80)); // fill or not
        if (info.fill)
            CHECK(info.packets == 0);
    }
    CHECK(carrying >= 5);
    CHECK(fill >= 10);
    CHECK(p.tx->stats().dummy_frames == 0);

    Link link;
    const cvec in = shape_and_impair(p.symbols, link);
    auto o = opener();
    Receiver rx(protected_rx(link, o));
    ReceiverOutput out;
    run(rx, in, out);
    const ReceiverStatus st = rx.status();
    // Locked on fill frames before the first burst: nothing of the traffic is missed.
    REQUIRE(!out.data.ts.empty());
    CHECK(check_contiguous(out.data.ts) == 0);
    // All but the last packet: its CRC-8 travels in the next packet's sync byte, which
    // fill frames do not bring (the TS deframer holds it, TsCrcErrorPolicy).
    CHECK(out.data.ts.size() / kTs + 1 >= p.packets);
    CHECK(st.frames_ok == st.frames);
    CHECK(st.fill_frames >= fill - kPeriod - 2);
    CHECK(st.fill_frames < st.frames_ok);
    CHECK(st.open_failures == 0);
    CHECK(o->counters().opened == st.frames_ok);
}
