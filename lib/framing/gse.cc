// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/framing/gse.h>
#include <dualsat/framing/ts_adaptation.h> // kMaxKbch

#include <algorithm>
#include <cstring>
#include <string>

namespace dualsat {
namespace {

// Byte-at-a-time table for the MPEG-2 CRC-32, polynomial 0x04C11DB7, MSB first
// (TS 102 606-1 §4.2.2 / EN 300 468 Annex B).
struct Crc32Table {
    uint32_t t[256];
    Crc32Table()
    {
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i << 24;
            for (int b = 0; b < 8; ++b)
                c = (c & 0x80000000u) ? (c << 1) ^ 0x04C11DB7u : (c << 1);
            t[i] = c;
        }
    }
};
const Crc32Table kCrc32;

constexpr size_t kFixedHeader = 2; // S, E, LT, GSE_Length

void put16(uint8_t* p, uint32_t v)
{
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}

uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

// S, E, LT and GSE_Length into the first two bytes of a GSE packet.
void put_fixed_header(uint8_t* p, bool start, bool end, uint8_t lt, size_t gse_length)
{
    p[0] = static_cast<uint8_t>((start ? 0x80 : 0) | (end ? 0x40 : 0) | ((lt & 3) << 4) |
                                ((gse_length >> 8) & 0x0F));
    p[1] = static_cast<uint8_t>(gse_length);
}

size_t label_bytes(uint8_t lt)
{
    switch (lt) {
    case 0:
        return 6;
    case 1:
        return 3;
    default:
        return 0;
    }
}

} // namespace

uint32_t gse_crc32(const uint8_t* data, size_t len, uint32_t crc)
{
    for (size_t i = 0; i < len; ++i)
        crc = (crc << 8) ^ kCrc32.t[((crc >> 24) ^ data[i]) & 0xFF];
    return crc;
}

GseLabel GseLabel::six_byte(const std::array<uint8_t, 6>& mac)
{
    GseLabel l;
    l.type = GseLabelType::SixByte;
    l.bytes = mac;
    return l;
}

GseLabel GseLabel::three_byte(const std::array<uint8_t, 3>& label)
{
    GseLabel l;
    l.type = GseLabelType::ThreeByte;
    std::copy(label.begin(), label.end(), l.bytes.begin());
    return l;
}

size_t GseLabel::size() const { return label_bytes(static_cast<uint8_t>(type)); }

BbHeader gse_bbheader(size_t dfl_bits, bool ccm, RollOff rolloff)
{
    if (dfl_bits > static_cast<size_t>(kMaxKbch) - kBbHeaderBits)
        throw ConfigError("DFL " + std::to_string(dfl_bits) + " exceeds the largest BBFRAME");
    BbHeader h;
    h.stream_type = StreamType::GenericContinuous;
    h.single_stream = true;
    h.ccm = ccm;
    h.rolloff = rolloff;
    h.upl = 0;
    h.dfl = static_cast<uint16_t>(dfl_bits);
    h.sync = 0;
    h.syncd = 0;
    return h;
}

// ---------------------------------------------------------------- GseEncapsulator

GseEncapsulator::GseEncapsulator() : GseEncapsulator(Config{}) {}

GseEncapsulator::GseEncapsulator(const Config& config) : m_config(config) {}

bool GseEncapsulator::push(const uint8_t* pdu, size_t len, uint16_t protocol_type,
                           const GseLabel& label)
{
    if (pdu == nullptr || len == 0)
        throw ConfigError("GSE: empty PDU");
    if (protocol_type < kGseMinEtherType)
        throw ConfigError("GSE: protocol type " + std::to_string(protocol_type) +
                          " is not an EtherType (extension headers are not supported)");
    if (label.type == GseLabelType::ReUse)
        throw ConfigError("GSE: label re-use is an encoding chosen by the encapsulator");
    // Total_Length (16 bits) counts Protocol_Type + Label + PDU.
    if (len > 0xFFFF - 2 - label.size())
        throw ConfigError("GSE: PDU of " + std::to_string(len) + " bytes exceeds Total_Length");
    if (m_queued_bytes + len > m_config.max_queue_bytes) {
        ++m_stats.pdus_rejected_full;
        return false;
    }
    Pending p;
    if (!m_spare.empty()) {
        p.data = std::move(m_spare.back());
        m_spare.pop_back();
    }
    p.data.assign(pdu, pdu + len);
    p.protocol_type = protocol_type;
    p.label = label;
    m_queue.push_back(std::move(p));
    m_queued_bytes += len;
    ++m_stats.pdus_accepted;
    return true;
}

