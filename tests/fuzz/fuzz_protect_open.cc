// SPDX-License-Identifier: GPL-3.0-or-later
//
// libFuzzer target for the protected profile's open path (lib/protect/frame_protection.h,
// FrameOpener::open): what an adversary controls is every byte of a BBFRAME the receiver
// decoded, and the format its PLHEADER claimed. open() must never crash, throw or read or
// write outside the frame, must accept only frames our FrameSealer made, unmodified and
// not seen before, and must count every refusal under exactly one reason.
//
// Input: byte 0 selects the mode, byte 1 the MODCOD number (1..28), byte 2 frame size and
// pilots; then
//   mode even — raw: the rest is the frame (zero padded to K_bch / 8 bytes), opened by
//               the receiver of a link nothing here seals for. Nothing random, and no frame
//               sealed for another link, carries a valid GCM tag under its key: open() must
//               refuse it.
//   mode odd  — genuine: a payload length and bytes, sealed by the real FrameSealer; then
//               up to 8 (position, xor) edits and a "claim another format" byte. A fresh
//               opener must accept the frame iff no authenticated byte changed and the
//               format is the sealed one, give back exactly the plain frame, and refuse it
//               when it comes again (replay).
#include "fuzz_common.h"

#include <dualsat/framing/bbheader.h>
#include <dualsat/modcod/modcod.h>
#include <dualsat/protect/frame_protection.h>
#include <dualsat/protect/key_schedule.h>

#include <memory>
#include <vector>

using namespace dualsat;

