// SPDX-License-Identifier: GPL-3.0-or-later
// TS mode adaptation (EN 302 307-1 §5.1): TsFramer against an independent bit-level
// reference of the standard, round trips through TsDeframer, losses and malformed input.
#include <catch2/catch.hpp>
#include <dualsat/core/error.h>
#include <dualsat/modcod/modcod.h>
#include <dualsat/framing/ts_adaptation.h>

#include <algorithm>
#include <random>
#include <set>
#include <vector>

using namespace dualsat;

namespace {

using Packet = std::vector<uint8_t>;

// CRC-8 straight from the shift register of §5.1.4 (g = X^8+X^7+X^6+X^4+X^2+1), one bit
// at a time: the oracle for both the UP CRC and the BBHEADER CRC.
uint8_t crc8_serial(const uint8_t* data, size_t len)
{
    uint8_t reg = 0;
    for (size_t i = 0; i < len; ++i)
        for (int b = 7; b >= 0; --b) {
            int fb = ((reg >> 7) & 1) ^ ((data[i] >> b) & 1);
            reg = static_cast<uint8_t>(reg << 1);
            if (fb)
                reg ^= 0xD5;
        }
    return reg;
}

struct BitWriter {
    std::vector<uint8_t> bytes;
    size_t nbits = 0;
    void put(uint32_t value, int width)
    {
        for (int b = width - 1; b >= 0; --b) {
            if (nbits % 8 == 0)
                bytes.push_back(0);
            if ((value >> b) & 1)
                bytes.back() |= static_cast<uint8_t>(0x80 >> (nbits % 8));
            ++nbits;
        }
    }
};

std::vector<Packet> random_packets(size_t count, std::mt19937& rng)
{
    std::vector<Packet> pkts(count, Packet(kTsPacketBytes));
    for (auto& p : pkts) {
        for (auto& b : p)
            b = static_cast<uint8_t>(rng());
        p[0] = kTsSyncByte;
        p[1] &= 0x7F; // transport_error_indicator clear, as a healthy source sends
    }
    return pkts;
}

// The UP stream as §5.1.4 defines it: each sync byte replaced by the CRC-8 of the
// previous packet's 187 useful bytes; the first one by 0x00 (gr-dtv's convention).
std::vector<uint8_t> reference_up_stream(const std::vector<Packet>& pkts)
{
    std::vector<uint8_t> s;
    uint8_t prev = 0;
    for (const auto& p : pkts) {
        s.push_back(prev);
        s.insert(s.end(), p.begin() + 1, p.end());
        prev = crc8_serial(p.data() + 1, kTsPacketBytes - 1);
    }
    return s;
}

// One BBFRAME cut from the UP stream at offset, header laid out bit by bit (§5.1.6).
std::vector<uint8_t> reference_frame(const std::vector<uint8_t>& stream, size_t offset, int kbch,
                                     bool ccm, int ro)
{
    const size_t field = static_cast<size_t>(kbch) / 8 - 10;
    const size_t dfl_bytes = std::min(field, stream.size() - offset);
    size_t next_start = (offset + kTsPacketBytes - 1) / kTsPacketBytes * kTsPacketBytes;
    size_t d = next_start - offset;
    uint32_t syncd = d < dfl_bytes ? static_cast<uint32_t>(d * 8) : 0xFFFF;
    BitWriter w;
    w.put(3, 2);       // TS/GS = 11 transport
    w.put(1, 1);       // SIS
    w.put(ccm, 1);     // CCM/ACM
    w.put(0, 1);       // ISSYI
    w.put(0, 1);       // NPD
    w.put(ro, 2);      // RO
    w.put(0, 8);       // MATYPE-2
    w.put(1504, 16);   // UPL
    w.put(static_cast<uint32_t>(dfl_bytes * 8), 16);
    w.put(0x47, 8);    // SYNC
    w.put(syncd, 16);
    w.put(crc8_serial(w.bytes.data(), 9), 8);
    std::vector<uint8_t> f = w.bytes;
    f.insert(f.end(), stream.begin() + static_cast<long>(offset),
             stream.begin() + static_cast<long>(offset + dfl_bytes));
    f.resize(static_cast<size_t>(kbch) / 8, 0);
    return f;
}

std::vector<int> all_kbch()
{
    std::vector<int> k;
    for (FrameSize fs : { FrameSize::Normal, FrameSize::Short })
        for (int r = 0; r < kNumCodeRates; ++r)
            if (code_exists(fs, static_cast<CodeRate>(r)))
                k.push_back(code_params(fs, static_cast<CodeRate>(r)).kbch);
    return k;
}

struct Framed {
    std::vector<std::vector<uint8_t>> frames;
    std::vector<int> kbch;
    std::vector<size_t> offset; // UP-stream offset of each data field
    std::vector<size_t> dfl_bytes;
};

// Frames the packets with a random K_bch per frame until the queue is empty.
Framed frame_all(const std::vector<Packet>& pkts, std::mt19937& rng, TsFramer& framer)
{
    auto ks = all_kbch();
    for (const auto& p : pkts)
        REQUIRE(framer.push(p.data()));
    Framed out;
    size_t offset = 0;
    while (framer.queued_bytes() > 0) {
        int k = ks[rng() % ks.size()];
        std::vector<uint8_t> f(static_cast<size_t>(k) / 8);
        size_t dfl = framer.build(k, true, RollOff::R020, f.data());
        out.frames.push_back(std::move(f));
        out.kbch.push_back(k);
        out.offset.push_back(offset);
        out.dfl_bytes.push_back(dfl / 8);
        offset += dfl / 8;
    }
    return out;
}

std::vector<Packet> split(const std::vector<uint8_t>& bytes)
{
    REQUIRE(bytes.size() % kTsPacketBytes == 0);
    std::vector<Packet> v;
    for (size_t i = 0; i < bytes.size(); i += kTsPacketBytes)
        v.emplace_back(bytes.begin() + static_cast<long>(i),
                       bytes.begin() + static_cast<long>(i + kTsPacketBytes));
    return v;
}

} // namespace

