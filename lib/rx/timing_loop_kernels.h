// SPDX-License-Identifier: GPL-3.0-or-later
// The timing loop's strobe loop per SIMD level (the algorithm: timing_loop_simd.h).
// Scalar instance and dispatch: timing_recovery.cc; timing_loop_sse41.cc and
// timing_loop_avx2.cc: the instances with that ISA's FIR dot products inlined
// (timing_loop_inlined.h).
#pragma once

#include <dualsat/core/simd.h>
#include <dualsat/rx/timing_recovery.h>

#include <cstddef>

namespace dualsat {
namespace detail {

// Runs the strobes of one staged block (see run_strobes in timing_loop_simd.h).
using TimingLoopFn = size_t (*)(const TimingLoopParams& params, TimingLoopState& state,
                                const TimingLoopBlock& block, bool* full);

struct TimingLoopKernels {
    TimingLoopFn run;
};

// nullptr where the file was not built for its ISA.
const TimingLoopKernels* timing_loop_kernel_table(simd::Scalar);
const TimingLoopKernels* timing_loop_kernel_table(simd::Sse41);
const TimingLoopKernels* timing_loop_kernel_table(simd::Avx2);

} // namespace detail
} // namespace dualsat
