// SPDX-License-Identifier: GPL-3.0-or-later
#include "physical_cc_impl.h"

#include <dualsat/core/error.h>
#include <gnuradio/io_signature.h>
#include <algorithm>
#include <string>

namespace gr {
namespace dualsat {

namespace {

// Validates before anything is built from it: an unknown MODCOD or short 9/10 and a Gold
// code outside 0..262141 are configuration errors, not crashes.
::dualsat::FrameFormat checked_format(::dualsat::FrameSize frame,
                                      ::dualsat::CodeRate rate,
                                      ::dualsat::Modulation constellation,
                                      bool pilots)
{
    ::dualsat::FrameFormat format{ { constellation, rate }, frame, pilots };
    (void)::dualsat::pls_code(format);
    return format;
}

uint32_t checked_gold_code(int gold_code)
{
    if (gold_code < 0 || static_cast<uint32_t>(gold_code) > ::dualsat::GoldScrambling::kMaxCode)
        throw ::dualsat::ConfigError("PL scrambling Gold code " + std::to_string(gold_code) +
                                     " is outside 0..262141");
    return static_cast<uint32_t>(gold_code);
}

} // namespace

physical_cc::sptr physical_cc::make(::dualsat::FrameSize frame,
                                    ::dualsat::CodeRate rate,
                                    ::dualsat::Modulation constellation,
                                    bool pilots,
                                    int gold_code,
                                    bool zero_stuff)
{
    return gnuradio::make_block_sptr<physical_cc_impl>(frame, rate, constellation, pilots,
                                                       gold_code, zero_stuff);
}

physical_cc_impl::physical_cc_impl(::dualsat::FrameSize frame,
                                   ::dualsat::CodeRate rate,
                                   ::dualsat::Modulation constellation,
                                   bool pilots,
                                   int gold_code,
                                   bool zero_stuff)
    : gr::block("physical_cc",
                gr::io_signature::make(1, 1, sizeof(gr_complex)),
                gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_format(checked_format(frame, rate, constellation, pilots)),
      d_data_symbols(d_format.data_symbols()),
      d_plframe_symbols(d_format.plframe_symbols()),
      d_zero_stuff(zero_stuff),
      d_framer(checked_gold_code(gold_code)),
      d_frame(zero_stuff ? static_cast<size_t>(d_plframe_symbols) : 0)
{
    set_output_multiple(output_items_per_frame());
    set_relative_rate(static_cast<uint64_t>(output_items_per_frame()),
                      static_cast<uint64_t>(d_data_symbols));
}

void physical_cc_impl::forecast(int noutput_items, gr_vector_int& ninput_items_required)
{
    ninput_items_required[0] = (noutput_items / output_items_per_frame()) * d_data_symbols;
}

int physical_cc_impl::general_work(int noutput_items,
                                   gr_vector_int& ninput_items,
                                   gr_vector_const_void_star& input_items,
                                   gr_vector_void_star& output_items)
{
    const auto* in = static_cast<const gr_complex*>(input_items[0]);
    auto* out = static_cast<gr_complex*>(output_items[0]);
    const int per_frame = output_items_per_frame();
    const int frames = std::min(noutput_items / per_frame, ninput_items[0] / d_data_symbols);
    for (int f = 0; f < frames; ++f) {
        const gr_complex* data = in + static_cast<size_t>(f) * d_data_symbols;
        gr_complex* dest = out + static_cast<size_t>(f) * per_frame;
        if (!d_zero_stuff) {
            d_framer.frame(d_format, data, dest);
            continue;
        }
        d_framer.frame(d_format, data, d_frame.data());
        for (int k = 0; k < d_plframe_symbols; ++k) {
            dest[2 * k] = d_frame[static_cast<size_t>(k)];
            dest[2 * k + 1] = gr_complex(0.0f, 0.0f);
        }
    }
    consume_each(frames * d_data_symbols);
    return frames * per_frame;
}

} // namespace dualsat
} // namespace gr
