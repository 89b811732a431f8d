// SPDX-License-Identifier: GPL-3.0-or-later
// Generic Stream Encapsulation, ETSI TS 102 606-1: network-layer PDUs (IPv4, IPv6, any
// EtherType) carried in the data field of DVB-S2 BBFRAMEs of a generic continuous stream
// (EN 302 307-1 §5.1.6: TS/GS = 01, UPL = 0, SYNC = 0, SYNCD = 0).
//
// GSE packet (TS 102 606-1 §4.2), all fields big-endian:
//   S(1) E(1) LT(2) GSE_Length(12)         GSE_Length = bytes after this 2-byte field
//   Frag_ID(8)                             if not (S=1 and E=1)
//   Total_Length(16)                       if S=1, E=0: bytes of Protocol_Type + Label +
//                                          PDU (the reassembled unit without the CRC)
//   Protocol_Type(16)                      if S=1
//   Label(48 / 24 / 0 bits)                if S=1, by LT: 00 six bytes, 01 three bytes,
//                                          10 broadcast (none), 11 re-use of the label of
//                                          the previous GSE packet in the same BBFRAME
//   PDU bytes (or a fragment of them)
//   CRC_32                                 at the end of the last fragment of a
//                                          fragmented PDU only
// S=0, E=0, LT=00 in the first four bits marks padding: the rest of the data field is
// padding. Fragments after the first carry LT=11. The CRC-32 is the MPEG-2 CRC
// (polynomial 0x04C11DB7, register preset to all ones, MSB first, no final inversion)
// over Total_Length, Protocol_Type, Label (if transmitted) and the PDU.
#pragma once

#include <dualsat/framing/bbheader.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace dualsat {

uint32_t gse_crc32(const uint8_t* data, size_t len, uint32_t init = 0xFFFFFFFFu);

enum class GseLabelType : uint8_t { SixByte = 0, ThreeByte = 1, Broadcast = 2, ReUse = 3 };

// The label of a PDU as the receiver sees it (after re-use is resolved): SixByte (a MAC
// address), ThreeByte or Broadcast. ReUse is a wire encoding, never a label.
struct GseLabel {
    GseLabelType type = GseLabelType::Broadcast;
    std::array<uint8_t, 6> bytes{}; // first size() bytes are used, the rest are zero

    static GseLabel broadcast() { return {}; }
    static GseLabel six_byte(const std::array<uint8_t, 6>& mac);
    static GseLabel three_byte(const std::array<uint8_t, 3>& label);
    size_t size() const;
    bool operator==(const GseLabel& o) const { return type == o.type && bytes == o.bytes; }
    bool operator!=(const GseLabel& o) const { return !(*this == o); }
};

constexpr size_t kGseMaxLength = 4095;        // GSE_Length field, 12 bits
constexpr uint16_t kGseMinEtherType = 0x0600; // smaller values are extension headers

// BBHEADER for a GSE (generic continuous) stream: TS/GS = 01, UPL = 0, SYNC = 0,
// SYNCD = 0, single input stream.
BbHeader gse_bbheader(size_t dfl_bits, bool ccm, RollOff rolloff);

struct GseEncapsulatorStats {
    uint64_t pdus_accepted = 0;
    uint64_t pdus_rejected_full = 0;
    uint64_t pdus_complete = 0;   // sent whole in one GSE packet
    uint64_t pdus_fragmented = 0; // sent in two or more fragments
    uint64_t gse_packets = 0;
    uint64_t data_fields = 0;
    uint64_t padding_bytes = 0;   // GSE padding at the end of data fields
};

class GseEncapsulator
{
public:
    struct Config {
        size_t max_queue_bytes = 4u << 20; // PDU bytes that may wait
        bool label_reuse = true; // LT=11 when the previous packet in the frame had the label
    };
    GseEncapsulator();
    explicit GseEncapsulator(const Config& config);

    // Queues one PDU. protocol_type must be an EtherType (>= 0x0600); extension headers
    // are not generated. ConfigError for an empty PDU, a PDU too long for Total_Length,
    // a bad protocol type or a ReUse label; returns false (counted) if the queue is full.
    bool push(const uint8_t* pdu, size_t len, uint16_t protocol_type,
              const GseLabel& label = GseLabel::broadcast());

    size_t queued_pdus() const { return m_queue.size(); }
    size_t queued_bytes() const { return m_queued_bytes; }

    // Packs GSE packets into one data field of dfl_bits (a multiple of 8, ConfigError
    // otherwise) and pads the rest with zeros (GSE padding). Fragments a PDU that does
    // not fit, continuing it in the next data field. Returns the bytes used by GSE
    // packets (a caller may shorten DFL to that).
    size_t fill(size_t dfl_bits, uint8_t* data_field);

