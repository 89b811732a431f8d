// SPDX-License-Identifier: GPL-3.0-or-later
// The user side of the transmitter: UDP/TUN threads push IP packets (GSE) or TS packets
// in; they are checked, admitted against data.queue_bytes and handed on — IP packets to
// the transmitter as PDUs (a callback the TX chain sets: a message to tx_bc's "pdus"
// port), TS packets into a byte queue the TX chain's source drains into tx_bc's stream
// input. Mode adaptation (GSE encapsulation, TS framing) is the transmitter's, not ours.
//
// Accounting. The TX chain reports every PLFRAME it produced (from tx_bc's "plframe"
// tags): frames by MODCOD, dummy and padded frames, data-field bytes. Which packets went
// out is known exactly for TS (every data-field byte is a TS packet byte, in order). For
// GSE every frame's tag says how many PDUs ended in it; PDUs reach the transmitter in the
// order they were handed on, so that count confirms the oldest pending ones. At shutdown,
// what is not confirmed counts as dropped.
//
// GSE flow control and report priority. IP packets are not all handed to the transmitter
// at once: only while the bytes handed on and not yet confirmed are below a window of
// about what the transmitter's output buffer holds plus two frames (at the current
// format), the rest waits here. So an ACM link report (push_report, EtherType 0x88B5)
// handed on at once, ahead of the waiting packets, is sent within a few frames, not after
// megabytes of user data. The order handed on is still the order sent, so the per-frame
// confirmation stays exact; reports have their own counters and never count as packets.
//
// Thread-safe; no GNU Radio headers.
#pragma once

#include "config.h"
#include "test_pattern.h"

#include <dualsat/modcod/modcod.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace modemd {

struct TxInputStats {
    uint64_t packets_in = 0;        // accepted: handed to the transmitter / the TS queue
    uint64_t bytes_in = 0;
    uint64_t packets_dropped_full = 0;     // data.queue_bytes reached
    uint64_t packets_rejected = 0;         // malformed: not IP (auto EtherType), too long for
                                           // GSE, bad TS sync/length, wrong stream type
    uint64_t packets_dropped_shutdown = 0; // not confirmed sent when the modem stopped
    uint64_t packets_sent = 0;             // confirmed placed in PLFRAMEs (see above)
    uint64_t payload_bytes_sent = 0;       // user bytes of those packets
    uint64_t frames = 0;                   // PLFRAMEs, data and dummy
    uint64_t frames_dummy = 0;             // idle frames: dummy PLFRAMEs or sealed fill
    uint64_t frames_padded = 0;            // data frames with a short data field
    uint64_t data_field_bytes = 0;         // DFL / 8 summed over data frames
    uint64_t symbols = 0;                  // PLFRAME symbols
    std::map<int, uint64_t> frames_by_modcod; // MODCOD number (Table 12; 0 = dummy) -> frames
    std::optional<dualsat::FrameFormat> last_data_format; // of the last data frame sent
    size_t queued_packets = 0;             // accepted, not confirmed sent
    size_t queued_bytes = 0;
    size_t held_packets = 0;               // of those, not yet handed to the transmitter
    // In-band ACM reports (GSE, EtherType 0x88B5): reports_in = reports_sent +
    // reports_queued + reports_dropped.
    uint64_t reports_in = 0;
    uint64_t reports_sent = 0;
    uint64_t reports_dropped = 0; // backlog full (transmitter stalled) or shutdown
    size_t reports_queued = 0;
};

// One PLFRAME as the TX chain saw it go out.
struct TxFrameRecord {
    bool dummy = false;
    dualsat::FrameFormat format; // of a data frame (fill too)
    size_t dfl_bits = 0;
    uint64_t symbols = 0;
    uint64_t pdus_completed = 0; // GSE: PDUs whose last byte is in this frame (tag "packets")
    bool fill = false;           // protected idle: a sealed frame without user data
    // The transmitter's word (tag "padded"): the data field was not full. Unset: judged
    // from dfl_bits (right without a data-field transform, whose overhead it ignores).
    std::optional<bool> padded;
};

class TxInput
{
public:
    // PDU and its EtherType, to the transmitter. Called on the data-plane threads.
    using PduSink = std::function<void(const uint8_t* pdu, size_t len, uint16_t ethertype)>;

