// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 mode adaptation for MPEG transport streams, ETSI EN 302 307-1 §5.1:
// TS packets (user packets, UPs) -> BBFRAMEs on transmit, and back on receive.
//
// Frame sizes are decided per call (VCM/ACM: K_bch may change on every frame). BBFRAMEs
// here are packed bytes, MSB first, K_bch/8 bytes, BEFORE BB scrambling on transmit and
// AFTER descrambling on receive.
//
// The UP stream as transmitted (§5.1.4): every 188-byte packet keeps its 187 useful
// bytes, and its sync byte (0x47) is replaced by the CRC-8 of the previous packet's 187
// useful bytes. The first packet of a stream has no predecessor; it carries 0x00 there,
// as gr-dtv's dvb_bbheader_bb does (CRC register cleared = CRC of nothing), so the
// BBFRAMEs are bit-identical to gr-dtv's. SYNCD points at the first bit of the first UP
// that starts in the data field, i.e. at that CRC byte.
#pragma once

#include <dualsat/framing/bbheader.h>
#include <dualsat/modcod/modcod.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dualsat {

constexpr size_t kTsPacketBytes = 188;
constexpr uint8_t kTsSyncByte = 0x47;
constexpr uint16_t kTsUplBits = kTsPacketBytes * 8; // UPL for TS, 1504
constexpr uint16_t kSyncdNoPacketStart = 0xFFFF;    // SYNCD: no UP starts in the data field

// Largest K_bch of EN 302 307-1 (normal 9/10, Table 5a).
constexpr int kMaxKbch = 58192;

struct TsFramerStats {
    uint64_t packets_accepted = 0;
    uint64_t packets_rejected_sync = 0; // first byte not 0x47: never transmitted
    uint64_t packets_rejected_full = 0; // queue full: never transmitted
    uint64_t frames_built = 0;
    uint64_t frames_padded = 0; // DFL < K_bch - 80 because the queue ran short
    uint64_t padding_bits = 0;  // total zero bits appended after short data fields
};

// Transmit side. Packets are queued in a preallocated ring; build() never allocates.
//
// Padding policy: build() always produces a frame. If fewer than K_bch - 80 bits are
// queued it sends everything queued (whole packets, so the data field ends on a UP
// boundary), sets DFL to that length and appends K_bch - 80 - DFL zero bits (§5.2.1);
// the frame is counted in frames_padded. An empty queue gives DFL = 0. A caller that
// prefers to wait for data (CCM streaming, as gr-dtv does) checks can_fill() first.
class TsFramer
{
public:
    // queue_packets: capacity of the input queue, in packets (> 0).
    explicit TsFramer(size_t queue_packets = 2048);

    // Queues one 188-byte packet. Returns false (and counts) if its first byte is not
    // 0x47 or the queue is full; such a packet never reaches a BBFRAME.
    bool push(const uint8_t* packet);
    // Queues len / 188 packets from a buffer of whole packets (len must be a multiple
    // of 188, else ConfigError). Returns how many were accepted.
    size_t push_packets(const uint8_t* data, size_t len);

    // UP bytes waiting, including the unsent rest of a packet split by the last frame.
    size_t queued_bytes() const { return m_size; }
    size_t free_packets() const { return (m_ring.size() - m_size) / kTsPacketBytes; }
    // True if the queue holds enough for a full data field of a frame of kbch bits.
    bool can_fill(int kbch) const;

    // Builds one BBFRAME of kbch bits (kbch / 8 bytes written to out). kbch must be a
    // multiple of 8 in [88, kMaxKbch] (ConfigError otherwise). Returns the DFL in bits.
    size_t build(int kbch, bool ccm, RollOff rolloff, uint8_t* out);
    size_t build(const FrameFormat& format, bool ccm, RollOff rolloff, uint8_t* out)
    {
        return build(format.code().kbch, ccm, rolloff, out);
    }

    const TsFramerStats& stats() const { return m_stats; }
    // Empties the queue and restarts the CRC chain (the next packet carries 0x00).
    void reset();

private:
    void ring_write(const uint8_t* src, size_t n);
    void ring_read(uint8_t* dst, size_t n);

    std::vector<uint8_t> m_ring;
    size_t m_head = 0;     // read position
    size_t m_size = 0;     // bytes queued
    size_t m_head_pos = 0; // offset of the read position inside its UP (0..187)
    uint8_t m_prev_crc = 0;
    TsFramerStats m_stats;
};

// What the receiver does with a packet whose CRC-8 check fails.
enum class TsCrcErrorPolicy {
    // Pass it on with transport_error_indicator (bit 7 of byte 1) set: what DVB
    // demodulators do, so the demultiplexer sees the gap in the right place (continuity
    // counters, PCR timing) and discards it itself.
    FlagTei,
    // Discard it.
    Drop,
};

struct TsDeframerStats {
    uint64_t frames_ok = 0;
    uint64_t frames_bad_header = 0;  // BBHEADER CRC-8 or reserved fields: frame dropped
    uint64_t frames_not_ts = 0;      // valid header, but not a plain TS (TS/GS, UPL, SYNC,
                                     // NPD or ISSYI): frame dropped
    uint64_t frames_bad_length = 0;  // DFL/SYNCD beyond the frame or not byte-aligned
    uint64_t frames_lost = 0;        // reported by frame_lost()
    uint64_t packets_ok = 0;         // emitted with a good CRC-8
    uint64_t packets_crc_error = 0;  // CRC-8 mismatch (flagged or dropped per policy)
    uint64_t packets_lost = 0;       // partial or unverifiable packets discarded at a gap
    uint64_t resyncs = 0;            // re-alignments on SYNCD after a gap or mismatch
};

// Receive side: descrambled BBFRAMEs (after BCH) in, 188-byte TS packets out.
//
// A packet is emitted once the CRC byte that follows it (in the next UP's sync slot) has
// arrived, so the last packet received waits for the next frame. After a gap (a frame
// with a bad header, a frame reported lost, or SYNCD disagreeing with the running
// position, which reveals a frame that vanished unreported) the partial packet and the
// packet whose CRC was in the gap are dropped and counted, and reception resumes at the
// UP that SYNCD points to: data from before a gap is never glued to data after it.
class TsDeframer
{
public:
    explicit TsDeframer(TsCrcErrorPolicy policy = TsCrcErrorPolicy::FlagTei);

    // Processes one BBFRAME (kbch / 8 bytes). Appends whole 188-byte packets, sync byte
    // restored, to out; returns how many. kbch as for TsFramer::build (ConfigError).
    size_t process(const uint8_t* frame, int kbch, std::vector<uint8_t>& out);
    size_t process(const uint8_t* frame, const FrameFormat& format, std::vector<uint8_t>& out)
    {
        return process(frame, format.code().kbch, out);
    }
    // The frame at this position could not be decoded (BCH/LDPC failure upstream).
    void frame_lost();

    const TsDeframerStats& stats() const { return m_stats; }
    void reset();

private:
    void discontinuity();
    void consume(const uint8_t* data, size_t n, uint8_t sync, std::vector<uint8_t>& out,
                 size_t& emitted);

    TsCrcErrorPolicy m_policy;
    bool m_in_sync = false;
    bool m_gap = false;
    uint8_t m_cur[kTsPacketBytes];  // UP being assembled; [0] is the previous UP's CRC
    size_t m_cur_fill = 0;
    uint8_t m_held[kTsPacketBytes]; // complete packet waiting for its CRC byte
    bool m_held_valid = false;
    uint8_t m_held_crc = 0;
    TsDeframerStats m_stats;
};

} // namespace dualsat
