// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 receiver FEC core, frame by frame (ETSI EN 302 307-1 §5.1-§5.4 in reverse):
//
//   XFECFRAME symbols (frame-aligned, phase-corrected, PL-descrambled, pilots removed)
//     -> soft demapping to int8 LLRs       (SoftDemapper, max-log, SIMD)
//     -> soft bit deinterleaving           (BitInterleaver::deinterleave_soft)
//     -> LDPC decoding                     (LdpcDecoder, layered offset min-sum, SIMD)
//     -> BCH decoding                      (BchCodec)
//     -> BB descrambling                   (BbScrambler)          = a DecodedBbFrame
//     -> BbFrameParser (framing layer):
//          [BbFrameOpener: protected profile, e.g. AEAD open + replay check]
//          -> BBHEADER parse with CRC-8, MATYPE -> TsDeframer or GseReassembler
//     -> TS packets / GSE PDUs
//
// The MODCOD and frame size may change on every frame (VCM/ACM): decoders, demappers and
// interleavers are created lazily per code / MODCOD and cached, never re-built per frame.
//
// The chain is split in two stages so that frames can be decoded in parallel:
//   FecFrameDecoder  - everything up to the descrambled BBFRAME. Independent per frame,
//                      one object per thread (FecWorkerPool runs N of them).
//   BbFrameDeframer  - a BbFrameParser (opener, BBHEADER, TS/GSE deframing) and the
//                      cumulative counters. Stateful across frames: must see the frames
//                      in order, on one thread.
// FecReceiver is the two glued together for single-threaded use.
//
// Failures are never passed on as data: a frame with bad input, a BCH failure, a rejected
// opener or a bad BBHEADER is counted, dropped, and reported to the deframers as a lost
// frame (frame_lost()), so that no packet is stitched across the gap.
#pragma once

#include <dualsat/framing/bbframe.h>
#include <dualsat/framing/bbheader.h>
#include <dualsat/framing/gse.h>
#include <dualsat/coding/ldpc_decoder.h>
#include <dualsat/modcod/modcod.h>
#include <dualsat/mapping/soft_demapper.h>
#include <dualsat/framing/ts_adaptation.h>
#include <dualsat/rx/esn0_estimator.h>

#include <array>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dualsat {

// One received XFECFRAME as the frame synchroniser delivers it.
struct RxFecFrame {
    FrameFormat format;
    // format.data_symbols() data symbols: descrambled, pilots removed, scaled so that the
    // constellation has unit average energy (ApskScaling::UnitAverageEnergy).
    std::vector<std::complex<float>> symbols;
    // N0 = E|n|^2 on the same scale (= 1 / (Es/N0 linear)); see
    // noise_variance_from_esn0_db(). Not a positive finite number -> the frame is dropped.
    float noise_variance = 0.0f;
    // PL frame counter from the synchroniser (passed through to the stats and the opener).
    uint64_t frame_counter = 0;
};

enum class FecFrameStatus : uint8_t {
    Ok,                // decoded, header good, data field handed to the deframer
    BadInput,          // undefined format, wrong symbol count, bad noise variance
    BchFailure,        // LDPC + BCH could not correct the frame
    OpenFailed,        // the BbFrameOpener rejected the frame (authentication, replay)
    BadHeader,         // BBHEADER CRC-8 / reserved fields / DFL, SYNCD inconsistent
    UnsupportedStream, // good header, but a stream type this receiver does not deframe
};
std::string to_string(FecFrameStatus status);

struct FecFrameStats {
    uint64_t frame_counter = 0;
    FrameFormat format;
    FecFrameStatus status = FecFrameStatus::BadInput;
    int ldpc_iterations = 0;
    bool ldpc_converged = false;
    int bch_corrected = 0;         // bits corrected by BCH (0 on failure)
    bool bch_failure = false;
    bool bbheader_ok = false;
    StreamType stream_type = StreamType::Transport; // valid when bbheader_ok
    float esn0_db = 0.0f;          // from the noise variance given with the frame
    uint32_t erased_symbols = 0;   // NaN / infinite symbols, demapped as erasures
    uint32_t packets_out = 0;      // TS packets or GSE PDUs delivered from this frame
    uint32_t crc_failures = 0;     // TS CRC-8 or GSE CRC-32 failures in this frame
    // Es/N0 measured on the payload (FecReceiverOptions::payload_esn0; see esn0_estimator.h):
    // codeword-aided when BCH succeeded (payload_esn0_codeword), else the blind
    // maximum-likelihood estimate: on the symbols' moduli for a pilotless frame
    // (payload_esn0_moduli; its carrier may be lost), with their phase otherwise. Invalid
    // (variance +inf) when not measured.
    Esn0Measurement payload_esn0;
    bool payload_esn0_codeword = false;
    bool payload_esn0_moduli = false;
    bool fill = false;             // Ok, DFL 0: an idle frame without user data
};

