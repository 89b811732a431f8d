// SPDX-License-Identifier: GPL-3.0-or-later
// Link reporter block over dualsat::LinkReporter: rx_cb's stats in, 35-byte ACM link
// reports out, for the far end's acm_controller over a real return path.
#pragma once

#include <gnuradio/block.h>
#include <gnuradio/dualsat/acm_controller.h>
#include <gnuradio/dualsat/api.h>

#include <cstdint>

namespace gr {
namespace dualsat {

/*!
 * \brief The receiving end of an ACM loop: rx_cb's per-frame stats in, one link-quality
 * report per interval out, as a PDU (pair of an empty meta dict and the 35-byte wire
 * report, dualsat/acm/link_report.h) for the return channel (GSE, UDP, ZMQ ...) to the
 * far end's acm_controller ("reports" port).
 * \ingroup dualsat
 *
 * Input port "stats": rx_cb's dicts, data and dummy frames (see rx_cb). A report goes out
 * with the first frame once interval_s has passed since the previous one; it carries the
 * inverse-variance weighted Es/N0 of the interval's frames and its variance, the frames
 * decoded / failed, the last format received and "locked". No frames, no reports: the
 * controller's report timeout then puts its fallback in force, which is what a receiver
 * that lost the carrier needs.
 *
 * Clock: acm_clock::symbols stamps reports with start_symbol / symbol_rate (simulations:
 * an acm_controller on the symbol clock then runs on the same time line);
 * acm_clock::wall with std::chrono::steady_clock. Dicts that cannot be read are counted
 * (bad_stats_messages()) and dropped.
 */
class DUALSAT_API link_reporter : virtual public gr::block
{
public:
    typedef std::shared_ptr<link_reporter> sptr;

    static sptr make(double symbol_rate,
                     acm_clock clock = acm_clock::symbols,
                     double interval_s = 0.25,
                     int link_id = 0);

    //! Reports sent, frames observed, frames whose Es/N0 could not be used.
    virtual uint64_t reports() const = 0;
    virtual uint64_t frames_observed() const = 0;
    virtual uint64_t estimates_rejected() const = 0;
    //! Messages on "stats" that could not be read.
    virtual uint64_t bad_stats_messages() const = 0;
};

} // namespace dualsat
} // namespace gr
