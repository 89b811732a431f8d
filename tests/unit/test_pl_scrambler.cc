// SPDX-License-Identifier: GPL-3.0-or-later
// PL scrambling: Gold sequence vs the standard's bit-serial definition, register jumps,
// scrambling and descrambling.
#include <catch2/catch.hpp>
#include <dualsat/core/error.h>
#include <dualsat/pl/pl_scrambler.h>

#include <complex>
#include <random>
#include <vector>

using namespace dualsat;

namespace {

// EN 302 307-1 §5.5.4 written out literally: whole m-sequences x and y, then
// z_n(i) = x((i+n) mod (2^18-1)) + y(i), R_n(i) = 2 z_n((i+131072) mod (2^18-1)) + z_n(i).
struct ReferenceGold {
    std::vector<uint8_t> x, y;
    ReferenceGold() : x(kGoldPeriod), y(kGoldPeriod)
    {
        x[0] = 1;
        for (int i = 0; i < 18; ++i)
            y[static_cast<size_t>(i)] = 1;
        for (size_t i = 0; i + 18 < kGoldPeriod; ++i) {
            x[i + 18] = x[i + 7] ^ x[i];
            y[i + 18] = y[i + 10] ^ y[i + 7] ^ y[i + 5] ^ y[i];
        }
    }
    int z(uint32_t n, uint32_t i) const
    {
        return x[(i + n) % kGoldPeriod] ^ y[i % kGoldPeriod];
    }
    int rn(uint32_t n, uint32_t i) const { return 2 * z(n, (i + 131072) % kGoldPeriod) + z(n, i); }
};

const ReferenceGold& reference()
{
    static const ReferenceGold ref;
    return ref;
}

uint32_t state_at(const std::vector<uint8_t>& seq, uint64_t i)
{
    uint32_t s = 0;
    for (int k = 0; k < 18; ++k)
        s |= static_cast<uint32_t>(seq[(i + static_cast<uint64_t>(k)) % kGoldPeriod]) << k;
    return s;
}

} // namespace

TEST_CASE("Gold scrambling sequence equals the bit-serial definition", "[pl_scrambler]")
{
    const auto& ref = reference();
    for (uint32_t n : { 0u, 1u, 2u, 17u, 1000u, 99999u, 131071u, 131072u, 200001u, 262140u, 262141u }) {
        GoldScrambling gold(n);
        const auto& seq = gold.sequence();
        REQUIRE(seq.size() == static_cast<size_t>(PlScramblingSequence::kMaxLength));
        for (uint32_t i = 0; i < seq.size(); ++i)
            REQUIRE(static_cast<int>(seq[i]) == ref.rn(n, i));
        CHECK(gold.rn(12345, 100) == seq.data()); // the same every frame
    }
}

TEST_CASE("register jump by n equals n single steps", "[pl_scrambler]")
{
    const auto& ref = reference();
    for (uint64_t n : { 0ull, 1ull, 18ull, 35ull, 4096ull, 131072ull, 262141ull, 262142ull }) {
        CHECK(lfsr18_advance(kGoldXInit, n, kGoldXTaps) == state_at(ref.x, n));
        CHECK(lfsr18_advance(kGoldYInit, n, kGoldYTaps) == state_at(ref.y, n));
    }
    // From arbitrary states, against stepping.
    std::mt19937 rng(5);
    for (int t = 0; t < 4; ++t) {
        const uint32_t start = (rng() & 0x3FFFF) | 1;
        const uint32_t steps = rng() % 300000;
        for (uint32_t taps : { kGoldXTaps, kGoldYTaps }) {
            uint32_t s = start;
            for (uint32_t k = 0; k < steps; ++k)
                s = lfsr18_step(s, taps);
            CHECK(lfsr18_advance(start, steps, taps) == s);
        }
    }
    // Period 2^18-1 (both are m-sequences) and huge jumps reduce correctly.
    CHECK(lfsr18_advance(0x2BEEF, kGoldPeriod, kGoldXTaps) == 0x2BEEF);
    CHECK(lfsr18_advance(0x2BEEF, 5ull * kGoldPeriod + 77, kGoldYTaps) ==
          lfsr18_advance(0x2BEEF, 77, kGoldYTaps));
}

TEST_CASE("Gold code range and lengths are checked", "[pl_scrambler]")
{
    CHECK_THROWS_AS(GoldScrambling(262142), ConfigError);
    GoldScrambling g(3);
    CHECK_THROWS_AS(g.rn(0, PlScramblingSequence::kMaxLength + 1), ConfigError);
    CHECK_THROWS_AS(g.rn(0, -1), ConfigError);
    CHECK_NOTHROW(g.rn(0, PlScramblingSequence::kMaxLength));
}

TEST_CASE("scrambling multiplies by j^R and descrambling inverts it", "[pl_scrambler]")
{
    std::mt19937 rng(9);
    std::normal_distribution<float> n(0.0f, 1.0f);
    GoldScrambling gold(4711);
    const int len = 5000;
    const uint8_t* rn = gold.rn(0, len);
    std::vector<std::complex<float>> in(len), scr(len), back(len);
    for (auto& s : in)
        s = { n(rng), n(rng) };
    pl_scramble(in.data(), rn, len, scr.data());
    const std::complex<float> j(0.0f, 1.0f);
    int counts[4] = {};
    for (int i = 0; i < len; ++i) {
        REQUIRE(rn[i] < 4);
        ++counts[rn[i]];
        REQUIRE(std::abs(scr[static_cast<size_t>(i)] -
                         in[static_cast<size_t>(i)] * std::pow(j, static_cast<int>(rn[i]))) < 1e-5f);
    }
    for (int c : counts)
        CHECK(c > len / 5); // all four rotations occur, roughly evenly
    pl_descramble(scr.data(), rn, len, back.data());
    CHECK(back == in); // exact: sign flips and swaps only
    // In place.
    pl_descramble(scr.data(), rn, len, scr.data());
    CHECK(scr == in);
}

TEST_CASE("standard PLHEADER sequence: SOF symbols and decoding", "[pl_scrambler]")
{
    StandardPlHeader seq;
    CHECK(seq.sof_bits(0) == kStandardSof);
    CHECK(seq.plsc_mask(99) == kStandardPlscMask);
    std::complex<float> h[kPlHeaderSymbols], sof[kSofSymbols];
    const PlsCode code{ 21, true, true };
    seq.header_symbols(code, 5, h);
    seq.sof_symbols(5, sof);
    for (int i = 0; i < kSofSymbols; ++i)
        CHECK(sof[i] == h[i]);
    CHECK(seq.decode(h, 5).code == code);
}
