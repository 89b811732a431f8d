// SPDX-License-Identifier: GPL-3.0-or-later
#include "fec_reference.h"

#include <catch2/catch.hpp>
#include <dualsat/core/error.h>
#include <dualsat/coding/ldpc_encoder.h>
#include <dualsat/coding/ldpc_tables.h>

#include <algorithm>
#include <random>
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

// H c = 0 with H from the table (§5.3.2): check row i sums the information bits whose
// accumulator address is i, plus p_i and p_(i-1) (the dual-diagonal part of H).
bool satisfies_parity_checks(const LdpcTable& t, const std::vector<uint8_t>& codeword)
{
    const int M = t.n - t.k;
    const auto bits = dualsat_ref::unpack(codeword.data(), static_cast<size_t>(t.n));
    std::vector<uint8_t> check(static_cast<size_t>(M), 0);
    for (int m = 0; m < t.k; ++m) {
        if (!bits[static_cast<size_t>(m)])
            continue;
        const int j = m / 360, s = m % 360;
        for (int a = 0; a < t.row_size(j); ++a)
            check[static_cast<size_t>((t.row(j)[a] + s * t.q) % M)] ^= 1;
    }
    for (int i = 0; i < M; ++i) {
        check[static_cast<size_t>(i)] ^= bits[static_cast<size_t>(t.k + i)];
        if (i > 0)
            check[static_cast<size_t>(i)] ^= bits[static_cast<size_t>(t.k + i - 1)];
        if (check[static_cast<size_t>(i)])
            return false;
    }
    return true;
}

} // namespace

TEST_CASE("LDPC encoder matches the bit-serial rule of 5.3.2, all 21 codes", "[ldpc]")
{
    std::mt19937 rng(21);
    for (FrameSize fs : { FrameSize::Normal, FrameSize::Short }) {
        for (int r = 0; r < kNumCodeRates; ++r) {
            const CodeRate rate = static_cast<CodeRate>(r);
            if (!code_exists(fs, rate)) {
                CHECK_THROWS_AS(LdpcEncoder(fs, rate), ConfigError);
                continue;
            }
            INFO(to_string(fs) << " " << to_string(rate));
            LdpcEncoder enc(fs, rate);
            const auto& table = ldpc_table(fs, rate);
            REQUIRE(enc.n() == code_params(fs, rate).nldpc);
            REQUIRE(enc.k() == code_params(fs, rate).nbch);
            dualsat_ref::BitSerialLdpc ref(fs, rate);
            std::vector<uint8_t> ours(enc.n_bytes()), theirs(enc.n_bytes());
            for (int trial = 0; trial < 3; ++trial) {
                auto info = random_bytes(rng, enc.k_bytes());
                if (trial == 0) { // one bit at the end of the last group: highest rotation
                    std::fill(info.begin(), info.end(), 0);
                    info.back() = 1;
                }
                enc.encode(info.data(), ours.data());
                ref.encode(info.data(), theirs.data());
                REQUIRE(ours == theirs);
                REQUIRE(satisfies_parity_checks(table, ours));
            }
            // In place.
            auto buf = random_bytes(rng, enc.n_bytes());
            std::vector<uint8_t> info(buf.begin(), buf.begin() + static_cast<long>(enc.k_bytes()));
            enc.encode(buf.data(), buf.data());
            ref.encode(info.data(), theirs.data());
            REQUIRE(buf == theirs);
        }
    }
}

TEST_CASE("LDPC encoder is linear and maps zero to zero", "[ldpc]")
{
    std::mt19937 rng(22);
    LdpcEncoder enc(FrameSize::Normal, CodeRate::R3_5);
    std::vector<uint8_t> zero(enc.k_bytes(), 0), cw(enc.n_bytes(), 0xAA);
    enc.encode(zero.data(), cw.data());
    CHECK(std::all_of(cw.begin(), cw.end(), [](uint8_t b) { return b == 0; }));

    auto a = random_bytes(rng, enc.k_bytes()), b = random_bytes(rng, enc.k_bytes());
    std::vector<uint8_t> ab(enc.k_bytes());
    for (size_t i = 0; i < ab.size(); ++i)
        ab[i] = a[i] ^ b[i];
    std::vector<uint8_t> ca(enc.n_bytes()), cb(enc.n_bytes()), cab(enc.n_bytes());
    enc.encode(a.data(), ca.data());
    enc.encode(b.data(), cb.data());
    enc.encode(ab.data(), cab.data());
    for (size_t i = 0; i < cab.size(); ++i)
        REQUIRE(cab[i] == (ca[i] ^ cb[i]));
}