namespace {

constexpr int64_t kNow = (int64_t{ 7 } * 3600 + 1800) * 1000000000; // middle of epoch 7
constexpr uint16_t kLink = 3;
constexpr uint16_t kOtherLink = 4; // never sealed for

std::shared_ptr<KeySchedule> schedule()
{
    KeyMaterial km;
    for (size_t i = 0; i < SecureKey::kBytes; ++i)
        km.master.mutable_bytes()[i] = static_cast<uint8_t>(0xA5 ^ i);
    for (size_t i = 0; i < kKeyIdBytes; ++i)
        km.key_id[i] = static_cast<uint8_t>(i);
    EpochConfig c;
    c.slot_seconds = 3600;
    c.overlap_seconds = 60;
    return std::make_shared<KeySchedule>(std::move(km), c);
}

struct Fixture {
    fuzz::ScratchDir dir{ "protect", { "nonce", "nonce.tmp" } };
    std::shared_ptr<KeySchedule> keys = schedule();
    std::unique_ptr<FrameSealer> sealer;
    Fixture()
    {
        FrameSealerConfig c;
        c.link_id = kLink;
        c.nonce_state_path = dir.path + "/nonce";
        c.clock = [] { return kNow; };
        sealer = std::make_unique<FrameSealer>(keys, c);
    }
    FrameOpener opener(uint16_t link = kLink) const
    {
        FrameOpenerConfig c;
        c.link_id = link;
        c.clock = [] { return kNow; };
        return FrameOpener(keys, c);
    }
};

Fixture& fixture()
{
    static Fixture f;
    return f;
}

FrameFormat format_from(uint8_t number, uint8_t flags)
{
    FrameFormat f;
    f.modcod = modcod_from_number(1 + number % 28);
    f.frame = (flags & 1) ? FrameSize::Short : FrameSize::Normal;
    f.pilots = flags & 2;
    if (!code_exists(f.frame, f.modcod.rate))
        f.frame = FrameSize::Normal; // short 9/10 does not exist
    return f;
}

size_t open_checked(FrameOpener& opener, std::vector<uint8_t>& frame, const FrameFormat& format,
                    uint64_t counter)
{
    const FrameOpenerCounters before = opener.counters();
    size_t n = 0;
    try {
        n = opener.open(frame.data(), frame.size(), format, counter);
    } catch (const std::exception& e) {
        fuzz::fail_exception("FrameOpener::open", e);
    }
    const FrameOpenerCounters after = opener.counters();
    // Exactly one counter moved: opened, or one drop reason.
    const uint64_t moved = (after.opened - before.opened) + (after.dropped() - before.dropped());
    FUZZ_CHECK(moved == 1);
    FUZZ_CHECK((n != 0) == (after.opened == before.opened + 1));
    FUZZ_CHECK(n == 0 || n == frame.size() - kProtectOverheadBytes);
    return n;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    Fixture& fx = fixture();
    fuzz::Input in(data, size);
    const uint8_t mode = in.u8();
    const uint8_t number = in.u8(); // (two statements: argument evaluation order is unspecified)
    const uint8_t flags = in.u8();
    const FrameFormat format = format_from(number, flags);
    const size_t frame_bytes = static_cast<size_t>(format.code().kbch) / 8;

    if ((mode & 1) == 0) {
        std::vector<uint8_t> frame(frame_bytes, 0);
        const std::vector<uint8_t> raw = in.bytes(frame_bytes);
        std::copy(raw.begin(), raw.end(), frame.begin());
        // The receiver of another link: nothing this process seals is for it. (Not our own
        // link: libFuzzer learns whole genuine frames from the comparisons in the genuine
        // mode and pastes them here, and a fresh opener rightly accepts one once. A frame
        // sealed for one link must still fail on any other: the link is in the key.)
        FrameOpener opener = fx.opener(kOtherLink);
        FUZZ_CHECK(open_checked(opener, frame, format, in.u64()) == 0);
        return 0;
    }

    // A genuine frame: TS-mode BBHEADER, `payload` bytes (what the sealer leaves room for
    // at most), sealed.
    const size_t room = frame_bytes - kBbHeaderBytes - kProtectOverheadBytes;
    const size_t payload = in.u16() % (room + 1);
    std::vector<uint8_t> frame(frame_bytes, 0);
    const std::vector<uint8_t> bytes = in.bytes(payload);
    std::copy(bytes.begin(), bytes.end(), frame.begin() + kBbHeaderBytes);
    BbHeader h;
    h.stream_type = StreamType::Transport;
    h.upl = 188 * 8;
    h.sync = 0x47;
    h.dfl = static_cast<uint16_t>(payload * 8);
    try {
        fx.sealer->apply(format, 0, h, frame.data() + kBbHeaderBytes, frame_bytes - kBbHeaderBytes);
    } catch (const std::exception& e) {
        fuzz::fail_exception("FrameSealer::apply", e);
    }
    const auto hb = encode_bbheader(h);
    std::copy(hb.begin(), hb.end(), frame.begin());
    // The authenticated part: BBHEADER, protect header, ciphertext, tag: the whole frame
    // (the sealed field fills the data field, frame_protection.h version 2).
    const size_t authenticated = frame_bytes;

    // The unmodified frame opens once, to the plain frame, and never again.
    std::vector<uint8_t> plain;
    {
        FrameOpener opener = fx.opener();
        std::vector<uint8_t> copy = frame;
        const size_t n = open_checked(opener, copy, format, 0);
        FUZZ_CHECK(n == frame_bytes - kProtectOverheadBytes);
        // The plain frame: the original BBHEADER and payload.
        BbHeader plain_header = h;
        plain_header.dfl = static_cast<uint16_t>(payload * 8);
        const auto phb = encode_bbheader(plain_header);
        FUZZ_CHECK(std::equal(phb.begin(), phb.end(), copy.begin()));
        FUZZ_CHECK(std::equal(bytes.begin(), bytes.end(), copy.begin() + kBbHeaderBytes));
        plain.assign(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(n));
        std::vector<uint8_t> again = frame;
        FUZZ_CHECK(open_checked(opener, again, format, 0) == 0);
        FUZZ_CHECK(opener.counters().replayed == 1);
    }

    // Edited: a fresh opener (no replay state) must refuse any change it authenticates.
    std::vector<uint8_t> edited = frame;
    const int edits = in.u8() % 9;
    for (int i = 0; i < edits; ++i) {
        const size_t pos = in.u16() % frame_bytes;
        edited[pos] ^= in.u8();
    }
    // Edits may cancel: what counts is whether an authenticated byte differs now.
    bool changed = !std::equal(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(authenticated),
                               edited.begin());
    const uint8_t other = in.u8();
    FrameFormat claimed = format;
    if (other & 1) {
        const uint8_t claimed_flags = in.u8();
        FrameFormat f = format_from(other >> 1, claimed_flags);
        if (f.code().kbch == format.code().kbch) // the frame must still fit
            claimed = f;
    }
    changed |= !(claimed == format);
    FrameOpener opener = fx.opener();
    const size_t n = open_checked(opener, edited, claimed, 0);
    if (changed) {
        FUZZ_CHECK(n == 0);
    } else {
        // Nothing authenticated changed (the edits cancelled): the frame opens as before.
        FUZZ_CHECK(n == plain.size());
        FUZZ_CHECK(std::equal(plain.begin(), plain.end(), edited.begin()));
    }
    return 0;
}
