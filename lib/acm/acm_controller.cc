// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/acm/acm_controller.h>
#include <dualsat/core/error.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>

namespace dualsat {
namespace {

constexpr double kNsPerS = 1e9;

// Smoothing of the report-loss ratio: one report in 16 weighs 1/16, so an isolated loss
// lifts it to ~6 % and it takes ~4 good reports (1 s at 4 per second) to fall below 5 %,
// while at 30 % loss it would take ~28 reports in a row without a loss (0.7^28 ~ 5e-5).
constexpr double kLossSmoothing = 1.0 / 16.0;

// A sequence gap larger than this is not counted as lost reports but as a restart.
constexpr int64_t kMaxCountedGap = 1024;

// Estimator variance floor for the fit's weights (0.1 dB standard deviation): a reporter
// claiming less would otherwise outweigh all the others.
constexpr double kMinVarianceDb2 = 0.01;

std::string format(const char* fmt, ...)
{
    char buf[320];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return buf;
}

int64_t to_ns(double seconds) { return static_cast<int64_t>(std::llround(seconds * kNsPerS)); }

bool finite_nonneg(double v) { return std::isfinite(v) && v >= 0.0; }

} // namespace

const char* to_string(AcmReason reason)
{
    switch (reason) {
    case AcmReason::Initial:
        return "initial";
    case AcmReason::Steady:
        return "steady";
    case AcmReason::StepUpPending:
        return "step-up pending";
    case AcmReason::StepUp:
        return "step up";
    case AcmReason::Fade:
        return "fade";
    case AcmReason::PredictedFade:
        return "predicted fade";
    case AcmReason::ReturnPathLossy:
        return "return path lossy";
    case AcmReason::NoEstimate:
        return "no estimate";
    case AcmReason::ReportTimeout:
        return "report timeout";
    case AcmReason::FarEndUnlocked:
        return "far end unlocked";
    case AcmReason::Reconfigured:
        return "reconfigured";
    }
    return "?";
}

const char* to_string(ReportOutcome outcome)
{
    switch (outcome) {
    case ReportOutcome::Accepted:
        return "accepted";
    case ReportOutcome::WrongLink:
        return "wrong link";
    case ReportOutcome::Duplicate:
        return "duplicate";
    case ReportOutcome::Stale:
        return "stale";
    }
    return "?";
}

void AcmController::validate(const AcmConfig& c)
{
    if (c.min_modcod < 1 || c.max_modcod > 28 || c.min_modcod > c.max_modcod)
        throw ConfigError("ACM: allowed MODCOD numbers must satisfy 1 <= min <= max <= 28");
    if (!std::isfinite(c.margin_db) || !finite_nonneg(c.hysteresis_db) ||
        !finite_nonneg(c.step_up_hold_s))
        throw ConfigError("ACM: margin must be finite, hysteresis and hold >= 0");
    if (c.max_step_up_rungs < 1)
        throw ConfigError("ACM: a step up climbs at least one rung (max_step_up_rungs >= 1)");
    if (!finite_nonneg(c.hysteresis_min_db))
        throw ConfigError("ACM: the adaptive hysteresis floor must be >= 0");
    if (!finite_nonneg(c.loop_delay_s) || !(c.report_interval_s > 0.0) ||
        !std::isfinite(c.report_interval_s) || !(c.slope_window_s > 0.0) ||
        c.slope_min_reports < 2 || !finite_nonneg(c.max_prediction_db))
        throw ConfigError("ACM: loop delay >= 0, report interval and slope window > 0, "
                          "at least 2 reports per slope, prediction cap >= 0");
    if (!(c.target_fer > 0.0 && c.target_fer < 1.0) || !finite_nonneg(c.olla_step_up_db) ||
        !finite_nonneg(c.olla_max_up_per_report_db) || !finite_nonneg(c.olla_max_down_db_per_s) ||
        !std::isfinite(c.trim_min_db) || !std::isfinite(c.trim_max_db) ||
        c.trim_min_db > 0.0 || c.trim_max_db < 0.0)
        throw ConfigError("ACM: target FER in (0, 1), outer-loop steps >= 0, "
                          "trim_min <= 0 <= trim_max");
    if (!(c.report_timeout_s > 0.0) || !std::isfinite(c.report_timeout_s) ||
        !(c.max_report_loss >= 0.0 && c.max_report_loss <= 1.0))
        throw ConfigError("ACM: report timeout > 0, max report loss in [0, 1]");
}

FrameFormat AcmController::format_of(const AcmConfig& c, int modcod_number)
{
    const ModCod mc = modcod_from_number(modcod_number);
    bool pilots = true;
    switch (c.pilots) {
    case PilotsPolicy::Always:
        pilots = true;
        break;
    case PilotsPolicy::Never:
        pilots = false;
        break;
    case PilotsPolicy::ApskOnly:
        pilots = mc.mod == Modulation::APSK16 || mc.mod == Modulation::APSK32;
        break;
    }
    return FrameFormat{ mc, c.frame, pilots };
}

std::vector<AcmRung> AcmController::build_ladder(const AcmConfig& c, const AcmThresholds& thresholds)
{
    std::vector<AcmRung> all;
    for (int n = c.min_modcod; n <= c.max_modcod; ++n) {
        const ModCod mc = modcod_from_number(n);
        if (std::find(c.excluded_modcods.begin(), c.excluded_modcods.end(), n) !=
                c.excluded_modcods.end() ||
            std::find(c.excluded_modulations.begin(), c.excluded_modulations.end(), mc.mod) !=
                c.excluded_modulations.end() ||
            !code_exists(c.frame, mc.rate))
            continue;
        const auto thr = thresholds.get(n, c.frame);
        if (!thr)
            continue;
        const FrameFormat f = format_of(c, n);
        all.push_back({ n, f, *thr, double(f.code().kbch) / double(f.plframe_symbols()) });
    }
    std::sort(all.begin(), all.end(), [](const AcmRung& a, const AcmRung& b) {
        return a.threshold_db != b.threshold_db ? a.threshold_db < b.threshold_db
                                                : a.efficiency > b.efficiency;
    });
    if (!c.skip_dominated)
        return all;
    std::vector<AcmRung> ladder;
    for (const auto& r : all)
        if (ladder.empty() || r.efficiency > ladder.back().efficiency)
            ladder.push_back(r);
    return ladder;
}

size_t AcmController::fallback_rung(const AcmConfig& c, const std::vector<AcmRung>& ladder)
{
    if (c.fallback_modcod == 0)
        return 0;
    for (size_t i = 0; i < ladder.size(); ++i)
        if (ladder[i].modcod_number == c.fallback_modcod)
            return i;
    throw ConfigError("ACM: fallback MODCOD " + std::to_string(c.fallback_modcod) +
                      " is not in the allowed set");
}

AcmController::AcmController(const AcmConfig& config, const AcmThresholds& thresholds)
    : m_cfg(config)
{
    validate(m_cfg);
    m_ladder = build_ladder(m_cfg, thresholds);
    if (m_ladder.empty())
        throw ConfigError("ACM: no allowed MODCOD has a threshold for " + to_string(m_cfg.frame) +
                          " frames");
    m_fallback = fallback_rung(m_cfg, m_ladder);
    m_rung = m_fallback;
    m_state.decision = { m_ladder[m_rung].format, AcmReason::Initial,
                         "no report yet: fallback " + to_string(m_ladder[m_rung].format), 0 };
    m_state.target = m_ladder[m_rung].format;
    m_state.fallback = true;
    m_state.margin_db = m_cfg.margin_db;
    m_state.hysteresis_db = m_cfg.hysteresis_db; // until a report states its variance
    m_state.loop_delay_s = m_cfg.loop_delay_s;
    m_state.required_esn0_db = need(m_rung);
}

double AcmController::need(size_t rung) const
{
    return m_ladder[rung].threshold_db + m_cfg.margin_db + m_state.trim_db;
}

size_t AcmController::highest_sustainable(double esn0) const
{
    size_t best = m_ladder.size();
    for (size_t i = 0; i < m_ladder.size(); ++i)
        if (need(i) <= esn0)
            best = i;
    return best;
}

void AcmController::account(int64_t now_ns)
{
    if (!m_accounted) {
        m_accounted = true;
        m_accounted_until = now_ns;
        return;
    }
    if (now_ns > m_accounted_until) {
        m_state.ns_per_modcod[static_cast<size_t>(m_ladder[m_rung].modcod_number)] +=
            now_ns - m_accounted_until;
        m_accounted_until = now_ns;
    }
}

void AcmController::change_to(size_t rung, AcmReason reason, const std::string& text, int64_t now_ns)
{
    if (rung != m_rung) {
        ++m_state.changes;
        if (rung > m_rung)
            ++m_state.step_ups;
        else
            ++m_state.step_downs;
        if (rung < m_rung) {
            m_last_down_ns = now_ns;
            m_have_down = true;
        }
        m_rung = rung;
        m_probe_modcod = m_ladder[rung].modcod_number;
        m_probe_since = now_ns;
    }
    m_last_change = now_ns;
    m_changed_once = true;
    m_up_pending = false;
    m_state.decision = { m_ladder[m_rung].format, reason, text, now_ns };
    m_state.required_esn0_db = need(m_rung);
}

void AcmController::keep(AcmReason reason, const std::string& text, int64_t now_ns)
{
    m_state.decision.reason = reason;
    m_state.decision.text = text;
    m_state.decision.time_ns = now_ns;
    m_state.required_esn0_db = need(m_rung);
}

void AcmController::enter_fallback(AcmReason reason, const std::string& text, int64_t now_ns)
{
    if (!m_state.fallback)
        ++m_state.fallbacks;
    m_state.fallback = true;
    // Never up: when a fade already took the link below the fallback, it stays there.
    const size_t rung = std::min(m_rung, m_fallback);
    change_to(rung, reason, text + ": " + to_string(m_ladder[rung].format), now_ns);
    m_state.target = m_ladder[rung].format;
}

const AcmDecision& AcmController::decide(int64_t now_ns)
{
    account(now_ns);
    if (m_have_report && !m_timed_out && now_ns - m_last_arrival >= to_ns(m_cfg.report_timeout_s)) {
        m_timed_out = true;
        enter_fallback(AcmReason::ReportTimeout,
                       format("no report for %.2f s", (now_ns - m_last_arrival) / kNsPerS), now_ns);
    }
    return m_state.decision;
}

ReportOutcome AcmController::on_report(const LinkReport& r, int64_t arrival_ns)
{
    account(arrival_ns);
    if (r.link_id != m_cfg.link_id) {
        ++m_state.reports_wrong_link;
        return ReportOutcome::WrongLink;
    }
    double dt_s = m_cfg.report_interval_s;
    if (m_have_report) {
        const int64_t d = static_cast<int32_t>(r.sequence - m_last_seq);
        const bool timed_out = arrival_ns - m_last_arrival >= to_ns(m_cfg.report_timeout_s);
        if (!timed_out && d == 0) {
            ++m_state.reports_duplicate;
            return ReportOutcome::Duplicate;
        }
        if (!timed_out && d < 0) {
            ++m_state.reports_stale;
            return ReportOutcome::Stale;
        }
        if (d <= 0 || d - 1 > kMaxCountedGap) {
            ++m_state.sequence_resyncs;
        } else if (d > 1) {
            const int64_t lost = d - 1;
            m_state.reports_lost += static_cast<uint64_t>(lost);
            m_state.report_loss =
                1.0 - (1.0 - m_state.report_loss) * std::pow(1.0 - kLossSmoothing, double(lost));
        }
        dt_s = std::clamp((arrival_ns - m_last_arrival) / kNsPerS, 0.0, m_cfg.report_timeout_s);
        if (r.timestamp_ns <= m_last_timestamp)
            m_history.clear(); // the far end's clock went back (restart): old slope is void
    }
    m_state.report_loss *= 1.0 - kLossSmoothing;
    m_have_report = true;
    m_timed_out = false;
    m_last_seq = r.sequence;
    m_last_arrival = arrival_ns;
    m_last_timestamp = r.timestamp_ns;
    ++m_state.reports_accepted;
    m_state.frames_ok += r.frames_ok;
    m_state.frames_failed += r.frames_failed;

    measure_loop_delay(r, arrival_ns);
    evaluate(r, arrival_ns, dt_s);
    m_last_reported_modcod = r.last_modcod;
    return ReportOutcome::Accepted;
}

void AcmController::measure_loop_delay(const LinkReport& r, int64_t arrival_ns)
{
    if (!m_cfg.measure_loop_delay || m_probe_modcod == 0 || r.last_modcod != m_probe_modcod)
        return;
    // Only the first report showing the new MODCOD after reports showing another one
    // times the loop; if the far end was already on it (a quick change back), it cannot.
    if (m_last_reported_modcod != m_probe_modcod) {
        const double measured = (arrival_ns - m_probe_since) / kNsPerS;
        if (measured > 0.0 && measured < 10.0) {
            m_state.loop_delay_s = m_state.loop_delay_measured
                                       ? 0.75 * m_state.loop_delay_s + 0.25 * measured
                                       : measured;
            m_state.loop_delay_measured = true;
        }
    }
    m_probe_modcod = 0;
}

size_t AcmController::rung_of(const FrameFormat& f) const
{
    for (size_t i = 0; i < m_ladder.size(); ++i)
        if (m_ladder[i].format == f)
            return i;
    return m_ladder.size();
}

void AcmController::update_outer_loop(const LinkReport& r, int64_t arrival_ns, double dt_s)
{
    if (!m_cfg.outer_loop)
        return;
    const double t = m_cfg.target_fer;
    const double down_per_frame = m_cfg.olla_step_up_db * t / (1.0 - t);
    // Errors while the link is below the lowest rung's need are an outage: no margin helps.
    const bool outage = !(r.esn0_valid && std::isfinite(r.esn0_db)) ||
                        r.esn0_db < m_ladder.front().threshold_db + m_cfg.margin_db;
    // Errors the inner loop explains are not a margin problem: frames sent at a rung the
    // controller has since left downward (they were chosen before the fade's reports came
    // back: a loop delay of frames fails at the start of every fast fade), or at a rung
    // whose need (threshold + base margin) the reported Es/N0 is already below. Counting
    // them raised the margin by 1.5 dB after a 3 dB/s fade, and at tens of frames per
    // second the trim took minutes to come down (the fade bench's ramp run). What is left
    // — errors at a rung the report says the link sustains — is what the outer loop is
    // for: thresholds or an estimator that are off.
    // A report's frames span its interval and the "last format" names only the newest, so
    // also: reports within a loop delay and an interval of a step down still carry frames
    // sent before the far end had the new format (the two-daemon test's sudden 9 dB drop
    // raised the trim by 1 dB through one such report).
    bool explained = m_have_down && arrival_ns - m_last_down_ns <=
                                        to_ns(m_state.loop_delay_s + m_cfg.report_interval_s);
    if (const auto f = r.last_format()) {
        const size_t sent_at = rung_of(*f);
        if (sent_at < m_ladder.size())
            explained = explained || sent_at > m_rung ||
                        r.esn0_db < m_ladder[sent_at].threshold_db + m_cfg.margin_db;
    }
    if (explained && r.frames_failed > 0)
        ++m_state.failures_explained;
    const double up = outage || explained ? 0.0
                                          : std::min(m_cfg.olla_step_up_db * r.frames_failed,
                                                     m_cfg.olla_max_up_per_report_db);
    const double down = std::min(down_per_frame * r.frames_ok, m_cfg.olla_max_down_db_per_s * dt_s);
    m_state.trim_db = std::clamp(m_state.trim_db + up - down, m_cfg.trim_min_db, m_cfg.trim_max_db);
    m_state.margin_db = m_cfg.margin_db + m_state.trim_db;
}

double AcmController::adaptive_hysteresis() const
{
    // A hysteresis_db set below the floor is a fixed hysteresis: the floor gives way.
    const double floor = std::min(m_cfg.hysteresis_min_db, m_cfg.hysteresis_db);
    return std::clamp(2.0 * m_state.report_sigma_db, floor, m_cfg.hysteresis_db);
}

void AcmController::update_hysteresis(const LinkReport& r)
{
    if (!m_cfg.adaptive_hysteresis) {
        m_state.hysteresis_db = m_cfg.hysteresis_db;
        return;
    }
    // Smoothed like the report loss (weight 1/4: about the hold's four reports); a report
    // without a finite variance counts as the fixed hysteresis' 1 sigma.
    const double fallback_var = 0.25 * m_cfg.hysteresis_db * m_cfg.hysteresis_db;
    const double var = std::isfinite(r.esn0_var_db2) && r.esn0_var_db2 >= 0.0 ? r.esn0_var_db2
                                                                              : fallback_var;
    m_var_smoothed = m_have_var ? 0.75 * m_var_smoothed + 0.25 * var : var;
    m_have_var = true;
    m_state.report_sigma_db = std::sqrt(m_var_smoothed);
    m_state.hysteresis_db = adaptive_hysteresis();
}

void AcmController::update_prediction(const LinkReport& r)
{
    const double var = std::max(r.esn0_var_db2, kMinVarianceDb2);
    m_history.push_back({ r.timestamp_ns, r.esn0_db, 1.0 / (std::isfinite(var) ? var : 1e6) });
    const uint64_t window = static_cast<uint64_t>(to_ns(m_cfg.slope_window_s));
    while (m_history.size() > 1 && r.timestamp_ns - m_history.front().timestamp_ns > window)
        m_history.pop_front();

    m_state.have_esn0 = true;
    m_state.reported_esn0_db = r.esn0_db;
    update_hysteresis(r);
    double slope = 0.0;
    if (m_history.size() >= static_cast<size_t>(m_cfg.slope_min_reports)) {
        // Weighted least squares, time relative to the newest report.
        double sw = 0, st = 0, sy = 0;
        for (const auto& s : m_history) {
            const double t = -static_cast<double>(r.timestamp_ns - s.timestamp_ns) / kNsPerS;
            sw += s.weight;
            st += s.weight * t;
            sy += s.weight * s.esn0_db;
        }
        const double tm = st / sw, ym = sy / sw;
        double stt = 0, sty = 0;
        for (const auto& s : m_history) {
            const double t = -static_cast<double>(r.timestamp_ns - s.timestamp_ns) / kNsPerS;
            stt += s.weight * (t - tm) * (t - tm);
            sty += s.weight * (t - tm) * (s.esn0_db - ym);
        }
        if (stt > 0.0)
            slope = sty / stt;
    }
    m_state.slope_db_per_s = slope;
    double drop = 0.0;
    if (m_cfg.predict_fades && slope < 0.0)
        drop = std::max(slope * (m_state.loop_delay_s + m_cfg.report_interval_s),
                        -m_cfg.max_prediction_db);
    m_state.predicted_esn0_db = r.esn0_db + drop;
}

void AcmController::evaluate(const LinkReport& r, int64_t now, double dt_s)
{
    if (!r.locked) {
        m_up_pending = false;
        enter_fallback(AcmReason::FarEndUnlocked, "far end reports no lock", now);
        return;
    }
    update_outer_loop(r, now, dt_s);
    if (!r.esn0_valid || !std::isfinite(r.esn0_db)) {
        m_up_pending = false;
        keep(AcmReason::NoEstimate, "report without an Es/N0 estimate: no change", now);
        return;
    }
    update_prediction(r);
    const double reported = m_state.reported_esn0_db;
    const double e = m_state.predicted_esn0_db;
    const size_t top = m_ladder.size() - 1;
    const size_t h = highest_sustainable(e);
    const size_t floor_rung = h == m_ladder.size() ? 0 : h;
    const auto& cur = m_ladder[m_rung];
    m_state.fallback = false;

    // Where the rules head: down at once, up only with the hysteresis to spare.
    size_t target = floor_rung;
    if (h != m_ladder.size() && h > m_rung) {
        target = m_rung;
        while (target < top && need(target + 1) + m_state.hysteresis_db <= e)
            ++target;
    }
    m_state.target = m_ladder[target].format;

    if (e < need(m_rung)) {
        m_up_pending = false;
        if (floor_rung < m_rung) {
            const bool predicted = reported >= need(m_rung);
            change_to(floor_rung, predicted ? AcmReason::PredictedFade : AcmReason::Fade,
                      format("%s: Es/N0 %.2f dB (predicted %.2f, slope %.2f dB/s) below %s need "
                             "%.2f dB -> %s (need %.2f)",
                             predicted ? "predicted fade" : "fade", reported, e,
                             m_state.slope_db_per_s, to_string(cur.format.modcod).c_str(),
                             need(m_rung), to_string(m_ladder[floor_rung].format.modcod).c_str(),
                             need(floor_rung)),
                      now);
        } else {
            keep(AcmReason::Fade,
                 format("fade: Es/N0 %.2f dB (predicted %.2f) below the lowest rung %s need %.2f dB",
                        reported, e, to_string(cur.format.modcod).c_str(), need(m_rung)),
                 now);
        }
        return;
    }

    if (m_rung == top || e < need(m_rung + 1) + m_state.hysteresis_db) {
        m_up_pending = false;
        keep(AcmReason::Steady,
             m_rung == top
                 ? format("steady: Es/N0 %.2f dB (predicted %.2f), top rung %s needs %.2f dB",
                          reported, e, to_string(cur.format.modcod).c_str(), need(m_rung))
                 : format("steady: Es/N0 %.2f dB (predicted %.2f), %s needs %.2f dB, %s %.2f + "
                          "hysteresis %.2f",
                          reported, e, to_string(cur.format.modcod).c_str(), need(m_rung),
                          to_string(m_ladder[m_rung + 1].format.modcod).c_str(),
                          need(m_rung + 1), m_state.hysteresis_db),
             now);
        return;
    }

    const auto& next = m_ladder[m_rung + 1];
    if (m_state.report_loss > m_cfg.max_report_loss) {
        m_up_pending = false;
        keep(AcmReason::ReturnPathLossy,
             format("no step up to %s: %.0f %% of reports lost (limit %.0f %%)",
                    to_string(next.format.modcod).c_str(), 100.0 * m_state.report_loss,
                    100.0 * m_cfg.max_report_loss),
             now);
        return;
    }
    if (!m_up_pending) {
        m_up_pending = true;
        m_up_since = now;
        m_up_min_esn0 = e;
    }
    m_up_min_esn0 = std::min(m_up_min_esn0, e);
    const int64_t hold = to_ns(m_cfg.step_up_hold_s);
    const int64_t held = now - m_up_since;
    const int64_t since_change = m_changed_once ? now - m_last_change : held;
    if (held >= hold && since_change >= hold) {
        // As high as every report through the hold allowed (the next rung always did, or
        // the step would not be pending), within max_step_up_rungs.
        const size_t limit = std::min(top, m_rung + static_cast<size_t>(m_cfg.max_step_up_rungs));
        size_t to = m_rung + 1;
        while (to < limit && need(to + 1) + m_state.hysteresis_db <= m_up_min_esn0)
            ++to;
        const auto& dest = m_ladder[to];
        change_to(to, AcmReason::StepUp,
                  format("step up %zu rung%s: Es/N0 %.2f dB (predicted %.2f, lowest %.2f in the "
                         "hold) >= %s need %.2f + hysteresis %.2f dB for %.2f s",
                         to - m_rung, to - m_rung == 1 ? "" : "s", reported, e, m_up_min_esn0,
                         to_string(dest.format.modcod).c_str(), need(to), m_state.hysteresis_db,
                         held / kNsPerS),
                  now);
        return;
    }
    keep(AcmReason::StepUpPending,
         format("step up to %s pending: held %.2f of %.2f s (%.2f s since the last change)",
                to_string(next.format.modcod).c_str(), held / kNsPerS, m_cfg.step_up_hold_s,
                since_change / kNsPerS),
         now);
}

void AcmController::reconfigure(const AcmConfig& config, const AcmThresholds& thresholds, int64_t now_ns)
{
    validate(config);
    auto ladder = build_ladder(config, thresholds);
    if (ladder.empty())
        throw ConfigError("ACM: no allowed MODCOD has a threshold for " + to_string(config.frame) +
                          " frames");
    const size_t fallback = fallback_rung(config, ladder);
    account(now_ns);
    const AcmRung old = m_ladder[m_rung];
    // The same MODCOD if still allowed, else the most efficient one needing no more Es/N0.
    size_t rung = 0;
    bool same = false;
    for (size_t i = 0; i < ladder.size(); ++i) {
        if (ladder[i].modcod_number == old.modcod_number) {
            rung = i;
            same = true;
            break;
        }
        if (ladder[i].threshold_db <= old.threshold_db)
            rung = i;
    }
    m_cfg = config;
    m_ladder = std::move(ladder);
    m_fallback = fallback;
    m_state.trim_db = std::clamp(m_state.trim_db, m_cfg.trim_min_db, m_cfg.trim_max_db);
    m_state.margin_db = m_cfg.margin_db + m_state.trim_db;
    m_state.hysteresis_db = m_cfg.adaptive_hysteresis && m_have_var ? adaptive_hysteresis()
                                                                    : m_cfg.hysteresis_db;
    if (!m_state.loop_delay_measured)
        m_state.loop_delay_s = m_cfg.loop_delay_s;
    m_up_pending = false;
    m_rung = rung;
    if (!same || m_ladder[rung].format != old.format) {
        ++m_state.changes;
        if (m_ladder[rung].threshold_db < old.threshold_db)
            ++m_state.step_downs;
        m_probe_modcod = m_ladder[rung].modcod_number;
        m_probe_since = now_ns;
        m_last_change = now_ns;
        m_changed_once = true;
        m_state.decision = { m_ladder[rung].format, AcmReason::Reconfigured,
                             "reconfigured: " + to_string(old.format) + " -> " +
                                 to_string(m_ladder[rung].format),
                             now_ns };
    }
    m_state.required_esn0_db = need(m_rung);
}

} // namespace dualsat
