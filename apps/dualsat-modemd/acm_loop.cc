// SPDX-License-Identifier: GPL-3.0-or-later
#include "acm_loop.h"

#include "data_plane.h" // ResourceError

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>

namespace modemd {

using nlohmann::json;

namespace {

constexpr size_t kHistory = 64;
constexpr auto kPollPeriod = std::chrono::milliseconds(20);

std::string format_name(const dualsat::FrameFormat& f) { return dualsat::to_string(f); }

json optional_double(bool valid, double v) { return valid ? json(v) : json(nullptr); }

// Metric label values for the parser's reasons.
const char* bad_reason(size_t status)
{
    switch (static_cast<dualsat::LinkReportStatus>(status)) {
    case dualsat::LinkReportStatus::TooShort:
        return "too_short";
    case dualsat::LinkReportStatus::BadMagic:
        return "bad_magic";
    case dualsat::LinkReportStatus::BadVersion:
        return "bad_version";
    case dualsat::LinkReportStatus::BadLength:
        return "bad_length";
    case dualsat::LinkReportStatus::BadCrc:
        return "bad_crc";
    case dualsat::LinkReportStatus::FieldOutOfRange:
        return "field_out_of_range";
    case dualsat::LinkReportStatus::Ok:
        break;
    }
    return "ok";
}

const char* pilots_name(dualsat::PilotsPolicy p)
{
    return p == dualsat::PilotsPolicy::Never ? "never" : p == dualsat::PilotsPolicy::ApskOnly ? "apsk_only" : "always";
}

std::string modcod_name(int number) { return dualsat::to_string(dualsat::modcod_from_number(number)); }

// The controller settings in force, named as in the config's acm section.
json settings_json(const dualsat::AcmConfig& k)
{
    json exclude = json::array();
    for (auto m : k.excluded_modulations)
        exclude.push_back(dualsat::to_string(m));
    for (int n : k.excluded_modcods)
        exclude.push_back(modcod_name(n));
    return { { "margin_db", k.margin_db },
             { "hysteresis_db", k.hysteresis_db },
             { "step_up_hold_s", k.step_up_hold_s },
             { "report_timeout_s", k.report_timeout_s },
             { "target_fer", k.target_fer },
             { "outer_loop", k.outer_loop },
             { "predict_fades", k.predict_fades },
             { "loop_delay_s", k.loop_delay_s },
             { "max_report_loss", k.max_report_loss },
             { "min_modcod", modcod_name(k.min_modcod) },
             { "max_modcod", modcod_name(k.max_modcod) },
             { "exclude", exclude },
             { "frame", dualsat::to_string(k.frame) },
             { "pilots", pilots_name(k.pilots) },
             { "fallback", k.fallback_modcod == 0 ? std::string("lowest") : modcod_name(k.fallback_modcod) } };
}

// SIGHUP's rule (as for modem.modcod against POST /modcod): a setting comes from the file
// only where the file's value changed since it was last read.
void merge_file_changes(dualsat::AcmConfig& k, const dualsat::AcmConfig& last, const dualsat::AcmConfig& file)
{
#define DUALSAT_TAKE_IF_CHANGED(field) \
    if (file.field != last.field)      \
        k.field = file.field;
    DUALSAT_TAKE_IF_CHANGED(margin_db)
    DUALSAT_TAKE_IF_CHANGED(hysteresis_db)
    DUALSAT_TAKE_IF_CHANGED(step_up_hold_s)
    DUALSAT_TAKE_IF_CHANGED(report_timeout_s)
    DUALSAT_TAKE_IF_CHANGED(target_fer)
    DUALSAT_TAKE_IF_CHANGED(outer_loop)
    DUALSAT_TAKE_IF_CHANGED(predict_fades)
    DUALSAT_TAKE_IF_CHANGED(loop_delay_s)
    DUALSAT_TAKE_IF_CHANGED(max_report_loss)
    DUALSAT_TAKE_IF_CHANGED(min_modcod)
    DUALSAT_TAKE_IF_CHANGED(max_modcod)
    DUALSAT_TAKE_IF_CHANGED(excluded_modcods)
    DUALSAT_TAKE_IF_CHANGED(excluded_modulations)
    DUALSAT_TAKE_IF_CHANGED(frame)
    DUALSAT_TAKE_IF_CHANGED(pilots)
    DUALSAT_TAKE_IF_CHANGED(fallback_modcod)
    DUALSAT_TAKE_IF_CHANGED(link_id)
    DUALSAT_TAKE_IF_CHANGED(report_interval_s)
#undef DUALSAT_TAKE_IF_CHANGED
}

// POST /acm's body into `k`, with the config's ranges and message style ("acm.<key>: ...").
bool parse_settings(const json& body, const AcmConfig& cfg, dualsat::AcmConfig& k, std::string& error)
{
    auto fail = [&](const std::string& key, const std::string& what) {
        error = "acm." + key + ": " + what;
        return false;
    };
    auto shown = [](const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); };
    struct Range {
        const char* key;
        double dualsat::AcmConfig::*field;
        double lo, hi;
    };
    static const Range ranges[] = { { "margin_db", &dualsat::AcmConfig::margin_db, 0.0, 20.0 },
                                    { "hysteresis_db", &dualsat::AcmConfig::hysteresis_db, 0.0, 10.0 },
                                    { "step_up_hold_s", &dualsat::AcmConfig::step_up_hold_s, 0.0, 3600.0 },
                                    { "report_timeout_s", &dualsat::AcmConfig::report_timeout_s, 0.05, 3600.0 },
                                    { "target_fer", &dualsat::AcmConfig::target_fer, 1e-9, 0.5 },
                                    { "loop_delay_s", &dualsat::AcmConfig::loop_delay_s, 0.0, 60.0 },
                                    { "max_report_loss", &dualsat::AcmConfig::max_report_loss, 0.0, 1.0 } };
    auto modcod_of = [&](const std::string& key, const json& v, int& out) {
        if (!v.is_string())
            return fail(key, "expected a MODCOD (\"QPSK 1/2\"), got " + shown(v));
        try {
            out = dualsat::modcod_number(dualsat::parse_modcod(v.get<std::string>()));
        } catch (const dualsat::Error& e) {
            return fail(key, shown(v) + " is not a DVB-S2 MODCOD (" + e.what() + ")");
        }
        return true;
    };
    for (auto it = body.begin(); it != body.end(); ++it) {
        const std::string& key = it.key();
        const json& v = it.value();
        bool known = false;
        for (const auto& r : ranges) {
            if (key != r.key)
                continue;
            known = true;
            if (!v.is_number())
                return fail(key, "expected a number, got " + shown(v));
            const double x = v.get<double>();
            if (!std::isfinite(x) || x < r.lo || x > r.hi) {
                std::ostringstream os;
                os << shown(v) << " is out of range (>= " << r.lo << " and <= " << r.hi << ")";
                return fail(key, os.str());
            }
            k.*r.field = x;
        }
        if (known)
            continue;
        if (key == "outer_loop" || key == "predict_fades") {
            if (!v.is_boolean())
                return fail(key, "expected true or false, got " + shown(v));
            (key == "outer_loop" ? k.outer_loop : k.predict_fades) = v.get<bool>();
        } else if (key == "min_modcod") {
            if (!modcod_of(key, v, k.min_modcod))
                return false;
        } else if (key == "max_modcod") {
            if (!modcod_of(key, v, k.max_modcod))
                return false;
        } else if (key == "fallback") {
            if (v.is_string() && v.get<std::string>() == "lowest")
                k.fallback_modcod = 0;
            else if (!modcod_of(key, v, k.fallback_modcod))
                return false;
        } else if (key == "exclude") {
            if (!v.is_array())
                return fail(key, "expected a list of MODCOD or modulation names, got " + shown(v));
            std::vector<int> modcods;
            std::vector<dualsat::Modulation> modulations;
            for (size_t i = 0; i < v.size(); ++i) {
                const std::string item_key = key + "[" + std::to_string(i) + "]";
                if (!v[i].is_string())
                    return fail(item_key, "expected a MODCOD (\"16APSK 9/10\") or a modulation (\"32APSK\")");
                try {
                    modulations.push_back(dualsat::parse_modulation(v[i].get<std::string>()));
                    continue;
                } catch (const dualsat::Error&) {
                }
                int n = 0;
                if (!modcod_of(item_key, v[i], n))
                    return false;
                modcods.push_back(n);
            }
            k.excluded_modcods = std::move(modcods);
            k.excluded_modulations = std::move(modulations);
        } else if (key == "frame") {
            if (!v.is_string() || (v != "normal" && v != "short"))
                return fail(key, shown(v) + " is not one of: normal, short");
            k.frame = dualsat::parse_frame_size(v.get<std::string>());
        } else if (key == "pilots") {
            if (!v.is_string() || (v != "always" && v != "never" && v != "apsk_only"))
                return fail(key, shown(v) + " is not one of: always, never, apsk_only");
            k.pilots = v == "never"       ? dualsat::PilotsPolicy::Never
                       : v == "apsk_only" ? dualsat::PilotsPolicy::ApskOnly
                                          : dualsat::PilotsPolicy::Always;
        } else {
            return fail(key, "unknown setting (POST /acm takes: margin_db, hysteresis_db, step_up_hold_s, "
                             "report_timeout_s, target_fer, outer_loop, predict_fades, loop_delay_s, "
                             "max_report_loss, min_modcod, max_modcod, exclude, frame, pilots, fallback)");
        }
    }
    if (k.min_modcod > k.max_modcod)
        return fail("max_modcod", "'" + modcod_name(k.max_modcod) + "' is below acm.min_modcod '" +
                                      modcod_name(k.min_modcod) + "' (Table 12 order)");
    // A FER-sweep table was read at the file's target FER: another needs the file re-read.
    if (cfg.thresholds_source == "fer_sweep" && k.target_fer != cfg.controller.target_fer)
        return fail("target_fer", "the thresholds come from a FER sweep read at acm.target_fer " +
                                      shown(cfg.controller.target_fer) +
                                      ": change it in the file (SIGHUP re-reads the sweep)");
    return true;
}

} // namespace

