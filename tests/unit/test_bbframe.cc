// SPDX-License-Identifier: GPL-3.0-or-later
//
// BbFrameBuilder -> BbFrameParser (EN 302 307-1 §5.1): TS and GSE round trips over
// changing frame formats, SYNCD and packet counts against the byte positions, padding,
// empty and full frames, the transform/opener pair, and every way a BBHEADER is refused.
#include <catch2/catch.hpp>
#include <dualsat/core/error.h>
#include <dualsat/framing/bbframe.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

using namespace dualsat;

namespace {

using Bytes = std::vector<uint8_t>;

struct Pdu {
    Bytes data;
    uint16_t ptype = 0x0800;
    GseLabel label;
    bool fragmented = false;
};

// Keeps what the parser delivers, and how it was delivered.
struct Collect final : BbFrameSink {
    Bytes ts;
    std::vector<Pdu> pdus;
    int ts_calls = 0;
    void ts_packets(const uint8_t* packets, size_t count) override
    {
        REQUIRE(count > 0);
        ++ts_calls;
        ts.insert(ts.end(), packets, packets + count * kTsPacketBytes);
    }
    void pdu(const GsePduView& v) override
    {
        Pdu p;
        p.data.assign(v.data, v.data + v.size);
        p.ptype = v.protocol_type;
        p.label = v.label;
        p.fragmented = v.fragmented;
        pdus.push_back(std::move(p));
    }
};

FrameFormat fmt(Modulation m, CodeRate r, FrameSize fs) { return { { m, r }, fs, false }; }

// Short and normal frames, smallest to largest K_bch (3072 .. 58192 bits).
const std::vector<FrameFormat>& formats()
{
    static const std::vector<FrameFormat> f = {
        fmt(Modulation::QPSK, CodeRate::R1_4, FrameSize::Short),
        fmt(Modulation::PSK8, CodeRate::R3_5, FrameSize::Short),
        fmt(Modulation::QPSK, CodeRate::R1_2, FrameSize::Normal),
        fmt(Modulation::APSK32, CodeRate::R4_5, FrameSize::Short),
        fmt(Modulation::APSK16, CodeRate::R9_10, FrameSize::Normal),
    };
    return f;
}

size_t field_bits(const FrameFormat& f) { return static_cast<size_t>(f.code().kbch) - kBbHeaderBits; }
size_t frame_bytes(const FrameFormat& f) { return static_cast<size_t>(f.code().kbch) / 8; }

Bytes random_ts_packet(std::mt19937& rng)
{
    Bytes p(kTsPacketBytes);
    for (auto& b : p)
        b = static_cast<uint8_t>(rng());
    p[0] = kTsSyncByte;
    p[1] &= 0x7F; // TEI clear: a set TEI on delivery then means a CRC failure
    return p;
}

Pdu random_pdu(std::mt19937& rng, size_t len)
{
    Pdu p;
    p.data.resize(len);
    for (auto& b : p.data)
        b = static_cast<uint8_t>(rng());
    static const uint16_t types[] = { 0x0800, 0x86DD, 0x88B5 };
    p.ptype = types[rng() % 3];
    if (rng() % 2)
        p.label = GseLabel::six_byte({ 0x02, 0, 0, 0, 0, static_cast<uint8_t>(rng() % 2) });
    return p;
}

// Rewrites the header of a built frame (fresh CRC-8) after changing it.
template <typename Edit>
void edit_header(Bytes& frame, Edit edit)
{
    BbHeader h = parse_bbheader(frame.data(), kBbHeaderBytes);
    edit(h);
    const auto b = encode_bbheader(h);
    std::memcpy(frame.data(), b.data(), kBbHeaderBytes);
}

BbFrameBuilderConfig ts_config()
{
    BbFrameBuilderConfig c;
    c.input = BbFrameInput::TransportStream;
    return c;
}

BbFrameBuilderConfig gse_config()
{
    BbFrameBuilderConfig c;
    c.input = BbFrameInput::Gse;
    return c;
}

// A TS builder holding `packets` random packets; their bytes go to `stream`.
void queue_ts(BbFrameBuilder& b, std::mt19937& rng, size_t packets, Bytes& stream)
{
    for (size_t i = 0; i < packets; ++i) {
        const Bytes p = random_ts_packet(rng);
        REQUIRE(b.push_ts(p.data(), p.size()) == p.size());
        stream.insert(stream.end(), p.begin(), p.end());
    }
}

// What a TS parser delivers of the UP stream `stream` (whole packets from offset 0) when
// the BBFRAMEs carrying bytes [0, gap_start) and [gap_end, end) arrive and those in between
// do not: a packet leaves once the byte after it (the next UP's sync slot, its CRC-8) has
// arrived, and reception resumes at the first UP that starts after the gap.
Bytes expected_around_gap(const Bytes& stream, size_t gap_start, size_t gap_end, size_t end)
{
    const size_t p = kTsPacketBytes;
    Bytes e(stream.begin(), stream.begin() + static_cast<long>((gap_start - 1) / p * p));
    const size_t resume = (gap_end + p - 1) / p * p;
    const size_t last = (end - 1) / p * p;
    if (last > resume)
        e.insert(e.end(), stream.begin() + static_cast<long>(resume),
                 stream.begin() + static_cast<long>(last));
    return e;
}

Bytes build(BbFrameBuilder& b, const FrameFormat& f, BbFrameInfo* info = nullptr,
            uint64_t counter = 0)
{
    Bytes frame(frame_bytes(f), 0xEE); // every byte must be written
    const BbFrameInfo i = b.build(f, counter, frame.data());
    if (info)
        *info = i;
    return frame;
}

} // namespace

