// SPDX-License-Identifier: GPL-3.0-or-later
#include "tx_input.h"

#include <dualsat/framing/ts_adaptation.h>
#include <dualsat/pl/pl_geometry.h>
#include <dualsat/tx/transmitter.h>

#include <algorithm>
#include <cstring>

namespace modemd {

namespace {
// GSE Total_Length (16 bits) counts Protocol_Type (2 bytes) + label (none: broadcast) +
// PDU (ETSI TS 102 606-1 §4.2).
constexpr size_t kMaxGsePdu = 0xFFFF - 2;

// Whether `pdu` is one whole IP packet of its EtherType's version: the header is there and
// its length fields describe exactly `len` bytes. IPv4 (RFC 791 §3.1): version 4, IHL >= 5
// words, IHL*4 <= Total Length == len. IPv6 (RFC 8200 §3): version 6, a 40-byte header,
// 40 + Payload Length == len (jumbograms cannot occur below the GSE size limit). The
// IPv4 header checksum is not checked: the receiving host does that.
bool well_formed_ip(const uint8_t* pdu, size_t len, uint16_t ethertype)
{
    if (ethertype == 0x0800) {
        if (len < 20 || (pdu[0] >> 4) != 4)
            return false;
        const size_t ihl = static_cast<size_t>(pdu[0] & 0x0F) * 4;
        const size_t total = static_cast<size_t>(pdu[2]) << 8 | pdu[3];
        return ihl >= 20 && ihl <= total && total == len;
    }
    if (ethertype == 0x86DD) {
        if (len < 40 || (pdu[0] >> 4) != 6)
            return false;
        const size_t payload = static_cast<size_t>(pdu[4]) << 8 | pdu[5];
        return 40 + payload == len;
    }
    return true; // another protocol: carried as given
}
} // namespace

TxInput::TxInput(StreamInput stream, size_t queue_bytes) : m_stream(stream), m_queue_bytes(queue_bytes)
{
    if (m_stream == StreamInput::Ts)
        m_ts_ring.resize(std::max<size_t>(queue_bytes, dualsat::kTsPacketBytes));
}

void TxInput::set_pdu_sink(PduSink sink)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_pdu_sink = std::move(sink);
}

bool TxInput::push_ip(const uint8_t* pdu, size_t len, uint16_t ethertype)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_stream != StreamInput::Gse || m_closed || len == 0 || len > kMaxGsePdu) {
        ++m_stats.packets_rejected;
        return false;
    }
    if (ethertype == 0)
        ethertype = dualsat::ip_ethertype(pdu, len);
    if (ethertype == 0 || ethertype == kAcmReportEtherType || !well_formed_ip(pdu, len, ethertype)) {
        ++m_stats.packets_rejected;
        return false;
    }
    if (m_pending_bytes + len > m_queue_bytes || !m_pdu_sink) {
        ++m_stats.packets_dropped_full;
        return false;
    }
    m_held.push_back({ std::vector<uint8_t>(pdu, pdu + len), ethertype });
    m_pending_bytes += len;
    ++m_user_unconfirmed;
    ++m_stats.packets_in;
    m_stats.bytes_in += len;
    release_locked();
    return true;
}

size_t TxInput::window_bytes_locked() const
{
    // tx_bc's output buffer holds four of the longest PLFRAMEs (gr-dualsat tx_bc_impl.cc):
    // the frames in it are encoded but not yet confirmed. Enough PDUs for those and two
    // more frames keeps the transmitter from running dry (idle frames while packets wait).
    const int symbols = std::max(1, m_format.plframe_symbols());
    const size_t frames = static_cast<size_t>(4 * dualsat::kMaxPlframeSymbols / symbols) + 2;
    const size_t field = static_cast<size_t>(m_format.code().kbch - 80) / 8;
    return frames * field;
}

void TxInput::release_locked()
{
    if (!m_pdu_sink)
        return;
    const size_t window = window_bytes_locked();
    // Under the lock: the transmitter takes PDUs in the order they are handed on, and
    // m_in_flight must have that order.
    while (!m_held.empty() && m_in_flight_bytes < window) {
        HeldPdu& p = m_held.front();
        m_pdu_sink(p.data.data(), p.data.size(), p.ethertype);
        m_in_flight.push_back({ p.data.size(), false });
        m_in_flight_bytes += p.data.size();
        m_held.pop_front();
    }
}

