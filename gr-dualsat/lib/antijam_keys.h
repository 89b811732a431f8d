// SPDX-License-Identifier: GPL-3.0-or-later
// The keys of the anti-jam blocks (hopper_cc, dehopper_cc, hop_tuner, dsss_spreader_cc,
// dsss_despreader_cc): a key file, link id, direction and one fixed epoch, derived as the
// protected blocks derive theirs (lib/protect key_schedule.h), so one key file serves both
// profiles.
#pragma once

#include <dualsat/antijam/chip_sequence.h>
#include <dualsat/antijam/hop_schedule.h>
#include <dualsat/protect/key_schedule.h>

#include <cstdint>
#include <memory>
#include <string>

namespace gr {
namespace dualsat {

// ConfigError (ValueError in Python) naming the bad setting or why the key file was refused.
std::unique_ptr<::dualsat::HopSchedule> make_hop_schedule(const std::string& key_file,
                                                          int link_id,
                                                          ::dualsat::LinkDirection direction,
                                                          int64_t epoch,
                                                          int channels);

std::shared_ptr<const ::dualsat::KeyedChipSequence>
make_chip_sequence(const std::string& key_file, int link_id, ::dualsat::LinkDirection direction, int64_t epoch);

// The plan of the hopping blocks, checked (ConfigError).
::dualsat::HopPlan make_hop_plan(int channels, double channel_spacing_hz, int64_t slot_samples,
                                 int64_t guard_samples);

} // namespace dualsat
} // namespace gr
