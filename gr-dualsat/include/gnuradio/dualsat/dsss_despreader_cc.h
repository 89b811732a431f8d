// SPDX-License-Identifier: GPL-3.0-or-later
// Keyed direct-sequence despreading, receive side (protected profile II) over
// dualsat::DsssReceiver (lib/antijam dsss_receiver.h).
#pragma once

#include <dualsat/antijam/dsss_receiver.h>
#include <dualsat/protect/key_schedule.h>
#include <gnuradio/block.h>
#include <gnuradio/dualsat/api.h>

#include <cstdint>
#include <string>

namespace gr {
namespace dualsat {

/*!
 * \brief Spread samples in (samples_per_chip per chip), one despread sample per PL symbol
 * out (1 sample/symbol: what pl_sync_cc takes).
 * \ingroup dualsat
 *
 * Acquisition: an FFT code-phase search over +-code_window_chips around the nominal start
 * (input sample 0 carries symbol first_symbol_index, as the spreader was told) and over
 * frequency bins covering +-max_cfo cycles per chip, acquisition_symbols symbols summed
 * non-coherently against a CFAR threshold (false_alarm_probability per search); then
 * refine_symbols symbols of frequency / timing refinement, then tracking (DLL, FLL, lock
 * detector). Nothing is output before lock; symbols lost at a loss of lock are a gap the
 * frame sync re-acquires across. Key, sf and shaping must be the spreader's. The first
 * output symbol after each acquisition carries the tag "dsss_lock" with a dict
 * {symbol (uint64: its index), code_phase_chips, cfo (cycles per chip)}.
 * erasure_blocks: blocks of 32 symbols of all-zero input (a dehopper's erased dwells) in a
 * row that are passed over instead of counting toward a loss of lock (0: they count).
 * reanchor_cycles_per_symbol (0: never): the output's reference carrier moves to the
 * tracked one when they differ by more than this (dsss_receiver.h).
 */
class DUALSAT_API dsss_despreader_cc : virtual public gr::block
{
public:
    typedef std::shared_ptr<dsss_despreader_cc> sptr;

    static sptr make(const std::string& key_file,
                     int link_id,
                     ::dualsat::LinkDirection direction,
                     int64_t epoch,
                     int sf,
                     double rolloff = 0.35,
                     int span_chips = 16,
                     int samples_per_chip = 2,
                     uint64_t first_symbol_index = 0,
                     double code_window_chips = 64.0,
                     double max_cfo = 0.0,
                     int acquisition_symbols = 64,
                     double false_alarm_probability = 1e-6,
                     int refine_symbols = 256,
                     int erasure_blocks = 0,
                     double reanchor_cycles_per_symbol = 0.0);

    virtual bool locked() const = 0;
    //! Current chip timing relative to nominal, chips.
    virtual double code_phase_chips() const = 0;
    //! Carrier offset estimate, cycles per chip.
    virtual double cfo() const = 0;
    //! Despread Es/N0 of the last tracking block, dB.
    virtual double esn0_db() const = 0;
    virtual double lock_ratio() const = 0;
    virtual uint64_t searches() const = 0;
    virtual uint64_t acquisitions() const = 0;
    virtual uint64_t lock_losses() const = 0;
    virtual uint64_t symbols_out() const = 0;
    virtual uint64_t nonfinite_samples() const = 0;
    //! All of the above at once, consistent with each other (one lock; for status pages).
    virtual ::dualsat::DsssReceiverStats stats() const = 0;
    //! The last acquisition search (detected or not: searches without a detection are
    //! reported too) and the first one that detected (detected false until then); their
    //! input_samples is the input consumed when the search ran, i.e. the stream time of
    //! the lock.
    virtual ::dualsat::DsssAcquisition last_acquisition() const = 0;
    virtual ::dualsat::DsssAcquisition first_acquisition() const = 0;
};

} // namespace dualsat
} // namespace gr
