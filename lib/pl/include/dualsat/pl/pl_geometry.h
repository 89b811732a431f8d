// SPDX-License-Identifier: GPL-3.0-or-later
// PLFRAME geometry (ETSI EN 302 307-1 §5.5): the one place its symbol counts are written.
//
//   | PLHEADER 90 = SOF 26 + PLSC 64 | 16 slots of 90 | pilots 36 | 16 slots | pilots | ...
//
// Pilot blocks follow every 16 slots of data (none at the very end of the frame); the
// dummy PLFRAME is a header and 36 slots of (1+j)/sqrt2.
#pragma once

namespace dualsat {

constexpr int kPlHeaderSymbols = 90; // §5.5.2
constexpr int kSofSymbols = 26;      // §5.5.2.1
constexpr int kPlscSymbols = 64;     // §5.5.2.4
constexpr int kSlotSymbols = 90;         // §5.5.1
constexpr int kPilotBlockSymbols = 36;   // §5.5.3
constexpr int kSlotsPerPilotBlock = 16;  // §5.5.3
// Data symbols between pilot blocks, and the period of the pilot blocks in the payload
// (counted from the first symbol after the PLHEADER; block b starts at
// b * kPilotPeriod + kPilotSpacing).
constexpr int kPilotSpacing = kSlotsPerPilotBlock * kSlotSymbols;      // 1440
constexpr int kPilotPeriod = kPilotSpacing + kPilotBlockSymbols;        // 1476
constexpr int kDummySlots = 36;          // §5.5.1: dummy PLFRAME
constexpr int kDummyFrameSymbols = kPlHeaderSymbols + kDummySlots * kSlotSymbols; // 3330
// Normal QPSK with pilots: 90 + 32400 + 22 * 36.
constexpr int kMaxPlframeSymbols = 33282;

// Pilot and dummy symbol before scrambling: (1+j)/sqrt2 (§5.5.1, §5.5.3).
constexpr float kPilotComponent = 0.70710678118654752440f;

} // namespace dualsat
