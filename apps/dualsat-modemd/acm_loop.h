// SPDX-License-Identifier: GPL-3.0-or-later
// The daemon's closed ACM loop, both halves (README "ACM"):
//   - measuring: every daemon with a receiver feeds the receiver's per-frame Es/N0 (rx_cb's
//     frame observer) into a LinkReporter and, when a return channel is configured, sends one
//     LinkReport per acm.report_interval_s: in-band (a GSE PDU of EtherType 0x88B5 on our
//     own transmitter, ahead of waiting user packets) or out-of-band (a UDP datagram);
//   - controlling: a daemon in acm.mode acm runs one AcmController fed by the reports it
//     receives (in-band, UDP, POST /acm/report) and drives its own transmitter's format,
//     deciding on every report and every poll (so the report timeout acts).
// Reports are never handed to the user side. No GNU Radio headers: the flowgraph side
// (the receiver's frames, the transmitter's format port) is reached through callbacks.
#pragma once

#include "config.h"
#include "control_api.h"

#include <dualsat/acm/acm_controller.h>
#include <dualsat/acm/link_report.h>
#include <dualsat/acm/link_reporter.h>

#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace modemd {

enum class ReportSource { InBand, Udp, Http };

class AcmLoop
{
public:
    using InBandSender = std::function<bool(const uint8_t* report, size_t len)>;
    using FormatSink = std::function<void(const dualsat::FrameFormat& format)>;
    using LockProbe = std::function<std::optional<bool>()>;
    using Log = std::function<void(const std::string& line)>;

    // Opens the UDP socket when acm.feedback is udp (bind failure: ResourceError).
    AcmLoop(const Config& config, Log log);
    ~AcmLoop();

    // Wiring, before start(): our transmitter's report input and format port; the
    // receiver's lock.
    void set_inband_sender(InBandSender s) { m_inband = std::move(s); }
    void set_format_sink(FormatSink s) { m_format_sink = std::move(s); }
    void set_lock_probe(LockProbe p) { m_lock_probe = std::move(p); }

    // Starts the poll thread (every 20 ms) and the UDP receive thread.
    void start();
    void stop();

    bool measuring() const { return m_reporter != nullptr; }
    bool controlling() const { return m_controller != nullptr; }

    // The receiver, per PLFRAME (data or dummy), on the flowgraph's message thread.
    void on_frame(const dualsat::LinkObservation& frame);
    // A report from the far end. Returns 200 with the outcome, or 400 with the parser's
    // reason (counted); 409 when this daemon runs no controller (counted as ignored).
    ControlResult on_report_bytes(const uint8_t* data, size_t len, ReportSource source);

    // One poll step at now_ns (steady_clock): a report when one is due, a decision.
    void poll(int64_t now_ns);

    // SIGHUP: controller settings through AcmController::reconfigure (history kept);
    // returns log notes, including what needs a restart. Like modem.modcod against POST
    // /modcod, a setting is taken from the file only where the file's value changed since
    // it was last read: what POST /acm set otherwise stays.
    std::vector<std::string> reconfigure(const AcmConfig& fresh);

    // POST /acm: any subset of the controller settings of the config's acm section (same
    // names, ranges and messages: 400 naming the key and value; unknown keys 400; settings
    // that make no ladder 400), applied like a SIGHUP (reconfigure, history kept) and
    // logged. 409 without a controller. 200: {"settings": in force, "changed": [...],
    // "decision": {...}}.
    ControlResult set_settings(const nlohmann::json& body);

    // The format the controller wants now (acm mode), for the start of the transmitter.
    std::optional<dualsat::FrameFormat> initial_format();

    nlohmann::json status() const;
    void add_metrics(PrometheusText& p) const;
    // " ACM <modcod> <reason> rep <esn0> margin <m>" or "" when not controlling.
    std::string status_fields() const;

    static int64_t now_ns();

private:
    void apply_locked_decision(int64_t now_ns, std::optional<dualsat::FrameFormat>& to_apply);
    void udp_loop();
    // Hands `fresh` to the controller and decides (under the locks); false, with the
    // controller unchanged, when the settings make no ladder (error filled).
    bool apply_settings_locked(const AcmConfig& fresh, std::optional<dualsat::FrameFormat>& apply,
                               std::string& error);
    void send_report(const dualsat::LinkReport& r);

    AcmConfig m_cfg;  // in force (the file's, then what POST /acm changed)
    AcmConfig m_file; // as last read from the file: a SIGHUP applies what differs from it
    Log m_log;
    InBandSender m_inband;
    FormatSink m_format_sink;
    LockProbe m_lock_probe;

    // m_apply_mutex keeps a decision and its hand-over to the transmitter together, so
    // two threads (poll, a report arriving) cannot hand over two formats out of order.
    std::mutex m_apply_mutex;
    mutable std::mutex m_mutex;
    std::unique_ptr<dualsat::LinkReporter> m_reporter;
    std::unique_ptr<dualsat::AcmController> m_controller;
    std::optional<dualsat::FrameFormat> m_applied; // last format handed to the transmitter
    int64_t m_start_ns = 0;

    struct Change {
        double time_s;
        std::string from, to, reason, text;
    };
    std::deque<Change> m_history; // the latest changes, for /status

    // Reporter side.
    uint64_t m_sent_inband = 0, m_sent_udp = 0, m_send_failures = 0;
    std::optional<dualsat::LinkReport> m_last_sent;
    // Reports in.
    std::array<uint64_t, 3> m_received{}; // by ReportSource
    std::array<uint64_t, 7> m_bad{};      // by LinkReportStatus (Ok unused)
    uint64_t m_accepted = 0, m_wrong_link = 0, m_duplicate = 0, m_stale = 0, m_ignored = 0;

    int m_udp_fd = -1;
    std::optional<Endpoint> m_udp_bound;
    std::atomic<bool> m_running{ false };
    std::thread m_poll_thread, m_udp_thread;
};

} // namespace modemd
