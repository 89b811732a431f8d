// SPDX-License-Identifier: GPL-3.0-or-later
// The protected link at library level: Transmitter (keyed PLHEADER, keyed PL scrambling,
// AES-256-GCM seal) -> pulse shaping + channel (CFO, SCO, phase noise, AWGN) -> Receiver
// (the same keyed sequences, GCM open). Also a wrong key and a civil receiver on the
// keyed carrier.
#include "../protect/protect_test_util.h"
#include "rx_link.h"

#include <catch2/catch.hpp>
#include <dualsat/protect/frame_protection.h>
#include <dualsat/protect/keyed_pl.h>

using namespace dualsat;
using namespace protect_test;
using namespace rx_link;

namespace {

constexpr uint16_t kLink = 5;
constexpr int64_t kNow = (7 * 3600 + 100) * kNs;

const std::vector<Slot> kPattern = {
    { false, fmt(Modulation::QPSK, CodeRate::R1_2, FrameSize::Short, true) },
    { false, fmt(Modulation::PSK8, CodeRate::R3_5, FrameSize::Short, true) },
    { true, FrameFormat{} },
    { false, fmt(Modulation::APSK16, CodeRate::R2_3, FrameSize::Short, true) },
    { false, fmt(Modulation::QPSK, CodeRate::R1_4, FrameSize::Short, true) },
};

struct ProtectedTx {
    ScratchDir dir;
    TxStream s;
    FrameSealerStats sealed;
};

// 15 frames of the pattern and 2 dummy frames (so that the last data frame ends), keyed.
cvec transmit_protected(ProtectedTx& p, const Link& link)
{
    const auto keys = test_schedule();
    const KeyedPlSequences seq = make_keyed_pl(*keys, 7, kLink, LinkDirection::Forward);
    FrameSealerConfig sc;
    sc.link_id = kLink;
    sc.nonce_state_path = p.dir.file("nonce");
    sc.clock = [] { return kNow; };
    auto sealer = std::make_shared<FrameSealer>(keys, sc);
    TransmitterParts parts{ seq.header, seq.scrambling, sealer };
    Transmitter tx(tx_config(), parts);
    PlFramer framer(seq.header, seq.scrambling); // dummy frames
    transmit(kPattern, 15, p.s, tx, framer);
    transmit({ { true, FrameFormat{} } }, 2, p.s, tx, framer);
    p.sealed = sealer->stats();
    return shape_and_impair(p.s.symbols, link);
}

ReceiverConfig protected_rx(const Link& link, uint8_t pl_key, std::shared_ptr<BbFrameOpener> opener)
{
    const auto keys = test_schedule(pl_key);
    const KeyedPlSequences seq = make_keyed_pl(*keys, 7, kLink, LinkDirection::Forward);
    ReceiverConfig c = rx_config(link);
    c.parts.pl_header = seq.header;
    c.parts.pl_scrambling = seq.scrambling;
    c.parts.bbframe_opener = std::move(opener);
    return c;
}

std::shared_ptr<FrameOpener> opener_for(uint8_t key)
{
    FrameOpenerConfig oc;
    oc.link_id = kLink;
    oc.clock = [] { return kNow; };
    return std::make_shared<FrameOpener>(test_schedule(key), oc);
}

} // namespace

TEST_CASE("Protected loopback: keyed PL + AES-GCM through TX, channel and RX, TS exact and in order",
          "[protect][receiver]")
{
    const Link link; // 14 dB, 5 % CFO, 100 ppm, phase noise
    ProtectedTx p;
    const cvec in = transmit_protected(p, link);
    CHECK(p.sealed.frames == 12); // the data frames

    auto opener = opener_for(0);
    Receiver rx(protected_rx(link, 0, opener));
    ReceiverOutput out;
    run(rx, in, out);
    const uint32_t first = check_contiguous(out.data.ts);
    const ReceiverStatus st = rx.status();
    CHECK(first <= p.s.first_packet[3]); // locked within the first frames
    // Everything that started before the last data frame arrived.
    size_t last_data = 0;
    for (size_t f = 0; f < p.s.frame_dummy.size(); ++f)
        if (!p.s.frame_dummy[f])
            last_data = f;
    const uint32_t received_end = first + static_cast<uint32_t>(out.data.ts.size() / kTs);
    CHECK(received_end >= p.s.first_packet[last_data]);
    CHECK(st.acquisitions == 1);
    CHECK(st.fec_failures == 0);
    CHECK(st.open_failures == 0);
    CHECK(st.frames_ok == st.frames);
    CHECK(st.frames >= 10);
    CHECK(opener->counters().opened == st.frames_ok);
    CHECK(opener->counters().dropped() == 0);
}

TEST_CASE("Protected loopback: a wrong key delivers nothing, and every frame is counted",
          "[protect][receiver]")
{
    Link link;
    link.phase_noise = false;
    ProtectedTx p;
    const cvec in = transmit_protected(p, link);

    // TRANSEC keys right, COMSEC key wrong (another key file): the frames are found and
    // decoded, and every one is refused by the opener.
    auto wrong = opener_for(0x33);
    Receiver rx(protected_rx(link, 0, wrong));
    ReceiverOutput out;
    run(rx, in, out);
    const ReceiverStatus st = rx.status();
    CHECK(out.data.ts.empty());
    CHECK(st.ts_packets == 0);
    CHECK(st.frames >= 10);
    CHECK(st.open_failures == st.frames);
    CHECK(wrong->counters().unknown_key == st.frames);
    CHECK(wrong->counters().opened == 0);

    // Every key wrong: the keyed carrier is not even found.
    Receiver stranger(protected_rx(link, 0x33, opener_for(0x33)));
    ReceiverOutput out2;
    run(stranger, in, out2);
    CHECK(out2.data.ts.empty());
    CHECK(stranger.status().frames_ok == 0);
    CHECK(stranger.status().acquisitions == 0);

    // A civil receiver (standard SOF, PLSC mask and Gold code 0) finds nothing to decode.
    Receiver civil(rx_config(link));
    ReceiverOutput out3;
    run(civil, in, out3);
    CHECK(out3.data.ts.empty());
    CHECK(civil.status().frames_ok == 0);
    CHECK(civil.status().acquisitions == 0);
}
