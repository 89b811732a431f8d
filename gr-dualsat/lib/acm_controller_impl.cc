// SPDX-License-Identifier: GPL-3.0-or-later
#include "acm_controller_impl.h"
#include "acm_stats.h"

#include <dualsat/acm/acm_thresholds.h>
#include <dualsat/acm/link_report.h>
#include <dualsat/core/error.h>
#include <gnuradio/dualsat/tag_keys.h>
#include <gnuradio/io_signature.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

namespace gr {
namespace dualsat {
namespace {

constexpr double kNsPerS = 1e9;
// Where a report's timestamp stops moving the symbol clock (as acm_stats.cc's limit).
constexpr uint64_t kMaxClockNs = 4600000000000000000ull;
// How often the wall-clock timer looks at the report timeout: a twentieth of the default
// timeout, so a fallback comes at most 5 % late.
constexpr auto kTimerPeriod = std::chrono::milliseconds(50);

std::vector<::dualsat::Modulation> parse_modulations(const std::string& text)
{
    std::vector<::dualsat::Modulation> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        const auto b = item.find_first_not_of(" \t");
        if (b == std::string::npos)
            continue;
        const auto e = item.find_last_not_of(" \t");
        out.push_back(::dualsat::parse_modulation(item.substr(b, e - b + 1)));
    }
    return out;
}

bool readable(const std::string& path)
{
    std::ifstream f(path);
    return f.good();
}

// Table 13 as installed (make install), else the source tree's (a block run from the
// build tree, as the qa tests do).
std::string default_qef_table()
{
    const std::string installed = std::string(DUALSAT_INSTALLED_DATA_DIR) + "/dvbs2_qef_esn0.csv";
    if (readable(installed))
        return installed;
    const std::string source = std::string(DUALSAT_SOURCE_DATA_DIR) + "/dvbs2_qef_esn0.csv";
    if (readable(source))
        return source;
    throw ::dualsat::ConfigError("ACM: EN 302 307-1 Table 13 not found at " + installed + " or "
                                 + source + ": give thresholds_file");
}

// Table 13's CSV or dualsat-fer-sweep's, told apart by the header: only the sweep has
// measured frame errors.
::dualsat::AcmThresholds load_thresholds(const std::string& file,
                                         double target_fer,
                                         double implementation_loss_db,
                                         double short_frame_loss_db)
{
    const std::string path = file.empty() ? default_qef_table() : file;
    std::ifstream in(path);
    if (!in)
        throw ::dualsat::ConfigError("ACM: cannot open thresholds file " + path);
    std::stringstream text;
    text << in.rdbuf();
    std::string line;
    bool sweep = false;
    while (std::getline(text, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        sweep = line.find("frame_errors") != std::string::npos;
        break;
    }
    text.clear();
    text.seekg(0);
    return sweep
        ? ::dualsat::AcmThresholds::from_fer_sweep_csv(text, target_fer, implementation_loss_db)
        : ::dualsat::AcmThresholds::from_qef_csv(text, implementation_loss_db, short_frame_loss_db);
}

// What tx_bc's "modcod" port reads.
pmt::pmt_t format_message(const ::dualsat::FrameFormat& f)
{
    pmt::pmt_t d = pmt::make_dict();
    d = pmt::dict_add(
        d, pmt_key<dict_keys::modcod>(), pmt::from_long(::dualsat::modcod_number(f.modcod)));
    d = pmt::dict_add(d, pmt_key<dict_keys::frame>(), pmt::intern(::dualsat::to_string(f.frame)));
    d = pmt::dict_add(d, pmt_key<dict_keys::pilots>(), pmt::from_bool(f.pilots));
    return d;
}

} // namespace

acm_controller::sptr acm_controller::make(double symbol_rate,
                                          acm_clock clock,
                                          ::dualsat::FrameSize frame,
                                          ::dualsat::PilotsPolicy pilots,
                                          int min_modcod,
                                          int max_modcod,
                                          const std::string& excluded_modulations,
                                          int fallback_modcod,
                                          double margin_db,
                                          double hysteresis_db,
                                          double step_up_hold_s,
                                          bool predict_fades,
                                          double loop_delay_s,
                                          double report_interval_s,
                                          double report_timeout_s,
                                          bool outer_loop,
                                          double target_fer,
                                          double feedback_delay_s,
                                          int link_id,
                                          const std::string& thresholds_file,
                                          double implementation_loss_db,
                                          double short_frame_loss_db)
{
    if (!(std::isfinite(symbol_rate) && symbol_rate > 0.0))
        throw ::dualsat::ConfigError("ACM: symbol_rate must be a positive number");
    if (!(std::isfinite(feedback_delay_s) && feedback_delay_s >= 0.0 && feedback_delay_s <= 60.0))
        throw ::dualsat::ConfigError("ACM: feedback_delay_s must be 0 .. 60 s");
    if (feedback_delay_s > 0.0 && clock != acm_clock::symbols)
        throw ::dualsat::ConfigError(
            "ACM: feedback_delay_s simulates a return path on the symbol clock; with the wall "
            "clock the reports' real delay is the loop's");
    if (link_id < 0 || link_id > 0xFFFF)
        throw ::dualsat::ConfigError("ACM: link_id must be 0 .. 65535");
    ::dualsat::AcmConfig c;
    c.link_id = static_cast<uint16_t>(link_id);
    c.min_modcod = min_modcod;
    c.max_modcod = max_modcod;
    c.excluded_modulations = parse_modulations(excluded_modulations);
    c.frame = frame;
    c.pilots = pilots;
    c.fallback_modcod = fallback_modcod;
    c.margin_db = margin_db;
    c.hysteresis_db = hysteresis_db;
    c.step_up_hold_s = step_up_hold_s;
    c.predict_fades = predict_fades;
    c.loop_delay_s = loop_delay_s;
    c.report_interval_s = report_interval_s;
    c.report_timeout_s = report_timeout_s;
    c.outer_loop = outer_loop;
    c.target_fer = target_fer;
    const auto thresholds
        = load_thresholds(thresholds_file, target_fer, implementation_loss_db, short_frame_loss_db);
    return gnuradio::make_block_sptr<acm_controller_impl>(
        c, thresholds, symbol_rate, clock, feedback_delay_s);
}

acm_controller_impl::acm_controller_impl(const ::dualsat::AcmConfig& config,
                                         const ::dualsat::AcmThresholds& thresholds,
                                         double symbol_rate,
                                         acm_clock clock,
                                         double feedback_delay_s)
    : gr::block("acm_controller", gr::io_signature::make(0, 0, 0), gr::io_signature::make(0, 0, 0))
    , d_ctl(config, thresholds)
    , // ConfigError for settings that make no ladder
    d_reporter(::dualsat::LinkReporterConfig { config.link_id, config.report_interval_s })
    , d_symbol_rate(symbol_rate)
    , d_clock(clock)
    , d_feedback_delay_ns(std::llround(feedback_delay_s * kNsPerS))
    , d_epoch(std::chrono::steady_clock::now())
    , d_published(d_ctl.state().decision.format)
{
    message_port_register_in(pmt_key<msg_ports::stats>());
    set_msg_handler(pmt_key<msg_ports::stats>(), [this](const pmt::pmt_t& m) { handle_stats(m); });
    message_port_register_in(pmt_key<msg_ports::reports>());
    set_msg_handler(pmt_key<msg_ports::reports>(),
                    [this](const pmt::pmt_t& m) { handle_report(m); });
    message_port_register_out(pmt_key<msg_ports::modcod>());
    message_port_register_out(pmt_key<msg_ports::decision>());
}

acm_controller_impl::~acm_controller_impl()
{
    // stop() is normally called first; a block destroyed without it must not leave the
    // thread behind.
    stop();
}

bool acm_controller_impl::start()
{
    Outbox out;
    std::lock_guard<std::mutex> order(d_publish_mutex);
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        // The transmitter starts on the format in force (the fallback before any report),
        // whatever it was configured with.
        d_published = d_ctl.state().decision.format;
        out.emplace_back(pmt_key<msg_ports::modcod>(), format_message(d_published));
        out.emplace_back(pmt_key<msg_ports::decision>(), decision_message(true, d_now));
    }
    publish(out);
    if (d_clock == acm_clock::wall && !d_timer.joinable()) {
        {
            std::lock_guard<std::mutex> lock(d_mutex);
            d_timer_stop = false;
        }
        d_timer = std::thread([this] { timer_loop(); });
    }
    return true;
}

bool acm_controller_impl::stop()
{
    if (d_timer.joinable()) {
        {
            std::lock_guard<std::mutex> lock(d_mutex);
            d_timer_stop = true;
        }
        d_timer_cv.notify_all();
        d_timer.join();
    }
    return true;
}

void acm_controller_impl::timer_loop()
{
    std::unique_lock<std::mutex> lock(d_mutex);
    while (!d_timer_stop) {
        d_timer_cv.wait_for(lock, kTimerPeriod);
        if (d_timer_stop)
            break;
        lock.unlock();
        {
            // Lock order everywhere: publication, then state.
            std::lock_guard<std::mutex> order(d_publish_mutex);
            Outbox out;
            {
                std::lock_guard<std::mutex> state(d_mutex);
                advance(wall_ns());
                deliver_due(out);
                decide(false, d_now, out);
            }
            publish(out);
        }
        lock.lock();
    }
}

void acm_controller_impl::publish(const Outbox& out)
{
    for (const auto& [port, msg] : out)
        message_port_pub(port, msg);
}

int64_t acm_controller_impl::wall_ns() const
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now()
                                                                - d_epoch)
        .count();
}

