// SPDX-License-Identifier: GPL-3.0-or-later
// The transmit frame engine, checked from its output symbols alone: a noiseless receiver
// written here (PLHEADER ML decoding, PL descrambling, nearest-point demapping, bit
// deinterleaving, systematic BBFRAME extraction, BB descrambling) recovers the format of
// every frame and the user data (TS packets, GSE PDUs) exactly, across per-frame changes
// of MODCOD, frame size and pilots. Bit-exactness against gr-dtv is
// python/dualsat/qa_tx_conformance.py.
#include "vcm_schedule.h"

#include <catch2/catch.hpp>
#include <dualsat/framing/bb_scrambler.h>
#include <dualsat/coding/bch.h>
#include <dualsat/coding/bit_interleaver.h>
#include <dualsat/mapping/constellation.h>
#include <dualsat/core/error.h>
#include <dualsat/framing/gse.h>
#include <dualsat/mapping/mapper.h>
#include <dualsat/pl/pl_framer.h>
#include <dualsat/tx/transmitter.h>
#include <dualsat/framing/ts_adaptation.h>

#include <complex>
#include <cstring>
#include <random>
#include <vector>

using namespace dualsat;

namespace {

using Bytes = std::vector<uint8_t>;
using Symbols = std::vector<std::complex<float>>;

Bytes random_ts(std::mt19937& rng, size_t packets)
{
    Bytes ts(packets * kTsPacketBytes);
    for (auto& b : ts)
        b = static_cast<uint8_t>(rng());
    for (size_t p = 0; p < packets; ++p)
        ts[p * kTsPacketBytes] = kTsSyncByte;
    return ts;
}

// What a receiver gets from one noiseless PLFRAME.
struct Received {
    PlsStatus status = PlsStatus::ReservedModcod;
    FrameFormat format;
    Bytes bbframe; // descrambled, K_bch / 8 bytes
    bool bch_clean = false;
};

Received receive(const std::complex<float>* plframe, uint64_t counter, uint32_t gold)
{
    Received r;
    PlDeframer deframer(gold);
    const PlscDecision d = deframer.decode_header(plframe, counter);
    REQUIRE(d.usable);
    r.status = interpret_pls(d.code, &r.format);
    if (r.status != PlsStatus::Valid)
        return r;
    const FrameFormat& f = r.format;
    Symbols data(static_cast<size_t>(f.data_symbols()));
    deframer.deframe(f, plframe, counter, data.data());

    // Nearest point -> label -> packed bits, MSB first.
    const Constellation c(f.modcod);
    const int bps = c.bits_per_symbol();
    const int nldpc = f.code().nldpc;
    Bytes interleaved(static_cast<size_t>(nldpc) / 8, 0);
    size_t bit = 0;
    for (const auto& s : data) {
        int best = 0;
        float best_d = 1e30f;
        for (int l = 0; l < c.size(); ++l) {
            const float dist = std::norm(s - c.point(static_cast<unsigned>(l)));
            if (dist < best_d) {
                best_d = dist;
                best = l;
            }
        }
        REQUIRE(best_d < 1e-6f);
        for (int k = bps - 1; k >= 0; --k, ++bit)
            if ((best >> k) & 1)
                interleaved[bit / 8] |= static_cast<uint8_t>(0x80u >> (bit % 8));
    }
    Bytes codeword(interleaved.size());
    BitInterleaver il(f.frame, f.modcod.rate, f.modcod.mod);
    if (il.is_identity())
        codeword = interleaved;
    else
        il.deinterleave(interleaved.data(), codeword.data());

    // Systematic codes: the BCH codeword is the first n_bch bits of the LDPC codeword.
    BchCodec bch(f.frame, f.modcod.rate);
    Bytes bch_word(codeword.begin(), codeword.begin() + static_cast<long>(bch.n_bytes()));
    const BchResult res = bch.decode(bch_word.data());
    r.bch_clean = res.ok && res.corrected_bits == 0;
    r.bbframe.assign(codeword.begin(), codeword.begin() + static_cast<long>(bch.k_bytes()));
    BbScrambler().apply_packed(r.bbframe.data(), r.bbframe.size());
    return r;
}

} // namespace

