// SPDX-License-Identifier: GPL-3.0-or-later
#include "fec_reference.h"

#include <catch2/catch.hpp>
#include <dualsat/coding/bch.h>
#include <dualsat/core/error.h>

#include <algorithm>
#include <random>
#include <set>
#include <vector>

using namespace dualsat;

namespace {

std::vector<std::pair<FrameSize, CodeRate>> all_codes()
{
    std::vector<std::pair<FrameSize, CodeRate>> codes;
    for (FrameSize fs : { FrameSize::Normal, FrameSize::Short })
        for (int r = 0; r < kNumCodeRates; ++r)
            if (code_exists(fs, static_cast<CodeRate>(r)))
                codes.emplace_back(fs, static_cast<CodeRate>(r));
    return codes;
}

std::vector<uint8_t> random_bytes(std::mt19937& rng, size_t n)
{
    std::vector<uint8_t> v(n);
    for (auto& b : v)
        b = static_cast<uint8_t>(rng());
    return v;
}

// Flips `count` distinct random bit positions among the first n bits.
void flip_random_bits(std::mt19937& rng, std::vector<uint8_t>& data, int n, int count)
{
    std::set<int> chosen;
    std::uniform_int_distribution<int> pos(0, n - 1);
    while (static_cast<int>(chosen.size()) < count)
        chosen.insert(pos(rng));
    for (int p : chosen)
        data[static_cast<size_t>(p / 8)] ^= static_cast<uint8_t>(0x80 >> (p % 8));
}

} // namespace

TEST_CASE("BCH encoder matches a bit-serial division by g1*...*gt from data/", "[bch]")
{
    std::mt19937 rng(11);
    for (auto [fs, rate] : all_codes()) {
        BchCodec codec(fs, rate);
        const auto& cp = code_params(fs, rate);
        INFO(to_string(fs) << " " << to_string(rate));
        REQUIRE(codec.k() == cp.kbch);
        REQUIRE(codec.n() == cp.nbch);
        REQUIRE(codec.t() == cp.t);
        const auto gen = dualsat_ref::bch_generator_from_data(DUALSAT_DATA_DIR, fs, cp.t);
        REQUIRE(static_cast<int>(gen.size()) - 1 == codec.parity_bits());
        // The codec's embedded Tables 6a/6b give the same generator as the data file.
        const auto g = codec.generator();
        for (size_t e = 0; e < gen.size(); ++e)
            REQUIRE(((g[e / 64] >> (e % 64)) & 1) == gen[e]);

        dualsat_ref::BitSerialBch ref(gen);
        std::vector<uint8_t> ours(codec.n_bytes()), theirs(codec.n_bytes());
        for (int trial = 0; trial < 3; ++trial) {
            auto msg = random_bytes(rng, codec.k_bytes());
            if (trial == 0) // a single 1 in the last message bit exercises the tail path
                std::fill(msg.begin(), msg.end(), 0), msg.back() = 1;
            codec.encode(msg.data(), ours.data());
            ref.encode(msg.data(), static_cast<size_t>(codec.k()), theirs.data());
            REQUIRE(ours == theirs);
        }
        // In place.
        auto buf = random_bytes(rng, codec.n_bytes());
        std::vector<uint8_t> msg(buf.begin(), buf.begin() + static_cast<long>(codec.k_bytes()));
        codec.encode(buf.data(), buf.data());
        ref.encode(msg.data(), static_cast<size_t>(codec.k()), theirs.data());
        REQUIRE(buf == theirs);
    }
}

