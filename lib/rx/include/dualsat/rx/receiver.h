// SPDX-License-Identifier: GPL-3.0-or-later
// The complete civil DVB-S2 receiver: IQ samples at any rate of at least 2 samples per
// symbol in, TS packets / IP PDUs out.
//
//   RxFrontEnd      AGC -> [frequency correction] -> RRC matched filter + Gardner timing
//   SymbolReceiver  FrameSync -> CarrierRecovery -> PlDeframer          (1 sample/symbol)
//   FEC             FecReceiver on the calling thread, or a FecWorkerPool of N threads
//                   (frames decoded in parallel, delivered in order) -> BbFrameDeframer
//
// Large carrier offsets (automatic frequency correction, "AFC")
// ---------------------------------------------------------------
// The RRC matched filter is fixed; a carrier offset f (cycles/symbol) shifts the signal out
// of it: SNR loss 0.003 dB at f = 1 %, 0.08 dB at 5 %, 0.3-0.5 dB at 10 % (roll-off 0.35,
// Es/N0 3-15 dB; about twice that at roll-off 0.2) — computed from the RRC pulses (signal
// loss plus the ISI of the frequency-shifted pulse). The carrier recovery's estimate is
// therefore fed back to RxFrontEnd::set_frequency_correction(), which derotates before the
// matched filter.
//
// Design (why it cannot oscillate): the receiver undoes the front end's derotation after
// the matched filter. Each output symbol is rotated back by the derotator's phase at that
// symbol's strobe instant (RxFrontEnd reports the instants; the derotator's phase is a
// known piecewise-linear function of the input sample index, kept here). So the symbols
// the frame synchroniser and carrier recovery see ALWAYS carry the true, physical carrier
// offset, whatever the correction: changing it causes no frequency step in their input,
// their estimate is not a residual of a loop but a direct measurement of the total offset,
// and the correction is simply set to minus that measurement (no accumulation of
// residuals, no loop gain, no loop dynamics). The only effect of the correction is the one
// wanted: the signal is centred in the matched filter. Hysteresis keeps it still: it is
// changed only when the estimate differs from it by more than
//   afc_threshold = afc_margin_fraction × rolloff / 2   (cycles/symbol)
// (a fraction of the matched filter's excess band; 0.1 -> 1.75 % Rs at roll-off 0.35,
// where the loss is < 0.01 dB), and only from frames whose frequency estimate has settled
// (carrier recovery in its fine stage, or afc_min_frames frames into a lock: the
// acquisition estimate, averaged over the confirming headers, is good to ~1e-3). A change
// disturbs only the few symbols whose matched-filter window spans the instant of change.
// Large changes are made at most afc_max_step per frame (0.05 Rs by default: 10 % is
// reached in two frames) to keep that disturbance small.
// On loss of lock the correction is kept (the carrier is likely still there).
// Before lock (acquisition_afc): a SpectralCfoEstimator on the input samples measures the
// offset blindly while the frame synchroniser searches, and the correction is set to it
// once it is reliable (same hysteresis): the timing loop then works on a centred signal,
// which it needs below ~0 dB (see spectral_cfo.h). The estimator restarts at every lock.
//
// Lock and counters: ReceiverStatus is the receiver's whole state as the modem daemon's
// /status reports it (lock, MODCOD, Es/N0, CFO in Hz, FER, counters).
//
// Threading: a Receiver belongs to one thread at a time (its FEC pool has its own workers).
// With fec_threads >= 2, frames may still be decoding when process() returns; their output
// comes with a later process() call or with flush(). With frontend_thread, the front end
// (AGC, derotation, matched filter, timing, re-rotation, acquisition estimate) runs on a
// thread of its own, pipelined with the frame sync / carrier recovery / FEC on the
// calling thread: process() queues the input in chunks of 16k samples (when 24 chunks
// are in flight it first hands on the oldest one's symbols, waiting for them if need be)
// and hands on the symbols of the chunks already done; flush() waits for all of them. An AFC
// correction then takes effect at the front end's next block instead of at once — still
// phase-continuous and undone exactly, so nothing downstream changes but the sample index
// it starts at.
#pragma once

