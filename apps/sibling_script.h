// SPDX-License-Identifier: GPL-3.0-or-later
//
// Where a command-line tool finds its companion plot script: installed beside the
// executable under `name` (the install puts dualsat-fer-plot next to dualsat-fer-sweep),
// else the source tree's copy `fallback` (a build-tree run).
#pragma once

#include <string>
#include <unistd.h>

inline std::string sibling_script(const char* argv0, const char* name, const char* fallback)
{
    std::string self(argv0);
    char buf[4096];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n > 0) {
        buf[n] = 0;
        self = buf;
    }
    const auto slash = self.rfind('/');
    if (slash != std::string::npos) {
        const std::string sibling = self.substr(0, slash + 1) + name;
        if (access(sibling.c_str(), R_OK) == 0)
            return sibling;
    }
    return fallback;
}
