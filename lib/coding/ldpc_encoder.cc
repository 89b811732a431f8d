// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/coding/ldpc_encoder.h>
#include <dualsat/coding/ldpc_tables.h>

#include <cstring>
#include <stdexcept>

namespace dualsat {
namespace {

constexpr int kGroupBits = 360;   // bits per information group (the code's circulant size)
constexpr int kRowWords = 6;      // 360 bits in 64-bit words (last word: top 40 bits)
constexpr int kMaxQ = 135;        // normal 1/4: (64800 - 16200) / 360
constexpr int kMaxRowBlocks = (kMaxQ + 63) / 64;
constexpr uint64_t kLastWordMask = ~uint64_t{ 0 } << 24; // 360 - 5*64 = 40 bits used

inline uint64_t load_be64(const uint8_t* p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
        v = (v << 8) | p[i];
    return v;
}

inline void store_be64(uint8_t* p, uint64_t v)
{
    for (int i = 7; i >= 0; --i) {
        p[i] = static_cast<uint8_t>(v);
        v >>= 8;
    }
}

// In-place transpose of a 64x64 bit matrix: row r = a[r], column c = bit 63 - c.
// Swaps ever smaller off-diagonal blocks (32, 16, ..., 1).
inline void transpose64(uint64_t a[64])
{
    uint64_t mask = 0x00000000FFFFFFFFull;
    for (int j = 32; j != 0; j >>= 1, mask ^= mask << j) {
        for (int k = 0; k < 64; k = ((k | j) + 1) & ~j) {
            const uint64_t t = (a[k] ^ (a[k | j] >> j)) & mask;
            a[k] ^= t;
            a[k | j] ^= t << j;
        }
    }
}

// Appends bit fields, MSB first, to a word array.
class BitWriter
{
public:
    explicit BitWriter(uint64_t* words) : m_out(words) {}
    // The top `nbits` (1..64) of `bits`; the rest of `bits` must be zero.
    void put(uint64_t bits, int nbits)
    {
        m_acc |= bits >> m_fill;
        m_fill += nbits;
        if (m_fill >= 64) {
            *m_out++ = m_acc;
            m_fill -= 64;
            const int used = nbits - m_fill; // bits of `bits` already emitted
            m_acc = used == 64 ? 0 : bits << used;
        }
    }
    void flush()
    {
        if (m_fill > 0)
            *m_out++ = m_acc;
        m_acc = 0;
        m_fill = 0;
    }

private:
    uint64_t* m_out;
    uint64_t m_acc = 0;
    int m_fill = 0;
};

} // namespace

LdpcEncoder::LdpcEncoder(FrameSize frame, CodeRate rate)
{
    const LdpcTable& table = ldpc_table(frame, rate); // throws ConfigError for short 9/10
    m_n = table.n;
    m_k = table.k;
    m_q = table.q;
    m_groups = table.groups;
    const int M = m_n - m_k;
    if (m_q > kMaxQ || m_q * kGroupBits != M || m_groups * kGroupBits != m_k)
        throw std::logic_error("LDPC table inconsistent with n, k");

    m_group_start.reserve(static_cast<size_t>(m_groups) + 1);
    m_group_start.push_back(0);
    for (int j = 0; j < m_groups; ++j) {
        for (int i = 0; i < table.row_size(j); ++i) {
            const int x = table.row(j)[i];
            if (x >= M)
                throw std::logic_error("LDPC address out of range");
            const int a = x % m_q, b = x / m_q;
            const int offset = (kGroupBits - b) % kGroupBits;
            m_steps.push_back(Step{ static_cast<uint16_t>(a), static_cast<uint8_t>(offset / 64),
                                    static_cast<uint8_t>(offset % 64) });
        }
        m_group_start.push_back(static_cast<uint32_t>(m_steps.size()));
    }
}

void LdpcEncoder::encode(const uint8_t* in, uint8_t* out) const
{
    const int M = m_n - m_k;
    const int row_blocks = (m_q + 63) / 64;

    // Parity rows: rows[a][w] = bits 64w.. of the 360-bit vector of row a. Rows past q
    // stay zero; they only pad the last 64-row transpose block.
    uint64_t rows[kMaxRowBlocks * 64][kRowWords];
    std::memset(rows, 0, sizeof(uint64_t) * kRowWords * 64 * static_cast<size_t>(row_blocks));

    for (int j = 0; j < m_groups; ++j) {
        // The group's 360 bits (45 bytes, byte-aligned since 360 = 8 * 45), then the same
        // again from bit 360 on, so any cyclic rotation is a plain 360-bit window.
        const uint8_t* g = in + static_cast<size_t>(j) * (kGroupBits / 8);
        uint64_t v[kRowWords];
        for (int w = 0; w < 5; ++w)
            v[w] = load_be64(g + 8 * w);
        v[5] = 0;
        for (int b = 0; b < 5; ++b)
            v[5] |= static_cast<uint64_t>(g[40 + b]) << (56 - 8 * b);
        uint64_t twice[2 * kRowWords];
        for (int w = 0; w < 5; ++w)
            twice[w] = v[w];
        twice[5] = v[5] | (v[0] >> 40);
        for (int w = 1; w < 6; ++w)
            twice[5 + w] = (v[w - 1] << 24) | (v[w] >> 40);
        twice[11] = v[5] << 24;

        for (uint32_t s = m_group_start[static_cast<size_t>(j)];
             s < m_group_start[static_cast<size_t>(j) + 1]; ++s) {
            const Step st = m_steps[s];
            const uint64_t* src = twice + st.word;
            uint64_t* dst = rows[st.row];
            const unsigned sh = st.shift;
            // (x >> 1) >> (63 - sh) is x >> (64 - sh) without the undefined shift by 64.
            for (int w = 0; w < 5; ++w)
                dst[w] ^= (src[w] << sh) | ((src[w + 1] >> 1) >> (63 - sh));
            dst[5] ^= ((src[5] << sh) | ((src[6] >> 1) >> (63 - sh))) & kLastWordMask;
        }
    }

    // Back to parity order p_(c q + a): column c of the row matrix, rows 0..q-1, is the
    // next run of q parity bits. Transposing 64x64 blocks gives each column as words.
    uint64_t columns[kGroupBits][kMaxRowBlocks];
    uint64_t block[64];
    for (int rb = 0; rb < row_blocks; ++rb) {
        for (int w = 0; w < kRowWords; ++w) {
            for (int r = 0; r < 64; ++r)
                block[r] = rows[rb * 64 + r][w];
            transpose64(block);
            const int cols = w == kRowWords - 1 ? kGroupBits - 64 * w : 64;
            for (int c = 0; c < cols; ++c)
                columns[64 * w + c][rb] = block[c];
        }
    }
    uint64_t parity[(kMaxQ * kGroupBits + 63) / 64];
    BitWriter writer(parity);
    for (int c = 0; c < kGroupBits; ++c) {
        for (int rb = 0; rb < row_blocks; ++rb) {
            const int nbits = rb == row_blocks - 1 ? m_q - 64 * rb : 64;
            writer.put(columns[c][rb], nbits);
        }
    }
    writer.flush();

    // p_i ^= p_(i-1): prefix XOR inside each word (MSB first, so shifts go right), then
    // the running parity of everything before the word complements it.
    const int words = (M + 63) / 64;
    uint64_t carry = 0;
    for (int w = 0; w < words; ++w) {
        uint64_t x = parity[w];
        x ^= x >> 1;
        x ^= x >> 2;
        x ^= x >> 4;
        x ^= x >> 8;
        x ^= x >> 16;
        x ^= x >> 32;
        x ^= carry;
        carry = (x & 1) ? ~uint64_t{ 0 } : 0;
        parity[w] = x;
    }

    if (out != in)
        std::memcpy(out, in, k_bytes());
    uint8_t* dst = out + k_bytes();
    const int full = M / 64;
    for (int w = 0; w < full; ++w)
        store_be64(dst + 8 * w, parity[w]);
    for (int b = 0; b < (M % 64) / 8; ++b)
        dst[8 * full + b] = static_cast<uint8_t>(parity[full] >> (56 - 8 * b));
}

} // namespace dualsat