int64_t AcmLoop::now_ns()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

AcmLoop::AcmLoop(const Config& config, Log log)
    : m_cfg(config.acm), m_file(config.acm), m_log(std::move(log))
{
    m_start_ns = now_ns();
    if (config.has_rx()) {
        dualsat::LinkReporterConfig rc;
        rc.link_id = m_cfg.link_id;
        rc.interval_s = m_cfg.report_interval_s;
        m_reporter = std::make_unique<dualsat::LinkReporter>(rc);
    }
    if (m_cfg.enabled() && m_cfg.thresholds)
        m_controller = std::make_unique<dualsat::AcmController>(m_cfg.controller, *m_cfg.thresholds);
    if (m_cfg.feedback == AcmFeedback::Udp) {
        const Endpoint& any = m_cfg.udp_listen ? *m_cfg.udp_listen : *m_cfg.udp_send_to;
        sockaddr_storage ss;
        const socklen_t len = make_sockaddr(any, ss);
        m_udp_fd = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (m_udp_fd < 0)
            throw ResourceError(std::string("acm.feedback: cannot open a UDP socket: ") + std::strerror(errno));
        if (m_cfg.udp_listen) {
            if (::bind(m_udp_fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
                const int e = errno;
                ::close(m_udp_fd);
                throw ResourceError("acm.feedback.listen: cannot bind " + any.text() + ": " + std::strerror(e));
            }
            sockaddr_storage bound;
            socklen_t blen = sizeof bound;
            Endpoint b = any;
            if (::getsockname(m_udp_fd, reinterpret_cast<sockaddr*>(&bound), &blen) == 0)
                b.port = ntohs(bound.ss_family == AF_INET
                                   ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                   : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
            m_udp_bound = b;
        }
    }
}

AcmLoop::~AcmLoop()
{
    stop();
    if (m_udp_fd >= 0)
        ::close(m_udp_fd);
}

void AcmLoop::start()
{
    if (m_running.exchange(true))
        return;
    m_poll_thread = std::thread([this] {
        while (m_running) {
            poll(now_ns());
            std::this_thread::sleep_for(kPollPeriod);
        }
    });
    if (m_udp_fd >= 0 && m_cfg.udp_listen)
        m_udp_thread = std::thread([this] { udp_loop(); });
}

void AcmLoop::stop()
{
    m_running = false;
    if (m_poll_thread.joinable())
        m_poll_thread.join();
    if (m_udp_thread.joinable())
        m_udp_thread.join();
}

void AcmLoop::udp_loop()
{
    uint8_t buf[2048];
    while (m_running) {
        pollfd p{ m_udp_fd, POLLIN, 0 };
        if (::poll(&p, 1, 100) <= 0)
            continue;
        const ssize_t n = ::recv(m_udp_fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0)
            continue;
        on_report_bytes(buf, static_cast<size_t>(n), ReportSource::Udp);
    }
}

void AcmLoop::on_frame(const dualsat::LinkObservation& frame)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_reporter)
        m_reporter->on_frame(frame);
}

