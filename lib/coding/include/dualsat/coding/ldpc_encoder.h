// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 inner code: LDPC encoder of ETSI EN 302 307-1 §5.3.2 (tables of Annex B/C, via
// dualsat/ldpc_tables.h).
//
// Word-parallel method. With M = n - k = 360 q, write a parity address as x = a + b q
// (a = x mod q, b = x div q). Information bit s of group j then lands on parity bit
// a + ((b + s) mod 360) q, i.e. the 360 bits of group j, cyclically rotated by b, are
// XORed into parity "row" a, a 360-bit vector whose bit c is p_(a + c q). The encoder
// XORs rotated 360-bit vectors (six 64-bit words) per table address, transposes the
// q x 360 row matrix back to parity order with 64x64 bit-matrix transposes, and does the
// final accumulator p_i ^= p_(i-1) as a word-wise prefix XOR.
#pragma once

#include <dualsat/modcod/modcod.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dualsat {

class LdpcEncoder
{
public:
    // Throws ConfigError for short 9/10 (not defined by the standard).
    LdpcEncoder(FrameSize frame, CodeRate rate);

    int n() const { return m_n; } // 64800 or 16200
    int k() const { return m_k; } // k_ldpc = n_bch
    size_t k_bytes() const { return static_cast<size_t>(m_k) / 8; }
    size_t n_bytes() const { return static_cast<size_t>(m_n) / 8; }

    // Systematic: out = k information bits then n - k parity bits, packed MSB first.
    // `in` and `out` may be the same buffer (in place) but must not otherwise overlap.
    // Allocation-free and const: one encoder may serve several threads.
    void encode(const uint8_t* k_packed, uint8_t* n_packed_out) const;

private:
    // One table address, precomputed: XOR the group vector, rotated so that its bit
    // (360 - b) mod 360 comes first, into parity row `row`.
    struct Step {
        uint16_t row;   // a = x mod q
        uint8_t word;   // rotation offset / 64
        uint8_t shift;  // rotation offset % 64
    };

    int m_n, m_k, m_q, m_groups;
    std::vector<uint32_t> m_group_start; // m_groups + 1 indices into m_steps
    std::vector<Step> m_steps;
};

} // namespace dualsat
