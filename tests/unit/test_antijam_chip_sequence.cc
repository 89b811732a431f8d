// SPDX-License-Identifier: GPL-3.0-or-later
// KeyedChipSequence (lib/antijam): known answers computed without lib/antijam
// (tests/protect/make_vectors.py, python3-cryptography) and the properties the spreading
// relies on.
#include "dsss_test_link.h"
#include "../protect/protect_vectors.h"

#include <catch2/catch.hpp>
#include <dualsat/core/error.h>

#include <cmath>
#include <string>

using namespace dualsat;

namespace {

std::string vec(const std::string& name)
{
    const std::string v = protect_test::vector_named(name);
    if (v.empty())
        FAIL("no vector " << name);
    return v;
}

std::string digits(const KeyedChipSequence& seq, uint64_t symbol, int sf)
{
    std::vector<uint8_t> d(static_cast<size_t>(sf));
    seq.chip_bits(symbol, sf, d.data());
    std::string s;
    for (uint8_t x : d)
        s += static_cast<char>('0' + x);
    return s;
}

double cross(const std::vector<std::complex<float>>& a, const std::vector<std::complex<float>>& b)
{
    std::complex<double> s = 0.0;
    for (size_t i = 0; i < a.size(); ++i)
        s += std::complex<double>(a[i]) * std::conj(std::complex<double>(b[i]));
    return std::abs(s) / static_cast<double>(a.size());
}

} // namespace

TEST_CASE("KeyedChipSequence: known answers (python3-cryptography)", "[antijam]")
{
    const auto e7 = dsss_test::sequence(7);
    CHECK(digits(*e7, 0, 64) == vec("dsss.e7.sym0.sf64"));
    CHECK(digits(*e7, 1, 4) == vec("dsss.e7.sym1.sf4"));
    CHECK(digits(*e7, 1, 5) == vec("dsss.e7.sym1.sf5"));
    CHECK(digits(*e7, (uint64_t{ 1 } << 40) + 5, 1024).substr(1024 - 96) ==
          vec("dsss.e7.sym1099511627781.sf1024.tail"));
    CHECK(digits(*e7, ~uint64_t{ 0 }, 16) == vec("dsss.e7.symmax.sf16"));
    CHECK(digits(*dsss_test::sequence(8), 0, 64) == vec("dsss.e8.sym0.sf64"));
}

TEST_CASE("KeyedChipSequence: chips are the documented QPSK points of the bits", "[antijam]")
{
    const auto seq = dsss_test::sequence();
    std::vector<uint8_t> d(256);
    std::vector<std::complex<float>> c(256);
    seq->chip_bits(42, 256, d.data());
    seq->chips(42, 256, c.data());
    const float a = static_cast<float>(1.0 / std::sqrt(2.0));
    for (size_t i = 0; i < c.size(); ++i) {
        CHECK(c[i].real() == ((d[i] & 2) ? -a : a));
        CHECK(c[i].imag() == ((d[i] & 1) ? -a : a));
        CHECK(std::norm(c[i]) == Approx(1.0f));
    }
}

TEST_CASE("KeyedChipSequence: balanced, new chips per symbol, epoch and key", "[antijam]")
{
    const auto seq = dsss_test::sequence();
    const int sf = 64, symbols = 2000;
    std::vector<uint8_t> d(sf);
    long ones_i = 0, ones_q = 0;
    for (int s = 0; s < symbols; ++s) {
        seq->chip_bits(static_cast<uint64_t>(s), sf, d.data());
        for (uint8_t x : d) {
            ones_i += x >> 1;
            ones_q += x & 1;
        }
    }
    const double n = static_cast<double>(sf) * symbols;
    // Binomial: 5 sigma = 5 * sqrt(n / 4) = 895 of n = 128000.
    CHECK(std::abs(ones_i - n / 2) < 900);
    CHECK(std::abs(ones_q - n / 2) < 900);

    std::vector<std::complex<float>> a(sf), b(sf);
    seq->chips(1000, sf, a.data());
    seq->chips(1001, sf, b.data());
    CHECK(a != b);
    CHECK(cross(a, b) < 0.5); // independent: |mean| ~ 1/sqrt(SF) = 0.125
    dsss_test::sequence(8)->chips(1000, sf, b.data());
    CHECK(a != b);
    CHECK(cross(a, b) < 0.5);
    dsss_test::sequence(7, 1)->chips(1000, sf, b.data());
    CHECK(a != b);
    CHECK(cross(a, b) < 0.5);
    // The same key, epoch and symbol: the same chips (both ends agree).
    dsss_test::sequence(7)->chips(1000, sf, b.data());
    CHECK(a == b);
}

TEST_CASE("KeyedChipSequence: spreading factor range", "[antijam]")
{
    const auto seq = dsss_test::sequence();
    std::vector<std::complex<float>> c(2048);
    CHECK_NOTHROW(seq->chips(0, 4, c.data()));
    CHECK_NOTHROW(seq->chips(0, 1024, c.data()));
    CHECK_THROWS_AS(seq->chips(0, 3, c.data()), ConfigError);
    CHECK_THROWS_AS(seq->chips(0, 1025, c.data()), ConfigError);
    CHECK_THROWS_AS(seq->chips(0, 0, c.data()), ConfigError);
    CHECK_THROWS_AS(seq->chips(0, -64, c.data()), ConfigError);
    SecureKey key;
    SecureKey taken(std::move(key)); // `key` is now empty
    CHECK_THROWS_AS(KeyedChipSequence(std::move(key)), ConfigError);
}
