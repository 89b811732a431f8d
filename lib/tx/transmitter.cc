// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/coding/codeword_interleaver.h>
#include <dualsat/tx/transmitter.h>

#include <dualsat/framing/bb_scrambler.h>
#include <dualsat/coding/bch.h>
#include <dualsat/coding/bit_interleaver.h>
#include <dualsat/core/error.h>
#include <dualsat/core/ordered_pool.h>
#include <dualsat/coding/ldpc_encoder.h>
#include <dualsat/mapping/mapper.h>
#include <dualsat/pl/plheader.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

namespace dualsat {
namespace {

constexpr size_t kMaxNldpcBytes = 64800 / 8;
constexpr size_t kMaxPayloadSymbols = kMaxPlframeSymbols - kPlHeaderSymbols;
constexpr int kMaxWorkers = 64;
constexpr size_t kMaxInFlight = 256;
// How long an idle thread polls before it sleeps on a condition variable. A frame takes
// tens of microseconds, so a worker that finished one usually finds the next within this
// time and a wake-up (a futex round trip, much longer on a loaded machine) is saved.
constexpr std::chrono::microseconds kSpinTime{ 50 };

int resolve_workers(int workers)
{
    if (workers == TransmitterConfig::kAutoWorkers) {
        const unsigned hw = std::thread::hardware_concurrency();
        return hw >= 2 ? 2 : 1;
    }
    if (workers < 0 || workers > kMaxWorkers)
        throw ConfigError("Transmitter: workers must be kAutoWorkers or 0.." +
                          std::to_string(kMaxWorkers) + ", not " + std::to_string(workers));
    return std::max(workers, 1);
}

size_t fs_index(FrameSize f) { return f == FrameSize::Normal ? 0 : 1; }
size_t rate_index(CodeRate r) { return static_cast<size_t>(r); }

void relaxed_add(std::atomic<uint64_t>& c, uint64_t v) { c.fetch_add(v, std::memory_order_relaxed); }

} // namespace

uint16_t ip_ethertype(const uint8_t* packet, size_t len)
{
    if (packet == nullptr || len == 0)
        return 0;
    switch (packet[0] >> 4) {
    case 4:
        return 0x0800;
    case 6:
        return 0x86DD;
    default:
        return 0;
    }
}

uint32_t Transmitter::encode_format(const FrameFormat& f)
{
    return static_cast<uint32_t>(f.modcod.mod) | static_cast<uint32_t>(f.modcod.rate) << 8 |
           static_cast<uint32_t>(f.frame) << 16 | (f.pilots ? 1u : 0u) << 24;
}

FrameFormat Transmitter::decode_format(uint32_t v)
{
    FrameFormat f;
    f.modcod.mod = static_cast<Modulation>(v & 0xFF);
    f.modcod.rate = static_cast<CodeRate>((v >> 8) & 0xFF);
    f.frame = static_cast<FrameSize>((v >> 16) & 0xFF);
    f.pilots = ((v >> 24) & 1) != 0;
    return f;
}

struct Transmitter::Slot {
    FrameFormat format;
    bool dummy = false;
    uint64_t counter = 0;
    std::complex<float>* out = nullptr;
    const uint8_t* rn = nullptr; // null: fill() on the encoding thread
    // The sequence that fills rn on the encoding thread: this frame's, also when the
    // sequences change (set_pl_sequences) while it waits for a worker.
    std::shared_ptr<PlScramblingSequence> scrambling;
    PlFrameInfo info;
    std::unique_ptr<uint8_t[]> codeword{ new uint8_t[kMaxNldpcBytes]() };    // BBFRAME -> LDPC, in place
    std::unique_ptr<uint8_t[]> interleaved{ new uint8_t[kMaxNldpcBytes]() }; // packed
    std::unique_ptr<uint8_t[]> rn_copy{ new uint8_t[kMaxPayloadSymbols]() }; // R_n of this frame
};

namespace {

// Checked before the parts are taken over (the PL scrambling slot is never null after).
const TransmitterConfig& checked_idle(const TransmitterConfig& config, const TransmitterParts& parts)
{
    if (config.idle == IdlePolicy::SealedFill && !parts.bbframe_transform && !parts.pl_scrambling)
        throw ConfigError("Transmitter: IdlePolicy::SealedFill needs a BbFrameTransform or a "
                          "keyed PL scrambling sequence (an empty frame in the clear is "
                          "recognisable)");
    return config;
}

} // namespace

Transmitter::Transmitter(const TransmitterConfig& config, TransmitterParts parts)
    : m_config(checked_idle(config, parts)),
      m_pl_header(pl_header_or_standard(std::move(parts.pl_header))),
      m_pl_scrambling(pl_scrambling_or_gold(std::move(parts.pl_scrambling), config.gold_code)),
      m_frame_counter(config.first_frame_counter), m_next_format(0)
{
    (void)pls_code(config.format); // ConfigError for a format outside Table 12 / 5b
    m_next_format.store(encode_format(config.format));
    BbFrameBuilderConfig bc;
    bc.input = config.input == TxInputMode::TransportStream ? BbFrameInput::TransportStream
                                                            : BbFrameInput::Gse;
    bc.ccm = config.ccm;
    bc.rolloff = config.rolloff;
    bc.ts_queue_packets = config.ts_queue_packets;
    bc.gse_queue_bytes = config.gse_queue_bytes;
    m_bbframes = std::make_unique<BbFrameBuilder>(bc, std::move(parts.bbframe_transform));
    m_bb_scrambler = std::make_unique<BbScrambler>();
    for (FrameSize fs : { FrameSize::Normal, FrameSize::Short }) {
        for (int r = 0; r < kNumCodeRates; ++r) {
            const auto rate = static_cast<CodeRate>(r);
            if (!code_exists(fs, rate))
                continue;
            m_bch[fs_index(fs)][rate_index(rate)] = std::make_unique<BchCodec>(fs, rate);
            m_ldpc[fs_index(fs)][rate_index(rate)] = std::make_unique<LdpcEncoder>(fs, rate);
        }
        for (int n = 1; n <= 28; ++n) {
            const ModCod mc = modcod_from_number(n);
            if (!code_exists(fs, mc.rate))
                continue;
            m_interleaver[fs_index(fs)][static_cast<size_t>(n)] =
                std::make_unique<BitInterleaver>(fs, mc.rate, mc.mod);
            m_mapper[fs_index(fs)][static_cast<size_t>(n)] =
                std::make_unique<Mapper>(mc, fs, config.scaling);
        }
    }
    // Fail at construction, not on the air, for an impossible transform overhead.
    (void)m_bbframes->overhead_bits(config.format);

    const int workers = resolve_workers(config.workers);
    size_t in_flight = config.max_frames_in_flight;
    if (in_flight == 0)
        in_flight = workers >= 2 ? 2 * static_cast<size_t>(workers) : 1;
    if (in_flight > kMaxInFlight)
        throw ConfigError("Transmitter: at most " + std::to_string(kMaxInFlight) +
                          " frames in flight");
    m_fill_on_workers = workers >= 2 && m_pl_scrambling->concurrent_fill();
    OrderedPoolOptions po;
    po.threads = static_cast<unsigned>(workers - 1);
    po.capacity = in_flight;
    po.caller_helps = true; // finish_plframe() encodes queued frames rather than wait
    po.spin = kSpinTime;
    po.name = "Transmitter";
    po.thread_name = "dualsat-txenc";
    po.batch_scheduling = true; // dualsat/core/thread_scheduling.h
    m_pool = std::make_unique<OrderedPool<Slot>>(po, [this](Slot& s, unsigned) { encode(s); });
}

// A frame being encoded is completed (its output memory must still be valid); frames not
// yet claimed are dropped.
Transmitter::~Transmitter() { m_pool->shutdown(); }

size_t Transmitter::frames_in_flight() const { return m_pool->in_flight(); }
size_t Transmitter::max_frames_in_flight() const { return m_pool->capacity(); }
int Transmitter::workers() const { return static_cast<int>(m_pool->threads()) + 1; }

void Transmitter::set_next_format(const FrameFormat& format)
{
    (void)pls_code(format); // throws ConfigError for an undefined format
    (void)m_bbframes->overhead_bits(format);
    m_next_format.store(encode_format(format), std::memory_order_release);
}

FrameFormat Transmitter::next_format() const
{
    return decode_format(m_next_format.load(std::memory_order_acquire));
}

// ------------------------------------------------------------------------------- input

size_t Transmitter::push_ts(const uint8_t* data, size_t len)
{
    if (m_config.input != TxInputMode::TransportStream)
        throw ConfigError("Transmitter::push_ts: the transmitter is in GSE mode");
    if (data == nullptr && len > 0)
        throw ConfigError("Transmitter::push_ts: null data");
    return m_bbframes->push_ts(data, len);
}

size_t Transmitter::ts_bytes_needed() const { return m_bbframes->ts_bytes_needed(next_format()); }

PushStatus Transmitter::push_pdu(const uint8_t* pdu, size_t len, uint16_t protocol_type,
                                 const GseLabel& label)
{
    if (m_config.input != TxInputMode::Gse)
        throw ConfigError("Transmitter::push_pdu: the transmitter is in TS mode");
    return m_bbframes->push_pdu(pdu, len, protocol_type, label);
}

// ------------------------------------------------------------------------------- frames

bool Transmitter::data_ready_for(const FrameFormat& f) const
{
    return m_bbframes->data_ready(f, m_config.idle != IdlePolicy::Wait);
}

bool Transmitter::data_ready() const { return data_ready_for(next_format()); }

// Mode adaptation (+ transform) into `frame` (K_bch / 8 bytes, unscrambled).
size_t Transmitter::build_bbframe(const FrameFormat& f, uint64_t counter, uint8_t* frame,
                                  PlFrameInfo& info)
{
    const BbFrameInfo built = m_bbframes->build(f, counter, frame);
    info.packets = built.packets;
    info.padded = built.padded;
    return built.dfl;
}

size_t Transmitter::next_plframe(std::complex<float>* out, PlFrameInfo& info)
{
    if (out == nullptr)
        throw ConfigError("Transmitter::next_plframe: null output");
    if (frames_in_flight() > 0)
        throw ConfigError("Transmitter::next_plframe: frames started by start_plframe() are "
                          "not finished");
    info = PlFrameInfo{};
    info.format = next_format();
    info.frame_counter = m_frame_counter;
    // Nothing else in flight: encoded here, no hand-over to a worker.
    if (start_frame(out, kMaxFrameSymbols, true) == 0)
        return 0;
    return finish_plframe(info);
}

size_t Transmitter::start_plframe(std::complex<float>* out, size_t room)
{
    return start_frame(out, room, m_pool->threads() == 0);
}

size_t Transmitter::start_frame(std::complex<float>* out, size_t room, bool encode_here)
{
    if (out == nullptr)
        throw ConfigError("Transmitter::start_plframe: null output");
    if (frames_in_flight() >= max_frames_in_flight())
        return 0;
    const FrameFormat f = next_format();
    const bool idle = !data_ready_for(f);
    if (idle && m_config.idle == IdlePolicy::Wait)
        return 0;
    // SealedFill: an idle frame is a data frame of f with an empty (then sealed) BBFRAME.
    const bool fill = idle && m_config.idle == IdlePolicy::SealedFill;
    const bool dummy = idle && !fill;
    const int length = dummy ? kDummyFrameSymbols : f.plframe_symbols();
    if (static_cast<size_t>(length) > room)
        return 0;

    // Everything stateful, in frame order, here on the caller's thread, into the frame's
    // slot. If it throws, nothing is started.
    const auto prepare = [&](Slot& s) {
        const uint64_t counter = m_frame_counter;
        s.info = PlFrameInfo{};
        s.info.format = f;
        s.info.frame_counter = counter;
        s.info.dummy = dummy;
        s.info.symbols = length;
        if (!dummy) // the transform, if any, sees this frame's counter
            s.info.dfl = build_bbframe(f, counter, s.codeword.get(), s.info);
        if (fill) {
            s.info.fill = true;
            s.info.padded = false;
        }
        m_pl_header->header_symbols(dummy ? dummy_pls_code() : pls_code(f), counter, out);
        const int payload_count = length - kPlHeaderSymbols;
        s.scrambling = m_pl_scrambling;
        if (m_fill_on_workers && !encode_here) {
            s.rn = nullptr;
        } else {
            s.rn = m_pl_scrambling->rn(counter, payload_count); // valid until the next call
            if (!encode_here) {
                std::memcpy(s.rn_copy.get(), s.rn, static_cast<size_t>(payload_count));
                s.rn = s.rn_copy.get();
            }
        }
        s.format = f;
        s.dummy = dummy;
        s.counter = counter;
        s.out = out;
        ++m_frame_counter;

        relaxed_add(m_stats.frames, 1);
        if (dummy) {
            relaxed_add(m_stats.dummy_frames, 1);
        } else {
            if (s.info.padded)
                relaxed_add(m_stats.padded_frames, 1);
            if (fill)
                relaxed_add(m_stats.fill_frames, 1);
            if (m_have_last_format && f != m_last_format)
                relaxed_add(m_stats.format_changes, 1);
            m_have_last_format = true;
            m_last_format = f;
        }
    };
    // encode_here: encoded on this thread before try_submit returns, so R_n from rn() is
    // used before the next call on the sequence. Room was checked above and this thread
    // is the pool's only producer and consumer, so the frame is always taken.
    if (!m_pool->try_submit(prepare, encode_here ? RunOn::Caller : RunOn::Pool))
        return 0;
    return static_cast<size_t>(length);
}

void Transmitter::set_first_frame_counter(uint64_t counter)
{
    if (m_frame_counter != m_config.first_frame_counter)
        throw ConfigError("transmitter: the first frame counter can only be set before the first frame");
    m_config.first_frame_counter = counter;
    m_frame_counter = counter;
}

void Transmitter::set_pl_sequences(std::shared_ptr<PlHeaderSequence> header,
                                   std::shared_ptr<PlScramblingSequence> scrambling)
{
    if (!header || !scrambling)
        throw ConfigError("Transmitter: set_pl_sequences needs both sequences");
    // fill() on a worker only if the new sequence allows it; rn() on this thread always works.
    if (!scrambling->concurrent_fill())
        m_fill_on_workers = false;
    m_pl_header = std::move(header);
    m_pl_scrambling = std::move(scrambling);
}

size_t Transmitter::finish_plframe(PlFrameInfo& info)
{
    // Waits for the oldest frame, encoding queued ones meanwhile. A failed encoding is
    // rethrown after info is set: this frame is lost; the next ones are not.
    size_t symbols = 0;
    if (!m_pool->pop([&](Slot& s) {
            info = s.info;
            symbols = static_cast<size_t>(s.info.symbols);
        }))
        return 0;
    return symbols;
}

// BB scrambling, BCH, LDPC, interleaving, mapping + PL scrambling, pilots: a function of
// the slot and of immutable tables only, so any thread may run it.
void Transmitter::encode(Slot& s) const
{
    std::complex<float>* payload = s.out + kPlHeaderSymbols;
    const FrameFormat& f = s.format;
    const int payload_count = (s.dummy ? kDummyFrameSymbols : f.plframe_symbols()) - kPlHeaderSymbols;
    const uint8_t* rn = s.rn ? s.rn : s.scrambling->fill(s.counter, payload_count, s.rn_copy.get());
    if (s.dummy) {
        write_scrambled_dummy_payload(rn, payload);
        return;
    }
    const size_t fi = fs_index(f.frame);
    const int number = modcod_number(f.modcod);
    const CodeParams& code = f.code();
    uint8_t* cw = s.codeword.get();
    m_bb_scrambler->apply_packed(cw, static_cast<size_t>(code.kbch) / 8);
    m_bch[fi][rate_index(f.modcod.rate)]->encode(cw, cw);
    m_ldpc[fi][rate_index(f.modcod.rate)]->encode(cw, cw);
    if (m_config.codeword_interleaving) {
        const size_t n_bytes = static_cast<size_t>(code.nldpc) / 8;
        CodewordInterleaver::instance().interleave(f.frame, cw, s.interleaved.get());
        std::memcpy(cw, s.interleaved.get(), n_bytes);
    }
    const BitInterleaver& il = *m_interleaver[fi][static_cast<size_t>(number)];
    const Mapper& mapper = *m_mapper[fi][static_cast<size_t>(number)];
    const uint8_t* bits = cw;
    if (!il.is_identity()) {
        il.interleave(cw, s.interleaved.get());
        bits = s.interleaved.get();
    }
    // Map and PL-scramble in one pass straight into the PLFRAME, 1440 symbols (16 slots)
    // between pilot blocks; every such run starts on a byte boundary (1440 * bits per
    // symbol is a multiple of 8).
    const int data_count = f.data_symbols();
    const size_t bps = static_cast<size_t>(mapper.bits_per_symbol());
    int in = 0, pos = 0;
    for (int block = 0; block < f.pilot_blocks(); ++block) {
        mapper.map_packed_scrambled(bits + static_cast<size_t>(in) * bps / 8, rn + pos, kPilotSpacing,
                                    payload + pos);
        in += kPilotSpacing;
        pos += kPilotPeriod;
    }
    mapper.map_packed_scrambled(bits + static_cast<size_t>(in) * bps / 8, rn + pos,
                                static_cast<size_t>(data_count - in), payload + pos);
    write_scrambled_pilots(f, rn, payload);
}

TransmitterStats Transmitter::stats() const
{
    TransmitterStats s;
    const auto get = [](const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); };
    s.frames = get(m_stats.frames);
    s.dummy_frames = get(m_stats.dummy_frames);
    s.padded_frames = get(m_stats.padded_frames);
    s.fill_frames = get(m_stats.fill_frames);
    const BbFrameBuilderStats in = m_bbframes->stats();
    s.bytes_in = in.bytes_in;
    s.ts_packets_in = in.ts_packets_in;
    s.pdus_in = in.pdus_in;
    s.rejected_bytes = in.rejected_bytes;
    s.rejected_pdus = in.rejected_pdus;
    s.format_changes = get(m_stats.format_changes);
    return s;
}

} // namespace dualsat
