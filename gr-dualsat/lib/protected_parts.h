// SPDX-License-Identifier: GPL-3.0-or-later
// Builds the lib/protect parts (key schedule, keyed PL sequences, GCM sealer / opener) of
// tx_protected_bc / rx_protected_cb from a protection_config, and reports their status.
#pragma once

#include <dualsat/protect/frame_protection.h>
#include <dualsat/protect/keyed_pl.h>
#include <gnuradio/dualsat/protection.h>

#include <memory>

namespace gr {
namespace dualsat {

struct protected_parts {
    protection_config config;
    std::shared_ptr<::dualsat::KeySchedule> keys;
    ::dualsat::KeyedPlSequences pl;              // null members without TRANSEC
    std::shared_ptr<::dualsat::FrameSealer> sealer; // transmitter with COMSEC
    std::shared_ptr<::dualsat::FrameOpener> opener; // receiver with COMSEC
    uint32_t pl_epoch = 0;
};

// ConfigError (a Python ValueError) for a bad setting or key file, saying which and why;
// never names key bytes.
std::shared_ptr<protected_parts> make_protected_parts(const protection_config& config,
                                                      bool transmitter);

// Everything but the counters of the sealer / opener.
protection_status static_status(const protected_parts& parts);

} // namespace dualsat
} // namespace gr
