// SPDX-License-Identifier: GPL-3.0-or-later
#include <catch2/catch.hpp>
#include <dualsat/acm/link_report.h>
#include <dualsat/core/error.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <vector>

using namespace dualsat;

namespace {

LinkReport sample_report()
{
    LinkReport r;
    r.link_id = 0x1234;
    r.sequence = 0x89ABCDEFu;
    r.timestamp_ns = 0x0102030405060708ull;
    r.locked = true;
    r.esn0_valid = true;
    r.esn0_db = -2.35;
    r.esn0_var_db2 = 0.042;
    r.frames_ok = 1000;
    r.frames_failed = 3;
    r.set_last_format(FrameFormat{ { Modulation::PSK8, CodeRate::R3_4 }, FrameSize::Short, true });
    return r;
}

// Recomputes the CRC so that only the field checks can reject the bytes.
void reseal(std::vector<uint8_t>& b)
{
    const uint32_t c = crc32c(b.data(), 31);
    b[31] = static_cast<uint8_t>(c >> 24);
    b[32] = static_cast<uint8_t>(c >> 16);
    b[33] = static_cast<uint8_t>(c >> 8);
    b[34] = static_cast<uint8_t>(c);
}

LinkReportStatus parse(const std::vector<uint8_t>& b, LinkReport& out)
{
    return LinkReport::parse(b.data(), b.size(), out);
}

} // namespace

TEST_CASE("link report: CRC-32C check value", "[acm]")
{
    const char* text = "123456789";
    CHECK(crc32c(reinterpret_cast<const uint8_t*>(text), 9) == 0xE3069283u);
    CHECK(crc32c(nullptr, 0) == 0u);
}

TEST_CASE("link report: version 1 wire layout", "[acm]")
{
    const auto b = sample_report().encode();
    REQUIRE(b.size() == kLinkReportSize);
    const std::vector<uint8_t> head = { 0xAC, 0x01, 0x23, 0x03, 0x12, 0x34, 0x89, 0xAB,
                                        0xCD, 0xEF, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
                                        0x07, 0x08, 0xFF, 0x15, 0x00, 0x2A, 0x00, 0x00,
                                        0x03, 0xE8, 0x00, 0x00, 0x00, 0x03, 0x6E };
    CHECK(std::vector<uint8_t>(b.begin(), b.begin() + 31) == head);
    const uint32_t crc = crc32c(b.data(), 31);
    CHECK(b[31] == uint8_t(crc >> 24));
    CHECK(b[34] == uint8_t(crc));

    uint8_t small[34];
    CHECK(sample_report().encode(small, sizeof(small)) == 0);
}

TEST_CASE("link report: parse gives back every field, encode gives back the bytes", "[acm]")
{
    LinkReport r = sample_report();
    LinkReport p;
    auto b = r.encode();
    REQUIRE(parse(b, p) == LinkReportStatus::Ok);
    CHECK(p.link_id == 0x1234);
    CHECK(p.sequence == 0x89ABCDEFu);
    CHECK(p.timestamp_ns == 0x0102030405060708ull);
    CHECK(p.locked);
    CHECK(p.esn0_valid);
    CHECK(p.esn0_db == Approx(-2.35).margin(1e-12));
    CHECK(p.esn0_var_db2 == Approx(0.042).margin(1e-12));
    CHECK(p.frames_ok == 1000);
    CHECK(p.frames_failed == 3);
    REQUIRE(p.last_format());
    CHECK(*p.last_format() ==
          FrameFormat{ { Modulation::PSK8, CodeRate::R3_4 }, FrameSize::Short, true });
    CHECK(p.encode() == b);

    // Extremes: wrapping counters, the Es/N0 range ends, no MODCOD yet, unlocked.
    r = LinkReport{};
    r.sequence = 0xFFFFFFFFu;
    r.timestamp_ns = ~0ull;
    r.frames_ok = r.frames_failed = 0xFFFFFFFFu;
    r.link_id = 0xFFFF;
    for (double esn0 : { -327.68, 327.67, 0.0, 20.0, -3.0 }) {
        r.esn0_valid = true;
        r.esn0_db = esn0;
        b = r.encode();
        REQUIRE(parse(b, p) == LinkReportStatus::Ok);
        CHECK(p.esn0_db == Approx(esn0).margin(1e-9));
        CHECK_FALSE(p.last_format());
        CHECK_FALSE(p.locked);
        CHECK(p.encode() == b);
    }
    for (int n = 1; n <= 28; ++n) {
        r.set_last_format(FrameFormat{ modcod_from_number(n), FrameSize::Normal, n % 2 == 0 });
        b = r.encode();
        REQUIRE(parse(b, p) == LinkReportStatus::Ok);
        CHECK(p.last_modcod == n);
        CHECK(p.last_pilots == (n % 2 == 0));
    }
}

