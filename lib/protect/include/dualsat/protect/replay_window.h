// SPDX-License-Identifier: GPL-3.0-or-later
// ReplayWindow: anti-replay over 64-bit frame counters (the sliding-window check of
// RFC 4303 §3.4.3, here with a window of `size` counters, >= 1024).
//
// A counter is fresh when it is above the highest one accepted, or within the window
// below it and not seen yet; older ones and repeats are replays. check() only looks;
// accept() records a counter after its frame authenticated, so a forged frame can never
// move the window.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dualsat {

class ReplayWindow
{
public:
    static constexpr size_t kMinSize = 1024;
    explicit ReplayWindow(size_t size = kMinSize); // rounded up to 64; ConfigError < 1024

    bool check(uint64_t counter) const;
    void accept(uint64_t counter); // the caller checked it
    size_t size() const { return m_bits.size() * 64; }
    bool empty() const { return !m_any; }
    uint64_t highest() const { return m_highest; }

private:
    bool test(uint64_t counter) const;
    void set(uint64_t counter);
    void clear(uint64_t counter);

    std::vector<uint64_t> m_bits; // bit (c mod size) for the counters of the window
    uint64_t m_highest = 0;
    bool m_any = false;
};

} // namespace dualsat
