// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/antijam/hop_gate.h>
#include <dualsat/core/error.h>

#include <algorithm>
#include <cmath>

namespace dualsat {

HopGate::HopGate(const HopPlan& plan, uint64_t start_sample) : m_plan(plan), m_sample(start_sample)
{
    check_hop_plan(plan);
}

std::pair<size_t, size_t> HopGate::process(const std::complex<float>* in, size_t n_in,
                                           std::complex<float>* out, size_t room)
{
    const uint64_t slot = static_cast<uint64_t>(m_plan.slot_samples);
    const uint64_t guard = static_cast<uint64_t>(m_plan.guard_samples);
    size_t used = 0, made = 0;
    while (made < room) {
        const uint64_t pos = m_sample % slot;
        if (pos < guard) {
            const size_t k = static_cast<size_t>(std::min<uint64_t>(guard - pos, room - made));
            std::fill(out + made, out + made + k, std::complex<float>(0.0f, 0.0f));
            made += k;
            m_sample += k;
            continue;
        }
        if (used == n_in)
            break; // a guard may still be written ahead of the next input, never data
        const size_t k = static_cast<size_t>(
            std::min<uint64_t>({ slot - pos, static_cast<uint64_t>(n_in - used), static_cast<uint64_t>(room - made) }));
        std::copy(in + used, in + used + k, out + made);
        used += k;
        made += k;
        m_sample += k;
    }
    return { used, made };
}

size_t HopGate::output_for(size_t n_in) const
{
    const uint64_t slot = static_cast<uint64_t>(m_plan.slot_samples);
    const uint64_t guard = static_cast<uint64_t>(m_plan.guard_samples);
    const uint64_t payload = slot - guard;
    // Walk: the rest of this slot, then whole slots.
    uint64_t t = m_sample, left = n_in;
    uint64_t pos = t % slot;
    if (pos < guard) {
        t += guard - pos;
        pos = guard;
    }
    const uint64_t here = std::min<uint64_t>(slot - pos, left);
    t += here;
    left -= here;
    if (left > 0) {
        const uint64_t whole = left / payload, rest = left % payload;
        t += whole * slot + (rest > 0 ? guard + rest : 0);
    }
    return static_cast<size_t>(t - m_sample);
}

DwellJamDetector::DwellJamDetector(const DwellJamConfig& c) : m_cfg(c)
{
    if (!(c.threshold_db > 0.0) || !std::isfinite(c.threshold_db) || c.history < 4 ||
        c.history > 4096 || !(c.reference_quantile > 0.0 && c.reference_quantile < 1.0) ||
        c.warmup < 1 || c.warmup > c.history)
        throw ConfigError("dwell jam detector: threshold_db > 0, history 4..4096, "
                          "reference_quantile in (0, 1), warmup 1..history");
    m_sorted.reserve(static_cast<size_t>(c.history));
}

bool DwellJamDetector::judge(double power)
{
    if (!std::isfinite(power))
        return true;
    ++m_seen;
    // The reference is taken over the dwells before this one (so a jammer cannot raise
    // the level it is judged against with its own dwell), by a low quantile (so up to
    // 1 - quantile of jammed dwells among them do not raise it either).
    bool jammed = false;
    if (m_seen > static_cast<uint64_t>(m_cfg.warmup) && !m_recent.empty()) {
        jammed = power > m_reference * std::pow(10.0, m_cfg.threshold_db / 10.0);
    }
    m_recent.push_back(power);
    if (m_recent.size() > static_cast<size_t>(m_cfg.history))
        m_recent.pop_front();
    m_sorted.assign(m_recent.begin(), m_recent.end());
    const size_t q = static_cast<size_t>(m_cfg.reference_quantile * static_cast<double>(m_sorted.size() - 1));
    std::nth_element(m_sorted.begin(), m_sorted.begin() + static_cast<std::ptrdiff_t>(q), m_sorted.end());
    m_reference = m_sorted[q];
    return jammed;
}

HopUngate::HopUngate(const HopPlan& plan, const HopSchedule* schedule, bool erase_jammed,
                     const DwellJamConfig& detector, uint64_t start_sample)
    : m_plan(plan), m_schedule(schedule), m_erase(erase_jammed), m_detector(detector), m_sample(start_sample)
{
    check_hop_plan(plan);
    if (schedule && schedule->channels() != plan.channels)
        throw ConfigError("hopping: the schedule's channel count differs from the plan's");
    m_dwell.reserve(static_cast<size_t>(plan.payload_samples()));
    if (schedule) {
        m_stats.jammed_by_channel.assign(static_cast<size_t>(plan.channels), 0);
        m_stats.slots_by_channel.assign(static_cast<size_t>(plan.channels), 0);
    }
}

void HopUngate::finish_slot(std::vector<std::complex<float>>& out)
{
    const uint64_t slot_len = static_cast<uint64_t>(m_plan.slot_samples);
    const uint64_t slot = (m_sample - 1) / slot_len;
    const double power = m_dwell.empty() ? 0.0 : m_power_sum / static_cast<double>(m_dwell.size());
    const bool jammed = m_detector.judge(power);
    const int channel = m_schedule ? m_schedule->channel(slot) : -1;
    ++m_stats.slots;
    if (m_schedule)
        ++m_stats.slots_by_channel[static_cast<size_t>(channel)];
    if (jammed) {
        ++m_stats.jammed_slots;
        if (m_schedule)
            ++m_stats.jammed_by_channel[static_cast<size_t>(channel)];
        if (m_erase) {
            std::fill(m_dwell.begin(), m_dwell.end(), std::complex<float>(0.0f, 0.0f));
            m_stats.erased_samples += m_dwell.size();
        }
    }
    m_stats.reference_power = m_detector.reference_power();
    out.insert(out.end(), m_dwell.begin(), m_dwell.end());
    m_judged.push_back({ slot, channel, jammed, power });
    if (m_judged.size() > 256)
        m_judged.pop_front();
    m_dwell.clear();
    m_power_sum = 0.0;
}

void HopUngate::process(const std::complex<float>* in, size_t n, std::vector<std::complex<float>>& out)
{
    const uint64_t slot = static_cast<uint64_t>(m_plan.slot_samples);
    const uint64_t guard = static_cast<uint64_t>(m_plan.guard_samples);
    for (size_t i = 0; i < n;) {
        const uint64_t pos = m_sample % slot;
        if (pos < guard) {
            const size_t k = static_cast<size_t>(std::min<uint64_t>(guard - pos, n - i));
            m_stats.guard_samples += k;
            m_sample += k;
            i += k;
            continue;
        }
        const size_t k = static_cast<size_t>(std::min<uint64_t>(slot - pos, n - i));
        for (size_t j = 0; j < k; ++j) {
            const std::complex<float> x = in[i + j];
            m_power_sum += static_cast<double>(std::norm(x));
            m_dwell.push_back(x);
        }
        m_sample += k;
        i += k;
        if (m_sample % slot == 0)
            finish_slot(out);
    }
}

} // namespace dualsat
