// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 PLHEADER (ETSI EN 302 307-1 §5.5.2): SOF, PLS code, pi/2-BPSK mapping, and the
// receiver's maximum-likelihood PLSC decoder.
//
// The PLHEADER is 90 pi/2-BPSK symbols: 26 SOF symbols followed by the 64-bit PLS code
// word (a (64,7) biorthogonal code of MODCOD and TYPE) XORed with a scrambling mask.
// Everything here takes the SOF bits and the PLSC mask as parameters, so that the keyed
// per-frame values of the protected profile go through the same code (see
// PlHeaderSequence in pl_scrambler.h); the standard's constants are the defaults.
//
// Bit order: a code word held in an integer is transmitted MSB first (bit 63 of the PLSC,
// bit 25 of the SOF go out first).
#pragma once

#include <dualsat/modcod/modcod.h>
#include <dualsat/pl/pl_geometry.h>

#include <complex>
#include <cstdint>

namespace dualsat {


// §5.5.2.1: SOF = 18D2E82 (hex), 26 bits, leftmost bit first.
constexpr uint32_t kStandardSof = 0x18D2E82u;
// §5.5.2.4: PLSC scrambling sequence 0111 0001 1001 1101 1000 0011 1100 1001
//                                     0101 0011 0100 0010 0010 1101 1111 1010.
constexpr uint64_t kStandardPlscMask = 0x719D83C953422DFAull;

// The seven signalling bits of the PLSC (§5.5.2.2, §5.5.2.3): b1..b5 = MODCOD (b1 is the
// MSB), b6 = TYPE MSB (FECFRAME size), b7 = TYPE LSB (pilots).
struct PlsCode {
    uint8_t modcod = 0;       // 0 = dummy PLFRAME, 1..28 = Table 12, 29..31 reserved
    bool short_frame = false; // TYPE MSB: 0 = normal (64800), 1 = short (16200)
    bool pilots = false;      // TYPE LSB: 1 = pilot blocks present

    // b1 is bit 6, b7 is bit 0.
    uint8_t bits() const
    {
        return static_cast<uint8_t>(((modcod & 0x1F) << 2) | (short_frame ? 2 : 0) | (pilots ? 1 : 0));
    }
    static PlsCode from_bits(uint8_t bits7)
    {
        return PlsCode{ static_cast<uint8_t>((bits7 >> 2) & 0x1F), (bits7 & 2) != 0, (bits7 & 1) != 0 };
    }
    bool operator==(const PlsCode& o) const { return bits() == o.bits(); }
    bool operator!=(const PlsCode& o) const { return !(*this == o); }
};

// The PLS code of a data PLFRAME; throws ConfigError for a format outside Table 12 / 5b.
PlsCode pls_code(const FrameFormat& format);
// The dummy PLFRAME's PLS code (§5.5.1: MODCOD 0; TYPE sent as 00, no pilots).
constexpr PlsCode dummy_pls_code() { return PlsCode{ 0, false, false }; }

// What a received PLS code means to the receiver.
enum class PlsStatus : uint8_t {
    Valid,            // a data PLFRAME, `format` is filled in
    Dummy,            // MODCOD 0: dummy PLFRAME of 36 slots, no data
    ReservedModcod,   // MODCOD 29..31: reserved in EN 302 307-1
    UndefinedFormat,  // a MODCOD that does not exist for this frame size (short 9/10)
};
const char* to_string(PlsStatus status);

// Maps a PLS code to a FrameFormat. Never throws: an unusable code gives a status and
// leaves *format untouched.
PlsStatus interpret_pls(const PlsCode& code, FrameFormat* format);

// The unscrambled 64-bit PLS code word of the seven bits (0..127), §5.5.2.4: the (32,6)
// first-order Reed-Muller code of b1..b6, each of whose bits is followed by itself (b7=0)
// or its complement (b7=1). Throws ConfigError above 127.
uint64_t plsc_codeword(uint8_t pls_bits);

// pi/2-BPSK (§5.5.2.5): bit b at header position i (0-based) becomes
// (1-2b)(1+j)/sqrt2 for even i, (1-2b)(-1+j)/sqrt2 for odd i. Maps `count` bits of `bits`
// (MSB of the count-bit value first) to out[0..count), the first at header position
// `first_position` (its parity picks the axis).
void pi2bpsk_map(uint64_t bits, int count, int first_position, std::complex<float>* out);

// The 90 PLHEADER symbols for the given SOF bits and PLSC mask.
void plheader_symbols(const PlsCode& code, std::complex<float>* out,
                      uint32_t sof_bits = kStandardSof,
                      uint64_t plsc_mask = kStandardPlscMask);

// Result of maximum-likelihood PLSC decoding.
struct PlscDecision {
    PlsCode code;
    // Correlation of the winning code word with the soft input divided by sum |soft|:
    // 1 for a noiseless input, falling towards 0 with noise.
    float correlation = 0.0f;
    // (best - second best correlation) / sum |soft|: how far the winner stands out of the
    // other 127 code words. A receiver thresholds this to reject false headers.
    float margin = 0.0f;
    // False when the input carried no usable energy or held a NaN/Inf; then code is
    // meaningless and correlation/margin are 0.
    bool usable = false;
};

// ML decoding over all 128 code words from 64 soft values, one per PLSC bit in
// transmission order, positive meaning bit 0 (before removing the mask; the mask is
// removed here). Two 32-point fast Hadamard transforms instead of 128 correlations.
PlscDecision decode_plsc_soft(const float* soft, uint64_t plsc_mask = kStandardPlscMask);

// The same from the 90 received PLHEADER symbols, phase-corrected (e.g. from the SOF) so
// that they lie on the transmitted pi/2-BPSK axes; only symbols 26..89 are used.
PlscDecision decode_plsc(const std::complex<float>* header_symbols,
                         uint64_t plsc_mask = kStandardPlscMask);

// Soft values of PLHEADER symbols [first, first+count) projected on their pi/2-BPSK axis
// (positive = bit 0), scaled so that a transmitted symbol gives +-1.
void pi2bpsk_soft(const std::complex<float>* header_symbols, int first, int count, float* soft);

} // namespace dualsat