void acm_controller_impl::advance(int64_t t_ns)
{
    // Monotonic whatever the messages say: the controller's times must never go back.
    if (t_ns > d_now)
        d_now = t_ns;
}

void acm_controller_impl::deliver_due(Outbox& out)
{
    while (!d_pending.empty() && d_pending.front().first <= d_now) {
        const auto [arrival, report] = d_pending.front();
        d_pending.pop_front();
        // The timeout is checked at the report's own arrival, not at the later time the
        // message that let it through came.
        decide(false, arrival, out);
        give(report, arrival, out);
    }
}

void acm_controller_impl::give(const ::dualsat::LinkReport& report, int64_t arrival_ns, Outbox& out)
{
    const ::dualsat::ReportOutcome r = d_ctl.on_report(report, arrival_ns);
    decide(r == ::dualsat::ReportOutcome::Accepted, arrival_ns, out);
}

void acm_controller_impl::decide(bool report_accepted, int64_t now_ns, Outbox& out)
{
    const ::dualsat::FrameFormat f = d_ctl.decide(now_ns).format;
    const bool changed = f != d_published;
    if (changed) {
        d_published = f;
        out.emplace_back(pmt_key<msg_ports::modcod>(), format_message(f));
    }
    if (changed || report_accepted)
        out.emplace_back(pmt_key<msg_ports::decision>(), decision_message(changed, now_ns));
}

