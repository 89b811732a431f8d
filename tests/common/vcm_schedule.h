// SPDX-License-Identifier: GPL-3.0-or-later
// A VCM schedule for transmitter tests: every constellation, both frame sizes and both
// pilot settings, consecutive entries always differing in all three.
#pragma once

#include <dualsat/modcod/modcod.h>

#include <vector>

namespace dualsat_test {

inline std::vector<dualsat::FrameFormat> vcm_schedule()
{
    using dualsat::FrameSize;
    using M = dualsat::Modulation;
    using R = dualsat::CodeRate;
    return {
        { { M::QPSK, R::R1_4 }, FrameSize::Short, false },
        { { M::APSK32, R::R9_10 }, FrameSize::Normal, true },
        { { M::PSK8, R::R3_5 }, FrameSize::Short, true },
        { { M::APSK16, R::R2_3 }, FrameSize::Normal, false },
        { { M::QPSK, R::R9_10 }, FrameSize::Normal, true },
        { { M::APSK32, R::R3_4 }, FrameSize::Short, false },
        { { M::PSK8, R::R9_10 }, FrameSize::Normal, false },
        { { M::APSK16, R::R8_9 }, FrameSize::Short, true },
    };
}

} // namespace dualsat_test
