// SPDX-License-Identifier: GPL-3.0-or-later
// Out of line (not inline in simd.h), so that no copy is ever compiled with ISA flags.
#include <dualsat/core/simd.h>

namespace dualsat {
namespace simd {

std::vector<SimdLevel> supported_levels()
{
    std::vector<SimdLevel> levels;
    for (SimdLevel l : { SimdLevel::Scalar, SimdLevel::SSE41, SimdLevel::AVX2 })
        if (supported(l) == l)
            levels.push_back(l);
    return levels;
}

} // namespace simd
} // namespace dualsat
