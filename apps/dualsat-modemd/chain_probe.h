// SPDX-License-Identifier: GPL-3.0-or-later
// Looks at the running flowgraph from outside, for the real-time figures (realtime.h):
//   - buffer fill: how full each block's input buffers are (items available / the most
//     the buffer can hold, the quantity GNU Radio's pc_input_buffers_full performance
//     counter computes), sampled under the buffer's lock and averaged over about 2 s;
//   - samples handed to the radio (TX): what the first radio block has read;
//   - CPU per stage: each block's thread (GNU Radio's thread-per-block scheduler names it
//     after the block) and the library's pool threads (named dualsat-fec, dualsat-rxfe,
//     dualsat-txenc), from /proc/self/task; the rest of the process is "other".
// Why not the performance counters themselves: they are off by default ([PerfCounters] on),
// cost two clock reads and a lock of every buffer per work() call when on, keep averages
// since start rather than over a window, and sum work time in a float of nanoseconds that
// stops growing after minutes of CPU.
#pragma once

#include "radio.h"

#include <gnuradio/block.h>

#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace modemd {

class ChainProbe
{
public:
    // Built after the flowgraph started (the blocks' buffers exist then).
    // `path`: the blocks in stream order (hier blocks are skipped for buffer fill);
    // `rx_edge`: the receiver's first block (its input is fed by the radio); `tx_edge`:
    // the radio's first TX block (its input: the samples the modem hands to the radio).
    ChainProbe(std::vector<NamedBlock> path, gr::basic_block_sptr rx_edge, gr::basic_block_sptr tx_edge,
               double window_s);

    // After the flowgraph started. Every ~50 ms: samples the buffer fill and the TX count.
    void sample();
    // About once a second: thread CPU times.
    void update_cpu(RtClock::time_point now);

    std::optional<double> rx_edge_fill() const;
    std::optional<double> tx_edge_fill() const;
    uint64_t tx_samples() const;
    // "rx_cb (0.93 cores)": the stage with the highest CPU load, empty before a window.
    std::string busiest() const;
    // {"gnuradio": [{"block", "port", "fill"}...]} and {"process_s", "process_load",
    // "window_s", "stages": [{"stage", "threads", "cpu_s", "load"}...], "other_s", "other_load"}
    nlohmann::json queues_json() const;
    nlohmann::json cpu_json() const;

private:
    struct Port {
        std::string block;
        int port = 0;
        gr::block_sptr b;
        double fill = 0;
        bool have = false;
    };
    struct Stage {
        std::string name;        // "a+b" when blocks share a thread name (GNU Radio cut it)
        std::string thread_name; // as /proc shows it
        bool pool = false;       // a library pool: its threads are thread_name + worker index
        double cpu_s = 0;
        bool seen = false;       // a thread of that name exists
        RateWindow window;
        std::optional<double> load;
        explicit Stage(double w) : window(w) {}
    };
    static double read_fill(const gr::block_sptr& b, int port);

    mutable std::mutex m_mutex;
    const double m_window_s;
    std::vector<Port> m_ports;
    gr::block_sptr m_rx_edge, m_tx_edge;
    std::optional<double> m_rx_edge_fill, m_tx_edge_fill;
    uint64_t m_tx_samples = 0;
    std::vector<Stage> m_stages;
    double m_process_s = 0, m_other_s = 0;
    RateWindow m_process_window, m_other_window;
    std::optional<double> m_process_load, m_other_load;
};

} // namespace modemd