#include <dualsat/dsp/sample_kernels.h>
#include <dualsat/rx/fec_receiver.h>
#include <dualsat/rx/rx_frontend.h>
#include <dualsat/rx/spectral_cfo.h>
#include <dualsat/rx/symbol_receiver.h>

#include <chrono>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

namespace dualsat {

class FecWorkerPool;

// Replaceable parts (protected profile). Null members get the civil ones: StandardPlHeader,
// GoldScrambling(gold_code), no BBFRAME opener.
struct ReceiverParts {
    std::shared_ptr<PlHeaderSequence> pl_header;
    std::shared_ptr<PlScramblingSequence> pl_scrambling;
    std::shared_ptr<BbFrameOpener> bbframe_opener;
};

struct ReceiverConfig {
    double symbol_rate = 1.0;  // Hz (or any unit, the same as sample_rate)
    double sample_rate = 2.0;  // >= 2 · symbol_rate, need not be an integer multiple
    double rolloff = 0.35;     // matched filter (EN 302 307-1 §5.6: 0.35, 0.25, 0.20)
    uint32_t gold_code = 0;    // PL scrambling code n (standard sequence only)
    // Finer control of the stages (rates / roll-off above override the front end's).
    RxFrontEndConfig frontend;
    SymbolReceiverConfig symbols;
    FecReceiverOptions fec;
    // FEC threads: 0 or 1 decode on the calling thread; N >= 2 use a FecWorkerPool of N
    // workers with fec_queue_frames extra slots (output stays in frame order).
    unsigned fec_threads = 1;
    size_t fec_queue_frames = 2;
    // Automatic frequency correction (see the file comment).
    bool afc = true;
    double afc_margin_fraction = 0.1; // of rolloff / 2, (0, 1]
    double afc_max_step = 0.05;       // cycles/symbol per frame, (0, 0.5]
    int afc_min_frames = 1;           // frames into a lock before coarse estimates count
    bool acquisition_afc = true;      // blind spectral estimate while searching (needs afc)
    // Run the front end on its own thread (see the file comment): ~1.5x the throughput on
    // two cores (bench_receiver --part a).
    bool frontend_thread = false;
    // The front-end and FEC threads under SCHED_BATCH (dualsat/core/thread_scheduling.h),
    // and rx_cb's block thread: fewer context switches, and on two cores more of them busy
    // (docs/realtime.md, issue 14).
    bool batch_threads = true;
    // FER of ReceiverStatus::fer over the last fer_window data frames (>= 1).
    size_t fer_window = 1000;
    // Accumulate the time spent per stage (ReceiverStatus::stage_seconds); for benches.
    bool measure_stage_times = false;
    ReceiverParts parts;
};

// One data frame's result (dummy frames are counted, not reported).
struct ReceiverFrameStats {
    FecFrameStats fec;            // status, LDPC iterations, BCH corrections, packets, ...
    uint64_t start_symbol = 0;    // stream index (symbols) of its PLHEADER
    // This frame's Es/N0: the known symbols' estimate (header + pilots) combined by inverse
    // variance with the payload's (fec.payload_esn0: codeword-aided when decoded, else
    // blind; see esn0_estimator.h); for a pilotless QPSK / 8PSK frame that did not decode,
    // the payload's blind estimate on the symbols' moduli alone (fec.payload_esn0_moduli:
    // the known symbols' depends on a carrier the blind tracker may have lost).
    float esn0_db = 0.0f;
    float esn0_var_db2 = 0.0f;    // its variance, dB^2 (infinite without an estimate)
    float esn0_known_db = 0.0f;   // carrier recovery's estimate from the known symbols alone
    float esn0_known_var_db2 = 0.0f;
    double cfo = 0.0;             // carrier offset, cycles/symbol (total, physical)
    double cfo_hz = 0.0;          // cfo × symbol_rate
    bool header_confirmed = true; // false: a flywheel frame
    bool carrier_fine = false;
};

// A dummy (idle) PLFRAME received in lock: only its link measurement.
struct ReceiverDummyFrame {
    uint64_t start_symbol = 0;
    float esn0_db = 0.0f;
    float esn0_var_db2 = 0.0f;
};

// Appended to by process() / flush(); clear() between uses.
struct ReceiverOutput {
    FecOutput data;                         // TS packets (188 bytes each), GSE PDUs
    std::vector<ReceiverFrameStats> frames; // one per data frame, in order
    std::vector<ReceiverDummyFrame> dummy_frames; // confirmed dummy frames, in order
    void clear()
    {
        data.clear();
        frames.clear();
        dummy_frames.clear();
    }
};

struct ReceiverStageSeconds {
    double frontend = 0.0; // AGC, derotation, matched filter, timing recovery, re-rotation
    double sync = 0.0;     // frame sync, carrier recovery, PL descrambling, deframing
    double fec = 0.0;      // demap .. deframe (thread time summed over workers when pooled:
                           // wall time spent waiting for / running the FEC on this thread)
};

struct ReceiverStatus {
    // Lock
    bool locked = false;            // frame synchroniser locked
    bool timing_locked = false;     // the front end's timing lock detector
    SyncState sync_state = SyncState::Searching;
    // Last data frame
    bool format_valid = false;      // a data frame has been received
    FrameFormat format;             // its MODCOD, frame size, pilots
    float esn0_db = 0.0f;           // smoothed estimate
    double cfo = 0.0;               // carrier offset, cycles/symbol
    double cfo_hz = 0.0;            // × symbol_rate
    double frequency_correction_hz = 0.0; // applied before the matched filter
    double clock_offset_ppm = 0.0;  // symbol clock vs nominal (timing loop integrator)
    double fer = 0.0;               // failed / data frames over the last fer_window frames
    double fer_total = 0.0;         // over all data frames
    // Counters since construction / reset()
    uint64_t samples_in = 0;
    uint64_t nonfinite_samples = 0;     // NaN / inf input samples (replaced by the AGC)
    uint64_t symbols = 0;               // symbols out of the front end
    uint64_t acquisitions = 0;          // times lock was acquired (first + re-acquisitions)
    uint64_t reacquisitions = 0;        // acquisitions after a loss of lock
    uint64_t frequency_jumps = 0;       // re-acquisitions at a carrier offset that differs
                                        // from the one before the loss by > afc threshold
    uint64_t lock_losses = 0;
    uint64_t missed_headers = 0;        // flywheel frames in lock
    uint64_t false_detections = 0;     // search hypotheses that failed verification
    uint64_t frames = 0;                // data frames handed to the FEC
    uint64_t dummy_frames = 0;
    uint64_t frames_ok = 0;
    uint64_t fill_frames = 0;           // of frames_ok: no user data (DFL 0, e.g. sealed fill)
    uint64_t fec_failures = 0;          // LDPC + BCH could not correct the frame
    uint64_t bad_headers = 0;           // BBHEADER CRC / fields
    uint64_t open_failures = 0;         // rejected by the BbFrameOpener
    uint64_t bad_frames = 0;            // bad input (e.g. noise variance) or unsupported stream
    uint64_t ts_packets = 0;
    uint64_t ts_crc_errors = 0;
    uint64_t gse_pdus = 0;
    uint64_t gse_crc_errors = 0;
    uint64_t frequency_corrections = 0; // AFC changes
    uint64_t acquisition_frequency_corrections = 0; // of them from the blind pre-lock estimate
    uint64_t frames_in_flight = 0;      // submitted to the FEC pool, not yet delivered
    ReceiverStageSeconds stage_seconds; // when measure_stage_times
};

class Receiver
{
public:
    // ConfigError for bad rates, roll-off, AFC parameters, fer_window 0, a bad Gold code,
    // and whatever the stages reject.
    explicit Receiver(const ReceiverConfig& config);
    ~Receiver();
    Receiver(const Receiver&) = delete;
    Receiver& operator=(const Receiver&) = delete;

