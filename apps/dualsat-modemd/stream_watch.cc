// SPDX-License-Identifier: GPL-3.0-or-later
#include "stream_watch.h"

#include <stdexcept>

namespace modemd {

StreamWatch::StreamWatch(double stall_seconds) : m_stall_seconds(stall_seconds)
{
    if (!(stall_seconds > 0))
        throw std::invalid_argument("StreamWatch: stall_seconds must be positive");
}

StreamWatch::Event StreamWatch::update(uint64_t counter, Clock::time_point now)
{
    if (!m_started || counter != m_last) {
        const bool was_stalled = m_stalled && m_started;
        m_started = true;
        m_last = counter;
        m_last_progress = now;
        m_stalled = false;
        return was_stalled ? Event::Resumed : Event::None;
    }
    if (!m_stalled && idle_seconds(now) >= m_stall_seconds) {
        m_stalled = true;
        ++m_stalls;
        return Event::Stalled;
    }
    return Event::None;
}

double StreamWatch::idle_seconds(Clock::time_point now) const
{
    if (!m_started)
        return 0.0;
    return std::chrono::duration<double>(now - m_last_progress).count();
}

} // namespace modemd
