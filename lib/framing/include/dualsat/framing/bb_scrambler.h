// SPDX-License-Identifier: GPL-3.0-or-later
// BBFRAME scrambling (energy dispersal), ETSI EN 302 307-1 §5.2.2: the whole BBFRAME is
// XORed with the PRBS 1 + X^14 + X^15, register loaded with 100101010000000 at the start
// of every BBFRAME. Scrambling and descrambling are the same operation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dualsat {

class BbScrambler
{
public:
    // Longest BBFRAME: normal 9/10, K_bch = 58192 bits (Table 5a).
    static constexpr size_t kMaxFrameBits = 58192;

    BbScrambler();

    // In place on packed bytes, MSB first; nbytes <= kMaxFrameBits / 8.
    void apply_packed(uint8_t* data, size_t nbytes) const;
    // In place on unpacked bits (one bit per byte, LSB carries it, as gr-dtv streams do).
    void apply_unpacked(uint8_t* bits, size_t nbits) const;

    // The sequence itself, packed MSB first; for tests and for receivers that want it.
    const std::vector<uint8_t>& sequence_packed() const { return m_packed; }

private:
    std::vector<uint8_t> m_packed;
};

} // namespace dualsat
