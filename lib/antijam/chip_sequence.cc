// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/antijam/chip_sequence.h>

#include <dualsat/core/error.h>
#include <dualsat/protect/aes.h>

#include <array>
#include <string>

namespace dualsat {

namespace {
constexpr size_t kMaxKeystreamBytes = (2 * KeyedChipSequence::kMaxSf + 7) / 8;
constexpr float kInvSqrt2 = 0.70710678118654752f;
} // namespace

KeyedChipSequence::KeyedChipSequence(SecureKey key)
    : m_key(std::move(key))
{
    if (!m_key.valid())
        throw ConfigError("KeyedChipSequence: empty key");
}

KeyedChipSequence KeyedChipSequence::from_schedule(const KeySchedule& schedule, uint32_t epoch,
                                                   uint16_t link_id, LinkDirection direction)
{
    return KeyedChipSequence(schedule.derive(KeyPurpose::AntiJam, epoch, link_id, direction));
}

void KeyedChipSequence::check_sf(int sf)
{
    if (sf < kMinSf || sf > kMaxSf)
        throw ConfigError("DSSS: spreading factor " + std::to_string(sf) + " outside [" +
                          std::to_string(kMinSf) + ", " + std::to_string(kMaxSf) + "]");
}

void KeyedChipSequence::chip_bits(uint64_t symbol_index, int sf, uint8_t* out) const
{
    check_sf(sf);
    std::array<uint8_t, 16> iv{};
    for (int i = 0; i < 8; ++i)
        iv[i] = static_cast<uint8_t>(symbol_index >> (56 - 8 * i));
    std::array<uint8_t, kMaxKeystreamBytes> ks;
    const size_t bytes = (2 * static_cast<size_t>(sf) + 7) / 8;
    aes256_ctr_keystream(m_key, iv.data(), ks.data(), bytes);
    for (int c = 0; c < sf; ++c)
        out[c] = static_cast<uint8_t>((ks[c / 4] >> (6 - 2 * (c % 4))) & 3);
}

void KeyedChipSequence::chips(uint64_t symbol_index, int sf, std::complex<float>* out) const
{
    std::array<uint8_t, kMaxSf> d;
    chip_bits(symbol_index, sf, d.data());
    for (int c = 0; c < sf; ++c)
        out[c] = { (d[c] & 2) ? -kInvSqrt2 : kInvSqrt2, (d[c] & 1) ? -kInvSqrt2 : kInvSqrt2 };
}

} // namespace dualsat
