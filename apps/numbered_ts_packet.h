// SPDX-License-Identifier: GPL-3.0-or-later
//
// Numbered MPEG-TS test packets for the benches: packet k carries k and bytes derived
// from it, so a received packet is checked byte for byte against its own number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace dualsat_bench {

constexpr size_t kTsPacketBytes = 188;

// Sync byte, PID 0x100, k in bytes 4..7, the rest from a xorshift of a hash of k.
inline void make_numbered_ts_packet(uint32_t k, uint8_t* p)
{
    p[0] = 0x47;
    p[1] = 0x01;
    p[2] = 0x00;
    p[3] = static_cast<uint8_t>(0x10 | (k & 0x0f));
    std::memcpy(p + 4, &k, 4);
    uint32_t h = k * 2654435761u + 0x9e3779b9u;
    for (size_t i = 8; i < kTsPacketBytes; ++i) {
        h ^= h << 13;
        h ^= h >> 17;
        h ^= h << 5;
        p[i] = static_cast<uint8_t>(h);
    }
}

inline bool numbered_ts_packet_intact(const uint8_t* p)
{
    uint32_t k;
    std::memcpy(&k, p + 4, 4);
    uint8_t ref[kTsPacketBytes];
    make_numbered_ts_packet(k, ref);
    return std::memcmp(p, ref, kTsPacketBytes) == 0;
}

} // namespace dualsat_bench
