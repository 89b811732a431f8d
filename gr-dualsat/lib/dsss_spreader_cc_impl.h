// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <dualsat/antijam/dsss_spreader.h>
#include <gnuradio/dualsat/dsss_spreader_cc.h>

#include <mutex>
#include <vector>

namespace gr {
namespace dualsat {

class dsss_spreader_cc_impl : public dsss_spreader_cc
{
public:
    dsss_spreader_cc_impl(std::shared_ptr<const ::dualsat::KeyedChipSequence> chips,
                          int sf,
                          const ::dualsat::DsssShaping& shaping,
                          uint64_t first_symbol_index);

    int sf() const override { return d_per_symbol / d_spc; }
    int samples_per_chip() const override { return d_spc; }
    double delay_chips() const override;
    uint64_t next_symbol_index() const override;

    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    mutable std::mutex d_mutex;
    ::dualsat::DsssSpreader d_spreader;
    const int d_spc;
    const int d_per_symbol; // output samples per input symbol
    std::vector<gr_complex> d_out;
};

} // namespace dualsat
} // namespace gr
