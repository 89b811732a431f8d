// SPDX-License-Identifier: GPL-3.0-or-later
// Physical-layer synchronisation at symbol rate over dualsat::SymbolReceiver: PLFRAME
// sync, carrier recovery, PL descrambling, pilot removal. (Symbol timing recovery, GNU
// Radio's "symbol sync", is rx_frontend_cc, which comes before this block.)
#pragma once

#include <gnuradio/block.h>
#include <gnuradio/dualsat/api.h>
#include <cstdint>

namespace gr {
namespace dualsat {

/*!
 * \brief Matched-filtered symbols (1 sample/symbol) in; per PLFRAME its descrambled,
 * phase-corrected data symbols without pilots out (unit symbol energy), frame by frame.
 * \ingroup dualsat
 *
 * The first output symbol of each frame carries a stream tag with key "plframe"
 * (tag_keys::plframe) and a dict value (keys in dict_keys, gnuradio/dualsat/tag_keys.h):
 * modcod (1..28), frame ("normal"/"short"), pilots (bool), data_symbols (int),
 * frame_counter (uint64), esn0_db, esn0_db_smoothed, noise_var (the soft demapper's N0
 * for these symbols), cfo (cycles/symbol), header_confirmed (false for a flywheel frame)
 * and carrier_fine (frequency tracking settled; the first frames after acquisition at low
 * Es/N0 may not be). Dummy frames are consumed, not output. A FEC block reads the tag,
 * then data_symbols symbols.
 *
 * The output stream is variable rate (VCM/ACM frames differ in length); the output buffer
 * holds at least one largest frame (32400 symbols).
 */
class DUALSAT_API pl_sync_cc : virtual public gr::block
{
public:
    typedef std::shared_ptr<pl_sync_cc> sptr;

    static sptr make(int gold_code = 0,
                     float acquisition_threshold = 8.0f,
                     int confirm_frames = 2,
                     int max_missed_frames = 3);

    virtual bool locked() const = 0;
    virtual uint64_t frames_out() const = 0;
    virtual uint64_t acquisitions() const = 0;
    virtual uint64_t lock_losses() const = 0;
    virtual uint64_t false_detections() const = 0;
    virtual uint64_t missed_headers() const = 0;
    virtual uint64_t nonfinite_symbols() const = 0;
};

} // namespace dualsat
} // namespace gr
