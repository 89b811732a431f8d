// SPDX-License-Identifier: GPL-3.0-or-later
// DVB-S2 receiver FEC block over dualsat::FecWorkerPool + dualsat::BbFrameDeframer.
#pragma once

#include <dualsat/rx/fec_receiver.h>
#include <gnuradio/block.h>
#include <gnuradio/dualsat/api.h>

namespace gr {
namespace dualsat {

/*!
 * \brief Decodes DVB-S2 XFECFRAMEs (one PDU per frame) to TS packets and GSE IP PDUs.
 * \ingroup dualsat
 *
 * Input, message port "frames": one PDU per PLFRAME from the frame synchroniser, the
 * payload a c32vector of the frame's data symbols (XFECFRAME: PL-descrambled, pilots
 * removed, unit average symbol energy), the metadata a dict with
 *   modcod        MODCOD number 1..28 (EN 302 307-1 Table 12) or a name ("8PSK 3/5")
 *   frame         "normal" / "short" (or 0 / 1)                     default normal
 *   pilots        bool (informational: pilots are already removed)  default false
 *   esn0_db       Es/N0 estimate in dB, or noise_var (N0, E|n|^2)   required
 *   frame_counter uint64, passed through to the stats               default: running count
 * The MODCOD and frame size may change on every PDU.
 *
 * Outputs: TS packets (188 bytes, sync byte restored, CRC-8 failures flagged with
 * transport_error_indicator unless drop_ts_crc_errors) on the optional byte stream output;
 * reassembled GSE PDUs on message port "pdus" (meta: protocol_type, fragmented, label);
 * a dict per frame on message port "stats" (frame_counter, modcod, modcod_name, frame,
 * pilots, status, ldpc_iterations, ldpc_converged, bch_corrected, bch_failure,
 * bbheader_ok, esn0_db, erased_symbols, packets, crc_failures). Port names and keys:
 * gnuradio/dualsat/tag_keys.h.
 *
 * Frames are decoded by `threads` workers in parallel (0 = one per CPU) and delivered in
 * order; at most threads + queue_frames frames are in the decoder at once (latency bound).
 * Frames that fail (bad PDU, BCH failure, bad BBHEADER) are counted and dropped.
 */
class DUALSAT_API fec_decoder : virtual public gr::block
{
public:
    typedef std::shared_ptr<fec_decoder> sptr;

    static sptr make(int threads = 0,
                     int max_iterations = 50,
                     bool drop_ts_crc_errors = false,
                     int queue_frames = 2,
                     float llr_scale = 4.0f);

    //! Totals over all frames delivered so far.
    virtual ::dualsat::FecReceiverCounters counters() const = 0;
    //! Frames taken from the "frames" port whose result is not delivered yet.
    virtual size_t frames_in_flight() const = 0;
    //! PDUs on "frames" that were not a (dict, c32vector) pair or lacked required keys.
    virtual uint64_t bad_pdus() const = 0;
};

} // namespace dualsat
} // namespace gr
