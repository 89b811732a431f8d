// SPDX-License-Identifier: GPL-3.0-or-later
// Conversions between gr-dtv's one-bit-per-byte streams (bit in the LSB) and the packed
// MSB-first bytes of libdualsat, eight bits per step.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace gr {
namespace dualsat {

// nbits must be a multiple of 8. Only the LSB of each input byte counts.
inline void pack_bits(const uint8_t* bits, size_t nbits, uint8_t* packed)
{
    for (size_t i = 0; i < nbits / 8; ++i) {
        const uint8_t* b = bits + 8 * i;
        uint64_t x = 0; // byte j of x = bits[j] (assembled explicitly: endian-independent)
        for (int j = 0; j < 8; ++j)
            x |= static_cast<uint64_t>(b[j] & 1) << (8 * j);
        // The multiplier's byte j is 2^j, so bits[j] lands on bit 63 - j of the product
        // (8j + 9(7-j) = 63 - j) with no two terms colliding: top byte = packed bits.
        packed[i] = static_cast<uint8_t>((x * 0x8040201008040201ull) >> 56);
    }
}

inline const std::array<std::array<uint8_t, 8>, 256>& unpack_table()
{
    static const auto table = [] {
        std::array<std::array<uint8_t, 8>, 256> t{};
        for (int v = 0; v < 256; ++v)
            for (int j = 0; j < 8; ++j)
                t[static_cast<size_t>(v)][static_cast<size_t>(j)] = (v >> (7 - j)) & 1;
        return t;
    }();
    return table;
}

inline void unpack_bits(const uint8_t* packed, size_t nbits, uint8_t* bits)
{
    const auto& t = unpack_table();
    for (size_t i = 0; i < nbits / 8; ++i)
        std::memcpy(bits + 8 * i, t[packed[i]].data(), 8);
}

} // namespace dualsat
} // namespace gr
