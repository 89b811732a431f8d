// SPDX-License-Identifier: GPL-3.0-or-later
//
// Whole BBFRAMEs (ETSI EN 302 307-1 §5.1), both directions, for TS and GSE streams.
//
// BbFrameBuilder (transmit): queued user data -> one BBFRAME of K_bch bits, unscrambled:
//   mode adaptation (§5.1: TS via TsFramer, GSE via GseEncapsulator, TS 102 606-1)
//   -> BBHEADER (§5.1.6) + data field + zero padding (§5.2.1)
//   -> optional BbFrameTransform on the data field (protected profile; civil: none).
// What follows it (BB scrambling §5.2.2, BCH, LDPC, ...) is the transmitter's.
//
// BbFrameParser (receive): one BBFRAME after BCH decoding and BB descrambling
//   -> optional BbFrameOpener (the transform's inverse)
//   -> BBHEADER check (CRC-8 §5.1.4, reserved values, DFL/UPL/SYNCD against the frame)
//   -> TsDeframer (TS packets, sync bytes restored) or GseReassembler (PDUs)
//   -> a BbFrameSink callback.
// A frame that fails any check is counted and dropped, and both deframers are told of the
// gap so that no packet is stitched across it.
#pragma once

#include <dualsat/framing/bbheader.h>
#include <dualsat/framing/gse.h>
#include <dualsat/framing/ts_adaptation.h>
#include <dualsat/modcod/modcod.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace dualsat {

// ------------------------------------------------------------------------ transmit side

// A transformation of the BBFRAME data field between mode adaptation and BB scrambling,
// e.g. an AEAD seal that adds a nonce and a tag. Mode adaptation leaves room for it: the
// data field it fills is data_field_overhead_bits() shorter than K_bch - 80.
class BbFrameTransform
{
public:
    virtual ~BbFrameTransform() = default;

    // Bits the transform adds to the data field of a frame of this format; a multiple of
    // 8, smaller than K_bch - 80 - 8 (checked by BbFrameBuilder::overhead_bits():
    // ConfigError).
    virtual size_t data_field_overhead_bits(const FrameFormat& format) const = 0;

    // header: the BBHEADER as mode adaptation made it (DFL = payload bits, at most
    // K_bch - 80 - overhead). data_field: K_bch / 8 - 10 bytes, the payload in its first
    // DFL bits, zeros after. On return header describes the transformed field (DFL at
    // most K_bch - 80, SYNCD adjusted if the payload moved) and data_field holds it, zeros
    // after DFL. The builder then writes the header with a fresh CRC-8.
    // frame_counter is the PLFRAME counter this BBFRAME goes out in (dummy frames count).
    virtual void apply(const FrameFormat& format, uint64_t frame_counter, BbHeader& header,
                       uint8_t* data_field, size_t data_field_bytes) = 0;
};

// What the builder carries: MATYPE TS/GS = 11 or 01 (§5.1.6).
enum class BbFrameInput : uint8_t {
    TransportStream, // 188-byte MPEG-TS packets, sync byte 0x47
    Gse,             // network PDUs in GSE (generic continuous stream, UPL = 0)
};

enum class PushStatus : uint8_t { Accepted, QueueFull, Invalid };

struct BbFrameBuilderConfig {
    BbFrameInput input = BbFrameInput::TransportStream;
    bool ccm = true;                 // MATYPE CCM/ACM bit: false for ACM/VCM
    RollOff rolloff = RollOff::R020; // MATYPE RO
    // TS queue capacity in packets; raised to what a full data field of the largest frame
    // needs plus the packets split at its ends.
    size_t ts_queue_packets = 1024;
    size_t gse_queue_bytes = 4u << 20; // GSE PDU bytes that may wait
};

// One BBFRAME as built.
struct BbFrameInfo {
    size_t dfl = 0;      // DFL of the BBHEADER written (bits), after the transform
    size_t packets = 0;  // TS: user packets starting in the data field;
                         // GSE: PDUs whose last byte is in the data field
    bool padded = false; // DFL < K_bch - 80 - transform overhead: the queue ran short
};

struct BbFrameBuilderStats {
    uint64_t frames = 0;         // BBFRAMEs built
    uint64_t padded_frames = 0;  // of which padded (BbFrameInfo::padded)
    uint64_t bytes_in = 0;       // TS bytes or PDU bytes accepted
    uint64_t ts_packets_in = 0;  // TS packets queued
    uint64_t pdus_in = 0;        // PDUs queued
    uint64_t rejected_bytes = 0; // TS bytes skipped looking for 0x47
    uint64_t rejected_pdus = 0;  // malformed PDUs or queue full
};

