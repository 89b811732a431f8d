// SPDX-License-Identifier: GPL-3.0-or-later
#include <catch2/catch.hpp>
#include <dualsat/core/cpu_features.h>
#include <dualsat/core/error.h>
#include <dualsat/coding/ldpc_tables.h>

#include <vector>

using namespace dualsat;

TEST_CASE("LDPC tables cover every code of Tables 5a/5b", "[ldpc][tables]")
{
    for (FrameSize fs : { FrameSize::Normal, FrameSize::Short }) {
        for (int r = 0; r < kNumCodeRates; ++r) {
            CodeRate rate = static_cast<CodeRate>(r);
            if (!code_exists(fs, rate)) {
                CHECK_THROWS_AS(ldpc_table(fs, rate), ConfigError);
                continue;
            }
            const auto& t = ldpc_table(fs, rate);
            const auto& c = code_params(fs, rate);
            INFO(to_string(fs) << " " << to_string(rate));
            CHECK(t.n == c.nldpc);
            CHECK(t.k == c.nbch);
            CHECK(t.q * 360 == t.n - t.k);
            CHECK(t.groups * 360 == t.k);
            // Every parity check row gets the same number of connections per group column
            // class; at least: every address in range and every parity bit reached.
            std::vector<int> hits(static_cast<size_t>(t.q), 0);
            for (int g = 0; g < t.groups; ++g) {
                REQUIRE(t.row_size(g) >= 3);
                for (int i = 0; i < t.row_size(g); ++i) {
                    int x = t.row(g)[i];
                    REQUIRE(x < t.n - t.k);
                    hits[static_cast<size_t>(x % t.q)]++;
                }
            }
            for (int h : hits)
                CHECK(h > 0);
        }
    }
    // Spot check against Annex B, table B.4 (normal 1/2), first row.
    const auto& t = ldpc_table(FrameSize::Normal, CodeRate::R1_2);
    CHECK(t.row(0)[0] == 54);
    CHECK(t.row(0)[1] == 9318);
    CHECK(t.q == 90);
}

TEST_CASE("SIMD level override only lowers", "[cpu]")
{
    SimdLevel hw = detected_simd_level();
    CHECK(supported(SimdLevel::Scalar) == SimdLevel::Scalar);
    CHECK(static_cast<int>(supported(SimdLevel::AVX2)) <= static_cast<int>(hw));
    CHECK(to_string(SimdLevel::AVX2) == "avx2");
}
