// SPDX-License-Identifier: GPL-3.0-or-later
// The DVB-S2 transmit frame engine (ETSI EN 302 307-1 §5): user data in, whole PLFRAMEs of
// symbols out, one call per PLFRAME. The frame format (MODCOD, frame size, pilots) may
// change on every frame (VCM/ACM).
//
//   BbFrameBuilder (framing layer): mode adaptation (TS: TsFramer, §5.1; GSE:
//   GseEncapsulator, TS 102 606-1) -> BbFrameTransform (optional hook; civil: none)
//   -> BB scrambling (§5.2.2) -> BCH (§5.3.1) -> LDPC (§5.3.2) -> bit interleaving (§5.3.3)
//   -> mapping (§5.4) -> PL framing (§5.5: PLHEADER, pilots, PL scrambling)
//
// The parts a protected profile replaces are objects handed in through TransmitterParts:
// the PLHEADER sequence, the PL scrambling sequence and the BBFRAME data-field transform.
// With the defaults the output is the standard's, bit-exact with gr-dtv's DVB-S2 chain
// (python/dualsat/qa_tx_conformance.py).
//
// Threading: set_next_format() and stats() may be called from any thread. Everything else
// (push_*, next_plframe, start/finish_plframe) belongs to one thread at a time, "the
// caller".
//
// Parallel encoding (TransmitterConfig::workers >= 2): everything stateful per frame
// happens in frame order on the caller's thread when a frame is started: the format in
// force, mode adaptation, the BbFrameTransform, the frame counter, the PLHEADER, and R_n
// (taken through PlScramblingSequence::fill() by the encoding thread when the sequence
// offers concurrent_fill(), else through rn() on the caller's thread and copied). The rest
// of the frame (BB scrambling, BCH, LDPC, bit interleaving, mapping + PL scrambling,
// pilots) is encoded by workers - 1 pool threads and by the caller while it waits, straight
// into the caller's output memory. Frames are finished strictly in the order they were
// started; at most max_frames_in_flight() are started and not finished. The output is
// byte-identical for any number of workers.
#pragma once

#include <dualsat/framing/bbframe.h>
#include <dualsat/framing/bbheader.h>
#include <dualsat/mapping/constellation.h>
#include <dualsat/framing/gse.h>
#include <dualsat/modcod/modcod.h>
#include <dualsat/pl/pl_framer.h>
#include <dualsat/pl/pl_scrambler.h>

#include <array>
#include <atomic>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace dualsat {

template <typename Slot>
class OrderedPool;
class BbScrambler;
class BchCodec;
class LdpcEncoder;
class BitInterleaver;
class Mapper;

enum class TxInputMode : uint8_t {
    TransportStream, // 188-byte MPEG-TS packets, sync byte 0x47 (MATYPE TS/GS = 11)
    Gse,             // network PDUs in GSE (MATYPE TS/GS = 01)
};

// What next_plframe() does when no user data is queued.
enum class IdlePolicy : uint8_t {
    // On air: never stop the carrier. A frame is always produced: a full data frame if
    // the queue fills one, else a data frame padded after what is queued (DFL < K_bch-80),
    // else (queue empty) a dummy PLFRAME (§5.5.1).
    Dummy,
    // Files and tests: data frames only. TS: only full frames (like gr-dtv's CCM chain);
    // GSE: a frame whenever a PDU is queued. Otherwise next_plframe() returns 0.
    Wait,
    // Protected profile (TRANSEC, constant rate): never stop, and never send a dummy
    // PLFRAME, which is recognisable (MODCOD 0, known payload, 3330 symbols). Like Dummy,
    // except that an empty queue gives a data frame of the format in force whose BBFRAME
    // carries no user data (DFL 0) and then goes through the BbFrameTransform: sealed, it
    // has the length, modulation, DFL and look of any other protected data frame. The
    // receiver opens it and delivers nothing (ReceiverStatus::fill_frames). Requires a
    // BbFrameTransform or a replaced (keyed) PL scrambling sequence, which hides the
    // empty field as well (ConfigError otherwise: in the clear, an empty frame is plain
    // to see).
    SealedFill,
};

