// SPDX-License-Identifier: GPL-3.0-or-later
#include "antijam_keys.h"

#include <dualsat/core/error.h>
#include <dualsat/protect/key_file.h>

namespace gr {
namespace dualsat {
namespace {

::dualsat::SecureKey derive(const std::string& key_file, int link_id,
                            ::dualsat::LinkDirection direction, int64_t epoch,
                            ::dualsat::KeyPurpose purpose)
{
    using ::dualsat::ConfigError;
    if (link_id < 0 || link_id > 0xFFFF)
        throw ConfigError("link_id " + std::to_string(link_id) + " is outside 0..65535");
    if (epoch < 0 || epoch > 0xFFFFFFFFll)
        throw ConfigError("epoch " + std::to_string(epoch) + " is outside 0..2^32-1");
    ::dualsat::KeyMaterial material;
    try {
        material = ::dualsat::load_key_file(key_file);
    } catch (const ConfigError& e) {
        throw ConfigError(std::string("key file refused: ") + e.what());
    }
    ::dualsat::EpochConfig ec;
    ec.by_command = true; // one fixed epoch: a command schedule never commanded
    ec.initial_epoch = static_cast<uint32_t>(epoch);
    const ::dualsat::KeySchedule keys(std::move(material), ec);
    return keys.derive(purpose, static_cast<uint32_t>(epoch), static_cast<uint16_t>(link_id), direction);
}

} // namespace

std::unique_ptr<::dualsat::HopSchedule> make_hop_schedule(const std::string& key_file,
                                                          int link_id,
                                                          ::dualsat::LinkDirection direction,
                                                          int64_t epoch,
                                                          int channels)
{
    return std::make_unique<::dualsat::HopSchedule>(
        derive(key_file, link_id, direction, epoch, ::dualsat::KeyPurpose::Hopping), channels);
}

std::shared_ptr<const ::dualsat::KeyedChipSequence>
make_chip_sequence(const std::string& key_file, int link_id, ::dualsat::LinkDirection direction, int64_t epoch)
{
    return std::make_shared<const ::dualsat::KeyedChipSequence>(
        derive(key_file, link_id, direction, epoch, ::dualsat::KeyPurpose::AntiJam));
}

::dualsat::HopPlan make_hop_plan(int channels, double channel_spacing_hz, int64_t slot_samples,
                                 int64_t guard_samples)
{
    ::dualsat::HopPlan plan;
    plan.channels = channels;
    plan.channel_spacing_hz = channel_spacing_hz;
    plan.slot_samples = slot_samples;
    plan.guard_samples = guard_samples;
    ::dualsat::check_hop_plan(plan);
    return plan;
}

} // namespace dualsat
} // namespace gr
