// SPDX-License-Identifier: GPL-3.0-or-later
// Stream buffer sizes of the daemon's flowgraph (issue 14: real time).
#pragma once

#include <gnuradio/basic_block.h>

#include <cstddef>

namespace modemd {

// The daemon's stream buffers: about kStreamBufferSeconds of samples at sample_rate for
// an item of item_size bytes (at least GNU Radio's default, 32 KiB; at most 2^18 items).
// GNU Radio's default is 4096 complex samples: at tens of MS/s its blocks would hand over
// tens of thousands of times a second, a thread wake-up each, which measured more than
// the receiver's own work (tests/bench/bench_realtime.py, issue 14). Latency grows only
// where a stream backs up (a transmitter ahead of its radio), by this much per block.
constexpr double kStreamBufferSeconds = 0.004;
int stream_buffer_items(double sample_rate, size_t item_size);
// set_min_output_buffer(stream_buffer_items(...)) on every output of a block (not below
// what the block asked for itself). Before the flowgraph starts.
void size_stream_buffer(const gr::basic_block_sptr& block, double sample_rate);

} // namespace modemd
