// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/antijam/hop_schedule.h>
#include <dualsat/core/error.h>
#include <dualsat/protect/aes.h>

#include <cmath>
#include <string>

namespace dualsat {

void check_hop_plan(const HopPlan& p)
{
    if (p.channels < 2 || p.channels > 65536)
        throw ConfigError("hopping: channels " + std::to_string(p.channels) + " is outside 2..65536");
    if (!(p.channel_spacing_hz > 0.0) || !std::isfinite(p.channel_spacing_hz))
        throw ConfigError("hopping: channel_spacing_hz must be > 0");
    if (p.guard_samples < 0)
        throw ConfigError("hopping: guard_samples must be >= 0");
    if (p.slot_samples <= p.guard_samples)
        throw ConfigError("hopping: slot_samples (" + std::to_string(p.slot_samples) +
                          ") must exceed guard_samples (" + std::to_string(p.guard_samples) + ")");
}

HopSchedule::HopSchedule(SecureKey key, int channels) : m_key(std::move(key)), m_channels(channels)
{
    if (channels < 2 || channels > 65536)
        throw ConfigError("hopping: channels " + std::to_string(channels) + " is outside 2..65536");
    if (!m_key.valid())
        throw ConfigError("hopping: empty key");
}

int HopSchedule::channel(uint64_t slot) const
{
    const uint64_t n = static_cast<uint64_t>(m_channels);
    const uint64_t limit = (uint64_t{ 1 } << 32) / n * n;
    for (uint64_t b = 0;; ++b) {
        uint8_t iv[16], block[16];
        for (int i = 0; i < 8; ++i) {
            iv[i] = static_cast<uint8_t>(slot >> (56 - 8 * i));
            iv[8 + i] = static_cast<uint8_t>(b >> (56 - 8 * i));
        }
        aes256_ctr_keystream(m_key, iv, block, sizeof block);
        for (int i = 0; i < 4; ++i) {
            const uint64_t r = (uint64_t{ block[4 * i] } << 24) | (uint64_t{ block[4 * i + 1] } << 16) |
                               (uint64_t{ block[4 * i + 2] } << 8) | uint64_t{ block[4 * i + 3] };
            if (r < limit)
                return static_cast<int>(r % n);
        }
    }
}

double hop_channel_offset_hz(const HopPlan& plan, int channel)
{
    return (static_cast<double>(channel) - 0.5 * static_cast<double>(plan.channels - 1)) *
           plan.channel_spacing_hz;
}

} // namespace dualsat
