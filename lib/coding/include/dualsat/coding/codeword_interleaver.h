// SPDX-License-Identifier: GPL-3.0-or-later
// Codeword interleaving against burst erasures: a fixed pseudo-random permutation of the
// n_ldpc bits of an LDPC codeword, applied between the LDPC encoder and the standard bit
// interleaver (EN 302 307-1 §5.3.3) at the transmitter, and undone on the LLRs at the
// receiver. Not part of DVB-S2: an option of the protected profile's frequency hopping.
//
// Why: the DVB-S2 codes are built for noise spread over the frame. A hop dwell judged
// jammed is erased (its symbols set to 0, LLR 0), and its symbols are consecutive in the
// frame: with QPSK (no bit interleaver) a 240-symbol dwell erases 480 consecutive codeword
// bits. Measured (tests/unit "[antijam]", QPSK 1/2 normal frames at Es/N0 10 dB, ideal
// synchronisation): erasures spread at random are rebuilt up to 35 % of the symbols, but
// bursts of 240 or 2000 symbols already fail frames at 15-20 %. After this permutation a
// burst lands on bits spread over the whole codeword, i.e. random erasures again.
//
// The permutation of each frame size: a Fisher-Yates shuffle driven by xorshift64* from a
// fixed seed (kSeed). It is not a secret (the hop pattern that decides which dwells a
// jammer can hit is keyed); both ends only have to agree on it.
#pragma once

#include <dualsat/modcod/modcod.h>

#include <cstdint>
#include <vector>

namespace dualsat {

class CodewordInterleaver
{
public:
    static constexpr uint64_t kSeed = 0x6473617448305031ull; // "dsatH0P1"

    // The shared instance (built once; thread-safe).
    static const CodewordInterleaver& instance();

    // Packed bits (MSB first), n_ldpc of frame size fs: out bit i = in bit perm[i].
    void interleave(FrameSize fs, const uint8_t* in_packed, uint8_t* out_packed) const;
    // LLRs in transmitted order -> codeword order: out[perm[i]] = in[i].
    void deinterleave_soft(FrameSize fs, const int8_t* in, int8_t* out) const;
    const std::vector<uint32_t>& permutation(FrameSize fs) const;

private:
    CodewordInterleaver();
    std::vector<uint32_t> m_perm[2]; // normal, short
};

} // namespace dualsat