TEST_CASE("TS: every frame's PLHEADER, length and data survive per-frame format changes",
          "[transmitter]")
{
    std::mt19937 rng(1);
    TransmitterConfig cfg;
    cfg.gold_code = 4711;
    cfg.ccm = false;
    cfg.idle = IdlePolicy::Wait;
    Transmitter tx(cfg);
    const auto schedule = dualsat_test::vcm_schedule();
    const Bytes ts = random_ts(rng, 400);

    TsDeframer rx;
    Bytes received;
    Symbols out(Transmitter::kMaxFrameSymbols);
    size_t offered = 0;
    uint64_t counter = 0;
    for (const FrameFormat& f : schedule) {
        tx.set_next_format(f);
        // Offer the input in odd-sized chunks, as a stream would come.
        while (tx.ts_bytes_needed() > 0 && offered < ts.size()) {
            const size_t chunk = std::min<size_t>(1000, ts.size() - offered);
            offered += tx.push_ts(ts.data() + offered, chunk);
        }
        PlFrameInfo info;
        const size_t n = tx.next_plframe(out.data(), info);
        REQUIRE(n == static_cast<size_t>(f.plframe_symbols()));
        CHECK(info.symbols == static_cast<int>(n));
        CHECK(info.format == f);
        CHECK_FALSE(info.dummy);
        CHECK_FALSE(info.padded);
        CHECK(info.frame_counter == counter);
        CHECK(info.dfl == static_cast<size_t>(f.code().kbch) - kBbHeaderBits);

        const Received r = receive(out.data(), counter, cfg.gold_code);
        REQUIRE(r.status == PlsStatus::Valid);
        CHECK(r.format == f);
        CHECK(r.bch_clean);
        const BbHeader h = parse_bbheader(r.bbframe.data(), r.bbframe.size());
        CHECK(h.dfl == info.dfl);
        CHECK_FALSE(h.ccm);
        CHECK(h.rolloff == RollOff::R020);
        CHECK(h.stream_type == StreamType::Transport);
        rx.process(r.bbframe.data(), f, received);
        ++counter;
    }
    CHECK(tx.stats().format_changes == schedule.size() - 1);
    CHECK(rx.stats().packets_crc_error == 0);
    // Everything but the last packet, which waits for its CRC byte in the next frame.
    REQUIRE(received.size() >= kTsPacketBytes);
    REQUIRE(received.size() <= ts.size());
    CHECK(std::equal(received.begin(), received.end(), ts.begin()));
    CHECK(tx.stats().frames == schedule.size());
    CHECK(tx.stats().rejected_bytes == 0);
}

