// SPDX-License-Identifier: GPL-3.0-or-later
// PLHEADER: PLS code words, pi/2-BPSK mapping, ML decoding, PLS interpretation.
#include <catch2/catch.hpp>
#include <dualsat/core/error.h>
#include <dualsat/pl/plheader.h>

#include <array>
#include <cmath>
#include <random>
#include <string>
#include <vector>

using namespace dualsat;

namespace {

// The (32,6) generator matrix of EN 302 307-1 §5.5.2.4 written out column by column.
std::array<std::string, 6> generator_rows()
{
    std::array<std::string, 6> g;
    for (int j = 0; j < 32; ++j) {
        g[0] += (j % 2 >= 1) ? '1' : '0';      // 0101...
        g[1] += (j % 4 >= 2) ? '1' : '0';      // 0011...
        g[2] += (j % 8 >= 4) ? '1' : '0';      // 00001111...
        g[3] += (j % 16 >= 8) ? '1' : '0';     // 0^8 1^8 ...
        g[4] += (j % 32 >= 16) ? '1' : '0';    // 0^16 1^16
        g[5] += '1';                           // 1^32
    }
    return g;
}

// Code word bits in transmission order, from the matrix: y(2j) = c(j), y(2j+1) = c(j)+b7.
std::vector<int> reference_codeword(int bits7)
{
    const auto g = generator_rows();
    std::vector<int> y(64);
    for (int j = 0; j < 32; ++j) {
        int c = 0;
        for (int i = 0; i < 6; ++i) {
            const int b = (bits7 >> (6 - i)) & 1; // b1..b6
            c ^= b & (g[static_cast<size_t>(i)][static_cast<size_t>(j)] - '0');
        }
        y[static_cast<size_t>(2 * j)] = c;
        y[static_cast<size_t>(2 * j + 1)] = c ^ (bits7 & 1);
    }
    return y;
}

int bit_of(uint64_t word, int k) { return static_cast<int>((word >> (63 - k)) & 1); }

// Brute-force ML: correlation of the (unmasked) soft values with every code word.
std::array<float, 128> all_correlations(const float* soft, uint64_t mask)
{
    std::array<float, 128> corr{};
    for (int c = 0; c < 128; ++c) {
        const uint64_t word = plsc_codeword(static_cast<uint8_t>(c)) ^ mask;
        float sum = 0.0f;
        for (int k = 0; k < 64; ++k)
            sum += bit_of(word, k) ? -soft[k] : soft[k];
        corr[static_cast<size_t>(c)] = sum;
    }
    return corr;
}

} // namespace

TEST_CASE("PLS code words equal the generator-matrix construction", "[plheader]")
{
    for (int c = 0; c < 128; ++c) {
        const uint64_t word = plsc_codeword(static_cast<uint8_t>(c));
        const auto ref = reference_codeword(c);
        for (int k = 0; k < 64; ++k)
            REQUIRE(bit_of(word, k) == ref[static_cast<size_t>(k)]);
    }
    CHECK_THROWS_AS(plsc_codeword(128), ConfigError);
}

TEST_CASE("PLS code is biorthogonal: distances 32, antipodes 64", "[plheader]")
{
    for (int a = 0; a < 128; ++a)
        for (int b = a + 1; b < 128; ++b) {
            const int d = __builtin_popcountll(plsc_codeword(static_cast<uint8_t>(a)) ^
                                               plsc_codeword(static_cast<uint8_t>(b)));
            // b6 flips every bit of the (32,6) word and hence every bit of the 64-bit one.
            REQUIRE(d == ((a ^ b) == 2 ? 64 : 32));
        }
}