TEST_CASE("TsFramer equals the bit-level reference over every K_bch", "[ts][framer]")
{
    std::mt19937 rng(11);
    auto ks = all_kbch();
    REQUIRE(ks.size() == 21);
    auto pkts = random_packets(800, rng);
    auto stream = reference_up_stream(pkts);

    for (bool ccm : { true, false }) {
        TsFramer framer(1000);
        REQUIRE(framer.push_packets(nullptr, 0) == 0);
        for (const auto& p : pkts)
            framer.push(p.data());
        size_t offset = 0;
        int frame_no = 0;
        // Every K_bch in turn, then random ones, while full frames are possible.
        while (framer.can_fill(58192)) {
            int k = frame_no < 21 ? ks[static_cast<size_t>(frame_no)] : ks[rng() % ks.size()];
            int ro = frame_no % 3;
            std::vector<uint8_t> f(static_cast<size_t>(k) / 8);
            size_t dfl = framer.build(k, ccm, static_cast<RollOff>(ro), f.data());
            REQUIRE(dfl == static_cast<size_t>(k) - 80);
            REQUIRE(f == reference_frame(stream, offset, k, ccm, ro));
            offset += dfl / 8;
            ++frame_no;
        }
        CHECK(frame_no > 21);
        CHECK(framer.stats().frames_padded == 0);
        // The rest goes out in one padded frame ending on a packet boundary.
        std::vector<uint8_t> f(58192 / 8);
        size_t dfl = framer.build(58192, ccm, RollOff::R035, f.data());
        CHECK(dfl / 8 == stream.size() - offset);
        CHECK(f == reference_frame(stream, offset, 58192, ccm, 0));
        CHECK(framer.stats().frames_padded == 1);
        CHECK(framer.stats().padding_bits == 58112 - dfl);
    }
}

