// SPDX-License-Identifier: GPL-3.0-or-later
#include "test_pattern.h"

#include <dualsat/framing/ts_adaptation.h>

#include <bitset>
#include <cstring>

namespace modemd {

namespace {
constexpr size_t kPacket = 188;
constexpr size_t kHeader = 4;
constexpr size_t kNumber = 4;
constexpr size_t kPayload = kPacket - kHeader - kNumber; // 180
} // namespace

void TestPattern::fill_payload(uint32_t number, uint8_t* payload)
{
    // xorshift64* (Vigna 2016) seeded from the number; 8 bytes per step.
    uint64_t x = (static_cast<uint64_t>(number) << 1 | 1) * 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < kPayload; i += 8) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        const uint64_t v = x * 0x2545F4914F6CDD1Dull;
        const size_t n = kPayload - i < 8 ? kPayload - i : 8;
        for (size_t b = 0; b < n; ++b)
            payload[i + b] = static_cast<uint8_t>(v >> (8 * b));
    }
}

size_t TestPattern::generate(uint8_t* out, size_t max_bytes)
{
    const size_t packets = max_bytes / kPacket;
    uint32_t number = m_next_tx.fetch_add(static_cast<uint32_t>(packets));
    for (size_t p = 0; p < packets; ++p, ++number) {
        uint8_t* pk = out + p * kPacket;
        pk[0] = dualsat::kTsSyncByte;
        pk[1] = static_cast<uint8_t>(kPid >> 8);
        pk[2] = static_cast<uint8_t>(kPid & 0xFF);
        pk[3] = static_cast<uint8_t>(0x10 | (number & 0x0F)); // payload only, continuity counter
        pk[4] = static_cast<uint8_t>(number >> 24);
        pk[5] = static_cast<uint8_t>(number >> 16);
        pk[6] = static_cast<uint8_t>(number >> 8);
        pk[7] = static_cast<uint8_t>(number);
        fill_payload(number, pk + kHeader + kNumber);
    }
    m_tx_packets += packets;
    return packets * kPacket;
}

bool TestPattern::check(const uint8_t* pk)
{
    const uint16_t pid = static_cast<uint16_t>(((pk[1] & 0x1F) << 8) | pk[2]);
    if (pid != kPid)
        return false;
    const uint32_t number = static_cast<uint32_t>(pk[4]) << 24 | static_cast<uint32_t>(pk[5]) << 16 |
                            static_cast<uint32_t>(pk[6]) << 8 | pk[7];
    uint8_t expect[kPayload];
    fill_payload(number, expect);
    uint64_t bit_errors = 0;
    for (size_t i = 0; i < kPayload; ++i)
        bit_errors += std::bitset<8>(static_cast<uint8_t>(expect[i] ^ pk[kHeader + kNumber + i])).count();
    std::lock_guard<std::mutex> lock(m_rx_mutex);
    ++m_rx.rx_packets;
    m_rx.rx_bits += 8 * kPayload;
    // A wrong payload with a wrong number would look like a loss plus errors: the number
    // is trusted only when the payload matches it nearly (a corrupted number leaves ~half
    // the payload bits wrong); then gaps count as lost packets.
    if (bit_errors > 8 * kPayload / 4) {
        ++m_rx.rx_errored;
        m_rx.rx_bit_errors += bit_errors;
        return true;
    }
    if (bit_errors > 0) {
        ++m_rx.rx_errored;
        m_rx.rx_bit_errors += bit_errors;
    }
    if (m_have_last) {
        const uint32_t gap = number - m_last_rx; // modulo 2^32
        if (gap == 0 || gap > 0x80000000u)
            ++m_rx.rx_out_of_order;
        else
            m_rx.rx_lost += gap - 1;
    }
    m_have_last = true;
    m_last_rx = number;
    return true;
}

TestPatternCounters TestPattern::counters() const
{
    std::lock_guard<std::mutex> lock(m_rx_mutex);
    TestPatternCounters c = m_rx;
    c.tx_packets = m_tx_packets.load();
    return c;
}

} // namespace modemd
