// SPDX-License-Identifier: GPL-3.0-or-later
// Keyed digital frequency hopping, transmit side (protected profile II) over
// dualsat::HopGate + dualsat::DigitalHopper (lib/antijam hop_gate.h, digital_hopper.h).
#pragma once

#include <dualsat/protect/key_schedule.h>
#include <gnuradio/block.h>
#include <gnuradio/dualsat/api.h>

#include <cstdint>
#include <string>

namespace gr {
namespace dualsat {

/*!
 * \brief Keyed frequency hopping inside a wide sample rate: the modem's shaped samples in,
 * the hop band at interpolation x sample_rate out.
 * \ingroup dualsat
 *
 * Time is cut into slots of slot_samples on-air samples at sample_rate; slot k starts at
 * on-air sample k slot_samples of the shared time base (sample 0 = the first output). Each
 * slot begins with guard_samples of silence (the transmitter pauses: no input is lost), then
 * carries slot_samples - guard_samples input samples, interpolated by U = interpolation and
 * mixed to its channel: channel c of N sits at (c - (N - 1) / 2) channel_spacing Hz from
 * the centre, and the channel of slot k is the keyed function of hop_schedule.h (the
 * HOPPING key of key_file, link_id, direction, epoch). Output: U slot_samples /
 * (slot_samples - guard_samples) samples per input sample. Both filters' tails spill
 * filter_semi_length samples across a slot edge: the guard should be >= 2 x that.
 * The band must fit: channels x channel_spacing <= U x sample_rate (ValueError otherwise).
 * interpolation 1: no digital hopping, the slot gate alone (the guard pauses at the modem
 * rate) for analog hopping, where hop_tuner retunes the radio at every slot.
 * Stream tags are not propagated (the guards move every sample).
 */
class DUALSAT_API hopper_cc : virtual public gr::block
{
public:
    typedef std::shared_ptr<hopper_cc> sptr;

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
                     int filter_semi_length = 8);

    //! The keyed channel of slot k (0 .. channels - 1).
    virtual int channel(uint64_t slot) const = 0;
    //! Offset of channel c from the band centre, Hz.
    virtual double channel_offset(int channel) const = 0;
    //! Slots started so far (the one in progress included).
    virtual uint64_t slots() const = 0;
    virtual int interpolation() const = 0;
};

} // namespace dualsat
} // namespace gr