TEST_CASE("TsFramer padding policy and SYNCD when no packet starts", "[ts][framer]")
{
    std::mt19937 rng(12);
    auto pkts = random_packets(3, rng);
    TsFramer framer(8);
    for (const auto& p : pkts)
        framer.push(p.data());
    const int k = 3072; // short 1/4: 374-byte data field
    std::vector<uint8_t> f(k / 8);

    // 564 bytes queued: a full frame, then 190 bytes (2 of packet 1, all of packet 2).
    REQUIRE(framer.can_fill(k));
    CHECK(framer.build(k, true, RollOff::R035, f.data()) == 374 * 8);
    REQUIRE_FALSE(framer.can_fill(k));
    CHECK(framer.build(k, true, RollOff::R035, f.data()) == 190 * 8);
    BbHeader h = parse_bbheader(f.data(), f.size(), k - 80);
    CHECK(h.dfl == 190 * 8);
    CHECK(h.syncd == 2 * 8);
    CHECK(std::all_of(f.begin() + 10 + 190, f.end(), [](uint8_t b) { return b == 0; }));
    CHECK(framer.stats().frames_padded == 1);

    // Empty queue: DFL = 0, no UP starts, all padding.
    std::fill(f.begin(), f.end(), 0xAA);
    CHECK(framer.build(k, true, RollOff::R035, f.data()) == 0);
    h = parse_bbheader(f.data(), f.size(), k - 80);
    CHECK(h.dfl == 0);
    CHECK(h.syncd == kSyncdNoPacketStart);
    CHECK(std::all_of(f.begin() + 10, f.end(), [](uint8_t b) { return b == 0; }));
    CHECK(framer.stats().frames_padded == 2);

    // Only the tail of a split packet queued: no UP starts in the short field either.
    TsFramer tail(4);
    tail.push(pkts[0].data());
    tail.push(pkts[1].data());
    CHECK(tail.build(k, true, RollOff::R035, f.data()) == 374 * 8); // 2 bytes remain
    CHECK(tail.build(k, true, RollOff::R035, f.data()) == 2 * 8);
    h = parse_bbheader(f.data(), f.size(), k - 80);
    CHECK(h.syncd == kSyncdNoPacketStart);
    CHECK(f[10] == pkts[1][186]);
    CHECK(f[11] == pkts[1][187]);
}

TEST_CASE("TsFramer rejects bad sync, full queue and bad parameters", "[ts][framer]")
{
    std::mt19937 rng(13);
    auto pkts = random_packets(6, rng);
    pkts[2][0] = 0x48;
    pkts[4][0] = 0xB8; // inverted sync (as in DVB-S's first packet): still not 0x47
    TsFramer framer(16);
    std::vector<uint8_t> all;
    for (const auto& p : pkts)
        all.insert(all.end(), p.begin(), p.end());
    CHECK(framer.push_packets(all.data(), all.size()) == 4);
    CHECK(framer.stats().packets_rejected_sync == 2);
    CHECK(framer.stats().packets_accepted == 4);
    CHECK(framer.queued_bytes() == 4 * kTsPacketBytes);
    CHECK_THROWS_AS(framer.push_packets(all.data(), 100), ConfigError);

    // The good packets arrive intact, with an unbroken CRC chain.
    std::vector<Packet> good = { pkts[0], pkts[1], pkts[3], pkts[5] };
    std::vector<uint8_t> stream = reference_up_stream(good);
    std::vector<uint8_t> f(58192 / 8);
    framer.build(58192, true, RollOff::R035, f.data());
    CHECK(std::equal(stream.begin(), stream.end(), f.begin() + 10));

    TsFramer small(2);
    CHECK(small.push(pkts[0].data()));
    CHECK(small.push(pkts[1].data()));
    CHECK_FALSE(small.push(pkts[3].data()));
    CHECK(small.stats().packets_rejected_full == 1);
    CHECK_THROWS_AS(TsFramer(0), ConfigError);
    CHECK_THROWS_AS(small.build(3073, true, RollOff::R035, f.data()), ConfigError);
    CHECK_THROWS_AS(small.build(58200, true, RollOff::R035, f.data()), ConfigError);
    CHECK_THROWS_AS(small.build(80, true, RollOff::R035, f.data()), ConfigError);
    CHECK_THROWS_AS(small.build(3072, true, RollOff::R035, nullptr), ConfigError);
    TsDeframer d;
    std::vector<uint8_t> out;
    CHECK_THROWS_AS(d.process(f.data(), 1001, out), ConfigError);
    // SYNCD pointing past an empty data field: dropped, never read beyond it.
    for (uint16_t syncd : { 0, 8, 800 }) {
        BbHeader h;
        h.upl = kTsUplBits;
        h.sync = kTsSyncByte;
        h.dfl = 0;
        h.syncd = syncd;
        auto hb = encode_bbheader(h);
        std::vector<uint8_t> fr(3072 / 8, 0x47);
        std::copy(hb.begin(), hb.end(), fr.begin());
        CHECK(d.process(fr.data(), 3072, out) == 0);
    }
    CHECK(d.stats().frames_bad_length == 3);
    CHECK(out.empty());
}

