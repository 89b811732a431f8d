// SPDX-License-Identifier: GPL-3.0-or-later
// Keyed digital frequency hopping, receive side (protected profile II) over
// dualsat::DigitalDehopper + dualsat::HopUngate (lib/antijam digital_hopper.h, hop_gate.h).
#pragma once

#include <dualsat/protect/key_schedule.h>
#include <gnuradio/block.h>
#include <gnuradio/dualsat/api.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace dualsat {

/*!
 * \brief The hop band at interpolation x sample_rate in, the modem's continuous stream at
 * sample_rate out: dehopped with the keyed schedule, guards dropped, each dwell judged by
 * its power against the recent ones and, with erase_jammed, a jammed dwell's samples set
 * to zero (an erasure: LLR 0 in the demapper, rebuilt by the LDPC decoder).
 * \ingroup dualsat
 *
 * The settings must be the hopper's (hopper_cc): key file, link id, direction, epoch,
 * channels, spacing, rate, slot, guard, interpolation, filter; input sample 0 must be the
 * hopper's output sample 0 (loopback, file: the shared sample counter). Output sample j
 * is the hopper's input sample j; it lags by one slot (a dwell is judged once complete).
 * interpolation 1: no digital dehopping, the ungate alone (guards dropped, dwells judged
 * and erased) after a radio that hop_tuner retunes (analog hopping; input sample 0 at the
 * start of a slot).
 *
 * A dwell is jammed when its mean power exceeds the reference (the reference_quantile of
 * the last `history` dwells' powers; 0.25 of 64) by threshold_db; the first 8 dwells are
 * not judged. Per jammed dwell: a stream tag "jammed_dwell" on its first output sample and
 * a message on port "jam", both a dict {slot (uint64), channel (int), power (float),
 * reference_power (float), offset (uint64: the output sample of the tag)}.
 */
class DUALSAT_API dehopper_cc : virtual public gr::block
{
public:
    typedef std::shared_ptr<dehopper_cc> sptr;

    static sptr make(const std::string& key_file,
                     int link_id,
                     ::dualsat::LinkDirection direction,
                     int64_t epoch,
                     int channels,
                     double channel_spacing,
                     double sample_rate,
                     int64_t slot_samples,
                     int64_t guard_samples,
                     int interpolation,
                     int filter_semi_length = 8,
                     bool erase_jammed = true,
                     double threshold_db = 3.0);

    //! Dwells judged so far.
    virtual uint64_t dwells() const = 0;
    virtual uint64_t jammed_dwells() const = 0;
    virtual uint64_t erased_samples() const = 0;
    //! Per channel: dwells judged jammed / dwells judged.
    virtual std::vector<uint64_t> jammed_by_channel() const = 0;
    virtual std::vector<uint64_t> dwells_by_channel() const = 0;
    //! The detector's reference level (mean |x|^2 of a clean dwell).
    virtual double reference_power() const = 0;
};

} // namespace dualsat
} // namespace gr
