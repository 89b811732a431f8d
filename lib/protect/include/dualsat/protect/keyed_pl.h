// SPDX-License-Identifier: GPL-3.0-or-later
// TRANSEC of the protected profile: keyed PL sequences that replace the standard's Gold
// code and PLHEADER constants (pl/pl_scrambler.h), so that an observer without the key
// finds neither frame starts (no known SOF to correlate with) nor MODCOD, frame size or
// pilots (PLSC under an unknown mask), nor the pilots or any symbol (unknown scrambling).
//
// Both are indexed by a "slot": the frame counter itself (period 0, the default: the
// sequences never repeat), or frame_counter mod P (period P >= 1, repeating).
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
// How the receiver acquires a sequence that never repeats
// -------------------------------------------------------
// A frame synchroniser (rx/frame_sync.h) cannot try all 2^64 counters. It needs to know
// the transmitter's counter to within a few frames, and a time base gives it that
// (pl_time_index.h): the transmitter numbers its frames from a time both ends know (the
// first sample of the stream, or frames of constant length since the Unix epoch in UTC),
// and the receiver predicts the counter of the frame in front of it from the same time
// base and tries a window of counters around the prediction at each position
// (FrameSync::set_acquisition_counter_hint; FrameSyncConfig::counter_window counters:
// that many times the search work while searching, nothing in lock). This needs frames of
// one length (the protected profile's fixed format and sealed fill). Once locked, the
// receiver counts frames, and a lost lock searches again around the counter it predicts
// from its last frame. An observer without the key sees no sequence twice, so a cyclic
// analysis finds no frame period (bench_protected --part observer).
//
// Period P >= 1 (repeating) is for links whose frame length changes (TRANSEC with ACM):
// the search tries every slot 0..P-1 (P <= 16) at each position, so it locks on the
// first frame it sees without a time base. Measured (dualsat_unit_tests
// "[.protect-acquisition]", QPSK 1/4 normal frames at EN 302 307-1 Table 13 + 1 dB =
// -1.35 dB, CFO 10 % Rs, 200 ppm, 10 seeds; index of the first frame delivered; civil
// receiver on the same channel 2.0 pilotless, 1.1-1.2 with pilots):
//     period 1:  pilotless 1.1, pilots 0.9
//     period 4:  pilotless 1.4, pilots 0.8   (searching slot 0 only: 3.6, 2.8)
//     period 16: pilotless 1.5, pilots 0.8   (slot 0 only: 12.0, 2 of 10 not locked)
// What a period leaves an observer without the key: no standard correlation finds
// anything, MODCOD, frame size and pilots are unreadable, and with P > 1 consecutive
// frames share no SOF, mask or scrambling; but the sequences repeat every P frames, so a
// blind cyclic analysis over frames P apart finds frame boundaries and sees that the
// format changed (not what it is).
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

// Period 0: the sequences never repeat (slot = frame counter); acquisition needs a time
// base (see above). The default.
constexpr uint64_t kNonRepeatingPl = 0;
constexpr uint64_t kDefaultKeyedPlPeriod = kNonRepeatingPl;

class KeyedPlScrambling final : public PlScramblingSequence
{
public:
    static constexpr uint64_t kMaxPeriod = uint64_t{ 1 } << 32; // slots addressable

    // Periods up to this are computed once here (kMaxLength bytes per slot: 1 MB at 16).
    static constexpr uint64_t kPrecomputedPeriod = 16;
    // period 0 (never repeats) or 1 <= period <= kMaxPeriod (ConfigError otherwise).
    KeyedPlScrambling(SecureKey key, uint64_t period = kDefaultKeyedPlPeriod);

    uint64_t period() const { return m_period; }
    const uint8_t* rn(uint64_t frame_counter, int length) override;
    bool concurrent_fill() const override { return true; }
    const uint8_t* fill(uint64_t frame_counter, int length, uint8_t* scratch) const override;

private:
    uint64_t slot_of(uint64_t frame_counter) const
    {
        return m_period == kNonRepeatingPl ? frame_counter : frame_counter % m_period;
    }
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

    // period 0 (never repeats: each frame's SOF and mask computed when asked) or
    // 1 <= period <= kMaxPeriod (ConfigError otherwise).
    KeyedPlHeader(const SecureKey& key, uint64_t period = kDefaultKeyedPlPeriod);

    uint64_t period() const override { return m_period; }
    uint32_t sof_bits(uint64_t frame_counter) const override;
    uint64_t plsc_mask(uint64_t frame_counter) const override;

private:
    using Slot = std::pair<uint32_t, uint64_t>; // (SOF, mask)
    Slot slot(uint64_t frame_counter) const;
    static Slot compute(const SecureKey& key, uint64_t slot);

    uint64_t m_period;
    std::unique_ptr<SecureKey> m_key; // period 0: kept to compute each frame's slot
    uint64_t m_instance;        // distinguishes objects in the per-thread slot cache
    std::vector<Slot> m_slots;  // period >= 1: every slot
};

// Both sequences of one epoch, link and direction.
struct KeyedPlSequences {
    std::shared_ptr<KeyedPlHeader> header;
    std::shared_ptr<KeyedPlScrambling> scrambling;
};
KeyedPlSequences make_keyed_pl(const KeySchedule& keys, uint32_t epoch, uint16_t link_id,
                               LinkDirection direction, uint64_t period = kDefaultKeyedPlPeriod);

} // namespace dualsat
