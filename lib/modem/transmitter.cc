#include <dualsat/transmitter.h>

#include <dualsat/bb_scrambler.h>
#include <dualsat/bch.h>
#include <dualsat/bit_interleaver.h>
#include <dualsat/error.h>
#include <dualsat/ldpc_encoder.h>
#include <dualsat/mapper.h>
#include <dualsat/plheader.h>
#include <dualsat/ts_adaptation.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace dualsat {
namespace {

constexpr size_t kMaxNldpcBytes = 64800 / 8;

size_t fs_index(FrameSize f) { return f == FrameSize::Normal ? 0 : 1; }
size_t rate_index(CodeRate r) { return static_cast<size_t>(r); }

std::shared_ptr<PlHeaderSequence> header_or_standard(std::shared_ptr<PlHeaderSequence> h)
{
    return h ? std::move(h) : std::make_shared<StandardPlHeader>();
}

std::shared_ptr<PlScramblingSequence> scrambling_or_gold(std::shared_ptr<PlScramblingSequence> s,
                                                         uint32_t gold_code)
{
    return s ? std::move(s) : std::make_shared<GoldScrambling>(gold_code);
}

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

Transmitter::Transmitter(const TransmitterConfig& config, TransmitterParts parts)
    : m_config(config),
      m_transform(std::move(parts.bbframe_transform)),
      m_framer(header_or_standard(std::move(parts.pl_header)),
               scrambling_or_gold(std::move(parts.pl_scrambling), config.gold_code)),
      m_next_format(0)
{
    (void)pls_code(config.format); // ConfigError for a format outside Table 12 / 5b
    m_next_format.store(encode_format(config.format));
    if (config.input == TxInputMode::TransportStream) {
        if (config.ts_queue_packets == 0)
            throw ConfigError("Transmitter: TS queue must hold at least one packet");
        // A full data field of any frame must fit, plus the packets split at its ends.
        const size_t min_packets = static_cast<size_t>(kMaxKbch) / 8 / kTsPacketBytes + 2;
        m_ts = std::make_unique<TsFramer>(std::max(config.ts_queue_packets, min_packets));
    } else {
        if (config.gse_queue_bytes == 0)
            throw ConfigError("Transmitter: GSE queue must hold at least one byte");
        GseEncapsulator::Config gc;
        gc.max_queue_bytes = config.gse_queue_bytes;
        m_gse = std::make_unique<GseEncapsulator>(gc);
    }
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
    m_codeword.assign(kMaxNldpcBytes, 0);
    m_interleaved.assign(kMaxNldpcBytes, 0);
    if (m_transform) // fail at construction, not on the air, for an impossible overhead
        (void)overhead_bits(config.format);
}

Transmitter::~Transmitter() = default;

void Transmitter::set_next_format(const FrameFormat& format)
{
    (void)pls_code(format); // throws ConfigError for an undefined format
    if (m_transform)
        (void)overhead_bits(format);
    m_next_format.store(encode_format(format), std::memory_order_release);
}

FrameFormat Transmitter::next_format() const
{
    return decode_format(m_next_format.load(std::memory_order_acquire));
}

size_t Transmitter::overhead_bits(const FrameFormat& f) const
{
    if (!m_transform)
        return 0;
    const size_t bits = m_transform->data_field_overhead_bits(f);
    const size_t field = static_cast<size_t>(f.code().kbch) - kBbHeaderBits;
    if (bits % 8 != 0 || bits + 8 > field)
        throw ConfigError("BBFRAME transform overhead of " + std::to_string(bits) +
                          " bits does not fit a data field of " + std::to_string(field) +
                          " bits in whole bytes");
    return bits;
}

// ------------------------------------------------------------------------------- input

size_t Transmitter::push_ts(const uint8_t* data, size_t len)
{
    if (!m_ts)
        throw ConfigError("Transmitter::push_ts: the transmitter is in GSE mode");
    if (data == nullptr && len > 0)
        throw ConfigError("Transmitter::push_ts: null data");
    size_t taken = 0;
    uint64_t skipped = 0, packets = 0;
    while (taken < len) {
        if (m_partial_fill == 0) {
            if (data[taken] != kTsSyncByte) {
                // Not a packet start: resynchronise on the next 0x47.
                const uint8_t* next = static_cast<const uint8_t*>(
                    std::memchr(data + taken, kTsSyncByte, len - taken));
                const size_t skip = next ? static_cast<size_t>(next - (data + taken)) : len - taken;
                skipped += skip;
                taken += skip;
                continue;
            }
            if (m_ts->free_packets() == 0)
                break; // full: the caller offers the rest later
            if (len - taken >= kTsPacketBytes) {
                m_ts->push(data + taken); // whole packet straight from the caller's buffer
                taken += kTsPacketBytes;
                ++packets;
                continue;
            }
        }
        const size_t take = std::min(len - taken, kTsPacketBytes - m_partial_fill);
        std::memcpy(m_partial.data() + m_partial_fill, data + taken, take);
        m_partial_fill += take;
        taken += take;
        if (m_partial_fill == kTsPacketBytes) {
            m_ts->push(m_partial.data()); // room was checked when the packet started
            m_partial_fill = 0;
            ++packets;
        }
    }
    relaxed_add(m_stats.bytes_in, taken - skipped);
    relaxed_add(m_stats.rejected_bytes, skipped);
    relaxed_add(m_stats.ts_packets_in, packets);
    return taken;
}

size_t Transmitter::ts_bytes_needed() const
{
    if (!m_ts)
        return 0;
    const FrameFormat f = next_format();
    const size_t field = (static_cast<size_t>(f.code().kbch) - overhead_bits(f)) / 8 - kBbHeaderBytes;
    const size_t queued = m_ts->queued_bytes();
    if (queued >= field)
        return 0;
    const size_t packets = (field - queued + kTsPacketBytes - 1) / kTsPacketBytes;
    return packets * kTsPacketBytes - m_partial_fill;
}

PushStatus Transmitter::push_pdu(const uint8_t* pdu, size_t len, uint16_t protocol_type,
                                 const GseLabel& label)
{
    if (!m_gse)
        throw ConfigError("Transmitter::push_pdu: the transmitter is in TS mode");
    bool ok = false;
    try {
        ok = m_gse->push(pdu, len, protocol_type, label);
    } catch (const ConfigError&) {
        relaxed_add(m_stats.rejected_pdus, 1);
        return PushStatus::Invalid;
    }
    if (!ok) {
        relaxed_add(m_stats.rejected_pdus, 1);
        return PushStatus::QueueFull;
    }
    relaxed_add(m_stats.pdus_in, 1);
    relaxed_add(m_stats.bytes_in, len);
    return PushStatus::Accepted;
}

// ------------------------------------------------------------------------------- frames

bool Transmitter::data_ready_for(const FrameFormat& f) const
{
    if (m_gse)
        return m_gse->queued_pdus() > 0;
    if (m_ts->can_fill(f.code().kbch - static_cast<int>(overhead_bits(f))))
        return true;
    return m_config.idle == IdlePolicy::Dummy && m_ts->queued_bytes() > 0;
}

bool Transmitter::data_ready() const { return data_ready_for(next_format()); }

// Mode adaptation (+ transform) into `frame` (K_bch / 8 bytes, unscrambled).
size_t Transmitter::build_bbframe(const FrameFormat& f, uint8_t* frame, PlFrameInfo& info)
{
    const int kbch = f.code().kbch;
    const size_t overhead = overhead_bits(f);
    const int room = kbch - static_cast<int>(overhead); // mode adaptation's frame size
    size_t dfl;
    if (m_ts) {
        dfl = m_ts->build(room, m_config.ccm, m_config.rolloff, frame);
    } else {
        const GseEncapsulatorStats& s = m_gse->stats();
        const uint64_t before = s.pdus_complete + s.pdus_fragmented;
        dfl = m_gse->build(room, m_config.ccm, m_config.rolloff, frame);
        info.packets = static_cast<size_t>(s.pdus_complete + s.pdus_fragmented - before);
    }
    // The header is rewritten below only when a transform changed it; the room it left
    // is zero padding until then.
    if (overhead > 0)
        std::memset(frame + room / 8, 0, overhead / 8);
    BbHeader header;
    if (m_ts || m_transform)
        header = parse_bbheader(frame, kBbHeaderBytes); // our own header: CRC cannot fail
    if (m_ts && header.syncd != kSyncdNoPacketStart && dfl > 0)
        info.packets = 1 + (dfl / 8 - 1 - header.syncd / 8u) / kTsPacketBytes;
    info.padded = dfl + overhead < static_cast<size_t>(kbch) - kBbHeaderBits;
    if (m_transform) {
        const size_t field_bytes = static_cast<size_t>(kbch) / 8 - kBbHeaderBytes;
        m_transform->apply(f, m_framer.frame_counter(), header, frame + kBbHeaderBytes,
                           field_bytes);
        if (header.dfl > field_bytes * 8)
            throw Error("BBFRAME transform produced DFL " + std::to_string(header.dfl) +
                        " beyond the data field of " + std::to_string(field_bytes * 8) + " bits");
        const auto bytes = encode_bbheader(header);
        std::memcpy(frame, bytes.data(), kBbHeaderBytes);
        dfl = header.dfl;
    }
    return dfl;
}

size_t Transmitter::next_plframe(std::complex<float>* out, PlFrameInfo& info)
{
    if (out == nullptr)
        throw ConfigError("Transmitter::next_plframe: null output");
    const FrameFormat f = next_format();
    info = PlFrameInfo{};
    info.format = f;
    info.frame_counter = m_framer.frame_counter();

    if (!data_ready_for(f)) {
        if (m_config.idle == IdlePolicy::Wait)
            return 0;
        info.dummy = true;
        info.symbols = m_framer.dummy_frame(out);
        relaxed_add(m_stats.frames, 1);
        relaxed_add(m_stats.dummy_frames, 1);
        return static_cast<size_t>(info.symbols);
    }

    const size_t fi = fs_index(f.frame);
    const int number = modcod_number(f.modcod);
    const CodeParams& code = f.code();
    uint8_t* cw = m_codeword.data();

    info.dfl = build_bbframe(f, cw, info);
    m_bb_scrambler->apply_packed(cw, static_cast<size_t>(code.kbch) / 8);
    m_bch[fi][rate_index(f.modcod.rate)]->encode(cw, cw);
    m_ldpc[fi][rate_index(f.modcod.rate)]->encode(cw, cw);
    const BitInterleaver& il = *m_interleaver[fi][static_cast<size_t>(number)];
    const Mapper& mapper = *m_mapper[fi][static_cast<size_t>(number)];
    const uint8_t* bits = cw;
    if (!il.is_identity()) {
        il.interleave(cw, m_interleaved.data());
        bits = m_interleaved.data();
    }
    // Map and PL-scramble in one pass straight into the PLFRAME, 1440 symbols (16 slots)
    // between pilot blocks; every such run starts on a byte boundary (1440 * bits per
    // symbol is a multiple of 8).
    const uint8_t* rn = m_framer.payload_scrambling(f);
    std::complex<float>* payload = out + kPlHeaderSymbols;
    const int data_count = f.data_symbols();
    const size_t bps = static_cast<size_t>(mapper.bits_per_symbol());
    constexpr int kRun = kSlotsPerPilotBlock * kSlotSymbols;
    int in = 0, pos = 0;
    for (int block = 0; block < f.pilot_blocks(); ++block) {
        mapper.map_packed_scrambled(bits + static_cast<size_t>(in) * bps / 8, rn + pos, kRun,
                                    payload + pos);
        in += kRun;
        pos += kRun + kPilotBlockSymbols;
    }
    mapper.map_packed_scrambled(bits + static_cast<size_t>(in) * bps / 8, rn + pos,
                                static_cast<size_t>(data_count - in), payload + pos);
    info.symbols = m_framer.frame_prescrambled(f, out);

    relaxed_add(m_stats.frames, 1);
    if (info.padded)
        relaxed_add(m_stats.padded_frames, 1);
    if (m_have_last_format && f != m_last_format)
        relaxed_add(m_stats.format_changes, 1);
    m_have_last_format = true;
    m_last_format = f;
    return static_cast<size_t>(info.symbols);
}

TransmitterStats Transmitter::stats() const
{
    TransmitterStats s;
    const auto get = [](const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); };
    s.frames = get(m_stats.frames);
    s.dummy_frames = get(m_stats.dummy_frames);
    s.padded_frames = get(m_stats.padded_frames);
    s.bytes_in = get(m_stats.bytes_in);
    s.ts_packets_in = get(m_stats.ts_packets_in);
    s.pdus_in = get(m_stats.pdus_in);
    s.rejected_bytes = get(m_stats.rejected_bytes);
    s.rejected_pdus = get(m_stats.rejected_pdus);
    s.format_changes = get(m_stats.format_changes);
    return s;
}

} // namespace dualsat
