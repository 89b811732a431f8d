// SPDX-License-Identifier: GPL-3.0-or-later
// The modem's built-in test pattern (a BER tester, as satellite modems carry one): the
// transmitter fills every byte of capacity that user traffic leaves with numbered TS test
// packets, the receiver checks them and counts packets, errored packets, bit errors and
// lost packets. It loads the link fully without an external traffic source, so the
// real-time capacity of a chain (issue 14's bench) and a link's BER can be measured end to
// end; user packets still go first and are forwarded as usual, test packets never are.
//
// Packet (188 bytes, EN 300 468 / ISO 13818-1 TS framing): sync 0x47, PID kPid, payload
// only, the 4-bit continuity counter; payload bytes 4..7 the 32-bit packet number (big
// endian), bytes 8..187 a pseudo-random sequence seeded by the number (xorshift64*), so
// every packet checks on its own: a lost frame costs its packets, never the sync.
//
// Thread-safe: the generator runs on the transmitter's source thread, the checker on the
// receiver's output thread, counters are read from anywhere.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace modemd {

struct TestPatternCounters {
    uint64_t tx_packets = 0;      // test packets handed to the transmitter
    uint64_t rx_packets = 0;      // test packets received (PID kPid)
    uint64_t rx_errored = 0;      // of those: with at least one bit wrong
    uint64_t rx_bit_errors = 0;   // bits wrong in the payload (bytes 8..187)
    uint64_t rx_bits = 0;         // bits checked
    uint64_t rx_lost = 0;         // gaps in the packet numbers (frames lost on the way)
    uint64_t rx_out_of_order = 0; // a number not after the last one (counted, re-synced)
};

class TestPattern
{
public:
    static constexpr uint16_t kPid = 0x0FFE;

    // Writes whole test packets into out (max_bytes rounded down to 188); returns bytes.
    size_t generate(uint8_t* out, size_t max_bytes);
    // Whether a received TS packet is a test packet; if so it is checked and counted.
    bool check(const uint8_t* packet);
    TestPatternCounters counters() const;

    // The payload of packet `number` (bytes 8..187), exposed for tests.
    static void fill_payload(uint32_t number, uint8_t* payload180);

private:
    std::atomic<uint32_t> m_next_tx{ 0 };
    std::atomic<uint64_t> m_tx_packets{ 0 };
    mutable std::mutex m_rx_mutex;
    bool m_have_last = false;
    uint32_t m_last_rx = 0;
    TestPatternCounters m_rx;
};

} // namespace modemd
