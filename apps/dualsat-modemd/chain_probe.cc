// SPDX-License-Identifier: GPL-3.0-or-later
#include "chain_probe.h"

#include <gnuradio/block_detail.h>
#include <gnuradio/buffer.h>
#include <gnuradio/buffer_reader.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace modemd {

using nlohmann::json;

namespace {

// Sampled every ~50 ms: an exponential average over about the last 2 s.
constexpr double kFillWeight = 0.025;

// The library's pool threads (OrderedPoolOptions::thread_name) and the stage they are.
const std::pair<const char*, const char*> kPoolThreads[] = {
    { "dualsat-fec", "rx_fec_workers" },
    { "dualsat-rxfe", "rx_frontend" },
    { "dualsat-txenc", "tx_encoders" },
};

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

} // namespace

ChainProbe::ChainProbe(std::vector<NamedBlock> path, gr::basic_block_sptr rx_edge, gr::basic_block_sptr tx_edge,
                       double window_s)
    : m_window_s(window_s),
      m_rx_edge(std::dynamic_pointer_cast<gr::block>(rx_edge)),
      m_tx_edge(std::dynamic_pointer_cast<gr::block>(tx_edge)),
      m_process_window(window_s),
      m_other_window(window_s)
{
    std::map<std::string, size_t> by_thread;
    for (const auto& nb : path) {
        auto b = std::dynamic_pointer_cast<gr::block>(nb.block);
        if (!b)
            continue; // a hier block (e.g. the channel model): its insides are not listed
        const int inputs = b->detail() ? b->detail()->ninputs() : 0; // built at start
        for (int i = 0; i < inputs && i < 8; ++i) {
            Port p;
            p.block = nb.name;
            p.port = i;
            p.b = b;
            m_ports.push_back(p);
        }
        const std::string thread = gr_block_thread_name(b->name(), b->unique_id());
        auto it = by_thread.find(thread);
        if (it != by_thread.end()) {
            m_stages[it->second].name += "+" + nb.name; // one thread name, two blocks
            continue;
        }
        by_thread[thread] = m_stages.size();
        m_stages.emplace_back(window_s);
        m_stages.back().name = nb.name;
        m_stages.back().thread_name = thread;
    }
    for (const auto& [thread, stage] : kPoolThreads) {
        m_stages.emplace_back(window_s);
        m_stages.back().name = stage;
        m_stages.back().thread_name = thread;
        m_stages.back().pool = true; // its workers are named thread + index
    }
}

double ChainProbe::read_fill(const gr::block_sptr& b, int port)
{
    gr::block_detail_sptr d = b->detail();
    if (!d || port >= d->ninputs())
        return -1;
    gr::buffer_reader_sptr r = d->input(static_cast<unsigned>(port));
    if (!r)
        return -1;
    gr::thread::scoped_lock guard(*r->mutex());
    const int most = r->max_possible_items_available();
    if (most <= 0)
        return -1;
    return static_cast<double>(r->items_available()) / static_cast<double>(most);
}

void ChainProbe::sample()
{
    std::vector<double> fills(m_ports.size());
    for (size_t i = 0; i < m_ports.size(); ++i)
        fills[i] = read_fill(m_ports[i].b, m_ports[i].port);
    double rx_fill = m_rx_edge ? read_fill(m_rx_edge, 0) : -1;
    double tx_fill = m_tx_edge ? read_fill(m_tx_edge, 0) : -1;
    uint64_t tx_read = 0;
    bool have_tx = false;
    if (m_tx_edge) {
        if (gr::block_detail_sptr d = m_tx_edge->detail(); d && d->ninputs() > 0) {
            gr::buffer_reader_sptr r = d->input(0);
            gr::thread::scoped_lock guard(*r->mutex());
            tx_read = r->nitems_read();
            have_tx = true;
        }
    }
    std::lock_guard<std::mutex> lock(m_mutex);
    auto mix = [](double& avg, bool& have, double v) {
        if (v < 0)
            return;
        avg = have ? (1 - kFillWeight) * avg + kFillWeight * v : v;
        have = true;
    };
    for (size_t i = 0; i < m_ports.size(); ++i)
        mix(m_ports[i].fill, m_ports[i].have, fills[i]);
    auto mix_opt = [&](std::optional<double>& avg, double v) {
        if (v < 0)
            return;
        avg = avg ? (1 - kFillWeight) * *avg + kFillWeight * v : v;
    };
    mix_opt(m_rx_edge_fill, rx_fill);
    mix_opt(m_tx_edge_fill, tx_fill);
    if (have_tx)
        m_tx_samples = tx_read;
}

void ChainProbe::update_cpu(RtClock::time_point now)
{
    // Threads first, the process after: the process total then includes every thread's
    // time read, so the stages never add up to more than it.
    const auto threads = read_thread_cpu();
    const double process = process_cpu_seconds();
    std::lock_guard<std::mutex> lock(m_mutex);
    double staged = 0;
    for (auto& s : m_stages) {
        double sum = 0;
        bool seen = false;
        for (const auto& t : threads)
            if (t.name == s.thread_name ||
                (s.pool && t.name.compare(0, s.thread_name.size(), s.thread_name) == 0)) {
                sum += t.cpu_s;
                seen = true;
            }
        // Pool threads that ended took their time with them: never let a counter go back.
        s.cpu_s = std::max(s.cpu_s, sum);
        s.seen = s.seen || seen;
        staged += s.cpu_s;
        s.window.add(now, static_cast<uint64_t>(s.cpu_s * 1e6));
        if (auto r = s.window.rate())
            s.load = *r * 1e-6;
    }
    m_process_s = process;
    m_other_s = std::max(m_other_s, process - staged);
    m_process_window.add(now, static_cast<uint64_t>(m_process_s * 1e6));
    m_other_window.add(now, static_cast<uint64_t>(m_other_s * 1e6));
    if (auto r = m_process_window.rate())
        m_process_load = *r * 1e-6;
    if (auto r = m_other_window.rate())
        m_other_load = *r * 1e-6;
}

std::optional<double> ChainProbe::rx_edge_fill() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_rx_edge_fill;
}

std::optional<double> ChainProbe::tx_edge_fill() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_tx_edge_fill;
}

uint64_t ChainProbe::tx_samples() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_tx_samples;
}

std::string ChainProbe::busiest() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    const Stage* best = nullptr;
    for (const auto& s : m_stages)
        if (s.load && (!best || *s.load > *best->load))
            best = &s;
    if (!best)
        return {};
    char buf[32];
    std::snprintf(buf, sizeof buf, " (%.2f cores)", *best->load);
    return best->name + buf;
}

json ChainProbe::queues_json() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    json g = json::array();
    for (const auto& p : m_ports)
        if (p.have)
            g.push_back({ { "block", p.block }, { "port", p.port }, { "fill", round3(p.fill) } });
    return g;
}

json ChainProbe::cpu_json() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    auto opt = [](const std::optional<double>& v) { return v ? json(round3(*v)) : json(nullptr); };
    json stages = json::array();
    for (const auto& s : m_stages) {
        if (!s.seen)
            continue; // a pool that does not exist in this configuration
        stages.push_back({ { "stage", s.name }, { "thread", s.thread_name }, { "cpu_s", s.cpu_s },
                           { "load", opt(s.load) } });
    }
    return { { "window_s", m_window_s },
             { "process_s", m_process_s },
             { "process_load", opt(m_process_load) },
             { "stages", stages },
             { "other_s", m_other_s },
             { "other_load", opt(m_other_load) } };
}

} // namespace modemd
