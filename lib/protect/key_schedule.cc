// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/protect/aes.h>
#include <dualsat/protect/key_schedule.h>

#include <openssl/crypto.h>

#include <cstdint>
#include <cstring>
#include <ctime>
#include <string>

namespace dualsat {

namespace {

constexpr char kSaltPrefix[] = "dualsat/protect/v1";
constexpr int64_t kNsPerSecond = 1000000000;

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

SecureKey derive_key(const SecureKey& master, const KeyId& key_id, KeyPurpose purpose, uint32_t epoch,
                     uint16_t link_id, LinkDirection direction)
{
    uint8_t salt[sizeof kSaltPrefix - 1 + kKeyIdBytes];
    std::memcpy(salt, kSaltPrefix, sizeof kSaltPrefix - 1);
    std::memcpy(salt + sizeof kSaltPrefix - 1, key_id.data(), kKeyIdBytes);
    const char* label = key_label(purpose);
    const size_t label_len = std::strlen(label);
    uint8_t info[32];
    size_t n = 0;
    std::memcpy(info, label, label_len);
    n = label_len;
    info[n++] = 0;
    info[n++] = static_cast<uint8_t>(epoch >> 24);
    info[n++] = static_cast<uint8_t>(epoch >> 16);
    info[n++] = static_cast<uint8_t>(epoch >> 8);
    info[n++] = static_cast<uint8_t>(epoch);
    info[n++] = static_cast<uint8_t>(link_id >> 8);
    info[n++] = static_cast<uint8_t>(link_id);
    info[n++] = static_cast<uint8_t>(direction);
    SecureKey out;
    hkdf_sha384(master, salt, sizeof salt, info, n, out);
    return out;
}

} // namespace

const char* key_label(KeyPurpose purpose)
{
    switch (purpose) {
    case KeyPurpose::Comsec:
        return "COMSEC";
    case KeyPurpose::PlScrambling:
        return "PL-SCRAMBLING";
    case KeyPurpose::PlHeader:
        return "PL-HEADER";
    case KeyPurpose::AntiJam:
        return "ANTI-JAM";
    case KeyPurpose::Hopping:
        return "HOPPING";
    case KeyPurpose::KeyTag:
        return "KEY-TAG";
    }
    throw ConfigError("unknown key purpose");
}

int64_t realtime_ns()
{
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * kNsPerSecond + ts.tv_nsec;
}

KeySchedule::KeySchedule(KeyMaterial material, const EpochConfig& config)
    : m_config(config), m_key_id(material.key_id), m_master(std::move(material.master))
{
    if (!m_master.valid())
        throw ConfigError("KeySchedule: empty master key");
    if (!config.by_command) {
        if (config.slot_seconds < 1)
            throw ConfigError("KeySchedule: epoch slot must be at least 1 s");
        if (config.overlap_seconds < 0 || config.overlap_seconds >= config.slot_seconds)
            throw ConfigError("KeySchedule: epoch overlap must be in 0 .. slot - 1 s");
    } else if (config.overlap_seconds < 0) {
        throw ConfigError("KeySchedule: epoch overlap must be >= 0");
    }
    m_epoch = config.initial_epoch;
    m_tag = compute_tag();
}

SecureKey KeySchedule::derive(KeyPurpose purpose, uint32_t epoch, uint16_t link_id,
                              LinkDirection direction) const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return derive_key(m_master, m_key_id, purpose, epoch, link_id, direction);
}

KeyTag KeySchedule::compute_tag() const
{
    const SecureKey k = derive_key(m_master, m_key_id, KeyPurpose::KeyTag, 0, 0, LinkDirection::Forward);
    return KeyTag{ k.bytes()[0], k.bytes()[1], k.bytes()[2] };
}

KeyTag KeySchedule::key_tag() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_tag;
}

uint32_t KeySchedule::current_epoch(int64_t now_ns) const
{
    if (m_config.by_command) {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_epoch;
    }
    const int64_t e = floor_div(floor_div(now_ns, kNsPerSecond), m_config.slot_seconds);
    if (e < 0 || e > static_cast<int64_t>(UINT32_MAX))
        throw ConfigError("KeySchedule: time outside the 32-bit epoch range");
    return static_cast<uint32_t>(e);
}

bool KeySchedule::epoch_accepted(uint32_t epoch, int64_t now_ns) const
{
    const int64_t overlap_ns = m_config.overlap_seconds * kNsPerSecond;
    if (m_config.by_command) {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (epoch == m_epoch || (m_epoch != UINT32_MAX && epoch == m_epoch + 1))
            return true;
        return m_have_previous && epoch == m_previous_epoch && now_ns - m_changed_ns < overlap_ns;
    }
    // A clock outside the 32-bit epoch range accepts nothing (current_epoch would throw:
    // the receive path never does).
    const int64_t e = floor_div(floor_div(now_ns, kNsPerSecond), m_config.slot_seconds);
    if (e < 0 || e > static_cast<int64_t>(UINT32_MAX))
        return false;
    const uint32_t cur = static_cast<uint32_t>(e);
    if (epoch == cur)
        return true;
    const int64_t slot_ns = m_config.slot_seconds * kNsPerSecond;
    const int64_t into = now_ns - static_cast<int64_t>(cur) * slot_ns; // 0 .. slot
    if (cur > 0 && epoch == cur - 1)
        return into < overlap_ns;
    if (cur < UINT32_MAX && epoch == cur + 1)
        return slot_ns - into <= overlap_ns;
    return false;
}

void KeySchedule::set_epoch(uint32_t epoch, int64_t now_ns)
{
    if (!m_config.by_command)
        throw ConfigError("KeySchedule: epochs follow UTC time slots; set_epoch needs by_command");
    std::lock_guard<std::mutex> lock(m_mutex);
    if (epoch == m_epoch)
        return;
    m_previous_epoch = m_epoch;
    m_have_previous = true;
    m_epoch = epoch;
    m_changed_ns = now_ns;
}

void KeySchedule::rotate(KeyMaterial material)
{
    if (!material.master.valid())
        throw ConfigError("KeySchedule::rotate: empty master key");
    std::lock_guard<std::mutex> lock(m_mutex);
    m_master = std::move(material.master); // the old page is wiped and unmapped
    m_key_id = material.key_id;
    m_tag = compute_tag();
    m_generation.fetch_add(1, std::memory_order_acq_rel);
}

KeyId KeySchedule::key_id() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_key_id;
}

bool KeySchedule::holds(const KeyMaterial& material) const
{
    if (!material.master.valid())
        return false;
    std::lock_guard<std::mutex> lock(m_mutex);
    return material.key_id == m_key_id &&
           CRYPTO_memcmp(material.master.bytes(), m_master.bytes(), SecureKey::kBytes) == 0;
}

} // namespace dualsat