bool TxInput::push_report(const uint8_t* report, size_t len)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    ++m_stats.reports_in;
    if (m_stream != StreamInput::Gse || m_closed || !m_pdu_sink || len == 0 ||
        m_reports_in_flight >= kMaxReportsInFlight) {
        ++m_stats.reports_dropped;
        return false;
    }
    m_pdu_sink(report, len, kAcmReportEtherType);
    m_in_flight.push_back({ len, true });
    m_in_flight_bytes += len;
    ++m_reports_in_flight;
    return true;
}

void TxInput::set_format(const dualsat::FrameFormat& format)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_format = format;
    release_locked();
}

size_t TxInput::push_ts(const uint8_t* data, size_t len)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    const size_t n = len / dualsat::kTsPacketBytes;
    if (m_stream != StreamInput::Ts || m_closed || len == 0 ||
        len % dualsat::kTsPacketBytes != 0) {
        m_stats.packets_rejected += n ? n : 1;
        return 0;
    }
    for (size_t i = 0; i < n; ++i)
        if (data[i * dualsat::kTsPacketBytes] != dualsat::kTsSyncByte) {
            m_stats.packets_rejected += n;
            return 0;
        }
    // Queued = accepted and not yet seen in a data field (including what the chain holds).
    const uint64_t queued = m_stats.bytes_in - m_ts_user_bytes_sent;
    size_t accepted = 0;
    for (size_t i = 0; i < n; ++i) {
        if (queued + (accepted + 1) * dualsat::kTsPacketBytes > m_queue_bytes ||
            m_ts_size + dualsat::kTsPacketBytes > m_ts_ring.size())
            break;
        const uint8_t* p = data + i * dualsat::kTsPacketBytes;
        size_t tail = (m_ts_head + m_ts_size) % m_ts_ring.size();
        const size_t first = std::min(dualsat::kTsPacketBytes, m_ts_ring.size() - tail);
        std::memcpy(m_ts_ring.data() + tail, p, first);
        std::memcpy(m_ts_ring.data(), p + first, dualsat::kTsPacketBytes - first);
        m_ts_size += dualsat::kTsPacketBytes;
        ++accepted;
    }
    m_stats.packets_in += accepted;
    m_stats.bytes_in += accepted * dualsat::kTsPacketBytes;
    m_stats.packets_dropped_full += n - accepted;
    if (accepted)
        m_ts_ready.notify_one();
    return accepted;
}

size_t TxInput::take_ts(uint8_t* out, size_t max, std::chrono::milliseconds wait, bool stuff)
{
    std::unique_lock<std::mutex> lock(m_mutex);
    auto record = [this](bool user, size_t n) {
        if (!m_ts_taken.empty() && m_ts_taken.back().first == user)
            m_ts_taken.back().second += n;
        else
            m_ts_taken.emplace_back(user, n);
    };
    if (m_ts_size == 0 && m_pattern && !m_closed) {
        const size_t n = m_pattern->generate(out, max);
        if (n > 0) {
            record(false, n); // not user bytes
            return n;
        }
    }
    if (m_ts_size == 0)
        m_ts_ready.wait_for(lock, wait, [this] { return m_ts_size > 0 || m_closed; });
    if (m_ts_size == 0) {
        if (!stuff || m_closed || max < dualsat::kTsPacketBytes)
            return 0;
        out[0] = dualsat::kTsSyncByte;
        out[1] = 0x1F; // PID 0x1FFF
        out[2] = 0xFF;
        out[3] = 0x10; // payload only, continuity counter 0 (undefined for null packets)
        std::memset(out + 4, 0xFF, dualsat::kTsPacketBytes - 4);
        record(false, dualsat::kTsPacketBytes);
        return dualsat::kTsPacketBytes;
    }
    const size_t n = std::min(max, m_ts_size);
    const size_t first = std::min(n, m_ts_ring.size() - m_ts_head);
    std::memcpy(out, m_ts_ring.data() + m_ts_head, first);
    std::memcpy(out + first, m_ts_ring.data(), n - first);
    m_ts_head = (m_ts_head + n) % m_ts_ring.size();
    m_ts_size -= n;
    record(true, n);
    return n;
}

