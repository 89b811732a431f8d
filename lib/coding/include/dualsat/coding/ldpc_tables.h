// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 LDPC codes as the standard defines them: parity-bit accumulator address tables of
// ETSI EN 302 307-1 Annex B (normal) and Annex C (short). Encoders and decoders derive
// their own structures from these.
//
// Information bit i_m, m = 360*j + s, accumulates into parity bit
// p_x' with x' = (x + s*q) mod (n - k) for every address x of group j; q = (n - k) / 360.
// After all information bits, p_i ^= p_(i-1) for i = 1 .. n-k-1 (§5.3.2).
#pragma once

#include <dualsat/modcod/modcod.h>

#include <cstdint>

namespace dualsat {

struct LdpcTable {
    FrameSize frame;
    CodeRate rate;
    int n;      // codeword bits: 64800 or 16200
    int k;      // information bits (= BCH n_bch)
    int q;      // (n - k) / 360
    int groups; // k / 360 rows of the table
    const uint32_t* offsets;   // groups + 1 entries into `addresses`
    const uint16_t* addresses; // parity addresses x, row by row

    int row_size(int group) const
    {
        return static_cast<int>(offsets[group + 1] - offsets[group]);
    }
    const uint16_t* row(int group) const { return addresses + offsets[group]; }
};

// Throws ConfigError for short 9/10, which the standard does not define.
const LdpcTable& ldpc_table(FrameSize frame, CodeRate rate);

} // namespace dualsat
