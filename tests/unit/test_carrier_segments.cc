// SPDX-License-Identifier: GPL-3.0-or-later
// KnownSegments: the known symbols of a PLFRAME (header, pilot blocks, dummy payload, next
// SOF) at their positions, with references equal to what the framer transmitted.
#include "carrier_test_frames.h"

#include <catch2/catch.hpp>
#include <dualsat/rx/carrier_segments.h>

using namespace dualsat;
using namespace dualsat::test;

namespace {

// Every segment's reference is exactly the transmitted symbol at its position.
void check_references(const CarrierTestFrame& t, const KnownSegments& k)
{
    for (const KnownSegment& s : k.segments()) {
        INFO("segment at " << s.start);
        REQUIRE(s.start + s.n <= static_cast<int>(t.tx.size()));
        for (int i = 0; i < s.n; ++i)
            REQUIRE(s.ref[i] == t.tx[static_cast<size_t>(s.start + i)]);
    }
}

} // namespace

TEST_CASE("Known segments: header, scrambled pilot blocks and next SOF of a pilot frame", "[carrier]")
{
    const FrameFormat f{ { Modulation::PSK8, CodeRate::R3_5 }, FrameSize::Normal, true };
    const CarrierTestFrame t = make_carrier_test_frame(f, false, 5, 1);
    KnownSegments k;
    k.build(t.length, false, f.pilot_blocks(), t.header_ref, t.rn.data(), t.next_sof);
    const auto& segs = k.segments();
    REQUIRE(segs.size() == static_cast<size_t>(f.pilot_blocks()) + 2);
    CHECK(segs.front().start == 0);
    CHECK(segs.front().n == kPlHeaderSymbols);
    for (int b = 0; b < f.pilot_blocks(); ++b) {
        // After every 16 slots of the payload (§5.5.3).
        CHECK(segs[static_cast<size_t>(b + 1)].start == kPlHeaderSymbols + kPilotSpacing + b * kPilotPeriod);
        CHECK(segs[static_cast<size_t>(b + 1)].n == kPilotBlockSymbols);
    }
    CHECK(segs.back().start == t.length);
    CHECK(segs.back().n == kSofSymbols);
    check_references(t, k);

    // Without the next SOF, and without pilots: the header alone.
    k.build(t.length, false, 0, t.header_ref, t.rn.data(), nullptr);
    REQUIRE(k.segments().size() == 1);
    CHECK(k.segments()[0].ref == t.header_ref);
}

TEST_CASE("Known segments: the first 36 symbols of each slot of a dummy frame", "[carrier]")
{
    const CarrierTestFrame t = make_carrier_test_frame(FrameFormat{}, true, 3, 1);
    KnownSegments k;
    k.build(t.length, true, 0, t.header_ref, t.rn.data(), t.next_sof);
    const auto& segs = k.segments();
    REQUIRE(segs.size() == 1 + 36 + 1);
    for (size_t s = 1; s + 1 < segs.size(); ++s) {
        CHECK(segs[s].start == kPlHeaderSymbols + static_cast<int>(s - 1) * kSlotSymbols);
        CHECK(segs[s].n == kDummySegmentSymbols);
    }
    CHECK(segs.back().start == kDummyFrameSymbols);
    check_references(t, k);
}
