// SPDX-License-Identifier: GPL-3.0-or-later
// TRANSEC of the protected profile: keyed PL sequences that replace the standard's Gold
// code and PLHEADER constants (pl/pl_scrambler.h), so that an observer without the key
// finds neither frame starts (no known SOF to correlate with) nor MODCOD, frame size or
// pilots (PLSC under an unknown mask), nor the pilots or any symbol (unknown scrambling).
//
// Both are indexed by a "slot" = frame_counter mod period:
//   KeyedPlScrambling: R(i) of slot s = the AES-256-CTR keystream of the PL-SCRAMBLING key
//     from the counter block  s (u64 BE) || 0 (u64), two bits per symbol, MSB first:
//     R(i) = (ks[i / 4] >> (6 - 2 (i mod 4))) & 3, for the whole frame after the header,
//     pilots included (the framer scrambles pilots with R like data, §5.5.4).
//   KeyedPlHeader: SOF and PLSC mask of slot s from the PL-HEADER key: attempt a = 0, 1,
//     ... takes the 16-byte AES-256-CTR block from  s (u64 BE) || a (u32 BE) || 0 (u32);
//     SOF = its bytes 0..3 (u32 BE) >> 6 (26 bits), mask = bytes 4..11 (u64 BE); the
//     first attempt with 10 <= popcount(SOF) <= 16, SOF at Hamming distance >= 8 from the
//     standard SOF and 24 <= popcount(mask) <= 40 is taken (a balanced SOF keeps the
//     frame sync's correlation statistics as they are; the far-from-standard SOF keeps a
//     civil receiver from locking on by accident).
// The keys come from KeySchedule::derive(PlScrambling / PlHeader, epoch, link, direction).
//
// Why the period, and what the current receiver can acquire
// ---------------------------------------------------------
// The frame synchroniser (rx/frame_sync.h) searches with the templates of ONE frame
// counter, its acquisition counter, and counts up from the header it found. Its counter is
// therefore the transmitter's only up to an unknown offset: a receiver that joins a
// running carrier cannot know which frame it sees first. A sequence that changes every
// frame (period = 2^64) can only be acquired by a synchroniser that recovers the
// transmitter's counter, e.g. by hypothesising the slot (period P: P templates per
// position, P times the search work and false-alarm rate, so P stays small) or from a
// time reference (GNSS-disciplined frame timing). That search is not in this session's
// frame sync. What it acquires, and what the protected loopback here runs, is period 1:
// SOF, PLSC mask and scrambling are keyed per epoch, link and direction, and the same
// for every frame of the epoch. What that leaves an observer without the key: the
// standard SOF/PLSC/Gold correlations find nothing, MODCOD and pilots are not readable;
// but repeating sequences allow a blind cyclic analysis (the same 26 SOF symbols every
// frame, the same pilot symbols at the same offsets) to find frame boundaries and, by
// comparing headers, to see when the format changes (not what it is; fixed_modcod closes
// that). A period > 1 is implemented and tested at the library level (KATs, TX
// framing) for the receiver that hypothesises slots.
//
// An epoch change needs new sequence objects on both sides (they are built for one key);
// with the current receiver that is a re-acquisition (a few frames).
#pragma once

#include <dualsat/pl/pl_scrambler.h>
#include <dualsat/protect/key_schedule.h>
#include <dualsat/protect/secure_key.h>

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace dualsat {

class KeyedPlScrambling final : public PlScramblingSequence
{
public:
    static constexpr uint64_t kMaxPeriod = uint64_t{ 1 } << 32; // slots addressable

    // period >= 1 (ConfigError otherwise). Period 1 is computed once here.
    KeyedPlScrambling(SecureKey key, uint64_t period = 1);

    uint64_t period() const { return m_period; }
    const uint8_t* rn(uint64_t frame_counter, int length) override;
    bool concurrent_fill() const override { return true; }
    const uint8_t* fill(uint64_t frame_counter, int length, uint8_t* scratch) const override;

private:
    void compute(uint64_t slot, int length, uint8_t* out) const;

    SecureKey m_key;
    uint64_t m_period;
    std::vector<uint8_t> m_fixed; // period 1: R(0 .. kMaxLength)
    std::vector<uint8_t> m_buf;   // rn()'s buffer
};

class KeyedPlHeader final : public PlHeaderSequence
{
public:
    static constexpr uint64_t kMaxPeriod = 1u << 16; // all slots precomputed

    // 1 <= period <= kMaxPeriod (ConfigError otherwise).
    KeyedPlHeader(const SecureKey& key, uint64_t period = 1);

    uint64_t period() const { return m_period; }
    uint32_t sof_bits(uint64_t frame_counter) const override;
    uint64_t plsc_mask(uint64_t frame_counter) const override;

private:
    uint64_t m_period;
    std::vector<std::pair<uint32_t, uint64_t>> m_slots; // (SOF, mask)
};

// Both sequences of one epoch, link and direction.
struct KeyedPlSequences {
    std::shared_ptr<KeyedPlHeader> header;
    std::shared_ptr<KeyedPlScrambling> scrambling;
};
KeyedPlSequences make_keyed_pl(const KeySchedule& keys, uint32_t epoch, uint16_t link_id,
                               LinkDirection direction, uint64_t period = 1);

} // namespace dualsat
