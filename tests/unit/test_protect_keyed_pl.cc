// SPDX-License-Identifier: GPL-3.0-or-later
#include "../protect/protect_test_util.h"

#include <catch2/catch.hpp>
#include <dualsat/core/error.h>
#include <dualsat/pl/pl_framer.h>
#include <dualsat/pl/plheader.h>
#include <dualsat/protect/keyed_pl.h>
#include <dualsat/protect/pl_time_index.h>

#include <bitset>
#include <set>
#include <complex>

using namespace dualsat;
using namespace protect_test;

TEST_CASE("KeyedPlScrambling: keyed R in 0..3, uniform, per slot, unlike the Gold code", "[protect]")
{
    const auto ks = test_schedule();
    const auto key = [&](uint32_t epoch, LinkDirection d) {
        return ks->derive(KeyPurpose::PlScrambling, epoch, 3, d);
    };
    KeyedPlScrambling a(key(7, LinkDirection::Forward), 1);
    const int n = PlScramblingSequence::kMaxLength;
    const uint8_t* r = a.rn(0, n);
    int hist[4] = {};
    for (int i = 0; i < n; ++i) {
        REQUIRE(r[i] < 4);
        ++hist[r[i]];
    }
    for (int v = 0; v < 4; ++v)
        CHECK(std::abs(hist[v] - n / 4) < n / 50); // 25 % +- 2 %
    // Period 1: one stable sequence for every counter, any thread (no copy).
    CHECK(a.concurrent_fill());
    std::vector<uint8_t> scratch(n);
    CHECK(a.fill(123456789, 1000, scratch.data()) == r);
    // Agreement with the Gold code 0 is chance level (~25 %).
    GoldScrambling gold(0);
    int same = 0;
    for (int i = 0; i < n; ++i)
        same += gold.sequence()[static_cast<size_t>(i)] == r[i];
    CHECK(std::abs(same - n / 4) < n / 50);
    // Another epoch or direction: another sequence.
    KeyedPlScrambling b(key(8, LinkDirection::Forward), 1), c(key(7, LinkDirection::Return), 1);
    CHECK(std::vector<uint8_t>(r, r + 256) != std::vector<uint8_t>(b.rn(0, 256), b.rn(0, 256) + 256));
    CHECK(std::vector<uint8_t>(r, r + 256) != std::vector<uint8_t>(c.rn(0, 256), c.rn(0, 256) + 256));
    // Period 8: slot = counter mod 8, rn() and fill() agree, slots differ.
    KeyedPlScrambling p(key(7, LinkDirection::Forward), 8);
    std::vector<uint8_t> s3(p.rn(3, 5000), p.rn(3, 5000) + 5000);
    CHECK(std::vector<uint8_t>(p.rn(11, 5000), p.rn(11, 5000) + 5000) == s3);
    const uint8_t* filled = p.fill(19, 5000, scratch.data());
    CHECK(std::vector<uint8_t>(filled, filled + 5000) == s3);
    CHECK(std::vector<uint8_t>(p.rn(4, 5000), p.rn(4, 5000) + 5000) != s3);
    // A short length is the prefix of a long one (no state between calls).
    CHECK(std::vector<uint8_t>(p.rn(3, 7), p.rn(3, 7) + 7) == std::vector<uint8_t>(s3.begin(), s3.begin() + 7));
    CHECK_THROWS_AS(a.rn(0, n + 1), ConfigError);
    CHECK_THROWS_AS(p.fill(0, -1, scratch.data()), ConfigError);
    CHECK_THROWS_AS(KeyedPlScrambling(key(7, LinkDirection::Forward), KeyedPlScrambling::kMaxPeriod + 1), ConfigError);
    CHECK(KeyedPlScrambling(key(7, LinkDirection::Forward)).period() == kDefaultKeyedPlPeriod);
}

