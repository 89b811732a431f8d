// SPDX-License-Identifier: GPL-3.0-or-later
// Bit-to-symbol mapping of the XFECFRAME (EN 302 307-1 §5.4): every bits_per_symbol()
// consecutive interleaved bits select one constellation point; the first of them is the
// label's MSB.
#pragma once

#include <dualsat/mapping/constellation.h>
#include <dualsat/modcod/modcod.h>

#include <array>
#include <complex>
#include <cstddef>
#include <cstdint>

namespace dualsat {

// How the interleaved bits of a frame arrive.
enum class MapperInput : uint8_t {
    UnpackedBits, // one bit per byte (LSB), n_ldpc bytes per frame: gr-dtv's bit streams
    PackedBits,   // eight bits per byte, MSB first, n_ldpc / 8 bytes per frame: lib convention
    Labels,       // one symbol label per byte, n_ldpc / bits_per_symbol bytes per frame:
                  // the output of gr-dtv's dvbs2_interleaver_bb, input of its modulator
};

class Mapper
{
public:
    // Throws ConfigError for an undefined MODCOD or (frame, rate) pair.
    Mapper(ModCod modcod, FrameSize frame, ApskScaling scaling = ApskScaling::UnitAverageEnergy);

    const Constellation& constellation() const { return constellation_; }
    int bits_per_symbol() const { return constellation_.bits_per_symbol(); }
    FrameSize frame_size() const { return frame_; }
    size_t frame_bits() const { return frame_bits_; }       // n_ldpc
    size_t frame_bytes() const { return frame_bits_ / 8; }  // packed
    size_t frame_symbols() const { return frame_bits_ / static_cast<size_t>(bits_per_symbol()); }

    // One FECFRAME: frame_bytes() packed bytes (n_ldpc interleaved bits, MSB first) to
    // frame_symbols() symbols. Throws Error if in_bytes or out_capacity do not fit.
    size_t map_frame(const uint8_t* packed_bits,
                     size_t in_bytes,
                     std::complex<float>* out,
                     size_t out_capacity) const;

    // Input bytes per frame in a given form.
    size_t frame_input_bytes(MapperInput form) const;
    // One frame in any form: frame_input_bytes(form) bytes to frame_symbols() symbols.
    // Throws FrameError for malformed bits/labels (see below).
    void map_frame(MapperInput form, const uint8_t* in, std::complex<float>* out) const;

    // Unchecked building blocks (any count; the caller owns the sizes):
    // n_symbols * bits_per_symbol() packed bits, MSB first, starting at bit 0 of packed[0].
    void map_packed(const uint8_t* packed, size_t n_symbols, std::complex<float>* out) const;
    // The same, each symbol also multiplied by j^rn[i] (PL scrambling, EN 302 307-1
    // §5.5.4) in the same table lookup: one pass instead of map then scramble. Bit-identical
    // to map_packed() followed by pl_scramble(). rn values are taken mod 4.
    void map_packed_scrambled(const uint8_t* packed, const uint8_t* rn, size_t n_symbols,
                              std::complex<float>* out) const;
    // One bit per byte in the LSB (gr-dtv's stream convention), bits_per_symbol() bytes per
    // symbol. Throws FrameError if any byte is not 0 or 1 (nothing is written then).
    void map_unpacked(const uint8_t* bits, size_t n_symbols, std::complex<float>* out) const;
    // One label per byte (what gr-dtv's dvbs2_interleaver_bb emits and its
    // dvbs2_modulator_bc consumes). Throws FrameError if a label is >= constellation size.
    void map_labels(const uint8_t* labels, size_t n_symbols, std::complex<float>* out) const;

private:
    Constellation constellation_;
    // rotated_[label * 4 + r] = point(label) * j^r, as pl_scramble computes it.
    std::array<std::complex<float>, 4 * Constellation::kMaxPoints> rotated_{};
    FrameSize frame_;
    size_t frame_bits_;
};

} // namespace dualsat
