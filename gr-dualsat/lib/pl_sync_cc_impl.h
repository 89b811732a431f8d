// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <dualsat/rx/symbol_receiver.h>
#include <gnuradio/dualsat/pl_sync_cc.h>
#include <mutex>

namespace gr {
namespace dualsat {

class pl_sync_cc_impl : public pl_sync_cc
{
public:
    pl_sync_cc_impl(int gold_code, float acquisition_threshold, int confirm_frames,
                    int max_missed_frames);

    bool locked() const override;
    uint64_t frames_out() const override;
    uint64_t acquisitions() const override;
    uint64_t lock_losses() const override;
    uint64_t false_detections() const override;
    uint64_t missed_headers() const override;
    uint64_t nonfinite_symbols() const override;

    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    mutable std::mutex d_mutex;
    ::dualsat::SymbolReceiver d_rx;
    ::dualsat::RxFrame d_frame;
    bool d_have_frame = false; // d_frame waits for output space
    uint64_t d_frames_out = 0;
};

} // namespace dualsat
} // namespace gr
