// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/coding/codeword_interleaver.h>

#include <cstring>

namespace dualsat {

namespace {

size_t index_of(FrameSize fs) { return fs == FrameSize::Normal ? 0 : 1; }

} // namespace

const CodewordInterleaver& CodewordInterleaver::instance()
{
    static const CodewordInterleaver shared;
    return shared;
}

CodewordInterleaver::CodewordInterleaver()
{
    for (FrameSize fs : { FrameSize::Normal, FrameSize::Short }) {
        const uint32_t n = fs == FrameSize::Normal ? 64800u : 16200u; // EN 302 307-1 §5.3.2
        std::vector<uint32_t>& p = m_perm[index_of(fs)];
        p.resize(n);
        for (uint32_t i = 0; i < n; ++i)
            p[i] = i;
        uint64_t x = kSeed ^ n;
        for (uint32_t i = n - 1; i > 0; --i) {
            // xorshift64* (Vigna); the modulo bias over 2^64 is negligible for n < 2^17.
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            const uint64_t r = x * 0x2545F4914F6CDD1Dull;
            const uint32_t j = static_cast<uint32_t>((r >> 11) % (uint64_t{ i } + 1));
            std::swap(p[i], p[j]);
        }
    }
}

const std::vector<uint32_t>& CodewordInterleaver::permutation(FrameSize fs) const
{
    return m_perm[index_of(fs)];
}

void CodewordInterleaver::interleave(FrameSize fs, const uint8_t* in, uint8_t* out) const
{
    const std::vector<uint32_t>& p = m_perm[index_of(fs)];
    std::memset(out, 0, p.size() / 8);
    for (size_t i = 0; i < p.size(); ++i) {
        const uint32_t s = p[i];
        const uint8_t bit = (in[s >> 3] >> (7 - (s & 7))) & 1u;
        out[i >> 3] |= static_cast<uint8_t>(bit << (7 - (i & 7)));
    }
}

void CodewordInterleaver::deinterleave_soft(FrameSize fs, const int8_t* in, int8_t* out) const
{
    const std::vector<uint32_t>& p = m_perm[index_of(fs)];
    for (size_t i = 0; i < p.size(); ++i)
        out[p[i]] = in[i];
}

} // namespace dualsat