TEST_CASE("KeyedPlHeader: keyed SOF and PLSC mask decode every PLS code, the standard ones do not",
          "[protect]")
{
    const auto ks = test_schedule();
    const SecureKey hk = ks->derive(KeyPurpose::PlHeader, 7, 3, LinkDirection::Forward);
    KeyedPlHeader h(hk, 4);
    for (uint64_t fc = 0; fc < 4; ++fc) {
        const uint32_t sof = h.sof_bits(fc);
        CHECK(sof < (1u << 26));
        const size_t w = std::bitset<26>(sof).count();
        CHECK(w >= 10);
        CHECK(w <= 16);
        CHECK(std::bitset<26>(sof ^ kStandardSof).count() >= 8);
        CHECK(h.plsc_mask(fc) != kStandardPlscMask);
        CHECK(h.sof_bits(fc + 4) == sof); // period 4
    }
    CHECK(h.sof_bits(0) != h.sof_bits(1));
    StandardPlHeader civil;
    std::complex<float> sym[kPlHeaderSymbols];
    int civil_right = 0, codes = 0;
    for (FrameSize size : { FrameSize::Normal, FrameSize::Short })
        for (bool pilots : { false, true })
            for (const FrameFormat& f : all_frame_formats(size, pilots)) {
                const PlsCode code = pls_code(f);
                h.header_symbols(code, 2, sym);
                const PlscDecision d = h.decode(sym, 2);
                CHECK(d.code == code);
                civil_right += civil.decode(sym, 2).code == code;
                ++codes;
            }
    INFO(civil_right << " of " << codes << " keyed headers read by a civil decoder");
    CHECK(civil_right <= codes / 8);
    CHECK_THROWS_AS(KeyedPlHeader(hk, KeyedPlHeader::kMaxPeriod + 1), ConfigError);
}

TEST_CASE("Keyed PL sequences through PlFramer: every symbol after the header differs from civil",
          "[protect]")
{
    const auto ks = test_schedule();
    const KeyedPlSequences seq = make_keyed_pl(*ks, 7, 3, LinkDirection::Forward);
    PlFramer keyed(seq.header, seq.scrambling), civil(0);
    const FrameFormat f{ { Modulation::QPSK, CodeRate::R1_2 }, FrameSize::Short, true };
    std::vector<std::complex<float>> data(static_cast<size_t>(f.data_symbols()), { 0.70710678f, 0.70710678f });
    std::vector<std::complex<float>> a(static_cast<size_t>(f.plframe_symbols())), b(a.size());
    keyed.frame(f, data.data(), a.data());
    civil.frame(f, data.data(), b.data());
    size_t same = 0;
    for (size_t i = kPlHeaderSymbols; i < a.size(); ++i)
        same += std::abs(a[i] - b[i]) < 1e-6f;
    // Chance agreement of the scrambling (1 in 4), pilots included.
    const double frac = static_cast<double>(same) / static_cast<double>(a.size() - kPlHeaderSymbols);
    CHECK(frac > 0.22);
    CHECK(frac < 0.28);
}

TEST_CASE("KeyedPlScrambling: the precomputed slots (period <= 16) equal the per-frame ones",
          "[protect]")
{
    const auto ks = test_schedule();
    const auto key = [&] { return ks->derive(KeyPurpose::PlScrambling, 7, 3, LinkDirection::Forward); };
    KeyedPlScrambling cached(key(), 4);   // all four slots computed at construction
    KeyedPlScrambling per_frame(key(), 64); // computed on each call
    const int n = PlScramblingSequence::kMaxLength;
    std::vector<uint8_t> scratch(static_cast<size_t>(n));
    for (uint64_t counter : { 0ull, 5ull, 6ull, 11ull, 1003ull }) {
        const uint64_t slot = counter % 4; // the per-frame object's counter for that slot
        const std::vector<uint8_t> a(cached.rn(counter, n), cached.rn(counter, n) + n);
        const std::vector<uint8_t> b(per_frame.rn(slot, n), per_frame.rn(slot, n) + n);
        INFO("counter " << counter);
        CHECK(a == b);
        const uint8_t* f = cached.fill(counter, n, scratch.data());
        CHECK(std::vector<uint8_t>(f, f + n) == a);
    }
}

