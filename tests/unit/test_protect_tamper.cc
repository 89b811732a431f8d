// SPDX-License-Identifier: GPL-3.0-or-later
// The opener under attack: forged, bit-flipped, replayed, stale-epoch, wrong-key and
// malformed frames (over 100 000 in all) straight into FrameOpener, no PHY. None may be
// accepted, and each must be counted under its own reason.
#include "../protect/protect_test_util.h"

#include <catch2/catch.hpp>
#include <dualsat/framing/bbframe.h>
#include <dualsat/framing/bbheader.h>
#include <dualsat/protect/frame_protection.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <utility>

using namespace dualsat;
using namespace protect_test;

namespace {

// Short QPSK 1/4: K_bch 3072, the shortest BBFRAME (384 bytes).
const FrameFormat kFormat{ { Modulation::QPSK, CodeRate::R1_4 }, FrameSize::Short, false };
constexpr size_t kFrameBytes = 3072 / 8;
constexpr uint16_t kLink = 9;
constexpr int64_t kMid = (7 * 3600 + 1800) * kNs; // middle of epoch 7

using Frame = std::vector<uint8_t>;

struct Source {
    ScratchDir dir;
    std::unique_ptr<FrameSealer> sealer;
    uint64_t seq = 0;
    // start: the first counter (a nonce state file saying "reserved start").
    Source(std::shared_ptr<KeySchedule> keys, int64_t clock, uint64_t start = 0,
           LinkDirection d = LinkDirection::Forward, uint16_t link = kLink)
    {
        if (start > 0) {
            std::ofstream f(dir.file("nonce"));
            f << "dualsat-nonce-state 1\nbinding " << nonce_binding(link, d) << "\nreserved " << start << "\n";
        }
        FrameSealerConfig c;
        c.link_id = link;
        c.direction = d;
        c.nonce_state_path = dir.file("nonce");
        c.clock = [clock] { return clock; };
        sealer = std::make_unique<FrameSealer>(std::move(keys), c);
    }
    // A TS BBFRAME with `bytes` payload bytes numbered by the frame, sealed.
    Frame next(size_t bytes = 300)
    {
        Frame f(kFrameBytes, 0);
        BbHeader h;
        h.stream_type = StreamType::Transport;
        h.upl = 188 * 8;
        h.sync = 0x47;
        h.dfl = static_cast<uint16_t>(bytes * 8);
        for (size_t i = 0; i < bytes; ++i)
            f[kBbHeaderBytes + i] = static_cast<uint8_t>(seq * 31 + i);
        ++seq;
        sealer->apply(kFormat, seq, h, f.data() + kBbHeaderBytes, kFrameBytes - kBbHeaderBytes);
        const auto hb = encode_bbheader(h);
        std::copy(hb.begin(), hb.end(), f.begin());
        return f;
    }
};

FrameOpenerConfig opener_config()
{
    FrameOpenerConfig c;
    c.link_id = kLink;
    c.clock = [] { return kMid; };
    return c;
}

} // namespace

