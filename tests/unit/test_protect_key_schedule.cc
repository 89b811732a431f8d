// SPDX-License-Identifier: GPL-3.0-or-later
#include "../protect/protect_test_util.h"

#include <catch2/catch.hpp>
#include <dualsat/core/error.h>
#include <dualsat/protect/key_schedule.h>

#include <cstdint>
#include <set>

using namespace dualsat;
using namespace protect_test;

TEST_CASE("KeySchedule: every purpose, epoch, link and direction has its own key", "[protect]")
{
    const auto ks = test_schedule();
    std::set<std::string> seen;
    int n = 0;
    for (KeyPurpose p : { KeyPurpose::Comsec, KeyPurpose::PlScrambling, KeyPurpose::PlHeader,
                          KeyPurpose::AntiJam, KeyPurpose::KeyTag })
        for (uint32_t epoch : { 0u, 1u, 7u, 0xFFFFFFFFu })
            for (uint16_t link : { 0, 1, 0xFFFF })
                for (LinkDirection d : { LinkDirection::Forward, LinkDirection::Return }) {
                    const SecureKey k = ks->derive(p, epoch, link, d);
                    seen.insert(to_hex(k.bytes(), 32));
                    ++n;
                }
    CHECK(seen.size() == static_cast<size_t>(n));
    // Deterministic: the same inputs give the same key.
    CHECK(to_hex(ks->derive(KeyPurpose::Comsec, 7, 3, LinkDirection::Forward).bytes(), 32) ==
          to_hex(test_schedule()->derive(KeyPurpose::Comsec, 7, 3, LinkDirection::Forward).bytes(), 32));
    // Another master key, same key id: other keys, other key tag.
    const auto other = test_schedule(0x55);
    CHECK(to_hex(other->derive(KeyPurpose::Comsec, 7, 3, LinkDirection::Forward).bytes(), 32) !=
          to_hex(ks->derive(KeyPurpose::Comsec, 7, 3, LinkDirection::Forward).bytes(), 32));
    CHECK(other->key_tag() != ks->key_tag());
    CHECK(std::string(key_label(KeyPurpose::Comsec)) == "COMSEC");
}

TEST_CASE("KeySchedule: UTC time slots with overlap at the boundaries", "[protect]")
{
    const auto ks = test_schedule(0, hourly(60)); // 1 h epochs, 60 s overlap
    const int64_t e7 = 7 * 3600 * kNs;           // the first instant of epoch 7
    CHECK(ks->current_epoch(e7) == 7);
    CHECK(ks->current_epoch(e7 - 1) == 6);
    CHECK(ks->current_epoch(e7 + 3599 * kNs) == 7);
    // Middle of the slot: only the current epoch.
    const int64_t mid = e7 + 1800 * kNs;
    CHECK(ks->epoch_accepted(7, mid));
    CHECK_FALSE(ks->epoch_accepted(6, mid));
    CHECK_FALSE(ks->epoch_accepted(8, mid));
    // Just after the boundary: the previous one for 60 s.
    CHECK(ks->epoch_accepted(6, e7 + 59 * kNs));
    CHECK_FALSE(ks->epoch_accepted(6, e7 + 60 * kNs));
    // Just before the next boundary: the next one for 60 s.
    CHECK(ks->epoch_accepted(8, e7 + (3600 - 60) * kNs));
    CHECK_FALSE(ks->epoch_accepted(8, e7 + (3600 - 61) * kNs));
    // Never two away.
    CHECK_FALSE(ks->epoch_accepted(9, e7 + 3599 * kNs));
    CHECK_FALSE(ks->epoch_accepted(5, e7));
    CHECK_THROWS_AS(ks->set_epoch(3, e7), ConfigError);
    // Epoch 0 and the time before 1970 do not wrap.
    CHECK_FALSE(ks->epoch_accepted(0xFFFFFFFFu, 0));
    CHECK_THROWS_AS(ks->current_epoch(-3600 * kNs), ConfigError);
    CHECK_FALSE(ks->epoch_accepted(0, -3600 * kNs)); // a receiver never throws
    EpochConfig one_second = hourly(0);
    one_second.slot_seconds = 1;
    const auto fast = test_schedule(0, one_second);
    CHECK_THROWS_AS(fast->current_epoch(INT64_MAX), ConfigError); // 9.2e9 s > 2^32 epochs
    CHECK_FALSE(fast->epoch_accepted(UINT32_MAX, INT64_MAX));
}

TEST_CASE("KeySchedule: epochs by command", "[protect]")
{
    EpochConfig c;
    c.by_command = true;
    c.overlap_seconds = 30;
    c.initial_epoch = 100;
    const auto ks = test_schedule(0, c);
    const int64_t t0 = 1000 * kNs;
    CHECK(ks->current_epoch(t0) == 100);
    CHECK(ks->epoch_accepted(100, t0));
    CHECK(ks->epoch_accepted(101, t0)); // the far end may be commanded first
    CHECK_FALSE(ks->epoch_accepted(99, t0));
    CHECK_FALSE(ks->epoch_accepted(102, t0));
    ks->set_epoch(101, t0);
    CHECK(ks->current_epoch(t0 + 5 * kNs) == 101);
    CHECK(ks->epoch_accepted(100, t0 + 29 * kNs));
    CHECK_FALSE(ks->epoch_accepted(100, t0 + 30 * kNs));
    CHECK(ks->epoch_accepted(102, t0 + 30 * kNs));
}

TEST_CASE("KeySchedule: rotation replaces the master key and says so", "[protect]")
{
    const auto ks = test_schedule();
    const std::string before = to_hex(ks->derive(KeyPurpose::Comsec, 7, 3, LinkDirection::Forward).bytes(), 32);
    const KeyTag tag = ks->key_tag();
    CHECK(ks->generation() == 0);
    ks->rotate(test_key_material(0x11));
    CHECK(ks->generation() == 1);
    CHECK(ks->key_tag() != tag);
    CHECK(to_hex(ks->derive(KeyPurpose::Comsec, 7, 3, LinkDirection::Forward).bytes(), 32) != before);
    ks->rotate(test_key_material(0));
    CHECK(ks->key_tag() == tag);
    CHECK(to_hex(ks->derive(KeyPurpose::Comsec, 7, 3, LinkDirection::Forward).bytes(), 32) == before);
}

TEST_CASE("KeySchedule: configuration errors", "[protect]")
{
    EpochConfig c = hourly();
    c.slot_seconds = 0;
    CHECK_THROWS_AS(KeySchedule(test_key_material(), c), ConfigError);
    c = hourly();
    c.overlap_seconds = 3600;
    CHECK_THROWS_AS(KeySchedule(test_key_material(), c), ConfigError);
    c.overlap_seconds = -1;
    CHECK_THROWS_AS(KeySchedule(test_key_material(), c), ConfigError);
    KeyMaterial empty = test_key_material();
    SecureKey taken = std::move(empty.master);
    CHECK_THROWS_AS(KeySchedule(std::move(empty), hourly()), ConfigError);
}
