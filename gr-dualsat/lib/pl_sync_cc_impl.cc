// SPDX-License-Identifier: GPL-3.0-or-later
#include "pl_sync_cc_impl.h"

#include <dualsat/core/error.h>
#include <gnuradio/dualsat/tag_keys.h>
#include <gnuradio/io_signature.h>
#include <pmt/pmt.h>
#include <algorithm>
#include <string>

namespace gr {
namespace dualsat {

namespace {

constexpr int kMaxDataSymbols = 32400; // normal QPSK XFECFRAME

::dualsat::SymbolReceiverConfig make_config(float acquisition_threshold, int confirm_frames,
                                            int max_missed_frames)
{
    ::dualsat::SymbolReceiverConfig c;
    c.sync.acquisition_threshold = acquisition_threshold;
    c.sync.confirm_frames = confirm_frames;
    c.sync.max_missed_frames = max_missed_frames;
    return c;
}

uint32_t checked_gold_code(int gold_code)
{
    if (gold_code < 0 || static_cast<uint32_t>(gold_code) > ::dualsat::GoldScrambling::kMaxCode)
        throw ::dualsat::ConfigError("PL scrambling Gold code " + std::to_string(gold_code) +
                                     " is outside 0..262141");
    return static_cast<uint32_t>(gold_code);
}

} // namespace

pl_sync_cc::sptr pl_sync_cc::make(int gold_code, float acquisition_threshold,
                                  int confirm_frames, int max_missed_frames)
{
    return gnuradio::make_block_sptr<pl_sync_cc_impl>(gold_code, acquisition_threshold,
                                                      confirm_frames, max_missed_frames);
}

pl_sync_cc_impl::pl_sync_cc_impl(int gold_code, float acquisition_threshold,
                                 int confirm_frames, int max_missed_frames)
    : gr::block("pl_sync_cc",
                gr::io_signature::make(1, 1, sizeof(gr_complex)),
                gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_rx(checked_gold_code(gold_code),
           make_config(acquisition_threshold, confirm_frames, max_missed_frames))
{
    set_min_output_buffer(2 * kMaxDataSymbols);
    set_tag_propagation_policy(TPP_DONT);
}

bool pl_sync_cc_impl::locked() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_rx.state() == ::dualsat::SyncState::Locked;
}
uint64_t pl_sync_cc_impl::frames_out() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_frames_out;
}
uint64_t pl_sync_cc_impl::acquisitions() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_rx.sync_stats().acquisitions;
}
uint64_t pl_sync_cc_impl::lock_losses() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_rx.sync_stats().lock_losses;
}
uint64_t pl_sync_cc_impl::false_detections() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_rx.sync_stats().false_detections;
}
uint64_t pl_sync_cc_impl::missed_headers() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_rx.sync_stats().missed_headers;
}
uint64_t pl_sync_cc_impl::nonfinite_symbols() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_rx.sync_stats().nonfinite_symbols;
}

void pl_sync_cc_impl::forecast(int noutput_items, gr_vector_int& ninput_items_required)
{
    // Variable rate: no fixed input/output relation. A frame waiting for output space
    // needs no input; otherwise any input helps. (Asking for ~noutput inputs would make
    // the scheduler shrink noutput below a frame near the end of the stream.)
    (void)noutput_items;
    std::lock_guard<std::mutex> lock(d_mutex);
    ninput_items_required[0] = d_have_frame ? 0 : 1;
}

int pl_sync_cc_impl::general_work(int noutput_items,
                                  gr_vector_int& ninput_items,
                                  gr_vector_const_void_star& input_items,
                                  gr_vector_void_star& output_items)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    const auto* in = static_cast<const gr_complex*>(input_items[0]);
    auto* out = static_cast<gr_complex*>(output_items[0]);
    int produced = 0;
    int consumed = 0;
    for (;;) {
        if (!d_have_frame)
            d_have_frame = d_rx.next_frame(&d_frame);
        if (!d_have_frame) {
            if (consumed < ninput_items[0]) {
                // Feed a slice and look again.
                const int n = std::min(ninput_items[0] - consumed, 16384);
                d_rx.push(in + consumed, static_cast<size_t>(n));
                consumed += n;
                continue;
            }
            break;
        }
        const int n = static_cast<int>(d_frame.data.size());
        if (produced + n > noutput_items)
            break;
        std::copy(d_frame.data.begin(), d_frame.data.end(), out + produced);
        pmt::pmt_t d = pmt::make_dict();
        auto add = [&d](const pmt::pmt_t& key, const pmt::pmt_t& value) {
            d = pmt::dict_add(d, key, value);
        };
        add(pmt_key<dict_keys::modcod>(),
            pmt::from_long(::dualsat::modcod_number(d_frame.format.modcod)));
        add(pmt_key<dict_keys::frame>(), pmt::mp(::dualsat::to_string(d_frame.format.frame)));
        add(pmt_key<dict_keys::pilots>(), pmt::from_bool(d_frame.format.pilots));
        add(pmt_key<dict_keys::data_symbols>(), pmt::from_long(n));
        add(pmt_key<dict_keys::frame_counter>(), pmt::from_uint64(d_frame.frame_counter));
        add(pmt_key<dict_keys::esn0_db>(), pmt::from_double(d_frame.esn0_db));
        add(pmt_key<dict_keys::esn0_db_smoothed>(), pmt::from_double(d_frame.esn0_db_smoothed));
        add(pmt_key<dict_keys::noise_var>(), pmt::from_double(d_frame.noise_variance));
        add(pmt_key<dict_keys::cfo>(), pmt::from_double(d_frame.cfo));
        add(pmt_key<dict_keys::header_confirmed>(), pmt::from_bool(d_frame.header_confirmed));
        add(pmt_key<dict_keys::carrier_fine>(), pmt::from_bool(d_frame.carrier_fine));
        add_item_tag(0, nitems_written(0) + static_cast<uint64_t>(produced),
                     pmt_key<tag_keys::plframe>(), d);
        produced += n;
        ++d_frames_out;
        d_have_frame = false;
    }
    consume_each(consumed);
    return produced;
}

} // namespace dualsat
} // namespace gr