    // Takes all n samples; appends the frames completed so far to out. Never throws for
    // bad samples (NaN/inf are counted and replaced).
    void process(const std::complex<float>* in, size_t n, ReceiverOutput& out);
    // Waits for the frames still decoding in the FEC pool and appends them (no-op when
    // the FEC runs on the calling thread).
    void flush(ReceiverOutput& out);
    size_t frames_in_flight() const { return m_side.size(); }

    ReceiverStatus status() const;
    const ReceiverConfig& config() const { return m_cfg; }
    // cycles/symbol the front end currently derotates by (minus the corrected offset).
    double frequency_correction() const { return frontend_snapshot().frequency_correction; }
    double afc_threshold() const { return m_afc_threshold; }
    const SymbolReceiver& symbol_receiver() const { return m_symbols; }

    // Sees each data frame's symbols after carrier recovery (descrambled, no pilots, phase
    // corrected, unit symbol energy) with their format, on the thread calling process(),
    // before the FEC. For monitoring (the daemon's constellation): it must be quick and
    // must not block; the pointer is valid during the call only. Empty: none (default).
    using SymbolTap = std::function<void(const FrameFormat&, const std::complex<float>*, size_t)>;
    void set_symbol_tap(SymbolTap tap) { m_symbol_tap = std::move(tap); }

