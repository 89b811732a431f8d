// SPDX-License-Identifier: GPL-3.0-or-later
#include <catch2/catch.hpp>
#include <dualsat/framing/bb_scrambler.h>
#include <dualsat/framing/bbheader.h>
#include <dualsat/core/error.h>

#include <random>
#include <vector>

using namespace dualsat;

namespace {
// Bit-serial CRC-8 straight from the shift-register description of §5.1.4, as an
// independent oracle for the table-driven one.
uint8_t crc8_bitwise(const std::vector<uint8_t>& data)
{
    uint8_t reg = 0;
    for (uint8_t byte : data)
        for (int b = 7; b >= 0; --b) {
            int in = (byte >> b) & 1;
            int fb = ((reg >> 7) & 1) ^ in;
            reg = static_cast<uint8_t>(reg << 1);
            if (fb)
                reg ^= 0xD5;
        }
    return reg;
}

BbHeader ts_header()
{
    BbHeader h;
    h.stream_type = StreamType::Transport;
    h.rolloff = RollOff::R020;
    h.upl = 188 * 8;
    h.dfl = 32208 - 80;
    h.sync = 0x47;
    h.syncd = 1234;
    return h;
}
} // namespace

TEST_CASE("CRC-8 matches the bit-serial definition", "[bbheader][crc]")
{
    std::mt19937 rng(7);
    for (int len : { 0, 1, 9, 187, 1000 }) {
        std::vector<uint8_t> d(static_cast<size_t>(len));
        for (auto& x : d)
            x = static_cast<uint8_t>(rng());
        CHECK(crc8(d.data(), d.size()) == crc8_bitwise(d));
    }
    // Appending the CRC leaves a zero remainder: the property receivers rely on.
    std::vector<uint8_t> d = { 0x12, 0x34, 0x56 };
    d.push_back(crc8(d.data(), d.size()));
    CHECK(crc8(d.data(), d.size()) == 0);
}

TEST_CASE("CRC-8: every length around the 16-byte slices, any initial register", "[bbheader][crc]")
{
    std::mt19937 rng(8);
    std::vector<uint8_t> d(64);
    for (auto& x : d)
        x = static_cast<uint8_t>(rng());
    for (size_t len = 0; len <= d.size(); ++len) {
        const std::vector<uint8_t> part(d.begin(), d.begin() + static_cast<long>(len));
        CHECK(crc8(part.data(), len) == crc8_bitwise(part));
        // A CRC continued from a register equals the CRC over both parts.
        for (size_t split : { size_t{ 0 }, len / 3, len }) {
            const uint8_t head = crc8(part.data(), split);
            CHECK(crc8(part.data() + split, len - split, head) == crc8_bitwise(part));
        }
    }
}

TEST_CASE("BBHEADER field layout", "[bbheader]")
{
    auto b = encode_bbheader(ts_header());
    // MATYPE-1: TS/GS=11, SIS=1, CCM=1, ISSYI=0, NPD=0, RO=10 -> 1111 0010
    CHECK(b[0] == 0xF2);
    CHECK(b[1] == 0x00);
    CHECK(b[2] == 0x05); // UPL 1504 = 0x05E0
    CHECK(b[3] == 0xE0);
    CHECK(b[4] == 0x7D); // DFL 32128 = 0x7D80
    CHECK(b[5] == 0x80);
    CHECK(b[6] == 0x47);
    CHECK(b[7] == 0x04); // SYNCD 1234 = 0x04D2
    CHECK(b[8] == 0xD2);
    CHECK(b[9] == crc8_bitwise(std::vector<uint8_t>(b.begin(), b.begin() + 9)));
}

TEST_CASE("BBHEADER round trip for many field values", "[bbheader]")
{
    std::mt19937 rng(11);
    for (int i = 0; i < 500; ++i) {
        BbHeader h;
        const StreamType types[] = { StreamType::GenericPacketized,
                                     StreamType::GenericContinuous, StreamType::Transport };
        h.stream_type = types[rng() % 3];
        h.single_stream = rng() & 1;
        h.ccm = rng() & 1;
        h.issyi = rng() & 1;
        h.npd = rng() & 1;
        h.rolloff = static_cast<RollOff>(rng() % 3);
        h.matype2 = static_cast<uint8_t>(rng());
        h.dfl = static_cast<uint16_t>(rng() % 58112);
        h.upl = static_cast<uint16_t>(rng());
        h.sync = static_cast<uint8_t>(rng());
        h.syncd = h.dfl ? static_cast<uint16_t>(rng() % h.dfl) : 0;
        auto b = encode_bbheader(h);
        CHECK(parse_bbheader(b.data(), b.size()) == h);
    }
}