ControlResult AcmLoop::on_report_bytes(const uint8_t* data, size_t len, ReportSource source)
{
    dualsat::LinkReport r;
    const auto st = dualsat::LinkReport::parse(data, len, r);
    std::optional<dualsat::FrameFormat> apply;
    ControlResult result;
    std::lock_guard<std::mutex> apply_lock(m_apply_mutex);
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        ++m_received[static_cast<size_t>(source)];
        if (st != dualsat::LinkReportStatus::Ok) {
            ++m_bad[static_cast<size_t>(st)];
            return ControlResult::fail(400, std::string("malformed link report: ") + dualsat::to_string(st));
        }
        if (!m_controller) {
            ++m_ignored;
            return ControlResult::fail(409, "acm.mode is not acm: no controller takes reports");
        }
        const int64_t now = now_ns();
        const auto outcome = m_controller->on_report(r, now);
        switch (outcome) {
        case dualsat::ReportOutcome::Accepted:
            ++m_accepted;
            break;
        case dualsat::ReportOutcome::WrongLink:
            ++m_wrong_link;
            break;
        case dualsat::ReportOutcome::Duplicate:
            ++m_duplicate;
            break;
        case dualsat::ReportOutcome::Stale:
            ++m_stale;
            break;
        }
        apply_locked_decision(now, apply);
        const auto& d = m_controller->state().decision;
        result = ControlResult::ok({ { "outcome", dualsat::to_string(outcome) },
                                     { "modcod", dualsat::to_string(d.format.modcod) },
                                     { "reason", dualsat::to_string(d.reason) } });
    }
    if (apply && m_format_sink)
        m_format_sink(*apply);
    return result;
}

