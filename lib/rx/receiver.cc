// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/constants.h>
#include <dualsat/core/error.h>
#include <dualsat/core/ordered_pool.h>
#include <dualsat/rx/fec_worker_pool.h>
#include <dualsat/dsp/sample_kernels.h>
#include <dualsat/rx/receiver.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <string>

namespace dualsat {

namespace {

constexpr size_t kSymbolChunk = 8192; // front-end output per step

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

RxFrontEndConfig frontend_config(const ReceiverConfig& c)
{
    RxFrontEndConfig f = c.frontend;
    f.symbol_rate = c.symbol_rate;
    f.sample_rate = c.sample_rate;
    f.rolloff = c.rolloff;
    return f;
}

SymbolReceiverConfig symbol_config(const ReceiverConfig& c)
{
    SymbolReceiverConfig s = c.symbols;
    s.deliver_dummy_frames = true; // the AFC uses them; the FEC skips them
    return s;
}

} // namespace

// ---------------------------------------------------------------- front end

// The front end's own thread (ReceiverConfig::frontend_thread): an OrderedPool of one
// thread, so chunks of input are run one at a time in order; a chunk's result is the
// symbol blocks made of it. Everything the front end owns (RxFrontEnd, the derotator's
// phase record, the acquisition estimator) is touched by that thread only; the symbol
// side talks to it through `pending_correction` / `restart_acquisition` / `searching`
// and reads `snapshot`.
struct Receiver::Chunk {
    std::vector<std::complex<float>> input;
    std::vector<SymbolBlock> blocks; // the first `count` are this chunk's (buffers recycled)
    size_t count = 0;
};

struct Receiver::Pipeline {
    std::mutex mutex; // the next five
    bool has_pending_correction = false;
    double pending_correction = 0.0;
    bool restart_acquisition = false;
    FrontEndSnapshot snapshot;
    std::atomic<bool> searching{ true };
    // Symbol side only: the chunk being consumed, and the front end's failure (the
    // receiver is unusable after it).
    Chunk taken;
    std::exception_ptr error;
    std::unique_ptr<OrderedPool<Chunk>> pool; // last: stopped first
    // A chunk makes about one symbol block (kSymbolChunk symbols at 2 samples/symbol), so
    // the symbol side gets symbols as soon as a block is made, and the chunks in flight
    // (queued, being made, made but not consumed) stay within the memory and latency of
    // the queues before the pool (4 x 64k input samples + 8 symbol blocks).
    static constexpr size_t kChunkSamples = 2 * kSymbolChunk;
    static constexpr size_t kChunksInFlight = 24;
};

ReceiverConfig Receiver::checked(ReceiverConfig c)
{
    if (!(std::isfinite(c.symbol_rate) && c.symbol_rate > 0.0) ||
        !(std::isfinite(c.sample_rate) && c.sample_rate >= 2.0 * c.symbol_rate))
        throw ConfigError("receiver: need finite rates with sample_rate >= 2 x symbol_rate");
    if (!(std::isfinite(c.rolloff) && c.rolloff > 0.0 && c.rolloff <= 1.0))
        throw ConfigError("receiver: roll-off must be in (0, 1]");
    if (!(std::isfinite(c.afc_margin_fraction) && c.afc_margin_fraction > 0.0 &&
          c.afc_margin_fraction <= 1.0))
        throw ConfigError("receiver: afc_margin_fraction must be in (0, 1]");
    if (!(std::isfinite(c.afc_max_step) && c.afc_max_step > 0.0 && c.afc_max_step <= 0.5))
        throw ConfigError("receiver: afc_max_step must be in (0, 0.5] cycles/symbol");
    if (c.afc_min_frames < 0)
        throw ConfigError("receiver: afc_min_frames must be >= 0");
    if (c.fer_window == 0)
        throw ConfigError("receiver: fer_window must be >= 1");
    if (!c.parts.pl_scrambling && c.gold_code > GoldScrambling::kMaxCode)
        throw ConfigError("receiver: Gold code " + std::to_string(c.gold_code) +
                          " is outside 0..262141");
    return c;
}

Receiver::Receiver(const ReceiverConfig& config)
    : m_cfg(checked(config)),
      m_afc_threshold(m_cfg.afc_margin_fraction * m_cfg.rolloff / 2.0),
      m_frontend(frontend_config(m_cfg)),
      m_symbols(pl_header_or_standard(m_cfg.parts.pl_header),
                pl_scrambling_or_gold(m_cfg.parts.pl_scrambling, m_cfg.gold_code), symbol_config(m_cfg)),
      m_acq_cfo(m_frontend.input_sps()),
      m_sym(kSymbolChunk),
      m_times(kSymbolChunk),
      m_fer_ring(m_cfg.fer_window, 0),
      m_rotate_ramp(kernels::sample_kernels_for(active_simd_level()).table->rotate_ramp)
{
    if (m_cfg.fec_threads >= 2) {
        m_pool = std::make_unique<FecWorkerPool>(m_cfg.fec, m_cfg.fec_threads, m_cfg.fec_queue_frames,
                                                 m_cfg.batch_threads);
        m_deframer = std::make_unique<BbFrameDeframer>(m_cfg.fec, m_cfg.parts.bbframe_opener);
    } else {
        m_fec = std::make_unique<FecReceiver>(m_cfg.fec, m_cfg.parts.bbframe_opener);
    }
    m_phase.push_back({ 0.0, 0.0, 0.0 });
    m_phase_rx.push_back({ 0.0, 0.0, 0.0 });
    if (m_cfg.frontend_thread) {
        m_pipe = std::make_unique<Pipeline>();
        OrderedPoolOptions po;
        po.threads = 1;
        po.capacity = Pipeline::kChunksInFlight;
        po.name = "Receiver front end";
        po.thread_name = "dualsat-rxfe";
        po.batch_scheduling = m_cfg.batch_threads;
        m_pipe->pool = std::make_unique<OrderedPool<Chunk>>(
            po, [this](Chunk& chunk, unsigned) { frontend_chunk(chunk); });
    }
}

Receiver::~Receiver() { stop_pipeline(); }

void Receiver::set_correction(double cycles_per_symbol)
{
    // The derotator's phase is continuous: the new segment starts where the old one is at
    // the first sample the new frequency applies to (the next one the front end takes).
    const PhaseSegment& last = m_phase.back();
    const double s = static_cast<double>(m_samples_in);
    double phase = last.start_phase + last.rad_per_sample * (s - last.start_sample);
    phase = std::remainder(phase, kTwoPi);
    m_frontend.set_frequency_correction(cycles_per_symbol);
    m_phase.push_back({ s, phase, kTwoPi * cycles_per_symbol / m_frontend.input_sps() });
    if (m_pipe) {
        // Threaded: the symbol side re-rotates (its own copy of the record, fed with the
        // blocks); this side keeps only the newest segment.
        m_new_segments.push_back(m_phase.back());
        m_phase.erase(m_phase.begin(), m_phase.end() - 1);
    }
    ++m_corrections;
}

void Receiver::rerotate(std::deque<PhaseSegment>& record, std::complex<float>* sym,
                        const double* times, size_t n)
{
    if (record.size() == 1 && record.front().rad_per_sample == 0.0 &&
        record.front().start_phase == 0.0)
        return; // never corrected: nothing to undo
    for (size_t i = 0; i < n;) {
        // Strobe times increase: segments that end before this one are done with.
        while (record.size() > 1 && record[1].start_sample <= times[i])
            record.pop_front();
        const PhaseSegment& seg = record.front();
        size_t end = i + 1;
        if (record.size() == 1) {
            end = n;
        } else {
            const double next = record[1].start_sample;
            while (end < n && times[end] < next)
                ++end;
        }
        // One segment: the front end multiplied by e^{+j phase(t)}, phase linear in the
        // strobe time t; undo it, each symbol's phasor from its own time by the polynomial
        // unit_phasor_d (sample_kernels.h, vectorised). A polynomial per symbol in scalar
        // code was 15 % of the receiver's time at 30 Msym/s (issue 14), and a recursion
        // between exact anchors after it still 7 %, a dependency chain per symbol.
        m_rotate_ramp(sym + i, times + i, end - i, -seg.start_phase, -seg.rad_per_sample, seg.start_sample);
        i = end;
    }
}

Receiver::FrontEndSnapshot Receiver::frontend_snapshot() const
{
    if (m_pipe) {
        std::lock_guard<std::mutex> lock(m_pipe->mutex);
        return m_pipe->snapshot;
    }
    return read_frontend();
}

Receiver::FrontEndSnapshot Receiver::read_frontend() const
{
    FrontEndSnapshot f;
    f.samples_in = m_samples_in;
    f.frequency_correction = m_frontend.frequency_correction();
    f.timing_locked = m_frontend.locked();
    f.clock_offset = m_frontend.timing().clock_offset();
    f.nonfinite = m_frontend.nonfinite_count();
    f.corrections = m_corrections;
    f.acquisition_corrections = m_acquisition_corrections;
    f.seconds = m_frontend_seconds;
    return f;
}

void Receiver::run_frontend(const std::complex<float>* in, size_t n, bool searching,
                            const std::function<void(std::complex<float>*, const double*, size_t)>& emit)
{
    size_t pos = 0;
    while (pos < n) {
        const auto t0 = Clock::now();
        const StreamResult r =
            m_frontend.process(in + pos, n - pos, m_sym.data(), m_sym.size(), m_times.data());
        const bool acquisition_step = m_cfg.afc && m_cfg.acquisition_afc && searching &&
                                      m_acq_cfo.push(in + pos, r.consumed) && m_acq_cfo.reliable();
        // A correction applies from the next sample the front end takes.
        pos += r.consumed;
        m_samples_in += r.consumed;
        if (acquisition_step) {
            const double target = std::clamp(-m_acq_cfo.cfo(), -0.45, 0.45);
            if (std::abs(target - m_frontend.frequency_correction()) > m_afc_threshold) {
                set_correction(target);
                ++m_acquisition_corrections;
            }
        }
        if (!m_pipe) // threaded: the symbol side re-rotates, off this (busier) thread
            rerotate(m_phase, m_sym.data(), m_times.data(), r.produced);
        if (m_cfg.measure_stage_times)
            m_frontend_seconds += seconds_since(t0);
        if (r.produced > 0)
            emit(m_sym.data(), m_times.data(), r.produced);
        if (r.consumed == 0 && r.produced == 0)
            break; // cannot happen with a non-empty output buffer; never spin
    }
}

void Receiver::frontend_chunk(Chunk& chunk)
{
    Pipeline& p = *m_pipe;
    // With p.mutex held: a correction the symbol side asked for applies from the next
    // sample this thread takes.
    auto apply_pending_correction = [&] {
        if (p.has_pending_correction) {
            set_correction(p.pending_correction);
            p.has_pending_correction = false;
        }
    };
    {
        std::lock_guard<std::mutex> lock(p.mutex);
        if (p.restart_acquisition) {
            m_acq_cfo.reset();
            p.restart_acquisition = false;
        }
        apply_pending_correction();
    }
    chunk.count = 0;
    run_frontend(chunk.input.data(), chunk.input.size(), p.searching.load(std::memory_order_relaxed),
                 [&](std::complex<float>* sym, const double* times, size_t n) {
                     if (chunk.count == chunk.blocks.size())
                         chunk.blocks.emplace_back();
                     SymbolBlock& block = chunk.blocks[chunk.count++];
                     block.symbols.assign(sym, sym + n);
                     block.times.assign(times, times + n);
                     block.new_segments.swap(m_new_segments);
                     m_new_segments.clear();
                     std::lock_guard<std::mutex> lock(p.mutex);
                     apply_pending_correction();
                 });
    std::lock_guard<std::mutex> lock(p.mutex);
    p.snapshot = read_frontend();
}

void Receiver::stop_pipeline()
{
    // The chunk being made is finished, the queued ones dropped, the thread joined.
    if (m_pipe)
        m_pipe->pool->shutdown();
}

void Receiver::request_correction(double cycles_per_symbol)
{
    if (!m_pipe) {
        set_correction(cycles_per_symbol);
        return;
    }
    std::lock_guard<std::mutex> lock(m_pipe->mutex);
    m_pipe->has_pending_correction = true;
    m_pipe->pending_correction = cycles_per_symbol;
}

double Receiver::current_correction() const
{
    if (!m_pipe)
        return m_frontend.frequency_correction();
    std::lock_guard<std::mutex> lock(m_pipe->mutex);
    return m_pipe->has_pending_correction ? m_pipe->pending_correction
                                          : m_pipe->snapshot.frequency_correction;
}

void Receiver::restart_acquisition_estimate()
{
    if (!m_pipe) {
        m_acq_cfo.reset();
        return;
    }
    std::lock_guard<std::mutex> lock(m_pipe->mutex);
    m_pipe->restart_acquisition = true;
}

void Receiver::set_pl_sequences(std::shared_ptr<PlHeaderSequence> header,
                                std::shared_ptr<PlScramblingSequence> scrambling)
{
    m_symbols.set_sequences(header, scrambling);
    m_cfg.parts.pl_header = std::move(header);
    m_cfg.parts.pl_scrambling = std::move(scrambling);
}

void Receiver::consume_symbols(std::complex<float>* sym, size_t n, ReceiverOutput& out)
{
    m_symbols.push(sym, n);
    for (;;) {
        const auto t1 = Clock::now();
        const bool got = m_symbols.next_frame(&m_frame);
        if (m_cfg.measure_stage_times)
            m_stage.sync += seconds_since(t1);
        if (!got)
            break;
        handle_frame(m_frame, out);
    }
    if (m_pipe)
        m_pipe->searching.store(m_symbols.state() == SyncState::Searching, std::memory_order_relaxed);
}

// Hands the oldest chunk's symbol blocks to the symbol side, waiting for them with
// `wait`; false when there is none (ready). Rethrows the front end's exception.
bool Receiver::take_chunk(ReceiverOutput& out, bool wait)
{
    Pipeline& p = *m_pipe;
    if (p.error)
        std::rethrow_exception(p.error);
    const auto take = [&](Chunk& chunk) {
        p.taken.blocks.swap(chunk.blocks); // the slot gets the consumed buffers back
        p.taken.count = chunk.count;
        chunk.count = 0;
    };
    try {
        if (!(wait ? p.pool->pop(take) : p.pool->try_pop(take)))
            return false;
    } catch (...) {
        p.error = std::current_exception();
        throw;
    }
    for (size_t i = 0; i < p.taken.count; ++i) {
        SymbolBlock& block = p.taken.blocks[i];
        // Corrections made since the previous block apply from inside this one.
        m_phase_rx.insert(m_phase_rx.end(), block.new_segments.begin(), block.new_segments.end());
        rerotate(m_phase_rx, block.symbols.data(), block.times.data(), block.symbols.size());
        consume_symbols(block.symbols.data(), block.symbols.size(), out);
    }
    return true;
}

// Hands on the chunks done; with wait_all, all of them, waiting for the front end.
void Receiver::drain_pipeline(ReceiverOutput& out, bool wait_all)
{
    while (take_chunk(out, wait_all)) {
    }
}

void Receiver::process(const std::complex<float>* in, size_t n, ReceiverOutput& out)
{
    if (!m_pipe) {
        run_frontend(in, n, m_symbols.state() == SyncState::Searching,
                     [&](std::complex<float>* sym, const double*, size_t produced) {
                         consume_symbols(sym, produced, out);
                     });
    } else {
        Pipeline& p = *m_pipe;
        if (p.error)
            std::rethrow_exception(p.error);
        for (size_t pos = 0; pos < n;) {
            const size_t take = std::min(n - pos, Pipeline::kChunkSamples);
            const auto fill = [&](Chunk& chunk) { chunk.input.assign(in + pos, in + pos + take); };
            // Full: this thread is the only consumer, so it makes room itself by handing
            // on the oldest chunk (waiting for the front end to finish it).
            while (!p.pool->try_submit(fill))
                take_chunk(out, true);
            pos += take;
        }
        drain_pipeline(out, false);
    }
    if (m_pool)
        drain_ready(out, false);
}

void Receiver::flush(ReceiverOutput& out)
{
    if (m_pipe)
        drain_pipeline(out, true);
    if (m_pool)
        drain_ready(out, true);
}

void Receiver::afc_update(const RxFrame& frame)
{
    if (!m_cfg.afc || !frame.header_confirmed || !std::isfinite(frame.cfo))
        return;
    if (!frame.carrier_fine && m_frames_in_lock < static_cast<uint64_t>(m_cfg.afc_min_frames))
        return;
    const double current = current_correction();
    const double target = std::clamp(-frame.cfo, -0.45, 0.45);
    const double diff = target - current;
    if (std::abs(diff) <= m_afc_threshold)
        return;
    request_correction(current + std::clamp(diff, -m_cfg.afc_max_step, m_cfg.afc_max_step));
}

void Receiver::handle_frame(RxFrame& frame, ReceiverOutput& out)
{
    const uint64_t acq = m_symbols.sync_stats().acquisitions;
    if (acq != m_seen_acquisitions) {
        if (m_seen_acquisitions > 0) {
            ++m_reacquisitions;
            if (m_have_lock_cfo && std::abs(frame.cfo - m_last_lock_cfo) > m_afc_threshold)
                ++m_frequency_jumps;
        }
        m_seen_acquisitions = acq;
        m_frames_in_lock = 0;
        restart_acquisition_estimate(); // the next search measures afresh
    }
    ++m_frames_in_lock;
    m_cfo = frame.cfo;
    if (frame.header_confirmed) {
        // Flywheel frames (e.g. into a gap of noise) carry no evidence of the carrier.
        m_last_lock_cfo = frame.cfo;
        m_have_lock_cfo = true;
    }
    m_esn0_db = frame.esn0_db_smoothed;
    afc_update(frame);
    if (frame.dummy) {
        // Idle frames still measure the link (their payload is known): the ACM's reports
        // need an Es/N0 when the far end has nothing to send.
        if (frame.header_confirmed && std::isfinite(frame.esn0_db))
            out.dummy_frames.push_back({ frame.start, frame.esn0_db, frame.esn0_var_db2 });
        return;
    }

    m_format_valid = true;
    m_format = frame.format;
    if (m_symbol_tap)
        m_symbol_tap(frame.format, frame.data.data(), frame.data.size());
    const SideInfo side{ frame.start, frame.esn0_db, frame.esn0_var_db2, frame.cfo,
                         frame.header_confirmed, frame.carrier_fine };
    const auto t0 = Clock::now();
    if (m_fec) {
        record(m_fec->process(frame.format, frame.data.data(), frame.data.size(),
                              frame.noise_variance, frame.frame_counter, out.data),
               side, out);
    } else {
        // Make room first: a full pool frees a slot only when its oldest result is popped.
        while (m_pool->in_flight() >= m_pool->capacity()) {
            if (!m_pool->pop(m_decoded))
                break;
            deliver(m_decoded, m_side.front(), out);
            m_side.pop_front();
        }
        m_fec_frame.format = frame.format;
        m_fec_frame.symbols.swap(frame.data); // recycled buffers, no copy
        m_fec_frame.noise_variance = frame.noise_variance;
        m_fec_frame.frame_counter = frame.frame_counter;
        m_pool->submit(m_fec_frame);
        m_side.push_back(side);
        drain_ready(out, false);
    }
    if (m_cfg.measure_stage_times)
        m_stage.fec += seconds_since(t0);
}

void Receiver::deliver(DecodedBbFrame& decoded, const SideInfo& side, ReceiverOutput& out)
{
    record(m_deframer->process(decoded, out.data), side, out);
}

void Receiver::record(const FecFrameStats& s, const SideInfo& side, ReceiverOutput& out)
{
    ReceiverFrameStats rs;
    rs.fec = s;
    rs.start_symbol = side.start_symbol;
    rs.esn0_known_db = side.esn0_db;
    rs.esn0_known_var_db2 = side.esn0_var_db2;
    Esn0Measurement known;
    known.esn0_db = side.esn0_db;
    known.var_db2 = side.esn0_var_db2;
    // A pilotless QPSK / 8PSK frame that did not decode: its carrier came from the blind
    // (M-th power) tracker, which loses the frequency below its threshold, and the known
    // symbols' estimate then reads low by far more than its variance says (the rotation as
    // noise: QPSK 1/2 at -3 dB and 8PSK 3/5 at -3..3 dB read 2-6 dB low with 3-5 dB spread,
    // and pulled the combination 0.2-4 dB low). The payload's estimate on the moduli does
    // not depend on the carrier; the known symbols would add ~10 % of its information.
    // (Pilotless APSK keeps the combination: there the known symbols' estimate held, and at
    // low Es/N0 it carries most of the information.)
    const Modulation mod = s.format.modcod.mod;
    const bool blind_carrier = mod == Modulation::QPSK || mod == Modulation::PSK8;
    const Esn0Measurement best = s.payload_esn0_moduli && blind_carrier && s.payload_esn0.valid()
                                     ? s.payload_esn0
                                     : combine_esn0(known, s.payload_esn0);
    rs.esn0_db = best.valid() ? static_cast<float>(best.esn0_db) : side.esn0_db;
    rs.esn0_var_db2 = best.valid() ? static_cast<float>(best.var_db2) : side.esn0_var_db2;
    rs.cfo = side.cfo;
    rs.cfo_hz = side.cfo * m_cfg.symbol_rate;
    rs.header_confirmed = side.header_confirmed;
    rs.carrier_fine = side.carrier_fine;
    out.frames.push_back(rs);
    const bool failed = s.status != FecFrameStatus::Ok;
    ++m_frames_total;
    m_frames_failed_total += failed;
    m_fer_failed += failed;
    m_fer_failed -= m_fer_ring[m_fer_pos];
    m_fer_ring[m_fer_pos] = failed;
    m_fer_pos = (m_fer_pos + 1) % m_fer_ring.size();
    m_fer_count = std::min(m_fer_count + 1, m_fer_ring.size());
}

void Receiver::drain_ready(ReceiverOutput& out, bool wait_all)
{
    const auto t0 = Clock::now();
    while (!m_side.empty()) {
        const bool got = wait_all ? m_pool->pop(m_decoded) : m_pool->try_pop(m_decoded);
        if (!got)
            break;
        deliver(m_decoded, m_side.front(), out);
        m_side.pop_front();
    }
    if (m_cfg.measure_stage_times)
        m_stage.fec += seconds_since(t0);
}

ReceiverStatus Receiver::status() const
{
    ReceiverStatus s;
    const FrameSyncStats& sync = m_symbols.sync_stats();
    s.sync_state = m_symbols.state();
    s.locked = s.sync_state == SyncState::Locked;
    const FrontEndSnapshot fe = frontend_snapshot();
    s.timing_locked = fe.timing_locked;
    s.format_valid = m_format_valid;
    s.format = m_format;
    s.esn0_db = m_esn0_db;
    s.cfo = m_cfo;
    s.cfo_hz = m_cfo * m_cfg.symbol_rate;
    s.frequency_correction_hz = fe.frequency_correction * m_cfg.symbol_rate;
    s.clock_offset_ppm = fe.clock_offset * 1e6;
    s.fer = m_fer_count ? static_cast<double>(m_fer_failed) / static_cast<double>(m_fer_count) : 0.0;
    s.fer_total = m_frames_total ? static_cast<double>(m_frames_failed_total) /
                                       static_cast<double>(m_frames_total)
                                 : 0.0;
    s.samples_in = fe.samples_in;
    s.nonfinite_samples = fe.nonfinite;
    s.symbols = sync.symbols_in;
    s.acquisitions = sync.acquisitions;
    s.reacquisitions = m_reacquisitions;
    s.frequency_jumps = m_frequency_jumps;
    s.lock_losses = sync.lock_losses;
    s.missed_headers = sync.missed_headers;
    s.false_detections = sync.false_detections;
    s.dummy_frames = sync.dummy_frames;
    const FecReceiverCounters& c = m_fec ? m_fec->counters() : m_deframer->counters();
    s.frames = c.frames;
    s.frames_ok = c.frames_ok;
    s.fill_frames = c.frames_fill;
    s.fec_failures = c.frames_bch_failure;
    s.bad_headers = c.frames_bad_header;
    s.open_failures = c.frames_open_failed;
    s.bad_frames = c.frames_bad_input + c.frames_unsupported_stream;
    s.ts_packets = c.ts_packets;
    s.ts_crc_errors = c.ts_crc_errors;
    s.gse_pdus = c.gse_pdus;
    s.gse_crc_errors = c.gse_crc_errors;
    s.frequency_corrections = fe.corrections;
    s.acquisition_frequency_corrections = fe.acquisition_corrections;
    s.frames_in_flight = m_side.size();
    s.stage_seconds = m_stage;
    s.stage_seconds.frontend = fe.seconds;
    return s;
}

} // namespace dualsat
