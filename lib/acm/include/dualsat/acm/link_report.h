// SPDX-License-Identifier: GPL-3.0-or-later
//
// Link-quality report: what a receiver tells the far end's ACM controller about the link it
// receives (Es/N0 and its variance, lock, frame counts, last MODCOD decoded), a few times a
// second, over the in-band (GSE) or out-of-band (UDP, HTTP) return channel.
//
// Wire format, version 1: 35 bytes, multi-byte fields big-endian (network order, as the
// DVB-S2 and GSE headers are).
//
//   | offset | bytes | field          | encoding                                                |
//   |--------|-------|----------------|---------------------------------------------------------|
//   |      0 |     1 | magic          | 0xAC                                                    |
//   |      1 |     1 | version        | 1                                                       |
//   |      2 |     1 | length         | total bytes including the CRC: 35 in version 1          |
//   |      3 |     1 | flags          | bit 0 locked, bit 1 Es/N0 valid, bits 2-7 zero          |
//   |      4 |     2 | link id        | u16: which far-end link (terminal) this report is about |
//   |      6 |     4 | sequence       | u32, +1 per report, wraps 0xFFFFFFFF -> 0               |
//   |     10 |     8 | timestamp      | u64 ns, the reporter's clock when it measured           |
//   |     18 |     2 | Es/N0          | s16, units of 0.01 dB (-327.68 .. +327.67 dB)           |
//   |     20 |     2 | Es/N0 variance | u16, units of 0.001 dB^2 (0 .. 65.535 dB^2, saturates)  |
//   |     22 |     4 | frames ok      | u32, decoded since the previous report                  |
//   |     26 |     4 | frames failed  | u32, detected but not decoded since the previous report |
//   |     30 |     1 | last format    | bits 0-4 MODCOD number 0..28 (Table 12, 0 = none yet),  |
//   |        |       |                | bit 5 short frame, bit 6 pilots, bit 7 zero             |
//   |     31 |     4 | CRC-32C        | over bytes 0..30 (Castagnoli, reflected 0x82F63B78,     |
//   |        |       |                | preset and final XOR 0xFFFFFFFF; check value of         |
//   |        |       |                | "123456789" 0xE3069283)                                 |
//
// Every accepted report is canonical: a field that is not in use is zero (Es/N0 and its
// variance when not valid; frame size and pilot bits when no MODCOD was decoded yet) and the
// reserved bits are zero, so parse() then encode() gives back the same bytes. A later
// version changes the version byte; version 1 parsers reject it (BadVersion) rather than
// guess at it.
//
// Why CRC-32C: the report is an integrity check against corruption, not security (COMSEC
// comes later). A 35-byte report travels unfragmented in one GSE packet, which carries no
// CRC of its own (TS 102 606-1 puts the CRC-32 on fragmented PDUs only), and UDP's 16-bit
// checksum is weak and optional over IPv4; a bad report could otherwise lift the MODCOD
// into a fade. A 32-bit check lets a random corruption through with probability 2^-32
// (a 16-bit one 2^-16: about one per 4.5 hours of garbage at 4 reports per second).
// Among 32-bit CRCs, Castagnoli's polynomial keeps Hamming distance 6 (every error of up to
// five bits is detected) at this length and far beyond it, while the IEEE 802.3 polynomial
// drops to distance 5 past 268 data bits — version 1 has 248, so a longer later version
// would lose it. Computed for both polynomials by exhaustive syndrome search over the
// 280-bit codeword (and 312 bits): 802.3 HD 6 / 5, CRC-32C HD 6 / 6.
#pragma once

#include <dualsat/modcod/modcod.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace dualsat {

constexpr uint8_t kLinkReportMagic = 0xAC;
constexpr uint8_t kLinkReportVersion = 1;
constexpr size_t kLinkReportSize = 35;

// CRC-32C (Castagnoli) as used by the report; exposed so tools and tests can check it.
uint32_t crc32c(const uint8_t* data, size_t len);

enum class LinkReportStatus : uint8_t {
    Ok,
    TooShort,        // fewer bytes than the header, or than its length field says
    BadMagic,        // first byte is not kLinkReportMagic
    BadVersion,      // a version this parser does not know
    BadLength,       // length field not the version's size, or bytes after the report
    BadCrc,          // CRC-32C mismatch
    FieldOutOfRange, // a field outside its range, or a reserved / unused bit set
};
const char* to_string(LinkReportStatus status);

struct LinkReport {
    uint16_t link_id = 0;
    uint32_t sequence = 0;
    uint64_t timestamp_ns = 0;
    bool locked = false;
    bool esn0_valid = false;
    double esn0_db = 0.0;      // on the wire to 0.01 dB, clamped to the s16 range
    double esn0_var_db2 = 0.0; // on the wire to 0.001 dB^2, clamped to 0 .. 65.535
    uint32_t frames_ok = 0;
    uint32_t frames_failed = 0;
    uint8_t last_modcod = 0; // Table 12 number 1..28, 0 = no frame decoded yet
    FrameSize last_frame = FrameSize::Normal;
    bool last_pilots = false;

    // The last format decoded, if any.
    std::optional<FrameFormat> last_format() const;
    void set_last_format(const FrameFormat& f);

    // The wire form. Es/N0 and its variance are rounded to the wire's units and clamped to
    // its ranges; a non-finite Es/N0 is sent as "not valid". Throws ConfigError for a report
    // the format cannot carry (last_modcod above 28, a short 9/10 that does not exist).
    std::vector<uint8_t> encode() const;
    // The same into out[0..capacity): returns the bytes written, 0 if capacity is too small.
    size_t encode(uint8_t* out, size_t capacity) const;

    // Checked parse of exactly one report in data[0..size). Never throws, never reads
    // outside the buffer (data may be null when size is 0); `out` is written only on Ok.
    static LinkReportStatus parse(const uint8_t* data, size_t size, LinkReport& out) noexcept;

    // Field-by-field equality as carried on the wire (after quantisation).
    bool same_on_wire(const LinkReport& other) const;
};

} // namespace dualsat
