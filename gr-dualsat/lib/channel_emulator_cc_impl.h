// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <dualsat/channel/channel_emulator.h>
#include <gnuradio/dualsat/channel_emulator_cc.h>
#include <mutex>

namespace gr {
namespace dualsat {

class channel_emulator_cc_impl : public channel_emulator_cc
{
public:
    explicit channel_emulator_cc_impl(const ::dualsat::ChannelConfig& config);

    void set_esn0_db(double esn0_db) override;
    void set_frequency_offset(double hz) override;
    void set_signal_gain(double amplitude) override;
    double noise_variance() const override;
    uint64_t nans_injected() const override;

    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    mutable std::mutex d_mutex;
    ::dualsat::ChannelEmulator d_channel;
    const double d_ratio; // output samples per input sample
};

} // namespace dualsat
} // namespace gr
