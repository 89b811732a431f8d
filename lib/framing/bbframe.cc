// SPDX-License-Identifier: GPL-3.0-or-later
//
// BBFRAME building and parsing: see dualsat/framing/bbframe.h.
#include <dualsat/framing/bbframe.h>

#include <dualsat/core/error.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace dualsat {
namespace {

void relaxed_add(std::atomic<uint64_t>& c, uint64_t v) { c.fetch_add(v, std::memory_order_relaxed); }

} // namespace

// ------------------------------------------------------------------------------ builder

BbFrameBuilder::BbFrameBuilder(const BbFrameBuilderConfig& config,
                               std::shared_ptr<BbFrameTransform> transform)
    : m_config(config), m_transform(std::move(transform))
{
    if (config.input == BbFrameInput::TransportStream) {
        if (config.ts_queue_packets == 0)
            throw ConfigError("BBFRAME builder: TS queue must hold at least one packet");
        // A full data field of any frame must fit, plus the packets split at its ends.
        const size_t min_packets = static_cast<size_t>(kMaxKbch) / 8 / kTsPacketBytes + 2;
        m_ts = std::make_unique<TsFramer>(std::max(config.ts_queue_packets, min_packets));
    } else {
        if (config.gse_queue_bytes == 0)
            throw ConfigError("BBFRAME builder: GSE queue must hold at least one byte");
        GseEncapsulator::Config gc;
        gc.max_queue_bytes = config.gse_queue_bytes;
        m_gse = std::make_unique<GseEncapsulator>(gc);
    }
}

BbFrameBuilder::~BbFrameBuilder() = default;

size_t BbFrameBuilder::overhead_bits(const FrameFormat& f) const
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

