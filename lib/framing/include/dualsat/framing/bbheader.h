// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 baseband header (ETSI EN 302 307-1 §5.1.6) and its CRC-8 (§5.1.4).
#pragma once

#include <dualsat/modcod/modcod.h> // RollOff

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace dualsat {

constexpr size_t kBbHeaderBytes = 10;
constexpr size_t kBbHeaderBits = 80;

// MATYPE-1 TS/GS field (two bits).
enum class StreamType : uint8_t {
    GenericPacketized = 0, // 00
    GenericContinuous = 1, // 01 (GSE rides here)
    Reserved = 2,          // 10
    Transport = 3,         // 11
};

struct BbHeader {
    StreamType stream_type = StreamType::Transport;
    bool single_stream = true; // SIS/MIS = 1
    bool ccm = true;           // CCM/ACM = 1 for CCM, 0 for ACM/VCM
    bool issyi = false;        // input stream synchronisation indicator
    bool npd = false;          // null-packet deletion
    RollOff rolloff = RollOff::R035;
    uint8_t matype2 = 0;       // ISI when multiple streams, else reserved
    uint16_t upl = 0;          // user packet length in bits (188*8 for TS, 0 for continuous)
    uint16_t dfl = 0;          // data field length in bits
    uint8_t sync = 0;          // user packet sync byte (0x47 for TS)
    uint16_t syncd = 0;        // bits from data field start to the first UP's first bit

    bool operator==(const BbHeader& o) const;
    bool operator!=(const BbHeader& o) const { return !(*this == o); }
};

// CRC-8 with g(X) = X^8+X^7+X^6+X^4+X^2+1, register cleared before the first bit,
// bits processed MSB first (§5.1.4, Figure 2). Used for the BBHEADER and for UPs.
uint8_t crc8(const uint8_t* data, size_t len, uint8_t init = 0);

// Writes the 10 header bytes, CRC-8 of the first 9 bytes in the last one. DFL must fit
// in the frame it will go in; that check belongs to the framer, which knows K_bch.
std::array<uint8_t, kBbHeaderBytes> encode_bbheader(const BbHeader& hdr);

enum class BbHeaderStatus { Ok, TooShort, BadCrc, ReservedStreamType, ReservedRollOff, BadLength };
std::string to_string(BbHeaderStatus status);

// Parses without throwing, for the receive hot path: the caller counts the failure.
// With max_dfl > 0, a DFL larger than that (the frame's K_bch - 80) is BadLength, as is
// a UPL/SYNCD inconsistent with it.
BbHeaderStatus try_parse_bbheader(const uint8_t* data, size_t len, BbHeader& out,
                                  size_t max_dfl = 0);

// Same, throwing FrameError with the reason.
BbHeader parse_bbheader(const uint8_t* data, size_t len, size_t max_dfl = 0);

} // namespace dualsat
