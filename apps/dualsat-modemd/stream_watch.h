// SPDX-License-Identifier: GPL-3.0-or-later
// Watches a radio stream's sample counter for progress. A GNU Radio flowgraph never says
// that a stream stopped: a ZeroMQ source whose peer is gone just produces nothing, and a
// device block whose work() threw (a USRP unplugged) ends its thread with a log line while
// the rest of the graph waits. The counter not moving is the one symptom all share.
#pragma once

#include <chrono>
#include <cstdint>

namespace modemd {

class StreamWatch
{
public:
    using Clock = std::chrono::steady_clock;
    enum class Event { None, Stalled, Resumed };

    // stall_seconds: how long without progress counts as a stall (> 0).
    explicit StreamWatch(double stall_seconds);

    // The counter's value at `now` (called about once a second). Returns Stalled when the
    // counter has not moved for stall_seconds, Resumed when it moves again after a stall.
    Event update(uint64_t counter, Clock::time_point now);

    bool stalled() const { return m_stalled; }
    uint64_t stalls() const { return m_stalls; }
    // Seconds since the counter last moved (or since the first update).
    double idle_seconds(Clock::time_point now) const;
    double stall_seconds() const { return m_stall_seconds; }

private:
    double m_stall_seconds;
    bool m_started = false;
    bool m_stalled = false;
    uint64_t m_stalls = 0;
    uint64_t m_last = 0;
    Clock::time_point m_last_progress;
};

} // namespace modemd