size_t BbFrameBuilder::push_ts(const uint8_t* data, size_t len)
{
    if (!m_ts)
        throw ConfigError("BbFrameBuilder::push_ts: the builder is in GSE mode");
    if (data == nullptr && len > 0)
        throw ConfigError("BbFrameBuilder::push_ts: null data");
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

size_t BbFrameBuilder::ts_bytes_needed(const FrameFormat& f) const
{
    if (!m_ts)
        return 0;
    const size_t field = (static_cast<size_t>(f.code().kbch) - overhead_bits(f)) / 8 - kBbHeaderBytes;
    const size_t queued = m_ts->queued_bytes();
    if (queued >= field)
        return 0;
    const size_t packets = (field - queued + kTsPacketBytes - 1) / kTsPacketBytes;
    return packets * kTsPacketBytes - m_partial_fill;
}

PushStatus BbFrameBuilder::push_pdu(const uint8_t* pdu, size_t len, uint16_t protocol_type,
                                    const GseLabel& label)
{
    if (!m_gse)
        throw ConfigError("BbFrameBuilder::push_pdu: the builder is in TS mode");
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

bool BbFrameBuilder::data_ready(const FrameFormat& f, bool allow_padding) const
{
    if (m_gse)
        return m_gse->queued_pdus() > 0;
    if (m_ts->can_fill(f.code().kbch - static_cast<int>(overhead_bits(f))))
        return true;
    return allow_padding && m_ts->queued_bytes() > 0;
}

BbFrameInfo BbFrameBuilder::build(const FrameFormat& f, uint64_t frame_counter, uint8_t* frame)
{
    if (frame == nullptr)
        throw ConfigError("BbFrameBuilder::build: null frame");
    BbFrameInfo info;
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
    // SYNCD points at the first UP starting in the field; every later one follows 188
    // bytes on (§5.1.6).
    if (m_ts && header.syncd != kSyncdNoPacketStart && dfl > 0)
        info.packets = 1 + (dfl / 8 - 1 - header.syncd / 8u) / kTsPacketBytes;
    info.padded = dfl + overhead < static_cast<size_t>(kbch) - kBbHeaderBits;
    if (m_transform) {
        const size_t field_bytes = static_cast<size_t>(kbch) / 8 - kBbHeaderBytes;
        m_transform->apply(f, frame_counter, header, frame + kBbHeaderBytes, field_bytes);
        if (header.dfl > field_bytes * 8)
            throw Error("BBFRAME transform produced DFL " + std::to_string(header.dfl) +
                        " beyond the data field of " + std::to_string(field_bytes * 8) + " bits");
        const auto bytes = encode_bbheader(header);
        std::memcpy(frame, bytes.data(), kBbHeaderBytes);
        dfl = header.dfl;
    }
    info.dfl = dfl;
    relaxed_add(m_stats.frames, 1);
    if (info.padded)
        relaxed_add(m_stats.padded_frames, 1);
    return info;
}

BbFrameBuilderStats BbFrameBuilder::stats() const
{
    const auto get = [](const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); };
    BbFrameBuilderStats s;
    s.frames = get(m_stats.frames);
    s.padded_frames = get(m_stats.padded_frames);
    s.bytes_in = get(m_stats.bytes_in);
    s.ts_packets_in = get(m_stats.ts_packets_in);
    s.pdus_in = get(m_stats.pdus_in);
    s.rejected_bytes = get(m_stats.rejected_bytes);
    s.rejected_pdus = get(m_stats.rejected_pdus);
    return s;
}

// ------------------------------------------------------------------------------- parser

BbFrameParser::BbFrameParser(const BbFrameParserConfig& config,
                             std::shared_ptr<BbFrameOpener> opener)
    : m_opener(std::move(opener)), m_ts(config.ts_crc_policy), m_gse(config.gse_timeout_frames)
{
}

void BbFrameParser::frame_lost()
{
    ++m_counters.frames_lost;
    // The stream type of a lost frame is unknown: both deframers see the gap.
    m_ts.frame_lost();
    m_gse.frame_lost();
}

BbFrameResult BbFrameParser::drop(BbFrameResult r)
{
    switch (r.status) {
    case BbFrameStatus::Ok:
        break;
    case BbFrameStatus::OpenFailed:
        ++m_counters.frames_open_failed;
        break;
    case BbFrameStatus::BadHeader:
        ++m_counters.frames_bad_header;
        break;
    case BbFrameStatus::UnsupportedStream:
        ++m_counters.frames_unsupported_stream;
        break;
    }
    m_ts.frame_lost();
    m_gse.frame_lost();
    return r;
}

BbFrameResult BbFrameParser::parse(uint8_t* frame, size_t len, const FrameFormat& format,
                                   uint64_t frame_counter, BbFrameSink& sink)
{
    ++m_counters.frames;
    BbFrameResult r;
    if (frame == nullptr)
        len = 0;
    if (m_opener && len > 0) {
        const size_t plain = m_opener->open(frame, len, format, frame_counter);
        if (plain <= kBbHeaderBytes || plain > len) {
            r.status = BbFrameStatus::OpenFailed;
            return drop(r);
        }
        len = plain;
    }

    // A frame must hold a header and a byte of data field, and be no longer than the
    // longest BBFRAME (normal 9/10, §5.3 Table 5a).
    BbHeader h;
    r.header = len <= kBbHeaderBytes                     ? BbHeaderStatus::TooShort
               : len > static_cast<size_t>(kMaxKbch) / 8 ? BbHeaderStatus::BadLength
                   : try_parse_bbheader(frame, len, h, (len - kBbHeaderBytes) * 8);
    if (r.header != BbHeaderStatus::Ok) {
        switch (r.header) {
        case BbHeaderStatus::BadCrc:
            ++m_counters.header_crc_errors;
            break;
        case BbHeaderStatus::ReservedStreamType:
        case BbHeaderStatus::ReservedRollOff:
            ++m_counters.header_reserved;
            break;
        default:
            ++m_counters.header_bad_length;
            break;
        }
        r.status = BbFrameStatus::BadHeader;
        return drop(r);
    }
    r.header_ok = true;
    r.stream_type = h.stream_type;
    r.empty = h.dfl == 0; // reported only for a frame deframed Ok (below)

    if (h.stream_type == StreamType::Transport) {
        deframe_ts(frame, len, r, sink);
    } else if (h.stream_type == StreamType::GenericContinuous && h.upl == 0) {
        // GSE (TS 102 606-1): generic continuous, UPL = 0.
        deframe_gse(frame + kBbHeaderBytes, h.dfl, r, sink);
    } else {
        r.status = BbFrameStatus::UnsupportedStream;
        return drop(r);
    }
    r.empty = r.empty && r.status == BbFrameStatus::Ok;
    return r;
}

void BbFrameParser::deframe_ts(const uint8_t* frame, size_t len, BbFrameResult& r,
                               BbFrameSink& sink)
{
    const TsDeframerStats before = m_ts.stats();
    m_ts_out.clear();
    // The TS deframer reads the header again for its own checks (UPL, SYNC, NPD, ISSYI,
    // SYNCD alignment) and marks its own gap on failure; the GSE reassembler is not told,
    // since the stream it follows did not lose a frame.
    const size_t n = m_ts.process(frame, static_cast<int>(len * 8), m_ts_out);
    const TsDeframerStats& after = m_ts.stats();
    if (after.frames_not_ts != before.frames_not_ts) {
        r.status = BbFrameStatus::UnsupportedStream; // e.g. UPL != 188 bytes, NPD
        ++m_counters.frames_unsupported_stream;
    } else if (after.frames_ok == before.frames_ok) {
        r.status = BbFrameStatus::BadHeader; // DFL/SYNCD rejected by the deframer
        r.header = BbHeaderStatus::BadLength;
        ++m_counters.frames_bad_header;
        ++m_counters.header_bad_length;
    } else {
        r.status = BbFrameStatus::Ok;
        ++m_counters.frames_ok;
    }
    r.packets = static_cast<uint32_t>(n);
    r.crc_failures = static_cast<uint32_t>(after.packets_crc_error - before.packets_crc_error);
    m_counters.ts_packets += n;
    m_counters.ts_crc_errors += r.crc_failures;
    if (n > 0)
        sink.ts_packets(m_ts_out.data(), n);
}

void BbFrameParser::deframe_gse(const uint8_t* field, size_t dfl, BbFrameResult& r,
                                BbFrameSink& sink)
{
    const uint64_t crc_before = m_gse.stats().crc_errors;
    m_pdus_out.clear();
    const size_t n = m_gse.process(field, dfl, m_pdus_out);
    r.status = BbFrameStatus::Ok;
    r.packets = static_cast<uint32_t>(n);
    r.crc_failures = static_cast<uint32_t>(m_gse.stats().crc_errors - crc_before);
    ++m_counters.frames_ok;
    m_counters.gse_pdus += n;
    m_counters.gse_crc_errors += r.crc_failures;
    for (size_t i = 0; i < n; ++i)
        sink.pdu(m_pdus_out[i]);
}

} // namespace dualsat