TEST_CASE("GSE: PDUs larger than a BBFRAME come back whole", "[transmitter]")
{
    std::mt19937 rng(2);
    TransmitterConfig cfg;
    cfg.input = TxInputMode::Gse;
    cfg.format = { { Modulation::QPSK, CodeRate::R1_4 }, FrameSize::Short, false }; // 384-byte BBFRAME
    cfg.idle = IdlePolicy::Wait;
    cfg.gold_code = 0;
    Transmitter tx(cfg);

    std::vector<Bytes> sent;
    for (size_t len : { 1500u, 20u, 9000u, 700u, 4000u }) {
        Bytes pdu(len);
        for (auto& b : pdu)
            b = static_cast<uint8_t>(rng());
        pdu[0] = len % 2 ? 0x45 : 0x60; // IPv4 / IPv6 version nibble
        REQUIRE(tx.push_pdu(pdu.data(), pdu.size(), ip_ethertype(pdu.data(), pdu.size())) ==
                PushStatus::Accepted);
        sent.push_back(pdu);
    }
    GseReassembler rx;
    GsePduBatch batch;
    Symbols out(Transmitter::kMaxFrameSymbols);
    const auto schedule = dualsat_test::vcm_schedule();
    size_t frames = 0, pdus_reported = 0;
    PlFrameInfo info;
    for (size_t n; (n = tx.next_plframe(out.data(), info)) > 0; ++frames) {
        REQUIRE(frames < 200);
        const Received r = receive(out.data(), info.frame_counter, cfg.gold_code);
        REQUIRE(r.status == PlsStatus::Valid);
        CHECK(r.format == info.format);
        CHECK(r.bch_clean);
        rx.process_bbframe(r.bbframe.data(), info.format.code().kbch, batch);
        pdus_reported += info.packets;
        // After the first frames, switch format every frame (the short 1/4 start makes
        // the first PDU span several BBFRAMEs).
        if (frames >= 3)
            tx.set_next_format(schedule[frames % schedule.size()]);
    }
    CHECK(frames > 5);
    REQUIRE(batch.size() == sent.size());
    for (size_t i = 0; i < sent.size(); ++i) {
        const GsePduView v = batch[i];
        CHECK(v.protocol_type == ip_ethertype(sent[i].data(), sent[i].size()));
        REQUIRE(v.size == sent[i].size());
        CHECK(std::memcmp(v.data, sent[i].data(), v.size) == 0);
    }
    CHECK(batch[0].fragmented);
    CHECK(pdus_reported == sent.size());
    CHECK(rx.stats().crc_errors == 0);
    CHECK(tx.stats().pdus_in == sent.size());
}

TEST_CASE("idle policy: dummy frames when empty, padded frames when short, wait returns 0",
          "[transmitter]")
{
    std::mt19937 rng(3);
    Symbols out(Transmitter::kMaxFrameSymbols);
    PlFrameInfo info;

    TransmitterConfig cfg;
    cfg.format = { { Modulation::PSK8, CodeRate::R2_3 }, FrameSize::Short, true };
    cfg.gold_code = 99;
    Transmitter tx(cfg); // IdlePolicy::Dummy
    REQUIRE(tx.next_plframe(out.data(), info) == static_cast<size_t>(kDummyFrameSymbols));
    CHECK(info.dummy);
    CHECK(info.frame_counter == 0);
    {
        PlDeframer d(cfg.gold_code);
        FrameFormat f;
        CHECK(interpret_pls(d.decode_header(out.data(), 0).code, &f) == PlsStatus::Dummy);
    }
    const Bytes ts = random_ts(rng, 3);
    REQUIRE(tx.push_ts(ts.data(), ts.size()) == ts.size());
    REQUIRE(tx.next_plframe(out.data(), info) == static_cast<size_t>(cfg.format.plframe_symbols()));
    CHECK_FALSE(info.dummy);
    CHECK(info.padded);
    CHECK(info.frame_counter == 1);
    CHECK(info.dfl == 3 * kTsPacketBytes * 8);
    CHECK(info.packets == 3);
    const Received r = receive(out.data(), 1, cfg.gold_code);
    REQUIRE(r.status == PlsStatus::Valid);
    const BbHeader h = parse_bbheader(r.bbframe.data(), r.bbframe.size());
    CHECK(h.dfl == 3 * kTsPacketBytes * 8);
    CHECK(h.syncd == 0);
    // Padding after the data field is zero (EN 302 307-1 §5.2.1).
    for (size_t i = kBbHeaderBytes + 3 * kTsPacketBytes; i < r.bbframe.size(); ++i)
        REQUIRE(r.bbframe[i] == 0);
    REQUIRE(tx.next_plframe(out.data(), info) == static_cast<size_t>(kDummyFrameSymbols));
    const TransmitterStats s = tx.stats();
    CHECK(s.frames == 3);
    CHECK(s.dummy_frames == 2);
    CHECK(s.padded_frames == 1);
    CHECK(s.bytes_in == ts.size());

    cfg.idle = IdlePolicy::Wait;
    Transmitter waiting(cfg);
    CHECK(waiting.next_plframe(out.data(), info) == 0);
    REQUIRE(waiting.push_ts(ts.data(), ts.size()) == ts.size());
    CHECK_FALSE(waiting.data_ready());
    CHECK(waiting.next_plframe(out.data(), info) == 0);
    CHECK(waiting.ts_bytes_needed() > 0);
    CHECK(waiting.stats().frames == 0);
}

