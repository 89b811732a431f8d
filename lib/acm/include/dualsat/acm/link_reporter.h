// SPDX-License-Identifier: GPL-3.0-or-later
//
// The receiving side of an ACM loop: per-frame measurements in (every PLFRAME the receiver
// got in lock, data or dummy), one LinkReport per interval out, for the far end's
// AcmController. Deterministic like the controller: every time is passed in (ns of the
// caller's clock), so a simulation can run on a symbol clock and the daemon on
// steady_clock.
//
// Per report:
//   - Es/N0: the inverse-variance weighted mean (in dB) of the interval's frame estimates,
//     each frame's variance from the receiver (a frame without a finite estimate or with a
//     non-positive variance does not count); its variance is the larger of the model's
//     (1 / sum of weights) and the frames' observed spread around the mean divided by their
//     count (the spread also holds a fade within the interval, which the model does not),
//     so the controller never trusts a report more than the frames justify. No frame with
//     an estimate in the interval: the report says "Es/N0 not valid" (the controller then
//     changes nothing) rather than repeat an old value;
//   - lock: as last set (the receiver's frame lock at report time);
//   - frames ok / failed: data frames decoded / not decoded since the previous report;
//   - last format: the latest data frame whose PLHEADER was received (decoded or not: its
//     PLS code shows that a MODCOD change has reached the far end, which is what the
//     controller's loop-delay probe looks for);
//   - sequence: +1 per report, from 0; timestamp: the latest measurement's time (when the
//     report's Es/N0 was measured), or the report time when there was none.
#pragma once

#include <dualsat/acm/link_report.h>
#include <dualsat/modcod/modcod.h>

#include <cstdint>
#include <optional>

namespace dualsat {

struct LinkReporterConfig {
    uint16_t link_id = 0;
    double interval_s = 0.25; // 4 reports per second, what shipping ACM modems send
};

// One PLFRAME as the receiver measured it.
struct LinkObservation {
    int64_t time_ns = 0;
    bool dummy = false;         // an idle frame: Es/N0 only
    bool decoded = false;       // data frame: BCH/LDPC succeeded (false: counted as failed)
    float esn0_db = 0.0f;
    float esn0_var_db2 = 0.0f;  // the estimate's variance; <= 0 or non-finite: unusable
    FrameFormat format;         // data frame's format (ignored for dummy frames)
};

class LinkReporter
{
public:
    // Throws ConfigError for an interval that is not a positive finite number of seconds
    // (at most 60).
    explicit LinkReporter(const LinkReporterConfig& config);

    void on_frame(const LinkObservation& frame);
    void set_locked(bool locked) { m_locked = locked; }

    // A report is due: interval_s since the previous one (the first is due at once).
    bool due(int64_t now_ns) const;
    // The report for everything since the previous one; starts the next interval.
    LinkReport next(int64_t now_ns);

    const LinkReporterConfig& config() const { return m_cfg; }
    uint64_t reports() const { return m_reports; }
    uint64_t frames_observed() const { return m_observed; }
    uint64_t estimates_rejected() const { return m_rejected; } // frames without a usable Es/N0

private:
    LinkReporterConfig m_cfg;
    int64_t m_interval_ns;
    bool m_locked = false;
    bool m_reported_once = false;
    int64_t m_last_report_ns = 0;
    uint32_t m_sequence = 0;
    uint64_t m_reports = 0, m_observed = 0, m_rejected = 0;
    // This interval.
    double m_sum_w = 0.0, m_sum_wx = 0.0, m_sum_wxx = 0.0;
    int m_estimates = 0;
    int64_t m_latest_ns = 0;
    bool m_have_latest = false;
    uint32_t m_ok = 0, m_failed = 0;
    std::optional<FrameFormat> m_last_format;
};

} // namespace dualsat
