// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <dualsat/acm/link_reporter.h>
#include <gnuradio/dualsat/link_reporter.h>
#include <pmt/pmt.h>

#include <chrono>
#include <mutex>

namespace gr {
namespace dualsat {

class link_reporter_impl : public link_reporter
{
public:
    link_reporter_impl(const ::dualsat::LinkReporterConfig& config,
                       double symbol_rate,
                       acm_clock clock);

    uint64_t reports() const override;
    uint64_t frames_observed() const override;
    uint64_t estimates_rejected() const override;
    uint64_t bad_stats_messages() const override;

private:
    void handle_stats(const pmt::pmt_t& msg);

    mutable std::mutex d_mutex; // handlers on the block thread, getters from any
    ::dualsat::LinkReporter d_reporter;
    const double d_symbol_rate;
    const acm_clock d_clock;
    const std::chrono::steady_clock::time_point d_epoch;
    int64_t d_now = 0;
    uint64_t d_bad_stats = 0;
};

} // namespace dualsat
} // namespace gr
