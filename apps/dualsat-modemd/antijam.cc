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

double AntijamStage::analog_start_time(const Config& c, double now, double margin_s)
{
    const double slot_s = static_cast<double>(c.antijam.slot_samples) / c.modem_sample_rate();
    return std::ceil((now + margin_s) / slot_s) * slot_s;
}

AntijamStage::AntijamStage(const Config& c, double start_time)
    : m_cfg(c), m_epoch(hop_epoch(c)), m_start_time(start_time)
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
        if (a.mode == HopMode::Analog) {
            const double full = std::floor(start_time);
            const auto secs = static_cast<uint64_t>(full);
            const double frac = start_time - full;
            const auto& u = c.radio.uhd;
            if (c.has_tx()) {
                // Tagged commands for usrp_sink, which runs each when it reaches the sample;
                // sample 0 goes out at the start time (tx_time), so the guards fall where
                // the retunes are.
                const auto p = protection_settings(c, true);
                m_tx_tuner = gr::dualsat::hop_tuner::make(
                    p.key_file, p.link_id, p.direction, m_epoch, a.channels, a.channel_spacing_hz, u.tx.freq,
                    modem_rate, a.slot_samples, a.guard_samples, a.lead_s, a.settling_s, secs, frac,
                    u.tx.lo_offset, true, false, "", "TX", true);
                size_stream_buffer(m_tx_tuner, c.radio.sample_rate);
            }
            if (c.has_rx()) {
                // Messages to usrp_source's command port; its rx_time tags anchor the time.
                const auto p = protection_settings(c, false);
                m_rx_tuner = gr::dualsat::hop_tuner::make(
                    p.key_file, p.link_id, p.direction, m_epoch, a.channels, a.channel_spacing_hz, u.rx.freq,
                    modem_rate, a.slot_samples, a.guard_samples, a.lead_s, a.settling_s, secs, frac,
                    u.rx.lo_offset, false, true, "rx_time", "RX", false);
                size_stream_buffer(m_rx_tuner, c.radio.sample_rate);
            }
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
    if (m_tx_tuner)
        tb->connect(m_hopper, 0, m_tx_tuner, 0);
}

void AntijamStage::connect_rx(gr::top_block_sptr tb, gr::basic_block_sptr rx_input)
{
    if (m_rx_tuner)
        tb->connect(m_rx_tuner, 0, m_dehopper, 0);
    tb->connect(m_dehopper, 0, rx_input, 0);
}

void AntijamStage::connect_commands(gr::top_block_sptr tb, gr::basic_block_sptr rx_device)
{
    if (m_rx_tuner && rx_device)
        tb->msg_connect(m_rx_tuner, "command", rx_device, "command");
}

std::vector<NamedBlock> AntijamStage::tx_blocks() const
{
    std::vector<NamedBlock> b;
    if (m_hopper)
        b.push_back({ "hopper", m_hopper });
    if (m_tx_tuner)
        b.push_back({ "hop_tuner_tx", m_tx_tuner });
    return b;
}

std::vector<NamedBlock> AntijamStage::rx_blocks() const
{
    std::vector<NamedBlock> b;
    if (m_rx_tuner)
        b.push_back({ "hop_tuner_rx", m_rx_tuner });
    if (m_dehopper)
        b.push_back({ "dehopper", m_dehopper });
    return b;
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
               { "start_time", a.mode == HopMode::Analog ? json(m_start_time) : json(nullptr) },
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
        if (m_tx_tuner)
            t["tune_commands"] = { { "issued", m_tx_tuner->commands_issued() },
                                   { "late", m_tx_tuner->late_commands() },
                                   { "next_slot", m_tx_tuner->next_slot() } };
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
        if (m_rx_tuner)
            r["tune_commands"] = { { "issued", m_rx_tuner->commands_issued() },
                                   { "late", m_rx_tuner->late_commands() },
                                   { "next_slot", m_rx_tuner->next_slot() },
                                   { "bad_time_tags", m_rx_tuner->bad_time_tags() } };
        j["rx"] = r;
    }
    return j;
}

} // namespace modemd
