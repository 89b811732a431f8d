// SPDX-License-Identifier: GPL-3.0-or-later
// The protected link at library level: Transmitter (keyed PLHEADER, keyed PL scrambling,
// AES-256-GCM seal) -> pulse shaping + channel (CFO, SCO, phase noise, AWGN) -> Receiver
// (the same keyed sequences, GCM open). Also a wrong key and a civil receiver on the
// keyed carrier.
#include "../protect/protect_test_util.h"
#include "rx_link.h"

#include <catch2/catch.hpp>
#include <dualsat/protect/frame_protection.h>
#include <dualsat/core/error.h>
#include <dualsat/protect/keyed_pl.h>

#include <cstdint>
#include <algorithm>
#include <climits>
#include <tuple>
#include <cstdio>
#include <memory>

using namespace dualsat;
using namespace protect_test;
using namespace rx_link;

namespace {

constexpr uint16_t kLink = 5;
constexpr int64_t kNow = (7 * 3600 + 100) * kNs;
// Sequences that never repeat: the transmitter's first counter as a UTC time base sets it
// (frames since 1970), and the receiver's prediction, a frame off (clock and path delay
// not known exactly: within the default search window of 4, prediction -2 .. +1).
constexpr uint64_t kUtcFirstCounter = 215'053'763'440;
constexpr uint64_t kUtcHint = kUtcFirstCounter + 1;
// The frame length the receiver assumes for its prediction (QPSK 1/2 short, pilots).
const int kHintFrameSymbols = fmt(Modulation::QPSK, CodeRate::R1_2, FrameSize::Short, true).plframe_symbols();

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
    size_t data_frames = 0;
};

// Keyed sequences of `period` frames (keyed_pl.h). Period 1: 15 frames of the pattern
// and 2 dummy frames (so that the last data frame ends). Period > 1: the dummy frames of
// rx_link come from a PlFramer whose frame counter is not the transmitter's, which the
// per-slot sequences would expose, so 17 data frames without dummies.
cvec transmit_protected(ProtectedTx& p, const Link& link, uint64_t period)
{
    const auto keys = test_schedule();
    const KeyedPlSequences seq = make_keyed_pl(*keys, 7, kLink, LinkDirection::Forward, period);
    FrameSealerConfig sc;
    sc.link_id = kLink;
    sc.nonce_state_path = p.dir.file("nonce");
    sc.clock = [] { return kNow; };
    auto sealer = std::make_shared<FrameSealer>(keys, sc);
    TransmitterParts parts{ seq.header, seq.scrambling, sealer };
    TransmitterConfig tc = tx_config();
    if (period == kNonRepeatingPl)
        tc.first_frame_counter = kUtcFirstCounter;
    Transmitter tx(tc, parts);
    PlFramer framer(seq.header, seq.scrambling); // dummy frames
    if (period == 1) {
        transmit(kPattern, 15, p.s, tx, framer);
        transmit({ { true, FrameFormat{} } }, 2, p.s, tx, framer);
    } else {
        std::vector<Slot> data_only;
        for (const Slot& slot : kPattern)
            if (!slot.dummy)
                data_only.push_back(slot);
        transmit(data_only, 17, p.s, tx, framer);
    }
    for (bool d : p.s.frame_dummy)
        p.data_frames += !d;
    p.sealed = sealer->stats();
    return shape_and_impair(p.s.symbols, link);
}

ReceiverConfig protected_rx(const Link& link, uint8_t pl_key, std::shared_ptr<BbFrameOpener> opener,
                            uint64_t period)
{
    const auto keys = test_schedule(pl_key);
    const KeyedPlSequences seq = make_keyed_pl(*keys, 7, kLink, LinkDirection::Forward, period);
    ReceiverConfig c = rx_config(link);
    c.parts.pl_header = seq.header;
    c.parts.pl_scrambling = seq.scrambling;
    c.parts.bbframe_opener = std::move(opener);
    return c;
}