    // Other PL sequences from the next process() on: the protected profile's TRANSEC key
    // change. On the thread calling process(). The lock is dropped and the frame sync
    // searches again with the new sequences (a few frames at the far end's switch; the
    // frames already in the FEC are unaffected). Non-null, else ConfigError.
    void set_pl_sequences(std::shared_ptr<PlHeaderSequence> header,
                          std::shared_ptr<PlScramblingSequence> scrambling);

    // Keyed PL sequences that never repeat (keyed_pl.h): the transmitter's frame counter
    // predicted for the frame starting at symbol `at_symbol` of this receiver's stream,
    // frames every `frame_symbols` symbols (FrameSync::set_acquisition_counter_hint).
    // Before the first process() or on its thread.
    void set_acquisition_counter_hint(uint64_t counter, uint64_t at_symbol, int frame_symbols)
    {
        m_symbols.sync().set_acquisition_counter_hint(counter, at_symbol, frame_symbols);
    }

private:
    struct Pipeline; // the front-end thread (an OrderedPool) and what it shares
    struct Chunk;    // one job of that thread: input samples in, symbol blocks out
    // Derotator phase (rad) as a function of the input sample index: piecewise linear.
    struct PhaseSegment {
        double start_sample;
        double start_phase;
        double rad_per_sample;
    };
    struct SymbolBlock {
        std::vector<std::complex<float>> symbols; // not yet re-rotated
        std::vector<double> times;                // strobe instants (input samples)
        std::vector<PhaseSegment> new_segments;   // corrections since the previous block
    };
    // What status() reports of the front end (a copy the front-end thread keeps current).
    struct FrontEndSnapshot {
        uint64_t samples_in = 0;
        double frequency_correction = 0.0;
        bool timing_locked = false;
        double clock_offset = 0.0;
        uint64_t nonfinite = 0;
        uint64_t corrections = 0;
        uint64_t acquisition_corrections = 0;
        double seconds = 0.0;
    };
    struct SideInfo { // what travels with a frame through the FEC pool
        uint64_t start_symbol;
        float esn0_db;
        float esn0_var_db2;
        double cfo;
        bool header_confirmed;
        bool carrier_fine;
    };

