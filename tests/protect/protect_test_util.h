// SPDX-License-Identifier: GPL-3.0-or-later
// Shared by the tests/unit/test_protect_*.cc tests: a scratch directory, hex helpers, the
// known-answer key material (the same as make_vectors.py's) and key schedules.
#pragma once

#include <dualsat/protect/key_file.h>
#include <dualsat/protect/key_schedule.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <memory>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace protect_test {

using namespace dualsat;

// A fresh directory under /tmp, removed with what it holds (one level) at the end.
class ScratchDir
{
public:
    ScratchDir()
    {
        char tmpl[] = "/tmp/dualsat-protect-XXXXXX";
        if (!mkdtemp(tmpl))
            throw std::runtime_error("mkdtemp failed");
        m_path = tmpl;
    }
    ~ScratchDir()
    {
        if (DIR* d = opendir(m_path.c_str())) {
            while (dirent* e = readdir(d)) {
                const std::string n = e->d_name;
                if (n != "." && n != "..")
                    ::unlink((m_path + "/" + n).c_str());
            }
            closedir(d);
        }
        ::rmdir(m_path.c_str());
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    std::string file(const std::string& name) const { return m_path + "/" + name; }
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

inline std::vector<uint8_t> from_hex(const std::string& h)
{
    std::vector<uint8_t> out(h.size() / 2);
    for (size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<uint8_t>(std::stoul(h.substr(2 * i, 2), nullptr, 16));
    return out;
}

inline std::string to_hex(const uint8_t* p, size_t n)
{
    static const char d[] = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; ++i) {
        s += d[p[i] >> 4];
        s += d[p[i] & 15];
    }
    return s;
}

// make_vectors.py's MASTER (bytes 0..31) and KEY_ID (bytes 0x40..0x5f); `variant` != 0
// gives another master key with the same key id (a "wrong key").
inline KeyMaterial test_key_material(uint8_t variant = 0)
{
    KeyMaterial km;
    for (size_t i = 0; i < SecureKey::kBytes; ++i)
        km.master.mutable_bytes()[i] = static_cast<uint8_t>(i ^ variant);
    for (size_t i = 0; i < kKeyIdBytes; ++i)
        km.key_id[i] = static_cast<uint8_t>(0x40 + i);
    return km;
}

constexpr int64_t kNs = 1000000000;

inline EpochConfig hourly(int64_t overlap_s = 60)
{
    EpochConfig c;
    c.slot_seconds = 3600;
    c.overlap_seconds = overlap_s;
    return c;
}

inline std::shared_ptr<KeySchedule> test_schedule(uint8_t variant = 0, const EpochConfig& c = hourly())
{
    return std::make_shared<KeySchedule>(test_key_material(variant), c);
}

} // namespace protect_test