TEST_CASE("FrameOpener: 100 000+ hostile frames, none accepted, each counted under its reason",
          "[protect]")
{
    const auto keys = test_schedule();
    FrameOpener opener(keys, opener_config());
    Source good(keys, kMid);
    std::mt19937_64 rng(2026);
    uint64_t accepted = 0, injected = 0;
    const auto inject = [&](Frame f, const FrameFormat& format = kFormat) {
        ++injected;
        accepted += opener.open(f.data(), f.size(), format, 0) != 0;
    };

    // The legitimate traffic: 1000 frames, all opened.
    std::vector<Frame> delivered;
    for (int i = 0; i < 1000; ++i) {
        delivered.push_back(good.next());
        Frame copy = delivered.back();
        REQUIRE(opener.open(copy.data(), copy.size(), kFormat, 0) == kFrameBytes - kProtectOverheadBytes);
    }
    REQUIRE(opener.counters().opened == 1000);

    // Replayed: every delivered frame 25 more times, in random order.
    for (int k = 0; k < 25000; ++k)
        inject(delivered[rng() % delivered.size()]);
    CHECK(opener.counters().replayed == 25000);

    // Bit-flipped: genuine frames never delivered, 1..3 bits flipped anywhere in the
    // BBHEADER (except its DFL), the counter's upper 48 bits (a changed counter stays
    // fresh), the ciphertext or the tag; and a genuine frame presented as another MODCOD
    // (the PLS byte is authenticated).
    std::vector<Frame> fresh;
    for (int i = 0; i < 25000; ++i)
        fresh.push_back(good.next());
    const size_t covered = kBbHeaderBytes + 16 + 300 + 16;
    for (int i = 0; i < 24000; ++i) {
        Frame f = fresh[static_cast<size_t>(i)];
        const int flips = 1 + static_cast<int>(rng() % 3);
        std::vector<std::pair<size_t, int>> done; // distinct bits: two flips must not cancel
        while (static_cast<int>(done.size()) < flips) {
            const size_t pos = rng() % covered;
            const int bit = static_cast<int>(rng() % 8);
            // DFL (bytes 4-5), version, key tag and epoch have their own counters below;
            // a flip in the counter's low 16 bits may make it one already accepted
            // (a replay, counted as such).
            if (pos == 4 || pos == 5 || (pos >= kBbHeaderBytes && pos < kBbHeaderBytes + 8) ||
                pos == kBbHeaderBytes + 14 || pos == kBbHeaderBytes + 15)
                continue;
            if (std::find(done.begin(), done.end(), std::make_pair(pos, bit)) != done.end())
                continue;
            done.emplace_back(pos, bit);
            f[pos] ^= static_cast<uint8_t>(1u << bit);
        }
        inject(f);
    }
    const FrameFormat other{ { Modulation::QPSK, CodeRate::R1_3 }, FrameSize::Short, false };
    const FrameFormat pilots{ { Modulation::QPSK, CodeRate::R1_4 }, FrameSize::Short, true };
    for (int i = 24000; i < 25000; ++i)
        inject(fresh[static_cast<size_t>(i)], i % 2 ? other : pilots);
    CHECK(opener.counters().auth_failed == 25000);

    // Forged: a well-formed clear header (right key tag, current epoch, fresh counters)
    // over random bytes.
    for (int i = 0; i < 20000; ++i) {
        Frame f = fresh[static_cast<size_t>(i)];
        uint8_t* ph = f.data() + kBbHeaderBytes;
        const uint64_t counter = 1000000 + static_cast<uint64_t>(i);
        for (int b = 0; b < 8; ++b)
            ph[8 + b] = static_cast<uint8_t>(counter >> (56 - 8 * b));
        for (size_t p = kBbHeaderBytes + 16; p < covered; ++p)
            f[p] = static_cast<uint8_t>(rng());
        inject(f);
    }
    CHECK(opener.counters().auth_failed == 45000);

    // Wrong key: another master key (same key id) -> another key tag. Its counters are
    // ones we never accepted, else the pasted-tag frames below would be replays first.
    Source stranger(test_schedule(0x5A), kMid, 5000000);
    std::vector<Frame> foreign;
    for (int i = 0; i < 500; ++i)
        foreign.push_back(stranger.next());
    for (int i = 0; i < 10000; ++i)
        inject(foreign[static_cast<size_t>(i) % foreign.size()]);
    CHECK(opener.counters().unknown_key == 10000);
    // ... and with our key tag pasted over theirs: authentication fails.
    const KeyTag ours = keys->key_tag();
    for (int i = 0; i < 5000; ++i) {
        Frame f = foreign[static_cast<size_t>(i) % foreign.size()];
        std::copy(ours.begin(), ours.end(), f.begin() + kBbHeaderBytes + 1);
        inject(f);
    }
    CHECK(opener.counters().auth_failed == 50000);

    // Stale epoch: frames sealed (with our key) at epochs 5 and 9, or relabelled to 6 / 8
    // outside the overlap.
    Source past(keys, (5 * 3600 + 10) * kNs), future(keys, (9 * 3600 + 10) * kNs);
    std::vector<Frame> stale;
    for (int i = 0; i < 250; ++i) {
        stale.push_back(past.next());
        stale.push_back(future.next());
    }
    for (int i = 0; i < 8000; ++i)
        inject(stale[static_cast<size_t>(i) % stale.size()]);
    for (int i = 0; i < 2000; ++i) {
        Frame f = fresh[static_cast<size_t>(i)];
        f[kBbHeaderBytes + 7] = i % 2 ? 6 : 8;
        inject(f);
    }
    CHECK(opener.counters().stale_epoch == 10000);

    // Malformed: short, DFL too small or beyond the field, unknown version, bad format.
    const FrameFormat undefined{ { Modulation::QPSK, CodeRate::R9_10 }, FrameSize::Short, false };
    for (int i = 0; i < 5000; ++i) {
        Frame f = fresh[static_cast<size_t>(i)];
        switch (i % 5) {
        case 0:
            f.resize(rng() % (kBbHeaderBytes + 33));
            break;
        case 1: { // DFL below the seal's overhead
            const unsigned dfl = static_cast<unsigned>(rng() % (kProtectOverheadBytes * 8));
            f[4] = static_cast<uint8_t>(dfl >> 8);
            f[5] = static_cast<uint8_t>(dfl);
            break;
        }
        case 2: { // DFL beyond the data field
            const unsigned dfl = static_cast<unsigned>((kFrameBytes - kBbHeaderBytes) * 8 + 1 + rng() % 1000);
            f[4] = static_cast<uint8_t>(dfl >> 8);
            f[5] = static_cast<uint8_t>(dfl);
            break;
        }
        case 3:
            f[kBbHeaderBytes] = static_cast<uint8_t>(3 + rng() % 255); // any version but 2
            break;
        default:
            inject(f, undefined);
            continue;
        }
        inject(f);
    }
    CHECK(opener.counters().malformed == 5000);

    const FrameOpenerCounters c = opener.counters();
    INFO("injected " << injected);
    CHECK(injected >= 100000);
    CHECK(accepted == 0);
    CHECK(c.opened == 1000);
    CHECK(c.dropped() == injected);

    // The window was never moved by what failed: untouched genuine frames still open,
    // and the hostile ones did not take their counters.
    for (size_t i = 24000; i < 24010; ++i) {
        Frame f = fresh[i];
        CHECK(opener.open(f.data(), f.size(), kFormat, 0) == kFrameBytes - kProtectOverheadBytes);
    }
    CHECK(opener.counters().opened == 1010);
}

