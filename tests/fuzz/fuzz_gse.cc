// SPDX-License-Identifier: GPL-3.0-or-later
//
// Fuzz target: GSE reassembly (ETSI TS 102 606-1) as the receiver runs it.
// Input, first byte even: a reassembly timeout, then a sequence of operations, each a
// control byte and its data: a raw data field (any length, trailing bits), a whole
// BBFRAME through process_bbframe (its BBHEADER CRC optionally made valid so the data
// field is reached), or a lost frame.
// Invariants: no crash or exception; what process() returns is what it appended; every
// delivered PDU is non-empty and no longer than the bytes received so far (a complete
// one no longer than its data field); labels are resolved (never ReUse); the open
// reassemblies stay within the 256 Frag IDs; the delivery counters add up.
//
// First byte odd: a round trip. The input is cut into PDUs (protocol type, label, data),
// GseEncapsulator packs them into BBFRAMEs of input-chosen sizes (fragmenting), and the
// reassembler must return exactly those PDUs, in order, with no error counted.

#include "fuzz_common.h"

#include <dualsat/core/error.h>
#include <dualsat/framing/bbheader.h>
#include <dualsat/framing/gse.h>
#include <dualsat/framing/ts_adaptation.h> // kMaxKbch

using namespace dualsat;

namespace {

struct Pdu {
    uint16_t protocol_type;
    GseLabel label;
    std::vector<uint8_t> data;
};

uint64_t delivered(const GseReassemblerStats& s) { return s.pdus_complete + s.pdus_reassembled; }

void check_new_pdus(const GsePduBatch& batch, size_t from, size_t n, size_t bytes_so_far,
                    size_t field_bytes)
{
    FUZZ_CHECK(batch.size() == from + n);
    for (size_t i = from; i < batch.size(); ++i) {
        const GsePduView v = batch[i];
        FUZZ_CHECK(v.size > 0 && v.data != nullptr);
        FUZZ_CHECK(v.size <= bytes_so_far);
        FUZZ_CHECK(v.fragmented || v.size <= field_bytes);
        FUZZ_CHECK(v.size <= 0xFFFF);
        FUZZ_CHECK(v.label.type != GseLabelType::ReUse);
        for (size_t k = v.label.size(); k < v.label.bytes.size(); ++k)
            FUZZ_CHECK(v.label.bytes[k] == 0);
    }
}

void raw_reassembly(fuzz::Input& in)
{
    GseReassembler r(1u + in.u8());
    GsePduBatch batch;
    size_t bytes_so_far = 0;
    for (int op = 0; op < 64 && !in.empty(); ++op) {
        const uint8_t ctrl = in.u8();
        const size_t before = batch.size();
        const GseReassemblerStats s0 = r.stats();
        size_t n = 0, field_bytes = 0;
        switch (ctrl & 3) {
        case 0:
            r.frame_lost();
            FUZZ_CHECK(r.stats().frames_lost == s0.frames_lost + 1);
            break;
        case 1: { // whole BBFRAME, K_bch a multiple of 8 in [88, kMaxKbch]
            const int kbch = 88 + 8 * (in.u16() % ((kMaxKbch - 88) / 8 + 1));
            std::vector<uint8_t> frame(static_cast<size_t>(kbch) / 8);
            const size_t take = std::min(frame.size(), in.remaining());
            std::memcpy(frame.data(), in.here(), take);
            in.skip(take);
            if (ctrl & 0x10) // valid CRC-8, so the header's fields decide
                frame[9] = crc8(frame.data(), 9);
            bytes_so_far += frame.size();
            field_bytes = frame.size() - kBbHeaderBytes;
            n = r.process_bbframe(frame.data(), kbch, batch);
            const GseReassemblerStats& s1 = r.stats();
            FUZZ_CHECK((s1.frames_bad_header - s0.frames_bad_header) +
                           (s1.frames_not_gse - s0.frames_not_gse) +
                           (s1.data_fields - s0.data_fields) ==
                       1);
            break;
        }
        default: { // raw data field of any bit length
            // Drawn before remaining() is read: as two arguments of one call their order
            // is unspecified, and remaining() read first counts the length's own bytes.
            const size_t wanted = in.u16() % 8192;
            const size_t len = std::min(wanted, in.remaining());
            const size_t extra_bits = (ctrl >> 5) & 7;
            // Exactly the whole bytes the call may read, so ASan sees any overread.
            std::vector<uint8_t> field(in.here(), in.here() + len);
            in.skip(len);
            bytes_so_far += len;
            field_bytes = len;
            n = r.process(len ? field.data() : nullptr, len * 8 + (len ? extra_bits : 0), batch);
            FUZZ_CHECK(r.stats().data_fields == s0.data_fields + 1);
            break;
        }
        }
        check_new_pdus(batch, before, n, bytes_so_far, field_bytes);
        FUZZ_CHECK(delivered(r.stats()) - delivered(s0) == n);
        FUZZ_CHECK(r.open_reassemblies() <= 256);
        if (batch.size() > 256)
            batch.clear();
    }
}

void round_trip(fuzz::Input& in)
{
    GseEncapsulator::Config cfg;
    cfg.label_reuse = in.flag();
    GseEncapsulator enc(cfg);
    std::vector<Pdu> sent;
    while (!in.empty() && sent.size() < 32) {
        Pdu p;
        const uint8_t lt = in.u8() % 3;
        p.protocol_type = static_cast<uint16_t>(kGseMinEtherType + in.u16() % (0x10000 - kGseMinEtherType));
        if (lt == 0) {
            std::array<uint8_t, 6> mac;
            for (auto& b : mac)
                b = in.u8();
            p.label = GseLabel::six_byte(mac);
        } else if (lt == 1) {
            std::array<uint8_t, 3> l{ { in.u8(), in.u8(), in.u8() } };
            p.label = GseLabel::three_byte(l);
        }
        const size_t len = 1 + in.u16() % 3000;
        p.data = in.bytes(len);
        if (p.data.empty())
            p.data.push_back(0);
        try {
            FUZZ_CHECK(enc.push(p.data.data(), p.data.size(), p.protocol_type, p.label));
        } catch (const std::exception& e) {
            fuzz::fail_exception("GseEncapsulator::push of a valid PDU", e);
        }
        sent.push_back(std::move(p));
    }
    if (sent.empty())
        return;

    // Frame sizes cycle through a few chosen from the first PDU's bytes: small (a data
    // field of 32.. bytes, much fragmentation) up to the largest K_bch.
    std::vector<int> sizes;
    for (size_t i = 0; i < 4; ++i) {
        const uint8_t b = sent[0].data[i % sent[0].data.size()] ^ static_cast<uint8_t>(i * 77);
        sizes.push_back(b & 0x80 ? 88 + 8 * (32 + (b & 0x7F) * 4) : kMaxKbch - 8 * (b & 0x7F) * 50);
    }

    GseReassembler rx; // 256-frame timeout: each PDU here spans at most ~100 frames
    GsePduBatch batch;
    std::vector<uint8_t> frame;
    for (size_t f = 0; enc.queued_pdus() > 0; ++f) {
        FUZZ_CHECK(f < 10000);
        const int kbch = sizes[f % sizes.size()];
        frame.assign(static_cast<size_t>(kbch) / 8, 0xAA);
        size_t dfl;
        try {
            dfl = enc.build(kbch, true, RollOff::R020, frame.data());
        } catch (const std::exception& e) {
            fuzz::fail_exception("GseEncapsulator::build", e);
        }
        FUZZ_CHECK(dfl % 8 == 0 && dfl <= static_cast<size_t>(kbch) - kBbHeaderBits);
        BbHeader h;
        FUZZ_CHECK(try_parse_bbheader(frame.data(), frame.size(), h, kbch - kBbHeaderBits) ==
                   BbHeaderStatus::Ok);
        FUZZ_CHECK(h.stream_type == StreamType::GenericContinuous && h.dfl == dfl && h.upl == 0);
        rx.process_bbframe(frame.data(), kbch, batch);
    }
    const GseReassemblerStats& s = rx.stats();
    FUZZ_CHECK(s.malformed_packets == 0 && s.crc_errors == 0 && s.length_errors == 0 &&
               s.orphan_fragments == 0 && s.aborted_reassemblies == 0 && s.timeouts == 0 &&
               s.frames_bad_header == 0);
    FUZZ_CHECK(batch.size() == sent.size());
    for (size_t i = 0; i < sent.size(); ++i) {
        const GsePduView v = batch[i];
        FUZZ_CHECK(v.protocol_type == sent[i].protocol_type);
        FUZZ_CHECK(v.label == sent[i].label);
        FUZZ_CHECK(v.size == sent[i].data.size());
        FUZZ_CHECK(std::memcmp(v.data, sent[i].data.data(), v.size) == 0);
    }
    FUZZ_CHECK(rx.open_reassemblies() == 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::Input in(data, size);
    try {
        if (in.u8() & 1)
            round_trip(in);
        else
            raw_reassembly(in);
    } catch (const std::exception& e) {
        fuzz::fail_exception("GSE", e);
    }
    return 0;
}
