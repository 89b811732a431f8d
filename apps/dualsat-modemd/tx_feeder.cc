#include "tx_feeder.h"

#include <dualsat/error.h>

namespace modemd {

namespace {

dualsat::GseEncapsulator::Config gse_config(size_t queue_bytes)
{
    dualsat::GseEncapsulator::Config c;
    c.max_queue_bytes = queue_bytes;
    return c;
}

} // namespace

TxFeeder::TxFeeder(StreamInput stream, size_t queue_bytes, dualsat::RollOff rolloff, bool ccm)
    : m_stream(stream),
      m_rolloff(rolloff),
      m_ccm(ccm),
      m_gse(gse_config(queue_bytes)),
      m_ts(std::max<size_t>(queue_bytes / dualsat::kTsPacketBytes, 16))
{
}

bool TxFeeder::push_ip(const uint8_t* pdu, size_t len, uint16_t ethertype)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_stream != StreamInput::Gse || m_discarding || len == 0) {
        ++m_stats.packets_rejected;
        return false;
    }
    if (ethertype == 0) {
        switch (pdu[0] >> 4) {
        case 4:
            ethertype = 0x0800;
            break;
        case 6:
            ethertype = 0x86DD;
            break;
        default:
            ++m_stats.packets_rejected;
            return false;
        }
    }
    bool queued;
    try {
        queued = m_gse.push(pdu, len, ethertype);
    } catch (const dualsat::Error&) { // too long for GSE Total_Length
        ++m_stats.packets_rejected;
        return false;
    }
    if (!queued) {
        ++m_stats.packets_dropped_full;
        return false;
    }
    ++m_stats.packets_in;
    m_stats.bytes_in += len;
    return true;
}

size_t TxFeeder::push_ts(const uint8_t* data, size_t len)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    const size_t n = len / dualsat::kTsPacketBytes;
    if (m_stream != StreamInput::Ts || m_discarding || len == 0 ||
        len % dualsat::kTsPacketBytes != 0) {
        m_stats.packets_rejected += n ? n : 1;
        return 0;
    }
    for (size_t i = 0; i < n; ++i)
        if (data[i * dualsat::kTsPacketBytes] != dualsat::kTsSyncByte) {
            m_stats.packets_rejected += n;
            return 0;
        }
    size_t accepted = 0;
    for (size_t i = 0; i < n; ++i) {
        if (m_ts.push(data + i * dualsat::kTsPacketBytes)) {
            ++accepted;
            ++m_stats.packets_in;
            m_stats.bytes_in += dualsat::kTsPacketBytes;
        } else {
            ++m_stats.packets_dropped_full;
        }
    }
    return accepted;
}

size_t TxFeeder::build(const dualsat::FrameFormat& format, uint8_t* out)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    const int kbch = format.code().kbch;
    size_t dfl;
    if (m_stream == StreamInput::Gse) {
        const auto before = m_gse.stats();
        const size_t queued_before = m_gse.queued_bytes();
        dfl = m_gse.build(kbch, m_ccm, m_rolloff, out);
        const auto& after = m_gse.stats();
        m_stats.packets_sent += (after.pdus_complete - before.pdus_complete) +
                                (after.pdus_fragmented - before.pdus_fragmented);
        m_stats.payload_bytes_sent += queued_before - m_gse.queued_bytes();
    } else {
        const uint64_t packets_before = m_ts.queued_bytes();
        dfl = m_ts.build(kbch, m_ccm, m_rolloff, out);
        const uint64_t consumed = packets_before - m_ts.queued_bytes();
        m_stats.payload_bytes_sent += consumed;
        m_stats.packets_sent = m_stats.payload_bytes_sent / dualsat::kTsPacketBytes;
    }
    ++m_stats.frames;
    if (dfl == 0)
        ++m_stats.frames_idle;
    ++m_stats.frames_by_modcod[dualsat::modcod_number(format.modcod)];
    return dfl;
}

uint64_t TxFeeder::queued_packets_locked() const
{
    if (m_stream == StreamInput::Gse)
        return m_gse.queued_pdus();
    return (m_ts.queued_bytes() + dualsat::kTsPacketBytes - 1) / dualsat::kTsPacketBytes;
}

bool TxFeeder::idle() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return queued_packets_locked() == 0;
}

uint64_t TxFeeder::drop_queued()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    const uint64_t n = queued_packets_locked();
    m_stats.packets_dropped_shutdown += n;
    m_discarding = true;
    m_ts.reset();
    // The GSE encapsulator has no reset; nothing builds frames after this point, and
    // m_discarding stops new pushes, so the queued PDUs are simply never sent.
    return n;
}

TxFeederStats TxFeeder::stats() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    TxFeederStats s = m_stats;
    s.queued_packets = queued_packets_locked();
    s.queued_bytes = m_stream == StreamInput::Gse ? m_gse.queued_bytes() : m_ts.queued_bytes();
    if (m_discarding)
        s.queued_packets = 0, s.queued_bytes = 0;
    return s;
}

} // namespace modemd
