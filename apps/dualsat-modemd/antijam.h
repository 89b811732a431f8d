// SPDX-License-Identifier: GPL-3.0-or-later
// The daemon's anti-jam stage (config section antijam, protected profile II) on the
// protected profile's keys: keyed frequency hopping with hopper_cc after the pulse shaper
// and dehopper_cc before the receiver; keyed DSSS with dsss_spreader_cc in place of the
// pulse shaper and dsss_despreader_cc (then a 2-samples-per-symbol RRC re-shaper for
// rx_cb) before the receiver, after the dehopper when both are on. Status and counters for
// /status and /metrics.
#pragma once

#include "config.h"
#include "radio.h"

#include <gnuradio/dualsat/dehopper_cc.h>
#include <gnuradio/dualsat/dsss_despreader_cc.h>
#include <gnuradio/dualsat/dsss_spreader_cc.h>
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

    // DSSS with a transmitter: the spreader, which takes the pulse shaper's place (PL
    // symbols in, the spread stream at the modem's rate out, unit mean power); else null.
    gr::basic_block_sptr tx_spreader() const { return m_spreader; }
    // TX: the stage's last block (the hopper's, else the spreader; null without TX); RX:
    // the block the radio's samples go into, connected on to `rx_input` by connect_rx.
    gr::basic_block_sptr tx_block() const
    {
        if (m_tx_tuner)
            return m_tx_tuner;
        if (m_hopper)
            return m_hopper;
        return m_spreader;
    }
    gr::basic_block_sptr rx_block() const
    {
        const auto chain = rx_chain();
        return chain.empty() ? nullptr : chain.front();
    }
    // Hopping: connects the shaper (or the spreader) to the hopper; nothing otherwise.
    void connect_tx(gr::top_block_sptr tb, gr::basic_block_sptr shaper);
    void connect_rx(gr::top_block_sptr tb, gr::basic_block_sptr rx_input);
    std::vector<NamedBlock> tx_blocks() const;
    std::vector<NamedBlock> rx_blocks() const;

    // /status antijam: hopping (mode, channels, dwell, the slot now, per-channel jam
    // counts, ...) and dsss (SF, chip rate, lock, acquisition, despread Es/N0).
    nlohmann::json status() const;

private:
    void make_dsss();
    std::vector<gr::basic_block_sptr> rx_chain() const; // RX blocks in stream order
    nlohmann::json dsss_status() const;

    const Config m_cfg;
    int64_t m_epoch = 0;
    gr::dualsat::hopper_cc::sptr m_hopper;
    gr::dualsat::dehopper_cc::sptr m_dehopper;
    gr::dualsat::hop_tuner::sptr m_tx_tuner, m_rx_tuner; // analog only
    gr::dualsat::dsss_spreader_cc::sptr m_spreader;
    gr::dualsat::dsss_despreader_cc::sptr m_despreader;
    gr::basic_block_sptr m_reshaper; // despread symbols -> 2 samples/symbol RRC for rx_cb
    gr::basic_block_sptr m_blanker;  // DSSS after hopping: the jam detector's warm-up zeroed
    double m_start_time = 0;
};

} // namespace modemd