TEST_CASE("FrameOpener: replay window per epoch, reordering inside it, overlap between epochs",
          "[protect]")
{
    const auto keys = test_schedule();
    // Sealer and opener at the end of epoch 7 (inside the 60 s overlap), then epoch 8.
    int64_t now = (8 * 3600 - 30) * kNs;
    FrameOpenerConfig oc = opener_config();
    oc.clock = [&now] { return now; };
    FrameOpener opener(keys, oc);
    Source tx7(keys, (8 * 3600 - 30) * kNs), tx8(keys, (8 * 3600 + 10) * kNs);
    std::vector<Frame> e7, e8;
    for (int i = 0; i < 1100; ++i)
        e7.push_back(tx7.next());
    for (int i = 0; i < 10; ++i)
        e8.push_back(tx8.next());
    const auto open = [&](Frame f) { return opener.open(f.data(), f.size(), kFormat, 0) != 0; };
    // Out of order within the window: fine, once each.
    CHECK(open(e7[1050]));
    CHECK(open(e7[100]));   // 950 behind: inside the 1024-frame window
    CHECK_FALSE(open(e7[100]));
    CHECK_FALSE(open(e7[10])); // 1040 behind: outside, refused
    CHECK(opener.counters().replayed == 2);
    // The next epoch's frames are accepted 30 s before its start, and this epoch's
    // after it for the overlap; each epoch has its own window.
    CHECK(open(e8[0]));
    now = (8 * 3600 + 30) * kNs;
    CHECK(open(e7[1051]));
    CHECK(open(e8[1]));
    CHECK_FALSE(open(e8[1]));
    now = (8 * 3600 + 61) * kNs;
    CHECK_FALSE(open(e7[1052]));
    CHECK(opener.counters().stale_epoch == 1);
    CHECK(open(e8[2]));
}

