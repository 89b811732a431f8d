// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/pl/plheader.h>
#include <dualsat/protect/aes.h>
#include <dualsat/protect/keyed_pl.h>

#include <bitset>
#include <cstring>
#include <string>

namespace dualsat {

namespace {

void put_u64(uint8_t* p, uint64_t v)
{
    for (int i = 0; i < 8; ++i)
        p[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
}

int popcount(uint64_t v) { return static_cast<int>(std::bitset<64>(v).count()); }

void check_length(int length)
{
    if (length < 0 || length > PlScramblingSequence::kMaxLength)
        throw ConfigError("keyed PL scrambling length " + std::to_string(length) + " outside 0.." +
                          std::to_string(PlScramblingSequence::kMaxLength));
}

} // namespace

// ------------------------------------------------------------------ KeyedPlScrambling

KeyedPlScrambling::KeyedPlScrambling(SecureKey key, uint64_t period)
    : m_key(std::move(key)), m_period(period)
{
    if (!m_key.valid())
        throw ConfigError("KeyedPlScrambling: empty key");
    if (period < 1 || period > kMaxPeriod)
        throw ConfigError("KeyedPlScrambling: period must be 1.." + std::to_string(kMaxPeriod));
    // Small periods are computed once (a fresh AES-CTR pass and the 2-bit expansion per
    // frame cost ~20-30 us per normal frame, a third of the civil transmitter's whole
    // frame: bench_protected throughput); larger ones per frame.
    if (period <= kPrecomputedPeriod) {
        m_fixed.resize(static_cast<size_t>(period) * kMaxLength);
        for (uint64_t s = 0; s < period; ++s)
            compute(s, kMaxLength, m_fixed.data() + s * kMaxLength);
    }
}

void KeyedPlScrambling::compute(uint64_t slot, int length, uint8_t* out) const
{
    uint8_t iv[16] = {};
    put_u64(iv, slot);
    const size_t bytes = (static_cast<size_t>(length) + 3) / 4;
    // The keystream goes to the end of `out` (4 R values per byte, so it fits in the
    // last quarter) and is expanded front to back without overtaking itself.
    uint8_t* ks = out + (static_cast<size_t>(length) - bytes);
    if (length == 0)
        return;
    aes256_ctr_keystream(m_key, iv, ks, bytes);
    for (size_t b = 0; b < bytes; ++b) {
        const uint8_t v = ks[b];
        for (int k = 0; k < 4; ++k) {
            const size_t i = 4 * b + static_cast<size_t>(k);
            if (i < static_cast<size_t>(length))
                out[i] = static_cast<uint8_t>((v >> (6 - 2 * k)) & 3);
        }
    }
}

const uint8_t* KeyedPlScrambling::rn(uint64_t frame_counter, int length)
{
    check_length(length);
    if (!m_fixed.empty())
        return m_fixed.data() + (frame_counter % m_period) * kMaxLength;
    m_buf.resize(kMaxLength);
    compute(frame_counter % m_period, length, m_buf.data());
    return m_buf.data();
}

const uint8_t* KeyedPlScrambling::fill(uint64_t frame_counter, int length, uint8_t* scratch) const
{
    check_length(length);
    if (!m_fixed.empty())
        return m_fixed.data() + (frame_counter % m_period) * kMaxLength;
    if (scratch == nullptr)
        throw ConfigError("KeyedPlScrambling::fill: null scratch");
    compute(frame_counter % m_period, length, scratch);
    return scratch;
}

// ---------------------------------------------------------------------- KeyedPlHeader

KeyedPlHeader::KeyedPlHeader(const SecureKey& key, uint64_t period) : m_period(period)
{
    if (!key.valid())
        throw ConfigError("KeyedPlHeader: empty key");
    if (period < 1 || period > kMaxPeriod)
        throw ConfigError("KeyedPlHeader: period must be 1.." + std::to_string(kMaxPeriod));
    m_slots.reserve(static_cast<size_t>(period));
    for (uint64_t s = 0; s < period; ++s) {
        for (uint32_t attempt = 0;; ++attempt) {
            uint8_t iv[16] = {};
            put_u64(iv, s);
            iv[8] = static_cast<uint8_t>(attempt >> 24);
            iv[9] = static_cast<uint8_t>(attempt >> 16);
            iv[10] = static_cast<uint8_t>(attempt >> 8);
            iv[11] = static_cast<uint8_t>(attempt);
            uint8_t ks[16];
            aes256_ctr_keystream(key, iv, ks, sizeof ks);
            uint32_t word = 0;
            for (int i = 0; i < 4; ++i)
                word = word << 8 | ks[i];
            uint64_t mask = 0;
            for (int i = 4; i < 12; ++i)
                mask = mask << 8 | ks[i];
            const uint32_t sof = word >> 6;
            const int w = popcount(sof);
            if (w >= 10 && w <= 16 && popcount(sof ^ kStandardSof) >= 8 && popcount(mask) >= 24 &&
                popcount(mask) <= 40) {
                m_slots.emplace_back(sof, mask);
                break;
            }
        }
    }
}

uint32_t KeyedPlHeader::sof_bits(uint64_t frame_counter) const
{
    return m_slots[static_cast<size_t>(frame_counter % m_period)].first;
}

uint64_t KeyedPlHeader::plsc_mask(uint64_t frame_counter) const
{
    return m_slots[static_cast<size_t>(frame_counter % m_period)].second;
}

KeyedPlSequences make_keyed_pl(const KeySchedule& keys, uint32_t epoch, uint16_t link_id,
                               LinkDirection direction, uint64_t period)
{
    KeyedPlSequences s;
    const SecureKey hk = keys.derive(KeyPurpose::PlHeader, epoch, link_id, direction);
    s.header = std::make_shared<KeyedPlHeader>(hk, period);
    s.scrambling = std::make_shared<KeyedPlScrambling>(
        keys.derive(KeyPurpose::PlScrambling, epoch, link_id, direction), period);
    return s;
}

} // namespace dualsat
