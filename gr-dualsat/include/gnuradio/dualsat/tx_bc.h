// SPDX-License-Identifier: GPL-3.0-or-later
// The whole civil DVB-S2 transmitter in one block (EN 302 307-1 §5) over
// dualsat::Transmitter: TS bytes or GSE PDUs in, PLFRAME symbols out.
#pragma once

#include <dualsat/framing/bbheader.h>
#include <dualsat/modcod/modcod.h>
#include <dualsat/protect/key_file.h>
#include <dualsat/tx/transmitter.h>
#include <gnuradio/block.h>
#include <gnuradio/dualsat/api.h>
#include <gnuradio/dualsat/protection.h>

#include <cstdint>
#include <functional>

namespace gr {
namespace dualsat {

/*!
 * \brief DVB-S2 transmitter: mode adaptation, BB scrambling, BCH, LDPC, bit
 * interleaving, mapping and PL framing; one output sample per symbol (no pulse shaping).
 * \ingroup dualsat
 *
 * Input:
 *  - TS mode: a byte stream of 188-byte MPEG-TS packets (0x47 sync; bytes that cannot
 *    start a packet are skipped and counted).
 *  - GSE mode: no stream input; IP packets (or any EtherType with meta key
 *    "protocol_type") arrive as PDUs on message port "pdus": pmt pair (meta, u8vector).
 *
 * Message port "modcod" sets the format of the next and all following PLFRAMEs: a dict
 * with any of the keys "modcod" (1..28 or a name such as "8PSK 3/5"), "frame"
 * ("normal"/"short"), "pilots" (bool); or just an int (MODCOD number) or a string
 * ("8PSK 3/5", optionally followed by "short"/"normal" and "pilots"/"nopilots"; read by
 * dualsat::parse_frame_format, which may also leave the MODCOD out: "short nopilots").
 * Missing fields keep their current value. Bad messages are logged and counted.
 *
 * Every PLFRAME's first symbol carries the stream tag "plframe" with a dict: modcod (int,
 * 0 for a dummy frame), modcod_name, frame ("normal"/"short"), pilots, dummy,
 * frame_counter, symbols, dfl, packets (TS: user packets starting in the data field;
 * GSE: PDUs whose last byte is in it). Port names and keys: gnuradio/dualsat/tag_keys.h.
 *
 * Idle policy Dummy (on air): dummy PLFRAMEs when nothing is queued, so the carrier never
 * stops; a short TS queue is sent in a padded frame. Wait (files, tests): data frames
 * only, TS frames only when full (gr-dtv's behaviour: the output is then bit-exact with
 * gr-dtv's DVB-S2 chain for CCM input).
 *
 * workers: threads encoding frames, this block's own included (-1 = min(2, hardware
 * threads); 1 = no extra thread). Each work() call starts every PLFRAME that fits the
 * output buffer, the extra threads encode them in parallel, and all are finished before
 * work() returns: no added latency, output identical for any value.
 *
 * Protected twin (make_protected; GRC "DVB-S2 Transmitter (protected)", Python
 * dualsat.tx_protected_bc): the same block with the protected profile's parts (README
 * "Protected profile"): TRANSEC = keyed PLHEADER (SOF, PLSC mask) and keyed PL scrambling
 * of period pl_period; COMSEC = AES-256-GCM seal of every BBFRAME with a durable nonce
 * counter. Idle policy SealedFill: the carrier never stops and idle frames are empty data
 * frames of the format in force, sealed (no dummy PLFRAME). With fixed_format the
 * format given here is the only one ever sent ("modcod" messages are refused and
 * counted). Key file and settings are checked at construction (ValueError).
 */
class DUALSAT_API tx_bc : virtual public gr::block
{
public:
    typedef std::shared_ptr<tx_bc> sptr;

    static sptr make(::dualsat::TxInputMode input,
                     ::dualsat::FrameSize frame,
                     ::dualsat::CodeRate rate,
                     ::dualsat::Modulation constellation,
                     bool pilots = false,
                     ::dualsat::RollOff rolloff = ::dualsat::RollOff::R020,
                     int gold_code = 0,
                     bool ccm = true,
                     ::dualsat::IdlePolicy idle = ::dualsat::IdlePolicy::Dummy,
                     int workers = -1);

    //! The protected twin: the parameters of make() minus idle (always SealedFill; the
    //! Gold code is used only without TRANSEC), plus the protection settings.
    static sptr make_protected(::dualsat::TxInputMode input,
                               ::dualsat::FrameSize frame,
                               ::dualsat::CodeRate rate,
                               ::dualsat::Modulation constellation,
                               bool pilots,
                               ::dualsat::RollOff rolloff,
                               int gold_code,
                               bool ccm,
                               int workers,
                               const protection_config& protection);

    //! Format of the next and following PLFRAMEs (thread-safe; ValueError if undefined,
    //! or if the block is protected with fixed_format).
    virtual void set_format(const ::dualsat::FrameFormat& format) = 0;
    virtual ::dualsat::FrameFormat format() const = 0;
    //! Counters of the frame engine.
    virtual ::dualsat::TransmitterStats stats() const = 0;
    //! Messages on "modcod" that could not be used.
    virtual uint64_t bad_modcod_messages() const = 0;
    //! PDUs on "pdus" that were malformed (not a pair of meta and u8vector, unknown
    //! protocol) or arrived in TS mode; PDUs refused by the queue are in stats().
    virtual uint64_t bad_pdu_messages() const = 0;
    //! Errors raised by the frame engine inside work() (logged, never thrown).
    virtual uint64_t work_errors() const = 0;
    //! Key id, epoch, sealed frames, nonce counter (never key bytes); all false / zero
    //! for the civil block. Thread-safe (updated after each work() call).
    virtual protection_status protection() const = 0;
    //! Protected block: reads the key file again (the same checks as at start). Returns
    //! false when it holds the key in use (nothing changes). Otherwise the COMSEC keys
    //! follow from the next frame and, with TRANSEC, the PL sequences of the new key
    //! from the next PLFRAME started (hitless on air; the far end re-acquires
    //! once it has reloaded too). ValueError for the civil block or a refused file (the key in use stays).
    virtual bool reload_keys() = 0;
    //! The same with a key the caller has read (load_key_file): a daemon reads the file
    //! once for its transmitter and receiver, so both take the same key (C++ only).
    virtual bool reload_keys(const ::dualsat::KeyMaterial& material) = 0;
    //! Called for every PLFRAME as the block writes it out (with what its "plframe" tag
    //! says), on the block's thread: quick, non-blocking bookkeeping only (the daemon's
    //! per-frame accounting, without a block copying every symbol to read the tags).
    //! C++ only; set before the flowgraph starts.
    using frame_observer = std::function<void(const ::dualsat::PlFrameInfo&)>;
    virtual void set_frame_observer(frame_observer observer) = 0;
    //! Protected block with commanded epochs (utc_epochs false): the current epoch from
    //! now on; the far end is commanded too (its receiver accepts the next epoch at any
    //! time and the previous one for overlap_seconds). ValueError otherwise.
    virtual void set_epoch(int64_t epoch) = 0;
};

} // namespace dualsat
} // namespace gr
