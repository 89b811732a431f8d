// SPDX-License-Identifier: GPL-3.0-or-later
#include <dualsat/core/error.h>
#include <dualsat/protect/pl_time_index.h>

#include <cmath>

namespace dualsat {

const char* to_string(PlTimeBase b)
{
    return b == PlTimeBase::Utc ? "utc" : "sample_counter";
}

PlTimeBase parse_pl_time_base(const std::string& s)
{
    if (s == "sample_counter")
        return PlTimeBase::SampleCounter;
    if (s == "utc")
        return PlTimeBase::Utc;
    throw ConfigError("PL time base '" + s + "': expected sample_counter or utc");
}

uint64_t utc_frame_counter(int64_t unix_ns, int frame_symbols, double symbol_rate)
{
    if (frame_symbols <= 0 || !(symbol_rate > 0.0) || !std::isfinite(symbol_rate))
        throw ConfigError("PL time index: frame length and symbol rate must be > 0");
    if (unix_ns < 0)
        throw ConfigError("PL time index: a time before 1970");
    // Symbols since 1970 reach ~1e18 at 30 Msym/s: long double keeps them to well under a
    // symbol (64-bit mantissa), where double would be off by hundreds.
    const long double symbols = static_cast<long double>(unix_ns) * 1e-9L * static_cast<long double>(symbol_rate);
    return static_cast<uint64_t>(std::floor(symbols / static_cast<long double>(frame_symbols)));
}

uint64_t transmitter_first_frame_counter(PlTimeBase base, int64_t now_unix_ns, int frame_symbols,
                                         double symbol_rate)
{
    if (base == PlTimeBase::SampleCounter)
        return 0;
    return utc_frame_counter(now_unix_ns, frame_symbols, symbol_rate);
}

uint64_t receiver_counter_hint(PlTimeBase base, int64_t now_unix_ns, double path_delay_s,
                               int frame_symbols, double symbol_rate)
{
    if (base == PlTimeBase::SampleCounter)
        return 0;
    if (!(path_delay_s >= 0.0) || !std::isfinite(path_delay_s) || path_delay_s > 10.0)
        throw ConfigError("PL time index: path delay must be 0..10 s");
    return utc_frame_counter(now_unix_ns - static_cast<int64_t>(std::llround(path_delay_s * 1e9)),
                             frame_symbols, symbol_rate);
}

} // namespace dualsat
