// SPDX-License-Identifier: GPL-3.0-or-later
// Timed USRP retuning for analog keyed frequency hopping (protected profile II): UHD tune
// commands from the keyed hop schedule (lib/antijam hop_schedule.h), as gr-uhd takes them.
#pragma once

#include <dualsat/protect/key_schedule.h>
#include <gnuradio/dualsat/api.h>
#include <gnuradio/sync_block.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace gr {
namespace dualsat {

/*!
 * \brief Pass-through of the on-air stream (sample_rate, with HopGate's guard pauses) that
 * issues one timed UHD tune command per hop slot, ahead of the slot.
 * \ingroup dualsat
 *
 * Time base. Slot k starts at on-air sample k x slot_samples of the radio's time, i.e. at
 * radio time k slot_samples / sample_rate (both ends' radios share it: GPSDO / PPS). The
 * stream's sample 0 is at radio time start_time_secs + start_time_frac; a stream tag
 * time_tag_key (default "rx_time", usrp_source's: a tuple (uint64 secs, double frac)) at
 * sample n re-anchors it: sample n is at that time (after an overflow the source tags
 * again). Empty time_tag_key: the sample counter alone.
 *
 * The command of slot k: a PMT dict {"freq": center_freq + offset of its keyed channel
 * (double, Hz), "time": pair (uint64 full secs, double frac secs) of the slot's start,
 * "lo_offset": lo_offset (only when non-zero), "direction": direction (only when given:
 * "TX" or "RX")}, gr-uhd's command syntax: the radio retunes at the slot's first guard
 * sample and settles during the guard. It is issued lead_time before the slot starts:
 *  - as a stream tag "tx_command" on that output sample (emit_tags; for usrp_sink, which
 *    runs the command when it reaches the sample, so the timed command reaches the radio
 *    lead_time plus the stream's latency early);
 *  - on message port "command" when that sample is processed (emit_messages; for the
 *    "command" ports of usrp_source / usrp_sink).
 * With tag_tx_time, output sample 0 also carries a "tx_time" tag (a tuple (uint64 secs,
 * double frac)) of the start time: usrp_sink then sends sample 0 at that radio time, so
 * the stream's guards fall where the retunes are (give a start time a little ahead of
 * the radio's clock when the flowgraph starts).
 * A slot whose issue point lies before the first sample (or before a re-anchoring) is
 * issued at once (counted in late_commands()); slots that started already are skipped.
 *
 * The guard (guard_samples / sample_rate) must cover settling_time, the synthesiser's
 * retune and lock time (ValueError otherwise). The default 300 us is of the order of the
 * integer-N PLL lock times of the B2xx (AD9361) and N3xx (AD9371) front ends; measure your
 * radio's. Timed commands queue in the radio: keep lead_time to a few slots.
 */
class DUALSAT_API hop_tuner : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<hop_tuner> sptr;

    static sptr make(const std::string& key_file,
                     int link_id,
                     ::dualsat::LinkDirection direction,
                     int64_t epoch,
                     int channels,
                     double channel_spacing,
                     double center_freq,
                     double sample_rate,
                     int64_t slot_samples,
                     int64_t guard_samples,
                     double lead_time = 0.01,
                     double settling_time = 300e-6,
                     uint64_t start_time_secs = 0,
                     double start_time_frac = 0.0,
                     double lo_offset = 0.0,
                     bool emit_tags = true,
                     bool emit_messages = true,
                     const std::string& time_tag_key = "rx_time",
                     const std::string& uhd_direction = "",
                     bool tag_tx_time = false);

    //! The keyed channel of slot k and the frequency the command tunes to.
    virtual int channel(uint64_t slot) const = 0;
    virtual double tune_freq(uint64_t slot) const = 0;
    //! Radio time of slot k's start: (full secs, frac secs).
    virtual std::pair<uint64_t, double> slot_time(uint64_t slot) const = 0;
    //! Lead time in samples (rounded), as applied to the tags.
    virtual int64_t lead_samples() const = 0;
    virtual uint64_t commands_issued() const = 0;
    virtual uint64_t late_commands() const = 0;
    //! The slot whose command comes next.
    virtual uint64_t next_slot() const = 0;
    //! Time tags that could not be read (not a (uint64, double) tuple).
    virtual uint64_t bad_time_tags() const = 0;
};

/*!
 * \brief Test sink: records every UHD command it receives, on message port "command" and
 * as stream tags tag_key (default "tx_command") on its optional input, with the tag's
 * sample, the command's "freq" and "time". Commands without a dict, a double "freq" or a
 * (uint64, double) pair "time" are counted as malformed and not recorded.
 * \ingroup dualsat
 */
class DUALSAT_API tune_command_recorder : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<tune_command_recorder> sptr;

    static sptr make(const std::string& tag_key = "tx_command");

    virtual std::vector<double> message_freqs() const = 0;
    virtual std::vector<uint64_t> message_time_secs() const = 0;
    virtual std::vector<double> message_time_fracs() const = 0;
    virtual std::vector<double> message_lo_offsets() const = 0; //!< NaN when absent
    virtual std::vector<uint64_t> tag_offsets() const = 0;
    virtual std::vector<double> tag_freqs() const = 0;
    virtual std::vector<uint64_t> tag_time_secs() const = 0;
    virtual std::vector<double> tag_time_fracs() const = 0;
    virtual uint64_t malformed() const = 0;
};

} // namespace dualsat
} // namespace gr