struct TransmitterConfig {
    TxInputMode input = TxInputMode::TransportStream;
    FrameFormat format{ { Modulation::QPSK, CodeRate::R1_2 }, FrameSize::Normal, false };
    RollOff rolloff = RollOff::R020; // MATYPE RO (the pulse shaping is done elsewhere)
    bool ccm = true;                 // MATYPE CCM/ACM bit: false for ACM/VCM
    uint32_t gold_code = 0;          // PL scrambling code n (standard sequence only)
    IdlePolicy idle = IdlePolicy::Dummy;
    ApskScaling scaling = ApskScaling::UnitAverageEnergy;
    size_t ts_queue_packets = 1024;      // TS input queue capacity
    size_t gse_queue_bytes = 4u << 20;   // GSE PDU queue capacity
    // Threads encoding frames, the caller's included: 0 or 1 = the caller alone, when the
    // frame is started (no threads); n >= 2 = n - 1 pool threads plus the caller.
    // kAutoWorkers = min(2, hardware threads).
    static constexpr int kAutoWorkers = -1;
    int workers = kAutoWorkers;
    // Frames started and not yet finished, at most (the latency bound of the pipeline, in
    // PLFRAMEs); 0 = 2 * workers (1 without a pool).
    size_t max_frames_in_flight = 0;
    // Not DVB-S2: permute each LDPC codeword's bits (coding/codeword_interleaver.h) before
    // the standard bit interleaver, so that erased hop dwells become spread erasures. The
    // receiver must set FecReceiverOptions::codeword_interleaving too.
    bool codeword_interleaving = false;
    // The first PLFRAME's counter (PlFrameInfo::frame_counter). Keyed PL sequences that
    // never repeat are indexed by it, and a time base sets it so that the receiver can
    // predict it (protect/pl_time_index.h); 0 otherwise.
    uint64_t first_frame_counter = 0;
};

// Replaceable parts. Null members get the standard (civil) ones: StandardPlHeader,
// GoldScrambling(config.gold_code), no data-field transform.
struct TransmitterParts {
    std::shared_ptr<PlHeaderSequence> pl_header;
    std::shared_ptr<PlScramblingSequence> pl_scrambling;
    std::shared_ptr<BbFrameTransform> bbframe_transform;
};

// What one call of next_plframe() produced.
struct PlFrameInfo {
    FrameFormat format;        // of a data frame; for a dummy frame the format in force
    bool dummy = false;        // a dummy PLFRAME (MODCOD 0, no data)
    bool padded = false;       // data frame whose data field is shorter than K_bch - 80
                               // (carrying some user data)
    bool fill = false;         // IdlePolicy::SealedFill: data frame without user data
    uint64_t frame_counter = 0; // PLFRAME number (dummy frames count), as given to the
                                // PL sequences
    int symbols = 0;           // PLFRAME length, = the return value
    size_t dfl = 0;            // DFL of the BBHEADER sent (bits)
    size_t packets = 0;        // TS: user packets starting in the data field;
                               // GSE: PDUs whose last byte is in the data field
};

struct TransmitterStats {
    uint64_t frames = 0;        // PLFRAMEs, data and dummy
    uint64_t dummy_frames = 0;
    uint64_t padded_frames = 0; // data frames with DFL < K_bch - 80 - transform overhead
                                // (fill frames not included)
    uint64_t fill_frames = 0;   // IdlePolicy::SealedFill frames without user data
    uint64_t bytes_in = 0;      // TS bytes or PDU bytes accepted
    uint64_t ts_packets_in = 0; // TS packets queued
    uint64_t pdus_in = 0;       // PDUs queued
    uint64_t rejected_bytes = 0; // TS bytes skipped looking for 0x47
    uint64_t rejected_pdus = 0;  // malformed PDUs or queue full
    uint64_t format_changes = 0; // data frames whose format differs from the previous one
};

// The EtherType of an IP packet from its version nibble: 0x0800 (IPv4), 0x86DD (IPv6), or
// 0 when it is neither (or empty).
uint16_t ip_ethertype(const uint8_t* packet, size_t len);

class Transmitter
{
public:
    // Longest PLFRAME (normal QPSK with pilots): size output buffers with this.
    static constexpr int kMaxFrameSymbols = kMaxPlframeSymbols;

    // ConfigError for an undefined format, a bad Gold code, zero queue sizes, or
    // IdlePolicy::SealedFill with neither a BbFrameTransform nor a PL scrambling sequence.
    explicit Transmitter(const TransmitterConfig& config, TransmitterParts parts = {});
    ~Transmitter();
    Transmitter(const Transmitter&) = delete;
    Transmitter& operator=(const Transmitter&) = delete;

    const TransmitterConfig& config() const { return m_config; }

    // TS mode: takes bytes of a TS stream, any chunking. A packet must start with 0x47;
    // bytes that cannot start a packet are skipped and counted (resynchronisation).
    // Returns how many bytes were taken (fewer than len when the queue is full; offer the
    // rest later). ConfigError in GSE mode.
    size_t push_ts(const uint8_t* data, size_t len);
    // TS bytes still needed before the queue holds a full data field for the next frame
    // (0 if it does). A streaming caller offers about this much before each frame.
    size_t ts_bytes_needed() const;