// Totals over every frame that went through a BbFrameDeframer (or FecReceiver).
struct FecReceiverCounters {
    uint64_t frames = 0;
    uint64_t frames_ok = 0;
    uint64_t frames_fill = 0;               // of frames_ok: DFL 0 (idle fill, no user data)
    uint64_t frames_bad_input = 0;
    uint64_t frames_bch_failure = 0;
    uint64_t frames_open_failed = 0;
    uint64_t frames_bad_header = 0;
    uint64_t frames_unsupported_stream = 0;
    uint64_t frames_ldpc_not_converged = 0; // includes frames BCH then corrected
    uint64_t ldpc_iterations = 0;           // summed over decoded frames
    uint64_t bch_corrected_bits = 0;
    uint64_t erased_symbols = 0;
    uint64_t ts_packets = 0;                // emitted (incl. TEI-flagged ones)
    uint64_t ts_crc_errors = 0;
    uint64_t gse_pdus = 0;
    uint64_t gse_crc_errors = 0;
    uint64_t frames_dropped() const { return frames - frames_ok; }
};

// Output of the first stage: the descrambled BBFRAME (K_bch / 8 bytes, BBHEADER first),
// valid only when decoded_ok(). Reused across frames (no allocation once warmed up).
struct DecodedBbFrame {
    FecFrameStats stats;
    std::vector<uint8_t> bytes;
    bool decoded_ok() const
    {
        return stats.status == FecFrameStatus::Ok && !bytes.empty();
    }
};

// The LDPC options the receiver uses by default: the decoder's defaults with the check
// message cap lowered from 47 to 31 (7.75 LLR units at 4 steps per unit). Measured with
// dualsat-fer-sweep, 3000 short frames at Table 13 + 0.5 dB: cap 47 leaves an error floor
// of non-converging frames (8PSK 3/5: FER 7e-3, QPSK 3/5 1.3e-3, 32APSK 5/6 1.3e-3), 63 and
// 95 are far worse (2e-2 .. 1e-1), 39 still 1.3e-3 on 8PSK 3/5, 31 gave no error on any of
// them; on normal frames at the Table 13 Es/N0 it costs ~10% more iterations for the low
// rates and no frame (23 costs 60%).
inline LdpcDecoderOptions receiver_ldpc_defaults()
{
    LdpcDecoderOptions o;
    o.message_limit = 31;
    return o;
}

struct FecReceiverOptions {
    // int8 LLR steps per unit of true LLR (the demapper's LLR = distance difference / N0
    // is multiplied by this). The LDPC decoder's offset (2 steps) and message limit (47)
    // are tuned for 4 (see ldpc_decoder.h).
    float llr_steps_per_unit = 4.0f;
    DemapAlgorithm demap_algorithm = DemapAlgorithm::MaxLog;
    SimdLevel demap_simd = active_simd_level(); // clamped to the CPU
    LdpcDecoderOptions ldpc = receiver_ldpc_defaults(); // max_iterations 50
    // Offset min-sum offset per code rate (index = CodeRate), in int8 LLR steps, used
    // instead of ldpc.offset when per_rate_offset is set. Measured with our TX over AWGN
    // (normal frames, LLR scale 4, dualsat-fer-sweep): the low rates (check degree 4 and
    // 5) want a smaller correction than the rest. At the Table 13 Es/N0, QPSK 1/3 fails
    // every frame with offset 2 and none with 1; QPSK 3/5 the other way round (and QPSK
    // 1/4 at +0.2 dB: FER 0.95 with 2, 0 with 1); 2/5 and 1/2 also prefer 2.
    bool per_rate_offset = true;
    std::array<int8_t, kNumCodeRates> ldpc_offset_by_rate{ { 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2 } };
    TsCrcErrorPolicy ts_crc_policy = TsCrcErrorPolicy::FlagTei;
    unsigned gse_timeout_frames = 256;
    // Measure each frame's Es/N0 on its payload (FecFrameStats::payload_esn0): the decoded
    // codeword re-encoded and re-mapped (data-aided over every payload symbol), or, for a
    // frame that did not decode, the blind estimate (at most blind_esn0.max_symbols; on the
    // moduli only when the frame has no pilots).
    // Reads the symbols only: the LLRs and the decoding are the same either way.
    bool payload_esn0 = true;
    BlindEsn0Options blind_esn0;
    // Not DVB-S2: the transmitter permuted the codeword bits (TransmitterConfig::
    // codeword_interleaving, coding/codeword_interleaver.h); undone on the LLRs.
    bool codeword_interleaving = false;
};

