// SPDX-License-Identifier: GPL-3.0-or-later
//
// Shared helpers of the fuzz targets (tests/fuzz/fuzz_*.cc). Each target defines
// LLVMFuzzerTestOneInput; it is linked either with libFuzzer (ENABLE_FUZZING, clang) or
// with standalone_driver.cc, a plain main() that replays the seed corpus and a few
// thousand pseudo-random mutations of it in the normal test suite.
//
// A target fails by aborting: an invariant broken (FUZZ_CHECK) or an exception escaping
// an API whose contract says it cannot. Both are crashes to libFuzzer, which saves the
// input.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <initializer_list>
#include <sys/stat.h>
#include <unistd.h>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fuzz {

[[noreturn]] inline void fail(const char* what, const char* file, int line)
{
    std::fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", what, file, line);
    std::fflush(stderr);
    std::abort();
}

[[noreturn]] inline void fail_exception(const char* where, const std::exception& e)
{
    std::fprintf(stderr, "fuzz: unexpected exception from %s: %s\n", where, e.what());
    std::fflush(stderr);
    std::abort();
}

// A defect that is already reported and being fixed elsewhere can be told to a long
// campaign so it keeps exploring past it: DUALSAT_FUZZ_KNOWN="id1,id2". The ids are the
// ones the targets name where they recognise such a failure (see tests/fuzz/README.md).
// The test suite never sets it.
inline bool known_defect(const char* id)
{
    static const std::string known = [] {
        const char* e = std::getenv("DUALSAT_FUZZ_KNOWN");
        return "," + std::string(e ? e : "") + ",";
    }();
    return known.find("," + std::string(id) + ",") != std::string::npos;
}

// Reads typed values off the front of the fuzz input; past the end everything reads as
// zero, so every input is usable and short inputs stay meaningful.
class Input
{
public:
    Input(const uint8_t* data, size_t size) : m_data(data), m_size(size) {}

    size_t remaining() const { return m_size - m_pos; }
    bool empty() const { return m_pos >= m_size; }

    uint8_t u8() { return m_pos < m_size ? m_data[m_pos++] : 0; }
    // Big-endian. Each read is its own statement: the operands of | are unsequenced, so
    // `(u8() << 8) | u8()` may read the bytes in either order (GCC and clang differ, and
    // the seed corpus would mean different things to the two builds).
    uint16_t u16()
    {
        const uint16_t hi = u8();
        return static_cast<uint16_t>((hi << 8) | u8());
    }
    uint32_t u32()
    {
        const uint32_t hi = u16();
        return (hi << 16) | u16();
    }
    uint64_t u64()
    {
        const uint64_t hi = u32();
        return (hi << 32) | u32();
    }
    bool flag() { return u8() & 1; }
    // Any bit pattern, NaN and infinities included (little-endian, as memcpy reads it).
    float f32()
    {
        uint8_t b[4] = { u8(), u8(), u8(), u8() };
        float f;
        std::memcpy(&f, b, sizeof f);
        return f;
    }
    // Up to n bytes (fewer at the end of the input).
    std::vector<uint8_t> bytes(size_t n)
    {
        n = std::min(n, remaining());
        std::vector<uint8_t> v(m_data + m_pos, m_data + m_pos + n);
        m_pos += n;
        return v;
    }
    const uint8_t* here() const { return m_data + m_pos; }
    void skip(size_t n) { m_pos += std::min(n, remaining()); }

private:
    const uint8_t* m_data;
    size_t m_size;
    size_t m_pos = 0;
};

// A scratch directory for targets that write files on every run: in memory (/dev/shm) when
// possible, else /tmp; the named files and the directory are removed at exit.
class ScratchDir
{
public:
    ScratchDir(const std::string& target, std::initializer_list<const char*> files) : m_files(files)
    {
        std::string shm = "/dev/shm/dualsat-fuzz-" + target + "-XXXXXX";
        std::string tmp = "/tmp/dualsat-fuzz-" + target + "-XXXXXX";
        const char* made = ::mkdtemp(shm.data());
        if (!made)
            made = ::mkdtemp(tmp.data());
        if (!made)
            std::abort();
        path = made;
    }
    ~ScratchDir()
    {
        for (const char* n : m_files)
            ::unlink((path + "/" + n).c_str());
        ::rmdir(path.c_str());
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    // Writes `name` in the directory with exactly this mode (umask not applied).
    void put(const char* name, const std::string& text, mode_t mode) const
    {
        const std::string p = path + "/" + name;
        const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
        if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
            std::abort();
        ::fchmod(fd, mode);
        ::close(fd);
    }

    std::string path;

private:
    std::vector<const char*> m_files;
};

} // namespace fuzz

#define FUZZ_CHECK(cond)                                                                   \
    do {                                                                                   \
        if (!(cond))                                                                       \
            ::fuzz::fail(#cond, __FILE__, __LINE__);                                       \
    } while (0)
