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
// Why a period, and how the receiver acquires
// -------------------------------------------
// The frame synchroniser (rx/frame_sync.h) cannot know the transmitter's 64-bit counter,
// so a sequence that never repeats (period 2^64) cannot be acquired. With period P
// (PlHeaderSequence::period()) it tries the templates (SOF, PLSC mask, first pilot
// blocks) of every slot 0..P-1 at each position while it searches (P <= 16,
// FrameSyncConfig::max_search_slots: P times the search work and false-alarm rate, only
// while searching); from the frame it finds, its counter and the transmitter's agree mod
// P, so every following header, PLSC mask and scrambling sequence matches. Measured
// (dualsat_unit_tests "[.protect-acquisition]", QPSK 1/4 normal frames at EN 302 307-1
// Table 13 + 1 dB = -1.35 dB, CFO 10 % Rs, 200 ppm, 10 seeds; index of the first frame
// delivered; civil receiver on the same channel 2.0 pilotless, 1.1-1.2 with pilots):
//     period 1:  pilotless 1.1, pilots 0.9
//     period 4:  pilotless 1.4, pilots 0.8   (searching slot 0 only: 3.6, 2.8)
//     period 16: pilotless 1.5, pilots 0.8   (slot 0 only: 12.0, 2 of 10 not locked)
// P = 4 is the default; up to 16 acquires as fast.
// What P leaves an observer without the key: no standard correlation finds anything,
// MODCOD, frame size and pilots are unreadable, and with P > 1 consecutive frames share
// no SOF, mask or scrambling; but the sequences repeat every P frames, so a blind cyclic
// analysis over frames P apart could still find frame boundaries and see that the
// format changed (not what it is; transec.fixed_modcod closes that).
//
// Slots follow the frame counter of the transmitter, which counts every PLFRAME, dummy
// frames included; a dummy frame made elsewhere must use the same counter. The objects
// are built for one key: new sequences go to a running Transmitter / Receiver through
// set_pl_sequences() (the transmitter at a frame boundary, the receiver re-acquires).
// The blocks and the daemon derive them with a fixed epoch (gr-dualsat protected_parts.h
// kTransecKeyEpoch), so they follow the key file, not the epochs: ends started in
// different epochs agree, and only a key reload changes them.
#pragma once

#include <dualsat/pl/pl_scrambler.h>
#include <dualsat/protect/key_schedule.h>
#include <dualsat/protect/secure_key.h>

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace dualsat {

// The default period: no two consecutive frames share a sequence, and the receiver's
// slot search stays cheap (see above).
constexpr uint64_t kDefaultKeyedPlPeriod = 4;

class KeyedPlScrambling final : public PlScramblingSequence
{
public:
    static constexpr uint64_t kMaxPeriod = uint64_t{ 1 } << 32; // slots addressable

    // Periods up to this are computed once here (kMaxLength bytes per slot: 1 MB at 16).
    static constexpr uint64_t kPrecomputedPeriod = 16;
    // 1 <= period <= kMaxPeriod (ConfigError otherwise).
    KeyedPlScrambling(SecureKey key, uint64_t period = kDefaultKeyedPlPeriod);

    uint64_t period() const { return m_period; }
    const uint8_t* rn(uint64_t frame_counter, int length) override;
    bool concurrent_fill() const override { return true; }
    const uint8_t* fill(uint64_t frame_counter, int length, uint8_t* scratch) const override;

private:
    void compute(uint64_t slot, int length, uint8_t* out) const;

    SecureKey m_key;
    uint64_t m_period;
    std::vector<uint8_t> m_fixed; // period <= kPrecomputedPeriod: R of every slot
    std::vector<uint8_t> m_buf;   // rn()'s buffer
};

class KeyedPlHeader final : public PlHeaderSequence
{
public:
    static constexpr uint64_t kMaxPeriod = 1u << 16; // all slots precomputed

    // 1 <= period <= kMaxPeriod (ConfigError otherwise).
    KeyedPlHeader(const SecureKey& key, uint64_t period = kDefaultKeyedPlPeriod);

    uint64_t period() const override { return m_period; }
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
                               LinkDirection direction, uint64_t period = kDefaultKeyedPlPeriod);

} // namespace dualsat
