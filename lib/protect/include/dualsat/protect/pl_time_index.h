// SPDX-License-Identifier: GPL-3.0-or-later
// The time base that lets a receiver acquire keyed PL sequences that never repeat
// (keyed_pl.h): both ends number PLFRAMEs from a time they share, so the receiver can
// predict the counter of the frame in front of it to within a few frames and search only
// a window of counters around it (FrameSync::set_acquisition_counter_hint).
//
//   SampleCounter: the first sample of the stream is frame 0 (a flowgraph or daemon whose
//                  transmitter and receiver start together: loopback, a file written and
//                  read from its start). No clock needed.
//   Utc:           frame k starts k frame durations after the Unix epoch: the transmitter
//                  starts at the frame due now by its clock; the receiver predicts the frame
//                  due at its clock minus the path delay. Needs both clocks right to well
//                  within a frame duration times half the search window (a GPS-disciplined
//                  or NTP-synchronised host and a known range), and the transmitter's
//                  sample clock to run at its nominal rate; after the first lock the
//                  receiver follows the frames it sees and does not use the clock again.
//
// Both need frames of one length (the protected profile's fixed format and sealed fill).
#pragma once

#include <cstdint>
#include <string>

namespace dualsat {

enum class PlTimeBase : uint8_t { SampleCounter, Utc };
const char* to_string(PlTimeBase b);
// "sample_counter" / "utc"; ConfigError otherwise.
PlTimeBase parse_pl_time_base(const std::string& s);

// The counter of the frame due at `unix_ns` (UTC, ns since 1970) with frames of
// `frame_symbols` symbols at `symbol_rate` Hz: floor(t · Rs / L). ConfigError for a rate or
// length <= 0 or a time before 1970.
uint64_t utc_frame_counter(int64_t unix_ns, int frame_symbols, double symbol_rate);

// The transmitter's first counter: 0, or the frame due now by `now_unix_ns`.
uint64_t transmitter_first_frame_counter(PlTimeBase base, int64_t now_unix_ns, int frame_symbols,
                                         double symbol_rate);
// The receiver's prediction for the frame at the start of its stream: 0, or the frame due
// at now - path delay.
uint64_t receiver_counter_hint(PlTimeBase base, int64_t now_unix_ns, double path_delay_s,
                               int frame_symbols, double symbol_rate);

} // namespace dualsat
