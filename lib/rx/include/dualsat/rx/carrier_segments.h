// SPDX-License-Identifier: GPL-3.0-or-later
//
// Known symbols of a frame-aligned PLFRAME, as the carrier estimators see them
// ("segments"): its PLHEADER (90, once the PLSC is decided), each pilot block (36,
// scrambled, EN 302 307-1 §5.5.3), the first kDummySegmentSymbols of each 90-symbol slot
// of a dummy frame's payload (all of it is known; see build) and the SOF of the next
// frame (26). On each segment z = y conj(ref) is a tone
// plus noise.
#pragma once

#include <complex>
#include <cstdint>
#include <vector>

namespace dualsat {

// Known symbols taken from each slot of a dummy frame: a pilot block's length.
constexpr int kDummySegmentSymbols = 36;

struct KnownSegment {
    int start;                      // frame index of its first symbol
    int n;                          // symbols
    const std::complex<float>* ref; // n reference symbols
};

// A phase measured on a stretch of the frame: at symbol index `centre` (fractional), with
// the weight of the symbols it averages.
struct SegmentPhase {
    double centre, phase, weight;
};

class KnownSegments
{
public:
    KnownSegments();

    // The segments of one frame of `length` symbols (see above); pilot_blocks = 0 for a
    // pilotless or dummy frame. rn: the frame's `length` - 90 scrambling values. The
    // references stay valid until the next call; header_ref and next_sof are not copied.
    void build(int length, bool dummy, int pilot_blocks, const std::complex<float>* header_ref,
               const uint8_t* rn, const std::complex<float>* next_sof);
    const std::vector<KnownSegment>& segments() const { return m_segs; }

private:
    std::vector<KnownSegment> m_segs;
    std::vector<std::complex<float>> m_known; // pilot / dummy references, by payload index
};

} // namespace dualsat