TEST_CASE("PLS bits: MODCOD in b1..b5, TYPE in b6 b7", "[plheader]")
{
    PlsCode c{ 17, true, false };
    CHECK(c.bits() == ((17 << 2) | 2));
    CHECK(PlsCode::from_bits(c.bits()) == c);
    const FrameFormat f{ { Modulation::APSK16, CodeRate::R3_4 }, FrameSize::Normal, true };
    CHECK(pls_code(f) == PlsCode{ 19, false, true });
    CHECK_THROWS_AS(pls_code({ { Modulation::PSK8, CodeRate::R1_4 }, FrameSize::Normal, false }),
                    ConfigError);
    CHECK_THROWS_AS(pls_code({ { Modulation::QPSK, CodeRate::R9_10 }, FrameSize::Short, false }),
                    ConfigError);
}

TEST_CASE("PLHEADER symbols: SOF, masked code word, pi/2-BPSK", "[plheader]")
{
    // SOF 18D2E82 written out as the 26 transmitted bits.
    const std::string sof = "01100011010010111010000010";
    const std::string mask = "0111000110011101100000111100100101010011010000100010110111111010";
    const float r = 1.0f / std::sqrt(2.0f);
    for (int c : { 0, 5, 44, 127 }) {
        std::complex<float> h[kPlHeaderSymbols];
        plheader_symbols(PlsCode::from_bits(static_cast<uint8_t>(c)), h);
        const auto code = reference_codeword(c);
        for (int i = 0; i < kPlHeaderSymbols; ++i) {
            const int bit = i < 26 ? sof[static_cast<size_t>(i)] - '0'
                                   : code[static_cast<size_t>(i - 26)] ^
                                         (mask[static_cast<size_t>(i - 26)] - '0');
            // EN 302 307-1 §5.5.2.5: odd (1-based) positions on (1+j), even on (-1+j).
            const std::complex<float> axis = (i % 2 == 0) ? std::complex<float>(r, r)
                                                          : std::complex<float>(-r, r);
            const std::complex<float> expect = bit ? -axis : axis;
            REQUIRE(std::abs(h[i] - expect) < 1e-6f);
        }
    }
}

TEST_CASE("ML decoder recovers all 128 PLS codes from noiseless headers", "[plheader]")
{
    for (int c = 0; c < 128; ++c) {
        const PlsCode code = PlsCode::from_bits(static_cast<uint8_t>(c));
        std::complex<float> h[kPlHeaderSymbols];
        plheader_symbols(code, h);
        const PlscDecision d = decode_plsc(h);
        REQUIRE(d.usable);
        REQUIRE(d.code == code);
        CHECK(d.correlation == Approx(1.0f).margin(1e-5));
        CHECK(d.margin == Approx(1.0f).margin(1e-5));
        // Scaled and rotated by 180 degrees: the amplitude must not matter, the rotation
        // turns it into the antipodal code word (b6 flipped) - a receiver resolves the
        // phase on the SOF before decoding.
        for (auto& s : h)
            s *= -3.5f;
        const PlscDecision flipped = decode_plsc(h);
        CHECK(flipped.code.bits() == (c ^ 2));
    }
}

TEST_CASE("ML decoder with a non-standard mask (keyed header)", "[plheader]")
{
    const uint64_t mask = 0x0123456789ABCDEFull;
    for (int c = 0; c < 128; c += 3) {
        const PlsCode code = PlsCode::from_bits(static_cast<uint8_t>(c));
        std::complex<float> h[kPlHeaderSymbols];
        plheader_symbols(code, h, 0x2AAAAAA, mask);
        REQUIRE(decode_plsc(h, mask).code == code);
    }
}

