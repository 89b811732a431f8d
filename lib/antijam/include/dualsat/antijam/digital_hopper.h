// SPDX-License-Identifier: GPL-3.0-or-later
// Keyed frequency hopping, part 3: digital hopping inside a wide sample rate, for any radio
// (and loopback / file). The transmitter interpolates the on-air stream (hop_gate.h) by U
// and mixes each slot to its channel; the receiver mixes back with the same schedule,
// low-pass filters and decimates by U. Both filters are liquid-dsp FIRs (Kaiser windowed
// sinc, semi-length m input samples); the mixer's phase is a function of the wide-rate
// sample index alone, so with both ends on one time base the dehopped stream is phase
// continuous across hops (an analog hop, by contrast, starts every dwell at an arbitrary
// phase). The hop band must fit: U x modem sample rate >= channels x spacing.
//
// Alignment: wide sample w carries on-air time t = w / U - m (the interpolator's delay);
// the channel of wide sample w is that of the slot of t. The dehopper hides both filters'
// delays: its output sample k is on-air sample k. Filter tails spill m samples across a
// slot boundary: give the plan a guard of at least 2 m samples (the tails then fall on
// silence).
#pragma once

#include <dualsat/antijam/hop_schedule.h>

#include <complex>
#include <memory>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dualsat {

struct DigitalHopConfig {
    int interpolation = 8;          // U, >= 2: wide rate = U x modem sample rate
    double modem_sample_rate = 0;   // Hz, > 0
    int filter_semi_length = 8;     // m, modem-rate samples each side
    double stopband_db = 60.0;
};

// ConfigError when the band does not fit the wide rate or a field is out of range.
void check_digital_hop(const HopPlan& plan, const DigitalHopConfig& config);

class DigitalHopper
{
public:
    DigitalHopper(const HopPlan& plan, const HopSchedule& schedule, const DigitalHopConfig& config);
    ~DigitalHopper();
    DigitalHopper(const DigitalHopper&) = delete;
    DigitalHopper& operator=(const DigitalHopper&) = delete;

    // n on-air samples in, n x U wide samples out.
    void process(const std::complex<float>* in, size_t n, std::complex<float>* out);
    int interpolation() const { return m_cfg.interpolation; }

private:
    struct Filter;
    HopPlan m_plan;
    const HopSchedule& m_schedule;
    DigitalHopConfig m_cfg;
    std::unique_ptr<Filter> m_filter; // owns the liquid-dsp filter object
    uint64_t m_wide = 0; // index of the next wide sample
};

class DigitalDehopper
{
public:
    DigitalDehopper(const HopPlan& plan, const HopSchedule& schedule, const DigitalHopConfig& config);
    ~DigitalDehopper();
    DigitalDehopper(const DigitalDehopper&) = delete;
    DigitalDehopper& operator=(const DigitalDehopper&) = delete;

    // Any number of wide samples in; the on-air samples completed appended to out (the
    // first is on-air sample 0).
    void process(const std::complex<float>* in, size_t n, std::vector<std::complex<float>>& out);

private:
    struct Filter;
    HopPlan m_plan;
    const HopSchedule& m_schedule;
    DigitalHopConfig m_cfg;
    std::unique_ptr<Filter> m_filter; // owns the liquid-dsp filter object
    uint64_t m_wide = 0;
    std::vector<std::complex<float>> m_block; // wide samples of the output in progress
    int64_t m_skip;                           // outputs still to drop (filter delays)
};

} // namespace dualsat
