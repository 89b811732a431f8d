// The meeting point of the data plane and the transmitter: UDP/TUN threads push IP packets
// (GSE) or TS packets in, the TX flowgraph pulls whole BBFRAMEs out. The adaptation state
// (GSE fragmentation in progress, the TS CRC-8 chain) lives here rather than in a block,
// so it survives a transmitter chain being rebuilt for another MODCOD. Thread-safe; no GNU
// Radio headers.
#pragma once

#include "config.h"

#include <dualsat/gse.h>
#include <dualsat/modcod.h>
#include <dualsat/ts_adaptation.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>

namespace modemd {

struct TxFeederStats {
    uint64_t packets_in = 0;        // accepted into the queue
    uint64_t bytes_in = 0;
    uint64_t packets_dropped_full = 0; // queue full
    uint64_t packets_rejected = 0;  // malformed: not IP (auto EtherType), bad TS sync/length
    uint64_t packets_dropped_shutdown = 0; // still queued at shutdown
    uint64_t packets_sent = 0;      // completely placed in BBFRAMEs
    uint64_t payload_bytes_sent = 0; // user bytes placed in BBFRAMEs (goodput)
    uint64_t frames = 0;            // BBFRAMEs built
    uint64_t frames_idle = 0;       // with an empty data field (nothing queued)
    std::map<int, uint64_t> frames_by_modcod; // MODCOD number (Table 12) -> BBFRAMEs
    size_t queued_bytes = 0;
    size_t queued_packets = 0;
};

class TxFeeder
{
public:
    TxFeeder(StreamInput stream, size_t queue_bytes, dualsat::RollOff rolloff, bool ccm);

    StreamInput stream() const { return m_stream; }

    // One IP packet (GSE). ethertype 0 = from the IP version nibble (4 -> 0x0800,
    // 6 -> 0x86DD, anything else rejected). Returns true if queued.
    bool push_ip(const uint8_t* pdu, size_t len, uint16_t ethertype);
    // One datagram of whole 188-byte TS packets, each starting with 0x47; anything else
    // rejects the datagram. Returns the packets queued.
    size_t push_ts(const uint8_t* data, size_t len);

    // Builds the next BBFRAME (unscrambled, packed, kbch/8 bytes) for `format`. Never
    // blocks: with nothing queued the data field is empty (DFL = 0). Returns DFL bits.
    size_t build(const dualsat::FrameFormat& format, uint8_t* out);

    bool idle() const; // nothing queued
    // Shutdown: counts what is still queued as dropped and forgets it.
    uint64_t drop_queued();

    TxFeederStats stats() const;

private:
    uint64_t queued_packets_locked() const;

    const StreamInput m_stream;
    const dualsat::RollOff m_rolloff;
    const bool m_ccm;
    mutable std::mutex m_mutex;
    dualsat::GseEncapsulator m_gse;
    dualsat::TsFramer m_ts;
    bool m_discarding = false;
    TxFeederStats m_stats;
};

} // namespace modemd
