// SPDX-License-Identifier: GPL-3.0-or-later
#include "fec_reference.h"

#include <catch2/catch.hpp>
#include <dualsat/coding/bit_interleaver.h>
#include <dualsat/core/error.h>

#include <random>
#include <tuple>
#include <vector>

using namespace dualsat;

namespace {

std::vector<uint8_t> random_bytes(std::mt19937& rng, size_t n)
{
    std::vector<uint8_t> v(n);
    for (auto& b : v)
        b = static_cast<uint8_t>(rng());
    return v;
}

// §5.3.3 written out: columns of n/m bits, written column-wise, read row-wise; 8PSK 3/5
// reads the columns right to left.
std::vector<uint8_t> reference_interleave(const std::vector<uint8_t>& bits, Modulation mod,
                                          CodeRate rate)
{
    if (mod == Modulation::QPSK)
        return bits;
    const int m = bits_per_symbol(mod);
    const int rows = static_cast<int>(bits.size()) / m;
    const bool reversed = mod == Modulation::PSK8 && rate == CodeRate::R3_5;
    std::vector<uint8_t> out(bits.size());
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < m; ++c) {
            const int col = reversed ? m - 1 - c : c;
            out[static_cast<size_t>(r * m + c)] = bits[static_cast<size_t>(col * rows + r)];
        }
    return out;
}

} // namespace

TEST_CASE("Bit interleaver follows 5.3.3 and round-trips, every MODCOD and frame size",
          "[interleaver]")
{
    std::mt19937 rng(31);
    for (FrameSize fs : { FrameSize::Normal, FrameSize::Short }) {
        for (const FrameFormat& f : all_frame_formats(fs, false)) {
            INFO(to_string(f));
            BitInterleaver il(fs, f.modcod.rate, f.modcod.mod);
            REQUIRE(il.frame_bits() == f.code().nldpc);
            REQUIRE(il.is_identity() == (f.modcod.mod == Modulation::QPSK));
            const auto in = random_bytes(rng, il.frame_bytes());
            std::vector<uint8_t> out(il.frame_bytes()), back(il.frame_bytes());
            il.interleave(in.data(), out.data());
            const auto bits = dualsat_ref::unpack(in.data(), static_cast<size_t>(il.frame_bits()));
            REQUIRE(dualsat_ref::pack(reference_interleave(bits, f.modcod.mod, f.modcod.rate)) == out);
            // Symbols: consecutive symbol_bits() groups of the interleaved frame, MSB first.
            std::vector<uint8_t> symbols(static_cast<size_t>(il.symbols()));
            il.interleave_symbols(in.data(), symbols.data());
            const auto out_bits = dualsat_ref::unpack(out.data(), static_cast<size_t>(il.frame_bits()));
            const int m = il.symbol_bits();
            REQUIRE(m == bits_per_symbol(f.modcod.mod));
            for (int s = 0; s < il.symbols(); ++s) {
                unsigned sym = 0;
                for (int b = 0; b < m; ++b)
                    sym = (sym << 1) | out_bits[static_cast<size_t>(s * m + b)];
                REQUIRE(symbols[static_cast<size_t>(s)] == sym);
            }
            il.deinterleave(out.data(), back.data());
            REQUIRE(back == in);
        }
    }
}

TEST_CASE("Bit interleaver is a permutation, soft deinterleave inverts it", "[interleaver]")
{
    for (auto [fs, rate, mod] : { std::tuple{ FrameSize::Normal, CodeRate::R3_5, Modulation::PSK8 },
                                  std::tuple{ FrameSize::Short, CodeRate::R3_4, Modulation::APSK16 },
                                  std::tuple{ FrameSize::Normal, CodeRate::R9_10, Modulation::APSK32 },
                                  std::tuple{ FrameSize::Short, CodeRate::R1_2, Modulation::QPSK } }) {
        BitInterleaver il(fs, rate, mod);
        const int n = il.frame_bits();
        std::vector<uint8_t> seen(static_cast<size_t>(n), 0);
        for (int i = 0; i < n; ++i) {
            const int s = il.source_of(i);
            REQUIRE(s >= 0);
            REQUIRE(s < n);
            REQUIRE(seen[static_cast<size_t>(s)] == 0);
            seen[static_cast<size_t>(s)] = 1;
        }
        // float: each value names its codeword position.
        std::vector<float> rx(static_cast<size_t>(n)), llr(static_cast<size_t>(n));
        for (int i = 0; i < n; ++i)
            rx[static_cast<size_t>(i)] = static_cast<float>(il.source_of(i));
        il.deinterleave_soft(rx.data(), llr.data());
        for (int i = 0; i < n; ++i)
            REQUIRE(llr[static_cast<size_t>(i)] == static_cast<float>(i));

        // int8_t: hard decisions of the deinterleaved LLRs give back the codeword.
        std::mt19937 rng(32);
        const auto cw = random_bytes(rng, il.frame_bytes());
        std::vector<uint8_t> sent(il.frame_bytes());
        il.interleave(cw.data(), sent.data());
        const auto sent_bits = dualsat_ref::unpack(sent.data(), static_cast<size_t>(n));
        std::vector<int8_t> soft(static_cast<size_t>(n)), soft_out(static_cast<size_t>(n));
        for (int i = 0; i < n; ++i)
            soft[static_cast<size_t>(i)] = sent_bits[static_cast<size_t>(i)] ? -100 : 100;
        il.deinterleave_soft(soft.data(), soft_out.data());
        std::vector<uint8_t> hard(static_cast<size_t>(n));
        for (int i = 0; i < n; ++i)
            hard[static_cast<size_t>(i)] = soft_out[static_cast<size_t>(i)] < 0;
        REQUIRE(dualsat_ref::pack(hard) == cw);
    }
    CHECK_THROWS_AS(BitInterleaver(FrameSize::Short, CodeRate::R9_10, Modulation::PSK8), ConfigError);
}