TEST_CASE("BBFRAME TS round trip: chunked input with junk, changing formats, SYNCD and "
          "packet counts, padding",
          "[bbframe][ts]")
{
    std::mt19937 rng(11);
    BbFrameBuilderConfig cfg = ts_config();
    cfg.ccm = false;
    cfg.rolloff = RollOff::R035;
    cfg.ts_queue_packets = 1; // raised to what the largest frame needs
    BbFrameBuilder tx(cfg);
    BbFrameParser rx;
    Collect got;

    // The stream as offered: 700 packets, with runs of bytes that cannot start a packet
    // between some of them, in chunks of 1 .. 900 bytes.
    Bytes offered, packets;
    size_t junk = 0;
    for (int i = 0; i < 700; ++i) {
        if (rng() % 10 == 0) {
            const size_t n = 1 + rng() % 300;
            for (size_t j = 0; j < n; ++j)
                offered.push_back(static_cast<uint8_t>(kTsSyncByte + 1 + rng() % 200));
            junk += n;
        }
        const Bytes p = random_ts_packet(rng);
        offered.insert(offered.end(), p.begin(), p.end());
        packets.insert(packets.end(), p.begin(), p.end());
    }

    size_t offered_pos = 0, sent = 0, frames = 0, padded = 0, starts = 0;
    const auto send = [&](const FrameFormat& f, bool allow_padding) {
        REQUIRE(tx.data_ready(f, allow_padding));
        BbFrameInfo info;
        Bytes frame = build(tx, f, &info, frames);
        const BbHeader h = parse_bbheader(frame.data(), frame.size(), field_bits(f));
        CHECK(h.stream_type == StreamType::Transport);
        CHECK(h.upl == kTsUplBits);
        CHECK(h.sync == kTsSyncByte);
        CHECK_FALSE(h.ccm);
        CHECK(h.rolloff == RollOff::R035);
        CHECK(h.dfl == info.dfl);
        CHECK(info.padded == (info.dfl < field_bits(f)));
        // UPs start every 188 bytes of the stream; SYNCD is the distance to the first one
        // in this data field, and info.packets counts them.
        const size_t dfl = info.dfl / 8;
        const size_t first = (sent + kTsPacketBytes - 1) / kTsPacketBytes * kTsPacketBytes;
        const size_t end_starts = (sent + dfl + kTsPacketBytes - 1) / kTsPacketBytes;
        const size_t n_starts = end_starts - first / kTsPacketBytes;
        CHECK(info.packets == n_starts);
        CHECK(h.syncd == (n_starts > 0 ? (first - sent) * 8 : kSyncdNoPacketStart));
        // Zero padding after the data field (§5.2.1).
        CHECK(std::all_of(frame.begin() + static_cast<long>(kBbHeaderBytes + dfl), frame.end(),
                          [](uint8_t b) { return b == 0; }));
        const BbFrameResult r = rx.parse(frame.data(), frame.size(), f, frames, got);
        CHECK(r.status == BbFrameStatus::Ok);
        CHECK(r.header_ok);
        CHECK(r.stream_type == StreamType::Transport);
        sent += dfl;
        starts += n_starts;
        padded += info.padded ? 1 : 0;
        ++frames;
    };

    size_t k = 0;
    while (offered_pos < offered.size()) {
        const size_t chunk = std::min<size_t>(1 + rng() % 900, offered.size() - offered_pos);
        const size_t taken = tx.push_ts(offered.data() + offered_pos, chunk);
        offered_pos += taken;
        const FrameFormat& f = formats()[k % formats().size()];
        if (taken < chunk || tx.ts_bytes_needed(f) == 0) {
            CHECK(tx.ts_bytes_needed(f) == 0);
            send(f, false);
            ++k;
        }
    }
    // The rest goes out padded; a last packet in a frame of its own releases the one
    // before it (a packet leaves the parser once its CRC-8, in the next UP, arrived).
    const FrameFormat& big = formats().back();
    while (tx.data_ready(big, true))
        send(big, true);
    CHECK_FALSE(tx.data_ready(big, false));
    Bytes last_stream;
    queue_ts(tx, rng, 1, last_stream);
    send(formats().front(), true);

    const size_t n_packets = packets.size() / kTsPacketBytes;
    CHECK(sent == packets.size() + kTsPacketBytes);
    CHECK(starts == n_packets + 1);
    CHECK(padded >= 2);
    REQUIRE(got.ts.size() == packets.size());
    CHECK(got.ts == packets);

    const BbFrameBuilderStats s = tx.stats();
    CHECK(s.frames == frames);
    CHECK(s.padded_frames == padded);
    CHECK(s.ts_packets_in == n_packets + 1);
    CHECK(s.bytes_in == packets.size() + kTsPacketBytes);
    CHECK(s.rejected_bytes == junk);
    const BbFrameParserCounters& c = rx.counters();
    CHECK(c.frames == frames);
    CHECK(c.frames_ok == frames);
    CHECK(c.frames_dropped() == 0);
    CHECK(c.ts_packets == n_packets);
    CHECK(c.ts_crc_errors == 0);
    CHECK(rx.ts_stats().packets_ok == n_packets);
}

