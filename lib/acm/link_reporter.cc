// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/acm/link_reporter.h>
#include <dualsat/core/error.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace dualsat {

LinkReporter::LinkReporter(const LinkReporterConfig& config) : m_cfg(config)
{
    if (!(config.interval_s > 0.0) || !(config.interval_s <= 60.0))
        throw ConfigError("link report interval must be in (0, 60] s, got " +
                          std::to_string(config.interval_s));
    m_interval_ns = static_cast<int64_t>(std::llround(config.interval_s * 1e9));
    m_interval_ns = std::max<int64_t>(m_interval_ns, 1);
}

void LinkReporter::on_frame(const LinkObservation& frame)
{
    ++m_observed;
    if (!frame.dummy) {
        // Saturate rather than wrap: a report interval never holds 4 billion frames, but
        // a caller that stops asking for reports must not see a small count.
        if (frame.decoded)
            m_ok = m_ok == std::numeric_limits<uint32_t>::max() ? m_ok : m_ok + 1;
        else
            m_failed = m_failed == std::numeric_limits<uint32_t>::max() ? m_failed : m_failed + 1;
        m_last_format = frame.format;
    }
    const double x = frame.esn0_db, v = frame.esn0_var_db2;
    // The wire carries -327.68..327.67 dB; anything near that is a broken estimate.
    if (!std::isfinite(x) || std::abs(x) > 300.0 || !std::isfinite(v) || !(v > 0.0)) {
        ++m_rejected;
        return;
    }
    const double w = 1.0 / v;
    m_sum_w += w;
    m_sum_wx += w * x;
    m_sum_wxx += w * x * x;
    ++m_estimates;
    if (!m_have_latest || frame.time_ns > m_latest_ns)
        m_latest_ns = frame.time_ns;
    m_have_latest = true;
}

bool LinkReporter::due(int64_t now_ns) const
{
    return !m_reported_once || now_ns - m_last_report_ns >= m_interval_ns;
}

LinkReport LinkReporter::next(int64_t now_ns)
{
    LinkReport r;
    r.link_id = m_cfg.link_id;
    r.sequence = m_sequence++;
    r.locked = m_locked;
    r.frames_ok = m_ok;
    r.frames_failed = m_failed;
    r.timestamp_ns = static_cast<uint64_t>(std::max<int64_t>(m_have_latest ? m_latest_ns : now_ns, 0));
    if (m_last_format)
        r.set_last_format(*m_last_format);
    if (m_estimates > 0 && m_sum_w > 0.0) {
        const double mean = m_sum_wx / m_sum_w;
        const double model_var = 1.0 / m_sum_w;
        double spread_var = 0.0;
        if (m_estimates >= 2) {
            // Weighted spread around the mean, per frame, then of the mean of n frames.
            const double per_frame = std::max(0.0, m_sum_wxx / m_sum_w - mean * mean);
            spread_var = per_frame * m_estimates / (m_estimates - 1.0) / m_estimates;
        }
        r.esn0_valid = true;
        r.esn0_db = mean;
        r.esn0_var_db2 = std::max(model_var, spread_var);
    }
    ++m_reports;
    m_reported_once = true;
    m_last_report_ns = now_ns;
    m_sum_w = m_sum_wx = m_sum_wxx = 0.0;
    m_estimates = 0;
    m_have_latest = false;
    m_ok = m_failed = 0;
    // The last format stays: "last MODCOD decoded" holds until another frame arrives.
    return r;
}

} // namespace dualsat