void TxInput::confirm_pdus_locked(uint64_t count)
{
    for (; count > 0 && !m_in_flight.empty(); --count) {
        const InFlight p = m_in_flight.front();
        m_in_flight.pop_front();
        m_in_flight_bytes -= p.len;
        if (p.report) {
            --m_reports_in_flight;
            ++m_stats.reports_sent;
            continue;
        }
        m_pending_bytes -= p.len;
        --m_user_unconfirmed;
        ++m_stats.packets_sent;
        m_stats.payload_bytes_sent += p.len;
    }
    if (!m_closed)
        release_locked();
}

void TxInput::frame_sent(const TxFrameRecord& f)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    ++m_stats.frames;
    m_stats.symbols += f.symbols;
    if (f.dummy) {
        ++m_stats.frames_dummy;
        ++m_stats.frames_by_modcod[0];
    } else {
        ++m_stats.frames_by_modcod[dualsat::modcod_number(f.format.modcod)];
        if (f.fill) // idle, though on air like any data frame
            ++m_stats.frames_dummy;
        m_stats.last_data_format = f.format;
        const size_t bytes = f.dfl_bits / 8;
        m_stats.data_field_bytes += bytes;
        const size_t room_bits = static_cast<size_t>(f.format.code().kbch) - 80;
        if (f.padded ? *f.padded : (f.dfl_bits < room_bits && !f.fill))
            ++m_stats.frames_padded;
        if (m_stream == StreamInput::Ts) {
            // The data field carries the taken bytes in order: count the user bytes in it.
            uint64_t left = bytes;
            while (left > 0 && !m_ts_taken.empty()) {
                auto& run = m_ts_taken.front();
                const uint64_t k = std::min(left, run.second);
                if (run.first)
                    m_ts_user_bytes_sent += k;
                run.second -= k;
                left -= k;
                if (run.second == 0)
                    m_ts_taken.pop_front();
            }
            const uint64_t sent = m_ts_user_bytes_sent / dualsat::kTsPacketBytes;
            m_stats.payload_bytes_sent += (sent - m_stats.packets_sent) * dualsat::kTsPacketBytes;
            m_stats.packets_sent = sent;
        }
    }
    if (m_stream == StreamInput::Gse)
        confirm_pdus_locked(f.pdus_completed);
}

bool TxInput::idle() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_stream == StreamInput::Gse)
        return m_user_unconfirmed == 0;
    return m_stats.bytes_in <= m_ts_user_bytes_sent;
}

uint64_t TxInput::drop_queued()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_closed = true;
    uint64_t n;
    if (m_stream == StreamInput::Gse) {
        n = m_user_unconfirmed;
        m_user_unconfirmed = 0;
        m_held.clear();
        m_in_flight.clear();
        m_in_flight_bytes = 0;
        m_pending_bytes = 0;
        m_stats.reports_dropped += m_reports_in_flight;
        m_reports_in_flight = 0;
    } else {
        // A packet partly in a data field counts as not sent.
        n = m_stats.packets_in - m_stats.packets_sent;
        m_ts_size = 0;
    }
    m_stats.packets_dropped_shutdown += n;
    m_ts_ready.notify_all();
    return n;
}

TxInputStats TxInput::stats() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    TxInputStats s = m_stats;
    if (m_closed) {
        s.queued_packets = 0;
        s.queued_bytes = 0;
    } else if (m_stream == StreamInput::Gse) {
        s.queued_packets = m_user_unconfirmed;
        s.queued_bytes = m_pending_bytes;
        s.held_packets = m_held.size();
        s.reports_queued = m_reports_in_flight;
    } else {
        s.queued_bytes = static_cast<size_t>(m_stats.bytes_in - std::min(m_stats.bytes_in, m_ts_user_bytes_sent));
        s.queued_packets = static_cast<size_t>(m_stats.packets_in - m_stats.packets_sent);
    }
    return s;
}

} // namespace modemd
