// SPDX-License-Identifier: GPL-3.0-or-later
// Bit-serial reference encoders written straight from ETSI EN 302 307-1 §5.3.1/§5.3.2 and
// the tables in data/, for the unit tests and the benchmark. Deliberately independent of
// lib/coding: they read the standard's tables from data/ themselves (BCH) or use only the
// address table (LDPC), and process one bit at a time.
#pragma once

#include <dualsat/coding/ldpc_tables.h>
#include <dualsat/modcod/modcod.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace dualsat_ref {

// One bit per byte <-> packed MSB first.
inline std::vector<uint8_t> unpack(const uint8_t* packed, size_t nbits)
{
    std::vector<uint8_t> bits(nbits);
    for (size_t i = 0; i < nbits; ++i)
        bits[i] = (packed[i / 8] >> (7 - i % 8)) & 1;
    return bits;
}
inline std::vector<uint8_t> pack(const std::vector<uint8_t>& bits)
{
    std::vector<uint8_t> out((bits.size() + 7) / 8, 0);
    for (size_t i = 0; i < bits.size(); ++i)
        if (bits[i] & 1)
            out[i / 8] = static_cast<uint8_t>(out[i / 8] | (0x80 >> (i % 8)));
    return out;
}

// The BCH generator g1*...*gt read from data/dvbs2_bch_polynomials.txt; element e is the
// coefficient of x^e.
inline std::vector<uint8_t> bch_generator_from_data(const std::string& data_dir,
                                                    dualsat::FrameSize frame, int t)
{
    std::ifstream f(data_dir + "/dvbs2_bch_polynomials.txt");
    if (!f)
        throw std::runtime_error("cannot open dvbs2_bch_polynomials.txt");
    const std::string want = frame == dualsat::FrameSize::Normal ? "normal" : "short";
    std::vector<uint8_t> g{ 1 };
    std::string line;
    int used = 0;
    while (std::getline(f, line) && used < t) {
        if (line.empty() || line[0] == '#')
            continue;
        std::stringstream ss(line);
        std::string frame_name, index, hex;
        std::getline(ss, frame_name, ',');
        std::getline(ss, index, ',');
        std::getline(ss, hex, ',');
        if (frame_name != want || hex.rfind("0x", 0) != 0)
            continue;
        const unsigned long poly = std::stoul(hex, nullptr, 16);
        int deg = 0;
        while ((poly >> (deg + 1)) != 0)
            ++deg;
        std::vector<uint8_t> prod(g.size() + static_cast<size_t>(deg), 0);
        for (size_t a = 0; a < g.size(); ++a)
            for (int b = 0; b <= deg; ++b)
                prod[a + static_cast<size_t>(b)] ^= g[a] & ((poly >> b) & 1);
        g = prod;
        ++used;
    }
    if (used != t)
        throw std::runtime_error("too few BCH polynomials in data file");
    return g;
}

// Bit-serial BCH encoder: an LFSR dividing message * x^d by g, one message bit per step,
// register held in 64-bit words. Parity bits (MSB = x^(d-1) first) are appended.
class BitSerialBch
{
public:
    explicit BitSerialBch(const std::vector<uint8_t>& generator)
        : m_d(static_cast<int>(generator.size()) - 1), m_words((m_d + 63) / 64),
          m_g(static_cast<size_t>(m_words), 0)
    {
        if (m_d < 1 || m_d > 192)
            throw std::runtime_error("reference BCH handles generators of degree 1..192");
        for (int e = 0; e < m_d; ++e)
            if (generator[static_cast<size_t>(e)])
                m_g[static_cast<size_t>(e / 64)] |= uint64_t{ 1 } << (e % 64);
    }
    int parity_bits() const { return m_d; }