    // A whole BBFRAME of kbch bits (kbch / 8 bytes, unscrambled): BBHEADER from
    // gse_bbheader() with DFL = the bytes fill() used, zero padding after the data field
    // (EN 302 307-1 §5.2.1). Returns the DFL in bits.
    size_t build(int kbch, bool ccm, RollOff rolloff, uint8_t* out);

    const GseEncapsulatorStats& stats() const { return m_stats; }

private:
    struct Pending {
        std::vector<uint8_t> data;
        uint16_t protocol_type;
        GseLabel label;
        size_t sent = 0;       // bytes of data already sent (fragmentation in progress)
        bool started = false;  // first fragment sent
        uint8_t frag_id = 0;
        uint32_t crc = 0;      // CRC-32 of the reassembled unit, set at the first fragment
    };
    void finish(Pending& p);

    Config m_config;
    std::deque<Pending> m_queue;
    std::vector<std::vector<uint8_t>> m_spare; // recycled PDU buffers
    size_t m_queued_bytes = 0;
    uint8_t m_next_frag_id = 0;
    GseEncapsulatorStats m_stats;
};

// PDUs delivered by the reassembler, stored in one reusable buffer (no allocation per PDU
// once warmed up). Views stay valid until the batch is modified.
struct GsePduView {
    uint16_t protocol_type;
    GseLabel label;
    bool fragmented;    // reassembled from fragments, CRC-32 verified
    const uint8_t* data;
    size_t size;
};

class GsePduBatch
{
public:
    void clear()
    {
        m_bytes.clear();
        m_pdus.clear();
    }
    size_t size() const { return m_pdus.size(); }
    bool empty() const { return m_pdus.empty(); }
    GsePduView operator[](size_t i) const;
    void add(uint16_t protocol_type, const GseLabel& label, bool fragmented,
             const uint8_t* data, size_t len);

private:
    struct Entry {
        uint16_t protocol_type;
        GseLabel label;
        bool fragmented;
        size_t offset, size;
    };
    std::vector<uint8_t> m_bytes;
    std::vector<Entry> m_pdus;
};

struct GseReassemblerStats {
    uint64_t data_fields = 0;
    uint64_t frames_bad_header = 0;   // process_bbframe: BBHEADER bad, dropped
    uint64_t frames_not_gse = 0;      // process_bbframe: not a generic continuous stream
    uint64_t frames_lost = 0;         // reported by frame_lost()
    uint64_t pdus_complete = 0;       // delivered from single GSE packets
    uint64_t pdus_reassembled = 0;    // delivered from fragments, CRC-32 good
    uint64_t malformed_packets = 0;   // lengths/fields inconsistent, truncated, bad LT
    uint64_t crc_errors = 0;          // reassembled PDU with a bad CRC-32: dropped
    uint64_t length_errors = 0;       // fragments overran or fell short of Total_Length
    uint64_t orphan_fragments = 0;    // fragment without an open reassembly (start lost)
    uint64_t aborted_reassemblies = 0; // a new first fragment reused an open Frag ID
    uint64_t timeouts = 0;            // reassemblies not completed within the timeout
};

class GseReassembler
{
public:
    // timeout_frames: a reassembly not completed within this many data fields (or lost
    // frames) is dropped. TS 102 606-1 forbids reusing a Frag ID within 256 BBFRAMEs,
    // so 256 is the natural default.
    explicit GseReassembler(unsigned timeout_frames = 256);

    // One BBFRAME data field of dfl_bits (trailing bits beyond a whole byte are ignored).
    // Appends delivered PDUs to out; returns how many.
    size_t process(const uint8_t* data_field, size_t dfl_bits, GsePduBatch& out);
    // A whole descrambled BBFRAME of kbch bits: checks the BBHEADER (bad CRC, DFL beyond
    // the frame or not a generic continuous stream -> dropped and counted, and treated
    // as a lost frame), then process().
    size_t process_bbframe(const uint8_t* frame, int kbch, GsePduBatch& out);
    // A frame that could not be decoded: advances the timeout clock.
    void frame_lost();

    const GseReassemblerStats& stats() const { return m_stats; }
    size_t open_reassemblies() const { return m_open; }

private:
    struct Reassembly {
        bool open = false;
        uint64_t started_at = 0;
        size_t expected = 0;           // 2 + Total_Length + 4
        size_t header_bytes = 0;       // Total_Length + Protocol_Type + transmitted label
        uint16_t protocol_type = 0;
        GseLabel label;
        std::vector<uint8_t> buf;      // Total_Length .. CRC, as covered by the CRC
    };
    void close(Reassembly& r);
    void expire();

    unsigned m_timeout;
    uint64_t m_clock = 0;
    size_t m_open = 0;
    std::array<Reassembly, 256> m_reasm;
    GseReassemblerStats m_stats;
};

} // namespace dualsat
