// SPDX-License-Identifier: GPL-3.0-or-later
// The known-answer vectors of the protected profile (protect_vectors.inc, written by
// make_vectors.py with python3-cryptography), looked up by name for the unit tests.
#pragma once

#include <string>

namespace protect_test {

// The vector's value (hex or digits); "" when there is none (the caller's CHECK fails).
inline std::string vector_named(const std::string& name)
{
    struct NamedVector {
        const char* name;
        const char* hex;
    };
    static const NamedVector kVectors[] = {
#include "protect_vectors.inc"
    };
    for (const NamedVector& v : kVectors)
        if (name == v.name)
            return v.hex;
    return {};
}

} // namespace protect_test
