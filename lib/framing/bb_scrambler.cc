// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/framing/bb_scrambler.h>
#include <dualsat/core/error.h>

#include <string>

namespace dualsat {

BbScrambler::BbScrambler() : m_packed(kMaxFrameBits / 8, 0)
{
    // Register stages 1..15 hold the initial sequence 1 0 0 1 0 1 0 1 0 0 0 0 0 0 0
    // (stage 1 first). Bit k of `reg` is stage k+1. Output = stage14 XOR stage15,
    // which is also shifted into stage 1.
    uint16_t reg = 0;
    const int init[15] = { 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0 };
    for (int k = 0; k < 15; ++k)
        reg = static_cast<uint16_t>(reg | (init[k] << k));
    for (size_t i = 0; i < kMaxFrameBits; ++i) {
        int out = ((reg >> 13) ^ (reg >> 14)) & 1;
        reg = static_cast<uint16_t>(((reg << 1) | out) & 0x7FFF);
        if (out)
            m_packed[i / 8] = static_cast<uint8_t>(m_packed[i / 8] | (0x80 >> (i % 8)));
    }
}

void BbScrambler::apply_packed(uint8_t* data, size_t nbytes) const
{
    if (nbytes > m_packed.size())
        throw ConfigError("BBFRAME of " + std::to_string(nbytes) +
                          " bytes is longer than any DVB-S2 BBFRAME");
    const uint8_t* seq = m_packed.data();
    for (size_t i = 0; i < nbytes; ++i)
        data[i] ^= seq[i];
}

void BbScrambler::apply_unpacked(uint8_t* bits, size_t nbits) const
{
    if (nbits > kMaxFrameBits)
        throw ConfigError("BBFRAME of " + std::to_string(nbits) +
                          " bits is longer than any DVB-S2 BBFRAME");
    const uint8_t* seq = m_packed.data();
    for (size_t i = 0; i < nbits; ++i)
        bits[i] ^= (seq[i / 8] >> (7 - i % 8)) & 1;
}

} // namespace dualsat