TEST_CASE("link report: quantisation, clamping and a non-finite Es/N0", "[acm]")
{
    LinkReport r = sample_report(), p;
    r.esn0_db = 7.126;     // to 0.01 dB
    r.esn0_var_db2 = 1e6;  // saturates at 65.535
    REQUIRE(parse(r.encode(), p) == LinkReportStatus::Ok);
    CHECK(p.esn0_db == Approx(7.13).margin(1e-9));
    CHECK(p.esn0_var_db2 == Approx(65.535).margin(1e-9));
    r.esn0_db = 1000.0;
    r.esn0_var_db2 = -1.0;
    REQUIRE(parse(r.encode(), p) == LinkReportStatus::Ok);
    CHECK(p.esn0_db == Approx(327.67).margin(1e-9));
    CHECK(p.esn0_var_db2 == 0.0);
    r.esn0_db = -std::numeric_limits<double>::infinity();
    REQUIRE(parse(r.encode(), p) == LinkReportStatus::Ok);
    CHECK_FALSE(p.esn0_valid);
    CHECK(p.esn0_db == 0.0);
    r.esn0_db = std::nan("");
    REQUIRE(parse(r.encode(), p) == LinkReportStatus::Ok);
    CHECK_FALSE(p.esn0_valid);

    r = sample_report();
    r.last_modcod = 29;
    CHECK_THROWS_AS(r.encode(), ConfigError);
    r.last_modcod = 11; // QPSK 9/10 has no short frame
    r.last_frame = FrameSize::Short;
    CHECK_THROWS_AS(r.encode(), ConfigError);
}

TEST_CASE("link report: each malformation has its status", "[acm]")
{
    const auto good = sample_report().encode();
    LinkReport out = sample_report();
    out.sequence = 42; // must stay untouched on failure
    auto status = [&](std::vector<uint8_t> b) { return parse(b, out); };

    CHECK(LinkReport::parse(nullptr, 0, out) == LinkReportStatus::TooShort);
    CHECK(LinkReport::parse(nullptr, 35, out) == LinkReportStatus::TooShort);
    for (size_t n = 0; n < good.size(); ++n)
        CHECK(status(std::vector<uint8_t>(good.begin(), good.begin() + long(n))) ==
              LinkReportStatus::TooShort);
    auto b = good;
    b.push_back(0);
    CHECK(status(b) == LinkReportStatus::BadLength);
    b = good;
    b[0] = 0xAD;
    CHECK(status(b) == LinkReportStatus::BadMagic);
    CHECK(status({ 0x47 }) == LinkReportStatus::BadMagic);
    b = good;
    b[1] = 2;
    CHECK(status(b) == LinkReportStatus::BadVersion);
    b = good;
    b[2] = 36;
    b.push_back(0);
    CHECK(status(b) == LinkReportStatus::BadLength);
    b = good;
    b[20] ^= 0x01;
    CHECK(status(b) == LinkReportStatus::BadCrc);
    b = good;
    b[34] ^= 0x80;
    CHECK(status(b) == LinkReportStatus::BadCrc);

    auto field = [&](size_t at, uint8_t value) {
        auto f = good;
        f[at] = value;
        reseal(f);
        return status(f);
    };
    CHECK(field(3, 0x07) == LinkReportStatus::FieldOutOfRange); // reserved flag bit
    CHECK(field(30, 29) == LinkReportStatus::FieldOutOfRange);   // MODCOD 29
    CHECK(field(30, 31) == LinkReportStatus::FieldOutOfRange);
    CHECK(field(30, 0x80 | 14) == LinkReportStatus::FieldOutOfRange); // reserved bit
    CHECK(field(30, 0x20 | 28) == LinkReportStatus::FieldOutOfRange); // short 32APSK 9/10
    CHECK(field(30, 0x20 | 11) == LinkReportStatus::FieldOutOfRange); // short QPSK 9/10
    CHECK(field(30, 0x40) == LinkReportStatus::FieldOutOfRange);      // pilots, no MODCOD
    CHECK(field(3, 0x01) == LinkReportStatus::FieldOutOfRange); // not valid, Es/N0 non-zero
    CHECK(out.sequence == 42);

    // The same edits that are in range are accepted: the checks above are not blanket.
    CHECK(field(30, 0x20 | 27) == LinkReportStatus::Ok);
    CHECK(field(30, 0) == LinkReportStatus::Ok);
    CHECK(out.sequence == 0x89ABCDEFu);
}