    static ReceiverConfig checked(ReceiverConfig c);
    void rerotate(std::deque<PhaseSegment>& record, std::complex<float>* sym, const double* times,
                  size_t n);
    void set_correction(double cycles_per_symbol); // front-end side
    void request_correction(double cycles_per_symbol); // symbol side
    double current_correction() const;                  // symbol side: requested or applied
    void restart_acquisition_estimate();                // symbol side
    FrontEndSnapshot frontend_snapshot() const; // symbol side (the thread's copy, if any)
    FrontEndSnapshot read_frontend() const;     // front-end side
    // The front end over n samples; emit(symbols, strobe times, count) for each block.
    void run_frontend(const std::complex<float>* in, size_t n, bool searching,
                      const std::function<void(std::complex<float>*, const double*, size_t)>& emit);
    void frontend_chunk(Chunk& chunk); // on the front-end thread
    void stop_pipeline();
    bool take_chunk(ReceiverOutput& out, bool wait);
    void drain_pipeline(ReceiverOutput& out, bool wait_all);
    void consume_symbols(std::complex<float>* sym, size_t n, ReceiverOutput& out);
    void handle_frame(RxFrame& frame, ReceiverOutput& out);
    void afc_update(const RxFrame& frame);
    void deliver(DecodedBbFrame& decoded, const SideInfo& side, ReceiverOutput& out);
    void record(const FecFrameStats& stats, const SideInfo& side, ReceiverOutput& out);
    void drain_ready(ReceiverOutput& out, bool wait_all);

    ReceiverConfig m_cfg;
    double m_afc_threshold;
    RxFrontEnd m_frontend;
    SymbolReceiver m_symbols;
    SpectralCfoEstimator m_acq_cfo;
    std::unique_ptr<FecReceiver> m_fec;      // fec_threads <= 1
    std::unique_ptr<FecWorkerPool> m_pool;   // fec_threads >= 2
    std::unique_ptr<BbFrameDeframer> m_deframer; // with the pool
    std::deque<SideInfo> m_side;             // of the frames in the pool, in order

    std::vector<std::complex<float>> m_sym;
    std::vector<double> m_times;
    std::deque<PhaseSegment> m_phase;        // front-end side (inline: also re-rotates)
    std::vector<PhaseSegment> m_new_segments; // threaded: made since the last block
    std::deque<PhaseSegment> m_phase_rx;     // threaded: the symbol side's copy
    uint64_t m_samples_in = 0;
    RxFrame m_frame;
    RxFecFrame m_fec_frame;
    DecodedBbFrame m_decoded;

    // lock / AFC state
    uint64_t m_seen_acquisitions = 0;
    uint64_t m_frames_in_lock = 0;
    bool m_have_lock_cfo = false;
    double m_last_lock_cfo = 0.0;
    bool m_check_jump = false;
    uint64_t m_reacquisitions = 0;
    uint64_t m_frequency_jumps = 0;
    uint64_t m_corrections = 0;
    uint64_t m_acquisition_corrections = 0;
    double m_frontend_seconds = 0.0;        // front-end side (measure_stage_times)
    std::unique_ptr<Pipeline> m_pipe;       // with frontend_thread; last: stopped first

    // status
    bool m_format_valid = false;
    FrameFormat m_format;
    float m_esn0_db = 0.0f;
    double m_cfo = 0.0;
    uint64_t m_frames_total = 0, m_frames_failed_total = 0;
    std::vector<uint8_t> m_fer_ring; // 1 = failed
    size_t m_fer_pos = 0, m_fer_count = 0, m_fer_failed = 0;
    ReceiverStageSeconds m_stage;
    SymbolTap m_symbol_tap;
    kernels::RotateRampFn m_rotate_ramp; // rerotate's kernel (sample_kernels.h)
};

} // namespace dualsat
