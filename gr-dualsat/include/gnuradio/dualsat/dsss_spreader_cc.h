// SPDX-License-Identifier: GPL-3.0-or-later
// Keyed direct-sequence spreading, transmit side (protected profile II) over
// dualsat::DsssSpreader (lib/antijam dsss_spreader.h, chip_sequence.h).
#pragma once

#include <dualsat/protect/key_schedule.h>
#include <gnuradio/block.h>
#include <gnuradio/dualsat/api.h>

#include <cstdint>
#include <string>

namespace gr {
namespace dualsat {

/*!
 * \brief PL symbols in (1 sample/symbol, e.g. tx_bc's output), spread chips out: every
 * symbol multiplied by the sf chips of its keyed block (the ANTI-JAM key of key_file,
 * link_id, direction, epoch; QPSK chips, chip_sequence.h) and RRC shaped at the chip rate
 * (rolloff, span_chips, samples_per_chip): sf x samples_per_chip samples per symbol, unit
 * mean power. Input symbol i is symbol index first_symbol_index + i of the chip sequence
 * (the time base the despreader is told). sf 4..1024 (ValueError otherwise).
 */
class DUALSAT_API dsss_spreader_cc : virtual public gr::block
{
public:
    typedef std::shared_ptr<dsss_spreader_cc> sptr;

    static sptr make(const std::string& key_file,
                     int link_id,
                     ::dualsat::LinkDirection direction,
                     int64_t epoch,
                     int sf,
                     double rolloff = 0.35,
                     int span_chips = 16,
                     int samples_per_chip = 2,
                     uint64_t first_symbol_index = 0);

    virtual int sf() const = 0;
    virtual int samples_per_chip() const = 0;
    //! Chips from a chip's start to its pulse peak (the shaper's delay).
    virtual double delay_chips() const = 0;
    virtual uint64_t next_symbol_index() const = 0;
};

} // namespace dualsat
} // namespace gr