TEST_CASE("FrameSealer + FrameOpener: TS and GSE through BbFrameBuilder and BbFrameParser",
          "[protect]")
{
    const auto keys = test_schedule();
    struct Sink : BbFrameSink {
        std::vector<uint8_t> ts;
        std::vector<std::vector<uint8_t>> pdus;
        void ts_packets(const uint8_t* p, size_t n) override { ts.insert(ts.end(), p, p + n * 188); }
        void pdu(const GsePduView& v) override { pdus.emplace_back(v.data, v.data + v.size); }
    };
    for (BbFrameInput input : { BbFrameInput::TransportStream, BbFrameInput::Gse }) {
        ScratchDir dir;
        FrameSealerConfig sc;
        sc.link_id = kLink;
        sc.nonce_state_path = dir.file("n");
        sc.clock = [] { return kMid; };
        BbFrameBuilderConfig bc;
        bc.input = input;
        BbFrameBuilder builder(bc, std::make_shared<FrameSealer>(keys, sc));
        auto opener = std::make_shared<FrameOpener>(keys, opener_config());
        BbFrameParser parser({}, opener);
        Sink sink;
        const FrameFormat f{ { Modulation::PSK8, CodeRate::R3_5 }, FrameSize::Short, true };
        CHECK(builder.overhead_bits(f) == kProtectOverheadBytes * 8);
        std::vector<uint8_t> sent;
        std::vector<std::vector<uint8_t>> sent_pdus;
        uint8_t pkt[188];
        for (int n = 0; n < 200; ++n) {
            if (input == BbFrameInput::TransportStream) {
                pkt[0] = 0x47;
                for (int i = 1; i < 188; ++i)
                    pkt[i] = static_cast<uint8_t>(n * 13 + i);
                REQUIRE(builder.push_ts(pkt, 188) == 188);
                sent.insert(sent.end(), pkt, pkt + 188);
            } else {
                std::vector<uint8_t> pdu(40 + static_cast<size_t>(n * 7) % 900);
                for (size_t i = 0; i < pdu.size(); ++i)
                    pdu[i] = static_cast<uint8_t>(n + i * 3);
                REQUIRE(builder.push_pdu(pdu.data(), pdu.size(), 0x0800) == PushStatus::Accepted);
                sent_pdus.push_back(pdu);
            }
        }
        std::vector<uint8_t> frame(static_cast<size_t>(f.code().kbch) / 8);
        for (uint64_t k = 0; builder.data_ready(f, true); ++k) {
            builder.build(f, k, frame.data());
            const BbFrameResult r = parser.parse(frame.data(), frame.size(), f, k, sink);
            REQUIRE(r.status == BbFrameStatus::Ok);
        }
        if (input == BbFrameInput::TransportStream) {
            // All but the last packet: a packet's CRC-8 travels in the next one's sync
            // byte (EN 302 307-1 §5.1.5), so the TS deframer holds the last one back.
            sent.resize(sent.size() - 188);
            INFO("received " << sink.ts.size() << " of " << sent.size() << " bytes");
            CHECK(sink.ts == sent);
        }
        else
            CHECK(sink.pdus == sent_pdus);
        CHECK(opener->counters().dropped() == 0);
        CHECK(opener->counters().opened == parser.counters().frames_ok);

        // A fill frame (nothing queued: what a constant-rate transmitter sends instead of
        // a dummy PLFRAME) is sealed like any frame: full length, fresh counter, and it
        // opens to an empty data field that delivers nothing.
        const size_t ts_before = sink.ts.size(), pdus_before = sink.pdus.size();
        const BbFrameInfo fill = builder.build(f, 999, frame.data());
        CHECK(fill.dfl == static_cast<size_t>(f.code().kbch - 80)); // as any sealed frame
        const BbFrameResult r = parser.parse(frame.data(), frame.size(), f, 999, sink);
        CHECK(r.status == BbFrameStatus::Ok);
        CHECK(r.packets == 0);
        CHECK(sink.ts.size() == ts_before);
        CHECK(sink.pdus.size() == pdus_before);
        CHECK(opener->counters().opened == parser.counters().frames_ok);
    }
}
