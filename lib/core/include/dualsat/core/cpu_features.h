// SPDX-License-Identifier: GPL-3.0-or-later
// Run-time CPU feature detection for SIMD kernel dispatch. One binary runs on any x86-64:
// kernels are compiled per ISA (files *_sse41.cc, *_avx2.cc) and chosen by simd::select
// (dualsat/core/simd.h, the pattern every kernel family follows) from these levels.
#pragma once

#include <string>

namespace dualsat {

enum class SimdLevel { Scalar = 0, SSE41 = 1, AVX2 = 2 };

std::string to_string(SimdLevel level);

// What this CPU supports.
SimdLevel detected_simd_level();

// What kernels should use: the detected level, lowered (never raised) by the environment
// variable DUALSAT_SIMD=scalar|sse41|avx2 so tests and benchmarks can pin a kernel.
SimdLevel active_simd_level();

// Clamp a requested level to what the CPU supports.
SimdLevel supported(SimdLevel requested);

} // namespace dualsat