TEST_CASE("BCH decoder corrects every pattern of up to t errors", "[bch]")
{
    std::mt19937 rng(12);
    for (auto [fs, rate] : all_codes()) {
        BchCodec codec(fs, rate);
        INFO(to_string(fs) << " " << to_string(rate));
        // Chien search on a third of the codes, trace algorithm on the rest.
        const bool chien = static_cast<int>(rate) % 3 == static_cast<int>(fs);
        codec.set_root_search(chien ? BchCodec::RootSearch::Chien : BchCodec::RootSearch::TraceAlgorithm);
        INFO((chien ? "Chien search" : "trace algorithm"));
        std::vector<uint8_t> cw(codec.n_bytes());
        for (int errors = 0; errors <= codec.t(); ++errors) {
            auto msg = random_bytes(rng, codec.k_bytes());
            codec.encode(msg.data(), cw.data());
            auto rx = cw;
            flip_random_bits(rng, rx, codec.n(), errors);
            INFO(errors << " errors");
            const BchResult r = codec.decode(rx.data());
            REQUIRE(r.ok);
            REQUIRE_FALSE(r.failure_detected());
            REQUIRE(r.corrected_bits == errors);
            REQUIRE(rx == cw);
        }
        // Errors at the very first and very last bit (edges of the shortened range).
        auto rx = cw;
        rx.front() ^= 0x80;
        rx.back() ^= 0x01;
        const BchResult r = codec.decode(rx.data());
        REQUIRE(r.ok);
        REQUIRE(r.corrected_bits == 2);
        REQUIRE(rx == cw);
    }
}

TEST_CASE("BCH decoder detects more than t errors and leaves the frame alone", "[bch]")
{
    std::mt19937 rng(13);
    // Per excess (t+1 .. t+5): trials, detected failures, silent miscorrections.
    int trials[6] = { 0 }, detected[6] = { 0 }, miscorrected[6] = { 0 };
    for (auto [fs, rate] : all_codes()) {
        BchCodec codec(fs, rate);
        INFO(to_string(fs) << " " << to_string(rate));
        if (static_cast<int>(rate) % 3 == static_cast<int>(fs))
            codec.set_root_search(BchCodec::RootSearch::Chien);
        std::vector<uint8_t> cw(codec.n_bytes());
        for (int excess = 1; excess <= 5; ++excess) {
            for (int trial = 0; trial < 6; ++trial) {
                auto msg = random_bytes(rng, codec.k_bytes());
                codec.encode(msg.data(), cw.data());
                auto rx = cw;
                flip_random_bits(rng, rx, codec.n(), codec.t() + excess);
                const auto before = rx;
                const BchResult r = codec.decode(rx.data());
                ++trials[excess];
                if (r.failure_detected()) {
                    ++detected[excess];
                    REQUIRE(rx == before); // untouched on failure
                } else {
                    // Claimed success: must be some codeword within t of what was received,
                    // and it cannot be the transmitted one.
                    REQUIRE(r.corrected_bits <= codec.t());
                    REQUIRE(rx != cw);
                    auto recheck = rx;
                    REQUIRE(codec.decode(recheck.data()).corrected_bits == 0);
                    ++miscorrected[excess];
                }
            }
        }
    }
    for (int excess = 1; excess <= 5; ++excess) {
        INFO("t+" << excess << ": " << detected[excess] << "/" << trials[excess]
                  << " detected, " << miscorrected[excess] << " miscorrected");
        // Shortened codes leave most roots of a wrong locator outside the n_bch positions,
        // and a random degree-t locator rarely splits: detection is essentially certain.
        CHECK(detected[excess] * 100 >= trials[excess] * 99);
    }
}

TEST_CASE("BCH decoder survives arbitrary input", "[bch]")
{
    std::mt19937 rng(14);
    for (auto [fs, rate] : { std::pair{ FrameSize::Normal, CodeRate::R8_9 },
                             std::pair{ FrameSize::Short, CodeRate::R1_4 } }) {
        BchCodec codec(fs, rate);
        for (int trial = 0; trial < 20; ++trial) {
            auto rx = random_bytes(rng, codec.n_bytes());
            if (trial == 0)
                std::fill(rx.begin(), rx.end(), 0xff);
            const auto before = rx;
            const BchResult r = codec.decode(rx.data());
            if (r.ok) {
                auto recheck = rx;
                CHECK(codec.decode(recheck.data()).corrected_bits == 0);
            } else {
                CHECK(rx == before);
            }
        }
        // The all-zero word is a codeword.
        std::vector<uint8_t> zeros(codec.n_bytes(), 0);
        const BchResult r = codec.decode(zeros.data());
        CHECK(r.ok);
        CHECK(r.corrected_bits == 0);
    }
    CHECK_THROWS_AS(BchCodec(FrameSize::Short, CodeRate::R9_10), ConfigError);
}
