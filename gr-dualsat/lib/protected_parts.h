// SPDX-License-Identifier: GPL-3.0-or-later
// Builds the lib/protect parts (key schedule, keyed PL sequences, GCM sealer / opener) of
// tx_protected_bc / rx_protected_cb from a protection_config, and reports their status.
#pragma once

#include <dualsat/protect/frame_protection.h>
#include <dualsat/protect/keyed_pl.h>
#include <gnuradio/dualsat/protection.h>

#include <atomic>
#include <memory>

namespace gr {
namespace dualsat {

struct protected_parts {
    protection_config config;
    std::shared_ptr<::dualsat::KeySchedule> keys;
    ::dualsat::KeyedPlSequences pl;              // null members without TRANSEC
    std::shared_ptr<::dualsat::FrameSealer> sealer; // transmitter with COMSEC
    std::shared_ptr<::dualsat::FrameOpener> opener; // receiver with COMSEC
    std::atomic<uint64_t> key_reloads{ 0 };  // reload_key_file() calls that changed the key
};

// The epoch the TRANSEC sequences are derived with. They follow the key file, not the
// epochs: the frame sync acquires one set of sequences (keyed_pl.h), so a change of them
// is a re-acquisition at the far end, and both ends must derive the same set whenever each
// was started. COMSEC keys change every epoch (hitless: the opener accepts the adjacent
// epoch during the overlap); the PL sequences change with the master key (reload).
constexpr uint32_t kTransecKeyEpoch = 0;

// ConfigError (a Python ValueError) for a bad setting or key file, saying which and why;
// never names key bytes.
std::shared_ptr<protected_parts> make_protected_parts(const protection_config& config,
                                                      bool transmitter);

// Reads the key file of parts.config again (same checks as at start). False when it holds
// the key in use: nothing changes. Otherwise the key schedule rotates (COMSEC keys follow
// from the next frame) and, with TRANSEC, *pl gets the new key's sequences for the caller
// to hand to its frame engine. ConfigError for a refused file (the key in use stays).
bool reload_key_file(protected_parts& parts, ::dualsat::KeyedPlSequences* pl);
// The same with a key already read (a copy is taken): one read of the file for several
// blocks, so that they cannot end up with different keys when the file changes meanwhile.
bool reload_key_material(protected_parts& parts, const ::dualsat::KeyMaterial& material,
                         ::dualsat::KeyedPlSequences* pl);

// Command-mode epochs: from now on the current epoch is `epoch` (the far end must be
// commanded too; its receiver accepts the next epoch at any time). ConfigError with
// UTC epochs or outside 0 .. 2^32 - 1.
void command_epoch(protected_parts& parts, int64_t epoch);

// TRANSEC with keyed PL sequences that never repeat: the transmitter numbers its frames
// from config.pl_time_base when it starts, the receiver predicts them from it.
bool pl_time_indexed(const protected_parts& parts);

// Everything but the counters of the sealer / opener.
protection_status static_status(const protected_parts& parts);

} // namespace dualsat
} // namespace gr
