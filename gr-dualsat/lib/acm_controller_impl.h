// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <dualsat/acm/acm_controller.h>
#include <dualsat/acm/link_reporter.h>
#include <gnuradio/dualsat/acm_controller.h>
#include <pmt/pmt.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace gr {
namespace dualsat {

class acm_controller_impl : public acm_controller
{
public:
    acm_controller_impl(const ::dualsat::AcmConfig& config,
                        const ::dualsat::AcmThresholds& thresholds,
                        double symbol_rate,
                        acm_clock clock,
                        double feedback_delay_s);
    ~acm_controller_impl() override;

    bool start() override;
    bool stop() override;

    ::dualsat::FrameFormat format() const override;
    ::dualsat::AcmState state() const override;
    std::vector<::dualsat::AcmRung> ladder() const override;
    uint64_t malformed_reports() const override;
    uint64_t bad_stats_messages() const override;
    uint64_t frames_observed() const override;
    uint64_t reports_generated() const override;
    double now_s() const override;

private:
    // Messages to publish once the mutex is released: (port, message).
    using Outbox = std::vector<std::pair<pmt::pmt_t, pmt::pmt_t>>;

    void handle_stats(const pmt::pmt_t& msg);
    void handle_report(const pmt::pmt_t& msg);
    void publish(const Outbox& out);
    void timer_loop();

    // All below with d_mutex held.
    int64_t wall_ns() const;
    void advance(int64_t t_ns);
    void deliver_due(Outbox& out);
    void give(const ::dualsat::LinkReport& report, int64_t arrival_ns, Outbox& out);
    void decide(bool report_accepted, int64_t now_ns, Outbox& out);
    pmt::pmt_t decision_message(bool changed, int64_t now_ns) const;

    // Held from a decision to the end of its publication, so that the messages of two
    // threads (handlers, wall-clock timer) reach tx_bc in the order they were decided.
    std::mutex d_publish_mutex;
    mutable std::mutex d_mutex; // the state; getters take this one only
    ::dualsat::AcmController d_ctl;
    ::dualsat::LinkReporter d_reporter;
    const double d_symbol_rate;
    const acm_clock d_clock;
    const int64_t d_feedback_delay_ns;
    const std::chrono::steady_clock::time_point d_epoch;
    int64_t d_now = 0;
    // Reports on their way to the controller (feedback delay): (arrival, report).
    std::deque<std::pair<int64_t, ::dualsat::LinkReport>> d_pending;
    ::dualsat::FrameFormat d_published;
    uint64_t d_malformed = 0;
    uint64_t d_bad_stats = 0;

    // Wall clock only: a thread that runs decide() while no message comes, so that the
    // report timeout fires when the return path goes quiet.
    std::thread d_timer;
    std::condition_variable d_timer_cv;
    bool d_timer_stop = false;
};

} // namespace dualsat
} // namespace gr
