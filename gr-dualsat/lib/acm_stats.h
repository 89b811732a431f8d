// SPDX-License-Identifier: GPL-3.0-or-later
// What the ACM blocks (acm_controller, link_reporter) read from rx_cb's stats dicts.
#pragma once

#include <dualsat/acm/link_reporter.h>
#include <pmt/pmt.h>

#include <cstdint>

namespace gr {
namespace dualsat {

// One stats dict (data frame: modcod, frame, pilots, ok, esn0_db, esn0_var_db2; dummy
// frame: dummy, esn0_db, esn0_var_db2) as a LinkReporter observation, time_ns left 0.
// start_symbol: the dict's, NaN if it has none. A missing or unreadable Es/N0 is a frame
// without an estimate, not an error. Throws for a dict it cannot read.
::dualsat::LinkObservation observation_from_stats(const pmt::pmt_t& msg, double& start_symbol);

// The symbol clock: start_symbol / symbol_rate in ns. Throws ConfigError for a missing
// (NaN) or negative start_symbol, or one beyond the int64 ns range (with room for delays).
int64_t symbol_time_ns(double start_symbol, double symbol_rate);

// The 1st, 2nd, 4th, 8th, ... of a kind: a stream of bad messages does not flood the log.
inline bool worth_a_warning(uint64_t count)
{
    return (count & (count - 1)) == 0;
}

} // namespace dualsat
} // namespace gr