TEST_CASE("TS input: resynchronisation on 0x47, back-pressure, bad input", "[transmitter]")
{
    std::mt19937 rng(4);
    TransmitterConfig cfg;
    cfg.format = { { Modulation::QPSK, CodeRate::R1_2 }, FrameSize::Short, false };
    cfg.idle = IdlePolicy::Wait;
    cfg.ts_queue_packets = 1; // raised to what one frame needs
    Transmitter tx(cfg);

    Bytes ts = random_ts(rng, 400);
    for (size_t p = 0; p < 400; ++p) // no 0x47 inside packets, so resync is unambiguous
        for (size_t i = 1; i < kTsPacketBytes; ++i)
            if (ts[p * kTsPacketBytes + i] == kTsSyncByte)
                ts[p * kTsPacketBytes + i] = 0;
    Bytes stream = { 0x00, 0x11, 0x22 }; // garbage before the first packet
    stream.insert(stream.end(), ts.begin(), ts.end());
    const size_t taken = tx.push_ts(stream.data(), stream.size());
    CHECK(taken < stream.size()); // the queue filled up
    CHECK(tx.stats().rejected_bytes == 3);
    CHECK(tx.stats().bytes_in == taken - 3);
    CHECK(tx.data_ready());

    // Decoded data starts with the first real packet.
    Symbols out(Transmitter::kMaxFrameSymbols);
    PlFrameInfo info;
    REQUIRE(tx.next_plframe(out.data(), info) > 0);
    const Received r = receive(out.data(), 0, 0);
    TsDeframer rx;
    Bytes got;
    rx.process(r.bbframe.data(), cfg.format, got);
    REQUIRE(got.size() >= kTsPacketBytes);
    CHECK(std::equal(got.begin(), got.end(), ts.begin()));

    CHECK_THROWS_AS(tx.set_next_format({ { Modulation::QPSK, CodeRate::R9_10 }, FrameSize::Short, false }),
                    ConfigError);
    CHECK_THROWS_AS(tx.set_next_format({ { Modulation::PSK8, CodeRate::R1_4 }, FrameSize::Normal, false }),
                    ConfigError);
    CHECK(tx.next_format() == cfg.format);
    CHECK_THROWS_AS(tx.push_pdu(ts.data(), 100, 0x0800), ConfigError);

    TransmitterConfig bad = cfg;
    bad.format.modcod.rate = CodeRate::R9_10; // short 9/10 does not exist
    CHECK_THROWS_AS(Transmitter(bad), ConfigError);
    bad = cfg;
    bad.gold_code = GoldScrambling::kMaxCode + 1;
    CHECK_THROWS_AS(Transmitter(bad), ConfigError);
}

TEST_CASE("GSE input: invalid PDUs and a full queue are refused and counted", "[transmitter]")
{
    TransmitterConfig cfg;
    cfg.input = TxInputMode::Gse;
    cfg.gse_queue_bytes = 3000;
    Transmitter tx(cfg);
    Bytes pdu(2000, 0x45);
    CHECK(tx.push_pdu(pdu.data(), 0, 0x0800) == PushStatus::Invalid);
    CHECK(tx.push_pdu(pdu.data(), pdu.size(), 0x0100) == PushStatus::Invalid); // not an EtherType
    CHECK(tx.push_pdu(pdu.data(), pdu.size(), 0x0800) == PushStatus::Accepted);
    CHECK(tx.push_pdu(pdu.data(), pdu.size(), 0x0800) == PushStatus::QueueFull);
    CHECK(tx.stats().rejected_pdus == 3);
    CHECK(tx.stats().pdus_in == 1);
    CHECK_THROWS_AS(tx.push_ts(pdu.data(), 188), ConfigError);
    CHECK(ip_ethertype(pdu.data(), 1) == 0x0800);
    const uint8_t v6 = 0x60, other = 0x10;
    CHECK(ip_ethertype(&v6, 1) == 0x86DD);
    CHECK(ip_ethertype(&other, 1) == 0);
    CHECK(ip_ethertype(nullptr, 0) == 0);
}

