// SPDX-License-Identifier: GPL-3.0-or-later
#include "pulse_shaper_cc_impl.h"

#include <gnuradio/io_signature.h>

#include <algorithm>
#include <cmath>

namespace gr {
namespace dualsat {

pulse_shaper_cc::sptr
pulse_shaper_cc::make(double rolloff, int sps, int span, double output_rate_ratio)
{
    return gnuradio::make_block_sptr<pulse_shaper_cc_impl>(rolloff, sps, span, output_rate_ratio);
}

namespace {
constexpr int kOutputBufferItems = 1 << 16;
} // namespace

pulse_shaper_cc_impl::pulse_shaper_cc_impl(double rolloff, int sps, int span, double output_rate_ratio)
    : gr::block("pulse_shaper_cc",
                gr::io_signature::make(1, 1, sizeof(gr_complex)),
                gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_shaper(rolloff, span, sps, ::dualsat::Ratio::from_double(output_rate_ratio))
{
    const ::dualsat::Ratio r = d_shaper.output_sps_ratio();
    set_relative_rate(r.num, r.den);
    // 64k samples out per hand-over at most, not GNU Radio's default 4096-8192: at tens of
    // MS/s the small buffer meant tens of thousands of thread wake-ups a second (issue 14,
    // tests/bench/bench_realtime.py). Where the output backs up (a radio sink slower than
    // this block) it adds this many samples of latency: 33 ms at 2 MS/s, 1 ms at 60 MS/s.
    set_min_output_buffer(kOutputBufferItems);
}

void pulse_shaper_cc_impl::forecast(int noutput_items, gr_vector_int& ninput_items_required)
{
    ninput_items_required[0] =
        std::max(1, static_cast<int>(std::floor(noutput_items / d_shaper.output_sps())));
}

int pulse_shaper_cc_impl::general_work(int noutput_items,
                                       gr_vector_int& ninput_items,
                                       gr_vector_const_void_star& input_items,
                                       gr_vector_void_star& output_items)
{
    const auto* in = static_cast<const gr_complex*>(input_items[0]);
    auto* out = static_cast<gr_complex*>(output_items[0]);
    const ::dualsat::StreamResult r = d_shaper.process(
        in, static_cast<size_t>(ninput_items[0]), out, static_cast<size_t>(noutput_items));
    consume_each(static_cast<int>(r.consumed));
    return static_cast<int>(r.produced);
}

} // namespace dualsat
} // namespace gr
