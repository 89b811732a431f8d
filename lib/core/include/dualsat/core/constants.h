// SPDX-License-Identifier: GPL-3.0-or-later
// Mathematical constants shared by every layer (one definition, not one per file).
#pragma once

namespace dualsat {

constexpr double kPi = 3.14159265358979323846;
constexpr double kTwoPi = 2.0 * kPi;
constexpr float kPiF = static_cast<float>(kPi);

} // namespace dualsat
