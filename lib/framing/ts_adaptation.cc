// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/framing/ts_adaptation.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace dualsat {
namespace {

void check_kbch(int kbch)
{
    if (kbch < static_cast<int>(kBbHeaderBits) + 8 || kbch > kMaxKbch || kbch % 8 != 0)
        throw ConfigError("K_bch " + std::to_string(kbch) +
                          " is not a multiple of 8 in [88, 58192]");
}

constexpr size_t kUsefulBytes = kTsPacketBytes - 1; // a UP without its sync byte

} // namespace

// ---------------------------------------------------------------- TsFramer

TsFramer::TsFramer(size_t queue_packets)
{
    if (queue_packets == 0)
        throw ConfigError("TsFramer queue must hold at least one packet");
    m_ring.resize(queue_packets * kTsPacketBytes);
}

void TsFramer::ring_write(const uint8_t* src, size_t n)
{
    size_t tail = (m_head + m_size) % m_ring.size();
    size_t first = std::min(n, m_ring.size() - tail);
    std::memcpy(&m_ring[tail], src, first);
    std::memcpy(&m_ring[0], src + first, n - first);
    m_size += n;
}

void TsFramer::ring_read(uint8_t* dst, size_t n)
{
    size_t first = std::min(n, m_ring.size() - m_head);
    std::memcpy(dst, &m_ring[m_head], first);
    std::memcpy(dst + first, &m_ring[0], n - first);
    m_head = (m_head + n) % m_ring.size();
    m_size -= n;
    m_head_pos = (m_head_pos + n) % kTsPacketBytes;
}

bool TsFramer::push(const uint8_t* packet)
{
    if (packet == nullptr)
        throw ConfigError("TsFramer::push: null packet");
    if (packet[0] != kTsSyncByte) {
        ++m_stats.packets_rejected_sync;
        return false;
    }
    if (m_ring.size() - m_size < kTsPacketBytes) {
        ++m_stats.packets_rejected_full;
        return false;
    }
    // §5.1.4: the sync byte slot carries the CRC-8 of the previous packet's useful bytes.
    ring_write(&m_prev_crc, 1);
    ring_write(packet + 1, kUsefulBytes);
    m_prev_crc = crc8(packet + 1, kUsefulBytes);
    ++m_stats.packets_accepted;
    return true;
}

size_t TsFramer::push_packets(const uint8_t* data, size_t len)
{
    if (len % kTsPacketBytes != 0)
        throw ConfigError("TsFramer::push_packets: length " + std::to_string(len) +
                          " is not a whole number of 188-byte packets");
    size_t accepted = 0;
    for (size_t off = 0; off < len; off += kTsPacketBytes)
        accepted += push(data + off) ? 1 : 0;
    return accepted;
}

bool TsFramer::can_fill(int kbch) const
{
    check_kbch(kbch);
    return m_size >= static_cast<size_t>(kbch) / 8 - kBbHeaderBytes;
}

size_t TsFramer::build(int kbch, bool ccm, RollOff rolloff, uint8_t* out)
{
    check_kbch(kbch);
    if (out == nullptr)
        throw ConfigError("TsFramer::build: null output");
    const size_t field_bytes = static_cast<size_t>(kbch) / 8 - kBbHeaderBytes;
    const size_t data_bytes = std::min(field_bytes, m_size);

    BbHeader h;
    h.stream_type = StreamType::Transport;
    h.single_stream = true;
    h.ccm = ccm;
    h.rolloff = rolloff;
    h.upl = kTsUplBits;
    h.dfl = static_cast<uint16_t>(data_bytes * 8);
    h.sync = kTsSyncByte;
    // Distance to the next UP start; it only counts if that start lies in the field.
    const size_t to_next = m_head_pos == 0 ? 0 : kTsPacketBytes - m_head_pos;
    h.syncd = to_next < data_bytes ? static_cast<uint16_t>(to_next * 8) : kSyncdNoPacketStart;

    auto header = encode_bbheader(h);
    std::memcpy(out, header.data(), kBbHeaderBytes);
    ring_read(out + kBbHeaderBytes, data_bytes);
    if (data_bytes < field_bytes) {
        std::memset(out + kBbHeaderBytes + data_bytes, 0, field_bytes - data_bytes);
        ++m_stats.frames_padded;
        m_stats.padding_bits += (field_bytes - data_bytes) * 8;
    }
    ++m_stats.frames_built;
    return data_bytes * 8;
}

void TsFramer::reset()
{
    m_head = m_size = m_head_pos = 0;
    m_prev_crc = 0;
}

// ---------------------------------------------------------------- TsDeframer

TsDeframer::TsDeframer(TsCrcErrorPolicy policy) : m_policy(policy) {}

void TsDeframer::reset()
{
    m_in_sync = false;
    m_gap = false;
    m_cur_fill = 0;
    m_held_valid = false;
}

