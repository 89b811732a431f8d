// SPDX-License-Identifier: GPL-3.0-or-later
#include "dsss_spreader_cc_impl.h"

#include "antijam_keys.h"

#include <gnuradio/io_signature.h>

#include <algorithm>
#include <cstring>

namespace gr {
namespace dualsat {

dsss_spreader_cc::sptr dsss_spreader_cc::make(const std::string& key_file,
                                              int link_id,
                                              ::dualsat::LinkDirection direction,
                                              int64_t epoch,
                                              int sf,
                                              double rolloff,
                                              int span_chips,
                                              int samples_per_chip,
                                              uint64_t first_symbol_index)
{
    ::dualsat::KeyedChipSequence::check_sf(sf);
    ::dualsat::DsssShaping sh;
    sh.rolloff = rolloff;
    sh.span_chips = span_chips;
    sh.samples_per_chip = samples_per_chip;
    ::dualsat::check_dsss_shaping(sh);
    return gnuradio::make_block_sptr<dsss_spreader_cc_impl>(
        make_chip_sequence(key_file, link_id, direction, epoch), sf, sh, first_symbol_index);
}

dsss_spreader_cc_impl::dsss_spreader_cc_impl(std::shared_ptr<const ::dualsat::KeyedChipSequence> chips,
                                             int sf,
                                             const ::dualsat::DsssShaping& shaping,
                                             uint64_t first_symbol_index)
    : gr::block("dsss_spreader_cc",
                gr::io_signature::make(1, 1, sizeof(gr_complex)),
                gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_spreader(std::move(chips), sf, shaping, first_symbol_index),
      d_spc(shaping.samples_per_chip),
      d_per_symbol(sf * shaping.samples_per_chip)
{
    set_relative_rate(static_cast<uint64_t>(d_per_symbol), 1);
    set_output_multiple(d_per_symbol);
    set_tag_propagation_policy(TPP_DONT);
}

double dsss_spreader_cc_impl::delay_chips() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_spreader.delay_chips();
}

uint64_t dsss_spreader_cc_impl::next_symbol_index() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_spreader.next_symbol_index();
}

void dsss_spreader_cc_impl::forecast(int noutput_items, gr_vector_int& ninput_items_required)
{
    ninput_items_required[0] = std::max(1, noutput_items / d_per_symbol);
}

int dsss_spreader_cc_impl::general_work(int noutput_items,
                                        gr_vector_int& ninput_items,
                                        gr_vector_const_void_star& input_items,
                                        gr_vector_void_star& output_items)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    const auto* in = static_cast<const gr_complex*>(input_items[0]);
    auto* out = static_cast<gr_complex*>(output_items[0]);
    const int n = std::min(ninput_items[0], noutput_items / d_per_symbol);
    if (n <= 0)
        return 0;
    d_out.clear();
    d_spreader.process(in, static_cast<size_t>(n), d_out);
    std::memcpy(out, d_out.data(), d_out.size() * sizeof(gr_complex));
    consume_each(n);
    return static_cast<int>(d_out.size());
}

} // namespace dualsat
} // namespace gr