void AcmLoop::apply_locked_decision(int64_t now, std::optional<dualsat::FrameFormat>& to_apply)
{
    const dualsat::AcmDecision& d = m_controller->decide(now);
    if (m_applied && *m_applied == d.format)
        return;
    Change c{ static_cast<double>(now - m_start_ns) * 1e-9,
              m_applied ? format_name(*m_applied) : std::string("-"), format_name(d.format),
              dualsat::to_string(d.reason), d.text };
    if (m_log)
        m_log("ACM: " + c.from + " -> " + c.to + " (" + c.text + ")");
    m_history.push_back(std::move(c));
    while (m_history.size() > kHistory)
        m_history.pop_front();
    m_applied = d.format;
    to_apply = d.format;
}

std::optional<dualsat::FrameFormat> AcmLoop::initial_format()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!m_controller)
        return std::nullopt;
    std::optional<dualsat::FrameFormat> f;
    apply_locked_decision(now_ns(), f);
    return m_applied;
}

void AcmLoop::send_report(const dualsat::LinkReport& r)
{
    uint8_t wire[dualsat::kLinkReportSize];
    if (r.encode(wire, sizeof wire) != sizeof wire)
        return;
    bool ok = false;
    if (m_cfg.feedback == AcmFeedback::InBand && m_inband) {
        ok = m_inband(wire, sizeof wire);
        std::lock_guard<std::mutex> lock(m_mutex);
        ok ? ++m_sent_inband : ++m_send_failures;
    } else if (m_cfg.feedback == AcmFeedback::Udp && m_cfg.udp_send_to && m_udp_fd >= 0) {
        sockaddr_storage ss;
        socklen_t len = 0;
        try {
            len = make_sockaddr(*m_cfg.udp_send_to, ss); // validated with the config
        } catch (const ResourceError&) {
            len = 0;
        }
        ok = len > 0 && ::sendto(m_udp_fd, wire, sizeof wire, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&ss), len) ==
             static_cast<ssize_t>(sizeof wire);
        std::lock_guard<std::mutex> lock(m_mutex);
        ok ? ++m_sent_udp : ++m_send_failures;
    }
}