TEST_CASE("BBFRAME GSE round trip: PDUs of 1 .. 65000 bytes fragmented across frames",
          "[bbframe][gse]")
{
    std::mt19937 rng(12);
    BbFrameBuilderConfig cfg = gse_config();
    cfg.rolloff = RollOff::R025;
    BbFrameBuilder tx(cfg);
    BbFrameParser rx;
    Collect got;

    std::vector<size_t> sizes = { 1, 2, 3, 187, 188, 189, 1500, 4093, 4094, 4095, 4096,
                                  7264, 7265, 9000, 20000, 65000 };
    for (int i = 0; i < 250; ++i)
        sizes.push_back(1 + rng() % (rng() % 5 == 0 ? 9000 : 1500));
    std::vector<Pdu> sent;
    size_t next = 0, frames = 0, completed = 0, padded = 0, bytes = 0;
    while (next < sizes.size() || tx.data_ready(formats()[0], true)) {
        for (int j = static_cast<int>(rng() % 5); j > 0 && next < sizes.size(); --j) {
            sent.push_back(random_pdu(rng, sizes[next++]));
            const Pdu& p = sent.back();
            REQUIRE(tx.push_pdu(p.data.data(), p.data.size(), p.ptype, p.label) ==
                    PushStatus::Accepted);
            bytes += p.data.size();
        }
        if (!tx.data_ready(formats()[0], false))
            continue;
        const FrameFormat& f = formats()[rng() % formats().size()];
        BbFrameInfo info;
        Bytes frame = build(tx, f, &info, frames);
        const BbHeader h = parse_bbheader(frame.data(), frame.size(), field_bits(f));
        CHECK(h.stream_type == StreamType::GenericContinuous);
        CHECK(h.upl == 0);
        CHECK(h.sync == 0);
        CHECK(h.syncd == 0);
        CHECK(h.rolloff == RollOff::R025);
        CHECK(h.dfl == info.dfl);
        CHECK(info.padded == (info.dfl < field_bits(f)));
        const size_t before = got.pdus.size();
        const BbFrameResult r = rx.parse(frame.data(), frame.size(), f, frames, got);
        CHECK(r.status == BbFrameStatus::Ok);
        CHECK(r.stream_type == StreamType::GenericContinuous);
        // The builder counts the PDUs that end in this frame, the parser delivers them.
        CHECK(r.packets == info.packets);
        CHECK(got.pdus.size() - before == info.packets);
        completed += info.packets;
        padded += info.padded ? 1 : 0;
        ++frames;
    }
    CHECK(completed == sent.size());
    CHECK(padded > 0);
    REQUIRE(got.pdus.size() == sent.size());
    size_t fragmented = 0;
    for (size_t i = 0; i < sent.size(); ++i) {
        INFO("PDU " << i << " of " << sent[i].data.size() << " bytes");
        CHECK(got.pdus[i].data == sent[i].data);
        CHECK(got.pdus[i].ptype == sent[i].ptype);
        CHECK(got.pdus[i].label == sent[i].label);
        fragmented += got.pdus[i].fragmented ? 1 : 0;
    }
    CHECK(fragmented > 20);
    CHECK(got.pdus[15].data.size() == 65000);
    CHECK(got.pdus[15].fragmented); // spans several normal frames

    const BbFrameBuilderStats s = tx.stats();
    CHECK(s.frames == frames);
    CHECK(s.padded_frames == padded);
    CHECK(s.pdus_in == sent.size());
    CHECK(s.bytes_in == bytes);
    const BbFrameParserCounters& c = rx.counters();
    CHECK(c.frames_ok == frames);
    CHECK(c.gse_pdus == sent.size());
    CHECK(c.gse_crc_errors == 0);
    CHECK(rx.gse_stats().pdus_reassembled == fragmented);
    CHECK(rx.gse_stats().malformed_packets == 0);
}

