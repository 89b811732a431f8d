// SPDX-License-Identifier: GPL-3.0-or-later
//
// Decision-directed refinement of the data's carrier phase (CarrierRecovery runs it with
// CarrierConfig::dd_refine_passes for 8PSK / 16APSK / 32APSK frames whose Es/N0 estimate
// clears dd_refine_threshold_db): the phase between pilots (or along the blind
// trajectory) is only an interpolation; the phase noise of a real LNB moves it by a good
// part of 32APSK's pi/16 sectors between pilot blocks. Each data symbol's phase error
// against its nearest point (ring by radius, angle modulo the ring's spacing; fast
// polynomial atan2) is averaged per 64 symbols, weighted by |z|^2, smoothed [1 2 1] and
// removed, once per pass. Measured (bench_receiver --part b --phase-noise, DVB-S2 mask at
// 10 Msym/s): 32APSK 4/5 then needs QEF + 1.5 dB instead of + 2; 16APSK 3/4 FER 0.09 ->
// 0 at QEF + 0.5. Cost ~5 ns per data symbol per pass.
#pragma once

#include <dualsat/core/constants.h>
#include <dualsat/mapping/constellation.h>
#include <dualsat/modcod/modcod.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <memory>
#include <vector>

namespace dualsat {

// atan2 to ~1e-7 rad without a libm call and without branches (the octant's quadrant
// tests are data-dependent coin tosses: branches on them cost more than the polynomial):
// octant reduction, then the odd polynomial of Abramowitz & Stegun 4.4.49 (|error| <= 2e-8
// on [0, 1]), then the quadrant by arithmetic selects.
inline float fast_atan2(float y, float x)
{
    const float ax = std::fabs(x), ay = std::fabs(y);
    const float hi = std::max(ax, ay), lo = std::min(ax, ay);
    const float t = lo / std::max(hi, 1e-30f), t2 = t * t;
    float a = 0.0028662257f;
    a = a * t2 - 0.0161657367f;
    a = a * t2 + 0.0429096138f;
    a = a * t2 - 0.0752896400f;
    a = a * t2 + 0.1065626393f;
    a = a * t2 - 0.1420889944f;
    a = a * t2 + 0.1999355085f;
    a = a * t2 - 0.3333314528f;
    a = (a * t2 + 1.0f) * t;
    const float steep = static_cast<float>(ay > ax);   // angle above pi/4: pi/2 - a
    a += steep * (1.57079632679f - 2.0f * a);
    const float left = static_cast<float>(x < 0.0f);   // left half-plane: pi - a
    a += left * (kPiF - 2.0f * a);
    return std::copysign(a, y);
}

class DecisionDirectedRefiner
{
public:
    static constexpr int kWindow = 64; // symbols per phase-error average

    // passes: 1..4 (CarrierRecovery checks its configuration).
    explicit DecisionDirectedRefiner(int passes);

    // Refines in place the payload of a phase-corrected, amplitude-normalised (still
    // scrambled) frame of `length` symbols: the phase errors are measured on its data
    // symbols only (not the header or the pilot blocks, which anchored the phase already);
    // the correction is applied to the whole payload, pilot blocks included, the header
    // left as it is. Every DVB-S2 constellation is invariant under the scrambling's
    // 90-degree rotations, so decisions work on scrambled symbols.
    void refine(std::complex<float>* frame, int length, int pilot_blocks, const ModCod& mc);

private:
    // Per ring: squared radius thresholds between rings, angular spacing and offset.
    struct RingGrid {
        int rings = 1;
        float threshold2[Constellation::kMaxRings] = {};
        float sector[Constellation::kMaxRings] = {};
        float inv_sector[Constellation::kMaxRings] = {};
        float offset[Constellation::kMaxRings] = {};
    };
    const RingGrid& ring_grid(const ModCod& mc);

    int m_passes;
    std::vector<std::unique_ptr<RingGrid>> m_ring_grids; // by MODCOD number
    std::vector<float> m_error, m_smooth;
    std::vector<float> m_weight; // sum of weights per window
};

} // namespace dualsat
