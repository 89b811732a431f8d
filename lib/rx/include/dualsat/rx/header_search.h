// SPDX-License-Identifier: GPL-3.0-or-later
// The frame synchroniser's search statistic (frame_sync.h) on differential products
// d[k] = conj(x[k]) x[k+1] and their energies e[k] = |d[k]|^2, at one position (the
// reference) or at kHeaderSearchBlock consecutive positions at once (the search's hot
// loop: it runs at every symbol while unlocked, once per counter of a keyed sequence's
// window, so a protected receiver pays it four times over).
//
// The block form lays the positions across vector lanes: each template term is one
// scalar times contiguous loads of d's real and imaginary parts, so the compiler turns
// the lane loops into SIMD arithmetic at the baseline instruction set (no dispatch
// needed). The energies do not depend on the templates; they are summed once per block
// and shared by every counter tried there.
#pragma once

#include <dualsat/pl/pl_geometry.h>

#include <complex>
#include <cstddef>

namespace dualsat {

// One frame counter's differential templates: the header's pi/2-BPSK SOF, the PLSC pairs
// for TYPE b7 = 0 (sign flipped as a whole when b7 = 1), and the first two scrambled pilot
// blocks.
struct HeaderDiffTemplates {
    std::complex<float> sof_diff[kSofSymbols - 1];
    std::complex<float> pair_diff[kPlscSymbols / 2];
    std::complex<float> pilot_diff[2][kPilotBlockSymbols - 1];
};

// Offsets (from the header's first symbol) of the differential terms of the pilot blocks.
constexpr int kHeaderSearchPilotOffset[2] = { kPlHeaderSymbols + kPilotSpacing,
                                              kPlHeaderSymbols + kPilotPeriod + kPilotSpacing };
// d and e entries the statistic reads from a position on.
constexpr int kHeaderSearchSpan = kHeaderSearchPilotOffset[1] + kPilotBlockSymbols - 1;

struct HeaderDiffResult {
    float q = 0;          // |C|^2 / sum |d|^2 of the best branch, 0 without energy
    bool pilots = false;  // the b7 = 1 branch won (PLSC pairs complemented or pilot blocks)
    std::complex<float> corr;
};

// Reference: the statistic at one position, from d's real and imaginary parts and e
// (each from that position on, kHeaderSearchSpan entries with pilots, kPlHeaderSymbols - 1
// without).
HeaderDiffResult header_diff_statistic(const float* dre, const float* dim, const float* e,
                                       const HeaderDiffTemplates& t, bool with_pilots);

constexpr int kHeaderSearchBlock = 8;

// The energies of kHeaderSearchBlock consecutive positions: header (SOF + PLSC pair terms)
// and pilot blocks (0 without pilots).
struct HeaderSearchEnergies {
    float header[kHeaderSearchBlock];
    float pilots[kHeaderSearchBlock];
};
void header_search_energies(const float* e, bool with_pilots, HeaderSearchEnergies* out);

// q of header_diff_statistic at kHeaderSearchBlock consecutive positions from the same
// arrays, equal to the reference's up to float rounding (a different summation order).
void header_diff_statistic_block(const float* dre, const float* dim, const HeaderSearchEnergies& energies,
                                 const HeaderDiffTemplates& t, bool with_pilots, float* q);

} // namespace dualsat
