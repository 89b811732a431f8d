// SPDX-License-Identifier: GPL-3.0-or-later
#include "realtime.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

namespace modemd {

RateWindow::RateWindow(double window_s) : m_window_s(window_s) {}

void RateWindow::add(RtClock::time_point t, uint64_t counter)
{
    m_samples.emplace_back(t, counter);
    // Keep the newest sample at or before the window's start, so the span covers it.
    const auto start = t - std::chrono::duration_cast<RtClock::duration>(std::chrono::duration<double>(m_window_s));
    while (m_samples.size() > 2 && m_samples[1].first <= start)
        m_samples.pop_front();
}

double RateWindow::span_s() const
{
    if (m_samples.size() < 2)
        return 0.0;
    return std::chrono::duration<double>(m_samples.back().first - m_samples.front().first).count();
}

uint64_t RateWindow::increase() const
{
    if (m_samples.size() < 2 || m_samples.back().second < m_samples.front().second)
        return 0;
    return m_samples.back().second - m_samples.front().second;
}

std::optional<double> RateWindow::rate() const
{
    const double span = span_s();
    if (span < 0.5 * m_window_s || span <= 0)
        return std::nullopt;
    return static_cast<double>(increase()) / span;
}

UhdOverflowCounter::UhdOverflowCounter(double sample_rate) : m_rate(sample_rate) {}

void UhdOverflowCounter::on_time_tag(uint64_t offset, double time_s)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    ++m_counts.time_tags;
    if (m_have_ref && offset >= m_ref_offset) {
        const double expected = m_ref_time + static_cast<double>(offset - m_ref_offset) / m_rate;
        const double missing = (time_s - expected) * m_rate;
        if (missing > 0.5) {
            ++m_counts.gaps;
            m_counts.samples_lost += static_cast<uint64_t>(std::llround(missing));
        }
    }
    m_have_ref = true;
    m_ref_offset = offset;
    m_ref_time = time_s;
}

void UhdOverflowCounter::on_overflow_report(uint64_t count)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_counts.overflows_reported += count;
}

UhdRxCounts UhdOverflowCounter::counts() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_counts;
}

void UhdAsyncCounter::on_events(const std::vector<std::string>& codes)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    ++m_counts.messages;
    for (const auto& c : codes) {
        if (c == "underflow" || c == "underflow_in_packet")
            ++m_counts.underflows;
        else if (c == "seq_error" || c == "seq_error_in_burst")
            ++m_counts.sequence_errors;
        else if (c == "time_error")
            ++m_counts.time_errors;
    }
}

UhdTxCounts UhdAsyncCounter::counts() const
{
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_counts;
}

std::string to_string(Pacing p)
{
    switch (p) {
    case Pacing::Device:
        return "device";
    case Pacing::Throttle:
        return "throttle";
    case Pacing::Peer:
        return "peer";
    case Pacing::None:
        return "none";
    }
    return "none";
}

std::string to_string(RtState s)
{
    switch (s) {
    case RtState::Starting:
        return "starting";
    case RtState::Ok:
        return "ok";
    case RtState::Behind:
        return "behind";
    case RtState::Overflowing:
        return "overflowing";
    }
    return "starting";
}

namespace {

std::string fmt(const char* f, double v)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

int severity(RtState s)
{
    switch (s) {
    case RtState::Ok:
        return 0;
    case RtState::Starting:
        return 1;
    case RtState::Behind:
        return 2;
    case RtState::Overflowing:
        return 3;
    }
    return 0;
}

} // namespace

RealtimeJudge::RealtimeJudge(double window_s, double behind_ratio)
    : m_window_s(window_s),
      m_behind_ratio(behind_ratio),
      m_rx_items(window_s),
      m_rx_losses(window_s),
      m_tx_items(window_s),
      m_tx_losses(window_s)
{
}

RtDirectionResult RealtimeJudge::judge_direction(bool rx, const RtDirectionSample& s, RateWindow& items,
                                                 RateWindow& losses, std::optional<RtState>& state,
                                                 std::string& reason)
{
    RtDirectionResult r;
    r.items_per_s = items.rate();
    if (r.items_per_s && s.nominal_rate > 0)
        r.ratio = *r.items_per_s / s.nominal_rate;
    r.losses_in_window = losses.increase();
    const char* dir = rx ? "rx" : "tx";
    const std::string window = fmt("%.0f s", m_window_s);
    if (r.losses_in_window > 0) {
        state = RtState::Overflowing;
        reason = std::string(dir) + ": " + std::to_string(r.losses_in_window) +
                 (rx ? " overflows (samples dropped by the radio)" : " underflows (the radio ran out of samples)") +
                 " in the last " + window;
        return r;
    }
    if (s.stalled) { // a fault of its own, reported as such
        state = RtState::Ok;
        return r;
    }
    if (!r.ratio) {
        state = RtState::Starting;
        return r;
    }
    const std::string figure = std::string(dir) + " at " + fmt("%.2fx", *r.ratio) + " real time";
    if (*r.ratio >= m_behind_ratio) {
        state = RtState::Ok;
        reason = figure + (s.pacing == Pacing::None ? " (unpaced: what this machine can do)" : "");
        return r;
    }
    state = RtState::Behind;
    const bool full = s.edge_fill && *s.edge_fill >= 0.5;
    if (s.pacing == Pacing::None)
        r.limited_by = "processing";
    else if (rx)
        r.limited_by = full ? "processing" : s.edge_fill ? "input" : "";
    else
        r.limited_by = full ? "output" : s.edge_fill ? "processing" : "";
    std::string why;
    if (r.limited_by == "processing")
        why = rx ? "the receive chain cannot keep up (its input queue is full)"
                 : "the transmit chain cannot produce samples fast enough";
    else if (r.limited_by == "input")
        why = s.pacing == Pacing::Peer ? "samples arrive slower than real time (the peer sends too slowly)"
                                       : "samples arrive slower than real time";
    else if (r.limited_by == "output")
        why = s.pacing == Pacing::Peer       ? "the peer takes samples slower than real time"
              : s.pacing == Pacing::Throttle ? "what follows the transmitter (loopback: the receiver) takes "
                                               "samples slower than real time"
                                             : "the radio side takes samples slower than real time";
    if (s.pacing == Pacing::None)
        why = "unpaced, so this is the machine's capacity";
    reason = figure + (why.empty() ? "" : ": " + why);
    return r;
}

