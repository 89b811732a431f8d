// SPDX-License-Identifier: GPL-3.0-or-later
#include "antijam.h"

#include "modem_chain.h"
#include "stream_buffers.h"

#include <dualsat/core/error.h>

#include <chrono>
#include <cmath>
#include <stdexcept>

namespace modemd {

using json = nlohmann::json;

int64_t hop_epoch(const Config& c)
{
    if (!c.protect.utc_epochs)
        return c.protect.initial_epoch;
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::seconds>(now).count() / c.protect.slot_seconds;
}

AntijamStage::AntijamStage(const Config& c) : m_cfg(c), m_epoch(hop_epoch(c))
{
    const AntijamConfig& a = c.antijam;
    const double modem_rate = c.modem_sample_rate();
    try {
        if (c.has_tx()) {
            const auto p = protection_settings(c, true);
            m_hopper = gr::dualsat::hopper_cc::make(p.key_file, p.link_id, p.direction, m_epoch, a.channels,
                                                    a.channel_spacing_hz, modem_rate, a.slot_samples,
                                                    a.guard_samples, a.interpolation, a.filter_semi_length);
            size_stream_buffer(m_hopper, c.radio.sample_rate);
        }
        if (c.has_rx()) {
            const auto p = protection_settings(c, false);
            m_dehopper = gr::dualsat::dehopper_cc::make(p.key_file, p.link_id, p.direction, m_epoch,
                                                        a.channels, a.channel_spacing_hz, modem_rate,
                                                        a.slot_samples, a.guard_samples, a.interpolation,
                                                        a.filter_semi_length, a.erase_jammed, a.threshold_db);
            size_stream_buffer(m_dehopper, c.radio.sample_rate);
        }
    } catch (const dualsat::ConfigError& e) {
        throw dualsat::ConfigError(std::string("antijam.hopping: ") + e.what());
    } catch (const std::invalid_argument& e) { // the blocks' ValueError
        throw dualsat::ConfigError(std::string("antijam.hopping: ") + e.what());
    }
}

void AntijamStage::connect_tx(gr::top_block_sptr tb, gr::basic_block_sptr shaper)
{
    tb->connect(shaper, 0, m_hopper, 0);
}

void AntijamStage::connect_rx(gr::top_block_sptr tb, gr::basic_block_sptr rx_input)
{
    tb->connect(m_dehopper, 0, rx_input, 0);
}

std::vector<NamedBlock> AntijamStage::tx_blocks() const
{
    if (!m_hopper)
        return {};
    return { { "hopper", m_hopper } };
}

std::vector<NamedBlock> AntijamStage::rx_blocks() const
{
    if (!m_dehopper)
        return {};
    return { { "dehopper", m_dehopper } };
}

json AntijamStage::status() const
{
    const AntijamConfig& a = m_cfg.antijam;
    const double modem_rate = m_cfg.modem_sample_rate();
    json j = { { "mode", a.mode == HopMode::Digital ? "digital" : "analog" },
               { "time_source", a.time_source },
               { "channels", a.channels },
               { "channel_spacing_hz", a.channel_spacing_hz },
               { "interpolation", a.interpolation },
               { "epoch", m_epoch },
               { "dwell_samples", a.slot_samples },
               { "guard_samples", a.guard_samples },
               { "dwell_s", static_cast<double>(a.slot_samples) / modem_rate },
               { "guard_s", static_cast<double>(a.guard_samples) / modem_rate },
               { "dwell_symbols", static_cast<double>(a.slot_samples) / modem_rate * m_cfg.modem.symbol_rate },
               { "erase_jammed", a.erase_jammed },
               { "threshold_db", a.threshold_db } };
    if (m_hopper) {
        const uint64_t slots = m_hopper->slots();
        json t = { { "slots", slots } };
        // The slot in progress and its channel (none before the first sample).
        t["slot_now"] = slots > 0 ? json(slots - 1) : json(nullptr);
        t["channel_now"] = slots > 0 ? json(m_hopper->channel(slots - 1)) : json(nullptr);
        j["tx"] = t;
    }
    if (m_dehopper) {
        const auto jammed = m_dehopper->jammed_by_channel();
        const auto dwells = m_dehopper->dwells_by_channel();
        const uint64_t judged = m_dehopper->dwells();
        const double ref = m_dehopper->reference_power();
        json r = { { "dwells", judged },
                   { "last_judged_slot", judged > 0 ? json(judged - 1) : json(nullptr) },
                   { "jammed_dwells", m_dehopper->jammed_dwells() },
                   { "erased_samples", m_dehopper->erased_samples() },
                   { "reference_power_db", ref > 0 ? json(10 * std::log10(ref)) : json(nullptr) },
                   { "jammed_by_channel", jammed },
                   { "dwells_by_channel", dwells } };
        std::vector<int> jammed_channels;
        for (size_t ch = 0; ch < jammed.size(); ++ch)
            if (jammed[ch] > 0)
                jammed_channels.push_back(static_cast<int>(ch));
        r["jammed_channels"] = jammed_channels;
        j["rx"] = r;
    }
    return j;
}

} // namespace modemd