TEST_CASE("TS round trip across changing K_bch and padded frames", "[ts][deframer]")
{
    std::mt19937 rng(21);
    auto ks = all_kbch();
    TsFramer framer(64);
    TsDeframer deframer;
    std::vector<Packet> sent;
    std::vector<uint8_t> received;
    std::vector<uint8_t> f(58192 / 8);
    // Packets arrive in bursts smaller and larger than a frame, so some frames are
    // padded and some leave a backlog.
    for (int frame = 0; frame < 400; ++frame) {
        size_t burst = rng() % 40;
        for (const auto& p : random_packets(std::min(burst, framer.free_packets()), rng)) {
            REQUIRE(framer.push(p.data()));
            sent.push_back(p);
        }
        int k = ks[rng() % ks.size()];
        framer.build(k, rng() % 2, static_cast<RollOff>(rng() % 3), f.data());
        deframer.process(f.data(), k, received);
    }
    // Drain, then one empty frame so the last packet's CRC byte arrives... which it
    // cannot: the last packet waits for a successor.
    while (framer.queued_bytes() > 0) {
        framer.build(58192, true, RollOff::R035, f.data());
        deframer.process(f.data(), 58192, received);
    }
    auto got = split(received);
    REQUIRE(sent.size() > 2000);
    REQUIRE(got.size() == sent.size() - 1);
    CHECK(std::equal(got.begin(), got.end(), sent.begin()));
    CHECK(framer.stats().frames_padded > 10);
    CHECK(deframer.stats().packets_ok == got.size());
    CHECK(deframer.stats().packets_crc_error == 0);
    CHECK(deframer.stats().packets_lost == 0);
    CHECK(deframer.stats().resyncs == 0);

    // One more packet releases the held one.
    auto extra = random_packets(1, rng);
    framer.push(extra[0].data());
    framer.build(3072, true, RollOff::R035, f.data());
    std::vector<uint8_t> last;
    CHECK(deframer.process(f.data(), 3072, last) == 1);
    CHECK(Packet(last.begin(), last.end()) == sent.back());
}

TEST_CASE("TS lost BBFRAME: exactly the affected packets are lost", "[ts][deframer]")
{
    // A packet is affected if any of its 187 useful bytes, or the CRC byte that follows
    // it (the next UP's sync slot), was in the lost frame.
    for (int mode = 0; mode < 3; ++mode) {
        std::mt19937 rng(31 + static_cast<unsigned>(mode));
        auto pkts = random_packets(600, rng);
        TsFramer framer(600);
        Framed fr = frame_all(pkts, rng, framer);
        REQUIRE(fr.frames.size() > 8);
        for (size_t lost = 1; lost + 1 < fr.frames.size(); lost += 3) {
            TsDeframer d;
            std::vector<uint8_t> out;
            for (size_t i = 0; i < fr.frames.size(); ++i) {
                if (i != lost) {
                    d.process(fr.frames[i].data(), fr.kbch[i], out);
                } else if (mode == 1) {
                    d.frame_lost();
                } else if (mode == 2) {
                    auto bad = fr.frames[i];
                    bad[5] ^= 0x08; // DFL bit: header CRC fails
                    d.process(bad.data(), fr.kbch[i], out);
                } // mode 0: vanished without notice; SYNCD must reveal it
            }
            const size_t lo = fr.offset[lost], hi = lo + fr.dfl_bytes[lost];
            std::vector<Packet> expected;
            for (size_t n = 0; n + 1 < pkts.size(); ++n) { // the last one is still held
                size_t first = n * kTsPacketBytes + 1, last = n * kTsPacketBytes + 188;
                if (last < lo || first >= hi)
                    expected.push_back(pkts[n]);
            }
            auto got = split(out);
            INFO("mode " << mode << " lost frame " << lost);
            REQUIRE(got.size() == expected.size());
            CHECK(got == expected);
            CHECK(d.stats().packets_crc_error == 0);
            CHECK(d.stats().resyncs == 1);
            CHECK(d.stats().packets_lost >= 1);
            CHECK(d.stats().packets_lost <= 2);
            CHECK(d.stats().frames_bad_header == (mode == 2 ? 1u : 0u));
            CHECK(d.stats().frames_lost == (mode == 1 ? 1u : 0u));
        }
    }
}

