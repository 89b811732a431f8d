// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/protect/replay_window.h>

#include <algorithm>

namespace dualsat {

ReplayWindow::ReplayWindow(size_t size)
{
    if (size < kMinSize)
        throw ConfigError("replay window must hold at least 1024 frames");
    if (size > (1u << 24))
        throw ConfigError("replay window larger than 2^24 frames");
    m_bits.assign((size + 63) / 64, 0);
}

bool ReplayWindow::test(uint64_t c) const
{
    const uint64_t i = c % size();
    return (m_bits[i / 64] >> (i % 64)) & 1u;
}

void ReplayWindow::set(uint64_t c)
{
    const uint64_t i = c % size();
    m_bits[i / 64] |= uint64_t{ 1 } << (i % 64);
}

void ReplayWindow::clear(uint64_t c)
{
    const uint64_t i = c % size();
    m_bits[i / 64] &= ~(uint64_t{ 1 } << (i % 64));
}

bool ReplayWindow::check(uint64_t counter) const
{
    if (!m_any || counter > m_highest)
        return true;
    if (m_highest - counter >= size())
        return false; // older than the window: cannot tell, so refused
    return !test(counter);
}

void ReplayWindow::accept(uint64_t counter)
{
    if (!m_any) {
        set(counter);
        m_highest = counter;
        m_any = true;
        return;
    }
    if (counter > m_highest) {
        // Counters m_highest+1 .. counter-1 enter the window unseen.
        const uint64_t advance = counter - m_highest;
        if (advance >= size()) {
            std::fill(m_bits.begin(), m_bits.end(), 0);
        } else {
            for (uint64_t c = m_highest + 1; c < counter; ++c)
                clear(c);
        }
        set(counter);
        m_highest = counter;
        return;
    }
    set(counter);
}

} // namespace dualsat
