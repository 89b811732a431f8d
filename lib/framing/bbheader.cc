// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/framing/bbheader.h>
#include <dualsat/core/error.h>

namespace dualsat {
namespace {

// Tables for the polynomial 0xD5 (X^8+X^7+X^6+X^4+X^2+1, MSB first), slicing by 16:
// t[0][x] is the register after byte x from zero (the byte-at-a-time table), t[k][x] the
// register after byte x followed by k zero bytes. The CRC is linear, so 16 bytes d0..d15
// move the register c to t[15][c^d0] ^ t[14][d1] ^ ... ^ t[0][d15]: sixteen independent
// loads XORed as a tree, one load latency per 16 bytes on the dependency chain instead
// of sixteen (the TS CRC of every 187-byte packet is on the transmitter's serial path).
constexpr int kCrcSlices = 16;
struct Crc8Table {
    uint8_t t[kCrcSlices][256];
    Crc8Table()
    {
        for (int i = 0; i < 256; ++i) {
            uint8_t c = static_cast<uint8_t>(i);
            for (int b = 0; b < 8; ++b)
                c = static_cast<uint8_t>((c & 0x80) ? (c << 1) ^ 0xD5 : (c << 1));
            t[0][i] = c;
        }
        for (int k = 1; k < kCrcSlices; ++k)
            for (int i = 0; i < 256; ++i)
                t[k][i] = t[0][t[k - 1][i]];
    }
};
const Crc8Table kCrc8;

} // namespace

bool BbHeader::operator==(const BbHeader& o) const
{
    return stream_type == o.stream_type && single_stream == o.single_stream && ccm == o.ccm &&
           issyi == o.issyi && npd == o.npd && rolloff == o.rolloff && matype2 == o.matype2 &&
           upl == o.upl && dfl == o.dfl && sync == o.sync && syncd == o.syncd;
}

uint8_t crc8(const uint8_t* data, size_t len, uint8_t init)
{
    const auto& t = kCrc8.t;
    uint8_t crc = init;
    size_t i = 0;
    for (; i + 16 <= len; i += 16) {
        const uint8_t* d = data + i;
        const unsigned a = t[15][crc ^ d[0]] ^ t[14][d[1]] ^ t[13][d[2]] ^ t[12][d[3]];
        const unsigned b = t[11][d[4]] ^ t[10][d[5]] ^ t[9][d[6]] ^ t[8][d[7]];
        const unsigned c = t[7][d[8]] ^ t[6][d[9]] ^ t[5][d[10]] ^ t[4][d[11]];
        const unsigned e = t[3][d[12]] ^ t[2][d[13]] ^ t[1][d[14]] ^ t[0][d[15]];
        crc = static_cast<uint8_t>((a ^ b) ^ (c ^ e));
    }
    // The last n < 16 bytes the same way: byte k is followed by n - 1 - k more.
    const size_t n = len - i;
    if (n == 0)
        return crc;
    const uint8_t* d = data + i;
    unsigned r = t[n - 1][crc ^ d[0]];
    for (size_t k = 1; k < n; ++k)
        r ^= t[n - 1 - k][d[k]];
    return static_cast<uint8_t>(r);
}

std::array<uint8_t, kBbHeaderBytes> encode_bbheader(const BbHeader& h)
{
    if (h.stream_type == StreamType::Reserved)
        throw ConfigError("BBHEADER TS/GS value 10 is reserved");
    std::array<uint8_t, kBbHeaderBytes> b{};
    b[0] = static_cast<uint8_t>((static_cast<uint8_t>(h.stream_type) << 6) |
                                (h.single_stream ? 0x20 : 0) | (h.ccm ? 0x10 : 0) |
                                (h.issyi ? 0x08 : 0) | (h.npd ? 0x04 : 0) |
                                static_cast<uint8_t>(h.rolloff));
    b[1] = h.matype2;
    b[2] = static_cast<uint8_t>(h.upl >> 8);
    b[3] = static_cast<uint8_t>(h.upl);
    b[4] = static_cast<uint8_t>(h.dfl >> 8);
    b[5] = static_cast<uint8_t>(h.dfl);
    b[6] = h.sync;
    b[7] = static_cast<uint8_t>(h.syncd >> 8);
    b[8] = static_cast<uint8_t>(h.syncd);
    b[9] = crc8(b.data(), 9);
    return b;
}

std::string to_string(BbHeaderStatus s)
{
    switch (s) {
    case BbHeaderStatus::Ok:
        return "ok";
    case BbHeaderStatus::TooShort:
        return "BBHEADER truncated (fewer than 10 bytes)";
    case BbHeaderStatus::BadCrc:
        return "BBHEADER CRC-8 mismatch";
    case BbHeaderStatus::ReservedStreamType:
        return "BBHEADER TS/GS field uses reserved value 10";
    case BbHeaderStatus::ReservedRollOff:
        return "BBHEADER RO field uses reserved value 11";
    case BbHeaderStatus::BadLength:
        return "BBHEADER DFL/UPL/SYNCD inconsistent with the frame";
    }
    return "unknown BBHEADER status";
}

BbHeaderStatus try_parse_bbheader(const uint8_t* b, size_t len, BbHeader& h, size_t max_dfl)
{
    if (b == nullptr || len < kBbHeaderBytes)
        return BbHeaderStatus::TooShort;
    if (crc8(b, 9) != b[9])
        return BbHeaderStatus::BadCrc;
    uint8_t ts_gs = b[0] >> 6;
    if (ts_gs == static_cast<uint8_t>(StreamType::Reserved))
        return BbHeaderStatus::ReservedStreamType;
    if ((b[0] & 0x03) == 0x03)
        return BbHeaderStatus::ReservedRollOff;
    BbHeader out;
    out.stream_type = static_cast<StreamType>(ts_gs);
    out.single_stream = b[0] & 0x20;
    out.ccm = b[0] & 0x10;
    out.issyi = b[0] & 0x08;
    out.npd = b[0] & 0x04;
    out.rolloff = static_cast<RollOff>(b[0] & 0x03);
    out.matype2 = b[1];
    out.upl = static_cast<uint16_t>((b[2] << 8) | b[3]);
    out.dfl = static_cast<uint16_t>((b[4] << 8) | b[5]);
    out.sync = b[6];
    out.syncd = static_cast<uint16_t>((b[7] << 8) | b[8]);
    if (max_dfl > 0 && out.dfl > max_dfl)
        return BbHeaderStatus::BadLength;
    // SYNCD = 0xFFFF means no UP starts in this data field; otherwise it must point
    // inside it (§5.1.6).
    if (out.upl != 0 && out.syncd != 0xFFFF && out.syncd >= out.dfl && out.dfl != 0)
        return BbHeaderStatus::BadLength;
    h = out;
    return BbHeaderStatus::Ok;
}

BbHeader parse_bbheader(const uint8_t* data, size_t len, size_t max_dfl)
{
    BbHeader h;
    BbHeaderStatus s = try_parse_bbheader(data, len, h, max_dfl);
    if (s != BbHeaderStatus::Ok)
        throw FrameError(to_string(s));
    return h;
}

} // namespace dualsat