// Stage 1: symbols -> descrambled BBFRAME. Not thread-safe; one per thread.
class FecFrameDecoder
{
public:
    explicit FecFrameDecoder(const FecReceiverOptions& options = {});
    ~FecFrameDecoder();
    FecFrameDecoder(const FecFrameDecoder&) = delete;
    FecFrameDecoder& operator=(const FecFrameDecoder&) = delete;

    // Decodes one frame into out (out.bytes resized to K_bch / 8). Never throws for bad
    // input: out.stats.status says what happened. Header fields of out.stats
    // (bbheader_ok, packets_out, ...) are left for the BbFrameDeframer.
    void decode(const FrameFormat& format, const std::complex<float>* symbols,
                size_t n_symbols, float noise_variance, uint64_t frame_counter,
                DecodedBbFrame& out);
    void decode(const RxFecFrame& frame, DecodedBbFrame& out)
    {
        decode(frame.format, frame.symbols.data(), frame.symbols.size(),
               frame.noise_variance, frame.frame_counter, out);
    }

    const FecReceiverOptions& options() const;
    // Changes the LDPC iteration cap of every cached and future decoder (>= 1).
    void set_max_iterations(int max_iterations);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// What a BbFrameDeframer / FecReceiver delivers. Appended to; clear() between uses.
struct FecOutput {
    std::vector<uint8_t> ts;   // whole 188-byte TS packets, sync bytes restored
    GsePduBatch pdus;          // reassembled GSE PDUs
    void clear()
    {
        ts.clear();
        pdus.clear();
    }
};

// Stage 2: decoded BBFRAMEs, in frame order -> TS packets / GSE PDUs and the counters.
class BbFrameDeframer
{
public:
    explicit BbFrameDeframer(const FecReceiverOptions& options = {},
                             std::shared_ptr<BbFrameOpener> opener = nullptr);

    // Completes frame.stats (header, packets, final status), counts it and appends what
    // it carried to out. frame.bytes may be modified (opener).
    const FecFrameStats& process(DecodedBbFrame& frame, FecOutput& out);

    const FecReceiverCounters& counters() const { return m_counters; }
    const TsDeframerStats& ts_stats() const { return m_parser.ts_stats(); }
    const GseReassemblerStats& gse_stats() const { return m_parser.gse_stats(); }

private:
    void count(const FecFrameStats& s);

    BbFrameParser m_parser;
    FecReceiverCounters m_counters;
};

// The whole receiver FEC chain on the calling thread.
class FecReceiver
{
public:
    explicit FecReceiver(const FecReceiverOptions& options = {},
                         std::shared_ptr<BbFrameOpener> opener = nullptr);

    // One frame: appends its TS packets / PDUs to out and returns its stats.
    FecFrameStats process(const FrameFormat& format, const std::complex<float>* symbols,
                          size_t n_symbols, float noise_variance, uint64_t frame_counter,
                          FecOutput& out);
    FecFrameStats process(const RxFecFrame& frame, FecOutput& out)
    {
        return process(frame.format, frame.symbols.data(), frame.symbols.size(),
                       frame.noise_variance, frame.frame_counter, out);
    }

    // BBFRAME entry point: stage 1 only (no opener, no deframing, not counted). The
    // returned frame stays valid until the next call.
    const DecodedBbFrame& decode_bbframe(const FrameFormat& format,
                                         const std::complex<float>* symbols, size_t n_symbols,
                                         float noise_variance, uint64_t frame_counter);

    const FecReceiverCounters& counters() const { return m_deframer.counters(); }
    const TsDeframerStats& ts_stats() const { return m_deframer.ts_stats(); }
    const GseReassemblerStats& gse_stats() const { return m_deframer.gse_stats(); }
    FecFrameDecoder& decoder() { return m_decoder; }

private:
    FecFrameDecoder m_decoder;
    BbFrameDeframer m_deframer;
    DecodedBbFrame m_frame;
};

} // namespace dualsat
