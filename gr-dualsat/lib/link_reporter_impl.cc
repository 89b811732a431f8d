// SPDX-License-Identifier: GPL-3.0-or-later
#include "link_reporter_impl.h"
#include "acm_stats.h"

#include <dualsat/acm/link_report.h>
#include <dualsat/core/error.h>
#include <gnuradio/dualsat/tag_keys.h>
#include <gnuradio/io_signature.h>

#include <cmath>

namespace gr {
namespace dualsat {

link_reporter::sptr
link_reporter::make(double symbol_rate, acm_clock clock, double interval_s, int link_id)
{
    if (!(std::isfinite(symbol_rate) && symbol_rate > 0.0))
        throw ::dualsat::ConfigError("link reporter: symbol_rate must be a positive number");
    if (link_id < 0 || link_id > 0xFFFF)
        throw ::dualsat::ConfigError("link reporter: link_id must be 0 .. 65535");
    // LinkReporter throws ConfigError for an interval outside (0, 60] s.
    return gnuradio::make_block_sptr<link_reporter_impl>(
        ::dualsat::LinkReporterConfig { static_cast<uint16_t>(link_id), interval_s },
        symbol_rate,
        clock);
}

link_reporter_impl::link_reporter_impl(const ::dualsat::LinkReporterConfig& config,
                                       double symbol_rate,
                                       acm_clock clock)
    : gr::block("link_reporter", gr::io_signature::make(0, 0, 0), gr::io_signature::make(0, 0, 0))
    , d_reporter(config)
    , d_symbol_rate(symbol_rate)
    , d_clock(clock)
    , d_epoch(std::chrono::steady_clock::now())
{
    message_port_register_in(pmt_key<msg_ports::stats>());
    set_msg_handler(pmt_key<msg_ports::stats>(), [this](const pmt::pmt_t& m) { handle_stats(m); });
    message_port_register_out(pmt_key<msg_ports::reports>());
}

void link_reporter_impl::handle_stats(const pmt::pmt_t& msg)
{
    pmt::pmt_t out = pmt::PMT_NIL;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        try {
            double start_symbol = 0.0;
            ::dualsat::LinkObservation o = observation_from_stats(msg, start_symbol);
            const int64_t t = d_clock == acm_clock::symbols
                ? symbol_time_ns(start_symbol, d_symbol_rate)
                : std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now() - d_epoch)
                      .count();
            // Never back: the report's time stamps must rise (the controller takes a
            // falling one for a restart of this end).
            if (t > d_now)
                d_now = t;
            o.time_ns = d_now;
            d_reporter.set_locked(true); // frames come only while the receiver is locked
            d_reporter.on_frame(o);
        } catch (const std::exception& e) {
            if (worth_a_warning(++d_bad_stats))
                d_logger->warn("ignoring stats message {} ({} so far): {}",
                               pmt::write_string(msg),
                               d_bad_stats,
                               e.what());
            return;
        }
        if (d_reporter.due(d_now)) {
            uint8_t wire[::dualsat::kLinkReportSize];
            const size_t n = d_reporter.next(d_now).encode(wire, sizeof(wire));
            out = pmt::cons(pmt::make_dict(), pmt::init_u8vector(n, wire));
        }
    }
    if (!pmt::is_null(out))
        message_port_pub(pmt_key<msg_ports::reports>(), out);
}

uint64_t link_reporter_impl::reports() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_reporter.reports();
}

uint64_t link_reporter_impl::frames_observed() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_reporter.frames_observed();
}

uint64_t link_reporter_impl::estimates_rejected() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_reporter.estimates_rejected();
}

uint64_t link_reporter_impl::bad_stats_messages() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_bad_stats;
}

} // namespace dualsat
} // namespace gr