void AcmLoop::poll(int64_t now)
{
    std::optional<dualsat::LinkReport> report;
    std::optional<dualsat::FrameFormat> apply;
    bool due = false;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        due = m_reporter && m_reporter->due(now);
    }
    // The receiver's lock only when a report is due: its status takes the receiver's
    // lock, which its work() holds while it processes a chunk.
    const std::optional<bool> locked = due && m_lock_probe ? m_lock_probe() : std::nullopt;
    {
        std::lock_guard<std::mutex> apply_lock(m_apply_mutex);
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            if (due) {
                m_reporter->set_locked(locked.value_or(false));
                report = m_reporter->next(now);
                m_last_sent = report;
            }
            if (m_controller)
                apply_locked_decision(now, apply);
        }
        if (apply && m_format_sink)
            m_format_sink(*apply);
    }
    if (report && m_cfg.feedback != AcmFeedback::None)
        send_report(*report);
}

std::vector<std::string> AcmLoop::reconfigure(const AcmConfig& file)
{
    std::vector<std::string> notes;
    std::optional<dualsat::FrameFormat> apply;
    {
        std::lock_guard<std::mutex> apply_lock(m_apply_mutex);
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            if (file.mode != m_cfg.mode)
                notes.push_back("acm.mode changed: needs a restart");
            if (file.feedback != m_cfg.feedback ||
                file.udp_listen.has_value() != m_cfg.udp_listen.has_value() ||
                file.udp_send_to.has_value() != m_cfg.udp_send_to.has_value() ||
                (file.udp_listen && file.udp_listen->text() != m_cfg.udp_listen->text()) ||
                (file.udp_send_to && file.udp_send_to->text() != m_cfg.udp_send_to->text()))
                notes.push_back("acm.feedback changed: needs a restart");
            if (file.link_id != m_cfg.link_id || file.report_interval_s != m_cfg.report_interval_s)
                notes.push_back("acm.link_id / acm.report_interval_s changed: need a restart (the "
                                "reporter's sequence and the far end's expectations go with them)");
            // The settings in force, taking from the file only what changed there since it
            // was last read (POST /acm's values otherwise stay); the thresholds are the
            // file's (POST /acm does not set them).
            AcmConfig fresh = m_cfg;
            merge_file_changes(fresh.controller, m_file.controller, file.controller);
            fresh.controller.link_id = m_cfg.controller.link_id; // need a restart
            fresh.controller.report_interval_s = m_cfg.controller.report_interval_s;
            fresh.thresholds_source = file.thresholds_source;
            fresh.thresholds_path = file.thresholds_path;
            fresh.implementation_loss_db = file.implementation_loss_db;
            fresh.short_frame_loss_db = file.short_frame_loss_db;
            fresh.thresholds = file.thresholds;
            fresh.controller.skip_dominated = file.controller.skip_dominated;
            m_file = file;
            if (file.mode == m_cfg.mode && !fresh.same_controller_settings(m_cfg)) {
                std::string error;
                if (!m_controller || !fresh.thresholds) {
                    m_cfg.controller = fresh.controller;
                } else if (apply_settings_locked(fresh, apply, error)) {
                    notes.push_back("acm controller settings applied (history kept)");
                } else {
                    notes.push_back("acm settings not applied: " + error);
                }
            }
        }
        if (apply && m_format_sink)
            m_format_sink(*apply);
    }
    return notes;
}

