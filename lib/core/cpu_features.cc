// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/cpu_features.h>

#include <cstdlib>
#include <cstring>

namespace dualsat {

std::string to_string(SimdLevel level)
{
    switch (level) {
    case SimdLevel::Scalar:
        return "scalar";
    case SimdLevel::SSE41:
        return "sse4.1";
    case SimdLevel::AVX2:
        return "avx2";
    }
    return "?";
}

SimdLevel detected_simd_level()
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
        __builtin_cpu_supports("bmi2"))
        return SimdLevel::AVX2;
    if (__builtin_cpu_supports("sse4.1") && __builtin_cpu_supports("ssse3"))
        return SimdLevel::SSE41;
#endif
    return SimdLevel::Scalar;
}

SimdLevel supported(SimdLevel requested)
{
    SimdLevel hw = detected_simd_level();
    return static_cast<int>(requested) <= static_cast<int>(hw) ? requested : hw;
}

SimdLevel active_simd_level()
{
    SimdLevel level = detected_simd_level();
    const char* env = std::getenv("DUALSAT_SIMD");
    if (env != nullptr) {
        SimdLevel want = level;
        if (std::strcmp(env, "scalar") == 0 || std::strcmp(env, "generic") == 0)
            want = SimdLevel::Scalar;
        else if (std::strcmp(env, "sse41") == 0 || std::strcmp(env, "sse4.1") == 0)
            want = SimdLevel::SSE41;
        else if (std::strcmp(env, "avx2") == 0)
            want = SimdLevel::AVX2;
        level = supported(want);
    }
    return level;
}

} // namespace dualsat