RtVerdict RealtimeJudge::update(RtClock::time_point now,
                                const std::optional<RtDirectionSample>& rx,
                                const std::optional<RtDirectionSample>& tx,
                                const std::string& busiest)
{
    RtVerdict v;
    std::vector<std::pair<RtState, std::string>> parts;
    auto one = [&](bool is_rx, const std::optional<RtDirectionSample>& s, RateWindow& items, RateWindow& losses,
                   std::optional<RtDirectionResult>& out) {
        if (!s)
            return;
        items.add(now, s->items);
        losses.add(now, s->losses);
        std::optional<RtState> st;
        std::string reason;
        out = judge_direction(is_rx, *s, items, losses, st, reason);
        parts.emplace_back(st.value_or(RtState::Starting), reason);
    };
    one(true, rx, m_rx_items, m_rx_losses, v.rx);
    one(false, tx, m_tx_items, m_tx_losses, v.tx);
    v.state = RtState::Ok;
    for (const auto& [st, reason] : parts)
        if (severity(st) > severity(v.state))
            v.state = st;
    if (parts.empty())
        v.state = RtState::Starting;
    std::string text;
    for (const auto& [st, reason] : parts) {
        // The reason names the directions in the worst state (all of them when ok).
        if (reason.empty() || (v.state != RtState::Ok && st != v.state))
            continue;
        text += (text.empty() ? "" : "; ") + reason;
    }
    if (v.state == RtState::Starting && text.empty())
        text = "measuring (a rate needs " + fmt("%.1f", 0.5 * m_window_s) + " s of samples)";
    // The busiest stage is worth naming when our own processing may be what limits.
    const bool processing = (v.rx && v.rx->limited_by == "processing") || (v.tx && v.tx->limited_by != "") ||
                            v.state == RtState::Overflowing;
    if ((v.state == RtState::Behind || v.state == RtState::Overflowing) && processing && !busiest.empty())
        text += "; busiest stage " + busiest;
    v.reason = text;
    return v;
}

bool WarnLimiter::warn(RtClock::time_point now)
{
    if (m_have_last && std::chrono::duration<double>(now - m_last).count() < m_interval_s) {
        ++m_suppressed;
        return false;
    }
    m_have_last = true;
    m_last = now;
    m_warned = true;
    return true;
}

bool WarnLimiter::recovered()
{
    const bool was = m_warned;
    m_warned = false;
    return was;
}

std::vector<ThreadCpu> read_thread_cpu()
{
    std::vector<ThreadCpu> out;
    DIR* d = ::opendir("/proc/self/task");
    if (!d)
        return out;
    while (struct dirent* e = ::readdir(d)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        const std::string base = std::string("/proc/self/task/") + e->d_name;
        ThreadCpu t;
        t.tid = std::atoi(e->d_name);
        std::ifstream comm(base + "/comm");
        if (!std::getline(comm, t.name))
            continue; // the thread ended meanwhile
        // schedstat: time on a CPU in ns (finer than stat's clock ticks).
        std::ifstream sched(base + "/schedstat");
        unsigned long long ns = 0;
        if (sched >> ns) {
            t.cpu_s = static_cast<double>(ns) * 1e-9;
        } else {
            std::ifstream stat(base + "/stat");
            std::string line;
            if (!std::getline(stat, line))
                continue;
            const size_t paren = line.rfind(')');
            if (paren == std::string::npos)
                continue;
            std::istringstream fields(line.substr(paren + 2));
            std::string f;
            unsigned long long utime = 0, stime = 0;
            for (int i = 0; i < 13 && fields >> f; ++i)
                if (i == 11)
                    utime = std::strtoull(f.c_str(), nullptr, 10);
                else if (i == 12)
                    stime = std::strtoull(f.c_str(), nullptr, 10);
            t.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
        }
        out.push_back(std::move(t));
    }
    ::closedir(d);
    return out;
}

double process_cpu_seconds()
{
    timespec ts{};
    if (::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return 0.0;
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string gr_block_thread_name(const std::string& block_name, long unique_id)
{
    std::string name = block_name + std::to_string(unique_id);
    const size_t max_len = 16;
    if (name.size() > max_len) {
        size_t digits = 0;
        while (digits < name.size() && name[name.size() - 1 - digits] >= '0' &&
               name[name.size() - 1 - digits] <= '9')
            ++digits;
        const size_t keep = max_len > digits ? max_len - digits : 0;
        name = name.substr(0, keep) + name.substr(name.size() - digits);
    }
    return name.substr(0, 15);
}

} // namespace modemd
