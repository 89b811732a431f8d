// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/protect/nonce_reservation.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dualsat {

namespace {

constexpr uint64_t kMaxCounter = UINT64_MAX;

std::string errno_text() { return std::strerror(errno); }

bool write_all(int fd, const char* p, size_t n)
{
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

std::string directory_of(const std::string& path)
{
    const size_t slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

bool parse_u64(const std::string& s, uint64_t& v)
{
    if (s.empty() || s.size() > 20)
        return false;
    unsigned long long x = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return false;
        const unsigned d = static_cast<unsigned>(c - '0');
        if (x > (ULLONG_MAX - d) / 10)
            return false;
        x = x * 10 + d;
    }
    v = x;
    return true;
}

} // namespace

NonceReservation::NonceReservation(const std::string& path, const std::string& binding, uint64_t block)
    : m_path(path), m_binding(binding), m_block(block)
{
    if (path.empty())
        throw ConfigError("nonce state: empty path");
    if (block == 0)
        throw ConfigError("nonce state: reservation block must be >= 1");
    if (binding.empty() || binding.size() > 200)
        throw ConfigError("nonce state: binding must be 1..200 characters");
    for (char c : binding)
        if (c < 0x20 || c > 0x7e)
            throw ConfigError("nonce state: binding must be printable ASCII");

    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno != ENOENT)
            throw ConfigError("nonce state " + path + ": cannot open: " + errno_text());
        m_next = 0; // a new key: nothing was ever sent under it
    } else {
        char buf[1024];
        size_t len = 0;
        for (;;) {
            const ssize_t n = ::read(fd, buf + len, sizeof buf - 1 - len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            len += static_cast<size_t>(n);
            if (len == sizeof buf - 1)
                break;
        }
        ::close(fd);
        const std::string text(buf, len);
        const std::string head = "dualsat-nonce-state 1\nbinding " + binding + "\nreserved ";
        if (text.compare(0, 22, "dualsat-nonce-state 1\n") != 0)
            throw ConfigError("nonce state " + path + ": not a version-1 nonce state file");
        if (text.compare(0, head.size(), head) != 0)
            throw ConfigError("nonce state " + path + ": belongs to another key/link/direction (binding differs from '" +
                              binding + "')");
        std::string rest = text.substr(head.size());
        if (rest.empty() || rest.back() != '\n')
            throw ConfigError("nonce state " + path + ": truncated");
        rest.pop_back();
        uint64_t mark = 0;
        if (!parse_u64(rest, mark))
            throw ConfigError("nonce state " + path + ": bad reserved value");
        m_next = mark;
    }
    m_reserved = m_next; // nothing of ours reserved yet: next() reserves before using
    if (m_next == kMaxCounter)
        throw ConfigError("nonce state " + path + ": the 64-bit frame counter is exhausted; change the key");
    reserve(m_next > kMaxCounter - m_block ? kMaxCounter : m_next + m_block);
}

uint64_t NonceReservation::next()
{
    if (m_next >= m_reserved) {
        if (m_reserved == kMaxCounter)
            throw Error("nonce state " + m_path + ": the 64-bit frame counter is exhausted; change the key");
        reserve(m_reserved > kMaxCounter - m_block ? kMaxCounter : m_reserved + m_block);
    }
    return m_next++;
}

void NonceReservation::reserve(uint64_t mark)
{
    const std::string tmp = m_path + ".tmp";
    const std::string text = "dualsat-nonce-state 1\nbinding " + m_binding + "\nreserved " +
                             std::to_string(mark) + "\n";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        throw Error("nonce state " + tmp + ": cannot create: " + errno_text());
    const bool ok = write_all(fd, text.data(), text.size()) && fsync(fd) == 0;
    const std::string why = ok ? std::string() : errno_text();
    ::close(fd);
    if (!ok)
        throw Error("nonce state " + tmp + ": cannot write durably: " + why);
    if (::rename(tmp.c_str(), m_path.c_str()) != 0)
        throw Error("nonce state " + m_path + ": rename: " + errno_text());
    const int dfd = ::open(directory_of(m_path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        throw Error("nonce state " + m_path + ": cannot open its directory: " + errno_text());
    const bool dir_ok = fsync(dfd) == 0;
    const std::string dir_why = dir_ok ? std::string() : errno_text();
    ::close(dfd);
    if (!dir_ok)
        throw Error("nonce state " + m_path + ": directory fsync: " + dir_why);
    m_reserved = mark;
    ++m_writes;
}

} // namespace dualsat