void TsDeframer::frame_lost()
{
    ++m_stats.frames_lost;
    m_gap = true;
}

// Everything in flight is unusable: the partial packet lost its continuation and the
// complete one lost the CRC byte that would have verified it.
void TsDeframer::discontinuity()
{
    if (m_cur_fill > 0)
        ++m_stats.packets_lost;
    if (m_held_valid)
        ++m_stats.packets_lost;
    m_cur_fill = 0;
    m_held_valid = false;
    m_in_sync = false;
}

void TsDeframer::consume(const uint8_t* data, size_t n, uint8_t sync,
                         std::vector<uint8_t>& out, size_t& emitted)
{
    while (n > 0) {
        if (m_cur_fill == 0) {
            // Sync slot of a new UP: the CRC-8 of the held packet.
            if (m_held_valid) {
                const bool good = data[0] == m_held_crc;
                if (good || m_policy == TsCrcErrorPolicy::FlagTei) {
                    size_t at = out.size();
                    out.insert(out.end(), m_held, m_held + kTsPacketBytes);
                    out[at] = sync;
                    if (!good)
                        out[at + 1] |= 0x80; // transport_error_indicator
                    ++emitted;
                }
                if (good)
                    ++m_stats.packets_ok;
                else
                    ++m_stats.packets_crc_error;
                m_held_valid = false;
            }
            m_cur[0] = data[0];
            m_cur_fill = 1;
            ++data;
            --n;
            continue;
        }
        size_t take = std::min(n, kTsPacketBytes - m_cur_fill);
        std::memcpy(m_cur + m_cur_fill, data, take);
        m_cur_fill += take;
        data += take;
        n -= take;
        if (m_cur_fill == kTsPacketBytes) {
            std::memcpy(m_held, m_cur, kTsPacketBytes);
            m_held_crc = crc8(m_held + 1, kUsefulBytes);
            m_held_valid = true;
            m_cur_fill = 0;
        }
    }
}

size_t TsDeframer::process(const uint8_t* frame, int kbch, std::vector<uint8_t>& out)
{
    check_kbch(kbch);
    if (frame == nullptr)
        throw ConfigError("TsDeframer::process: null frame");
    const size_t field_bytes = static_cast<size_t>(kbch) / 8 - kBbHeaderBytes;

    BbHeader h;
    BbHeaderStatus st = try_parse_bbheader(frame, kbch / 8, h, field_bytes * 8);
    if (st == BbHeaderStatus::BadLength) {
        ++m_stats.frames_bad_length;
        m_gap = true;
        return 0;
    }
    if (st != BbHeaderStatus::Ok) {
        ++m_stats.frames_bad_header;
        m_gap = true;
        return 0;
    }
    if (h.stream_type != StreamType::Transport || h.upl != kTsUplBits || h.npd || h.issyi ||
        h.sync != kTsSyncByte) {
        ++m_stats.frames_not_ts;
        m_gap = true;
        return 0;
    }
    if (h.dfl % 8 != 0 || (h.syncd != kSyncdNoPacketStart && h.syncd % 8 != 0)) {
        ++m_stats.frames_bad_length;
        m_gap = true;
        return 0;
    }
    const uint8_t* field = frame + kBbHeaderBytes;
    const size_t dfl_bytes = h.dfl / 8u;
    const bool has_start = h.syncd != kSyncdNoPacketStart;
    const size_t syncd_bytes = has_start ? h.syncd / 8u : dfl_bytes;
    if (has_start && syncd_bytes >= dfl_bytes) {
        // A UP start outside the data field (the header parser lets DFL = 0 through).
        ++m_stats.frames_bad_length;
        m_gap = true;
        return 0;
    }
    ++m_stats.frames_ok;

    if (m_gap) {
        m_gap = false;
        if (m_in_sync || m_cur_fill > 0 || m_held_valid)
            ++m_stats.resyncs;
        discontinuity();
    } else if (m_in_sync) {
        // Where the running position says the next UP starts must agree with SYNCD.
        const size_t expected = m_cur_fill == 0 ? 0 : kTsPacketBytes - m_cur_fill;
        const bool consistent = has_start ? expected == syncd_bytes : expected >= dfl_bytes;
        if (!consistent) {
            ++m_stats.resyncs;
            discontinuity();
        }
    }

    size_t emitted = 0;
    if (m_in_sync) {
        consume(field, dfl_bytes, h.sync, out, emitted);
    } else if (has_start) {
        // (Re)acquire at the first UP of this field; the bytes before it belong to a
        // packet whose start we never saw.
        m_in_sync = true;
        m_cur_fill = 0;
        m_held_valid = false;
        consume(field + syncd_bytes, dfl_bytes - syncd_bytes, h.sync, out, emitted);
    }
    return emitted;
}

} // namespace dualsat