    // GSE mode: queues one PDU (protocol_type an EtherType >= 0x0600). Invalid for an
    // empty or oversized PDU or a bad protocol type/label; both failures are counted.
    // ConfigError in TS mode.
    PushStatus push_pdu(const uint8_t* pdu, size_t len, uint16_t protocol_type,
                        const GseLabel& label = GseLabel::broadcast());

    // Format of the next and all following data frames. Thread-safe, takes effect at the
    // next PLFRAME. ConfigError for a format the standard does not define.
    void set_next_format(const FrameFormat& format);
    FrameFormat next_format() const;

    // Other PL sequences from the next PLFRAME started on (the caller's thread): the
    // protected profile's TRANSEC key change, hitless (frames already started keep the
    // sequences they were started with). Non-null, else ConfigError and nothing changed.
    void set_pl_sequences(std::shared_ptr<PlHeaderSequence> header,
                          std::shared_ptr<PlScramblingSequence> scrambling);

    // TransmitterConfig::first_frame_counter, set when the stream starts (a time base read
    // then, not at construction). Only before the first PLFRAME, else ConfigError.
    void set_first_frame_counter(uint64_t counter);

    // Whether next_plframe() would produce a data frame now.
    bool data_ready() const;

    // Writes one whole PLFRAME (data, fill or dummy) to out (room for kMaxFrameSymbols) and
    // returns its length, or 0 when the idle policy is Wait and no data frame is ready.
    // Allocation-free. Error when frames started by start_plframe() are not finished.
    size_t next_plframe(std::complex<float>* out, PlFrameInfo& info);

    // Pipelined production, for several frames in flight (see Threading above).
    // start_plframe() commits the next PLFRAME now: reads the format in force, does mode
    // adaptation and everything else stateful, and hands the encoding to the workers, who
    // write it to out[0 .. length). Returns its length, or 0 when no frame was started:
    // the idle policy is Wait and no data frame is ready, or the frame would not fit
    // `room` symbols (nothing is consumed then), or max_frames_in_flight() frames are in
    // flight. out must stay valid and untouched until the frame is finished (or the
    // transmitter destroyed: a frame being encoded then is completed, the others dropped).
    size_t start_plframe(std::complex<float>* out, size_t room);
    // Waits for the oldest started frame (the caller encodes queued frames meanwhile) and
    // returns its length and info; 0 when none is in flight. Frames whose encoding failed
    // (only a PlScramblingSequence::fill() can fail) throw Error here, in their turn.
    size_t finish_plframe(PlFrameInfo& info);
    size_t frames_in_flight() const;
    size_t max_frames_in_flight() const;
    // Threads encoding frames, the caller's included (1 = no pool).
    int workers() const;

    TransmitterStats stats() const;

private:
    struct Counters {
        std::atomic<uint64_t> frames{ 0 }, dummy_frames{ 0 }, padded_frames{ 0 },
            fill_frames{ 0 }, format_changes{ 0 };
    };
    static uint32_t encode_format(const FrameFormat& f);
    static FrameFormat decode_format(uint32_t v);
    size_t build_bbframe(const FrameFormat& f, uint64_t counter, uint8_t* frame,
                         PlFrameInfo& info);
    bool data_ready_for(const FrameFormat& f) const;

    size_t start_frame(std::complex<float>* out, size_t room, bool encode_here);
    // One frame's encoding state, in a slot of the pool.
    struct Slot;
    void encode(Slot& slot) const; // the heavy part, on any thread

    TransmitterConfig m_config;
    std::shared_ptr<PlHeaderSequence> m_pl_header;
    std::shared_ptr<PlScramblingSequence> m_pl_scrambling;
    bool m_fill_on_workers = false; // R_n through fill() on the encoding thread
    uint64_t m_frame_counter = 0;
    std::atomic<uint32_t> m_next_format;
    bool m_have_last_format = false;
    FrameFormat m_last_format;

    std::unique_ptr<BbFrameBuilder> m_bbframes; // input queues, mode adaptation, transform

    std::unique_ptr<BbScrambler> m_bb_scrambler;
    // Per (frame size, code rate) and per (frame size, MODCOD 1..28), built up front so
    // that a format change never allocates.
    std::array<std::array<std::unique_ptr<BchCodec>, kNumCodeRates>, 2> m_bch;
    std::array<std::array<std::unique_ptr<LdpcEncoder>, kNumCodeRates>, 2> m_ldpc;
    std::array<std::array<std::unique_ptr<BitInterleaver>, 29>, 2> m_interleaver;
    std::array<std::array<std::unique_ptr<Mapper>, 29>, 2> m_mapper;

    Counters m_stats;

    // The pipeline: started frames are the pool's jobs, encoded by workers - 1 threads
    // and by the caller waiting in finish_plframe(), finished in the order started.
    std::unique_ptr<OrderedPool<Slot>> m_pool;
};

} // namespace dualsat
