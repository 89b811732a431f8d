// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/mapping/mapper.h>
#include <dualsat/pl/pl_scrambler.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace dualsat {
namespace {

// Eight symbols use exactly bits_per_symbol bytes (8 * b bits), so the packed stream is cut
// into b-byte groups; each group is read as one big-endian word and the eight labels are
// shifted out of it: no per-bit work.
template <int B>
inline void map_packed_groups(const uint8_t* in,
                              size_t groups,
                              const std::complex<float>* table,
                              std::complex<float>* out)
{
    constexpr uint64_t mask = (1u << B) - 1u;
    for (size_t g = 0; g < groups; ++g, in += B, out += 8) {
        uint64_t word = 0;
        for (int i = 0; i < B; ++i) // unrolled by the compiler: B is a constant
            word = (word << 8) | in[i];
        out[0] = table[(word >> (7 * B)) & mask];
        out[1] = table[(word >> (6 * B)) & mask];
        out[2] = table[(word >> (5 * B)) & mask];
        out[3] = table[(word >> (4 * B)) & mask];
        out[4] = table[(word >> (3 * B)) & mask];
        out[5] = table[(word >> (2 * B)) & mask];
        out[6] = table[(word >> (1 * B)) & mask];
        out[7] = table[word & mask];
    }
}

template <int B>
void map_packed_impl(const uint8_t* in,
                     size_t n_symbols,
                     const std::complex<float>* table,
                     std::complex<float>* out)
{
    const size_t groups = n_symbols / 8;
    map_packed_groups<B>(in, groups, table, out);
    const size_t rest = n_symbols % 8;
    if (rest == 0)
        return;
    // Tail: fewer than 8 symbols, ceil(rest * B / 8) bytes remain; pad with zeros.
    uint8_t last[B] = {};
    std::memcpy(last, in + groups * B, (rest * B + 7) / 8);
    std::complex<float> tmp[8];
    map_packed_groups<B>(last, 1, table, tmp);
    std::memcpy(static_cast<void*>(out + groups * 8), tmp, rest * sizeof(tmp[0]));
}

// As map_packed_impl, through the table of rotated points: index label * 4 + R.
template <int B>
void map_packed_scrambled_impl(const uint8_t* in,
                               const uint8_t* rn,
                               size_t n_symbols,
                               const std::complex<float>* rotated,
                               std::complex<float>* out)
{
    constexpr uint64_t mask = (1u << B) - 1u;
    const size_t groups = n_symbols / 8;
    for (size_t g = 0; g < groups; ++g, in += B, out += 8, rn += 8) {
        uint64_t word = 0;
        for (int i = 0; i < B; ++i)
            word = (word << 8) | in[i];
        for (int k = 0; k < 8; ++k) // unrolled: B and k are constants
            out[k] = rotated[(((word >> ((7 - k) * B)) & mask) << 2) | (rn[k] & 3u)];
    }
    const size_t rest = n_symbols % 8;
    if (rest == 0)
        return;
    uint8_t last[B] = {};
    std::memcpy(last, in, (rest * B + 7) / 8);
    uint64_t word = 0;
    for (int i = 0; i < B; ++i)
        word = (word << 8) | last[i];
    for (size_t k = 0; k < rest; ++k)
        out[k] = rotated[(((word >> ((7 - k) * B)) & mask) << 2) | (rn[k] & 3u)];
}

// Packs 8 one-bit-per-byte values (LSBs) into a byte, first byte in the MSB: the multiply
// moves byte i's bit to bit 63 - i without carries (each product term hits its own bit).
inline uint8_t pack8(const uint8_t* bits)
{
    uint64_t w;
    std::memcpy(&w, bits, 8); // little-endian: bits[0] is the low byte
    return static_cast<uint8_t>((w * 0x8040201008040201ull) >> 56);
}

bool any_above(const uint8_t* data, size_t n, uint8_t limit)
{
    // An OR/compare reduction the compiler vectorises; the hot path never branches per byte.
    uint8_t bad = 0;
    for (size_t i = 0; i < n; ++i)
        bad |= static_cast<uint8_t>(data[i] > limit);
    return bad != 0;
}

} // namespace

Mapper::Mapper(ModCod modcod, FrameSize frame, ApskScaling scaling)
    : constellation_(modcod, scaling),
      frame_(frame),
      frame_bits_(static_cast<size_t>(code_params(frame, modcod.rate).nldpc))
{
    const uint8_t quarter_turns[4] = { 0, 1, 2, 3 };
    for (int label = 0; label < constellation_.size(); ++label) {
        const std::complex<float> p[4] = { constellation_.point(static_cast<unsigned>(label)),
                                           constellation_.point(static_cast<unsigned>(label)),
                                           constellation_.point(static_cast<unsigned>(label)),
                                           constellation_.point(static_cast<unsigned>(label)) };
        pl_scramble(p, quarter_turns, 4, &rotated_[static_cast<size_t>(label) * 4]);
    }
}

