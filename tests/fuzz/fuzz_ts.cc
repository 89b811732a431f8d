// SPDX-License-Identifier: GPL-3.0-or-later
//
// Fuzz target: TS mode adaptation, receive side (ETSI EN 302 307-1 §5.1): TsDeframer.
// Input, first byte even: the CRC error policy, then operations, each a control byte and
// its data: a BBFRAME of an input-chosen K_bch (optionally with a plain TS BBHEADER
// template and/or a valid CRC-8 so the deframing itself is reached), a lost frame, or a
// reset.
// Invariants: no crash or exception; the output grows by exactly 188 bytes per packet
// returned; every packet starts with the restored sync byte 0x47; no more packets come
// out than the UP bytes received could hold (187 useful bytes each); the per-packet
// counters agree with what was emitted under the policy.
//
// First byte odd: a round trip. TS packets from the input go through TsFramer into
// BBFRAMEs of input-chosen sizes (padded when the queue runs short) and TsDeframer must
// give back exactly those packets, in order, with no CRC error and no resync.

#include "fuzz_common.h"

#include <dualsat/core/error.h>
#include <dualsat/framing/bbheader.h>
#include <dualsat/framing/ts_adaptation.h>

using namespace dualsat;

namespace {

void raw_deframing(fuzz::Input& in, TsCrcErrorPolicy policy)
{
    TsDeframer d(policy);
    std::vector<uint8_t> out;
    uint64_t field_bytes = 0, emitted = 0;
    for (int op = 0; op < 64 && !in.empty(); ++op) {
        const uint8_t ctrl = in.u8();
        if ((ctrl & 7) == 0) {
            d.frame_lost();
            continue;
        }
        if ((ctrl & 7) == 1) {
            d.reset();
            continue;
        }
        // Mostly small frames (fast, many UP boundaries), sometimes any K_bch.
        const uint16_t sel = in.u16();
        const int kbch = (ctrl & 0x80) ? 88 + 8 * (sel % ((kMaxKbch - 88) / 8 + 1))
                                       : 88 + 8 * (sel % 1024);
        std::vector<uint8_t> frame(static_cast<size_t>(kbch) / 8);
        const size_t take = std::min(frame.size(), in.remaining());
        std::memcpy(frame.data(), in.here(), take);
        in.skip(take);
        if (ctrl & 0x20) { // TS/GS = 11, SIS, CCM, no ISSYI/NPD, UPL 1504, SYNC 0x47
            frame[0] = static_cast<uint8_t>(0xF0 | (frame[0] & 0x03));
            if ((frame[0] & 3) == 3)
                frame[0] &= 0xFE;
            frame[2] = static_cast<uint8_t>(kTsUplBits >> 8);
            frame[3] = static_cast<uint8_t>(kTsUplBits & 0xFF);
            frame[6] = kTsSyncByte;
        }
        if (ctrl & 0x10)
            frame[9] = crc8(frame.data(), 9);
        const TsDeframerStats s0 = d.stats();
        const size_t at = out.size();
        const size_t n = d.process(frame.data(), kbch, out);
        const TsDeframerStats& s1 = d.stats();
        field_bytes += frame.size() - kBbHeaderBytes;
        emitted += n;
        FUZZ_CHECK(out.size() == at + n * kTsPacketBytes);
        for (size_t k = 0; k < n; ++k)
            FUZZ_CHECK(out[at + k * kTsPacketBytes] == kTsSyncByte);
        FUZZ_CHECK(emitted * (kTsPacketBytes - 1) <= field_bytes);
        const uint64_t ok = s1.packets_ok - s0.packets_ok;
        const uint64_t bad = s1.packets_crc_error - s0.packets_crc_error;
        FUZZ_CHECK(n == (policy == TsCrcErrorPolicy::FlagTei ? ok + bad : ok));
        const uint64_t verdicts = (s1.frames_ok - s0.frames_ok) +
                                  (s1.frames_bad_header - s0.frames_bad_header) +
                                  (s1.frames_not_ts - s0.frames_not_ts) +
                                  (s1.frames_bad_length - s0.frames_bad_length);
        FUZZ_CHECK(verdicts == 1);
        FUZZ_CHECK(n == 0 || s1.frames_ok == s0.frames_ok + 1);
        if (out.size() > 64 * kTsPacketBytes)
            out.clear();
    }
}

void round_trip(fuzz::Input& in)
{
    std::vector<std::vector<uint8_t>> sent;
    TsFramer framer(64);
    while (!in.empty() && sent.size() < 16) {
        std::vector<uint8_t> p = in.bytes(kTsPacketBytes);
        p.resize(kTsPacketBytes, 0);
        p[0] = kTsSyncByte;
        FUZZ_CHECK(framer.push(p.data()));
        sent.push_back(std::move(p));
    }
    if (sent.empty())
        return;
    // A trailer: its sync slot carries the last real packet's CRC-8, which the deframer
    // needs before it can emit that packet (§5.1.4).
    std::vector<uint8_t> trailer(kTsPacketBytes, 0);
    trailer[0] = kTsSyncByte;
    FUZZ_CHECK(framer.push(trailer.data()));

    std::vector<int> sizes;
    for (size_t i = 0; i < 3; ++i) {
        const uint8_t b = sent[0][1 + i];
        sizes.push_back(b & 0x80 ? 88 + 8 * (b & 0x7F) * 3 : kMaxKbch - 8 * (b & 0x7F) * 50);
    }
    TsDeframer d(TsCrcErrorPolicy::FlagTei);
    std::vector<uint8_t> out, frame;
    for (size_t f = 0; framer.queued_bytes() > 0; ++f) {
        FUZZ_CHECK(f < 10000);
        const int kbch = sizes[f % sizes.size()];
        frame.assign(static_cast<size_t>(kbch) / 8, 0x55);
        const bool ccm = (f & 1) != 0;
        const size_t dfl = framer.build(kbch, ccm, RollOff::R035, frame.data());
        FUZZ_CHECK(dfl % 8 == 0 && dfl <= static_cast<size_t>(kbch) - kBbHeaderBits);
        d.process(frame.data(), kbch, out);
    }
    const TsDeframerStats& s = d.stats();
    FUZZ_CHECK(s.packets_crc_error == 0 && s.packets_lost == 0 && s.resyncs == 0 &&
               s.frames_bad_header == 0 && s.frames_not_ts == 0 && s.frames_bad_length == 0);
    FUZZ_CHECK(out.size() == sent.size() * kTsPacketBytes);
    for (size_t i = 0; i < sent.size(); ++i)
        FUZZ_CHECK(std::memcmp(out.data() + i * kTsPacketBytes, sent[i].data(), kTsPacketBytes) == 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::Input in(data, size);
    try {
        const uint8_t mode = in.u8();
        if (mode & 1)
            round_trip(in);
        else
            raw_deframing(in, (mode & 2) ? TsCrcErrorPolicy::Drop : TsCrcErrorPolicy::FlagTei);
    } catch (const std::exception& e) {
        fuzz::fail_exception("TS", e);
    }
    return 0;
}
