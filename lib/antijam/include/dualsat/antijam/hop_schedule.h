// SPDX-License-Identifier: GPL-3.0-or-later
// Keyed frequency hopping, part 1: which channel each slot uses, and where slots are.
//
// The hop band is N channels spaced channel_spacing_hz apart, centred on the carrier:
// channel c sits at (c - (N - 1) / 2) * channel_spacing_hz from it. Time is cut into slots
// of slot_samples samples of the on-air stream at the modem's sample rate; slot k starts
// at sample k * slot_samples of a time base both ends share (the sample counter in
// loopback and file, the radio's time on a USRP). The first guard_samples of a slot carry
// no signal: the synthesiser settles then (an analog retune takes a few hundred µs), so
// the transmitter pauses (hop_gate.h) and nothing is lost.
//
// The channel of slot k (an observer without the key cannot predict it):
//     key = HKDF label "HOPPING" (key_schedule.h) of the epoch, link and direction;
//     block b of slot k = AES-256-CTR keystream of the counter block k (u64 BE) || b (u64 BE)
//     (16 bytes: four u32 BE in order), b = 0, 1, ...;
//     channel = r mod N for the first such u32 r below floor(2^32 / N) * N
// (rejection keeps every channel exactly equally likely; a second block is needed with
// probability below N / 2^32 per u32). Independent vectors: tests/protect/make_vectors.py.
#pragma once

#include <dualsat/protect/secure_key.h>

#include <cstdint>

namespace dualsat {

struct HopPlan {
    int channels = 64;               // N, 2 .. 65536
    double channel_spacing_hz = 0;   // centre to centre, > 0 (>= the occupied bandwidth)
    int64_t slot_samples = 0;        // one dwell, guard included, on-air samples, > guard
    int64_t guard_samples = 0;       // >= 0: no signal while the synthesiser settles
    // The on-air samples of a slot that carry signal.
    int64_t payload_samples() const { return slot_samples - guard_samples; }
};

// ConfigError naming the field for a plan that cannot work.
void check_hop_plan(const HopPlan& plan);

class HopSchedule
{
public:
    // `key`: KeySchedule::derive(KeyPurpose::Hopping, epoch, link, direction). ConfigError
    // for channels outside 2..65536.
    HopSchedule(SecureKey key, int channels);

    int channels() const { return m_channels; }
    // The channel of slot k, 0 .. channels - 1.
    int channel(uint64_t slot) const;

private:
    SecureKey m_key;
    int m_channels;
};

// The offset of channel c from the band centre, Hz.
double hop_channel_offset_hz(const HopPlan& plan, int channel);

} // namespace dualsat