bool AcmLoop::apply_settings_locked(const AcmConfig& fresh,
                                    std::optional<dualsat::FrameFormat>& apply,
                                    std::string& error)
{
    try {
        dualsat::AcmController probe(fresh.controller, *fresh.thresholds); // no ladder: refused here
    } catch (const dualsat::Error& e) {
        error = std::string(e.what()) + " (allowed set: acm.min_modcod, max_modcod, exclude, frame)";
        return false;
    }
    const int64_t now = now_ns();
    m_controller->reconfigure(fresh.controller, *fresh.thresholds, now);
    // What needs a restart stays as running.
    const auto mode = m_cfg.mode;
    const auto feedback = m_cfg.feedback;
    const auto listen = m_cfg.udp_listen;
    const auto send_to = m_cfg.udp_send_to;
    const auto link_id = m_cfg.link_id;
    const auto interval = m_cfg.report_interval_s;
    m_cfg = fresh;
    m_cfg.mode = mode;
    m_cfg.feedback = feedback;
    m_cfg.udp_listen = listen;
    m_cfg.udp_send_to = send_to;
    m_cfg.link_id = link_id;
    m_cfg.report_interval_s = interval;
    apply_locked_decision(now, apply);
    return true;
}

ControlResult AcmLoop::set_settings(const json& body)
{
    std::optional<dualsat::FrameFormat> apply;
    ControlResult result;
    {
        std::lock_guard<std::mutex> apply_lock(m_apply_mutex);
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            if (!m_controller || !m_cfg.thresholds)
                return ControlResult::fail(409, "acm.mode is fixed: there is no ACM controller to set");
            AcmConfig fresh = m_cfg;
            std::string error;
            if (!parse_settings(body, m_cfg, fresh.controller, error))
                return ControlResult::fail(400, error);
            const json before = settings_json(m_cfg.controller);
            const json after = settings_json(fresh.controller);
            json changed = json::array();
            std::string text;
            for (auto it = after.begin(); it != after.end(); ++it)
                if (before[it.key()] != it.value()) {
                    changed.push_back(it.key());
                    text += (text.empty() ? "" : ", ") + it.key() + " " + before[it.key()].dump() + " -> " +
                            it.value().dump();
                }
            if (!changed.empty()) {
                if (!apply_settings_locked(fresh, apply, error))
                    return ControlResult::fail(400, "acm: " + error);
                if (m_log)
                    m_log("ACM settings set through POST /acm (history kept): " + text);
            }
            const dualsat::AcmState& s = m_controller->state();
            result = ControlResult::ok(
                { { "settings", settings_json(m_cfg.controller) },
                  { "changed", changed },
                  { "decision",
                    { { "modcod", dualsat::to_string(s.decision.format.modcod) },
                      { "frame", dualsat::to_string(s.decision.format.frame) },
                      { "pilots", s.decision.format.pilots },
                      { "reason", dualsat::to_string(s.decision.reason) },
                      { "reason_text", s.decision.text },
                      { "margin_db", s.margin_db },
                      { "required_esn0_db", s.required_esn0_db } } } });
        }
        if (apply && m_format_sink)
            m_format_sink(*apply);
    }
    return result;
}

