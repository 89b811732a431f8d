// SPDX-License-Identifier: GPL-3.0-or-later
// ACM controller block over dualsat::AcmController (and dualsat::LinkReporter): the far
// end's receiver measurements in, tx_bc's format messages out.
#pragma once

#include <dualsat/acm/acm_controller.h>
#include <dualsat/modcod/modcod.h>
#include <gnuradio/block.h>
#include <gnuradio/dualsat/api.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace dualsat {

//! Which clock the controller's times come from.
enum class acm_clock : uint8_t {
    //! The receiver's symbol count: stats' start_symbol / symbol_rate. Deterministic, for
    //! simulations, which run faster or slower than real time.
    symbols,
    //! std::chrono::steady_clock, for live radios.
    wall,
};

/*!
 * \brief Adaptive coding and modulation: link-quality reports of the far end's receiver
 * in, the format of this transmitter's next PLFRAMEs out (to tx_bc's "modcod" port).
 * \ingroup dualsat
 *
 * Message-only. Input ports (either or both may be connected):
 *  - "stats": rx_cb's per-frame stats dicts of the receiver at the far end (data frames:
 *    modcod, frame, pilots, ok, esn0_db, esn0_var_db2, start_symbol; dummy frames: dummy,
 *    esn0_db, esn0_var_db2, start_symbol). A dualsat::LinkReporter turns them into one
 *    report per report_interval_s, as the far end's modem would, for loops closed in one
 *    flowgraph and for simulations. A dict that cannot be read is counted
 *    (bad_stats_messages()) and dropped.
 *  - "reports": the 35-byte wire report (dualsat/acm/link_report.h) as a PDU (pair of
 *    meta and u8vector) or a bare u8vector, as it arrives over a real return channel.
 *    Checked with LinkReport::parse: a malformed one is counted (malformed_reports()) and
 *    dropped, never acted on.
 *
 * Output ports:
 *  - "modcod": {modcod: int, frame: "normal"/"short", pilots: bool}, what tx_bc reads; sent
 *    at start (the fallback format) and on every change.
 *  - "decision": a dict per accepted report and per change: modcod, modcod_name, frame,
 *    pilots, reason ("steady", "fade", ...), text (the reason with its numbers), changed,
 *    fallback, time_s, reported_esn0_db, predicted_esn0_db, margin_db (in force, outer
 *    loop included), required_esn0_db (the current rung's threshold + margin).
 *
 * The rules (margin, hysteresis, hold, fast down, fade prediction, outer loop, fallback)
 * are dualsat::AcmController's; the parameters here are its main knobs, with its
 * defaults. The thresholds: EN 302 307-1 Table 13 (thresholds_file empty: the installed
 * data/dvbs2_qef_esn0.csv) plus implementation_loss_db (short frames:
 * + short_frame_loss_db), or a dualsat-fer-sweep CSV (recognised by its header: the Es/N0
 * where the measured FER falls to target_fer, plus implementation_loss_db).
 *
 * Clock: acm_clock::symbols takes time from the stats' start_symbol / symbol_rate (a
 * report on "reports" moves it to the report's timestamp if that is later), so a
 * simulation decides exactly as the air would, at any speed; time then stands still
 * while no message arrives, so the report timeout cannot fire while the receiver delivers
 * no frames at all (a live radio wants acm_clock::wall, which also checks the timeout
 * every 50 ms on a thread of its own). feedback_delay_s (symbol clock only) holds each
 * report back that long before the controller sees it: the return path of a GEO loop
 * (~0.25 s) in a one-flowgraph simulation.
 *
 * Thread safety: the message handlers run on the block's thread, the getters may be
 * called from any thread (one mutex).
 */
class DUALSAT_API acm_controller : virtual public gr::block
{
public:
    typedef std::shared_ptr<acm_controller> sptr;

    /*!
     * \param symbol_rate symbols per second of the link measured (symbol clock)
     * \param clock where times come from
     * \param frame FECFRAME size of the frames sent
     * \param pilots pilot policy
     * \param min_modcod, max_modcod allowed MODCOD numbers (EN 302 307-1 Table 12)
     * \param excluded_modulations comma-separated names never used ("32APSK",
     *        "16APSK,32APSK"; empty: none)
     * \param fallback_modcod the format without reports (0: the most robust allowed)
     * \param margin_db, hysteresis_db, step_up_hold_s inner loop
     * \param predict_fades, loop_delay_s fade prediction (loop delay until measured)
     * \param report_interval_s the far end's report interval (the LinkReporter's, on
     *        "stats")
     * \param report_timeout_s fallback when no report is accepted for this long
     * \param outer_loop, target_fer outer loop on the reported frame errors
     * \param feedback_delay_s simulated return-path delay (symbol clock only)
     * \param link_id the link's id in the reports
     * \param thresholds_file Table 13 or dualsat-fer-sweep CSV; empty: the installed
     *        Table 13
     * \param implementation_loss_db, short_frame_loss_db added to the thresholds
     */
    static sptr make(double symbol_rate,
                     acm_clock clock = acm_clock::symbols,
                     ::dualsat::FrameSize frame = ::dualsat::FrameSize::Normal,
                     ::dualsat::PilotsPolicy pilots = ::dualsat::PilotsPolicy::Always,
                     int min_modcod = 1,
                     int max_modcod = 28,
                     const std::string& excluded_modulations = "",
                     int fallback_modcod = 0,
                     double margin_db = 0.5, // AcmConfig's default (acm_controller.h)
                     double hysteresis_db = 0.4,
                     double step_up_hold_s = 1.0,
                     bool predict_fades = true,
                     double loop_delay_s = 0.5,
                     double report_interval_s = 0.25,
                     double report_timeout_s = 1.0,
                     bool outer_loop = true,
                     double target_fer = 1e-4,
                     double feedback_delay_s = 0.0,
                     int link_id = 0,
                     const std::string& thresholds_file = "",
                     double implementation_loss_db = 0.5,
                     double short_frame_loss_db = 0.3);

    //! The format in force (what the last "modcod" message said).
    virtual ::dualsat::FrameFormat format() const = 0;
    //! The controller's state: decision and reason, reported / predicted Es/N0, margin,
    //! loop delay, report and frame counters.
    virtual ::dualsat::AcmState state() const = 0;
    //! The ladder of formats the controller chooses from, most robust first.
    virtual std::vector<::dualsat::AcmRung> ladder() const = 0;
    //! Reports on "reports" that failed LinkReport::parse.
    virtual uint64_t malformed_reports() const = 0;
    //! Messages on "stats" that could not be read.
    virtual uint64_t bad_stats_messages() const = 0;
    //! Frames observed on "stats", and reports made of them.
    virtual uint64_t frames_observed() const = 0;
    virtual uint64_t reports_generated() const = 0;
    //! Time of the controller's clock, seconds.
    virtual double now_s() const = 0;
};

} // namespace dualsat
} // namespace gr
