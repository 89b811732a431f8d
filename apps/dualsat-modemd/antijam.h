// SPDX-License-Identifier: GPL-3.0-or-later
// The daemon's anti-jam stage (config section antijam, protected profile II): keyed
// digital frequency hopping with hopper_cc after the pulse shaper and dehopper_cc before the
// receiver, on the protected profile's keys. Status and counters for /status and /metrics.
#pragma once

#include "config.h"
#include "radio.h"

#include <gnuradio/dualsat/dehopper_cc.h>
#include <gnuradio/dualsat/hop_tuner.h>
#include <gnuradio/dualsat/hopper_cc.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <vector>

namespace modemd {

// The hop schedule's epoch: keys.initial_epoch with command epochs; with UTC epochs the
// epoch at start, floor(UTC seconds / keys.slot_seconds) (the blocks keep one epoch: both
// ends must start within the same key epoch, and a later epoch change does not move the
// hop schedule until a restart).
int64_t hop_epoch(const Config& c);

class AntijamStage
{
public:
    // Builds the hopper (with a transmitter) and the dehopper (with a receiver). Throws
    // ConfigError (naming antijam) when the blocks refuse the settings or the key file.
    // Analog hopping: the hopper and dehopper only gate (interpolation 1) and a hop_tuner
    // on each side issues the timed UHD tune commands; `start_time` is the radio time of
    // both streams' sample 0 (a slot boundary: see analog_start_time).
    explicit AntijamStage(const Config& c, double start_time = 0.0);

    // Analog: the first slot boundary at least `margin_s` after the radio's time `now`.
    static double analog_start_time(const Config& c, double now, double margin_s = 1.0);
    // Analog: the RX tuner's commands to the radio's receiver (its "command" port).
    void connect_commands(gr::top_block_sptr tb, gr::basic_block_sptr rx_device);

    // TX: the block after the pulse shaper (null without TX); RX: the block the radio's
    // samples go into, connected on to `rx_input` by connect_rx.
    gr::basic_block_sptr tx_block() const
    {
        return m_tx_tuner ? gr::basic_block_sptr(m_tx_tuner) : gr::basic_block_sptr(m_hopper);
    }
    gr::basic_block_sptr rx_block() const
    {
        return m_rx_tuner ? gr::basic_block_sptr(m_rx_tuner) : gr::basic_block_sptr(m_dehopper);
    }
    void connect_tx(gr::top_block_sptr tb, gr::basic_block_sptr shaper);
    void connect_rx(gr::top_block_sptr tb, gr::basic_block_sptr rx_input);
    std::vector<NamedBlock> tx_blocks() const;
    std::vector<NamedBlock> rx_blocks() const;

    // /status antijam: mode, channels, dwell, the slot now, per-channel jam counts, ...
    nlohmann::json status() const;

private:
    const Config m_cfg;
    int64_t m_epoch = 0;
    gr::dualsat::hopper_cc::sptr m_hopper;
    gr::dualsat::dehopper_cc::sptr m_dehopper;
    gr::dualsat::hop_tuner::sptr m_tx_tuner, m_rx_tuner; // analog only
    double m_start_time = 0;
};

} // namespace modemd