TEST_CASE("TS CRC-8 errors are flagged with TEI or dropped", "[ts][deframer]")
{
    std::mt19937 rng(41);
    auto pkts = random_packets(300, rng);
    TsFramer framer(300);
    Framed fr = frame_all(pkts, rng, framer);
    // One bit flipped in every third frame's data field; each packet spans at most two
    // frames, so no packet gets two errors and CRC-8 (which has the factor X+1) sees
    // every one of them.
    std::set<size_t> hit; // index into the UP stream
    for (size_t i = 0; i < fr.frames.size(); i += 3) {
        if (fr.dfl_bytes[i] == 0)
            continue;
        size_t at = rng() % fr.dfl_bytes[i];
        fr.frames[i][10 + at] ^= static_cast<uint8_t>(1u << (rng() % 8));
        hit.insert(fr.offset[i] + at);
    }
    // Packet n is corrupted if a useful byte or its trailing CRC byte was hit.
    std::vector<bool> bad(pkts.size(), false);
    for (size_t s : hit)
        if (s % kTsPacketBytes == 0) {
            if (s > 0)
                bad[s / kTsPacketBytes - 1] = true;
        } else {
            bad[s / kTsPacketBytes] = true;
        }

    for (auto policy : { TsCrcErrorPolicy::FlagTei, TsCrcErrorPolicy::Drop }) {
        TsDeframer d(policy);
        std::vector<uint8_t> out;
        for (size_t i = 0; i < fr.frames.size(); ++i)
            d.process(fr.frames[i].data(), fr.kbch[i], out);
        auto got = split(out);
        size_t nbad = static_cast<size_t>(std::count(bad.begin(), bad.end() - 1, true));
        REQUIRE(nbad > 3);
        CHECK(d.stats().packets_crc_error == nbad);
        if (policy == TsCrcErrorPolicy::FlagTei) {
            REQUIRE(got.size() == pkts.size() - 1);
            for (size_t n = 0; n < got.size(); ++n) {
                INFO("packet " << n);
                CHECK(((got[n][1] & 0x80) != 0) == bad[n]);
                if (!bad[n])
                    CHECK(got[n] == pkts[n]);
                CHECK(got[n][0] == kTsSyncByte);
            }
        } else {
            std::vector<Packet> expected;
            for (size_t n = 0; n + 1 < pkts.size(); ++n)
                if (!bad[n])
                    expected.push_back(pkts[n]);
            CHECK(got == expected);
        }
    }
}

TEST_CASE("TS deframer survives garbage and truncated frames", "[ts][deframer][robust]")
{
    std::mt19937 rng(51);
    auto ks = all_kbch();
    auto pkts = random_packets(200, rng);
    TsFramer framer(200);
    Framed fr = frame_all(pkts, rng, framer);
    TsDeframer d;
    std::vector<uint8_t> out;
    uint64_t emitted = 0;
    for (int trial = 0; trial < 3000; ++trial) {
        int k = ks[rng() % ks.size()];
        std::vector<uint8_t> f(static_cast<size_t>(k) / 8);
        for (auto& b : f)
            b = static_cast<uint8_t>(rng());
        switch (trial % 4) {
        case 0:
            break; // pure garbage: header CRC almost always wrong
        case 1: {
            // A valid TS header with random DFL/SYNCD over garbage.
            BbHeader h;
            h.upl = kTsUplBits;
            h.sync = kTsSyncByte;
            h.dfl = static_cast<uint16_t>(rng() % static_cast<unsigned>(k - 79));
            h.syncd = static_cast<uint16_t>(rng() % 4 == 0 ? 0xFFFF : rng() % (h.dfl + 1u));
            auto hb = encode_bbheader(h);
            std::copy(hb.begin(), hb.end(), f.begin());
            break;
        }
        case 2: {
            // A real frame with its header's DFL/SYNCD rewritten (and CRC fixed).
            const auto& src = fr.frames[rng() % fr.frames.size()];
            size_t n = std::min(src.size(), f.size());
            std::copy(src.begin(), src.begin() + static_cast<long>(n), f.begin());
            f[4] = static_cast<uint8_t>(rng());
            f[5] = static_cast<uint8_t>(rng() & 0xF8);
            f[7] = static_cast<uint8_t>(rng());
            f[8] = static_cast<uint8_t>(rng() & 0xF8);
            f[9] = crc8(f.data(), 9);
            break;
        }
        default: {
            // A real frame processed with a K_bch smaller than it was built for.
            const auto& src = fr.frames[rng() % fr.frames.size()];
            size_t n = std::min(src.size(), f.size());
            std::copy(src.begin(), src.begin() + static_cast<long>(n), f.begin());
            break;
        }
        }
        emitted += d.process(f.data(), k, out);
        if (rng() % 16 == 0)
            d.frame_lost();
    }
    REQUIRE(out.size() == emitted * kTsPacketBytes);
    for (size_t i = 0; i < out.size(); i += kTsPacketBytes)
        REQUIRE(out[i] == kTsSyncByte);
    const auto& s = d.stats();
    CHECK(s.packets_ok + s.packets_crc_error == emitted);
    CHECK(s.frames_bad_header > 500);
    CHECK(s.frames_bad_length > 0);
    CHECK(s.frames_ok > 500);
}
