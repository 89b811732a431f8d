// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/coding/bit_interleaver.h>
#include <dualsat/core/error.h>

#include <cstring>

namespace dualsat {
namespace {

// 8 bits starting at bit `pos` (MSB first) of a buffer of `nbytes` bytes.
inline unsigned get8(const uint8_t* p, size_t pos, size_t nbytes)
{
    const size_t byte = pos / 8;
    const unsigned sh = pos % 8;
    if (sh == 0)
        return p[byte];
    const unsigned next = byte + 1 < nbytes ? p[byte + 1] : 0;
    return ((static_cast<unsigned>(p[byte]) << sh) | (next >> (8 - sh))) & 0xff;
}

// ORs 8 bits into a zero-initialised buffer at bit `pos`.
inline void or8(uint8_t* p, size_t pos, unsigned v)
{
    const size_t byte = pos / 8;
    const unsigned sh = pos % 8;
    p[byte] = static_cast<uint8_t>(p[byte] | (v >> sh));
    if (sh != 0)
        p[byte + 1] = static_cast<uint8_t>(p[byte + 1] | (v << (8 - sh)));
}

inline unsigned get_bit(const uint8_t* p, size_t pos) { return (p[pos / 8] >> (7 - pos % 8)) & 1; }
inline void or_bit(uint8_t* p, size_t pos, unsigned b)
{
    p[pos / 8] = static_cast<uint8_t>(p[pos / 8] | (b << (7 - pos % 8)));
}

} // namespace

BitInterleaver::BitInterleaver(FrameSize frame, CodeRate rate, Modulation mod)
{
    const CodeParams& c = code_params(frame, rate); // throws ConfigError for short 9/10
    m_bits = c.nldpc;
    // Table 7: 8PSK 3 columns, 16APSK 4, 32APSK 5; QPSK not interleaved.
    m_cols = mod == Modulation::QPSK ? 1 : bits_per_symbol(mod);
    m_rows = m_bits / m_cols;
    m_symbol_bits = bits_per_symbol(mod);
    if (mod == Modulation::PSK8 && rate == CodeRate::R3_5) {
        // Figure 8 / §5.3.3: for 8PSK 3/5 the columns are read in reverse order.
        m_order = { { 2, 1, 0, 3, 4 } };
    }
    for (int v = 0; v < 256; ++v) {
        uint64_t s = 0;
        for (int i = 0; i < 8; ++i)
            if ((v >> (7 - i)) & 1)
                s |= uint64_t{ 1 } << (63 - i * m_cols);
        m_spread[static_cast<size_t>(v)] = s;
    }
    for (int k = 0; k < m_cols; ++k) {
        for (int v = 0; v < 256; ++v) {
            unsigned g = 0;
            for (int b = 0; b < 8; ++b) { // field position 8k + b
                const int pos = 8 * k + b;
                if (pos % m_cols == 0 && ((v >> (7 - b)) & 1))
                    g |= 1u << (7 - pos / m_cols);
            }
            m_gather[static_cast<size_t>(k)][static_cast<size_t>(v)] = static_cast<uint8_t>(g);
        }
    }
}

void BitInterleaver::interleave(const uint8_t* in, uint8_t* out) const
{
    const size_t nbytes = frame_bytes();
    if (m_cols == 1) {
        std::memcpy(out, in, nbytes);
        return;
    }
    const size_t rows = static_cast<size_t>(m_rows), cols = static_cast<size_t>(m_cols);
    const size_t full_groups = rows / 8;
    // Eight rows at a time: one byte from each column, spread and merged into cols bytes.
    for (size_t g = 0; g < full_groups; ++g) {
        uint64_t field = 0;
        for (size_t c = 0; c < cols; ++c) {
            const size_t col = static_cast<size_t>(m_order[c]);
            field |= m_spread[get8(in, col * rows + 8 * g, nbytes)] >> c;
        }
        uint8_t* dst = out + g * cols;
        for (size_t b = 0; b < cols; ++b)
            dst[b] = static_cast<uint8_t>(field >> (56 - 8 * b));
    }
    // Rows left over when rows % 8 != 0 (16APSK short: 4050 rows).
    const size_t done_bits = full_groups * 8 * cols;
    std::memset(out + done_bits / 8, 0, nbytes - done_bits / 8);
    for (size_t r = full_groups * 8; r < rows; ++r)
        for (size_t c = 0; c < cols; ++c)
            or_bit(out, r * cols + c, get_bit(in, static_cast<size_t>(m_order[c]) * rows + r));
}

void BitInterleaver::interleave_symbols(const uint8_t* in, uint8_t* symbols) const
{
    const size_t nbytes = frame_bytes();
    if (m_cols == 1) { // QPSK: consecutive bit pairs, four symbols per byte
        for (size_t i = 0; i < nbytes; ++i)
            for (int s = 0; s < 4; ++s)
                symbols[4 * i + static_cast<size_t>(s)] = (in[i] >> (6 - 2 * s)) & 3;
        return;
    }
    const size_t rows = static_cast<size_t>(m_rows), cols = static_cast<size_t>(m_cols);
    const size_t full_groups = rows / 8;
    const uint64_t mask = (uint64_t{ 1 } << cols) - 1;
    // As interleave(): eight rows (= eight symbols) per step, each a cols-bit slice.
    for (size_t g = 0; g < full_groups; ++g) {
        uint64_t field = 0;
        for (size_t c = 0; c < cols; ++c) {
            const size_t col = static_cast<size_t>(m_order[c]);
            field |= m_spread[get8(in, col * rows + 8 * g, nbytes)] >> c;
        }
        uint8_t* dst = symbols + 8 * g;
        for (size_t i = 0; i < 8; ++i)
            dst[i] = static_cast<uint8_t>((field >> (64 - cols * (i + 1))) & mask);
    }
    for (size_t r = full_groups * 8; r < rows; ++r) {
        unsigned sym = 0;
        for (size_t c = 0; c < cols; ++c)
            sym = (sym << 1) | get_bit(in, static_cast<size_t>(m_order[c]) * rows + r);
        symbols[r] = static_cast<uint8_t>(sym);
    }
}

void BitInterleaver::deinterleave(const uint8_t* in, uint8_t* out) const
{
    const size_t nbytes = frame_bytes();
    if (m_cols == 1) {
        std::memcpy(out, in, nbytes);
        return;
    }
    std::memset(out, 0, nbytes);
    const size_t rows = static_cast<size_t>(m_rows), cols = static_cast<size_t>(m_cols);
    const size_t full_groups = rows / 8;
    for (size_t g = 0; g < full_groups; ++g) {
        const uint8_t* src = in + g * cols;
        uint64_t field = 0;
        for (size_t b = 0; b < cols; ++b)
            field |= static_cast<uint64_t>(src[b]) << (56 - 8 * b);
        for (size_t c = 0; c < cols; ++c) {
            const uint64_t shifted = field << c; // read position c moves to field bit 0
            unsigned v = 0;
            for (size_t k = 0; k < cols; ++k)
                v |= m_gather[k][(shifted >> (56 - 8 * k)) & 0xff];
            or8(out, static_cast<size_t>(m_order[c]) * rows + 8 * g, v);
        }
    }
    for (size_t r = full_groups * 8; r < rows; ++r)
        for (size_t c = 0; c < cols; ++c)
            or_bit(out, static_cast<size_t>(m_order[c]) * rows + r, get_bit(in, r * cols + c));
}

} // namespace dualsat
