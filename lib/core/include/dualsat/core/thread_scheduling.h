// SPDX-License-Identifier: GPL-3.0-or-later
// Scheduling policy of the modem's processing threads.
//
// The receiver and the transmitter run as a pipeline of threads (front end, symbol side,
// FEC workers, encoders) that hand work to each other many thousand times a second. Under
// the default policy (SCHED_OTHER) each hand-off wakes a thread that then preempts the
// one that woke it: on two cores at 30 Msym/s that was ~11 000 context switches a second,
// ~7 % of the CPU in the kernel, and a front end that lost its core to the threads it
// feeds, so that the other core idled while the symbol side waited for it (~10 % idle,
// tests/bench/bench_realtime.py, issue 14). SCHED_BATCH is the Linux policy for CPU-bound
// work that is not interactive: the same fair share of the CPU, at the same priority (no
// privilege needed), but a thread that wakes does not preempt the running one; it runs
// at the next scheduler tick or when that one blocks. The latency it adds (a tick, a few
// ms at most) is far within the buffers between the stages.
#pragma once

#include <string>

namespace dualsat {

// Puts the calling thread under SCHED_BATCH; threads it creates afterwards inherit it.
// false (and why in *error, when given) where the system refuses or has no such policy;
// the thread then keeps its policy, which is not an error for the caller's work.
bool set_batch_scheduling(std::string* error = nullptr);

// Whether the calling thread runs under SCHED_BATCH.
bool batch_scheduling();

} // namespace dualsat