TEST_CASE("Keyed PL sequences of period 0 never repeat: slot = frame counter", "[protect]")
{
    const auto ks = test_schedule();
    const auto skey = [&] { return ks->derive(KeyPurpose::PlScrambling, 7, 3, LinkDirection::Forward); };
    const SecureKey hk = ks->derive(KeyPurpose::PlHeader, 7, 3, LinkDirection::Forward);
    KeyedPlScrambling never(skey(), kNonRepeatingPl);
    KeyedPlScrambling huge(skey(), KeyedPlScrambling::kMaxPeriod); // slot = counter below 2^32
    KeyedPlHeader hnever(hk, kNonRepeatingPl);
    KeyedPlHeader hhuge(hk, KeyedPlHeader::kMaxPeriod); // slot = counter below 2^16
    CHECK(never.period() == 0);
    CHECK(hnever.period() == 0);
    CHECK(kDefaultKeyedPlPeriod == kNonRepeatingPl);
    const int n = 4099; // not a multiple of 4: the expansion's tail
    std::vector<uint8_t> scratch(static_cast<size_t>(n));
    for (uint64_t counter : { 0ull, 1ull, 4ull, 16ull, 1000ull, 65535ull }) {
        INFO("counter " << counter);
        // The same construction as a period larger than the counter: slot = counter.
        const std::vector<uint8_t> a(never.rn(counter, n), never.rn(counter, n) + n);
        const std::vector<uint8_t> b(huge.rn(counter, n), huge.rn(counter, n) + n);
        CHECK(a == b);
        const uint8_t* f = never.fill(counter, n, scratch.data());
        CHECK(std::vector<uint8_t>(f, f + n) == a);
        CHECK(hnever.sof_bits(counter) == hhuge.sof_bits(counter));
        CHECK(hnever.plsc_mask(counter) == hhuge.plsc_mask(counter));
    }
    // Beyond any period: counters 2^16 and 2^32 apart are different frames.
    for (uint64_t counter : { 3ull, 123456789ull }) {
        INFO("counter " << counter);
        CHECK(hnever.sof_bits(counter) != hnever.sof_bits(counter + (1ull << 16)));
        CHECK(hnever.plsc_mask(counter) != hnever.plsc_mask(counter + (1ull << 16)));
        const std::vector<uint8_t> a(never.rn(counter, 256), never.rn(counter, 256) + 256);
        CHECK(std::vector<uint8_t>(never.rn(counter + (1ull << 32), 256), never.rn(counter + (1ull << 32), 256) + 256) != a);
    }
    // The per-thread cache of the header never mixes two objects (another key here).
    const SecureKey hk2 = ks->derive(KeyPurpose::PlHeader, 8, 3, LinkDirection::Forward);
    KeyedPlHeader other(hk2, kNonRepeatingPl);
    const uint32_t s1 = hnever.sof_bits(42);
    CHECK(other.sof_bits(42) != s1);
    CHECK(hnever.sof_bits(42) == s1);
    // No two of 4096 consecutive frames share an SOF and mask.
    std::set<std::pair<uint32_t, uint64_t>> seen;
    for (uint64_t c = 1ull << 40; c < (1ull << 40) + 4096; ++c)
        seen.insert({ hnever.sof_bits(c), hnever.plsc_mask(c) });
    CHECK(seen.size() == 4096);
}

TEST_CASE("PL time index: frames since 1970 in UTC, or from the stream's first sample", "[protect]")
{
    // 1.0 Msym/s, 8370-symbol frames: 119.47 frames per second.
    const int64_t t = 1'800'000'000'000'000'000ll; // 2027-01-15
    const uint64_t k = utc_frame_counter(t, 8370, 1e6);
    CHECK(k == static_cast<uint64_t>(1.8e9 * 1e6 / 8370)); // 215 053 763 440
    // Frame k + 1 starts at (k + 1) · 8.37 ms: half a symbol (500 ns) either side.
    const auto next_start = static_cast<int64_t>(k + 1) * 8'370'000;
    CHECK(utc_frame_counter(next_start + 500, 8370, 1e6) == k + 1);
    CHECK(utc_frame_counter(next_start - 500, 8370, 1e6) == k);
    // 30 Msym/s: still exact to the frame (10^18 symbols since 1970).
    CHECK(utc_frame_counter(t, 32490, 30e6) == static_cast<uint64_t>(1.8e9L * 30e6L / 32490.0L));
    CHECK(transmitter_first_frame_counter(PlTimeBase::SampleCounter, t, 8370, 1e6) == 0);
    CHECK(transmitter_first_frame_counter(PlTimeBase::Utc, t, 8370, 1e6) == k);
    CHECK(receiver_counter_hint(PlTimeBase::SampleCounter, t, 0.25, 8370, 1e6) == 0);
    // A path delay of 0.25 s: the frame sent 29.9 frames earlier is arriving.
    CHECK(receiver_counter_hint(PlTimeBase::Utc, t, 0.25, 8370, 1e6) == utc_frame_counter(t - 250'000'000, 8370, 1e6));
    CHECK(k - receiver_counter_hint(PlTimeBase::Utc, t, 0.25, 8370, 1e6) == 30);
    CHECK(parse_pl_time_base("utc") == PlTimeBase::Utc);
    CHECK(parse_pl_time_base("sample_counter") == PlTimeBase::SampleCounter);
    CHECK(std::string(to_string(PlTimeBase::Utc)) == "utc");
    CHECK_THROWS_AS(parse_pl_time_base("gps"), ConfigError);
    CHECK_THROWS_AS(utc_frame_counter(t, 0, 1e6), ConfigError);
    CHECK_THROWS_AS(utc_frame_counter(t, 8370, -1.0), ConfigError);
    CHECK_THROWS_AS(utc_frame_counter(-1, 8370, 1e6), ConfigError);
    CHECK_THROWS_AS(receiver_counter_hint(PlTimeBase::Utc, t, -0.1, 8370, 1e6), ConfigError);
}