// Queues user data and builds BBFRAMEs from it. stats() may be called from any thread;
// everything else belongs to one thread at a time. build() never allocates.
class BbFrameBuilder
{
public:
    // ConfigError for a zero queue size.
    explicit BbFrameBuilder(const BbFrameBuilderConfig& config,
                            std::shared_ptr<BbFrameTransform> transform = nullptr);
    ~BbFrameBuilder();
    BbFrameBuilder(const BbFrameBuilder&) = delete;
    BbFrameBuilder& operator=(const BbFrameBuilder&) = delete;

    const BbFrameBuilderConfig& config() const { return m_config; }

    // The transform's data-field overhead for this format (0 without a transform);
    // ConfigError when it is not whole bytes or leaves no byte for the payload.
    size_t overhead_bits(const FrameFormat& format) const;

    // TS: takes bytes of a TS stream, any chunking. A packet must start with 0x47; bytes
    // that cannot start a packet are skipped and counted (resynchronisation). Returns how
    // many bytes were taken (fewer than len when the queue is full). ConfigError in GSE
    // mode or for null data.
    size_t push_ts(const uint8_t* data, size_t len);
    // TS bytes still needed before the queue holds a full data field of a frame of this
    // format (0 if it does, or in GSE mode).
    size_t ts_bytes_needed(const FrameFormat& format) const;

    // GSE: queues one PDU (protocol_type an EtherType >= 0x0600). Invalid for an empty or
    // oversized PDU or a bad protocol type/label; both failures are counted. ConfigError
    // in TS mode.
    PushStatus push_pdu(const uint8_t* pdu, size_t len, uint16_t protocol_type,
                        const GseLabel& label = GseLabel::broadcast());

    // Whether build() would carry user data in a frame of this format. TS: a full data
    // field is queued, or, with allow_padding, any byte is. GSE: any PDU is queued (a GSE
    // frame is never held back to fill up).
    bool data_ready(const FrameFormat& format, bool allow_padding) const;

    // Builds the next BBFRAME of this format into frame (K_bch / 8 bytes, unscrambled):
    // BBHEADER, what the queue holds up to a full data field, zero padding, then the
    // transform (called with frame_counter). An empty queue gives DFL = 0 (before the
    // transform). Error when the transform returns a DFL beyond the data field.
    BbFrameInfo build(const FrameFormat& format, uint64_t frame_counter, uint8_t* frame);

    BbFrameBuilderStats stats() const;

private:
    struct Counters {
        std::atomic<uint64_t> frames{ 0 }, padded_frames{ 0 }, bytes_in{ 0 }, ts_packets_in{ 0 },
            pdus_in{ 0 }, rejected_bytes{ 0 }, rejected_pdus{ 0 };
    };

    BbFrameBuilderConfig m_config;
    std::shared_ptr<BbFrameTransform> m_transform;
    std::unique_ptr<TsFramer> m_ts;
    std::unique_ptr<GseEncapsulator> m_gse;
    std::array<uint8_t, kTsPacketBytes> m_partial{}; // TS packet assembled from chunks
    size_t m_partial_fill = 0;
    Counters m_stats;
};

// ------------------------------------------------------------------------- receive side

// Hook between BB descrambling and BBHEADER parsing: the inverse of the transmitter's
// BbFrameTransform (protected profile: AEAD open + replay check; civil profile: none,
// pass a null pointer). Called by the BbFrameParser in frame order on one thread, so a
// replay window needs no locking.
class BbFrameOpener
{
public:
    virtual ~BbFrameOpener() = default;
    // frame: the descrambled BBFRAME as decoded, len = K_bch / 8 bytes, modified in place.
    // Returns the length in bytes of the plain BBFRAME now at the start of the buffer
    // (BBHEADER first; 11 .. len), or 0 to reject the frame (counted as OpenFailed and
    // dropped).
    virtual size_t open(uint8_t* frame, size_t len, const FrameFormat& format,
                        uint64_t frame_counter) = 0;
};

// Where a BbFrameParser delivers what a frame carried, as soon as it is complete.
class BbFrameSink
{
public:
    virtual ~BbFrameSink() = default;
    // count whole 188-byte TS packets back to back, sync bytes (0x47) restored; a packet
    // whose CRC-8 failed has transport_error_indicator set (TsCrcErrorPolicy::FlagTei).
    virtual void ts_packets(const uint8_t* packets, size_t count) = 0;
    // One reassembled GSE PDU (an IP packet for protocol types 0x0800 / 0x86DD). The
    // view is valid during the call only.
    virtual void pdu(const GsePduView& pdu) = 0;
};