namespace {

// Stands in for an AEAD seal: appends a 16-byte "tag" after the payload.
class AppendTag final : public BbFrameTransform
{
public:
    size_t data_field_overhead_bits(const FrameFormat&) const override { return 128; }
    void apply(const FrameFormat&, uint64_t frame_counter, BbHeader& header, uint8_t* field,
               size_t field_bytes) override
    {
        REQUIRE(header.dfl / 8u + 16 <= field_bytes);
        seen_counters.push_back(frame_counter);
        std::memset(field + header.dfl / 8, 0xA5, 16);
        header.dfl = static_cast<uint16_t>(header.dfl + 128);
    }
    std::vector<uint64_t> seen_counters;
};

class TooBig final : public BbFrameTransform
{
public:
    size_t data_field_overhead_bits(const FrameFormat& f) const override
    {
        return static_cast<size_t>(f.code().kbch);
    }
    void apply(const FrameFormat&, uint64_t, BbHeader&, uint8_t*, size_t) override {}
};

} // namespace

TEST_CASE("replaceable parts: data-field transform and injected PL sequences", "[transmitter]")
{
    std::mt19937 rng(5);
    TransmitterConfig cfg;
    cfg.format = { { Modulation::APSK16, CodeRate::R3_4 }, FrameSize::Short, false };
    cfg.idle = IdlePolicy::Wait;
    cfg.gold_code = 77;
    auto tag = std::make_shared<AppendTag>();
    TransmitterParts parts;
    parts.bbframe_transform = tag;
    Transmitter tx(cfg, parts);
    const Bytes ts = random_ts(rng, 200);
    tx.push_ts(ts.data(), ts.size());
    Symbols out(Transmitter::kMaxFrameSymbols);
    PlFrameInfo info;
    REQUIRE(tx.next_plframe(out.data(), info) > 0);
    REQUIRE(tx.next_plframe(out.data(), info) > 0);
    CHECK(tag->seen_counters == std::vector<uint64_t>{ 0, 1 });
    const size_t field_bits = static_cast<size_t>(cfg.format.code().kbch) - kBbHeaderBits;
    CHECK(info.dfl == field_bits);
    const Received r = receive(out.data(), 1, cfg.gold_code);
    const BbHeader h = parse_bbheader(r.bbframe.data(), r.bbframe.size());
    CHECK(h.dfl == field_bits);
    for (size_t i = r.bbframe.size() - 16; i < r.bbframe.size(); ++i)
        REQUIRE(r.bbframe[i] == 0xA5);

    TransmitterParts too_big;
    too_big.bbframe_transform = std::make_shared<TooBig>();
    CHECK_THROWS_AS(Transmitter(cfg, too_big), ConfigError);

    // An injected Gold scrambling equals the configured one; another header sequence
    // changes the header only.
    class OtherSof final : public PlHeaderSequence
    {
    public:
        uint32_t sof_bits(uint64_t) const override { return 0x2AAAAAAu; }
        uint64_t plsc_mask(uint64_t) const override { return kStandardPlscMask; }
    };
    TransmitterConfig plain = cfg;
    Transmitter a(plain);
    TransmitterParts injected;
    injected.pl_scrambling = std::make_shared<GoldScrambling>(cfg.gold_code);
    injected.pl_header = std::make_shared<OtherSof>();
    Transmitter b(plain, injected);
    a.push_ts(ts.data(), ts.size());
    b.push_ts(ts.data(), ts.size());
    Symbols out_b(Transmitter::kMaxFrameSymbols);
    PlFrameInfo ia, ib;
    const size_t na = a.next_plframe(out.data(), ia);
    REQUIRE(b.next_plframe(out_b.data(), ib) == na);
    int header_diffs = 0;
    for (int i = 0; i < kSofSymbols; ++i)
        header_diffs += out[static_cast<size_t>(i)] != out_b[static_cast<size_t>(i)];
    CHECK(header_diffs > 0);
    CHECK(std::equal(out.begin() + kSofSymbols, out.begin() + static_cast<long>(na),
                     out_b.begin() + kSofSymbols));
}

