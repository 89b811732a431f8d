// SPDX-License-Identifier: GPL-3.0-or-later
// The modem: builds the flowgraph from the config (TX chain -> pulse shaper -> radio ->
// RX chain), runs it, and answers the control API. The flowgraph builder picks each part
// by config section: modem.profile/chain -> TxChain (tx_bc), radio.backend ->
// RadioBackend, modem.profile -> RxChain (rx_cb), acm.mode/feedback -> AcmLoop (the link
// reporter of our receiver, the ACM controller of our transmitter).
#pragma once

#include "acm_loop.h"
#include "chain_probe.h"
#include "config.h"
#include "control_api.h"
#include "data_plane.h"
#include "modem_chain.h"
#include "radio.h"
#include "realtime.h"
#include "stream_watch.h"
#include "tx_input.h"

#include <gnuradio/logger.h>
#include <gnuradio/top_block.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace modemd {

class AntijamStage;

class Modem : public ModemControl
{
public:
    // Builds everything (throws ConfigError / RadioError); nothing runs yet.
    Modem(const Config& config, gr::logger& log);
    ~Modem() override;

    TxInput* tx_input() { return m_input.get(); }
    void set_data_plane(DataPlane* d) { m_data = d; }
    void set_control_api(const ControlApi* a) { m_api = a; }

    void start();
    // Drains queued packets (up to data.drain_timeout), stops the flowgraph, counts what
    // is left as dropped, finishes the radio (SigMF metadata).
    void shutdown();
    // The input ended on its own (a replayed file ran out).
    bool finished() const;

    // SIGHUP: applies modem.modcod/frame/pilots, UHD gains and the log level where they
    // changed in the file since it was last read (what the API set otherwise stays);
    // reports what would need a restart. Returns log lines.
    std::vector<std::string> reload(const Config& fresh);

    // Called about once a second: updates the rate estimates and watches the radio
    // streams (a stall is logged when it starts and ends, and shown in status/metrics).
    void tick();
    // Called every ~50 ms by the main loop: samples the flowgraph's buffer fill.
    void sample();
    // Non-empty when the modem cannot go on (the radio backend's fault(), or a stalled
    // stream on a backend where that is fatal): the daemon stops and exits 3.
    std::string fatal_fault();
    std::string status_line();
    std::vector<std::string> summary();

    // ModemControl
    nlohmann::json status() override;
    std::string metrics() override;
    ControlResult set_modcod(const std::string& modcod,
                             const std::optional<std::string>& frame,
                             const std::optional<bool>& pilots) override;
    ControlResult set_gain(double gain_db, const std::string& direction) override;
    ControlResult set_frequency(double freq_hz, const std::string& direction) override;
    ControlResult acm_report(const std::string& body) override;
    ControlResult set_acm(const nlohmann::json& settings) override;
    ControlResult set_channel(double esn0_db) override;
    ControlResult set_epoch(int64_t epoch) override;
    ControlResult reload_keys() override;
    nlohmann::json recent_symbols(size_t n) override;
    nlohmann::json spectrum() override;

private:
    void trace_loop();
    ControlResult apply_format(const dualsat::FrameFormat& f);
    nlohmann::json protect_status() const;
    nlohmann::json realtime_status(const TxInputStats& ts);
    void update_realtime(std::chrono::steady_clock::time_point now, uint64_t rx_samples);
    double uptime() const;

    Config m_cfg;
    gr::logger& m_log;
    std::unique_ptr<ConsoleTaps> m_console; // before m_tb: the receiver's blocks point into it
    gr::top_block_sptr m_tb;
    std::unique_ptr<TestPattern> m_pattern; // data.test_pattern; outlives the chains
    std::unique_ptr<TxInput> m_input;
    std::unique_ptr<TxChain> m_tx;
    std::unique_ptr<RxChain> m_rx;
    std::unique_ptr<RadioBackend> m_radio;
    gr::basic_block_sptr m_shaper;
    std::unique_ptr<AntijamStage> m_antijam; // antijam.hopping: hopper / dehopper
    DataPlane* m_data = nullptr;
    const ControlApi* m_api = nullptr;

    // No thread sits in top_block::wait() (it is not safe against a concurrent
    // lock()/unlock(), which a future chain might use): end of input is detected from
    // the counters.
    std::atomic<bool> m_running{ false };
    std::chrono::steady_clock::time_point m_start;

    std::mutex m_control_mutex; // one control action at a time
    std::atomic<uint64_t> m_modcod_changes{ 0 };

    std::mutex m_rate_mutex;
    std::chrono::steady_clock::time_point m_rate_time;
    uint64_t m_rate_tx_bytes = 0, m_rate_rx_bytes = 0;
    double m_tx_rate_bps = 0; // data-field bits per second (TS: user bits exactly)
    double m_rx_goodput_bps = 0; // user bits per second delivered by the receiver

    // Radio stream progress (under m_rate_mutex): RX samples in, TX symbols out.
    std::unique_ptr<StreamWatch> m_rx_watch, m_tx_watch;
    std::string m_fault; // the fatal fault once seen (logged once)

    // Real time (realtime.h, chain_probe.h): the blocks in stream order, the probe looking
    // at them once the flowgraph runs, and the verdict (under m_rate_mutex).
    std::vector<NamedBlock> m_path;
    gr::basic_block_sptr m_rx_edge, m_tx_edge;
    std::unique_ptr<ChainProbe> m_probe;
    RealtimeJudge m_judge;
    RtVerdict m_verdict;
    std::chrono::steady_clock::time_point m_rt_since;
    uint64_t m_rt_episodes = 0;
    WarnLimiter m_rt_warn{ 30.0 };

    // ACM: the link reporter of our receiver and, in acm mode, the controller of our
    // transmitter's format.
    std::unique_ptr<AcmLoop> m_acm;

    // The channel's Es/N0 trace (channel.esn0_trace): followed until POST /channel.
    std::thread m_trace_thread;
    std::atomic<bool> m_trace_active{ false };
    std::atomic<double> m_channel_esn0{ 0.0 };
};

} // namespace modemd
