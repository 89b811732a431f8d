// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/pl/pl_geometry.h>
#include <dualsat/pl/pl_scrambler.h>
#include <dualsat/rx/carrier_segments.h>

#include <algorithm>

namespace dualsat {

KnownSegments::KnownSegments() { m_known.resize(kMaxPlframeSymbols); }

void KnownSegments::build(int length, bool dummy, int pilot_blocks,
                          const std::complex<float>* header_ref, const uint8_t* rn,
                          const std::complex<float>* next_sof)
{
    m_segs.clear();
    m_segs.push_back(KnownSegment{ 0, kPlHeaderSymbols, header_ref });
    // Pilot symbols are (1 + j) / sqrt(2) before scrambling (§5.5.3).
    const std::complex<float> plain(kPilotComponent, kPilotComponent);
    for (int b = 0; b < pilot_blocks; ++b) {
        const int p = b * kPilotPeriod + kPilotSpacing; // payload index
        std::fill(m_known.begin() + p, m_known.begin() + p + kPilotBlockSymbols, plain);
        pl_scramble(m_known.data() + p, rn + p, kPilotBlockSymbols, m_known.data() + p);
        m_segs.push_back(KnownSegment{ kPlHeaderSymbols + p, kPilotBlockSymbols, m_known.data() + p });
    }
    if (dummy) {
        // The dummy payload is 36 slots of unmodulated carrier, scrambled like pilots
        // (§5.5.1), so all of it is known. The estimators take the first kDummySegmentSymbols
        // of each slot only: 1296 + 90 known symbols per 3330 still give a better phase and
        // Es/N0 than any data frame's pilots (a normal pilot frame has at most 22 blocks of
        // 36), and an idle link (dummy frames only) then costs no more per symbol than a
        // loaded one: on every symbol, the estimators cost more than the whole FEC of
        // QPSK 1/2 (issue 14).
        for (int p = 0; p + kSlotSymbols <= kDummyFrameSymbols - kPlHeaderSymbols; p += kSlotSymbols) {
            std::fill(m_known.begin() + p, m_known.begin() + p + kDummySegmentSymbols, plain);
            pl_scramble(m_known.data() + p, rn + p, kDummySegmentSymbols, m_known.data() + p);
            m_segs.push_back(KnownSegment{ kPlHeaderSymbols + p, kDummySegmentSymbols, m_known.data() + p });
        }
    }
    if (next_sof)
        m_segs.push_back(KnownSegment{ length, kSofSymbols, next_sof });
}

} // namespace dualsat
