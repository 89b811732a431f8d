// SPDX-License-Identifier: GPL-3.0-or-later
// The frame search's block statistic against its one-position reference: random
// differential products with headers planted in each branch (b7 = 0, b7 = 1, pilot
// blocks) at unaligned positions, every lane compared; positions without energy give 0.
#include <catch2/catch.hpp>
#include <dualsat/channel/channel_emulator.h>
#include <dualsat/rx/header_search.h>

#include <cmath>
#include <complex>
#include <vector>

using namespace dualsat;
using cf = std::complex<float>;

namespace {

cf random_unit(Rng& rng) { return std::polar(1.0f, static_cast<float>(rng.uniform() * 6.283185307179586)); }

HeaderDiffTemplates random_templates(Rng& rng)
{
    HeaderDiffTemplates t;
    for (auto& v : t.sof_diff)
        v = random_unit(rng);
    for (auto& v : t.pair_diff)
        v = random_unit(rng);
    for (auto& b : t.pilot_diff)
        for (auto& v : b)
            v = random_unit(rng);
    return t;
}

// d = g t at the header's differential terms from `at` on; branch 1 complements the PLSC
// pairs (b7 = 1), branch 2 also plants the pilot blocks.
void plant(std::vector<cf>& d, size_t at, const HeaderDiffTemplates& t, cf g, int branch)
{
    for (int i = 0; i + 1 < kSofSymbols; ++i)
        d[at + static_cast<size_t>(i)] += g * t.sof_diff[i];
    for (int m = 0; m < kPlscSymbols / 2; ++m)
        d[at + static_cast<size_t>(kSofSymbols + 2 * m)] += (branch == 0 ? g : -g) * t.pair_diff[m];
    if (branch == 2)
        for (int b = 0; b < 2; ++b)
            for (int i = 0; i + 1 < kPilotBlockSymbols; ++i)
                d[at + static_cast<size_t>(kHeaderSearchPilotOffset[b] + i)] += g * t.pilot_diff[b][i];
}

} // namespace

TEST_CASE("header search: the block statistic equals the reference at every position", "[frame_sync][header_search]")
{
    Rng rng(11);
    const HeaderDiffTemplates t = random_templates(rng);
    const size_t positions = 40 * kHeaderSearchBlock;
    const size_t n = positions + static_cast<size_t>(kHeaderSearchSpan);
    std::vector<cf> d(n);
    for (auto& v : d)
        v = 0.7f * cf(static_cast<float>(rng.gaussian()), static_cast<float>(rng.gaussian()));
    // Headers at unaligned positions, one per branch, and a stretch without energy.
    const size_t planted[3] = { 13, 101, 203 };
    for (int b = 0; b < 3; ++b)
        plant(d, planted[b], t, std::polar(1.3f, 0.4f + static_cast<float>(b)), b);
    const size_t silent = 280;
    for (size_t i = silent; i < silent + 2 * kHeaderSearchBlock + kHeaderSearchSpan && i < n; ++i)
        d[i] = 0.0f;

    std::vector<float> e(n), re(n), im(n);
    for (size_t i = 0; i < n; ++i) {
        e[i] = std::norm(d[i]);
        re[i] = d[i].real();
        im[i] = d[i].imag();
    }
    for (bool pilots : { false, true }) {
        CAPTURE(pilots);
        int above = 0, zero = 0;
        for (size_t p = 0; p < positions; p += kHeaderSearchBlock) {
            HeaderSearchEnergies en;
            header_search_energies(e.data() + p, pilots, &en);
            float q[kHeaderSearchBlock];
            header_diff_statistic_block(re.data() + p, im.data() + p, en, t, pilots, q);
            for (int j = 0; j < kHeaderSearchBlock; ++j) {
                const size_t pos = p + static_cast<size_t>(j);
                CAPTURE(pos);
                const HeaderDiffResult ref = header_diff_statistic(re.data() + pos, im.data() + pos, e.data() + pos, t, pilots);
                REQUIRE(std::isfinite(q[j]));
                REQUIRE(std::abs(q[j] - ref.q) <= 1e-5f * (1.0f + ref.q));
                above += ref.q > 20.0f;
                zero += ref.q == 0.0f;
            }
        }
        // The planted headers stand out (the pilot-block one only when the pilots count,
        // but its SOF and complemented PLSC alone already give a large q), noise does not.
        CHECK(above == 3);
        CHECK(zero >= 2 * kHeaderSearchBlock);
        for (int b = 0; b < 3; ++b) {
            const HeaderDiffResult r =
                header_diff_statistic(re.data() + planted[b], im.data() + planted[b], e.data() + planted[b], t, pilots);
            CHECK(r.pilots == (b != 0));
        }
    }
}
