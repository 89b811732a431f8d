// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <dualsat/rx/rx_frontend.h>
#include <gnuradio/dualsat/rx_frontend_cc.h>

#include <mutex>

namespace gr {
namespace dualsat {

class rx_frontend_cc_impl : public rx_frontend_cc
{
public:
    rx_frontend_cc_impl(double symbol_rate, double sample_rate, double rolloff, double loop_bw);

    double clock_offset() const override;
    bool locked() const override;
    double lock_statistic() const override;
    double agc_gain_db() const override;
    uint64_t nonfinite_count() const override;
    void set_frequency_correction(double cycles_per_symbol) override;

    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    mutable std::mutex d_mutex; // getters/setters from other threads vs. work
    ::dualsat::RxFrontEnd d_fe;
};

} // namespace dualsat
} // namespace gr
