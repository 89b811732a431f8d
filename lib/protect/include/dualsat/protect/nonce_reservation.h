// SPDX-License-Identifier: GPL-3.0-or-later
// NonceReservation: the transmitter's 64-bit frame counter, which must never repeat under
// one key, also across a crash, a kill -9 or a power cut.
//
// The counter's high-water mark is reserved ahead, in blocks, in a small state file:
// before the first counter of a block is handed out, "reserved = end of the block" is
// written to <path>.tmp, fsynced, renamed over <path>, and the directory fsynced, so that
// after any crash the file holds a mark at or above every counter that may have been used.
// A restart continues at the mark (the rest of the block in use when the process died is
// skipped, never reused). A failure to make the reservation durable is an Error: no
// counter of the block is used.
//
// File (ASCII, version 1):
//     dualsat-nonce-state 1
//     binding <text>     what the counter belongs to (key tag, link, direction): a file
//                        of another binding is refused, not reused
//     reserved <u64>     every counter below this may have been used
// A missing file starts at 0 (a new key); an unreadable or inconsistent one is a
// ConfigError (never silently restarted at 0). The counter space ends at 2^64 - 1: when
// exhausted, next() throws (the key must be changed first).
// One thread at a time.
#pragma once

#include <cstdint>
#include <string>

namespace dualsat {

class NonceReservation
{
public:
    static constexpr uint64_t kDefaultBlock = 1u << 16;

    // Reads (or creates) the state file and reserves the first block. binding: printable
    // ASCII without newlines, <= 200 characters. ConfigError for bad arguments or a bad or
    // foreign file; Error when the reservation cannot be written durably.
    NonceReservation(const std::string& path, const std::string& binding,
                     uint64_t block = kDefaultBlock);

    // The next counter, never returned before by this or any earlier instance on the
    // same file. Writes the next reservation first when the block is used up.
    uint64_t next();

    uint64_t reserved() const { return m_reserved; }   // the mark on disk
    uint64_t next_value() const { return m_next; }     // what next() returns
    uint64_t reservations() const { return m_writes; } // durable writes made

private:
    void reserve(uint64_t mark);

    std::string m_path;
    std::string m_binding;
    uint64_t m_block;
    uint64_t m_next = 0;
    uint64_t m_reserved = 0;
    uint64_t m_writes = 0;
};

} // namespace dualsat
