// SPDX-License-Identifier: GPL-3.0-or-later
// KeySchedule: every key of the protected profile, derived from the master key of the key
// file with HKDF-SHA-384 (RFC 5869), per epoch, per link and direction, per purpose.
//
// Derivation (all integers big-endian):
//     salt = "dualsat/protect/v1" (18 ASCII bytes) || key_id (32 bytes)
//     info = label (ASCII) || 0x00 || epoch (u32) || link_id (u16) || direction (u8)
//     key  = HKDF-SHA-384(IKM = master key, salt, info, L = 32)
// with one label per purpose (distinct, so no two purposes ever share a key):
//     "COMSEC"         AES-256-GCM of the BBFRAME data field
//     "PL-SCRAMBLING"  AES-256-CTR keystream that replaces the Gold code
//     "PL-HEADER"      AES-256-CTR source of the keyed SOF and PLSC mask
//     "ANTI-JAM"       the keyed spreading (DSSS chip sequence)
//     "HOPPING"        the keyed frequency-hopping pattern (lib/antijam hop_schedule.h)
//     "KEY-TAG"        the 24-bit key tag carried on air (derived with epoch 0, link 0,
//                      direction 0: it names the master key, not an epoch)
// A key is therefore unique to (master key, epoch, link, direction, purpose): this is what
// makes a GCM nonce that is unique per transmitter unique per key (see frame_protection.h).
//
// Epochs: either time slots, epoch = floor(UTC seconds / slot_seconds), or set by command
// (set_epoch). The receiver accepts the current epoch and, during `overlap_seconds` around
// a change, the adjacent one: in time mode the previous epoch for overlap_seconds after a
// slot boundary and the next one for overlap_seconds before it (clocks that disagree by
// less than the overlap lose nothing); in command mode the next epoch always (the far end
// may be commanded first) and the previous one for overlap_seconds after the command.
// Times are passed in (nanoseconds of UTC since 1970) so that the schedule is deterministic
// and testable; realtime_ns() is the clock to pass in service.
//
// Rotation: rotate() replaces the master key (the old one is wiped); generation() counts
// rotations so that users holding derived keys know to derive them again.
// Thread-safe: one mutex around the master key and the epoch state.
#pragma once

#include <dualsat/protect/key_file.h>
#include <dualsat/protect/secure_key.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

namespace dualsat {

enum class KeyPurpose : uint8_t { Comsec, PlScrambling, PlHeader, AntiJam, Hopping, KeyTag };
const char* key_label(KeyPurpose purpose); // the HKDF label above

// Which way a link carries the frames: forward (hub -> terminal) or return.
enum class LinkDirection : uint8_t { Forward = 0, Return = 1 };

struct EpochConfig {
    bool by_command = false;      // false: UTC time slots
    int64_t slot_seconds = 3600;  // time mode: epoch length, >= 1
    int64_t overlap_seconds = 60; // >= 0, < slot_seconds
    uint32_t initial_epoch = 0;   // command mode: the epoch before the first command
};

using KeyTag = std::array<uint8_t, 3>;

int64_t realtime_ns(); // CLOCK_REALTIME in ns

class KeySchedule
{
public:
    // ConfigError for a bad EpochConfig or an empty key.
    KeySchedule(KeyMaterial material, const EpochConfig& config);

    const EpochConfig& config() const { return m_config; }
    KeyId key_id() const; // a copy: rotate() may replace it meanwhile
    KeyTag key_tag() const;
    uint64_t generation() const { return m_generation.load(std::memory_order_acquire); }

    // The key of one purpose for one epoch, link and direction.
    SecureKey derive(KeyPurpose purpose, uint32_t epoch, uint16_t link_id, LinkDirection direction) const;

    // The epoch a transmitter uses at time now; ConfigError for a time before 1970 or
    // beyond the 32-bit epoch range.
    uint32_t current_epoch(int64_t now_ns) const;
    // Whether a receiver accepts frames of `epoch` at time now (see above). Never throws
    // (a time outside the epoch range accepts nothing).
    bool epoch_accepted(uint32_t epoch, int64_t now_ns) const;
    // Command mode: from now on the current epoch is `epoch` (ConfigError in time mode).
    void set_epoch(uint32_t epoch, int64_t now_ns);

    // New master key (same or another key id); the old one is wiped.
    void rotate(KeyMaterial material);
    // Whether `material` is the key held now (same key id and master key; the bytes are
    // compared in constant time): a reload of an unchanged key file is not a rotation.
    bool holds(const KeyMaterial& material) const;

private:
    KeyTag compute_tag() const; // m_mutex held

    EpochConfig m_config;
    mutable std::mutex m_mutex;
    KeyId m_key_id{};
    SecureKey m_master;
    KeyTag m_tag{};
    std::atomic<uint64_t> m_generation{ 0 };
    uint32_t m_epoch = 0;          // command mode
    uint32_t m_previous_epoch = 0;
    bool m_have_previous = false;
    int64_t m_changed_ns = 0;
};

} // namespace dualsat