json AcmLoop::status() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    json j = { { "mode", m_cfg.mode },
               { "link_id", m_cfg.link_id },
               { "feedback", to_string(m_cfg.feedback) },
               { "report_interval_s", m_cfg.report_interval_s } };
    if (m_udp_bound)
        j["udp_listen"] = m_udp_bound->text();
    if (m_cfg.udp_send_to)
        j["udp_send_to"] = m_cfg.udp_send_to->text();
    if (m_reporter) {
        json last = nullptr;
        if (m_last_sent)
            last = { { "sequence", m_last_sent->sequence },
                     { "locked", m_last_sent->locked },
                     { "esn0_db", optional_double(m_last_sent->esn0_valid, m_last_sent->esn0_db) },
                     { "esn0_var_db2", optional_double(m_last_sent->esn0_valid, m_last_sent->esn0_var_db2) },
                     { "frames_ok", m_last_sent->frames_ok },
                     { "frames_failed", m_last_sent->frames_failed } };
        j["reporter"] = { { "reports", m_reporter->reports() },
                          { "sent_inband", m_sent_inband },
                          { "sent_udp", m_sent_udp },
                          { "send_failures", m_send_failures },
                          { "frames_observed", m_reporter->frames_observed() },
                          { "estimates_rejected", m_reporter->estimates_rejected() },
                          { "last", last } };
    } else {
        j["reporter"] = nullptr;
    }
    json bad = json::object();
    uint64_t bad_total = 0;
    for (size_t i = 1; i < m_bad.size(); ++i) {
        bad[bad_reason(i)] = m_bad[i];
        bad_total += m_bad[i];
    }
    j["reports_in"] = { { "inband", m_received[0] },   { "udp", m_received[1] },
                        { "http", m_received[2] },     { "accepted", m_accepted },
                        { "wrong_link", m_wrong_link }, { "duplicate", m_duplicate },
                        { "stale", m_stale },           { "ignored_no_controller", m_ignored },
                        { "malformed", bad_total },     { "malformed_by_reason", bad } };
    if (!m_controller) {
        j["controller"] = nullptr;
        return j;
    }
    j["settings"] = settings_json(m_cfg.controller); // in force: the file's, or POST /acm's
    const dualsat::AcmState& s = m_controller->state();
    json per = json::object();
    for (int n = 1; n <= 28; ++n)
        if (s.ns_per_modcod[static_cast<size_t>(n)] > 0)
            per[dualsat::to_string(dualsat::modcod_from_number(n))] =
                static_cast<double>(s.ns_per_modcod[static_cast<size_t>(n)]) * 1e-9;
    json history = json::array();
    for (const auto& c : m_history)
        history.push_back({ { "time_s", c.time_s }, { "from", c.from }, { "to", c.to },
                            { "reason", c.reason }, { "text", c.text } });
    j["controller"] = {
        { "modcod", dualsat::to_string(s.decision.format.modcod) },
        { "modcod_number", dualsat::modcod_number(s.decision.format.modcod) },
        { "frame", dualsat::to_string(s.decision.format.frame) },
        { "pilots", s.decision.format.pilots },
        { "target_modcod", dualsat::to_string(s.target.modcod) },
        { "target_modcod_number", dualsat::modcod_number(s.target.modcod) },
        { "reason", dualsat::to_string(s.decision.reason) },
        { "reason_text", s.decision.text },
        { "fallback", s.fallback },
        { "reported_esn0_db", optional_double(s.have_esn0, s.reported_esn0_db) },
        { "predicted_esn0_db", optional_double(s.have_esn0, s.predicted_esn0_db) },
        { "slope_db_per_s", s.slope_db_per_s },
        { "margin_db", s.margin_db },
        { "trim_db", s.trim_db },
        { "hysteresis_db", s.hysteresis_db },
        { "report_sigma_db", s.report_sigma_db },
        { "required_esn0_db", s.required_esn0_db },
        { "loop_delay_s", s.loop_delay_s },
        { "loop_delay_measured", s.loop_delay_measured },
        { "report_loss", s.report_loss },
        { "changes", s.changes },
        { "step_ups", s.step_ups },
        { "step_downs", s.step_downs },
        { "fallbacks", s.fallbacks },
        { "reports_accepted", s.reports_accepted },
        { "reports_lost", s.reports_lost },
        { "reports_duplicate", s.reports_duplicate },
        { "reports_stale", s.reports_stale },
        { "reports_wrong_link", s.reports_wrong_link },
        { "sequence_resyncs", s.sequence_resyncs },
        { "frames_ok", s.frames_ok },
        { "frames_failed", s.frames_failed },
        { "seconds_by_modcod", per },
        { "history", history },
        { "ladder", [&] {
             json l = json::array();
             for (const auto& r : m_controller->ladder())
                 l.push_back({ { "modcod", dualsat::to_string(r.format.modcod) },
                               { "threshold_db", r.threshold_db } });
             return l;
         }() } };
    return j;
}