pmt::pmt_t acm_controller_impl::decision_message(bool changed, int64_t now_ns) const
{
    const ::dualsat::AcmState& s = d_ctl.state();
    const ::dualsat::FrameFormat& f = s.decision.format;
    pmt::pmt_t d = pmt::make_dict();
    auto add = [&d](const pmt::pmt_t& key, const pmt::pmt_t& value) {
        d = pmt::dict_add(d, key, value);
    };
    add(pmt_key<dict_keys::modcod>(), pmt::from_long(::dualsat::modcod_number(f.modcod)));
    add(pmt_key<dict_keys::modcod_name>(), pmt::intern(::dualsat::to_string(f.modcod)));
    add(pmt_key<dict_keys::frame>(), pmt::intern(::dualsat::to_string(f.frame)));
    add(pmt_key<dict_keys::pilots>(), pmt::from_bool(f.pilots));
    add(pmt_key<dict_keys::reason>(), pmt::intern(::dualsat::to_string(s.decision.reason)));
    add(pmt_key<dict_keys::text>(), pmt::intern(s.decision.text));
    add(pmt_key<dict_keys::changed>(), pmt::from_bool(changed));
    add(pmt_key<dict_keys::fallback>(), pmt::from_bool(s.fallback));
    add(pmt_key<dict_keys::time_s>(), pmt::from_double(now_ns / kNsPerS));
    if (s.have_esn0) {
        add(pmt_key<dict_keys::reported_esn0_db>(), pmt::from_double(s.reported_esn0_db));
        add(pmt_key<dict_keys::predicted_esn0_db>(), pmt::from_double(s.predicted_esn0_db));
    }
    add(pmt_key<dict_keys::margin_db>(), pmt::from_double(s.margin_db));
    add(pmt_key<dict_keys::required_esn0_db>(), pmt::from_double(s.required_esn0_db));
    return d;
}