void GseEncapsulator::finish(Pending& p)
{
    m_queued_bytes -= p.data.size();
    if (m_spare.size() < 64)
        m_spare.push_back(std::move(p.data));
    m_queue.pop_front();
}

size_t GseEncapsulator::fill(size_t dfl_bits, uint8_t* out)
{
    if (dfl_bits % 8 != 0 || dfl_bits > static_cast<size_t>(kMaxKbch) - kBbHeaderBits)
        throw ConfigError("GSE data field of " + std::to_string(dfl_bits) +
                          " bits: must be whole bytes and fit a BBFRAME");
    if (out == nullptr && dfl_bits > 0)
        throw ConfigError("GseEncapsulator::fill: null data field");
    const size_t n = dfl_bits / 8;
    size_t pos = 0;
    // Label re-use is only used right after a packet that carried (or re-used) the same
    // label, so it never depends on how a receiver treats intervening fragments.
    bool prev_has_label = false;
    GseLabel prev_label;

    while (!m_queue.empty()) {
        Pending& p = m_queue.front();
        const size_t room = n - pos;
        uint8_t* w = out + pos;
        const size_t pdu_len = p.data.size();

        if (!p.started) {
            const bool reuse = m_config.label_reuse && prev_has_label && prev_label == p.label &&
                               p.label.type != GseLabelType::Broadcast;
            const uint8_t lt = reuse ? 3 : static_cast<uint8_t>(p.label.type);
            const size_t lbytes = reuse ? 0 : p.label.size();
            const size_t unit = 2 + lbytes + pdu_len; // Protocol_Type + Label + PDU

            if (unit <= kGseMaxLength && kFixedHeader + unit <= room) {
                put_fixed_header(w, true, true, lt, unit);
                put16(w + 2, p.protocol_type);
                std::memcpy(w + 4, p.label.bytes.data(), lbytes);
                std::memcpy(w + 4 + lbytes, p.data.data(), pdu_len);
                pos += kFixedHeader + unit;
                prev_has_label = true;
                prev_label = p.label;
                ++m_stats.pdus_complete;
                ++m_stats.gse_packets;
                finish(p);
                continue;
            }
            // First fragment: Frag_ID, Total_Length, Protocol_Type, Label, data.
            const size_t hdr = kFixedHeader + 1 + 2 + 2 + lbytes;
            if (room < hdr + 1)
                break;
            const size_t take = std::min({ pdu_len, room - hdr, kGseMaxLength - (hdr - 2) });
            p.frag_id = m_next_frag_id++;
            put_fixed_header(w, true, false, lt, hdr - kFixedHeader + take);
            w[2] = p.frag_id;
            put16(w + 3, static_cast<uint32_t>(unit)); // Total_Length
            put16(w + 5, p.protocol_type);
            std::memcpy(w + 7, p.label.bytes.data(), lbytes);
            std::memcpy(w + hdr, p.data.data(), take);
            // The CRC covers the reassembled unit starting at Total_Length.
            p.crc = gse_crc32(w + 3, 4 + lbytes);
            p.crc = gse_crc32(p.data.data(), pdu_len, p.crc);
            p.started = true;
            p.sent = take;
            pos += hdr + take;
            prev_has_label = true;
            prev_label = p.label;
            ++m_stats.gse_packets;
            continue;
        }

        // Continuation: Frag_ID, data, and the CRC-32 (whole) in the last fragment.
        const size_t remaining = pdu_len - p.sent;
        const size_t end_len = 1 + remaining + 4;
        if (end_len <= kGseMaxLength && kFixedHeader + end_len <= room) {
            put_fixed_header(w, false, true, 3, end_len);
            w[2] = p.frag_id;
            std::memcpy(w + 3, p.data.data() + p.sent, remaining);
            w[3 + remaining] = static_cast<uint8_t>(p.crc >> 24);
            w[4 + remaining] = static_cast<uint8_t>(p.crc >> 16);
            w[5 + remaining] = static_cast<uint8_t>(p.crc >> 8);
            w[6 + remaining] = static_cast<uint8_t>(p.crc);
            pos += kFixedHeader + end_len;
            prev_has_label = false;
            ++m_stats.pdus_fragmented;
            ++m_stats.gse_packets;
            finish(p);
            continue;
        }
        if (remaining == 0 || room < kFixedHeader + 1 + 1)
            break;
        const size_t take = std::min({ remaining, room - 3, kGseMaxLength - 1 });
        put_fixed_header(w, false, false, 3, 1 + take);
        w[2] = p.frag_id;
        std::memcpy(w + 3, p.data.data() + p.sent, take);
        p.sent += take;
        pos += 3 + take;
        prev_has_label = false;
        ++m_stats.gse_packets;
    }

    if (pos < n)
        std::memset(out + pos, 0, n - pos); // S=0 E=0 LT=00: padding to the end
    m_stats.padding_bytes += n - pos;
    ++m_stats.data_fields;
    return pos;
}