TEST_CASE("BBFRAME empty and full frames", "[bbframe]")
{
    std::mt19937 rng(13);
    const FrameFormat f = formats()[1];
    const size_t field = field_bits(f) / 8;

    SECTION("TS: an empty queue gives DFL 0, a full data field exactly when queued")
    {
        BbFrameBuilder tx(ts_config());
        BbFrameParser rx;
        Collect got;
        CHECK_FALSE(tx.data_ready(f, true));
        CHECK(tx.ts_bytes_needed(f) == (field + kTsPacketBytes - 1) / kTsPacketBytes * kTsPacketBytes);
        BbFrameInfo info;
        Bytes frame = build(tx, f, &info);
        CHECK(info.dfl == 0);
        CHECK(info.padded);
        CHECK(info.packets == 0);
        CHECK(parse_bbheader(frame.data(), frame.size()).syncd == kSyncdNoPacketStart);
        CHECK(std::all_of(frame.begin() + kBbHeaderBytes, frame.end(), [](uint8_t b) { return b == 0; }));
        CHECK(rx.parse(frame.data(), frame.size(), f, 0, got).status == BbFrameStatus::Ok);
        CHECK(got.ts.empty());

        // One byte short of a full field: padded only when allowed.
        Bytes stream;
        const size_t whole = field / kTsPacketBytes;
        queue_ts(tx, rng, whole, stream);
        CHECK_FALSE(tx.data_ready(f, false));
        CHECK(tx.data_ready(f, true));
        CHECK(tx.ts_bytes_needed(f) == kTsPacketBytes);
        const Bytes p = random_ts_packet(rng);
        CHECK(tx.push_ts(p.data(), 100) == 100); // part of a packet is not queued yet
        CHECK(tx.ts_bytes_needed(f) == kTsPacketBytes - 100);
        CHECK_FALSE(tx.data_ready(f, false));
        CHECK(tx.push_ts(p.data() + 100, kTsPacketBytes - 100) == kTsPacketBytes - 100);
        CHECK(tx.ts_bytes_needed(f) == 0);
        CHECK(tx.data_ready(f, false));
        frame = build(tx, f, &info);
        CHECK(info.dfl == field * 8);
        CHECK_FALSE(info.padded);
        CHECK(info.packets == whole + 1);
        CHECK(tx.stats().padded_frames == 1);
        CHECK(rx.parse(frame.data(), frame.size(), f, 1, got).status == BbFrameStatus::Ok);
        CHECK(got.ts.size() == whole * kTsPacketBytes); // the last one waits for its CRC
    }
    SECTION("GSE: an empty queue gives DFL 0; a PDU filling the field exactly is not padded")
    {
        BbFrameBuilder tx(gse_config());
        BbFrameParser rx;
        Collect got;
        CHECK_FALSE(tx.data_ready(f, true));
        BbFrameInfo info;
        Bytes frame = build(tx, f, &info);
        CHECK(info.dfl == 0);
        CHECK(info.padded);
        CHECK(rx.parse(frame.data(), frame.size(), f, 0, got).status == BbFrameStatus::Ok);
        CHECK(got.pdus.empty());

        // GSE packet = 2-byte header + Protocol_Type + PDU (broadcast label, whole PDU).
        const Pdu p = random_pdu(rng, field - 4);
        REQUIRE(tx.push_pdu(p.data.data(), p.data.size(), 0x0800) == PushStatus::Accepted);
        CHECK(tx.data_ready(f, false)); // a GSE frame never waits to fill up
        frame = build(tx, f, &info);
        CHECK(info.dfl == field * 8);
        CHECK_FALSE(info.padded);
        CHECK(info.packets == 1);
        CHECK(rx.parse(frame.data(), frame.size(), f, 1, got).status == BbFrameStatus::Ok);
        REQUIRE(got.pdus.size() == 1);
        CHECK(got.pdus[0].data == p.data);
        CHECK_FALSE(got.pdus[0].fragmented);
    }
}

