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
        // The dummy payload is 36 slots of unmodulated carrier, scrambled like pilots (§5.5.1).
        const int payload = kDummyFrameSymbols - kPlHeaderSymbols;
        std::fill(m_known.begin(), m_known.begin() + payload, plain);
        pl_scramble(m_known.data(), rn, payload, m_known.data());
        for (int p = 0; p < payload; p += kSlotSymbols)
            m_segs.push_back(KnownSegment{ kPlHeaderSymbols + p, kSlotSymbols, m_known.data() + p });
    }
    if (next_sof)
        m_segs.push_back(KnownSegment{ length, kSofSymbols, next_sof });
}

} // namespace dualsat