size_t GseEncapsulator::build(int kbch, bool ccm, RollOff rolloff, uint8_t* out)
{
    if (kbch < static_cast<int>(kBbHeaderBits) + 8 || kbch > kMaxKbch || kbch % 8 != 0)
        throw ConfigError("K_bch " + std::to_string(kbch) +
                          " is not a multiple of 8 in [88, 58192]");
    if (out == nullptr)
        throw ConfigError("GseEncapsulator::build: null output");
    const size_t field_bits = static_cast<size_t>(kbch) - kBbHeaderBits;
    const size_t used = fill(field_bits, out + kBbHeaderBytes);
    auto header = encode_bbheader(gse_bbheader(used * 8, ccm, rolloff));
    std::memcpy(out, header.data(), kBbHeaderBytes);
    return used * 8;
}

// ---------------------------------------------------------------- GsePduBatch

GsePduView GsePduBatch::operator[](size_t i) const
{
    const Entry& e = m_pdus.at(i);
    return GsePduView{ e.protocol_type, e.label, e.fragmented, m_bytes.data() + e.offset,
                       e.size };
}

void GsePduBatch::add(uint16_t protocol_type, const GseLabel& label, bool fragmented,
                      const uint8_t* data, size_t len)
{
    m_pdus.push_back(Entry{ protocol_type, label, fragmented, m_bytes.size(), len });
    m_bytes.insert(m_bytes.end(), data, data + len);
}

// ---------------------------------------------------------------- GseReassembler

GseReassembler::GseReassembler(unsigned timeout_frames) : m_timeout(timeout_frames)
{
    if (timeout_frames == 0)
        throw ConfigError("GSE reassembly timeout must be at least one frame");
}

void GseReassembler::close(Reassembly& r)
{
    if (r.open) {
        r.open = false;
        r.buf.clear(); // keeps the capacity for the next PDU on this Frag ID
        --m_open;
    }
}

void GseReassembler::expire()
{
    if (m_open == 0)
        return;
    for (auto& r : m_reasm)
        if (r.open && m_clock - r.started_at >= m_timeout) {
            ++m_stats.timeouts;
            close(r);
        }
}

void GseReassembler::frame_lost()
{
    ++m_stats.frames_lost;
    ++m_clock;
    expire();
}

size_t GseReassembler::process_bbframe(const uint8_t* frame, int kbch, GsePduBatch& out)
{
    if (kbch < static_cast<int>(kBbHeaderBits) + 8 || kbch > kMaxKbch || kbch % 8 != 0)
        throw ConfigError("K_bch " + std::to_string(kbch) +
                          " is not a multiple of 8 in [88, 58192]");
    if (frame == nullptr)
        throw ConfigError("GseReassembler::process_bbframe: null frame");
    BbHeader h;
    BbHeaderStatus st = try_parse_bbheader(frame, static_cast<size_t>(kbch) / 8, h,
                                           static_cast<size_t>(kbch) - kBbHeaderBits);
    if (st != BbHeaderStatus::Ok) {
        ++m_stats.frames_bad_header;
        ++m_clock;
        expire();
        return 0;
    }
    if (h.stream_type != StreamType::GenericContinuous) {
        ++m_stats.frames_not_gse;
        ++m_clock;
        expire();
        return 0;
    }
    return process(frame + kBbHeaderBytes, h.dfl, out);
}