namespace {

// Stands in for an AEAD seal: appends [frame counter (4 bytes)] [xor of the plain BBFRAME
// with the header as sent].
class Trailer final : public BbFrameTransform
{
public:
    size_t data_field_overhead_bits(const FrameFormat&) const override { return 40; }
    void apply(const FrameFormat&, uint64_t counter, BbHeader& header, uint8_t* field,
               size_t field_bytes) override
    {
        REQUIRE(header.dfl / 8u + 5 <= field_bytes);
        uint8_t* t = field + header.dfl / 8;
        for (int i = 0; i < 4; ++i)
            t[i] = static_cast<uint8_t>(counter >> (24 - 8 * i));
        header.dfl = static_cast<uint16_t>(header.dfl + 40);
        const auto h = encode_bbheader(header);
        uint8_t x = 0;
        for (uint8_t b : h)
            x ^= b;
        for (size_t i = 0; i < header.dfl / 8u - 1; ++i)
            x ^= field[i];
        t[4] = x;
    }
};

// The inverse: checks the xor and that the counter matches, strips the trailer and writes
// the header back as mode adaptation made it.
class TrailerOpen final : public BbFrameOpener
{
public:
    size_t open(uint8_t* frame, size_t len, const FrameFormat&, uint64_t counter) override
    {
        BbHeader h;
        if (try_parse_bbheader(frame, len, h, (len - kBbHeaderBytes) * 8) != BbHeaderStatus::Ok ||
            h.dfl < 40)
            return 0;
        const size_t end = kBbHeaderBytes + h.dfl / 8u;
        uint8_t x = 0;
        for (size_t i = 0; i < end - 1; ++i)
            x ^= frame[i];
        uint64_t c = 0;
        for (size_t i = end - 5; i < end - 1; ++i)
            c = c << 8 | frame[i];
        if (x != frame[end - 1] || c != counter)
            return 0;
        std::memset(frame + end - 5, 0, 5);
        h.dfl = static_cast<uint16_t>(h.dfl - 40);
        const auto b = encode_bbheader(h);
        std::memcpy(frame, b.data(), kBbHeaderBytes);
        return len - 5; // what the builder's mode adaptation filled
    }
};

class Overhead final : public BbFrameTransform
{
public:
    explicit Overhead(size_t bits, size_t grow = 0) : m_bits(bits), m_grow(grow) {}
    size_t data_field_overhead_bits(const FrameFormat&) const override { return m_bits; }
    void apply(const FrameFormat&, uint64_t, BbHeader& h, uint8_t*, size_t field_bytes) override
    {
        if (m_grow)
            h.dfl = static_cast<uint16_t>(field_bytes * 8 + m_grow);
    }

private:
    size_t m_bits, m_grow;
};

} // namespace

TEST_CASE("BBFRAME transform and opener: room left, applied with the frame counter, "
          "a rejected frame counted and the gap respected",
          "[bbframe][transform]")
{
    std::mt19937 rng(14);
    auto seal = std::make_shared<Trailer>();
    BbFrameBuilder tx(ts_config(), seal);
    BbFrameParser rx({}, std::make_shared<TrailerOpen>());
    Collect got;
    const FrameFormat f = formats()[0];
    CHECK(tx.overhead_bits(f) == 40);
    const size_t room = field_bits(f) / 8 - 5;

    Bytes stream;
    queue_ts(tx, rng, 20, stream);
    CHECK(tx.ts_bytes_needed(f) == 0);
    std::vector<Bytes> frames;
    for (uint64_t counter = 100; counter < 106; ++counter) {
        BbFrameInfo info;
        frames.push_back(build(tx, f, &info, counter));
        CHECK(info.dfl == room * 8 + 40); // the header as sent
        CHECK_FALSE(info.padded);
    }
    // Frame 102 is tampered with: the opener refuses it, the packets it carried and the
    // one it would have completed are lost, and the parser resumes at the next SYNCD.
    frames[2][kBbHeaderBytes + 7] ^= 0x01;
    for (uint64_t i = 0; i < frames.size(); ++i) {
        const BbFrameResult r = rx.parse(frames[i].data(), frames[i].size(), f, 100 + i, got);
        CHECK(r.status == (i == 2 ? BbFrameStatus::OpenFailed : BbFrameStatus::Ok));
    }
    CHECK(rx.counters().frames_open_failed == 1);
    CHECK(rx.counters().frames_ok == 5);
    CHECK(rx.ts_stats().frames_lost == 1);
    CHECK(rx.ts_stats().resyncs == 1);
    // Frame 2 is gone with the packet it ended and the one it started; from frame 3 on
    // reception resumes at the first whole packet.
    CHECK(got.ts == expected_around_gap(stream, 2 * room, 3 * room, 6 * room));
    CHECK(rx.ts_stats().packets_lost == 1);
    CHECK(rx.counters().ts_crc_errors == 0);

    // Overheads that cannot work: not whole bytes, no byte left for the payload.
    CHECK_THROWS_AS(BbFrameBuilder(ts_config(), std::make_shared<Overhead>(12)).overhead_bits(f),
                    ConfigError);
    CHECK_THROWS_AS(BbFrameBuilder(ts_config(), std::make_shared<Overhead>(field_bits(f))).overhead_bits(f),
                    ConfigError);
    CHECK(BbFrameBuilder(ts_config(), std::make_shared<Overhead>(field_bits(f) - 8)).overhead_bits(f) ==
          field_bits(f) - 8);
    // A transform whose DFL overruns the data field.
    BbFrameBuilder bad(gse_config(), std::make_shared<Overhead>(8, 8));
    Bytes frame(frame_bytes(f));
    CHECK_THROWS_AS(bad.build(f, 0, frame.data()), Error);
}