void AcmLoop::add_metrics(PrometheusText& p) const
{
    const json s = status();
    if (!s["reporter"].is_null()) {
        const json& r = s["reporter"];
        p.add("dualsat_acm_reports_sent_total", "counter", "Link reports this daemon's receiver sent, by path",
              r["sent_inband"].get<double>(), { { "path", "inband" } });
        p.add("dualsat_acm_reports_sent_total", "counter", "Link reports this daemon's receiver sent, by path",
              r["sent_udp"].get<double>(), { { "path", "udp" } });
        p.add("dualsat_acm_report_send_failures_total", "counter",
              "Link reports that could not be sent (transmitter backlog, socket error)",
              r["send_failures"].get<double>());
    }
    const json& in = s["reports_in"];
    for (const char* src : { "inband", "udp", "http" })
        p.add("dualsat_acm_reports_received_total", "counter", "Link reports received, by path",
              in[src].get<double>(), { { "path", src } });
    for (auto it = in["malformed_by_reason"].begin(); it != in["malformed_by_reason"].end(); ++it)
        p.add("dualsat_acm_reports_malformed_total", "counter", "Link reports refused by the parser, by reason",
              it.value().get<double>(), { { "reason", it.key() } });
    if (s["controller"].is_null())
        return;
    const json& c = s["controller"];
    for (const char* res : { "accepted", "lost", "duplicate", "stale", "wrong_link" })
        p.add("dualsat_acm_reports_total", "counter", "Link reports at the controller, by result",
              c[std::string("reports_") + res].get<double>(), { { "result", res } });
    if (!c["reported_esn0_db"].is_null())
        p.add("dualsat_acm_reported_esn0_db", "gauge", "Es/N0 the far end reported last",
              c["reported_esn0_db"].get<double>());
    p.add("dualsat_acm_margin_db", "gauge", "Margin in force (acm.margin_db + outer-loop trim)",
          c["margin_db"].get<double>());
    p.add("dualsat_acm_trim_db", "gauge", "Outer-loop trim of the margin", c["trim_db"].get<double>());
    p.add("dualsat_acm_hysteresis_db", "gauge",
          "Step-up hysteresis in force (2 sigma of the reports, within its floor and acm.hysteresis_db)",
          c["hysteresis_db"].get<double>());
    p.add("dualsat_acm_modcod", "gauge", "MODCOD number (Table 12) the controller has in force",
          c["modcod_number"].get<double>());
    p.add("dualsat_acm_target_modcod", "gauge", "MODCOD number the rules head for",
          c["target_modcod_number"].get<double>());
    p.add("dualsat_acm_reason", "gauge", "1 for the reason of the decision in force",
          1, { { "reason", c["reason"].get<std::string>() } });
    p.add("dualsat_acm_fallback", "gauge", "1 while in fallback (no reports, far end unlocked)",
          c["fallback"].get<bool>() ? 1 : 0);
    p.add("dualsat_acm_changes_total", "counter", "MODCOD changes by the controller, by kind",
          c["step_ups"].get<double>(), { { "kind", "step_up" } });
    p.add("dualsat_acm_changes_total", "counter", "MODCOD changes by the controller, by kind",
          c["step_downs"].get<double>(), { { "kind", "step_down" } });
    p.add("dualsat_acm_changes_total", "counter", "MODCOD changes by the controller, by kind",
          c["fallbacks"].get<double>(), { { "kind", "fallback" } });
    p.add("dualsat_acm_loop_delay_seconds", "gauge", "Loop delay in use (measured once a change came back)",
          c["loop_delay_s"].get<double>());
    for (auto it = c["seconds_by_modcod"].begin(); it != c["seconds_by_modcod"].end(); ++it)
        p.add("dualsat_acm_modcod_seconds_total", "counter", "Time each MODCOD was in force",
              it.value().get<double>(), { { "modcod", it.key() } });
}

std::string AcmLoop::status_fields() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!m_controller)
        return "";
    const dualsat::AcmState& s = m_controller->state();
    char buf[160];
    char esn0[16] = "-";
    if (s.have_esn0)
        std::snprintf(esn0, sizeof esn0, "%.1f", s.reported_esn0_db);
    std::snprintf(buf, sizeof buf, "  ACM %s (%s) rep %s dB margin %.1f dB changes %llu",
                  dualsat::to_string(s.decision.format.modcod).c_str(), dualsat::to_string(s.decision.reason),
                  esn0, s.margin_db, static_cast<unsigned long long>(s.changes));
    return buf;
}

} // namespace modemd
