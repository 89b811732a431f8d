// SPDX-License-Identifier: GPL-3.0-or-later
// Error type of the modem core: every bad input (malformed frame, bad parameter) is
// reported with one of these, never with a crash or a silent wrong result.
#pragma once

#include <stdexcept>
#include <string>

namespace dualsat {

class Error : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

// A frame or header whose content cannot be trusted (bad CRC, truncated, out of range).
class FrameError : public Error
{
public:
    using Error::Error;
};

// A parameter outside what the standard or the implementation supports.
class ConfigError : public Error
{
public:
    using Error::Error;
};

} // namespace dualsat