TEST_CASE("BBFRAME parser: bad BBHEADERs are counted, dropped and break the packet chain",
          "[bbframe][header]")
{
    std::mt19937 rng(15);
    const FrameFormat f = formats()[2]; // normal QPSK 1/2
    BbFrameBuilder tx(ts_config());
    Bytes stream;
    queue_ts(tx, rng, 400, stream);
    std::vector<Bytes> frames;
    for (int i = 0; i < 8; ++i)
        frames.push_back(build(tx, f));

    // Parses all frames with frame 3 replaced by `bad`; returns the result for frame 3.
    const auto run = [&](const Bytes& bad, BbFrameParser& rx, Collect& got) {
        BbFrameResult r3;
        for (size_t i = 0; i < frames.size(); ++i) {
            Bytes fr = i == 3 ? bad : frames[i];
            const BbFrameResult r = rx.parse(fr.data(), fr.size(), f, i, got);
            if (i == 3)
                r3 = r;
            else
                CHECK(r.status == BbFrameStatus::Ok);
        }
        return r3;
    };
    // Reference: every packet but the last arrives.
    {
        BbFrameParser rx;
        Collect got;
        CHECK(run(frames[3], rx, got).status == BbFrameStatus::Ok);
        CHECK(got.ts.size() == 8 * field_bits(f) / 8 / kTsPacketBytes * kTsPacketBytes);
    }
    const size_t all = 8 * field_bits(f) / 8 / kTsPacketBytes;

    struct Case {
        const char* name;
        BbFrameStatus status;
        BbHeaderStatus header;
        bool header_ok;
    };
    const auto check_case = [&](const Case& c, const Bytes& bad) {
        INFO(c.name);
        BbFrameParser rx;
        Collect got;
        const BbFrameResult r = run(bad, rx, got);
        CHECK(r.status == c.status);
        CHECK(r.header_ok == c.header_ok);
        CHECK(r.packets == 0);
        if (c.status == BbFrameStatus::BadHeader)
            CHECK(r.header == c.header);
        const BbFrameParserCounters& n = rx.counters();
        CHECK(n.frames == 8);
        CHECK(n.frames_ok == 7);
        CHECK(n.frames_dropped() == 1);
        CHECK(n.frames_bad_header == (c.status == BbFrameStatus::BadHeader ? 1u : 0u));
        CHECK(n.frames_unsupported_stream == (c.status == BbFrameStatus::UnsupportedStream ? 1u : 0u));
        CHECK(n.header_crc_errors == (c.header == BbHeaderStatus::BadCrc ? 1u : 0u));
        CHECK(n.header_reserved == (c.header == BbHeaderStatus::ReservedStreamType ||
                                            c.header == BbHeaderStatus::ReservedRollOff
                                        ? 1u
                                        : 0u));
        CHECK(n.header_bad_length == (c.header == BbHeaderStatus::BadLength ? 1u : 0u));
        // The dropped frame's packets, the one it ended and the one it started are lost;
        // everything delivered is intact and in order.
        const size_t field = field_bits(f) / 8;
        const Bytes expected = expected_around_gap(stream, 3 * field, 4 * field, 8 * field);
        CHECK(got.ts == expected);
        CHECK(expected.size() / kTsPacketBytes + field / kTsPacketBytes + 1 == all);
        CHECK(rx.ts_stats().packets_crc_error == 0);
        CHECK(rx.ts_stats().resyncs == 1);
    };

    Bytes bad = frames[3];
    bad[4] ^= 0x02; // a DFL bit: the CRC-8 no longer matches
    check_case({ "CRC-8", BbFrameStatus::BadHeader, BbHeaderStatus::BadCrc, false }, bad);

    bad = frames[3];
    bad[9] ^= 0x80; // the CRC byte itself
    check_case({ "CRC byte", BbFrameStatus::BadHeader, BbHeaderStatus::BadCrc, false }, bad);

    bad = frames[3];
    edit_header(bad, [&](BbHeader& h) { h.dfl = static_cast<uint16_t>(field_bits(f) + 8); });
    check_case({ "DFL beyond the field", BbFrameStatus::BadHeader, BbHeaderStatus::BadLength, false },
               bad);

    bad = frames[3];
    edit_header(bad, [&](BbHeader& h) { h.syncd = h.dfl; });
    check_case({ "SYNCD beyond DFL", BbFrameStatus::BadHeader, BbHeaderStatus::BadLength, false }, bad);

    bad = frames[3];
    edit_header(bad, [&](BbHeader& h) { h.syncd = static_cast<uint16_t>(h.syncd + 4); });
    check_case({ "SYNCD not on a byte", BbFrameStatus::BadHeader, BbHeaderStatus::BadLength, true }, bad);

    bad = frames[3];
    edit_header(bad, [&](BbHeader& h) { h.dfl = static_cast<uint16_t>(h.dfl - 4); });
    check_case({ "DFL not on a byte", BbFrameStatus::BadHeader, BbHeaderStatus::BadLength, true }, bad);

    bad = frames[3];
    bad[0] = static_cast<uint8_t>(bad[0] | 0x03); // RO = 11
    bad[9] = crc8(bad.data(), 9);
    check_case({ "reserved RO", BbFrameStatus::BadHeader, BbHeaderStatus::ReservedRollOff, false }, bad);

    bad = frames[3];
    bad[0] = static_cast<uint8_t>((bad[0] & 0x3F) | 0x80); // TS/GS = 10
    bad[9] = crc8(bad.data(), 9);
    check_case({ "reserved TS/GS", BbFrameStatus::BadHeader, BbHeaderStatus::ReservedStreamType, false },
               bad);

    bad = frames[3];
    edit_header(bad, [&](BbHeader& h) { h.upl = 204 * 8; });
    check_case({ "UPL not 188 bytes", BbFrameStatus::UnsupportedStream, BbHeaderStatus::Ok, true }, bad);

    bad = frames[3];
    edit_header(bad, [&](BbHeader& h) { h.sync = 0xB8; });
    check_case({ "SYNC not 0x47", BbFrameStatus::UnsupportedStream, BbHeaderStatus::Ok, true }, bad);

    bad = frames[3];
    edit_header(bad, [&](BbHeader& h) { h.npd = true; });
    check_case({ "null-packet deletion", BbFrameStatus::UnsupportedStream, BbHeaderStatus::Ok, true }, bad);

    bad = frames[3];
    edit_header(bad, [&](BbHeader& h) { h.stream_type = StreamType::GenericPacketized; });
    check_case({ "generic packetized", BbFrameStatus::UnsupportedStream, BbHeaderStatus::Ok, true }, bad);
}

