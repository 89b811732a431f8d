// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/pl/plheader.h>
#include <dualsat/protect/aes.h>
#include <dualsat/protect/keyed_pl.h>

#include <array>
#include <atomic>
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
    if (period > kMaxPeriod)
        throw ConfigError("KeyedPlScrambling: period must be 0 (never repeats) or 1.." +
                          std::to_string(kMaxPeriod));
    // Small periods are computed once (a fresh AES-CTR pass and the 2-bit expansion per
    // frame cost ~20-30 us per normal frame, a third of the civil transmitter's whole
    // frame: bench_protected throughput); larger ones per frame.
    if (period != kNonRepeatingPl && period <= kPrecomputedPeriod) {
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
    // A table of the four R values of each byte: the expansion was as slow as the AES
    // pass, and with sequences that never repeat it runs once per frame.
    static const auto expand = [] {
        std::array<std::array<uint8_t, 4>, 256> t{};
        for (int v = 0; v < 256; ++v)
            for (int k = 0; k < 4; ++k)
                t[static_cast<size_t>(v)][static_cast<size_t>(k)] = static_cast<uint8_t>((v >> (6 - 2 * k)) & 3);
        return t;
    }();
    const size_t whole = static_cast<size_t>(length) / 4;
    for (size_t b = 0; b < whole; ++b)
        std::memcpy(out + 4 * b, expand[ks[b]].data(), 4); // ks[b] is read before out[4b..]
    if (4 * whole < static_cast<size_t>(length)) {
        const uint8_t last = ks[whole]; // it sits at out[length - 1], written below
        for (size_t i = 4 * whole; i < static_cast<size_t>(length); ++i)
            out[i] = expand[last][i - 4 * whole];
    }
}

const uint8_t* KeyedPlScrambling::rn(uint64_t frame_counter, int length)
{
    check_length(length);
    if (!m_fixed.empty())
        return m_fixed.data() + (frame_counter % m_period) * kMaxLength;
    m_buf.resize(kMaxLength);
    compute(slot_of(frame_counter), length, m_buf.data());
    return m_buf.data();
}

const uint8_t* KeyedPlScrambling::fill(uint64_t frame_counter, int length, uint8_t* scratch) const
{
    check_length(length);
    if (!m_fixed.empty())
        return m_fixed.data() + (frame_counter % m_period) * kMaxLength;
    if (scratch == nullptr)
        throw ConfigError("KeyedPlScrambling::fill: null scratch");
    compute(slot_of(frame_counter), length, scratch);
    return scratch;
}

// ---------------------------------------------------------------------- KeyedPlHeader

KeyedPlHeader::Slot KeyedPlHeader::compute(const SecureKey& key, uint64_t slot)
{
    for (uint32_t attempt = 0;; ++attempt) {
        uint8_t iv[16] = {};
        put_u64(iv, slot);
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
            popcount(mask) <= 40)
            return { sof, mask };
    }
}

KeyedPlHeader::KeyedPlHeader(const SecureKey& key, uint64_t period) : m_period(period)
{
    static std::atomic<uint64_t> instances{ 0 };
    m_instance = instances.fetch_add(1, std::memory_order_relaxed) + 1;
    if (!key.valid())
        throw ConfigError("KeyedPlHeader: empty key");
    if (period > kMaxPeriod)
        throw ConfigError("KeyedPlHeader: period must be 0 (never repeats) or 1.." +
                          std::to_string(kMaxPeriod));
    if (period == kNonRepeatingPl) {
        m_key = std::make_unique<SecureKey>(key.bytes());
        return;
    }
    m_slots.reserve(static_cast<size_t>(period));
    for (uint64_t s = 0; s < period; ++s)
        m_slots.push_back(compute(key, s));
}

KeyedPlHeader::Slot KeyedPlHeader::slot(uint64_t frame_counter) const
{
    if (m_period != kNonRepeatingPl)
        return m_slots[static_cast<size_t>(frame_counter % m_period)];
    // SOF and mask of one frame are asked for together and again and again (templates,
    // header decoding, the framer): one AES block per frame and thread, not per call.
    // Per thread, because the transmitter's encoder threads build frames concurrently.
    struct Cached {
        uint64_t instance = 0;
        uint64_t counter = 0;
        Slot slot;
    };
    thread_local Cached cached;
    if (cached.instance != m_instance || cached.counter != frame_counter) {
        cached.slot = compute(*m_key, frame_counter);
        cached.instance = m_instance;
        cached.counter = frame_counter;
    }
    return cached.slot;
}

uint32_t KeyedPlHeader::sof_bits(uint64_t frame_counter) const { return slot(frame_counter).first; }

uint64_t KeyedPlHeader::plsc_mask(uint64_t frame_counter) const { return slot(frame_counter).second; }

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