    // kbits message bits packed -> codeword packed (message then parity).
    void encode(const uint8_t* msg, size_t kbits, uint8_t* out)
    {
        // Register in locals (up to 192 bits = 3 words, word 0 = lowest powers) so the
        // reference is a fair bit-serial baseline, not a slow one.
        uint64_t r0 = 0, r1 = 0, r2 = 0;
        const uint64_t g0 = m_g[0], g1 = m_words > 1 ? m_g[1] : 0, g2 = m_words > 2 ? m_g[2] : 0;
        const int top_word = (m_d - 1) / 64, top_bit = (m_d - 1) % 64;
        const uint64_t top_mask = m_d % 64 ? (uint64_t{ 1 } << (m_d % 64)) - 1 : ~uint64_t{ 0 };
        for (size_t i = 0; i < kbits; ++i) {
            const uint64_t in = (msg[i / 8] >> (7 - i % 8)) & 1;
            const uint64_t top = top_word == 0 ? r0 : top_word == 1 ? r1 : r2;
            const uint64_t fb = in ^ ((top >> top_bit) & 1);
            r2 = (r2 << 1) | (r1 >> 63);
            r1 = (r1 << 1) | (r0 >> 63);
            r0 <<= 1;
            if (top_word == 0)
                r0 &= top_mask;
            else if (top_word == 1)
                r1 &= top_mask;
            else
                r2 &= top_mask;
            const uint64_t mask = 0 - fb;
            r0 ^= g0 & mask;
            r1 ^= g1 & mask;
            r2 ^= g2 & mask;
        }
        m_reg = { r0, r1, r2 };
        for (size_t i = 0; i < (kbits + 7) / 8; ++i)
            out[i] = msg[i];
        for (int p = 0; p < m_d; ++p) {
            const int e = m_d - 1 - p;
            const size_t bit = kbits + static_cast<size_t>(p);
            const uint8_t mask = static_cast<uint8_t>(0x80 >> (bit % 8));
            if ((m_reg[static_cast<size_t>(e / 64)] >> (e % 64)) & 1)
                out[bit / 8] = static_cast<uint8_t>(out[bit / 8] | mask);
            else
                out[bit / 8] = static_cast<uint8_t>(out[bit / 8] & ~mask);
        }
    }

private:
    int m_d, m_words;
    std::vector<uint64_t> m_g;
    std::vector<uint64_t> m_reg;
};

// Bit-serial LDPC encoder straight from §5.3.2: every information bit i_m = 1,
// m = 360 j + s, flips p[(x + s q) mod (n-k)] for every address x of table row j; then
// p_i ^= p_(i-1). Works on one-byte-per-bit parity.
class BitSerialLdpc
{
public:
    BitSerialLdpc(dualsat::FrameSize frame, dualsat::CodeRate rate)
        : m_table(dualsat::ldpc_table(frame, rate)), m_parity(static_cast<size_t>(m_table.n - m_table.k))
    {
    }
    void encode(const uint8_t* info, uint8_t* out)
    {
        const int k = m_table.k, M = m_table.n - m_table.k, q = m_table.q;
        for (auto& p : m_parity)
            p = 0;
        for (int m = 0; m < k; ++m) {
            if (!((info[m / 8] >> (7 - m % 8)) & 1))
                continue;
            const int j = m / 360, s = m % 360;
            const uint16_t* row = m_table.row(j);
            for (int a = 0; a < m_table.row_size(j); ++a) {
                int x = row[a] + s * q; // both terms < M: (x + s q) mod M by one subtraction
                if (x >= M)
                    x -= M;
                m_parity[static_cast<size_t>(x)] ^= 1;
            }
        }
        for (int i = 1; i < M; ++i)
            m_parity[static_cast<size_t>(i)] ^= m_parity[static_cast<size_t>(i - 1)];
        for (int i = 0; i < k / 8; ++i)
            out[i] = info[i];
        uint8_t* par = out + k / 8;
        for (int i = 0; i < M / 8; ++i) {
            uint8_t b = 0;
            for (int j = 0; j < 8; ++j)
                b = static_cast<uint8_t>((b << 1) | m_parity[static_cast<size_t>(8 * i + j)]);
            par[i] = b;
        }
    }

private:
    const dualsat::LdpcTable& m_table;
    std::vector<uint8_t> m_parity;
};

} // namespace dualsat_ref
