// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/pl/pl_geometry.h>
#include <dualsat/rx/carrier_dd_refinement.h>

#include <limits>

namespace dualsat {

DecisionDirectedRefiner::DecisionDirectedRefiner(int passes) : m_passes(passes)
{
    m_ring_grids.resize(29);
}

const DecisionDirectedRefiner::RingGrid& DecisionDirectedRefiner::ring_grid(const ModCod& mc)
{
    auto& slot = m_ring_grids[static_cast<size_t>(modcod_number(mc))];
    if (!slot) {
        const Constellation con(mc);
        auto g = std::make_unique<RingGrid>();
        g->rings = con.rings();
        for (int r = 0; r < con.rings(); ++r) {
            int n = 0;
            double first = 0.0;
            for (int l = 0; l < con.size(); ++l)
                if (con.ring_of(static_cast<unsigned>(l)) == r) {
                    if (n == 0)
                        first = std::arg(std::complex<double>(con.point(static_cast<unsigned>(l))));
                    ++n;
                }
            // Every DVB-S2 ring is n equally spaced points (EN 302 307-1 Figures 9-12).
            const double sector = 2.0 * kPi / n;
            g->sector[r] = static_cast<float>(sector);
            g->inv_sector[r] = static_cast<float>(1.0 / sector);
            g->offset[r] = static_cast<float>(std::remainder(first, sector));
            if (r > 0) {
                const double mid = 0.5 * (con.ring_radius(r - 1) + con.ring_radius(r));
                g->threshold2[r - 1] = static_cast<float>(mid * mid);
            }
        }
        slot = std::move(g);
    }
    return *slot;
}

void DecisionDirectedRefiner::refine(std::complex<float>* frame, int length, int pilot_blocks,
                                     const ModCod& mc)
{
    using cf = std::complex<float>;
    // Over the data symbols (not the header or pilot blocks: they anchored the phase
    // already), each symbol's phase error against its nearest point: ring by radius,
    // then the angle modulo the ring's spacing. Averaged per 64-symbol window (of payload
    // index), smoothed [1 2 1] over neighbouring windows, interpolated linearly between
    // window centres and removed. Decision errors pull the average towards 0 (never past
    // it), so a second pass takes most of what the first left.
    const RingGrid& g = ring_grid(mc);
    const int payload = length - kPlHeaderSymbols;
    const int windows = (payload + kWindow - 1) / kWindow;
    if (windows < 1)
        return;
    m_error.resize(static_cast<size_t>(windows));
    m_weight.resize(static_cast<size_t>(windows));
    m_smooth.resize(static_cast<size_t>(windows));
    const float inf = std::numeric_limits<float>::infinity();
    const float t0 = g.rings > 1 ? g.threshold2[0] : inf, t1 = g.rings > 2 ? g.threshold2[1] : inf;
    constexpr float kRound = 12582912.0f; // 1.5 * 2^23: (x + kRound) - kRound rounds x
    cf* data = frame + kPlHeaderSymbols;
    for (int pass = 0; pass < m_passes; ++pass) {
        for (int w = 0; w < windows; ++w) {
            // The window's data symbols: [start, stop) minus any pilot block inside.
            const int start = w * kWindow, stop = std::min(payload, start + kWindow);
            float acc = 0.0f, weight = 0.0f;
            for (int p = start; p < stop;) {
                int run_end = stop;
                if (pilot_blocks > 0) {
                    const int block = p / kPilotPeriod, in_period = p % kPilotPeriod;
                    if (block < pilot_blocks && in_period >= kPilotSpacing) { // inside a pilot block
                        p = std::min(stop, (block + 1) * kPilotPeriod);
                        continue;
                    }
                    if (block < pilot_blocks)
                        run_end = std::min(stop, block * kPilotPeriod + kPilotSpacing);
                }
                for (int k = p; k < run_end; ++k) {
                    const cf z = data[k];
                    const float r2 = z.real() * z.real() + z.imag() * z.imag();
                    const int ring = (r2 > t0) + (r2 > t1);
                    float e = fast_atan2(z.imag(), z.real()) - g.offset[ring];
                    e -= g.sector[ring] * ((e * g.inv_sector[ring] + kRound) - kRound);
                    // Weighted by |z|^2: a point's phase is as precise as its radius is large.
                    acc += r2 * e;
                    weight += r2;
                }
                p = run_end;
            }
            m_error[static_cast<size_t>(w)] = acc;
            m_weight[static_cast<size_t>(w)] = weight;
        }
        for (int w = 0; w < windows; ++w) {
            float acc = 2.0f * m_error[static_cast<size_t>(w)];
            float cnt = 2.0f * m_weight[static_cast<size_t>(w)];
            if (w > 0) {
                acc += m_error[static_cast<size_t>(w - 1)];
                cnt += m_weight[static_cast<size_t>(w - 1)];
            }
            if (w + 1 < windows) {
                acc += m_error[static_cast<size_t>(w + 1)];
                cnt += m_weight[static_cast<size_t>(w + 1)];
            }
            m_smooth[static_cast<size_t>(w)] = cnt > 0.0f ? std::clamp(acc / cnt, -0.5f, 0.5f) : 0.0f;
        }
        // Remove it: held before the first window centre and after the last, linear in
        // between; the angles are small (a fraction of a sector), so a short series gives
        // the rotation.
        const float half = 0.5f * (kWindow - 1);
        auto rotate = [&](int from, int to, float c0, float slope) {
            for (int k = from; k < to; ++k) {
                const float c = c0 + slope * static_cast<float>(k - from);
                const float c2 = c * c;
                const float cs = 1.0f - c2 * (0.5f - c2 * (1.0f / 24.0f));
                const float sn = c * (1.0f - c2 * (1.0f / 6.0f - c2 * (1.0f / 120.0f)));
                const cf z = data[k];
                data[k] = cf(z.real() * cs + z.imag() * sn, z.imag() * cs - z.real() * sn);
            }
        };
        const int first_centre = static_cast<int>(std::ceil(half));
        rotate(0, std::min(payload, first_centre), m_smooth.front(), 0.0f);
        for (int w = 0; w + 1 < windows; ++w) {
            const float c0 = m_smooth[static_cast<size_t>(w)], c1 = m_smooth[static_cast<size_t>(w + 1)];
            const int from = std::min(payload, first_centre + w * kWindow);
            const int to = std::min(payload, from + kWindow);
            const float slope = (c1 - c0) / kWindow;
            rotate(from, to, c0 + slope * (static_cast<float>(from) - (half + static_cast<float>(w * kWindow))), slope);
        }
        const int last_from = std::min(payload, first_centre + (windows - 1) * kWindow);
        rotate(last_from, payload, m_smooth.back(), 0.0f);
    }
}

} // namespace dualsat