TEST_CASE("BBFRAME parser: SYNCD disagreeing with the running position resynchronises",
          "[bbframe][ts]")
{
    std::mt19937 rng(16);
    const FrameFormat f = formats()[0];
    BbFrameBuilder tx(ts_config());
    BbFrameParser rx;
    Collect got;
    Bytes stream;
    queue_ts(tx, rng, 40, stream);
    std::vector<Bytes> frames;
    for (int i = 0; i < 6; ++i)
        frames.push_back(build(tx, f));
    // A frame that vanished without being reported: SYNCD of frame 3 does not continue
    // frame 1's packets.
    for (size_t i : { 0, 1, 3, 4, 5 })
        CHECK(rx.parse(frames[i].data(), frames[i].size(), f, i, got).status == BbFrameStatus::Ok);
    CHECK(rx.ts_stats().resyncs == 1);
    CHECK(rx.counters().frames_ok == 5);
    CHECK(rx.counters().frames_dropped() == 0);
    CHECK(rx.ts_stats().packets_lost == 1);
    const size_t field = field_bits(f) / 8;
    CHECK(got.ts == expected_around_gap(stream, 2 * field, 3 * field, 6 * field));
}

TEST_CASE("BBFRAME parser: lost frames, TS CRC-8 failures, truncated and oversized frames",
          "[bbframe]")
{
    std::mt19937 rng(17);
    const FrameFormat f = formats()[0];

    SECTION("frame_lost() drops what the gap interrupted")
    {
        BbFrameBuilder tx(ts_config());
        BbFrameParser rx;
        Collect got;
        Bytes stream;
        queue_ts(tx, rng, 20, stream);
        Bytes a = build(tx, f);
        build(tx, f); // never arrives
        Bytes b = build(tx, f);
        CHECK(rx.parse(a.data(), a.size(), f, 0, got).status == BbFrameStatus::Ok);
        rx.frame_lost();
        CHECK(rx.parse(b.data(), b.size(), f, 2, got).status == BbFrameStatus::Ok);
        CHECK(rx.counters().frames_lost == 1);
        CHECK(rx.counters().frames == 2);
        CHECK(rx.ts_stats().frames_lost == 1);
        CHECK(rx.gse_stats().frames_lost == 1);
        CHECK(rx.ts_stats().packets_lost == 1);
        const size_t field = field_bits(f) / 8;
        CHECK(got.ts == expected_around_gap(stream, field, 2 * field, 3 * field));
    }
    SECTION("a packet with a bad CRC-8 is delivered with TEI set or dropped")
    {
        for (TsCrcErrorPolicy policy : { TsCrcErrorPolicy::FlagTei, TsCrcErrorPolicy::Drop }) {
            BbFrameBuilder tx(ts_config());
            BbFrameParserConfig pc;
            pc.ts_crc_policy = policy;
            BbFrameParser rx(pc);
            Collect got;
            Bytes stream;
            queue_ts(tx, rng, 20, stream);
            Bytes a = build(tx, f), b = build(tx, f);
            a[kBbHeaderBytes + 50] ^= 0x10; // inside the first packet
            // The packet is complete, and checked, when the next one starts in frame a.
            CHECK(rx.parse(a.data(), a.size(), f, 0, got).crc_failures == 1);
            CHECK(rx.parse(b.data(), b.size(), f, 1, got).crc_failures == 0);
            CHECK(rx.counters().ts_crc_errors == 1);
            const size_t n = (2 * field_bits(f) / 8 - 1) / kTsPacketBytes;
            if (policy == TsCrcErrorPolicy::FlagTei) {
                REQUIRE(got.ts.size() == n * kTsPacketBytes);
                CHECK((got.ts[1] & 0x80) != 0);
                CHECK(std::equal(got.ts.begin() + 188, got.ts.end(), stream.begin() + 188));
                CHECK(rx.counters().ts_packets == n);
            } else {
                REQUIRE(got.ts.size() == (n - 1) * kTsPacketBytes);
                CHECK(std::equal(got.ts.begin(), got.ts.end(), stream.begin() + 188));
            }
        }
    }
    SECTION("too short, too long or null frames are bad headers")
    {
        BbFrameBuilder tx(gse_config());
        BbFrameParser rx;
        Collect got;
        Bytes frame = build(tx, f);
        CHECK(rx.parse(frame.data(), kBbHeaderBytes, f, 0, got).header == BbHeaderStatus::TooShort);
        CHECK(rx.parse(nullptr, 0, f, 0, got).header == BbHeaderStatus::TooShort);
        Bytes huge(static_cast<size_t>(kMaxKbch) / 8 + 1);
        std::memcpy(huge.data(), frame.data(), kBbHeaderBytes);
        CHECK(rx.parse(huge.data(), huge.size(), f, 0, got).header == BbHeaderStatus::BadLength);
        CHECK(rx.parse(frame.data(), frame.size(), f, 0, got).status == BbFrameStatus::Ok);
        CHECK(rx.counters().frames_bad_header == 3);
        CHECK(rx.counters().header_bad_length == 3);
        CHECK(rx.counters().frames_ok == 1);
    }
}