size_t GseReassembler::process(const uint8_t* f, size_t dfl_bits, GsePduBatch& out)
{
    if (f == nullptr && dfl_bits > 0)
        throw ConfigError("GseReassembler::process: null data field");
    ++m_clock;
    ++m_stats.data_fields;
    expire();

    const size_t n = dfl_bits / 8;
    size_t pos = 0;
    size_t delivered = 0;
    bool have_label = false; // for LT=11: the label of the previous labelled packet
    GseLabel last_label;

    while (n - pos >= kFixedHeader) {
        const bool start = f[pos] & 0x80;
        const bool end = f[pos] & 0x40;
        const uint8_t lt = (f[pos] >> 4) & 3;
        const size_t gse_length = static_cast<size_t>((f[pos] & 0x0F) << 8) | f[pos + 1];
        if (!start && !end && lt == 0)
            break; // padding: nothing more in this data field
        const size_t pkt_end = pos + kFixedHeader + gse_length;
        if (pkt_end > n) {
            ++m_stats.malformed_packets; // runs past the data field
            break;
        }
        size_t p = pos + kFixedHeader;
        pos = pkt_end;

        if (!start) {
            // Intermediate or last fragment: Frag_ID then data.
            if (p + 1 > pkt_end) {
                ++m_stats.malformed_packets;
                continue;
            }
            Reassembly& r = m_reasm[f[p]];
            ++p;
            if (!r.open) {
                ++m_stats.orphan_fragments;
                continue;
            }
            const size_t len = pkt_end - p;
            if (r.buf.size() + len > r.expected) {
                ++m_stats.length_errors;
                close(r);
                continue;
            }
            r.buf.insert(r.buf.end(), f + p, f + pkt_end);
            if (!end)
                continue;
            if (r.buf.size() != r.expected) {
                ++m_stats.length_errors;
                close(r);
                continue;
            }
            const size_t body = r.expected - 4;
            const uint32_t rx_crc = (static_cast<uint32_t>(r.buf[body]) << 24) |
                                    (static_cast<uint32_t>(r.buf[body + 1]) << 16) |
                                    (static_cast<uint32_t>(r.buf[body + 2]) << 8) |
                                    r.buf[body + 3];
            if (gse_crc32(r.buf.data(), body) != rx_crc) {
                ++m_stats.crc_errors;
            } else {
                out.add(r.protocol_type, r.label, true, r.buf.data() + r.header_bytes,
                        body - r.header_bytes);
                ++m_stats.pdus_reassembled;
                ++delivered;
            }
            close(r);
            continue;
        }

        // S = 1: complete PDU or first fragment.
        int frag_id = -1;
        size_t total_length = 0;
        const uint8_t* total_field = nullptr;
        if (!end) {
            if (p + 3 > pkt_end) {
                ++m_stats.malformed_packets;
                continue;
            }
            frag_id = f[p];
            total_field = f + p + 1;
            total_length = get16(total_field);
            p += 3;
        }
        const size_t lbytes = label_bytes(lt);
        if (p + 2 + lbytes > pkt_end) {
            ++m_stats.malformed_packets;
            continue;
        }
        const uint16_t protocol_type = get16(f + p);
        GseLabel label;
        if (lt == 3) {
            if (!have_label) {
                ++m_stats.malformed_packets; // re-use with nothing to re-use
                continue;
            }
            label = last_label;
        } else {
            label.type = static_cast<GseLabelType>(lt);
            std::memcpy(label.bytes.data(), f + p + 2, lbytes);
        }
        last_label = label;
        have_label = true;
        const size_t data_at = p + 2 + lbytes;

        if (end) {
            if (data_at == pkt_end) {
                ++m_stats.malformed_packets; // no PDU bytes
                continue;
            }
            out.add(protocol_type, label, false, f + data_at, pkt_end - data_at);
            ++m_stats.pdus_complete;
            ++delivered;
            continue;
        }

        Reassembly& r = m_reasm[frag_id];
        if (r.open) {
            ++m_stats.aborted_reassemblies;
            close(r);
        }
        // Total_Length covers Protocol_Type + transmitted label + at least one PDU byte.
        if (total_length <= 2 + lbytes) {
            ++m_stats.malformed_packets;
            continue;
        }
        r.expected = 2 + total_length + 4;
        r.header_bytes = 2 + 2 + lbytes;
        if (2 + (pkt_end - p) > r.expected) {
            ++m_stats.length_errors;
            continue;
        }
        r.open = true;
        ++m_open;
        r.started_at = m_clock;
        r.protocol_type = protocol_type;
        r.label = label;
        r.buf.clear();
        r.buf.insert(r.buf.end(), total_field, total_field + 2);
        r.buf.insert(r.buf.end(), f + p, f + pkt_end);
    }
    return delivered;
}

} // namespace dualsat
