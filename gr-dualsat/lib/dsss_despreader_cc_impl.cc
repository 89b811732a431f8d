// SPDX-License-Identifier: GPL-3.0-or-later
#include "dsss_despreader_cc_impl.h"

#include "antijam_keys.h"

#include <gnuradio/io_signature.h>

#include <algorithm>

namespace gr {
namespace dualsat {

dsss_despreader_cc::sptr dsss_despreader_cc::make(const std::string& key_file,
                                                  int link_id,
                                                  ::dualsat::LinkDirection direction,
                                                  int64_t epoch,
                                                  int sf,
                                                  double rolloff,
                                                  int span_chips,
                                                  int samples_per_chip,
                                                  uint64_t first_symbol_index,
                                                  double code_window_chips,
                                                  double max_cfo,
                                                  int acquisition_symbols,
                                                  double false_alarm_probability,
                                                  int refine_symbols,
                                                  int erasure_blocks,
                                                  double reanchor_cycles_per_symbol)
{
    ::dualsat::DsssReceiverConfig c;
    c.sf = sf;
    c.shaping.rolloff = rolloff;
    c.shaping.span_chips = span_chips;
    c.shaping.samples_per_chip = samples_per_chip;
    c.first_symbol_index = first_symbol_index;
    c.code_window_chips = code_window_chips;
    c.max_cfo = max_cfo;
    c.acquisition_symbols = acquisition_symbols;
    c.false_alarm_probability = false_alarm_probability;
    c.refine_symbols = refine_symbols;
    c.erasure_blocks = erasure_blocks;
    c.reanchor_cycles_per_symbol = reanchor_cycles_per_symbol;
    ::dualsat::KeyedChipSequence::check_sf(sf);
    ::dualsat::check_dsss_shaping(c.shaping);
    return gnuradio::make_block_sptr<dsss_despreader_cc_impl>(
        make_chip_sequence(key_file, link_id, direction, epoch), c);
}

dsss_despreader_cc_impl::dsss_despreader_cc_impl(std::shared_ptr<const ::dualsat::KeyedChipSequence> chips,
                                                 const ::dualsat::DsssReceiverConfig& config)
    : gr::block("dsss_despreader_cc",
                gr::io_signature::make(1, 1, sizeof(gr_complex)),
                gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_rx(std::move(chips), config),
      d_per_symbol(config.sf * config.shaping.samples_per_chip)
{
    set_relative_rate(1, static_cast<uint64_t>(d_per_symbol));
    set_tag_propagation_policy(TPP_DONT);
}

::dualsat::DsssReceiverStats dsss_despreader_cc_impl::stats() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_rx.stats();
}

::dualsat::DsssAcquisition dsss_despreader_cc_impl::last_acquisition() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_rx.last_acquisition();
}

::dualsat::DsssAcquisition dsss_despreader_cc_impl::first_acquisition() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_first_acq;
}

bool dsss_despreader_cc_impl::locked() const { return stats().locked; }
double dsss_despreader_cc_impl::code_phase_chips() const { return stats().code_phase_chips; }
double dsss_despreader_cc_impl::cfo() const { return stats().cfo; }
double dsss_despreader_cc_impl::esn0_db() const { return stats().esn0_db; }
double dsss_despreader_cc_impl::lock_ratio() const { return stats().lock_ratio; }
uint64_t dsss_despreader_cc_impl::searches() const { return stats().searches; }
uint64_t dsss_despreader_cc_impl::acquisitions() const { return stats().acquisitions; }
uint64_t dsss_despreader_cc_impl::lock_losses() const { return stats().lock_losses; }
uint64_t dsss_despreader_cc_impl::symbols_out() const { return stats().symbols_out; }
uint64_t dsss_despreader_cc_impl::nonfinite_samples() const { return stats().nonfinite_samples; }

void dsss_despreader_cc_impl::forecast(int noutput_items, gr_vector_int& ninput_items_required)
{
    // The receiver takes any number of samples and keeps a symbol's partial samples
    // itself, so one sample makes progress (the scheduler offers all it has). Asking for
    // a whole symbol's worth lost the stream's last symbol whenever the input ended with
    // fewer samples waiting than that, though with the ones already held they completed
    // it: the output's length then hung on how the scheduler had cut the stream.
    // Symbols held back (more than the output had room for) need no input: asking for none
    // lets the scheduler call work() to deliver them after the input has ended.
    (void)noutput_items;
    ninput_items_required[0] = d_pending.empty() ? 1 : 0;
}

int dsss_despreader_cc_impl::general_work(int noutput_items,
                                          gr_vector_int& ninput_items,
                                          gr_vector_const_void_star& input_items,
                                          gr_vector_void_star& output_items)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    const auto* in = static_cast<const gr_complex*>(input_items[0]);
    auto* out = static_cast<gr_complex*>(output_items[0]);
    if (d_pending.size() < static_cast<size_t>(noutput_items)) {
        const int n = std::min(ninput_items[0], 1 << 18);
        d_rx.process(in, static_cast<size_t>(n), d_symbols, &d_indices);
        // The first detection, kept (later searches overwrite the receiver's last one);
        // copied again while it is still the last one, as its refinement completes.
        if (d_rx.stats().acquisitions == 1 && d_rx.last_acquisition().detected)
            d_first_acq = d_rx.last_acquisition();
        d_pending.insert(d_pending.end(), d_symbols.begin(), d_symbols.end());
        d_pending_index.insert(d_pending_index.end(), d_indices.begin(), d_indices.end());
        d_symbols.clear();
        d_indices.clear();
        consume_each(n);
    }
    const size_t k = std::min(d_pending.size(), static_cast<size_t>(noutput_items));
    const auto& st = d_rx.stats();
    for (size_t i = 0; i < k; ++i) {
        const uint64_t index = d_pending_index[i];
        // A jump in the symbol index: the first symbol after an acquisition.
        if (!d_have_last || index != d_last_index + 1) {
            pmt::pmt_t d = pmt::make_dict();
            d = pmt::dict_add(d, pmt::mp("symbol"), pmt::from_uint64(index));
            d = pmt::dict_add(d, pmt::mp("code_phase_chips"), pmt::from_double(st.code_phase_chips));
            d = pmt::dict_add(d, pmt::mp("cfo"), pmt::from_double(st.cfo));
            add_item_tag(0, nitems_written(0) + i, pmt::mp("dsss_lock"), d, alias_pmt());
        }
        d_have_last = true;
        d_last_index = index;
        out[i] = d_pending[i];
    }
    d_pending.erase(d_pending.begin(), d_pending.begin() + static_cast<std::ptrdiff_t>(k));
    d_pending_index.erase(d_pending_index.begin(), d_pending_index.begin() + static_cast<std::ptrdiff_t>(k));
    return static_cast<int>(k);
}

} // namespace dualsat
} // namespace gr