TEST_CASE("link report: every 1- and 2-bit error and random bursts are rejected", "[acm]")
{
    const auto good = sample_report().encode();
    LinkReport out;
    const size_t bits = good.size() * 8;
    long accepted = 0;
    for (size_t i = 0; i < bits; ++i)
        for (size_t j = i; j < bits; ++j) {
            auto b = good;
            b[i / 8] ^= uint8_t(1u << (i % 8));
            if (j != i)
                b[j / 8] ^= uint8_t(1u << (j % 8));
            accepted += parse(b, out) == LinkReportStatus::Ok;
        }
    CHECK(accepted == 0);

    // Up to five flipped bits anywhere (CRC-32C's Hamming distance at this length is 6).
    std::mt19937 rng(11);
    std::uniform_int_distribution<size_t> bit(0, bits - 1);
    for (int trial = 0; trial < 20000; ++trial) {
        auto b = good;
        const int flips = 3 + trial % 3;
        for (int k = 0; k < flips; ++k) {
            const size_t at = bit(rng);
            b[at / 8] ^= uint8_t(1u << (at % 8));
        }
        if (b != good)
            accepted += parse(b, out) == LinkReportStatus::Ok;
    }
    CHECK(accepted == 0);
}

TEST_CASE("link report: random input never crashes and what passes round-trips", "[acm]")
{
    std::mt19937 rng(7);
    LinkReport out;
    long ok = 0;
    for (int trial = 0; trial < 20000; ++trial) {
        std::vector<uint8_t> b(static_cast<size_t>(trial % 48));
        for (auto& x : b)
            x = static_cast<uint8_t>(rng());
        const unsigned mode = rng() % 4; // 0, 1: a valid header; 0: sealed as well
        if (b.size() >= 3 && mode < 2) {
            b[0] = kLinkReportMagic;
            b[1] = kLinkReportVersion;
            b[2] = static_cast<uint8_t>(kLinkReportSize);
            if (b.size() == kLinkReportSize && mode == 0) {
                b[3] &= 0x03;
                b[30] &= 0x7F;
                reseal(b);
            }
        }
        // Copied to an exact-size heap block so that a sanitizer sees any overread.
        std::unique_ptr<uint8_t[]> exact(new uint8_t[b.size() + (b.empty() ? 1 : 0)]);
        if (!b.empty())
            std::memcpy(exact.get(), b.data(), b.size());
        if (LinkReport::parse(exact.get(), b.size(), out) == LinkReportStatus::Ok) {
            ++ok;
            CHECK(out.encode() == b);
        }
    }
    CHECK(ok > 0); // some random sealed bodies are canonical: the round trip was exercised
}
