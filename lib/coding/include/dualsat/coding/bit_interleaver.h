// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 bit interleaver, ETSI EN 302 307-1 §5.3.3 (Figure 7/8, Table 7).
//
// For 8PSK, 16APSK and 32APSK the FECFRAME is written column-wise into a block of
// `columns` = bits per symbol columns and n_ldpc / columns rows, and read row-wise; each
// row becomes one symbol's bits (first read bit = MSB of the symbol). Columns are read
// left to right, except for 8PSK rate 3/5 where they are read right to left (Figure 8;
// gr-dtv's dvbs2_interleaver_bb does the same). QPSK is not interleaved.
//
// Formally, output bit r * columns + c = input bit column_order[c] * rows + r.
#pragma once

#include <dualsat/modcod/modcod.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace dualsat {

class BitInterleaver
{
public:
    // Throws ConfigError for a code the standard does not define.
    BitInterleaver(FrameSize frame, CodeRate rate, Modulation mod);

    int frame_bits() const { return m_bits; }
    size_t frame_bytes() const { return static_cast<size_t>(m_bits) / 8; }
    // 1 for QPSK (no interleaving), else bits per symbol.
    int columns() const { return m_cols; }
    int rows() const { return m_rows; }
    bool is_identity() const { return m_cols == 1; }
    // Bits per constellation symbol: 2 (QPSK), 3, 4, 5.
    int symbol_bits() const { return m_symbol_bits; }
    int symbols() const { return m_bits / m_symbol_bits; }
    // column_order()[c] = the column read c-th in every row.
    const std::array<int, 5>& column_order() const { return m_order; }

    // Input bit feeding output bit i (the permutation, for tests and tools).
    int source_of(int out_bit) const
    {
        return m_order[static_cast<size_t>(out_bit % m_cols)] * m_rows + out_bit / m_cols;
    }

    // Packed MSB first, frame_bytes() each, out of place (in != out).
    void interleave(const uint8_t* in, uint8_t* out) const;
    void deinterleave(const uint8_t* in, uint8_t* out) const;
    // Interleaves and cuts the result into symbols(): one symbol index per output byte,
    // its first (MSB) bit the first bit read (the form a constellation mapper takes, and
    // the output of gr-dtv's dvbs2_interleaver_bb).
    void interleave_symbols(const uint8_t* in, uint8_t* symbols) const;

    // Receiver side: soft values (LLRs), one per bit, in symbol order -> codeword order.
    // Out of place; frame_bits() values each.
    template <typename T>
    void deinterleave_soft(const T* in, T* out) const
    {
        static_assert(std::is_same<T, float>::value || std::is_same<T, int8_t>::value,
                      "soft values are float or int8_t LLRs");
        const int cols = m_cols, rows = m_rows;
        if (cols == 1) {
            for (int i = 0; i < m_bits; ++i)
                out[i] = in[i];
            return;
        }
        // One pass per column: sequential writes, strided reads.
        for (int c = 0; c < cols; ++c) {
            T* dst = out + static_cast<size_t>(m_order[static_cast<size_t>(c)]) * rows;
            const T* src = in + c;
            for (int r = 0; r < rows; ++r)
                dst[r] = src[static_cast<size_t>(r) * cols];
        }
    }

private:
    int m_bits, m_cols, m_rows, m_symbol_bits;
    std::array<int, 5> m_order{ { 0, 1, 2, 3, 4 } };
    // spread[v]: the 8 bits of v (MSB first) at bit positions 63, 63-cols, 63-2cols, ...
    std::array<uint64_t, 256> m_spread{};
    // gather[k][v]: from byte k of a cols*8-bit field (MSB first) the bits at positions
    // i*cols (i = 0..7), placed at bit 7-i of the result.
    std::array<std::array<uint8_t, 256>, 5> m_gather{};
};

} // namespace dualsat
