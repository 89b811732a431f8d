// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <dualsat/antijam/dsss_receiver.h>
#include <gnuradio/dualsat/dsss_despreader_cc.h>

#include <deque>
#include <mutex>
#include <vector>

namespace gr {
namespace dualsat {

class dsss_despreader_cc_impl : public dsss_despreader_cc
{
public:
    dsss_despreader_cc_impl(std::shared_ptr<const ::dualsat::KeyedChipSequence> chips,
                            const ::dualsat::DsssReceiverConfig& config);

    bool locked() const override;
    double code_phase_chips() const override;
    double cfo() const override;
    double esn0_db() const override;
    double lock_ratio() const override;
    uint64_t searches() const override;
    uint64_t acquisitions() const override;
    uint64_t lock_losses() const override;
    uint64_t symbols_out() const override;
    uint64_t nonfinite_samples() const override;
    ::dualsat::DsssReceiverStats stats() const override;
    ::dualsat::DsssAcquisition last_acquisition() const override;
    ::dualsat::DsssAcquisition first_acquisition() const override;

    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    mutable std::mutex d_mutex;
    ::dualsat::DsssReceiver d_rx;
    const int d_per_symbol; // input samples per output symbol
    std::vector<gr_complex> d_symbols;
    std::vector<uint64_t> d_indices;
    std::deque<gr_complex> d_pending;
    std::deque<uint64_t> d_pending_index;
    uint64_t d_last_index = 0;
    bool d_have_last = false;
    ::dualsat::DsssAcquisition d_first_acq; // the first detection (detected false before)
};

} // namespace dualsat
} // namespace gr