TEST_CASE("fused map+scramble and in-place framing equal map, frame and scramble", "[transmitter]")
{
    std::mt19937 rng(6);
    for (const FrameFormat& f : { FrameFormat{ { Modulation::QPSK, CodeRate::R1_3 }, FrameSize::Short, true },
                                  FrameFormat{ { Modulation::PSK8, CodeRate::R3_5 }, FrameSize::Normal, true },
                                  FrameFormat{ { Modulation::APSK16, CodeRate::R5_6 }, FrameSize::Short, false },
                                  FrameFormat{ { Modulation::APSK32, CodeRate::R9_10 }, FrameSize::Normal, true } }) {
        const Mapper mapper(f.modcod, f.frame);
        Bytes bits(mapper.frame_bytes());
        for (auto& b : bits)
            b = static_cast<uint8_t>(rng());
        Bytes rn(static_cast<size_t>(f.data_symbols()) + 7);
        for (auto& r : rn)
            r = static_cast<uint8_t>(rng()); // only r mod 4 counts
        // Odd lengths exercise the tail of the 8-symbol groups.
        for (size_t n : { mapper.frame_symbols(), size_t{ 13 }, size_t{ 8 }, size_t{ 1 } }) {
            Symbols plain(n), fused(n);
            mapper.map_packed(bits.data(), n, plain.data());
            Bytes r4(rn.begin(), rn.begin() + static_cast<long>(n));
            for (auto& r : r4)
                r &= 3;
            pl_scramble(plain.data(), r4.data(), static_cast<int>(n), plain.data());
            mapper.map_packed_scrambled(bits.data(), rn.data(), n, fused.data());
            REQUIRE(std::memcmp(plain.data(), fused.data(), n * sizeof(plain[0])) == 0);
        }
        // PlFramer: frame() == frame_in_place() == payload_scrambling + frame_prescrambled.
        Symbols data(mapper.frame_symbols());
        mapper.map_packed(bits.data(), data.size(), data.data());
        PlFramer a(123), b(123), c(123);
        Symbols fa(static_cast<size_t>(f.plframe_symbols())), fb(fa.size()), fc(fa.size());
        a.frame(f, data.data(), fa.data());
        const uint8_t* seq = c.payload_scrambling(f);
        for (size_t k = 0; k < data.size(); ++k) {
            const size_t at = f.pilots ? k + 36 * (k / 1440) : k;
            fb[kPlHeaderSymbols + at] = data[k];
            pl_scramble(&data[k], seq + at, 1, &fc[kPlHeaderSymbols + at]);
        }
        b.frame_in_place(f, fb.data());
        c.frame_prescrambled(f, fc.data());
        REQUIRE(std::memcmp(fa.data(), fb.data(), fa.size() * sizeof(fa[0])) == 0);
        REQUIRE(std::memcmp(fa.data(), fc.data(), fa.size() * sizeof(fa[0])) == 0);
        CHECK(c.frame_counter() == 1);
        CHECK_THROWS_AS(c.frame_prescrambled(f, fc.data()), ConfigError); // no sequence asked for
    }
}
