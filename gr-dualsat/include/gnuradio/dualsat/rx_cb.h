// SPDX-License-Identifier: GPL-3.0-or-later
// The whole civil DVB-S2 receiver in one block over dualsat::Receiver: IQ samples in, TS
// bytes out, IP PDUs and per-frame stats as messages.
#pragma once

#include <dualsat/protect/key_file.h>
#include <dualsat/rx/receiver.h>
#include <gnuradio/block.h>
#include <gnuradio/dualsat/api.h>
#include <gnuradio/dualsat/protection.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace gr {
namespace dualsat {

/*!
 * \brief DVB-S2 receiver: AGC, matched filter + timing recovery (any rate >= 2 samples per
 * symbol, need not be an integer), frame sync, carrier recovery with automatic frequency
 * correction, LDPC/BCH decoding, BB deframing.
 * \ingroup dualsat
 *
 * Input: complex baseband samples at sample_rate, carrying DVB-S2 at symbol_rate (carrier
 * offset up to about +-10 % of the symbol rate).
 *
 * Output stream: the received TS packets (188 bytes each, sync bytes restored), in order;
 * packets of frames that fail to decode are dropped (never passed on corrupted).
 * Message port "pdus": GSE PDUs as pmt pairs (meta dict {protocol_type, label_type,
 * label, fragmented}, u8vector). Message port "stats": one dict per data frame (modcod,
 * modcod_name, frame, pilots, frame_counter, status, ok, ldpc_iterations,
 * bch_corrected, packets, esn0_db, esn0_var_db2, start_symbol, cfo_hz,
 * header_confirmed), and one per confirmed dummy frame ({dummy: true, esn0_db,
 * esn0_var_db2, start_symbol}: the link measured while the far end is idle). Port names
 * and keys: gnuradio/dualsat/tag_keys.h.
 *
 * fec_threads >= 2 decode frames in parallel (output order kept) and run the front end
 * (AGC, matched filter, timing) on a thread of its own, pipelined with the frame sync and
 * carrier recovery (dualsat::ReceiverConfig::frontend_thread). The block then keeps a
 * few hundred input samples back while more keep coming, and decodes everything in flight
 * once the stream ends (the upstream block is done), so nothing is lost at its end.
 *
 * Batches: the block declares a history of 65536 samples (skipped: it adds no latency)
 * so that GNU Radio gives it an input buffer of at least 1 MiB instead of 32 KiB, and
 * puts out whole TS packets (output multiple 188): at tens of MS/s the default buffer
 * meant tens of thousands of hand-overs a second (docs/realtime.md).
 *
 * Errors inside work() are logged and counted (work_errors()), never thrown.
 *
 * Protected twin (make_protected; GRC "DVB-S2 Receiver (protected)", Python
 * dualsat.rx_protected_cb): the same receiver with the keyed PL sequences (TRANSEC) and
 * the AES-256-GCM opener (COMSEC) of a protection_config; the far end's settings must
 * match (key file, link id, direction, epoch, pl_period). Frames that fail to open are
 * dropped and counted by cause (protection()); sealed idle frames are opened and counted
 * as fill (status().fill_frames), delivering nothing. With protection_config::fixed_format
 * the frame synchroniser takes a header of another format as a miss, not a new frame
 * length (a header in a jammed, erased hop dwell).
 */
class DUALSAT_API rx_cb : virtual public gr::block
{
public:
    typedef std::shared_ptr<rx_cb> sptr;

    static sptr make(double symbol_rate,
                     double sample_rate,
                     double rolloff = 0.35,
                     int gold_code = 0,
                     int fec_threads = 1,
                     bool afc = true);

    static sptr make_protected(double symbol_rate,
                               double sample_rate,
                               double rolloff,
                               int gold_code,
                               int fec_threads,
                               bool afc,
                               const protection_config& protection);

    //! Snapshot of lock, MODCOD, Es/N0, CFO, FER and counters (thread-safe).
    virtual ::dualsat::ReceiverStatus status() const = 0;
    virtual bool locked() const = 0;
    virtual uint64_t frames() const = 0;
    virtual uint64_t frames_ok() const = 0;
    virtual uint64_t fec_failures() const = 0;
    virtual uint64_t ts_packets() const = 0;
    virtual uint64_t gse_pdus() const = 0;
    virtual uint64_t lock_losses() const = 0;
    virtual uint64_t acquisitions() const = 0;
    virtual double esn0_db() const = 0;
    virtual double cfo_hz() const = 0;
    //! Exceptions caught inside work() (logged).
    virtual uint64_t work_errors() const = 0;
    //! Each data frame's symbols after carrier recovery, on the block's thread
    //! (::dualsat::Receiver::set_symbol_tap): quick, non-blocking monitoring only.
    virtual void set_symbol_tap(::dualsat::Receiver::SymbolTap tap) = 0;
    //! Every input sample the receiver takes, on the block's thread, just before the
    //! receiver: quick, non-blocking monitoring only (the daemon's input level and sample
    //! capture, without a block copying every sample). C++ only; set before the
    //! flowgraph starts.
    using input_tap = std::function<void(const gr_complex*, size_t)>;
    virtual void set_input_tap(input_tap tap) = 0;
    //! Each batch of frames the receiver reports, on the block's thread just before their
    //! "stats" messages: its data frames and its confirmed dummy frames, what the stats
    //! dicts say without the dicts. For a program that counts or forwards every frame (the
    //! daemon's link reports and per-MODCOD counts): no pmt dict and no message hand-off
    //! to another thread per frame, ten per data frame's worth of symbols on an idle link.
    //! Quick, non-blocking, and never calling back into the block (it holds the block's
    //! lock). The stats dicts are built only while the port has a subscriber. C++ only;
    //! set before the flowgraph starts.
    using frame_observer =
        std::function<void(const std::vector<::dualsat::ReceiverFrameStats>& frames,
                           const std::vector<::dualsat::ReceiverDummyFrame>& dummy_frames)>;
    virtual void set_frame_observer(frame_observer observer) = 0;
    //! The opener's drop counters by cause, key id and epoch (never key bytes); all
    //! false / zero for the civil block. Thread-safe.
    virtual protection_status protection() const = 0;
    //! Protected block: reads the key file again (the same checks as at start). Returns
    //! false when it holds the key in use (nothing changes). Otherwise the COMSEC keys
    //! follow from the next frame and, with TRANSEC, the PL sequences of the new key
    //! from the next work() call (the lock is dropped and the receiver
    //! searches with them: the far end must have reloaded too). ValueError for the civil block or a refused file (the key in use stays).
    virtual bool reload_keys() = 0;
    //! The same with a key the caller has read (load_key_file): a daemon reads the file
    //! once for its transmitter and receiver, so both take the same key (C++ only).
    virtual bool reload_keys(const ::dualsat::KeyMaterial& material) = 0;
    //! Protected block with commanded epochs (utc_epochs false): the current epoch from
    //! now on; the far end is commanded too (its receiver accepts the next epoch at any
    //! time and the previous one for overlap_seconds). ValueError otherwise.
    virtual void set_epoch(int64_t epoch) = 0;
};

} // namespace dualsat
} // namespace gr