TEST_CASE("malformed BBHEADERs are rejected with a reason", "[bbheader]")
{
    auto b = encode_bbheader(ts_header());
    BbHeader out;

    SECTION("short header")
    {
        CHECK(try_parse_bbheader(b.data(), 9, out) == BbHeaderStatus::TooShort);
        CHECK(try_parse_bbheader(nullptr, 10, out) == BbHeaderStatus::TooShort);
        CHECK_THROWS_AS(parse_bbheader(b.data(), 0), FrameError);
    }
    SECTION("any single bit error breaks the CRC")
    {
        for (int bit = 0; bit < 80; ++bit) {
            auto c = b;
            c[static_cast<size_t>(bit / 8)] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
            CHECK(try_parse_bbheader(c.data(), c.size(), out) == BbHeaderStatus::BadCrc);
        }
        auto c = b;
        c[4] ^= 0x01;
        CHECK_THROWS_WITH(parse_bbheader(c.data(), c.size()), Catch::Contains("CRC"));
    }
    SECTION("reserved values with a valid CRC")
    {
        auto c = b;
        c[0] = static_cast<uint8_t>((c[0] & 0x3F) | 0x80); // TS/GS = 10
        c[9] = crc8(c.data(), 9);
        CHECK(try_parse_bbheader(c.data(), c.size(), out) == BbHeaderStatus::ReservedStreamType);
        c = b;
        c[0] |= 0x03; // RO = 11
        c[9] = crc8(c.data(), 9);
        CHECK(try_parse_bbheader(c.data(), c.size(), out) == BbHeaderStatus::ReservedRollOff);
        CHECK_THROWS_AS(encode_bbheader(BbHeader{ StreamType::Reserved }), ConfigError);
    }
    SECTION("DFL longer than the frame, SYNCD outside the data field")
    {
        CHECK(try_parse_bbheader(b.data(), b.size(), out, 1000) == BbHeaderStatus::BadLength);
        CHECK(try_parse_bbheader(b.data(), b.size(), out, 32128) == BbHeaderStatus::Ok);
        BbHeader h = ts_header();
        h.syncd = h.dfl;
        auto c = encode_bbheader(h);
        CHECK(try_parse_bbheader(c.data(), c.size(), out) == BbHeaderStatus::BadLength);
        h.syncd = 0xFFFF; // no UP starts in this frame: legal
        c = encode_bbheader(h);
        CHECK(try_parse_bbheader(c.data(), c.size(), out) == BbHeaderStatus::Ok);
    }
    SECTION("a failed parse leaves the output untouched")
    {
        BbHeader sentinel;
        sentinel.dfl = 4242;
        auto c = b;
        c[9] ^= 0xFF;
        try_parse_bbheader(c.data(), c.size(), sentinel);
        CHECK(sentinel.dfl == 4242);
    }
}

TEST_CASE("BB scrambler PRBS", "[bbscrambler]")
{
    BbScrambler s;
    const auto& seq = s.sequence_packed();
    // EN 300 421 §4.4.1 (same PRBS and initial state): the sequence starts 0000 0011.
    CHECK(seq[0] == 0x03);

    // Independent check of the recurrence x[n] = x[n-14] XOR x[n-15] on the output.
    auto bit = [&](size_t i) { return (seq[i / 8] >> (7 - i % 8)) & 1; };
    for (size_t n = 15; n < 2000; ++n)
        REQUIRE(bit(n) == (bit(n - 14) ^ bit(n - 15)));
    // Maximal length: period 2^15 - 1.
    for (size_t n = 0; n < 100; ++n)
        REQUIRE(bit(n) == bit(n + 32767));

    SECTION("packed and unpacked agree and the operation is an involution")
    {
        std::mt19937 rng(3);
        std::vector<uint8_t> packed(4026);
        for (auto& x : packed)
            x = static_cast<uint8_t>(rng());
        std::vector<uint8_t> bits(packed.size() * 8);
        for (size_t i = 0; i < bits.size(); ++i)
            bits[i] = (packed[i / 8] >> (7 - i % 8)) & 1;
        auto original = packed;
        s.apply_packed(packed.data(), packed.size());
        s.apply_unpacked(bits.data(), bits.size());
        for (size_t i = 0; i < bits.size(); ++i)
            REQUIRE(bits[i] == ((packed[i / 8] >> (7 - i % 8)) & 1));
        CHECK(packed != original);
        s.apply_packed(packed.data(), packed.size());
        CHECK(packed == original);
    }
    SECTION("oversized frames are refused")
    {
        std::vector<uint8_t> big(BbScrambler::kMaxFrameBits / 8 + 1);
        CHECK_THROWS_AS(s.apply_packed(big.data(), big.size()), ConfigError);
        std::vector<uint8_t> bigbits(BbScrambler::kMaxFrameBits + 1);
        CHECK_THROWS_AS(s.apply_unpacked(bigbits.data(), bigbits.size()), ConfigError);
    }
}