enum class BbFrameStatus : uint8_t {
    Ok,                // header good, data field deframed
    OpenFailed,        // the BbFrameOpener rejected the frame
    BadHeader,         // BBHEADER CRC-8 / reserved fields / DFL, UPL, SYNCD inconsistent
    UnsupportedStream, // good header, but not a TS (UPL 188 bytes, SYNC 0x47, no NPD/ISSYI)
                       // nor a GSE stream (generic continuous, UPL = 0)
};

// What one BbFrameParser::parse() found.
struct BbFrameResult {
    BbFrameStatus status = BbFrameStatus::BadHeader;
    // Why a BadHeader frame was refused. header_ok: the BBHEADER passed the CRC-8 and
    // field checks; the TS deframer may still refuse a DFL or SYNCD that is not on a byte
    // boundary (BadHeader with header_ok and BadLength).
    BbHeaderStatus header = BbHeaderStatus::Ok;
    bool header_ok = false;
    StreamType stream_type = StreamType::Transport; // valid when header_ok
    uint32_t packets = 0;      // TS packets or GSE PDUs delivered from this frame
    uint32_t crc_failures = 0; // TS CRC-8 or GSE CRC-32 failures in this frame
    bool empty = false;        // Ok with DFL 0: an idle frame carrying no user data (the
                               // protected profile's sealed fill, IdlePolicy::SealedFill)
};

struct BbFrameParserCounters {
    uint64_t frames = 0;             // parse() calls
    uint64_t frames_ok = 0;
    uint64_t frames_open_failed = 0;
    uint64_t frames_bad_header = 0;  // all header failures, of which:
    uint64_t header_crc_errors = 0;  //   BBHEADER CRC-8 mismatch
    uint64_t header_reserved = 0;    //   reserved TS/GS or RO value
    uint64_t header_bad_length = 0;  //   frame too short or too long, DFL beyond the data
                                     //   field, SYNCD outside it or not byte-aligned
    uint64_t frames_unsupported_stream = 0;
    uint64_t frames_lost = 0;        // frame_lost() calls
    uint64_t ts_packets = 0;         // delivered, TEI-flagged ones included
    uint64_t ts_crc_errors = 0;
    uint64_t gse_pdus = 0;
    uint64_t gse_crc_errors = 0;
    // Frames parse() refused (frame_lost() ones are not counted here).
    uint64_t frames_dropped() const
    {
        return frames_open_failed + frames_bad_header + frames_unsupported_stream;
    }
};

struct BbFrameParserConfig {
    TsCrcErrorPolicy ts_crc_policy = TsCrcErrorPolicy::FlagTei;
    unsigned gse_timeout_frames = 256; // see GseReassembler
};

// Descrambled BBFRAMEs in frame order -> TS packets / GSE PDUs. Stateful across frames
// (packets and PDUs span frames): one thread, frames in the order they were sent.
class BbFrameParser
{
public:
    explicit BbFrameParser(const BbFrameParserConfig& config = {},
                           std::shared_ptr<BbFrameOpener> opener = nullptr);

    // One BBFRAME of len bytes (K_bch / 8; modified in place by the opener). format and
    // frame_counter are passed to the opener only. Delivers what the frame completes to
    // sink and returns what happened; never throws for bad frame content.
    BbFrameResult parse(uint8_t* frame, size_t len, const FrameFormat& format,
                        uint64_t frame_counter, BbFrameSink& sink);
    // The frame at this position never arrived (FEC failure upstream): both deframers
    // drop what the gap interrupted.
    void frame_lost();

    const BbFrameParserCounters& counters() const { return m_counters; }
    const TsDeframerStats& ts_stats() const { return m_ts.stats(); }
    const GseReassemblerStats& gse_stats() const { return m_gse.stats(); }

private:
    BbFrameResult drop(BbFrameResult r);
    void deframe_ts(const uint8_t* frame, size_t len, BbFrameResult& r, BbFrameSink& sink);
    void deframe_gse(const uint8_t* field, size_t dfl, BbFrameResult& r, BbFrameSink& sink);

    std::shared_ptr<BbFrameOpener> m_opener;
    TsDeframer m_ts;
    GseReassembler m_gse;
    BbFrameParserCounters m_counters;
    // What one frame delivers, before it goes to the sink; reused (no allocation per
    // frame once warmed up).
    std::vector<uint8_t> m_ts_out;
    GsePduBatch m_pdus_out;
};

} // namespace dualsat
