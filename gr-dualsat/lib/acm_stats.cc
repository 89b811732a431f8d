// SPDX-License-Identifier: GPL-3.0-or-later
#include "acm_stats.h"

#include <dualsat/core/error.h>
#include <gnuradio/dualsat/tag_keys.h>

#include <cmath>
#include <limits>

namespace gr {
namespace dualsat {
namespace {

// A number of a stats dict (rx_cb sends start_symbol as uint64, Es/N0 as double).
bool number(const pmt::pmt_t& v, double& out)
{
    if (pmt::is_uint64(v)) {
        out = static_cast<double>(pmt::to_uint64(v));
        return true;
    }
    if (pmt::is_integer(v)) {
        out = static_cast<double>(pmt::to_long(v));
        return true;
    }
    if (pmt::is_real(v)) {
        out = pmt::to_double(v);
        return true;
    }
    return false;
}

// ~146 years of ns: int64 with room to add delays.
constexpr double kMaxClockNs = 4.6e18;

} // namespace

::dualsat::LinkObservation observation_from_stats(const pmt::pmt_t& msg, double& start_symbol)
{
    if (!pmt::is_dict(msg))
        throw ::dualsat::ConfigError("not a dict");
    const pmt::pmt_t none = pmt::PMT_NIL;
    ::dualsat::LinkObservation o;
    o.dummy = pmt::to_bool(pmt::dict_ref(msg, pmt_key<dict_keys::dummy>(), pmt::PMT_F));
    double v = std::numeric_limits<double>::quiet_NaN();
    number(pmt::dict_ref(msg, pmt_key<dict_keys::esn0_db>(), none), v);
    o.esn0_db = static_cast<float>(v);
    v = 0.0;
    number(pmt::dict_ref(msg, pmt_key<dict_keys::esn0_var_db2>(), none), v);
    o.esn0_var_db2 = static_cast<float>(v);
    if (!o.dummy) {
        double mc = 0.0;
        if (!number(pmt::dict_ref(msg, pmt_key<dict_keys::modcod>(), none), mc)
            || !(mc >= 1.0 && mc <= 28.0))
            throw ::dualsat::ConfigError("no modcod 1..28");
        o.format.modcod = ::dualsat::modcod_from_number(static_cast<int>(mc));
        const pmt::pmt_t fr = pmt::dict_ref(msg, pmt_key<dict_keys::frame>(), none);
        if (!pmt::is_symbol(fr))
            throw ::dualsat::ConfigError("no frame");
        o.format.frame = ::dualsat::parse_frame_size(pmt::symbol_to_string(fr));
        o.format.pilots
            = pmt::to_bool(pmt::dict_ref(msg, pmt_key<dict_keys::pilots>(), pmt::PMT_F));
        o.decoded = pmt::to_bool(pmt::dict_ref(msg, pmt_key<dict_keys::ok>(), pmt::PMT_F));
    }
    start_symbol = std::numeric_limits<double>::quiet_NaN();
    number(pmt::dict_ref(msg, pmt_key<dict_keys::start_symbol>(), none), start_symbol);
    return o;
}

int64_t symbol_time_ns(double start_symbol, double symbol_rate)
{
    if (!(start_symbol >= 0.0))
        throw ::dualsat::ConfigError("no start_symbol for the symbol clock");
    const double t_ns = start_symbol / symbol_rate * 1e9;
    if (!(t_ns < kMaxClockNs))
        throw ::dualsat::ConfigError("start_symbol beyond the clock's range");
    return std::llround(t_ns);
}

} // namespace dualsat
} // namespace gr
