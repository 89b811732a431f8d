// SPDX-License-Identifier: GPL-3.0-or-later
// Keyed frequency hopping, part 2: the slot structure on the modem's stream, and the
// receiver's per-dwell jam detection and erasure.
//
// HopGate (transmitter): the modem's continuous samples in, the on-air stream out: every
// slot is guard_samples of silence (the synthesiser settles; hop_schedule.h) followed by
// payload_samples of the input. The transmitter pauses during a guard, so no symbol is lost
// to it; the price is the rate: the modem's sample rate is payload/slot of the on-air rate.
//
// HopUngate (receiver): the on-air stream in, aligned to the shared time base, the modem's
// continuous stream out: guards dropped, and each dwell judged by its mean power against
// the others (DwellJamDetector): a dwell well above the usual level carries a jammer, and
// with erasure on its samples are replaced by zeros. A zero input sample demaps to LLR 0
// for QPSK and 8PSK (equidistant from every point), i.e. an erasure: the LDPC decoder
// rebuilds those bits from the rest of the frame instead of trusting confidently wrong
// LLRs (the receiver's noise estimate comes from the clean dwells). Output lags the input
// by one slot (a dwell is judged once it is complete).
#pragma once

#include <dualsat/antijam/hop_schedule.h>

#include <complex>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

namespace dualsat {

class HopGate
{
public:
    // ConfigError for a bad plan. start_sample: the on-air index of the first output sample.
    explicit HopGate(const HopPlan& plan, uint64_t start_sample = 0);

    // Writes at most `room` on-air samples to out, taking input as it goes. Returns
    // {input samples consumed, output samples produced}; stops when either runs out.
    std::pair<size_t, size_t> process(const std::complex<float>* in, size_t n_in,
                                      std::complex<float>* out, size_t room);
    // On-air samples needed to carry n input samples from here (room for process()).
    size_t output_for(size_t n_in) const;
    uint64_t sample() const { return m_sample; } // on-air index of the next output

private:
    HopPlan m_plan;
    uint64_t m_sample;
};

struct DwellJamConfig {
    double threshold_db = 3.0;   // a dwell this much above the reference level is jammed
    int history = 64;            // dwells the reference level is taken over
    double reference_quantile = 0.25; // of their powers: robust to up to 75 % jammed dwells
    int warmup = 8;              // dwells seen before any is judged jammed
};

// Judges dwells by mean power. Deterministic; no allocation per dwell after warm-up.
class DwellJamDetector
{
public:
    explicit DwellJamDetector(const DwellJamConfig& config = {}); // ConfigError if invalid
    // The dwell's mean |x|^2; true when it is judged jammed. Non-finite power: jammed.
    bool judge(double power);
    double reference_power() const { return m_reference; }

private:
    DwellJamConfig m_cfg;
    std::deque<double> m_recent;  // powers of the last `history` dwells
    std::vector<double> m_sorted;
    double m_reference = 0.0;
    uint64_t m_seen = 0;
};

struct HopUngateStats {
    uint64_t slots = 0;           // dwells completed
    uint64_t jammed_slots = 0;    // judged jammed
    uint64_t erased_samples = 0;  // replaced by zeros (erasure on)
    uint64_t guard_samples = 0;   // dropped
    double reference_power = 0.0; // the detector's current reference level
    std::vector<uint64_t> jammed_by_channel; // with a schedule: dwells judged jammed per channel
    std::vector<uint64_t> slots_by_channel;
};

class HopUngate
{
public:
    // `schedule` (may be null, must outlive this) attributes dwells to channels for the
    // per-channel counts. start_sample: the on-air index of the first input sample.
    HopUngate(const HopPlan& plan, const HopSchedule* schedule, bool erase_jammed,
              const DwellJamConfig& detector = {}, uint64_t start_sample = 0);

    // Takes all n on-air samples; appends the modem stream produced so far to out.
    void process(const std::complex<float>* in, size_t n, std::vector<std::complex<float>>& out);
    const HopUngateStats& stats() const { return m_stats; }
    // The last judged dwells, newest last: (slot, channel or -1, jammed).
    struct Judged {
        uint64_t slot;
        int channel;
        bool jammed;
        double power;
    };
    const std::deque<Judged>& recent() const { return m_judged; }

private:
    void finish_slot(std::vector<std::complex<float>>& out);

    HopPlan m_plan;
    const HopSchedule* m_schedule;
    bool m_erase;
    DwellJamDetector m_detector;
    uint64_t m_sample;
    std::vector<std::complex<float>> m_dwell; // payload of the slot in progress
    double m_power_sum = 0.0;
    HopUngateStats m_stats;
    std::deque<Judged> m_judged;
};

} // namespace dualsat
