// SPDX-License-Identifier: GPL-3.0-or-later
#include <catch2/catch.hpp>
#include <dualsat/core/error.h>
#include <dualsat/protect/secure_key.h>

#include <cstring>

using namespace dualsat;

TEST_CASE("SecureKey: moves leave nothing behind, wipe zeroes", "[protect]")
{
    uint8_t raw[32];
    for (int i = 0; i < 32; ++i)
        raw[i] = static_cast<uint8_t>(0xA0 + i);
    SecureKey a(raw);
    CHECK(a.valid());
    CHECK(std::memcmp(a.bytes(), raw, 32) == 0);
    SecureKey b(std::move(a));
    CHECK_FALSE(a.valid()); // NOLINT(bugprone-use-after-move): the contract under test
    CHECK(a.bytes() == nullptr);
    CHECK(std::memcmp(b.bytes(), raw, 32) == 0);
    SecureKey c;
    c = std::move(b);
    CHECK_FALSE(b.valid()); // NOLINT(bugprone-use-after-move)
    CHECK(std::memcmp(c.bytes(), raw, 32) == 0);
    c.wipe();
    const uint8_t zeros[32] = {};
    CHECK(std::memcmp(c.bytes(), zeros, 32) == 0);
    CHECK_THROWS_AS(SecureKey(nullptr), ConfigError);
}
