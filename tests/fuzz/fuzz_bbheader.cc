// SPDX-License-Identifier: GPL-3.0-or-later
//
// Fuzz target: BBHEADER parsing (ETSI EN 302 307-1 §5.1.6) and its CRC-8 (§5.1.4).
// Input: the bytes as received (header first, the data field after it).
// Invariants:
//  - try_parse_bbheader never throws; parse_bbheader throws FrameError exactly when it
//    does not return Ok; a failed parse leaves the output untouched;
//  - every bit of the 10 bytes is a field, so an accepted header re-encodes to exactly
//    the bytes it came from, and parsing that gives the same header (round trip);
//  - the DFL bound: accepted with max_dfl implies DFL <= max_dfl and accepted without;
//  - the slicing-by-16 CRC-8 equals a bit-serial reference over any length and init.

#include "fuzz_common.h"

#include <dualsat/core/error.h>
#include <dualsat/framing/bbheader.h>

using namespace dualsat;

namespace {

// §5.1.4 Figure 2, one bit at a time: the obvious shift register.
uint8_t crc8_reference(const uint8_t* d, size_t n, uint8_t crc)
{
    for (size_t i = 0; i < n; ++i)
        for (int b = 7; b >= 0; --b) {
            const bool in = ((d[i] >> b) & 1) != ((crc >> 7) & 1);
            crc = static_cast<uint8_t>(crc << 1);
            if (in)
                crc ^= 0xD5;
        }
    return crc;
}

bool same(const BbHeader& a, const BbHeader& b) { return a == b && !(a != b); }

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    // CRC over the whole input, with an init taken from it, against the reference.
    const uint8_t init = size > 0 ? data[size - 1] : 0;
    FUZZ_CHECK(crc8(data, size, init) == crc8_reference(data, size, init));
    FUZZ_CHECK(crc8(data, size) == crc8_reference(data, size, 0));

    BbHeader sentinel;
    sentinel.dfl = 0xBEEF;
    sentinel.matype2 = 0x5A;
    BbHeader h = sentinel;
    const BbHeaderStatus st = try_parse_bbheader(size ? data : nullptr, size, h);
    if (st != BbHeaderStatus::Ok) {
        FUZZ_CHECK(same(h, sentinel));
        FUZZ_CHECK(!to_string(st).empty());
    }

    bool threw = false;
    try {
        const BbHeader p = parse_bbheader(size ? data : nullptr, size);
        FUZZ_CHECK(st == BbHeaderStatus::Ok);
        FUZZ_CHECK(same(p, h));
    } catch (const FrameError&) {
        threw = true;
    }
    FUZZ_CHECK(threw == (st != BbHeaderStatus::Ok));

    // The receiver's bound: the data field that follows the header in this input.
    const size_t max_dfl = size > kBbHeaderBytes ? (size - kBbHeaderBytes) * 8 : 0;
    BbHeader hb = sentinel;
    const BbHeaderStatus stb = try_parse_bbheader(size ? data : nullptr, size, hb, max_dfl);
    if (stb == BbHeaderStatus::Ok) {
        FUZZ_CHECK(st == BbHeaderStatus::Ok);
        FUZZ_CHECK(same(hb, h));
        FUZZ_CHECK(max_dfl == 0 || hb.dfl <= max_dfl);
    } else {
        FUZZ_CHECK(same(hb, sentinel));
    }

    if (st == BbHeaderStatus::Ok) {
        FUZZ_CHECK(size >= kBbHeaderBytes);
        FUZZ_CHECK(h.stream_type != StreamType::Reserved);
        FUZZ_CHECK(static_cast<uint8_t>(h.rolloff) <= 2);
        std::array<uint8_t, kBbHeaderBytes> enc;
        try {
            enc = encode_bbheader(h);
        } catch (const std::exception& e) {
            fuzz::fail_exception("encode_bbheader of a parsed header", e);
        }
        FUZZ_CHECK(std::memcmp(enc.data(), data, kBbHeaderBytes) == 0);
        BbHeader again;
        FUZZ_CHECK(try_parse_bbheader(enc.data(), enc.size(), again) == BbHeaderStatus::Ok);
        FUZZ_CHECK(same(again, h));
        // A single flipped bit anywhere in the 10 bytes is caught by the CRC-8 (§5.1.4:
        // the polynomial has more than one term, so every 1-bit error is detected).
        const size_t bit = (size_t(data[0]) * 131 + size) % kBbHeaderBits;
        enc[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
        FUZZ_CHECK(try_parse_bbheader(enc.data(), enc.size(), again) == BbHeaderStatus::BadCrc);
    }
    return 0;
}
