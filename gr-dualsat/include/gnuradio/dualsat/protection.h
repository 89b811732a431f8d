// SPDX-License-Identifier: GPL-3.0-or-later
// The protected profile's settings and status for the blocks (tx_protected_bc,
// rx_protected_cb: tx_bc / rx_cb built with the lib/protect parts). See the README's
// "Protected profile" section for the threat model.
#pragma once

#include <dualsat/protect/key_schedule.h>
#include <dualsat/protect/pl_time_index.h>
#include <gnuradio/dualsat/api.h>

#include <cstdint>
#include <string>

namespace gr {
namespace dualsat {

//! What both ends of a protected link must agree on (and, for the transmitter, where
//! its nonce counter is kept).
struct DUALSAT_API protection_config {
    std::string key_file;   //!< dualsat-key-file 1, mode 0600/0400, owned by this user
    int link_id = 0;        //!< 0..65535, unique per key file and direction
    ::dualsat::LinkDirection direction = ::dualsat::LinkDirection::Forward;
    //! false: one fixed epoch (`epoch`); true: UTC slots of slot_seconds, the receiver
    //! also accepts the adjacent epoch for overlap_seconds around a boundary.
    bool utc_epochs = false;
    int64_t epoch = 0;      //!< the fixed epoch, 0 .. 2^32 - 1
    int64_t slot_seconds = 3600;
    int64_t overlap_seconds = 60;
    //! Transmitter: the NonceReservation state file (required with COMSEC).
    std::string nonce_state_file;
    bool transec = true;    //!< keyed PLHEADER and PL scrambling
    bool comsec = true;     //!< AES-256-GCM on every BBFRAME
    //! Keyed PL sequences: 0 (default) never repeat, so that no cyclic analysis finds the
    //! frames; both ends then number frames from a time base (pl_time_base), which needs a
    //! fixed format. P in 1 .. 65536: repeat every P frames, acquired without a time base
    //! (for format changes), but frames P apart look alike to an observer.
    int pl_period = 0;
    //! pl_period 0: frame 0 at the stream's first sample (SampleCounter: both ends start
    //! together, e.g. one flowgraph, a file from its start) or frames since 1970 (Utc: live
    //! links with synchronised clocks; see dualsat/protect/pl_time_index.h).
    ::dualsat::PlTimeBase pl_time_base = ::dualsat::PlTimeBase::SampleCounter;
    //! Transmitter with the Utc time base: its symbol rate, Hz (the receiver has its own).
    double symbol_rate = 0.0;
    //! Receiver with pl_period 0: the link's PLFRAME length in symbols
    //! (FrameFormat::plframe_symbols() of the transmitter's fixed format).
    int pl_frame_symbols = 0;
    //! Receiver with the Utc time base: the path delay (s) it predicts frames with.
    double pl_path_delay_s = 0.0;
    //! Receiver with pl_period 0: counters tried around the predicted one while searching
    //! (1 .. 16; the time base must be right to within half of it; each costs as much
    //! search work as the civil receiver's whole search, only while searching).
    int pl_search_window = 4;
    //! Transmitter: refuse format changes (port "modcod", set_format), so that neither
    //! frame length nor modulation order ever follows the link state.
    bool fixed_format = true;
    int replay_window = 0;  //!< receiver: frames per epoch (0: the opener's minimum)
    //! Not DVB-S2: permute every LDPC codeword's bits (lib/coding codeword_interleaver.h)
    //! so that a burst of erased symbols (a jammed hop dwell) lands spread over the
    //! codeword. Both ends must agree.
    bool codeword_interleaving = false;
};

//! A protected block's state: public names and counters only, never key bytes.
struct DUALSAT_API protection_status {
    bool comsec = false;
    bool transec = false;
    std::string key_id;      //!< the key file's key-id (public name), hex
    std::string key_tag;     //!< the 24-bit tag carried on air, hex
    uint32_t epoch = 0;      //!< TX: of the last sealed frame (else the start epoch);
                             //!< RX: the current epoch
    uint64_t key_reloads = 0; //!< reload_keys() calls that changed the key (both sides)
    int pl_period = 0;            //!< 0: never repeats
    std::string pl_time_base;     //!< with pl_period 0: "sample_counter" or "utc"
    // Transmitter
    uint64_t frames_sealed = 0;
    uint64_t next_counter = 0;
    uint64_t nonce_reservations = 0;
    uint64_t key_changes = 0;
    // Receiver: the opener's counters
    uint64_t opened = 0;
    uint64_t malformed = 0;
    uint64_t unknown_key = 0;
    uint64_t stale_epoch = 0;
    uint64_t replayed = 0;
    uint64_t auth_failed = 0;
};

} // namespace dualsat
} // namespace gr