// A receiver of protected_rx(), with the prediction for sequences that never repeat.
std::unique_ptr<Receiver> protected_receiver(const ReceiverConfig& c, uint64_t period)
{
    auto rx = std::make_unique<Receiver>(c);
    if (period == kNonRepeatingPl)
        rx->set_acquisition_counter_hint(kUtcHint, 0, kHintFrameSymbols);
    return rx;
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
    const uint64_t period = static_cast<uint64_t>(GENERATE(0, 1, 4));
    INFO("keyed sequences of period " << period << " (0: never repeat)");
    const Link link; // 14 dB, 5 % CFO, 100 ppm, phase noise
    ProtectedTx p;
    const cvec in = transmit_protected(p, link, period);
    CHECK(p.sealed.frames == p.data_frames);

    auto opener = opener_for(0);
    auto rxp = protected_receiver(protected_rx(link, 0, opener, period), period);
    Receiver& rx = *rxp;
    ReceiverOutput out;
    run(rx, in, out);
    const uint32_t first = check_contiguous(out.data.ts);
    const ReceiverStatus st = rx.status();
    // Locked within the first frames (a period-P search sees one frame in P).
    CHECK(first <= p.s.first_packet[2 + std::max<uint64_t>(period, 1)]);
    // Everything up to the last frames arrived (the last frame has no next SOF, and the
    // TS deframer holds a packet back until the next frame brings its CRC).
    const size_t total = p.s.frame_start.size();
    const uint32_t received_end = first + static_cast<uint32_t>(out.data.ts.size() / kTs);
    CHECK(received_end >= p.s.first_packet[total - 3]);
    CHECK(st.acquisitions == 1);
    CHECK(st.lock_losses == 0);
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
    const uint64_t period = static_cast<uint64_t>(GENERATE(0, 1, 4));
    INFO("keyed sequences of period " << period << " (0: never repeat)");
    Link link;
    link.phase_noise = false;
    ProtectedTx p;
    const cvec in = transmit_protected(p, link, period);

    // TRANSEC keys right, COMSEC key wrong (another key file): the frames are found and
    // decoded, and every one is refused by the opener.
    auto wrong = opener_for(0x33);
    auto rxp = protected_receiver(protected_rx(link, 0, wrong, period), period);
    Receiver& rx = *rxp;
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
    auto strangerp = protected_receiver(protected_rx(link, 0x33, opener_for(0x33), period), period);
    Receiver& stranger = *strangerp;
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

namespace {

// QPSK 1/4 normal frames at the lowest point of EN 302 307-1 Table 13 + 1 dB (-1.35 dB),
// CFO 10 % Rs, 200 ppm: keyed (both ends) or civil. Returns the index of the first frame
// delivered (the lock) and fills the status.
struct AcqResult {
    size_t first_frame = SIZE_MAX;
    size_t frames_delivered = 0;
    size_t fec_failures = 0;
    uint64_t acquisitions = 0;
    bool ts_ok = false;
};

AcqResult acquire_at_threshold(bool keyed, bool pilots, uint64_t seed, int frames, uint64_t period = 1)
{
    Link link;
    link.esn0_db = -1.35;
    link.cfo = 0.1;
    link.ppm = 200.0;
    link.phase_noise = false;
    link.seed = seed;
    const FrameFormat f = fmt(Modulation::QPSK, CodeRate::R1_4, FrameSize::Normal, pilots);
    const auto keys = test_schedule();
    const KeyedPlSequences seq = make_keyed_pl(*keys, 7, kLink, LinkDirection::Forward, period);
    TransmitterParts parts;
    if (keyed) {
        parts.pl_header = seq.header;
        parts.pl_scrambling = seq.scrambling;
    }
    TransmitterConfig tc = tx_config();
    if (keyed && period == kNonRepeatingPl)
        tc.first_frame_counter = kUtcFirstCounter;
    Transmitter tx(tc, parts);
    PlFramer framer(0);
    TxStream s;
    transmit({ { false, f } }, frames, s, tx, framer);
    ReceiverConfig c = rx_config(link);
    if (keyed) {
        const KeyedPlSequences rxseq = make_keyed_pl(*keys, 7, kLink, LinkDirection::Forward, period);
        c.parts.pl_header = rxseq.header;
        c.parts.pl_scrambling = rxseq.scrambling;
    }
    Receiver rx(c);
    if (keyed && period == kNonRepeatingPl)
        rx.set_acquisition_counter_hint(kUtcHint, 0, f.plframe_symbols());
    ReceiverOutput out;
    run(rx, shape_and_impair(s.symbols, link), out);
    AcqResult r;
    r.acquisitions = rx.status().acquisitions;
    r.frames_delivered = out.frames.size();
    for (const ReceiverFrameStats& fs : out.frames)
        r.fec_failures += fs.fec.status != FecFrameStatus::Ok;
    if (!out.frames.empty()) {
        const uint64_t start = out.frames.front().start_symbol;
        for (size_t k = 0; k < s.frame_start.size(); ++k)
            if (s.frame_start[k] + 100 >= start) {
                r.first_frame = k;
                break;
            }
        r.ts_ok = !out.data.ts.empty();
        if (r.ts_ok)
            check_contiguous(out.data.ts);
    }
    return r;
}

} // namespace

TEST_CASE("Protected loopback: the keyed header is acquired at QPSK 1/4's threshold + 1 dB",
          "[protect][receiver]")
{
    // The keyed SOF/PLSC go through the same search as the standard ones; what must hold
    // is what the civil receiver achieves at this point (test_receiver: lock within 5
    // frames, then every frame decodes), pilotless being the hard case. The search tries
    // every slot of the period (FrameSync max_search_slots), so a period costs no wait;
    // sequences that never repeat: a window of counters around the predicted one.
    const uint64_t period = static_cast<uint64_t>(GENERATE(0, 1, 4, 16));
    INFO("keyed sequences of period " << period << " (0: never repeat)");
    const int frames = 14;
    const AcqResult r = acquire_at_threshold(true, false, 11, frames, period);
    CHECK(r.acquisitions == 1);
    CHECK(r.first_frame <= 4);
    CHECK(r.frames_delivered + 6 >= static_cast<size_t>(frames - 1));
    // The stream's first frame is also the timing loop's acquisition: may fail.
    CHECK(r.fec_failures <= (r.first_frame == 0 ? 1u : 0u));
    CHECK(r.ts_ok);
}

TEST_CASE("Protected loopback with sequences that never repeat: a prediction outside the "
          "window finds nothing, after a fade the receiver re-acquires from its own count",
          "[protect][receiver]")
{
    // QPSK 1/2 short with pilots at 6 dB, 48 frames; frames 24..29 faded out (zeros).
    Link link;
    link.esn0_db = 6.0;
    link.phase_noise = false;
    const FrameFormat f = fmt(Modulation::QPSK, CodeRate::R1_2, FrameSize::Short, true);
    const auto keys = test_schedule();
    const KeyedPlSequences seq = make_keyed_pl(*keys, 7, kLink, LinkDirection::Forward, kNonRepeatingPl);
    TransmitterConfig tc = tx_config();
    tc.first_frame_counter = kUtcFirstCounter;
    Transmitter tx(tc, TransmitterParts{ seq.header, seq.scrambling, nullptr });
    PlFramer framer(seq.header, seq.scrambling); // unused: no dummy frames
    TxStream s;
    const int frames = 48;
    transmit({ { false, f } }, frames, s, tx, framer);
    const int fade_from = 24, fade_to = 30;
    std::fill(s.symbols.begin() + static_cast<std::ptrdiff_t>(s.frame_start[fade_from]),
              s.symbols.begin() + static_cast<std::ptrdiff_t>(s.frame_start[fade_to]), cf(0.0f, 0.0f));
    const cvec in = shape_and_impair(s.symbols, link);
    const int L = f.plframe_symbols();
    ReceiverConfig c = rx_config(link);
    c.parts.pl_header = seq.header;
    c.parts.pl_scrambling = seq.scrambling;
    c.symbols.sync.counter_window = 8; // counters tried: the prediction - 4 .. + 3

    // Returns the status, the frames delivered, and how far the receiver's prediction at
    // the end is from the true counter of the last frame it delivered.
    auto run_with_hint = [&](uint64_t hint, int hint_frame_symbols) {
        Receiver rx(c);
        rx.set_acquisition_counter_hint(hint, 0, hint_frame_symbols);
        ReceiverOutput out;
        run(rx, in, out);
        int64_t prediction_error = INT64_MAX;
        if (!out.frames.empty()) {
            const uint64_t start = out.frames.back().start_symbol;
            for (size_t k = 0; k < s.frame_start.size(); ++k)
                if (s.frame_start[k] + 100 >= start) {
                    const uint64_t predicted =
                        rx.symbol_receiver().sync().predicted_counter(start + static_cast<uint64_t>(L / 2));
                    prediction_error = static_cast<int64_t>(predicted - (kUtcFirstCounter + k));
                    break;
                }
        }
        return std::make_tuple(rx.status(), out.frames.size(), prediction_error);
    };
    // The prediction 3 frames off either way: locked at once. After the fade the search
    // predicts from the frames the lock counted: exact, no longer 3 off.
    for (uint64_t hint : { kUtcFirstCounter - 3, kUtcFirstCounter + 3 }) {
        const auto [st, delivered, prediction_error] = run_with_hint(hint, L);
        INFO("hint " << static_cast<int64_t>(hint - kUtcFirstCounter) << " frames: acquisitions "
             << st.acquisitions << ", frames ok " << st.frames_ok);
        CHECK(st.acquisitions == 2); // the first lock, and again after the fade
        CHECK(st.frames_ok >= static_cast<uint64_t>(frames - (fade_to - fade_from) - 8));
        CHECK(delivered > 0);
        CHECK(prediction_error == 0);
    }
    // 5 frames off with a window of 8: outside, never locked, nothing delivered.
    for (uint64_t hint : { kUtcFirstCounter - 6, kUtcFirstCounter + 5, uint64_t{ 0 } }) {
        const auto [st, delivered, prediction_error] = run_with_hint(hint, L);
        (void)prediction_error;
        INFO("hint " << static_cast<int64_t>(hint - kUtcFirstCounter) << " frames");
        CHECK(st.acquisitions == 0);
        CHECK(st.frames_ok == 0);
        CHECK(delivered == 0);
    }
    // A prediction that runs off (a frame length 25 % long: 6 frames behind after the
    // fade) finds the first frames; after the fade only the lock's own count can find
    // the frames again, and does.
    {
        const auto [st, delivered, prediction_error] = run_with_hint(kUtcFirstCounter, L + L / 4);
        INFO("acquisitions " << st.acquisitions << ", lock losses " << st.lock_losses << ", frames ok "
             << st.frames_ok);
        CHECK(st.lock_losses == 1);
        CHECK(st.acquisitions == 2);
        CHECK(prediction_error == 0);
        CHECK(st.frames_ok >= static_cast<uint64_t>(frames - (fade_to - fade_from) - 8));
        CHECK(delivered > 0);
    }
    CHECK_THROWS_AS(Receiver(c).set_acquisition_counter_hint(0, 0, 0), ConfigError);
}

TEST_CASE("Protected acquisition measurement: keyed vs civil lock frame at QPSK 1/4 + 1 dB",
          "[.protect-acquisition]")
{
    // A measurement, not a test: dualsat_unit_tests "[.protect-acquisition]".
    const uint64_t period = static_cast<uint64_t>(GENERATE(0, 1, 4, 16));
    std::printf("keyed sequences of period %llu (0: never repeat, hint 3 frames off)\n",
                static_cast<unsigned long long>(period));
    for (bool pilots : { false, true }) {
        int keyed_sum = 0, civil_sum = 0, keyed_fail = 0, civil_fail = 0, n = 0;
        for (uint64_t seed = 1; seed <= 10; ++seed) {
            const int frames = 10 + static_cast<int>(std::max<uint64_t>(period, 1));
            const AcqResult k = acquire_at_threshold(true, pilots, seed, frames, period);
            const AcqResult c = acquire_at_threshold(false, pilots, seed, frames);
            std::printf("pilots %d seed %2llu: keyed lock at frame %zu (%zu delivered, %zu FEC failures), "
                        "civil at frame %zu (%zu delivered, %zu FEC failures)\n",
                        pilots, static_cast<unsigned long long>(seed), k.first_frame, k.frames_delivered,
                        k.fec_failures, c.first_frame, c.frames_delivered, c.fec_failures);
            keyed_fail += k.first_frame == SIZE_MAX;
            civil_fail += c.first_frame == SIZE_MAX;
            if (k.first_frame != SIZE_MAX && c.first_frame != SIZE_MAX) {
                keyed_sum += static_cast<int>(k.first_frame);
                civil_sum += static_cast<int>(c.first_frame);
                ++n;
            }
        }
        std::printf("pilots %d: mean lock frame keyed %.2f, civil %.2f over %d seeds; no lock: keyed %d, civil %d\n",
                    pilots, n ? keyed_sum / static_cast<double>(n) : -1.0,
                    n ? civil_sum / static_cast<double>(n) : -1.0, n, keyed_fail, civil_fail);
    }
}

TEST_CASE("Protected loopback: a TRANSEC key change on both sides mid-stream, the receiver "
          "re-acquires on the new sequences, a receiver left on the old key loses the link",
          "[protect][receiver]")
{
    // Key reload (the daemon's SIGHUP / POST /protect/reload): the transmitter changes its
    // PL sequences at a frame boundary, with frames in flight on encoding threads (workers
    // 2: a frame started before the change keeps its sequences); the receiver changes its
    // sequences at about the same time and searches again.
    const uint64_t period = 4;
    Link link;
    link.phase_noise = false;
    const KeyedPlSequences old_seq =
        make_keyed_pl(*test_schedule(0), 0, kLink, LinkDirection::Forward, period);
    const KeyedPlSequences new_seq =
        make_keyed_pl(*test_schedule(0x44), 0, kLink, LinkDirection::Forward, period);

    TransmitterConfig tc = tx_config();
    tc.workers = 2;
    Transmitter tx(tc, TransmitterParts{ old_seq.header, old_seq.scrambling, nullptr });
    PlFramer framer(old_seq.header, old_seq.scrambling); // unused: no dummy frames
    const std::vector<Slot> pattern = { kPattern[0], kPattern[1], kPattern[3], kPattern[4] };
    TxStream s;
    const int half = 10;
    transmit(pattern, half, s, tx, framer);
    tx.set_pl_sequences(new_seq.header, new_seq.scrambling);
    CHECK_THROWS_AS(tx.set_pl_sequences(nullptr, new_seq.scrambling), ConfigError);
    transmit(pattern, half, s, tx, framer);
    const cvec in = shape_and_impair(s.symbols, link);
    // The receiver changes its sequences 300 samples after the first new frame begins
    // (filter delay and the clock offset are far smaller than a frame).
    const size_t switch_at =
        static_cast<size_t>(static_cast<double>(s.frame_start[half]) * link.sps) + 300;
    REQUIRE(switch_at < in.size());

    auto run_part = [](Receiver& rx, const cvec& x, size_t from, size_t to, ReceiverOutput& out) {
        for (size_t k = from; k < to; k += 10000)
            rx.process(x.data() + k, std::min<size_t>(10000, to - k), out);
    };
    ReceiverConfig rc = rx_config(link);
    rc.parts.pl_header = old_seq.header;
    rc.parts.pl_scrambling = old_seq.scrambling;

    Receiver rx(rc);
    ReceiverOutput out;
    run_part(rx, in, 0, switch_at, out);
    rx.flush(out);
    const uint64_t ok_before = rx.status().frames_ok;
    rx.set_pl_sequences(new_seq.header, new_seq.scrambling);
    run_part(rx, in, switch_at, in.size(), out);
    rx.flush(out);
    const ReceiverStatus st = rx.status();
    const uint64_t ok_after = st.frames_ok - ok_before;
    INFO("frames ok before the change " << ok_before << ", after " << ok_after << "; frames " << st.frames
         << ", missed headers " << st.missed_headers << ", lock losses " << st.lock_losses);
    // Before: all but the acquisition wait (a slot-0 frame) and the last frame, whose end
    // is only known from the next SOF. After: all but a new wait for a slot-0 frame and
    // the stream's last frame.
    CHECK(ok_before >= half - period - 1);
    CHECK(ok_after >= half - period - 1);
    // The last frame before the change may fail its FEC (counted, never delivered): the
    // carrier recovery anchors the phase of a frame's tail on the next frame's SOF, which
    // is already under the new key. Nothing else fails.
    CHECK(st.fec_failures <= 1);
    CHECK(st.bad_headers == 0);
    CHECK(st.acquisitions == 2);

    // Left on the old sequences, a receiver decodes nothing after the change.
    Receiver stale(rc);
    ReceiverOutput stale_out;
    run(stale, in, stale_out);
    CHECK(stale.status().frames_ok <= static_cast<uint64_t>(half));
    CHECK(stale.status().frames_ok >= static_cast<uint64_t>(half - period - 1));
}