    TxInput(StreamInput stream, size_t queue_bytes);

    StreamInput stream() const { return m_stream; }
    void set_pdu_sink(PduSink sink);

    // One IP packet (GSE). ethertype 0 = from the IP version nibble (4 -> 0x0800,
    // 6 -> 0x86DD, anything else rejected). IPv4/IPv6 packets must be well formed (header
    // complete, its length fields equal to len); malformed ones are counted in
    // packets_rejected. Returns true if accepted.
    bool push_ip(const uint8_t* pdu, size_t len, uint16_t ethertype);
    // One datagram of whole 188-byte TS packets, each starting with 0x47; anything else
    // rejects the datagram. Returns the packets accepted.
    size_t push_ts(const uint8_t* data, size_t len);

    // TS: moves up to max queued bytes to out (whole packets are not required). With
    // nothing queued it waits up to `wait`; if still nothing and `stuff` is set, it writes
    // one null packet (PID 0x1FFF, ISO/IEC 13818-1 §2.4.3.3) instead: the transmitter
    // only runs while its TS input has bytes, and the carrier must not stop. The chain
    // sets `stuff` only when the transmitter has taken everything given so far.
    // Returns the bytes written.
    size_t take_ts(uint8_t* out, size_t max, std::chrono::milliseconds wait, bool stuff);

    // The built-in test pattern (data.test_pattern): with nothing queued, take_ts fills
    // whole packets of it up to max, without waiting, instead of one null packet. Set
    // before the flowgraph starts; the pattern outlives this object.
    void set_test_pattern(TestPattern* pattern) { m_pattern = pattern; }

    // GSE: one ACM link report, handed to the transmitter at once (ahead of the IP packets
    // waiting for the window) with EtherType kAcmReportEtherType. False (counted dropped)
    // when closed or when kMaxReportsInFlight are already unconfirmed.
    bool push_report(const uint8_t* report, size_t len);
    static constexpr size_t kMaxReportsInFlight = 64;

    // The format the transmitter is told to use (sizes the window).
    void set_format(const dualsat::FrameFormat& format);

    // The TX chain, per PLFRAME in order; for GSE the frame's pdus_completed confirms that
    // many of the oldest pending PDUs.
    void frame_sent(const TxFrameRecord& frame);

    bool idle() const; // nothing accepted that is not confirmed sent
    // Shutdown: counts what is not confirmed sent as dropped; nothing is accepted after.
    uint64_t drop_queued();

    TxInputStats stats() const;

private:
    TestPattern* m_pattern = nullptr;
    void confirm_pdus_locked(uint64_t count);
    void release_locked(); // hands waiting IP packets on while the window allows
    size_t window_bytes_locked() const;

    struct HeldPdu {
        std::vector<uint8_t> data;
        uint16_t ethertype;
    };
    struct InFlight {
        size_t len;
        bool report;
    };

    const StreamInput m_stream;
    const size_t m_queue_bytes;
    PduSink m_pdu_sink;

    mutable std::mutex m_mutex;
    std::condition_variable m_ts_ready;
    bool m_closed = false;
    // GSE: IP packets accepted and not yet handed on; PDUs handed on and not yet
    // confirmed, in order (IP packets and reports).
    std::deque<HeldPdu> m_held;
    std::deque<InFlight> m_in_flight;
    size_t m_in_flight_bytes = 0;
    size_t m_user_unconfirmed = 0; // IP packets held or in flight
    size_t m_reports_in_flight = 0;
    dualsat::FrameFormat m_format;
    // TS: bytes accepted and not yet taken by the chain, a ring of data.queue_bytes.
    std::vector<uint8_t> m_ts_ring;
    size_t m_ts_head = 0, m_ts_size = 0;
    // TS bytes taken by the chain and not yet seen in a data field, in order: runs of
    // user bytes (true) and null-packet bytes (false).
    std::deque<std::pair<bool, uint64_t>> m_ts_taken;
    uint64_t m_ts_user_bytes_sent = 0;
    size_t m_pending_bytes = 0; // GSE: user bytes held or in flight
    TxInputStats m_stats;
};

} // namespace modemd
