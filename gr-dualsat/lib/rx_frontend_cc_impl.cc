// SPDX-License-Identifier: GPL-3.0-or-later
#include "rx_frontend_cc_impl.h"

#include <gnuradio/io_signature.h>

#include <algorithm>
#include <cmath>

namespace gr {
namespace dualsat {

namespace {
::dualsat::RxFrontEndConfig make_config(double symbol_rate, double sample_rate, double rolloff,
                                        double loop_bw)
{
    ::dualsat::RxFrontEndConfig c;
    c.symbol_rate = symbol_rate;
    c.sample_rate = sample_rate;
    c.rolloff = rolloff;
    c.loop_bw = loop_bw;
    return c;
}
} // namespace

rx_frontend_cc::sptr
rx_frontend_cc::make(double symbol_rate, double sample_rate, double rolloff, double loop_bw)
{
    return gnuradio::make_block_sptr<rx_frontend_cc_impl>(symbol_rate, sample_rate, rolloff, loop_bw);
}

rx_frontend_cc_impl::rx_frontend_cc_impl(double symbol_rate, double sample_rate, double rolloff,
                                         double loop_bw)
    : gr::block("rx_frontend_cc",
                gr::io_signature::make(1, 1, sizeof(gr_complex)),
                gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_fe(make_config(symbol_rate, sample_rate, rolloff, loop_bw))
{
    set_relative_rate(symbol_rate / sample_rate);
}

double rx_frontend_cc_impl::clock_offset() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_fe.timing().clock_offset();
}
bool rx_frontend_cc_impl::locked() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_fe.locked();
}
double rx_frontend_cc_impl::lock_statistic() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_fe.timing().lock_statistic();
}
double rx_frontend_cc_impl::agc_gain_db() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_fe.agc().gain_db();
}
uint64_t rx_frontend_cc_impl::nonfinite_count() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_fe.nonfinite_count();
}
void rx_frontend_cc_impl::set_frequency_correction(double cycles_per_symbol)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_fe.set_frequency_correction(cycles_per_symbol);
}

void rx_frontend_cc_impl::forecast(int noutput_items, gr_vector_int& ninput_items_required)
{
    // About sps inputs per symbol; the front end buffers what it cannot finish, so any
    // amount of input makes progress.
    ninput_items_required[0] =
        std::max(1, static_cast<int>(std::ceil(noutput_items * d_fe.input_sps())));
}

int rx_frontend_cc_impl::general_work(int noutput_items,
                                      gr_vector_int& ninput_items,
                                      gr_vector_const_void_star& input_items,
                                      gr_vector_void_star& output_items)
{
    const auto* in = static_cast<const gr_complex*>(input_items[0]);
    auto* out = static_cast<gr_complex*>(output_items[0]);
    std::lock_guard<std::mutex> lock(d_mutex);
    const ::dualsat::StreamResult r = d_fe.process(
        in, static_cast<size_t>(ninput_items[0]), out, static_cast<size_t>(noutput_items));
    consume_each(static_cast<int>(r.consumed));
    return static_cast<int>(r.produced);
}

} // namespace dualsat
} // namespace gr
