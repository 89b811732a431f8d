// SPDX-License-Identifier: GPL-3.0-or-later
#include "protected_parts.h"

#include <dualsat/core/error.h>
#include <dualsat/protect/key_file.h>

#include <string>

namespace gr {
namespace dualsat {
namespace {

std::string hex(const uint8_t* p, size_t n)
{
    static const char d[] = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; ++i) {
        s += d[p[i] >> 4];
        s += d[p[i] & 15];
    }
    return s;
}

} // namespace

std::shared_ptr<protected_parts> make_protected_parts(const protection_config& config,
                                                      bool transmitter)
{
    using ::dualsat::ConfigError;
    if (!config.transec && !config.comsec)
        throw ConfigError("protected profile with neither TRANSEC nor COMSEC: use the civil block");
    if (config.link_id < 0 || config.link_id > 0xFFFF)
        throw ConfigError("link_id " + std::to_string(config.link_id) + " is outside 0..65535");
    if (config.pl_period < 0 ||
        static_cast<uint64_t>(config.pl_period) > ::dualsat::KeyedPlHeader::kMaxPeriod)
        throw ConfigError("pl_period " + std::to_string(config.pl_period) +
                          " is outside 0 (never repeats) .. 65536");
    if (config.transec && config.pl_period == 0) {
        // Sequences that never repeat are acquired by predicting the frame counter from a
        // time base: frames of one length (keyed_pl.h).
        if (transmitter && !config.fixed_format)
            throw ConfigError("pl_period 0 (keyed sequences that never repeat) needs fixed_format: the "
                              "receiver predicts frames of one length; use pl_period >= 1 with format changes");
        if (transmitter && config.pl_time_base == ::dualsat::PlTimeBase::Utc &&
            !(config.symbol_rate > 0.0))
            throw ConfigError("pl_time_base utc needs the transmitter's symbol_rate");
        if (!transmitter && config.pl_frame_symbols <= 0)
            throw ConfigError("pl_period 0 (keyed sequences that never repeat) needs pl_frame_symbols: "
                              "the PLFRAME length of the link's fixed format");
        if (!transmitter && (config.pl_search_window < 1 || config.pl_search_window > 16))
            throw ConfigError("pl_search_window " + std::to_string(config.pl_search_window) +
                              " is outside 1..16");
        if (!transmitter && !(config.pl_path_delay_s >= 0.0 && config.pl_path_delay_s <= 10.0))
            throw ConfigError("pl_path_delay_s must be 0..10 s");
    }
    if (config.epoch < 0 || config.epoch > 0xFFFFFFFFll)
        throw ConfigError("epoch " + std::to_string(config.epoch) + " is outside 0..2^32-1");
    if (config.replay_window < 0)
        throw ConfigError("replay_window must be >= 0");
    if (transmitter && config.comsec && config.nonce_state_file.empty())
        throw ConfigError("COMSEC needs nonce_state_file: the file that keeps the GCM nonce "
                          "counter from ever repeating, also across restarts");

    auto p = std::make_shared<protected_parts>();
    p->config = config;
    ::dualsat::EpochConfig ec;
    ec.by_command = !config.utc_epochs; // a fixed epoch is a command schedule never commanded
    ec.initial_epoch = static_cast<uint32_t>(config.epoch);
    ec.slot_seconds = config.slot_seconds;
    ec.overlap_seconds = config.overlap_seconds;
    ::dualsat::KeyMaterial material;
    try {
        material = ::dualsat::load_key_file(config.key_file);
    } catch (const ConfigError& e) {
        throw ConfigError(std::string("key file refused: ") + e.what());
    }
    p->keys = std::make_shared<::dualsat::KeySchedule>(std::move(material), ec);
    const auto link = static_cast<uint16_t>(config.link_id);
    if (config.transec)
        p->pl = ::dualsat::make_keyed_pl(*p->keys, kTransecKeyEpoch, link, config.direction,
                                         static_cast<uint64_t>(config.pl_period));
    if (config.comsec) {
        if (transmitter) {
            ::dualsat::FrameSealerConfig sc;
            sc.link_id = link;
            sc.direction = config.direction;
            sc.nonce_state_path = config.nonce_state_file;
            p->sealer = std::make_shared<::dualsat::FrameSealer>(p->keys, sc);
        } else {
            ::dualsat::FrameOpenerConfig oc;
            oc.link_id = link;
            oc.direction = config.direction;
            if (config.replay_window > 0)
                oc.replay_window = static_cast<size_t>(config.replay_window);
            p->opener = std::make_shared<::dualsat::FrameOpener>(p->keys, oc);
        }
    }
    return p;
}

bool reload_key_file(protected_parts& parts, ::dualsat::KeyedPlSequences* pl)
{
    using ::dualsat::ConfigError;
    ::dualsat::KeyMaterial material;
    try {
        material = ::dualsat::load_key_file(parts.config.key_file);
    } catch (const ConfigError& e) {
        throw ConfigError(std::string("key file refused, the key in use stays: ") + e.what());
    }
    return reload_key_material(parts, material, pl);
}

bool reload_key_material(protected_parts& parts, const ::dualsat::KeyMaterial& material,
                         ::dualsat::KeyedPlSequences* pl)
{
    if (parts.keys->holds(material))
        return false;
    ::dualsat::KeyMaterial copy;
    copy.version = material.version;
    copy.key_id = material.key_id;
    copy.master = ::dualsat::SecureKey(material.master.bytes());
    parts.keys->rotate(std::move(copy));
    if (parts.config.transec && pl)
        *pl = ::dualsat::make_keyed_pl(*parts.keys, kTransecKeyEpoch,
                                       static_cast<uint16_t>(parts.config.link_id),
                                       parts.config.direction,
                                       static_cast<uint64_t>(parts.config.pl_period));
    parts.key_reloads.fetch_add(1, std::memory_order_relaxed);
    return true;
}

void command_epoch(protected_parts& parts, int64_t epoch)
{
    using ::dualsat::ConfigError;
    if (parts.config.utc_epochs)
        throw ConfigError("epochs follow UTC time slots here (utc_epochs): they cannot be commanded");
    if (epoch < 0 || epoch > 0xFFFFFFFFll)
        throw ConfigError("epoch " + std::to_string(epoch) + " is outside 0..2^32-1");
    parts.keys->set_epoch(static_cast<uint32_t>(epoch), ::dualsat::realtime_ns());
}

protection_status static_status(const protected_parts& parts)
{
    protection_status s;
    s.comsec = parts.config.comsec;
    s.transec = parts.config.transec;
    const ::dualsat::KeyId id = parts.keys->key_id();
    s.key_id = hex(id.data(), id.size());
    const ::dualsat::KeyTag tag = parts.keys->key_tag();
    s.key_tag = hex(tag.data(), tag.size());
    s.key_reloads = parts.key_reloads.load(std::memory_order_relaxed);
    s.pl_period = parts.config.transec ? parts.config.pl_period : 0;
    if (parts.config.transec && parts.config.pl_period == 0)
        s.pl_time_base = ::dualsat::to_string(parts.config.pl_time_base);
    s.epoch = parts.keys->current_epoch(::dualsat::realtime_ns());
    return s;
}

} // namespace dualsat
} // namespace gr

namespace gr {
namespace dualsat {

bool pl_time_indexed(const protected_parts& parts)
{
    return parts.config.transec && parts.config.pl_period == 0;
}

} // namespace dualsat
} // namespace gr