TEST_CASE("FHT decoder equals brute-force ML at Es/N0 = -3 dB and errs rarely", "[plheader]")
{
    std::mt19937 rng(7);
    // Es = 1, Es/N0 = -3 dB: N0 = 10^0.3, N0/2 per real dimension.
    const float sigma = std::sqrt(std::pow(10.0f, 0.3f) / 2.0f);
    std::normal_distribution<float> noise(0.0f, sigma);
    int errors = 0, trials = 0;
    for (int c = 0; c < 128; ++c)
        for (int t = 0; t < 20; ++t) {
            const PlsCode code = PlsCode::from_bits(static_cast<uint8_t>(c));
            std::complex<float> h[kPlHeaderSymbols];
            plheader_symbols(code, h);
            for (auto& s : h)
                s += std::complex<float>(noise(rng), noise(rng));
            float soft[64];
            pi2bpsk_soft(h, kSofSymbols, 64, soft);
            const PlscDecision d = decode_plsc_soft(soft);
            REQUIRE(d.usable);
            // Same decision and metrics as correlating with all 128 words one by one.
            auto corr = all_correlations(soft, kStandardPlscMask);
            int best = 0;
            for (int k = 1; k < 128; ++k)
                if (corr[static_cast<size_t>(k)] > corr[static_cast<size_t>(best)])
                    best = k;
            float energy = 0.0f;
            for (float s : soft)
                energy += std::fabs(s);
            float runner_up = -1e30f;
            for (int k = 0; k < 128; ++k)
                if (k != best)
                    runner_up = std::max(runner_up, corr[static_cast<size_t>(k)]);
            REQUIRE(d.code.bits() == best);
            CHECK(d.correlation == Approx(corr[static_cast<size_t>(best)] / energy).margin(1e-4));
            CHECK(d.margin == Approx((corr[static_cast<size_t>(best)] - runner_up) / energy).margin(1e-4));
            errors += d.code != code;
            ++trials;
        }
    // Union bound: 126 * Q(sqrt(32 * 2 Es/N0)) ~ 1e-6 per header.
    CHECK(errors <= 1);
    CHECK(trials == 2560);
}

TEST_CASE("ML decoder reports unusable input instead of guessing", "[plheader]")
{
    float soft[64] = {};
    CHECK_FALSE(decode_plsc_soft(soft).usable);
    for (int k = 0; k < 64; ++k)
        soft[k] = 1.0f;
    soft[10] = std::nanf("");
    CHECK_FALSE(decode_plsc_soft(soft).usable);
    soft[10] = INFINITY;
    CHECK_FALSE(decode_plsc_soft(soft).usable);
    // Pure noise: usable, but a small margin tells the receiver not to trust it.
    std::mt19937 rng(3);
    std::normal_distribution<float> n(0.0f, 1.0f);
    float worst = 0.0f;
    for (int t = 0; t < 200; ++t) {
        for (float& s : soft)
            s = n(rng);
        worst = std::max(worst, decode_plsc_soft(soft).margin);
    }
    CHECK(worst < 0.5f);
}

TEST_CASE("PLS interpretation: formats, dummy, reserved, undefined", "[plheader]")
{
    int valid = 0;
    for (int c = 0; c < 128; ++c) {
        const PlsCode code = PlsCode::from_bits(static_cast<uint8_t>(c));
        FrameFormat f{ { Modulation::QPSK, CodeRate::R1_4 }, FrameSize::Normal, false };
        const FrameFormat before = f;
        const PlsStatus st = interpret_pls(code, &f);
        if (code.modcod == 0) {
            CHECK(st == PlsStatus::Dummy);
        } else if (code.modcod >= 29) {
            CHECK(st == PlsStatus::ReservedModcod);
        } else if (code.short_frame && modcod_from_number(code.modcod).rate == CodeRate::R9_10) {
            CHECK(st == PlsStatus::UndefinedFormat);
        } else {
            REQUIRE(st == PlsStatus::Valid);
            CHECK(pls_code(f) == code); // round trip
            ++valid;
            continue;
        }
        CHECK(f == before); // untouched
    }
    CHECK(valid == 2 * (28 + 24));
    CHECK(interpret_pls(PlsCode{ 3, false, false }, nullptr) == PlsStatus::Valid);
    CHECK(std::string(to_string(PlsStatus::ReservedModcod)) == "reserved MODCOD");
}
