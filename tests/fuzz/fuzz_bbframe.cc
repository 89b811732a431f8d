// SPDX-License-Identifier: GPL-3.0-or-later
//
// Fuzz target: BBFRAME deframing, the receive side after BCH and BB descrambling: a
// decided BBFRAME -> (opener) -> BBHEADER -> TsDeframer or GseReassembler -> packets.
// Entry point: BbFrameDeframer::process (lib/rx fec_receiver.h), the narrowest public
// function that takes a decoded BBFRAME; FecReceiver::process would run the LDPC decoder
// on symbols first, which no fuzzer gets through. (If the deframer moves to
// lib/framing/bbframe.h, only the include below changes.)
// Input: an options byte (TS CRC policy, GSE timeout, whether a test opener is installed),
// then frames: a control byte, a format (one of the 21 normal / 11 short K_bch), the
// opener's answer, and the frame bytes; control bits can stamp a TS or GSE BBHEADER
// template and/or a valid CRC-8 so the deframers are reached.
// Invariants: no crash or exception; each frame is counted once, in one category; a frame
// that is not Ok delivers nothing; packets_out is what this frame appended; TS packets
// are whole and start with 0x47; no PDU is longer than the bytes received so far; the
// cumulative counters equal what was delivered.

#include "fuzz_common.h"

#include <dualsat/framing/bbheader.h>
#include <dualsat/framing/ts_adaptation.h>
#include <dualsat/rx/fec_receiver.h>

#include <memory>

using namespace dualsat;

namespace {

// Returns whatever the input says: 0 (reject), a valid length, or nonsense (> len),
// which the deframer must treat as a rejection.
class ScriptedOpener : public BbFrameOpener
{
public:
    size_t answer = 0;
    size_t open(uint8_t*, size_t, const FrameFormat&, uint64_t) override { return answer; }
};

const std::vector<FrameFormat>& formats()
{
    static const std::vector<FrameFormat> all = [] {
        std::vector<FrameFormat> v = all_frame_formats(FrameSize::Normal, false);
        for (const auto& f : all_frame_formats(FrameSize::Short, true))
            v.push_back(f);
        return v;
    }();
    return all;
}

uint64_t categories(const FecReceiverCounters& c)
{
    return c.frames_ok + c.frames_bad_input + c.frames_bch_failure + c.frames_open_failed +
           c.frames_bad_header + c.frames_unsupported_stream;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::Input in(data, size);
    const uint8_t opts = in.u8();
    FecReceiverOptions o;
    o.ts_crc_policy = (opts & 1) ? TsCrcErrorPolicy::Drop : TsCrcErrorPolicy::FlagTei;
    o.gse_timeout_frames = 1u + in.u8();
    std::shared_ptr<ScriptedOpener> opener;
    if (opts & 2)
        opener = std::make_shared<ScriptedOpener>();

    try {
        BbFrameDeframer deframer(o, opener);
        FecOutput out;
        DecodedBbFrame frame;
        uint64_t frames = 0, bytes_so_far = 0, ts_total = 0, pdu_total = 0;
        for (int k = 0; k < 16 && !in.empty(); ++k) {
            const uint8_t ctrl = in.u8();
            const FrameFormat& fmt = formats()[in.u8() % formats().size()];
            const size_t len = static_cast<size_t>(fmt.code().kbch) / 8;
            const uint16_t answer = in.u16();
            frame.stats = FecFrameStats{};
            frame.stats.format = fmt;
            frame.stats.frame_counter = frames;
            frame.stats.status = (ctrl & 0xC0) == 0xC0 ? FecFrameStatus::BchFailure : FecFrameStatus::Ok;
            if ((ctrl & 0xC0) == 0x80)
                frame.bytes.clear(); // "Ok" without bytes: must not be trusted
            else {
                frame.bytes.assign(len, 0);
                const size_t take = std::min(len, in.remaining());
                std::memcpy(frame.bytes.data(), in.here(), take);
                in.skip(take);
                uint8_t* b = frame.bytes.data();
                if (ctrl & 0x04) { // TS template: TS/GS 11, UPL 1504, SYNC 0x47
                    b[0] = static_cast<uint8_t>(0xF0 | (b[0] & 0x01));
                    b[2] = static_cast<uint8_t>(kTsUplBits >> 8);
                    b[3] = static_cast<uint8_t>(kTsUplBits & 0xFF);
                    b[6] = kTsSyncByte;
                } else if (ctrl & 0x08) { // GSE template: TS/GS 01, UPL 0, SYNC 0, SYNCD 0
                    b[0] = static_cast<uint8_t>(0x70 | (b[0] & 0x01));
                    b[2] = b[3] = b[6] = b[7] = b[8] = 0;
                }
                if (ctrl & 0x10)
                    b[9] = crc8(b, 9);
            }
            if (opener)
                opener->answer = (ctrl & 0x20) ? len : answer;
            bytes_so_far += len;

            const size_t ts_before = out.ts.size(), pdus_before = out.pdus.size();
            const FecFrameStats& st = deframer.process(frame, out);
            ++frames;
            const size_t ts_new = (out.ts.size() - ts_before) / kTsPacketBytes;
            const size_t pdus_new = out.pdus.size() - pdus_before;
            ts_total += ts_new;
            pdu_total += pdus_new;

            const FecReceiverCounters& c = deframer.counters();
            FUZZ_CHECK(c.frames == frames && categories(c) == frames);
            FUZZ_CHECK((out.ts.size() - ts_before) % kTsPacketBytes == 0);
            for (size_t i = ts_before; i < out.ts.size(); i += kTsPacketBytes)
                FUZZ_CHECK(out.ts[i] == kTsSyncByte);
            FUZZ_CHECK(st.packets_out == ts_new + pdus_new);
            FUZZ_CHECK(ts_new == 0 || pdus_new == 0);
            if (st.status != FecFrameStatus::Ok || !st.bbheader_ok)
                FUZZ_CHECK(st.packets_out == 0);
            if (st.status == FecFrameStatus::Ok)
                FUZZ_CHECK(st.bbheader_ok);
            for (size_t i = pdus_before; i < out.pdus.size(); ++i)
                FUZZ_CHECK(out.pdus[i].size > 0 && out.pdus[i].size <= bytes_so_far);
            FUZZ_CHECK(c.ts_packets == ts_total && c.gse_pdus == pdu_total);
            if (out.ts.size() > 256 * kTsPacketBytes || out.pdus.size() > 256)
                out.clear();
        }
    } catch (const std::exception& e) {
        fuzz::fail_exception("BbFrameDeframer", e);
    }
    return 0;
}