void Mapper::map_packed_scrambled(const uint8_t* packed, const uint8_t* rn, size_t n_symbols,
                                  std::complex<float>* out) const
{
    const std::complex<float>* table = rotated_.data();
    switch (constellation_.modulation()) {
    case Modulation::QPSK:
        return map_packed_scrambled_impl<2>(packed, rn, n_symbols, table, out);
    case Modulation::PSK8:
        return map_packed_scrambled_impl<3>(packed, rn, n_symbols, table, out);
    case Modulation::APSK16:
        return map_packed_scrambled_impl<4>(packed, rn, n_symbols, table, out);
    case Modulation::APSK32:
        return map_packed_scrambled_impl<5>(packed, rn, n_symbols, table, out);
    }
}

void Mapper::map_packed(const uint8_t* packed, size_t n_symbols, std::complex<float>* out) const
{
    const std::complex<float>* table = constellation_.points();
    switch (constellation_.modulation()) {
    case Modulation::QPSK:
        return map_packed_impl<2>(packed, n_symbols, table, out);
    case Modulation::PSK8:
        return map_packed_impl<3>(packed, n_symbols, table, out);
    case Modulation::APSK16:
        return map_packed_impl<4>(packed, n_symbols, table, out);
    case Modulation::APSK32:
        return map_packed_impl<5>(packed, n_symbols, table, out);
    }
}

void Mapper::map_unpacked(const uint8_t* bits, size_t n_symbols, std::complex<float>* out) const
{
    const size_t b = static_cast<size_t>(bits_per_symbol());
    if (any_above(bits, n_symbols * b, 1))
        throw FrameError("mapper: unpacked input must be one bit (0 or 1) per byte");
    // Pack in chunks of 8 symbols = b bytes of packed bits, through a small stack buffer.
    constexpr size_t kChunkSymbols = 256; // multiple of 8
    uint8_t packed[kChunkSymbols * 5 / 8];
    for (size_t done = 0; done < n_symbols;) {
        const size_t n = std::min(kChunkSymbols, n_symbols - done);
        const size_t nbits = n * b;
        const uint8_t* src = bits + done * b;
        size_t i = 0;
        for (; i + 8 <= nbits; i += 8)
            packed[i / 8] = pack8(src + i);
        if (i < nbits) {
            uint8_t tail[8] = {};
            std::memcpy(tail, src + i, nbits - i);
            packed[i / 8] = pack8(tail);
        }
        map_packed(packed, n, out + done);
        done += n;
    }
}

void Mapper::map_labels(const uint8_t* labels, size_t n_symbols, std::complex<float>* out) const
{
    const int m = constellation_.size();
    if (any_above(labels, n_symbols, static_cast<uint8_t>(m - 1)))
        throw FrameError("mapper: symbol label >= " + std::to_string(m) + " for " +
                         to_string(constellation_.modulation()));
    const std::complex<float>* table = constellation_.points();
    for (size_t i = 0; i < n_symbols; ++i)
        out[i] = table[labels[i]];
}

size_t Mapper::map_frame(const uint8_t* packed_bits,
                         size_t in_bytes,
                         std::complex<float>* out,
                         size_t out_capacity) const
{
    if (in_bytes != frame_bytes())
        throw Error("mapper: a " + to_string(frame_) + " FECFRAME has " +
                    std::to_string(frame_bytes()) + " bytes, got " + std::to_string(in_bytes));
    if (out_capacity < frame_symbols())
        throw Error("mapper: output holds " + std::to_string(out_capacity) + " symbols, " +
                    to_string(constellation_.modcod()) + " needs " +
                    std::to_string(frame_symbols()));
    map_packed(packed_bits, frame_symbols(), out);
    return frame_symbols();
}

size_t Mapper::frame_input_bytes(MapperInput form) const
{
    switch (form) {
    case MapperInput::UnpackedBits:
        return frame_bits_;
    case MapperInput::PackedBits:
        return frame_bytes();
    case MapperInput::Labels:
        return frame_symbols();
    }
    throw ConfigError("mapper: unknown input form");
}

void Mapper::map_frame(MapperInput form, const uint8_t* in, std::complex<float>* out) const
{
    switch (form) {
    case MapperInput::UnpackedBits:
        return map_unpacked(in, frame_symbols(), out);
    case MapperInput::PackedBits:
        return map_packed(in, frame_symbols(), out);
    case MapperInput::Labels:
        return map_labels(in, frame_symbols(), out);
    }
    throw ConfigError("mapper: unknown input form");
}

} // namespace dualsat