TEST_CASE("BbFrameBuilder input checks and refusals", "[bbframe]")
{
    BbFrameBuilderConfig zero_ts = ts_config();
    zero_ts.ts_queue_packets = 0;
    CHECK_THROWS_AS(BbFrameBuilder(zero_ts), ConfigError);
    BbFrameBuilderConfig zero_gse = gse_config();
    zero_gse.gse_queue_bytes = 0;
    CHECK_THROWS_AS(BbFrameBuilder(zero_gse), ConfigError);

    BbFrameBuilder ts(ts_config());
    const uint8_t pdu[100] = { 0x45 };
    CHECK_THROWS_AS(ts.push_pdu(pdu, sizeof pdu, 0x0800), ConfigError);
    CHECK_THROWS_AS(ts.push_ts(nullptr, 10), ConfigError);
    CHECK(ts.push_ts(nullptr, 0) == 0);
    CHECK_THROWS_AS(ts.build(formats()[0], 0, nullptr), ConfigError);

    BbFrameBuilderConfig small = gse_config();
    small.gse_queue_bytes = 150;
    BbFrameBuilder gse(small);
    CHECK_THROWS_AS(gse.push_ts(pdu, 10), ConfigError);
    CHECK(gse.ts_bytes_needed(formats()[0]) == 0);
    CHECK(gse.push_pdu(pdu, 0, 0x0800) == PushStatus::Invalid);
    CHECK(gse.push_pdu(pdu, sizeof pdu, 0x0100) == PushStatus::Invalid); // not an EtherType
    CHECK(gse.push_pdu(pdu, sizeof pdu, 0x0800) == PushStatus::Accepted);
    CHECK(gse.push_pdu(pdu, sizeof pdu, 0x0800) == PushStatus::QueueFull);
    const BbFrameBuilderStats s = gse.stats();
    CHECK(s.rejected_pdus == 3);
    CHECK(s.pdus_in == 1);
    CHECK(s.bytes_in == sizeof pdu);
}