void acm_controller_impl::handle_stats(const pmt::pmt_t& msg)
{
    Outbox out;
    std::lock_guard<std::mutex> order(d_publish_mutex);
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        try {
            double start_symbol = 0.0;
            ::dualsat::LinkObservation o = observation_from_stats(msg, start_symbol);
            advance(d_clock == acm_clock::symbols ? symbol_time_ns(start_symbol, d_symbol_rate)
                                                  : wall_ns());
            o.time_ns = d_now;
            // Frames arrive only while the receiver holds frame lock.
            d_reporter.set_locked(true);
            d_reporter.on_frame(o);
        } catch (const std::exception& e) {
            // pmt::to_bool and friends throw std::exception subclasses of their own.
            if (worth_a_warning(++d_bad_stats))
                d_logger->warn("ignoring stats message {} ({} so far): {}",
                               pmt::write_string(msg),
                               d_bad_stats,
                               e.what());
            return;
        }
        deliver_due(out);
        if (d_reporter.due(d_now)) {
            const ::dualsat::LinkReport r = d_reporter.next(d_now);
            if (d_feedback_delay_ns > 0) {
                d_pending.emplace_back(d_now + d_feedback_delay_ns, r);
            } else {
                give(r, d_now, out);
            }
        }
        decide(false, d_now, out);
    }
    publish(out);
}

void acm_controller_impl::handle_report(const pmt::pmt_t& msg)
{
    Outbox out;
    std::lock_guard<std::mutex> order(d_publish_mutex);
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        const pmt::pmt_t vec = pmt::is_pair(msg) ? pmt::cdr(msg) : msg;
        ::dualsat::LinkReport r;
        ::dualsat::LinkReportStatus status = ::dualsat::LinkReportStatus::TooShort;
        if (pmt::is_u8vector(vec)) {
            size_t len = 0;
            const uint8_t* data = pmt::u8vector_elements(vec, len);
            status = ::dualsat::LinkReport::parse(data, len, r);
        }
        if (status != ::dualsat::LinkReportStatus::Ok) {
            if (worth_a_warning(++d_malformed))
                d_logger->warn("dropping a malformed link report ({} so far): {}",
                               d_malformed,
                               pmt::is_u8vector(vec) ? ::dualsat::to_string(status)
                                                     : "not a u8vector PDU");
            return;
        }
        // Symbol clock: a report is as late as its far end's measurement at least.
        advance(d_clock == acm_clock::symbols
                    ? static_cast<int64_t>(std::min(r.timestamp_ns, kMaxClockNs))
                    : wall_ns());
        deliver_due(out);
        if (d_feedback_delay_ns > 0)
            d_pending.emplace_back(d_now + d_feedback_delay_ns, r);
        else
            give(r, d_now, out);
        decide(false, d_now, out);
    }
    publish(out);
}

::dualsat::FrameFormat acm_controller_impl::format() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_published;
}

::dualsat::AcmState acm_controller_impl::state() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_ctl.state();
}

std::vector<::dualsat::AcmRung> acm_controller_impl::ladder() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_ctl.ladder();
}

uint64_t acm_controller_impl::malformed_reports() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_malformed;
}

uint64_t acm_controller_impl::bad_stats_messages() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_bad_stats;
}

uint64_t acm_controller_impl::frames_observed() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_reporter.frames_observed();
}

uint64_t acm_controller_impl::reports_generated() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_reporter.reports();
}

double acm_controller_impl::now_s() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_now / kNsPerS;
}

} // namespace dualsat
} // namespace gr
